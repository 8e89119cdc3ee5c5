"""Podio accounts side by side: their settings, their secrets, their clients and sign-ins.

Each account has its own :class:`PodioClient` (its own connection pool and its own rate
budget, as Podio counts per user and API key). What is stored where:

* ``accounts.json`` in the profile folder: only non-secret fields (name, API URL, client id,
  sign-in mode, user name or app id; for a gateway the names of its extra headers and its
  rate limit), and what the client learned about the server (which token endpoint answered,
  which rate class each operation counts in: docs/podio-api.md, Rate limits).
* the keyring (:class:`SecretStore`): the client secret and the current token set. Tokens are
  re-saved whenever they change (sign-in, refresh) and deleted when the session ends. A
  gateway account keeps its API key and the values of its extra headers there (any of them
  may be a credential).
* never stored: the user's password and the app token. They are used once to get a token;
  after that the refresh token keeps the session alive. When Podio refuses the refresh token
  the account shows "sign in again" and asks for them once more. Keeping them would let the
  app sign in silently, but would put a long-lived credential on disk for little gain.

Several processes may share a profile (the window and `podio-desk account add`, two commands
at once). Every change of ``accounts.json`` is made under an OS lock on ``accounts.lock``: the
file is read again, this process's change is applied to what it holds now, and the result is
written to a temporary file that replaces the old one (``os.replace``, after ``fsync``). So no
process overwrites another's account, and a reader never sees a half-written file.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import sys
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from podio_desk.api.address import check_api_url
from podio_desk.api.auth import (
    AuthEvent,
    AuthMode,
    ClientCredentials,
    GatewaySession,
    SessionState,
    SessionStateChanged,
    Token,
    TokenChanged,
)
from podio_desk.api.client import ClientLearned, PodioClient, TokenEndpointLearned
from podio_desk.api.errors import NotFound
from podio_desk.api.events import EventHub
from podio_desk.api.transport import DEFAULT_BASE_URL
from podio_desk.secrets import SecretStore
from podio_desk.services.file_lock import FileLock

log = logging.getLogger(__name__)

ACCOUNTS_FILE_NAME = "accounts.json"
ACCOUNTS_LOCK_NAME = "accounts.lock"
SECRET_CLIENT_SECRET = "client_secret"
SECRET_TOKEN = "token"
SECRET_API_KEY = "api_key"
SECRET_GATEWAY_HEADERS = "gateway_headers"
_FILE_VERSION = 1


class AccountError(Exception):
    """An account operation that cannot be done; the message is for the user."""


@dataclass(frozen=True)
class Account:
    """The non-secret settings of one account (what ``accounts.json`` holds)."""

    key: str
    name: str
    api_url: str
    client_id: str
    auth_mode: AuthMode
    username: str | None = None
    app_id: int | None = None
    # A gateway's extra headers by name (their values are in the keyring).
    header_names: tuple[str, ...] = ()
    # Calls an hour (general, heavy) to pace by when answers carry no rate headers; None:
    # Podio's defaults.
    rate_limit: tuple[int, int] | None = None
    # Learned from the server: the token endpoint that answered, the rate class of each
    # operation (operation, "general" | "heavy").
    token_endpoint: str | None = None
    rate_classes: tuple[tuple[str, str], ...] = ()

    @property
    def acts_as_app(self) -> bool:
        return self.auth_mode is AuthMode.APP

    @property
    def is_gateway(self) -> bool:
        return self.auth_mode is AuthMode.GATEWAY

    @property
    def description(self) -> str:
        if self.auth_mode is AuthMode.APP:
            return f"App {self.app_id} (acts as the app)"
        if self.auth_mode is AuthMode.GATEWAY:
            return f"API gateway at {self.api_url}"
        return self.username or self.name

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["auth_mode"] = self.auth_mode.value
        data["header_names"] = list(self.header_names)
        data["rate_limit"] = list(self.rate_limit) if self.rate_limit is not None else None
        data["rate_classes"] = dict(self.rate_classes)
        return data

    @classmethod
    def from_json(cls, data: Any) -> Account:
        if not isinstance(data, dict):
            raise ValueError("an account entry is not an object")
        app_id = data.get("app_id")
        limit = data.get("rate_limit")
        classes = data.get("rate_classes")
        return cls(
            key=str(data["key"]),
            name=str(data["name"]),
            api_url=str(data.get("api_url") or DEFAULT_BASE_URL),
            client_id=str(data.get("client_id") or ""),
            auth_mode=AuthMode(data["auth_mode"]),
            username=data.get("username"),
            app_id=int(app_id) if app_id is not None else None,
            header_names=tuple(str(name) for name in data.get("header_names") or ()),
            rate_limit=(int(limit[0]), int(limit[1])) if limit else None,
            token_endpoint=data.get("token_endpoint"),
            rate_classes=tuple(sorted((str(k), str(v)) for k, v in (classes or {}).items())),
        )


@dataclass(frozen=True)
class AccountStateChanged:
    """An account's session changed: signed in, signed out or "sign in again"."""

    key: str
    state: SessionState
    message: str = ""


