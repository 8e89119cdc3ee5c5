"""AccountService: accounts side by side, secrets in the keyring only, sign-ins, restore."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from keyring.backends import fail

from podio_desk.api.auth import AuthMode, SessionState
from podio_desk.api.errors import SignInRequired
from podio_desk.api.ratelimit import RateClass
from podio_desk.secrets import SecretStore
from podio_desk.services.accounts import (
    ACCOUNTS_FILE_NAME,
    SECRET_CLIENT_SECRET,
    SECRET_TOKEN,
    AccountError,
    AccountService,
    AccountStateChanged,
)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def add_password_account(service: AccountService, sandbox: Any, name: str = "Demo"):
    info = sandbox.info
    return await service.add(
        name=name,
        api_url=sandbox.url,
        client_id=info["client_id"],
        client_secret=info["client_secret"],
        auth_mode=AuthMode.PASSWORD,
        username=info["username"],
    )


def test_accounts_file_holds_no_secrets(tmp_path: Path) -> None:
    async def scenario() -> None:
        secrets = SecretStore()
        service = AccountService(tmp_path, secrets)
        assert await service.load() == []
        first = await service.add(
            name="Work",
            client_id="cid",
            client_secret="very-secret-value",
            auth_mode=AuthMode.PASSWORD,
            username="me@example.com",
        )
        second = await service.add(
            name="Robot",
            client_id="cid2",
            client_secret="other-secret-value",
            auth_mode=AuthMode.APP,
            app_id=42,
            api_url="http://127.0.0.1:1/",
        )
        assert second.acts_as_app
        assert "acts as the app" in second.description
        text = (tmp_path / ACCOUNTS_FILE_NAME).read_text()
        assert "very-secret-value" not in text
        assert "other-secret-value" not in text
        assert await secrets.get(first.key, SECRET_CLIENT_SECRET) == "very-secret-value"

        reloaded = AccountService(tmp_path, secrets)
        assert await reloaded.load() == [first, second]
        assert reloaded.get(second.key).api_url == "http://127.0.0.1:1"

        await reloaded.remove(first.key)
        assert [a.key for a in reloaded.list()] == [second.key]
        assert await secrets.get(first.key, SECRET_CLIENT_SECRET) is None
        with pytest.raises(AccountError):
            reloaded.get(first.key)
        again = AccountService(tmp_path, secrets)
        assert [a.key for a in await again.load()] == [second.key]

    run(scenario())


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"name": " ", "client_id": "c", "client_secret": "s", "auth_mode": AuthMode.BROWSER},
            "name",
        ),
        (
            {"name": "A", "client_id": "c", "client_secret": "", "auth_mode": AuthMode.BROWSER},
            "secret",
        ),
        (
            {"name": "A", "client_id": "c", "client_secret": "s", "auth_mode": AuthMode.PASSWORD},
            "user",
        ),
        (
            {"name": "A", "client_id": "c", "client_secret": "s", "auth_mode": AuthMode.APP},
            "app id",
        ),
    ],
)
def test_add_rejects_incomplete_accounts(
    tmp_path: Path, fields: dict[str, Any], message: str
) -> None:
    async def scenario() -> None:
        service = AccountService(tmp_path, SecretStore())
        with pytest.raises(AccountError, match=message):
            await service.add(**fields)
        assert service.list() == []
        assert not (tmp_path / ACCOUNTS_FILE_NAME).exists()

    run(scenario())


def test_damaged_accounts_file_is_kept_aside(tmp_path: Path) -> None:
    (tmp_path / ACCOUNTS_FILE_NAME).write_text("{not json")

    async def scenario() -> None:
        service = AccountService(tmp_path, SecretStore())
        assert await service.load() == []

    run(scenario())
    assert (tmp_path / "accounts.json.damaged").read_text() == "{not json"


def test_password_sign_in_persists_and_restores(tmp_path: Path, sandbox) -> None:
    async def scenario() -> None:
        secrets = SecretStore()
        service = AccountService(tmp_path, secrets)
        account = await add_password_account(service, sandbox)
        token = await service.sign_in_password(account.key, sandbox.info["password"])
        assert service.session_state(account.key) is SessionState.SIGNED_IN
        stored = await secrets.get(account.key, SECRET_TOKEN)
        assert stored is not None
        assert token.access_token in stored
        assert sandbox.info["password"] not in (await secrets.get(account.key, SECRET_TOKEN) or "")
        await service.aclose()

        # A new start: the session comes back from the keyring without signing in again.
        restarted = AccountService(tmp_path, secrets)
        await restarted.load()
        sandbox.control.reset_log()
        assert await restarted.restore_all() == {account.key: True}
        client = await restarted.client(account.key)
        assert await client.orgs()
        paths = [r.path for r in sandbox.control.requests()]
        assert paths[0] == "/org/"
        assert not [path for path in paths if path.startswith("/oauth/")]  # the saved token

        # A refresh is saved too.
        sandbox.control.expire_all_tokens()
        assert await client.orgs()
        await restarted.flush()
        refreshed = client.session.token
        assert refreshed is not None
        assert refreshed.access_token != token.access_token
        assert refreshed.access_token in (await secrets.get(account.key, SECRET_TOKEN) or "")
        await restarted.aclose()

    run(scenario())


def test_revoked_sign_in_asks_to_sign_in_again(tmp_path: Path, sandbox) -> None:
    async def scenario() -> None:
        secrets = SecretStore()
        service = AccountService(tmp_path, secrets)
        events: list[AccountStateChanged] = []
        service.events.subscribe(events.append)
        account = await add_password_account(service, sandbox)
        await service.sign_in_password(account.key, sandbox.info["password"])
        with sandbox.state.lock:
            sandbox.state.refresh_grants.clear()
        sandbox.control.expire_all_tokens()
        client = await service.client(account.key)
        with pytest.raises(SignInRequired, match="sign in again"):
            await client.orgs()
        await service.flush()
        assert service.session_state(account.key) is SessionState.SIGN_IN_REQUIRED
        assert events[-1] == AccountStateChanged(
            account.key, SessionState.SIGN_IN_REQUIRED, events[-1].message
        )
        assert await secrets.get(account.key, SECRET_TOKEN) is None
        await service.sign_in_password(account.key, sandbox.info["password"])
        assert service.session_state(account.key) is SessionState.SIGNED_IN
        await service.aclose()

    run(scenario())


def test_accounts_side_by_side_have_their_own_client_and_budget(tmp_path: Path, sandbox) -> None:
    app = next(a for a in sandbox.info["apps"] if a["name"] == "Tickets")

    async def scenario() -> None:
        service = AccountService(tmp_path, SecretStore())
        person = await add_password_account(service, sandbox, "Person")
        robot = await service.add(
            name="Robot",
            api_url=sandbox.url,
            client_id=sandbox.info["client_id"],
            client_secret=sandbox.info["client_secret"],
            auth_mode=AuthMode.APP,
            app_id=app["app_id"],
        )
        await service.sign_in_password(person.key, sandbox.info["password"])
        robot_token = await service.sign_in_app(robot.key, app["app_token"])
        assert robot_token.acts_as_app
        person_client = await service.client(person.key)
        robot_client = await service.client(robot.key)
        assert person_client is not robot_client
        assert person_client.scheduler is not robot_client.scheduler
        assert await service.client(person.key) is person_client
        await person_client.count_items(app["app_id"])
        await robot_client.count_items(app["app_id"])
        await robot_client.count_items(app["app_id"])
        person_left = person_client.scheduler.state(RateClass.GENERAL).remaining
        robot_left = robot_client.scheduler.state(RateClass.GENERAL).remaining
        assert person_left is not None
        assert robot_left is not None
        assert person_left != robot_left  # separate budgets on the server and here
        await service.aclose()

    run(scenario())


def test_browser_sign_in_through_the_service(tmp_path: Path, sandbox) -> None:
    async def scenario() -> None:
        service = AccountService(tmp_path, SecretStore())
        account = await service.add(
            name="Browser",
            api_url=sandbox.url,
            client_id=sandbox.info["client_id"],
            client_secret=sandbox.info["client_secret"],
            auth_mode=AuthMode.BROWSER,
        )

        async def open_browser(url: str) -> None:
            async with httpx.AsyncClient(follow_redirects=True) as browser:
                await browser.get(url)

        token = await service.sign_in_browser(account.key, open_browser, timeout_seconds=20)
        assert token.ref_type == "user"
        assert service.session_state(account.key) is SessionState.SIGNED_IN
        await service.sign_out(account.key)
        assert service.session_state(account.key) is SessionState.SIGNED_OUT
        await service.aclose()

    run(scenario())


def test_without_a_keyring_sign_ins_last_this_session_only(tmp_path: Path, sandbox) -> None:
    async def scenario() -> None:
        service = AccountService(tmp_path, SecretStore(fail.Keyring()))
        account = await add_password_account(service, sandbox)
        assert service.secrets_warning is not None
        await service.sign_in_password(account.key, sandbox.info["password"])
        client = await service.client(account.key)
        assert await client.orgs()
        await service.aclose()

    run(scenario())
    on_disk = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    assert sandbox.info["client_secret"] not in on_disk
    assert json.loads((tmp_path / ACCOUNTS_FILE_NAME).read_text())["accounts"]


def test_missing_client_secret_is_a_clear_error(tmp_path: Path) -> None:
    async def scenario() -> None:
        secrets = SecretStore()
        service = AccountService(tmp_path, secrets)
        account = await service.add(
            name="Work", client_id="c", client_secret="s", auth_mode=AuthMode.BROWSER
        )
        await secrets.delete(account.key, SECRET_CLIENT_SECRET)
        with pytest.raises(AccountError, match="client secret"):
            await service.client(account.key)
        assert await service.restore_all() == {account.key: False}

    run(scenario())
