"""kill -9, several times, during a full sync and during an incremental one: every kill leaves
a consistent cache, and the next run completes it without reading again what was committed."""

from __future__ import annotations

import asyncio
import math
import os
import signal
import sys
from pathlib import Path

import pytest

from podio_desk.cache.cache import Cache
from podio_desk.sandbox import Sandbox
from tests.faults import sync_child
from tests.faults.conftest import FaultRow
from tests.faults.rig import (
    FULL_SYNC_CALLS,
    ITEMS,
    PAGE,
    SandboxFactory,
    api_calls,
    assert_cache_equals_sandbox,
    assert_consistent_prefix,
    rig,
    run,
)
from tests.services.test_sync_sandbox import as_other

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no SIGKILL on Windows")
KILLS = 3


def sync_and_kill(sandbox: Sandbox, cache_dir: Path, phase: str, pages: int) -> list[str]:
    """Sync Tickets in a child process and kill -9 it once `pages` more pages of `phase` are
    committed. Returns the lines it printed."""
    child = sync_child.start(sandbox, sandbox.app_id("Tickets"), cache_dir, PAGE)
    lines: list[str] = []
    try:
        assert child.stdout is not None
        seen = 0
        while seen < pages:
            line = child.stdout.readline().strip()
            assert line, child.stderr.read() if child.stderr else lines
            assert line != "finished", lines
            lines.append(line)
            seen += line.startswith(f"{phase} ")
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        sync_child.end(child)
    assert child.returncode == -signal.SIGKILL
    return lines


def test_kill_9_during_a_full_sync(
    sandbox_factory: SandboxFactory, tmp_path: Path, fault_row: FaultRow
) -> None:
    fault_row.start(
        f"kill -9 during a full sync ({KILLS} times)",
        "each kill leaves a consistent prefix; the next run resumes",
    )
    sandbox: Sandbox = sandbox_factory(items=ITEMS)
    cache_dir = tmp_path / "cache"
    app_id = sandbox.app_id("Tickets")
    sandbox.control.set_latency(0.02)  # the kill lands mid-sync, not after it
    sandbox.control.reset_log()
    stored: list[int] = []
    for _ in range(KILLS):
        sync_and_kill(sandbox, cache_dir, "full", pages=2)
        sandbox.control.wait_settled()

        async def check() -> list[int]:
            cache = await Cache.open(cache_dir, sync_child.CACHE_NAME)
            try:
                return await assert_consistent_prefix(sandbox, cache, app_id)
            finally:
                await cache.aclose()

        now = run(check())
        assert len(now) >= len(stored) + 2 * PAGE  # the committed pages were not read again
        stored = now
    sandbox.control.set_latency(0.0)

    async def finish() -> tuple[int, bool]:
        async with rig(sandbox, cache_dir) as r:
            result = await r.service.sync_app(app_id)
            calls = api_calls(sandbox)
            await assert_cache_equals_sandbox(sandbox, r.cache, app_id)
        return calls, result.resumed

    calls, resumed = run(finish())
    # Each run reads the app's definition again; each kill may lose the page it was writing
    # and the one it had asked for next.
    bound = FULL_SYNC_CALLS + KILLS * 3
    fault_row.figures(
        calls=calls, bound=bound, note=f"{len(stored)} items stored before the last run"
    )
    assert resumed
    assert calls <= bound


def test_kill_9_during_an_incremental_sync(
    sandbox_factory: SandboxFactory, tmp_path: Path, fault_row: FaultRow
) -> None:
    kills = 2
    fault_row.start(
        f"kill -9 during an incremental sync ({kills} times)",
        "no edit is skipped; the next run completes",
    )
    sandbox: Sandbox = sandbox_factory(items=ITEMS)
    cache_dir = tmp_path / "cache"
    app_id = sandbox.app_id("Tickets")
    edits = 3 * PAGE

    async def full() -> None:
        async with rig(sandbox, cache_dir) as r:
            await r.service.sync_app(app_id)

    run(full())
    # Edits spread over an hour, far beyond the incremental overlap: a run that stopped after
    # the newest page must not skip the older ones.
    ids = sorted(asyncio.run(_ids(sandbox, app_id)))
    for n, item_id in enumerate(ids[:edits]):
        if n % PAGE == 0:
            sandbox.control.advance_clock(1200)
        as_other(sandbox, "PUT", f"/item/{item_id}", {"fields": {"title": f"edit {n}"}})
    sandbox.control.set_latency(0.02)
    sandbox.control.reset_log()
    for _ in range(kills):
        sync_and_kill(sandbox, cache_dir, "incremental", pages=1)
        sandbox.control.wait_settled()
    sandbox.control.set_latency(0.0)

    async def finish() -> int:
        async with rig(sandbox, cache_dir) as r:
            await r.service.sync_app(app_id)
            calls = api_calls(sandbox)
            await assert_cache_equals_sandbox(sandbox, r.cache, app_id)
        return calls

    calls = run(finish())
    incremental = math.ceil(edits / PAGE) + 1  # the edited pages, and the app's definition
    bound = (kills + 1) * (incremental + 1)
    fault_row.figures(calls=calls, bound=bound)
    assert calls <= bound


async def _ids(sandbox: Sandbox, app_id: int) -> list[int]:
    from tests.faults.rig import sandbox_items

    return list(await asyncio.to_thread(sandbox_items, sandbox, app_id))
