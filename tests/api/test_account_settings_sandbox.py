"""What a client learns about its server is kept in the account's settings (not its secrets)
and used again by the next run."""

from __future__ import annotations

import json
from pathlib import Path

from podio_desk.api.auth import AuthMode
from podio_desk.secrets import SecretStore
from podio_desk.services.accounts import AccountService
from tests.api.helpers import info_value, run


def test_the_token_endpoint_and_rate_classes_are_remembered(sandbox, tmp_path: Path) -> None:
    sandbox.control.set_token_v2(False)
    profile = tmp_path / "profile"
    info = sandbox.info

    async def first_run() -> str:
        accounts = AccountService(profile, SecretStore())
        try:
            await accounts.load()
            account = await accounts.add(
                name="Work",
                client_id=info_value(info, "client_id"),
                client_secret=info_value(info, "client_secret"),
                auth_mode=AuthMode.PASSWORD,
                api_url=sandbox.url,
                username=info_value(info, "username"),
            )
            await accounts.sign_in_password(account.key, info_value(info, "password"))
            client = await accounts.client(account.key)
            tickets = sandbox.app_id("Tickets")
            await client.filter_items(tickets, limit=1)
            await accounts.flush()
            return account.key
        finally:
            await accounts.aclose()

    key = run(first_run())
    saved = json.loads((profile / "accounts.json").read_text())["accounts"][0]
    assert saved["token_endpoint"] == "form"
    assert saved["rate_classes"]["POST /item/app/{id}/filter/"] == "heavy"
    assert info_value(info, "password") not in json.dumps(saved)

    # The next run signs in where it worked before, without asking v2 again.
    sandbox.control.reset_log()

    async def next_run() -> None:
        accounts = AccountService(profile, SecretStore())
        try:
            await accounts.load()
            await accounts.sign_in_password(key, info_value(info, "password"))
        finally:
            await accounts.aclose()

    run(next_run())
    assert [r.path for r in sandbox.control.requests()] == ["/oauth/token"]
