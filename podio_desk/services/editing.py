"""Editing one item: save with its revision, conflicts, create/duplicate/delete, side panes.

Everything here is plain asyncio (no Qt). The item editor in `ui/editor/` builds an
`ItemChange` from its widgets and hands it to `EditingService.save`, which

1. validates it with the domain rules and sends nothing while any value is invalid,
2. sends only the changed fields with the item's revision (`PUT /item/{id}`),
3. on success re-reads the item, writes it to the cache and emits `ItemSaved`,
4. on 409 builds an `ItemConflict` from the revision diff (what they changed) so the user
   can keep mine / take theirs / edit per field — nothing is overwritten silently,
5. on 410/404 reports the item as deleted with the unsaved values as JSON to copy out,
6. on 400 points at the field Podio names, when it names one.

The outcome is a value (`SaveOutcome`), never an exception, so the editor can show it.

Reading works offline: when Podio cannot be reached (or answers 5xx), an item, its app, and its
comments, files, revisions and tasks come from the cache as they were last read, and
`seen_offline(item_id)` says when that was. Every list read from Podio is kept for that.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeAlias, TypeVar

from podio_desk.api.client import PodioClient, ReferenceCandidate, UpdateOutcome
from podio_desk.api.errors import (
    BadRequest,
    Conflict,
    Gone,
    NotFound,
    PodioError,
    ServerError,
    Unavailable,
    WriteOutcomeUnknown,
)
from podio_desk.api.events import EventHub
from podio_desk.cache.index import item_record
from podio_desk.domain.changes import (
    copy_change,
    drop_unchanged,
    missing_required,
    unsaved_values_json,
)
from podio_desk.domain.conflicts import Choice, ItemConflict, build_conflict
from podio_desk.domain.errors import DomainError
from podio_desk.domain.fields import (
    ContactRef,
    ContactValue,
    EmbedRef,
    FieldDef,
    FileRef,
    RelatedItem,
    ValidationIssue,
    parse_values,
    referenced_app_ids,
)
from podio_desk.domain.items import (
    Comment,
    Item,
    ItemChange,
    Revision,
    RevisionDiff,
    Task,
)
from podio_desk.domain.tasks import TaskDraft
from podio_desk.domain.timestamps import format_podio_datetime, podio_datetime_or_none
from podio_desk.domain.workspace import App
from podio_desk.services.connectivity import is_offline_error
from podio_desk.services.file_cache import FileCache
from podio_desk.services.outbox import is_placeholder_id
from podio_desk.services.outbox import with_change as shown_with_change
from podio_desk.services.queries import ItemDetails
from podio_desk.services.tasks import TaskService

log = logging.getLogger(__name__)
T = TypeVar("T")


# ---------------------------------------------------------------- events


@dataclass(frozen=True)
class ItemSaved:
    """An item was written (saved, created, reverted); `item` is Podio's state after it."""

    item: Item
    created: bool = False


@dataclass(frozen=True)
class ItemRemoved:
    """An item was deleted (by us, or found deleted while saving)."""

    item_id: int
    app_id: int | None


EditEvent: TypeAlias = ItemSaved | ItemRemoved


# ---------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class FieldProblem:
    """A message for one field (`field_id` None: about the item as a whole)."""

    field_id: int | None
    label: str
    message: str


@dataclass(frozen=True)
class Saved:
    item: Item
    sent_field_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class NothingToSave:
    item: Item


@dataclass(frozen=True)
class Invalid:
    """Nothing was sent: these values break the field rules."""

    issues: tuple[ValidationIssue, ...]


@dataclass(frozen=True)
class Rejected:
    """Podio answered 400. `problems` name the fields it blamed, when it named any."""

    message: str
    problems: tuple[FieldProblem, ...]


@dataclass(frozen=True)
class Conflicted:
    conflict: ItemConflict


@dataclass(frozen=True)
class Deleted:
    """The item is gone (410/404). `unsaved_json` holds what the user had typed."""

    message: str
    unsaved_json: str


@dataclass(frozen=True)
class Failed:
    """Anything else (offline, rate limit, server error); the edit is kept in the editor."""

    message: str


@dataclass(frozen=True)
class Queued:
    """Podio cannot be reached: the change waits in the outbox and is sent by itself later.
    `item` shows it applied (None for a new item: it has no id until Podio makes it)."""

    item: Item | None
    seq: int
    message: str


SaveOutcome: TypeAlias = (
    Queued | Saved | NothingToSave | Invalid | Rejected | Conflicted | Deleted | Failed
)


class OutboxQueue(Protocol):
    """Where writes go while Podio cannot be reached (`services.outbox.Outbox` fits)."""

    async def queue_update(
        self, app: App, base: Item, change: ItemChange, revision: int
    ) -> int: ...

    async def queue_create(self, app: App, change: ItemChange) -> int: ...

    async def new_item(self, seq: int) -> Item | None: ...

    async def amend_create(self, app: App, item_id: int, change: ItemChange) -> Item | None: ...

    async def discard_new_item(self, item_id: int) -> bool: ...

    async def queue_comment(self, item_id: int, text: str, title: str = "") -> int: ...

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
    ) -> int: ...

    async def pending_comments(self, item_id: int) -> tuple[Comment, ...]: ...

    async def pending_tasks(self, item_id: int, tasks: Sequence[Task]) -> tuple[Task, ...]: ...

    async def pending_item(self, item: Item, app: App | None = None) -> Item: ...

    async def has_waiting(self, item_id: int) -> bool: ...


