# ruff: noqa: N818  (error names read as outcomes: BrowserSignInTimeout, BrowserSignInDenied)
"""OAuth 2 for Podio: the four ways in, the token, and a self-refreshing session.

The API facts: docs/podio-api.md, Authentication and tokens.

Token endpoint: ``POST /oauth/token/v2`` with a JSON body, the one Podio documents today; the
form-encoded ``POST /oauth/token`` every official client uses only when v2 answers that it does
not exist (404 or 405). Which one worked is remembered per account (docs/podio-api.md, Token
endpoints). Grants: ``password``, ``app`` (the token
*acts as the app*), ``authorization_code`` (browser sign-in through a loopback redirect
listener) and ``refresh_token``.

The :class:`Session` keeps the current token, refreshes it shortly before it expires and after
a 401 ``expired_token``/``invalid_token`` (single-flight: many requests failing together cause
one refresh), and ends in a clean :attr:`SessionState.SIGN_IN_REQUIRED` when the refresh token is
refused (``invalid_grant``), without retrying in a loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import inspect
import json
import secrets as pysecrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from podio_desk.api.errors import (
    AuthError,
    GatewayKeyRefused,
    InvalidClient,
    InvalidGrant,
    NotPodio,
    PodioError,
    SignInRequired,
    TokenExpired,
)
from podio_desk.api.events import EventHub
from podio_desk.api.redact import get_logger
from podio_desk.api.transport import Transport
from podio_desk.domain.redaction import remember_secret

log = get_logger(__name__)

TOKEN_PATH = "/oauth/token"
TOKEN_V2_PATH = "/oauth/token/v2"
# The two token endpoints, as remembered in an account's settings.
TOKEN_ENDPOINT_V2 = "v2"
TOKEN_ENDPOINT_FORM = "form"
# What a token endpoint that does not exist answers.
_NO_SUCH_ENDPOINT = (404, 405)
REFRESH_MARGIN_SECONDS = 300.0
APP_AUTH_LABEL = "acts as the app"


class AuthMode(enum.Enum):
    BROWSER = "browser"  # authorization code via the system browser
    PASSWORD = "password"
    APP = "app"  # the token acts as the app, not as a person
    GATEWAY = "gateway"  # an API gateway in front of Podio, with a static API key

    @property
    def label(self) -> str:
        return {
            AuthMode.BROWSER: "Sign in with the browser",
            AuthMode.PASSWORD: "User name and password",
            AuthMode.APP: f"App id and app token ({APP_AUTH_LABEL})",
            AuthMode.GATEWAY: "API gateway (API key)",
        }[self]


@dataclass(frozen=True)
class ClientCredentials:
    """An API key. The secret never appears in ``repr``."""

    client_id: str
    client_secret: str = field(repr=False)

    def __post_init__(self) -> None:
        remember_secret(self.client_secret)


@dataclass(frozen=True)
class Token:
    """An OAuth token set. Secrets are hidden from ``repr``; ``expires_at`` is epoch seconds."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float
    token_type: str = "bearer"
    scope: str = ""
    ref_type: str | None = None
    ref_id: int | None = None

    def __post_init__(self) -> None:
        # Whether from a sign-in, a refresh or the keyring: no log line may show it.
        remember_secret(self.access_token, self.refresh_token)

    @classmethod
    def from_response(cls, data: Any, now: float) -> Token:
        if not isinstance(data, dict) or not data.get("access_token"):
            raise NotPodio(
                "The server answered the sign-in, but not as Podio does (there is no access "
                "token); check the API address."
            )
        raw_ref = data.get("ref")
        ref: dict[str, Any] = raw_ref if isinstance(raw_ref, dict) else {}
        try:
            expires_in = float(data.get("expires_in") or 0)
        except (TypeError, ValueError):
            expires_in = 0.0
        ref_id = ref.get("id")
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=str(data["refresh_token"]) if data.get("refresh_token") else None,
            expires_at=now + expires_in,
            token_type=str(data.get("token_type") or "bearer"),
            scope=str(data.get("scope") or ""),
            ref_type=str(ref["type"]) if ref.get("type") is not None else None,
            ref_id=int(ref_id) if isinstance(ref_id, int | str) and str(ref_id).isdigit() else None,
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Token:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("stored token is not an object")
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=data.get("refresh_token"),
            expires_at=float(data["expires_at"]),
            token_type=str(data.get("token_type", "bearer")),
            scope=str(data.get("scope", "")),
            ref_type=data.get("ref_type"),
            ref_id=data.get("ref_id"),
        )

    def expires_within(self, seconds: float, now: float) -> bool:
        return self.expires_at - now <= seconds

    @property
    def acts_as_app(self) -> bool:
        return self.ref_type == "app"


