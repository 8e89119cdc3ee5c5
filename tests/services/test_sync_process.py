"""A sync in its child process against the sandbox: the child runs below this process's CPU
priority and is gone when the sync is; killed mid-way, it leaves a cache the next sync
completes."""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient
from podio_desk.cache.cache import Cache
from podio_desk.sandbox import Sandbox
from podio_desk.services.sync import PodioSyncApi, SyncError, SyncProgress
from podio_desk.services.sync_process import SyncJob, sync_in_child_process


@dataclass
class Rig:
    sandbox: Sandbox
    client: PodioClient
    cache: Cache
    app_id: int

    def job(self, page_size: int) -> SyncJob:
        return SyncJob(self.cache.path, self.app_id, page_size=page_size)


@asynccontextmanager
async def rig(sandbox: Sandbox, cache_dir: Path) -> AsyncIterator[Rig]:
    info = sandbox.info
    client = PodioClient(
        ClientCredentials(str(info["client_id"]), str(info["client_secret"])),
        base_url=sandbox.url,
    )
    cache = await Cache.open(cache_dir, "acct")
    try:
        await client.session.sign_in_password(str(info["username"]), str(info["password"]))
        yield Rig(sandbox, client, cache, sandbox.app_id("Tickets"))
    finally:
        await cache.aclose()
        await client.aclose()


def sync_processes() -> list[multiprocessing.process.BaseProcess]:
    return [child for child in multiprocessing.active_children() if child.name == "podio-desk-sync"]


def remote_ids(sandbox: Sandbox, app_id: int) -> list[int]:
    with sandbox.state.lock:
        return sorted(sandbox.state.live_items(app_id))


def filter_calls(sandbox: Sandbox) -> int:
    return sum(1 for entry in sandbox.control.requests() if entry.path.endswith("/filter/"))