QUEUED_MESSAGE = (
    "Podio cannot be reached: the change waits in the outbox and is sent by itself when "
    "Podio answers again."
)
NEW_ITEM_QUEUED_MESSAGE = (
    "Podio cannot be reached: the new item waits in the outbox (listed in its app, not yet "
    "in Podio) and is created by itself when Podio answers again."
)
AMENDED_MESSAGE = "This new item is not in Podio yet: the change goes with it when it is created."
NOT_YET_IN_PODIO = (
    "This new item is not in Podio yet: it waits in the outbox and is created when Podio "
    "answers again."
)


# ---------------------------------------------------------------- the cache, as this module sees it


class ItemCacheWriter(Protocol):
    """What saving needs from the cache (`cache.ItemStore` fits)."""

    async def upsert(self, records: Sequence[Any]) -> Any: ...

    async def mark_deleted(self, item_ids: Sequence[int]) -> int: ...

    async def search(self, app_id: int, text: str, limit: int = 100) -> list[int]: ...

    async def get_many(self, item_ids: Sequence[int]) -> list[Any]: ...


class CachedReads(Protocol):
    """What reading offline needs from the cache (`services.queries.QueryService` fits)."""

    async def app(self, app_id: int) -> App | None: ...

    async def item(self, item_id: int) -> ItemDetails | None: ...


class SeenListsLike(Protocol):
    entries: list[dict[str, Any]]
    seen_at: str


class ItemListStore(Protocol):
    """Where lists read from Podio are kept (`cache.ItemStore` fits)."""

    async def save_lists(
        self,
        item_id: int,
        lists: Mapping[str, Sequence[Mapping[str, Any]]],
        seen_at: str | None = None,
    ) -> None: ...

    async def lists(self, item_id: int) -> Mapping[str, Any]: ...


