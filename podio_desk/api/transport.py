"""HTTP transport for one Podio account: one pooled ``httpx.AsyncClient``, JSON in and out.

Every authenticated request goes through the account's :class:`RateLimitScheduler`; every
response's rate headers update it; every failure becomes a typed :mod:`podio_desk.api.errors`
error. Reads (GET, and the POST reads: filter, search, count) are retried on 5xx and
connection errors with capped, jittered backoff. Writes are never re-sent blindly: a write
whose connection failed after it may have been sent raises :class:`WriteOutcomeUnknown`,
and the caller decides by re-reading the object (see ``PodioClient.update_item_safely``).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json as json_module
import random
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx

import podio_desk
from podio_desk.api.errors import (
    AuthError,
    BadApiAddress,
    NotPodio,
    Offline,
    PodioError,
    ServerError,
    TokenExpired,
    Unavailable,
    UnexpectedResponse,
    WriteOutcomeUnknown,
    error_from_response,
)
from podio_desk.api.rateclass import RateClassBook
from podio_desk.api.ratelimit import Priority, RateClass, RateLimitScheduler
from podio_desk.api.redact import get_logger, redact_mapping, redact_text

log = get_logger(__name__)

DEFAULT_BASE_URL = "https://api.podio.com"

# Exceptions raised before a single byte of the request left this machine: safe to resend.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


class AuthProvider(Protocol):
    """What the transport needs from the auth layer (implemented by ``auth.Session``)."""

    async def authorization(self) -> tuple[str, int]:
        """The ``Authorization`` header value and the token generation it belongs to."""
        ...

    async def handle_unauthorized(self, generation: int, error: TokenExpired) -> None:
        """Refresh after a 401 seen with ``generation`` (single-flight), or raise."""
        ...


class GatewayAuthProvider(AuthProvider, Protocol):
    """An auth provider that also adds headers of its own and words a 401 its own way
    (``auth.GatewaySession``: an API gateway's key)."""

    def extra_headers(self) -> Mapping[str, str]:
        """Headers sent with every request besides ``Authorization``."""
        ...

    def refused(self, error: AuthError) -> AuthError:
        """The error a 401 becomes."""
        ...


@dataclass(frozen=True)
class TransportConfig:
    base_url: str = DEFAULT_BASE_URL
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    write_timeout: float = 60.0
    pool_timeout: float = 30.0
    # The longest one attempt may take, from sending to the last byte of the answer: a server
    # that trickles its answer a byte at a time never trips the per-read timeout above. An
    # answer still arriving at `min_body_rate` bytes/s on average (a big file on a slow link)
    # gets another `attempt_deadline` each time. Uploads have no deadline for their sending.
    attempt_deadline: float = 300.0
    min_body_rate: float = 16_384.0
    max_connections: int = 8
    # Retries for idempotent requests after a 5xx or a connection failure.
    read_retries: int = 5
    retry_base: float = 0.25
    retry_cap: float = 8.0
    user_agent: str = field(default_factory=lambda: f"Podio Desk/{podio_desk.__version__}")

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            connect=self.connect_timeout,
            read=self.read_timeout,
            write=self.write_timeout,
            pool=self.pool_timeout,
        )


@dataclass(frozen=True)
class Response:
    status: int
    headers: httpx.Headers
    content: bytes

    def json(self) -> Any:
        """The decoded JSON body; None for an empty body (e.g. 204). Raises ValueError, or
        NotPodio for a web page (a wrong address, a captive portal)."""
        if not self.content.strip():
            return None
        try:
            return json_module.loads(self.content)
        except ValueError:
            if _is_web_page(self.headers, self.content):
                raise NotPodio(
                    "The server answered with a web page, not Podio's API; check the API address."
                ) from None
            raise


