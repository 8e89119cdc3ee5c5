"""`podio-desk sync` as a separate process against the sandbox: the rate-limit wait is shown
instead of a frozen bar; two processes on one profile share the work safely."""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
from pathlib import Path

from podio_desk.cache.cache import Cache
from podio_desk.sandbox import Sandbox
from podio_desk.services.sync import PAGE_SIZE
from tests.faults.conftest import FaultRow
from tests.faults.rig import ITEMS, ROOT, SandboxFactory, api_calls, assert_cache_equals_sandbox
from tests.services.file_keyring import BACKEND, KEYRING_FILE_ENV
from tests.services.test_sync_cli import add_args

TIMEOUT = 120


def cli_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a CLI subprocess: a keyring file all of this test's processes share."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTHON_KEYRING_BACKEND": BACKEND,
        KEYRING_FILE_ENV: str(tmp_path / "keyring.json"),
    }


def podio_desk(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "podio_desk", *args],
        cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def finish(process: subprocess.Popen[str], timeout: float = TIMEOUT) -> tuple[int, str, str]:
    """Wait for `process` to end (killed after `timeout` s); its exit code, stdout, stderr."""
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return process.returncode, out, err


def add_account(sandbox: Sandbox, profile: Path, env: dict[str, str]) -> str:
    code, _out, err = finish(podio_desk(*add_args(sandbox, profile), env=env))
    assert code == 0, err
    key: str = json.loads((profile / "accounts.json").read_text())["accounts"][0]["key"]
    return key


def check_cache(sandbox: Sandbox, profile: Path, key: str, app_id: int) -> None:
    async def check() -> None:
        cache = await Cache.open(profile / "cache", key)
        try:
            await assert_cache_equals_sandbox(sandbox, cache, app_id)
        finally:
            await cache.aclose()

    asyncio.run(check())


def test_the_cli_shows_the_rate_limit_wait(
    sandbox: Sandbox, tmp_path: Path, fault_row: FaultRow
) -> None:
    fault_row.start(
        "420 storm under `podio-desk sync`",
        'says "waiting for Podio\'s rate limit: N s", then completes',
    )
    env = cli_env(tmp_path)
    profile = tmp_path / "p"
    key = add_account(sandbox, profile, env)
    tickets = sandbox.app_id("Tickets")
    sandbox.control.reset_log()
    storm = 2
    sandbox.control.start_rate_limit_storm(count=storm, wait_seconds=1)
    sync = ["sync", "--profile", str(profile), "--app", str(tickets)]
    code, _out, err = finish(podio_desk(*sync, env=env))
    assert code == 0, err
    calls = api_calls(sandbox)
    assert "waiting for Podio's rate limit: 2 s" in err  # the hint, and a second to spare
    assert "Traceback" not in err
    check_cache(sandbox, profile, key, tickets)
    # The definition, the newest edit and one page; and each refused request once more.
    bound = 3 + storm
    fault_row.figures(calls=calls, bound=bound)
    assert calls <= bound


def test_two_processes_sync_one_profile(
    sandbox_factory: SandboxFactory, tmp_path: Path, fault_row: FaultRow
) -> None:
    fault_row.start(
        "two `podio-desk sync` of one app at once",
        "one syncs, the other waits or says so; no work twice, no 'database is locked'",
    )
    sandbox = sandbox_factory(items=2 * ITEMS)
    env = cli_env(tmp_path)
    profile = tmp_path / "p"
    key = add_account(sandbox, profile, env)
    tickets = sandbox.app_id("Tickets")
    sandbox.control.set_latency(0.2)  # each sync takes a few seconds: the two overlap
    sandbox.control.reset_log()
    sync = ["sync", "--profile", str(profile), "--app", str(tickets)]
    first, second = podio_desk(*sync, env=env), podio_desk(*sync, env=env)
    results = [finish(first), finish(second)]
    sandbox.control.set_latency(0.0)
    calls = api_calls(sandbox)
    for code, _out, err in results:
        assert "database is locked" not in err
        assert "Traceback" not in err
        assert code == 0 or "already being synced by process" in err, err
    check_cache(sandbox, profile, key, tickets)
    # One full sync (definition, newest edit, pages), and at most a short incremental
    # (definition, changes) by the process that waited.
    bound = math.ceil(2 * ITEMS / PAGE_SIZE) + 2 + 2
    fault_row.figures(calls=calls, bound=bound)
    assert calls <= bound
