"""The item table model and view with an in-memory page reader (no server needed).

What is asserted is what a user or a caller sees: rows, placeholders, the pages asked for,
signals, and the pixels Qt's own paint path draws (selection, focus frame, chips, bars).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from podio_desk.services.paging import Page, PageQuery, PageSource
from podio_desk.ui.table import (
    LOADING_TEXT,
    Cell,
    Column,
    ItemTableModel,
    ItemTableView,
    Roles,
    RowState,
    TableRow,
)
from podio_desk.ui.theme import table_brushes

pytestmark = pytest.mark.gui


@dataclass(frozen=True)
class Row:
    item_id: int
    title: str
    amount: int


@dataclass
class RowsReader:
    """A page reader over a list: each page is shaped in a worker thread, like the real ones."""

    rows: list[Row]
    calls: list[tuple[str | None, bool, int]] = field(default_factory=list)
    shaped_on: set[str] = field(default_factory=set)
    delay: float = 0.0
    gate: asyncio.Event | None = None

    async def read_page(
        self, query: PageQuery, offset: int, limit: int, shape: Callable[[Any], Any]
    ) -> Page[Any] | None:
        self.calls.append((query.sort_by, query.sort_desc, offset))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.gate is not None:
            await self.gate.wait()
        rows = self.rows
        if query.sort_by == "amount":
            rows = sorted(rows, key=lambda row: row.amount, reverse=query.sort_desc)
        if query.search:
            rows = [row for row in rows if query.search in row.title]

        def shaped() -> list[Any]:
            self.shaped_on.add(threading.current_thread().name)
            return [shape(row) for row in rows[offset : offset + limit]]

        return Page(offset, len(rows), await asyncio.to_thread(shaped))


CHIP_COLOUR = "DCEBD8"
COLUMNS: list[Column[Row]] = [
    Column("title", "Title", "text", lambda row: Cell(row.title), sort_by="title"),
    Column(
        "amount",
        "Amount",
        "number",
        lambda row: Cell(f"{row.amount:,}", align_right=True),
        sort_by="amount",
    ),
    Column(
        "done",
        "Done",
        "progress",
        lambda row: Cell(f"{row.amount % 101} %", progress=row.amount % 101),
    ),
    Column("kind", "Kind", "category", lambda row: Cell("Open", color=CHIP_COLOUR)),
]


def make_rows(count: int) -> list[Row]:
    return [
        Row(item_id=1000 + n, title=f"Item {n}", amount=(n * 7919) % 10007) for n in range(count)
    ]


@pytest.fixture
def reader() -> RowsReader:
    return RowsReader(make_rows(2500))


@pytest.fixture
def model(qloop, reader):
    source: PageSource[TableRow[Row]] = PageSource(cache=None, api=reader, page_size=100)
    table = ItemTableModel(source)
    yield table
    table.close()


def wait_loaded(qtbot, model: ItemTableModel[Row], row: int) -> None:
    qtbot.waitUntil(lambda: model.is_row_loaded(row), timeout=5000)


def shown_view(
    qtbot, model: ItemTableModel[Row], width: int | None = None, height: int = 0
) -> ItemTableView:
    """A view of `model` on screen, showing the unfiltered query once its total is known."""
    view = ItemTableView()
    qtbot.addWidget(view)
    if width is not None:
        view.resize(width, height)
    view.setModel(model)
    view.show()
    with qtbot.waitSignal(model.total_changed, timeout=5000):
        model.show_query(PageQuery(app_id=7), COLUMNS)
    # The view lays itself out for the new rows on a later event-loop turn.
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 0, timeout=5000)
    return view


def _pixel(image, view: ItemTableView, row: int, column: int, dx: int = 2, dy: int = 2):
    """The colour drawn inside cell (row, column) of the view's viewport, near its top left."""
    rect = view.visualRect(view.model().index(row, column))
    ratio = view.viewport().devicePixelRatioF()
    return image.pixelColor(round((rect.left() + dx) * ratio), round((rect.top() + dy) * ratio))


def _colours(image, view: ItemTableView, row: int, column: int) -> set[str]:
    """Every colour drawn in cell (row, column)."""
    rect = view.visualRect(view.model().index(row, column))
    ratio = view.viewport().devicePixelRatioF()
    return {
        image.pixelColor(round(x * ratio), round(y * ratio)).name()
        for x in range(rect.left(), rect.right() + 1)
        for y in range(rect.top(), rect.bottom() + 1)
    }


