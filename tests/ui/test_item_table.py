"""The item table model and view with an in-memory page reader (no server needed)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication

from podio_desk.services.paging import Page, PageQuery, PageSource
from podio_desk.ui import item_table
from podio_desk.ui.item_table import (
    LOADING_TEXT,
    Cell,
    Column,
    ItemTableModel,
    ItemTableView,
    Roles,
    RowNumberHeader,
    RowState,
)
from tests.plugins.qt import run_async

pytestmark = pytest.mark.gui


@dataclass(frozen=True)
class Row:
    item_id: int
    title: str
    amount: int


@dataclass
class RowsReader:
    rows: list[Row]
    calls: list[tuple[str | None, bool, int]] = field(default_factory=list)
    delay: float = 0.0

    async def read_page(self, query: PageQuery, offset: int, limit: int) -> Page[Row] | None:
        self.calls.append((query.sort_by, query.sort_desc, offset))
        if self.delay:
            await asyncio.sleep(self.delay)
        rows = self.rows
        if query.sort_by == "amount":
            rows = sorted(rows, key=lambda row: row.amount, reverse=query.sort_desc)
        if query.search:
            rows = [row for row in rows if query.search in row.title]
        return Page(offset, len(rows), rows[offset : offset + limit])


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
    source: PageSource[Row] = PageSource(cache=None, api=reader, page_size=100)
    table = ItemTableModel(source)
    yield table
    table.close()


def wait_loaded(qtbot, model: ItemTableModel[Row], row: int) -> None:
    qtbot.waitUntil(lambda: model.source.is_loaded(row), timeout=5000)


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
    return view


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
    qtmodeltester.check(model)
    with qtbot.waitSignal(model.total_changed, timeout=5000):
        model.show_query(PageQuery(app_id=7, search="Item 12"), COLUMNS)
    assert model.rowCount() == 111
    qtmodeltester.check(model)


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


def test_view_jump_to_end_loads_only_first_and_last_page(qtbot, model, reader):
    view = shown_view(qtbot, model, 800, 600)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    view.scrollToBottom()
    qtbot.waitUntil(lambda: model.source.is_loaded(2499), timeout=5000)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    assert [offset for _, _, offset in reader.calls] == [0, 2400]
    assert model.data(model.index(2499, 0)) == "Item 2499"


def test_header_click_sorts_on_the_source_and_resets_once(qtbot, model, reader):
    view = shown_view(qtbot, model)
    with qtbot.waitSignal(model.modelReset, timeout=5000):
        view.horizontalHeader().sectionClicked.emit(1)
    qtbot.waitUntil(lambda: model.rowCount() == 2500 and model.source.is_loaded(0), timeout=5000)
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


def test_enter_and_double_click_open_the_item(qtbot, model):
    view = shown_view(qtbot, model)
    qtbot.waitUntil(lambda: model.source.is_loaded(3), timeout=5000)
    view.setCurrentIndex(model.index(3, 0))
    with qtbot.waitSignal(view.item_activated, timeout=1000) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert blocker.args == [7, 1003]


def test_ctrl_c_copies_selection_as_tsv(qtbot, model):
    view = shown_view(qtbot, model)
    qtbot.waitUntil(lambda: model.source.is_loaded(2), timeout=5000)
    view.selectRow(1)
    view.selectionModel().select(
        model.index(2, 0),
        view.selectionModel().SelectionFlag.Select | view.selectionModel().SelectionFlag.Rows,
    )
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    text = QGuiApplication.clipboard().text()
    assert text.splitlines() == ["Item 1\t7,919\t41 %", "Item 2\t5,831\t74 %"]


def test_rendering_error_shows_a_marker_not_a_crash(qtbot, model):
    def broken(row: Row) -> Cell:
        raise ValueError("bad value")

    columns = [*COLUMNS, Column("broken", "Broken", "text", broken)]
    with qtbot.waitSignal(model.total_changed, timeout=5000):
        model.show_query(PageQuery(app_id=7), columns)
    assert model.data(model.index(0, 3)) == "⚠"
    assert model.data(QModelIndex()) is None


def test_a_saved_item_replaces_its_row_without_a_reload(qtbot, model, reader):
    with qtbot.waitSignal(model.total_changed, timeout=5000):
        model.show_query(PageQuery(app_id=7), COLUMNS)
    qtbot.waitUntil(lambda: model.source.is_loaded(5), timeout=5000)
    calls = len(reader.calls)
    changed: list[int] = []
    model.dataChanged.connect(lambda top, bottom, roles=(): changed.append(top.row()))
    assert model.replace_item(Row(item_id=1005, title="Renamed", amount=1)) == 5
    assert model.data(model.index(5, 0)) == "Renamed"
    assert changed == [5]
    assert len(reader.calls) == calls
    assert model.replace_item(Row(item_id=999_999, title="x", amount=1)) is None


def _pixel(image, view: ItemTableView, row: int, column: int, dx: int = 2, dy: int = 2):
    """The colour drawn inside cell (row, column) of the view's viewport, near its top left."""
    rect = view.visualRect(view.model().index(row, column))
    return image.pixelColor(rect.left() + dx, rect.top() + dy)


