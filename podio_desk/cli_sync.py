"""Headless `account add` and `sync`: prefetch before a flight, or keep a cache fresh from cron.

Both print one clear line on failure and exit non-zero. Nothing is left half-written: an
account whose sign-in fails is removed again (secret included), and sync commits each page
together with its cursor, so an interrupted run leaves a consistent cache that the next run
completes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import shlex
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from podio_desk.api.address import check_api_url
from podio_desk.api.auth import AuthMode
from podio_desk.api.errors import PodioError
from podio_desk.api.ratelimit import RateLimitWait, SchedulerEvent
from podio_desk.cache.cache import Cache
from podio_desk.cache.db import CacheBusyError, CacheCorruptError, CacheOpenError
from podio_desk.cache.schema import CacheVersionError
from podio_desk.domain.rate_wait import PODIO_RATE_LIMIT, rate_limit_name
from podio_desk.domain.redaction import remember_secret
from podio_desk.secrets import SecretStore
from podio_desk.services.accounts import Account, AccountError, AccountService
from podio_desk.services.logsetup import setup_logging, teardown_logging
from podio_desk.services.profile import ProfileError, resolve_profile
from podio_desk.services.sync import (
    PodioSyncApi,
    SyncError,
    SyncProgress,
    SyncResult,
    SyncService,
)
from podio_desk.services.sync_process import SyncBusyError, SyncJob, sync_in_child_process

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """A problem to report as one line."""


# ------------------------------------------------------------------ account add


NO_PERSISTENT_KEYRING = (
    "no system keyring is available to keep the sign-in, so the account was not saved; "
    "unlock or install one (GNOME Keyring, KWallet, macOS Keychain, Windows Credential "
    "Manager) or name a backend in PYTHON_KEYRING_BACKEND"
)


_KEYRING_FIX = (
    "unlock or install one (GNOME Keyring, KWallet, macOS Keychain, Windows Credential "
    "Manager) or name a backend in PYTHON_KEYRING_BACKEND"
)


def no_keyring_message(command: str) -> str:
    """What a missing system keyring means for `command` (a sign-in kept only in a window's
    memory is not there for a command, which runs as a process of its own)."""
    if command == "account add":
        return NO_PERSISTENT_KEYRING
    if command in ("sync", "export"):
        return (
            f"no system keyring is available, so the accounts' sign-ins are not available to "
            f"other processes than the window that made them and this {command} cannot sign in; "
            f"{command} from the window, or {_KEYRING_FIX}, then sign in again"
        )
    return (
        f"no system keyring is available, so {command} cannot reach the accounts' sign-ins "
        f"(kept only in the memory of the window that made them); do it from the window, "
        f"or {_KEYRING_FIX}"
    )


def _keeps_secrets(secrets: SecretStore) -> bool:
    return secrets.is_persistent


def run_account_add(args: argparse.Namespace, out: TextIO | None = None) -> int:
    # Typed on the command line: secret for this whole run, whatever logs them.
    remember_secret(args.client_secret, args.password, args.app_token)
    return _run("account add", lambda: _logged(args, _account_add(args, out or sys.stdout)))


async def _account_add(args: argparse.Namespace, out: TextIO) -> None:
    # Checked first: a wrong address is never sent a password.
    api_url = check_api_url(args.api_url) if args.api_url is not None else None
    by_password = args.username is not None or args.password is not None
    by_app = args.app_id is not None or args.app_token is not None
    if by_password == by_app:
        raise CommandError(
            "sign in either with --username and --password, or with --app-id and --app-token"
        )
    if by_password and not (args.username and args.password):
        raise CommandError("--username and --password go together")
    if by_app and not (args.app_id is not None and args.app_token):
        raise CommandError("--app-id and --app-token go together")
    profile = resolve_profile(getattr(args, "profile", None)).ensure_exists()
    secrets = SecretStore()
    if not secrets.is_persistent:
        raise CommandError(NO_PERSISTENT_KEYRING)
    accounts = AccountService(profile.root, secrets)
    try:
        existing = await accounts.load()
        if any(a.name.casefold() == args.name.strip().casefold() for a in existing):
            raise CommandError(f"there is already an account named {args.name.strip()!r}")
        extra = {"api_url": api_url} if api_url else {}
        account = await accounts.add(
            name=args.name,
            client_id=args.client_id,
            client_secret=args.client_secret,
            auth_mode=AuthMode.PASSWORD if by_password else AuthMode.APP,
            username=args.username,
            app_id=args.app_id,
            unique_name=True,  # checked again under the profile's lock: another add may race
            **extra,
        )
        try:
            if by_password:
                await accounts.sign_in_password(account.key, args.password)
            else:
                await accounts.sign_in_app(account.key, args.app_token)
        except BaseException:
            # The account never worked: forget it and its secret, so nothing half-made stays.
            await accounts.remove(account.key)
            raise
        if not _keeps_secrets(secrets):  # checked again: a keyring can also fail mid sign-in
            # A command runs for one process: a sign-in kept only in memory would be gone before
            # the next `podio-desk sync`, so saving the account would only promise what it can't.
            await accounts.remove(account.key)
            raise CommandError(NO_PERSISTENT_KEYRING)
        print(f"Added {account.name!r} ({account.description}); signed in.", file=out)
    finally:
        await accounts.aclose()


# ------------------------------------------------------------------ sync


@dataclass
class SyncTotals:
    apps: int = 0
    added: int = 0
    changed: int = 0
    deleted: int = 0
    calls: int = 0
    unreadable: int = 0
    skipped: int = 0
    details: int = 0
    results: list[SyncResult] = field(default_factory=list)

    def add(self, result: SyncResult) -> None:
        self.apps += 1
        self.unreadable += result.unreadable
        self.skipped += result.skipped
        self.added += result.added
        self.changed += result.changed
        self.deleted += result.deleted
        self.calls += result.calls
        self.details += result.details
        self.results.append(result)

    def summary(self, seconds: float) -> str:
        apps = "1 app" if self.apps == 1 else f"{self.apps} apps"
        odd = ""
        if self.unreadable:
            odd += f"; {self.unreadable} item(s) kept as far as they could be read"
        if self.skipped:
            odd += f"; {self.skipped} entries left out (no usable item_id, or repeated)"
        if self.details:
            odd += f"; comments and files of {self.details} item(s) read"
        return (
            f"Synced {apps}: {self.added} added, {self.changed} changed, "
            f"{self.deleted} deleted; {self.calls} API calls in {seconds:.1f} s{odd}."
        )


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "…"
    seconds = max(0, math.ceil(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class ProgressPrinter:
    """A bar redrawn in place on a terminal; on a pipe, a plain line every few seconds."""

    BAR = 28

    def __init__(
        self,
        stream: TextIO,
        *,
        is_tty: bool | None = None,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._tty = stream.isatty() if is_tty is None else is_tty
        self._interval = interval
        self._clock = clock
        self._label = ""
        self.limit_name = PODIO_RATE_LIMIT
        self._last_line = -math.inf
        self._drawn = False

    def start_app(self, label: str) -> None:
        self.end_line()
        self._label = label
        self._last_line = -math.inf

    def __call__(self, event: SyncProgress) -> None:
        total = max(event.total, event.done)
        if event.phase == "waiting":  # a line of its own: the bar that follows must not hide it
            self.end_line()
            print(
                f"{self._label}: {_busy(event.holder)}; waiting for it to finish",
                file=self._stream,
                flush=True,
            )
            return
        if event.phase == "deletions":
            text = f"{self._label}: looking for {event.total} deleted item(s)"
        elif total == 0:
            text = f"{self._label}: {event.phase}, nothing to fetch"
        else:
            share = event.done / total
            counts = f"{event.done:,}/{total:,} items".replace(",", " ")
            eta = "" if event.phase == "done" else f", ETA {_duration(event.eta_seconds)}"
            if self._tty:
                filled = round(share * self.BAR)
                bar = "#" * filled + "-" * (self.BAR - filled)
                text = f"{self._label} [{bar}] {counts}{eta}"
            else:
                text = f"{self._label}: {event.phase} {counts} ({share:.0%}){eta}"
        if self._tty:
            self._stream.write("\r\x1b[2K" + text)
            self._drawn = True
            if event.phase == "done":
                self.end_line()
            self._stream.flush()
            return
        now = self._clock()
        if event.phase in ("done", "deletions") or now - self._last_line >= self._interval:
            self._last_line = now
            print(text, file=self._stream, flush=True)

    def rate_limit_wait(self, event: SchedulerEvent) -> None:
        """Say why nothing moves while the account's requests wait for Podio's rate limit."""
        if not isinstance(event, RateLimitWait):
            return
        prefix = f"{self._label}: " if self._label else ""
        text = f"{prefix}waiting for {self.limit_name}: {_duration(event.seconds)}"
        if self._tty:
            self._stream.write("\r\x1b[2K" + text)
            self._drawn = True
            self._stream.flush()
        else:
            print(text, file=self._stream, flush=True)
        # The next progress line comes as soon as the sync moves again.
        self._last_line = -math.inf

    def end_line(self) -> None:
        if self._tty and self._drawn:
            self._stream.write("\n")
            self._stream.flush()
        self._drawn = False


def _busy(holder: int | None) -> str:
    who = f"process {holder}" if holder is not None else "another process"
    return f"already being synced by {who}"


def run_sync(
    args: argparse.Namespace, out: TextIO | None = None, progress_stream: TextIO | None = None
) -> int:
    return _run(
        "sync", lambda: _logged(args, _sync(args, out or sys.stdout, progress_stream or sys.stderr))
    )


def pick_account(accounts: Sequence[Account], wanted: str | None) -> Account:
    if not accounts:
        raise CommandError("there is no account yet; add one with `podio-desk account add`")
    if wanted is None:
        if len(accounts) == 1:
            return accounts[0]
        names = ", ".join(repr(a.name) for a in accounts)
        raise CommandError(f"there are several accounts ({names}); choose one with --account")
    for account in accounts:
        if wanted.casefold() in (account.name.casefold(), account.key):
            return account
    names = ", ".join(repr(a.name) for a in accounts)
    raise CommandError(f"there is no account named {wanted!r} (accounts: {names})")


def _rebuild_command(args: argparse.Namespace, account: Account) -> str:
    words = ["podio-desk", "sync"]
    profile = getattr(args, "profile", None)
    if profile:
        words += ["--profile", shlex.quote(str(profile))]
    if args.account:
        words += ["--account", shlex.quote(account.name)]
    return " ".join([*words, "--rebuild-cache"])


async def _sync(args: argparse.Namespace, out: TextIO, progress_stream: TextIO) -> None:
    started = time.monotonic()
    profile = resolve_profile(getattr(args, "profile", None)).ensure_exists()
    secrets = SecretStore()
    if not secrets.is_persistent:
        raise CommandError(no_keyring_message("sync"))
    accounts = AccountService(profile.root, secrets)
    progress = ProgressPrinter(progress_stream)
    totals = SyncTotals()
    try:
        account = pick_account(await accounts.load(), args.account)
        if not await accounts.restore(account.key):
            raise CommandError(
                f"{account.name!r} is not signed in; sign in from the window, or remove and "
                "add the account again"
            )
        client = await accounts.client(account.key)
        progress.limit_name = rate_limit_name(account.is_gateway)
        client.scheduler.events.subscribe(progress.rate_limit_wait)
        api = PodioSyncApi(client)
        if getattr(args, "rebuild_cache", False):
            aside = await Cache.set_aside(profile.cache_dir, account.key)
            if aside is not None:
                print(f"The old cache was set aside as {aside}; building a new one.", file=out)
        try:
            check = True if getattr(args, "check", False) else None
            cache = await Cache.open(profile.cache_dir, account.key, check=check)
        except CacheCorruptError as error:
            raise CommandError(
                f"{error}; set it aside and build a new one from Podio with "
                f"`{_rebuild_command(args, account)}`"
            ) from error
        try:
            app_ids: list[int] = list(dict.fromkeys(args.app or []))
            names: dict[int, str] = {}
            if not app_ids:
                if account.acts_as_app and account.app_id is not None:
                    app_ids = [account.app_id]
                else:
                    workspace = await SyncService(api, cache).sync_workspace()
                    totals.calls += workspace.calls
                    apps = await cache.apps()
                    app_ids = [app.app_id for app in apps]
                    names = {app.app_id: app.name for app in apps}
            with_details = getattr(args, "with_details", None)
            for app_id in app_ids:
                label = names.get(app_id, f"app {app_id}")
                if with_details is not None:
                    # Kept in the cache, where the window's option is: both see one setting,
                    # and the sync process reads it there.
                    await cache.items.set_sync_with_details(app_id, with_details)
                progress.start_app(label)
                # In a child process, as the window syncs (services/sync_process.py).
                try:
                    result = await sync_in_child_process(
                        api,
                        SyncJob(cache.path, app_id, full=args.full),
                        on_progress=progress,
                        budget=client.scheduler,
                        wait=not getattr(args, "no_wait", False),
                    )
                except SyncBusyError as busy:
                    raise CommandError(
                        f"{label} is {_busy(busy.holder)}; try again when it is done, or "
                        "leave out --no-wait to wait for it"
                    ) from busy
                progress.end_line()
                totals.add(result)
        finally:
            progress.end_line()
            await cache.aclose()
    finally:
        await accounts.aclose()
    print(totals.summary(time.monotonic() - started), file=out)


# ------------------------------------------------------------------ running and errors


async def _logged(args: argparse.Namespace, command: Coroutine[Any, Any, None]) -> None:
    """Run `command` logging to the profile's file (and to stderr with -v), as the window does."""
    with contextlib.ExitStack() as stack:
        stack.callback(command.close)  # never started if the profile is unusable
        profile = resolve_profile(getattr(args, "profile", None)).ensure_exists()
        handlers = setup_logging(profile.logs_dir, getattr(args, "verbose", 0) or 0)
        stack.callback(teardown_logging, handlers)
        await command


def run_command(
    command: str, args: argparse.Namespace, make: Callable[[], Coroutine[Any, Any, None]]
) -> int:
    """Run a headless command's coroutine, logged to the profile; one line per failure."""
    return _run(command, lambda: _logged(args, make()))


def _run(command: str, make: Callable[[], Coroutine[Any, Any, None]]) -> int:
    """Run the command's coroutine; turn every expected failure into one line on stderr."""
    try:
        asyncio.run(make())
    except KeyboardInterrupt:
        print(
            f"podio-desk {command}: interrupted; what was fetched is kept and the next run "
            "continues from there",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except (
        CommandError,
        AccountError,
        ProfileError,
        CacheOpenError,
        CacheBusyError,
        CacheVersionError,
        SyncError,
        PodioError,
        OSError,
    ) as error:
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"podio-desk {command}: error: {message}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK
