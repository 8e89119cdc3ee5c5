"""The editor's tasks pane: add with assignee (contact search), description, due date and
time; change and delete; where the keyboard focus goes; the form empties for another item.
Each through the pane's widgets, checked in the sandbox over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QDate, QPoint, Qt, QTime
from PySide6.QtWidgets import QApplication

from podio_desk.domain.tasks import due_text, responsible_user_id
from podio_desk.ui.editor.panes import TasksPane
from tests.ui.editor.conftest import EditorEnv, run_async

pytestmark = pytest.mark.gui

OSKAR = 1002  # the sandbox's second user


def _pane(env: EditorEnv) -> TasksPane:
    env.open()
    pane = env.editor.side.tasks
    env.wait(pane.task)
    env.editor.side.setCurrentWidget(pane)
    return pane


def _assign(env: EditorEnv, pane: TasksPane, name: str) -> None:
    pane.assignee.search.setText(name)
    pane.assignee._search_now()
    env.wait(pane.assignee.search_task)
    assert [c.name for c in pane.assignee.found] == [name]
    pane.assignee.add_result(0)
    # Picked: shown as the assignee; the search box and its results are done.
    assert pane.assignee.linked.item(0).text().startswith(name)
    assert pane.assignee.search.text() == ""
    assert pane.assignee.results.isHidden()


def _sandbox_task(env: EditorEnv, text: str) -> dict[str, Any]:
    tasks = [t for t in run_async(env.client.item_tasks(env.item_id)) if t.text == text]
    assert len(tasks) == 1, tasks
    return dict(tasks[0].raw)


def test_add_a_task_with_assignee_description_due_date_and_time(env: EditorEnv) -> None:
    pane = _pane(env)
    env.editor.show()
    env.qtbot.waitExposed(env.editor)
    env.editor.activateWindow()
    pane.new_text.setFocus()
    env.qtbot.waitUntil(pane.new_text.hasFocus)
    pane.new_text.setText("Send the contract")
    _assign(env, pane, "Oskar Other")
    pane.description.setPlainText("Two copies, signed")
    pane.due_box.setChecked(True)
    pane.due_date.setDate(QDate(2026, 11, 30))
    pane.time_box.setChecked(True)
    pane.due_time.setTime(QTime(15, 45))
    pane.new_text.setFocus()
    env.sandbox.control.reset_log()
    env.qtbot.keyClick(pane.new_text, Qt.Key.Key_Return)
    env.wait(pane.task)
    assert env.writes() == [f"POST /task/item/{env.item_id}/"]
    raw = _sandbox_task(env, "Send the contract")
    assert (raw["description"], raw["due_date"], raw["due_time"]) == (
        "Two copies, signed",
        "2026-11-30",
        "15:45:00",
    )
    assert raw["responsible"]["user_id"] == OSKAR
    entry = pane.list.item(pane.task_row(raw["task_id"]))
    assert entry.text() == (
        "Send the contract  due 2026-11-30 15:45  · Oskar Other\n    Two copies, signed"
    )
    # The boxes are empty again and the keyboard focus stayed in the task box.
    assert pane.new_text.text() == pane.description.toPlainText() == ""
    assert not pane.due_box.isChecked()
    assert not pane.time_box.isChecked()
    assert pane.assignee.linked.count() == 0
    assert QApplication.focusWidget() is pane.new_text


def test_clicking_add_keeps_the_focus_on_the_button(env: EditorEnv) -> None:
    pane = _pane(env)
    env.editor.show()
    env.qtbot.waitExposed(env.editor)
    env.editor.activateWindow()
    pane.new_text.setText("Book the room")
    pane.add_button.setFocus()
    env.qtbot.waitUntil(pane.add_button.hasFocus)
    env.qtbot.mouseClick(pane.add_button, Qt.MouseButton.LeftButton)
    env.wait(pane.task)
    assert _sandbox_task(env, "Book the room")["status"] == "active"
    assert QApplication.focusWidget() is pane.add_button


def test_without_an_assignee_the_task_is_yours(env: EditorEnv) -> None:
    pane = _pane(env)
    pane.new_text.setText("Mine by default")
    pane.add_button.click()
    env.wait(pane.task)
    assert _sandbox_task(env, "Mine by default")["responsible"]["user_id"] == 1001


def test_change_a_task_in_the_form(env: EditorEnv) -> None:
    created = run_async(env.client.create_item_task(env.item_id, "Draft the offer"))
    pane = _pane(env)
    pane.list.setCurrentRow(pane.task_row(created.task_id))
    pane.edit_button.click()
    assert pane.add_button.text() == "Save"
    assert pane.new_text.text() == "Draft the offer"
    pane.new_text.setText("Send the offer")
    pane.description.setPlainText("By mail")
    _assign(env, pane, "Oskar Other")
    pane.due_box.setChecked(True)
    pane.due_date.setDate(QDate(2026, 8, 3))
    env.sandbox.control.reset_log()
    pane.add_button.click()
    env.wait(pane.task)
    assert env.writes() == [f"PUT /task/{created.task_id}"]
    task = run_async(env.client.task(created.task_id))
    assert (task.text, task.description, due_text(task)) == (
        "Send the offer",
        "By mail",
        "2026-08-03",
    )
    assert responsible_user_id(task) == OSKAR
    assert pane.add_button.text() == "Add"
    assert pane.new_text.text() == ""
    # Changing again without touching the assignee keeps Oskar.
    pane.list.setCurrentRow(pane.task_row(created.task_id))
    pane.edit(created.task_id)
    assert pane.due_box.isChecked()
    assert not pane.time_box.isChecked()
    pane.time_box.setChecked(True)
    pane.due_time.setTime(QTime(8, 0))
    pane.add_button.click()
    env.wait(pane.task)
    task = run_async(env.client.task(created.task_id))
    assert (due_text(task), responsible_user_id(task)) == ("2026-08-03 08:00", OSKAR)


def test_cancel_leaves_the_task_as_it_was(env: EditorEnv) -> None:
    created = run_async(env.client.create_item_task(env.item_id, "Leave me"))
    pane = _pane(env)
    pane.edit(created.task_id)
    pane.new_text.setText("Changed my mind")
    env.sandbox.control.reset_log()
    pane.cancel_button.click()
    assert (pane.new_text.text(), pane.add_button.text()) == ("", "Add")
    assert env.writes() == []
    assert run_async(env.client.task(created.task_id)).text == "Leave me"


def test_delete_a_task(env: EditorEnv) -> None:
    keep = run_async(env.client.create_item_task(env.item_id, "Keep"))
    gone = run_async(env.client.create_item_task(env.item_id, "Remove"))
    pane = _pane(env)
    env.sandbox.control.reset_log()
    pane.delete(gone.task_id)
    env.wait(pane.task)
    assert env.writes() == [f"DELETE /task/{gone.task_id}"]
    left = {t.task_id for t in run_async(env.client.item_tasks(env.item_id))}
    assert keep.task_id in left
    assert gone.task_id not in left
    assert pane.task_row(gone.task_id) == -1
    assert pane.list.count() == len(pane.tasks)


def test_the_form_empties_when_another_item_opens(env: EditorEnv) -> None:
    pane = _pane(env)
    pane.new_text.setText("Half typed")
    pane.description.setPlainText("notes")
    pane.due_box.setChecked(True)
    _assign(env, pane, "Oskar Other")
    other = env.sandbox.app_id("Notes")
    item_id = run_async(env.client.filter_items(other, limit=1)).items[0].item_id
    env.open(item_id)
    env.wait(pane.task)
    assert pane.new_text.text() == pane.description.toPlainText() == ""
    assert not pane.due_box.isChecked()
    assert pane.assignee.linked.count() == 0
    # Reopening the same item (after a save, say) keeps what is typed.
    pane.new_text.setText("Still here")
    env.open(item_id)
    env.wait(pane.task)
    assert pane.new_text.text() == "Still here"


def test_a_due_time_without_a_date_cannot_be_set(env: EditorEnv) -> None:
    pane = _pane(env)
    assert not pane.time_box.isEnabled()
    assert not pane.due_time.isEnabled()
    pane.due_box.setChecked(True)
    assert pane.time_box.isEnabled()
    assert not pane.due_time.isEnabled()
    pane.time_box.setChecked(True)
    assert pane.due_time.isEnabled()


# ------------------------------------------------------------------ new-user trial fixes


def test_a_typed_time_is_taken_wherever_the_cursor_was(env: EditorEnv) -> None:
    pane = _pane(env)
    pane.due_box.setChecked(True)
    pane.time_box.setChecked(True)
    env.editor.show()
    env.qtbot.waitExposed(env.editor)
    line = pane.due_time.lineEdit()
    # Clicked before the hour, between its digits, or after the minutes.
    for cursor in (0, 1, 5):
        pane.due_time.setTime(QTime(9, 0))
        env.qtbot.mouseClick(line, Qt.MouseButton.LeftButton, pos=QPoint(2, line.height() // 2))
        line.deselect()
        line.setCursorPosition(cursor)
        env.qtbot.keyClicks(pane.due_time, "14:30")
        assert pane.due_time.time() == QTime(14, 30)
    pane.new_text.setText("Call at half past two")
    pane.add()
    env.wait(pane.task)
    assert _sandbox_task(env, "Call at half past two")["due_time"] == "14:30:00"


def test_the_list_shows_the_description(env: EditorEnv) -> None:
    pane = _pane(env)
    pane.new_text.setText("Pack the boxes")
    pane.description.setPlainText("Books first\nthen the rest")
    pane.add()
    env.wait(pane.task)
    raw = _sandbox_task(env, "Pack the boxes")
    shown = pane.list.item(pane.task_row(raw["task_id"])).text()
    assert shown.splitlines()[1].strip() == "Books first"


def test_a_new_form_carries_no_date_of_the_last_task(env: EditorEnv) -> None:
    pane = _pane(env)
    pane.new_text.setText("Dated")
    pane.due_box.setChecked(True)
    pane.due_date.setDate(QDate(2031, 5, 6))
    pane.time_box.setChecked(True)
    pane.due_time.setTime(QTime(17, 15))
    pane.add()
    env.wait(pane.task)
    pane.due_box.setChecked(True)
    pane.time_box.setChecked(True)
    assert pane.due_date.date() == QDate.currentDate()
    assert pane.due_time.time() == QTime(9, 0)


def test_one_click_picks_the_assignee(env: EditorEnv) -> None:
    pane = _pane(env)
    env.editor.show()
    env.qtbot.waitExposed(env.editor)
    pane.assignee.search.setText("Oskar Other")
    pane.assignee._search_now()
    env.wait(pane.assignee.search_task)
    results = pane.assignee.results
    env.qtbot.waitUntil(results.isVisible)
    where = results.visualItemRect(results.item(0)).center()
    env.qtbot.mouseClick(results.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert pane.assignee.linked.count() == 1
    assert pane.assignee.linked.item(0).text().startswith("Oskar Other")


def test_the_add_button_stays_reachable_in_a_short_dock(env: EditorEnv) -> None:
    pane = _pane(env)
    env.editor.show()
    env.qtbot.waitExposed(env.editor)
    # The pane asks for little height; a short one scrolls instead of cutting off the form.
    assert pane.minimumSizeHint().height() < 200
    pane.form_scroll.ensureWidgetVisible(pane.add_button)
    top_left = pane.add_button.mapTo(pane.form_scroll.viewport(), pane.add_button.rect().topLeft())
    assert (
        pane.form_scroll.viewport()
        .rect()
        .contains(top_left.x(), top_left.y() + pane.add_button.height() - 1)
    )