class NotCachedError(Exception):
    """Podio cannot be reached and the cache has never held what was asked for."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.user_message = message


def cache_may_answer(error: BaseException) -> bool:
    """No answer, or Podio failing (5xx): what the cache last saw beats nothing."""
    return is_offline_error(error) or isinstance(error, ServerError | Unavailable)


# ---------------------------------------------------------------- the service


class EditingService:
    """Use cases of the item editor for one account.

    `cache` is optional (the editor works online without one). `events` carries
    `ItemSaved`/`ItemRemoved` for the item table, which refreshes the row from `item`.
    """

    def __init__(
        self,
        client: PodioClient,
        cache: ItemCacheWriter | None = None,
        *,
        cached: CachedReads | None = None,
        lists: ItemListStore | None = None,
        is_online: Callable[[], bool] = lambda: True,
    ) -> None:
        self.client = client
        self.cache = cache
        self.events: EventHub[EditEvent] = EventHub()
        self._apps: dict[int, App] = {}
        # Podio tasks of items (services/tasks.py); the editor's tasks pane uses it, and
        # `tasks`, `add_task` and `set_task_completed` below add the cache and the outbox.
        self.task_service = TaskService(client)
        self._time_zone: str | None = None
        self._cached = cached
        self._lists = lists
        self._is_online = is_online
        # Items last shown from the cache: item id -> when Podio last sent what is shown.
        self._seen_offline: dict[int, datetime | None] = {}
        # Items last loaded with a change waiting in the outbox.
        self._waiting: set[int] = set()
        # Offline writes go here when set (the session sets the account's outbox).
        self.outbox: OutboxQueue | None = None
        # File contents once downloaded (the session sets the account's folder).
        self.files: FileCache | None = None
        # Saves of one item run one at a time; `_own_writes[item]` is the item as our last
        # save left it and the revisions our saves replaced on the way there.
        self._item_locks: dict[int, asyncio.Lock] = {}
        self._own_writes: dict[int, tuple[frozenset[int], Item]] = {}

    # ------------------------------------------------------------ reading

    async def app(self, app_id: int, *, refresh: bool = False) -> App:
        if refresh or app_id not in self._apps:
            self._apps[app_id] = await self._podio_or_cache(
                lambda: self.client.app(app_id),
                lambda: self._cached_app(app_id),
                "This app's fields are not in the local cache",
            )
        return self._apps[app_id]

    async def user_time_zone(self) -> str | None:
        """The Podio user's time zone (`GET /user/`), in which Podio's local date values
        are given and read; None when Podio cannot be asked (offline) or names none."""
        if self._time_zone is None:
            try:
                self._time_zone = await self.client.user_timezone() or ""
            except PodioError as exc:
                log.info("Could not read the user's time zone: %s", exc)
                return None
        return self._time_zone or None

    async def load(self, item_id: int, app_id: int | None = None) -> tuple[App, Item]:
        """The item and its app's full field definitions (every field, also empty ones).

        Offline (or on a 5xx) the cached copy, if there is one; `seen_offline` then says
        when Podio last sent it."""
        self._seen_offline.pop(item_id, None)
        if is_placeholder_id(item_id):
            # Not in Podio yet: only the cache has it (Podio would answer 404).
            found = await self._load_from_cache(item_id)
            self._seen_offline.pop(item_id, None)
            if found is None:
                raise NotCachedError("This new item is no longer waiting in the outbox.")
            self._waiting.add(item_id)
            return found
        app, item = await self._podio_or_cache(
            lambda: self._load_from_podio(item_id, app_id),
            lambda: self._load_from_cache(item_id),
            "This item is not in the local cache",
        )
        self._waiting.discard(item_id)
        if self.outbox is not None and await self.outbox.has_waiting(item_id):
            self._waiting.add(item_id)
            # Podio's copy does not have it yet: show the item as it will be.
            item = await self.outbox.pending_item(item, app)
        return app, item

    def seen_offline(self, item_id: int) -> datetime | None:
        """When the item now shown was last read from Podio, if it was shown from the cache
        (None: read from Podio just now, or the time is unknown)."""
        return self._seen_offline.get(item_id)

    def offline_note(self, item_id: int) -> str:
        """What the editor says over an item shown from the cache, or with a change waiting
        in the outbox ("" when read from Podio with nothing waiting)."""
        if is_placeholder_id(item_id):
            return NOT_YET_IN_PODIO
        waiting = (
            " A change to it waits in the outbox (shown here) and is sent when Podio answers."
            if item_id in self._waiting
            else ""
        )
        if item_id not in self._seen_offline:
            return waiting.strip()
        seen = self._seen_offline[item_id]
        when = "" if seen is None else f" on {seen.astimezone():%Y-%m-%d %H:%M}"
        return (
            f"Podio cannot be reached: shown from the local cache, as last read{when} "
            "(comments, files, history and tasks too)." + waiting
        )

    async def _load_from_podio(self, item_id: int, app_id: int | None) -> tuple[App, Item]:
        if app_id is None:
            probe = await self.client.item(item_id)
            if probe.app_id is None:
                raise DomainError(f"Item {item_id} names no app")
            app_id = probe.app_id
        app = await self.app(app_id)
        item = await self.client.item(item_id, app=app)
        await self._store(item)
        # GET /item carries the comments and the files: kept for opening offline.
        seen = {kind: item.raw[kind] for kind in ("comments", "files") if kind in item.raw}
        await self._keep_lists(item_id, seen)
        return app, item

    async def _load_from_cache(self, item_id: int) -> tuple[App, Item] | None:
        if self._cached is None:
            return None
        details = await self._cached.item(item_id)
        if details is None or details.item.app_id is None:
            return None
        app = await self._cached_app(details.item.app_id)
        if app is None:
            return None
        item = details.item
        if details.files and "files" not in item.raw:
            # Synced from a filter page (no files in it): the files list kept beside it.
            files = [dict(info.raw) for info in details.files]
            item = dataclasses.replace(item, raw={**item.raw, "files": files})
        self._seen_offline[item_id] = podio_datetime_or_none(details.synced_at)
        return app, item

    async def _cached_app(self, app_id: int) -> App | None:
        if self._cached is None:
            return None
        app = await self._cached.app(app_id)
        return app if app is not None and app.fields else None

    async def _podio_or_cache(
        self,
        from_podio: Callable[[], Awaitable[T]],
        from_cache: Callable[[], Awaitable[T | None]],
        not_cached: str,
    ) -> T:
        """Podio's answer; the cache's when Podio cannot answer (offline: without asking)."""
        if self._is_online() or self._cached is None:
            try:
                return await from_podio()
            except Exception as error:
                if self._cached is None or not cache_may_answer(error):
                    raise
                found = await from_cache()
                if found is None:
                    raise
                log.info("Podio could not answer (%s); shown from the cache", error)
                return found
        found = await from_cache()
        if found is None:
            raise NotCachedError(f"{not_cached}, and Podio cannot be reached.")
        return found

    async def _keep_lists(self, item_id: int, lists: Mapping[str, Any]) -> None:
        valid = {
            kind: [entry for entry in entries if isinstance(entry, Mapping)]
            for kind, entries in lists.items()
            if isinstance(entries, list)
        }
        if self._lists is None or not valid:
            return
        try:
            await self._lists.save_lists(item_id, valid)
        except Exception:  # the cache is a copy; failing to keep it must not fail the read
            log.exception("Could not keep the lists of item %s in the cache", item_id)

    async def _seen_list(self, item_id: int, kind: str) -> list[dict[str, Any]] | None:
        if self._lists is None:
            return None
        found = (await self._lists.lists(item_id)).get(kind)
        return None if found is None else list(found.entries)

    # ------------------------------------------------------------ saving

    async def save(
        self,
        app: App,
        base: Item,
        change: ItemChange,
        *,
        silent: bool = False,
        hook: bool = True,
        revision: int | None = None,
    ) -> SaveOutcome:
        """Send `change` on top of `base` (revision-checked; `revision` overrides base's).

        Saves of one item wait for each other. A save that had to wait for another one, made
        on a revision that this service's own saves replaced (a cell saved twice before the
        first answer came back), goes on top of that save's result: one's own write in flight
        is not "someone else's change". A save that did not wait (an editor holding changes
        since before a save from the table) is checked against the revision it was made on,
        so it comes back as a conflict rather than silently replacing the other save; and
        anyone else's write in between is always a conflict."""
        lock = self._item_locks.setdefault(base.item_id, asyncio.Lock())
        waited = lock.locked()
        async with lock:
            expected = base.revision if revision is None else revision
            own = self._own_writes.get(base.item_id)
            if waited and own is not None and expected in own[0]:
                base, revision = own[1], None
            outcome = await self._save(
                app, base, change, silent=silent, hook=hook, revision=revision
            )
            if isinstance(outcome, Saved):
                replaced = (own[0] if own is not None else frozenset()) | {
                    base.revision if revision is None else revision
                }
                self._own_writes[base.item_id] = (replaced, outcome.item)
            return outcome

    async def _save(
        self,
        app: App,
        base: Item,
        change: ItemChange,
        *,
        silent: bool,
        hook: bool,
        revision: int | None,
    ) -> SaveOutcome:
        # The grid's items carry no JSON; a queued change keeps its base and the cache row
        # is written from JSON, so the grid and the editor queue the same thing.
        base = base.with_json()
        change = drop_unchanged(base, change)
        if not change.values and change.tags is None:
            return NothingToSave(base)
        issues = change.validate(app)
        if issues:
            return Invalid(tuple(issues))
        try:
            body = change.to_update_body(app)
        except DomainError as exc:
            return Invalid((ValidationIssue(0, "", str(exc)),))
        expected = base.revision if revision is None else revision
        if is_placeholder_id(base.item_id):
            return await self._amend_create(app, base, change)
        if self.outbox is not None and not self._is_online():
            return await self._queue_update(app, base, change, expected)

        def landed(current: Item) -> bool:
            """After a dropped connection: does Podio hold exactly what we sent?"""
            return all(current.value(fid) == value for fid, value in change.values.items())

        try:
            if self.outbox is not None:
                # One attempt: a save that meets no answer is queued at once and the
                # outbox's sender does the checking and resending (a write that did land
                # answers its revision-checked resend with 409, read as "arrived"), so the
                # cell never shows the old value while retries run.
                outcome = UpdateOutcome(
                    await self.client.update_item(
                        base.item_id,
                        body["fields"],
                        revision=expected,
                        tags=body.get("tags"),
                        silent=silent,
                        hook=hook,
                    )
                )
            else:
                # Safe against a connection lost mid-write: the item is re-read and the PUT
                # re-sent only with the original revision, so it can never overwrite silently.
                outcome = await self.client.update_item_safely(
                    base.item_id,
                    body["fields"],
                    revision=expected,
                    tags=body.get("tags"),
                    silent=silent,
                    hook=hook,
                    landed=landed,
                )
        except Conflict:
            return await self._conflict(app, base, change)
        except (Gone, NotFound) as exc:
            return await self._deleted(app, base, change, exc)
        except BadRequest as exc:
            return Rejected(exc.user_message, problems_from_bad_request(app, exc))
        except PodioError as exc:
            if self.outbox is not None and is_offline_error(exc):
                # Not sent, or not known to have arrived: the outbox re-checks before sending.
                return await self._queue_update(app, base, change, expected)
            # A 5xx is an answer: Podio is reachable, so this is not "offline" and is not
            # queued (the outbox would resend it behind the user's back). The edit stays
            # with the user with Podio's reason; saving again is revision-checked, so a
            # write the failing server did apply comes back as a conflict, never twice.
            return Failed(exc.user_message)
        try:
            item = await self.client.item(base.item_id, app=app)
        except PodioError as exc:
            # Saved; only the re-read failed. Show what we sent on top of what we had.
            log.warning("Saved item %s but could not re-read it: %s", base.item_id, exc)
            item = dataclasses.replace(
                base,
                revision=outcome.revision if outcome.revision is not None else base.revision,
                values={**base.values, **change.values},
                tags=change.tags if change.tags is not None else base.tags,
            )
            self.events.emit(ItemSaved(item))
            return Saved(item, tuple(change.values))
        await self._store(item)
        self.events.emit(ItemSaved(item))
        return Saved(item, tuple(change.values))

    async def _amend_create(self, app: App, base: Item, change: ItemChange) -> SaveOutcome:
        """An edit of a new item still waiting to be created: it has no Podio id to write
        to, so the waiting create takes the change (sent as one create)."""
        shown = None
        if self.outbox is not None:
            shown = await self.outbox.amend_create(app, base.item_id, change)
        if shown is None:
            return Failed(
                "This new item was sent to Podio meanwhile (or discarded): open it again "
                "from the table to change it."
            )
        self.events.emit(ItemSaved(shown))
        return Queued(shown, 0, AMENDED_MESSAGE)

    async def _queue_update(
        self, app: App, base: Item, change: ItemChange, revision: int
    ) -> SaveOutcome:
        assert self.outbox is not None
        seq = await self.outbox.queue_update(app, base, change, revision)
        shown = shown_with_change(app, base, change)
        await self._store(shown, keep_revision=True)
        self.events.emit(ItemSaved(shown))
        return Queued(shown, seq, QUEUED_MESSAGE)

    async def resolve(
        self,
        app: App,
        conflict: ItemConflict,
        choices: Mapping[int, Choice] | None = None,
        *,
        default: str = "mine",
        silent: bool = False,
        hook: bool = True,
    ) -> SaveOutcome:
        """Save the user's resolution on top of Podio's current revision.

        Another edit in between gives a new `Conflicted` — never a silent overwrite.
        """
        change = conflict.resolve(choices, default=default)
        file_ids = conflict.resolve_files(choices, default=default)
        if file_ids is not None:
            return await self._write_with_files(
                app, conflict.current, change, file_ids, silent=silent, hook=hook
            )
        if not change.values and change.tags is None:
            await self._store(conflict.current)
            self.events.emit(ItemSaved(conflict.current))
            return NothingToSave(conflict.current)
        return await self.save(app, conflict.current, change, silent=silent, hook=hook)

    async def _conflict(self, app: App, base: Item, change: ItemChange) -> SaveOutcome:
        try:
            current = await self.client.item(base.item_id, app=app)
        except (Gone, NotFound) as exc:
            return await self._deleted(app, base, change, exc)
        except PodioError as exc:
            return Failed(
                "Someone else changed this item, and reading their version failed: "
                + exc.user_message
            )
        their_fields: set[int] | None = None
        revisions: tuple[Revision, ...] = ()
        try:
            diffs = await self.client.revision_diff(base.item_id, base.revision, current.revision)
            their_fields = {diff.field.field_id for diff in diffs}
            revisions = tuple(
                rev
                for rev in await self.client.revisions(base.item_id)
                if rev.revision > base.revision
            )
        except PodioError as exc:
            # Without the diff, comparing both versions still shows what differs.
            log.warning("Revision diff of item %s failed: %s", base.item_id, exc)
        await self._store(current)
        return Conflicted(build_conflict(app, base, current, change, their_fields, revisions))

    async def _deleted(self, app: App, base: Item, change: ItemChange, exc: PodioError) -> Deleted:
        if self.cache is not None:
            try:
                await self.cache.mark_deleted([base.item_id])
            except Exception:  # the cache is a copy; failing to mark it must not hide the news
                log.exception("Could not mark item %s deleted in the cache", base.item_id)
        self.events.emit(ItemRemoved(base.item_id, base.app_id))
        title = base.title or f"#{base.item_id}"
        message = (
            f'"{title}" was deleted in Podio, so your changes could not be saved. '
            "Copy them out below."
        )
        log.info("Item %s is gone: %s", base.item_id, exc)
        return Deleted(message, unsaved_values_json(app, base, change))

    # ------------------------------------------------------------ create, duplicate, delete

    async def create(
        self, app: App, change: ItemChange, *, silent: bool = False, hook: bool = True
    ) -> SaveOutcome:
        issues = [*change.validate(app), *missing_required(app, change)]
        if issues:
            return Invalid(tuple(issues))
        if self.outbox is not None and not self._is_online():
            return await self._queue_create(app, change)
        try:
            body = change.to_update_body(app)
            item_id = await self.client.create_item(
                app.app_id, body["fields"], tags=body.get("tags"), silent=silent, hook=hook
            )
            item = await self.client.item(item_id, app=app)
        except BadRequest as exc:
            return Rejected(exc.user_message, problems_from_bad_request(app, exc))
        except DomainError as exc:
            return Invalid((ValidationIssue(0, "", str(exc)),))
        except WriteOutcomeUnknown as exc:
            # It may exist already: queued again it would be made twice (no external_id).
            return Failed(exc.user_message)
        except PodioError as exc:
            if self.outbox is not None and is_offline_error(exc):
                return await self._queue_create(app, change)
            return Failed(exc.user_message)
        await self._store(item)
        self.events.emit(ItemSaved(item, created=True))
        return Saved(item, tuple(change.values))

    async def _queue_create(self, app: App, change: ItemChange) -> SaveOutcome:
        assert self.outbox is not None
        seq = await self.outbox.queue_create(app, change)
        # Listed in its app (the outbox keeps it in the cache under a placeholder id) so it
        # can be found, opened and edited before Podio makes it.
        shown = await self.outbox.new_item(seq)
        if shown is not None:
            self.events.emit(ItemSaved(shown, created=True))
        return Queued(shown, seq, NEW_ITEM_QUEUED_MESSAGE)

    async def duplicate(
        self, app: App, item: Item, *, silent: bool = False, hook: bool = True
    ) -> SaveOutcome:
        """A copy of `item` made by Podio in one call (`POST /item/{id}/clone`), then loaded.

        Only when the API has no clone operation at all (a 404 "No matching operation", as
        api.podio.com answers unknown paths) is the copy re-created from the item's writable
        values and tags (`copy_change`) — a 404 for a missing item is not that case and is
        reported as deleted, like a 410.
        """
        if is_placeholder_id(item.item_id):
            # Not in Podio yet (nothing to clone): a new item with the same values.
            return await self.create(app, copy_change(app, item), silent=silent, hook=hook)
        try:
            new_id = await self.client.clone_item(item.item_id, silent=silent, hook=hook)
        except NotFound as exc:
            if not _no_such_operation(exc):
                return await self._gone_while_duplicating(app, item, exc)
            log.info("This API cannot clone items; re-creating item %s instead", item.item_id)
            return await self.create(app, copy_change(app, item), silent=silent, hook=hook)
        except Gone as exc:
            return await self._gone_while_duplicating(app, item, exc)
        except BadRequest as exc:
            return Rejected(exc.user_message, problems_from_bad_request(app, exc))
        except PodioError as exc:
            return Failed(exc.user_message)
        try:
            copy = await self.client.item(new_id, app=app)
        except PodioError as exc:
            return Failed(
                f"The copy was made (item {new_id}) but could not be opened: {exc.user_message}"
            )
        await self._store(copy)
        self.events.emit(ItemSaved(copy, created=True))
        return Saved(copy)

    async def _gone_while_duplicating(self, app: App, item: Item, exc: PodioError) -> Deleted:
        # Marks the cache and tells the table; the message is ours, as nothing was typed.
        await self._deleted(app, item, ItemChange(), exc)
        title = item.title or f"#{item.item_id}"
        return Deleted(
            f'"{title}" was deleted in Podio, so it cannot be duplicated. '
            "Its values as last read can be copied below.",
            unsaved_values_json(app, item, copy_change(app, item)),
        )

    async def delete(self, item: Item, *, silent: bool = False, hook: bool = True) -> None:
        if is_placeholder_id(item.item_id):
            # Not in Podio yet: its waiting create is dropped (its row goes with it).
            if self.outbox is None or not await self.outbox.discard_new_item(item.item_id):
                raise DomainError(
                    "This new item was sent to Podio meanwhile: open it again from the "
                    "table to delete it."
                )
            return
        await self.client.delete_item(item.item_id, silent=silent, hook=hook)
        if self.cache is not None:
            await self.cache.mark_deleted([item.item_id])
        self.events.emit(ItemRemoved(item.item_id, item.app_id))

    # ------------------------------------------------------------ relationship and contact search

    async def find_related(
        self, fdef: FieldDef, text: str, *, limit: int = 20
    ) -> list[RelatedItem]:
        """Items this relationship field may point to: Podio's find endpoint, then the cache."""
        found: dict[int, RelatedItem] = {}
        try:
            for candidate in await self.client.find_referenceable(fdef.field_id, text, limit=limit):
                found.setdefault(candidate.item_id, _related(candidate))
        except PodioError as exc:
            log.info(
                "Reference search for field %s failed, using the cache: %s", fdef.field_id, exc
            )
        if self.cache is not None and text.strip():
            for app_id in referenced_app_ids(fdef):
                try:
                    ids = await self.cache.search(app_id, text, limit)
                    cached = await self.cache.get_many(ids[:limit])
                except Exception:
                    log.exception("Cache search in app %s failed", app_id)
                    continue
                for row in cached:
                    found.setdefault(
                        row.item_id,
                        RelatedItem(item_id=row.item_id, title=row.title, app_id=row.app_id),
                    )
        return list(found.values())[:limit]

    async def find_contacts(
        self, app: App, fdef: FieldDef, text: str, *, limit: int = 20
    ) -> list[ContactRef]:
        """People whose name matches `text`: the app's workspace contacts from Podio (members
        and space contacts), merged with the contacts this app's cached items hold (name or
        e-mail match), one entry per profile_id. Offline, or when Podio's contact search
        fails, the cached ones are still offered."""
        wanted = text.strip().casefold()
        if not wanted:
            return []
        found: dict[int, ContactRef] = {}
        if app.space_id is not None:
            try:
                online = await self.client.space_contacts(app.space_id, text.strip(), limit)
            except PodioError as exc:
                log.info(
                    "Contact search in space %s failed, using the cache: %s", app.space_id, exc
                )
            else:
                valid_types = _valid_contact_types(fdef)
                for contact in online:
                    if valid_types and contact.type is not None and contact.type not in valid_types:
                        continue  # the field would refuse it
                    found.setdefault(contact.profile_id, contact)
        for contact in await self._cached_contacts(app, fdef, text):
            found.setdefault(contact.profile_id, contact)
        return sorted(found.values(), key=lambda c: c.name.casefold())[:limit]

    async def _cached_contacts(self, app: App, fdef: FieldDef, text: str) -> list[ContactRef]:
        """Contacts in this field of the app's cached items whose name or e-mail matches."""
        wanted = text.strip().casefold()
        if self.cache is None:
            return []
        try:
            ids = await self.cache.search(app.app_id, text, 200)
            rows = await self.cache.get_many(ids)
        except Exception:
            log.exception("Cache search for contacts failed")
            return []
        found: dict[int, ContactRef] = {}
        for row in rows:
            for entry in row.raw.get("fields") or []:
                if entry.get("field_id") != fdef.field_id:
                    continue
                try:
                    value = parse_values(fdef, entry.get("values") or [])
                except DomainError:
                    continue
                if isinstance(value, ContactValue):
                    for contact in value.contacts:
                        haystack = " ".join((contact.name, *contact.mails)).casefold()
                        if wanted in haystack:
                            found.setdefault(contact.profile_id, contact)
        return list(found.values())

    # ------------------------------------------------------------ files, embeds

    async def upload(self, filename: str, content: bytes, mimetype: str) -> FileRef:
        info = await self.client.upload_file(filename, content, mimetype=mimetype)
        return FileRef(
            file_id=info.file_id,
            name=info.name or filename,
            mimetype=info.mimetype or mimetype,
            size=info.size,
            link=info.link,
            thumbnail_link=info.thumbnail_link,
        )

    async def download(self, file_id: int) -> bytes:
        """A file's bytes: kept after the first download (size-capped), so it opens offline."""
        if self.files is not None:
            kept = await self.files.get(file_id)
            if kept is not None:
                return kept
            if not self._is_online():
                raise NotCachedError(
                    "This file was never opened here, and Podio cannot be reached."
                )
        content = await self.client.download_file(file_id)
        if self.files is not None:
            await self.files.put(file_id, content)
        return content

    async def create_embed(self, url: str) -> EmbedRef:
        embed = await self.client.create_embed(url)
        return EmbedRef(embed_id=embed.embed_id, url=embed.url, title=embed.title)

    async def attach(self, item: Item, filename: str, content: bytes, mimetype: str) -> Item:
        """Upload a file and attach it to the item; returns the item re-read.

        `POST /file/{id}/attach` adds one file and sends no list, so it cannot drop a file
        someone else attached meanwhile: it needs no revision (docs/podio-api.md, "Files").
        """
        info = await self.client.upload_file(filename, content, mimetype=mimetype)
        await self.client.attach_file(info.file_id, "item", item.item_id)
        return await self._reread(item)

    async def detach(self, item: Item, file_id: int) -> SaveOutcome:
        """Remove a file from the item without losing anyone else's.

        Podio replaces the whole `file_ids` list, so the list is built from `item` and sent
        with `item.revision` (a newer item is a 409, then a conflict). Whether attaching a
        file moves an item's revision is not documented, so the item is read first and a
        file list that differs from `item`'s is a conflict too.
        """
        app = await self.app(item.app_id) if item.app_id is not None else None
        keep = tuple(info.file_id for info in item.files if info.file_id != file_id)
        try:
            current = await self.client.item(item.item_id, app=app)
        except (Gone, NotFound) as exc:
            return await self._files_gone(app, item, exc)
        except PodioError as exc:
            return Failed(exc.user_message)
        if app is not None and (
            current.revision != item.revision
            or tuple(info.file_id for info in current.files)
            != tuple(info.file_id for info in item.files)
        ):
            await self._store(current)
            return Conflicted(
                build_conflict(app, item, current, ItemChange(), None, (), file_ids=keep)
            )
        if app is None:
            return Failed(f"Item {item.item_id} names no app; nothing was removed.")
        return await self._write_with_files(app, item, ItemChange(), keep)

    async def _write_with_files(
        self,
        app: App,
        base: Item,
        change: ItemChange,
        file_ids: Sequence[int],
        *,
        silent: bool = False,
        hook: bool = True,
    ) -> SaveOutcome:
        """One revision-checked `PUT` of changed fields, tags and the attached files list."""
        try:
            body = change.to_update_body(app) if change.values else {}
        except DomainError as exc:
            return Invalid((ValidationIssue(0, "", str(exc)),))
        try:
            await self.client.update_item(
                base.item_id,
                body.get("fields"),
                revision=base.revision,
                tags=change.tags,
                file_ids=file_ids,
                silent=silent,
                hook=hook,
            )
        except Conflict:
            try:
                current = await self.client.item(base.item_id, app=app)
            except PodioError as exc:
                return Failed(
                    "Someone else changed this item, and reading their version failed: "
                    + exc.user_message
                )
            await self._store(current)
            return Conflicted(
                build_conflict(app, base, current, change, None, (), file_ids=tuple(file_ids))
            )
        except (Gone, NotFound) as exc:
            return await self._deleted(app, base, change, exc)
        except BadRequest as exc:
            return Rejected(exc.user_message, problems_from_bad_request(app, exc))
        except PodioError as exc:
            return Failed(exc.user_message)
        try:
            return Saved(await self._reread(base), tuple(change.values))
        except PodioError as exc:
            return Failed(f"Saved, but the item could not be read again: {exc.user_message}")

    async def _files_gone(self, app: App | None, item: Item, exc: PodioError) -> SaveOutcome:
        if app is None:
            return Failed(exc.user_message)
        return await self._deleted(app, item, ItemChange(), exc)

    # ------------------------------------------------------------ comments, revisions
    # (an item's tasks: `task_service`, services/tasks.py)

    async def comments(self, item_id: int) -> tuple[Comment, ...]:
        """Podio's comments (kept); offline, as last seen."""
        if is_placeholder_id(item_id):
            return ()  # not in Podio yet: nothing to read

        async def from_podio() -> tuple[Comment, ...]:
            comments = await self.client.comments(item_id)
            await self._keep_lists(item_id, {"comments": [dict(c.raw) for c in comments]})
            return comments

        async def from_cache() -> tuple[Comment, ...] | None:
            entries = await self._seen_list(item_id, "comments")
            if entries is None and self._cached is not None:
                details = await self._cached.item(item_id)
                return None if details is None else details.comments
            return None if entries is None else _parse_all(Comment.from_api, entries)

        found = await self._podio_or_cache(
            from_podio, from_cache, "This item's comments were never read"
        )
        if self.outbox is not None:
            found = found + await self.outbox.pending_comments(item_id)
        return found

    async def add_comment(self, item_id: int, text: str) -> tuple[Comment, ...]:
        """Add a comment; offline (or when it cannot be sent) it waits in the outbox and is
        shown after the others as waiting."""
        if not text.strip():
            raise DomainError("A comment cannot be empty")
        if is_placeholder_id(item_id):
            raise DomainError(
                "This new item is not in Podio yet; comment on it once it is created."
            )
        if self.outbox is not None and not self._is_online():
            await self.outbox.queue_comment(item_id, text)
            return await self.comments(item_id)
        try:
            await self.client.add_comment(item_id, text)
        except PodioError as exc:
            if self.outbox is None or not is_offline_error(exc):
                raise
            if isinstance(exc, WriteOutcomeUnknown):
                raise  # it may have arrived: not queued, so never posted twice
            await self.outbox.queue_comment(item_id, text)
        return await self.comments(item_id)

    async def revisions(self, item_id: int) -> tuple[Revision, ...]:
        """The item's history, newest first (kept); offline, as last seen."""
        if is_placeholder_id(item_id):
            return ()

        async def from_podio() -> tuple[Revision, ...]:
            revisions = await self.client.revisions(item_id)
            await self._keep_lists(item_id, {"revisions": [_revision_json(r) for r in revisions]})
            return revisions

        async def from_cache() -> tuple[Revision, ...] | None:
            entries = await self._seen_list(item_id, "revisions")
            return None if entries is None else _parse_all(Revision.from_api, entries)

        found = await self._podio_or_cache(
            from_podio, from_cache, "This item's history was never read"
        )
        return tuple(sorted(found, key=lambda r: -r.revision))

    async def revision_diff(self, item_id: int, revision: int) -> tuple[RevisionDiff, ...]:
        """What `revision` changed (the diff from the one before it)."""
        return await self.client.revision_diff(item_id, max(revision - 1, 0), revision)

    async def revert(self, app: App, item: Item, revision: int) -> SaveOutcome:
        """Undo what `revision` changed — only if nobody edited the item since `item` was read."""
        try:
            current = await self.client.item(item.item_id, app=app)
        except (Gone, NotFound) as exc:
            return await self._deleted(app, item, ItemChange(), exc)
        except PodioError as exc:
            return Failed(exc.user_message)
        if current.revision != item.revision:
            await self._store(current)
            return Conflicted(build_conflict(app, item, current, ItemChange(), None, ()))
        try:
            await self.client.revert_revision(item.item_id, revision)
            reverted = await self.client.item(item.item_id, app=app)
        except PodioError as exc:
            return Failed(exc.user_message)
        await self._store(reverted)
        self.events.emit(ItemSaved(reverted))
        return Saved(reverted)

    async def tasks(self, item_id: int) -> tuple[Task, ...]:
        """The item's tasks (kept); offline, as last seen."""
        if is_placeholder_id(item_id):
            return ()

        async def from_podio() -> tuple[Task, ...]:
            tasks = await self.client.item_tasks(item_id)
            await self._keep_lists(item_id, {"tasks": [dict(t.raw) for t in tasks]})
            return tasks

        async def from_cache() -> tuple[Task, ...] | None:
            entries = await self._seen_list(item_id, "tasks")
            return None if entries is None else _parse_all(Task.from_api, entries)

        found = await self._podio_or_cache(
            from_podio, from_cache, "This item's tasks were never read"
        )
        if self.outbox is not None:
            found = await self.outbox.pending_tasks(item_id, found)
        return found

    async def add_task(self, item_id: int, draft: TaskDraft) -> tuple[Task, ...]:
        """Create a task on the item; returns the item's tasks as Podio has them now. Offline
        (or when the request meets a network error) it waits in the outbox."""
        checked = draft.checked()
        if is_placeholder_id(item_id):
            raise DomainError("This new item is not in Podio yet; add tasks once it is created.")
        if self.outbox is not None and not self._is_online():
            await self._queue_task(item_id, checked)
            return await self._tasks_with_waiting(item_id)
        try:
            await self.task_service.add(item_id, checked)
        except PodioError as exc:
            if self.outbox is None or not is_offline_error(exc):
                raise
            if isinstance(exc, WriteOutcomeUnknown):
                raise
            await self._queue_task(item_id, checked)
            return await self._tasks_with_waiting(item_id)
        return await self.tasks(item_id)

    async def _queue_task(self, item_id: int, draft: TaskDraft) -> None:
        assert self.outbox is not None
        await self.outbox.queue_task(
            item_id, "create", text=draft.text, due_date=draft.due_date, body=draft.body()
        )

    async def _tasks_with_waiting(self, item_id: int) -> tuple[Task, ...]:
        """The item's tasks after a task change was queued: as last seen, or (never read)
        only what waits in the outbox."""
        try:
            return await self.tasks(item_id)
        except NotCachedError:
            assert self.outbox is not None
            return await self.outbox.pending_tasks(item_id, ())

    async def set_task_completed(
        self, item_id: int, task_id: int, completed: bool
    ) -> tuple[Task, ...]:
        """Complete (or reopen) a task of the item; returns the item's tasks afterwards."""
        action = "complete" if completed else "incomplete"
        if self.outbox is not None and not self._is_online():
            await self.outbox.queue_task(item_id, action, task_id=task_id)
            return await self._tasks_with_waiting(item_id)
        try:
            if completed:
                await self.client.complete_task(task_id)
            else:
                await self.client.incomplete_task(task_id)
        except PodioError as exc:
            if self.outbox is None or not is_offline_error(exc):
                raise
            await self.outbox.queue_task(item_id, action, task_id=task_id)
            return await self._tasks_with_waiting(item_id)
        return await self.tasks(item_id)

    # ------------------------------------------------------------ helpers

    async def _reread(self, item: Item) -> Item:
        app = self._apps.get(item.app_id) if item.app_id is not None else None
        fresh = await self.client.item(item.item_id, app=app)
        await self._store(fresh)
        self.events.emit(ItemSaved(fresh))
        return fresh

    async def _store(self, item: Item, *, keep_revision: bool = False) -> None:
        """Write the item to the cache. `keep_revision`: a change waiting in the outbox,
        shown on the cached row; the revision stays the one it was made against."""
        if self.cache is None or item.app_id is None:
            return
        try:
            await self.cache.upsert([item_record(item.raw, item.app_id)])
        except Exception:  # the cache is a copy; a failed write must not fail the save
            log.exception("Could not write item %s to the cache", item.item_id)


