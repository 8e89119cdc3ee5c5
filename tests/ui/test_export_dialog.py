"""The Export dialog in the real main window, against the sandbox over HTTP: File > Export…
exports the visible columns in screen order, a selection, progress then "N rows written";
Cancel removes the partial file."""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QMessageBox

from podio_desk.domain.export import ExportFormat
from podio_desk.services.export import ExportProgress
from podio_desk.services.profile import Profile
from podio_desk.ui.export_dialog import ExportDialog, default_folder
from tests.plugins.desk import Desk, open_desk
from tests.plugins.qt import run_async
from tests.ui.test_main_window import open_app, sign_in

pytestmark = [pytest.mark.gui, pytest.mark.slow]


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def open_dialog(desk: Desk) -> ExportDialog:
    action = desk.controller.export_action
    assert action.isEnabled()
    action.trigger()
    shown = [d for d in desk.window.findChildren(ExportDialog) if d.isVisible()]
    assert len(shown) == 1
    return shown[0]


def test_export_of_the_visible_columns_and_of_a_selection(qtbot, desk, sandbox_factory, tmp_path):
    sandbox = sandbox_factory(items=700)
    sign_in(desk, sandbox)
    open_app(qtbot, desk, "Tickets")
    # Synced as the user does (File > Sync this app): the window shows the rows from the cache
    # when it ends, and does not take the sync's writes for another process's later on.
    task = desk.controller.sync_current_app()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=60000)
    browser = desk.controller.browser
    model = browser.model
    qtbot.waitUntil(lambda: model.origin == "cache" and model.source.is_loaded(0), timeout=10000)
    header = browser.view.horizontalHeader()
    keys = [column.key for column in model.columns]
    # The user hides "Status" and moves "Priority" first.
    header.setSectionHidden(keys.index(str(browser.app.field("status").field_id)), True)
    header.moveSection(
        header.visualIndex(keys.index(str(browser.app.field("priority").field_id))), 0
    )

    dialog = open_dialog(desk)
    assert dialog.scope_shown.isChecked()
    dialog.path_edit.setText(str(tmp_path / "shown.csv"))
    progress: list[ExportProgress] = []
    desk.controller.service_events.received.connect(
        lambda _key, event: progress.append(event) if isinstance(event, ExportProgress) else None
    )
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.rows_written is not None, timeout=60000)
    assert dialog.status.text() == f"700 rows written to {tmp_path / 'shown.csv'}."
    assert dialog.close_button.isVisible()
    assert progress[-1].phase == "done"
    rows = read_csv(tmp_path / "shown.csv")
    assert len(rows) == 701
    # The headers are the table's: the title column says the title field's label.
    assert rows[0][:2] == ["Priority", "Subject"]
    assert "Status" not in rows[0]
    dialog.close_button.click()

    # Select three rows: the dialog offers (and picks) the selection.
    selection = browser.view.selectionModel()
    for row in (2, 0, 5):
        selection.select(
            model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    dialog = open_dialog(desk)
    assert dialog.scope_selected.isChecked()
    assert dialog.scope_selected.text() == "The selected rows (3)"
    dialog.format_box.setCurrentIndex(dialog.format_box.findData(ExportFormat.XLSX))
    dialog.path_edit.setText(str(tmp_path / "selected.xlsx"))
    dialog.raw_box.setChecked(True)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.rows_written is not None, timeout=60000)
    book = openpyxl.load_workbook(tmp_path / "selected.xlsx", read_only=True)
    sheet = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    ids = [model.item_id_at(row) for row in (0, 2, 5)]
    assert [row[sheet[0].index("Item ID")] for row in sheet[1:]] == ids
    dialog.close_button.click()


def test_cancel_removes_the_partial_file(qtbot, desk, sandbox_factory, tmp_path):
    sandbox = sandbox_factory(items=3000)
    sign_in(desk, sandbox)
    tickets = open_app(qtbot, desk, "Tickets")
    run_async(desk.controller.sessions[next(iter(desk.controller.sessions))].sync_app(tickets), 60)
    dialog = open_dialog(desk)
    target = tmp_path / "all.csv"
    dialog.path_edit.setText(str(target))
    dialog.scope_app.setChecked(True)
    written: list[int] = []
    desk.controller.service_events.received.connect(
        lambda _key, event: (
            written.append(event.done) if isinstance(event, ExportProgress) else None
        )
    )
    dialog.start()
    qtbot.waitUntil(lambda: any(done > 0 for done in written), timeout=60000)
    assert dialog.running
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    assert dialog.status.text() == "Cancelled; no file was written."
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("all.csv")]
    assert dialog.export_button.isEnabled()
    dialog.reject()


def test_an_existing_file_is_replaced_only_when_the_user_agrees(qtbot, desk, sandbox, tmp_path):
    sign_in(desk, sandbox)
    open_app(qtbot, desk, "Tickets")
    target = tmp_path / "tickets.csv"
    target.write_text("keep me")
    dialog = open_dialog(desk)
    dialog.path_edit.setText(str(target))
    assert dialog.start() is None
    question = dialog.findChild(QMessageBox, "exportReplaceQuestion")
    assert question is not None
    qtbot.waitUntil(question.isVisible, timeout=5000)
    question.button(QMessageBox.StandardButton.No).click()
    assert target.read_text() == "keep me"
    assert not dialog.running

    assert dialog.start() is None
    question = next(
        box for box in dialog.findChildren(QMessageBox, "exportReplaceQuestion") if box.isVisible()
    )
    question.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: dialog.rows_written is not None, timeout=60000)
    assert len(read_csv(target)) == 61
    dialog.close_button.click()


