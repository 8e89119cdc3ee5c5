"""Bulk edit for one account: plan, journal, run, undo, retry, result log (no Qt).

The window and `podio-desk bulk` use this one service (`AccountSession.bulk`):

    plan = await bulk.plan(app_id, Selection(filters={}), [parse_operation("set", "status=Closed")])
    job_id = await bulk.start(plan)                  # journaled: jobs + entries, state planned
    report = await bulk.run(job_id, control)         # BulkProgress / BulkJobEnded on the hub
    undo_id = await bulk.undo(job_id)                # a new job restoring the old values
    retry_plan = await bulk.retry_plan(job_id)       # failed and conflicted items, re-read
    await bulk.write_log(job_id, Path("log.xlsx"))   # item, field, old, new, outcome

Every step is in the account's journal (`cache/journal.py`, a file beside the cache), so a
job interrupted by a crash or `kill -9` is found by `resumable()` and continues with `run`.
See docs/architecture.md, "Bulk edit".
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podio_desk.api.client import PodioClient
from podio_desk.cache.cache import Cache
from podio_desk.cache.journal import Journal, JournalJob, NewEntry
from podio_desk.domain.bulk import FieldChange, ItemPlan, Operation, count_of
from podio_desk.domain.workspace import App
from podio_desk.services.bulk_log import write_items_export, write_result_log
from podio_desk.services.bulk_plan import (
    BulkOptions,
    BulkPlan,
    BulkPlanError,
    BulkPlanner,
    Selection,
    per_item_from_json,
    per_item_json,
)
from podio_desk.services.bulk_run import (
    CREATE_EXTERNAL_ID_PREFIX,
    CREATE_GRACE_SECONDS,
    UNDO_EDITED_MESSAGE,
    BulkEvent,
    BulkRunError,
    BulkRunner,
    JobBusyError,
    JobControl,
    JobReport,
    job_holder,
)
from podio_desk.services.links import LinkResolver
from podio_desk.services.queries import QueryService, item_from_row

log = logging.getLogger(__name__)

# Entries skipped when the job is made (nothing to send), listed in its log and status.
_NOT_SENT = {
    "invalid": "invalid value",
    "read_only": "read-only item",
    "missing": "not found",
}
# A job's state in `status` when the journal says running and no process runs it.
INTERRUPTED = "interrupted"
DELETED_CANNOT_RETURN = "deleted items cannot be restored (Podio keeps no copy)"


@dataclass(frozen=True)
class JobStatus:
    """A job as the journal holds it, in the numbers the CLI's `--json` prints."""

    job_id: int
    kind: str
    app_id: int | None
    state: str
    parent_job_id: int | None
    planned: int
    changed: int
    unchanged: int
    failed: int
    conflicts: int
    skipped: int
    pending: int
    api_calls: int
    created: str
    updated: str
    running_in: int | None
    resumable: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "kind": self.kind,
            "app_id": self.app_id,
            "state": self.state,
            "parent_job_id": self.parent_job_id,
            "planned": self.planned,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "conflicts": self.conflicts,
            "skipped": self.skipped,
            "pending": self.pending,
            "api_calls": self.api_calls,
            "created": self.created,
            "updated": self.updated,
            "running_in": self.running_in,
            "resumable": self.resumable,
        }

    def text(self) -> str:
        where = f", running in process {self.running_in}" if self.running_in else ""
        state = f"{self.state} (can resume)" if self.resumable else self.state
        to_go = (
            f"{self.pending} sent before the cancel, to check when Podio answers"
            if self.state == "cancelled"
            else f"{self.pending} to go"
        )
        return (
            f"Job {self.job_id} ({self.kind}, app {self.app_id}): {state}{where}; "
            f"{self.planned} planned, {self.changed} changed, {self.unchanged} unchanged, "
            f"{self.failed} failed, {count_of(self.conflicts, 'conflict')}, "
            f"{self.skipped} skipped, {to_go}; {count_of(self.api_calls, 'API call')}"
        )


