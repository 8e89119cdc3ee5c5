"""AccountSession against the sandbox: tree cache-first then server, pages from the API
written to the cache, the sync in its child process, offline detection and reconnect."""

from __future__ import annotations

import asyncio
import gc
import inspect
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient, filter_request
from podio_desk.domain.items import Item
from podio_desk.services.paging import PageQuery, PageSource
from podio_desk.services.session import AccountSession, SessionEvent
from podio_desk.services.sync import SyncProgress
from podio_desk.services.workspace import WorkspaceService


@pytest.fixture(autouse=True)
def _collect_qt_garbage_here() -> None:
    """Qt objects left by earlier tests must be collected on this (the main) thread: the
    worker threads here run Python, and a collection there would destroy them on the wrong
    thread (the app avoids it with ui.gc_policy; see the report on tests/plugins/qt.py)."""
    gc.collect()


async def open_session(sandbox: Any, tmp_path: Path) -> AccountSession:
    info = sandbox.info
    client = PodioClient(
        ClientCredentials(info["client_id"], info["client_secret"]), base_url=sandbox.url
    )
    await client.session.sign_in_password(info["username"], info["password"])
    return await AccountSession.open("acct", "Sandbox", client, tmp_path / "cache")


def as_item(item: Item) -> Item:
    """The page readers' row shape that keeps the parsed item itself."""
    return item


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


async def close(session: AccountSession) -> None:
    await session.aclose()
    await session.client.aclose()


def sync_progress(session: AccountSession, app_id: int, then: Callable[[Any], None]) -> None:
    """Call `then` with each progress report of `app_id`'s sync, as the session publishes it."""

    def on_event(event: SessionEvent) -> None:
        if isinstance(event, SyncProgress) and event.app_id == app_id:
            then(event)

    session.events.subscribe(on_event)


def test_tree_cache_first_then_server_and_pages_land_in_the_cache(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(items=700)
    tickets = sandbox.app_id("Tickets")

    async def scenario() -> None:
        session = await open_session(sandbox, tmp_path)
        try:
            first = [(orgs, origin) async for orgs, origin in session.tree.orgs()]
            assert [origin for _, origin in first] == ["server"]  # nothing cached yet
            second = [origin async for _, origin in session.tree.orgs()]
            assert second == ["cache", "server"]
            orgs = first[0][0]
            space = next(s for org in orgs for s in org.spaces if s.name == "Support")
            apps = [apps async for apps, _ in session.tree.apps(space.space_id)][-1]
            assert "Tickets" in [app.name for app in apps]
            # The table: cache cannot answer (never synced), so the API does; pages are
            # written to the cache in the background.
            source: PageSource[Any] = PageSource(cache=session.cache_pages, api=session.api_pages)
            source.reset(PageQuery(app_id=tickets))
            assert await source.open() == 700
            assert source.stats.api_calls == 1
            assert source.last_origin == "api"
            # The write is in the background: wait for it, bounded, rather than guessing how
            # long it takes on a loaded machine (a fixed 0.3 s sleep saw 475 of 500 in CI).
            cached = await eventually(lambda: session.cache.items.live_count(tickets), equals=500)
            assert cached == 500
            # A full sync runs in a child process and reports progress on this loop.
            progress: list[int] = []
            sync_progress(session, tickets, lambda e: progress.append(e.done))
            result = await session.sync_app(tickets)
            assert result.added + result.changed + result.unchanged == 700
            assert await eventually(lambda: _last(progress), equals=700) == 700
            assert await session.is_fully_synced(tickets)
            source.reset(PageQuery(app_id=tickets, sort_by="title", sort_desc=True))
            assert await source.open() == 700
            assert str(source.last_origin) == "cache"
        finally:
            await close(session)

    asyncio.run(scenario())


def test_offline_is_detected_and_the_cache_still_answers(sandbox_factory, tmp_path):
    """Offline, the tree comes from the cache, and the table reads what the cache holds of an
    app even though it was never synced in full (online, only Podio answers for that app)."""
    sandbox = sandbox_factory(items=50)
    tickets = sandbox.app_id("Tickets")
    query = PageQuery(app_id=tickets)

    async def scenario() -> None:
        session = await open_session(sandbox, tmp_path)
        try:
            [_ async for _ in session.tree.orgs()]
            page = await session.api_pages.read_page(query, 0, 50, as_item)
            assert page is not None
            assert len(page.items) == 50
            cached = await eventually(lambda: session.cache.items.live_count(tickets), equals=50)
            assert cached == 50
            assert await session.cache_pages.read_page(query, 0, 50, as_item) is None
            sandbox.stop()
            answers = [origin async for _, origin in session.tree.orgs()]
            assert answers == ["cache"]
            assert session.tree.offline
            assert not session.online
            assert session.offline_since is not None
            assert not session.connectivity().online
            offline_page = await session.cache_pages.read_page(query, 0, 50, as_item)
            assert offline_page is not None
            assert {item.item_id for item in offline_page.items} == {
                item.item_id for item in page.items
            }
        finally:
            await close(session)

    asyncio.run(scenario())


def test_the_session_tells_of_its_edits_and_connectivity_on_one_hub(sandbox_factory, tmp_path):
    """What the window listens to: an item deleted through the session's editing and Podio
    going away both arrive as events of the session."""
    from podio_desk.services.connectivity import OnlineChanged
    from podio_desk.services.editing import ItemRemoved

    sandbox = sandbox_factory(items=20)
    item_id = int(sandbox.info["richest_item_id"])

    async def scenario() -> list[SessionEvent]:
        session = await open_session(sandbox, tmp_path)
        heard: list[SessionEvent] = []
        session.events.subscribe(heard.append)
        try:
            _app, item = await session.editing.load(item_id)
            await session.editing.delete(item)
            sandbox.stop()
            assert not await session.probe()
            return heard
        finally:
            await close(session)

    heard = asyncio.run(scenario())
    removed = [event for event in heard if isinstance(event, ItemRemoved)]
    assert [event.item_id for event in removed] == [item_id]
    changes = [event for event in heard if isinstance(event, OnlineChanged)]
    assert [event.online for event in changes] == [False]


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
        session = await open_session(first, tmp_path)
        try:

            def stop_after_first_page(event: Any) -> None:
                if event.done >= 500:
                    first.stop()

            sync_progress(session, tickets, stop_after_first_page)
            with pytest.raises(Offline):
                await session.sync_app(tickets)
            kept = await session.cache.items.live_count(tickets)
            assert 500 <= kept < 1600
            assert not await session.is_fully_synced(tickets)
        finally:
            await close(session)

    asyncio.run(interrupted())
    second = sandbox_factory(items=1600)

    async def resumed() -> None:
        session = await open_session(second, tmp_path)
        try:
            kept = await session.cache.items.live_count(tickets)
            second.control.reset_log()
            result = await session.sync_app(tickets)
            assert result.resumed
            assert await session.cache.items.live_count(tickets) == 1600
            assert await session.is_fully_synced(tickets)
            filters = [r for r in second.control.requests() if r.path.endswith("/filter/")]
            # The pages already committed are not read again: only the rest, plus the one call
            # that reads the newest edit time for the next incremental sync.
            assert len(filters) <= -(-(1600 - kept) // 500) + 1
        finally:
            await close(session)

    asyncio.run(resumed())
