"""Bulk edit in the window, what a first trial found unsafe or awkward, against the sandbox
over HTTP: Enter never starts a job, starting asks (a delete separately, with the export
first), each line of the change is checked as typed in words, Back from the preview keeps the
form, the jobs panel follows jobs by itself and acts on the running one, paused jobs count
no time down, save dialogs open in Documents, the shortcut works from the grid and the app's
count follows a delete."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QStandardPaths, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox, QPushButton

from podio_desk.domain.bulk import parse_operation
from podio_desk.services.bulk_plan import Selection
from podio_desk.services.profile import Profile
from podio_desk.ui.bulk.preview import PROBLEM_COLUMN, PreviewDialog
from tests.plugins.desk import Desk, open_desk
from tests.plugins.qt import run_async
from tests.ui.test_bulk_ui import column_of_title, opened_tickets, select_rows, title
from tests.ui.test_main_window import find_app

pytestmark = [pytest.mark.gui, pytest.mark.slow]


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def asked_box(preview: PreviewDialog) -> QMessageBox | None:
    return preview.confirm_box


def confirm_button(preview: PreviewDialog, name: str) -> QPushButton:
    box = preview.confirm_box
    assert box is not None
    assert box.isVisible()
    button = box.findChild(QPushButton, name)
    assert button is not None
    return button


def counted(tree: Any, app_id: int) -> int | None:
    """The app's count as the tree shows it (Podio's, else what the cache holds)."""
    entry = tree.app_entry(app_id)
    if entry is None:
        return None
    return int(entry.item_count if entry.item_count is not None else entry.cached_count)


def preview_of(qtbot: Any, bulk: Any, dialog: Any) -> PreviewDialog:
    with qtbot.waitSignal(bulk.preview_shown, timeout=15000) as shown:
        dialog.ask_preview()
    preview: PreviewDialog = shown.args[0]
    return preview


def test_enter_never_starts_a_job_and_start_asks_naming_the_count(
    qtbot: Any, desk: Desk, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(items=30)
    bulk, session = opened_tickets(qtbot, desk, sandbox)
    ids = select_rows(desk, range(6))
    dialog = bulk.open_change_dialog()
    assert dialog is not None
    dialog.rows[0].set("set", "title", "Checked first")
    preview = preview_of(qtbot, bulk, dialog)
    qtbot.waitExposed(preview)
    assert not any(
        button.isDefault() or button.autoDefault() for button in preview.findChildren(QPushButton)
    )
    column = column_of_title(preview)
    # Fixing a cell: double-click opens the editor, Enter commits that edit and nothing else.
    index = preview.model.index(0, column)
    preview.table.setCurrentIndex(index)
    rect = preview.table.visualRect(index)
    qtbot.mouseClick(preview.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(preview.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editor = preview.table.viewport().findChild(QLineEdit)
    assert editor is not None
    assert editor.isVisible()
    editor.selectAll()
    qtbot.keyClicks(editor, "Typed again")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: str(preview.model.data(index)).endswith("→ Typed again"))
    qtbot.keyClick(preview.table, Qt.Key.Key_Return)
    qtbot.keyClick(preview, Qt.Key.Key_Enter)
    assert preview.isVisible()
    assert asked_box(preview) is None
    assert run_async(session.bulk.jobs()) == []
    # Start asks, naming the count; Enter in that box cancels.
    preview.start_button.click()
    box = asked_box(preview)
    assert box is not None
    assert box.text() == "Change 6 items?"
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not box.isVisible())
    assert preview.isVisible()
    assert run_async(session.bulk.jobs()) == []
    preview.start_button.click()
    with qtbot.waitSignal(bulk.job_ended, timeout=30000) as ended:
        confirm_button(preview, "bulkConfirmStart").click()
    assert ended.args[1] == "done"
    assert title(sandbox, ids[0]) == "Typed again"
    assert all(title(sandbox, i) == "Checked first" for i in ids[1:])


def test_a_delete_asks_separately_exports_first_from_documents_and_the_count_follows(
    qtbot: Any, desk: Desk, sandbox_factory: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    sandbox = sandbox_factory(items=30)
    bulk, _session = opened_tickets(qtbot, desk, sandbox)
    app_id = sandbox.app_id("Tickets")
    tree = desk.controller.tree_model
    qtbot.waitUntil(lambda: counted(tree, app_id) == 30, timeout=10000)
    ids = select_rows(desk, range(4))
    asked: list[str] = []
    target = tmp_path / "before-delete.csv"

    def save_name(_parent: Any, _title: str, directory: str, _filters: str) -> tuple[str, str]:
        asked.append(directory)
        return str(target), "CSV (*.csv)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    dialog = bulk.open_change_dialog()
    assert dialog is not None
    dialog.rows[0].set("delete")
    preview = preview_of(qtbot, bulk, dialog)
    qtbot.keyClick(preview.table, Qt.Key.Key_Return)
    assert asked_box(preview) is None
    preview.start_button.click()
    box = asked_box(preview)
    assert box is not None
    assert box.text().startswith("Delete 4 items")
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    assert "cannot restore" in box.informativeText()
    with qtbot.waitSignal(bulk.job_ended, timeout=30000) as ended:
        confirm_button(preview, "bulkConfirmExportThenDelete").click()
    assert ended.args[1] == "done"
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    assert Path(asked[0]).parent == Path(documents)
    with target.open(newline="", encoding="utf-8") as handle:
        exported = list(csv.reader(handle))
    assert len(exported) == 1 + 4
    live = {entry["item_id"] for entry in sandbox.control.live_items(app_id)}
    assert live.isdisjoint(ids)
    assert len(live) == 26
    qtbot.waitUntil(lambda: counted(tree, app_id) == 26, timeout=10000)
    assert "26" in str(tree.data(find_app(qtbot, desk, "Tickets")))
    # The next save dialog opens where the last file went.
    assert bulk.save_path("Result log", "log.csv", "CSV (*.csv)") == target
    assert Path(asked[-1]).parent == tmp_path


def test_each_line_is_checked_as_typed_in_words_and_the_form_does_not_move(
    qtbot: Any, desk: Desk, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(items=20)
    bulk, _session = opened_tickets(qtbot, desk, sandbox)
    select_rows(desk, range(3))
    dialog = bulk.open_change_dialog()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    row = dialog.rows[0]
    for kind, field_name, typed in (
        ("increment", "amount", "abc"),
        ("set", "status", ""),
        ("replace", "title", ""),
        ("shift", "due", "soon"),
        ("add", "status", "Nope"),
    ):
        row.set(kind, field_name, typed)
        assert not dialog.preview_button.isEnabled(), (kind, typed)
        assert row.message.isVisibleTo(dialog)
        assert row.message.text()
        assert "--" not in row.message.text(), row.message.text()
    row.set("increment", "amount", "abc")
    assert "not a number" in row.message.text()
    row.set("increment", "amount", "5")
    assert dialog.preview_button.isEnabled()
    assert not row.message.isVisibleTo(dialog)
    # The field list offers the fields the operation applies to.
    labels = [row.field.itemText(i) for i in range(row.field.count())]
    assert "Amount" in labels
    assert "Subject" not in labels
    assert "Tags" not in labels
    row.set("shift", "due", "+1d")
    assert [row.field.itemData(i) for i in range(row.field.count())] == ["due"]
    # Switching the items' source or adding a line moves no line.
    where = row.mapTo(dialog, QPoint(0, 0))
    dialog.from_pasted.setChecked(True)
    dialog.pasted.setPlainText("1 2 3")
    dialog.from_filter.setChecked(True)
    dialog.add_operation("set", "priority", "")
    qtbot.waitUntil(lambda: dialog.rows[1].isVisible())
    assert row.mapTo(dialog, QPoint(0, 0)) == where
    assert not dialog.preview_button.isEnabled()  # the new line is empty


def test_back_from_the_preview_keeps_the_form_and_warnings_are_not_doubled(
    qtbot: Any, desk: Desk, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(items=20)
    bulk, _session = opened_tickets(qtbot, desk, sandbox)
    select_rows(desk, range(5))
    dialog = bulk.open_change_dialog()
    assert dialog is not None
    dialog.rows[0].set("set", "title", "Kept")
    dialog.add_operation("increment", "amount", "10")
    preview = preview_of(qtbot, bulk, dialog)
    assert not dialog.isVisible()
    assert preview.warning.text().count("for each of the") == 1
    preview.table.selectRow(0)
    assert preview.drop_selected() == 1
    assert preview.warning.text().count("for each of the") == 1
    assert "each of the 4 items" in preview.warning.text()
    assert preview.back_button.text() == "&Back to the change"
    preview.back_button.click()
    qtbot.waitUntil(dialog.isVisible)
    assert not preview.isVisible()
    assert [row.argument.text() for row in dialog.rows] == ["Kept", "10"]
    assert dialog.preview_button.isEnabled()
    assert dialog.status.text() == ""
    dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_an_invalid_file_cell_shows_its_value_and_why_and_can_be_typed_again(
    qtbot: Any, qtmodeltester: Any, desk: Desk, sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = sandbox_factory(items=20)
    bulk, _session = opened_tickets(qtbot, desk, sandbox)
    ids = list(sandbox.state.app_items[sandbox.app_id("Tickets")])[:2]
    path = tmp_path / "rows.csv"
    path.write_text(f"item_id,Amount\n{ids[0]},12.5\n{ids[1]},lots\n", encoding="utf-8")
    dialog = bulk.open_change_dialog()
    assert dialog is not None
    dialog.rows[0].set("column", "amount", "Amount")
    dialog.path.setText(str(path))
    preview = preview_of(qtbot, bulk, dialog)
    model = preview.model
    qtmodeltester.check(model)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    amount = headers.index("Amount")
    bad = next(r for r in range(2) if model.data(model.index(r, 2)) == "invalid")
    assert "lots" in str(model.data(model.index(bad, amount)))
    assert model.data(model.index(bad, PROBLEM_COLUMN))
    assert model.flags(model.index(bad, amount)) & Qt.ItemFlag.ItemIsEditable
    assert model.setData(model.index(bad, amount), "7")
    assert model.data(model.index(bad, 2)) == "change"
    assert not model.data(model.index(bad, PROBLEM_COLUMN))
    preview.reject()


def test_the_jobs_panel_follows_jobs_by_itself_and_pauses_the_running_one(
    qtbot: Any, desk: Desk, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(items=40)
    bulk, session = opened_tickets(qtbot, desk, sandbox)
    app_id = sandbox.app_id("Tickets")
    bulk.show_panel()
    panel = bulk.panel
    # A job journaled outside the window (as `podio-desk bulk` would) is listed unasked.
    plan = run_async(
        session.bulk.plan(app_id, Selection(filters={}), [parse_operation("set", "title=Far")])
    )
    job_id = run_async(session.bulk.start(plan))
    qtbot.waitUntil(lambda: panel.model.row_of(job_id) is not None, timeout=10000)
    # Running here: its row is chosen, Pause acts on it without a click on the row.
    panel.table.clearSelection()
    sandbox.control.set_latency(0.2)
    bulk.run_job(session, job_id, "Test job")
    qtbot.waitUntil(lambda: panel.buttons["pause"].isEnabled(), timeout=10000)
    current = panel.current_job()
    assert current is not None
    assert current.job_id == job_id
    panel.buttons["pause"].click()
    row = panel.model.row_of(job_id)
    assert row is not None
    qtbot.waitUntil(
        lambda: str(panel.model.data(panel.model.index(row, 3))).startswith("paused"),
        timeout=10000,
    )
    jobs = desk.controller.indicators.jobs
    assert "paused" in jobs.current_text()
    assert " left" not in jobs.current_text()
    assert "min" not in jobs.current_text()
    sandbox.control.set_latency(0)
    with qtbot.waitSignal(bulk.job_ended, timeout=30000) as ended:
        panel.buttons["cancel"].click()
    assert ended.args == [job_id, "cancelled"]


def test_the_bulk_shortcut_works_from_the_grid_and_the_tree(
    qtbot: Any, desk: Desk, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(items=10)
    bulk, _session = opened_tickets(qtbot, desk, sandbox)
    # The first-run sign-in dialog stays open when the test signs in by itself.
    for other in QApplication.topLevelWidgets():
        if other is not desk.window and other.isVisible():
            other.close()
    desk.window.activateWindow()
    qtbot.waitUntil(desk.window.isActiveWindow, timeout=5000)
    keys = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    for widget in (desk.controller.browser.view, desk.controller.tree):
        widget.setFocus()
        before = bulk.change_dialog
        qtbot.keyClick(widget, Qt.Key.Key_B, keys)
        qtbot.waitUntil(lambda b=before: bulk.change_dialog is not b, timeout=5000)
        dialog = bulk.change_dialog
        assert dialog is not None
        assert dialog.isVisible()
        # Escape closes it, and as a key without modifiers it leaves none held for later tests.
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        assert not dialog.isVisible()
    assert QApplication.keyboardModifiers() == Qt.KeyboardModifier.NoModifier