# ---------------------------------------------------------------- pure helpers


def _parse_all(build: Callable[[object], T], entries: Sequence[object]) -> tuple[T, ...]:
    parsed = []
    for entry in entries:
        try:
            parsed.append(build(entry))
        except DomainError as error:
            log.warning("Skipped an unreadable cached entry: %s", error)
    return tuple(parsed)


def _revision_json(revision: Revision) -> dict[str, Any]:
    """A revision as Podio's JSON, enough for `Revision.from_api` to read it back."""
    actor = revision.created_by
    return {
        "revision": revision.revision,
        "item_revision_id": revision.item_revision_id,
        "created_on": None
        if revision.created_on is None
        else format_podio_datetime(revision.created_on),
        "created_by": None
        if actor is None
        else {"type": actor.type, "id": actor.id, "name": actor.name},
        "type": revision.type,
        "app_revision": revision.app_revision,
    }


def _related(candidate: ReferenceCandidate) -> RelatedItem:
    return RelatedItem(
        item_id=candidate.item_id,
        title=candidate.title,
        app_id=candidate.app_id,
        link=candidate.link,
    )


def _no_such_operation(error: NotFound) -> bool:
    """Whether a 404 says the API has no such operation (rather than no such object)."""
    description = error.body.error_description or ""
    return "no matching operation" in description.casefold()


