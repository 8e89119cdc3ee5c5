"""What was written is what is shown: comments keep literal <…> text and line breaks, the
comment box clears when another item opens; Ctrl+Enter adds a comment, Tab leaves the box,
and after adding the focus is back in the box."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from tests.ui.editor.conftest import EditorEnv
from tests.ui.editor.test_editor_unsaved import other_item_id

pytestmark = pytest.mark.gui


def test_a_comment_keeps_literal_markup_and_line_breaks(env: EditorEnv) -> None:
    env.open()
    env.editor.show()
    pane = env.editor.side.comments
    env.qtbot.waitUntil(lambda: pane.task is not None and pane.task.done(), timeout=10_000)
    written = "Use <b>bold</b> & <script>x</script>\nsecond line"
    pane.input.setPlainText(written)
    before = len(pane.comments)
    pane.add_button.setFocus()
    env.qtbot.waitUntil(pane.add_button.hasFocus, timeout=3000)
    env.qtbot.mouseClick(pane.add_button, Qt.MouseButton.LeftButton)
    env.qtbot.waitUntil(lambda: len(pane.comments) == before + 1, timeout=10_000)
    shown = pane.list.toPlainText()
    assert "Use <b>bold</b> & <script>x</script>" in shown
    assert "second line" in shown
    lines = shown.splitlines()
    assert lines.index("second line") == lines.index("Use <b>bold</b> & <script>x</script>") + 1
    assert pane.input.toPlainText() == ""
    # The focus went back to the box, ready for the next comment.
    assert pane.input.hasFocus()


def test_the_comment_box_clears_when_another_item_opens(env: EditorEnv) -> None:
    env.open()
    pane = env.editor.side.comments
    pane.input.setPlainText("meant for the richest item")
    env.open(other_item_id(env))
    assert pane.input.toPlainText() == ""


def test_ctrl_enter_adds_the_comment_and_the_focus_returns_to_the_box(env: EditorEnv) -> None:
    env.open()
    env.editor.show()
    pane = env.editor.side.comments
    env.qtbot.waitUntil(lambda: pane.task is not None and pane.task.done(), timeout=10_000)
    before = len(pane.comments)
    # The main window has its own Ctrl+Enter (open the table's item): the box takes it first.
    window_action = QAction("Open item", env.editor)
    window_action.setShortcut(QKeySequence("Ctrl+Return"))
    window_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    env.editor.addAction(window_action)
    opened: list[bool] = []
    window_action.triggered.connect(lambda: opened.append(True))
    pane.input.setFocus()
    env.qtbot.waitUntil(pane.input.hasFocus, timeout=3000)
    env.qtbot.keyClicks(pane.input, "Posted by keyboard")
    env.qtbot.keyClick(pane.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    env.qtbot.waitUntil(lambda: len(pane.comments) == before + 1, timeout=10_000)
    assert pane.comments[-1].value == "Posted by keyboard"
    assert opened == []
    assert pane.input.hasFocus()
    env.qtbot.keyClicks(pane.input, "next")
    assert pane.input.toPlainText() == "next"


def test_tab_in_the_comment_box_moves_the_focus_on(env: EditorEnv) -> None:
    env.open()
    env.editor.show()
    pane = env.editor.side.comments
    pane.input.setFocus()
    env.qtbot.waitUntil(pane.input.hasFocus, timeout=3000)
    env.qtbot.keyClicks(pane.input, "a")
    env.qtbot.keyClick(pane.input, Qt.Key.Key_Tab)
    env.qtbot.waitUntil(lambda: not pane.input.hasFocus(), timeout=3000)
    assert pane.input.toPlainText() == "a"