class Transport:
    """One account's connection to Podio."""

    def __init__(
        self,
        config: TransportConfig | None = None,
        *,
        scheduler: RateLimitScheduler | None = None,
        auth: AuthProvider | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.config = config or TransportConfig()
        self.scheduler = scheduler or RateLimitScheduler()
        # Which rate class each operation counts in, learned from the answers.
        self.rate_classes = RateClassBook()
        self.auth = auth
        self._sleep = sleep
        self._jitter = jitter
        self._http = http or httpx.AsyncClient(
            base_url=self.config.base_url.rstrip("/"),
            timeout=self.config.timeout(),
            limits=httpx.Limits(
                max_connections=self.config.max_connections,
                max_keepalive_connections=self.config.max_connections,
            ),
            http2=False,
            follow_redirects=False,
            headers={
                "User-Agent": self.config.user_agent,
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
            },
        )
        # The server's clock: the `Date` of the latest answer that had a usable one, and
        # `time.monotonic()` when it arrived.
        self._server_date: tuple[datetime, float] | None = None
        # Told of every attempt's fate (True: the server answered, with anything; False: no
        # answer), before any retry: the online indicator must not wait for a read's retries.
        self.reachability: list[Callable[[bool], None]] = []

    @property
    def base_url(self) -> str:
        return self.config.base_url.rstrip("/")

    def server_now(self) -> datetime | None:
        """Podio's clock now (UTC): the `Date` of the latest answer plus the time elapsed since
        on this machine's monotonic clock, so a wrong wall clock here does not matter. None
        until an answer carried a usable `Date`. Good to the second (`Date` has no more)."""
        if self._server_date is None:
            return None
        date, received = self._server_date
        return date + timedelta(seconds=time.monotonic() - received)

    def _note_server_date(self, headers: httpx.Headers, received: float) -> None:
        date = _http_date(headers.get("Date"))
        if date is not None:
            self._server_date = (date, received)

    async def aclose(self) -> None:
        await self.scheduler.aclose()
        await self._http.aclose()

    # ------------------------------------------------------------------ public

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        priority: Priority = Priority.INTERACTIVE,
        rate_class: RateClass | None = None,
        idempotent: bool | None = None,
    ) -> Response:
        """An authenticated, scheduled request. Returns the response or raises a PodioError."""
        method = method.upper()
        klass = self.rate_classes.classify(method, path, rate_class)
        safe = idempotent if idempotent is not None else method in ("GET", "HEAD")

        async def attempt() -> Response:
            return await self._with_retries(
                method, path, params=params, json=json, data=data, files=files,
                rate_class=klass, idempotent=safe, authenticated=True,
            )  # fmt: skip

        return await self.scheduler.run(attempt, priority=priority, rate_class=klass)

    async def token_request(
        self,
        form: Mapping[str, str],
        path: str = "/oauth/token",
        *,
        as_json: bool = False,
        retry: bool = True,
    ) -> Any:
        """A token endpoint call (form-encoded, or a JSON body with ``as_json``):
        unauthenticated and not rate-scheduled.

        Token calls are idempotent for our purposes (a lost response just means a token we
        never use), so a sign-in retries like a read. A refresh passes ``retry=False``: it is
        one step of a request's attempt, and that request's own retries cover it.
        """
        kwargs: dict[str, Any] = {"json": dict(form), "data": None} if as_json else {
            "json": None, "data": form,
        }  # fmt: skip
        if retry:
            response = await self._with_retries(
                "POST", path, params=None, files=None, rate_class=RateClass.GENERAL,
                idempotent=True, authenticated=False, **kwargs,
            )  # fmt: skip
        else:
            response = await self._send_once(
                "POST", path, params=None, files=None, rate_class=RateClass.GENERAL,
                idempotent=True, authenticated=False, **kwargs,
            )  # fmt: skip
        try:
            return response.json()
        except ValueError as exc:
            raise UnexpectedResponse(method="POST", path=path) from exc

    # ------------------------------------------------------------------ internals

    def _tell_reachability(self, answered: bool) -> None:
        for listener in self.reachability:
            try:
                listener(answered)
            except Exception:  # a listener's bug must not break the request
                log.exception("Reachability listener failed")

    async def _with_retries(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Mapping[str, Any] | None,
        files: Mapping[str, Any] | None,
        rate_class: RateClass,
        idempotent: bool,
        authenticated: bool,
    ) -> Response:
        attempt = 0
        refreshed = False
        # A token refused by a 401: renewed as the first step of the next attempt, inside the
        # same retry loop (never a loop of its own).
        to_refresh: TokenExpired | None = None
        while True:
            try:
                if to_refresh is not None and self.auth is not None:
                    await self.auth.handle_unauthorized(to_refresh.token_generation, to_refresh)
                    to_refresh = None
                return await self._send_once(
                    method, path, params=params, json=json, data=data, files=files,
                    rate_class=rate_class, idempotent=idempotent, authenticated=authenticated,
                )  # fmt: skip
            except TokenExpired as exc:
                if refreshed or not authenticated or self.auth is None:
                    raise
                # Refresh (single-flight across all requests of this account), then resend
                # once: Podio rejected the token before doing anything, so even a write is safe.
                refreshed = True
                to_refresh = exc
            except (ServerError, Unavailable, Offline) as exc:
                if isinstance(exc, WriteOutcomeUnknown) or not idempotent:
                    raise
                if attempt >= self.config.read_retries:
                    raise
                delay = min(self.config.retry_cap, self.config.retry_base * 2**attempt)
                delay *= 0.5 + self._jitter() / 2
                attempt += 1
                log.info(
                    "Retrying %s %s in %.2f s after %s (attempt %d of %d)",
                    method, path, delay, type(exc).__name__, attempt, self.config.read_retries,
                )  # fmt: skip
                await self._sleep(delay)

    async def _send_once(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Mapping[str, Any] | None,
        files: Mapping[str, Any] | None,
        rate_class: RateClass,
        idempotent: bool,
        authenticated: bool,
    ) -> Response:
        headers: dict[str, str] = {}
        generation = 0
        if authenticated and self.auth is not None:
            value, generation = await self.auth.authorization()
            extra = getattr(self.auth, "extra_headers", None)
            if extra is not None:
                headers.update(extra())
            headers["Authorization"] = value
        started = time.monotonic()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.attempt_deadline
        log.debug(
            "-> %s %s params=%s form=%s",
            method,
            path,
            redact_mapping(params or {}),
            _loggable_body(data, json, authenticated),
        )
        try:
            request = self._http.build_request(
                method,
                path,
                params=_query(params),
                json=json,
                data=dict(data) if data is not None else None,
                files=files,
                headers=headers,
            )
            async with asyncio.timeout_at(deadline if files is None else None):
                http_response = await self._http.send(request, stream=True)
            # `Date` is stamped when the answer starts, not when a long body has arrived.
            self._note_server_date(http_response.headers, time.monotonic())
            # Past the deadline the connection is shut: the pending read ends with an error,
            # in this task (a cancel could land between two reads; see `_read_body`).
            body = _BodyDeadline(http_response, loop, self.config)
            body.arm(deadline)
            try:
                content = await _read_body(http_response, body)
            finally:
                body.disarm()
                await http_response.aclose()
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise BadApiAddress(
                f"The API address {self.base_url!r} cannot be used ({exc}); check it.",
                method=method,
                path=path,
            ) from exc
        except (httpx.HTTPError, TimeoutError) as exc:
            elapsed = time.monotonic() - started
            if loop.time() >= deadline and not isinstance(exc, _NOT_SENT):
                what = f"no complete answer within {self.config.attempt_deadline:g} s"
            else:
                what = redact_text(f"{type(exc).__name__}: {exc}")
            log.info("%s %s failed after %.2f s: %s", method, path, elapsed, what)
            self._tell_reachability(False)
            if not idempotent and not isinstance(exc, _NOT_SENT):
                raise WriteOutcomeUnknown(method=method, path=path) from exc
            raise Offline(method=method, path=path) from exc

        status = http_response.status_code
        elapsed = time.monotonic() - started
        self._tell_reachability(True)
        limit = _int_header(http_response.headers, "X-Rate-Limit-Limit")
        remaining = _int_header(http_response.headers, "X-Rate-Limit-Remaining")
        if authenticated and limit is not None:
            self.scheduler.observe(self.rate_classes.learn(method, path, limit), limit, remaining)
        elif authenticated and status < 400:
            self.scheduler.observe_unreported(rate_class)
        log.debug(
            "<- %s %s %d in %.3f s (rate %s/%s)", method, path, status, elapsed, remaining, limit
        )
        if 300 <= status < 400:
            # Podio's API never redirects: this is another server, or the address is wrong.
            location = http_response.headers.get("Location")
            where = f" to {location}" if location else ""
            raise NotPodio(
                f"The server at {self.base_url} answered with a redirect{where}, which Podio's "
                "API never does; check the API address.",
                status=status,
                method=method,
                path=path,
            )
        if 400 <= status < 500 and status != 420 and _is_web_page(http_response.headers, content):
            # Podio's errors are JSON. (A 5xx page from a proxy in front of Podio is Podio
            # being down, not a wrong address; a 2xx page is checked where JSON is expected.)
            raise NotPodio(
                f"The server at {self.base_url} answered with a web page, not Podio's API; "
                "check the API address.",
                status=status,
                method=method,
                path=path,
            )
        if status < 400:
            return Response(status, http_response.headers, content)

        retry_after = None
        if status in (420, 429):
            retry_after = retry_after_seconds(http_response.headers.get("Retry-After"), self._now())
        error = error_from_response(
            status, content, method=method, path=path, retry_after=retry_after
        )
        log.info("%s %s -> %s", method, path, redact_text(str(error)))
        refused = getattr(self.auth, "refused", None) if authenticated else None
        if status == 401 and refused is not None and isinstance(error, AuthError):
            error = refused(error)
        if isinstance(error, TokenExpired):
            error.token_generation = generation
        raise error

    def _now(self) -> datetime:
        """The server's clock when known (a `Retry-After` date is in its time), else ours."""
        return self.server_now() or datetime.now(UTC)


