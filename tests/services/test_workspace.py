"""AccountWorkspace against the sandbox: tree cache-first then server, pages from the API
written to the cache, the sync on the worker loop, offline detection and reconnect."""

from __future__ import annotations

import asyncio
import gc
import inspect
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient, filter_request
from podio_desk.services.paging import PageQuery, PageSource
from podio_desk.services.sync import SyncProcess
from podio_desk.services.workspace import AccountWorkspace, WorkspaceService


@pytest.fixture(autouse=True)
def _collect_qt_garbage_here() -> None:
    """Qt objects left by earlier tests must be collected on this (the main) thread: the
    worker threads here run Python, and a collection there would destroy them on the wrong
    thread (the app avoids it with ui.gc_policy; see the report on tests/plugins/qt.py)."""
    gc.collect()


async def open_workspace(sandbox: Any, tmp_path: Path) -> AccountWorkspace:
    info = sandbox.info
    client = PodioClient(
        ClientCredentials(info["client_id"], info["client_secret"]), base_url=sandbox.url
    )
    await client.session.sign_in_password(info["username"], info["password"])
    return await AccountWorkspace.open("acct", "Sandbox", client, tmp_path / "cache")


async def eventually(
    read: Callable[[], Awaitable[Any] | Any], *, equals: Any, within: float = 15.0
) -> Any:
    """Poll `read` until it returns `equals` or `within` seconds pass; return the last value so a
    failed assert shows what was there."""
    deadline = time.monotonic() + within
    while True:
        value = read()
        if inspect.isawaitable(value):
            value = await value
        if value == equals or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.02)


async def _last(values: list[int]) -> int | None:
    return values[-1] if values else None


async def close(workspace: AccountWorkspace) -> None:
    await workspace.aclose()
    await workspace.client.aclose()


