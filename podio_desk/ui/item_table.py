"""The item table: a model that knows every row from the first answer, a view, a cell delegate.

The model shows one query of one app. It learns the row count from the first page, so the
scroll bar is right at once, and asks its `PageSource` only for the rows the view shows. Rows
not loaded yet show a tinted "loading…" placeholder; when a page arrives the rows change
with `dataChanged`. The model resets only when the app, the sort or the filter change.

Cells are rendered by `Column.render(item) -> Cell` (see `ui/cells.py` for the per-field-type
renderers); the delegate draws category chips, progress bars and links from the `Cell`.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, Protocol, TypeVar

import shiboken6
from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDesktopServices,
    QFontMetrics,
    QFontMetricsF,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
    QStaticText,
)
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionHeader,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from podio_desk.services.paging import (
    FOREGROUND,
    NotAvailableOfflineError,
    Page,
    PageQuery,
    PageSource,
    free_later,
    in_slices,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

LOADING_TEXT = "loading…"
OFFLINE_TEXT = "not in the local cache (offline)"
FAILED_TEXT = "could not load these rows"
PLACEHOLDER_BACKGROUND = QColor("#f3e9f2")
FAILED_BACKGROUND = QColor("#f6e3e0")
PLACEHOLDER_FOREGROUND = QColor("#8a7f89")
LINK_COLOR = QColor("#1a5fb4")
# Rendered cells kept per model; a screen shows ~50 rows, so this covers long scroll-backs.
CELL_CACHE_ROWS = 4000
FLUSH_DELAY_MS = 15
# Rows beyond the visible ones (each side) whose cells are rendered in a worker thread when
# their page lands, so that the repaint that follows only draws.
PRERENDER_MARGIN_ROWS = 40
# Cell texts kept laid out for drawing (a screen has ~500; widths change on resizes).
TEXT_CACHE_SIZE = 5000
# Chip backgrounds kept drawn (colours x widths in use).
CHIP_CACHE_SIZE = 2000
# Texts laid out ahead of a repaint per loop turn (~33 µs each).
LAYOUTS_PER_TURN = 40
# How long one repaint may spend rendering loaded rows it finds not rendered yet (scrolled to
# rows of pages loaded earlier). A row costs ~0.5 ms (rendering and a first layout of its
# texts); the rows a wheel step brings in fit, a jump's screenful is rendered by a worker
# and drawn a moment later (the rows show as placeholders meanwhile).
RENDER_IN_PAINT_BUDGET_S = 0.002


class Roles(enum.IntEnum):
    """Custom data roles of the item table (Qt.UserRole + n)."""

    CELL = Qt.ItemDataRole.UserRole + 1  # the Cell dataclass
    ROW_STATE = Qt.ItemDataRole.UserRole + 2  # RowState
    ITEM_ID = Qt.ItemDataRole.UserRole + 3  # int | None
    ITEM = Qt.ItemDataRole.UserRole + 4  # the row's item object | None
    # An editable cell's (FieldDef, FieldValue), for the inline editor (ui.editor.delegate).
    FIELD_VALUE = Qt.ItemDataRole.UserRole + 40


class RowState(enum.Enum):
    LOADED = "loaded"
    LOADING = "loading"
    FAILED = "failed"


@dataclass(frozen=True)
class Cell:
    """What a cell shows; built once per cell and cached."""

    text: str = ""
    tooltip: str | None = None
    # Category options carry their Podio colour ("DCEBD8").
    color: str | None = None
    # Progress fields: 0-100, drawn as a bar.
    progress: int | None = None
    link: str | None = None
    align_right: bool = False
    # The item was deleted (in the editor): the row stays, struck through, until a reload.
    deleted: bool = False


EMPTY_CELL = Cell()


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column: `key` is stable (remembered widths/order), `sort_by` the server sort key."""

    key: str
    label: str
    kind: str
    render: Callable[[T], Cell]
    sort_by: str | None = None
    # For cells that can be edited in place: the row's (FieldDef, FieldValue), else None.
    edit_value: Callable[[T], object | None] | None = None
    # Double-click on this column opens the item even when its cells are editable in place.
    opens_item: bool = False


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
        origin_changed(str): where rows come from: "server", "cache" or "memory".
        query_changed(): a new app, sort or filter is shown (after the reset).
    """

    total_changed = Signal(int)
    loading_changed = Signal(bool)
    load_failed = Signal(str)
    origin_changed = Signal(str)
    query_changed = Signal()

    def __init__(
        self,
        source: PageSource[T],
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
        self._cells: OrderedDict[int, tuple[Cell, ...]] = OrderedDict()
        self._wanted_rows: set[int] = set()
        self._last_wanted: int | None = None
        self._loading = False
        self._origin = ""
        self._loading_text = LOADING_TEXT
        self._removed: set[int] = set()
        self._opening_task: asyncio.Task[Any] | None = None
        self._render_tasks: set[asyncio.Task[None]] = set()
        self._rendering_rows: set[int] = set()  # loaded rows a worker is rendering
        self._margin_task: asyncio.Task[None] | None = None
        self.visible_rows: Callable[[], tuple[int, int] | None] | None = None
        # The view's preparation of freshly rendered rows for drawing (texts laid out a few
        # at a time), awaited before they are shown.
        self.prepare_rows: Callable[[Sequence[tuple[Cell, ...]]], Awaitable[None]] | None = None
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_DELAY_MS)
        self._flush_timer.timeout.connect(self._flush_requests)
        self._wire(source)

    def _wire(self, source: PageSource[T]) -> None:
        source.on_page = self._on_page
        source.on_total = self._on_total
        source.on_error = self._on_error

    # ------------------------------------------------------------------ public

    @property
    def source(self) -> PageSource[T]:
        return self._source

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

    def show_query(self, query: PageQuery, columns: Sequence[Column[T]] | None = None) -> None:
        """Show `query` (a new app, sort, filter or search): one reset, then the first page."""
        self.beginResetModel()
        if columns is not None:
            self._columns = list(columns)
        self._source.reset(query)
        self._rows = 0
        self._forget_cells()
        self._removed.clear()
        self._wanted_rows.clear()
        self._last_wanted = None
        self.endResetModel()
        self.query_changed.emit()
        self._set_loading(True)
        self._opening_task = self._runner.run(
            f"items:{query.app_id}", self._open(self._source.generation)
        )

    def _forget_cells(self) -> None:
        # Rendered rows are freed a hundred at a time on later loop turns (see free_later).
        free_later(in_slices(list(self._cells.values())))
        self._cells.clear()
        self._rendering_rows.clear()
        if self._margin_task is not None:
            self._margin_task.cancel()  # laying out texts of rows no longer shown

    def set_source(self, source: PageSource[T]) -> None:
        """Read from another source (another account); shows nothing until `show_query`."""
        if source is self._source:
            return
        self.beginResetModel()
        self.close()
        self._source = source
        self._wire(source)
        self._rows = 0
        self._forget_cells()
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
        if not 0 <= row < self._rows:
            return None
        return self._source.row(row)

    def item_id_at(self, row: int) -> int | None:
        item = self.item_at(row)
        return None if item is None else self._item_id_of(item)

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
            self._forget_cells()
            if self._rows:
                self._emit_rows_changed(0, self._rows - 1)
        else:
            for row in rows:
                self._cells.pop(row, None)
                self._emit_rows_changed(row, row)
        self._flush_timer.start()

    def replace_item(self, item: T) -> int | None:
        """Show a changed item (saved in the editor) in its row without reloading; the row."""
        item_id = self._item_id_of(item)
        row = self._source.replace_item(lambda current: self._item_id_of(current) == item_id, item)
        if row is not None:
            self._cells.pop(row, None)
            self._emit_rows_changed(row, row)
        return row

    def mark_removed(self, item_id: int) -> list[int]:
        """Show a deleted item's row struck through (no reset, rows keep their places)."""
        self._removed.add(item_id)
        rows = [
            row
            for row in range(self._rows)
            if self._source.is_loaded(row) and self.item_id_at(row) == item_id
        ]
        for row in rows:
            self._cells.pop(row, None)
            self._emit_rows_changed(row, row)
        return rows

    def is_removed(self, row: int) -> bool:
        item_id = self.item_id_at(row)
        return item_id is not None and item_id in self._removed

    def edit_value(self, row: int, column: int) -> object | None:
        """The (FieldDef, FieldValue) of an in-place editable cell, or None."""
        if not (0 <= row < self._rows and 0 <= column < len(self._columns)):
            return None
        edit = self._columns[column].edit_value
        if edit is None:
            return None
        item = self._source.row(row)
        if item is None or self._item_id_of(item) in self._removed:
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

    def set_online(self, online: bool) -> None:
        self._source.set_online(online)
        if self._rows:
            # Failed placeholders change wording and may now load.
            self._flush_timer.start()

    def close(self) -> None:
        """Stop every load (the table is going away or the app closes)."""
        if shiboken6.isValid(self._flush_timer):
            self._flush_timer.stop()
        self._source.cancel()
        task, self._opening_task = self._opening_task, None
        if task is not None and not task.done():
            task.cancel()
        for render in self._render_tasks:
            render.cancel()
        if self._margin_task is not None:
            self._margin_task.cancel()

    async def aclose(self) -> None:
        tasks = [
            task
            for task in (self._opening_task, self._margin_task, *self._render_tasks)
            if task is not None
        ]
        self.close()
        await self._source.aclose()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def tsv(self, indexes: Sequence[QModelIndex]) -> str:
        """The cells at `indexes` as tab-separated text, one line per row, in row order."""
        by_row: dict[int, dict[int, str]] = {}
        for index in indexes:
            text = (
                self.data(index, Qt.ItemDataRole.DisplayRole)
                if self._row_loaded(index.row())
                else ""
            )
            by_row.setdefault(index.row(), {})[index.column()] = _tsv_safe(str(text or ""))
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
            if role == Qt.ItemDataRole.DisplayRole:
                return column.label
            if role == Qt.ItemDataRole.ToolTipRole:
                how = "sortable" if column.sort_by is not None else "not sortable"
                return f"{column.label} ({column.kind}, {how})"
            return None
        if role == Qt.ItemDataRole.DisplayRole and 0 <= section < self._rows:
            return str(section + 1)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        """Reimplements QAbstractItemModel.flags."""
        if not index.isValid():
            return _NO_FLAGS
        # Asked for every painted cell: decided without building the editor's value.
        row, column = index.row(), index.column()
        if not (0 <= column < len(self._columns)) or self._columns[column].edit_value is None:
            return _CELL_FLAGS
        item = self._source.row(row) if 0 <= row < self._rows else None
        if item is None or (self._removed and self._item_id_of(item) in self._removed):
            return _CELL_FLAGS
        return _EDITABLE_CELL_FLAGS

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Reimplements QAbstractItemModel.sort: a new query, sorted where the data lives."""
        self.sort_by_column(column, order == Qt.SortOrder.DescendingOrder)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Reimplements QAbstractItemModel.data."""
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < self._rows and 0 <= column < len(self._columns)):
            return None
        cells = self._row_cells(row)
        if cells is None:
            return self._placeholder_data(row, column, role)
        cell = cells[column]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell.text
        if role == Qt.ItemDataRole.ToolTipRole:
            if cell.link:
                return f"{cell.tooltip or cell.text}\nCtrl+click opens {cell.link}"
            return cell.tooltip
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if cell.align_right:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.ForegroundRole and cell.link:
            return QBrush(LINK_COLOR)
        if role == Roles.CELL:
            return cell
        if role == Roles.ROW_STATE:
            return RowState.LOADED
        if role == Roles.ITEM_ID:
            return self.item_id_at(row)
        if role == Roles.ITEM:
            return self.item_at(row)
        if role == Roles.FIELD_VALUE:
            return self.edit_value(row, column)
        return None

    # ------------------------------------------------------------------ loading

    async def _open(self, generation: int) -> None:
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
        self._set_loading(self._busy())
        self._flush_timer.start()

    def _busy(self, finishing: asyncio.Task[Any] | None = None) -> bool:
        """Pages are being fetched, or fetched rows rendered for the screen (other than by
        the `finishing` task)."""
        return (
            self._source.busy
            or (self._opening_task is not None and not self._opening_task.done())
            or any(task is not finishing and not task.done() for task in self._render_tasks)
        )

    def _on_page(self, generation: int, index: int, page: Page[T]) -> None:
        if generation != self._source.generation:
            return
        first = page.offset
        last = min(self._rows, page.offset + len(page.items)) - 1
        for row in range(first, last + 1):
            self._cells.pop(row, None)
        self._set_origin()
        self._set_loading(self._busy())
        if last < first:
            return
        rows = self._rows_to_prerender(first, last)
        if not rows:
            self._emit_rows_changed(first, last)
            return
        items = [(row, item) for row in rows if (item := self._source.row(row)) is not None]
        self._start_render(generation, first, last, items)

    def _start_render(
        self, generation: int, first: int, last: int, items: list[tuple[int, T]]
    ) -> None:
        """Render `items` in a worker, lay them out, then show rows first..last."""
        rows = [row for row, _item in items]
        self._rendering_rows.update(rows)

        def done(task: asyncio.Task[None]) -> None:
            self._render_tasks.discard(task)
            self._rendering_rows.difference_update(rows)

        task = asyncio.get_running_loop().create_task(
            self._prerender(generation, first, last, items), name=f"render:{first}"
        )
        self._render_tasks.add(task)
        task.add_done_callback(done)
        self._set_loading(True)

    def render_later(self, rows: Sequence[int]) -> None:
        """Render loaded rows that a repaint found not rendered, in a worker; they are shown
        (`dataChanged`) once rendered and laid out."""
        items = [
            (row, item)
            for row in rows
            if row not in self._rendering_rows
            and row not in self._cells
            and (item := self._source.row(row)) is not None
        ]
        if not items:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # painted outside an event loop: render now, shown next paint
            for row, item in items:
                self._keep_cells(row, item, render_row(self._columns, item))
            self._emit_rows_changed(items[0][0], items[-1][0])
            return
        self._start_render(self._source.generation, items[0][0], items[-1][0], items)

    def _rows_to_prerender(self, first: int, last: int) -> range:
        """The rows of a landed page on screen (and a margin): rendering their cells here, on
        the UI thread, inside the repaint, costs ~10 ms per screen; a worker thread does it."""
        visible = self.visible_rows() if self.visible_rows is not None else None
        if visible is None:
            return range(0)
        start = max(first, visible[0] - PRERENDER_MARGIN_ROWS)
        end = min(last, visible[1] + PRERENDER_MARGIN_ROWS)
        return range(start, end + 1)

    async def _prerender(
        self, generation: int, first: int, last: int, items: list[tuple[int, T]]
    ) -> None:
        columns = self._columns
        rendered: list[tuple[int, T, tuple[Cell, ...]]] = []
        try:
            rendered = await asyncio.to_thread(_render_rows, columns, items)
        except Exception:  # the rows have data all the same: paint renders them then
            log.exception("Cannot render rows %d-%d ahead of the repaint", first, last)
        if generation != self._source.generation:
            return  # another query is shown: its own pages repaint
        margin: list[tuple[int, T, tuple[Cell, ...]]] = []
        if columns is self._columns:
            on_screen = rendered
            if self.prepare_rows is not None and rendered:
                # The rows on screen are laid out and shown first; the margin after, in the
                # background (it is most of the work, and wasted when the user jumps on).
                visible = self.visible_rows() if self.visible_rows is not None else None
                if visible is not None:
                    on_screen = [
                        entry for entry in rendered if visible[0] <= entry[0] <= visible[1]
                    ]
                    margin = [
                        entry for entry in rendered if not visible[0] <= entry[0] <= visible[1]
                    ]
                await self.prepare_rows([cells for _row, _item, cells in on_screen])
                if generation != self._source.generation:
                    return
            self._keep_rendered(on_screen)
        if first < self._rows:
            self._emit_rows_changed(first, min(last, self._rows - 1))
        self._set_loading(self._busy(finishing=asyncio.current_task()))
        if margin:
            self._lay_out_margin_later(margin)

    def _keep_rendered(self, rendered: Sequence[tuple[int, T, tuple[Cell, ...]]]) -> None:
        """Keep rendered rows, unless a repaint rendered them meanwhile or their item changed."""
        for row, item, cells in rendered:
            if row not in self._cells and self._source.row(row) is item:
                self._keep_cells(row, item, cells)

    def _lay_out_margin_later(self, rows: list[tuple[int, T, tuple[Cell, ...]]]) -> None:
        """Lay out the texts of rendered rows just off screen, nearest first, in a task of
        its own that the next landed page replaces (the user has moved on by then).

        The rows are kept only once their texts are laid out: a repaint draws kept rows at
        once, without a time budget, and laying out a screen of texts there cost ~6 ms when
        the user scrolled onto rows whose layout had been cancelled. Rows not kept are
        rendered and laid out again when they are needed (`render_later`)."""
        previous = self._margin_task
        if previous is not None and not previous.done():
            previous.cancel()
        self._margin_task = asyncio.get_running_loop().create_task(
            self._lay_out_margin(self._source.generation, rows),
            name=f"lay-out-margin:{rows[0][0]}",
        )

    async def _lay_out_margin(
        self, generation: int, rows: list[tuple[int, T, tuple[Cell, ...]]]
    ) -> None:
        visible = self.visible_rows() if self.visible_rows is not None else None
        if visible is None or self.prepare_rows is None:
            return
        first, last = visible

        def distance(row: int) -> int:
            return first - row if row < first else row - last

        near = sorted(
            (entry for entry in rows if distance(entry[0]) <= PRERENDER_MARGIN_ROWS),
            key=lambda entry: distance(entry[0]),
        )
        if not near:
            return
        await self.prepare_rows([cells for _row, _item, cells in near])
        if generation != self._source.generation:
            return
        self._keep_rendered(near)
        shown = [row for row, _item, _cells in near if row < self._rows]
        if shown:  # on screen by now if the user scrolled there meanwhile
            self._emit_rows_changed(min(shown), max(shown))

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

    def _resize_rows(self, total: int) -> None:
        if total > self._rows:
            self.beginInsertRows(QModelIndex(), self._rows, total - 1)
            self._rows = total
            self.endInsertRows()
        elif total < self._rows:
            self.beginRemoveRows(QModelIndex(), total, self._rows - 1)
            self._rows = total
            for row in [row for row in self._cells if row >= total]:
                del self._cells[row]
            self.endRemoveRows()
        self.total_changed.emit(total)

    def _flush_requests(self) -> None:
        if self._rows == 0 or self._source.query is None:
            return
        visible = self.visible_rows() if self.visible_rows is not None else None
        if visible is not None:
            first, last = visible
            focus = self._last_wanted if self._last_wanted is not None else first
            focus = min(max(focus, first), last)
        elif self._wanted_rows:
            first, last = min(self._wanted_rows), max(self._wanted_rows)
            focus = self._last_wanted if self._last_wanted is not None else first
            # Without a view, only the pages of rows actually asked for (not the gap between).
            pages = sorted({self._source.page_of(row) for row in self._wanted_rows})
            self._wanted_rows.clear()
            for page in pages:
                start = page * self._source.page_size
                self._source.request_rows(start, start, focus)
            self._set_loading(self._busy())
            return
        else:
            return
        self._wanted_rows.clear()
        self.request_rows(first, last, focus)

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

    def cell(self, row: int, column: int) -> tuple[Cell, RowState]:
        """What the delegate paints at row, column (Python to Python: no trip through C++)."""
        if not (0 <= row < self._rows and 0 <= column < len(self._columns)):
            return EMPTY_CELL, RowState.LOADED
        cells = self._row_cells(row)
        if cells is None:
            state = self._placeholder_state(row)
            text = self._placeholder_data(row, column, Qt.ItemDataRole.DisplayRole)
            return Cell(str(text or "")), state
        return cells[column], RowState.LOADED

    def row_cells(self, row: int) -> tuple[Cell, ...] | None:
        """A loaded row's cells, one per column; None (and the row is asked for) if it is not
        loaded yet."""
        if not 0 <= row < self._rows:
            return None
        return self._row_cells(row)

    def rendered_cells(self, row: int) -> tuple[Cell, ...] | None:
        """A row's cells if they are rendered already (nothing is rendered or asked for)."""
        cells = self._cells.get(row)
        if cells is not None:
            self._cells.move_to_end(row)
        return cells

    def is_row_loaded(self, row: int) -> bool:
        return 0 <= row < self._rows and self._source.is_loaded(row)

    def is_row_rendering(self, row: int) -> bool:
        """A worker is rendering the row, or its texts are being laid out: it is shown in a
        moment, without a repaint having to render it."""
        return row in self._rendering_rows

    def placeholder(self, row: int) -> tuple[RowState, str]:
        """How a row not loaded yet shows: loading (or waiting) or failed, and its text."""
        state = self._placeholder_state(row)
        return state, str(self._placeholder_data(row, 0, Qt.ItemDataRole.DisplayRole) or "")

    # ------------------------------------------------------------------ helpers

    def _row_loaded(self, row: int) -> bool:
        return self._source.is_loaded(row)

    def _row_cells(self, row: int) -> tuple[Cell, ...] | None:
        cells = self._cells.get(row)
        if cells is not None:
            self._cells.move_to_end(row)
            return cells
        item = self._source.row(row)
        if item is None:
            self._want(row)
            return None
        return self._keep_cells(row, item, render_row(self._columns, item))

    def _keep_cells(self, row: int, item: T, cells: tuple[Cell, ...]) -> tuple[Cell, ...]:
        if self._removed and self._item_id_of(item) in self._removed:
            cells = tuple(
                replace(cell, deleted=True, tooltip="Deleted in Podio", progress=None, color=None)
                for cell in cells
            )
        self._cells[row] = cells
        if len(self._cells) > CELL_CACHE_ROWS:
            self._cells.popitem(last=False)
        return cells

    def _want(self, row: int) -> None:
        self._wanted_rows.add(row)
        self._last_wanted = row
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _placeholder_state(self, row: int) -> RowState:
        return RowState.FAILED if self._source.has_failed(row) else RowState.LOADING

    def _placeholder_data(self, row: int, column: int, role: int) -> Any:
        state = self._placeholder_state(row)
        if role == Qt.ItemDataRole.DisplayRole:
            if column != 0:
                return ""
            if state is RowState.FAILED:
                return FAILED_TEXT if self._source.online else OFFLINE_TEXT
            return self._loading_text
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(FAILED_BACKGROUND if state is RowState.FAILED else PLACEHOLDER_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(PLACEHOLDER_FOREGROUND)
        if role == Roles.ROW_STATE:
            return state
        if role == Roles.CELL:
            return EMPTY_CELL
        return None

    def _emit_rows_changed(self, first: int, last: int) -> None:
        if self._columns:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self._columns) - 1))
        # No headerDataChanged: row numbers do not change with the data, and each one makes
        # the vertical header re-measure its width from hundreds of sections (~10 ms).