# ---------------------------------------------------------------------------- the model


def test_model_passes_the_tester_after_construction_fetch_and_reset(qtbot, qtmodeltester, model):
    qtmodeltester.check(model)
    with qtbot.waitSignal(model.total_changed, timeout=5000):
        model.show_query(PageQuery(app_id=7), COLUMNS)
    assert model.rowCount() == 2500
    qtmodeltester.check(model)
    # Row 1234 is not loaded: asking for it shows a placeholder and schedules its page.
    index = model.index(1234, 0)
    assert model.data(index) == LOADING_TEXT
    assert model.data(index, Roles.ROW_STATE) is RowState.LOADING
    wait_loaded(qtbot, model, 1234)
    assert model.data(model.index(1234, 0)) == "Item 1234"
    assert model.data(model.index(1234, 0), Roles.ROW_STATE) is RowState.LOADED
    qtmodeltester.check(model)
    with qtbot.waitSignal(model.total_changed, timeout=5000):
        model.show_query(PageQuery(app_id=7, search="Item 12"), COLUMNS)
    assert model.rowCount() == 111
    qtmodeltester.check(model)


def test_rows_arrive_rendered_from_the_readers_worker_thread(qtbot, model, reader):
    with qtbot.waitSignal(model.total_changed, timeout=5000):
        model.show_query(PageQuery(app_id=7), COLUMNS)
    assert reader.shaped_on
    assert threading.current_thread().name not in reader.shaped_on
    index = model.index(3, 1)
    assert model.data(index) == f"{(3 * 7919) % 10007:,}"
    assert model.data(index, Qt.ItemDataRole.TextAlignmentRole) == int(
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    )
    assert model.data(model.index(3, 3), Roles.CELL) == Cell("Open", color=CHIP_COLOUR)


def test_pages_arrive_as_data_changed_not_reset(qtbot, model):
    with qtbot.waitSignal(model.total_changed, timeout=5000):
        model.show_query(PageQuery(app_id=7), COLUMNS)
    resets: list[int] = []
    changed: list[tuple[int, int]] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(
        lambda top, bottom, roles=(): changed.append((top.row(), bottom.row()))
    )
    model.request_rows(2450, 2470)
    wait_loaded(qtbot, model, 2460)
    assert resets == []
    assert (2400, 2499) in changed


def test_rows_asked_for_load_nearest_page_first(qtbot, model, reader):
    with qtbot.waitSignal(model.total_changed, timeout=5000):
        model.show_query(PageQuery(app_id=7), COLUMNS)
    model.request_rows(1000, 1450, focus=1420)
    wait_loaded(qtbot, model, 1000)
    wait_loaded(qtbot, model, 1450)
    # The first page (the total), then the focused row's page, then outwards from it.
    assert [offset for _, _, offset in reader.calls] == [0, 1400, 1300, 1200, 1100, 1000]


def test_rendering_error_shows_a_marker_not_a_crash(qtbot, model):
    def broken(row: Row) -> Cell:
        raise ValueError("bad value")

    columns = [*COLUMNS, Column("broken", "Broken", "text", broken)]
    with qtbot.waitSignal(model.total_changed, timeout=5000):
        model.show_query(PageQuery(app_id=7), columns)
    assert model.data(model.index(0, 4)) == "⚠"
    assert model.data(QModelIndex()) is None


def test_a_saved_item_replaces_its_row_without_a_reload(qtbot, model, reader):
    with qtbot.waitSignal(model.total_changed, timeout=5000):
        model.show_query(PageQuery(app_id=7), COLUMNS)
    wait_loaded(qtbot, model, 5)
    calls = len(reader.calls)
    changed: list[int] = []
    model.dataChanged.connect(lambda top, bottom, roles=(): changed.append(top.row()))
    assert model.replace_item(Row(item_id=1005, title="Renamed", amount=1)) == 5
    assert model.data(model.index(5, 0)) == "Renamed"
    assert changed == [5]
    assert len(reader.calls) == calls
    assert model.replace_item(Row(item_id=999_999, title="x", amount=1)) is None