def test_view_paints_placeholders_then_cells_and_selection(qtbot, model, reader):
    """The view draws every cell itself (one paintEvent, not a delegate call per cell):
    placeholder bands before a page lands, the data after, selection and alternate rows."""
    from podio_desk.ui.item_table import PLACEHOLDER_BACKGROUND

    reader.delay = 1.0  # pages land well after the first grab, even on a loaded machine
    view = shown_view(qtbot, model, 600, 400)
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 1500, timeout=5000)
    view.scrollTo(model.index(1500, 0))
    qtbot.waitUntil(lambda: (view.visible_row_range() or (0, 0))[0] > 1000, timeout=5000)
    visible = view.visible_row_range()
    assert visible is not None
    first = visible[0]
    image = view.viewport().grab().toImage()
    assert _pixel(image, view, first, 1) == PLACEHOLDER_BACKGROUND  # not loaded yet
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    view.selectRow(first + 1)
    image = view.viewport().grab().toImage()
    palette = view.palette()
    assert _pixel(image, view, first, 1) != PLACEHOLDER_BACKGROUND
    assert _pixel(image, view, first + 1, 1) == palette.highlight().color()
    odd = first + 2 if (first + 2) % 2 else first + 3
    assert _pixel(image, view, odd, 1) == palette.alternateBase().color()
    assert _pixel(image, view, odd + 1, 1) == palette.base().color()
    # The progress column draws its bar: the fill colour appears in a row with progress > 0.
    row = next(r for r in range(first, first + 5) if model.item_at(r).amount % 101 > 10)
    rect = view.visualRect(model.index(row, 2))
    colours = {
        image.pixelColor(x, rect.center().y()).name() for x in range(rect.left(), rect.right())
    }
    assert "#3d7fd6" in colours


def test_row_numbers_and_a_font_change_repaint(qtbot, model):
    view = shown_view(qtbot, model, 500, 300)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    header = view.verticalHeader()
    assert header.width() >= header.fontMetrics().horizontalAdvance("2500")
    header.viewport().grab()  # drawn by the header itself, without asking the model per role
    view.viewport().grab()
    assert view.cell_delegate._texts  # laid-out texts are kept between repaints
    font = view.font()
    font.setPointSize(font.pointSize() + 3)
    view.setFont(font)
    assert not view.cell_delegate._texts
    view.viewport().grab()
    assert view.cell_delegate._texts


def test_laid_out_texts_go_least_recently_drawn_first_never_all_at_once(qtbot, monkeypatch):
    """A full cache of laid-out texts lets go of the oldest one: the texts of the screen,
    laid out ahead or just drawn, stay laid out (emptied whole, the next repaint laid out
    every visible text again)."""
    from PySide6.QtGui import QFont, QFontMetrics

    monkeypatch.setattr(item_table, "TEXT_CACHE_SIZE", 3)
    delegate = item_table.CellDelegate()
    metrics = QFontMetrics(QFont())
    for text in ("a", "b", "c"):
        delegate.lay_out(text, 100, metrics)
    first_a = delegate._laid_out("a", 100, metrics)[0]  # drawn again: now the most recent
    delegate.lay_out("d", 100, metrics)
    assert list(delegate._texts) == [("c", 100), ("a", 100), ("d", 100)]
    assert delegate._laid_out("a", 100, metrics)[0] is first_a  # not laid out again


