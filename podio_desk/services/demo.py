"""The demo: a local Podio (the sandbox) in a child process, signed into at once.

`podio-desk --demo` and the first-run dialog's "Try the demo" use it. The sandbox runs as
`podio-desk sandbox` in its own process, so the window talks to it as to a remote Podio: over
HTTP, without sharing the window's interpreter, threads or memory. It is seeded
deterministically, so every new user sees the same populated workspace within seconds and is
asked for no credentials. The demo account is re-created on every start (the sandbox listens
on a new port each time); accounts from earlier demos are removed first.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import sys
from dataclasses import dataclass
from typing import Any

from podio_desk.api.auth import AuthMode
from podio_desk.services.accounts import Account, AccountService

log = logging.getLogger(__name__)

DEMO_ACCOUNT_NAME = "Demo (local sandbox)"
# The large demo app ("Tickets") has this many items: enough to show that 100 000 rows scroll
# like a local spreadsheet, while seeding stays a few seconds in the sandbox's process.
DEMO_ITEMS = 100_000
DEMO_SEED = 1
# Seeding and sorting the large app takes seconds; a sandbox silent for this long is stuck.
START_TIMEOUT_SECONDS = 120.0
# A sandbox asked to stop gets this long to close before it is killed.
STOP_GRACE_SECONDS = 5.0


class SandboxStartError(RuntimeError):
    """The sandbox process ended or stalled before it announced its address."""


def sandbox_command(*, items: int, seed: int) -> list[str]:
    """`podio-desk sandbox` run by this interpreter, or by the frozen bundle's executable
    (which dispatches subcommands itself)."""
    if getattr(sys, "frozen", False):
        program = [sys.executable]
    else:
        program = [sys.executable, "-m", "podio_desk"]
    # --exit-with-stdin: the sandbox ends when our end of its stdin closes, which also
    # happens when this process is killed and cannot stop it.
    return [*program, "sandbox", "--items", str(items), "--seed", str(seed), "--exit-with-stdin"]


class SandboxProcess:
    """A `podio-desk sandbox` child process: started, its JSON line read, stopped."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        info: dict[str, Any],
        stderr_task: asyncio.Task[None],
    ) -> None:
        self.process = process
        self.info = info
        self._stderr_task: asyncio.Task[None] | None = stderr_task

    @property
    def url(self) -> str:
        return str(self.info["url"])

    def app_id(self, name: str) -> int:
        """The id of a seeded app by name (e.g. "Tickets")."""
        for app in self.info["apps"]:
            if app["name"] == name:
                return int(app["app_id"])
        raise KeyError(name)

    @classmethod
    async def start(cls, *, items: int = DEMO_ITEMS, seed: int = DEMO_SEED) -> SandboxProcess:
        """Start the sandbox and return once it listens (its JSON line has been read)."""
        command = sandbox_command(items=items, seed=seed)
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        assert process.stderr is not None
        last_errors: collections.deque[str] = collections.deque(maxlen=5)
        stderr_task = asyncio.get_running_loop().create_task(
            _log_lines(process.stderr, last_errors), name="demo sandbox stderr"
        )
        try:
            try:
                line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT_SECONDS)
            except TimeoutError:
                raise SandboxStartError(
                    f"the demo's sandbox did not start within {START_TIMEOUT_SECONDS:.0f} s"
                ) from None
            if not line:
                code = await process.wait()
                await stderr_task
                detail = "; ".join(last_errors) or "no message"
                raise SandboxStartError(
                    f"the demo's sandbox exited with status {code} before it was ready: {detail}"
                )
            try:
                info = json.loads(line)
            except ValueError:
                # Not echoed: the line may hold the demo's client secret and password.
                raise SandboxStartError("the demo's sandbox announced no address") from None
        except BaseException:
            await _end(process)
            stderr_task.cancel()
            raise
        sandbox = cls(process, info, stderr_task)
        log.info("Demo sandbox started (pid %d) at %s", process.pid, sandbox.url)
        return sandbox

    async def stop(self) -> None:
        """Ask the sandbox to end (its stdin closes, then SIGTERM); kill it if it lingers."""
        await _end(self.process)
        if self._stderr_task is not None:
            await self._stderr_task
            self._stderr_task = None


async def _end(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        if process.stdin is not None:
            process.stdin.close()
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_GRACE_SECONDS)
        except TimeoutError:
            log.warning("The demo's sandbox (pid %d) did not stop; killing it", process.pid)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    elif process.stdin is not None:
        process.stdin.close()


async def _log_lines(stream: asyncio.StreamReader, last: collections.deque[str]) -> None:
    """Log what the sandbox writes to stderr (it is quiet unless something goes wrong)."""
    while line := await stream.readline():
        text = line.decode(errors="replace").rstrip()
        if text:
            last.append(text)
            log.warning("demo sandbox: %s", text)


@dataclass
class Demo:
    """A running demo: its sandbox process and the account signed into it."""

    sandbox: SandboxProcess
    account: Account

    async def stop(self) -> None:
        await self.sandbox.stop()


def is_demo_account(account: Account) -> bool:
    return account.name == DEMO_ACCOUNT_NAME


async def start_demo(
    accounts: AccountService, *, items: int = DEMO_ITEMS, seed: int = DEMO_SEED
) -> Demo:
    """Start a seeded sandbox in its own process and sign into it (password grant)."""
    sandbox = await SandboxProcess.start(items=items, seed=seed)
    try:
        info = sandbox.info
        for old in [account for account in accounts.list() if is_demo_account(account)]:
            await accounts.remove(old.key)
        account = await accounts.add(
            name=DEMO_ACCOUNT_NAME,
            client_id=str(info["client_id"]),
            client_secret=str(info["client_secret"]),
            auth_mode=AuthMode.PASSWORD,
            api_url=sandbox.url,
            username=str(info["username"]),
        )
        await accounts.sign_in_password(account.key, str(info["password"]))
    except BaseException:
        await sandbox.stop()
        raise
    log.info("Demo started: a local Podio at %s", sandbox.url)
    return Demo(sandbox, account)


async def forget_demo_accounts(accounts: AccountService) -> None:
    """Remove demo accounts left from an earlier run (their sandbox is gone)."""
    for old in [account for account in accounts.list() if is_demo_account(account)]:
        await accounts.remove(old.key)
