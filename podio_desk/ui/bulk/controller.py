"""Bulk edit in the window: the menu, the change dialog, the preview, running jobs with their
progress in the status bar and the jobs panel, the offer to resume an interrupted job, undo
and its summary, retries and the result log.

Everything goes through the shown account's `AccountSession.bulk` (services/bulk.py); a job
runs as the task `bulk:<account>:<job>` on the window's task runner, so the window stays
interactive (its writes are paced at background priority by the rate scheduler). Progress
and ends arrive as session events (`BulkProgress`, `BulkJobEnded`) through `ServiceEvents`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QStandardPaths, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from podio_desk.domain.bulk import Operation, count_of
from podio_desk.domain.fields import is_empty
from podio_desk.services.bulk import JobStatus
from podio_desk.services.bulk_plan import (
    BulkOptions,
    BulkPlan,
    BulkPlanError,
    Selection,
    read_table,
)
from podio_desk.services.bulk_run import BulkJobEnded, BulkProgress, BulkRunError, JobControl
from podio_desk.services.session import AccountSession
from podio_desk.ui.bulk.change_dialog import BulkChangeDialog, ItemChoice
from podio_desk.ui.bulk.jobs_panel import JobsPanel, interrupted_state
from podio_desk.ui.bulk.preview import PreviewDialog
from podio_desk.ui.table.clipboard import PastePlan, refused_lines

if TYPE_CHECKING:
    from podio_desk.ui.desk_controller import DeskController

log = logging.getLogger(__name__)


# The jobs panel's height when it first opens (a few jobs and its buttons).
PANEL_HEIGHT = 190
# How often the open jobs panel looks at the journal for jobs changed elsewhere.
JOURNAL_WATCH_MS = 1000


def job_task_name(key: str, job_id: int) -> str:
    return f"bulk:{key}:{job_id}"


class BulkController(QObject):
    """See the module docstring. Built by `DeskController`; `offer_resume()` after start.

    Signals:
        job_ended(int, str): a job run here ended (job id, state).
        preview_shown(object): the preview dialog is open (for tests and screenshots).
        undo_summary_shown(object): the summary box after an undo.
    """

    job_ended = Signal(int, str)
    preview_shown = Signal(object)
    undo_summary_shown = Signal(object)

    def __init__(self, desk: DeskController) -> None:
        super().__init__(desk)
        self.desk = desk
        self.window = desk.window
        self.panel = JobsPanel(self.window)
        self.panel.hide()
        self.change_dialog: BulkChangeDialog | None = None
        self.preview: PreviewDialog | None = None
        self.resume_offer: QMessageBox | None = None
        self.undo_summary: QMessageBox | None = None
        # Jobs running in this window: job id → (account key, control).
        self.running: dict[int, tuple[str, JobControl]] = {}
        # Where the last file was saved (result log, export): the next save dialog opens there.
        self.last_folder: Path | None = None
        self._labels: dict[int, str] = {}
        self._panel_sized = False
        add_dock = getattr(self.window, "add_dock", None)
        if callable(add_dock):
            add_dock(self.panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        else:
            self.window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.panel)
        self.panel.hide()
        self.panel.action_requested.connect(self._on_action)
        self.panel.refresh_requested.connect(self.refresh_jobs)
        self.panel.visibilityChanged.connect(self._panel_shown)
        # Jobs run or changed by another process (`podio-desk bulk run`, another window)
        # show up without a click on Refresh: the journal's files are looked at each second.
        self._journal_stamp: tuple[int, ...] = ()
        self._watch = QTimer(self)
        self._watch.setInterval(JOURNAL_WATCH_MS)
        self._watch.timeout.connect(self._journal_changed)
        desk.service_events.received.connect(self._on_event)
        desk.browser.view.many_rows_paste = self.preview_paste
        self.change_action = QAction("&Change many items…", self.window)
        self.change_action.setObjectName("bulkChangeAction")
        self.change_action.setShortcut(QKeySequence("Ctrl+Shift+B"))
        # On the window itself too, so the shortcut works wherever the focus is in it (the
        # grid, the tree, the editor), not only while the menu bar would take it.
        self.change_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.window.addAction(self.change_action)
        self.change_action.setStatusTip(
            "Change, clear or delete many items at once, with a preview; undoable"
        )
        self.change_action.triggered.connect(lambda: self.open_change_dialog())
        self.jobs_action = QAction("Bulk &jobs", self.window)
        self.jobs_action.setObjectName("bulkJobsAction")
        self.jobs_action.triggered.connect(self.show_panel)
        self.menu = QMenu("&Bulk", self.window)
        self.menu.setObjectName("bulkMenu")
        self.menu.addAction(self.change_action)
        self.menu.addAction(self.jobs_action)
        menu_bar = self.window.menuBar()
        help_menu = getattr(self.window, "help_menu", None)
        if isinstance(help_menu, QMenu):
            menu_bar.insertMenu(help_menu.menuAction(), self.menu)
        else:
            menu_bar.addMenu(self.menu)

    # ------------------------------------------------------------------ helpers

    @property
    def session(self) -> AccountSession | None:
        return self.desk.browser.workspace

    def show_panel(self) -> None:
        if not self.panel.isVisible() and not self._panel_sized:
            self._panel_sized = True
            self.window.resizeDocks([self.panel], [PANEL_HEIGHT], Qt.Orientation.Vertical)
        self.panel.show()
        self.panel.raise_()
        self.refresh_jobs()

    def _panel_shown(self, shown: bool) -> None:
        if shown:
            self._watch.start()
            self.refresh_jobs()
        else:
            self._watch.stop()

    def _journal_changed(self) -> None:
        session = self.session or next(iter(self.desk.sessions.values()), None)
        if session is None:
            return
        stamp = session.bulk.journal_stamp()
        if stamp != self._journal_stamp:
            self._journal_stamp = stamp
            self.refresh_jobs()

    def refresh_jobs(self) -> asyncio.Task[Any] | None:
        session = self.session or next(iter(self.desk.sessions.values()), None)
        if session is None:
            return None
        return self.desk.runner.run(f"bulk:jobs:{session.key}", self._refresh(session))

    async def _refresh(self, session: AccountSession) -> None:
        jobs = [self._as_controlled(job) for job in await session.bulk.jobs()]
        for job in jobs:
            if job.app_id is not None and job.app_id not in self.panel.model.app_names:
                journal_job = await session.bulk.job(job.job_id)
                name = str(journal_job.options.get("app_name") or "")
                if name:
                    self.panel.model.app_names[job.app_id] = name
        self.panel.set_jobs(jobs, set(self.running))

    def _as_controlled(self, job: JobStatus) -> JobStatus:
        """A job paused here before its run began is marked running in the journal."""
        here = self.running.get(job.job_id)
        if here is not None and here[1].paused and job.state == "running":
            return dataclasses.replace(job, state="paused")
        return job

    # ------------------------------------------------------------------ choosing and preview

    def open_change_dialog(self) -> BulkChangeDialog | None:
        browser = self.desk.browser
        session, app = browser.workspace, browser.app
        if session is None or app is None:
            self.desk.show_message("Open an app first, then choose its items to change.")
            return None
        model = browser.model
        selection = browser.view.selectionModel()
        rows = sorted({index.row() for index in selection.selectedIndexes()})
        ids = [i for i in (model.item_id_at(row) for row in rows) if i is not None]
        query = model.query
        filters = query.filters_dict() if query is not None else {}
        dialog = BulkChangeDialog(
            app,
            selected_ids=ids,
            filters=filters,
            filtered_count=model.rowCount() if query is not None and not query.search else None,
            search=query.search if query is not None else "",
            parent=self.window,
        )
        dialog.preview_requested.connect(
            lambda choice, ops, options: self.desk.runner.run(
                "bulk:preview", self._preview(dialog, session, app.app_id, choice, ops, options)
            )
        )
        self.change_dialog = dialog
        dialog.open()
        return dialog

    def preview_paste(self, paste: PastePlan) -> asyncio.Task[Any] | None:
        """A block pasted over many rows: each row's item gets its pasted values as "set"
        operations (an emptied cell clears its field), previewed like any bulk change; the
        user starts it as a job or cancels. Cells the paste refused are listed in the preview."""
        browser = self.desk.browser
        session, app = browser.workspace, browser.app
        if session is None or app is None:
            return None
        per_item: dict[int, list[Operation]] = {}
        for row, values in paste.changes.items():
            item_id = browser.model.item_id_at(row)
            if item_id is None:
                continue
            texts = paste.texts.get(row, {})
            per_item[item_id] = [
                Operation("clear", fdef.external_id)
                if is_empty(value)
                else Operation("set", fdef.external_id, texts.get(fdef, ""))
                for fdef, value in values.items()
            ]
        refused = refused_lines(paste, limit=len(paste.refused))
        return self.desk.runner.run(
            "bulk:preview", self._preview_paste(session, app.app_id, per_item, refused)
        )

    async def _preview_paste(
        self,
        session: AccountSession,
        app_id: int,
        per_item: dict[int, list[Operation]],
        refused: list[str],
    ) -> PreviewDialog | None:
        try:
            plan = await session.bulk.plan_each(
                app_id, per_item, selection=f"{len(per_item)} rows pasted into the table"
            )
        except (BulkPlanError, OSError) as error:
            self.desk.show_message(f"Not pasted: {error}")
            return None
        if refused:
            plan.warnings.append(
                "Not pasted (nothing is sent for these): " + "; ".join(refused[:15])
                + (f"; and {len(refused) - 15} more" if len(refused) > 15 else "")
            )  # fmt: skip
        return await self.show_preview(session, plan)

    async def selection_for(self, choice: ItemChoice) -> Selection:
        if choice.source == "selection":
            return Selection(item_ids=choice.item_ids)
        if choice.source == "filter":
            return Selection(filters=choice.filters)
        if choice.source == "pasted":
            return Selection(links=choice.pasted)
        if choice.path is None:
            raise BulkPlanError("choose a CSV or XLSX file")
        table = await asyncio.to_thread(read_table, choice.path)
        return Selection(table=table, key=choice.key, create_missing=choice.create_missing)

    async def _preview(
        self,
        dialog: BulkChangeDialog,
        session: AccountSession,
        app_id: int,
        choice: ItemChoice,
        operations: list[Operation],
        options: BulkOptions,
    ) -> None:
        try:
            selection = await self.selection_for(choice)
            plan = await session.bulk.plan(app_id, selection, operations, options)
        except (BulkPlanError, OSError, ValueError) as error:
            dialog.show_error(f"No preview: {error}")
            return
        # The form waits behind the preview: Back shows it again as it was typed.
        dialog.hide()
        await self.show_preview(session, plan, back_to=dialog)

    async def show_preview(
        self,
        session: AccountSession,
        plan: BulkPlan,
        *,
        parent_job_id: int | None = None,
        back_to: BulkChangeDialog | None = None,
    ) -> PreviewDialog:
        app = await session.app_definition(plan.app_id)
        preview = PreviewDialog(plan, app, self.window, back=back_to is not None)
        if back_to is not None:
            preview.rejected.connect(back_to.show_again)
            preview.accepted.connect(back_to.accept)
        preview.export_then_start_requested.connect(
            lambda edited: self._export_then_start(session, preview, edited, parent_job_id)
        )
        preview.pending_toggled.connect(lambda shown: self.show_pending(preview, shown))
        preview.start_requested.connect(
            lambda edited: self.desk.runner.run(
                "bulk:start", self.start(session, edited, parent_job_id=parent_job_id)
            )
        )
        preview.export_deleted_requested.connect(
            lambda edited: self._ask_export_deleted(session, edited)
        )
        preview.rejected.connect(lambda: self.show_pending(preview, False))
        self.preview = preview
        preview.open()
        self.preview_shown.emit(preview)
        return preview

    def show_pending(self, preview: PreviewDialog, shown: bool) -> None:
        """The plan's new values as coloured cells in the table (nothing is sent)."""
        model = self.desk.browser.model
        app = self.desk.browser.app
        if not shown or app is None or app.app_id != preview.plan().app_id:
            model.set_pending({})
            return
        # The title field is shown in the table's "title" column (ui/table/columns.py).
        title_id = app.title_field.field_id if app.title_field is not None else None

        def column_key(field_id: int) -> str:
            return "title" if field_id == title_id else str(field_id)

        pending: dict[int, dict[str, tuple[str | None, str]]] = {}
        for item in preview.plan().items:
            if item.item_id is None:
                continue
            if item.status == "delete":
                pending[item.item_id] = {"*": (None, "Pending: this item will be deleted")}
                continue
            if item.status != "change":
                continue
            pending[item.item_id] = {
                column_key(change.field_id): (
                    change.new_text,
                    f"Pending: {change.label} {change.old_text!r} → {change.new_text!r}",
                )
                for change in item.changed_fields
                if change.field_id
            }
        model.set_pending(pending)

    def save_path(self, title: str, name: str, filters: str) -> Path | None:
        """Ask where to save a file: in the last folder used, else the user's Documents
        (never the directory the program was started from)."""
        folder = self.last_folder
        if folder is None:
            documents = QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.DocumentsLocation
            )
            folder = Path(documents) if documents else Path.home()
        path, _filter = QFileDialog.getSaveFileName(self.window, title, str(folder / name), filters)
        if not path:
            return None
        self.last_folder = Path(path).parent
        return Path(path)

    def _ask_export_deleted(self, session: AccountSession, plan: BulkPlan) -> None:
        path = self.save_path(
            "Export the items to delete", "deleted-items.xlsx", "XLSX (*.xlsx);;CSV (*.csv)"
        )
        if path is not None:
            self.desk.runner.run("bulk:export", self.export_deleted(session, plan, path))

    def _export_then_start(
        self,
        session: AccountSession,
        preview: PreviewDialog,
        plan: BulkPlan,
        parent_job_id: int | None,
    ) -> None:
        path = self.save_path(
            "Export the items to delete", "deleted-items.xlsx", "XLSX (*.xlsx);;CSV (*.csv)"
        )
        if path is None:
            return  # the preview stays: nothing is deleted without the export asked for
        preview.accept()
        self.desk.runner.run(
            "bulk:start", self.export_and_start(session, plan, path, parent_job_id=parent_job_id)
        )

    async def export_and_start(
        self,
        session: AccountSession,
        plan: BulkPlan,
        path: Path,
        *,
        parent_job_id: int | None = None,
    ) -> int | None:
        """Export the items to delete, then start the job; a failed export starts nothing."""
        try:
            await self.export_deleted(session, plan, path)
        except OSError as error:
            self.desk.show_message(f"Nothing was deleted: the export to {path} failed ({error}).")
            return None
        return await self.start(session, plan, parent_job_id=parent_job_id)

    async def export_deleted(self, session: AccountSession, plan: BulkPlan, path: Path) -> int:
        count = await session.bulk.export_deleted(plan, path)
        self.desk.show_message(
            f"{count_of(count, 'item')} to delete {'was' if count == 1 else 'were'} "
            f"saved to {path}."
        )
        return count

    # ------------------------------------------------------------------ running

    async def start(
        self, session: AccountSession, plan: BulkPlan, *, parent_job_id: int | None = None
    ) -> int:
        job_id = await session.bulk.start(plan, parent_job_id=parent_job_id)
        self.run_job(session, job_id, f"Bulk change of {plan.app_name}")
        return job_id

    def run_job(self, session: AccountSession, job_id: int, label: str) -> asyncio.Task[Any]:
        name = job_task_name(session.key, job_id)
        control = JobControl()
        self.running[job_id] = (session.key, control)
        self._labels[job_id] = label
        # A lasting message ("Ready") would be drawn over the job's progress.
        self.window.statusBar().clearMessage()
        self.desk.indicators.jobs.start(
            name,
            label,
            on_cancel=lambda: self.pause(job_id),
            cancel_tip="Pause (resume or cancel it in the Bulk jobs panel)",
        )
        self.panel.set_running_here(set(self.running))
        self.show_panel()
        return self.desk.runner.run(name, self._run(session, job_id, control))

    async def _run(self, session: AccountSession, job_id: int, control: JobControl) -> None:
        name = job_task_name(session.key, job_id)
        try:
            report = await session.bulk.run(job_id, control)
        except BulkRunError as error:
            self.desk.show_message(f"Job {job_id} did not run: {error}")
            return
        finally:
            self.running.pop(job_id, None)
            self.desk.indicators.jobs.finish(name)
            self.panel.set_running_here(set(self.running))
        counts = report.counts
        self.desk.show_message(
            f"Job {job_id} {report.state}: {counts.done:,} changed, {counts.failed:,} failed, "
            f"{count_of(counts.conflict, 'conflict')}, {counts.skipped:,} skipped, "
            f"{count_of(report.api_calls, 'call')}."
        )
        browser = self.desk.browser
        if browser.workspace is session:
            browser.model.set_pending({})
            browser.reload()
        await self._recount(session, job_id, report.counts.done)
        await self._refresh(session)
        if report.kind == "undo" and report.state == "done":
            await self.show_undo_summary(session, job_id)
        self.job_ended.emit(job_id, report.state)

    async def _recount(self, session: AccountSession, job_id: int, done: int) -> None:
        """The app's count in the tree after a job that deleted or created items."""
        job = await session.bulk.job(job_id)
        kinds = {str(op.get("op")) for op in job.options.get("operations") or []}
        tree = self.desk.tree_model
        if "delete" in kinds and job.app_id is not None:
            entry = tree.app_entry(job.app_id)
            if entry is not None and done:
                counted = entry.item_count
                tree.update_app(
                    dataclasses.replace(
                        entry,
                        item_count=None if counted is None else max(0, counted - done),
                        cached_count=max(0, entry.cached_count - done),
                    )
                )
        elif "column" in kinds:
            # Rows of a file may have created items: Podio counts them again.
            tree.refresh(session.key)

    def pause(self, job_id: int) -> None:
        if job_id in self.running:
            key, control = self.running[job_id]
            control.pause()
            self.desk.indicators.jobs.set_paused(job_task_name(key, job_id), True)
            self.panel.model.show_state(job_id, "paused")
            self.desk.show_message(
                f"Job {job_id} is paused: resume or cancel it in the Bulk jobs panel."
            )

    def resume(self, session: AccountSession, job_id: int) -> None:
        if job_id in self.running:
            key, control = self.running[job_id]
            control.resume()
            self.desk.indicators.jobs.set_paused(job_task_name(key, job_id), False)
            self.panel.model.show_state(job_id, "running")
        else:
            self.run_job(session, job_id, self._labels.get(job_id, f"Bulk job {job_id}"))

    async def cancel(self, session: AccountSession, job_id: int) -> None:
        if job_id in self.running:
            self.running[job_id][1].cancel()
            return
        await session.bulk.cancel(job_id)
        await self._refresh(session)

    async def undo(self, session: AccountSession, job_id: int) -> int:
        undo_id = await session.bulk.undo(job_id)
        self.run_job(session, undo_id, f"Undo of job {job_id}")
        return undo_id

    async def retry(self, session: AccountSession, job_id: int) -> PreviewDialog:
        plan = await session.bulk.retry_plan(job_id)
        return await self.show_preview(session, plan, parent_job_id=job_id)

    async def write_log(self, session: AccountSession, job_id: int, path: Path) -> int:
        rows = await session.bulk.write_log(job_id, path)
        self.desk.show_message(f"The result log of job {job_id} ({rows:,} rows) is in {path}.")
        return rows

    async def _write_and_open_log(self, session: AccountSession, job_id: int, path: str) -> None:
        await self.write_log(session, job_id, Path(path))
        QDesktopServices.openUrl(QUrl.fromLocalFile(path))

    async def show_undo_summary(self, session: AccountSession, undo_id: int) -> QMessageBox:
        status = await session.bulk.status(undo_id)
        skipped = await session.bulk.skipped_items(undo_id)
        lines = [
            f"{status.changed:,} items restored to their values before job {status.parent_job_id}.",
        ]
        if status.failed or status.conflicts:
            lines.append(
                f"{status.failed + status.conflicts:,} could not be restored "
                "(edited meanwhile or failed)."
            )
        if skipped:
            lines.append(f"{len(skipped):,} left as they are:")
            lines.extend(f"  {item_id}  {title}: {why}" for item_id, title, why in skipped[:20])
            if len(skipped) > 20:
                lines.append(f"  … and {len(skipped) - 20:,} more (see the result log)")
        box = QMessageBox(self.window)
        box.setObjectName("bulkUndoSummary")
        box.setWindowTitle(f"Undo of job {status.parent_job_id}")
        box.setIcon(QMessageBox.Icon.Information)
        box.setText(lines[0])
        box.setInformativeText("\n".join(lines[1:]) or "Nothing was left out.")
        box.setStandardButtons(QMessageBox.StandardButton.Close)
        self.undo_summary = box
        box.open()
        self.undo_summary_shown.emit(box)
        return box

    # ------------------------------------------------------------------ resume offer

    async def offer_resume(self) -> list[JobStatus]:
        """On start: jobs interrupted (a crash, kill -9, a closed window) are offered to
        resume; they continue from the journal."""
        found: list[tuple[AccountSession, JobStatus]] = []
        for session in list(self.desk.sessions.values()):
            for status in await session.bulk.resumable():
                found.append((session, status))
        if not found:
            return []
        box = QMessageBox(self.window)
        box.setObjectName("bulkResumeOffer")
        box.setWindowTitle("Interrupted bulk jobs")
        box.setIcon(QMessageBox.Icon.Question)
        box.setText(
            f"{len(found)} bulk job(s) stopped before the end. Resume them now? "
            "They continue where the journal says they stopped; nothing is sent twice."
        )
        box.setInformativeText(
            "\n".join(
                f"Job {s.job_id} ({'undo' if s.kind == 'undo' else 'change'}): "
                f"{s.changed + s.failed + s.conflicts + s.skipped:,} of {s.planned:,} done, "
                f"{s.pending:,} to go ({interrupted_state(s)})"
                for _session, s in found
            )
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText("Resume")
        box.button(QMessageBox.StandardButton.No).setText("Later (Bulk jobs panel)")

        def answered(code: int) -> None:
            if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
                for session, status in found:
                    self.run_job(session, status.job_id, f"Resumed bulk job {status.job_id}")
            else:
                self.show_panel()

        box.finished.connect(answered)
        self.resume_offer = box
        box.open()
        return [status for _session, status in found]

    # ------------------------------------------------------------------ slots

    def _on_action(self, action: str, job_id: int) -> None:
        session = self.session or next(iter(self.desk.sessions.values()), None)
        if session is None:
            return
        runner = self.desk.runner
        if action == "pause":
            self.pause(job_id)
        elif action == "resume":
            self.resume(session, job_id)
        elif action == "cancel":
            runner.run(f"bulk:cancel:{job_id}", self.cancel(session, job_id))
        elif action == "retry":
            runner.run(f"bulk:retry:{job_id}", self._guarded(self.retry(session, job_id)))
        elif action == "undo":
            self._confirm(
                f"Undo job {job_id}? Every item it changed gets its old values back, except "
                "items edited by someone else since (they are listed and left alone).",
                lambda: runner.run(
                    f"bulk:undo:{job_id}", self._guarded(self.undo(session, job_id))
                ),
            )
        elif action == "log":
            path = self.save_path(
                "Result log", f"bulk-job-{job_id}.xlsx", "XLSX (*.xlsx);;CSV (*.csv)"
            )
            if path is not None:
                runner.run(
                    f"bulk:log:{job_id}", self._write_and_open_log(session, job_id, str(path))
                )

    async def _guarded(self, pending: Any) -> Any:
        try:
            return await pending
        except (BulkPlanError, BulkRunError) as error:
            self.desk.show_message(str(error))
            return None

    def _confirm(self, text: str, then: Callable[[], object]) -> QMessageBox:
        box = QMessageBox(self.window)
        box.setObjectName("bulkConfirm")
        box.setIcon(QMessageBox.Icon.Question)
        box.setText(text)
        box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
        box.accepted.connect(then)
        box.open()
        return box

    def _on_event(self, key: str, event: object) -> None:
        if isinstance(event, BulkProgress):
            here = self.running.get(event.job_id)
            if here is not None and here[1].paused and event.state == "running":
                # Paused before the run began: its first event still says running.
                event = dataclasses.replace(event, state="paused", eta_seconds=None)
            name = job_task_name(key, event.job_id)
            jobs = self.desk.indicators.jobs
            jobs.progress(name, event.finished, event.total, eta=event.eta_seconds)
            if event.waiting:
                self.desk.show_message(f"Bulk job {event.job_id}: {event.waiting}")
            self.panel.model.show_progress(event)
        elif isinstance(event, BulkJobEnded):
            self.panel.model.show_progress(
                BulkProgress(
                    event.job_id, event.kind, None, event.state, event.counts.total,
                    event.counts.done, event.counts.failed, event.counts.conflict,
                    event.counts.skipped, event.counts.open, None,
                )
            )  # fmt: skip


__all__ = ["BulkController", "job_task_name"]