def render_row(columns: Sequence[Column[T]], item: T) -> tuple[Cell, ...]:
    """The cells of one row; safe to call in a worker thread (no widgets involved)."""
    rendered = []
    for column in columns:
        try:
            rendered.append(column.render(item))
        except Exception:  # a malformed value must not break the whole table
            log.exception("Cannot render column %s", column.key)
            rendered.append(Cell("⚠", tooltip="This value could not be shown."))
    return tuple(rendered)


def _render_rows(
    columns: Sequence[Column[T]], items: Sequence[tuple[int, T]]
) -> list[tuple[int, T, tuple[Cell, ...]]]:
    """`render_row` for many rows, in a worker thread: it steps aside while the window paints
    (a paint hands the GIL back at every cell and would wait for this thread each time)."""
    rendered = []
    for row, item in items:
        FOREGROUND.yield_to_foreground()
        rendered.append((row, item, render_row(columns, item)))
    return rendered


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


@dataclass(frozen=True)
class CellPaints:
    """The palette's brushes and colours a cell is drawn with, looked up once per repaint."""

    highlight: QBrush
    alternate_base: QBrush
    text: QColor
    highlighted_text: QColor

    @classmethod
    def of(cls, palette: QPalette) -> CellPaints:
        return cls(
            palette.highlight(),
            palette.alternateBase(),
            palette.text().color(),
            palette.highlightedText().color(),
        )