def test_a_removed_item_is_struck_through_and_no_longer_edits_or_opens(qtbot, model):
    with qtbot.waitSignal(model.total_changed, timeout=5000):
        model.show_query(PageQuery(app_id=7), COLUMNS)
    wait_loaded(qtbot, model, 4)
    assert model.mark_removed(1004) == [4]
    font = model.data(model.index(4, 0), Qt.ItemDataRole.FontRole)
    assert font is not None
    assert font.strikeOut()
    assert model.data(model.index(4, 0), Qt.ItemDataRole.ToolTipRole) == "Deleted in Podio"
    assert model.data(model.index(4, 3), Roles.CELL).color is None  # no chip for it
    assert model.data(model.index(5, 0), Qt.ItemDataRole.FontRole) is None
    assert model.is_removed(4)


def test_placeholders_say_waiting_during_a_rate_limit_wait(qtbot, model):
    with qtbot.waitSignal(model.total_changed, timeout=5000):
        model.show_query(PageQuery(app_id=7), COLUMNS)
    index = model.index(2000, 0)
    assert model.data(index) == LOADING_TEXT
    with qtbot.waitSignal(model.dataChanged, timeout=1000):
        model.set_waiting("Podio's rate limit")
    assert model.data(index) == "waiting: Podio's rate limit…"
    model.set_waiting(None)
    assert model.data(index) == LOADING_TEXT


def test_pages_that_cannot_load_say_so_and_tell_the_user(qtbot, qloop):
    class Failing:
        async def read_page(self, query, offset, limit, shape):
            if offset:
                raise OSError("connection refused")
            return Page(0, 300, [shape(row) for row in make_rows(100)])

    source: PageSource[TableRow[Row]] = PageSource(cache=None, api=Failing(), page_size=100)
    model = ItemTableModel(source)
    try:
        with qtbot.waitSignal(model.total_changed, timeout=5000):
            model.show_query(PageQuery(app_id=7), COLUMNS)
        with qtbot.waitSignal(model.load_failed, timeout=5000) as failed:
            model.request_rows(250, 260)
        assert failed.args == ["connection refused"]
        assert model.data(model.index(255, 0), Roles.ROW_STATE) is RowState.FAILED
        assert model.data(model.index(255, 0)) == "could not load these rows"
        # Offline, the page is asked for again (of the cache alone) when the row is shown.
        model.set_online(False)
        with qtbot.waitSignal(model.load_failed, timeout=5000):
            model.data(model.index(255, 0))
        assert model.data(model.index(255, 0)) == "not in the local cache (offline)"
    finally:
        model.close()


# ---------------------------------------------------------------------------- the view


def test_view_jump_to_end_loads_only_first_and_last_page(qtbot, model, reader):
    view = shown_view(qtbot, model, 800, 600)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    view.scrollToBottom()
    wait_loaded(qtbot, model, 2499)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    assert [offset for _, _, offset in reader.calls] == [0, 2400]
    assert model.data(model.index(2499, 0)) == "Item 2499"


def test_header_click_sorts_on_the_source_and_resets_once(qtbot, model, reader):
    view = shown_view(qtbot, model)
    with qtbot.waitSignal(model.modelReset, timeout=5000):
        view.horizontalHeader().sectionClicked.emit(1)
    qtbot.waitUntil(lambda: model.rowCount() == 2500 and model.is_row_loaded(0), timeout=5000)
    assert model.query is not None
    assert model.query.sort_by == "amount"
    assert not model.query.sort_desc
    amounts = [model.item_at(row).amount for row in range(20)]
    assert amounts == sorted(amounts)
    assert view.horizontalHeader().sortIndicatorSection() == 1
    with qtbot.waitSignal(model.modelReset, timeout=5000):
        view.horizontalHeader().sectionClicked.emit(1)
    qtbot.waitUntil(lambda: model.rowCount() == 2500, timeout=5000)
    assert model.query.sort_desc
    # Qt's own indicator for a descending sort (Qt draws it as an arrow pointing up), and
    # the header's tooltip says it in the menu's words.
    assert view.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    tip = model.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "sorted descending" in tip
    # A column Podio cannot sort by keeps the order (and the indicator where it was).
    view.horizontalHeader().sectionClicked.emit(3)
    assert model.query.sort_by == "amount"
    assert view.horizontalHeader().sortIndicatorSection() == 1


