"""The demo: a local Podio (the sandbox) started in a background thread, signed into at once.

`podio-desk --demo` and the first-run dialog's "Try the demo" use it. The sandbox is seeded
deterministically, so every new user sees the same populated workspace within seconds and is
asked for no credentials. The demo account is re-created on every start (the sandbox listens
on a new port each time); accounts from earlier demos are removed first.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from podio_desk.api.auth import AuthMode
from podio_desk.sandbox import Sandbox, SandboxConfig
from podio_desk.services.accounts import Account, AccountService

log = logging.getLogger(__name__)

DEMO_ACCOUNT_NAME = "Demo (local sandbox)"
# The large demo app ("Tickets") has this many items: enough to show that 100 000 rows scroll
# like a local spreadsheet, while seeding stays a few seconds in a background thread.
DEMO_ITEMS = 100_000
DEMO_SEED = 1


@dataclass
class Demo:
    """A running demo: its sandbox and the account signed into it."""

    sandbox: Sandbox
    account: Account

    async def stop(self) -> None:
        await asyncio.to_thread(self.sandbox.stop)


def is_demo_account(account: Account) -> bool:
    return account.name == DEMO_ACCOUNT_NAME


async def start_demo(
    accounts: AccountService, *, items: int = DEMO_ITEMS, seed: int = DEMO_SEED
) -> Demo:
    """Start a seeded sandbox off the event loop's thread and sign into it (password grant)."""
    sandbox = await asyncio.to_thread(
        lambda: Sandbox(SandboxConfig(seed=seed, items=items)).start()
    )
    try:
        info = sandbox.info
        for old in [account for account in accounts.list() if is_demo_account(account)]:
            await accounts.remove(old.key)
        account = await accounts.add(
            name=DEMO_ACCOUNT_NAME,
            client_id=str(info["client_id"]),
            client_secret=str(info["client_secret"]),
            auth_mode=AuthMode.PASSWORD,
            api_url=str(info["url"]),
            username=str(info["username"]),
        )
        await accounts.sign_in_password(account.key, str(info["password"]))
    except BaseException:
        await asyncio.to_thread(sandbox.stop)
        raise
    log.info("Demo started: a local Podio at %s", info["url"])
    return Demo(sandbox, account)


async def forget_demo_accounts(accounts: AccountService) -> None:
    """Remove demo accounts left from an earlier run (their sandbox is gone)."""
    for old in [account for account in accounts.list() if is_demo_account(account)]:
        await accounts.remove(old.key)