def _loggable_body(data: Mapping[str, Any] | None, json: Any, authenticated: bool) -> object:
    """A form, or a token call's JSON body, with its secrets redacted; other JSON bodies
    (the user's data) are not logged."""
    if data is not None:
        return redact_mapping(data)
    if not authenticated and isinstance(json, Mapping):
        return redact_mapping(json)
    return "-"


def _is_web_page(headers: httpx.Headers, content: bytes) -> bool:
    kind = headers.get("Content-Type", "").lower()
    return "html" in kind or content[:200].lstrip().lower().startswith((b"<!doctype", b"<html"))


async def _read_body(response: httpx.Response, deadline: _BodyDeadline | None = None) -> bytes:
    """The whole body, with a turn of the event loop after each network read.

    A filter page is megabytes that arrive in 64 KB reads, often all ready at once; read in
    one go (`response.aread()`) they keep the loop, and with it the window, busy for more
    than a frame. A cancel that lands on one of those turns is held until the body is read:
    left suspended there, httpcore's stream generators would be finalised later by the garbage
    collector, in another task, where they cannot release their locks. Cancels that land on a
    network read are handled by httpcore itself, as in `aread()`.
    """
    parts: list[bytes] = []
    cancelled: asyncio.CancelledError | None = None
    async for chunk in response.aiter_bytes():
        if cancelled is not None:
            continue  # draining: a page is a few MB, and the connection stays reusable
        parts.append(chunk)
        if deadline is not None:
            deadline.received += len(chunk)
        try:
            await asyncio.sleep(0)
        except asyncio.CancelledError as error:
            cancelled = error
    if cancelled is not None:
        raise cancelled
    return b"".join(parts)


