"""The page source behind the item table: memory, then cache, then API; newest request wins.

The table knows how many rows a query has from the first answer and asks for the pages the
user can see. This module decides where each page comes from and in which order:

* memory: a small LRU of recently shown pages, answered synchronously;
* cache: a reader that answers a page from the local SQLite copy *when it can answer the whole
  query faithfully* (the app is fully synced, or we are offline); it returns ``None`` otherwise;
* API: the server's filter endpoint (one call per page, at most ``API_PAGE_LIMIT`` items).

Requests are served nearest-first around the row the user looked at last. A new request
replaces the queue (pages scrolled past are never fetched); a new query bumps the
``generation`` and every answer of an older generation is dropped on arrival.

The readers (`services/page_readers.py`) parse each page and pass every item through the
query's `shape` (the table renders its cells there) in one job on a worker thread, so a page
arrives here as rows ready to show. No Qt here: the table model adapts the callbacks to
signals and gives the shape as a plain callable.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar, cast

log = logging.getLogger(__name__)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

# Podio's filter endpoint: 500 is what the wild uses as the maximum (docs/podio-api.md, Page size).
API_PAGE_LIMIT = 500
# 16 pages of 500 rows: several screens around every place the user looked recently; the
# cache answers the rest quickly, and a small heap keeps memory and GC pauses down.
DEFAULT_MEMORY_PAGES = 16
# A page that failed (offline, not cached) is not asked for again before this many seconds,
# so a repainting view cannot hammer a dead server.
RETRY_FAILED_AFTER = 3.0

Origin = Literal["memory", "cache", "api"]


@dataclass(frozen=True)
class PageQuery:
    """What the table shows: one app, one order, one filter (all hashable)."""

    app_id: int
    sort_by: str | None = None
    sort_desc: bool = False
    # (key, value) pairs in Podio's filter grammar, frozen to be hashable: objects become
    # sorted (name, value) pair tuples, lists become tuples. `filters_dict()` thaws them.
    filters: tuple[tuple[str, object], ...] = ()
    view_id: int | None = None
    # Full-text search runs in the cache only (Podio's search returns 20 hits, no values).
    search: str = ""

    def filters_dict(self) -> dict[str, Any]:
        """The filters as Podio's filter request object (``{"filters": this}``)."""
        return {key: thaw(value) for key, value in self.filters}

    @staticmethod
    def freeze_filters(filters: Mapping[str, object]) -> tuple[tuple[str, object], ...]:
        return tuple(sorted((str(key), freeze(value)) for key, value in filters.items()))


def freeze(value: object) -> object:
    """JSON-like value -> hashable: dicts to sorted pair tuples, lists to tuples."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: object) -> object:
    """The inverse of `freeze` for Podio's filter values (objects have string keys)."""
    if isinstance(value, tuple):
        if value and all(
            isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str)
            for pair in value
        ):
            return {pair[0]: thaw(pair[1]) for pair in value}
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class Page(Generic[T]):
    """A slice of a query's result: ``items[0]`` is row ``offset``; ``total`` rows match."""

    offset: int
    total: int
    items: Sequence[T]
    origin: Origin = "api"


# What a reader makes of each item it read, in the same worker job that built the item (the
# item table turns an item into its row of rendered cells there). The identity by default.
Shape = Callable[[Any], T]


class PageReader(Protocol[T]):
    """Answers one page of a query, or ``None`` when this source cannot answer it faithfully.

    Each item of the page goes through `shape` off the event loop's thread, with the reading
    and parsing of the page (one job on a worker thread)."""

    async def read_page(
        self, query: PageQuery, offset: int, limit: int, shape: Shape[T]
    ) -> Page[T] | None: ...  # pragma: no cover - protocol


def _same(item: Any) -> Any:
    return item


class NotAvailableOfflineError(Exception):
    """The page is not in the cache and the server cannot be reached."""

    def __init__(self) -> None:
        super().__init__("These rows are not in the local cache and Podio cannot be reached.")