class BulkService:
    """See the module docstring. `open_journal` opens the account's journal on first use."""

    def __init__(
        self,
        client: PodioClient,
        cache: Cache,
        queries: QueryService,
        app_definition: Callable[[int], Awaitable[App]],
        links: LinkResolver,
        open_journal: Callable[[], Awaitable[Journal]],
        emit: Callable[[BulkEvent], None] = lambda event: None,
        *,
        account: str = "",
    ) -> None:
        self._client = client
        self._cache = cache
        self._queries = queries
        self._app_definition = app_definition
        self._open_journal = open_journal
        self._journal: Journal | None = None
        self._journal_lock = asyncio.Lock()
        self._emit = emit
        self.planner = BulkPlanner(client, cache, queries, app_definition, links, account)
        # Jobs this process runs now, with their controls (pause, resume, cancel).
        self.controls: dict[int, JobControl] = {}
        # How long after a create whose answer was lost it is looked up in Podio.
        self.create_grace = CREATE_GRACE_SECONDS

    async def journal(self) -> Journal:
        async with self._journal_lock:
            if self._journal is None:
                self._journal = await self._open_journal()
            return self._journal

    def journal_stamp(self) -> tuple[int, ...]:
        """The journal files' change times and sizes (the write-ahead log too): a cheap way
        to notice jobs written by another process. Empty before the journal is opened."""
        journal = self._journal
        if journal is None:
            return ()
        stamp: list[int] = []
        for path in (journal.path, journal.path.with_name(journal.path.name + "-wal")):
            try:
                found = path.stat()
            except OSError:
                stamp += [0, 0]
            else:
                stamp += [found.st_mtime_ns, found.st_size]
        return tuple(stamp)

    async def aclose(self) -> None:
        for control in self.controls.values():
            control.pause()
        if self._journal is not None:
            await self._journal.aclose()
            self._journal = None

    # -------------------------------------------------------------- planning

    async def plan(
        self,
        app_id: int,
        selection: Selection,
        operations: Sequence[Operation],
        options: BulkOptions | None = None,
    ) -> BulkPlan:
        """The preview (nothing is written, to Podio or to the journal)."""
        return await self.planner.plan(app_id, selection, operations, options or BulkOptions())

    async def plan_each(
        self,
        app_id: int,
        per_item: Mapping[int, Sequence[Operation]],
        options: BulkOptions | None = None,
        *,
        selection: str = "",
    ) -> BulkPlan:
        """The preview of a change where each item has its own operations (a paste over
        many rows); nothing is written."""
        return await self.planner.plan_each(
            app_id, per_item, options or BulkOptions(), selection=selection
        )

    async def export_deleted(self, plan: BulkPlan, path: Path) -> int:
        """Write the items the plan deletes, as they are now, to CSV or XLSX first."""
        app = await self._app_definition(plan.app_id)
        ids = [item.item_id for item in plan.items if item.status == "delete" and item.item_id]
        rows = await self._cache.items.get_many_as(ids, lambda row: item_from_row(row, app))
        count = await asyncio.to_thread(write_items_export, path, app, rows)
        plan.deleted_export = str(path)
        return count

    # -------------------------------------------------------------- jobs

    async def start(self, plan: BulkPlan, *, parent_job_id: int | None = None) -> int:
        """Journal the plan as a new job (state planned), or find the job already made from
        this very plan (same fingerprint) and return its id: running a plan twice resumes."""
        journal = await self.journal()
        # Hashing and building the entries of a large plan takes a moment: not on the loop.
        fingerprint = await asyncio.to_thread(plan.fingerprint)
        for job in await journal.jobs(kind="bulk", app_id=plan.app_id):
            if job.options.get("fingerprint") == fingerprint:
                return job.id
        app = await self._app_definition(plan.app_id)
        entries = await asyncio.to_thread(
            lambda: [_entry(item) for item in plan.items if item.status != "noop"]
        )
        options = {
            **plan.options.as_json(),
            "fingerprint": fingerprint,
            "operations": [op.as_json() for op in plan.operations],
            "app_name": app.name,
            # Each item's own values (a paste), for a retry: only the items journaled.
            "per_item": per_item_json(
                {e.item_id: plan.per_item[e.item_id] for e in entries if e.item_id in plan.per_item}
            ),
            "api_calls": plan.read_calls,
        }
        return await journal.create_job(
            "bulk",
            app_id=plan.app_id,
            options=options,
            plan=plan.summary(),
            entries=entries,
            parent_job_id=parent_job_id,
        )

    async def run(self, job_id: int, control: JobControl | None = None) -> JobReport:
        """Run or resume a job in this process until it ends, is paused or cancelled, or
        Podio cannot be reached (then it is paused and can be resumed)."""
        journal = await self.journal()
        control = control or JobControl()
        self.controls[job_id] = control
        try:
            return await self._runner(journal).run(job_id, control)
        finally:
            self.controls.pop(job_id, None)

    async def job(self, job_id: int) -> JournalJob:
        found = await (await self.journal()).job(job_id)
        if found is None:
            raise BulkRunError(f"there is no job {job_id}")
        return found

    async def status(self, job_id: int) -> JobStatus:
        journal = await self.journal()
        job = await self.job(job_id)
        counts = await journal.counts(job_id)
        holder = await asyncio.to_thread(job_holder, journal, job_id)
        planned = int(job.plan.get("planned", counts.total))
        state = job.state
        if state == "running" and holder is None:
            # The journal still says running, but no process holds the job's lock: the one
            # that ran it died (kill -9, a crash) before it could note the stop.
            state = INTERRUPTED
        return JobStatus(
            job_id=job.id,
            kind=job.kind,
            app_id=job.app_id,
            state=state,
            parent_job_id=job.parent_job_id,
            planned=planned,
            changed=counts.done,
            unchanged=int(job.plan.get("unchanged", 0)),
            failed=counts.failed,
            conflicts=counts.conflict,
            skipped=counts.skipped,
            pending=counts.open,
            api_calls=int(job.options.get("api_calls", 0)),
            created=job.created,
            updated=job.updated,
            running_in=holder,
            resumable=holder is None and counts.open > 0 and job.state != "cancelled",
        )

    async def jobs(self) -> list[JobStatus]:
        journal = await self.journal()
        return [
            await self.status(job.id)
            for job in await journal.jobs()
            if job.kind in ("bulk", "undo")
        ]

    async def resumable(self) -> list[JobStatus]:
        """Jobs with writes still to send and no process running them: interrupted by a
        crash, `kill -9`, a closed window or lost connection, or paused. The window offers
        these on start."""
        return [status for status in await self.jobs() if status.resumable]

    def pause(self, job_id: int) -> None:
        if job_id in self.controls:
            self.controls[job_id].pause()

    def resume(self, job_id: int) -> None:
        if job_id in self.controls:
            self.controls[job_id].resume()

    def _runner(self, journal: Journal) -> BulkRunner:
        return BulkRunner(
            self._client, self._cache, journal, self._app_definition, self._emit,
            create_grace=self.create_grace,
        )  # fmt: skip

    async def cancel(self, job_id: int) -> JobReport | None:
        """Cancel for good: the job becomes `cancelled` and never sends again (running its
        plan again says so; a new plan is a new job). Pending entries are skipped; writes
        sent but unanswered are settled by reading their items (landed → done, so undo
        restores them; not landed → skipped). A job running in this process stops after its
        writes in flight (its `run` returns the report; None here). One run by another
        process is refused (`BulkRunError`): that process cancels it. Offline, the sent
        writes stay to check, and the report's reason says so."""
        if job_id in self.controls:
            self.controls[job_id].cancel()
            return None
        journal = await self.journal()
        try:
            return await self._runner(journal).cancel(job_id)
        except JobBusyError as error:
            who = f"process {error.holder}" if error.holder and error.holder > 0 else "another"
            raise BulkRunError(
                f"job {job_id} runs in another process ({who}); cancel it there, or stop "
                "that process and cancel again (nothing was changed)"
            ) from error

    # -------------------------------------------------------------- undo and retry

    async def undo(self, job_id: int) -> int:
        """A new job restoring the old values of every item `job_id` changed. Items edited by
        someone else since (the cache knows a newer revision, or Podio answers 409 when the
        job runs) are skipped and listed, never overwritten; deleted items cannot come back.
        Asking again returns the same undo job (to resume it)."""
        journal = await self.journal()
        job = await self.job(job_id)
        if job.kind not in ("bulk", "undo"):
            raise BulkRunError(f"job {job_id} is not a bulk edit")
        if job.state == "cancelled":
            # Writes sent before the cancel and not yet checked: those that landed are
            # restored too.
            try:
                unsettled = await self._runner(journal).settle_cancelled(job_id)
            except JobBusyError as error:
                raise BulkRunError(f"job {job_id} is being cancelled by another process") from error
            if unsettled:
                raise BulkRunError(f"job {job_id} cannot be undone yet: {unsettled}")
        for other in await journal.jobs(kind="undo", app_id=job.app_id):
            if other.parent_job_id == job_id:
                return other.id
        done = await journal.entries(job_id, states=("done",))
        ids = [entry.item_id for entry in done if entry.item_id is not None]
        cached = {
            row.item_id: row.revision
            for row in await self._cache.items.get_many_as(ids, lambda row: row)
            if not row.deleted
        }
        entries: list[NewEntry] = []
        for entry in done:
            title = entry.summary.get("title", "")
            if entry.op == "delete":
                entries.append(
                    NewEntry("delete", entry.item_id, summary={"title": title},
                             state="skipped", error=DELETED_CANNOT_RETURN)
                )  # fmt: skip
                continue
            if entry.op == "create":
                # Deleted only if still as created (the revision read right after creating).
                unknown = entry.result_revision is None
                entries.append(
                    NewEntry("delete", entry.item_id, base_revision=entry.result_revision,
                             summary={"title": title, "changes": []},
                             state="skipped" if unknown else "pending",
                             error="its revision after creation is unknown; delete it by hand"
                             if unknown else None)
                )  # fmt: skip
                continue
            changes = [FieldChange.from_json(c) for c in entry.summary.get("changes") or []]
            undo_changes = [c.swapped() for c in changes if c.changed]
            summary = {"title": title, "changes": [c.as_json() for c in undo_changes]}
            newer = entry.item_id is not None and cached.get(entry.item_id, 0) > (
                entry.result_revision or 0
            )
            entries.append(
                NewEntry(
                    "update",
                    entry.item_id,
                    payload=entry.old_values,
                    base_revision=entry.result_revision,
                    old_values=entry.payload,
                    summary=summary,
                    state="skipped" if newer else "pending",
                    error=UNDO_EDITED_MESSAGE if newer else None,
                )
            )
        return await journal.create_job(
            "undo",
            app_id=job.app_id,
            options={
                "silent": job.options.get("silent", False),
                "hook": job.options.get("hook", True),
                "app_name": job.options.get("app_name", ""),
                "api_calls": 0,
            },
            plan={"planned": len(entries), "unchanged": 0, "undo_of": job_id},
            entries=entries,
            parent_job_id=job_id,
        )

    async def skipped_items(self, job_id: int) -> list[tuple[int | None, str, str]]:
        """(item id, title, why) of every entry the job skipped: for an undo, the items
        changed since the job (by the user or someone else), which it left alone."""
        journal = await self.journal()
        return [
            (entry.item_id, str(entry.summary.get("title", "")), entry.error or "")
            for entry in await journal.entries(job_id, states=("skipped",))
        ]

    async def retry_plan(self, job_id: int) -> BulkPlan:
        """A new plan of the same change for the job's failed and conflicted items, each
        read again from Podio (their cached copy is what conflicted)."""
        journal = await self.journal()
        job = await self.job(job_id)
        if job.app_id is None:
            raise BulkRunError(f"job {job_id} belongs to no app")
        entries = await journal.entries(job_id, states=("failed", "conflict"))
        ids = tuple(e.item_id for e in entries if e.item_id is not None and e.op != "create")
        if not ids:
            raise BulkPlanError(f"job {job_id} has no failed or conflicted items to retry")
        for other in await journal.jobs(kind="bulk", app_id=job.app_id):
            if other.parent_job_id == job_id and other.state != "cancelled":
                raise BulkPlanError(
                    f"job {job_id}'s failed items were already retried by job {other.id}; "
                    f"retry job {other.id} if some failed there"
                )
        operations = [Operation.from_json(op) for op in job.options.get("operations") or []]
        options = BulkOptions(bool(job.options.get("silent")), bool(job.options.get("hook", True)))
        per_item = per_item_from_json(job.options.get("per_item"))
        if per_item:
            # Each item with the values it had in the job (a paste), read again from Podio.
            return await self.planner.plan_each(
                job.app_id,
                {item_id: per_item[item_id] for item_id in ids if item_id in per_item},
                options,
                selection=(
                    f"{count_of(len(ids), 'item')} of job {job_id} again, each with its own values"
                ),
                refresh=True,
            )
        if any(op.kind == "column" for op in operations):
            raise BulkPlanError(
                f"job {job_id} took its values from a file or a paste that it did not keep; "
                "plan the change again from the file"
            )
        return await self.planner.plan(
            job.app_id, Selection(item_ids=ids, refresh=True), operations, options
        )

    async def write_log(self, job_id: int, path: Path) -> int:
        """The job's result log as CSV or XLSX (by the file name): one row per item and field."""
        journal = await self.journal()
        await self.job(job_id)
        entries = await journal.entries(job_id)
        return await asyncio.to_thread(write_result_log, path, job_id, entries)


def _entry(item: ItemPlan) -> NewEntry:
    summary: dict[str, Any] = {
        "title": item.title,
        "changes": [c.as_json() for c in item.changes],
    }
    if item.row is not None:
        summary["row"] = item.row
    if item.status == "change":
        return NewEntry(
            "update", item.item_id, item.update_body(), item.revision, item.restore_body(),
            summary,
        )  # fmt: skip
    if item.status == "delete":
        return NewEntry("delete", item.item_id, base_revision=item.revision, summary=summary)
    if item.status == "create":
        # Tagged with an external id of ours: a create whose answer is lost is looked up.
        body = {**item.update_body(), "external_id": CREATE_EXTERNAL_ID_PREFIX + uuid.uuid4().hex}
        return NewEntry("create", None, body, summary=summary)
    label = _NOT_SENT.get(item.status, item.status)
    why = f"{label}: {'; '.join(item.issues)}" if item.issues else label
    return NewEntry(
        "update", item.item_id, item.update_body(), item.revision, summary=summary,
        state="skipped", error=why,
    )  # fmt: skip
