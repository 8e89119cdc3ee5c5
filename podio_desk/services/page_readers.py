"""The item table's page readers: the account's cache and Podio's filter endpoint.

Each reader gets the page's bytes or rows (the cache's reader thread, the HTTP client on the
event loop) and then, in ONE job on the account's worker thread, parses them into items and
shapes each item into what the table shows (`paging.Shape`): the event loop's thread only
receives ready rows. Items keep their parsed values but not their raw JSON, which is most
of an item's memory (the cache keeps it; the editor reads it from there).

Pages read from Podio are written to the cache afterwards (what was seen once stays
readable offline), unless the app's sync is running: it writes them itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from typing import TypeVar

from podio_desk.api.client import PodioClient
from podio_desk.api.filter_response import parse_filter_response
from podio_desk.api.ratelimit import Priority
from podio_desk.cache.cache import Cache
from podio_desk.cache.index import record_from_item
from podio_desk.domain.items import Item
from podio_desk.domain.workspace import App
from podio_desk.services.paging import Page, PageQuery, Shape
from podio_desk.services.queries import CachedRows, QueryService, item_from_row

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


def without_raw(item: Item) -> Item:
    """The item without its raw JSON (the table shows parsed values only)."""
    return dataclasses.replace(item, raw={})


def _shaped_rows(found: CachedRows, shape: Shape[T]) -> list[T]:
    return [shape(without_raw(item_from_row(row, found.app))) for row in found.rows]


class CachePages:
    """Pages from the account's cache, when it can answer the query faithfully."""

    def __init__(self, queries: QueryService, executor: Executor) -> None:
        self._queries = queries
        self._executor = executor

    async def read_page(
        self, query: PageQuery, offset: int, limit: int, shape: Shape[T]
    ) -> Page[T] | None:
        found = await self._queries.cached_rows(query, offset, limit)
        if found is None:
            return None
        rows = await asyncio.get_running_loop().run_in_executor(
            self._executor, _shaped_rows, found, shape
        )
        return Page(offset, found.filtered, rows, "cache")


class ApiPages:
    """Pages from Podio's filter endpoint, one call per page, at INTERACTIVE priority.

    `app_definition(app_id)` gives the app with its fields (to read values by field type);
    `call(awaitable)` awaits an API call and reports to the account's connectivity monitor;
    `is_syncing(app_id)` tells whether the app's sync runs (and writes the pages itself).
    """

    def __init__(
        self,
        client: PodioClient,
        cache: Cache,
        executor: Executor,
        *,
        app_definition: Callable[[int], Awaitable[App]],
        call: Callable[[Awaitable[bytes]], Awaitable[bytes]],
        is_syncing: Callable[[int], bool],
    ) -> None:
        self._client = client
        self._cache = cache
        self._executor = executor
        self._app_definition = app_definition
        self._call = call
        self._is_syncing = is_syncing
        self._writes: set[asyncio.Task[None]] = set()

    async def read_page(
        self, query: PageQuery, offset: int, limit: int, shape: Shape[T]
    ) -> Page[T] | None:
        if query.search:
            return None  # full-text search is the cache's (`CachePages`)
        app = await self._app_definition(query.app_id)
        content = await self._call(
            self._client.filter_items_raw(
                query.app_id,
                filters=query.filters_dict(),
                sort_by=query.sort_by,
                sort_desc=query.sort_desc if query.sort_by is not None else None,
                offset=offset,
                limit=limit,
                view_id=query.view_id,
                priority=Priority.INTERACTIVE,
            )
        )

        def parse_and_shape() -> tuple[int, Sequence[Item], list[T]]:
            page = parse_filter_response(content, offset, app=app, app_id=query.app_id)
            return page.filtered, page.items, [shape(without_raw(item)) for item in page.items]

        loop = asyncio.get_running_loop()
        filtered, items, rows = await loop.run_in_executor(self._executor, parse_and_shape)
        if items and not self._is_syncing(query.app_id):
            task = loop.create_task(
                self._write_through(query.app_id, items), name=f"write-through:{query.app_id}"
            )
            self._writes.add(task)
            task.add_done_callback(self._write_done)
        return Page(offset, filtered, rows, "api")

    async def _write_through(self, app_id: int, items: Sequence[Item]) -> None:
        records = await asyncio.get_running_loop().run_in_executor(
            self._executor, lambda: [record_from_item(item, app_id) for item in items]
        )
        if self._is_syncing(app_id):
            return  # a sync started meanwhile: it writes these items itself
        await self._cache.items.upsert(records)

    def _write_done(self, task: asyncio.Task[None]) -> None:
        self._writes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("A page was not written to the cache: %s", task.exception())

    async def wait_written(self) -> None:
        """Return once the pages read so far are in the cache (the totals count them; tests)."""
        while self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

    async def aclose(self) -> None:
        """Stop writing pages to the cache (the cache is closing)."""
        for task in list(self._writes):
            task.cancel()
        await asyncio.gather(*self._writes, return_exceptions=True)
