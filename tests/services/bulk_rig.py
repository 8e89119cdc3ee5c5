"""Helpers for bulk-edit tests and benchmarks that run `podio-desk bulk` as child processes
(one profile, one file keyring shared by them) and kill them with SIGKILL mid-job."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from podio_desk.sandbox import Sandbox
from tests.faults import test_cli_faults as cli_faults

# The one CLI environment and start of a `podio-desk` process: the fault tests'.
from tests.faults.test_cli_faults import cli_env as cli_env
from tests.services.test_sync_cli import add_args

TIMEOUT = 300
start = cli_faults.podio_desk


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    return cli_faults.finish(process, TIMEOUT)  # a bulk job runs longer than a fault test


def podio_desk(*args: str, env: dict[str, str]) -> str:
    """Run a command to its end; its standard output (it must succeed)."""
    code, out, err = finish(start(*args, env=env))
    assert code == 0, err
    return out


def podio_desk_json(*args: str, env: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(podio_desk(*args, env=env).strip().splitlines()[-1])
    return data


def add_account(sandbox: Sandbox, profile: Path, env: dict[str, str]) -> str:
    podio_desk(*add_args(sandbox, profile), env=env)
    key: str = json.loads((profile / "accounts.json").read_text())["accounts"][0]["key"]
    return key


def journal_counts(profile: Path, key: str) -> dict[str, int]:
    """Entries per state over every job of the account's journal (read-only)."""
    path = profile / "journal" / f"{key}.sqlite3"
    if not path.exists():
        return {}
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)) as connection:
        try:
            rows = connection.execute("SELECT state, COUNT(*) FROM entries GROUP BY state")
            return {str(state): int(count) for state, count in rows}
        except sqlite3.OperationalError:  # not created yet
            return {}


def run_and_kill(
    plan: Path, profile: Path, key: str, env: dict[str, str], *, after_done: int
) -> None:
    """`podio-desk bulk run PLAN` in a child, killed with SIGKILL once the journal shows
    `after_done` more entries done than when it started."""
    base = journal_counts(profile, key).get("done", 0)
    child = start("bulk", "run", str(plan), "--profile", str(profile), env=env)
    try:
        deadline = time.monotonic() + TIMEOUT
        while journal_counts(profile, key).get("done", 0) < base + after_done:
            assert child.poll() is None, child.communicate()[1]
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()
    assert child.returncode == -signal.SIGKILL