@dataclass
class PageSourceStats:
    """Counters for tests and benchmarks."""

    memory_hits: int = 0
    cache_reads: int = 0
    api_calls: int = 0
    dropped_stale: int = 0
    failures: int = 0


class PageSource(Generic[T]):
    """Loads pages of one query at a time; see the module docstring.

    Callbacks (all called on the event loop's thread):
        on_page(generation, page_index, page): a page arrived for the current generation.
        on_total(generation, total): the row count changed (first answer or a later page).
        on_error(generation, page_index, error): a page could not be loaded.
    """

    def __init__(
        self,
        *,
        cache: PageReader[T] | None,
        api: PageReader[T] | None,
        page_size: int = API_PAGE_LIMIT,
        memory_pages: int = DEFAULT_MEMORY_PAGES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= page_size <= API_PAGE_LIMIT:
            raise ValueError(f"page_size must be between 1 and {API_PAGE_LIMIT}")
        self._cache = cache
        self._api = api
        self.page_size = page_size
        self._memory_limit = max(2, memory_pages)
        self._clock = clock
        self.online = True
        self.query: PageQuery | None = None
        self.generation = 0
        self.total: int | None = None
        self.stats = PageSourceStats()
        self.last_origin: Origin | None = None
        self._shape: Shape[T] = cast(Shape[T], _same)
        self._memory: OrderedDict[int, Sequence[T]] = OrderedDict()
        # Whether Podio answered a page of this generation (see `_fits_shown_rows`).
        self._api_answered = False
        # Pages still shown from before `refresh`: read again, shown until then.
        self._stale: set[int] = set()
        self._queue: list[int] = []
        self._loading: int | None = None
        # Items saved while pages were being read: such a read may predate the save (going
        # offline re-reads the rows just as the edit that found it out is queued), so the
        # saved item wins over what the read brings.
        self._saved_meanwhile: list[tuple[int, Callable[[T], bool], T]] = []
        self._saves = 0
        self._failed: dict[int, float] = {}
        self._pump_task: asyncio.Task[None] | None = None
        self.on_page: Callable[[int, int, Page[T]], None] = lambda gen, index, page: None
        self.on_total: Callable[[int, int], None] = lambda gen, total: None
        self.on_error: Callable[[int, int, BaseException], None] = lambda gen, index, err: None

    # ------------------------------------------------------------------ public

    def reset(self, query: PageQuery, shape: Shape[T] | None = None) -> int:
        """Start showing `query`: forget every page, drop every pending load; new generation.

        `shape` makes each row out of an item, in the reader's worker job (the identity if
        None)."""
        self.generation += 1
        self.query = query
        self._shape = shape if shape is not None else cast(Shape[T], _same)
        self.total = None
        self.last_origin = None
        self._api_answered = False
        self._stale.clear()
        self._forget_all()
        self._queue.clear()
        self._failed.clear()
        self._cancel_pump()
        return self.generation

    def set_online(self, online: bool) -> None:
        """Offline, only memory and cache answer; failed pages may be retried at once."""
        if online != self.online:
            self.online = online
            self._failed.clear()

    def refresh(self) -> int:
        """Read the current query again (after a sync, a new item), keeping the pages in
        memory on screen until their fresh copies arrive: a slow answer, or a 420 wait, never
        blanks rows that were shown. New generation."""
        self.generation += 1
        self._stale = set(self._memory)
        self._api_answered = False
        self._queue.clear()
        self._failed.clear()
        self._cancel_pump()
        return self.generation

    def stale_pages(self) -> list[int]:
        """Pages shown from before `refresh`, not yet read again."""
        return sorted(self._stale)

    def failed_pages(self) -> list[int]:
        return sorted(self._failed)

    def retry_failed(self) -> None:
        """Failed pages may be asked for again at once (the user pressed F5)."""
        self._failed.clear()

    async def open(self) -> int:
        """Load the first page of the current query and return the total row count."""
        query = self._require_query()
        generation = self.generation
        page = await self._load(query, 0)
        if generation != self.generation:
            raise asyncio.CancelledError
        self._store(0, page)
        self.total = page.total
        return page.total

    def row(self, row: int) -> T | None:
        """The item at `row` if its page is in memory (no I/O, never blocks)."""
        index, within = divmod(row, self.page_size)
        items = self._memory.get(index)
        if items is None or within >= len(items):
            return None
        self._memory.move_to_end(index)
        return items[within]

    def peek(self, row: int) -> T | None:
        """`row` without marking its page recently used (the view's repaints ask for every
        cell; `request_rows` marks the pages on screen)."""
        items = self._memory.get(row // self.page_size)
        if items is None:
            return None
        within = row % self.page_size
        return items[within] if within < len(items) else None

    def replace_item(self, matches: Callable[[T], bool], item: T) -> int | None:
        """Put a changed item (saved in the editor) in place of the loaded one; its row."""
        if self._pump_task is not None and not self._pump_task.done():
            self._saves += 1
            self._saved_meanwhile.append((self._saves, matches, item))
        for index, items in self._memory.items():
            for within, current in enumerate(items):
                if matches(current):
                    updated = list(items)
                    updated[within] = item
                    self._memory[index] = updated
                    return index * self.page_size + within
        return None

    def loaded_rows_where(self, matches: Callable[[T], bool]) -> list[int]:
        """The rows held in memory whose item `matches` (only loaded pages are looked at)."""
        return sorted(
            index * self.page_size + within
            for index, items in self._memory.items()
            for within, item in enumerate(items)
            if matches(item)
        )

    def loaded_items(self) -> list[T]:
        """Every item held in memory (for filter suggestions), in no particular order."""
        return [item for items in self._memory.values() for item in items]

    def page_of(self, row: int) -> int:
        return row // self.page_size

    def is_loaded(self, row: int) -> bool:
        return row // self.page_size in self._memory

    def has_failed(self, row: int) -> bool:
        return row // self.page_size in self._failed

    def request_rows(self, first: int, last: int, focus: int | None = None) -> list[int]:
        """Ask for the pages covering rows first..last, nearest to `focus` first.

        Replaces whatever was still queued (the user has scrolled on). Returns the queued
        page indexes, for tests.
        """
        if self.query is None or last < first:
            return []
        if self.total is not None:
            last = min(last, self.total - 1)
        if last < 0:
            return []
        first = max(0, first)
        pages = range(self.page_of(first), self.page_of(last) + 1)
        return self.request_pages(pages, self.page_of(first if focus is None else focus))

    def request_pages(self, pages: Iterable[int], focus_page: int) -> list[int]:
        """Ask for these pages, nearest to `focus_page` first; replaces what was queued."""
        if self.query is None:
            return []
        pages = sorted(set(pages))
        now = self._clock()
        wanted = [
            index
            for index in pages
            if index >= 0
            and (index not in self._memory or index in self._stale)
            and index != self._loading
            and now - self._failed.get(index, -RETRY_FAILED_AFTER) >= RETRY_FAILED_AFTER
        ]
        wanted.sort(key=lambda index: (abs(index - focus_page), index))
        dropped = [index for index in self._queue if index not in wanted]
        self.stats.dropped_stale += len(dropped)
        self._queue = wanted
        for index in pages:
            if index in self._memory:
                self._memory.move_to_end(index)
        if wanted and (self._pump_task is None or self._pump_task.done()):
            self._pump_task = asyncio.get_running_loop().create_task(
                self._pump(self.generation), name=f"pages:{self.query.app_id}"
            )
        return list(wanted)

    def forget(self, rows: Sequence[int] | None = None) -> None:
        """Drop pages from memory (all, or those holding `rows`) so they are read again."""
        if rows is None:
            self._forget_all()
            return
        for row in rows:
            self._memory.pop(self.page_of(row), None)

    def _forget_all(self) -> None:
        self._memory.clear()

    def cancel(self) -> None:
        """Stop loading (the model is going away); the generation moves on."""
        self.generation += 1
        self._queue.clear()
        self._cancel_pump()

    async def aclose(self) -> None:
        task = self._pump_task
        self.cancel()
        if task is not None and not task.done():
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def wait_idle(self) -> None:
        """Return once every queued page has been loaded or dropped (tests, benchmarks)."""
        while self._pump_task is not None and not self._pump_task.done():
            try:
                await asyncio.shield(self._pump_task)
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise  # we were cancelled, not the pump (a reset replaced it)

    @property
    def busy(self) -> bool:
        return self._loading is not None or bool(self._queue)

    # ------------------------------------------------------------------ loading

    def _require_query(self) -> PageQuery:
        if self.query is None:
            raise RuntimeError("PageSource.reset(query) must be called first")
        return self.query

    def _cancel_pump(self) -> None:
        task, self._pump_task = self._pump_task, None
        self._loading = None
        if task is not None and not task.done():
            task.cancel()

    async def _pump(self, generation: int) -> None:
        query = self._require_query()
        while self._queue and generation == self.generation:
            index = self._queue.pop(0)
            if index in self._memory and index not in self._stale:
                continue
            self._loading = index
            saves_before = self._saves
            try:
                page = await self._load(query, index * self.page_size)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if generation != self.generation:
                    return
                self._loading = None
                self._failed[index] = self._clock()
                self.stats.failures += 1
                log.info("Page %s of app %s not loaded: %s", index, query.app_id, error)
                self.on_error(generation, index, error)
                continue
            if generation != self.generation:
                self.stats.dropped_stale += 1
                return
            self._loading = None
            self._failed.pop(index, None)
            page = self._with_saved_meanwhile(page, saves_before)
            self._store(index, page)
            if page.total != self.total:
                self.total = page.total
                self.on_total(generation, page.total)
            self.on_page(generation, index, page)
        if generation == self.generation:
            self._loading = None
            self._saved_meanwhile.clear()

    def _with_saved_meanwhile(self, page: Page[T], saves_before: int) -> Page[T]:
        """`page` with the items saved after its read began."""
        later = [(m, saved) for n, m, saved in self._saved_meanwhile if n > saves_before]
        if not later:
            return page
        items = list(page.items)
        for matches, saved in later:
            items = [saved if matches(item) else item for item in items]
        return dataclasses.replace(page, items=items)

    async def _load(self, query: PageQuery, offset: int) -> Page[T]:
        index = offset // self.page_size
        items = self._memory.get(index)
        if items is not None and self.total is not None and index not in self._stale:
            self.stats.memory_hits += 1
            self.last_origin = "memory"
            return Page(offset, self.total, items, "memory")
        if self._cache is not None:
            self.stats.cache_reads += 1
            page = await self._cache.read_page(query, offset, self.page_size, self._shape)
            if page is not None and self._fits_shown_rows(page):
                self.last_origin = "cache"
                return dataclasses.replace(page, offset=offset, origin="cache")
        if self._api is None or not self.online:
            raise NotAvailableOfflineError
        self.stats.api_calls += 1
        page = await self._api.read_page(query, offset, self.page_size, self._shape)
        if page is None:
            raise NotAvailableOfflineError
        self.last_origin = "api"
        return dataclasses.replace(page, offset=offset, origin="api")

    def _fits_shown_rows(self, page: Page[T]) -> bool:
        """A cache page may join rows Podio sent for this query only when it counts the same
        rows: a partly cached app (offline) numbers its rows differently, and mixing the two
        would show some items twice and others never. Such rows stay "not in the local
        cache" until the query is opened again (then all of it comes from the cache)."""
        if self.total is None or page.total == self.total:
            return True
        return not self._api_answered

    def _store(self, index: int, page: Page[T]) -> None:
        self._stale.discard(index)
        if page.origin == "api":
            self._api_answered = True
        self._memory[index] = page.items
        self._memory.move_to_end(index)
        while len(self._memory) > self._memory_limit:
            self._memory.popitem(last=False)
