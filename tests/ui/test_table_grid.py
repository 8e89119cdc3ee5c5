"""The grid behaviour of the item table with an in-memory page reader: the current cell's
frame, keyboard moves, the frozen title column, copy of rows not loaded yet, pending edits.

Sandbox-driven table behaviour (saving in place, paste, menus, Back) is in
test_table_editing.py."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit, QPushButton

from podio_desk.domain.fields import EMPTY, FieldDef
from podio_desk.services.paging import PageQuery, PageSource
from podio_desk.ui.table import Cell, Column, ItemTableModel, ItemTableView, TableRow
from tests.ui.test_item_table import COLUMNS, Row, RowsReader, make_rows, shown_view, wait_loaded

pytestmark = pytest.mark.gui


@pytest.fixture
def reader() -> RowsReader:
    return RowsReader(make_rows(2500))


@pytest.fixture
def model(qloop, reader):
    source: PageSource[TableRow[Row]] = PageSource(cache=None, api=reader, page_size=100)
    table = ItemTableModel(source)
    yield table
    table.close()


TITLE = FieldDef.from_api(
    {"field_id": 9, "type": "text", "external_id": "title", "label": "Title", "config": {}}
)
NOTE = FieldDef.from_api(
    {"field_id": 10, "type": "text", "external_id": "note", "label": "Note", "config": {}}
)
EDITABLE = [
    Column(
        "title",
        "Title",
        "text",
        lambda row: Cell(row.title),
        edit_value=lambda row: (TITLE, EMPTY),
        opens_item=True,
    ),
    Column("note", "Note", "text", lambda row: Cell(""), edit_value=lambda row: (NOTE, EMPTY)),
    *COLUMNS[1:],
]


def wide_view(qtbot, model, width: int = 420, height: int = 300) -> ItemTableView:
    view = shown_view(qtbot, model, width, height)
    for column in range(model.columnCount()):
        view.horizontalHeader().resizeSection(column, 260)
    # The scroll range follows the new widths on a later event-loop turn.
    qtbot.waitUntil(
        lambda: view.horizontalScrollBar().maximum() > 4 * 260 - view.viewport().width() - 30,
        timeout=3000,
    )
    qtbot.waitUntil(lambda: model.is_row_loaded(0) and not model.is_loading, timeout=5000)
    view.activateWindow()
    view.setFocus()
    return view


def frame_pixels(view: ItemTableView, row: int, column: int):
    """The colours on the top edge of a cell (inside the border Qt's grid draws)."""
    image = view.viewport().grab().toImage()
    rect = view.visualRect(view.model().index(row, column))
    ratio = view.viewport().devicePixelRatioF()
    y = round((rect.top() + 1) * ratio)
    return {
        image.pixelColor(round(x * ratio), y).name()
        for x in range(rect.left() + 4, rect.right() - 4)
    }


def test_the_current_cell_has_a_frame_also_on_a_selected_row(qtbot, model):
    view = wide_view(qtbot, model, 900, 400)
    view.selectRow(4)
    view.selectionModel().setCurrentIndex(
        model.index(4, 2), QItemSelectionModel.SelectionFlag.NoUpdate
    )
    palette = view.palette()
    group = QPalette.ColorGroup.Active if view.isActiveWindow() else QPalette.ColorGroup.Inactive
    frame = palette.color(group, QPalette.ColorRole.HighlightedText).name()
    highlight = palette.color(group, QPalette.ColorRole.Highlight).name()
    assert frame in frame_pixels(view, 4, 2)  # the current cell, framed
    assert frame not in frame_pixels(view, 4, 1)  # its neighbour on the selected row: not
    # On a row not selected the frame takes the highlight colour.
    view.clearSelection()
    view.selectionModel().setCurrentIndex(
        model.index(6, 1), QItemSelectionModel.SelectionFlag.NoUpdate
    )
    assert highlight in frame_pixels(view, 6, 1)


def test_ctrl_arrows_home_and_end_move_between_cells_and_scroll_to_them(qtbot, model):
    view = wide_view(qtbot, model)
    view.setCurrentIndex(model.index(2, 0))
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert (view.currentIndex().row(), view.currentIndex().column()) == (2, 3)
    assert view.horizontalScrollBar().value() > 0
    assert view.viewport().rect().intersects(view.visualRect(view.currentIndex()))
    assert view.selectionModel().isRowSelected(2)
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert (view.currentIndex().row(), view.currentIndex().column()) == (2499, 3)
    qtbot.waitUntil(lambda: (view.visible_row_range() or (0, 0))[1] == 2499, timeout=5000)
    assert view.selectionModel().isRowSelected(2499)
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert view.currentIndex().column() == 0
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.currentIndex().column() == 3
    qtbot.keyClick(view, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    assert (view.currentIndex().row(), view.currentIndex().column()) == (0, 0)
    assert view.verticalScrollBar().value() == 0
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.currentIndex().column() == 1


def test_the_title_column_stays_in_sight_when_the_table_scrolls_sideways(qtbot, model):
    view = wide_view(qtbot, model)
    frozen = view.frozen
    assert frozen.isVisible()
    assert frozen.frozen_columns() == [0]
    assert frozen.width() == view.columnWidth(0)
    view.setCurrentIndex(model.index(1, 3))  # the last column: the table scrolls right
    assert view.horizontalScrollBar().value() > 0
    # The title is drawn at the table's left edge, over the scrolled columns.
    title = frozen.visualRect(model.index(1, 0))
    assert title.left() == 0
    assert title.width() == view.visualRect(model.index(1, 0)).width()
    assert frozen.mapTo(view, frozen.viewport().pos()).x() == view.viewport().x()
    # The same selection, and it scrolls down with the table.
    assert frozen.selectionModel() is view.selectionModel()
    view.scrollTo(model.index(1200, 3))
    qtbot.waitUntil(lambda: frozen.verticalScrollBar().value() > 0, timeout=3000)
    assert frozen.verticalScrollBar().value() == view.verticalScrollBar().value()
    # A cell moved to from the right is not left under the frozen title.
    qtbot.keyClick(view, Qt.Key.Key_Home)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.visualRect(view.currentIndex()).left() >= frozen.width()
    # Resizing the title in its header resizes the table's column.
    frozen.horizontalHeader().resizeSection(0, 333)
    assert view.columnWidth(0) == 333
    assert frozen.width() == 333
    view.set_frozen_count(2)
    assert frozen.frozen_columns() == [0, 1]
    view.set_frozen_count(0)
    assert not frozen.isVisible()


def _editable_view(qtbot, model) -> tuple[ItemTableView, list[tuple[int, object]]]:
    view = ItemTableView()
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.setModel(model)
    view.show()
    committed: list[tuple[int, object]] = []
    view.set_commit(lambda index, field, value: committed.append((index.row(), value)))
    with qtbot.waitSignal(model.total_changed, timeout=5000):
        model.show_query(PageQuery(app_id=7), EDITABLE)
    wait_loaded(qtbot, model, 5)
    view.activateWindow()
    view.setFocus()
    return view, committed


def test_typing_on_a_cell_edits_it_keeping_the_first_character(qtbot, model):
    view, committed = _editable_view(qtbot, model)
    view.setCurrentIndex(model.index(2, 1))
    qtbot.keyClick(view, "H")  # typed on the table: the editor opens with it
    editor = QApplication.focusWidget()
    qtbot.keyClicks(editor, "ello")
    assert view.has_pending_inline_edit()
    assert isinstance(editor, QLineEdit)
    assert editor.text() == "Hello"
    with qtbot.assertNotEmitted(view.item_activated):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert [row for row, _ in committed] == [2]
    assert "Hello" in str(committed[0][1])
    # Enter saved and moved down; no editor is left open.
    assert (view.currentIndex().row(), view.currentIndex().column()) == (3, 1)
    assert view.state() != QAbstractItemView.State.EditingState
    assert not view.has_pending_inline_edit()


def test_enter_edits_tab_moves_right_and_esc_cancels(qtbot, model):
    view, committed = _editable_view(qtbot, model)
    view.setCurrentIndex(model.index(1, 1))
    qtbot.keyClick(view, Qt.Key.Key_Return)  # Enter on an editable cell edits it
    assert view.state() == QAbstractItemView.State.EditingState
    qtbot.keyClicks(QApplication.focusWidget(), "Tabbed")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert "Tabbed" in str(committed[-1][1])
    assert (view.currentIndex().row(), view.currentIndex().column()) == (1, 2)
    view.setCurrentIndex(model.index(3, 1))
    qtbot.keyClick(view, Qt.Key.Key_F2)
    qtbot.keyClicks(QApplication.focusWidget(), "Dropped")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert len(committed) == 1
    assert view.state() != QAbstractItemView.State.EditingState
    assert view.hasFocus()


def test_the_title_is_edited_in_the_frozen_column_and_enter_there_opens_the_item(qtbot, model):
    view, committed = _editable_view(qtbot, model)
    view.setCurrentIndex(model.index(2, 0))
    with qtbot.waitSignal(view.item_activated, timeout=1000):
        qtbot.keyClick(view, Qt.Key.Key_Return)  # the title opens the item
    qtbot.keyClick(view, Qt.Key.Key_F2)  # and F2 edits it, over the table
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    assert view.frozen.viewport().isAncestorOf(editor)
    qtbot.keyClicks(editor, "New title")
    with qtbot.assertNotEmitted(view.item_activated):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert "New title" in str(committed[-1][1])
    assert view.currentIndex().row() == 3


def test_a_pending_inline_edit_can_be_saved_or_dropped_by_the_caller(qtbot, model):
    view, committed = _editable_view(qtbot, model)
    assert not view.has_pending_inline_edit()
    view.setCurrentIndex(model.index(4, 1))
    qtbot.keyClick(view, Qt.Key.Key_F2)
    assert not view.has_pending_inline_edit()  # open, unchanged
    qtbot.keyClicks(QApplication.focusWidget(), "Kept")
    assert view.has_pending_inline_edit()
    assert view.commit_or_discard_inline_edit(save=True)
    assert "Kept" in str(committed[-1][1])
    view.setCurrentIndex(model.index(5, 1))
    qtbot.keyClick(view, Qt.Key.Key_F2)
    qtbot.keyClicks(QApplication.focusWidget(), "Gone")
    assert view.commit_or_discard_inline_edit(save=False)
    assert len(committed) == 1
    assert not view.has_pending_inline_edit()


def test_copying_rows_not_loaded_loads_them_first_with_a_progress_dialog(qtbot, model, reader):
    view = shown_view(qtbot, model, 700, 300)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    assert not model.is_row_loaded(1500)
    view.selectAll()
    task = view.copy_selection()
    assert isinstance(task, asyncio.Task)
    qtbot.waitUntil(lambda: view.copy_progress is not None, timeout=3000)
    qtbot.waitUntil(task.done, timeout=20000)
    lines = QGuiApplication.clipboard().text().splitlines()
    assert len(lines) == 2501
    assert lines[0] == "Title\tAmount\tDone\tKind"
    assert lines[1501].startswith("Item 1500\t")
    assert all(line.split("\t")[0] for line in lines)  # never an empty row
    qtbot.waitUntil(lambda: not model.source.busy, timeout=5000)


def test_a_cancelled_copy_copies_nothing(qtbot, model, reader):
    view = shown_view(qtbot, model, 700, 300)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=5000)
    QGuiApplication.clipboard().setText("before")
    reader.gate = asyncio.Event()  # pages wait: the copy cannot finish by itself
    messages: list[str] = []
    view.message.connect(messages.append)
    view.selectAll()
    task = view.copy_selection()
    assert isinstance(task, asyncio.Task)
    qtbot.waitUntil(lambda: view.copy_progress is not None, timeout=3000)
    assert view.copy_progress is not None
    cancel = view.copy_progress.findChild(QPushButton)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=5000)
    reader.gate.set()
    qtbot.waitUntil(lambda: not model.source.busy, timeout=5000)
    assert QGuiApplication.clipboard().text() == "before"
    assert any("nothing was copied" in message for message in messages)


def test_placeholder_and_link_colours_follow_a_dark_palette(qtbot, model):
    view = shown_view(qtbot, model, 700, 300)
    far = model.index(2400, 0)
    assert model.data(far, Qt.ItemDataRole.BackgroundRole).color().lightness() > 128
    dark = QPalette(view.palette())
    dark.setColor(QPalette.ColorRole.Window, QColor("#1e1e1e"))
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#e6e6e6"))
    view.setPalette(dark)
    background = model.data(far, Qt.ItemDataRole.BackgroundRole).color()
    assert background.lightness() < 128
    text = model.data(far, Qt.ItemDataRole.ForegroundRole).color()
    assert abs(text.lightness() - background.lightness()) > 100  # readable