ClientFactory = Callable[[Account, ClientCredentials], PodioClient]
# A gateway account's client: the account, its API key, its extra headers.
GatewayClientFactory = Callable[[Account, str, dict[str, str]], PodioClient]


def _default_client_factory(account: Account, credentials: ClientCredentials) -> PodioClient:
    return PodioClient(credentials, base_url=account.api_url)


def _default_gateway_factory(
    account: Account, api_key: str, headers: dict[str, str]
) -> PodioClient:
    return PodioClient.for_gateway(api_key, headers=headers, base_url=account.api_url)


def parse_rate_limit(text: str) -> tuple[int, int]:
    """``"250,250"`` -> (250, 250): calls an hour, general and heavy."""
    general, comma, heavy = text.partition(",")
    try:
        limit = (int(general), int(heavy if comma else general))
    except ValueError:
        raise AccountError(
            f"The rate limit {text!r} is not two whole numbers (calls an hour, general and "
            "heavy), such as 1000,250."
        ) from None
    if min(limit) < 1:
        raise AccountError("A rate limit is at least one call an hour.")
    return limit


_HEADER_NAME = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
# Set by the client itself; an extra header must not replace them.
_RESERVED_HEADERS = frozenset({"authorization", "host", "content-length", "content-type"})


HEADER_FORM_HINT = "write each header as Name: value (or Name=value)"


def check_header_name(name: str) -> str:
    name = name.strip()
    if not name or not set(name) <= _HEADER_NAME:
        raise AccountError(f"{name!r} is not a valid header name; {HEADER_FORM_HINT}.")
    if name.lower() in _RESERVED_HEADERS:
        raise AccountError(f"The header {name} is set by Podio Desk itself.")
    return name


def parse_header(text: str) -> tuple[str, str]:
    """``"Name: value"`` or ``"Name=value"`` -> (name, value). Neither ':' nor '=' can be
    part of a header name, so the first of them ends the name either way."""
    cuts = [index for index in (text.find(":"), text.find("=")) if index >= 0]
    if not cuts:
        raise AccountError(f"{text.strip()!r} has no value; {HEADER_FORM_HINT}.")
    cut = min(cuts)
    return check_header_name(text[:cut]), text[cut + 1 :].strip()


