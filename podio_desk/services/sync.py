"""Keeps the local cache equal to Podio at the fewest API calls (background priority).

The algorithm below talks to Podio only through `SyncApi`, whose one implementation over the
client is `PodioSyncApi`. The window, `podio-desk sync` and the benchmarks run it in a child
process (`services/sync_process.py`), which reaches that same `SyncApi` through a pipe.

Full sync of an app — resumable
    Pages of 500 items (the largest page Podio's filter gives; docs/podio-api.md, Page size)
    ordered by item_id ascending with the filter `item_id: {from: cursor + 1}`. Each page is
    written in one transaction together with the cursor (the last item_id committed), so
    after a crash, a kill -9 or a cancel the next run continues with the first item not yet
    stored, and the pass costs ceil(N / 500) calls plus two: the app definition, and the
    newest last_edit_on at the start (the watermark the next incremental pass starts from,
    so an item edited while the pass runs is never skipped). A range filter is immune to
    items deleted or created meanwhile, where an offset would shift under our feet.
    Podio's documentation lists `item_id` as a filter key but not the form of its value
    (docs/podio-api.md, Filter keys); the sandbox takes the `{from, to}` range. Every page is
    checked (all ids above the cursor, in order); a server that ignores the range is detected
    on the first page and the pass continues by offset instead, re-reading one item of overlap
    per page to verify the boundary. Items the pass never saw are gone from Podio and become
    tombstones when it completes.

Incremental sync — one call when nothing changed
    `filter(last_edit_on from watermark - overlap, sort_by last_edit_on desc, limit 500)`.
    The watermark is the greatest last_edit_on stored (UTC; docs/podio-api.md, Conventions)
    that is not beyond now plus `FUTURE_MARGIN`: one item stamped in the year 2999 must not
    lift the watermark past every later edit (a stored watermark beyond that is dropped, and
    the next pass reads the app's items again). "Now" is Podio's clock, from the `Date` of
    its latest answer (`SyncApi.server_now`), so a wrong clock on this machine neither lets a
    future stamp through nor holds real edits back; this machine's clock is used only when
    Podio sent no usable `Date`. Five minutes of overlap absorb edits committed while we read;
    re-reading them is harmless. Descending order means an edit during paging moves an item
    *forward*, so paging can only repeat items, never skip one.

Deletions
    After the incremental pass every creation is in the cache (a new item is an edit), so
    `cached live count - total` is exactly the number of deleted items. To find which ones
    without re-reading the app: split the item_id range in two at the median cached id, ask
    Podio for the count of the left half (one call, limit 1), derive the right half's count
    from the parent's, and recurse only where Podio has fewer items than the cache; a range
    with at most 500 cached items is listed in one call and compared id by id. Finding d
    deletions among N items costs about d * log2(N / 500) calls (one among 100 000: 9).
    Accepted limitation: an item deleted and another created in the same range between the
    incremental call and the probes could cancel out; the next pass (or `--full`) fixes it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from podio_desk.api.client import PodioClient
from podio_desk.api.filter_response import parse_filter_response
from podio_desk.api.ratelimit import PacingPolicy, Priority, RateClass, RateState
from podio_desk.cache.cache import Cache, utc_now
from podio_desk.cache.index import (
    record_from_item,
    workspace_records,
)
from podio_desk.cache.records import (
    AppRecord,
    AppSyncState,
    ItemRecord,
    UpsertCounts,
)
from podio_desk.domain.errors import DomainError
from podio_desk.domain.items import Item, ItemPage
from podio_desk.domain.timestamps import format_podio_datetime, parse_podio_datetime
from podio_desk.domain.workspace import App, Org

log = logging.getLogger(__name__)

PAGE_SIZE = 500
WATERMARK_OVERLAP = timedelta(minutes=5)
# How far ahead of Podio's clock an edit time may be and still count for the watermark.
FUTURE_MARGIN = timedelta(minutes=5)

SyncMode = Literal["full", "incremental"]
# "waiting": another process syncs this app; this sync starts when it is done.
# "details": comments and files lists of the items that have them (the per-app option).
Phase = Literal["waiting", "definition", "full", "incremental", "deletions", "details", "done"]


# ------------------------------------------------------------------ what the service needs


class SyncApi(Protocol):
    """The few API calls sync makes (`PodioSyncApi` makes them with the client).

    A filter answer comes back as the bytes Podio sent: a 500-item page is megabytes of JSON,
    and it is read where the sync runs (the child process), not where the client lives."""

    async def filter_items_raw(
        self,
        app_id: int,
        *,
        filters: Mapping[str, Any],
        sort_by: str,
        sort_desc: bool,
        offset: int,
        limit: int,
    ) -> bytes: ...  # pragma: no cover - protocol

    async def get_app(self, app_id: int) -> App: ...  # pragma: no cover - protocol

    async def get_item(self, item_id: int) -> Item: ...  # pragma: no cover - protocol

    async def get_orgs(self) -> Sequence[Org]: ...  # pragma: no cover - protocol

    async def get_space_apps(self, space_id: int) -> Sequence[App]: ...  # pragma: no cover

    async def server_now(self) -> datetime | None:
        """Podio's clock now, from the `Date` of its latest answer (no request is made);
        None if no answer carried a usable one."""
        ...  # pragma: no cover - protocol


class RateBudget(Protocol):
    """What ETA estimates read from the API scheduler (RateLimitScheduler fits)."""

    policy: PacingPolicy

    def state(self, rate_class: RateClass) -> RateState: ...  # pragma: no cover - protocol


# ------------------------------------------------------------------ events and results


@dataclass(frozen=True)
class SyncProgress:
    """A plain event: `done` of `total` items handled in `phase`, and an estimate of the
    seconds left (None until there is something to estimate from)."""

    app_id: int
    phase: Phase
    done: int
    total: int
    calls: int
    eta_seconds: float | None = None
    holder: int | None = None  # while "waiting": the id of the process that syncs the app


@dataclass
class SyncResult:
    app_id: int
    mode: SyncMode
    added: int = 0
    changed: int = 0
    deleted: int = 0
    unchanged: int = 0
    calls: int = 0
    resumed: bool = False
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    # Items stored but not read fully (their problems are in `problems`, and in the log once).
    unreadable: int = 0
    # Entries of Podio's answers left out: no usable item_id, or an item repeated in a page.
    skipped: int = 0
    # Items whose comments and files lists were read ("with comments and files").
    details: int = 0

    def note_problems(self, items: Sequence[Item]) -> None:
        for item in items:
            if item.problems:
                self.unreadable += 1
                self.problems.extend(f"item {item.item_id}: {problem}" for problem in item.problems)

    def note_page(self, page: ItemPage, items: Sequence[Item]) -> None:
        """Count and log (once per item and process) what `page` could not give in full."""
        self.note_problems(items)
        self.skipped += page.skipped
        if page.skipped:
            log.warning(
                "app %s: %d entries of a page were left out (no usable item_id, or repeated)",
                self.app_id,
                page.skipped,
            )
        for item in items:
            if item.problems and item.item_id not in _REPORTED:
                _REPORTED.add(item.item_id)
                log.warning(
                    "item %s could not be read fully (stored as far as it reads): %s",
                    item.item_id,
                    "; ".join(item.problems),
                )

    def count(self, counts: UpsertCounts) -> None:
        self.added += counts.added
        self.changed += counts.changed
        self.unchanged += counts.unchanged


@dataclass
class WorkspaceResult:
    orgs: int = 0
    spaces: int = 0
    apps: int = 0
    calls: int = 0


ProgressCallback = Callable[[SyncProgress], None]


class SyncError(Exception):
    """The server answered something sync cannot trust; nothing inconsistent was stored."""


# ------------------------------------------------------------------ helpers


def _watermark_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return parse_podio_datetime(text, what="sync watermark")
    except DomainError:
        log.warning("unreadable sync watermark %r: reading every item again", text)
        return None


# Items whose problems this process has logged already: once per item, not once per pass.
_REPORTED: set[int] = set()


def watermark_from(
    current: str | None, seen: Sequence[str | None], ceiling: str | None = None
) -> str | None:
    """The greatest of the watermark and the edit times `seen`, leaving out any beyond
    `ceiling` (now plus a margin: a time from the future is not an edit we have seen)."""
    candidates = [
        moment for moment in (current, *seen) if moment and (ceiling is None or moment <= ceiling)
    ]
    return max(candidates) if candidates else None


def estimate_eta(
    calls_left: int,
    seconds_per_call: float,
    budget: RateState | None,
    policy: PacingPolicy | None,
    now: float,
) -> float:
    """Seconds until `calls_left` background calls are done, from the rate budget.

    Calls run at their measured speed while the budget is above the pacing threshold, then
    spread over what is left of the window, and beyond the budget wait for new windows."""
    if calls_left <= 0:
        return 0.0
    speed = max(seconds_per_call, 0.0)
    if budget is None or policy is None or budget.limit is None or budget.remaining is None:
        return calls_left * speed
    limit, remaining = budget.limit, budget.remaining
    reserve = policy.reserve(limit)
    window_end = budget.window_end(policy.window)
    time_left = max(0.0, window_end - now) if window_end is not None else policy.window
    free = max(0, remaining - math.ceil(limit * policy.free_fraction))
    if calls_left <= free:
        return calls_left * speed
    eta = free * speed
    calls_left -= free
    paced = max(0, remaining - reserve - free)
    if calls_left <= paced:
        return eta + max(calls_left * speed, time_left * calls_left / max(paced, 1))
    eta = max(eta + paced * speed, time_left)
    calls_left -= paced
    per_window = max(1, limit - reserve)
    windows, rest = divmod(calls_left, per_window)
    return eta + windows * policy.window + rest * speed


def budget_floor(
    calls_left: int, budget: RateState | None, policy: PacingPolicy | None, now: float
) -> float:
    """The fewest seconds the rate budget allows for `calls_left` background calls: those the
    budget still holds (above the reserve) may go at once, the rest wait for new windows."""
    if calls_left <= 0 or budget is None or policy is None:
        return 0.0
    if budget.limit is None or budget.remaining is None:
        return 0.0
    reserve = policy.reserve(budget.limit)
    spare = max(0, budget.remaining - reserve)
    if calls_left <= spare:
        return 0.0
    window_end = budget.window_end(policy.window)
    time_left = max(0.0, window_end - now) if window_end is not None else policy.window
    per_window = max(1, budget.limit - reserve)
    later_windows = (calls_left - spare - 1) // per_window
    return time_left + later_windows * policy.window


def follow_item_rate(items_left: int, items_per_second: float | None, floor: float) -> float | None:
    """Seconds left at the measured rate of items arriving, never below `floor` (what the rate
    budget allows); None while there is no rate yet."""
    if items_left <= 0:
        return 0.0
    if items_per_second is None or items_per_second <= 0:
        return None
    return max(items_left / items_per_second, floor)


class ItemRate:
    """The rate at which items arrive, over the latest few progress steps (so a sync that
    starts being paced shows it soon, and a slow first page is forgotten)."""

    def __init__(self, now: float, done: int = 0, steps: int = 8) -> None:
        self._samples: collections.deque[tuple[float, int]] = collections.deque(
            [(now, done)], maxlen=steps + 1
        )

    def note(self, now: float, done: int) -> None:
        self._samples.append((now, done))

    def per_second(self) -> float | None:
        (first_time, first_done), (last_time, last_done) = self._samples[0], self._samples[-1]
        if last_time <= first_time or last_done <= first_done:
            return None
        return (last_done - first_done) / (last_time - first_time)


# ------------------------------------------------------------------ the service


class SyncService:
    """Syncs the apps of one account into its cache."""

    def __init__(
        self,
        api: SyncApi,
        cache: Cache,
        *,
        budget: RateBudget | None = None,
        page_size: int = PAGE_SIZE,
        overlap: timedelta = WATERMARK_OVERLAP,
        clock: Callable[[], float] = time.monotonic,
        # This machine's clock: the watermark's ceiling uses it only when Podio's answers
        # carried no usable `Date`.
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._api = api
        self._cache = cache
        self._budget = budget
        self._page_size = page_size
        self._overlap = overlap
        self._clock = clock
        self._now = now
        self._calls = 0
        self._call_seconds = 0.0

    @property
    def calls(self) -> int:
        """API calls this service made so far (all apps)."""
        return self._calls

    async def _call(self, make: Callable[[], Awaitable[Any]]) -> Any:
        started = self._clock()
        try:
            return await make()
        finally:
            self._calls += 1
            self._call_seconds += self._clock() - started

    async def _filter(
        self,
        app_id: int,
        filters: Mapping[str, Any],
        sort_by: str,
        sort_desc: bool,
        offset: int,
        limit: int,
    ) -> ItemPage:
        content: bytes = await self._call(
            lambda: self._api.filter_items_raw(
                app_id,
                filters=filters,
                sort_by=sort_by,
                sort_desc=sort_desc,
                offset=offset,
                limit=limit,
            )
        )
        return parse_filter_response(content, offset, app_id=app_id)

    async def _ceiling(self) -> str:
        """The latest edit time a watermark may hold: Podio's clock now plus FUTURE_MARGIN
        (this machine's clock only when Podio's answers carried no usable `Date`)."""
        now = await self._api.server_now()
        if now is None:
            now = self._now()
        return format_podio_datetime(now + FUTURE_MARGIN)

    async def _watermark_time(self, text: str | None) -> datetime | None:
        if text is not None and text > await self._ceiling():
            log.warning("sync watermark %r is in the future: reading every item again", text)
            return None
        return _watermark_time(text)

    async def _newest_edit(self, app_id: int) -> str | None:
        """The newest edit time in the app, not beyond Podio's now plus the margin."""
        newest = await self._filter(app_id, {}, "last_edit_on", True, 0, 1)
        # Asked after the answer, whose `Date` it reads.
        ceiling = await self._ceiling()
        moment = _edit_time(newest.items[0]) if newest.items else None
        if newest.items and (moment is None or moment > ceiling):
            # An item stamped in the future sorts first: ask for the newest one up to now.
            newest = await self._filter(
                app_id, {"last_edit_on": {"to": ceiling}}, "last_edit_on", True, 0, 1
            )
            moment = _edit_time(newest.items[0]) if newest.items else None
            if moment is not None and moment > ceiling:
                moment = None
        return moment

    def _eta(
        self, calls_left: int, items_left: int, rate: ItemRate, done: int, rate_class: RateClass
    ) -> float | None:
        """Seconds left: at the measured rate of items once there is one (bounded below by the
        rate budget), before that from the speed of calls and the budget."""
        now = self._clock()
        rate.note(now, done)
        if self._calls == 0:
            return None
        state = self._budget.state(rate_class) if self._budget is not None else None
        policy = self._budget.policy if self._budget is not None else None
        following = follow_item_rate(
            items_left, rate.per_second(), budget_floor(calls_left, state, policy, now)
        )
        if following is not None:
            return following
        return estimate_eta(calls_left, self._call_seconds / self._calls, state, policy, now)

    # -------------------------------------------------------------- workspace

    async def sync_workspace(self, *, with_definitions: bool = True) -> WorkspaceResult:
        """Orgs, spaces and apps (with their field definitions) into the cache."""
        before = self._calls
        orgs: Sequence[Org] = await self._call(self._api.get_orgs)
        org_records, space_records = workspace_records(orgs)
        app_records: list[AppRecord] = []
        for space in space_records:
            apps: Sequence[App] = await self._call(
                functools.partial(self._api.get_space_apps, space.space_id)
            )
            for app in apps:
                full = app
                if with_definitions and not app.raw.get("fields"):
                    full = await self._call(functools.partial(self._api.get_app, app.app_id))
                app_records.append(app_record(full, space.space_id))
        await self._cache.save_workspace(org_records, space_records, app_records)
        return WorkspaceResult(
            len(org_records), len(space_records), len(app_records), self._calls - before
        )

    async def _refresh_definition(self, app_id: int) -> None:
        app: App = await self._call(lambda: self._api.get_app(app_id))
        await self._cache.save_apps([app_record(app, app.space_id)])

    # -------------------------------------------------------------- one item

    async def fetch_item(self, item_id: int) -> Item:
        """GET one item with its comments and files into the cache (when it is opened), so
        the item view and comment search work offline afterwards."""
        item: Item = await self._call(functools.partial(self._api.get_item, item_id))
        if item.app_id is None:
            raise SyncError(f"Podio did not say which app item {item_id} belongs to")
        await self._cache.items.upsert([record_from_item(item, item.app_id)])
        await self._cache.items.save_lists(
            item_id,
            {
                "comments": _raw_list(item.raw.get("comments")),
                "files": _raw_list(item.raw.get("files")),
            },
        )
        return item

    # -------------------------------------------------------------- one app

    async def sync_app(
        self,
        app_id: int,
        *,
        full: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> SyncResult:
        """Incremental when the app has a complete copy, otherwise (or with `full`) a full
        pass — resuming an interrupted one where it stopped."""
        state = await self._cache.sync_state(app_id)
        if full or not state.has_full_copy or state.full_running:
            result = await self.full_sync(app_id, restart=full, on_progress=on_progress)
        else:
            result = await self.incremental_sync(app_id, on_progress=on_progress)
        if await self._cache.items.sync_with_details(app_id):
            await self.sync_details(app_id, result, on_progress)
        return result

    async def sync_details(
        self, app_id: int, result: SyncResult, on_progress: ProgressCallback | None = None
    ) -> None:
        """Comments and files lists of the items that have them and whose lists are missing
        or out of date: one GET /item each (it carries both); a stop keeps what was read."""
        started = self._clock()
        calls_before = self._calls
        wanted = await self._cache.items.items_needing_details(app_id)
        rate = ItemRate(self._clock())
        for done, item_id in enumerate(wanted, start=1):
            try:
                await self.fetch_item(item_id)
            except SyncError as error:
                log.warning("app %s: item %s: %s", app_id, item_id, error)
            result.details += 1
            if on_progress is not None:
                on_progress(
                    SyncProgress(
                        app_id,
                        "details",
                        done,
                        len(wanted),
                        self._calls - calls_before,
                        # One GET /item per item: the general class.
                        self._eta(
                            len(wanted) - done,
                            len(wanted) - done,
                            rate,
                            done,
                            RateClass.GENERAL,
                        ),
                    )
                )
        result.calls += self._calls - calls_before
        result.seconds += self._clock() - started
        if on_progress is not None and wanted:
            on_progress(SyncProgress(app_id, "done", len(wanted), len(wanted), result.calls, 0.0))

    async def full_sync(
        self,
        app_id: int,
        *,
        restart: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> SyncResult:
        started = self._clock()
        calls_before = self._calls
        state = await self._cache.sync_state(app_id)
        result = SyncResult(app_id=app_id, mode="full")
        if state.full_running and not restart:
            result.resumed = True
        else:
            # The newest edit at the start of the pass is where the next incremental pass
            # starts: an item edited while the pass runs may have been read before the edit,
            # and must not hide behind a later item's newer last_edit_on.
            watermark = await self._newest_edit(app_id)
            state = replace(
                state,
                full_gen=state.full_gen + 1,
                full_running=True,
                full_cursor=0,
                full_offset=0,
                full_total=None,
                full_started_at=utc_now(),
                watermark=watermark,
            )
            await self._cache.save_sync_state(state)
        await self._refresh_definition(app_id)

        done = state.full_offset
        rate = ItemRate(self._clock(), done)
        by_range = True
        # The next page is requested while this one is indexed and written (range mode knows
        # the next cursor from the answer alone), so the network wait overlaps our work.
        prefetch: asyncio.Task[ItemPage] | None = None
        try:
            while True:
                next_offset = 0
                if by_range:
                    page = await (prefetch or self._range_page(app_id, state.full_cursor))
                    prefetch = None
                    fresh = list(page.items)
                    ids = [item.item_id for item in fresh]
                    if ids != sorted(ids) or (ids and ids[0] <= state.full_cursor):
                        log.warning("app %s: the item_id range filter was ignored", app_id)
                        by_range = False
                        continue
                    remaining_after = page.filtered - page.entries
                    if fresh and remaining_after > 0:
                        prefetch = asyncio.ensure_future(self._range_page(app_id, ids[-1]))
                else:
                    fresh, page, next_offset = await self._offset_page(app_id, state)
                    remaining_after = max(0, page.filtered - next_offset)
                result.note_page(page, fresh)
                if fresh:
                    state = replace(
                        state,
                        full_cursor=max(state.full_cursor, max(i.item_id for i in fresh)),
                        full_offset=state.full_offset + len(fresh) if by_range else next_offset,
                        full_total=page.total,
                    )
                counts, _ = await self._cache.items.save_sync_page(
                    functools.partial(_records, fresh, app_id), state, seen_gen=state.full_gen
                )
                result.count(counts)
                done += len(fresh)
                if on_progress is not None:
                    calls_left = math.ceil(remaining_after / self._page_size)
                    on_progress(
                        SyncProgress(
                            app_id,
                            "full",
                            done,
                            done + remaining_after,
                            self._calls - calls_before,
                            self._eta(calls_left, remaining_after, rate, done, RateClass.HEAVY),
                        )
                    )
                if not fresh or remaining_after <= 0:
                    break
        finally:
            if prefetch is not None:
                prefetch.cancel()
                with contextlib.suppress(BaseException):
                    await prefetch

        now = utc_now()
        finished = replace(
            state,
            full_running=False,
            full_done_at=now,
            total_seen=state.full_total,
            incremental_at=now,
        )
        gone = await self._cache.finish_full_sync(finished)
        result.deleted = len(gone)
        result.calls = self._calls - calls_before
        result.seconds = self._clock() - started
        if on_progress is not None:
            on_progress(SyncProgress(app_id, "done", done, done, result.calls, 0.0))
        return result

    async def _range_page(self, app_id: int, cursor: int) -> ItemPage:
        return await self._filter(
            app_id, {"item_id": {"from": cursor + 1}}, "item_id", False, 0, self._page_size
        )

    async def _offset_page(
        self, app_id: int, state: AppSyncState
    ) -> tuple[list[Item], ItemPage, int]:
        """The next page by offset, starting one item early to prove nothing shifted;
        returns the new items, the answer, and the offset just after the new items."""
        offset = state.full_offset
        while True:
            start = max(0, offset - 1)
            page = await self._filter(app_id, {}, "item_id", False, start, self._page_size)
            ids = [item.item_id for item in page.items]
            if start == 0 or (ids and ids[0] <= state.full_cursor):
                fresh_at = [i for i, item_id in enumerate(ids) if item_id > state.full_cursor]
                fresh = [page.items[i] for i in fresh_at]
                next_offset = start + (
                    fresh_at[-1] + 1 + page.skipped if fresh_at else page.entries
                )
                return fresh, page, next_offset
            # Items before the cursor were deleted and everything moved left: step back.
            offset = max(0, offset - self._page_size)

    # -------------------------------------------------------------- incremental

    async def incremental_sync(
        self, app_id: int, *, on_progress: ProgressCallback | None = None
    ) -> SyncResult:
        started = self._clock()
        calls_before = self._calls
        state = await self._cache.sync_state(app_id)
        if not state.has_full_copy:
            return await self.full_sync(app_id, on_progress=on_progress)
        result = SyncResult(app_id=app_id, mode="incremental")
        since = await self._watermark_time(state.watermark)
        filters: dict[str, Any] = {}
        if since is not None:
            filters["last_edit_on"] = {"from": format_podio_datetime(since - self._overlap)}
        offset = 0
        seen: list[str | None] = []
        total = state.total_seen or 0
        done = 0
        rate = ItemRate(self._clock())
        while True:
            page = await self._filter(
                app_id, filters, "last_edit_on", True, offset, self._page_size
            )
            total = page.total
            result.note_page(page, page.items)
            seen.extend(_edit_time(item) for item in page.items)
            # The watermark moves only once the whole pass is stored: pages come newest first,
            # so a pass stopped after one page would otherwise skip every older edit for good.
            counts, _ = await self._cache.items.save_sync_page(
                functools.partial(_records, page.items, app_id), state
            )
            result.count(counts)
            done += len(page.items)
            offset += page.entries
            if on_progress is not None:
                left = max(0, page.filtered - offset)
                on_progress(
                    SyncProgress(
                        app_id,
                        "incremental",
                        done,
                        done + left,
                        self._calls - calls_before,
                        self._eta(
                            math.ceil(left / self._page_size), left, rate, done, RateClass.HEAVY
                        ),
                    )
                )
            if not page.entries or offset >= page.filtered:
                break

        live = await self._cache.items.live_count(app_id)
        if live > total:
            if on_progress is not None:
                on_progress(
                    SyncProgress(app_id, "deletions", 0, live - total, self._calls - calls_before)
                )
            gone = await self._find_deleted(app_id, total)
            if gone:
                result.deleted = await self._cache.items.mark_deleted(gone)
        ceiling = await self._ceiling()
        state = replace(
            state,
            watermark=watermark_from(state.watermark if since is not None else None, seen, ceiling),
            total_seen=total,
            incremental_at=utc_now(),
        )
        await self._cache.save_sync_state(state)
        result.calls = self._calls - calls_before
        result.seconds = self._clock() - started
        if on_progress is not None:
            on_progress(SyncProgress(app_id, "done", done, done, result.calls, 0.0))
        return result

    async def _find_deleted(self, app_id: int, remote_total: int) -> list[int]:
        cached = await self._cache.items.live_ids(app_id)
        if not cached:
            return []
        missing = len(cached) - remote_total
        pages = math.ceil(len(cached) / self._page_size)
        bisection = missing * (math.ceil(math.log2(max(pages, 2))) + 1)
        if bisection >= pages:
            # Many deletions in a small app: listing every id is the cheaper way.
            return await self._gone_by_listing(app_id, cached)
        return await self._gone_in(app_id, cached, remote_total)

    async def _gone_by_listing(self, app_id: int, cached: list[int]) -> list[int]:
        alive: set[int] = set()
        cursor = 0
        while True:
            page = await self._range_page(app_id, cursor)
            ids = [item.item_id for item in page.items]
            if ids != sorted(ids) or (ids and ids[0] <= cursor):
                raise SyncError("Podio ignored the item_id range filter; run a full sync")
            alive.update(ids)
            if not ids or len(ids) >= page.filtered:
                break
            cursor = ids[-1]
        return [item_id for item_id in cached if item_id not in alive]

    async def _count_range(self, app_id: int, low: int, high: int) -> int:
        page = await self._filter(
            app_id, {"item_id": {"from": low, "to": high}}, "item_id", False, 0, 1
        )
        return page.filtered

    async def _gone_in(self, app_id: int, cached: list[int], remote: int) -> list[int]:
        """Which of the `cached` ids (ascending, one id range) Podio no longer has, given
        that Podio has `remote` items in that range."""
        if remote >= len(cached):
            return []
        if remote == 0:
            return list(cached)
        low, high = cached[0], cached[-1]
        if len(cached) <= self._page_size:
            page = await self._filter(
                app_id,
                {"item_id": {"from": low, "to": high}},
                "item_id",
                False,
                0,
                self._page_size,
            )
            alive = {item.item_id for item in page.items}
            if any(not low <= item_id <= high for item_id in alive):
                raise SyncError("Podio ignored the item_id range filter; run a full sync")
            return [item_id for item_id in cached if item_id not in alive]
        middle = len(cached) // 2
        left, right = cached[:middle], cached[middle:]
        left_remote = await self._count_range(app_id, left[0], right[0] - 1)
        if left_remote > len(left) or left_remote > remote:
            # More items than the cache has in a range that gets no new ids: the server did
            # not apply the range, and a count derived from it would call live items gone.
            raise SyncError("Podio ignored the item_id range filter; run a full sync")
        gone = await self._gone_in(app_id, left, left_remote)
        gone += await self._gone_in(app_id, right, remote - left_remote)
        return gone


def _edit_time(item: Item) -> str | None:
    return None if item.last_edit_on is None else format_podio_datetime(item.last_edit_on)


def _records(items: Sequence[Item], app_id: int) -> list[ItemRecord]:
    return [record_from_item(item, app_id) for item in items]


def _raw_list(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [entry for entry in value if isinstance(entry, Mapping)]


def app_record(app: App, space_id: int | None) -> AppRecord:
    raw = dict(app.raw)
    fields = raw.get("fields")
    return AppRecord(
        app_id=app.app_id,
        space_id=app.space_id if app.space_id is not None else space_id,
        name=app.name,
        item_name=app.item_name or None,
        fields=list(fields) if isinstance(fields, list) else [],
        raw=raw,
    )


class PodioSyncApi:
    """`SyncApi` over the api layer's PodioClient, at BACKGROUND priority so the visible page
    and saves always go first."""

    def __init__(self, client: PodioClient) -> None:
        self._client = client

    async def filter_items_raw(
        self,
        app_id: int,
        *,
        filters: Mapping[str, Any],
        sort_by: str,
        sort_desc: bool,
        offset: int,
        limit: int,
    ) -> bytes:
        return await self._client.filter_items_raw(
            app_id,
            filters=filters,
            sort_by=sort_by,
            sort_desc=sort_desc,
            offset=offset,
            limit=limit,
            priority=Priority.BACKGROUND,
        )

    async def get_app(self, app_id: int) -> App:
        return await self._client.app(app_id, priority=Priority.BACKGROUND)

    async def get_item(self, item_id: int) -> Item:
        # Someone opened the item: this one is interactive.
        return await self._client.item(item_id, priority=Priority.INTERACTIVE)

    async def get_orgs(self) -> Sequence[Org]:
        return await self._client.orgs(priority=Priority.BACKGROUND)

    async def get_space_apps(self, space_id: int) -> Sequence[App]:
        return await self._client.apps(space_id, priority=Priority.BACKGROUND)

    async def server_now(self) -> datetime | None:
        return self._client.server_now()
