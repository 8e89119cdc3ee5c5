"""The outbox: writes made while Podio cannot be reached, kept until they can be sent.

One mechanism with bulk edits: the outbox is the account's journal job of kind "outbox"
(cache/journal.py), one entry per write, in the order the user made them:

    update   an item's changed fields (GET-shaped values) and tags, with the revision the
             change was made against and the item as it was then (for the conflict view)
    create   a new item, with an external_id of ours (to find it after a lost answer)
    comment  a comment on an item, with an external_id of ours
    task     a new task on an item, or a task completed or reopened

While offline (or when a save meets a network error) `EditingService` hands a write here
instead of sending it; it is then durable (the journal commits with `synchronous = FULL`).
`replay` sends the pending entries in order, one at a time at USER_JOB priority (the rate
scheduler paces them), each with one call: an update is a revision-checked PUT, so a change
someone else made meanwhile answers 409 and the entry becomes a conflict, listed for the user
with both versions (one read), never overwritten. An entry is marked `sent` before its request
goes out; one still `sent` after a crash or kill -9 is checked with Podio (one read) before it
is sent again, so nothing is sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeAlias

from podio_desk.api.client import PodioClient
from podio_desk.api.errors import (
    BadRequest,
    Conflict,
    Gone,
    NotFound,
    PodioError,
    WriteOutcomeUnknown,
)
from podio_desk.api.events import EventHub
from podio_desk.api.ratelimit import Priority
from podio_desk.cache.journal import EntryCounts, Journal, JournalEntry, NewEntry
from podio_desk.domain.conflicts import ItemConflict, build_conflict
from podio_desk.domain.errors import DomainError
from podio_desk.domain.fields import display_text, parse_values, to_get_values
from podio_desk.domain.items import PLACEHOLDER_KEY, Actor, Comment, Item, ItemChange, Task
from podio_desk.domain.timestamps import parse_podio_datetime, podio_now
from podio_desk.domain.workspace import App
from podio_desk.services.connectivity import is_offline_error

log = logging.getLogger(__name__)

OPEN_STATES = ("pending", "sent")
# What the outbox lists: waiting, and what needs the user (conflicts, refusals).
LISTED_STATES = ("pending", "sent", "conflict", "failed")
EXTERNAL_ID_PREFIX = "podio-desk-outbox-"
# A request in flight when the process died may still be processed by Podio a little later:
# an entry left `sent` is looked up only this long after it was sent, or a create looked up
# too early would be made twice.
SENT_GRACE_SECONDS = 30.0


# ---------------------------------------------------------------- events


@dataclass(frozen=True)
class OutboxChanged:
    """How many writes wait, how many need the user, and which items have writes waiting."""

    waiting: int
    conflicts: int
    failed: int
    item_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class OutboxSent:
    """A waiting write arrived; for an update, `item` is the item as Podio now has it."""

    seq: int
    op: str
    item_id: int | None
    revision: int | None
    item: Item | None = None
    # A create: the placeholder id the new item was listed under until now.
    replaces: int | None = None


@dataclass(frozen=True)
class OutboxShows:
    """The cached row of an item changed because of the outbox (a waiting change dropped,
    or a conflict: Podio's version replaces ours there); `item` is what to show now."""

    item: Item


@dataclass(frozen=True)
class OutboxDropped:
    """A new item's placeholder is gone from the cache (discarded, or made by Podio: then
    an `OutboxSent` follows with the real item); its row goes."""

    item_id: int
    app_id: int | None


OutboxEvent: TypeAlias = OutboxChanged | OutboxSent | OutboxShows | OutboxDropped


@dataclass(frozen=True)
class PendingWrite:
    """One outbox entry as the user sees it."""

    seq: int
    op: str
    state: str
    item_id: int | None
    app_id: int | None
    title: str
    what: str
    error: str | None
    revision: int | None


class OutboxError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.user_message = message


# ---------------------------------------------------------------- the service


class Outbox:
    """The outbox of one account (see the module docstring)."""

    def __init__(
        self,
        journal: Journal,
        client: PodioClient,
        app_of: Callable[[int], Any],
        *,
        store_item: Callable[[Item], Any] | None = None,
        forget_item: Callable[[int], Awaitable[Any]] | None = None,
        title_of: Callable[[int], Awaitable[str]] | None = None,
        sent_grace: float = SENT_GRACE_SECONDS,
    ) -> None:
        self.journal = journal
        self.client = client
        self._app_of = app_of  # async: app id -> App (memory, cache, Podio)
        self._store_item = store_item  # async: keep an item Podio sent in the cache
        self._forget_item = forget_item  # async: drop a new item's placeholder from the cache
        # The title of an item as last seen (the cache), for writes kept without one.
        self._title_of = title_of
        self.events: EventHub[OutboxEvent] = EventHub()
        self._job_id: int | None = None
        self._replaying: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._job_lock = asyncio.Lock()
        # Conflicts found in this run, by seq (after a restart they are read again).
        self._conflicts: dict[int, ItemConflict] = {}
        self.calls = 0  # API calls made by replays (the benchmark's figure)
        self._sent_grace = sent_grace

    async def _find_job(self) -> int:
        # Callers at start run at once (the window asks for counts while the replay starts):
        # without the lock each made a job of its own, and the second one's entries were
        # never found again after a restart.
        async with self._job_lock:
            if self._job_id is None:
                self._job_id = await self._one_job()
            return self._job_id

    async def _one_job(self) -> int:
        """The account's outbox job; several (left by that race) are joined into the first,
        so every write not done is listed and sent."""
        jobs = await self.journal.jobs(kind="outbox", states=("planned", "running", "paused"))
        if not jobs:
            return await self.journal.create_job("outbox", state="running")
        first = jobs[0]
        dismissed = {int(s) for s in first.options.get("dismissed") or [] if isinstance(s, int)}
        for other in jobs[1:]:
            grown = await self.journal.move_entries(other.id, first.id)
            log.info("Outbox: joined job %s into job %s", other.id, first.id)
            dismissed.update(
                int(s) + grown for s in other.options.get("dismissed") or [] if isinstance(s, int)
            )
        if len(jobs) > 1:
            options = {**first.options, "dismissed": sorted(dismissed)}
            await self.journal.update_job(first.id, options=options)
        return first.id

    async def aclose(self) -> None:
        task, self._replaying = self._replaying, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # ------------------------------------------------------------ queueing

    async def queue_update(self, app: App, base: Item, change: ItemChange, revision: int) -> int:
        """Keep an item's change to send later (validated by the caller); returns its seq."""
        values, labels = _get_values(app, change)
        payload: dict[str, Any] = {
            "app_id": app.app_id,
            "values": values,
            "tags": None if change.tags is None else list(change.tags),
            "base": dict(base.with_json().raw),
        }
        summary = {"title": base.title or f"#{base.item_id}", "fields": labels}
        entry = NewEntry(
            op="update",
            item_id=base.item_id,
            payload=payload,
            base_revision=revision,
            summary=summary,
        )
        return await self._add(entry)

    async def queue_create(self, app: App, change: ItemChange) -> int:
        """Keep a new item to create later; it is listed in its app under a placeholder id
        (`new_item`) until Podio makes it."""
        values, labels = _get_values(app, change)
        payload = {
            "app_id": app.app_id,
            "values": values,
            "tags": None if change.tags is None else list(change.tags),
            "external_id": EXTERNAL_ID_PREFIX + uuid.uuid4().hex,
            "created_on": podio_now(),
        }
        entry = NewEntry(
            op="create",
            item_id=new_placeholder_id(),
            payload=payload,
            summary={"title": _create_title(app, labels), "fields": labels},
        )
        seq = await self._add(entry)
        created = await self.new_item(seq)
        if created is not None and self._store_item is not None:
            await self._store_item(created)
        return seq

    async def new_item(self, seq: int) -> Item | None:
        """A waiting new item as its app lists it until Podio makes it: its placeholder id
        (`is_placeholder_id`), revision 0, the values it will be created with. None when
        `seq` is no waiting create."""
        entry = await self.journal.entry(await self._find_job(), seq)
        if entry is None or entry.op != "create" or entry.item_id is None:
            return None
        return await self._placeholder(entry)

    async def _placeholder(self, entry: JournalEntry) -> Item | None:
        assert entry.item_id is not None
        app = await self._app_of(int(entry.payload["app_id"]))
        change = self._change(app, entry)
        if change is None:
            return None
        made = str(entry.payload.get("created_on") or entry.updated)
        raw = {
            "item_id": entry.item_id,
            PLACEHOLDER_KEY: True,
            "app": {"app_id": app.app_id},
            "title": "",
            "revision": 0,
            "created_on": made,
            "last_event_on": made,
            "fields": [],
            "tags": [],
        }
        return with_change(app, Item.from_api(raw, app), change)

    async def amend_create(self, app: App, item_id: int, change: ItemChange) -> Item | None:
        """An edit of a new item that waits to be created (it has no Podio id yet): the
        waiting create takes the change. Returns the item as listed now; None when it is
        no longer waiting (being sent, or made by Podio meanwhile)."""
        job_id = await self._find_job()
        entry = next(
            (
                e
                for e in await self.journal.entries_for_item(item_id)
                if e.job_id == job_id and e.op == "create" and e.state == "pending"
            ),
            None,
        )
        if entry is None:
            return None
        values, labels = _get_values(app, change)
        payload = dict(entry.payload)
        payload["values"] = {**(payload.get("values") or {}), **values}
        if change.tags is not None:
            payload["tags"] = list(change.tags)
        fields = {**(entry.summary.get("fields") or {}), **labels}
        summary = {"title": _create_title(app, fields), "fields": fields}
        if not await self.journal.update_entry(job_id, entry.seq, payload=payload, summary=summary):
            return None
        amended = dataclasses.replace(entry, payload=payload, summary=summary)
        created = await self._placeholder(amended)
        if created is not None and self._store_item is not None:
            await self._store_item(created)
        await self._announce()
        return created

    async def queue_comment(self, item_id: int, text: str, title: str = "") -> int:
        payload = {"text": text, "external_id": EXTERNAL_ID_PREFIX + uuid.uuid4().hex}
        return await self._add(
            NewEntry(op="comment", item_id=item_id, payload=payload, summary={"title": title})
        )

    async def queue_task(
        self,
        item_id: int,
        action: str,
        *,
        text: str = "",
        due_date: date | None = None,
        task_id: int | None = None,
        title: str = "",
        body: Mapping[str, Any] | None = None,
    ) -> int:
        payload = {
            "action": action,
            "text": text,
            "due_date": None if due_date is None else due_date.isoformat(),
            "task_id": task_id,
            # A new task's whole request (assignee, description, due time), when known.
            "body": None if body is None else dict(body),
        }
        return await self._add(
            NewEntry(op="task", item_id=item_id, payload=payload, summary={"title": title})
        )

    async def _add(self, entry: NewEntry) -> int:
        job_id = await self._find_job()
        (seq,) = await self.journal.add_entries(job_id, [entry])
        await self._announce()
        return seq

    # ------------------------------------------------------------ what is waiting

    async def listed(self) -> list[PendingWrite]:
        """Entries waiting or needing the user, in order."""
        listed = [_pending(e) for e in await self._listed_entries()]
        return [await self._titled(write) for write in listed]

    async def _titled(self, write: PendingWrite) -> PendingWrite:
        """A comment or a task is kept under its item's id only (queueing it asks nothing,
        so writes keep the order they were made in): listed under the item's title."""
        if write.item_id is None or self._title_of is None or write.title != _untitled(write):
            return write
        try:
            title = await self._title_of(write.item_id)
        except Exception:  # the cache is a copy; the list must still show
            log.exception("Outbox: no title for item %s", write.item_id)
            return write
        return dataclasses.replace(write, title=title) if title else write

    async def counts(self) -> EntryCounts:
        return await self.journal.counts(await self._find_job())

    async def waiting_for_item(self, item_id: int) -> list[JournalEntry]:
        job_id = await self._find_job()
        return [e for e in await self.journal.entries_for_item(item_id) if e.job_id == job_id]

    async def has_waiting(self, item_id: int) -> bool:
        """Whether a write to this item waits to be sent."""
        return bool(await self.waiting_for_item(item_id))

    async def pending_item(self, item: Item, app: App | None = None) -> Item:
        """`item` with its waiting changes applied (what the editor and the grid show)."""
        if app is None:
            return item
        for entry in await self.waiting_for_item(item.item_id):
            change = self._change(app, entry) if entry.op == "update" else None
            if change is not None:
                item = with_change(app, item, change)
        return item

    async def pending_comments(self, item_id: int) -> tuple[Comment, ...]:
        """Comments waiting to be sent, shown after the item's own (negative ids)."""
        waiting = []
        for entry in await self.waiting_for_item(item_id):
            if entry.op == "comment":
                waiting.append(
                    Comment(
                        comment_id=-entry.seq,
                        value=str(entry.payload.get("text", "")),
                        created_by=Actor("user", None, "You (waiting to be sent)"),
                    )
                )
        return tuple(waiting)

    async def pending_tasks(self, item_id: int, tasks: Sequence[Task]) -> tuple[Task, ...]:
        """The item's tasks with waiting task changes applied, new ones last."""
        result = list(tasks)
        for entry in await self.waiting_for_item(item_id):
            if entry.op != "task":
                continue
            action = entry.payload.get("action")
            if action == "create":
                result.append(
                    Task(task_id=-entry.seq, text=f"{entry.payload.get('text', '')} (waiting)")
                )
            elif action in ("complete", "incomplete"):
                status = "completed" if action == "complete" else "active"
                result = [
                    Task(
                        task_id=t.task_id,
                        text=t.text,
                        status=status,
                        description=t.description,
                        due_on=t.due_on,
                        responsible=t.responsible,
                    )
                    if t.task_id == entry.payload.get("task_id")
                    else t
                    for t in result
                ]
        return tuple(result)

    def conflict(self, seq: int) -> ItemConflict | None:
        """The conflict an update met (this run); `reread_conflict` builds it again."""
        return self._conflicts.get(seq)

    async def reread_conflict(self, seq: int) -> ItemConflict:
        """An update's conflict, from Podio's current item (after a restart)."""
        entry = await self.journal.entry(await self._find_job(), seq)
        if entry is None or entry.op != "update" or entry.item_id is None:
            raise OutboxError("This change is no longer in the outbox.")
        app = await self._app_of(int(entry.payload["app_id"]))
        current = await self.client.item(entry.item_id, app=app)
        conflict = self._build_conflict(app, entry, current)
        self._conflicts[seq] = conflict
        return conflict

    async def discard(self, seq: int) -> bool:
        """Drop a waiting change (it is never sent), or stop listing a conflict or refusal
        the user has dealt with (the journal keeps it, as history)."""
        job_id = await self._find_job()
        entry = await self.journal.entry(job_id, seq)
        if entry is None:
            return False
        if entry.state in OPEN_STATES:
            done = await self.journal.finish(job_id, seq, "skipped", error="discarded by the user")
            if done:
                await self._restore_base(entry)
                await self._drop_placeholder(entry)
        else:
            dismissed = await self._dismissed()
            dismissed.add(seq)
            await self.journal.update_job(job_id, options={"dismissed": sorted(dismissed)})
            done = True
        self._conflicts.pop(seq, None)
        await self._announce()
        return done

    async def discard_new_item(self, item_id: int) -> bool:
        """A waiting new item deleted before Podio made it: its create is discarded (never
        sent) and its row goes. False when it is no longer waiting."""
        job_id = await self._find_job()
        for entry in await self.journal.entries_for_item(item_id):
            if entry.job_id == job_id and entry.op == "create" and entry.state == "pending":
                return await self.discard(entry.seq)
        return False

    async def _dismissed(self) -> set[int]:
        job = await self.journal.job(await self._find_job())
        raw = [] if job is None else job.options.get("dismissed") or []
        return {int(seq) for seq in raw if isinstance(seq, int)}

    async def _listed_entries(self) -> list[JournalEntry]:
        job_id = await self._find_job()
        dismissed = await self._dismissed()
        return [
            e
            for e in await self.journal.entries(job_id, states=LISTED_STATES)
            if e.seq not in dismissed
        ]

    async def take_back(self, seq: int) -> tuple[App, Item, ItemChange] | None:
        """Remove a waiting update from the outbox and give it back to be edited (the item
        as it was, and the change): the user edits and saves it again."""
        job_id = await self._find_job()
        entry = await self.journal.entry(job_id, seq)
        if entry is None or entry.op != "update" or entry.state != "pending":
            return None
        app = await self._app_of(int(entry.payload["app_id"]))
        change = self._change(app, entry)
        base = _base_of(entry, app)
        if change is None or base is None:
            return None
        if not await self.journal.finish(job_id, seq, "skipped", error="taken back to edit"):
            return None
        await self._restore_base(entry)
        await self._announce()
        return app, base, change

    async def _restore_base(self, entry: JournalEntry) -> None:
        """An update that will not be sent: the cached row shows the item as it was again
        (it showed the waiting change)."""
        if entry.op != "update" or self._store_item is None:
            return
        app = await self._app_of(int(entry.payload["app_id"]))
        base = _base_of(entry, app)
        if base is None:
            return  # kept without the item's JSON (an older grid edit): nothing to restore
        await self._store_item(base)
        self.events.emit(OutboxShows(base))

    async def _drop_placeholder(self, entry: JournalEntry) -> None:
        """A create that is done or will not be sent: its placeholder row goes."""
        if entry.op != "create" or entry.item_id is None or not is_placeholder_id(entry.item_id):
            return
        if self._forget_item is not None:
            try:
                await self._forget_item(entry.item_id)
            except Exception:  # the cache is a copy; the outbox's news must still go out
                log.exception("Outbox: placeholder %s not dropped from the cache", entry.item_id)
        app_id = entry.payload.get("app_id")
        self.events.emit(OutboxDropped(entry.item_id, app_id if isinstance(app_id, int) else None))

    async def _failed(self, job_id: int, entry: JournalEntry, error: str) -> None:
        await self.journal.finish(job_id, entry.seq, "failed", error=error)
        await self._restore_base(entry)

    async def _failed_quietly(self, job_id: int, entry: JournalEntry, error: Exception) -> None:
        reason = getattr(error, "user_message", None) or str(error) or type(error).__name__
        try:
            await self._failed(job_id, entry, reason)
        except Exception:
            log.exception("Outbox entry %s: could not restore the item as it was", entry.seq)

    async def _announce(self) -> None:
        waiting = await self._listed_entries()
        self.events.emit(
            OutboxChanged(
                waiting=sum(1 for e in waiting if e.state in OPEN_STATES),
                conflicts=sum(1 for e in waiting if e.state == "conflict"),
                failed=sum(1 for e in waiting if e.state == "failed"),
                item_ids=frozenset(
                    e.item_id for e in waiting if e.state in OPEN_STATES and e.item_id is not None
                ),
            )
        )

    async def announce(self) -> None:
        """Tell the listeners the counts now (a window starting follows them from here)."""
        await self._announce()

    # ------------------------------------------------------------ sending

    def start_replay(self) -> asyncio.Task[None]:
        """Send what waits (once; a replay already running is kept)."""
        if self._replaying is None or self._replaying.done():
            self._replaying = asyncio.get_running_loop().create_task(
                self.replay(), name="outbox:replay"
            )
        return self._replaying

    async def replay(self) -> None:
        """Send the waiting entries in order; stops at the first one Podio cannot be reached
        for (it stays pending, and everything after it waits too)."""
        async with self._lock:
            job_id = await self._find_job()
            for entry in await self.journal.entries(job_id, states=OPEN_STATES):
                try:
                    sent = await self._send(job_id, entry)
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    if is_offline_error(error):
                        # Certainly not applied (or re-checked next time when `sent`).
                        log.info("Outbox: Podio cannot be reached; %s waits", entry.seq)
                        await self._announce()
                        return
                    log.exception("Outbox entry %s failed", entry.seq)
                    # One refused write never holds back the others: it is listed with its
                    # reason, and the replay goes on.
                    await self._failed_quietly(job_id, entry, error)
                    continue
                if not sent:
                    log.info("Outbox entry %s was not sent", entry.seq)
            await self._announce()

    async def _send(self, job_id: int, entry: JournalEntry) -> bool:
        # Sent before a crash or a lost answer: ask Podio whether it arrived first.
        if entry.state == "sent":
            await self._let_it_land(entry)
            if await self._arrived(job_id, entry):
                return True
        if not await self.journal.mark_sent(job_id, entry.seq):
            return False  # discarded meanwhile
        if entry.op == "update":
            return await self._send_update(job_id, entry)
        if entry.op == "create":
            return await self._send_create(job_id, entry)
        if entry.op == "comment":
            assert entry.item_id is not None
            self.calls += 1
            comment_id = await self.client.add_comment(
                entry.item_id,
                str(entry.payload["text"]),
                external_id=str(entry.payload.get("external_id") or "") or None,
                priority=Priority.USER_JOB,
            )
            await self._done(job_id, entry, comment_id)
            return True
        if entry.op == "task":
            return await self._send_task(job_id, entry)
        await self.journal.finish(job_id, entry.seq, "failed", error=f"unknown write {entry.op}")
        return False

    async def _done(
        self, job_id: int, entry: JournalEntry, revision: int | None, item: Item | None = None
    ) -> None:
        await self.journal.finish(job_id, entry.seq, "done", result_revision=revision)
        self.events.emit(OutboxSent(entry.seq, entry.op, entry.item_id, revision, item))
        await self._announce()

    def _change(self, app: App | None, entry: JournalEntry) -> ItemChange | None:
        if app is None:
            return None
        fields = {f.field_id: f for f in app.fields}
        values = {}
        for key, raw in (entry.payload.get("values") or {}).items():
            fdef = fields.get(int(key))
            if fdef is None:
                return None
            try:
                values[fdef.field_id] = parse_values(fdef, raw)
            except DomainError:
                return None
        tags = entry.payload.get("tags")
        return ItemChange(values=values, tags=None if tags is None else tuple(tags))

    async def _send_update(self, job_id: int, entry: JournalEntry) -> bool:
        assert entry.item_id is not None
        assert entry.base_revision is not None
        app = await self._app_of(int(entry.payload["app_id"]))
        change = self._change(app, entry)
        if change is None:
            await self._failed(job_id, entry, "the app's fields changed; edit it again")
            return False
        body = change.to_update_body(app)

        def landed(current: Item) -> bool:
            return all(current.value(fid) == value for fid, value in change.values.items())

        self.calls += 1
        try:
            outcome = await self.client.update_item_safely(
                entry.item_id,
                body["fields"],
                revision=entry.base_revision,
                tags=body.get("tags"),
                priority=Priority.USER_JOB,
                landed=landed,
            )
        except Conflict:
            self.calls += 1
            current = await self.client.item(entry.item_id, app=app, priority=Priority.USER_JOB)
            if landed(current) and current.revision > entry.base_revision:
                # Our own write, whose answer was lost before: it arrived.
                await self._done(job_id, entry, current.revision, current)
                return True
            await self._conflicted(job_id, entry, app, current)
            return True
        except (Gone, NotFound) as error:
            await self._failed(job_id, entry, f"the item was deleted in Podio ({error})")
            return True
        except BadRequest as error:
            await self._failed(job_id, entry, error.user_message)
            return True
        base = _base_of(entry, app)
        if base is None:
            # Kept without the item's JSON (an older grid edit): ask Podio for the item.
            self.calls += 1
            item = await self.client.item(entry.item_id, app=app, priority=Priority.USER_JOB)
        else:
            item = _with_revision(with_change(app, base, change), outcome.revision)
        if self._store_item is not None:
            await self._store_item(item)
        await self._done(job_id, entry, outcome.revision, item)
        return True

    def _build_conflict(self, app: App, entry: JournalEntry, current: Item) -> ItemConflict:
        base = _base_of(entry, app) or current
        change = self._change(app, entry) or ItemChange()
        return build_conflict(app, base, current, change, None, ())

    async def _conflicted(self, job_id: int, entry: JournalEntry, app: App, current: Item) -> None:
        self._conflicts[entry.seq] = self._build_conflict(app, entry, current)
        if self._store_item is not None:
            await self._store_item(current)
        self.events.emit(OutboxShows(current))
        await self.journal.finish(
            job_id,
            entry.seq,
            "conflict",
            error=f"changed by someone else meanwhile (now revision {current.revision})",
        )
        await self._announce()

    async def _send_create(self, job_id: int, entry: JournalEntry) -> bool:
        app = await self._app_of(int(entry.payload["app_id"]))
        change = self._change(app, entry)
        if change is None:
            await self.journal.finish(
                job_id, entry.seq, "failed", error="the app's fields changed; create it again"
            )
            return False
        body = change.to_update_body(app)
        self.calls += 1
        try:
            item_id = await self.client.create_item(
                app.app_id,
                body["fields"],
                tags=body.get("tags"),
                external_id=str(entry.payload["external_id"]),
                priority=Priority.USER_JOB,
            )
        except WriteOutcomeUnknown:
            raise  # stays `sent`: checked by its external_id next time
        except BadRequest as error:
            await self.journal.finish(job_id, entry.seq, "failed", error=error.user_message)
            return True
        await self.journal.finish(job_id, entry.seq, "done", result_revision=1)
        created = await self._read_created(app, item_id)
        await self._drop_placeholder(entry)
        self.events.emit(
            OutboxSent(entry.seq, "create", item_id, None, created, replaces=entry.item_id)
        )
        await self._announce()
        return True

    async def _read_created(self, app: App, item_id: int) -> Item | None:
        """The new item, read once and kept in the cache, so the app's table lists it without
        waiting for the next sync; None when it cannot be read now (the sync brings it)."""
        if self._store_item is None:
            return None
        self.calls += 1
        try:
            item = await self.client.item(item_id, app=app, priority=Priority.USER_JOB)
        except PodioError as error:
            log.info("outbox: new item %s not read back (%s)", item_id, error)
            return None
        await self._store_item(item)
        return item

    async def _send_task(self, job_id: int, entry: JournalEntry) -> bool:
        assert entry.item_id is not None
        action = entry.payload.get("action")
        self.calls += 1
        body = entry.payload.get("body")
        if action == "create" and isinstance(body, Mapping):
            await self.client.create_task(
                {k: v for k, v in body.items() if v is not None},
                ref=("item", entry.item_id),
                priority=Priority.USER_JOB,
            )
        elif action == "create":
            due = entry.payload.get("due_date")
            await self.client.create_item_task(
                entry.item_id,
                str(entry.payload.get("text", "")),
                due_date=None if not due else date.fromisoformat(str(due)),
                priority=Priority.USER_JOB,
            )
        elif action == "complete":
            await self.client.complete_task(
                int(entry.payload["task_id"]), priority=Priority.USER_JOB
            )
        elif action == "incomplete":
            await self.client.incomplete_task(
                int(entry.payload["task_id"]), priority=Priority.USER_JOB
            )
        else:
            await self.journal.finish(job_id, entry.seq, "failed", error=f"unknown {action}")
            return False
        await self._done(job_id, entry, None)
        return True

    async def _let_it_land(self, entry: JournalEntry) -> None:
        try:
            sent_at = parse_podio_datetime(entry.updated)
        except DomainError:
            return
        age = (datetime.now(UTC) - sent_at).total_seconds()
        if age < self._sent_grace:
            await asyncio.sleep(self._sent_grace - age)

    async def _arrived(self, job_id: int, entry: JournalEntry) -> bool:
        """An entry left `sent` (its answer never came): True when Podio has it (marked
        done); False when it must be sent again."""
        self.calls += 1
        if entry.op == "update" and entry.item_id is not None and entry.base_revision is not None:
            app = await self._app_of(int(entry.payload["app_id"]))
            current = await self.client.item(entry.item_id, app=app, priority=Priority.USER_JOB)
            change = self._change(app, entry) or ItemChange()
            if current.revision == entry.base_revision:
                return False
            if all(current.value(fid) == v for fid, v in change.values.items()):
                await self._done(job_id, entry, current.revision, current)
            else:
                await self._conflicted(job_id, entry, app, current)
            return True
        if entry.op == "create":
            try:
                found = await self.client.item_by_external_id(
                    int(entry.payload["app_id"]),
                    str(entry.payload["external_id"]),
                    priority=Priority.USER_JOB,
                )
            except NotFound:
                return False
            await self.journal.finish(job_id, entry.seq, "done", result_revision=found.revision)
            if self._store_item is not None:
                await self._store_item(found)
            await self._drop_placeholder(entry)
            self.events.emit(
                OutboxSent(
                    entry.seq,
                    "create",
                    found.item_id,
                    found.revision,
                    found if self._store_item is not None else None,
                    replaces=entry.item_id,
                )
            )
            return True
        if entry.op == "comment" and entry.item_id is not None:
            wanted = entry.payload.get("external_id")
            comments = await self.client.comments(entry.item_id, priority=Priority.USER_JOB)
            if any(c.external_id == wanted for c in comments):
                await self._done(job_id, entry, None)
                return True
            return False
        if entry.op == "task" and entry.item_id is not None:
            tasks = await self.client.item_tasks(entry.item_id, priority=Priority.USER_JOB)
            action = entry.payload.get("action")
            if action == "create":
                text = str(entry.payload.get("text", ""))
                arrived = any(t.text == text for t in tasks)
            else:
                wanted_status = "completed" if action == "complete" else "active"
                arrived = any(
                    t.task_id == entry.payload.get("task_id") and t.status == wanted_status
                    for t in tasks
                )
            if arrived:
                await self._done(job_id, entry, None)
            return arrived
        return False


def new_placeholder_id() -> int:
    """The id a new item is listed under until Podio makes it: negative (Podio's ids are
    positive), within 32 bits (Qt's signals carry ids as int), random (it must not repeat
    across restarts, and the journal numbers entries only once they are added)."""
    return -(uuid.uuid4().int % (2**31 - 1)) - 1


def is_placeholder_id(item_id: int) -> bool:
    """Whether `item_id` names a new item that waits in the outbox to be created."""
    return item_id < 0


def _get_values(app: App, change: ItemChange) -> tuple[dict[str, Any], dict[str, str]]:
    """A change's values in GET form by field id, and as text by field label."""
    values = {}
    labels = {}
    for field_id, value in change.values.items():
        fdef = next((f for f in app.fields if f.field_id == field_id), None)
        if fdef is None:
            raise OutboxError(f"Field {field_id} is not a field of {app.name}")
        values[str(field_id)] = to_get_values(fdef, value)
        labels[fdef.label or str(field_id)] = display_text(fdef, value)
    return values, labels


def _create_title(app: App, labels: Mapping[str, str]) -> str:
    fdef = app.title_field
    title = labels.get(fdef.label or str(fdef.field_id), "") if fdef is not None else ""
    return title or next(iter(labels.values()), "") or f"New {app.item_name or 'item'}"


def with_change(app: App, base: Item, change: ItemChange) -> Item:
    """`base` as it reads once `change` is saved, its title too (Podio takes the title
    from the app's title field; until Podio answers, we do the same)."""
    item = base.with_change(change, app)
    fdef = app.title_field
    if fdef is not None and fdef.field_id in change.values:
        title = display_text(fdef, change.values[fdef.field_id])
        item = dataclasses.replace(item, title=title, raw={**item.raw, "title": title})
    return item


def _base_of(entry: JournalEntry, app: App) -> Item | None:
    """The item an update was made on, or None when the entry kept no usable JSON of it."""
    raw = entry.payload.get("base")
    if not isinstance(raw, Mapping) or "item_id" not in raw:
        return None
    try:
        return Item.from_api(raw, app)
    except DomainError:
        return None


def _with_revision(item: Item, revision: int | None) -> Item:
    if revision is None:
        return item
    raw = dict(item.raw)
    raw["revision"] = revision
    return dataclasses.replace(item, revision=revision, raw=raw)


def _untitled(write: PendingWrite) -> str:
    """The title a write kept without one is listed under."""
    return f"#{write.item_id}" if write.item_id else ""


def _pending(entry: JournalEntry) -> PendingWrite:
    summary = entry.summary
    title = str(summary.get("title") or (f"#{entry.item_id}" if entry.item_id else ""))
    fields = summary.get("fields") or {}
    if entry.op == "update":
        what = "; ".join(f"{label}: {text}" for label, text in fields.items()) or "tags"
    elif entry.op == "create":
        what = "new item: " + "; ".join(f"{label}: {text}" for label, text in fields.items())
    elif entry.op == "comment":
        what = f"comment: {entry.payload.get('text', '')}"
    elif entry.op == "task":
        action = entry.payload.get("action")
        what = (
            f"task: {entry.payload.get('text', '')}"
            if action == "create"
            else f"task {entry.payload.get('task_id')}: {action}"
        )
    else:
        what = entry.op
    app_id = entry.payload.get("app_id")
    return PendingWrite(
        seq=entry.seq,
        op=entry.op,
        state=entry.state,
        item_id=entry.item_id,
        app_id=int(app_id) if isinstance(app_id, int) else None,
        title=title,
        what=what,
        error=entry.error,
        revision=entry.base_revision,
    )


__all__ = [
    "Outbox",
    "OutboxChanged",
    "OutboxDropped",
    "OutboxError",
    "OutboxEvent",
    "OutboxSent",
    "OutboxShows",
    "PendingWrite",
]
