"""Bulk edit in the real window against the sandbox over HTTP: the change dialog's validation,
the preview (model tester, drop, fix, cost), pending cells in the table, a job run from the
preview with its progress, the jobs panel (pause, resume, cancel, undo with an item edited
meanwhile, result log) and the offer to resume an interrupted job."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QPushButton

from podio_desk.domain.bulk import parse_operation
from podio_desk.services.bulk_plan import BulkPlanError, Selection
from podio_desk.services.profile import Profile
from podio_desk.services.session import AccountSession
from podio_desk.ui.bulk.controller import BulkController
from podio_desk.ui.bulk.preview import FIXED_COLUMNS, PreviewDialog
from podio_desk.ui.table.model import PENDING_BACKGROUND
from tests.plugins.desk import Desk, open_desk
from tests.plugins.qt import run_async
from tests.services.test_sync_sandbox import as_other
from tests.ui.test_integration import column_of, field, sandbox_values
from tests.ui.test_main_window import open_app, sign_in

pytestmark = [pytest.mark.gui, pytest.mark.slow]


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def field_id(sandbox: Any, external_id: str) -> int:
    fields = sandbox.state.apps[sandbox.app_id("Tickets")].fields
    return int(next(f.field_id for f in fields if f.external_id == external_id))


def title(sandbox: Any, item_id: int) -> str:
    return str((sandbox.state.items[item_id].values.get(field_id(sandbox, "title")) or [""])[0])


def opened_tickets(qtbot: Any, desk: Desk, sandbox: Any) -> tuple[BulkController, AccountSession]:
    sign_in(desk, sandbox)
    open_app(qtbot, desk, "Tickets")
    model = desk.controller.browser.model
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.source.is_loaded(0), timeout=10000)
    session = desk.controller.browser.workspace
    assert session is not None
    return desk.controller.bulk, session


def select_rows(desk: Desk, rows: range) -> list[int]:
    view = desk.controller.browser.view
    model = desk.controller.browser.model
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in rows:
        view.selectionModel().select(model.index(row, 0), flags)
    return [int(model.item_id_at(row) or 0) for row in rows]


def start_confirmed(preview: PreviewDialog) -> None:
    """Start the job as a user does: the start button, then the confirmation's own button."""
    preview.start_button.click()
    box = preview.confirm_box
    assert box is not None
    button = box.findChild(QPushButton, "bulkConfirmStart")
    assert button is not None
    button.click()


def column_of_title(preview: PreviewDialog) -> int:
    headers = [
        preview.model.headerData(c, Qt.Orientation.Horizontal)
        for c in range(preview.model.columnCount())
    ]
    return headers.index("Subject")


