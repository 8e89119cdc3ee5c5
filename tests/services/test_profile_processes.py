"""One profile shared by several processes: `account add` and `sync` run at once, against the
sandbox, as real `podio-desk` processes (and as forced interleavings of their steps)."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from podio_desk.api.auth import AuthMode
from podio_desk.sandbox import Sandbox
from podio_desk.secrets import MemoryKeyring, SecretStore
from podio_desk.services.accounts import AccountService
from podio_desk.services.file_lock import lock_holder
from podio_desk.services.sync import PodioSyncApi, SyncError, SyncProgress
from podio_desk.services.sync_process import SyncBusyError, sync_in_child_process
from tests.services.file_keyring import BACKEND, KEYRING_FILE_ENV, keyring_services
from tests.services.test_sync_process import rig, sync_processes

ROOT = Path(__file__).resolve().parents[2]
# Generous: a child interpreter starts slowly on a loaded machine; a deadline, never a pause.
DEADLINE = 120.0


def podio_desk(args: list[str], keyring_file: Path, **popen: Any) -> subprocess.Popen[str]:
    """Start `podio-desk ARGS` as its own process, sharing a keyring file with the others."""
    env = dict(os.environ, PYTHON_KEYRING_BACKEND=BACKEND, **{KEYRING_FILE_ENV: str(keyring_file)})
    return subprocess.Popen(
        [sys.executable, "-m", "podio_desk", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def add_args(sandbox: Sandbox, profile: Path, name: str) -> list[str]:
    info = sandbox.info
    return [
        "account", "add", "--name", name, "--api-url", sandbox.url,
        "--client-id", str(info["client_id"]), "--client-secret", str(info["client_secret"]),
        "--username", str(info["username"]), "--password", str(info["password"]),
        "--profile", str(profile),
    ]  # fmt: skip


def accounts_in(profile: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads((profile / "accounts.json").read_text())["accounts"]
    return entries


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=DEADLINE)
    return process.returncode, out, err


# ------------------------------------------------------------------ account add


def test_accounts_added_by_processes_at_once_all_remain_with_their_secrets(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    profile, keyring_file = tmp_path / "p", tmp_path / "keyring.json"
    names = [f"Work {number}" for number in range(6)]
    processes = [podio_desk(add_args(sandbox, profile, name), keyring_file) for name in names]
    for process in processes:
        code, _, err = finish(process)
        assert code == 0, err
    accounts = accounts_in(profile)
    assert sorted(entry["name"] for entry in accounts) == names
    # Every secret in the keyring belongs to an account in the file: none is orphaned.
    assert keyring_services(keyring_file) == {f"podio-desk:{entry['key']}" for entry in accounts}


def _add_after_everyone_loaded(profile: str, name: str, loaded: Any) -> None:
    """One process's `account add`, its read of the file forced to happen before anyone's write."""

    async def add() -> None:
        service = AccountService(Path(profile), SecretStore(MemoryKeyring()))
        await service.load()
        loaded.wait()  # every process has read accounts.json, none has written it yet
        await service.add(
            name=name, client_id="id", client_secret="secret", auth_mode=AuthMode.PASSWORD,
            username=f"{name}@example.com",
        )  # fmt: skip

    asyncio.run(add())


def test_accounts_added_at_once_by_processes_that_all_read_first_all_remain(
    tmp_path: Path,
) -> None:
    profile = tmp_path / "p"
    names = [f"Account {number}" for number in range(8)]
    context = multiprocessing.get_context("spawn")
    loaded = context.Barrier(len(names), timeout=DEADLINE)
    workers = [
        context.Process(target=_add_after_everyone_loaded, args=(str(profile), name, loaded))
        for name in names
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(DEADLINE)
        assert worker.exitcode == 0
    assert sorted(entry["name"] for entry in accounts_in(profile)) == names


def test_accounts_added_at_once_by_threads_that_all_read_first_all_remain(
    tmp_path: Path,
) -> None:
    profile = tmp_path / "p"
    names = [f"Account {number}" for number in range(16)]
    loaded = threading.Barrier(len(names), timeout=DEADLINE)
    errors: list[BaseException] = []

    def add(name: str) -> None:
        try:
            _add_after_everyone_loaded(str(profile), name, loaded)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=add, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE)
    assert errors == []
    assert sorted(entry["name"] for entry in accounts_in(profile)) == sorted(names)


def test_removing_an_account_keeps_one_another_process_added_meanwhile(tmp_path: Path) -> None:
    async def scenario() -> None:
        window = AccountService(tmp_path, SecretStore(MemoryKeyring()))
        command = AccountService(tmp_path, SecretStore(MemoryKeyring()))
        await window.load()
        await command.load()
        details: dict[str, Any] = {
            "client_id": "id", "client_secret": "s", "auth_mode": AuthMode.APP, "app_id": 1,
        }  # fmt: skip
        old = await window.add(name="Old", **details)
        await command.add(name="New", **details)
        await window.remove(old.key)  # the window never saw "New"
        assert [
            account.name for account in await AccountService(tmp_path, SecretStore()).load()
        ] == ["New"]

    asyncio.run(scenario())


def test_two_accounts_of_one_name_added_at_once_one_is_refused(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    profile, keyring_file = tmp_path / "p", tmp_path / "keyring.json"
    processes = [podio_desk(add_args(sandbox, profile, "Work"), keyring_file) for _ in range(3)]
    results = [finish(process) for process in processes]
    assert sorted(code for code, _, _ in results) == [0, 1, 1]
    for code, _, err in results:
        if code:
            assert "already an account named 'Work'" in err, err
    accounts = accounts_in(profile)
    assert [entry["name"] for entry in accounts] == ["Work"]
    assert keyring_services(keyring_file) == {f"podio-desk:{accounts[0]['key']}"}


# ------------------------------------------------------------------ sync


class Lines:
    """The lines a process writes to one stream, read as they come."""

    def __init__(self, stream: Any) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, text: str) -> str:
        deadline = time.monotonic() + DEADLINE
        while True:
            line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            if line is None:
                raise AssertionError(f"{text!r} never came; got {self.lines}")
            self.lines.append(line)
            if text in line:
                return line

    def rest(self) -> str:
        while (line := self._queue.get(timeout=DEADLINE)) is not None:
            self.lines.append(line)
        return "".join(self.lines)


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


def app_requests(sandbox: Sandbox, app_id: int) -> list[str]:
    """The requests made for `app_id`: its definition and its item filters."""
    paths = [entry.path for entry in sandbox.control.requests()]
    return [
        p
        for p in paths
        if p.startswith(f"/item/app/{app_id}/") or p.rstrip("/") == f"/app/{app_id}"
    ]


def lock_files(profile: Path) -> list[Path]:
    return sorted((profile / "cache").glob("sync-*.lock"))


def holds_the_lock(profile: Path, pid: int) -> bool:
    return any(path.read_text().strip() == str(pid) for path in lock_files(profile))


def cached_items(profile: Path, app_id: int) -> list[int]:
    (cache,) = (profile / "cache").glob("*.sqlite3")
    with sqlite3.connect(cache) as connection:
        return [
            row[0]
            for row in connection.execute(
                "SELECT item_id FROM items WHERE app_id = ? AND deleted = 0 ORDER BY item_id",
                (app_id,),
            )
        ]


@pytest.fixture
def signed_in(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path
) -> tuple[Sandbox, Path, Path]:
    sandbox = sandbox_factory(items=1500)
    profile, keyring_file = tmp_path / "p", tmp_path / "keyring.json"
    code, _, err = finish(podio_desk(add_args(sandbox, profile, "Work"), keyring_file))
    assert code == 0, err
    return sandbox, profile, keyring_file


def test_a_second_sync_of_the_same_app_names_the_first_then_waits_for_it(
    signed_in: tuple[Sandbox, Path, Path],
) -> None:
    sandbox, profile, keyring_file = signed_in
    tickets = sandbox.app_id("Tickets")
    app = ["sync", "--profile", str(profile), "--app", str(tickets)]
    sandbox.control.reset_log()
    sandbox.control.set_latency(1.0)  # the first sync stays busy until we let it go
    first = podio_desk(app, keyring_file)
    try:
        wait_until(lambda: holds_the_lock(profile, first.pid), "the first sync holds the app")

        code, _, err = finish(podio_desk([*app, "--no-wait"], keyring_file))
        assert code == 1
        assert err.strip().splitlines() == [
            f"podio-desk sync: error: app {tickets} is already being synced by process "
            f"{first.pid}; try again when it is done, or leave out --no-wait to wait for it"
        ]

        with podio_desk(app, keyring_file) as third:
            third_err = Lines(third.stderr)
            third_err.wait_for(f"already being synced by process {first.pid}; waiting for it")
            sandbox.control.set_latency(0.0)
            code, out, err = finish(first)
            assert code == 0, err
            assert out.startswith("Synced 1 app: 1500 added, 0 changed, 0 deleted;"), out
            first_calls = int(out.split("; ")[1].split()[0])
            assert third.wait(DEADLINE) == 0, third_err.rest()
            assert third.stdout is not None
            out = third.stdout.read()
            third_err.rest()
        # It started after the first was done: only the changes since then, i.e. one call.
        assert out.startswith("Synced 1 app: 0 added, 0 changed, 0 deleted; 1 API calls"), out
        assert len(app_requests(sandbox, tickets)) == first_calls + 1  # nothing done twice
    finally:
        first.kill()
        first.wait()
    with sandbox.state.lock:
        remote = sorted(sandbox.state.live_items(tickets))
    assert cached_items(profile, tickets) == remote


@pytest.mark.skipif(sys.platform == "win32", reason="no SIGKILL on Windows")
def test_a_sync_killed_with_its_process_does_not_keep_the_app_locked(
    signed_in: tuple[Sandbox, Path, Path],
) -> None:
    sandbox, profile, keyring_file = signed_in
    tickets = sandbox.app_id("Tickets")
    app = ["sync", "--profile", str(profile), "--app", str(tickets)]
    sandbox.control.set_latency(1.0)
    first = podio_desk(app, keyring_file)
    wait_until(lambda: holds_the_lock(profile, first.pid), "the first sync holds the app")
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=DEADLINE)
    sandbox.control.set_latency(0.0)
    code, out, err = finish(podio_desk([*app, "--no-wait"], keyring_file))
    assert code == 0, err
    assert out.startswith("Synced 1 app: "), out
    with sandbox.state.lock:
        remote = sorted(sandbox.state.live_items(tickets))
    assert cached_items(profile, tickets) == remote


@pytest.mark.skipif(sys.platform == "win32", reason="no SIGKILL on Windows")
def test_a_sync_whose_child_is_killed_frees_the_app_for_the_next_sync(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    page = 10
    sandbox.control.set_latency(0.05)

    def kill_the_child(event: SyncProgress) -> None:
        if event.phase == "full" and event.done >= page:
            for child in sync_processes():
                assert child.pid is not None
                os.kill(child.pid, signal.SIGKILL)

    async def scenario() -> None:
        async with rig(sandbox, tmp_path) as r:
            with pytest.raises(SyncError, match="ended before the sync was done"):
                await sync_in_child_process(
                    PodioSyncApi(r.client), r.job(page_size=page), on_progress=kill_the_child
                )
            result = await sync_in_child_process(
                PodioSyncApi(r.client), r.job(page_size=page), wait=False
            )
            assert result.resumed

    asyncio.run(scenario())


def test_two_syncs_of_one_app_in_one_process_take_turns(sandbox: Sandbox, tmp_path: Path) -> None:
    """The window syncing an app twice (or two windows' sessions): the second waits, says
    for whom, and starts only when the first is done."""
    sandbox.control.set_latency(0.05)
    events: list[SyncProgress] = []

    async def scenario() -> None:
        async with rig(sandbox, tmp_path) as r:
            first = asyncio.ensure_future(
                sync_in_child_process(PodioSyncApi(r.client), r.job(page_size=20))
            )
            # The first takes the lock on a worker thread: wait until it holds it.
            lock_path = r.job(page_size=20).lock_path
            deadline = time.monotonic() + DEADLINE
            while lock_holder(lock_path) != os.getpid():
                assert time.monotonic() < deadline, "the first sync never took the lock"
                await asyncio.sleep(0.02)
            with pytest.raises(
                SyncBusyError, match=f"already being synced by process {os.getpid()}"
            ):
                await sync_in_child_process(PodioSyncApi(r.client), r.job(page_size=20), wait=False)
            second = await sync_in_child_process(
                PodioSyncApi(r.client), r.job(page_size=20), on_progress=events.append
            )
            assert first.done()
            assert (await first).added == len(sandbox.state.live_items(r.app_id))
            assert second.mode == "incremental"
            assert second.added == 0

    asyncio.run(scenario())
    assert events[0].phase == "waiting"
    assert events[0].holder == os.getpid()