def test_enter_and_double_click_open_the_item(qtbot, model):
    view = shown_view(qtbot, model)
    wait_loaded(qtbot, model, 3)
    view.setCurrentIndex(model.index(3, 0))
    with qtbot.waitSignal(view.item_activated, timeout=1000) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert blocker.args == [7, 1003]
    rect = view.visualRect(model.index(2, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(view.item_activated, timeout=1000) as blocker:
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [7, 1002]


def test_ctrl_c_copies_the_selected_rows_visible_columns_with_a_header_row(qtbot, model):
    view = shown_view(qtbot, model)
    wait_loaded(qtbot, model, 2)
    view.selectRow(1)
    view.selectionModel().select(
        model.index(2, 0),
        view.selectionModel().SelectionFlag.Select | view.selectionModel().SelectionFlag.Rows,
    )
    view.horizontalHeader().moveSection(3, 1)  # Kind now shows second
    view.setColumnHidden(2, True)  # Done is hidden
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    text = QGuiApplication.clipboard().text()
    assert text.splitlines() == [
        "Title\tKind\tAmount",
        "Item 1\tOpen\t7,919",
        "Item 2\tOpen\t5,831",
    ]
    html = QGuiApplication.clipboard().mimeData().html()
    assert "<th>Title</th><th>Kind</th><th>Amount</th>" in html
    assert "<td>Item 2</td><td>Open</td><td>5,831</td>" in html


def test_the_stock_vertical_header_numbers_the_rows(qtbot, model):
    view = shown_view(qtbot, model, 500, 300)
    header = view.verticalHeader()
    assert type(header).__name__ == "QHeaderView"
    assert model.headerData(2499, Qt.Orientation.Vertical) == "2500"
    qtbot.waitUntil(
        lambda: header.width() >= header.fontMetrics().horizontalAdvance("2500"), timeout=5000
    )


def test_view_paints_placeholders_then_cells_selection_and_alternate_rows(qtbot, model, reader):
    view = shown_view(qtbot, model, 700, 400)
    gate = reader.gate = asyncio.Event()  # pages after the first wait for it
    view.scrollTo(model.index(1500, 0))
    qtbot.waitUntil(lambda: (view.visible_row_range() or (0, 0))[0] > 1000, timeout=5000)
    visible = view.visible_row_range()
    assert visible is not None
    first = visible[0]
    image = view.viewport().grab().toImage()
    placeholder_background = table_brushes.refresh().placeholder_background.color()
    assert _pixel(image, view, first, 0) == placeholder_background  # not loaded yet
    assert _pixel(image, view, first, 1) == placeholder_background
    gate.set()
    qtbot.waitUntil(lambda: model.is_row_loaded(first) and not model.is_loading, timeout=5000)
    view.selectRow(first + 1)
    view.setFocus()
    image = view.viewport().grab().toImage()
    palette = view.palette()
    group = QPalette.ColorGroup.Active if view.isActiveWindow() else QPalette.ColorGroup.Inactive
    assert _pixel(image, view, first, 1) != placeholder_background
    assert _pixel(image, view, first + 1, 1) == palette.color(group, QPalette.ColorRole.Highlight)
    odd = first + 2 if (first + 2) % 2 else first + 3
    assert _pixel(image, view, odd, 1) == palette.color(group, QPalette.ColorRole.AlternateBase)
    assert _pixel(image, view, odd + 1, 1) == palette.color(group, QPalette.ColorRole.Base)


def test_progress_bars_and_category_chips_are_drawn_in_their_cells(qtbot, model):
    view = shown_view(qtbot, model, 900, 400)
    qtbot.waitUntil(lambda: model.is_row_loaded(0) and not model.is_loading, timeout=5000)
    image = view.viewport().grab().toImage()
    row = next(r for r in range(8) if model.item_at(r).amount % 101 > 10)
    assert "#3d7fd6" in _colours(image, view, row, 2)  # the bar's fill
    assert QColor(f"#{CHIP_COLOUR}").name() in _colours(image, view, row, 3)  # the chip


def test_chips_sit_at_the_leading_edge_also_right_to_left(qtbot, model):
    view = shown_view(qtbot, model, 900, 400)
    qtbot.waitUntil(lambda: model.is_row_loaded(0) and not model.is_loading, timeout=5000)
    view.horizontalHeader().resizeSection(3, 200)
    chip = QColor(f"#{CHIP_COLOUR}")

    def chip_side() -> str:
        image = view.viewport().grab().toImage()
        rect = view.visualRect(model.index(0, 3))
        ratio = view.viewport().devicePixelRatioF()
        y = round(rect.center().y() * ratio)

        def at(x: int) -> QColor:
            return image.pixelColor(round(x * ratio), y)

        left = any(at(x) == chip for x in range(rect.left(), rect.left() + 20))
        right = any(at(x) == chip for x in range(rect.right() - 20, rect.right()))
        return "left" if left and not right else "right" if right and not left else "?"

    assert chip_side() == "left"
    view.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    assert chip_side() == "right"


def test_the_current_cell_is_drawn_with_a_focus_frame(qtbot, model):
    view = shown_view(qtbot, model, 700, 400)
    qtbot.waitUntil(lambda: model.is_row_loaded(3) and not model.is_loading, timeout=5000)
    view.activateWindow()
    view.setFocus(Qt.FocusReason.MouseFocusReason)  # a click, not keyboard navigation
    view.setSelectionMode(view.SelectionMode.NoSelection)  # the frame alone, no highlight
    view.setCurrentIndex(model.index(3, 0))
    with_frame = view.viewport().grab().toImage()
    view.setCurrentIndex(model.index(5, 0))
    without_frame = view.viewport().grab().toImage()
    rect = view.visualRect(model.index(3, 0))
    ratio = view.viewport().devicePixelRatioF()
    border = [(x, rect.top()) for x in range(rect.left(), rect.right())] + [
        (x, rect.bottom()) for x in range(rect.left(), rect.right())
    ]
    differs = [
        (x, y)
        for x, y in border
        if with_frame.pixelColor(round(x * ratio), round(y * ratio))
        != without_frame.pixelColor(round(x * ratio), round(y * ratio))
    ]
    assert len(differs) > rect.width() // 2


def test_f2_edits_a_cell_through_the_one_delegate(qtbot, model):
    """F2 opens the delegate's editor on an editable cell; what is typed goes to `commit`."""
    from podio_desk.domain.fields import EMPTY, FieldDef

    fdef = FieldDef.from_api(
        {"field_id": 9, "type": "text", "external_id": "title", "label": "Title", "config": {}}
    )
    columns = [
        Column(
            "title",
            "Title",
            "text",
            lambda row: Cell(row.title),
            edit_value=lambda row: (fdef, EMPTY),
        ),
        *COLUMNS[1:],
    ]
    view = ItemTableView()
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.setModel(model)
    view.show()
    committed: list[tuple[int, object]] = []
    view.set_commit(lambda index, field, value: committed.append((index.row(), value)))
    with qtbot.waitSignal(model.total_changed, timeout=5000):
        model.show_query(PageQuery(app_id=7), columns)
    wait_loaded(qtbot, model, 2)
    assert view.itemDelegate() is view.cell_delegate
    view.setFocus()
    view.setCurrentIndex(model.index(2, 0))
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QWidget)
    assert view.isAncestorOf(editor)  # the title is frozen: its editor lies over the table
    qtbot.keyClicks(editor, "Renamed")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(committed), timeout=2000)
    assert committed[0][0] == 2
    assert "Renamed" in str(committed[0][1])


