"""Sync against the sandbox over real HTTP: the cache must equal the sandbox's state."""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient
from podio_desk.cache.cache import Cache
from podio_desk.cache.query import ItemQuery
from podio_desk.sandbox import Sandbox
from podio_desk.services.paging import PageQuery
from podio_desk.services.sync import PodioSyncApi, SyncProgress, SyncService
from tests.faults import sync_child

ROOT = Path(__file__).resolve().parents[2]
PAGE = 25  # small pages so the 60-item test app takes several


@dataclass
class Rig:
    sandbox: Sandbox
    client: PodioClient
    cache: Cache
    service: SyncService
    app_id: int


@asynccontextmanager
async def rig(sandbox: Sandbox, cache_dir: Path, page_size: int = PAGE) -> AsyncIterator[Rig]:
    info = sandbox.info
    client = PodioClient(
        ClientCredentials(str(info["client_id"]), str(info["client_secret"])),
        base_url=sandbox.url,
    )
    cache = await Cache.open(cache_dir, "acct")
    try:
        await client.session.sign_in_password(str(info["username"]), str(info["password"]))
        service = SyncService(
            PodioSyncApi(client), cache, budget=client.scheduler, page_size=page_size
        )
        yield Rig(sandbox, client, cache, service, sandbox.app_id("Tickets"))
    finally:
        await cache.aclose()
        await client.aclose()


def remote_revisions(sandbox: Sandbox, app_id: int) -> dict[int, int]:
    with sandbox.state.lock:
        return {
            item_id: sandbox.state.items[item_id].revision
            for item_id in sandbox.state.live_items(app_id)
        }


def remote_titles(sandbox: Sandbox, app_id: int) -> dict[int, str]:
    with sandbox.state.lock:
        return {
            item_id: sandbox.state.item_title(sandbox.state.items[item_id])
            for item_id in sandbox.state.live_items(app_id)
        }


async def assert_cache_equals_sandbox(r: Rig) -> None:
    assert await r.cache.items.revisions(r.app_id) == remote_revisions(r.sandbox, r.app_id)
    ids = await r.cache.items.live_ids(r.app_id)
    cached = {item.item_id: item.title for item in await r.cache.items.get_many(ids)}
    assert cached == remote_titles(r.sandbox, r.app_id)


def counted_calls(sandbox: Sandbox) -> int:
    return sum(1 for entry in sandbox.control.requests() if entry.rate_class is not None)