def test_preview_is_checked_editable_shown_pending_then_runs_and_undo_lists_edited_items(
    qtbot: Any, qtmodeltester: Any, desk: Desk, sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = sandbox_factory(items=60)
    bulk, session = opened_tickets(qtbot, desk, sandbox)
    ids = select_rows(desk, range(10))
    dialog = bulk.open_change_dialog()
    assert dialog is not None
    assert dialog.from_selection.isChecked()
    assert "10 selected" in dialog.from_selection.text()
    # A value the editor would refuse: its message shows under the line, no preview.
    row = dialog.rows[0]
    row.set("set", "amount", "abc")
    assert not dialog.validate()
    assert row.message.isVisibleTo(dialog)
    assert row.message.text()
    assert not dialog.preview_button.isEnabled()
    row.set("set", "title", "Bulk renamed")
    assert dialog.validate()
    dialog.no_hook.setChecked(True)
    assert "notified" in dialog.options_warning.text()
    with qtbot.waitSignal(bulk.preview_shown, timeout=15000):
        dialog.ask_preview()
    preview = bulk.preview
    assert preview is not None
    model = preview.model
    qtmodeltester.check(model)
    assert model.rowCount() == 10
    title_column = column_of_title(preview)
    assert title_column >= len(FIXED_COLUMNS)
    assert [model.data(model.index(r, 2)) for r in range(10)] == ["change"] * 10
    assert str(model.data(model.index(0, title_column))).endswith("→ Bulk renamed")
    assert "10 to change" in preview.summary_text()
    assert "10 calls, about" in preview.summary_text()
    # Fix one value, refuse an empty title (required), drop one item.
    assert model.setData(model.index(0, title_column), "Fixed one")
    assert str(model.data(model.index(0, title_column))).endswith("→ Fixed one")
    preview.table.selectRow(1)
    assert preview.drop_selected() == 1
    qtmodeltester.check(model)
    assert "9 items" in preview.summary_text()
    assert "9 calls" in preview.summary_text()
    # Pending changes in the grid: the new text on a tinted cell, nothing sent.
    grid = desk.controller.browser.model
    grid_title = [c.key for c in grid.columns].index("title")
    sandbox.control.reset_log()
    preview.pending_box.setChecked(True)
    assert grid.data(grid.index(2, grid_title)) == "Bulk renamed"
    background = grid.data(grid.index(2, grid_title), Qt.ItemDataRole.BackgroundRole)
    assert background.color() == PENDING_BACKGROUND
    assert grid.data(grid.index(1, grid_title)) != "Bulk renamed"  # dropped
    assert not [r for r in sandbox.control.requests() if r.method == "PUT"]
    with qtbot.waitSignal(bulk.job_ended, timeout=30000) as ended:
        start_confirmed(preview)
    job_id, state = ended.args
    assert state == "done"
    assert title(sandbox, ids[0]) == "Fixed one"
    assert title(sandbox, ids[1]) != "Bulk renamed"
    assert all(title(sandbox, i) == "Bulk renamed" for i in ids[2:])
    assert grid.data(grid.index(2, grid_title), Qt.ItemDataRole.BackgroundRole) is None
    # The jobs panel lists it, done.
    panel = bulk.panel
    assert panel.isVisible()
    qtbot.waitUntil(lambda: panel.model.row_of(job_id) is not None, timeout=10000)
    done_row = panel.model.row_of(job_id)
    assert done_row is not None
    assert panel.model.data(panel.model.index(done_row, 3)) == "done"
    assert panel.model.data(panel.model.index(done_row, 4)) == "9 of 9"
    qtmodeltester.check(panel.model)
    # Someone else edits one of them; undo restores the others and lists that one.
    theirs = {"fields": {str(field_id(sandbox, "title")): "Theirs"}}
    as_other(sandbox, "PUT", f"/item/{ids[2]}", theirs)
    with qtbot.waitSignal(bulk.undo_summary_shown, timeout=30000) as shown:
        run_async(bulk.undo(session, job_id))
    box: QMessageBox = shown.args[0]
    assert "8 items restored" in box.text()
    assert str(ids[2]) in box.informativeText()
    assert "changed since the job (by you or someone else)" in box.informativeText()
    assert title(sandbox, ids[2]) == "Theirs"
    assert all(title(sandbox, i) != "Bulk renamed" for i in ids[3:])
    box.close()
    # Undone once: the panel says by which job, and Undo is off for it.
    undo_id = run_async(session.bulk.undo(job_id))
    run_async(bulk._refresh(session))
    panel.select_job(job_id)
    done_row = panel.model.row_of(job_id)
    assert done_row is not None
    assert panel.model.data(panel.model.index(done_row, 3)) == f"done, undone by job {undo_id}"
    assert not panel.buttons["undo"].isEnabled()
    assert f"undone by job {undo_id}" in panel.buttons["undo"].toolTip()
    # The result log: one row per item and field, with its outcome.
    log_path = tmp_path / "log.csv"
    assert run_async(bulk.write_log(session, job_id, log_path)) > 0
    with log_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["outcome"] for row in rows} == {"done"}
    assert {int(row["item_id"]) for row in rows} == set(ids) - {ids[1]}