class _BodyDeadline:
    """Shuts the connection of a response whose body is not in by the attempt's deadline,
    unless it is still arriving at the configured minimum rate."""

    def __init__(
        self, response: httpx.Response, loop: asyncio.AbstractEventLoop, config: TransportConfig
    ) -> None:
        self.received = 0
        self._response = response
        self._loop = loop
        self._config = config
        self._started = loop.time()
        self._timer: asyncio.TimerHandle | None = None

    def arm(self, when: float) -> None:
        self._timer = self._loop.call_at(when, self._check)

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _check(self) -> None:
        elapsed = self._loop.time() - self._started
        if self.received >= self._config.min_body_rate * elapsed:
            self.arm(self._loop.time() + self._config.attempt_deadline)
            return
        stream = self._response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _http_date(value: str | None) -> datetime | None:
    """An HTTP `Date` header as an aware UTC datetime; None if missing or unreadable."""
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # "-0000": UTC by RFC 5322
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A `Retry-After` header in seconds from `now`: either form, delta-seconds or an HTTP
    date; None when missing or unreadable. Never negative."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    moment = _http_date(text)
    if moment is None:
        return None
    return max(0.0, (moment - now).total_seconds())


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _query(params: Mapping[str, Any] | None) -> dict[str, str | int | float] | None:
    if not params:
        return None
    query: dict[str, str | int | float] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            query[key] = "true" if value else "false"
        else:
            query[key] = value
    return query


__all__ = [
    "DEFAULT_BASE_URL",
    "AuthProvider",
    "PodioError",
    "Response",
    "Transport",
    "TransportConfig",
]
