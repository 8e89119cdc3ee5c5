"""The bulk jobs panel (a dock): every bulk and undo job of the shown account, with its state,
counts and time left, and the buttons that act on the chosen one (pause, resume, cancel, retry
the failed and conflicted items as a new job, undo, save the result log).

The rows come from the journal (`BulkService.jobs()`), and a running job's row follows its
`BulkProgress` events between two reads.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from podio_desk.services.bulk import JobStatus
from podio_desk.services.bulk_run import BulkProgress
from podio_desk.ui.status_bar import format_eta

Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("Job", "Kind", "App", "State", "Done", "Failed", "Conflicts", "Skipped", "Left", "Time")
ACTIONS = ("pause", "resume", "cancel", "retry", "undo", "log")


def elsewhere(job: JobStatus) -> bool:
    """Another process runs the job (`podio-desk bulk run`, another window)."""
    return job.running_in is not None and job.running_in != os.getpid()


def interrupted_state(job: JobStatus) -> str:
    """A job the journal says is running while no process holds it was interrupted (a
    crash, kill -9, a closed window)."""
    return "interrupted" if job.state == "running" else job.state


class JobsModel(QAbstractTableModel):
    """One row per job, newest first."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._jobs: list[JobStatus] = []
        self._eta: dict[int, float | None] = {}
        self._waiting: dict[int, str | None] = {}
        self.app_names: dict[int, str] = {}
        self._live: dict[int, BulkProgress] = {}
        self.running_here: set[int] = set()

    def set_jobs(self, jobs: Sequence[JobStatus], running_here: Collection[int] = ()) -> None:
        """The jobs as the journal holds them; those running here keep the state of their
        last event (the journal read may have started before it)."""
        self.running_here = set(running_here)
        self._live = {job_id: p for job_id, p in self._live.items() if job_id in running_here}
        shown = sorted(
            (_with(job, self._live[job.job_id]) if job.job_id in self._live else job
             for job in jobs),
            key=lambda job: job.job_id,
            reverse=True,
        )  # fmt: skip
        if shown == self._jobs:
            return  # read again, nothing new: the view keeps its place
        self.beginResetModel()
        self._jobs = shown
        self.endResetModel()

    def undo_of(self, job_id: int) -> JobStatus | None:
        """The undo job made for `job_id`, if any (a job is undone once; asking again
        resumes that undo)."""
        return next(
            (job for job in self._jobs if job.kind == "undo" and job.parent_job_id == job_id),
            None,
        )

    def retry_of(self, job_id: int) -> JobStatus | None:
        """The job that retried `job_id`'s failed and conflicted items, unless cancelled."""
        return next(
            (
                job
                for job in self._jobs
                if job.kind == "bulk" and job.parent_job_id == job_id and job.state != "cancelled"
            ),
            None,
        )

    def undo_words(self, job_id: int) -> str:
        """'undone by job N' once its undo ran, else what the undo job is doing."""
        undo = self.undo_of(job_id)
        if undo is None:
            return ""
        if undo.state == "done":
            return f"undone by job {undo.job_id}"
        return f"undo is job {undo.job_id} ({interrupted_state(undo)})"

    def job_at(self, row: int) -> JobStatus | None:
        return self._jobs[row] if 0 <= row < len(self._jobs) else None

    def row_of(self, job_id: int) -> int | None:
        return next((r for r, job in enumerate(self._jobs) if job.job_id == job_id), None)

    def show_progress(self, event: BulkProgress) -> None:
        row = self.row_of(event.job_id)
        self._eta[event.job_id] = event.eta_seconds if event.state == "running" else None
        self._waiting[event.job_id] = event.waiting
        self._live[event.job_id] = event
        if row is None:
            return
        self._jobs[row] = _with(self._jobs[row], event)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def show_state(self, job_id: int, state: str) -> None:
        """A state known here before the job reports it (paused while a write is on its
        way, or before the first one)."""
        live = self._live.get(job_id)
        if live is not None:
            self._live[job_id] = replace(live, state=state, eta_seconds=None)
        self._eta[job_id] = None
        row = self.row_of(job_id)
        if row is None:
            return
        self._jobs[row] = replace(self._jobs[row], state=state)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._jobs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        job = self.job_at(index.row()) if index.isValid() else None
        if job is None:
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return job.text()
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (0, 4, 5, 6, 7, 8):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        waiting = self._waiting.get(job.job_id)
        state = job.state
        if elsewhere(job):
            state = f"running in process {job.running_in}"
        elif job.resumable and job.job_id not in self.running_here:
            state = f"{interrupted_state(job)} (can resume)"
        if waiting and job.state == "running":
            state = f"running, {waiting}"
        undone = self.undo_words(job.job_id)
        if undone:
            state = f"{state}, {undone}"
        values = (
            str(job.job_id),
            "undo" if job.kind == "undo" else "change",
            self.app_names.get(job.app_id or 0, str(job.app_id or "")),
            state,
            f"{job.changed:,} of {job.planned:,}",
            f"{job.failed:,}",
            f"{job.conflicts:,}",
            f"{job.skipped:,}",
            f"{job.pending:,}",
            format_eta(self._eta.get(job.job_id)) if job.state == "running" else job.updated[:16],
        )
        return values[index.column()] if 0 <= index.column() < len(values) else None


