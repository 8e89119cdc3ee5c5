"""`podio-desk account add | list | remove | login` against the sandbox, in-process."""

from __future__ import annotations

import io
import json
from pathlib import Path

import keyring
import pytest

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
