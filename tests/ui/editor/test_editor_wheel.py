"""No silent changes: the mouse wheel changes a value only in the field with the keyboard
focus (the form scrolls instead), in the editor's fields and the table's in-place editors."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QDateEdit, QSlider, QWidget

from tests.ui.editor.conftest import EditorEnv

pytestmark = pytest.mark.gui


def turn_wheel(widget: QWidget, steps: int = -1) -> None:
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(widget.mapToGlobal(centre.toPoint())),
        QPoint(),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_the_wheel_over_an_unfocused_field_changes_nothing(env: EditorEnv) -> None:
    env.open()
    env.editor.show()
    env.qtbot.waitExposed(env.editor)
    price = env.field("price")
    combo = price.currency
    assert isinstance(combo, QComboBox)
    before = combo.currentIndex()
    env.field("title").line.setFocus()
    turn_wheel(combo)
    assert combo.currentIndex() == before
    assert not env.editor.is_modified()
    assert combo.focusPolicy() == Qt.FocusPolicy.StrongFocus
    # Every wheel-sensitive widget of the form follows the same rule.
    for kind in (QComboBox, QDateEdit, QSlider):
        for widget in env.editor.form.findChildren(kind):
            assert widget.focusPolicy() == Qt.FocusPolicy.StrongFocus, widget

    # With the keyboard focus, the wheel works as usual.
    combo.setFocus()
    env.qtbot.waitUntil(combo.hasFocus, timeout=3000)
    turn_wheel(combo)
    assert combo.currentIndex() != before
    assert env.editor.is_modified()


def test_the_wheel_over_the_tasks_panes_due_date_and_time_changes_nothing(env: EditorEnv) -> None:
    env.open()
    env.editor.show()
    env.qtbot.waitExposed(env.editor)
    pane = env.editor.side.tasks
    env.editor.side.setCurrentWidget(pane)
    pane.due_box.setChecked(True)
    pane.time_box.setChecked(True)
    pane.new_text.setFocus()
    date_before, time_before = pane.due_date.date(), pane.due_time.time()
    turn_wheel(pane.due_date)
    turn_wheel(pane.due_time)
    assert pane.due_date.date() == date_before
    assert pane.due_time.time() == time_before

    # With the keyboard focus, the wheel works as usual.
    pane.due_date.setFocus()
    env.qtbot.waitUntil(pane.due_date.hasFocus, timeout=3000)
    turn_wheel(pane.due_date)
    assert pane.due_date.date() != date_before
