"""`podio-desk account add` and `podio-desk sync` against the sandbox, in-process."""

from __future__ import annotations

import json
import re
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
