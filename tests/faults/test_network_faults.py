"""Faults of the network and of the server, against the sandbox over HTTP: each ends with the
cache equal to the sandbox item for item, intact, and within a stated number of API calls."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from podio_desk.api.errors import PodioError, SignInRequired
from podio_desk.api.ratelimit import RateLimitScheduler, RateLimitWait, SchedulerEvent
from podio_desk.api.transport import TransportConfig
from podio_desk.sandbox import Sandbox
from podio_desk.services.sync import SyncProgress
from tests.api.helpers import FastClock, signed_in
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


def at_page(pages: int, action: Callable[[], object]) -> Callable[[SyncProgress], None]:
    """A progress callback that runs `action()` once, when `pages` pages are committed."""
    fired = False

    def callback(event: SyncProgress) -> None:
        nonlocal fired
        if not fired and event.phase == "full" and event.done >= pages * PAGE:
            fired = True
            action()

    return callback


def test_420_storm(sandbox_factory: SandboxFactory, tmp_path: Path, fault_row: FaultRow) -> None:
    fault_row.start("420 storm (8 refusals mid-sync)", "waits as told, then completes")
    sandbox: Sandbox = sandbox_factory(items=ITEMS)
    storm = 8
    waits: list[RateLimitWait] = []

    def note(event: SchedulerEvent) -> None:
        if isinstance(event, RateLimitWait):
            waits.append(event)

    async def scenario() -> int:
        clock = FastClock(sandbox)  # the waits are simulated, on the sandbox's clock too
        scheduler = RateLimitScheduler(clock=clock, sleep=clock.sleep)
        scheduler.events.subscribe(note)
        async with rig(sandbox, tmp_path, scheduler=scheduler) as r:
            sandbox.control.reset_log()
            storm_now = at_page(
                3, lambda: sandbox.control.start_rate_limit_storm(count=storm, wait_seconds=30)
            )
            await r.service.sync_app(r.app_id, on_progress=storm_now)
            calls = api_calls(sandbox)
            await assert_cache_equals_sandbox(sandbox, r.cache, r.app_id)
        return calls

    calls = run(scenario())
    bound = FULL_SYNC_CALLS + storm  # each refused request is sent once more
    fault_row.figures(calls=calls, bound=bound, note=f"{len(waits)} waits of 31 s (simulated)")
    assert len(waits) == storm
    assert calls <= bound


@pytest.mark.parametrize("kind", ["5xx", "drops"])
def test_failures_at_30_percent(
    sandbox_factory: SandboxFactory, tmp_path: Path, fault_row: FaultRow, kind: str
) -> None:
    what = "HTTP 500/502/503" if kind == "5xx" else "dropped connections"
    fault_row.start(f"{what} on 30 % of requests", "retried; a run that gives up resumes")
    sandbox: Sandbox = sandbox_factory(items=ITEMS)

    async def scenario() -> tuple[int, int]:
        async with rig(sandbox, tmp_path) as r:
            sandbox.control.reset_log()
            if kind == "5xx":
                sandbox.control.set_error_rate(0.3)
            else:
                sandbox.control.set_drop_rate(0.3)
            runs = 0
            while True:  # as a user (or cron) would: run the sync again until it completes
                runs += 1
                try:
                    await r.service.sync_app(r.app_id)
                    break
                except PodioError:
                    assert runs < 5
                    await assert_consistent_prefix(sandbox, r.cache, r.app_id)
            sandbox.control.reset_faults()
            calls = api_calls(sandbox)
            await assert_cache_equals_sandbox(sandbox, r.cache, r.app_id)
        return calls, runs

    calls, runs = run(scenario())
    # About 1 / 0.7 sends per call; a run that gave up re-reads the app's definition.
    bound = 2 * FULL_SYNC_CALLS + 5
    fault_row.figures(calls=calls, bound=bound, note=f"{runs} run(s)")
    assert calls <= bound


def test_latency(sandbox_factory: SandboxFactory, tmp_path: Path, fault_row: FaultRow) -> None:
    fault_row.start("50 ms latency on every request", "completes; no extra calls")
    sandbox: Sandbox = sandbox_factory(items=ITEMS)

    async def scenario() -> int:
        async with rig(sandbox, tmp_path) as r:
            sandbox.control.reset_log()
            sandbox.control.set_latency(0.05)
            await r.service.sync_app(r.app_id)
            sandbox.control.set_latency(0.0)
            calls = api_calls(sandbox)
            await assert_cache_equals_sandbox(sandbox, r.cache, r.app_id)
        return calls

    calls = run(scenario())
    fault_row.figures(calls=calls, bound=FULL_SYNC_CALLS)
    assert calls == FULL_SYNC_CALLS


def test_trickling_server(
    sandbox_factory: SandboxFactory, tmp_path: Path, fault_row: FaultRow
) -> None:
    fault_row.start(
        "trickling server (a byte every 50 ms, 2 answers)",
        "each attempt cut off at its deadline (1 s here), then retried",
    )
    sandbox: Sandbox = sandbox_factory(items=ITEMS)
    trickled = 2
    # Each byte comes well within the read timeout: only a deadline for the whole attempt ends it.
    config = TransportConfig(base_url=sandbox.url, read_timeout=30.0, attempt_deadline=1.0)

    async def scenario() -> int:
        async with rig(sandbox, tmp_path, config=config) as r:
            sandbox.control.reset_log()
            trickle_now = at_page(3, lambda: sandbox.control.start_trickle(0.05, count=trickled))
            sync = r.service.sync_app(r.app_id, on_progress=trickle_now)
            # Without a deadline, each trickled page alone would take over an hour.
            await asyncio.wait_for(sync, timeout=60)
            calls = api_calls(sandbox)
            await assert_cache_equals_sandbox(sandbox, r.cache, r.app_id)
        return calls

    calls = run(scenario())
    bound = FULL_SYNC_CALLS + trickled
    fault_row.figures(calls=calls, bound=bound)
    assert calls <= bound


def test_token_expiry(sandbox_factory: SandboxFactory, tmp_path: Path, fault_row: FaultRow) -> None:
    fault_row.start("access token expires mid-sync", "one refresh, the sync goes on")
    sandbox: Sandbox = sandbox_factory(items=ITEMS)

    async def scenario() -> tuple[int, int]:
        async with rig(sandbox, tmp_path) as r:
            sandbox.control.reset_log()
            expire_now = at_page(3, sandbox.control.expire_all_tokens)
            await r.service.sync_app(r.app_id, on_progress=expire_now)
            calls = api_calls(sandbox)
            await assert_cache_equals_sandbox(sandbox, r.cache, r.app_id)
            return calls, r.client.session.refresh_count

    calls, refreshes = run(scenario())
    bound = FULL_SYNC_CALLS + 2  # the requests in flight when the token died are sent again
    fault_row.figures(calls=calls, bound=bound, note=f"{refreshes} refresh")
    assert refreshes == 1
    assert calls <= bound


def test_revoked_refresh_token(
    sandbox_factory: SandboxFactory, tmp_path: Path, fault_row: FaultRow
) -> None:
    fault_row.start(
        "refresh token revoked mid-sync",
        'stops with "sign in again", keeps every page; resumes after sign-in',
    )
    sandbox: Sandbox = sandbox_factory(items=ITEMS)

    async def scenario() -> tuple[int, str, int, bool]:
        async with rig(sandbox, tmp_path) as r:
            sandbox.control.reset_log()
            revoke_now = at_page(3, sandbox.control.revoke_refresh_tokens)
            with pytest.raises(SignInRequired) as stopped:
                await r.service.sync_app(r.app_id, on_progress=revoke_now)
            kept = await assert_consistent_prefix(sandbox, r.cache, r.app_id)
            assert len(kept) >= 3 * PAGE
            info = sandbox.info
            await r.client.session.sign_in_password(str(info["username"]), str(info["password"]))
            resumed = await r.service.sync_app(r.app_id)
            calls = api_calls(sandbox)
            await assert_cache_equals_sandbox(sandbox, r.cache, r.app_id)
        return calls, str(stopped.value), len(kept), resumed.resumed

    calls, message, kept, resumed = run(scenario())
    # Lost: the requests refused when the token died; the second run re-reads the definition.
    bound = FULL_SYNC_CALLS + 4
    fault_row.figures(calls=calls, bound=bound, note=f"{kept} items kept at the stop")
    assert "sign in again" in message.lower()
    assert resumed
    assert calls <= bound


def test_a_slow_but_steady_answer_is_not_cut_off(sandbox: Sandbox) -> None:
    # Over the deadline but above the minimum rate (a big file on a slow link): read to the end.
    config = TransportConfig(
        base_url=sandbox.url, read_timeout=30.0, attempt_deadline=0.3, min_body_rate=50.0
    )

    async def scenario() -> None:
        client = await signed_in(sandbox, config=config)
        async with client:
            sandbox.control.reset_log()
            sandbox.control.start_trickle(0.002, count=1)  # 609 bytes: over a second
            started = time.monotonic()
            reply = await client.transport.request("GET", "/user/status")
            assert time.monotonic() - started > config.attempt_deadline
            assert reply.json()["user"]
        assert [entry.path for entry in sandbox.control.requests()] == ["/user/status"]

    run(scenario())