def as_other(sandbox: Sandbox, method: str, path: str, body: Any = None) -> Any:
    """A change made by someone else, over HTTP with the second API key."""
    info = sandbox.info
    token = sandbox.token_for(str(info["other_username"]), str(info["other_password"]))
    request = urllib.request.Request(
        f"{sandbox.url}{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"OAuth2 {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        text = reply.read()
    return json.loads(text) if text else None


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_full_sync_copies_the_app_in_ceil_n_over_page_calls(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with rig(sandbox, tmp_path) as r:
            events: list[SyncProgress] = []
            sandbox.control.reset_log()
            result = await r.service.sync_app(r.app_id, on_progress=events.append)
            calls = counted_calls(sandbox)
            await assert_cache_equals_sandbox(r)
            state = await r.cache.sync_state(r.app_id)
        total = len(remote_revisions(sandbox, r.app_id))
        assert result.mode == "full"
        assert result.added == total
        # ceil(N / page) filter pages + the app definition + the newest edit (watermark).
        assert calls == result.calls == math.ceil(total / PAGE) + 2
        assert state.has_full_copy
        assert not state.full_running
        assert state.watermark is not None
        full_events = [e for e in events if e.phase == "full"]
        assert [e.done for e in full_events] == sorted(e.done for e in full_events)
        assert full_events[-1].done == full_events[-1].total == total
        assert events[-1].phase == "done"

    run(scenario())


def test_incremental_sync_picks_up_edits_creations_and_deletions(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with rig(sandbox, tmp_path) as r:
            await r.service.sync_app(r.app_id)
            sandbox.control.reset_log()
            idle = await r.service.sync_app(r.app_id)
            assert counted_calls(sandbox) == idle.calls == 1
            assert (idle.added, idle.changed, idle.deleted) == (0, 0, 0)

            ids = sorted(remote_revisions(sandbox, r.app_id))
            sandbox.control.advance_clock(3600)
            for item_id in ids[:3]:
                body = {"fields": {"title": f"edit {item_id}"}}
                as_other(sandbox, "PUT", f"/item/{item_id}", body)
            created = as_other(
                sandbox, "POST", f"/item/app/{r.app_id}/", {"fields": {"title": "brand new"}}
            )
            for item_id in (ids[10], ids[40]):
                as_other(sandbox, "DELETE", f"/item/{item_id}")

            sandbox.control.reset_log()
            result = await r.service.sync_app(r.app_id)
            calls = counted_calls(sandbox)
            await assert_cache_equals_sandbox(r)
            dead = await r.cache.items.deleted_ids(r.app_id)
            tomb = await r.cache.items.get(ids[10])
            new = await r.cache.items.get(created["item_id"])
        assert (result.added, result.changed, result.deleted) == (1, 3, 2)
        assert calls == result.calls
        assert calls <= 8  # 1 for the changes + a bisection over 61 ids in pages of 25
        assert dead == [ids[10], ids[40]]
        assert tomb is not None
        assert tomb.deleted
        assert new is not None
        assert new.title == "brand new"

    run(scenario())


def test_an_edit_during_the_full_pass_is_caught_by_the_next_incremental(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    ids = sorted(remote_revisions(sandbox, sandbox.app_id("Tickets")))

    def edit_behind_and_ahead(event: SyncProgress) -> None:
        if event.phase == "full" and event.done == PAGE:
            as_other(sandbox, "PUT", f"/item/{ids[0]}", {"fields": {"title": "edited behind"}})
            sandbox.control.advance_clock(3600)  # far beyond the 5-minute overlap
            as_other(sandbox, "PUT", f"/item/{ids[50]}", {"fields": {"title": "edited ahead"}})

    async def scenario() -> None:
        async with rig(sandbox, tmp_path) as r:
            await r.service.sync_app(r.app_id, on_progress=edit_behind_and_ahead)
            stale = await r.cache.items.get(ids[0])
            assert stale is not None
            assert stale.title != "edited behind"  # read before the edit
            result = await r.service.sync_app(r.app_id)
            await assert_cache_equals_sandbox(r)
        assert result.changed >= 1

    run(scenario())


def test_a_single_deletion_is_found_by_bisection(sandbox: Sandbox, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with rig(sandbox, tmp_path, page_size=10) as r:
            await r.service.sync_app(r.app_id)
            victim = sorted(remote_revisions(sandbox, r.app_id))[37]
            as_other(sandbox, "DELETE", f"/item/{victim}")
            sandbox.control.reset_log()
            result = await r.service.sync_app(r.app_id)
            calls = counted_calls(sandbox)
            await assert_cache_equals_sandbox(r)
            assert await r.cache.items.deleted_ids(r.app_id) == [victim]
        assert result.deleted == 1
        # 1 incremental call + counts halving 60 ids down to <= 10, then one listing:
        # fewer than the 6 pages a re-read of every id would take.
        assert 2 <= calls <= 5

    run(scenario())


def test_full_resync_turns_vanished_items_into_tombstones(sandbox: Sandbox, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with rig(sandbox, tmp_path) as r:
            await r.service.sync_app(r.app_id)
            victim = sorted(remote_revisions(sandbox, r.app_id))[5]
            as_other(sandbox, "DELETE", f"/item/{victim}")
            result = await r.service.sync_app(r.app_id, full=True)
            await assert_cache_equals_sandbox(r)
            assert await r.cache.items.deleted_ids(r.app_id) == [victim]
        assert result.deleted == 1

    run(scenario())


def test_kill_9_mid_sync_leaves_a_consistent_cache_the_next_sync_completes(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    app_id = sandbox.app_id("Tickets")
    cache_dir = tmp_path / "cache"
    sandbox.control.set_latency(0.15)  # every call takes a while: the kill lands mid-sync
    child = sync_child.start(sandbox, app_id, cache_dir, 10)
    try:
        assert child.stdout is not None
        committed = [child.stdout.readline().strip() for _ in range(2)]
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        sync_child.end(child)
    assert committed == ["full 10", "full 20"], committed
    assert child.returncode == -signal.SIGKILL
    sandbox.control.set_latency(0.0)
    # The killed child's last request may still be in the server: let it land in the log first.
    sandbox.control.wait_settled(0.4)

    async def scenario() -> None:
        cache = await Cache.open(cache_dir, sync_child.CACHE_NAME)
        try:
            state = await cache.sync_state(app_id)
            stored = await cache.items.live_ids(app_id)
        finally:
            await cache.aclose()
        remote = sorted(remote_revisions(sandbox, app_id))
        # Consistent: exactly the items up to the cursor, the cursor not ahead of the data.
        assert state.full_running
        assert stored == [item_id for item_id in remote if item_id <= state.full_cursor]
        assert 20 <= len(stored) < len(remote)

        async with rig(sandbox, tmp_path) as r:
            r.cache = await Cache.open(cache_dir, sync_child.CACHE_NAME)
            r.service = SyncService(PodioSyncApi(r.client), r.cache, page_size=10)
            try:
                sandbox.control.reset_log()
                result = await r.service.sync_app(app_id)
                calls = counted_calls(sandbox)
                await assert_cache_equals_sandbox(r)
                assert (await r.cache.sync_state(app_id)).has_full_copy
            finally:
                await r.cache.aclose()
        assert result.resumed
        assert result.added == len(remote) - len(stored)
        assert calls == math.ceil((len(remote) - len(stored)) / 10) + 1

    run(scenario())


def test_every_offline_query_answers_with_the_sandbox_stopped(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    from podio_desk.services.queries import QueryService

    richest = int(sandbox.info["richest_item_id"])

    async def scenario() -> None:
        async with rig(sandbox, tmp_path, page_size=500) as r:
            await r.service.sync_workspace()
            for app in await r.cache.apps():
                await r.service.sync_app(app.app_id)
            await r.service.fetch_item(richest)
        sandbox.stop()  # the network is gone from here on

        cache = await Cache.open(tmp_path, "acct")
        try:
            await offline_checks(QueryService(cache), sandbox.app_id("Tickets"), richest)
        finally:
            await cache.aclose()

    run(scenario())


async def offline_checks(queries: Any, tickets: int, richest: int) -> None:
    app = await queries.app(tickets)
    assert app is not None
    assert {f.external_id for f in app.fields} >= {"status", "amount", "due", "customer"}
    orgs = await queries.orgs()
    assert orgs
    assert any(org.spaces for org in orgs)
    assert any(a.app_id == tickets for a in await queries.apps())

    async def page(**podio: Any) -> Any:
        search = podio.pop("search", "")
        query = await queries.query_from_podio(tickets, search=search, **podio)
        found = await queries.page(query, 0, 100)
        assert found.filtered == await queries.count(query)
        return found

    everything = await page()
    assert everything.total == everything.filtered == 60
    amounts = await page(sort_by="amount", sort_desc=True)
    keys = [_number(item, app, "amount") for item in amounts.items]
    assert keys == sorted(keys, reverse=True)
    by_title = await page(sort_by="title")
    titles = [item.title.casefold() for item in by_title.items]
    assert titles == sorted(titles)
    for builtin in ("created_on", "last_edit_on", "app_item_id"):
        assert len((await page(sort_by=builtin)).items) == 60

    status = app.field("status")
    open_only = await page(filters={"status": [2]})
    assert 0 < open_only.filtered < 60
    assert all(_option_ids(item, status.field_id) == (2,) for item in open_only.items)
    cheap = await page(filters={"amount": {"from": 0, "to": 50_000}})
    assert all(_number(item, app, "amount") <= 50_000 for item in cheap.items)
    assert 0 < cheap.filtered < 60
    dated = await page(filters={"due": {"from": "2000-01-01", "to": "2100-01-01"}})
    assert 0 < dated.filtered < 60
    customer = app.field("customer")
    some_customer = next(
        item.values[customer.field_id].item_ids[0]
        for item in everything.items
        if customer.field_id in item.values and item.values[customer.field_id].item_ids
    )
    related = await page(filters={"customer": [some_customer]})
    assert related.filtered >= 1
    assignee = app.field("assignee")
    some_person = next(
        item.values[assignee.field_id].profile_ids[0]
        for item in everything.items
        if assignee.field_id in item.values and item.values[assignee.field_id].profile_ids
    )
    assert (await page(filters={"assignee": [some_person]})).filtered >= 1
    printers = await page(search="printer")
    assert printers.filtered >= 1
    assert all("printer" in item.title.casefold() for item in printers.items)
    hits = await queries.search(tickets, "invoice")
    assert hits
    assert all("invoice" in item.title.casefold() for item in hits)

    details = await queries.item(richest)
    assert details is not None
    assert details.item.item_id == richest
    assert details.comments
    assert details.files
    assert not details.deleted
    found = await queries.search(details.item.app_id, "kick")  # a word of the comment
    assert [item.item_id for item in found] == [richest]
    empty_query = ItemQuery(app_id=tickets, search="zzzznothing")
    assert (await queries.page(empty_query, 0, 10)).items == ()

    # The item table's page source asks in Podio's filter grammar (frozen into a PageQuery).
    wanted = {"status": [2], "amount": {"from": 0, "to": 50_000}}
    table_query = PageQuery(
        app_id=tickets, sort_by="amount", filters=PageQuery.freeze_filters(wanted)
    )
    from_table = await queries.read_page(table_query, 0, 30)
    direct = await page(sort_by="amount", filters=wanted)
    assert from_table is not None
    assert from_table.origin == "cache"
    assert from_table.total == direct.filtered
    assert [i.item_id for i in from_table.items] == [i.item_id for i in direct.items][:30]


def _number(item: Any, app: Any, external_id: str) -> float:
    fdef = app.field(external_id)
    value = item.values.get(fdef.field_id)
    return float(value.value) if value is not None else -1.0


def _option_ids(item: Any, field_id: int) -> tuple[int, ...]:
    value = item.values.get(field_id)
    return tuple(value.ids) if value is not None else ()