@pytest.mark.skipif(sys.platform == "win32", reason="no nice values on Windows")
def test_the_sync_runs_in_a_child_below_this_process_and_the_child_ends_with_it(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    own = os.getpriority(os.PRIO_PROCESS, 0)
    if own >= 19:
        pytest.skip("this process already runs at the lowest priority")
    seen: list[tuple[int | None, int]] = []

    def look_at_the_child(event: SyncProgress) -> None:
        for child in sync_processes():
            assert child.pid is not None
            seen.append((child.pid, os.getpriority(os.PRIO_PROCESS, child.pid)))

    async def scenario() -> None:
        async with rig(sandbox, tmp_path) as r:
            result = await sync_in_child_process(
                PodioSyncApi(r.client), r.job(page_size=25), on_progress=look_at_the_child
            )
            assert result.added == len(remote_ids(sandbox, r.app_id))
            assert await r.cache.items.live_ids(r.app_id) == remote_ids(sandbox, r.app_id)
            assert (await r.cache.sync_state(r.app_id)).has_full_copy

    asyncio.run(scenario())
    assert seen, "no progress arrived while the sync process ran"
    assert len({pid for pid, _ in seen}) == 1  # one process, started for this sync
    assert all(niceness > own for _, niceness in seen)
    assert sync_processes() == []  # ended with the sync
    assert os.getpriority(os.PRIO_PROCESS, 0) == own  # this process keeps its priority


@pytest.mark.skipif(sys.platform == "win32", reason="no SIGKILL on Windows")
def test_a_sync_process_killed_mid_way_leaves_a_cache_the_next_sync_completes(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    page = 10
    sandbox.control.set_latency(0.05)  # the child waits on every call: the kill lands mid-sync

    def kill_after_two_pages(event: SyncProgress) -> None:
        if event.phase == "full" and event.done >= 2 * page:
            for child in sync_processes():
                assert child.pid is not None
                os.kill(child.pid, signal.SIGKILL)

    async def scenario() -> None:
        async with rig(sandbox, tmp_path) as r:
            with pytest.raises(SyncError, match="ended before the sync was done"):
                await sync_in_child_process(
                    PodioSyncApi(r.client), r.job(page_size=page), on_progress=kill_after_two_pages
                )
            assert sync_processes() == []
            state = await r.cache.sync_state(r.app_id)
            stored = await r.cache.items.live_ids(r.app_id)
            remote = remote_ids(sandbox, r.app_id)
            # Consistent: exactly the items up to the cursor, the cursor not ahead of the data.
            assert state.full_running
            assert stored == [item_id for item_id in remote if item_id <= state.full_cursor]
            assert 2 * page <= len(stored) < len(remote)

            sandbox.control.set_latency(0.0)
            # The request the killed child was waiting for may still be in the server: let it
            # land in the log before the log is cleared.
            await asyncio.to_thread(sandbox.control.wait_settled, 0.4)
            sandbox.control.reset_log()
            result = await sync_in_child_process(PodioSyncApi(r.client), r.job(page_size=page))
            assert result.resumed
            assert result.added == len(remote) - len(stored)
            assert await r.cache.items.live_ids(r.app_id) == remote
            # Only the pages not yet stored, plus the one that reads the app's definition.
            assert filter_calls(sandbox) == math.ceil((len(remote) - len(stored)) / page)
            assert result.calls == filter_calls(sandbox) + 1

    asyncio.run(scenario())


def test_a_failed_call_is_raised_here_as_the_client_raised_it(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    from podio_desk.api.errors import NotFound

    async def scenario() -> None:
        async with rig(sandbox, tmp_path) as r:
            job = SyncJob(r.cache.path, 987_654_321)  # no such app
            with pytest.raises(NotFound):
                await sync_in_child_process(PodioSyncApi(r.client), job)
            assert sync_processes() == []

    asyncio.run(scenario())


def test_cancelling_the_sync_ends_its_process_and_keeps_what_was_committed(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    page = 10
    sandbox.control.set_latency(0.05)

    async def scenario() -> None:
        async with rig(sandbox, tmp_path) as r:
            committed = asyncio.Event()

            def note(event: SyncProgress) -> None:
                if event.phase == "full" and event.done >= page:
                    committed.set()

            task = asyncio.create_task(
                sync_in_child_process(
                    PodioSyncApi(r.client), r.job(page_size=page), on_progress=note
                )
            )
            await committed.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert sync_processes() == []
            state = await r.cache.sync_state(r.app_id)
            stored = await r.cache.items.live_ids(r.app_id)
            remote = remote_ids(sandbox, r.app_id)
            assert stored == [item_id for item_id in remote if item_id <= state.full_cursor]
            assert len(stored) >= page

    asyncio.run(scenario())


class _LargeAnswers:
    """The real API, but each page answer is padded to a few megabytes, so that sending it to
    the child takes a while; `answered` is set once the first one is on its way."""

    def __init__(self, api: PodioSyncApi) -> None:
        self._api = api
        self.answered = asyncio.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(self._api, name)

    async def filter_items_raw(self, *args: object, **kwargs: object) -> bytes:
        content = await self._api.filter_items_raw(*args, **kwargs)  # type: ignore[arg-type]
        self.answered.set()
        return content + b" " * (16 << 20)


def test_cancelling_while_an_answer_is_sent_ends_cleanly_and_the_app_can_sync_again(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with rig(sandbox, tmp_path) as r:
            api = _LargeAnswers(PodioSyncApi(r.client))
            failures: list[BaseException] = []
            asyncio.get_running_loop().set_exception_handler(
                lambda _loop, context: failures.append(context.get("exception") or Exception())
            )
            task = asyncio.create_task(sync_in_child_process(api, r.job(page_size=10)))  # type: ignore[arg-type]
            await api.answered.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert sync_processes() == []
            await sync_in_child_process(PodioSyncApi(r.client), r.job(page_size=50))
            assert await r.cache.items.live_ids(r.app_id) == remote_ids(sandbox, r.app_id)
            assert failures == []

    asyncio.run(scenario())
