"""The item table's page readers against the sandbox over HTTP: rows shaped on the account's
worker thread, light items, the cache's write-through, search from the cache."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from podio_desk.domain.items import Item
from podio_desk.services.paging import PageQuery, PageSource
from tests.services.test_workspace import close, eventually, open_session


def test_api_pages_are_parsed_and_shaped_in_one_job_off_the_loop_and_written_through(
    sandbox_factory, tmp_path
):
    sandbox = sandbox_factory(items=700)
    tickets = sandbox.app_id("Tickets")
    shaped_on: set[str] = set()

    def shape(item: Item) -> tuple[int, str, int]:
        shaped_on.add(threading.current_thread().name)
        return item.item_id, item.title, len(item.raw)

    async def scenario() -> tuple[list[Any], str]:
        workspace = await open_session(sandbox, tmp_path)
        try:
            source: PageSource[Any] = PageSource(
                cache=workspace.cache_pages, api=workspace.api_pages
            )
            source.reset(PageQuery(app_id=tickets), shape=shape)
            assert await source.open() == 700
            assert source.last_origin == "api"
            await workspace.api_pages.wait_written()
            assert await workspace.cache.items.live_count(tickets) == 500
            return [source.row(row) for row in range(500)], threading.current_thread().name
        finally:
            await close(workspace)

    rows, loop_thread = asyncio.run(scenario())
    assert len(shaped_on) == 1
    assert loop_thread not in shaped_on
    assert next(iter(shaped_on)).startswith("podio-desk-pages-")
    assert all(row is not None and row[2] == 0 for row in rows)  # the raw JSON is let go of


def test_pages_read_while_the_app_syncs_are_left_to_the_sync_to_write(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(items=700)
    tickets = sandbox.app_id("Tickets")

    async def scenario() -> None:
        workspace = await open_session(sandbox, tmp_path)
        try:
            workspace.syncing[tickets] += 1  # as sync_app does while the child runs
            source: PageSource[Any] = PageSource(
                cache=workspace.cache_pages, api=workspace.api_pages
            )
            source.reset(PageQuery(app_id=tickets))
            assert await source.open() == 700
            await workspace.api_pages.wait_written()
            assert await workspace.cache.items.live_count(tickets) == 0
            # Once the sync is over, pages read are written through again.
            workspace.syncing[tickets] -= 1
            source.request_rows(500, 500)
            await source.wait_idle()
            await workspace.api_pages.wait_written()
            assert (
                await eventually(lambda: workspace.cache.items.live_count(tickets), equals=200)
                == 200
            )
        finally:
            await close(workspace)

    asyncio.run(scenario())


def test_search_is_answered_from_the_cache_without_a_call(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(items=120)
    tickets = sandbox.app_id("Tickets")

    async def scenario() -> None:
        workspace = await open_session(sandbox, tmp_path)
        try:
            await workspace.sync_app(tickets)
            source: PageSource[Any] = PageSource(
                cache=workspace.cache_pages, api=workspace.api_pages
            )
            first = source.stats.api_calls
            cached = await workspace.queries.read_page(PageQuery(app_id=tickets), 0, 1)
            assert cached is not None
            word = cached.items[0].title.split()[0]
            source.reset(PageQuery(app_id=tickets, search=word), shape=lambda item: item.title)
            total = await source.open()
            assert total >= 1
            assert source.last_origin == "cache"
            assert source.stats.api_calls == first
            assert word.casefold() in str(source.row(0)).casefold()
        finally:
            await close(workspace)

    asyncio.run(scenario())