def test_tree_cache_first_then_server_and_pages_land_in_the_cache(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(items=700)
    tickets = sandbox.app_id("Tickets")

    async def scenario() -> None:
        workspace = await open_workspace(sandbox, tmp_path)
        try:
            first = [(orgs, origin) async for orgs, origin in workspace.tree.orgs()]
            assert [origin for _, origin in first] == ["server"]  # nothing cached yet
            second = [origin async for _, origin in workspace.tree.orgs()]
            assert second == ["cache", "server"]
            orgs = first[0][0]
            space = next(s for org in orgs for s in org.spaces if s.name == "Support")
            apps = [apps async for apps, _ in workspace.tree.apps(space.space_id)][-1]
            assert "Tickets" in [app.name for app in apps]
            # The table: cache cannot answer (never synced), so the API does; pages are
            # written to the cache in the background.
            source: PageSource[Any] = PageSource(
                cache=workspace.cache_pages, api=workspace.api_pages
            )
            source.reset(PageQuery(app_id=tickets))
            assert await source.open() == 700
            assert source.stats.api_calls == 1
            assert source.last_origin == "api"
            # The write is in the background: wait for it, bounded, rather than guessing how
            # long it takes on a loaded machine (a fixed 0.3 s sleep saw 475 of 500 in CI).
            cached = await eventually(lambda: workspace.cache.items.live_count(tickets), equals=500)
            assert cached == 500
            # A full sync runs in a child process and reports progress on this loop.
            progress: list[int] = []
            result = await workspace.sync_app(
                tickets, on_progress=lambda e: progress.append(e.done)
            )
            assert result.added + result.changed + result.unchanged == 700
            assert await eventually(lambda: _last(progress), equals=700) == 700
            assert await workspace.is_fully_synced(tickets)
            source.reset(PageQuery(app_id=tickets, sort_by="title", sort_desc=True))
            assert await source.open() == 700
            assert str(source.last_origin) == "cache"
        finally:
            await close(workspace)

    asyncio.run(scenario())


def test_offline_is_detected_and_the_cached_tree_still_answers(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(items=50)

    async def scenario() -> None:
        workspace = await open_workspace(sandbox, tmp_path)
        try:
            [_ async for _ in workspace.tree.orgs()]
            sandbox.stop()
            answers = [origin async for _, origin in workspace.tree.orgs()]
            assert answers == ["cache"]
            assert workspace.tree.offline
            assert not workspace.online
            assert workspace.monitor.offline_since is not None
            assert workspace.queries.allow_partial  # offline the cache shows what it has
        finally:
            await close(workspace)

    asyncio.run(scenario())


def test_filter_request_is_podio_grammar():
    query = PageQuery(
        app_id=1,
        sort_by="12",
        sort_desc=True,
        filters=PageQuery.freeze_filters({"12": {"from": 1}, "13": [4, 5]}),
    )
    path, body = filter_request(1, query.filters_dict(), query.sort_by, True, 500, 500)
    assert path == "/item/app/1/filter/"
    assert body == {
        "offset": 500,
        "limit": 500,
        "sort_by": "12",
        "sort_desc": True,
        "filters": {"12": {"from": 1}, "13": [4, 5]},
    }
    assert filter_request(1, PageQuery(app_id=1).filters_dict(), None, None, 0, 30) == (
        "/item/app/1/filter/",
        {"offset": 0, "limit": 30},
    )
    assert filter_request(1, None, None, None, 0, 30, view_id=9)[0] == "/item/app/1/filter/9/"
    with pytest.raises(ValueError, match="limit"):
        filter_request(1, None, None, None, 0, 501)


class _Backend:
    def __init__(self) -> None:
        self.fail: BaseException | None = None

    async def cached_orgs(self):
        return None

    async def fetch_orgs(self):
        if self.fail is not None:
            raise self.fail
        return []

    async def cached_apps(self, space_id):
        return None

    async def fetch_apps(self, space_id):
        return []


def test_workspace_service_passes_real_errors_through():
    backend = _Backend()
    service = WorkspaceService(backend)
    backend.fail = ValueError("not an offline error")

    async def scenario() -> None:
        with pytest.raises(ValueError, match="not an offline"):
            [_ async for _ in service.orgs()]

    asyncio.run(scenario())
    assert not service.offline


def test_sync_in_the_child_process_stops_offline_and_the_next_one_resumes(
    sandbox_factory, tmp_path
):
    """The server goes away mid-sync: the child's committed pages stay, the error arrives as
    Offline in this process, and a later sync (same seed, so the same items) resumes."""
    from podio_desk.api.errors import Offline

    first = sandbox_factory(items=1600)
    tickets = first.app_id("Tickets")

    async def interrupted() -> None:
        workspace = await open_workspace(first, tmp_path)
        try:

            def stop_after_first_page(event: Any) -> None:
                if event.done >= 500:
                    first.stop()

            with pytest.raises(Offline):
                await workspace.sync_app(tickets, on_progress=stop_after_first_page)
            kept = await workspace.cache.items.live_count(tickets)
            assert 500 <= kept < 1600
            assert not await workspace.is_fully_synced(tickets)
        finally:
            await close(workspace)

    asyncio.run(interrupted())
    second = sandbox_factory(items=1600)

    async def resumed() -> None:
        workspace = await open_workspace(second, tmp_path)
        try:
            kept = await workspace.cache.items.live_count(tickets)
            second.control.reset_log()
            result = await workspace.sync_app(tickets)
            assert result.resumed
            assert await workspace.cache.items.live_count(tickets) == 1600
            assert await workspace.is_fully_synced(tickets)
            filters = [r for r in second.control.requests() if r.path.endswith("/filter/")]
            # The pages already committed are not read again: only the rest, plus the one call
            # that reads the newest edit time for the next incremental sync.
            assert len(filters) <= -(-(1600 - kept) // 500) + 1
        finally:
            await close(workspace)

    asyncio.run(resumed())


def prepared_process(workspace: AccountWorkspace) -> SyncProcess | None:
    return workspace._sync_process


def test_a_prepared_sync_process_waits_below_the_window_and_the_next_sync_uses_it(
    sandbox_factory, tmp_path
):
    """`prepare_sync` starts the next sync's process ahead of it (its start-up stalled the
    window at the start of every sync); it waits idle at a lower priority, the sync takes it,
    and it ends by itself when its job is done."""
    sandbox = sandbox_factory(items=700)
    tickets = sandbox.app_id("Tickets")

    async def scenario() -> None:
        workspace = await open_workspace(sandbox, tmp_path)
        try:
            await workspace.prepare_sync()
            prepared = prepared_process(workspace)
            assert prepared is not None
            assert prepared.process.is_alive()
            pid = prepared.process.pid
            assert pid is not None
            if hasattr(os, "getpriority"):
                assert os.getpriority(os.PRIO_PROCESS, pid) > os.getpriority(os.PRIO_PROCESS, 0)
            await workspace.prepare_sync()  # one is ready: nothing more is started
            assert prepared_process(workspace) is prepared
            result = await workspace.sync_app(tickets)
            assert result.added == 700
            assert prepared_process(workspace) is None  # taken by the sync
            assert not prepared.alive
            assert prepared.process.exitcode == 0  # ended by itself after its job
            assert await workspace.is_fully_synced(tickets)
        finally:
            await close(workspace)

    asyncio.run(scenario())


def test_a_prepared_sync_process_that_died_is_replaced_and_an_unused_one_ends_on_close(
    sandbox_factory, tmp_path
):
    sandbox = sandbox_factory(items=300)
    tickets = sandbox.app_id("Tickets")

    async def scenario() -> None:
        workspace = await open_workspace(sandbox, tmp_path)
        try:
            await workspace.prepare_sync()
            dead = prepared_process(workspace)
            assert dead is not None
            dead.process.kill()
            await asyncio.to_thread(dead.process.join, 10)
            assert not dead.alive
            result = await workspace.sync_app(tickets)  # a new process does the sync
            assert result.added == 300
            await workspace.prepare_sync()
            unused = prepared_process(workspace)
            assert unused is not None
            assert unused is not dead
            assert unused.alive
        finally:
            await close(workspace)
        assert unused.process.exitcode == 0  # it saw its pipe close and ended, not killed

    asyncio.run(scenario())