def test_closing_the_dialog_stops_the_export_and_removes_the_file(
    qtbot, desk, sandbox_factory, tmp_path
):
    sandbox = sandbox_factory(items=3000)
    sign_in(desk, sandbox)
    tickets = open_app(qtbot, desk, "Tickets")
    run_async(desk.controller.sessions[next(iter(desk.controller.sessions))].sync_app(tickets), 60)
    dialog = open_dialog(desk)
    target = tmp_path / "all.xlsx"
    dialog.format_box.setCurrentIndex(dialog.format_box.findData(ExportFormat.XLSX))
    dialog.path_edit.setText(str(target))
    dialog.scope_app.setChecked(True)
    task = dialog.start()
    assert task is not None
    dialog.reject()  # Escape
    qtbot.waitUntil(task.done, timeout=60000)
    assert task.cancelled()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("all.xlsx")]


def test_the_format_follows_the_file_name_and_the_dialog_remembers_format_and_folder(
    qtbot, desk, sandbox, tmp_path
):
    sign_in(desk, sandbox)
    open_app(qtbot, desk, "Tickets")
    dialog = open_dialog(desk)
    # The first time: CSV, in the Documents folder, guarded against formulas.
    assert dialog.export_format is ExportFormat.CSV
    assert dialog.formula_box.isChecked()
    assert dialog.formula_box.isEnabled()
    assert dialog.request().formula_guard
    dialog.formula_box.setChecked(False)
    assert not dialog.request().formula_guard
    dialog.format_box.setCurrentIndex(dialog.format_box.findData(ExportFormat.XLSX))
    assert not dialog.formula_box.isEnabled()  # XLSX stores text as text
    dialog.format_box.setCurrentIndex(dialog.format_box.findData(ExportFormat.CSV))
    assert dialog.formula_box.isEnabled()
    assert Path(dialog.path_edit.text()).parent == default_folder()
    # A file named .xlsx while CSV is chosen is written as a real workbook.
    target = tmp_path / "tickets.xlsx"
    dialog.path_edit.setText(str(target))
    dialog.start()
    qtbot.waitUntil(lambda: dialog.rows_written is not None, timeout=60000)
    assert dialog.export_format.value == "xlsx"  # switched by the suffix
    book = openpyxl.load_workbook(target, read_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    assert len(rows) == 61
    assert rows[0][0] == "Subject"
    dialog.close_button.click()

    again = open_dialog(desk)
    assert again.export_format is ExportFormat.XLSX
    assert Path(again.path_edit.text()).parent == tmp_path
    assert Path(again.path_edit.text()).suffix == ".xlsx"
    # A name without a known suffix gets the format's.
    again.path_edit.setText(str(tmp_path / "report"))
    again.path_edit.editingFinished.emit()
    assert again.path_edit.text() == str(tmp_path / "report.xlsx")
    again.reject()


def test_a_partly_synced_app_asks_before_reading_from_podio(qtbot, desk, sandbox_factory, tmp_path):
    sandbox = sandbox_factory(items=1200)
    sign_in(desk, sandbox)
    tickets = open_app(qtbot, desk, "Tickets")
    session = desk.controller.sessions[next(iter(desk.controller.sessions))]
    run_async(session.sync_app(tickets), 60)
    # As a sync stopped halfway leaves it: Podio's count known, the copy not complete.
    state = run_async(session.cache.sync_state(tickets))
    run_async(session.cache.save_sync_state(dataclasses.replace(state, full_done_at=None)))

    def question() -> QMessageBox:
        qtbot.waitUntil(
            lambda: any(
                box.isVisible() for box in dialog.findChildren(QMessageBox, "exportPodioQuestion")
            ),
            timeout=30000,
        )
        return next(
            box
            for box in dialog.findChildren(QMessageBox, "exportPodioQuestion")
            if box.isVisible()
        )

    dialog = open_dialog(desk)
    dialog.path_edit.setText(str(tmp_path / "podio.csv"))
    dialog.start()
    asked = question()
    assert "up to 1,200 items from Podio, 3 heavy calls" in asked.text()
    next(b for b in asked.buttons() if b.text() == "Export from Podio").click()
    qtbot.waitUntil(lambda: dialog.rows_written is not None, timeout=60000)
    assert dialog.rows_written == 1200
    assert "API calls" in dialog.status.text()

    dialog.path_edit.setText(str(tmp_path / "synced.csv"))
    dialog.start()
    asked = question()
    next(b for b in asked.buttons() if b.text() == "Sync first").click()
    qtbot.waitUntil(lambda: dialog.rows_written is not None, timeout=60000)
    assert dialog.status.text() == f"1,200 rows written to {tmp_path / 'synced.csv'}."
    assert len(read_csv(tmp_path / "synced.csv")) == 1201
    dialog.close_button.click()
