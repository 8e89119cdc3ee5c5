"""The item table's model: rows of one query, served from the pages its `PageSource` holds.

The model learns the row count from the first page, so the scroll bar is right at once, and
asks its source only for the pages of the rows the view shows. A row whose page is not
loaded yet is a placeholder ("loading…", "waiting: …" during a rate-limit wait, or why it
failed); when its page arrives the rows change with `dataChanged`. The model resets only
when the app, the sort or the filter change.

Pages arrive as rows ready to show (`TableRow`: the item and its rendered cells): the page
reader renders them with `render_row` on the account's worker thread, in the job that parsed
the page, so `data()` is a lookup (see `docs/architecture.md`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import replace
from typing import Any, Generic, Protocol, TypeVar, cast

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPalette

from podio_desk.services.outbox import is_placeholder_id
from podio_desk.services.paging import (
    RETRY_FAILED_AFTER,
    NotAvailableOfflineError,
    PageQuery,
    PageSource,
)
from podio_desk.ui.table.cells import (
    EMPTY_CELL,
    Cell,
    Column,
    Roles,
    RowState,
    TableRow,
    render_row,
)
from podio_desk.ui.theme import is_dark, table_brushes

T = TypeVar("T")

LOADING_TEXT = "loading…"
OFFLINE_TEXT = "not in the local cache (offline)"
FAILED_TEXT = "could not load these rows"
DELETED_TOOLTIP = "Deleted in Podio"
# Cells a bulk change will write (its preview shown as pending changes): a background and a
# text colour chosen together, so they read the same on light and dark palettes.
PENDING_BACKGROUND = QColor("#fff1b8")
PENDING_FOREGROUND = QColor("#202020")
OUTBOX_TOOLTIP = "A change to this item waits in the outbox: sent when Podio answers again"
NEW_ITEM_TOOLTIP = (
    "Not yet in Podio: this new item waits in the outbox and is created when Podio answers again"
)
# Translucent, so it reads on light and dark palettes alike.
OUTBOX_BACKGROUND = QColor(230, 170, 30, 60)
# Rows asked for by `data()` are requested together, this many ms after the first.
FLUSH_DELAY_MS = 15

_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_CELL_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_EDITABLE_CELL_FLAGS = _CELL_FLAGS | Qt.ItemFlag.ItemIsEditable
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
# Plain ints: `data()` compares the role it is given with them for every painted cell.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_PENDING_ROLES = frozenset((_DISPLAY, _BACKGROUND, _FOREGROUND, _TOOLTIP, int(Roles.CELL)))


class TaskSpawner(Protocol):
    def run(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...


class _OwnTasks:
    """Fallback when no TaskRunner is given: strong references, latest wins per name."""

    def __init__(self) -> None:
        self.tasks: dict[str, asyncio.Task[Any]] = {}

    def run(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        old = self.tasks.pop(name, None)
        if old is not None and not old.done():
            old.cancel()
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self.tasks[name] = task
        return task


class ItemTableModel(QAbstractTableModel, Generic[T]):
    """Rows of one query, loaded page by page through a `PageSource`.

    Signals:
        total_changed(int): the number of rows matching the query is known or changed.
        loading_changed(bool): pages are being fetched or not.
        load_failed(str): the first page or a page could not be loaded (message for the user).
        origin_changed(str): where rows come from: "server" or "cache".
        query_changed(): a new app, sort or filter is shown (after the reset).
    """

    total_changed = Signal(int)
    loading_changed = Signal(bool)
    load_failed = Signal(str)
    origin_changed = Signal(str)
    query_changed = Signal()

    def __init__(
        self,
        source: PageSource[TableRow[T]],
        *,
        item_id_of: Callable[[T], int] | None = None,
        runner: TaskSpawner | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._source = source
        self._item_id_of: Callable[[T], int] = item_id_of or _item_id_attribute
        self._runner: TaskSpawner = runner if runner is not None else _OwnTasks()
        self._columns: list[Column[T]] = []
        self._rows = 0
        self._wanted_rows: set[int] = set()
        self._last_wanted: int | None = None
        self._loading = False
        self._origin = ""
        self._loading_text = LOADING_TEXT
        self._removed: set[int] = set()
        # item id → column key ("*": the whole row) → (new text, tooltip): see set_pending.
        self._pending: dict[int, dict[str, tuple[str | None, str]]] = {}
        self._pending_background = QBrush(PENDING_BACKGROUND)
        self._pending_foreground = QBrush(PENDING_FOREGROUND)
        # Items with writes waiting in the outbox: their rows are marked.
        self._outbox_pending: frozenset[int] = frozenset()
        self._outbox_background = QBrush(OUTBOX_BACKGROUND)
        self._opening_task: asyncio.Task[Any] | None = None
        self._struck_font = QFont()
        self._struck_font.setStrikeOut(True)
        self._brushes = table_brushes.refresh()  # light or dark shades, see ui/theme.py
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_DELAY_MS)
        self._flush_timer.timeout.connect(self._flush_requests)
        # A failed page is asked for again by itself (its rows on screen ask once more).
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        # Precise and with a margin: fired before the page source's pause is over, the ask
        # would be refused and not repeated.
        self._retry_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._retry_timer.setInterval(int(RETRY_FAILED_AFTER * 1000) + 500)
        self._retry_timer.timeout.connect(self._ask_failed_again)
        self._wire(source)

    def _wire(self, source: PageSource[TableRow[T]]) -> None:
        source.on_page = self._on_page
        source.on_total = self._on_total
        source.on_error = self._on_error

    # ------------------------------------------------------------------ public

    @property
    def source(self) -> PageSource[TableRow[T]]:
        return self._source

    @property
    def runner(self) -> TaskSpawner:
        """The task runner the model loads with (the table's copy uses it too)."""
        return self._runner

    @property
    def query(self) -> PageQuery | None:
        return self._source.query

    @property
    def columns(self) -> list[Column[T]]:
        return list(self._columns)

    @property
    def is_loading(self) -> bool:
        return self._loading

    @property
    def origin(self) -> str:
        return self._origin

    def use_palette(self, palette: QPalette) -> None:
        """Placeholder and link colours that read well on this palette (light or dark)."""
        self._brushes = table_brushes.refresh(is_dark(palette))
        if self._rows:
            self._emit_rows_changed(0, self._rows - 1)

    def show_query(self, query: PageQuery, columns: Sequence[Column[T]] | None = None) -> None:
        """Show `query` (a new app, sort, filter or search): one reset, then the first page."""
        self.beginResetModel()
        if columns is not None:
            self._columns = list(columns)
        # The page reader renders each item with these columns, on its worker thread.
        self._source.reset(query, shape=functools.partial(render_row, tuple(self._columns)))
        self._rows = 0
        self._removed.clear()
        self._wanted_rows.clear()
        self._last_wanted = None
        self.endResetModel()
        self.query_changed.emit()
        self._set_loading(True)
        self._opening_task = self._runner.run(
            f"items:{query.app_id}", self._open(self._source.generation)
        )

    def refresh(self) -> None:
        """Read the query again without a reset: the rows on screen stay until their fresh
        copies arrive (a 420 wait never blanks them)."""
        query = self._source.query
        if query is None:
            return
        generation = self._source.refresh()
        self._set_loading(True)
        self._opening_task = self._runner.run(
            f"items:{query.app_id}", self._open(generation, refreshing=True)
        )

    def set_source(self, source: PageSource[TableRow[T]]) -> None:
        """Read from another source (another account); shows nothing until `show_query`."""
        if source is self._source:
            return
        self.beginResetModel()
        self.close()
        self._source = source
        self._wire(source)
        self._rows = 0
        self.endResetModel()

    def sort_by_column(self, column: int, descending: bool) -> bool:
        """Sort by a column if the server (or the cache) can; False if it is not sortable."""
        query = self._source.query
        if query is None or not 0 <= column < len(self._columns):
            return False
        key = self._columns[column].sort_by
        if key is None:
            return False
        self.show_query(replace(query, sort_by=key, sort_desc=descending))
        return True

    def sort_column(self) -> tuple[int, bool] | None:
        query = self._source.query
        if query is None or query.sort_by is None:
            return None
        for number, column in enumerate(self._columns):
            if column.sort_by == query.sort_by:
                return number, query.sort_desc
        return None

    def item_at(self, row: int) -> T | None:
        loaded = self._source.row(row) if 0 <= row < self._rows else None
        return None if loaded is None else loaded.item

    def item_id_at(self, row: int) -> int | None:
        item = self.item_at(row)
        return None if item is None else self._item_id_of(item)

    def loaded_items(self) -> list[T]:
        """Every item of the pages held in memory, in no particular order."""
        return [row.item for row in self._source.loaded_items()]

    def is_row_loaded(self, row: int) -> bool:
        return 0 <= row < self._rows and self._source.is_loaded(row)

    def request_rows(self, first: int, last: int, focus: int | None = None) -> None:
        """Ask for rows first..last now (the view calls this when it scrolls)."""
        if self._rows == 0:
            return
        self._source.request_rows(first, last, focus)
        self._set_loading(self._busy())

    def refresh_rows(self, rows: Sequence[int] | None = None) -> None:
        """Reload rows (after a save or sync) without a reset: placeholders, then new data."""
        self._source.forget(rows)
        if rows is None:
            if self._rows:
                self._emit_rows_changed(0, self._rows - 1)
        else:
            for row in rows:
                if 0 <= row < self._rows:
                    self._emit_rows_changed(row, row)

    def replace_item(self, item: T) -> int | None:
        """Show a changed item (saved in the editor) in its row without reloading; the row."""
        item_id = self._item_id_of(item)
        row = self._source.replace_item(
            lambda current: self._item_id_of(current.item) == item_id,
            render_row(self._columns, item),
        )
        if row is not None and row < self._rows:
            self._emit_rows_changed(row, row)
        return row

    def mark_removed(self, item_id: int) -> list[int]:
        """Show a deleted item's row struck through (no reset, rows keep their places)."""
        self._removed.add(item_id)
        rows = [
            row
            for row in self._source.loaded_rows_where(
                lambda loaded: self._item_id_of(loaded.item) == item_id
            )
            if row < self._rows
        ]
        for row in rows:
            self._emit_rows_changed(row, row)
        return rows

    def set_pending(self, pending: dict[int, dict[str, tuple[str | None, str]]]) -> None:
        """Show values a bulk change will write as tinted cells carrying the new text (nothing
        is sent; `{}` clears them). Per item id, per column key: (new text, tooltip)."""
        if not pending and not self._pending:
            return
        self._pending = pending
        if self._rows and self._columns:
            last = self.index(self._rows - 1, len(self._columns) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def pending_at(self, row: int, column: int) -> tuple[str | None, str] | None:
        """(new text, tooltip) of a cell a bulk change will write, else None; the text is
        None when the whole row is marked (an item to delete keeps its values)."""
        loaded = self._source.peek(row)
        if loaded is None or not self._pending or not (0 <= column < len(self._columns)):
            return None
        marks = self._pending.get(self._item_id_of(loaded.item))
        if not marks:
            return None
        return marks.get(self._columns[column].key) or marks.get("*")

    def is_removed(self, row: int) -> bool:
        item_id = self.item_id_at(row)
        return item_id is not None and item_id in self._removed

    def edit_value(self, row: int, column: int) -> object | None:
        """The (FieldDef, FieldValue) of an in-place editable cell, or None."""
        if not (0 <= row < self._rows and 0 <= column < len(self._columns)):
            return None
        edit = self._columns[column].edit_value
        item = self.item_at(row)
        if edit is None or item is None or self._item_id_of(item) in self._removed:
            return None
        return edit(item)

    def opens_item(self, column: int) -> bool:
        return 0 <= column < len(self._columns) and self._columns[column].opens_item

    def set_waiting(self, reason: str | None) -> None:
        """While requests wait (a 420), placeholders say so instead of "loading…"."""
        text = LOADING_TEXT if reason is None else f"waiting: {reason}…"
        if text != self._loading_text:
            self._loading_text = text
            if self._rows:
                self._emit_rows_changed(0, self._rows - 1)

    def set_outbox_pending(self, item_ids: frozenset[int]) -> None:
        """Mark the rows of these items: changes to them wait in the outbox."""
        if item_ids == self._outbox_pending:
            return
        changed = item_ids ^ self._outbox_pending
        self._outbox_pending = item_ids
        for row in self._source.loaded_rows_where(
            lambda loaded: self._item_id_of(loaded.item) in changed
        ):
            self._emit_rows_changed(row, row)

    def is_outbox_pending(self, row: int) -> bool:
        loaded = self._source.peek(row)
        return loaded is not None and self._is_outbox_pending(loaded)

    def _is_outbox_pending(self, loaded: TableRow[T]) -> bool:
        return bool(self._outbox_pending) and self._item_id_of(loaded.item) in self._outbox_pending

    def set_online(self, online: bool) -> None:
        self._source.set_online(online)
        if self._rows:
            # Failed placeholders change wording and may load now.
            self._emit_rows_changed(0, self._rows - 1)

    def close(self) -> None:
        """Stop every load (the table is going away or the app closes)."""
        if shiboken6.isValid(self._flush_timer):
            self._flush_timer.stop()
        if shiboken6.isValid(self._retry_timer):
            self._retry_timer.stop()
        self._source.cancel()
        task, self._opening_task = self._opening_task, None
        if task is not None and not task.done():
            task.cancel()

    async def aclose(self) -> None:
        task = self._opening_task
        self.close()
        await self._source.aclose()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def tsv(self, indexes: Sequence[QModelIndex]) -> str:
        """The cells at `indexes` as tab-separated text, one line per row, in row order."""
        by_row: dict[int, dict[int, str]] = {}
        for index in indexes:
            loaded = self._source.row(index.row())
            text = loaded.cells[index.column()].text if loaded is not None else ""
            by_row.setdefault(index.row(), {})[index.column()] = _tsv_safe(text)
        if not by_row:
            return ""
        columns = sorted({column for cells in by_row.values() for column in cells})
        lines = [
            "\t".join(by_row[row].get(column, "") for column in columns) for row in sorted(by_row)
        ]
        return "\n".join(lines)

    # ------------------------------------------------------------------ Qt model interface

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        """Reimplements QAbstractItemModel.rowCount."""
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        """Reimplements QAbstractItemModel.columnCount."""
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Reimplements QAbstractItemModel.headerData."""
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self._columns):
                return None
            column = self._columns[section]
            if role == _DISPLAY:
                return column.label
            if role == _TOOLTIP:
                how = "sortable" if column.sort_by is not None else "not sortable"
                sorted_by = self.sort_column()
                if sorted_by is not None and sorted_by[0] == section:
                    # The arrow is Qt's (up while descending): the words say which way.
                    how = "sorted descending" if sorted_by[1] else "sorted ascending"
                return f"{column.label} ({column.kind}, {how})"
            return None
        if role == _DISPLAY and 0 <= section < self._rows:
            return str(section + 1)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        """Reimplements QAbstractItemModel.flags."""
        if not index.isValid():
            return _NO_FLAGS
        column = index.column()
        if not (0 <= column < len(self._columns)) or self._columns[column].edit_value is None:
            return _CELL_FLAGS
        row = index.row()
        # Asked for every painted cell: `peek` leaves the page order to `request_rows`.
        loaded = self._source.peek(row) if 0 <= row < self._rows else None
        if loaded is None or (self._removed and self._item_id_of(loaded.item) in self._removed):
            return _CELL_FLAGS
        return _EDITABLE_CELL_FLAGS

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Reimplements QAbstractItemModel.sort: a new query, sorted where the data lives."""
        self.sort_by_column(column, order == Qt.SortOrder.DescendingOrder)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Reimplements QAbstractItemModel.data: a lookup in the loaded rows."""
        row, column = index.row(), index.column()
        if not (0 <= row < self._rows and 0 <= column < len(self._columns)):
            return None
        return self._value(row, column, self._source.peek(row), role)

    def multiData(
        self,
        index: QModelIndex | QPersistentModelIndex,
        span: QModelRoleDataSpan | QModelRoleData,
    ) -> None:
        """Reimplements QAbstractItemModel.multiData: the roles a delegate asks for at once
        (seven per painted cell), in one call instead of one `data()` each."""
        asked = [span] if isinstance(span, QModelRoleData) else cast(Iterable[QModelRoleData], span)
        row, column = index.row(), index.column()
        if not (0 <= row < self._rows and 0 <= column < len(self._columns)):
            for role_data in asked:
                role_data.clearData()
            return
        loaded = self._source.peek(row)
        for role_data in asked:
            role_data.setData(self._value(row, column, loaded, role_data.role()))

    def cell_at(self, row: int, column: int) -> Cell:
        """What the cell at row, column shows (`Roles.CELL`), for the delegate."""
        if not (0 <= row < self._rows and 0 <= column < len(self._columns)):
            return EMPTY_CELL
        value = self._value(row, column, self._source.peek(row), Roles.CELL)
        return value if isinstance(value, Cell) else EMPTY_CELL

    def _value(self, row: int, column: int, loaded: TableRow[T] | None, role: int) -> Any:
        if loaded is None:
            return self._placeholder_data(row, column, role)
        cell = loaded.cells[column]
        removed = bool(self._removed) and self._item_id_of(loaded.item) in self._removed
        if self._pending and role in _PENDING_ROLES:
            pending = self.pending_at(row, column)
            if pending is not None:
                return self._pending_value(cell, pending, role)
        if role == _DISPLAY:
            return cell.text
        if role == _FOREGROUND:
            if removed:
                return self._brushes.placeholder_foreground
            return self._brushes.link_foreground if cell.link else None
        if role == _ALIGNMENT:
            return _RIGHT if cell.align_right else None
        if role == _FONT:
            return self._struck_font if removed else None
        if role == Roles.CELL:
            return replace(cell, color=None, progress=None) if removed else cell
        if role == _BACKGROUND:
            return self._outbox_background if self._is_outbox_pending(loaded) else None
        if role == _TOOLTIP:
            if removed:
                return DELETED_TOOLTIP
            if self._is_outbox_pending(loaded):
                new = is_placeholder_id(self._item_id_of(loaded.item))
                waits = NEW_ITEM_TOOLTIP if new else OUTBOX_TOOLTIP
                return f"{cell.tooltip or cell.text}\n{waits}"
            if cell.link:
                return f"{cell.tooltip or cell.text}\nCtrl+click opens {cell.link}"
            return cell.tooltip
        if role == Roles.ROW_STATE:
            return RowState.LOADED
        if role == Roles.ITEM_ID:
            return self._item_id_of(loaded.item)
        if role == Roles.ITEM:
            return loaded.item
        if role == Roles.FIELD_VALUE:
            return self.edit_value(row, column)
        return None

    def _pending_value(self, cell: Cell, pending: tuple[str | None, str], role: int) -> Any:
        text, tooltip = pending
        if role == _BACKGROUND:
            return self._pending_background
        if role == _FOREGROUND:
            return self._pending_foreground
        if role == _TOOLTIP:
            return tooltip
        shown = cell.text if text is None else text
        if role == _DISPLAY:
            return shown
        return replace(cell, text=shown, color=None, progress=None, link=None)

    # ------------------------------------------------------------------ loading

    async def _open(self, generation: int, *, refreshing: bool = False) -> None:
        """Open the query's first page; `refreshing`: the rows on screen stay, and the pages
        still shown are read again."""
        try:
            total = await self._source.open()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if generation == self._source.generation:
                self._set_loading(False)
                self.load_failed.emit(_failure_text(error))
            return
        if generation != self._source.generation:
            return
        self._set_origin()
        self._resize_rows(total)
        if refreshing:
            stale = self._source.stale_pages()
            if stale:
                # Nearest to where the user looked first.
                focus = self._last_wanted if self._last_wanted is not None else 0
                self._source.request_pages(stale, self._source.page_of(focus))
            if self._rows:
                self._emit_rows_changed(0, min(self._rows, self._source.page_size) - 1)
            self._set_loading(self._source.busy)  # this task is ending: only the pages count
            return
        self._set_loading(self._busy())
        if self._wanted_rows:
            self._flush_timer.start()

    def _busy(self) -> bool:
        return self._source.busy or (
            self._opening_task is not None and not self._opening_task.done()
        )

    def _on_page(self, generation: int, index: int, page: Any) -> None:
        if generation != self._source.generation:
            return
        first = page.offset
        last = min(self._rows, page.offset + len(page.items)) - 1
        self._set_origin()
        self._set_loading(self._busy())
        if last >= first:
            self._emit_rows_changed(first, last)

    def _on_total(self, generation: int, total: int) -> None:
        if generation == self._source.generation and self._rows != total:
            self._resize_rows(total)

    def _on_error(self, generation: int, index: int, error: BaseException) -> None:
        if generation != self._source.generation:
            return
        first = index * self._source.page_size
        last = min(self._rows, first + self._source.page_size) - 1
        if last >= first:
            self._emit_rows_changed(first, last)
        self._set_loading(self._busy())
        self.load_failed.emit(_failure_text(error))
        self._retry_timer.start()

    def retry_failed(self) -> None:
        """Ask for the failed rows on screen now (F5), not after the pause."""
        pages = self._source.failed_pages()
        self._source.retry_failed()
        self._ask_again(pages)

    def _ask_failed_again(self) -> None:
        self._ask_again(self._source.failed_pages())

    def _ask_again(self, pages: Sequence[int]) -> None:
        size = self._source.page_size
        for index in pages:
            first, last = index * size, min(self._rows, (index + 1) * size) - 1
            if last >= first:
                self._emit_rows_changed(first, last)

    def _resize_rows(self, total: int) -> None:
        if total > self._rows:
            self.beginInsertRows(QModelIndex(), self._rows, total - 1)
            self._rows = total
            self.endInsertRows()
        elif total < self._rows:
            self.beginRemoveRows(QModelIndex(), total, self._rows - 1)
            self._rows = total
            self.endRemoveRows()
        self.total_changed.emit(total)

    def _want(self, row: int) -> None:
        self._wanted_rows.add(row)
        self._last_wanted = row
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush_requests(self) -> None:
        """Request the pages of the rows `data()` was asked for (not the gaps between)."""
        if self._rows == 0 or self._source.query is None or not self._wanted_rows:
            return
        source = self._source
        focus = self._last_wanted if self._last_wanted is not None else min(self._wanted_rows)
        pages = {source.page_of(row) for row in self._wanted_rows if row < self._rows}
        self._wanted_rows.clear()
        source.request_pages(pages, source.page_of(focus))
        self._set_loading(self._busy())

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    def _set_origin(self) -> None:
        origin = self._source.last_origin
        if origin is None or origin == "memory":
            return
        text = "server" if origin == "api" else "cache"
        if text != self._origin:
            self._origin = text
            self.origin_changed.emit(text)

    def _placeholder_data(self, row: int, column: int, role: int) -> Any:
        failed = self._source.has_failed(row)
        if role == _DISPLAY:
            self._want(row)  # a failed page is asked for again after a pause (PageSource)
            if column != 0:
                return ""
            if failed:
                return FAILED_TEXT if self._source.online else OFFLINE_TEXT
            return self._loading_text
        if role == _BACKGROUND:
            return (
                self._brushes.failed_background if failed else self._brushes.placeholder_background
            )
        if role == _FOREGROUND:
            return self._brushes.placeholder_foreground
        if role == Roles.ROW_STATE:
            return RowState.FAILED if failed else RowState.LOADING
        if role == Roles.CELL:
            return EMPTY_CELL
        return None

    def _emit_rows_changed(self, first: int, last: int) -> None:
        if self._columns:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self._columns) - 1))


def _item_id_attribute(item: object) -> int:
    return int(getattr(item, "item_id"))  # noqa: B009 - any item type with an item_id


def _failure_text(error: BaseException) -> str:
    if isinstance(error, NotAvailableOfflineError):
        return str(error)
    message = getattr(error, "user_message", None)
    if isinstance(message, str) and message:
        return message
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _tsv_safe(text: str) -> str:
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