def _with(job: JobStatus, event: BulkProgress) -> JobStatus:
    return replace(
        job,
        state=event.state,
        changed=event.done,
        failed=event.failed,
        conflicts=event.conflicts,
        skipped=event.skipped,
        pending=event.pending,
    )


class JobsPanel(QDockWidget):
    """See the module docstring.

    Signals:
        action_requested(str, int): one of ACTIONS for a job id.
        refresh_requested(): read the jobs again.
    """

    action_requested = Signal(str, int)
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Bulk jobs", parent)
        self.setObjectName("bulkJobsDock")
        self.model = JobsModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("bulkJobsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        labels = {
            "pause": "Pause",
            "resume": "Resume",
            "cancel": "Cancel",
            "retry": "Retry failed…",
            "undo": "Undo…",
            "log": "Result log…",
        }
        for action in ACTIONS:
            button = QPushButton(labels[action], self)
            button.setObjectName(f"bulkJob_{action}")
            button.clicked.connect(lambda _c=False, a=action: self._act(a))
            self.buttons[action] = button
            row.addWidget(button)
        refresh = QPushButton("Refresh", self)
        refresh.clicked.connect(self.refresh_requested)
        row.addStretch(1)
        row.addWidget(refresh)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.setWidget(body)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.model.modelReset.connect(self._enable)
        self.model.dataChanged.connect(lambda *_: self._enable())
        self._running_here: set[int] = set()
        # A job just started here: its row is selected once it is listed, so Pause and
        # Cancel act on it without a click on the row first.
        self._follow: int | None = None
        self._enable()

    def set_jobs(self, jobs: Sequence[JobStatus], running_here: set[int]) -> None:
        chosen = self.current_job()
        self._running_here = set(running_here)
        self.model.set_jobs(jobs, self._running_here)
        wanted = self._follow if self._follow is not None else None
        row = self.model.row_of(wanted) if wanted is not None else None
        if row is not None:
            self._follow = None
        elif chosen is not None:
            row = self.model.row_of(chosen.job_id)
        self.table.selectRow(row if row is not None else 0)
        self._enable()

    def set_running_here(self, running_here: set[int]) -> None:
        started = set(running_here) - self._running_here
        self._running_here = set(running_here)
        self.model.running_here = set(running_here)
        if started:
            self.follow(max(started))
        self._enable()

    def follow(self, job_id: int) -> None:
        """Select this job now if it is listed, else as soon as it is."""
        row = self.model.row_of(job_id)
        if row is None:
            self._follow = job_id
        else:
            self._follow = None
            self.table.selectRow(row)

    def select_job(self, job_id: int) -> None:
        row = self.model.row_of(job_id)
        if row is not None:
            self.table.selectRow(row)

    def current_job(self) -> JobStatus | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.job_at(rows[0].row()) if rows else None

    def _act(self, action: str) -> None:
        job = self.current_job()
        if job is not None:
            self.action_requested.emit(action, job.job_id)

    def _enable(self) -> None:
        job = self.current_job()
        here = job is not None and job.job_id in self._running_here
        running = here and job is not None and job.state == "running"
        paused_here = here and job is not None and job.state == "paused"
        self.buttons["pause"].setEnabled(running)
        self.buttons["resume"].setEnabled(
            job is not None and (paused_here or (job.resumable and not here))
        )
        self.buttons["cancel"].setEnabled(
            job is not None
            and (here or (job.pending > 0 and job.state != "cancelled" and not elsewhere(job)))
        )
        retried = self.model.retry_of(job.job_id) if job is not None else None
        left = job.failed + job.conflicts if job is not None else 0
        self.buttons["retry"].setEnabled(job is not None and not here and left > 0 and not retried)
        if job is not None and left == 0:
            retry_tip = "Nothing to retry: no item failed or conflicted"
        elif retried is not None:
            retry_tip = (
                f"Already retried by job {retried.job_id}: what failed there is retried "
                "from its row"
            )
        else:
            retry_tip = "Plan the failed and conflicted items again, each read again from Podio"
        self.buttons["retry"].setToolTip(retry_tip)
        undone = self.model.undo_words(job.job_id) if job is not None else ""
        self.buttons["undo"].setEnabled(
            job is not None and not here and job.kind == "bulk" and job.changed > 0 and not undone
        )
        self.buttons["undo"].setToolTip(
            f"Already {undone}" if undone.startswith("undone") else undone.capitalize()
        )
        self.buttons["log"].setEnabled(job is not None)
