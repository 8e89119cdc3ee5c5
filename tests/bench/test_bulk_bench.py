"""Bulk-edit figures against the sandbox: a 1 000-item job through a 420 storm and two
kill -9, the calls per changed item, and undo with 5 % of the items edited in between.

Run with `bash packaging/dev.sh bench`. The job runs as `podio-desk bulk run` in child
processes (killed with SIGKILL twice), then resumes in this process, where every request
leaving it and every rate-limit wait is timed. Revisions prove that nothing was applied twice:
each item must end exactly one revision after where it started. Rate limits are raised so the
scheduler does not pace (the storm's 420s are what this measures); `bulk_ui_p99_lateness_ms`
needs the window and is measured by the GUI's benchmark.
"""

from __future__ import annotations

import asyncio
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient
from podio_desk.api.ratelimit import RateLimitWait
from podio_desk.domain.bulk import parse_operation
from podio_desk.sandbox import Sandbox, SandboxConfig
from podio_desk.services.bulk_plan import Selection
from podio_desk.services.bulk_run import BulkProgress
from podio_desk.services.session import AccountSession
from tests.services.bulk_rig import (
    add_account,
    cli_env,
    podio_desk_json,
    run_and_kill,
)
from tests.services.test_sync_sandbox import as_other

N = 1000
pytestmark = [
    pytest.mark.timeout(1800),
    pytest.mark.skipif(sys.platform == "win32", reason="no SIGKILL on Windows"),
]


async def _session(sandbox: Sandbox, key: str, cache_dir: Path) -> AccountSession:
    """This process's session on the profile the children used (same cache, same journal)."""
    info = sandbox.info
    client = PodioClient(
        ClientCredentials(str(info["client_id"]), str(info["client_secret"])),
        base_url=sandbox.url,
    )
    await client.session.sign_in_password(str(info["username"]), str(info["password"]))
    return await AccountSession.open(key, "Bench", client, cache_dir)


def _field(sandbox: Sandbox, app_id: int, external_id: str) -> int:
    return next(
        f.field_id for f in sandbox.state.apps[app_id].fields if f.external_id == external_id
    )


def test_bulk_job_1000_storm_and_two_kills(tmp_path: Path, bench_results: Any) -> None:
    sandbox = Sandbox(SandboxConfig(items=N, rate_limits=(10**7, 10**7))).start()
    try:
        _job_1000(sandbox, tmp_path, bench_results)
    finally:
        sandbox.stop()