def _valid_contact_types(fdef: FieldDef) -> tuple[str, ...]:
    raw = fdef.settings.get("valid_types")
    if not isinstance(raw, list):
        return ()
    return tuple(kind for kind in raw if isinstance(kind, str))


def problems_from_bad_request(app: App, error: BadRequest) -> tuple[FieldProblem, ...]:
    """Map a 400 onto the fields it names (by id, external id or label), if it names any."""
    body = error.body
    texts: list[str] = []
    for key, value in body.error_parameters.items():
        texts.append(str(key))
        texts.append(json.dumps(value) if not isinstance(value, str) else value)
    texts.extend(filter(None, [body.error_description, body.error_detail or "", body.error]))
    message = body.error_description or error.user_message
    problems: list[FieldProblem] = []
    for fdef in app.active_fields:
        names = {str(fdef.field_id)}
        if fdef.external_id:
            names.add(fdef.external_id)
        if fdef.label:
            names.add(fdef.label)
        if any(_mentions(text, name) for text in texts for name in names):
            problems.append(FieldProblem(fdef.field_id, fdef.label, message))
    if not problems:
        problems.append(FieldProblem(None, "", message))
    return tuple(problems)


def _mentions(text: str, name: str) -> bool:
    if not name or not text:
        return False
    if text == name:
        return True
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None