# The grant parameters that are not secret; every other one is.
_PUBLIC_PARAMS = frozenset({"username", "app_id", "redirect_uri"})


class OAuth:
    """The token endpoint's grants. Stateless; :class:`Session` decides when to call them."""

    def __init__(
        self,
        transport: Transport,
        credentials: ClientCredentials,
        *,
        clock: Callable[[], float] = time.time,
        token_endpoint: str | None = None,
        on_token_endpoint: Callable[[str], None] | None = None,
    ) -> None:
        self.transport = transport
        self.credentials = credentials
        self._clock = clock
        # None until one answered: v2 is tried first.
        self.token_endpoint = token_endpoint
        self._on_token_endpoint = on_token_endpoint

    async def _grant(self, grant_type: str, *, retry: bool = True, **params: str) -> Token:
        form = {
            "grant_type": grant_type,
            "client_id": self.credentials.client_id,
            "client_secret": self.credentials.client_secret,
            **params,
        }
        # A typed password, an app token, an authorization code: secret before it is sent.
        remember_secret(*(value for key, value in params.items() if key not in _PUBLIC_PARAMS))
        data = await self._token_call(form, retry=retry)
        token = Token.from_response(data, self._clock())
        log.info(
            "Signed in with grant %s (ref %s %s, expires in %.0f s)",
            grant_type,
            token.ref_type,
            token.ref_id,
            token.expires_at - self._clock(),
        )
        return token

    async def _token_call(self, form: dict[str, str], *, retry: bool) -> Any:
        """v2 with JSON unless this account learned that only the form endpoint exists."""
        if self.token_endpoint != TOKEN_ENDPOINT_FORM:
            try:
                data = await self.transport.token_request(
                    form, TOKEN_V2_PATH, as_json=True, retry=retry
                )
            except PodioError as exc:
                if exc.status not in _NO_SUCH_ENDPOINT:
                    raise
                log.info("%s answered %s: using %s", TOKEN_V2_PATH, exc.status, TOKEN_PATH)
            else:
                self._learn_endpoint(TOKEN_ENDPOINT_V2)
                return data
        data = await self.transport.token_request(form, TOKEN_PATH, retry=retry)
        self._learn_endpoint(TOKEN_ENDPOINT_FORM)
        return data

    def _learn_endpoint(self, endpoint: str) -> None:
        if self.token_endpoint == endpoint:
            return
        self.token_endpoint = endpoint
        if self._on_token_endpoint is not None:
            self._on_token_endpoint(endpoint)

    async def password(self, username: str, password: str) -> Token:
        return await self._grant("password", username=username, password=password)

    async def app(self, app_id: int | str, app_token: str) -> Token:
        """App authentication: the token acts as the app (content is attributed to it)."""
        return await self._grant("app", app_id=str(app_id), app_token=app_token)

    async def authorization_code(self, code: str, redirect_uri: str) -> Token:
        return await self._grant("authorization_code", code=code, redirect_uri=redirect_uri)

    async def refresh(self, refresh_token: str) -> Token:
        # One step of the request that needed it: that request's retries cover a failure.
        return await self._grant("refresh_token", retry=False, refresh_token=refresh_token)


# ----------------------------------------------------------------------------- browser


