"""The demo's sandbox runs in a process of its own, reached over HTTP like a remote Podio,
and never outlives the app: not when the app stops it, not when the app is killed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from podio_desk.secrets import SecretStore
from podio_desk.services.accounts import AccountService
from podio_desk.services.demo import (
    DEMO_ACCOUNT_NAME,
    SandboxProcess,
    SandboxStartError,
    start_demo,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process checks")


def is_running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie waiting to be reaped counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        return state != "Z"
    return True


def wait_until_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_running(pid):
            return True
        time.sleep(0.05)
    return not is_running(pid)


def test_the_sandbox_is_a_child_process_served_over_http_and_stopped() -> None:
    async def scenario() -> tuple[int, int | None]:
        sandbox = await SandboxProcess.start(items=40, seed=2)
        try:
            pid = sandbox.process.pid
            assert pid != os.getpid()
            assert is_running(pid)
            assert sandbox.url.startswith("http://127.0.0.1:")
            assert {app["name"]: app["items"] for app in sandbox.info["apps"]}["Tickets"] == 40
            async with httpx.AsyncClient(base_url=sandbox.url, timeout=10) as client:
                reply = await client.post(
                    "/oauth/token",
                    data={
                        "grant_type": "password",
                        "username": sandbox.info["username"],
                        "password": sandbox.info["password"],
                        "client_id": sandbox.info["client_id"],
                        "client_secret": sandbox.info["client_secret"],
                    },
                )
            assert reply.status_code == 200
            assert reply.json()["access_token"]
        finally:
            await sandbox.stop()
        return pid, sandbox.process.returncode

    pid, returncode = asyncio.run(scenario())
    assert returncode == 0  # it stopped by itself, not killed
    assert not is_running(pid)


def test_a_sandbox_that_cannot_start_reports_why() -> None:
    with pytest.raises(SandboxStartError, match="--items must be 0 or more"):
        asyncio.run(SandboxProcess.start(items=-1))


def test_the_demo_signs_into_its_sandbox_and_stopping_it_ends_the_process(
    tmp_path: Path,
) -> None:
    async def scenario() -> int:
        accounts = AccountService(tmp_path, SecretStore())
        await accounts.load()
        demo = await start_demo(accounts, items=30)
        try:
            assert [account.name for account in accounts.list()] == [DEMO_ACCOUNT_NAME]
            assert demo.account.api_url == demo.sandbox.url
            assert demo.sandbox.app_id("Tickets") > 0
        finally:
            await demo.stop()
            await accounts.aclose()
        return demo.sandbox.process.pid

    pid = asyncio.run(scenario())
    assert not is_running(pid)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_the_sandbox_does_not_outlive_a_killed_app(tmp_path: Path, how: int) -> None:
    # A stand-in for the app: it starts the demo's sandbox, says the sandbox's pid, and waits.
    script = textwrap.dedent(
        """
        import asyncio, sys
        from podio_desk.services.demo import SandboxProcess

        async def main() -> None:
            sandbox = await SandboxProcess.start(items=20)
            print(sandbox.process.pid, flush=True)
            await asyncio.Event().wait()

        asyncio.run(main())
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as app:
        try:
            assert app.stdout is not None
            line = app.stdout.readline()
            assert line.strip().isdigit(), app.communicate(timeout=30)[1]
            sandbox_pid = int(line)
            assert is_running(sandbox_pid)
            app.send_signal(how)
            app.communicate(timeout=30)
            assert wait_until_gone(sandbox_pid, timeout=30)
        finally:
            if app.poll() is None:
                app.kill()
                app.communicate()