class AccountService:
    """Add, list, remove accounts; sign in; restore sessions from the keyring at start."""

    def __init__(
        self,
        profile_dir: Path,
        secrets: SecretStore,
        *,
        client_factory: ClientFactory = _default_client_factory,
        gateway_factory: GatewayClientFactory = _default_gateway_factory,
    ) -> None:
        self._path = Path(profile_dir) / ACCOUNTS_FILE_NAME
        self._lock_path = Path(profile_dir) / ACCOUNTS_LOCK_NAME
        self._secrets = secrets
        self._client_factory = client_factory
        self._gateway_factory = gateway_factory
        # What clients learned, waiting to be written to the accounts file.
        self._learned: dict[str, list[ClientLearned]] = {}
        self._learned_writer: asyncio.Task[None] | None = None
        self._accounts: dict[str, Account] = {}
        self._clients: dict[str, PodioClient] = {}
        self._unsubscribe: dict[str, Callable[[], None]] = {}
        self._latest_token: dict[str, Token | None] = {}
        self._writers: dict[str, asyncio.Task[None]] = {}
        self.events: EventHub[AccountStateChanged] = EventHub()

    @property
    def secrets_warning(self) -> str | None:
        """Shown to the user when sign-ins only last for this session (no keyring)."""
        return self._secrets.warning

    # ------------------------------------------------------------------ accounts

    async def load(self) -> list[Account]:
        """Read ``accounts.json``. A damaged file is set aside, never silently overwritten."""
        self._accounts = await asyncio.to_thread(self._read_locked)
        return self.list()

    def list(self) -> list[Account]:
        return list(self._accounts.values())

    def get(self, key: str) -> Account:
        try:
            return self._accounts[key]
        except KeyError:
            raise AccountError(f"There is no account {key!r}.") from None

    async def add(
        self,
        *,
        name: str,
        client_id: str,
        client_secret: str,
        auth_mode: AuthMode,
        api_url: str = DEFAULT_BASE_URL,
        username: str | None = None,
        app_id: int | None = None,
        unique_name: bool = False,
    ) -> Account:
        """Create an account; the client secret goes to the keyring, the rest to the file.

        With `unique_name`, an account of the same name (in any process) is an error."""
        name = name.strip()
        if not name:
            raise AccountError("Give the account a name.")
        if not client_id.strip() or not client_secret.strip():
            raise AccountError(
                "Both the client id and the client secret of the API key are needed."
            )
        if auth_mode is AuthMode.PASSWORD and not (username and username.strip()):
            raise AccountError("Signing in with a password needs the user name (e-mail).")
        if auth_mode is AuthMode.APP and app_id is None:
            raise AccountError("App authentication needs the app id.")
        account = Account(
            key=uuid.uuid4().hex,
            name=name,
            api_url=check_api_url(api_url),
            client_id=client_id.strip(),
            auth_mode=auth_mode,
            username=username.strip() if username else None,
            app_id=app_id,
        )
        await self._secrets.set(account.key, SECRET_CLIENT_SECRET, client_secret.strip())

        def add_to(accounts: dict[str, Account]) -> None:
            if unique_name:
                for other in accounts.values():
                    if other.name.casefold() == account.name.casefold():
                        raise AccountError(f"There is already an account named {name!r}.")
            accounts[account.key] = account

        try:
            await self._change(add_to)
        except BaseException:
            await self._secrets.delete(account.key, SECRET_CLIENT_SECRET)
            raise
        return account

    async def add_gateway(
        self,
        *,
        name: str,
        api_url: str,
        api_key: str,
        headers: dict[str, str] | None = None,
        rate_limit: tuple[int, int] | None = None,
        unique_name: bool = False,
    ) -> Account:
        """An account reached through an API gateway: its base URL (path prefix kept), its
        API key and extra headers (their values in the keyring), its rate limit."""
        name = name.strip()
        if not name:
            raise AccountError("Give the account a name.")
        if not api_key.strip():
            raise AccountError("A gateway account needs the gateway's API key.")
        clean = {check_header_name(header): value for header, value in (headers or {}).items()}
        if rate_limit is not None and min(rate_limit) < 1:
            raise AccountError("A rate limit is at least one call an hour.")
        account = Account(
            key=uuid.uuid4().hex,
            name=name,
            api_url=check_api_url(api_url),
            client_id="",
            auth_mode=AuthMode.GATEWAY,
            header_names=tuple(clean),
            rate_limit=rate_limit,
        )
        await self._secrets.set(account.key, SECRET_API_KEY, api_key.strip())
        if clean:
            await self._secrets.set(account.key, SECRET_GATEWAY_HEADERS, json.dumps(clean))

        def add_to(accounts: dict[str, Account]) -> None:
            if unique_name:
                for other in accounts.values():
                    if other.name.casefold() == account.name.casefold():
                        raise AccountError(f"There is already an account named {name!r}.")
            accounts[account.key] = account

        try:
            await self._change(add_to)
        except BaseException:
            await self._forget_secrets(account.key)
            raise
        return account

    async def add_gateway_checked(self, **settings: Any) -> Account:
        """:meth:`add_gateway`, then one call through the gateway; an account whose key or
        address does not work is removed again (secrets included)."""
        account = await self.add_gateway(**settings)
        try:
            await self.check_gateway(account.key)
        except BaseException:
            await self.remove(account.key)
            raise
        return account

    async def set_gateway_key(self, key: str, api_key: str) -> None:
        """A new API key for a gateway account, stored only once the gateway took it: a
        refused key leaves the account exactly as it was (its working key kept)."""
        account = self.get(key)
        if not account.is_gateway:
            raise AccountError("Only a gateway account has an API key.")
        if not api_key.strip():
            raise AccountError("The API key is empty.")
        trial = self._gateway_factory(
            account, api_key.strip(), await self._gateway_headers(account)
        )
        try:
            await _check_through(account, trial)
        finally:
            await trial.aclose()
        await self._secrets.set(key, SECRET_API_KEY, api_key.strip())
        client = self._clients.get(key)
        if client is not None and isinstance(client.session, GatewaySession):
            client.session.use_key(api_key.strip())  # the open window's session carries on
        else:
            await self._close_client(key)

    async def check_gateway(self, key: str) -> None:
        """One cheap call through the gateway: raises when its key or address is wrong."""
        await _check_through(self.get(key), await self.client(key))

    async def rename(self, key: str, name: str) -> Account:
        account = replace(self.get(key), name=name.strip() or self.get(key).name)

        def rename_in(accounts: dict[str, Account]) -> None:
            if key in accounts:  # another process may have removed it meanwhile
                accounts[key] = replace(accounts[key], name=account.name)

        await self._change(rename_in)
        return account

    async def remove(self, key: str) -> None:
        """Forget the account: close its client, delete its secrets, drop it from the file."""
        self.get(key)
        await self._close_client(key)
        await self.flush()  # a token write still in flight must not outlive the account
        await self._forget_secrets(key)
        await self._change(lambda accounts: accounts.pop(key, None))

    async def _forget_secrets(self, key: str) -> None:
        for name in (SECRET_TOKEN, SECRET_CLIENT_SECRET, SECRET_API_KEY, SECRET_GATEWAY_HEADERS):
            await self._secrets.delete(key, name)

    # ------------------------------------------------------------------ clients

    async def client(self, key: str) -> PodioClient:
        """The account's client (created on first use, one per account)."""
        existing = self._clients.get(key)
        if existing is not None:
            return existing
        account = self.get(key)
        if account.is_gateway:
            client = await self._gateway_client(account)
        else:
            secret = await self._secrets.get(key, SECRET_CLIENT_SECRET)
            if secret is None:
                raise AccountError(
                    f"The client secret of {account.name!r} is not in the keyring; "
                    "edit the account and enter it again."
                )
            if key in self._clients:  # created by a concurrent caller while we awaited
                return self._clients[key]
            client = self._client_factory(account, ClientCredentials(account.client_id, secret))
        if key in self._clients:  # created by a concurrent caller while we awaited
            await client.aclose()
            return self._clients[key]
        client.adopt_settings(
            token_endpoint=account.token_endpoint,
            rate_classes=dict(account.rate_classes),
            budget=account.rate_limit,
        )
        self._clients[key] = client
        unsubscribe_auth = client.session.events.subscribe(
            functools.partial(self._on_auth_event, key)
        )
        unsubscribe_learned = client.learned.subscribe(functools.partial(self._on_learned, key))

        def unsubscribe() -> None:
            unsubscribe_auth()
            unsubscribe_learned()

        self._unsubscribe[key] = unsubscribe
        return client

    async def _gateway_client(self, account: Account) -> PodioClient:
        api_key = await self._secrets.get(account.key, SECRET_API_KEY)
        if api_key is None:
            raise AccountError(
                f"The API key of {account.name!r} is not in the keyring; enter it again "
                f"(podio-desk account login {account.name!r})."
            )
        return self._gateway_factory(account, api_key, await self._gateway_headers(account))

    async def _gateway_headers(self, account: Account) -> dict[str, str]:
        headers: dict[str, str] = {}
        if account.header_names:
            text = await self._secrets.get(account.key, SECRET_GATEWAY_HEADERS)
            try:
                stored = json.loads(text) if text else {}
            except ValueError:
                stored = {}
            headers = {
                name: str(stored[name])
                for name in account.header_names
                if isinstance(stored, dict) and name in stored
            }
            missing = [name for name in account.header_names if name not in headers]
            if missing:
                raise AccountError(
                    f"The values of the headers {', '.join(missing)} of {account.name!r} are "
                    "not in the keyring; remove and add the account again."
                )
        return headers

    def session_state(self, key: str) -> SessionState:
        client = self._clients.get(key)
        return client.session.state if client is not None else SessionState.SIGNED_OUT

    # ------------------------------------------------------------------ sign-in

    async def sign_in_password(self, key: str, password: str) -> Token:
        account = self.get(key)
        if account.username is None:
            raise AccountError("This account has no user name.")
        client = await self.client(key)
        token = await client.session.sign_in_password(account.username, password)
        await self.flush()
        return token

    async def sign_in_app(self, key: str, app_token: str) -> Token:
        """App authentication: everything done with this account *acts as the app*."""
        account = self.get(key)
        if account.app_id is None:
            raise AccountError("This account has no app id.")
        client = await self.client(key)
        token = await client.session.sign_in_app(account.app_id, app_token)
        await self.flush()
        return token

    async def sign_in_browser(
        self,
        key: str,
        open_browser: Callable[[str], object],
        *,
        authorize_base: str | None = None,
        timeout_seconds: float = 300.0,
    ) -> Token:
        client = await self.client(key)
        token = await client.session.sign_in_browser(
            open_browser, authorize_base=authorize_base, timeout_seconds=timeout_seconds
        )
        await self.flush()
        return token

    async def sign_out(self, key: str) -> None:
        client = await self.client(key)
        client.session.sign_out()
        await self.flush()

    async def restore(self, key: str) -> bool:
        """Adopt the token saved in the keyring. True when the account is signed in again.

        An expired access token is fine: the first request refreshes it. A gateway account
        is signed in as long as its API key is in the keyring.
        """
        client = await self.client(key)
        if self.get(key).is_gateway:
            return True
        text = await self._secrets.get(key, SECRET_TOKEN)
        if text is None:
            return False
        try:
            token = Token.from_json(text)
        except (ValueError, KeyError, TypeError):
            log.warning("the saved sign-in of account %s is unreadable; it was removed", key)
            await self._secrets.delete(key, SECRET_TOKEN)
            return False
        client.session.set_token(token, persist=False)
        return True

    async def restore_all(self) -> dict[str, bool]:
        """At start: restore every account's session; a failing one does not stop the others."""
        restored: dict[str, bool] = {}
        for key in list(self._accounts):
            try:
                restored[key] = await self.restore(key)
            except AccountError as exc:
                log.warning("could not restore account %s: %s", key, exc)
                restored[key] = False
        return restored

    async def flush(self) -> None:
        """Wait until every token change has reached the keyring, and everything the clients
        learned the accounts file."""
        while self._writers or self._learned_writer is not None:
            pending: list[asyncio.Task[None]] = list(self._writers.values())
            if self._learned_writer is not None:
                pending.append(self._learned_writer)
            await asyncio.gather(*pending, return_exceptions=True)

    async def aclose(self) -> None:
        for key in list(self._clients):
            await self._close_client(key)
        await self.flush()

    # ------------------------------------------------------------------ internals

    def _on_auth_event(self, key: str, event: AuthEvent) -> None:
        if isinstance(event, TokenChanged):
            self._latest_token[key] = event.token
            if key not in self._writers:
                task = asyncio.get_running_loop().create_task(self._persist_tokens(key))
                self._writers[key] = task
        elif isinstance(event, SessionStateChanged):
            self.events.emit(AccountStateChanged(key, event.state, event.message))

    def _on_learned(self, key: str, event: ClientLearned) -> None:
        self._learned.setdefault(key, []).append(event)
        if self._learned_writer is None:
            self._learned_writer = asyncio.get_running_loop().create_task(self._persist_learned())

    async def _persist_learned(self) -> None:
        """Write what the clients learned into their accounts; loops while more arrives."""
        try:
            while self._learned:
                learned, self._learned = self._learned, {}
                try:
                    await self._change(functools.partial(_apply_learned, learned))
                except Exception:
                    log.exception("could not save what the client learned about the server")
        finally:
            self._learned_writer = None

    async def _persist_tokens(self, key: str) -> None:
        """Write the latest token of ``key``; loops until no newer one arrived meanwhile."""
        try:
            while key in self._latest_token:
                token = self._latest_token.pop(key)
                try:
                    if token is None:
                        await self._secrets.delete(key, SECRET_TOKEN)
                    else:
                        await self._secrets.set(key, SECRET_TOKEN, token.to_json())
                except Exception:
                    log.exception("could not save the sign-in of account %s", key)
        finally:
            self._writers.pop(key, None)

    async def _close_client(self, key: str) -> None:
        client = self._clients.pop(key, None)
        unsubscribe = self._unsubscribe.pop(key, None)
        if unsubscribe is not None:
            unsubscribe()
        if client is not None:
            await client.aclose()

    async def _change(self, change: Callable[[dict[str, Account]], object]) -> None:
        """Apply `change` to the accounts file as it is now, under the profile's lock."""
        self._accounts = await asyncio.to_thread(self._change_locked, change)

    def _change_locked(self, change: Callable[[dict[str, Account]], object]) -> dict[str, Account]:
        with FileLock(self._lock_path):
            accounts = self._read()
            change(accounts)
            data = {
                "version": _FILE_VERSION,
                "accounts": [account.to_json() for account in accounts.values()],
            }
            _write_text_atomic(self._path, json.dumps(data, indent=2, sort_keys=True))
        return accounts

    def _read_locked(self) -> dict[str, Account]:
        if not self._path.exists():  # nothing to read, nothing to set aside: no lock needed
            return {}
        with FileLock(self._lock_path):
            return self._read()

    def _read(self) -> dict[str, Account]:
        """The accounts in the file (the caller holds the lock)."""
        text = _read_text(self._path)
        accounts: dict[str, Account] = {}
        if text is None:
            return accounts
        try:
            data = json.loads(text)
            entries = data.get("accounts", []) if isinstance(data, dict) else []
            for entry in entries:
                account = Account.from_json(entry)
                accounts[account.key] = account
        except (ValueError, KeyError, TypeError) as exc:
            backup = self._path.with_suffix(".json.damaged")
            os.replace(self._path, backup)
            log.warning("accounts file was unreadable (%s); kept it as %s", exc, backup)
            return {}
        return accounts


async def _check_through(account: Account, client: PodioClient) -> None:
    try:
        await client.scope()
    except NotFound as error:
        # A gateway address without its path prefix reaches the gateway's own 404, which
        # would otherwise read as a missing Podio object.
        raise AccountError(
            f"The address {account.api_url} answered 404 (not found): check the gateway's "
            "address and its path prefix, such as https://host/podio."
        ) from error


def _apply_learned(learned: dict[str, list[ClientLearned]], accounts: dict[str, Account]) -> None:
    for key, events in learned.items():
        if key in accounts:  # removed meanwhile: nothing to keep
            accounts[key] = _with_learned(accounts[key], events)


def _with_learned(account: Account, events: list[ClientLearned]) -> Account:
    endpoint = account.token_endpoint
    classes = dict(account.rate_classes)
    for event in events:
        if isinstance(event, TokenEndpointLearned):
            endpoint = event.endpoint
        else:
            classes[event.operation] = event.rate_class.value
    return replace(account, token_endpoint=endpoint, rate_classes=tuple(sorted(classes.items())))


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _write_text_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a reader (or a crash) sees the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(temp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows has no directory handles to sync)."""
    if sys.platform == "win32":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
