"""The grid and the outbox in the real window against the sandbox over HTTP: the first in-place
edit that meets a dropped network is queued at once (shown waiting in its row, the window
offline, the cell not reopened, the cursor one row down); typing a first key on a progress cell
or an empty date cell opens the editor with it; a new item made offline is a row of its app
until Podio makes it, then the real item's."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QDateEdit, QLineEdit

from podio_desk.services.editing import Queued
from podio_desk.services.outbox import is_placeholder_id
from podio_desk.services.profile import Profile
from podio_desk.ui.editor.item_editor import EditorState
from tests.plugins.desk import Desk, open_desk
from tests.services.test_outbox import subject
from tests.ui.test_integration import column_of, field, sandbox_values
from tests.ui.test_main_window import open_app, sign_in
from tests.ui.test_offline_opens import open_in_editor
from tests.ui.test_table_editing import showcase, type_into_cell

pytestmark = [pytest.mark.gui, pytest.mark.slow]


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def row_of_item(model: Any, item_id: int) -> int:
    return next((r for r in range(model.rowCount()) if model.item_id_at(r) == item_id), -1)


def test_the_first_in_place_edit_meeting_a_dropped_network_is_queued_at_once(qtbot, desk, sandbox):
    model, view, item_id, row = showcase(qtbot, desk, sandbox)
    session = desk.controller.browser.workspace
    assert session is not None
    assert session.online
    quantity = field(desk.controller, "quantity")
    column = column_of(desk.controller, quantity)
    before = sandbox_values(sandbox, item_id, quantity)
    line = type_into_cell(qtbot, view, model.index(row, column), "77")
    sandbox.control.set_drop_rate(1.0)  # nothing told the window yet: this save finds out
    started = time.monotonic()
    qtbot.keyClick(line, Qt.Key.Key_Return)

    def shown_waiting() -> bool:
        at = row_of_item(model, item_id)
        return (
            at >= 0 and "77" in str(model.index(at, column).data()) and model.is_outbox_pending(at)
        )

    # Queued within one failed attempt, not after the write's own retries (the bound leaves
    # room for a loaded machine; the commit message has the times).
    qtbot.waitUntil(shown_waiting, timeout=10000)
    waited = time.monotonic() - started
    assert waited < 10.0
    assert not session.online
    assert "waits in the outbox" in desk.window.statusBar().currentMessage()
    # The cell is not opened again: the value waits in the outbox, shown in its row.
    assert view.state() != QAbstractItemView.State.EditingState
    assert view.editing_view() is None
    at = row_of_item(model, item_id)
    assert (view.currentIndex().row(), view.currentIndex().column()) == (at + 1, column)
    assert sandbox_values(sandbox, item_id, quantity) == before  # nothing arrived yet

    sandbox.control.set_drop_rate(0.0)  # back by itself, then sent by itself
    qtbot.waitUntil(lambda: sandbox_values(sandbox, item_id, quantity) == ["77"], timeout=30000)
    qtbot.waitUntil(lambda: not model.is_outbox_pending(row_of_item(model, item_id)), timeout=5000)


def test_a_server_error_is_not_offline_the_value_stays_in_the_cell(qtbot, desk, sandbox):
    model, view, _item_id, row = showcase(qtbot, desk, sandbox)
    session = desk.controller.browser.workspace
    assert session is not None
    quantity = field(desk.controller, "quantity")
    line = type_into_cell(qtbot, view, model.index(row, column_of(desk.controller, quantity)), "5")
    sandbox.control.set_error_rate(1.0, statuses=(503,))
    qtbot.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: desk.window.statusBar().currentMessage().startswith("Not saved"), timeout=20000
    )
    assert "unavailable" in desk.window.statusBar().currentMessage()
    assert session.online  # Podio answered: not offline, nothing queued
    assert desk.controller.indicators.outbox_text() == ""
    qtbot.waitUntil(lambda: view.editing_view() is not None, timeout=5000)
    sandbox.control.reset_faults()


def open_by_typing(qtbot: Any, view: Any, index: Any, key: Qt.Key) -> Any:
    view.setCurrentIndex(index)
    qtbot.keyClick(view, key)
    qtbot.waitUntil(lambda: view.editing_view() is not None, timeout=3000)
    return QApplication.focusWidget()


def test_a_digit_typed_on_a_progress_cell_opens_it_with_the_digit(qtbot, desk, sandbox):
    model, view, item_id, row = showcase(qtbot, desk, sandbox)
    progress = field(desk.controller, "progress")
    focused = open_by_typing(
        qtbot, view, model.index(row, column_of(desk.controller, progress)), Qt.Key.Key_7
    )
    assert isinstance(focused, QLineEdit)
    assert focused.text() == "7"  # the digit replaced the old percentage
    qtbot.keyClick(focused, Qt.Key.Key_5)
    qtbot.keyClick(focused, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: sandbox_values(sandbox, item_id, progress) == [75], timeout=10000)


def test_typing_on_an_empty_date_cell_opens_the_date_editor_with_the_keyboard_in_it(
    qtbot, desk, sandbox
):
    model, view, _item_id, _row = showcase(qtbot, desk, sandbox)
    holiday = field(desk.controller, "holiday")
    column = column_of(desk.controller, holiday)
    empty = [
        r
        for r in range(model.rowCount())
        if model.source.is_loaded(r) and not sandbox_values(sandbox, model.item_id_at(r), holiday)
    ]
    assert empty, "the Showcase app has an item without a holiday"
    row = empty[0]
    item_id = model.item_id_at(row)
    focused = open_by_typing(qtbot, view, model.index(row, column), Qt.Key.Key_2)
    assert isinstance(focused, QDateEdit)  # the keyboard is in the date, not on a check box
    qtbot.keyClicks(focused, "0270517")  # the first "2" was the typed key
    qtbot.keyClick(focused, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(sandbox_values(sandbox, item_id, holiday)), timeout=10000)
    (stored,) = sandbox_values(sandbox, item_id, holiday)
    assert str(stored["start"]).startswith(date(2027, 5, 17).isoformat())


def test_a_new_item_made_offline_is_a_row_opened_and_edited_then_the_real_item(
    qtbot, desk, sandbox
):
    sign_in(desk, sandbox)
    controller = desk.controller
    browser = controller.browser
    model = browser.model
    app_id = open_app(qtbot, desk, "Tickets")
    task = controller.sync_current_app()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=30000)
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.source.is_loaded(0), timeout=10000)
    session = browser.workspace
    assert session is not None
    sandbox.control.set_drop_rate(1.0)
    controller.tree_model.refresh()
    qtbot.waitUntil(lambda: not session.online, timeout=10000)

    editor = open_in_editor(qtbot, desk, app_id, model.item_id_at(0))
    editor.new_item(app_id)
    qtbot.waitUntil(lambda: editor.item is None and editor.state is EditorState.READY)
    editor.editor_by_external_id("title").set_text("Made offline")
    saving = editor.save()
    assert saving is not None
    qtbot.waitUntil(saving.done, timeout=10000)
    assert isinstance(editor.last_outcome, Queued)

    def rows_titled(text: str) -> list[int]:
        return [
            r
            for r in range(model.rowCount())
            if model.source.is_loaded(r) and model.item_at(r).title == text
        ]

    # A row of its app at once, marked as waiting and "not yet in Podio".
    qtbot.waitUntil(lambda: len(rows_titled("Made offline")) == 1, timeout=10000)
    (row,) = rows_titled("Made offline")
    placeholder = model.item_id_at(row)
    assert is_placeholder_id(placeholder)
    qtbot.waitUntil(lambda: model.is_outbox_pending(rows_titled("Made offline")[0]), timeout=5000)
    tooltip = str(model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole))
    assert "Not yet in Podio" in tooltip

    # Opened from the table like any row, and edited before it is sent.
    editor.new_item(app_id)
    qtbot.waitUntil(lambda: editor.item is None and editor.state is EditorState.READY)
    browser.view.activate(model.index(rows_titled("Made offline")[0], 0))
    qtbot.waitUntil(
        lambda: editor.item is not None and editor.item.item_id == placeholder, timeout=10000
    )
    qtbot.waitUntil(lambda: "not in Podio yet" in editor.message, timeout=5000)
    editor.editor_by_external_id("title").set_text("Made offline, fixed")
    saving = editor.save()
    assert saving is not None
    qtbot.waitUntil(saving.done, timeout=10000)
    assert isinstance(editor.last_outcome, Queued)
    qtbot.waitUntil(lambda: len(rows_titled("Made offline, fixed")) == 1, timeout=10000)
    assert controller.indicators.outbox_text() == "Outbox: 1 waiting"  # one create, changed

    sandbox.control.set_drop_rate(0.0)  # back by itself, then sent by itself
    qtbot.waitUntil(lambda: controller.indicators.outbox_text() == "", timeout=30000)
    made = [i for i in sandbox.state.live_items(app_id) if subject(sandbox, i).startswith("Made")]
    assert len(made) == 1
    assert subject(sandbox, made[0]) == "Made offline, fixed"

    # One row, the real item's; the editor shows it as Podio made it.
    def real_row_only() -> bool:
        rows = rows_titled("Made offline, fixed")
        return len(rows) == 1 and model.item_id_at(rows[0]) == made[0]

    qtbot.waitUntil(real_row_only, timeout=10000)
    qtbot.waitUntil(
        lambda: editor.item is not None and editor.item.item_id == made[0], timeout=10000
    )