def test_multi_data_answers_what_data_answers(qtbot, model):
    """Delegates ask for several roles at once (multiData): the same answers as data()."""
    from PySide6.QtCore import QModelRoleData

    with qtbot.waitSignal(model.total_changed, timeout=5000):
        model.show_query(PageQuery(app_id=7), COLUMNS)
    model.mark_removed(1001)
    roles = [
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.DecorationRole,
    ]
    for row, column in [(0, 0), (0, 1), (1, 0), (1, 3), (2000, 0), (2000, 2)]:
        index = model.index(row, column)
        for role in roles:
            asked = QModelRoleData(int(role))
            model.multiData(index, asked)
            assert asked.data() == model.data(index, role), (row, column, role)
    # Asking for a placeholder's text requested its page: let it land before the test ends.
    wait_loaded(qtbot, model, 2000)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)


def test_typing_letters_on_the_table_neither_searches_nor_loads_rows(qtbot, model, reader):
    """Qt's type-to-find walks every row through `data()`: on a lazily paged table that asks
    Podio for every page. Letters typed on a cell leave the current cell and the pages alone."""
    view = shown_view(qtbot, model, 800, 600)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    view.setCurrentIndex(model.index(3, 0))
    qtbot.keyClicks(view, "zq")
    assert view.currentIndex().row() == 3
    # A known request as a fence: when its page has landed, anything typing asked for has too.
    view.scrollToBottom()
    wait_loaded(qtbot, model, 2499)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    assert [offset for _, _, offset in reader.calls] == [0, 2400]