def test_row_numbers_are_drawn_on_one_style_drawn_section_tiled_down_the_header(qtbot, model):
    """The style draws one empty section once; each repaint draws a strip of it and the
    numbers."""
    from PySide6.QtGui import QPalette

    view = shown_view(qtbot, model, 500, 300)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    header = view.verticalHeader()
    assert isinstance(header, RowNumberHeader)
    image = header.viewport().grab().toImage()
    tile = header._tile
    assert tile is not None
    tile_image = tile.toImage()
    height = header.defaultSectionSize()
    ratio = tile.devicePixelRatio()
    for row in range(3):  # every section: the style's background at its edges, a number inside
        top = header.sectionViewportPosition(row)
        for x, y in ((2, 1), (2, height - 2)):
            assert image.pixelColor(round(x * ratio), round((top + y) * ratio)) == (
                tile_image.pixelColor(round(x * ratio), round(y * ratio))
            )
        middle = [
            image.pixelColor(round(x * ratio), round((top + height // 2) * ratio))
            for x in range(header.width())
        ]
        blank = tile_image.pixelColor(round(2 * ratio), round(height // 2 * ratio))
        assert any(colour != blank for colour in middle)
    header.viewport().grab()
    assert header._tile is tile  # drawn once, reused by every repaint
    palette = header.palette()
    palette.setColor(QPalette.ColorRole.Button, palette.color(QPalette.ColorRole.Button).darker())
    header.setPalette(palette)
    header.viewport().grab()
    assert header._tile is not tile  # a new palette, a new section
    tile = header._tile
    font = header.font()
    font.setPointSize(font.pointSize() + 4)
    header.setFont(font)
    header.viewport().grab()
    assert header._tile is not tile  # a new font: the numbers are laid out again


def test_the_header_strip_is_the_style_section_repeated_and_made_once(qtbot, model):
    view = shown_view(qtbot, model, 500, 300)
    header = view.verticalHeader()
    assert isinstance(header, RowNumberHeader)
    width, height = header.viewport().width(), header.defaultSectionSize()
    strip = header.section_strip(width, height, 12)
    tile = header.section_tile(width, height)
    ratio = tile.devicePixelRatio()
    assert strip.height() >= round(12 * height * ratio)
    strip_image, tile_image = strip.toImage(), tile.toImage()
    for section in range(12):
        for x, y in ((0, 0), (2, 1), (width // 2, height // 2), (width - 1, height - 1)):
            assert strip_image.pixelColor(
                round(x * ratio), round((section * height + y) * ratio)
            ) == tile_image.pixelColor(round(x * ratio), round(y * ratio))
    assert header.section_strip(width, height, 12) is strip  # reused by every repaint
    assert header.section_strip(width, height, 10) is strip  # shorter: the same strip
    assert header.section_strip(width, height, 40) is not strip  # a taller header


def _ink_span(image, header, row: int) -> tuple[int, int]:
    """The leftmost and rightmost columns of the number's pixels on `row`'s middle line."""
    ratio = header.devicePixelRatioF()
    top = header.sectionViewportPosition(row)
    height = header.defaultSectionSize()
    blank = image.pixelColor(round(2 * ratio), round((top + 2) * ratio))
    inked = [
        x
        for x in range(image.width())
        for y in range(round((top + 3) * ratio), round((top + height - 3) * ratio))
        if image.pixelColor(x, y) != blank and image.pixelColor(x, y).lightness() < 160
    ]
    assert inked, f"no number drawn on row {row}"
    return min(inked), max(inked)


def test_row_numbers_are_drawn_from_laid_out_groups_of_three_digits(qtbot, qloop):
    """A jump shows rows never numbered before: their numbers are drawn from laid-out digit
    groups (at most 1 110 of them ever), in the same place as the whole number."""
    reader = RowsReader(make_rows(200_000))
    source: PageSource[Row] = PageSource(cache=None, api=reader, page_size=100)
    model = ItemTableModel(source)
    try:
        view = shown_view(qtbot, model, 500, 300)
        header = view.verticalHeader()
        assert isinstance(header, RowNumberHeader)
        if not header.digit_width():
            pytest.skip("this font's digits differ in width: whole numbers are drawn")
        view.scrollTo(model.index(123_454, 0), ItemTableView.ScrollHint.PositionAtTop)
        qtbot.waitUntil(lambda: header.logicalIndexAt(0) == 123_454, timeout=5000)
        grouped = header.viewport().grab().toImage()
        assert not header._numbers  # no whole number laid out
        assert {"123", "455", "456"} <= set(header._groups)
        assert all(len(group) <= 3 for group in header._groups)
        header._digit_width = 0  # as for a font whose digits differ in width
        whole = header.viewport().grab().toImage()
        assert 123_455 in header._numbers
        for row in (123_454, 123_455, 123_460):
            left, right = _ink_span(grouped, header, row)
            whole_left, whole_right = _ink_span(whole, header, row)
            assert abs(left - whole_left) <= 1
            assert abs(right - whole_right) <= 1
        qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    finally:
        model.close()


def test_grid_lines_are_drawn_under_each_row_and_right_of_each_cell(qtbot, model):
    view = shown_view(qtbot, model, 600, 400)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    image = view.viewport().grab().toImage()
    grid = view._grid_colour()
    ratio = view.viewport().devicePixelRatioF()
    rect = view.visualRect(model.index(2, 0))
    middle_x, middle_y = rect.center().x(), rect.center().y()

    def at(x: int, y: int):
        return image.pixelColor(round(x * ratio), round(y * ratio))

    # visualRect is the cell without its grid lines: they are the next pixel down and right.
    assert at(middle_x, rect.bottom() + 1) == grid  # under the row
    assert at(rect.right() + 1, middle_y) == grid  # right of the cell
    assert at(middle_x, rect.bottom()) != grid
    assert at(rect.right(), middle_y) != grid


@pytest.mark.parametrize("budget", [0.0, 1.0])
def test_a_repaint_renders_rows_of_loaded_pages_within_its_budget(
    qtbot, model, monkeypatch, budget
):
    """Scrolled to rows of a page loaded earlier but never rendered (beyond the margin
    rendered when it landed), a repaint renders them itself only within its time budget; the
    rest are rendered by a worker and drawn right after."""
    monkeypatch.setattr(item_table, "RENDER_IN_PAINT_BUDGET_S", budget)
    view = shown_view(qtbot, model, 600, 400)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    assert model.is_row_loaded(90)
    assert model.rendered_cells(90) is None
    view.scrollTo(model.index(90, 0), ItemTableView.ScrollHint.PositionAtTop)
    view.viewport().grab()
    if budget:
        assert model.rendered_cells(90) is not None  # rendered by the repaint itself
    else:
        assert model.rendered_cells(90) is None  # drawn as a placeholder band for now
        qtbot.waitUntil(lambda: model.rendered_cells(90) is not None, timeout=5000)
    cells = model.rendered_cells(90)
    assert cells is not None
    assert cells[0].text == "Item 90"
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)  # rows from 100: next page


def test_a_repaint_leaves_rows_being_rendered_to_their_worker(qtbot, model, monkeypatch):
    """Rows a worker is rendering (or whose texts are being laid out) are drawn as a band
    for a moment: the repaint does not render them again on the UI thread."""
    monkeypatch.setattr(item_table, "RENDER_IN_PAINT_BUDGET_S", 1.0)
    view = shown_view(qtbot, model, 600, 400)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    assert model.rendered_cells(90) is None
    model._rendering_rows.add(90)
    view.scrollTo(model.index(90, 0), ItemTableView.ScrollHint.PositionAtTop)
    view.viewport().grab()
    assert model.rendered_cells(90) is None  # left to the worker
    assert model.rendered_cells(91) is not None  # within the budget: rendered by the repaint
    model._rendering_rows.discard(90)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)


def test_worker_threads_wait_while_texts_are_laid_out(qtbot, model, monkeypatch):
    """Laying texts out ahead is Qt work on the UI thread like a paint: the gate that worker
    threads honour between items is closed during each batch and open between batches."""
    from podio_desk.services.paging import FOREGROUND

    view = shown_view(qtbot, model, 600, 400)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    delegate = view.cell_delegate
    gate_closed: list[bool] = []
    lay_out = delegate.lay_out

    def recording_lay_out(*args: object) -> None:
        gate_closed.append(FOREGROUND.is_busy)
        lay_out(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(delegate, "lay_out", recording_lay_out)
    rows = [
        tuple(Cell(f"Text {row}.{column}") for column in range(model.columnCount()))
        for row in range(item_table.LAYOUTS_PER_TURN)
    ]
    run_async(view.lay_out_ahead(rows))
    assert len(gate_closed) > item_table.LAYOUTS_PER_TURN  # more than one batch
    assert all(gate_closed)
    assert not FOREGROUND.is_busy


def test_new_rows_are_laid_out_before_they_are_shown(qtbot, model, reader):
    """When a page lands, the texts of its rows on screen are laid out (a few per loop turn)
    before `dataChanged` asks the view to draw them: no single long first repaint."""
    reader.delay = 0.2
    view = shown_view(qtbot, model, 600, 400)
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 1500, timeout=5000)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    seen: list[bool] = []
    width = view.horizontalHeader().sectionSize(0) - 1 - 8

    def on_changed(top, bottom, roles=()) -> None:
        visible = view.visible_row_range()
        if visible is None or not top.row() <= visible[0] <= bottom.row():
            return
        seen.append((f"Item {visible[0]}", width) in view.cell_delegate._texts)

    model.dataChanged.connect(on_changed)
    view.scrollTo(model.index(1500, 0))
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen[0]
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)


def test_rows_on_screen_are_shown_before_the_margin_is_laid_out(qtbot, model, reader):
    """A landed page's rows on screen are laid out and shown first; the rows rendered just
    off screen are laid out after, nearest first, in a task the next page replaces."""
    reader.delay = 0.2
    view = shown_view(qtbot, model, 600, 400)
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 1500, timeout=5000)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    width = view.horizontalHeader().sectionSize(0) - 1 - 8
    seen: list[tuple[bool, bool]] = []

    def on_changed(top, bottom, roles=()) -> None:
        visible = view.visible_row_range()
        if visible is None or not top.row() <= visible[0] <= bottom.row() or seen:
            return
        texts = view.cell_delegate._texts
        below = visible[1] + 5
        seen.append(((f"Item {visible[0]}", width) in texts, (f"Item {below}", width) in texts))
        kept.append(model.rendered_cells(below) is not None)

    kept: list[bool] = []
    model.dataChanged.connect(on_changed)
    view.scrollTo(model.index(1520, 0), ItemTableView.ScrollHint.PositionAtTop)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen[0] == (True, False)  # on screen: laid out; the margin: not yet
    # ... nor kept: a repaint would draw it at once, laying its texts out there.
    assert kept == [False]
    visible = view.visible_row_range()
    assert visible is not None
    below = visible[1] + 5
    qtbot.waitUntil(lambda: model.rendered_cells(below) is not None, timeout=5000)
    assert (f"Item {below}", width) in view.cell_delegate._texts  # laid out before kept
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)


def test_the_next_margin_to_lay_out_replaces_the_last(qtbot, model):
    shown_view(qtbot, model, 600, 400)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    cells = tuple(Cell(f"Margin {column}") for column in range(model.columnCount()))

    async def twice() -> tuple[asyncio.Task[None], asyncio.Task[None]]:
        model._lay_out_margin_later([(30, model.item_at(30), cells)])
        first = model._margin_task
        model._lay_out_margin_later([(31, model.item_at(31), cells)])
        second = model._margin_task
        assert first is not None
        assert second is not None
        await asyncio.gather(first, second, return_exceptions=True)
        return first, second

    first, second = run_async(twice())
    assert first.cancelled()
    assert second.done()
    assert not second.cancelled()


def test_chip_backgrounds_are_drawn_once_per_colour_and_size(qtbot):
    """A category chip's rounded background is drawn once and then copied: no antialiased
    path fill per cell per repaint."""
    from PySide6.QtGui import QColor

    delegate = item_table.CellDelegate()
    delegate.set_pixel_ratio(2.0)
    chip = delegate.chip_background("3D7FD6", 40, 18)
    assert delegate.chip_background("3D7FD6", 40, 18) is chip
    assert delegate.chip_background("3D7FD6", 41, 18) is not chip
    assert chip.deviceIndependentSize().toSize().width() == 40
    image = chip.toImage()
    assert image.pixelColor(40, 18) == QColor("#3d7fd6")  # the middle, in device pixels
    assert image.pixelColor(0, 0).alpha() == 0  # a rounded corner: nothing drawn there
    delegate.set_pixel_ratio(1.0)
    assert delegate.chip_background("3D7FD6", 40, 18) is not chip  # another screen
