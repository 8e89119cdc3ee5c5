"""Quitting, switching app or signing out with unsaved edits in the editor dock asks first:
Save / Discard / Cancel, in the real main window against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from podio_desk.services.profile import Profile
from podio_desk.ui.editor.item_editor import MODIFIED_MARK, EditorState, ItemEditor
from tests.plugins.desk import Desk, open_desk
from tests.ui.editor.test_editor_unsaved import answer_when_asked, wait_answered
from tests.ui.test_integration import (
    column_of,
    field,
    row_of,
    sandbox_values,
    start_inline_edit,
)
from tests.ui.test_main_window import open_app, sign_in

pytestmark = [pytest.mark.gui, pytest.mark.slow]

Button = QMessageBox.StandardButton


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def title_editor(editor: ItemEditor) -> Any:
    """The title's editor widget (typed loosely: the test pokes its line edit)."""
    return editor.editor_by_external_id("title")


def edit_an_item(qtbot: Any, desk: Desk, sandbox: Any) -> ItemEditor:
    sign_in(desk, sandbox)
    # The sign-in dialog shown at start is modal: close it, as signing in from it would.
    dialog = QApplication.activeModalWidget()
    if isinstance(dialog, QDialog):
        dialog.reject()
    open_app(qtbot, desk, "Showcase")
    controller = desk.controller
    session = controller.browser.workspace
    assert session is not None
    controller.open_item(session, None, int(sandbox.info["richest_item_id"]))
    editor = controller.editor_docks[session.key].editor
    qtbot.waitUntil(
        lambda: editor.state is EditorState.READY and editor.item is not None, timeout=10_000
    )
    title_editor(editor).set_text("Typed, not saved")
    assert editor.title.text().startswith(MODIFIED_MARK)
    return editor


def test_quit_with_unsaved_changes_asks(qtbot, desk, sandbox):
    editor = edit_an_item(qtbot, desk, sandbox)
    window = desk.window
    quits: list[bool] = []
    window.close_requested.connect(lambda: quits.append(True))

    # Ctrl+Q, then Cancel: the window stays, with the typed value.
    asked = answer_when_asked(Button.Cancel)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    title = title_editor(editor).line
    title.setFocus()
    qtbot.keyClick(title, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    wait_answered(qtbot, asked)
    assert asked == ['Your changes to "The richest item" are not saved.']
    assert window.isVisible()
    assert quits == []
    assert title_editor(editor).line.text() == "Typed, not saved"

    # Save: saved first, then the window closes.
    answer_when_asked(Button.Save)
    window.quit_action.trigger()
    qtbot.waitUntil(lambda: quits == [True], timeout=10_000)
    assert not window.isVisible()
    # What the editor shows was re-read from Podio after the save.
    assert editor.state is EditorState.SAVED
    assert editor.item is not None
    assert editor.item.title == "Typed, not saved"


def test_switching_app_with_unsaved_changes_asks(qtbot, desk, sandbox):
    editor = edit_an_item(qtbot, desk, sandbox)
    controller = desk.controller
    session = controller.browser.workspace
    assert session is not None
    shown = controller.browser.app
    assert shown is not None
    asked = answer_when_asked(Button.Cancel)
    other_app = next(
        app_id
        for app_id in (sandbox.app_id("Tickets"), sandbox.app_id("Showcase"))
        if app_id != shown.app_id
    )
    assert controller.open_app(session.key, other_app) is None
    wait_answered(qtbot, asked)
    assert controller.browser.app is shown
    assert title_editor(editor).line.text() == "Typed, not saved"


def test_cancelling_an_app_switch_from_the_tree_puts_the_tree_back(qtbot, desk, sandbox):
    editor = edit_an_item(qtbot, desk, sandbox)
    controller = desk.controller
    tree = controller.tree
    shown = controller.browser.app
    assert shown is not None
    other_app = next(
        app_id
        for app_id in (sandbox.app_id("Tickets"), sandbox.app_id("Showcase"))
        if app_id != shown.app_id
    )

    def tree_app() -> int | None:
        node = tree.tree_model().node(tree.currentIndex())
        return node.ident if node is not None else None

    assert tree_app() == shown.app_id
    # The user picks another app in the tree, then Cancel: the tree shows the app shown.
    asked = answer_when_asked(Button.Cancel)
    assert tree.select_app(other_app)
    wait_answered(qtbot, asked)
    assert controller.browser.app is shown
    assert tree_app() == shown.app_id
    assert title_editor(editor).line.text() == "Typed, not saved"

    # Again, Discard: the other app opens, and the tree has it selected.
    asked = answer_when_asked(Button.Discard)
    assert tree.select_app(other_app)
    wait_answered(qtbot, asked)
    qtbot.waitUntil(
        lambda: controller.browser.app is not None and controller.browser.app.app_id == other_app,
        timeout=10_000,
    )
    assert tree_app() == other_app


def test_quit_with_an_in_place_edit_asks_and_saves_it_first(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    dialog = QApplication.activeModalWidget()
    if isinstance(dialog, QDialog):
        dialog.reject()
    open_app(qtbot, desk, "Showcase")
    controller = desk.controller
    item_id = int(sandbox.info["richest_item_id"])
    row = row_of(qtbot, controller, item_id)
    quantity = field(controller, "quantity")
    index = controller.browser.model.index(row, column_of(controller, quantity))
    editor = start_inline_edit(qtbot, desk, index)
    line = editor.line  # type: ignore[attr-defined]
    line.setText("77")
    window = desk.window
    quits: list[bool] = []
    window.close_requested.connect(lambda: quits.append(True))

    asked = answer_when_asked(Button.Cancel)
    window.quit_action.trigger()
    wait_answered(qtbot, asked)
    assert asked == ['The value typed into the table\'s "Quantity" cell is not saved.']
    assert window.isVisible()
    assert line.text() == "77"
    assert sandbox_values(sandbox, item_id, quantity) != ["77"]

    answer_when_asked(Button.Save)
    window.quit_action.trigger()
    qtbot.waitUntil(lambda: quits == [True], timeout=10_000)
    assert sandbox_values(sandbox, item_id, quantity) == ["77"]


def test_an_in_place_edit_in_a_frozen_column_counts_as_unsaved(qtbot, desk, sandbox):
    """Frozen columns have a view of their own (Qt's frozen-column shape): a cell edited
    there is unsaved work too."""
    sign_in(desk, sandbox)
    dialog = QApplication.activeModalWidget()
    if isinstance(dialog, QDialog):
        dialog.reject()
    open_app(qtbot, desk, "Showcase")
    controller = desk.controller
    item_id = int(sandbox.info["richest_item_id"])
    row = row_of(qtbot, controller, item_id)
    quantity = field(controller, "quantity")
    column = column_of(controller, quantity)
    view = controller.browser.view
    view.frozen.set_count(view.horizontalHeader().visualIndex(column) + 1)
    qtbot.waitUntil(lambda: view.frozen.is_frozen(column), timeout=3000)
    index = controller.browser.model.index(row, column)
    view.frozen.setFocus()
    view.setCurrentIndex(index)
    qtbot.keyClick(view.frozen, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: view.editing_view() is view.frozen, timeout=3000)
    editor = view.frozen.indexWidget(index)
    editor.line.setText("78")
    window = desk.window

    asked = answer_when_asked(Button.Cancel)
    window.quit_action.trigger()
    wait_answered(qtbot, asked)
    assert asked == ['The value typed into the table\'s "Quantity" cell is not saved.']
    assert window.isVisible()