class BrowserSignInError(AuthError):
    default_message = "The browser sign-in did not complete."


class BrowserSignInTimeout(BrowserSignInError):
    default_message = "The browser sign-in took too long and was stopped. Please try again."


class BrowserSignInDenied(BrowserSignInError):
    default_message = "Access was not granted in the browser."


def authorize_base_for(api_base_url: str) -> str:
    """Where the browser goes: ``https://api.podio.com`` -> ``https://podio.com``.

    See docs/podio-api.md, Browser sign-in.

    Any other host (the sandbox) serves ``/oauth/authorize`` itself.
    """
    parts = urlsplit(api_base_url.rstrip("/"))
    host = parts.netloc
    if host.startswith("api."):
        host = host[len("api.") :]
    return urlunsplit((parts.scheme, host, "", "", ""))


_CALLBACK_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>Podio Desk</title></head>"
    "<body style='font-family:sans-serif'><h2>{title}</h2><p>{text}</p></body></html>"
)


async def browser_sign_in(
    oauth: OAuth,
    open_browser: Callable[[str], object],
    *,
    authorize_base: str | None = None,
    timeout_seconds: float = 300.0,
    scope: str | None = None,
) -> Token:
    """Authorization-code sign-in through the user's browser and a loopback listener.

    Starts an HTTP listener on ``127.0.0.1`` (random port), opens the authorize URL with
    ``open_browser(url)`` (which may return an awaitable; it then runs alongside), waits for
    Podio's redirect with ``code`` and the random ``state`` we sent, and exchanges the code.
    Callbacks with a wrong ``state`` are refused and ignored. Cancel the awaiting task to stop.
    """
    state = pysecrets.token_urlsafe(24)
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[str] = loop.create_future()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), 10)
            while True:  # drain the headers; the request has no body we care about
                line = await asyncio.wait_for(reader.readline(), 10)
                if line in (b"\r\n", b"\n", b""):
                    break
            parts = request_line.decode("latin-1").split()
            target = parts[1] if len(parts) >= 2 else "/"
            query = parse_qs(urlsplit(target).query)
            status, title, text = _callback_result(query, state, outcome)
            body = _CALLBACK_PAGE.format(title=title, text=text).encode()
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    browser_task: asyncio.Task[Any] | None = None
    try:
        port = server.sockets[0].getsockname()[1]
        redirect_uri = f"http://127.0.0.1:{port}/callback"
        params = {
            "client_id": oauth.credentials.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "state": state,
        }
        if scope:
            params["scope"] = scope
        base = authorize_base or authorize_base_for(oauth.transport.base_url)
        url = f"{base.rstrip('/')}/oauth/authorize?{urlencode(params)}"
        log.info("Browser sign-in: waiting for the redirect on %s", redirect_uri)
        opened = open_browser(url)
        if inspect.isawaitable(opened):
            browser_task = asyncio.ensure_future(opened)
        try:
            async with asyncio.timeout(timeout_seconds):
                code = await outcome
        except TimeoutError:
            raise BrowserSignInTimeout() from None
        return await oauth.authorization_code(code, redirect_uri)
    finally:
        server.close()
        await server.wait_closed()
        if browser_task is not None:
            if not browser_task.done():
                browser_task.cancel()
            await asyncio.gather(browser_task, return_exceptions=True)


def _callback_result(
    query: dict[str, list[str]], state: str, outcome: asyncio.Future[str]
) -> tuple[str, str, str]:
    got_state = (query.get("state") or [""])[0]
    if not pysecrets.compare_digest(got_state, state):
        log.warning("Browser sign-in: ignored a callback with a wrong state")
        return "400 Bad Request", "Sign-in link not recognised", "Please start again."
    if outcome.done():
        return "200 OK", "Already signed in", "You can close this window."
    if "error" in query:
        reason = (query.get("error_description") or query.get("error") or [""])[0]
        outcome.set_exception(BrowserSignInDenied(f"Access was not granted: {reason}"))
        return "200 OK", "Sign-in cancelled", "You can close this window."
    code = (query.get("code") or [""])[0]
    if not code:
        outcome.set_exception(BrowserSignInError())
        return "400 Bad Request", "No authorization code", "Please start again."
    outcome.set_result(code)
    return "200 OK", "Signed in to Podio Desk", "You can close this window and return to the app."


