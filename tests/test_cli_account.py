"""`podio-desk account add | list | remove | login` against the sandbox, in-process."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from pathlib import Path

import keyring
import pytest

from podio_desk.cache.journal import Journal, NewEntry
from podio_desk.cli import main
from podio_desk.sandbox import Sandbox
from podio_desk.sandbox.gateway import GatewayConfig
from tests.secret_scan import find_secrets, secrets_used

API_KEY = "gw-cli-key-2d9e61"
HEADER = ("Maton-Connection", "conn-cli-44aa")


@pytest.fixture
def gateway(sandbox_factory) -> Sandbox:
    sandbox: Sandbox = sandbox_factory(
        gateway=GatewayConfig(api_key=API_KEY, required_headers=dict([HEADER]))
    )
    return sandbox


def oauth_add(sandbox: Sandbox, profile: Path, *extra: str) -> list[str]:
    info = sandbox.info
    return [
        "account", "add", "--name", "Work", "--api-url", sandbox.url,
        "--client-id", str(info["client_id"]), "--client-secret", str(info["client_secret"]),
        "--username", str(info["username"]), "--profile", str(profile), *extra,
    ]  # fmt: skip


def gateway_add(sandbox: Sandbox, profile: Path, key: str = API_KEY, *extra: str) -> list[str]:
    return [
        "account", "add", "--name", "Gate", "--api-url", sandbox.gateway_url,
        "--api-key", key, "--header", f"{HEADER[0]}={HEADER[1]}", "--rate-limit", "250,250",
        "--profile", str(profile), *extra,
    ]  # fmt: skip


def test_gateway_account_add_list_remove(gateway: Sandbox, tmp_path: Path, capsys) -> None:
    profile = tmp_path / "p"
    assert main(gateway_add(gateway, profile)) == 0
    assert "Added 'Gate' (API gateway at " in capsys.readouterr().out
    stored = json.loads((profile / "accounts.json").read_text())["accounts"][0]
    assert stored["auth_mode"] == "gateway"
    assert stored["api_url"] == gateway.gateway_url
    assert stored["header_names"] == [HEADER[0]]
    assert stored["rate_limit"] == [250, 250]
    assert keyring.get_password(f"podio-desk:{stored['key']}", "api_key") == API_KEY

    assert main(["account", "list", "--profile", str(profile)]) == 0
    listed = capsys.readouterr().out
    assert "Gate\tAPI gateway (headers Maton-Connection; rate limit 250,250/h)" in listed
    assert "signed in" in listed
    assert API_KEY not in listed
    assert HEADER[1] not in listed
    assert find_secrets(profile, secrets_used(gateway, key=API_KEY, header=HEADER[1])) == []

    tickets = str(gateway.app_id("Tickets"))
    assert main(["sync", "--profile", str(profile), "--app", tickets]) == 0
    assert capsys.readouterr().out.startswith("Synced 1 app: 60 added")
    assert find_secrets(profile, secrets_used(gateway, key=API_KEY, header=HEADER[1])) == []

    assert main(["account", "remove", "Gate", "--profile", str(profile)]) == 0
    assert "Removed 'Gate'" in capsys.readouterr().out
    assert json.loads((profile / "accounts.json").read_text())["accounts"] == []
    assert keyring.get_password(f"podio-desk:{stored['key']}", "api_key") is None
    assert keyring.get_password(f"podio-desk:{stored['key']}", "gateway_headers") is None


def test_a_key_from_standard_input(gateway: Sandbox, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(API_KEY + "\n"))
    assert main(gateway_add(gateway, tmp_path / "p", "-")) == 0
    stored = json.loads((tmp_path / "p" / "accounts.json").read_text())["accounts"][0]
    assert keyring.get_password(f"podio-desk:{stored['key']}", "api_key") == API_KEY


def test_a_refused_gateway_key_leaves_no_account(gateway: Sandbox, tmp_path: Path, capsys) -> None:
    profile = tmp_path / "p"
    assert main(gateway_add(gateway, profile, "wrong-key")) == 1
    err = capsys.readouterr().err
    assert err.startswith("podio-desk account add: error: The API gateway refused")
    assert "sign in" not in err.lower()
    assert json.loads((profile / "accounts.json").read_text())["accounts"] == []


def test_gateway_options_need_a_key(sandbox: Sandbox, tmp_path: Path, capsys) -> None:
    assert main([*oauth_add(sandbox, tmp_path / "p"), "--rate-limit", "5,5"]) == 2
    assert "--api-key" in capsys.readouterr().err


def test_login_asks_for_the_password_again(
    sandbox: Sandbox, tmp_path: Path, monkeypatch, capsys
) -> None:
    profile = tmp_path / "p"
    asked: list[str] = []

    def answer(prompt: str) -> str:
        asked.append(prompt)
        return str(sandbox.info["password"])

    monkeypatch.setattr("podio_desk.cli_account.has_terminal", lambda: True)
    monkeypatch.setattr("getpass.getpass", answer)
    # No --password: asked for, never on the command line.
    assert main(oauth_add(sandbox, profile)) == 0
    sandbox.control.revoke_refresh_tokens()
    assert main(["account", "list", "--profile", str(profile)]) == 0
    assert main(["account", "login", "Work", "--profile", str(profile)]) == 0
    assert "Signed 'Work' in again." in capsys.readouterr().out
    assert asked == [f"Podio password for {sandbox.info['username']}: "] * 2
    assert main(["sync", "--profile", str(profile), "--app", str(sandbox.app_id("Tickets"))]) == 0


def test_login_of_a_gateway_account_takes_a_new_key(
    gateway: Sandbox, tmp_path: Path, monkeypatch, capsys
) -> None:
    profile = tmp_path / "p"
    assert main(gateway_add(gateway, profile)) == 0
    monkeypatch.setattr("podio_desk.cli_account.has_terminal", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: "a-wrong-key")
    assert main(["account", "login", "Gate", "--profile", str(profile)]) == 1
    assert "gateway refused" in capsys.readouterr().err
    monkeypatch.setattr("getpass.getpass", lambda prompt: API_KEY)
    assert main(["account", "login", "Gate", "--profile", str(profile)]) == 0


def test_unknown_account_names_the_known_ones(sandbox: Sandbox, tmp_path: Path, capsys) -> None:
    profile = tmp_path / "p"
    assert main([*oauth_add(sandbox, profile), "--password", str(sandbox.info["password"])]) == 0
    assert main(["account", "remove", "Nope", "--profile", str(profile)]) == 1
    assert "there is no account named 'Nope' (accounts: 'Work')" in capsys.readouterr().err


# ------------------------------------------------------------------ new-user trial fixes


def stored_account(profile: Path) -> dict[str, object]:
    accounts: list[dict[str, object]] = json.loads((profile / "accounts.json").read_text())[
        "accounts"
    ]
    return accounts[0]


def test_a_refused_login_keeps_the_working_key(
    gateway: Sandbox, tmp_path: Path, monkeypatch, capsys
) -> None:
    profile = tmp_path / "p"
    assert main(gateway_add(gateway, profile)) == 0
    key = str(stored_account(profile)["key"])
    monkeypatch.setattr("podio_desk.cli_account.has_terminal", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: "a-wrong-key")
    assert main(["account", "login", "Gate", "--profile", str(profile)]) == 1
    assert "gateway refused" in capsys.readouterr().err
    assert keyring.get_password(f"podio-desk:{key}", "api_key") == API_KEY
    assert main(["account", "list", "--profile", str(profile)]) == 0
    assert "\tsigned in" in capsys.readouterr().out
    tickets = str(gateway.app_id("Tickets"))
    assert main(["sync", "--profile", str(profile), "--app", tickets]) == 0


def test_login_without_a_terminal_says_how_to_pass_the_key(
    gateway: Sandbox, tmp_path: Path, monkeypatch, capsys
) -> None:
    profile = tmp_path / "p"
    assert main(gateway_add(gateway, profile)) == 0
    # A new session has no controlling terminal; standard input is empty.
    done = subprocess.run(
        [sys.executable, "-m", "podio_desk", "account", "login", "Gate", "--profile", str(profile)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "podio-desk account login: error: no terminal to ask for it; pass it on standard "
        "input with --api-key -"
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO(API_KEY + "\n"))
    assert main(["account", "login", "Gate", "--api-key", "-", "--profile", str(profile)]) == 0
    assert "Signed 'Gate' in again." in capsys.readouterr().out


def test_remove_deletes_the_local_data(gateway: Sandbox, tmp_path: Path, capsys) -> None:
    profile = tmp_path / "p"
    assert main(gateway_add(gateway, profile)) == 0
    key = str(stored_account(profile)["key"])
    assert main(["sync", "--profile", str(profile), "--app", str(gateway.app_id("Tickets"))]) == 0
    cache_file = profile / "cache" / f"{key}.sqlite3"
    assert cache_file.exists()
    capsys.readouterr()
    assert main(["account", "remove", "Gate", "--profile", str(profile)]) == 0
    out = capsys.readouterr().out
    assert f"deleted {cache_file}" in out
    assert not [path for path in (profile / "cache").iterdir() if path.name.startswith(key)]


def test_remove_refuses_while_writes_are_pending(gateway: Sandbox, tmp_path: Path, capsys) -> None:
    profile = tmp_path / "p"
    assert main(gateway_add(gateway, profile)) == 0
    key = str(stored_account(profile)["key"])

    async def plan_a_job() -> None:
        journal = await Journal.open(profile / "journal", key)
        try:
            entries = [NewEntry("update", item_id=n, payload={"title": "x"}) for n in (1, 2)]
            await journal.create_job("bulk", app_id=1, entries=entries)
        finally:
            await journal.aclose()

    asyncio.run(plan_a_job())
    capsys.readouterr()
    assert main(["account", "remove", "Gate", "--profile", str(profile)]) == 1
    err = capsys.readouterr().err
    assert "bulk job 1: 2 changes not sent" in err
    assert "--force" in err
    assert stored_account(profile)["key"] == key
    assert (profile / "journal" / f"{key}.sqlite3").exists()

    assert main(["account", "remove", "Gate", "--force", "--profile", str(profile)]) == 0
    assert "dropped unsent: bulk job 1: 2 changes not sent" in capsys.readouterr().out
    assert not (profile / "journal" / f"{key}.sqlite3").exists()


def test_a_gateway_address_without_its_prefix_says_so(
    gateway: Sandbox, tmp_path: Path, capsys
) -> None:
    args = gateway_add(gateway, tmp_path / "p")
    args[args.index(gateway.gateway_url)] = gateway.url
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"The address {gateway.url} answered 404" in err
    assert "path prefix, such as https://host/podio" in err
    assert "could not find this object" not in err


@pytest.mark.parametrize("form", ["{}={}", "{}: {}", "{}:{}"])
def test_headers_take_either_form(gateway: Sandbox, tmp_path: Path, form: str) -> None:
    args = gateway_add(gateway, tmp_path / "p")
    args[args.index(f"{HEADER[0]}={HEADER[1]}")] = form.format(*HEADER)
    assert main(args) == 0
    key = str(stored_account(tmp_path / "p")["key"])
    stored = keyring.get_password(f"podio-desk:{key}", "gateway_headers")
    assert json.loads(stored or "{}") == dict([HEADER])


def test_a_bad_header_says_the_expected_form(gateway: Sandbox, tmp_path: Path, capsys) -> None:
    args = gateway_add(gateway, tmp_path / "p")
    args[args.index(f"{HEADER[0]}={HEADER[1]}")] = "X A=b"
    assert main(args) == 1
    assert "write each header as Name: value (or Name=value)" in capsys.readouterr().err


def test_a_sync_through_a_gateway_waits_for_the_gateways_limit(
    gateway: Sandbox, tmp_path: Path, capsys
) -> None:
    profile = tmp_path / "p"
    assert main(gateway_add(gateway, profile)) == 0
    gateway.control.start_rate_limit_storm(count=1, wait_seconds=1)
    assert main(["sync", "--profile", str(profile), "--app", str(gateway.app_id("Tickets"))]) == 0
    err = capsys.readouterr().err
    assert "waiting for the gateway's rate limit" in err
    assert "Podio's rate limit" not in err
