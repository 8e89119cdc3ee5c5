"""What a new user met in the grid at a 1 000-px window, against the sandbox over HTTP: money
typed with its currency in place, the frozen title and sideways moves, keyboard moves that
move the selection, Cancel on switching app, and singular messages."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication

from podio_desk.services.profile import Profile
from tests.plugins.desk import Desk, open_desk
from tests.ui.test_integration import column_of, field, sandbox_values
from tests.ui.test_table_editing import showcase, type_into_cell

pytestmark = [pytest.mark.gui, pytest.mark.slow]


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