# ----------------------------------------------------------------------------- session


class SessionState(enum.Enum):
    SIGNED_OUT = "signed_out"
    SIGNED_IN = "signed_in"
    SIGN_IN_REQUIRED = "sign_in_required"


@dataclass(frozen=True)
class TokenChanged:
    """A new token to persist (None: forget the stored one)."""

    token: Token | None


@dataclass(frozen=True)
class SessionStateChanged:
    state: SessionState
    message: str = ""


AuthEvent = TokenChanged | SessionStateChanged


class Session:
    """The current token of one account, refreshed when needed. Implements ``AuthProvider``."""

    def __init__(
        self,
        oauth: OAuth,
        *,
        clock: Callable[[], float] = time.time,
        refresh_margin: float = REFRESH_MARGIN_SECONDS,
        events: EventHub[AuthEvent] | None = None,
    ) -> None:
        self.oauth = oauth
        self._clock = clock
        self.refresh_margin = refresh_margin
        self.events: EventHub[AuthEvent] = events or EventHub()
        self._token: Token | None = None
        self._generation = 0
        self._state = SessionState.SIGNED_OUT
        self._message = ""
        self._lock = asyncio.Lock()
        self.refresh_count = 0

    # ------------------------------------------------------------ state

    @property
    def token(self) -> Token | None:
        return self._token

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def sign_in_required(self) -> bool:
        return self._state is SessionState.SIGN_IN_REQUIRED

    @property
    def message(self) -> str:
        return self._message

    def set_token(self, token: Token, *, persist: bool = True) -> None:
        """Adopt a token (after a sign-in, or restored from the keyring)."""
        self._token = token
        self._generation += 1
        if persist:
            self.events.emit(TokenChanged(token))
        self._set_state(SessionState.SIGNED_IN)

    def sign_out(self) -> None:
        self._token = None
        self._generation += 1
        self.events.emit(TokenChanged(None))
        self._set_state(SessionState.SIGNED_OUT)

    # ------------------------------------------------------------ sign-in

    async def sign_in_password(self, username: str, password: str) -> Token:
        token = await self.oauth.password(username, password)
        self.set_token(token)
        return token

    async def sign_in_app(self, app_id: int | str, app_token: str) -> Token:
        token = await self.oauth.app(app_id, app_token)
        self.set_token(token)
        return token

    async def sign_in_browser(
        self,
        open_browser: Callable[[str], object],
        *,
        authorize_base: str | None = None,
        timeout_seconds: float = 300.0,
    ) -> Token:
        token = await browser_sign_in(
            self.oauth, open_browser, authorize_base=authorize_base, timeout_seconds=timeout_seconds
        )
        self.set_token(token)
        return token

    # ------------------------------------------------------------ AuthProvider

    async def authorization(self) -> tuple[str, int]:
        token = self._token
        if token is None or self._state is not SessionState.SIGNED_IN:
            raise SignInRequired(self._message or None)
        if token.refresh_token and token.expires_within(self.refresh_margin, self._clock()):
            await self.refresh(self._generation)
            token = self._token
            if token is None:
                raise SignInRequired(self._message or None)
        return f"OAuth2 {token.access_token}", self._generation

    async def handle_unauthorized(self, generation: int, error: TokenExpired) -> None:
        await self.refresh(generation, reason=error)

    async def refresh(self, seen_generation: int, *, reason: PodioError | None = None) -> None:
        """Refresh the token unless another caller already did since ``seen_generation``."""
        async with self._lock:
            if self._generation != seen_generation and self._token is not None:
                return  # someone else refreshed while we waited for the lock
            if self._state is SessionState.SIGN_IN_REQUIRED:
                raise SignInRequired(self._message or None)
            token = self._token
            if token is None or not token.refresh_token:
                self._require_sign_in("The Podio session expired and cannot be renewed.")
                raise SignInRequired(self._message)
            log.info("Refreshing the access token (%s)", "after 401" if reason else "expiring")
            try:
                new_token = await self.oauth.refresh(token.refresh_token)
            except (InvalidGrant, AuthError) as exc:
                # invalid_grant: the refresh token is dead (revoked, expired after 28 days
                # unused, app token regenerated). Retrying cannot help; ask the person.
                self._require_sign_in(
                    "Podio no longer accepts this sign-in (it may have been revoked). "
                    "Please sign in again."
                )
                raise SignInRequired(self._message) from exc
            except InvalidClient as exc:
                self._require_sign_in(
                    "Podio no longer accepts this API key. Check the client id and secret, "
                    "then sign in again."
                )
                raise SignInRequired(self._message) from exc
            self.refresh_count += 1
            if new_token.refresh_token is None:
                # Podio keeps the refresh token stable (docs/podio-api.md, Token response and
                # refresh); keep ours if none came back.
                new_token = Token(
                    new_token.access_token,
                    token.refresh_token,
                    new_token.expires_at,
                    new_token.token_type,
                    new_token.scope,
                    new_token.ref_type or token.ref_type,
                    new_token.ref_id or token.ref_id,
                )
            self.set_token(new_token)

    def _require_sign_in(self, message: str) -> None:
        self._token = None
        self._generation += 1
        self.events.emit(TokenChanged(None))
        self._set_state(SessionState.SIGN_IN_REQUIRED, message)

    def _set_state(self, state: SessionState, message: str = "") -> None:
        changed = state is not self._state or message != self._message
        self._state = state
        self._message = message
        if changed:
            log.info("Session state: %s", state.value)
            self.events.emit(SessionStateChanged(state, message))