def test_panel_pauses_resumes_and_cancels_a_running_job(
    qtbot: Any, desk: Desk, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(items=60)
    bulk, session = opened_tickets(qtbot, desk, sandbox)
    app_id = sandbox.app_id("Tickets")
    plan = run_async(
        session.bulk.plan(app_id, Selection(filters={}), [parse_operation("set", "title=Paced")])
    )
    job_id = run_async(session.bulk.start(plan))
    bulk.run_job(session, job_id, "Test job")
    # The status bar's ✕ pauses a bulk job, and says so.
    jobs_widget = desk.controller.indicators.jobs
    assert jobs_widget.cancel_button.toolTip().startswith("Pause")
    jobs_widget.cancel_button.click()
    assert "is paused" in desk.window.statusBar().currentMessage()
    panel = bulk.panel
    qtbot.waitUntil(lambda: panel.model.row_of(job_id) is not None, timeout=10000)
    panel.select_job(job_id)
    row = panel.model.row_of(job_id)
    assert row is not None
    qtbot.waitUntil(
        lambda: str(panel.model.data(panel.model.index(row, 3))).startswith("paused"),
        timeout=10000,
    )
    assert panel.buttons["resume"].isEnabled()
    assert not panel.buttons["undo"].isEnabled()
    status = run_async(session.bulk.status(job_id))
    assert status.pending == 60
    # Cancel from the panel: what was not sent is skipped, the job ends cancelled.
    with qtbot.waitSignal(bulk.job_ended, timeout=30000) as ended:
        panel.buttons["cancel"].click()
    assert ended.args == [job_id, "cancelled"]
    status = run_async(session.bulk.status(job_id))
    assert status.pending == 0
    assert status.skipped > 0


def test_an_interrupted_job_is_offered_on_start_and_resumes_from_the_journal(
    qtbot: Any, desk: Desk, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(items=40)
    bulk, session = opened_tickets(qtbot, desk, sandbox)
    app_id = sandbox.app_id("Tickets")
    ids = list(sandbox.state.app_items[app_id])[:12]
    plan = run_async(
        session.bulk.plan(
            app_id, Selection(item_ids=tuple(ids)), [parse_operation("set", "title=Resumed")]
        )
    )
    job_id = run_async(session.bulk.start(plan))  # journaled, never run: as after a kill
    offered = run_async(bulk.offer_resume())
    assert [status.job_id for status in offered] == [job_id]
    box = bulk.resume_offer
    assert box is not None
    assert f"Job {job_id}" in box.informativeText()
    with qtbot.waitSignal(bulk.job_ended, timeout=30000) as ended:
        box.button(QMessageBox.StandardButton.Yes).click()
    assert ended.args == [job_id, "done"]
    assert all(title(sandbox, i) == "Resumed" for i in ids)
    assert run_async(bulk.offer_resume()) == []


def test_a_paused_job_resumes_from_the_panel_and_finishes(
    qtbot: Any, desk: Desk, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(items=30)
    bulk, session = opened_tickets(qtbot, desk, sandbox)
    app_id = sandbox.app_id("Tickets")
    plan = run_async(
        session.bulk.plan(app_id, Selection(filters={}), [parse_operation("set", "title=Later")])
    )
    job_id = run_async(session.bulk.start(plan))
    bulk.run_job(session, job_id, "Test job")
    bulk.pause(job_id)
    panel = bulk.panel
    qtbot.waitUntil(lambda: panel.model.row_of(job_id) is not None, timeout=10000)
    panel.select_job(job_id)
    qtbot.waitUntil(lambda: panel.buttons["resume"].isEnabled(), timeout=10000)
    with qtbot.waitSignal(bulk.job_ended, timeout=30000) as ended:
        panel.buttons["resume"].click()
    assert ended.args == [job_id, "done"]
    assert all(title(sandbox, i) == "Later" for i in sandbox.state.app_items[app_id])
    assert desk.controller.indicators.jobs.names() == []


def test_items_from_a_csv_file_take_a_column_and_a_filter_takes_every_matching_item(
    qtbot: Any, desk: Desk, sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = sandbox_factory(items=40)
    bulk, _session = opened_tickets(qtbot, desk, sandbox)
    ids = list(sandbox.state.app_items[sandbox.app_id("Tickets")])[:3]
    path = tmp_path / "rows.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item_id", "New subject"])
        writer.writerows([[item_id, f"From file {n}"] for n, item_id in enumerate(ids)])
    dialog = bulk.open_change_dialog()
    assert dialog is not None
    dialog.rows[0].set("column", "title", "New subject")
    assert not dialog.validate()  # a column needs a file
    assert "file" in dialog.status.text()
    dialog.path.setText(str(path))
    assert dialog.from_file.isChecked()
    assert dialog.validate()
    with qtbot.waitSignal(bulk.preview_shown, timeout=15000):
        dialog.ask_preview()
    preview = bulk.preview
    assert preview is not None
    column = column_of_title(preview)
    texts = [str(preview.model.data(preview.model.index(r, column))) for r in range(3)]
    assert [text.split("→ ")[-1] for text in texts] == ["From file 0", "From file 1", "From file 2"]
    preview.reject()
    # The table's current filter (none here): every item of the app, not only loaded rows.
    dialog = bulk.open_change_dialog()
    assert dialog is not None
    assert "All 40 items" in dialog.from_filter.text()
    dialog.from_filter.setChecked(True)
    dialog.rows[0].set("clear", "due")
    with qtbot.waitSignal(bulk.preview_shown, timeout=15000):
        dialog.ask_preview()
    preview = bulk.preview
    assert preview is not None
    assert preview.model.rowCount() == 40
    preview.reject()


def test_a_conflict_is_listed_and_retried_from_the_panel_as_a_new_job(
    qtbot: Any, desk: Desk, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(items=20)
    bulk, session = opened_tickets(qtbot, desk, sandbox)
    app_id = sandbox.app_id("Tickets")
    ids = list(sandbox.state.app_items[app_id])[:5]
    plan = run_async(
        session.bulk.plan(
            app_id, Selection(item_ids=tuple(ids)), [parse_operation("set", "title=Ours")]
        )
    )
    # Someone else edits one item between the preview and the run.
    theirs = {"fields": {str(field_id(sandbox, "title")): "Theirs"}}
    as_other(sandbox, "PUT", f"/item/{ids[1]}", theirs)
    with qtbot.waitSignal(bulk.job_ended, timeout=30000) as ended:
        job_id = run_async(bulk.start(session, plan))
    assert ended.args == [job_id, "done"]
    assert title(sandbox, ids[1]) == "Theirs"  # never overwritten
    panel = bulk.panel
    qtbot.waitUntil(lambda: panel.model.row_of(job_id) is not None, timeout=10000)
    panel.select_job(job_id)
    row = panel.model.row_of(job_id)
    assert row is not None
    assert panel.model.data(panel.model.index(row, 6)) == "1"  # conflicts
    assert panel.buttons["retry"].isEnabled()
    with qtbot.waitSignal(bulk.preview_shown, timeout=15000) as shown:
        panel.buttons["retry"].click()
    preview: PreviewDialog = shown.args[0]
    assert preview.model.rowCount() == 1
    assert preview.model.item_at(0) is not None
    assert preview.model.item_at(0).item_id == ids[1]  # type: ignore[union-attr]
    with qtbot.waitSignal(bulk.job_ended, timeout=30000) as ended:
        start_confirmed(preview)
    retry_id, state = ended.args
    assert (retry_id != job_id, state) == (True, "done")
    assert title(sandbox, ids[1]) == "Ours"
    assert run_async(session.bulk.status(retry_id)).parent_job_id == job_id
    # Nothing is left to retry: not on the retried job, nor on the retry that succeeded.
    qtbot.waitUntil(lambda: panel.model.retry_of(job_id) is not None, timeout=10000)
    panel.select_job(job_id)
    assert not panel.buttons["retry"].isEnabled()
    assert f"Already retried by job {retry_id}" in panel.buttons["retry"].toolTip()
    panel.select_job(retry_id)
    assert not panel.buttons["retry"].isEnabled()
    assert panel.buttons["retry"].toolTip().startswith("Nothing to retry")
    with pytest.raises(BulkPlanError, match=f"already retried by job {retry_id}"):
        run_async(session.bulk.retry_plan(job_id))


def test_the_change_dialog_says_the_tables_search_is_not_applied(
    qtbot: Any, desk: Desk, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(items=20)
    bulk, _session = opened_tickets(qtbot, desk, sandbox)
    dialog = bulk.open_change_dialog()
    assert dialog is not None
    assert not dialog.search_note.isVisibleTo(dialog)
    dialog.reject()
    browser = desk.controller.browser
    browser.filter_bar.search.setText("Ticket 1")
    qtbot.waitUntil(
        lambda: browser.model.query is not None and browser.model.query.search == "Ticket 1",
        timeout=10000,
    )
    dialog = bulk.open_change_dialog()
    assert dialog is not None
    assert dialog.search_note.isVisibleTo(dialog)
    assert "\u201cTicket 1\u201d is not applied" in dialog.search_note.text()
    dialog.reject()


def test_a_paste_job_keeps_each_rows_value_so_its_conflict_is_retried_with_it(
    qtbot: Any, desk: Desk, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(items=20)
    bulk, _session = opened_tickets(qtbot, desk, sandbox)
    view = desk.controller.browser.view
    model = desk.controller.browser.model
    amount = field(desk.controller, "amount")
    for widget in QApplication.topLevelWidgets():
        if widget is not desk.window and widget.isVisible() and not isinstance(widget, QMenu):
            widget.close()
    desk.window.activateWindow()
    qtbot.waitUntil(desk.window.isActiveWindow, timeout=3000)
    view.setFocus()
    qtbot.waitUntil(lambda: all(model.is_row_loaded(r) for r in range(3)), timeout=10000)
    ids = [int(model.item_id_at(r) or 0) for r in range(3)]
    QGuiApplication.clipboard().setText("11\n22\n33\n")
    view.setCurrentIndex(model.index(0, column_of(desk.controller, amount)))
    with qtbot.waitSignal(bulk.preview_shown, timeout=15000) as shown:
        qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    preview: PreviewDialog = shown.args[0]
    assert [preview.model.item_at(r).item_id for r in range(3)] == ids  # type: ignore[union-attr]
    # The second row's value is typed again in the preview: that one is what the job sets.
    headers = [
        preview.model.headerData(c, Qt.Orientation.Horizontal)
        for c in range(preview.model.columnCount())
    ]
    at = preview.model.index(1, headers.index(amount.label))
    assert preview.model.setData(at, "25")
    # Someone else edits that item between the preview and the run.
    as_other(sandbox, "PUT", f"/item/{ids[1]}", {"fields": {str(amount.field_id): "7"}})
    with qtbot.waitSignal(bulk.job_ended, timeout=30000) as ended:
        start_confirmed(preview)
    job_id, state = ended.args
    assert state == "done"
    assert [sandbox_values(sandbox, i, amount) for i in ids] == [["11"], ["7"], ["33"]]
    panel = bulk.panel
    qtbot.waitUntil(lambda: panel.model.row_of(job_id) is not None, timeout=10000)
    panel.select_job(job_id)
    qtbot.waitUntil(lambda: panel.buttons["retry"].isEnabled(), timeout=10000)
    with qtbot.waitSignal(bulk.preview_shown, timeout=15000) as shown:
        panel.buttons["retry"].click()
    retry: PreviewDialog = shown.args[0]
    assert "set amount to each item's own value" in retry.summary_text()
    assert retry.model.rowCount() == 1
    item = retry.model.item_at(0)
    assert item is not None
    assert item.item_id == ids[1]
    assert [(c.old_text, c.new_text) for c in item.changed_fields] == [("7.00", "25.00")]
    with qtbot.waitSignal(bulk.job_ended, timeout=30000) as ended:
        start_confirmed(retry)
    assert ended.args[1] == "done"
    assert [sandbox_values(sandbox, i, amount) for i in ids] == [["11"], ["25"], ["33"]]


def test_links_naming_no_item_read_not_found_never_new(
    qtbot: Any, qtmodeltester: Any, desk: Desk, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(items=5)
    bulk, session = opened_tickets(qtbot, desk, sandbox)
    app_id = sandbox.app_id("Tickets")
    item_id = next(iter(sandbox.state.app_items[app_id]))
    company = next(iter(sandbox.state.app_items[sandbox.app_id("Companies")]))
    foreign = sandbox.state.item_link(sandbox.state.items[company])
    plan = run_async(
        session.bulk.plan(
            app_id,
            Selection(links=(str(item_id), foreign, "hello")),
            [parse_operation("set", "title=Renamed")],
        )
    )
    with qtbot.waitSignal(bulk.preview_shown, timeout=15000) as shown:
        run_async(bulk.show_preview(session, plan))
    preview: PreviewDialog = shown.args[0]
    model = preview.model
    qtmodeltester.check(model)
    ids = [model.data(model.index(row, 0)) for row in range(model.rowCount())]
    statuses = [model.data(model.index(row, 2)) for row in range(model.rowCount())]
    assert "new" not in ids
    assert sorted(zip(ids, statuses, strict=True)) == sorted(
        [(str(item_id), "change"), ("not found", "not found"), ("not found", "not found")]
    )
    preview.reject()
