"""What a new user met in the grid at a 1 000-px window, against the sandbox over HTTP: money
typed with its currency in place, the frozen title and sideways moves, keyboard moves that
move the selection, Cancel on switching app, and singular messages."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMessageBox

from podio_desk.domain.fields import FieldDef
from podio_desk.services.profile import Profile
from podio_desk.services.queries import ColumnTotals, FieldTotal
from podio_desk.ui.totals import describe_scope, describe_total
from tests.plugins.desk import Desk, open_desk
from tests.ui.editor.test_editor_unsaved import answer_when_asked, wait_answered
from tests.ui.test_integration import column_of, field, sandbox_values
from tests.ui.test_main_window import open_app, sign_in
from tests.ui.test_table_editing import showcase, status, type_into_cell

pytestmark = [pytest.mark.gui, pytest.mark.slow]

Button = QMessageBox.StandardButton


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        opened.window.resize(1000, 700)
        yield opened


def money(sandbox: Any, item_id: int, fdef: Any) -> tuple[Decimal, str] | None:
    values = sandbox_values(sandbox, item_id, fdef)
    if not values:
        return None
    return Decimal(str(values[0]["value"])), str(values[0]["currency"])


def test_money_typed_with_its_currency_in_place_sets_amount_and_currency(qtbot, desk, sandbox):
    model, view, item_id, row = showcase(qtbot, desk, sandbox)
    price = field(desk.controller, "price")
    index = model.index(row, column_of(desk.controller, price))
    view.scrollTo(index)
    # At the column's own width the whole editor, currency box included, is in the cell.
    line = type_into_cell(qtbot, view, index, "50 USD")
    editor: Any = view.indexWidget(index)
    qtbot.waitUntil(editor.isVisible, timeout=3000)
    cell = view.visualRect(index)
    assert editor.geometry().right() <= cell.right()
    assert editor.currency.geometry().right() <= editor.width()
    assert editor.currency.isVisible()
    qtbot.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: money(sandbox, item_id, price) == (Decimal(50), "USD"), timeout=10000)
    qtbot.waitUntil(lambda: "50" in str(index.data()), timeout=5000)  # the saved revision
    qtbot.waitUntil(lambda: view.state() != QAbstractItemView.State.EditingState, timeout=3000)
    # The code first, in lower case.
    line = type_into_cell(qtbot, view, index, "dkk 30")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: money(sandbox, item_id, price) == (Decimal(30), "DKK"), timeout=10000)
    qtbot.waitUntil(lambda: "DKK" in str(index.data()), timeout=5000)
    qtbot.waitUntil(lambda: view.state() != QAbstractItemView.State.EditingState, timeout=3000)
    # A currency the field does not take: refused, naming the ones it takes.
    messages: list[str] = []
    view.cell_delegate.refused.connect(messages.append)
    line = type_into_cell(qtbot, view, index, "12 GBP")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(messages), timeout=3000)
    assert "EUR, USD, DKK" in messages[-1]
    assert "GBP" in messages[-1]
    assert view.state() == QAbstractItemView.State.EditingState  # the typed text is kept
    assert QApplication.focusWidget() is line
    assert line.text() == "12 GBP"
    assert money(sandbox, item_id, price) == (Decimal(30), "DKK")
    qtbot.keyClick(line, Qt.Key.Key_Escape)


def test_ctrl_home_and_end_move_the_selection_with_the_current_cell(qtbot, desk, sandbox):
    model, view, _item_id, _row = showcase(qtbot, desk, sandbox)
    last = model.rowCount() - 1
    qtbot.waitUntil(lambda: model.is_row_loaded(last), timeout=10000)
    quantity = column_of(desk.controller, field(desk.controller, "quantity"))
    view.setCurrentIndex(model.index(1, quantity))
    assert view.selected_rows() == [1]
    qtbot.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert view.currentIndex().row() == last
    assert view.selected_rows() == [last]  # the framed row is the selected one
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = QGuiApplication.clipboard().text().splitlines()
    assert len(copied) == 2  # the header and the one row
    assert copied[1].split("\t")[0] == model.index(last, 0).data()
    assert status(desk) == "Copied 1 row."
    qtbot.keyClick(view, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    assert view.currentIndex().row() == 0
    assert view.selected_rows() == [0]


def test_totals_of_an_app_read_whole_from_podio_count_the_cached_rows(qtbot, desk, sandbox):
    """The first sight of an app read from Podio, its rows written to the cache as they
    arrive: once every item is cached the footer gives totals, not "sync this app"."""
    sign_in(desk, sandbox)
    browser = desk.controller.browser
    model = browser.model
    open_app(qtbot, desk, "Showcase")
    qtbot.waitUntil(lambda: model.rowCount() > 0 and not model.is_loading, timeout=10000)
    rows = model.rowCount()
    assert model.origin == "server"
    qtbot.waitUntil(lambda: browser.summary.refreshes > 0, timeout=10000)
    assert browser.totals.text_for(0) == f"Totals of {rows}\nitems: sum,\naverage, count"


def test_one_item_is_said_in_the_singular_in_the_totals():
    fdef = FieldDef.from_api(
        {"field_id": 1, "type": "number", "external_id": "n", "label": "N", "config": {}}
    )
    _text, tip = describe_total(fdef, FieldTotal(1, 1, 3.0, 3.0))
    assert tip.endswith("over the one item with a value")
    scope, _tip = describe_scope(ColumnTotals(1, 1, 1, False, ()))
    assert scope.startswith("Totals of 1\nitem:")
    partial, _tip = describe_scope(ColumnTotals(1, 3, 9, True, ()))
    assert partial.startswith("Partial: 1 item\n")


def _in_sight(view: Any, index: Any) -> bool:
    """The cell lies whole between the frozen title and the viewport's right edge."""
    rect = view.visualRect(index)
    return bool(
        rect.left() >= view.frozen.frozen_width() and rect.right() < view.viewport().width()
    )