# ----------------------------------------------------------------------------- gateway


class GatewaySession(Session):
    """An account reached through an API gateway: a static API key instead of OAuth.

    The gateway signs in to Podio itself; the app sends ``Authorization: Bearer <key>`` and
    the account's extra headers (a connection id, …) with every request. There is nothing
    to refresh: a 401 means the gateway refused the key (:class:`GatewayKeyRefused`), which
    signing in again cannot fix.
    """

    def __init__(
        self,
        oauth: OAuth,
        api_key: str,
        headers: dict[str, str] | None = None,
        *,
        events: EventHub[AuthEvent] | None = None,
    ) -> None:
        super().__init__(oauth, events=events)
        self._api_key = api_key
        self._headers = dict(headers or {})
        remember_secret(api_key, *self._headers.values())
        self._state = SessionState.SIGNED_IN if api_key else SessionState.SIGNED_OUT

    def extra_headers(self) -> dict[str, str]:
        return dict(self._headers)

    def use_key(self, api_key: str) -> None:
        """Send `api_key` from now on (a new key the gateway took): the session carries on."""
        remember_secret(api_key)
        self._api_key = api_key
        self._generation += 1
        self._set_state(SessionState.SIGNED_IN)

    def refused(self, error: AuthError) -> AuthError:
        return GatewayKeyRefused(
            status=error.status, body=error.body, method=error.method, path=error.path
        )

    async def authorization(self) -> tuple[str, int]:
        if not self._api_key:
            raise GatewayKeyRefused("This gateway account has no API key; enter it again.")
        return f"Bearer {self._api_key}", self._generation

    async def handle_unauthorized(self, generation: int, error: TokenExpired) -> None:
        raise self.refused(error)

    async def refresh(self, seen_generation: int, *, reason: PodioError | None = None) -> None:
        raise GatewayKeyRefused()

    async def sign_in_password(self, username: str, password: str) -> Token:
        raise GatewayKeyRefused("A gateway account signs in with its API key, not a password.")

    async def sign_in_app(self, app_id: int | str, app_token: str) -> Token:
        raise GatewayKeyRefused("A gateway account signs in with its API key, not an app token.")
