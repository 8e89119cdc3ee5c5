"""The central area: one app as a table, with its filter bar and the offline banner.

Opening an app reads its definition (memory, cache, then Podio), builds the columns, restores
the remembered layout and shows the first page. Sorting, filtering, searching and choosing a
Podio view are all new queries on the same model (one reset each); the rows come from the
account's page source: the cache when it can answer (app fully synced, or offline), otherwise
Podio.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import shiboken6
from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from podio_desk.domain.fields import (
    CategoryValue,
    ContactValue,
    DateValue,
    FieldDef,
    FieldType,
    MoneyValue,
    NumberValue,
    ProgressValue,
    RelationshipValue,
    is_empty,
)
from podio_desk.domain.items import Item
from podio_desk.domain.workspace import App, View
from podio_desk.services.paging import PageQuery, PageSource
from podio_desk.services.session import AccountSession
from podio_desk.ui.column_chooser import ColumnChooser
from podio_desk.ui.filter_bar import FilterBar
from podio_desk.ui.filters.grouping import Grouping
from podio_desk.ui.filters.summary import QuerySummary
from podio_desk.ui.offline_banner import OfflineBanner
from podio_desk.ui.table import ItemTableModel, ItemTableView, TableRow, TaskSpawner
from podio_desk.ui.table.cells import Cell, Roles
from podio_desk.ui.table.columns import columns_for_app, default_width
from podio_desk.ui.table.menus import HeaderActions, RowActions, header_menu, row_menu
from podio_desk.ui.totals import TotalsFooter
from podio_desk.ui.view_state import TableLayout, ViewState

log = logging.getLogger(__name__)

SAVE_LAYOUT_DELAY_MS = 500
SERVER_MODE = "Sorted and filtered by Podio"
CACHE_MODE = "Sorted and filtered in the local cache"
OFFLINE_MODE = "Offline: rows from the local cache"


@dataclass(frozen=True)
class Place:
    """Where the user was in an app: Back returns there."""

    app_id: int
    item_id: int
    query: PageQuery | None
    filters: dict[str, Any]
    search: str
    scroll_y: int
    row: int
    column: int


class AppBrowser(QWidget):
    """See the module docstring.

    Signals:
        item_activated(app_id, item_id): double-click or Enter on a row.
        app_opened(app_id): the app's first rows are shown.
        message(str): something worth a status-bar line (a failed load, …).
        mode_changed(str): who sorts and filters now ("Sorted and filtered by Podio", …).
        app_total_known(app_id, total): the number of items in the app (unfiltered).
        new_item_requested(app_id): the "New item" button was pressed.
        navigate_requested(app_id, item_id): show this app and open this item (0: none):
            a related item opened from the table, or Back.
    """

    item_activated = Signal(int, int)
    app_opened = Signal(int)
    message = Signal(str)
    mode_changed = Signal(str)
    app_total_known = Signal(int, int)
    new_item_requested = Signal(int)
    navigate_requested = Signal(int, int)

    def __init__(
        self, runner: TaskSpawner, view_state: ViewState, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("appBrowser")
        self._runner = runner
        self._view_state = view_state
        self._sources: dict[str, PageSource[TableRow[Item]]] = {}
        self.workspace: AccountSession | None = None
        self.app: App | None = None
        self._fully_synced = False
        self._layout_state = TableLayout()
        self._base_sort: tuple[str | None, bool] = (None, False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.banner = OfflineBanner(self)
        self.title = QLabel(self)
        self.title.setObjectName("appTitle")
        self.title.setStyleSheet("QLabel { font-size: 14pt; font-weight: 600; padding: 4px; }")
        self.new_item_button = QToolButton(self)
        self.new_item_button.setObjectName("newItemButton")
        self.new_item_button.setText("New item")
        self.new_item_button.setToolTip("Create an item in this app (Ctrl+N)")
        self.new_item_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.new_item_button.setEnabled(False)
        self.new_item_button.clicked.connect(self._request_new_item)
        # Back to the app (and item) shown before a related item was opened here: with its
        # filters, search, sort, scroll position and current cell.
        self.history: list[Place] = []
        self._returning: Place | None = None
        self._restore_rows: Place | None = None
        self._restore_scroll_y: int | None = None
        self.back_action = QAction("Back", self)
        self.back_action.setObjectName("backAction")
        self.back_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Back))
        self.back_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.back_action.setToolTip("Back to the app and item shown before (Alt+Left)")
        self.back_action.setEnabled(False)
        self.back_action.triggered.connect(self.go_back)
        self.addAction(self.back_action)
        self.back_button = QToolButton(self)
        self.back_button.setObjectName("backButton")
        self.back_button.setDefaultAction(self.back_action)
        self.back_button.setArrowType(Qt.ArrowType.LeftArrow)
        self.back_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        title_row = QHBoxLayout()
        title_row.setContentsMargins(0, 0, 4, 0)
        title_row.addWidget(self.back_button)
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.new_item_button)
        self.filter_bar = FilterBar(self)
        self.view = ItemTableView(self)
        self.model: ItemTableModel[Item] = ItemTableModel(
            PageSource(cache=None, api=None), runner=runner, parent=self
        )
        self.view.setModel(self.model)
        self.totals = TotalsFooter(self.view, self)
        self.summary = QuerySummary(
            self.filter_bar,
            self.totals,
            self._runner.run,
            lambda: [column.key for column in self.model.columns],
        )
        layout.addWidget(self.banner)
        layout.addLayout(title_row)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.view, 1)
        self.group_note = QLabel(self)
        self.group_view = QTreeView(self)
        self.group_view.setObjectName("groupView")
        self.grouping = Grouping(
            self.group_view,
            self.view,
            self.totals,
            self.group_note,
            self._runner.run,
            lambda item: self.item_activated.emit(item.app_id or 0, item.item_id),
        )
        layout.addWidget(self.group_note)
        layout.addWidget(self.group_view, 1)
        layout.addWidget(self.totals)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_LAYOUT_DELAY_MS)
        self._save_timer.timeout.connect(self._save_layout)
        header = self.view.horizontalHeader()
        header.sectionResized.connect(lambda *_: self._save_timer.start())
        header.sectionMoved.connect(lambda *_: self._save_timer.start())
        self.view.horizontalScrollBar().valueChanged.connect(lambda *_: self._save_timer.start())
        # The remembered horizontal position waits for the columns' scroll range.
        self._restore_scroll_x: int | None = None
        self.view.horizontalScrollBar().rangeChanged.connect(lambda *_: self._apply_scroll_x())
        self.view.verticalScrollBar().rangeChanged.connect(self._apply_scroll_y)
        self.view.horizontalScrollBar().actionTriggered.connect(self._forget_scroll_x)
        self.view.header_menu_requested.connect(self._header_menu)
        self.view.row_menu_requested.connect(self._row_menu)
        self.view.related_activated.connect(self.open_related)
        self.view.message.connect(self.message)
        self.view.item_activated.connect(self.item_activated)
        self.model.total_changed.connect(self._on_total)
        self.model.origin_changed.connect(lambda _origin: self._show_mode())
        self.model.load_failed.connect(self.message)
        self.model.query_changed.connect(self._after_reset)
        self.filter_bar.filters_changed.connect(self._on_filters)
        self.filter_bar.search_changed.connect(self._on_search)
        self.filter_bar.view_selected.connect(self._on_view)
        self.filter_bar.columns_requested.connect(self.choose_columns)
        self.filter_bar.group_by_changed.connect(self._group_by)
        self.filter_bar.candidates = self._candidates
        self.filter_bar.reference_search = self._search_references
        self.filter_bar.spawn = self._runner.run
        self.filter_bar.view_combo.about_to_show.connect(self.load_views)
        self._views_loaded_for: int | None = None
        self.filter_bar.setEnabled(False)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.activated.connect(self._focus_search)

    # ------------------------------------------------------------------ public

    def open_app(self, workspace: AccountSession, app_id: int) -> asyncio.Task[Any]:
        """Show `app_id` of `workspace` (latest request wins)."""
        return self._runner.run("browser:open", self._open(workspace, app_id))

    def source_for(self, workspace: AccountSession) -> PageSource[TableRow[Item]]:
        source = self._sources.get(workspace.key)
        if source is None:
            source = PageSource(cache=workspace.cache_pages, api=workspace.api_pages)
            source.set_online(workspace.online)
            self._sources[workspace.key] = source
        return source

    def set_online(self, workspace: AccountSession, online: bool, since: datetime | None) -> None:
        source = self._sources.get(workspace.key)
        if source is not None:
            source.set_online(online)
        if workspace is self.workspace:
            self.model.set_online(online)
            self.banner.set_offline(None if online else since)
            self._show_mode()
            if online:
                self._after_reconnect(workspace)

    def _after_reconnect(self, workspace: AccountSession) -> None:
        """Back online: what was shown from a partial cache is read from Podio again (its
        rows and count), an app opened without its fields is opened again."""
        app = self.app
        if app is None:
            return
        if not app.fields:
            self.open_app(workspace, app.app_id)
        elif self.model.origin == "cache" and not self._fully_synced:
            self.reload()

    def retry(self) -> None:
        """F5: rows that failed to load are asked for again now."""
        self.model.retry_failed()

    def set_synced_at(self, synced_at: datetime | None) -> None:
        self.banner.set_synced_at(synced_at)

    def set_fully_synced(self, fully_synced: bool) -> None:
        self._fully_synced = fully_synced
        self._show_mode()

    def reload(self) -> None:
        """Read the current query again (after a sync, a new item, a reconnect): the rows
        on screen stay until fresh ones arrive, even through a 420 wait."""
        if self.model.query is not None:
            self.model.refresh()

    def item_saved(self, item: Item) -> None:
        """An item was saved elsewhere (the editor): show the new values in its row."""
        if self.app is not None and item.app_id in (None, self.app.app_id):
            self.model.replace_item(dataclasses.replace(item, raw={}))
            # The saved values are in the cache by now: the totals count them.
            self.refresh_summary()

    def refresh_summary(self) -> None:
        """The count beside the search and the totals again (the cache changed)."""
        query = self._query()
        if query is not None and self.workspace is not None and self.app is not None:
            self.summary.on_total(self.workspace, self.app, query, self.model.rowCount())

    def close_app(self) -> None:
        self._save_layout()
        self.model.close()

    async def aclose(self) -> None:
        if shiboken6.isValid(self._save_timer):
            self._save_timer.stop()
        await self.model.aclose()
        for source in self._sources.values():
            await source.aclose()

    def choose_columns(self) -> None:
        columns = self.model.columns
        if not columns:
            return
        dialog = ColumnChooser([c.label for c in columns], self.view.horizontalHeader(), self)

        def apply() -> None:
            dialog.apply_to(self.view.horizontalHeader())
            self._save_layout()

        dialog.accepted.connect(apply)
        dialog.open()

    def context(self) -> tuple[str | None, str | None]:
        """The app shown and its account's name, for the window title."""
        app, workspace = self.app, self.workspace
        return (app.name if app else None, workspace.label if workspace else None)

    def mode_text(self) -> str:
        return self.filter_bar.mode_label.text()

    # ------------------------------------------------------------------ opening

    async def _open(self, workspace: AccountSession, app_id: int) -> None:
        self._save_layout()
        self.title.setText("Opening…")
        app = await workspace.app_definition(app_id)
        fully_synced = await workspace.is_fully_synced(app_id)
        self.workspace = workspace
        self.app = app
        self._fully_synced = fully_synced
        self.model.set_source(self.source_for(workspace))
        self.model.set_online(workspace.online)
        layout = self._view_state.layout(app_id)
        self._layout_state = layout
        self._base_sort = (layout.sort_by, layout.sort_desc)
        self.title.setText(app.name)
        self.summary.app_opened()
        self.grouping.set_field(None)
        self.filter_bar.set_app(app)
        self.filter_bar.setEnabled(True)
        self.new_item_button.setEnabled(True)
        self.banner.set_offline(None if workspace.online else workspace.offline_since)
        self.banner.set_cached_rows(None)
        query = PageQuery(app_id=app_id, sort_by=layout.sort_by, sort_desc=layout.sort_desc)
        place, self._returning = self._returning, None
        self._restore_rows = None
        self._restore_scroll_y = None
        if place is not None and place.app_id == app_id and place.query is not None:
            # Back: the app as it was left (the filter bar shows the same filters and search).
            query = place.query
            self.filter_bar.set_filters(place.filters)
            self.filter_bar.search.blockSignals(True)
            self.filter_bar.search.setText(place.search)
            self.filter_bar.search.blockSignals(False)
            self._restore_rows = place
        self.model.show_query(query, columns_for_app(app))
        columns = self.model.columns
        ViewState.apply(
            self.view.horizontalHeader(),
            [c.key for c in columns],
            layout,
            [default_width(c) for c in columns],
        )
        self.view.set_frozen_count(layout.frozen)
        self._restore_scroll_x = layout.scroll_x
        self._apply_scroll_x()
        self._views_loaded_for = None
        self._show_mode()

    def load_views(self) -> asyncio.Task[Any] | None:
        """Fetch the app's Podio views (once per app; on demand, so opening costs no call)."""
        workspace, app = self.workspace, self.app
        if workspace is None or app is None or self._views_loaded_for == app.app_id:
            return None
        self._views_loaded_for = app.app_id
        return self._runner.run("browser:views", self._load_views(workspace, app.app_id))

    async def _load_views(self, workspace: AccountSession, app_id: int) -> None:
        try:
            views = await workspace.views(app_id)
        except Exception:
            self._views_loaded_for = None
            raise
        if self.app is not None and self.app.app_id == app_id:
            # An open list updates in place: the views appear in it as they arrive.
            self.filter_bar.set_views(views)

    # ------------------------------------------------------------------ queries

    def _query(self) -> PageQuery | None:
        return self.model.query

    def _on_filters(self, filters: dict[str, Any]) -> None:
        query = self._query()
        if query is not None:
            self.model.show_query(replace(query, filters=PageQuery.freeze_filters(filters)))

    def _on_search(self, text: str) -> None:
        query = self._query()
        if query is not None and query.search != text:
            self.model.show_query(replace(query, search=text))

    def _on_view(self, view: View | None) -> None:
        """A Podio view becomes our own sort and filters (so it also works from the cache)."""
        query = self._query()
        if query is None:
            return
        if view is None:
            sort_by, sort_desc = self._base_sort
            self.filter_bar.set_filters({})
            self.model.show_query(replace(query, sort_by=sort_by, sort_desc=sort_desc, filters=()))
            return
        filters = {f.key: f.values for f in view.filters if f.values not in (None, [], {})}
        self.filter_bar.set_filters(filters)
        self.model.show_query(
            replace(
                query,
                sort_by=view.sort_by or query.sort_by,
                sort_desc=view.sort_desc if view.sort_by else query.sort_desc,
                filters=PageQuery.freeze_filters(filters),
            )
        )

    def _after_reset(self) -> None:
        query = self._query()
        if query is None:
            return
        if (
            self._layout_state.sort_by != query.sort_by
            or self._layout_state.sort_desc != query.sort_desc
        ):
            self._layout_state.sort_by = query.sort_by
            self._layout_state.sort_desc = query.sort_desc
            self._save_timer.start()
        self.filter_bar.set_count(None)

    def _on_total(self, total: int) -> None:
        returned = self._restore_rows is not None
        if returned:
            self._restore_place()
        query = self._query()
        filtered = query is not None and bool(query.filters or query.search)
        if query is not None and self.workspace is not None and self.app is not None:
            self.summary.on_total(self.workspace, self.app, query, total)
            self.grouping.refresh(self.workspace, query, self.model.columns)
        else:
            self.filter_bar.set_count(total, filtered=filtered)
        if query is not None and not filtered and self.app is not None:
            cached = self.model.origin == "cache"
            self.banner.set_cached_rows(
                self.app.name if cached else None, total, complete=self._fully_synced
            )
        if query is not None and (not filtered or returned):
            self.app_opened.emit(query.app_id)
            # Only Podio's count (or a full copy's) is the app's; a partial cache counts less.
            if self.model.origin == "server" or self._fully_synced:
                self.app_total_known.emit(query.app_id, total)

    def _show_mode(self) -> None:
        workspace = self.workspace
        if workspace is None:
            return
        query = self._query()
        if not workspace.online:
            text, tip = (
                OFFLINE_MODE,
                "Podio cannot be reached; sort, filter and search run on the cached copy.",
            )
        elif query is not None and query.search:
            text, tip = "Search in the local cache", "Full-text search runs on the cached copy."
        elif self.model.origin == "cache" or self._fully_synced:
            text, tip = CACHE_MODE, "The app is fully synced, so the local copy answers at once."
        else:
            text, tip = (
                SERVER_MODE,
                "The app is not fully synced: Podio sorts and filters (sort_by).",
            )
        if text != self.filter_bar.mode_label.text():
            self.filter_bar.set_mode(text, tip)
            self.mode_changed.emit(text)

    # ------------------------------------------------------------------ helpers

    def _candidates(self, fdef: FieldDef) -> list[tuple[int, str]]:
        seen: dict[int, str] = {}
        for item in self.model.loaded_items():
            value = item.values.get(fdef.field_id)
            if isinstance(value, RelationshipValue):
                for related in value.items:
                    seen.setdefault(related.item_id, related.title)
            elif isinstance(value, ContactValue):
                for contact in value.contacts:
                    seen.setdefault(contact.profile_id, contact.name)
        return sorted(seen.items(), key=lambda pair: pair[1].lower())

    async def _search_references(self, fdef: FieldDef, text: str) -> list[tuple[int, str]]:
        """Every value a relationship or contact filter can take: the cache and Podio."""
        workspace, app = self.workspace, self.app
        if workspace is None or app is None:
            return []
        if fdef.field_type is FieldType.CONTACT:
            contacts = await workspace.editing.find_contacts(app, fdef, text, limit=50)
            return [(contact.profile_id, contact.name) for contact in contacts]
        related = await workspace.editing.find_related(fdef, text, limit=50)
        return [(entry.item_id, entry.title) for entry in related]

    def _group_by(self, fdef: FieldDef | None) -> None:
        self.grouping.set_field(fdef)
        query = self._query()
        if fdef is not None and query is not None and self.workspace is not None:
            self.grouping.refresh(self.workspace, query, self.model.columns)

    def _request_new_item(self) -> None:
        if self.app is not None:
            self.new_item_requested.emit(self.app.app_id)

    def _focus_search(self) -> None:
        self.filter_bar.search.setFocus()
        self.filter_bar.search.selectAll()

    def _save_layout(self) -> None:
        if self.app is None or not self.model.columns:
            return
        keys = [c.key for c in self.model.columns]
        layout = self._view_state.capture(self.view.horizontalHeader(), keys, self._layout_state)
        layout.frozen = self.view.frozen_count()
        waiting = self._restore_scroll_x
        layout.scroll_x = (
            waiting if waiting is not None else self.view.horizontalScrollBar().value()
        )
        self._layout_state = layout
        self._view_state.save_layout(self.app.app_id, layout)

    def _forget_scroll_x(self, *_args: object) -> None:
        """The user scrolled: their position wins over the remembered one."""
        self._restore_scroll_x = None

    def _apply_scroll_x(self) -> None:
        wanted = self._restore_scroll_x
        bar = self.view.horizontalScrollBar()
        if wanted is not None and bar.maximum() >= wanted:
            self._restore_scroll_x = None
            bar.setValue(wanted)

    # ------------------------------------------------------------------ navigation

    def open_related(self, app_id: int, item_id: int) -> None:
        """Show a related item's app and open the item; Back returns here."""
        if self.app is None:
            return
        current = self.view.currentIndex()
        shown = self.model.item_id_at(current.row()) if current.isValid() else None
        self.history.append(
            Place(
                app_id=self.app.app_id,
                item_id=shown or 0,
                query=self.model.query,
                filters=self.filter_bar.filters,
                search=self.filter_bar.search.text(),
                scroll_y=self.view.verticalScrollBar().value(),
                row=current.row() if current.isValid() else -1,
                column=current.column() if current.isValid() else 0,
            )
        )
        self.back_action.setEnabled(True)
        self.navigate_requested.emit(app_id, item_id)

    def go_back(self) -> None:
        if not self.history:
            return
        place = self.history.pop()
        self.back_action.setEnabled(bool(self.history))
        self._returning = place
        self.navigate_requested.emit(place.app_id, place.item_id)

    def _restore_place(self) -> None:
        """Back: once the rows are counted, the scroll position and the current cell."""
        place = self._restore_rows
        if place is None or self.app is None or self.app.app_id != place.app_id:
            return
        self._restore_rows = None
        if 0 <= place.row < self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(place.row, place.column))
        self._restore_scroll_y = place.scroll_y
        self._apply_scroll_y()

    def _apply_scroll_y(self, *_range: int) -> None:
        # The scroll bar's range grows once the view has laid out the counted rows.
        wanted = self._restore_scroll_y
        bar = self.view.verticalScrollBar()
        if wanted is not None and bar.maximum() >= wanted:
            self._restore_scroll_y = None
            bar.setValue(wanted)

    # ------------------------------------------------------------------ menus

    def _header_menu(self, where: QPoint, section: int) -> None:
        menu = self.header_menu_for(section, where)
        if menu is not None:
            menu.popup(where)

    def header_menu_for(self, section: int, where: QPoint) -> QMenu | None:
        """The header menu of a column (`where`: the global position it opens at)."""
        columns = self.model.columns
        if not 0 <= section < len(columns):
            return None
        column = columns[section]
        header = self.view.horizontalHeader()
        sortable = column.sort_by is not None
        frozen = self.view.frozen.frozen_columns()
        if section in frozen and len(frozen) > 1:
            freeze_label, count = "Unfreeze columns after the title", 1
        elif section in frozen:
            freeze_label, count = "Unfreeze the title", 0
        else:
            freeze_label, count = "Freeze columns up to here", header.visualIndex(section) + 1
        fdef = self._field_of(section)
        filterable = fdef is not None and fdef in self.filter_bar.filterable_fields()
        actions = HeaderActions(
            sort_ascending=(lambda: self.view.sort_by(section, False)) if sortable else None,
            sort_descending=(lambda: self.view.sort_by(section, True)) if sortable else None,
            hide=(lambda: self._hide_column(section)) if section != 0 else None,
            freeze=lambda: self._freeze(count),
            freeze_label=freeze_label,
            filter=(lambda: self.filter_bar.filter_menu.popup(where)) if filterable else None,
            choose_columns=self.choose_columns,
        )
        return header_menu(actions, self)

    def _row_menu(self, where: QPoint, index: QModelIndex) -> None:
        menu = self.row_menu_for(index)
        if menu is not None:
            menu.popup(where)

    def row_menu_for(self, index: QModelIndex) -> QMenu | None:
        """The menu of a loaded row, for the cell at `index`."""
        item = self.model.item_at(index.row())
        if item is None:
            return None
        cell = index.data(Roles.CELL)
        link = item.link
        filter_by = self._filter_by_value(index)
        editable = self.view.cell_delegate.commit is not None
        actions = RowActions(
            open_item=lambda: self.view.activate(index),
            open_in_podio=(lambda: QDesktopServices.openUrl(QUrl(link))) if link else None,
            copy_link=(lambda: self._copy_link(link)) if link else None,
            copy=self.view.copy_selection,
            paste=self.view.paste if editable else None,
            duplicate=(lambda: self.duplicate(item)) if self.workspace is not None else None,
            delete=(lambda: self.confirm_delete(item)) if self.workspace is not None else None,
            filter_by_value=filter_by[1] if filter_by is not None else None,
            filter_label=filter_by[0] if filter_by is not None else "Filter by this value",
            open_related=(
                (lambda: self.view.open_related(index))
                if isinstance(cell, Cell) and cell.related is not None
                else None
            ),
        )
        return row_menu(actions, self)

    def _field_of(self, column: int) -> FieldDef | None:
        app = self.app
        columns = self.model.columns
        if app is None or not 0 <= column < len(columns):
            return None
        if column == 0:
            return app.title_field
        return next((f for f in app.active_fields if str(f.field_id) == columns[column].key), None)

    def _filter_by_value(self, index: QModelIndex) -> tuple[str, Any] | None:
        """("Filter by …", action) for the cell's value, in Podio's filter grammar."""
        fdef = self._field_of(index.column())
        item = self.model.item_at(index.row())
        if fdef is None or item is None:
            return None
        value = item.values.get(fdef.field_id)
        if value is None or is_empty(value):
            return None
        key = str(fdef.field_id)
        text = str(index.data() or "")
        wanted: Any = None
        if isinstance(value, CategoryValue):
            wanted = [option.id for option in value.options]
        elif isinstance(value, RelationshipValue):
            wanted = list(value.item_ids)
        elif isinstance(value, ContactValue):
            wanted = [contact.profile_id for contact in value.contacts]
        elif isinstance(value, NumberValue):
            wanted = {"from": float(value.value), "to": float(value.value)}
        elif isinstance(value, MoneyValue):
            wanted = {"from": float(value.amount), "to": float(value.amount)}
        elif isinstance(value, ProgressValue):
            wanted = {"from": value.percent, "to": value.percent}
        elif isinstance(value, DateValue):
            day = value.start.date().isoformat()
            wanted = {"from": day, "to": day}
        if wanted is not None and fdef in self.filter_bar.filterable_fields():
            return (
                f"Filter: {fdef.label} is “{_short(text)}”",
                lambda: self.filter_bar.set_filter(key, wanted),
            )
        if fdef.field_type is FieldType.TEXT:
            # Podio filters no text field: the search finds the value instead.
            return (
                f"Search for “{_short(text)}”",
                lambda: self.filter_bar.search.setText(text),
            )
        return None

    def _hide_column(self, section: int) -> None:
        self.view.setColumnHidden(section, True)
        self._save_layout()

    def _freeze(self, count: int) -> None:
        self.view.set_frozen_count(count)
        self._save_layout()

    def _copy_link(self, link: str) -> None:
        board = QGuiApplication.clipboard()
        if board is not None:
            board.setText(link)
            self.message.emit("Link copied.")

    def duplicate(self, item: Item) -> asyncio.Task[Any] | None:
        workspace, app = self.workspace, self.app
        if workspace is None or app is None:
            return None
        return self._runner.run(f"browser:duplicate:{item.item_id}", self._duplicate(item))

    async def _duplicate(self, item: Item) -> None:
        workspace, app = self.workspace, self.app
        if workspace is None or app is None:
            return
        outcome = await workspace.editing.duplicate(app, item)
        copy = getattr(outcome, "item", None)
        if copy is not None:
            self.message.emit(f"Duplicated as “{copy.title}”.")
        else:
            self.message.emit(f"Not duplicated: {getattr(outcome, 'message', outcome)}")

    def confirm_delete(self, item: Item) -> asyncio.Task[Any] | None:
        """Ask, then delete the row's item if nobody changed it since it was shown."""
        answer = QMessageBox.question(
            self,
            "Delete item",
            f"Delete “{item.title or item.item_id}” in Podio? This cannot be undone here.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return None
        return self.delete(item)

    def delete(self, item: Item) -> asyncio.Task[Any] | None:
        if self.workspace is None:
            return None
        return self._runner.run(f"browser:delete:{item.item_id}", self._delete(item))

    async def _delete(self, item: Item) -> None:
        """Podio's delete takes no revision: the item is read first, and a newer revision
        than the row's is shown instead of deleted (someone changed it meanwhile)."""
        workspace = self.workspace
        if workspace is None:
            return
        try:
            _app, current = await workspace.editing.load(item.item_id, item.app_id)
            if current.revision != item.revision:
                self.model.replace_item(dataclasses.replace(current, raw={}))
                self.message.emit(
                    f"Not deleted: “{current.title}” was changed by someone since it "
                    "was shown (the row now shows their version). Delete again if you still "
                    "want to."
                )
                return
            await workspace.editing.delete(current)
        except Exception as exc:
            self.message.emit(f"Not deleted: {getattr(exc, 'user_message', exc)}")
            return
        self.message.emit(f"Deleted “{item.title}”.")


def _short(text: str, most: int = 30) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
