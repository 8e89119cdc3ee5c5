"""`podio-desk account add` and `podio-desk sync` against the sandbox, in-process."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import keyring
import pytest

from podio_desk.cli import main
from podio_desk.sandbox import Sandbox


def add_args(sandbox: Sandbox, profile: Path, *, password: str | None = None) -> list[str]:
    info = sandbox.info
    return [
        "account", "add", "--name", "Work", "--api-url", sandbox.url,
        "--client-id", str(info["client_id"]), "--client-secret", str(info["client_secret"]),
        "--username", str(info["username"]),
        "--password", password if password is not None else str(info["password"]),
        "--profile", str(profile),
    ]  # fmt: skip


def test_account_add_then_sync_then_sync_again(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    out = capsys.readouterr().out
    assert "Added 'Work'" in out
    stored = (profile / "accounts.json").read_text()
    assert str(sandbox.info["password"]) not in stored
    assert str(sandbox.info["client_secret"]) not in stored
    key = json.loads(stored)["accounts"][0]["key"]

    sandbox.control.reset_log()
    assert main(["sync", "--profile", str(profile)]) == 0
    captured = capsys.readouterr()
    apps = len(sandbox.info["apps"])
    items = sum(int(app["items"]) for app in sandbox.info["apps"])
    summary = captured.out.strip().splitlines()[-1]
    assert re.fullmatch(
        rf"Synced {apps} apps: {items} added, 0 changed, 0 deleted; \d+ API calls in [\d.]+ s\.",
        summary,
    ), summary
    assert "Tickets: done 60/60 items (100%)" in captured.err  # plain lines: not a terminal
    assert (profile / "cache" / f"{key}.sqlite3").exists()

    sandbox.control.reset_log()
    tickets = str(sandbox.app_id("Tickets"))
    assert main(["--profile", str(profile), "sync", "--account", "work", "--app", tickets]) == 0
    summary = capsys.readouterr().out.strip()
    assert summary.startswith("Synced 1 app: 0 added, 0 changed, 0 deleted; 1 API calls")
    assert [entry.path for entry in sandbox.control.requests()] == [f"/item/app/{tickets}/filter/"]


def test_failed_sign_in_leaves_no_account(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile, password="wrong")) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("podio-desk account add: error: ")
    assert len(err.splitlines()) == 1
    accounts = json.loads((profile / "accounts.json").read_text())["accounts"]
    assert accounts == []
    assert keyring.get_keyring().get_password("podio-desk:x", "client_secret") is None


def test_account_add_refuses_when_no_keyring_can_keep_the_sign_in(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from keyring.backends import fail

    memory = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # a machine without any keychain
    profile = tmp_path / "p"
    sandbox.control.reset_log()
    try:
        assert main(add_args(sandbox, profile)) == 1
    finally:
        keyring.set_keyring(memory)
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("podio-desk account add: error: no system keyring is available")
    assert (
        not (profile / "accounts.json").exists()
        or json.loads((profile / "accounts.json").read_text())["accounts"] == []
    )
    assert sandbox.control.requests() == []  # refused before any sign-in was attempted


def test_sync_errors_are_one_line(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(["sync", "--profile", str(profile)]) == 1
    assert capsys.readouterr().err.strip() == (
        "podio-desk sync: error: there is no account yet; add one with `podio-desk account add`"
    )
    assert main(add_args(sandbox, profile)) == 0
    capsys.readouterr()
    assert main(["sync", "--profile", str(profile), "--account", "Home"]) == 1
    assert "there is no account named 'Home'" in capsys.readouterr().err
    sandbox.stop()
    assert main(["sync", "--profile", str(profile)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("podio-desk sync: error: ")
    assert len(err.splitlines()) == 1


def test_ctrl_c_mid_sync_ends_the_sync_process_and_the_next_run_completes(
    sandbox_factory: Callable[..., Sandbox], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox = sandbox_factory(items=2000)
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    tickets = sandbox.app_id("Tickets")
    everything = sum(int(app["items"]) for app in sandbox.info["apps"])
    sandbox.control.set_latency(0.2)
    # A sync asks for the next page while it writes one: the fourth filter call on Tickets
    # (its newest edit, then pages 1, 2 and 3) comes after page 1 is committed.
    tickets_filter = f"/item/app/{tickets}/filter/"
    stop = threading.Event()

    def press_ctrl_c() -> None:
        while not stop.is_set():
            if sum(1 for r in sandbox.control.requests() if r.path == tickets_filter) >= 4:
                os.kill(os.getpid(), signal.SIGINT)
                return
            stop.wait(0.02)

    watcher = threading.Thread(target=press_ctrl_c, daemon=True)
    watcher.start()
    try:
        assert main(["sync", "--profile", str(profile), "--app", str(tickets)]) == 130
    finally:
        stop.set()
        watcher.join()
    err = capsys.readouterr().err
    assert "podio-desk sync: interrupted; what was fetched is kept" in err
    assert [p for p in multiprocessing.active_children() if p.name == "podio-desk-sync"] == []

    sandbox.control.set_latency(0.0)
    assert main(["sync", "--profile", str(profile)]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    added = int(re.search(r": (\d+) added", summary).group(1))  # type: ignore[union-attr]
    assert 500 <= everything - added < 2000  # the first run's pages were kept, not re-read


def test_commands_without_a_keyring_say_what_it_means_for_them(
    sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from keyring.backends import fail

    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    capsys.readouterr()
    memory = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # the sign-in was kept by a window, in its memory
    try:
        listed = main(["account", "list", "--profile", str(profile)])
        list_out, list_err = capsys.readouterr()
        synced = main(["sync", "--profile", str(profile)])
        sync_err = capsys.readouterr().err.strip().splitlines()
    finally:
        keyring.set_keyring(memory)
    # Names are not secrets: the accounts are listed anyway.
    assert listed == 0, list_err
    assert list_out.splitlines() == [
        f"Work\tuser {sandbox.info['username']}\t{sandbox.url}"
        "\tsign-in not available here (no system keyring)"
    ]
    assert synced == 1
    assert sync_err[-1].startswith("podio-desk sync: error: no system keyring is available")
    assert "account was not saved" not in sync_err[-1]
    assert "not available to other processes" in sync_err[-1]
    assert "from the window" in sync_err[-1]
    assert "install" in sync_err[-1]
