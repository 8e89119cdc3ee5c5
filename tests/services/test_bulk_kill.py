"""kill -9 of `podio-desk bulk run` mid-job, twice: the same command resumes from the journal;
nothing is lost and nothing is applied twice (every item's revision moved by exactly one)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from podio_desk.sandbox import Sandbox
from tests.services.bulk_rig import (
    add_account,
    cli_env,
    journal_counts,
    podio_desk,
    podio_desk_json,
    run_and_kill,
    settle,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no SIGKILL on Windows")


def test_kill_9_twice_then_the_same_command_finishes_the_job(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    env = cli_env(tmp_path)
    profile = tmp_path / "p"
    key = add_account(sandbox, profile, env)
    app_id = sandbox.app_id("Tickets")
    ids = list(sandbox.state.app_items[app_id])
    before = {i: sandbox.state.items[i].revision for i in ids}
    plan = tmp_path / "plan.json"
    planned = podio_desk_json(
        "bulk", "plan", "--profile", str(profile), "--app", str(app_id), "--filter", "{}",
        "--set", "title=Bulk title", "-o", str(plan), "--json", env=env,
    )  # fmt: skip
    assert planned["changed"] == len(ids)
    sandbox.control.set_latency(0.02)  # the kills land mid-job
    sandbox.control.reset_log()
    run_and_kill(plan, profile, key, env, after_done=10)
    settle(sandbox)
    assert journal_counts(profile, key).get("sent", 0) <= 3  # the writes in flight at most
    run_and_kill(plan, profile, key, env, after_done=10)
    settle(sandbox)
    sandbox.control.set_latency(0)

    status = podio_desk_json("bulk", "jobs", "--profile", str(profile), "--json", env=env)
    (job,) = status["jobs"]
    assert job["resumable"]
    out = podio_desk("bulk", "run", str(plan), "--profile", str(profile), env=env)
    assert out.splitlines()[0] == f"Job {job['job_id']}"  # the same job, resumed
    final = podio_desk_json(
        "bulk", "status", str(job["job_id"]), "--profile", str(profile), "--json", env=env
    )
    assert final["state"] == "done"
    assert (final["changed"], final["failed"], final["conflicts"]) == (len(ids), 0, 0)
    for item_id in ids:
        item = sandbox.state.items[item_id]
        assert item.revision == before[item_id] + 1  # applied once, never twice
    title = next(f.field_id for f in sandbox.state.apps[app_id].fields if f.external_id == "title")
    assert {tuple(sandbox.state.items[i].values[title]) for i in ids} == {("Bulk title",)}
    puts = [r for r in sandbox.control.requests() if r.method == "PUT"]
    assert len(puts) <= len(ids) + 6  # at most the writes in flight at each kill, resent
