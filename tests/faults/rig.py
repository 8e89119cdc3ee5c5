"""Shared pieces of the fault tests: a signed-in client and a cache, the sandbox's truth read
over HTTP from its control endpoint, and the checks every fault ends with."""

from __future__ import annotations

import asyncio
import json
import math
import sqlite3
import urllib.request
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from podio_desk.api.client import PodioClient
from podio_desk.api.ratelimit import RateLimitScheduler
from podio_desk.api.transport import TransportConfig
from podio_desk.cache.cache import Cache
from podio_desk.sandbox import Sandbox
from podio_desk.services.sync import PodioSyncApi, SyncService
from tests.api.helpers import signed_in
from tests.faults import sync_child

ROOT = Path(__file__).resolve().parents[2]
# Small enough that the whole matrix runs in a few minutes on two cores, big enough for
# fifteen pages: faults land in the middle of a sync.
ITEMS = 1500
PAGE = 100
PAGES = math.ceil(ITEMS / PAGE)
# A full sync: the app's definition, the newest edit (the watermark), then the pages.
FULL_SYNC_CALLS = PAGES + 2


SandboxFactory = Callable[..., Sandbox]


@dataclass
class Rig:
    sandbox: Sandbox
    client: PodioClient
    cache: Cache
    service: SyncService
    app_id: int


@asynccontextmanager
async def rig(
    sandbox: Sandbox,
    cache_dir: Path,
    *,
    page_size: int = PAGE,
    scheduler: RateLimitScheduler | None = None,
    config: TransportConfig | None = None,
) -> AsyncIterator[Rig]:
    client = await signed_in(sandbox, scheduler=scheduler, config=config)
    cache = await Cache.open(cache_dir, sync_child.CACHE_NAME)  # the one the child fills
    try:
        service = SyncService(
            PodioSyncApi(client), cache, budget=client.scheduler, page_size=page_size
        )
        yield Rig(sandbox, client, cache, service, sandbox.app_id("Tickets"))
    finally:
        await cache.aclose()
        await client.aclose()


def sandbox_items(sandbox: Sandbox, app_id: int) -> dict[int, int]:
    """item id -> revision of every live item, as the sandbox's control endpoint lists them."""
    url = f"{sandbox.url}/_sandbox/items?app_id={app_id}"
    with urllib.request.urlopen(url, timeout=30) as reply:
        return {entry["item_id"]: entry["revision"] for entry in json.loads(reply.read())}


def api_calls(sandbox: Sandbox) -> int:
    """Requests that reached the API (the token endpoint aside) since the log was reset."""
    return sum(1 for entry in sandbox.control.requests() if not entry.path.startswith("/oauth/"))


def check_cache_file(path: Path, app_id: int) -> None:
    """`PRAGMA integrity_check` is ok and no item is stored twice."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        twice = connection.execute(
            "SELECT app_item_id FROM items WHERE app_id = ? AND deleted = 0 "
            "GROUP BY app_item_id HAVING count(*) > 1",
            (app_id,),
        ).fetchall()
        assert twice == []
        orphans = connection.execute(
            "SELECT count(*) FROM item_raw WHERE item_id NOT IN (SELECT item_id FROM items)"
        ).fetchone()
        assert orphans == (0,)


async def assert_cache_equals_sandbox(sandbox: Sandbox, cache: Cache, app_id: int) -> None:
    remote = await asyncio.to_thread(sandbox_items, sandbox, app_id)
    cached = await cache.items.revisions(app_id)
    differ = sorted(i for i in remote.keys() | cached.keys() if remote.get(i) != cached.get(i))
    assert not differ, (
        f"{len(differ)} of {len(remote)} items differ from the sandbox, e.g. item {differ[0]}: "
        f"revision {cached.get(differ[0])} cached, {remote.get(differ[0])} in the sandbox"
    )
    check_cache_file(cache.path, app_id)


async def assert_consistent_prefix(sandbox: Sandbox, cache: Cache, app_id: int) -> list[int]:
    """After an interrupted full sync: exactly the items up to the cursor, nothing ahead of
    it, each at the sandbox's revision. Returns the stored ids."""
    state = await cache.sync_state(app_id)
    remote = await asyncio.to_thread(sandbox_items, sandbox, app_id)
    revisions = await cache.items.revisions(app_id)
    assert sorted(revisions) == [i for i in sorted(remote) if i <= state.full_cursor]
    assert all(remote[item_id] == revision for item_id, revision in revisions.items())
    check_cache_file(cache.path, app_id)
    return sorted(revisions)


def run(coro: Any) -> Any:
    return asyncio.run(coro)
