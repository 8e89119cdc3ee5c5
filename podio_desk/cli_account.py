"""`podio-desk account add | list | remove | login`: accounts without the window.

`add` makes a Podio account (OAuth: a password or an app token) or an API gateway account
(`--api-key`); `login` signs an account in again with its settings as they are (after a refresh
token was revoked, or with a new gateway key) and asks for the password, app token or key
instead of taking it on the command line. A key given as `-` is read from standard input, so
it need not appear in the shell's history or the process list.

This module only builds the command line; what the commands need (httpx, keyring) is imported
when one of them runs.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from podio_desk.services.accounts import Account, AccountService


def add_account_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], profile_help: str
) -> None:
    account = subparsers.add_parser("account", help="manage Podio accounts without the window")
    commands = account.add_subparsers(dest="account_command", metavar="ACTION")
    commands.required = True

    add = commands.add_parser(
        "add",
        help="add an account and sign in to check it",
        description="Add an account and sign in once to check it. A Podio account needs the "
        "API key (--client-id, --client-secret) and either a user (--username, --password) or "
        "an app (--app-id, --app-token); an API gateway account needs --api-url and --api-key. "
        "Secrets go to the system keyring; the password and app token are never stored.",
    )
    add.add_argument("--name", required=True, help="a name for the account")
    add.add_argument(
        "--api-url",
        default=None,
        help="API address, https:// (default: https://api.podio.com; plain http only for "
        "this machine, such as the sandbox). For a gateway, its address with its path "
        "prefix, such as https://gateway.example/podio",
    )
    add.add_argument("--client-id", help="API key client id")
    add.add_argument("--client-secret", help="API key client secret")
    add.add_argument("--username", help="sign in as this user (e-mail) ...")
    add.add_argument("--password", help="... with this password (asked for when left out)")
    add.add_argument("--app-id", type=int, help="or act as this app ...")
    add.add_argument("--app-token", help="... with its app token")
    add.add_argument(
        "--api-key",
        metavar="KEY",
        help="an API gateway account: the gateway's API key, sent as 'Authorization: Bearer "
        "KEY' ('-' reads it from standard input)",
    )
    add.add_argument(
        "--header",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="a header the gateway needs on every request, 'NAME=VALUE' or 'NAME: VALUE' "
        "(repeatable); values are kept in the keyring",
    )
    add.add_argument(
        "--rate-limit",
        metavar="GENERAL,HEAVY",
        help="calls an hour to pace by when the gateway sends no rate headers "
        "(default 1000,250, Podio's)",
    )
    add.add_argument("--profile", metavar="DIR", default=argparse.SUPPRESS, help=profile_help)
    add.set_defaults(handler=run_account_add)

    listing = commands.add_parser("list", help="list the accounts (no secrets)")
    listing.add_argument("--profile", metavar="DIR", default=argparse.SUPPRESS, help=profile_help)
    listing.set_defaults(handler=run_account_list)

    remove = commands.add_parser(
        "remove",
        help="remove an account, its secrets and its local data",
        description="Remove the account, its secrets from the keyring and its data on this "
        "computer (the cache and the journal). Refused while the journal holds changes not "
        "yet sent to Podio (bulk jobs, the outbox), unless --force.",
    )
    remove.add_argument("account", metavar="NAME", help="the account's name")
    remove.add_argument(
        "--force", action="store_true", help="remove even changes not yet sent to Podio"
    )
    remove.add_argument("--profile", metavar="DIR", default=argparse.SUPPRESS, help=profile_help)
    remove.set_defaults(handler=run_account_remove)

    login = commands.add_parser(
        "login",
        help="sign an account in again with its settings",
        description="Sign in again with the account's settings, after Podio refused its "
        "session (a revoked refresh token). Asks for the password, the app token or, for a "
        "gateway account, a new API key; without a terminal, pass it on standard input with "
        "--password -, --app-token - or --api-key -. What the server refuses is not stored.",
    )
    login.add_argument("account", metavar="NAME", help="the account's name")
    for option, what in (
        ("--password", "the password"),
        ("--app-token", "the app token"),
        ("--api-key", "the gateway's API key"),
    ):
        login.add_argument(
            option, choices=["-"], default=None, help=f"'-': read {what} from standard input"
        )
    login.add_argument("--profile", metavar="DIR", default=argparse.SUPPRESS, help=profile_help)
    login.set_defaults(handler=run_account_login)


# ------------------------------------------------------------------ add


def run_account_add(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from podio_desk import cli_sync
    from podio_desk.domain.redaction import remember_secret

    if args.api_key is None:
        if args.header or args.rate_limit:
            return _usage_error("account add", "--header and --rate-limit are for --api-key")
        if not (args.client_id and args.client_secret):
            return _usage_error(
                "account add",
                "give --client-id and --client-secret (a Podio account) or --api-key (a gateway)",
            )
        if args.username and args.password is None and args.app_id is None:
            args.password = getpass.getpass(f"Podio password for {args.username}: ")
        return cli_sync.run_account_add(args, out)
    if args.client_id or args.client_secret or args.username or args.app_id is not None:
        return _usage_error(
            "account add", "a gateway account (--api-key) takes no client id, user or app"
        )
    if args.api_url is None:
        return _usage_error("account add", "a gateway account needs --api-url")
    if args.api_key == "-":
        args.api_key = sys.stdin.readline().strip()
    remember_secret(args.api_key, *(_header_value(text) for text in args.header))
    return cli_sync.run_command("account add", args, lambda: _add_gateway(args, out or sys.stdout))


async def _add_gateway(args: argparse.Namespace, out: TextIO) -> None:
    from podio_desk.api.address import check_api_url
    from podio_desk.cli_sync import CommandError
    from podio_desk.services.accounts import parse_header, parse_rate_limit

    api_url = check_api_url(args.api_url)
    headers = dict(parse_header(text) for text in args.header)
    rate_limit = parse_rate_limit(args.rate_limit) if args.rate_limit else None
    async with _accounts(args, "account add") as accounts:
        existing = await accounts.load()
        if any(a.name.casefold() == args.name.strip().casefold() for a in existing):
            raise CommandError(f"there is already an account named {args.name.strip()!r}")
        # An account whose key does not work is removed again: nothing half-made stays.
        account = await accounts.add_gateway_checked(
            name=args.name,
            api_url=api_url,
            api_key=args.api_key,
            headers=headers,
            rate_limit=rate_limit,
            unique_name=True,
        )
        print(
            f"Added {account.name!r} ({account.description}); the gateway took the key.", file=out
        )


# ------------------------------------------------------------------ list, remove, login


def run_account_list(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from podio_desk import cli_sync

    return cli_sync.run_command("account list", args, lambda: _list(args, out or sys.stdout))


async def _list(args: argparse.Namespace, out: TextIO) -> None:
    # Names are not secrets: without a keyring the accounts are listed anyway, each saying
    # that its sign-in is not available here.
    async with _accounts(args, "account list", needs_keyring=False) as accounts:
        listed = await accounts.load()
        if not listed:
            print("No accounts yet; add one with `podio-desk account add`.", file=out)
            return
        for account in listed:
            if accounts.secrets_warning is not None:  # secrets kept in memory only
                signed_in = "sign-in not available here (no system keyring)"
            elif await accounts.restore(account.key):
                signed_in = "signed in"
            else:
                signed_in = "not signed in"
            print(f"{account.name}\t{_kind(account)}\t{account.api_url}\t{signed_in}", file=out)


def _kind(account: Account) -> str:
    from podio_desk.api.auth import AuthMode

    if account.auth_mode is AuthMode.GATEWAY:
        details = [f"headers {', '.join(account.header_names)}"] if account.header_names else []
        if account.rate_limit is not None:
            details.append(f"rate limit {account.rate_limit[0]},{account.rate_limit[1]}/h")
        return "API gateway" + (f" ({'; '.join(details)})" if details else "")
    if account.auth_mode is AuthMode.APP:
        return f"app {account.app_id} (acts as the app)"
    if account.auth_mode is AuthMode.BROWSER:
        return f"browser sign-in{f' as {account.username}' if account.username else ''}"
    return f"user {account.username}"


def run_account_remove(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from podio_desk import cli_sync

    return cli_sync.run_command("account remove", args, lambda: _remove(args, out or sys.stdout))


async def _remove(args: argparse.Namespace, out: TextIO) -> None:
    from podio_desk.cli_sync import CommandError, pick_account
    from podio_desk.services.account_data import (
        describe_pending,
        pending_writes,
        remove_local_data,
    )
    from podio_desk.services.profile import resolve_profile

    profile = resolve_profile(getattr(args, "profile", None))
    async with _accounts(args, "account remove") as accounts:
        account = pick_account(await accounts.load(), args.account)
        pending = await pending_writes(profile.journal_dir, account.key)
        if pending and not args.force:
            raise CommandError(
                f"{account.name!r} has changes not yet sent to Podio ({describe_pending(pending)})"
                "; let them finish (podio-desk bulk), or remove the account anyway with --force"
            )
        await accounts.remove(account.key)
        removed = await remove_local_data(profile.cache_dir, profile.journal_dir, account.key)
        data = f"; deleted {', '.join(str(path) for path in removed)}" if removed else ""
        dropped = f" (dropped unsent: {describe_pending(pending)})" if pending else ""
        print(f"Removed {account.name!r} and its secrets{data}{dropped}.", file=out)


def run_account_login(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from podio_desk import cli_sync

    return cli_sync.run_command("account login", args, lambda: _login(args, out or sys.stdout))


async def _login(args: argparse.Namespace, out: TextIO) -> None:
    import webbrowser

    from podio_desk.api.auth import AuthMode
    from podio_desk.cli_sync import CommandError, pick_account
    from podio_desk.domain.redaction import remember_secret

    async with _accounts(args, "account login") as accounts:
        account = pick_account(await accounts.load(), args.account)
        mode = account.auth_mode
        if mode is AuthMode.GATEWAY:
            api_key = await _secret(args.api_key, "--api-key", f"API key for {account.name}: ")
            remember_secret(api_key)
            # Checked before it is stored: a refused key leaves the working one in place.
            await accounts.set_gateway_key(account.key, api_key)
        elif mode is AuthMode.PASSWORD:
            if not account.username:
                raise CommandError(f"{account.name!r} has no user name; add it again")
            password = await _secret(
                args.password, "--password", f"Podio password for {account.username}: "
            )
            remember_secret(password)
            await accounts.sign_in_password(account.key, password)
        elif mode is AuthMode.APP:
            app_token = await _secret(
                args.app_token, "--app-token", f"App token of app {account.app_id}: "
            )
            remember_secret(app_token)
            await accounts.sign_in_app(account.key, app_token)
        else:

            def show(url: str) -> None:
                print(f"Sign in in the browser: {url}", file=out)
                webbrowser.open(url)

            await accounts.sign_in_browser(account.key, show)
        print(f"Signed {account.name!r} in again.", file=out)


# ------------------------------------------------------------------ shared


async def _secret(given: str | None, option: str, prompt: str) -> str:
    """The secret from standard input (`option -`), else asked for on the terminal."""
    import asyncio

    from podio_desk.cli_sync import CommandError

    no_terminal = CommandError(
        f"no terminal to ask for it; pass it on standard input with {option} -"
    )
    if given == "-":
        if sys.stdin is None or sys.stdin.closed:
            raise CommandError(f"{option} -: standard input is closed")
        text = str(await asyncio.to_thread(sys.stdin.readline)).strip()
        if not text:
            raise CommandError(f"{option} -: nothing on standard input")
        return text
    if sys.stdin is None or sys.stdin.closed:
        raise no_terminal
    try:
        return await asyncio.to_thread(_ask, prompt)
    except EOFError:
        raise no_terminal from None


def _ask(prompt: str) -> str:
    # Without a terminal getpass would print a warning and the prompt, then fail on empty
    # standard input with a traceback; an EOFError here becomes the one-line advice.
    if not has_terminal():
        raise EOFError
    return getpass.getpass(prompt)


def has_terminal() -> bool:
    """Whether getpass can ask the user (standard input or the process's terminal)."""
    if sys.stdin is not None and not sys.stdin.closed and sys.stdin.isatty():
        return True
    if sys.platform == "win32":
        return True  # getpass reads the console itself
    import os

    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        return False
    return True


def _header_value(text: str) -> str:
    cuts = [index for index in (text.find(":"), text.find("=")) if index >= 0]
    return text[min(cuts) + 1 :].strip() if cuts else ""


def _accounts(
    args: argparse.Namespace, command: str, *, needs_keyring: bool = True
) -> _AccountsOpen:
    return _AccountsOpen(args, command, needs_keyring=needs_keyring)


class _AccountsOpen:
    """`async with`: the profile's accounts, with a keyring that keeps what is saved (unless
    `needs_keyring` is False: then `secrets_warning` tells that none does)."""

    def __init__(self, args: argparse.Namespace, command: str, *, needs_keyring: bool) -> None:
        self._args = args
        self._command = command
        self._needs_keyring = needs_keyring
        self._service: AccountService | None = None

    async def __aenter__(self) -> AccountService:
        from podio_desk.cli_sync import CommandError, no_keyring_message
        from podio_desk.secrets import SecretStore
        from podio_desk.services.accounts import AccountService
        from podio_desk.services.profile import resolve_profile

        profile = resolve_profile(getattr(self._args, "profile", None)).ensure_exists()
        secrets = SecretStore()
        if self._needs_keyring and not secrets.is_persistent:
            raise CommandError(no_keyring_message(self._command))
        self._service = AccountService(profile.root, secrets)
        return self._service

    async def __aexit__(self, *exc_info: object) -> None:
        if self._service is not None:
            await self._service.aclose()


def _usage_error(command: str, message: str) -> int:
    print(f"podio-desk {command}: error: {message}", file=sys.stderr)
    return 2
