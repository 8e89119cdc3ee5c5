"""kill -9 of `podio-desk bulk run` mid-job, twice: the same command resumes from the journal;
nothing is lost and nothing is applied twice (every item's revision moved by exactly one)."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from podio_desk.sandbox import Sandbox
from tests.services.bulk_rig import (
    add_account,
    cli_env,
    finish,
    journal_counts,
    podio_desk,
    podio_desk_json,
    run_and_kill,
    start,
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
    sandbox.control.wait_settled()
    assert journal_counts(profile, key).get("sent", 0) <= 3  # the writes in flight at most
    run_and_kill(plan, profile, key, env, after_done=10)
    sandbox.control.wait_settled()
    sandbox.control.set_latency(0)

    status = podio_desk_json("bulk", "jobs", "--profile", str(profile), "--json", env=env)
    (job,) = status["jobs"]
    assert job["resumable"]
    assert job["state"] == "interrupted"  # the journal's "running" with nobody running it
    text = podio_desk("bulk", "status", str(job["job_id"]), "--profile", str(profile), env=env)
    assert ": interrupted (can resume);" in text
    out = podio_desk("bulk", "run", str(plan), "--profile", str(profile), env=env)
    assert out.splitlines()[0] == f"Job {job['job_id']}"  # the same job, resumed
    final = podio_desk_json(
        "bulk", "status", str(job["job_id"]), "--profile", str(profile), "--json", env=env
    )
    assert final["state"] == "done"
    assert (final["changed"], final["failed"], final["conflicts"]) == (len(ids), 0, 0)
    # Counted as they went, killed runs included: every write, and the reads that confirmed.
    calls = sum(1 for r in sandbox.control.requests() if r.rate_class is not None)
    # (a killed run may not have noted the calls of the writes it had in flight)
    assert len(ids) - 6 <= final["api_calls"] <= calls + 1  # + the plan's filter page
    for item_id in ids:
        item = sandbox.state.items[item_id]
        assert item.revision == before[item_id] + 1  # applied once, never twice
    title = next(f.field_id for f in sandbox.state.apps[app_id].fields if f.external_id == "title")
    assert {tuple(sandbox.state.items[i].values[title]) for i in ids} == {("Bulk title",)}
    puts = [r for r in sandbox.control.requests() if r.method == "PUT"]
    assert len(puts) <= len(ids) + 6  # at most the writes in flight at each kill, resent


def test_one_process_runs_a_job_the_others_say_who_and_cancel_waits_for_it(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    env = cli_env(tmp_path)
    profile = tmp_path / "p"
    key = add_account(sandbox, profile, env)
    app_id = sandbox.app_id("Tickets")
    plan = tmp_path / "plan.json"
    podio_desk_json(
        "bulk", "plan", "--profile", str(profile), "--app", str(app_id), "--filter", "{}",
        "--increment", "progress=1", "-o", str(plan), "--json", env=env,
    )  # fmt: skip
    sandbox.control.set_latency(1.0)  # 20 s of writes: still running while the others ask
    child = start("bulk", "run", str(plan), "--profile", str(profile), env=env)
    try:
        while journal_counts(profile, key).get("done", 0) < 3:
            assert child.poll() is None
            time.sleep(0.01)
        code, _out, err = finish(
            start("bulk", "run", str(plan), "--profile", str(profile), env=env)
        )
        assert code == 1
        assert f"is being run by process {child.pid}" in err
        code, _out, err = finish(start("bulk", "cancel", "1", "--profile", str(profile), env=env))
        assert code == 1
        assert "runs in another process" in err
        jobs = podio_desk_json("bulk", "jobs", "--profile", str(profile), "--json", env=env)
        assert jobs["jobs"][0]["running_in"] == child.pid
        assert not jobs["jobs"][0]["resumable"]
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.communicate()
    # The writes in flight sleep 1 s in the sandbox before landing.
    sandbox.control.wait_settled(2.0)
    sandbox.control.set_latency(0)
    before = {i: sandbox.state.items[i].revision for i in sandbox.state.app_items[app_id]}
    cancelled = podio_desk_json("bulk", "cancel", "1", "--profile", str(profile), "--json", env=env)
    # Final at once: the writes the kill left sent are settled by reading, none is sent.
    assert cancelled["state"] == "cancelled"
    assert cancelled["pending"] == 0
    assert cancelled["skipped"] > 0
    code, _out, err = finish(start("bulk", "run", str(plan), "--profile", str(profile), env=env))
    assert code == 1
    assert "job 1 was cancelled" in err
    sandbox.control.wait_settled()
    assert before == {i: sandbox.state.items[i].revision for i in sandbox.state.app_items[app_id]}