def _job_1000(sandbox: Sandbox, tmp_path: Path, bench_results: Any) -> None:
    env = cli_env(tmp_path)
    profile = tmp_path / "p"
    key = add_account(sandbox, profile, env)
    app_id = sandbox.app_id("Tickets")
    ids = list(sandbox.state.app_items[app_id])
    assert len(ids) == N
    title_id, amount_id = _field(sandbox, app_id, "title"), _field(sandbox, app_id, "amount")
    before = {
        i: (
            sandbox.state.items[i].revision,
            Decimal(str(sandbox.state.items[i].values[amount_id][0])),
        )
        for i in ids
    }
    plan = tmp_path / "plan.json"
    planned = podio_desk_json(
        "bulk", "plan", "--profile", str(profile), "--app", str(app_id), "--filter", "{}",
        "--set", "title=Bulk 1000", "--increment", "amount=1", "--silent", "--no-hook",
        "-o", str(plan), "--json", env=env,
    )  # fmt: skip
    assert planned["changed"] == N
    started = time.perf_counter()
    sandbox.control.set_latency(0.003)  # the kills land mid-job
    run_and_kill(plan, profile, key, env, after_done=250)
    sandbox.control.wait_settled()
    run_and_kill(plan, profile, key, env, after_done=250)
    sandbox.control.wait_settled()
    sandbox.control.set_latency(0)

    sent: list[float] = []
    waits: list[tuple[float, float]] = []

    async def resume() -> None:
        session = await _session(sandbox, key, profile / "cache")
        try:

            async def on_request(request: httpx.Request) -> None:
                sent.append(time.monotonic())

            def on_scheduler(event: Any) -> None:
                if isinstance(event, RateLimitWait):
                    waits.append((time.monotonic(), event.until))

            stormed: list[bool] = []

            def on_progress(event: Any) -> None:
                if isinstance(event, BulkProgress) and event.done >= 600 and not stormed:
                    stormed.append(True)
                    sandbox.control.start_rate_limit_storm(count=6, wait_seconds=1)

            # Every request leaving this process, timed (httpx's own request hook).
            session.client.transport._http.event_hooks["request"].append(on_request)
            session.client.scheduler.events.subscribe(on_scheduler)
            session.events.subscribe(on_progress)
            (job,) = await session.bulk.resumable()
            report = await session.bulk.run(job.job_id)
            assert report.state == "done"
            assert stormed
        finally:
            await session.aclose()
            await session.client.aclose()

    asyncio.run(resume())
    seconds = time.perf_counter() - started
    lost = applied_twice = wrong = 0
    for item_id in ids:
        item = sandbox.state.items[item_id]
        revision, amount = before[item_id]
        if item.revision == revision:
            lost += 1
        elif item.revision > revision + 1:
            applied_twice += 1
        if (
            item.values.get(title_id) != ["Bulk 1000"]
            or Decimal(str(item.values[amount_id][0])) != amount + 1
        ):
            wrong += 1
    during_wait = sum(1 for began, until in waits for t in sent if began < t < until - 0.01)
    bench_results["bulk_lost"] = lost
    bench_results["bulk_applied_twice"] = applied_twice
    bench_results["bulk_items_wrong"] = wrong
    bench_results["bulk_requests_during_420_wait"] = during_wait
    bench_results["bulk_420_waits"] = len(waits)
    bench_results["bulk_job_1000_seconds"] = seconds
    assert waits
    assert (lost, applied_twice, wrong, during_wait) == (0, 0, 0, 0)

    # ---------------------------------------------------------------- calls per changed item
    async def calls_and_undo() -> tuple[float, float, int]:
        session = await _session(sandbox, key, profile / "cache")
        try:
            plan = await session.bulk.plan(
                app_id, Selection(filters={}), [parse_operation("increment", "amount=2")]
            )
            job_id = await session.bulk.start(plan)
            sandbox.control.reset_log()
            report = await session.bulk.run(job_id)
            calls = sum(1 for r in sandbox.control.requests() if r.rate_class is not None)
            per_item = calls / report.counts.done

            # 5 % of the items are edited by someone else before the undo.
            edited = ids[::20]
            for item_id in edited:
                as_other(sandbox, "PUT", f"/item/{item_id}", {"fields": {str(amount_id): "1"}})
            edited_revisions = {i: sandbox.state.items[i].revision for i in edited}
            undo = await session.bulk.run(await session.bulk.undo(job_id))
            restored = sum(
                1
                for i in ids
                if i not in edited_revisions
                and Decimal(str(sandbox.state.items[i].values[amount_id][0])) == before[i][1] + 1
            )
            listed = {item_id for item_id, _t, _w in await session.bulk.skipped_items(undo.job_id)}
            untouched = sum(
                1 for i in edited if sandbox.state.items[i].revision == edited_revisions[i]
            )
            assert listed == set(edited)
            assert untouched == len(edited)
            return per_item, restored / (N - len(edited)), len(listed)
        finally:
            await session.aclose()
            await session.client.aclose()

    per_item, restored, listed = asyncio.run(calls_and_undo())
    bench_results["bulk_calls_per_changed_item"] = per_item
    bench_results["bulk_undo_restored"] = restored
    bench_results["bulk_undo_listed_edited"] = listed
    assert per_item == 1.0
    assert restored == 1.0