def test_arrow_moves_keep_the_current_cell_out_from_under_the_frozen_title(qtbot, desk, sandbox):
    model, view, _item_id, row = showcase(qtbot, desk, sandbox)
    assert view.frozen.frozen_columns() == [0]
    header = view.horizontalHeader()
    shown = [header.logicalIndex(v) for v in range(header.count())]
    shown = [c for c in shown if not header.isSectionHidden(c)]
    view.setCurrentIndex(model.index(row, shown[1]))
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert view.horizontalScrollBar().value() > 0
    moves = []
    for _step in shown[2:]:
        qtbot.keyClick(view, Qt.Key.Key_Left)
        current = view.currentIndex()
        moves.append((current.column(), _in_sight(view, current)))
    assert view.currentIndex().column() == shown[1]
    assert all(seen for _column, seen in moves), moves
    for _step in shown[2:]:
        qtbot.keyClick(view, Qt.Key.Key_Right)
        assert _in_sight(view, view.currentIndex())


def test_clicks_never_scroll_the_table_sideways(qtbot, desk, sandbox):
    """A click selects what is under the pointer; the table stays put, so a second click
    (or a paste after it) lands in the column the user sees there."""
    _model, view, _item_id, row = showcase(qtbot, desk, sandbox)
    scroll = view.horizontalScrollBar()
    scroll.setValue(scroll.maximum() // 2 + 37)  # some column lies half under the title
    position = scroll.value()
    assert position > 0
    # Selecting a row (what a click on its number does) leaves the table where it is.
    view.selectRow(row + 1)
    assert view.selected_rows() == [row + 1]
    assert scroll.value() == position
    # A click on a cell cut by the viewport's right edge, and on one half under the title.
    y = view.rowViewportPosition(row) + 3
    for x in (view.viewport().width() - 3, view.frozen.frozen_width() + 3):
        column = view.columnAt(x)
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, y))
        assert view.currentIndex().column() == column
        assert scroll.value() == position


def test_cancelling_an_app_switch_clicked_in_the_tree_keeps_tree_and_keyboard(qtbot, desk, sandbox):
    """A cell being edited, another app clicked in the tree, Cancel: the tree's current and
    selected row are the app shown, and the keyboard is back in the cell's editor, so the
    next key edits the cell instead of moving in the tree (and asking again)."""
    model, view, _item_id, row = showcase(qtbot, desk, sandbox)
    controller = desk.controller
    tree = controller.tree
    shown = controller.browser.app
    assert shown is not None
    line = type_into_cell(
        qtbot, view, model.index(row, column_of(controller, field(controller, "quantity"))), "9"
    )
    other = tree.tree_model().app_index(sandbox.app_id("Tickets"))
    tree.scrollTo(other)
    asked = answer_when_asked(Button.Cancel)
    qtbot.mouseClick(
        tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualRect(other).center()
    )
    wait_answered(qtbot, asked)
    qtbot.waitUntil(lambda: desk.window.focusWidget() is line, timeout=3000)
    assert controller.browser.app is shown
    ours = tree.tree_model().app_index(shown.app_id)
    assert tree.currentIndex() == ours
    assert tree.selectionModel().selectedRows() == [ours]
    assert line.text() == "9"
    qtbot.keyClicks(line, "1")  # the keyboard is the cell's
    assert line.text() == "91"
    qtbot.keyClick(line, Qt.Key.Key_Escape)
