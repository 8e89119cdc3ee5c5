"""Unsaved edits are never dropped silently: the editor shows it is modified, and leaving it
asks Save / Discard / Cancel (a real message box, answered by clicking its buttons)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from podio_desk.ui.editor.item_editor import MODIFIED_MARK, EditorState, ItemEditorDock
from tests.ui.editor.conftest import EditorEnv

pytestmark = pytest.mark.gui

Button = QMessageBox.StandardButton


def answer_when_asked(button: Button, *, then: Callable[[], None] | None = None) -> list[str]:
    """Click `button` in the unsaved-changes box once it is shown; returns its text."""
    asked: list[str] = []
    tries = [1000]

    def poke() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.objectName() == "unsaved-changes-box":
            asked.append(box.text())
            if then is not None:
                then()
            box.button(button).click()
        elif tries[0] > 0:
            tries[0] -= 1
            QTimer.singleShot(10, poke)

    QTimer.singleShot(0, poke)
    return asked


def wait_answered(qtbot: Any, asked: list[str]) -> None:
    """Until the question was asked and answered (it never blocks the caller)."""
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)


def other_item_id(env: EditorEnv) -> int:
    item = env.fetch()
    assert item.app_id is not None
    ids = [entry["item_id"] for entry in env.sandbox.control.live_items(item.app_id)]
    return next(item_id for item_id in ids if item_id != env.item_id)


def test_the_editor_shows_it_is_modified_until_saved(env: EditorEnv) -> None:
    env.open()
    editor = env.editor
    assert not editor.title.text().startswith(MODIFIED_MARK)
    assert not editor.save_button.isEnabled()
    env.field("title").set_text("Changed")
    assert editor.title.text().startswith(MODIFIED_MARK)
    assert editor.save_button.isEnabled()
    # Typing it back to what was loaded is no change.
    env.field("title").set_text("The richest item")
    assert not editor.title.text().startswith(MODIFIED_MARK)
    env.field("title").set_text("Changed")
    env.save()
    assert editor.title.text() == "Changed"
    assert not editor.save_button.isEnabled()


def test_switching_item_cancel_keeps_the_edit(env: EditorEnv) -> None:
    env.open()
    env.field("title").set_text("Unsaved")
    asked = answer_when_asked(Button.Cancel)
    assert env.editor.open_item(None, other_item_id(env)) is None
    wait_answered(env.qtbot, asked)
    assert asked
    assert "The richest item" in asked[0]
    assert env.field("title").line.text() == "Unsaved"
    assert env.editor.title.text().startswith(MODIFIED_MARK)


def test_switching_item_discard_opens_the_other(env: EditorEnv) -> None:
    env.open()
    env.field("title").set_text("Unsaved")
    other = other_item_id(env)
    asked = answer_when_asked(Button.Discard)
    assert env.editor.open_item(None, other) is None
    wait_answered(env.qtbot, asked)
    env.qtbot.waitUntil(
        lambda: (
            env.editor.item is not None
            and env.editor.item.item_id == other
            and env.editor.state is EditorState.READY
        ),
        timeout=10_000,
    )
    assert env.editor.item is not None
    assert env.editor.item.item_id == other
    assert env.fetch().title == "The richest item"


def test_switching_item_save_saves_then_opens_the_other(env: EditorEnv) -> None:
    env.open()
    env.field("title").set_text("Saved on the way")
    other = other_item_id(env)
    answer_when_asked(Button.Save)
    assert env.editor.open_item(None, other) is None
    env.qtbot.waitUntil(
        lambda: (
            env.editor.item is not None
            and env.editor.item.item_id == other
            and env.editor.state is EditorState.READY
        ),
        timeout=10_000,
    )
    assert env.fetch().title == "Saved on the way"


def test_a_save_that_fails_keeps_everything_and_stays(env: EditorEnv) -> None:
    env.open()
    env.field("title").set_text("Kept after a failure")
    other = other_item_id(env)
    env.sandbox.control.set_error_rate(1.0, (500,))
    answer_when_asked(Button.Save)
    assert env.editor.open_item(None, other) is None
    env.qtbot.waitUntil(lambda: env.editor.state is EditorState.FAILED, timeout=20_000)
    env.sandbox.control.reset_faults()
    assert env.editor.item is not None
    assert env.editor.item.item_id == env.item_id
    assert env.field("title").line.text() == "Kept after a failure"
    assert env.editor.title.text().startswith(MODIFIED_MARK)
    assert "Not saved" in env.editor.message


def test_reload_rereads_the_item(env: EditorEnv) -> None:
    env.open()
    env.sandbox.edit_as_other(env.item_id, {"title": "Renamed elsewhere"})
    line = env.field("title").line
    env.qtbot.keyClick(line, Qt.Key.Key_F5)
    env.qtbot.waitUntil(lambda: line.text() == "Renamed elsewhere", timeout=10_000)
    # With changes in the form, reloading asks first.
    line.setText("Mine")
    asked = answer_when_asked(Button.Cancel)
    assert env.editor.reload() is None
    wait_answered(env.qtbot, asked)
    assert line.text() == "Mine"


def test_save_chosen_while_a_save_runs_waits_for_it(env: EditorEnv) -> None:
    env.open()
    env.field("title").set_text("Saved while asked")
    other = other_item_id(env)
    saving = env.editor.save()
    assert saving is not None
    assert env.editor.state is EditorState.SAVING
    # The question comes while the save is on its way; Save waits for that save.
    asked = answer_when_asked(Button.Save)
    assert env.editor.open_item(None, other) is None
    wait_answered(env.qtbot, asked)
    env.qtbot.waitUntil(
        lambda: (
            env.editor.item is not None
            and env.editor.item.item_id == other
            and env.editor.state is EditorState.READY
        ),
        timeout=10_000,
    )
    assert env.fetch().title == "Saved while asked"
    puts = [w for w in env.writes() if w == f"PUT /item/{env.item_id}"]
    assert len(puts) == 1


def test_closing_the_dock_with_unsaved_changes_asks(env: EditorEnv) -> None:
    dock = ItemEditorDock(env.service, env.runner)
    env.qtbot.addWidget(dock)
    dock.show()
    env.wait(dock.open_item(None, env.item_id))
    title: Any = dock.editor.editor_by_external_id("title")
    title.set_text("Changed in the dock")
    # Cancel: the dock stays, with the edit.
    asked = answer_when_asked(Button.Cancel)
    dock.close()
    wait_answered(env.qtbot, asked)
    assert "unsaved" in asked[0].lower() or "changes" in asked[0].lower()
    assert dock.isVisible()
    assert dock.editor.title.text().startswith(MODIFIED_MARK)
    # Discard: the dock closes, the edit is dropped as the user chose.
    asked = answer_when_asked(Button.Discard)
    dock.close()
    wait_answered(env.qtbot, asked)
    env.qtbot.waitUntil(lambda: not dock.isVisible(), timeout=3000)
    assert not dock.editor.is_modified()
