"""Bulk edit, step two: run a planned job from the journal, paced, resumable, never twice.

`BulkRunner.run(job_id)` sends the job's entries in order, a few at a time, at
`Priority.USER_JOB` through the account's rate scheduler (browsing and saving go first; a
420 pauses the whole queue until Podio's wait is over). For each entry:

1. the journal marks it `sent` (committed before the request leaves);
2. one `PUT /item/{id}` carries the changed fields and the revision read when planned;
3. the answer becomes `done` (with the new revision), `conflict` (409: someone else changed
   the item since the preview; nothing is overwritten), or `failed` (deleted, refused);
4. when the answer is lost (no connection, a 5xx), or an entry is found `sent` after a crash,
   the item is re-read first: unchanged revision → send again; our values at a newer
   revision → done; anything else → conflict. A write is never applied twice.

Deletes read the revision first (Podio's delete has no revision check) and delete only an
item still at the planned revision. Pause, resume and cancel go through `JobControl`. A job
is run by one process at a time (an OS lock per job, dropped with its process, `kill -9`
included), so after a crash the next `run` continues from the journal. See
docs/architecture.md, "Bulk edit".
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeAlias

from podio_desk.api.client import PodioClient, values_match
from podio_desk.api.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    Offline,
    PodioError,
    ServerError,
    Unavailable,
)
from podio_desk.api.ratelimit import Priority
from podio_desk.cache.cache import Cache
from podio_desk.cache.index import item_record
from podio_desk.cache.journal import EntryCounts, JobState, Journal, JournalEntry, JournalJob
from podio_desk.domain.bulk import Budget, FieldChange
from podio_desk.domain.errors import DomainError
from podio_desk.domain.fields import parse_values
from podio_desk.domain.items import Item, ItemChange
from podio_desk.domain.rate_wait import rate_limit_name
from podio_desk.domain.timestamps import parse_podio_datetime
from podio_desk.domain.workspace import App
from podio_desk.services.bulk_budget import estimate_seconds, write_budget
from podio_desk.services.file_lock import FileLock, is_locked, lock_holder

log = logging.getLogger(__name__)

# Writes in flight at once for one job: the scheduler keeps one more slot for interactive work.
JOB_CONCURRENCY = 3
PROGRESS_INTERVAL = 0.25
# Sends of one write whose failures provably left the item unchanged, before giving up.
MAX_ATTEMPTS = 5

CONFLICT_MESSAGE = "conflict: changed by someone else since the preview"
CANCELLED_MESSAGE = "cancelled"
CANCELLED_UNSENT_MESSAGE = "cancelled (the write sent before the cancel never reached Podio)"
# Podio does not say who made a newer revision: it may be the user himself.
UNDO_EDITED_MESSAGE = "changed since the job (by you or someone else); left as it is"
# A create carries an external id of ours, so that when its answer is lost the job can ask
# Podio whether the item exists (docs/podio-api.md, Items: external_id).
CREATE_EXTERNAL_ID_PREFIX = "podio-desk-bulk-"
# A request in flight when its answer was lost (or the process died) may still be processed
# by Podio a little later: a create is looked up only this long after it was sent, or one
# looked up too early would be made twice.
CREATE_GRACE_SECONDS = 30.0


class BulkRunError(Exception):
    """The job cannot run; the message says why in one sentence."""


class JobBusyError(BulkRunError):
    """Another process runs this job now."""

    def __init__(self, job_id: int, holder: int | None) -> None:
        self.holder = holder
        who = f"process {holder}" if holder is not None else "another process"
        super().__init__(f"job {job_id} is being run by {who}")


# ------------------------------------------------------------------ events (the session's hub)


@dataclass(frozen=True)
class BulkProgress:
    """Where a job stands; emitted while it runs (a few times a second at most) and at its
    state changes. `waiting` says why nothing moves (Podio's rate limit), else None."""

    job_id: int
    kind: str
    app_id: int | None
    state: str
    total: int
    done: int
    failed: int
    conflicts: int
    skipped: int
    pending: int
    eta_seconds: float | None
    waiting: str | None = None

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.conflicts + self.skipped


@dataclass(frozen=True)
class BulkJobEnded:
    """A run ended: `state` is done, paused (paused, or offline) or cancelled."""

    job_id: int
    kind: str
    state: str
    counts: EntryCounts
    reason: str = ""


BulkEvent: TypeAlias = BulkProgress | BulkJobEnded


# ------------------------------------------------------------------ control


class JobControl:
    """Pause, resume and cancel one running job (from the UI, a signal handler, a test).
    Writes in flight finish; no new one starts while paused."""

    def __init__(self) -> None:
        self._running = asyncio.Event()
        self._running.set()
        self.cancelled = False
        self._listeners: list[Callable[[], None]] = []

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause(self) -> None:
        self._running.clear()
        self._changed()

    def resume(self) -> None:
        self._running.set()
        self._changed()

    def cancel(self) -> None:
        self.cancelled = True
        self._running.set()
        self._changed()

    def on_change(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    async def wait_running(self) -> None:
        await self._running.wait()


@dataclass(frozen=True)
class JobReport:
    job_id: int
    kind: str
    state: str
    counts: EntryCounts
    api_calls: int
    seconds: float
    reason: str = ""


Outcome = Literal["done", "failed", "conflict", "skipped", "unknown"]


class _InterruptedError(Exception):
    """Podio cannot be reached: the job stops, its entries stay as they are."""


def job_lock_path(journal: Journal, job_id: int) -> Path:
    return journal.path.with_name(f"{journal.path.stem}-job-{job_id}.lock")


def job_holder(journal: Journal, job_id: int) -> int | None:
    """The process running the job now, if any (its lock is held)."""
    path = job_lock_path(journal, job_id)
    if not is_locked(path):
        return None
    return lock_holder(path) or -1


def _unsettled(count: int, why: str) -> str:
    writes = "1 write" if count == 1 else f"{count} writes"
    return (
        f"cancelled; {writes} sent before the cancel could not be checked ({why}): they are "
        "checked when Podio answers (cancel or undo the job again)"
    )


class BulkRunner:
    """Runs jobs of one account's journal (see the module docstring)."""

    def __init__(
        self,
        client: PodioClient,
        cache: Cache | None,
        journal: Journal,
        app_definition: Callable[[int], Awaitable[App]],
        emit: Callable[[BulkEvent], None] = lambda event: None,
        *,
        concurrency: int = JOB_CONCURRENCY,
        create_grace: float = CREATE_GRACE_SECONDS,
    ) -> None:
        self._client = client
        self._create_grace = create_grace
        self._cache = cache
        self._journal = journal
        self._app_definition = app_definition
        self._emit = emit
        self._concurrency = concurrency
        self._calls = 0
        self._calls_recorded = 0
        self._recording = asyncio.Lock()

    async def run(self, job_id: int, control: JobControl | None = None) -> JobReport:
        """Run (or resume) a job until it is done, paused, cancelled or Podio is unreachable."""
        control = control or JobControl()
        job = await self._journal.job(job_id)
        if job is None:
            raise BulkRunError(f"there is no job {job_id}")
        lock = FileLock(job_lock_path(self._journal, job_id))
        if not await asyncio.to_thread(lock.try_acquire):
            raise JobBusyError(job_id, lock_holder(lock.path))
        try:
            # Read again under the lock: a cancel may have come between.
            job = await self._journal.job(job_id) or job
            return await self._run_locked(job, control)
        finally:
            await asyncio.to_thread(lock.release)

    async def cancel(self, job_id: int) -> JobReport:
        """Cancel a job no process runs now (its lock is taken for the while, so none starts):
        the job becomes `cancelled` at once, so nothing of it is ever sent again; pending
        entries are skipped, and every `sent` one is settled by reading its item (landed →
        done with its revision, so an undo restores it; not landed → skipped). Offline, the
        `sent` ones stay to be settled when Podio answers (`settle_cancelled`, which `run`,
        `cancel` and an undo of the job call). Raises `JobBusyError` when another process
        runs the job: that process cancels it (this one does not signal it)."""
        job = await self._journal.job(job_id)
        if job is None:
            raise BulkRunError(f"there is no job {job_id}")
        lock = FileLock(job_lock_path(self._journal, job_id))
        if not await asyncio.to_thread(lock.try_acquire):
            raise JobBusyError(job_id, lock_holder(lock.path))
        try:
            started = time.monotonic()
            calls_before = self._calls
            if job.state != "done":
                await self._journal.set_job_state(job.id, "cancelled")
                await self._journal.skip_pending(job.id, CANCELLED_MESSAGE)
            reason = await self._settle_sent(job)
            await self._record_calls(job)
            state = "cancelled" if job.state != "done" else "done"
            counts = await self._journal.counts(job.id)
            self._emit(BulkJobEnded(job.id, job.kind, state, counts, reason or "cancelled"))
            return JobReport(
                job.id, job.kind, state, counts, self._calls - calls_before,
                time.monotonic() - started, reason or "cancelled",
            )  # fmt: skip
        finally:
            await asyncio.to_thread(lock.release)

    async def settle_cancelled(self, job_id: int) -> str:
        """Settle the `sent` entries a cancel left (Podio was unreachable then), holding the
        job's lock; "" when none is left, else why some still are."""
        lock = FileLock(job_lock_path(self._journal, job_id))
        if not await asyncio.to_thread(lock.try_acquire):
            raise JobBusyError(job_id, lock_holder(lock.path))
        try:
            job = await self._journal.job(job_id)
            if job is None or job.state != "cancelled":
                return ""
            reason = await self._settle_sent(job)
            await self._record_calls(job)
            return reason
        finally:
            await asyncio.to_thread(lock.release)

    async def _settle_sent(self, job: JournalJob) -> str:
        """Find out, by reading each item, what became of the entries left `sent` (their
        answer lost, then the job cancelled); never sends a write. "" when all are settled,
        else why some are not (Podio cannot be reached)."""
        entries = await self._journal.entries(job.id, states=("sent",))
        if not entries:
            return ""
        app: App | None = None
        if job.app_id is not None:
            try:
                app = await self._app_definition(job.app_id)
            except PodioError as error:
                return _unsettled(len(entries), error.user_message)
        for done, entry in enumerate(entries):
            try:
                await self._settle_one(job, app, entry)
            except _InterruptedError as error:
                return _unsettled(len(entries) - done, str(error))
        return ""

    async def _settle_one(self, job: JournalJob, app: App | None, entry: JournalEntry) -> None:
        if entry.op == "update" and entry.item_id is not None:
            if await self._confirm(job, app, entry) == "unknown":
                await self._journal.finish(
                    job.id, entry.seq, "skipped", error=CANCELLED_UNSENT_MESSAGE
                )
            return
        if entry.op == "delete" and entry.item_id is not None:
            try:
                await self._api().item_basic(entry.item_id, priority=Priority.USER_JOB)
            except (Gone, NotFound):
                await self._journal.finish(job.id, entry.seq, "done", error="already deleted")
                await self._forget(entry.item_id)
                return
            except (Offline, ServerError, Unavailable) as error:
                raise _InterruptedError(
                    f"Podio cannot be reached ({error.user_message})"
                ) from error
            await self._journal.finish(job.id, entry.seq, "skipped", error=CANCELLED_UNSENT_MESSAGE)
            return
        # A create: found by its external id, or it never reached Podio.
        if await self._find_created(job, app, entry) == "unknown":
            await self._journal.finish(job.id, entry.seq, "skipped", error=CANCELLED_UNSENT_MESSAGE)

    async def _run_locked(self, job: JournalJob, control: JobControl) -> JobReport:
        started = time.monotonic()
        calls_before = self._calls
        if job.state in ("done", "cancelled"):
            # A cancelled job never sends again; what it had sent is only checked.
            reason = await self._settle_sent(job) if job.state == "cancelled" else ""
            await self._record_calls(job)
            counts = await self._journal.counts(job.id)
            return JobReport(
                job.id, job.kind, job.state, counts, self._calls - calls_before, 0.0, reason
            )
        await self._journal.set_job_state(job.id, "running", owner_pid=os.getpid())
        app = await self._app_definition(job.app_id) if job.app_id is not None else None
        silent = bool(job.options.get("silent", False))
        hook = bool(job.options.get("hook", True))
        progress = _Progress(job, self._journal, self._emit, self.budget, self.waiting)
        await progress.refresh()
        progress.emit("running", force=True)
        entries = await self._journal.entries(job.id, states=("pending", "sent"))
        queue: asyncio.Queue[JournalEntry] = asyncio.Queue()
        for entry in entries:
            queue.put_nowait(entry)
        interrupted: list[str] = []
        notes: set[asyncio.Task[Any]] = set()

        def note_control() -> None:
            # The journal and the UI learn of a pause at once, while writes in flight finish.
            state: JobState = "paused" if control.paused else "running"
            task = asyncio.ensure_future(
                self._journal.set_job_state(job.id, state, owner_pid=os.getpid())
            )
            notes.add(task)
            task.add_done_callback(notes.discard)
            progress.emit(state, force=True)

        async def worker() -> None:
            while not interrupted:
                await control.wait_running()
                if control.cancelled or interrupted:
                    return
                try:
                    entry = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                try:
                    outcome = await self._one(job, app, entry, silent=silent, hook=hook)
                except _InterruptedError as error:
                    interrupted.append(str(error))
                    return
                progress.count(outcome)
                progress.emit("paused" if control.paused else "running")
                # Counted as it goes, so a killed run's calls are in the job's count too.
                await self._record_calls(job)

        forget = control.on_change(note_control)
        try:
            workers = [asyncio.create_task(worker()) for _ in range(self._concurrency)]
            try:
                await asyncio.gather(*workers)
            except BaseException:
                for task in workers:
                    task.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
                # Cancelled (window closed, Ctrl+C): the journal keeps where it stood.
                await asyncio.shield(self._journal.set_job_state(job.id, "paused"))
                raise
        finally:
            forget()
            if notes:
                await asyncio.gather(*notes, return_exceptions=True)
        reason = ""
        if control.cancelled:
            await self._journal.set_job_state(job.id, "cancelled")
            await self._journal.skip_pending(job.id, CANCELLED_MESSAGE)
            state = "cancelled"
            reason = await self._settle_sent(job) or "cancelled"
        elif interrupted:
            state, reason = "paused", interrupted[0]
        else:
            counts = await self._journal.counts(job.id)
            state = "done" if counts.open == 0 else "paused"
        await self._journal.set_job_state(job.id, state)  # type: ignore[arg-type]
        counts = await self._journal.counts(job.id)
        calls = self._calls - calls_before
        await self._record_calls(job)
        await progress.refresh()
        progress.emit(state, force=True)
        self._emit(BulkJobEnded(job.id, job.kind, state, counts, reason))
        return JobReport(job.id, job.kind, state, counts, calls, time.monotonic() - started, reason)

    def _api(self) -> PodioClient:
        """The client, counting the request about to be made (the job's own API calls: the
        window's browsing meanwhile is not the job's)."""
        self._calls += 1
        return self._client

    async def _record_calls(self, job: JournalJob) -> None:
        """Add the calls made since last time to the job's count in the journal (as it goes,
        so a killed run's calls are counted too)."""
        async with self._recording:  # one read-modify-write of the options at a time
            calls = self._calls - self._calls_recorded
            if not calls:
                return
            self._calls_recorded = self._calls
            fresh = await self._journal.job(job.id)
            options = dict(fresh.options if fresh else job.options)
            options["api_calls"] = int(options.get("api_calls", 0)) + calls
            await self._journal.update_job(job.id, options=options)

    # -------------------------------------------------------------- one entry

    async def _one(
        self, job: JournalJob, app: App | None, entry: JournalEntry, *, silent: bool, hook: bool
    ) -> Outcome:
        if entry.op == "update":
            return await self._update(job, app, entry, silent=silent, hook=hook)
        if entry.op == "delete":
            return await self._delete(job, entry, silent=silent, hook=hook)
        if entry.op == "create":
            return await self._create(job, app, entry, silent=silent, hook=hook)
        await self._journal.finish(
            job.id, entry.seq, "failed", error=f"unknown operation {entry.op}"
        )
        return "failed"

    async def _update(
        self, job: JournalJob, app: App | None, entry: JournalEntry, *, silent: bool, hook: bool
    ) -> Outcome:
        assert entry.item_id is not None
        fields: dict[str, Any] = dict(entry.payload.get("fields") or {})
        tags = entry.payload.get("tags")
        if entry.state == "sent":
            # Sent before a crash or a lost answer: find out before sending anything again.
            verdict = await self._confirm(job, app, entry)
            if verdict != "unknown":
                return verdict
        for _attempt in range(MAX_ATTEMPTS):
            if not await self._journal.mark_sent(job.id, entry.seq):
                return "skipped"  # dropped or cancelled meanwhile
            try:
                revision = await self._api().update_item(
                    entry.item_id,
                    fields,
                    revision=entry.base_revision,
                    tags=tags,
                    silent=silent,
                    hook=hook,
                    priority=Priority.USER_JOB,
                )
            except Conflict:
                return await self._conflict(job, entry)
            except (Gone, NotFound):
                await self._journal.finish(job.id, entry.seq, "failed", error="deleted in Podio")
                return "failed"
            except (BadRequest, Forbidden) as error:
                await self._journal.finish(job.id, entry.seq, "failed", error=error.user_message)
                return "failed"
            except (Offline, ServerError, Unavailable) as error:
                # The answer is lost or says nothing: re-read before any retry.
                log.info("bulk job %s item %s: %s; checking", job.id, entry.item_id, error)
                verdict = await self._confirm(job, app, entry)
                if verdict != "unknown":
                    return verdict
                continue
            if revision is None:
                # Podio answered without a revision (204 or null, see docs/podio-api.md): the
                # job needs the new one (undo checks it), so it is read back once.
                return await self._confirm(job, app, entry, after_success=True)
            await self._journal.finish(job.id, entry.seq, "done", result_revision=revision)
            await self._keep_in_cache(app, entry, revision)
            return "done"
        await self._journal.finish(
            job.id, entry.seq, "failed", error="Podio failed every attempt; retry later"
        )
        return "failed"

    async def _confirm(
        self, job: JournalJob, app: App | None, entry: JournalEntry, *, after_success: bool = False
    ) -> Outcome:
        """After a lost answer: was the entry's write applied? "unknown" means it certainly
        was not (the revision did not move), so it may be sent again. `after_success`: Podio
        accepted the write but named no revision (an unmoved one means nothing changed)."""
        assert entry.item_id is not None
        try:
            current = await self._api().item_basic(
                entry.item_id, app=app, priority=Priority.USER_JOB
            )
        except (Gone, NotFound):
            await self._journal.finish(job.id, entry.seq, "failed", error="deleted in Podio")
            return "failed"
        except (Offline, ServerError, Unavailable) as error:
            raise _InterruptedError(f"Podio cannot be reached ({error.user_message})") from error
        base = entry.base_revision
        if after_success:  # accepted by Podio: done, whatever the revision is now
            await self._journal.finish(job.id, entry.seq, "done", result_revision=current.revision)
            await self._store(current)
            return "done"
        if base is None or current.revision == base:
            return "unknown"
        fields = dict(entry.payload.get("fields") or {})
        tags = entry.payload.get("tags")
        ours = values_match(current, fields) and (tags is None or list(current.tags) == tags)
        if current.revision > base and ours:
            await self._journal.finish(job.id, entry.seq, "done", result_revision=current.revision)
            await self._store(current)
            return "done"
        await self._store(current)
        return await self._conflict(job, entry)

    async def _conflict(self, job: JournalJob, entry: JournalEntry) -> Outcome:
        if job.kind == "undo":
            await self._journal.finish(job.id, entry.seq, "skipped", error=UNDO_EDITED_MESSAGE)
            return "skipped"
        await self._journal.finish(job.id, entry.seq, "conflict", error=CONFLICT_MESSAGE)
        return "conflict"

    async def _delete(
        self, job: JournalJob, entry: JournalEntry, *, silent: bool, hook: bool
    ) -> Outcome:
        assert entry.item_id is not None
        try:
            current = await self._api().item_basic(entry.item_id, priority=Priority.USER_JOB)
        except (Gone, NotFound):
            # Gone already: deleted by this job before a crash, or by someone else.
            state: Literal["done", "skipped"] = "done" if entry.state == "sent" else "skipped"
            await self._journal.finish(job.id, entry.seq, state, error="already deleted")
            await self._forget(entry.item_id)
            return state
        except (Offline, ServerError, Unavailable) as error:
            raise _InterruptedError(f"Podio cannot be reached ({error.user_message})") from error
        if entry.base_revision is not None and current.revision != entry.base_revision:
            return await self._conflict(job, entry)
        if not await self._journal.mark_sent(job.id, entry.seq):
            return "skipped"
        try:
            await self._api().delete_item(
                entry.item_id, silent=silent, hook=hook, priority=Priority.USER_JOB
            )
        except (Gone, NotFound):
            pass
        except (Offline, ServerError, Unavailable) as error:
            raise _InterruptedError(f"Podio cannot be reached ({error.user_message})") from error
        except PodioError as error:
            await self._journal.finish(job.id, entry.seq, "failed", error=error.user_message)
            return "failed"
        await self._journal.finish(job.id, entry.seq, "done")
        await self._forget(entry.item_id)
        return "done"

    async def _create(
        self, job: JournalJob, app: App | None, entry: JournalEntry, *, silent: bool, hook: bool
    ) -> Outcome:
        if entry.state == "sent":
            # Sent before a crash: made in Podio, or certainly not and sent again.
            verdict = await self._find_created(job, app, entry)
            if verdict != "unknown":
                return verdict
        external_id = entry.payload.get("external_id")
        for _attempt in range(MAX_ATTEMPTS):
            if job.app_id is None or not await self._journal.mark_sent(job.id, entry.seq):
                return "skipped"
            try:
                item_id = await self._api().create_item(
                    job.app_id,
                    dict(entry.payload.get("fields") or {}),
                    tags=entry.payload.get("tags"),
                    silent=silent,
                    hook=hook,
                    priority=Priority.USER_JOB,
                    external_id=str(external_id) if external_id else None,
                )
            except (Offline, ServerError, Unavailable) as error:
                # The answer is lost or says nothing: look the item up before any retry.
                log.info("bulk job %s create %s: %s; checking", job.id, entry.seq, error)
                sent = await self._journal.entry(job.id, entry.seq)
                verdict = await self._find_created(job, app, sent or entry)
                if verdict != "unknown":
                    return verdict
                continue
            except PodioError as error:
                await self._journal.finish(job.id, entry.seq, "failed", error=error.user_message)
                return "failed"
            break
        else:
            await self._journal.finish(
                job.id, entry.seq, "failed", error="Podio failed every attempt; retry later"
            )
            return "failed"
        # The new item's revision, for an undo to check it is still as created.
        revision: int | None = None
        try:
            created = await self._api().item_basic(item_id, app=app, priority=Priority.USER_JOB)
            revision = created.revision
            await self._store(created)
        except PodioError as error:
            log.info("bulk job %s: created item %s not read back: %s", job.id, item_id, error)
        await self._journal.finish(
            job.id, entry.seq, "done", result_revision=revision, item_id=item_id
        )
        return "done"

    async def _find_created(self, job: JournalJob, app: App | None, entry: JournalEntry) -> Outcome:
        """A create whose answer was lost: "done" when Podio has the item with the entry's
        external id (looked up once a request still in flight would have landed), "unknown"
        when it certainly does not. An entry without an external id (journaled before creates
        carried one) cannot be looked up: failed, to be checked in Podio."""
        external_id = entry.payload.get("external_id")
        if job.app_id is None or not external_id:
            await self._journal.finish(
                job.id, entry.seq, "failed",
                error="the answer to creating this item was lost; check Podio before retrying",
            )  # fmt: skip
            return "failed"
        try:
            age = (datetime.now(UTC) - parse_podio_datetime(entry.updated)).total_seconds()
        except DomainError:
            age = 0.0
        if age < self._create_grace:
            await asyncio.sleep(self._create_grace - age)
        try:
            found = await self._api().item_by_external_id(
                job.app_id, str(external_id), app=app, priority=Priority.USER_JOB
            )
        except NotFound:
            return "unknown"
        except (Offline, ServerError, Unavailable) as error:
            raise _InterruptedError(f"Podio cannot be reached ({error.user_message})") from error
        await self._journal.finish(
            job.id, entry.seq, "done", result_revision=found.revision, item_id=found.item_id
        )
        await self._store(found)
        return "done"

    # -------------------------------------------------------------- the cache

    async def _keep_in_cache(self, app: App | None, entry: JournalEntry, revision: int) -> None:
        """The cached copy as the write left it, without reading the item again (a bulk job
        costs one call per item); the next sync compares revisions anyway."""
        if self._cache is None or app is None or entry.item_id is None:
            return
        try:
            row = await self._cache.items.get(entry.item_id)
            if row is None or row.deleted:
                return
            item = Item.from_api(row.raw, app, app_id=row.app_id)
            values = {}
            tags: tuple[str, ...] | None = None
            for raw_change in entry.summary.get("changes") or []:
                change = FieldChange.from_json(raw_change)
                if change.field_id == 0:
                    tags = tuple(change.new_input or ())
                    continue
                fdef = app.field(change.field_id)
                if fdef is not None and change.new_values is not None:
                    values[fdef.field_id] = parse_values(fdef, change.new_values)
            updated = item.with_change(ItemChange(values=values, tags=tags), app)
            raw = dict(updated.raw)
            raw["revision"] = revision
            current = raw.get("current_revision")
            if isinstance(current, dict):
                raw["current_revision"] = {**current, "revision": revision}
            await self._cache.items.upsert([item_record(raw, row.app_id)])
        except Exception:  # the cache is a copy; the next sync corrects it
            log.exception("could not keep item %s in the cache after a bulk write", entry.item_id)

    async def _store(self, item: Item) -> None:
        if self._cache is None or item.app_id is None:
            return
        try:
            await self._cache.items.upsert([item_record(item.raw, item.app_id)])
        except Exception:  # the cache is a copy; failing to keep it must not stop the job
            log.exception("could not cache item %s", item.item_id)

    async def _forget(self, item_id: int) -> None:
        if self._cache is not None:
            await self._cache.items.mark_deleted([item_id])

    # -------------------------------------------------------------- progress

    def budget(self) -> Budget:
        """The budget the job's writes count against, as the rate scheduler knows it now."""
        return write_budget(self._client)

    def waiting(self) -> str | None:
        until = self._client.scheduler.paused_until
        if until is None:
            return None
        seconds = until - time.monotonic()
        return (
            f"waiting for {rate_limit_name(self._client.is_gateway)} ({max(0, round(seconds))} s)"
            if seconds > 0
            else None
        )


class _Progress:
    """Counts of one run, kept in memory between journal reads, and their events."""

    def __init__(
        self,
        job: JournalJob,
        journal: Journal,
        emit: Callable[[BulkEvent], None],
        budget: Callable[[], Budget],
        waiting: Callable[[], str | None],
    ) -> None:
        self._job = job
        self._journal = journal
        self._emit = emit
        self._budget = budget
        self._waiting = waiting
        self._counts = EntryCounts()
        self._last = -1e9
        self._started = time.monotonic()
        self._finished_here = 0

    async def refresh(self) -> None:
        self._counts = await self._journal.counts(self._job.id)

    def count(self, outcome: Outcome) -> None:
        if outcome == "unknown":
            return
        values = self._counts.as_dict()
        values["conflict" if outcome == "conflict" else outcome] += 1
        if values["pending"] > 0:
            values["pending"] -= 1
        elif values["sent"] > 0:
            values["sent"] -= 1
        self._counts = EntryCounts(**values)
        self._finished_here += 1

    def eta(self) -> float:
        """The slower of two guesses: the scheduler's pace for what is left, and this run's
        own speed so far."""
        left = self._counts.open
        if not left:
            return 0.0
        guess = estimate_seconds(left, self._budget())
        if self._finished_here >= 5:
            elapsed = time.monotonic() - self._started
            guess = max(guess, left * elapsed / self._finished_here)
        return guess

    def emit(self, state: str, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_INTERVAL:
            return
        self._last = now
        c = self._counts
        self._emit(
            BulkProgress(
                job_id=self._job.id,
                kind=self._job.kind,
                app_id=self._job.app_id,
                state=state,
                total=c.total,
                done=c.done,
                failed=c.failed,
                conflicts=c.conflict,
                skipped=c.skipped,
                pending=c.open,
                eta_seconds=self.eta(),
                waiting=self._waiting(),
            )
        )
