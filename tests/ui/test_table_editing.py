"""The table in the real window against the sandbox over HTTP: in-place edits from the
keyboard, failed in-place saves, paste, the row and header menus, related items and Back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit, QMenu, QMessageBox

from podio_desk.domain.fields import EMPTY, DateValue
from podio_desk.services.profile import Profile
from podio_desk.ui.editor.fields.dates import EMPTY_DATE_TEXT
from podio_desk.ui.workspace_tree import TreeRoles
from tests.plugins.desk import Desk, open_desk
from tests.ui.test_bulk_ui import start_confirmed
from tests.ui.test_integration import (
    column_of,
    field,
    row_of,
    sandbox_values,
    start_inline_edit,
    writes,
)
from tests.ui.test_main_window import open_app, sign_in

pytestmark = [pytest.mark.gui, pytest.mark.slow]


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def showcase(qtbot: Any, desk: Desk, sandbox: Any) -> tuple[Any, Any, int, int]:
    """The Showcase app open; (model, view, richest item id, its row)."""
    sign_in(desk, sandbox)
    open_app(qtbot, desk, "Showcase")
    controller = desk.controller
    item_id = int(sandbox.info["richest_item_id"])
    row = row_of(qtbot, controller, item_id)
    view = controller.browser.view
    # The sign-in dialog of the first start may still be up: the keyboard is the window's.
    for widget in QApplication.topLevelWidgets():
        if widget is not desk.window and widget.isVisible() and not isinstance(widget, QMenu):
            widget.close()
    desk.window.activateWindow()
    qtbot.waitUntil(desk.window.isActiveWindow, timeout=3000)
    view.setFocus()
    return controller.browser.model, view, item_id, row


def type_into_cell(qtbot: Any, view: Any, index: QModelIndex, text: str) -> QLineEdit:
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: view.editing_view() is not None, timeout=3000)
    line = QApplication.focusWidget()
    assert isinstance(line, QLineEdit)  # the keyboard focus is in the editor
    line.selectAll()
    qtbot.keyClicks(line, text)
    return line


def docks_shown(desk: Desk) -> list[Any]:
    return [dock for dock in desk.controller.editor_docks.values() if dock.isVisible()]


def status(desk: Desk) -> str:
    return desk.window.statusBar().currentMessage()


def test_f2_takes_typed_keys_and_enter_saves_moves_down_without_opening_the_item(
    qtbot, desk, sandbox
):
    model, view, item_id, row = showcase(qtbot, desk, sandbox)
    quantity = field(desk.controller, "quantity")
    column = column_of(desk.controller, quantity)
    width = desk.window.width()
    line = type_into_cell(qtbot, view, model.index(row, column), "42")
    assert line.text() == "42"
    qtbot.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: sandbox_values(sandbox, item_id, quantity) == ["42"], timeout=10000)
    qtbot.waitUntil(lambda: "42" in str(model.index(row, column).data()), timeout=5000)
    assert (view.currentIndex().row(), view.currentIndex().column()) == (row + 1, column)
    assert view.state() != QAbstractItemView.State.EditingState
    assert docks_shown(desk) == []  # Enter saved; it did not also open the item
    # Ctrl+Enter opens it; the window keeps its width when the dock appears.
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(docks_shown(desk)), timeout=10000)
    assert desk.window.width() == width


def test_a_failed_in_place_save_keeps_the_typed_value_and_says_what_to_do(qtbot, desk, sandbox):
    model, view, item_id, row = showcase(qtbot, desk, sandbox)
    quantity = field(desk.controller, "quantity")
    index = model.index(row, column_of(desk.controller, quantity))
    before = sandbox_values(sandbox, item_id, quantity)
    sandbox.control.set_error_rate(1.0, statuses=(503,))
    line = type_into_cell(qtbot, view, index, "31")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: status(desk).startswith("Not saved"), timeout=20000)
    assert "Enter" in status(desk)  # what to do: try again, or Esc
    # The cell is open again with what was typed.
    qtbot.waitUntil(lambda: view.editing_view() is not None, timeout=5000)
    assert view.has_pending_inline_edit()
    reopened = QApplication.focusWidget()
    assert isinstance(reopened, QLineEdit)
    assert reopened.text() == "31"
    assert sandbox_values(sandbox, item_id, quantity) == before
    sandbox.control.reset_faults()
    qtbot.keyClick(reopened, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: sandbox_values(sandbox, item_id, quantity) == ["31"], timeout=10000)


def test_an_in_place_save_meeting_another_edit_shows_theirs_keeps_mine_read_once(
    qtbot, desk, sandbox
):
    model, view, item_id, row = showcase(qtbot, desk, sandbox)
    quantity = field(desk.controller, "quantity")
    index = model.index(row, column_of(desk.controller, quantity))
    sandbox.edit_as_other(item_id, {"title": "Their title"})
    sandbox.control.reset_log()
    line = type_into_cell(qtbot, view, index, "64")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.index(row, 0).data() == "Their title", timeout=10000)
    qtbot.waitUntil(lambda: view.editing_view() is not None, timeout=5000)
    reopened = QApplication.focusWidget()
    assert isinstance(reopened, QLineEdit)
    assert reopened.text() == "64"
    assert "someone changed" in status(desk)
    reads = [
        entry
        for entry in sandbox.control.requests()
        if entry.method == "GET" and entry.path == f"/item/{item_id}"
    ]
    assert len(reads) == 1  # their version was read once
    assert docks_shown(desk) == []
    qtbot.keyClick(reopened, Qt.Key.Key_Return)  # mine, on top of theirs
    qtbot.waitUntil(lambda: sandbox_values(sandbox, item_id, quantity) == ["64"], timeout=10000)
    qtbot.waitUntil(lambda: "64" in str(index.data()), timeout=5000)
    assert model.index(row, 0).data() == "Their title"  # theirs kept too


def test_paste_over_many_rows_goes_through_the_bulk_preview_one_row_saves_in_place(
    qtbot, desk, sandbox
):
    model, view, _item_id, row = showcase(qtbot, desk, sandbox)
    quantity = field(desk.controller, "quantity")
    column = column_of(desk.controller, quantity)
    ids = [model.item_id_at(row + offset) for offset in range(3)]
    bulk = desk.controller.bulk
    third_before = sandbox_values(sandbox, ids[2], quantity)
    QGuiApplication.clipboard().setText("5.25\n6.75\ntwelve\n")
    view.setCurrentIndex(model.index(row, column))
    sandbox.control.reset_log()
    # Many rows: the bulk preview, one item per row with its pasted value; nothing sent yet.
    with qtbot.waitSignal(bulk.preview_shown, timeout=15000) as shown:
        qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    preview = shown.args[0]
    assert preview.model.rowCount() == 2
    assert [preview.model.item_at(r).item_id for r in range(2)] == ids[:2]
    headers = [
        preview.model.headerData(c, Qt.Orientation.Horizontal)
        for c in range(preview.model.columnCount())
    ]
    at = headers.index(quantity.label)
    assert str(preview.model.data(preview.model.index(0, at))).endswith("→ 5.25")
    assert str(preview.model.data(preview.model.index(1, at))).endswith("→ 6.75")
    assert "2 to change" in preview.summary_text()
    assert "\u201ctwelve\u201d" in preview.warning.text()  # listed as not pasted, with why
    assert writes(sandbox) == []
    # Cancel: nothing is sent.
    preview.reject()
    assert writes(sandbox) == []
    # Again, and start it: a journaled job writes both rows, not the refused one.
    with qtbot.waitSignal(bulk.preview_shown, timeout=15000) as shown:
        qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(bulk.job_ended, timeout=30000) as ended:
        start_confirmed(shown.args[0])
    assert ended.args[1] == "done"
    assert sandbox_values(sandbox, ids[0], quantity) == ["5.25"]
    assert sandbox_values(sandbox, ids[1], quantity) == ["6.75"]
    assert sandbox_values(sandbox, ids[2], quantity) == third_before
    assert not any(str(ids[2]) in write for write in writes(sandbox))
    # One row: saved in place at once, no preview.
    qtbot.waitUntil(lambda: model.is_row_loaded(row + 2), timeout=10000)
    previews: list[Any] = []
    bulk.preview_shown.connect(previews.append)
    QGuiApplication.clipboard().setText("8.5\n")
    view.setFocus()
    view.setCurrentIndex(model.index(row + 2, column))
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: sandbox_values(sandbox, ids[2], quantity) == ["8.5"], timeout=10000)
    assert previews == []


def texts(menu: QMenu) -> list[str]:
    return [action.text() for action in menu.actions() if action.text()]


def test_the_row_menu_and_a_delete_checked_against_the_revision(qtbot, desk, sandbox, monkeypatch):
    model, view, _item_id, row = showcase(qtbot, desk, sandbox)
    target = model.item_id_at(row + 1)
    index = model.index(row + 1, 0)
    point = view.visualRect(model.index(row + 1, 2)).center()
    menus: list[QMenu | None] = []
    browser = desk.controller.browser
    view.row_menu_requested.connect(lambda _where, at: menus.append(browser.row_menu_for(at)))
    view.customContextMenuRequested.emit(point)  # a right-click
    menu = menus[0]
    assert menu is not None
    labels = texts(menu)
    for wanted in ("Open", "Open in Podio", "Copy link", "Copy", "Paste", "Duplicate", "Delete…"):
        assert wanted in labels
    assert view.currentIndex().row() == row + 1
    # On a category cell: filter the table by its value.
    state = field(desk.controller, "state")
    state_menu = browser.row_menu_for(model.index(row, column_of(desk.controller, state)))
    assert state_menu is not None
    by_value = next(a for a in state_menu.actions() if a.text().startswith("Filter: State is"))
    with qtbot.waitSignal(model.modelReset, timeout=5000):
        by_value.trigger()
    assert browser.filter_bar.filters == {str(state.field_id): [2]}
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.is_row_loaded(0), timeout=10000)
    browser.filter_bar.set_filters({}, announce=True)
    qtbot.waitUntil(
        lambda: model.rowCount() > row + 1 and model.is_row_loaded(row + 1), timeout=10000
    )
    monkeypatch.setattr(
        QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.Yes
    )
    sandbox.edit_as_other(target, {"title": "Changed meanwhile"})
    item = model.item_at(index.row())
    task = desk.controller.browser.confirm_delete(item)
    assert task is not None
    qtbot.waitUntil(task.done, timeout=10000)
    assert target in sandbox.state.items
    assert not sandbox.state.items[target].deleted
    assert "Not deleted" in status(desk)
    assert model.index(row + 1, 0).data() == "Changed meanwhile"  # the row shows theirs
    task = desk.controller.browser.confirm_delete(model.item_at(index.row()))
    assert task is not None
    qtbot.waitUntil(task.done, timeout=10000)
    qtbot.waitUntil(lambda: model.is_removed(row + 1), timeout=5000)


def test_the_header_menu_sorts_hides_and_freezes(qtbot, desk, sandbox):
    model, view, _item_id, _row = showcase(qtbot, desk, sandbox)
    quantity = field(desk.controller, "quantity")
    column = column_of(desk.controller, quantity)
    header = view.horizontalHeader()
    browser = desk.controller.browser
    menus: list[QMenu | None] = []
    view.header_menu_requested.connect(
        lambda where, section: menus.append(browser.header_menu_for(section, where))
    )
    header.customContextMenuRequested.emit(QPoint(header.sectionViewportPosition(column) + 5, 5))
    menu = menus[-1]
    assert menu is not None
    labels = texts(menu)
    for wanted in (
        "Sort ascending",
        "Sort descending",
        "Filter…",
        "Hide column",
        "Freeze columns up to here",
        "Choose columns…",
    ):
        assert wanted in labels
    freeze = next(a for a in menu.actions() if a.text() == "Freeze columns up to here")
    freeze.trigger()
    assert view.frozen.frozen_columns()[-1] == column
    # The frozen columns' header now lies over it: its menu is the same.
    frozen_header = view.frozen.horizontalHeader()
    frozen_header.customContextMenuRequested.emit(
        QPoint(frozen_header.sectionViewportPosition(column) + 5, 5)
    )
    menu = menus[-1]
    assert menu is not None
    assert "Unfreeze columns after the title" in texts(menu)
    with qtbot.waitSignal(model.modelReset, timeout=5000):
        next(a for a in menu.actions() if a.text() == "Sort descending").trigger()
    assert model.sort_column() == (column, True)


def test_widths_survive_a_filter_and_the_horizontal_position_is_per_app(qtbot, desk, sandbox):
    model, view, _item_id, _row = showcase(qtbot, desk, sandbox)
    browser = desk.controller.browser
    header = view.horizontalHeader()
    header.resizeSection(2, 377)
    state = field(desk.controller, "state")
    with qtbot.waitSignal(model.modelReset, timeout=5000):
        browser.filter_bar.set_filter(str(state.field_id), [2])
    assert header.sectionSize(2) == 377
    qtbot.waitUntil(lambda: view.horizontalScrollBar().maximum() > 300, timeout=5000)
    view.horizontalScrollBar().setValue(250)
    showcase_id = browser.app.app_id
    open_app(qtbot, desk, "Tickets")
    assert view.horizontalScrollBar().value() != 250 or browser.app.app_id != showcase_id
    open_app(qtbot, desk, "Showcase")
    qtbot.waitUntil(lambda: view.horizontalScrollBar().value() == 250, timeout=5000)
    assert header.sectionSize(2) == 377


def test_a_related_item_opens_in_the_app_and_back_returns(qtbot, desk, sandbox):
    model, view, item_id, row = showcase(qtbot, desk, sandbox)
    browser = desk.controller.browser
    showcase_id = browser.app.app_id
    related = field(desk.controller, "related")
    index = model.index(row, column_of(desk.controller, related))
    target = sandbox.state.items[item_id]
    assert index.data()
    view.scrollTo(index)
    with qtbot.waitSignal(desk.controller.app_shown, timeout=15000):
        qtbot.mouseClick(
            view.viewport(),
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.ControlModifier,
            view.visualRect(index).center(),
        )
    assert browser.app.app_id != showcase_id
    qtbot.waitUntil(lambda: bool(docks_shown(desk)), timeout=10000)
    dock = docks_shown(desk)[0]
    qtbot.waitUntil(lambda: dock.editor.item is not None, timeout=10000)
    assert dock.editor.item.app_id == browser.app.app_id
    assert target is not None
    assert browser.back_action.isEnabled()
    with qtbot.waitSignal(desk.controller.app_shown, timeout=15000):
        browser.back_action.trigger()
    assert browser.app.app_id == showcase_id
    qtbot.waitUntil(lambda: dock.editor.item and dock.editor.item.item_id == item_id, timeout=10000)
    assert not browser.back_action.isEnabled()


def test_back_restores_the_filter_scroll_and_current_cell_and_the_tree_follows(
    qtbot, desk, sandbox_factory
):
    sandbox = sandbox_factory(items=600)
    sign_in(desk, sandbox)
    controller = desk.controller
    browser = controller.browser
    tickets = open_app(qtbot, desk, "Tickets")
    model, view = browser.model, browser.view
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.is_row_loaded(0), timeout=10000)
    status = field(controller, "status")
    option = status.settings["options"][0]["id"]
    with qtbot.waitSignal(model.total_changed, timeout=10000):
        browser.filter_bar.set_filter(str(status.field_id), [option])
    filtered = model.query
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 20, timeout=10000)
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() // 2)
    customer = field(controller, "customer")
    column = column_of(controller, customer)

    def visible_related_row() -> int | None:
        first = view.rowAt(0)
        for row in range(first, first + 10):
            if model.is_row_loaded(row) and model.index(row, column).data():
                return row
        return None

    qtbot.waitUntil(lambda: visible_related_row() is not None, timeout=10000)
    row = visible_related_row()
    assert row is not None
    index = model.index(row, column)
    view.setCurrentIndex(index)
    scrolled = view.verticalScrollBar().value()
    with qtbot.waitSignal(controller.app_shown, timeout=15000):
        assert view.open_related(index)
    assert browser.app is not None
    assert browser.app.app_id != tickets
    # The tree shows which app is shown.
    shown = controller.tree.currentIndex()
    assert controller.tree_model.data(shown, TreeRoles.APP_ID) == browser.app.app_id

    with qtbot.waitSignal(controller.app_shown, timeout=15000):
        browser.back_action.trigger()
    assert browser.app.app_id == tickets
    assert model.query == filtered
    assert browser.filter_bar.filters == {str(status.field_id): [option]}
    qtbot.waitUntil(lambda: view.verticalScrollBar().value() == scrolled, timeout=10000)
    assert view.currentIndex().row() == row
    assert view.currentIndex().column() == column
    back_in_tree = controller.tree.currentIndex()
    assert controller.tree_model.data(back_in_tree, TreeRoles.APP_ID) == tickets


def _row_titled(qtbot: Any, controller: Any, title: str) -> int:
    model = controller.browser.model
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.source.is_loaded(0), timeout=10000)
    rows = [row for row in range(model.rowCount()) if model.index(row, 0).data() == title]
    assert rows, f"{title} is not in the table"
    return rows[0]


def test_the_in_place_date_and_time_editor_fits_a_150_px_cell(qtbot, desk, sandbox):
    """Start date and time in one input, no wider than the cell, its whole text in sight;
    Delete empties the date, and a key in an empty date starts it at today."""
    model, view, _item_id, _row = showcase(qtbot, desk, sandbox)
    controller = desk.controller
    meeting = field(controller, "meeting")
    column = column_of(controller, meeting)
    view.setColumnWidth(column, 150)
    index = model.index(_row_titled(qtbot, controller, "Showcase sample 1"), column)
    shown = str(index.data())
    assert len(shown) == len("2026-03-10 08:30")
    view.scrollTo(index)
    editor: Any = start_inline_edit(qtbot, desk, index)
    qtbot.waitUntil(editor.isVisible, timeout=3000)
    cell = view.visualRect(index)
    assert editor.width() <= cell.width()
    assert editor.geometry().right() <= cell.right()
    moment = editor.start_moment
    assert moment.isVisible()
    assert QApplication.focusWidget() in (moment, moment.lineEdit())
    assert moment.text() == shown
    line = moment.lineEdit()
    assert line.fontMetrics().horizontalAdvance(moment.text()) + 4 <= line.width()
    assert line.mapTo(editor, line.rect().topRight()).x() <= editor.width()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Delete)
    assert moment.text() == EMPTY_DATE_TEXT
    assert editor.value() is EMPTY
    delegate = view.cell_delegate
    delegate.closeEditor.emit(editor, delegate.EndEditHint.RevertModelCache)
    qtbot.waitUntil(lambda: view.state() != QAbstractItemView.State.EditingState, timeout=3000)

    empty = model.index(_row_titled(qtbot, controller, "Showcase sample 2"), column)
    assert not empty.data()
    editor = start_inline_edit(qtbot, desk, empty)
    qtbot.waitUntil(editor.isVisible, timeout=3000)
    assert editor.width() <= view.visualRect(empty).width()
    assert editor.start_moment.text() == EMPTY_DATE_TEXT
    assert editor.value() is EMPTY
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Up)
    value = editor.value()
    assert isinstance(value, DateValue)
    assert value.start_date >= date.today() - timedelta(days=1)
    assert editor.is_modified()
    delegate.closeEditor.emit(editor, delegate.EndEditHint.RevertModelCache)


def test_delete_in_a_date_cell_keeps_the_keyboard_so_esc_still_cancels(qtbot, desk, sandbox):
    """A new user pressed Delete in a date-only cell, then Esc: the keyboard had left the
    editor (the emptied input was disabled for an instant), so Esc did nothing and the next
    click saved the empty date."""
    model, view, _item_id, _row = showcase(qtbot, desk, sandbox)
    controller = desk.controller
    holiday = field(controller, "holiday")
    column = column_of(controller, holiday)
    rows = [r for r in range(model.rowCount()) if model.index(r, column).data()]
    assert rows, "a Showcase item has a holiday"
    index = model.index(rows[0], column)
    item_id = int(model.item_id_at(rows[0]) or 0)
    shown = str(index.data())
    revision = sandbox.state.items[item_id].revision
    view.scrollTo(index)
    editor: Any = start_inline_edit(qtbot, desk, index)
    qtbot.waitUntil(editor.isVisible, timeout=3000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Delete)
    assert editor.value() is EMPTY
    focused = QApplication.focusWidget()
    assert focused is not None
    assert editor.isAncestorOf(focused)
    qtbot.keyClick(focused, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: view.state() != QAbstractItemView.State.EditingState, timeout=3000)
    assert str(model.index(rows[0], column).data()) == shown
    assert sandbox.state.items[item_id].revision == revision