class CellDelegate(QStyledItemDelegate):
    """Paints every cell itself from the model's `Cell`: text, links, category chips, progress
    bars, placeholders, selection.

    Qt's own delegate asks the model for about eight roles per cell, each a call from C++ into
    Python; with 500 cells on screen that is thousands of calls per repaint, and every one may
    wait for the GIL while a worker thread parses a page. Here a cell costs one call.

    Editing in place is handed to `editing` (the item editor's `FieldEditDelegate`) when set:
    the view keeps one delegate, so this one paints and that one edits.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editing: QStyledItemDelegate | None = None
        self._chip_text = QColor("#202020")
        self._progress_fill = QColor("#3d7fd6")
        self._progress_back = QColor("#e6e9ef")
        self._texts: OrderedDict[tuple[str, int], tuple[QStaticText, float, float]] = OrderedDict()
        self._chips: dict[tuple[str, int, int, float], QPixmap] = {}
        self._pixel_ratio = 1.0
        self._pen_colour: QColor | None = None

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Reimplements QStyledItemDelegate.paint."""
        model = index.model()
        if not isinstance(model, ItemTableModel):
            super().paint(painter, option, index)
            return
        row, column = index.row(), index.column()
        cell, state = model.cell(row, column)
        selected = bool(option.state.value & _SELECTED)
        self.set_pixel_ratio(painter.device().devicePixelRatioF())
        self.begin_painting()
        rect = option.rect
        self.draw_cell(
            painter,
            rect.x(),
            rect.y(),
            rect.width(),
            rect.height(),
            cell,
            state,
            row,
            column,
            selected,
            CellPaints.of(option.palette),
            option.fontMetrics,
        )

    def begin_painting(self) -> None:
        """A new painter (or one that others drew with): its pen is not known."""
        self._pen_colour = None

    def set_pen(self, painter: QPainter, colour: QColor) -> None:
        """`painter.setPen(colour)` unless it is the pen already (most cells share one)."""
        if colour is not self._pen_colour:
            painter.setPen(colour)
            self._pen_colour = colour

    def draw_cell(
        self,
        painter: QPainter,
        x: int,
        y: int,
        width: int,
        height: int,
        cell: Cell,
        state: RowState,
        row: int,
        column: int,
        selected: bool,
        paints: CellPaints,
        metrics: QFontMetrics,
        *,
        row_filled: bool = False,
    ) -> None:
        """Draw one cell (for `paint` and for the view's own paintEvent, which fills the
        alternate rows' background once per row: `row_filled`).

        The cell's box comes as numbers, not a QRect: a repaint draws hundreds of cells, and
        each QRect made, adjusted or asked for its sides is one more call into Qt, ~1 µs each
        (and a band filled through a QRect and a colour took ~17 µs, through numbers ~6 µs)."""
        if selected:
            painter.fillRect(x, y, width, height, paints.highlight)
        elif state is not RowState.LOADED:
            painter.fillRect(
                x,
                y,
                width,
                height,
                FAILED_BACKGROUND if state is RowState.FAILED else PLACEHOLDER_BACKGROUND,
            )
        elif row % 2 and not row_filled:
            painter.fillRect(x, y, width, height, paints.alternate_base)
        # The text's box: 4 px in from the sides, 2 px from top and bottom.
        x, y, width, height = x + 4, y + 2, width - 8, height - 4
        if state is not RowState.LOADED:
            if column == 0 and cell.text:
                self.set_pen(painter, PLACEHOLDER_FOREGROUND)
                self.draw_text(painter, x, y, width, height, cell.text, metrics, align_right=False)
            return
        if cell.deleted:
            if cell.text:
                painter.save()
                font = painter.font()
                font.setStrikeOut(True)
                painter.setFont(font)
                painter.setPen(PLACEHOLDER_FOREGROUND)
                text = metrics.elidedText(cell.text, Qt.TextElideMode.ElideRight, width)
                painter.drawText(
                    QRect(x, y, width, height), _RIGHT if cell.align_right else _LEFT, text
                )
                painter.restore()
            return
        if cell.progress is not None:
            self._paint_progress(painter, x, y + 1, width, height - 2, cell.progress)
            return
        if cell.color is not None and cell.text:
            self._paint_chip(painter, x, y, width, height, cell, metrics)
            return
        if not cell.text:
            return
        if selected:
            self.set_pen(painter, paints.highlighted_text)
        elif cell.link:
            self.set_pen(painter, LINK_COLOR)
        else:
            self.set_pen(painter, paints.text)
        self.draw_text(
            painter, x, y, width, height, cell.text, metrics, align_right=cell.align_right
        )

    def lay_out(self, text: str, width: int, metrics: QFontMetrics) -> None:
        """Lay `text` out for `width` now, so that drawing it later is cheap."""
        self._laid_out(text, width, metrics)

    def _laid_out(
        self, text: str, width: int, metrics: QFontMetrics
    ) -> tuple[QStaticText, float, float]:
        """`text` elided to `width` and laid out once (QStaticText): a repaint then only
        draws glyphs; eliding and laying out every cell on every repaint cost half of it."""
        key = (text, width)
        laid_out = self._texts.get(key)
        if laid_out is not None:
            self._texts.move_to_end(key)
            return laid_out
        static = QStaticText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, width))
        static.setTextFormat(Qt.TextFormat.PlainText)
        size = static.size()
        laid_out = (static, size.width(), size.height())
        self._texts[key] = laid_out
        # The least recently drawn goes, one at a time: emptied whole when full, the cache
        # lost the texts just laid out ahead for the screen, and the next repaint laid out
        # all of them again (~7 ms; every few pages while the user jumps through the app).
        if len(self._texts) > TEXT_CACHE_SIZE:
            self._texts.popitem(last=False)
        return laid_out

    def forget_laid_out_texts(self) -> None:
        """The font changed: texts must be laid out again."""
        self._texts.clear()

    def draw_text(
        self,
        painter: QPainter,
        x: int,
        y: int,
        width: int,
        height: int,
        text: str,
        metrics: QFontMetrics,
        *,
        align_right: bool,
    ) -> None:
        static, text_width, text_height = self._laid_out(text, width, metrics)
        if align_right:
            x += width - round(text_width)
        painter.drawStaticText(x, y + round((height - text_height) / 2), static)

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        """Reimplements QStyledItemDelegate.createEditor: the editing delegate's editor."""
        if self.editing is None:
            return super().createEditor(parent, option, index)
        return self.editing.createEditor(parent, option, index)

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        """Reimplements QStyledItemDelegate.setEditorData."""
        if self.editing is None:
            super().setEditorData(editor, index)
        else:
            self.editing.setEditorData(editor, index)

    def setModelData(
        self,
        editor: QWidget,
        model: QAbstractItemModel,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Reimplements QStyledItemDelegate.setModelData (the editing delegate saves)."""
        if self.editing is None:
            super().setModelData(editor, model, index)
        else:
            self.editing.setModelData(editor, model, index)

    def updateEditorGeometry(
        self,
        editor: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Reimplements QStyledItemDelegate.updateEditorGeometry."""
        if self.editing is None:
            super().updateEditorGeometry(editor, option, index)
        else:
            self.editing.updateEditorGeometry(editor, option, index)

    def _paint_progress(
        self, painter: QPainter, x: int, y: int, width: int, height: int, percent: int
    ) -> None:
        percent = max(0, min(100, percent))
        painter.fillRect(x, y, width, height, self._progress_back)
        painter.fillRect(x, y, width * percent // 100, height, self._progress_fill)
        self.set_pen(painter, self._chip_text)
        painter.drawText(QRect(x, y, width, height), _CENTER, f"{percent} %")

    def _paint_chip(
        self,
        painter: QPainter,
        x: int,
        y: int,
        width: int,
        height: int,
        cell: Cell,
        metrics: QFontMetrics,
    ) -> None:
        static, text_width, text_height = self._laid_out(cell.text, width - 12, metrics)
        chip_width = min(width, round(text_width) + 12)
        chip_height = height - 2
        top = y + 1
        painter.drawPixmap(
            x, top, self.chip_background(cell.color or "E0E0E0", chip_width, chip_height)
        )
        self.set_pen(painter, self._chip_text)
        painter.drawStaticText(x + 6, top + round((chip_height - text_height) / 2), static)

    def chip_background(self, hex_colour: str, width: int, height: int) -> QPixmap:
        """A chip's rounded, antialiased background, drawn once per colour and size: drawn
        per cell it took eight Qt calls and an antialiased path fill, ~85 chips a screen."""
        key = (hex_colour, width, height, self._pixel_ratio)
        pixmap = self._chips.get(key)
        if pixmap is None:
            if len(self._chips) >= CHIP_CACHE_SIZE:
                self._chips.clear()
            ratio = self._pixel_ratio
            pixmap = QPixmap(max(1, round(width * ratio)), max(1, round(height * ratio)))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            chip_painter = QPainter(pixmap)
            try:
                chip_painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                chip_painter.setPen(Qt.PenStyle.NoPen)
                chip_painter.setBrush(_chip_colour(hex_colour))
                chip_painter.drawRoundedRect(QRect(0, 0, width, height), 4, 4)
            finally:
                chip_painter.end()
            self._chips[key] = pixmap
        return pixmap

    def set_pixel_ratio(self, ratio: float) -> None:
        """The device pixel ratio the chips are drawn for (the view's, set per repaint)."""
        self._pixel_ratio = ratio


_SELECTED = QStyle.StateFlag.State_Selected.value
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_CELL_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_EDITABLE_CELL_FLAGS = _CELL_FLAGS | Qt.ItemFlag.ItemIsEditable
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_CHIP_COLOURS: dict[str, QColor] = {}


def _chip_colour(hex_colour: str) -> QColor:
    colour = _CHIP_COLOURS.get(hex_colour)
    if colour is None:
        colour = QColor(f"#{hex_colour}")
        if not colour.isValid():
            colour = QColor("#e0e0e0")
        _CHIP_COLOURS[hex_colour] = colour
    return colour


class RowNumberHeader(QHeaderView):
    """The vertical header: row numbers, drawn in one Python call per repaint.

    QHeaderView asks the model for half a dozen roles per visible section, each a call from
    C++ into Python; this header draws the numbers itself (the model's header data are the
    same numbers, for accessibility and `headerData` callers). The style draws one empty
    section once (`section_tile`), which is repeated down a strip as tall as the header
    (`section_strip`): a repaint draws the strip in one call, then the numbers.

    A jump through a large app shows rows never numbered before, and laying out a text costs
    ~12 µs. Where the font's digits all have the same width (nearly every UI font), a number
    is drawn from laid-out groups of up to three digits ("45" and "877" for 45877), which are
    only ever 1 110 different texts, each laid out once.
    """

    NUMBER_CACHE_SIZE = 2000
    GROUP_DIGITS = 3

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.setHighlightSections(False)
        self._tile: QPixmap | None = None
        self._tile_key: tuple[int, int, float, int, str, str] | None = None
        self._strip: QPixmap | None = None
        self._numbers: dict[int, tuple[QStaticText, float, float]] = {}
        self._groups: dict[str, tuple[QStaticText, float]] = {}
        self._digit_width: float | None = None  # None: not known yet; 0: digits differ

    def section_tile(self, width: int, height: int) -> QPixmap:
        """One empty section as the style draws it, made once per size, palette, style and
        font (the numbers are laid out again with it)."""
        ratio = self.devicePixelRatioF()
        key = (
            width,
            height,
            ratio,
            self.palette().cacheKey(),
            self.style().objectName(),
            self.font().key(),
        )
        if self._tile is None or self._tile_key != key:
            tile = QPixmap(max(1, round(width * ratio)), max(1, round(height * ratio)))
            tile.setDevicePixelRatio(ratio)
            tile.fill(Qt.GlobalColor.transparent)
            option = QStyleOptionHeader()
            self.initStyleOption(option)
            option.position = QStyleOptionHeader.SectionPosition.Middle
            option.rect = QRect(0, 0, width, height)
            option.text = ""
            painter = QPainter(tile)
            try:
                self.style().drawControl(QStyle.ControlElement.CE_Header, option, painter, self)
            finally:
                painter.end()
            self._tile, self._tile_key = tile, key
            self._strip = None
            # Laid out for the old font:
            self._numbers.clear()
            self._groups.clear()
            self._digit_width = None
        return self._tile

    def section_strip(self, width: int, height: int, sections: int) -> QPixmap:
        """`sections` empty sections one under the other (at least): `drawTiledPixmap` of
        the small tile down the header cost ~200 µs a repaint, one strip drawn ~13 µs."""
        tile = self.section_tile(width, height)
        strip = self._strip
        if strip is None or strip.height() < round(sections * height * tile.devicePixelRatio()):
            ratio = tile.devicePixelRatio()
            count = sections + 8  # a few spare, for a taller header
            strip = QPixmap(tile.width(), round(count * height * ratio))
            strip.setDevicePixelRatio(ratio)
            strip.fill(Qt.GlobalColor.transparent)
            painter = QPainter(strip)
            try:
                painter.drawTiledPixmap(QRect(0, 0, width, count * height), tile)
            finally:
                painter.end()
            self._strip = strip
        return strip

    def _number(self, number: int) -> tuple[QStaticText, float, float]:
        laid_out = self._numbers.get(number)
        if laid_out is None:
            if len(self._numbers) >= self.NUMBER_CACHE_SIZE:
                self._numbers.clear()
            static = QStaticText(str(number))
            static.setTextFormat(Qt.TextFormat.PlainText)
            size = static.size()
            laid_out = self._numbers[number] = (static, size.width(), size.height())
        return laid_out

    def _group(self, digits: str) -> tuple[QStaticText, float]:
        laid_out = self._groups.get(digits)
        if laid_out is None:
            static = QStaticText(digits)
            static.setTextFormat(Qt.TextFormat.PlainText)
            laid_out = self._groups[digits] = (static, static.size().height())
        return laid_out

    def digit_width(self) -> float:
        """The advance of every digit in the header's font, or 0 if they differ.

        Fractional (7.625 px for a 9-point sans): rounded to whole pixels, the groups of a
        number drifted apart ("100 000")."""
        if self._digit_width is None:
            metrics = QFontMetricsF(self.font())
            widths = {metrics.horizontalAdvance(str(digit)) for digit in range(10)}
            self._digit_width = widths.pop() if len(widths) == 1 else 0.0
        return self._digit_width

    def paintEvent(self, event: QPaintEvent) -> None:
        """Reimplements QHeaderView.paintEvent (worker threads wait meanwhile)."""
        with FOREGROUND.in_front():
            self._paint(event)

    def _paint(self, event: QPaintEvent) -> None:
        count = self.count()
        if count == 0:
            super().paintEvent(event)
            return
        area = event.rect()
        first = self.logicalIndexAt(area.top())
        if first < 0:
            return
        last = self.logicalIndexAt(area.bottom())
        if last < 0:
            last = count - 1
        width = self.viewport().width()
        height = self.defaultSectionSize()
        sections = last - first + 1
        strip = self.section_strip(width, height, sections)
        top = self.sectionViewportPosition(first)
        digit_width = self.digit_width()
        group_digits = self.GROUP_DIGITS
        painter = QPainter(self.viewport())
        try:
            # The strip starts at the first section's top: one tile per section.
            ratio = strip.devicePixelRatio()
            painter.drawPixmap(
                QRect(0, top, width, sections * height),
                strip,
                QRect(0, 0, strip.width(), round(sections * height * ratio)),
            )
            painter.setPen(self.palette().color(QPalette.ColorRole.ButtonText))
            y = top
            for row in range(first, last + 1):
                if digit_width:
                    text = str(row + 1)
                    x = (width - len(text) * digit_width) / 2
                    # Groups of three from the right: 45877 is "45" then "877".
                    cut = len(text) % group_digits or group_digits
                    at = 0
                    while at < len(text):
                        static, text_height = self._group(text[at:cut])
                        painter.drawStaticText(
                            round(x + at * digit_width),
                            y + round((height - text_height) / 2),
                            static,
                        )
                        at, cut = cut, cut + group_digits
                else:
                    static, text_width, text_height = self._number(row + 1)
                    painter.drawStaticText(
                        round((width - text_width) / 2),
                        y + round((height - text_height) / 2),
                        static,
                    )
                y += height
        finally:
            painter.end()


class ItemTableView(QTableView):
    """The table widget: tells the model which rows are visible, copies TSV, opens items.

    Keyboard and mouse: Enter, or a double-click on the title (or on a cell that cannot be
    edited in place), opens the row's item; F2, or a double-click on an editable cell, edits
    that cell in place (through the delegate set with `set_edit_delegate`).

    Signals:
        item_activated(app_id, item_id): double-click or Enter on a loaded row.
    """

    item_activated = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("itemTable")
        self.cell_delegate = CellDelegate(self)
        self.setItemDelegate(self.cell_delegate)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setSortingEnabled(False)  # sorting is a new query, driven by header clicks
        self.setWordWrap(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = RowNumberHeader(self)
        self.setVerticalHeader(vertical)
        vertical.setDefaultSectionSize(max(22, self.fontMetrics().height() + 8))
        horizontal = self.horizontalHeader()
        horizontal.setSectionsMovable(True)
        horizontal.setSectionsClickable(True)
        horizontal.setHighlightSections(False)
        horizontal.setStretchLastSection(True)
        horizontal.setSortIndicatorShown(True)
        horizontal.sectionClicked.connect(self._on_header_clicked)
        # Double-clicks are sorted out in _on_double_clicked (open the item or edit in place).
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.doubleClicked.connect(self._on_double_clicked)
        self.clicked.connect(self._open_link_on_ctrl_click)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self._model: ItemTableModel[Any] | None = None

    def setModel(self, model: Any) -> None:
        """Reimplements QTableView.setModel: the model learns which rows are visible."""
        if self._model is not None:
            self._model.visible_rows = None
            self._model.prepare_rows = None
            with contextlib.suppress(RuntimeError, TypeError):
                self._model.modelReset.disconnect(self._sync_sort_indicator)
        super().setModel(model)
        self._model = model if isinstance(model, ItemTableModel) else None
        if self._model is not None:
            self._model.visible_rows = self.visible_row_range
            self._model.prepare_rows = self.lay_out_ahead
            self._model.modelReset.connect(self._sync_sort_indicator)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Reimplements QTableView.paintEvent: every visible cell drawn in one Python call.

        QTableView calls the delegate once per cell, each call a trip from C++ into Python
        with a fresh style option and index; ~300 cells cost ~15 ms a repaint, more when a
        worker thread holds the GIL between the calls. Drawn here, a screen costs a few ms.
        Draws what QTableView would for this table: cells (alternating rows, selection,
        placeholders), then the grid. Worker threads of this process wait meanwhile
        (`FOREGROUND`): the paint hands the GIL back at every Qt call.
        """
        with FOREGROUND.in_front():
            self._paint(event)

    def _paint(self, event: QPaintEvent) -> None:
        model = self._model
        if model is None or model.rowCount() == 0 or model.columnCount() == 0:
            super().paintEvent(event)
            return
        vertical, horizontal = self.verticalHeader(), self.horizontalHeader()
        area = event.rect()
        first_row = vertical.logicalIndexAt(area.top())
        if first_row < 0:
            return  # below the last row
        last_row = vertical.logicalIndexAt(area.bottom())
        if last_row < 0:
            last_row = model.rowCount() - 1
        columns: list[tuple[int, int, int]] = []  # (logical column, x, width)
        first_visual = max(0, horizontal.visualIndexAt(area.left()))
        last_visual = horizontal.visualIndexAt(area.right())
        if last_visual < 0:
            last_visual = horizontal.count() - 1
        for visual in range(first_visual, last_visual + 1):
            logical = horizontal.logicalIndex(visual)
            if logical < 0 or horizontal.isSectionHidden(logical):
                continue
            columns.append(
                (
                    logical,
                    horizontal.sectionViewportPosition(logical),
                    horizontal.sectionSize(logical),
                )
            )
        if not columns:
            return
        selected_ranges = [
            (part.top(), part.bottom(), part.left(), part.right())
            for part in self.selectionModel().selection().toList()
        ]
        painter = QPainter(self.viewport())
        try:
            paints = CellPaints.of(self.palette())
            self.cell_delegate.set_pixel_ratio(self.viewport().devicePixelRatioF())
            self.cell_delegate.begin_painting()
            metrics = self.fontMetrics()
            delegate = self.cell_delegate
            show_grid = self.showGrid()
            grid = 1 if show_grid else 0
            height = vertical.defaultSectionSize()
            top = vertical.sectionViewportPosition(first_row)
            y = top
            # Runs of rows drawn as cells (y from, y to): the only ones with column lines.
            celled: list[list[int]] = []
            row_left = columns[0][1]
            row_width = columns[-1][1] + columns[-1][2] - row_left
            render_until = time.perf_counter() + RENDER_IN_PAINT_BUDGET_S
            render_later: list[int] = []
            for row in range(first_row, last_row + 1):
                row_ranges = [r for r in selected_ranges if r[0] <= row <= r[1]]
                cells = model.rendered_cells(row)
                if cells is None:
                    if (
                        row_ranges
                        or not model.is_row_loaded(row)
                        or (time.perf_counter() < render_until and not model.is_row_rendering(row))
                    ):
                        cells = model.row_cells(row)  # renders it, or asks for its page
                    else:
                        render_later.append(row)
                if cells is None and not row_ranges:
                    # Not loaded (or not rendered yet): one tinted band and the "loading…"
                    # text, not a cell at a time (a fast scroll paints little else).
                    state, text = model.placeholder(row)
                    if render_later and render_later[-1] == row:
                        state, text = RowState.LOADING, ""  # drawn in a moment
                    colour = (
                        FAILED_BACKGROUND if state is RowState.FAILED else PLACEHOLDER_BACKGROUND
                    )
                    painter.fillRect(row_left, y, row_width, height - grid, colour)
                    if text:  # across the band, wherever the view is scrolled
                        start = max(row_left, 0)
                        delegate.set_pen(painter, PLACEHOLDER_FOREGROUND)
                        delegate.draw_text(
                            painter,
                            start + 4,
                            y + 2,
                            row_left + row_width - start - 8,
                            height - grid - 4,
                            text,
                            metrics,
                            align_right=False,
                        )
                    y += height
                    continue
                if celled and celled[-1][1] == y:
                    celled[-1][1] = y + height
                else:
                    celled.append([y, y + height])
                row_filled = row % 2 == 1 and cells is not None
                if row_filled:  # one call for the row, not one per cell
                    painter.fillRect(row_left, y, row_width, height - grid, paints.alternate_base)
                for column, x, width in columns:
                    if cells is None:
                        cell, state = model.cell(row, column)
                    else:
                        cell, state = cells[column], RowState.LOADED
                    selected = bool(row_ranges) and any(r[2] <= column <= r[3] for r in row_ranges)
                    delegate.draw_cell(
                        painter,
                        x,
                        y,
                        width - grid,
                        height - grid,
                        cell,
                        state,
                        row,
                        column,
                        selected,
                        paints,
                        metrics,
                        row_filled=row_filled,
                    )
                y += height
            if show_grid:
                # One-pixel rectangles, not lines: `drawLines` of a screen's ~35 grid lines
                # took ~400 µs (measured offscreen), the same lines filled ~60 µs.
                colour = self._grid_colour()
                for line_y in range(top + height - 1, y, height):
                    painter.fillRect(row_left, line_y, row_width, 1, colour)
                for start, end in celled:
                    for _c, x, width in columns:
                        painter.fillRect(x + width - 1, start, 1, end - start, colour)
        finally:
            painter.end()
        if render_later:
            model.render_later(render_later)

    async def lay_out_ahead(self, rows: Sequence[tuple[Cell, ...]]) -> None:
        """Lay out the texts of freshly rendered rows for drawing, a few dozen per loop turn,
        before they are shown: a text drawn for the first time costs ~33 µs against ~7.5 µs
        laid out, so a screen of new rows would otherwise cost one long repaint.

        Worker threads wait during each batch (`FOREGROUND`), as during a paint: every text
        laid out is a Qt call that hands the GIL back, and a worker parsing a page took it each
        time (py-spy: the UI thread spent more time waiting for the GIL here than in the
        table's repaints while the user scrolled through pages being parsed)."""
        header = self.horizontalHeader()
        grid = 1 if self.showGrid() else 0
        widths = [
            (column, header.sectionSize(column) - grid - 8)
            for column in range(header.count())
            if not header.isSectionHidden(column)
        ]
        metrics = self.fontMetrics()
        delegate = self.cell_delegate
        since_turn = 0
        FOREGROUND.foreground_busy()
        try:
            for cells in rows:
                for column, width in widths:
                    if column >= len(cells):
                        continue
                    cell = cells[column]
                    if not cell.text or cell.progress is not None or cell.deleted:
                        continue
                    chip = cell.color is not None
                    delegate.lay_out(cell.text, width - 12 if chip else width, metrics)
                    since_turn += 1
                    if since_turn >= LAYOUTS_PER_TURN:
                        since_turn = 0
                        FOREGROUND.foreground_idle()  # workers go on between batches
                        await asyncio.sleep(0)
                        FOREGROUND.foreground_busy()
        finally:
            FOREGROUND.foreground_idle()

    def _grid_colour(self) -> QColor:
        option = QStyleOptionViewItem()
        option.initFrom(self)
        hint = self.style().styleHint(QStyle.StyleHint.SH_Table_GridLineColor, option, self)
        return QColor.fromRgba(hint & 0xFFFFFFFF)

    def set_edit_delegate(self, delegate: QStyledItemDelegate | None) -> None:
        """Edit cells in place with `delegate` (painting stays with the cell delegate)."""
        self.cell_delegate.editing = delegate

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        """Reimplements QAbstractItemView.closeEditor: a refused value stays in its editor
        (with the message) until it is fixed or Esc cancels it, so nothing typed is lost."""
        editing = self.cell_delegate.editing
        refused = str(getattr(editing, "last_error", "") or "")
        if refused and hint != QAbstractItemDelegate.EndEditHint.RevertModelCache:
            editor.setFocus()
            return
        if editing is not None and refused:
            editing.last_error = ""  # type: ignore[attr-defined]
        super().closeEditor(editor, hint)

    def visible_row_range(self) -> tuple[int, int] | None:
        model: QAbstractItemModel | None = self.model()
        if model is None or model.rowCount() == 0:
            return None
        first = self.rowAt(0)
        last = self.rowAt(max(0, self.viewport().height() - 1))
        if first < 0:
            first = 0
        if last < 0:
            last = model.rowCount() - 1
        return first, last

    def copy_selection(self) -> str:
        """Copy the selected cells as TSV to the clipboard; returns the text."""
        if self._model is None:
            return ""
        text = self._model.tsv(self.selectionModel().selectedIndexes())
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(text)
        return text

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Reimplements QAbstractItemView.keyPressEvent: Ctrl+C copies TSV, Enter opens."""
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._activate(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)

    def event(self, event: QEvent) -> bool:
        """Reimplements QObject.event: Ctrl+C must reach keyPressEvent, not a menu shortcut."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Copy)
        ):
            event.accept()
            return True
        if event.type() == QEvent.Type.FontChange:
            self.cell_delegate.forget_laid_out_texts()
        return super().event(event)

    def resizeEvent(self, event: Any) -> None:
        """Reimplements QAbstractItemView.resizeEvent: more rows may be visible now."""
        super().resizeEvent(event)
        self._on_scrolled()

    # ------------------------------------------------------------------ slots

    def _on_scrolled(self, *_args: object) -> None:
        model = self._model
        if model is None:
            return
        visible = self.visible_row_range()
        if visible is not None:
            model.request_rows(visible[0], visible[1], visible[0])

    def _on_header_clicked(self, section: int) -> None:
        model = self._model
        if model is None:
            return
        current = model.sort_column()
        descending = current is not None and current[0] == section and not current[1]
        if not model.sort_by_column(section, descending):
            self._sync_sort_indicator()

    def _sync_sort_indicator(self) -> None:
        model = self._model
        header = self.horizontalHeader()
        current = model.sort_column() if model is not None else None
        if current is None:
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        else:
            order = Qt.SortOrder.DescendingOrder if current[1] else Qt.SortOrder.AscendingOrder
            header.setSortIndicator(current[0], order)

    def _open_link_on_ctrl_click(self, index: QModelIndex) -> None:
        """Ctrl+click on a link cell (a related item, a contact, an e-mail) opens the link."""
        model = self._model
        if (
            model is None
            or not QGuiApplication.keyboardModifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            return
        cell, state = model.cell(index.row(), index.column())
        if state is RowState.LOADED and cell.link:
            QDesktopServices.openUrl(QUrl(cell.link))

    def _on_double_clicked(self, index: QModelIndex) -> None:
        model = self._model
        if model is None or not index.isValid():
            return
        if not model.opens_item(index.column()) and model.flags(index) & (
            Qt.ItemFlag.ItemIsEditable
        ):
            self.edit(index)
            return
        self._activate(index)

    def _activate(self, index: QModelIndex) -> None:
        model = self._model
        if model is None or not index.isValid() or model.query is None:
            return
        if model.is_removed(index.row()):
            return
        item_id = model.item_id_at(index.row())
        if item_id is not None:
            self.item_activated.emit(model.query.app_id, item_id)


__all__ = [
    "Cell",
    "CellDelegate",
    "Column",
    "ItemTableModel",
    "ItemTableView",
    "RowState",
]
