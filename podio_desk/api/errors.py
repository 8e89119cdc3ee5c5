# ruff: noqa: N818  (names follow the HTTP vocabulary the rest of the app uses: NotFound, Gone, ...)
"""One typed hierarchy for everything that can go wrong talking to Podio.

The API facts: docs/podio-api.md, Errors.

Errors are built from the HTTP status plus Podio's flat error body
(``error``, ``error_description``, ``error_detail``, ``error_parameters``, ``error_propagate``,
``request``). A broken or missing body still maps by status alone. Every error carries a
``user_message`` that is safe to show: Podio's own ``error_description`` when it flags it
as user-facing (``error_propagate``), otherwise a plain sentence of ours.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

_WAIT_HINT = re.compile(r"wait\s+(\d+)\s+seconds?", re.IGNORECASE)


@dataclass(frozen=True)
class ErrorBody:
    """Podio's error body, tolerant of missing keys and non-JSON bodies."""

    error: str = ""
    error_description: str = ""
    error_detail: str | None = None
    error_parameters: dict[str, Any] = field(default_factory=dict)
    error_propagate: bool = False
    request: dict[str, Any] = field(default_factory=dict)
    raw_text: str = ""

    @classmethod
    def parse(cls, content: bytes | str | None) -> ErrorBody:
        if content is None:
            return cls()
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError:
            return cls(raw_text=text[:500])
        if not isinstance(data, dict):
            return cls(raw_text=text[:500])
        params = data.get("error_parameters")
        if not isinstance(params, dict):
            params = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
        request = data.get("request")
        detail = data.get("error_detail")
        return cls(
            error=str(data.get("error") or ""),
            error_description=str(data.get("error_description") or ""),
            error_detail=str(detail) if detail is not None else None,
            error_parameters=dict(params or {}),
            error_propagate=bool(data.get("error_propagate", False)),
            request=dict(request) if isinstance(request, dict) else {},
            raw_text="",
        )


class PodioError(Exception):
    """Base of every error raised by ``podio_desk.api``."""

    default_message: ClassVar[str] = (
        "Podio could not complete the request; try again, or check the API address."
    )

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        body: ErrorBody | None = None,
        method: str = "",
        path: str = "",
    ) -> None:
        self.status = status
        self.body = body if body is not None else ErrorBody()
        self.method = method
        self.path = path
        self.user_message = message or self._user_message()
        super().__init__(self._technical())

    @property
    def error(self) -> str:
        return self.body.error

    @property
    def error_description(self) -> str:
        return self.body.error_description

    @property
    def error_detail(self) -> str | None:
        return self.body.error_detail

    def _user_message(self) -> str:
        if self.body.error_propagate and self.body.error_description:
            return self.body.error_description
        return self.default_message

    def _technical(self) -> str:
        parts = [self.user_message]
        where = f"{self.method} {self.path}".strip()
        if self.status is not None or where:
            parts.append(f"[{self.status if self.status is not None else '-'} {where}]".strip())
        if self.body.error:
            code = self.body.error
            if self.body.error_description and self.body.error_description != self.user_message:
                code += f": {self.body.error_description}"
            if self.body.error_detail:
                code += f" ({self.body.error_detail})"
            parts.append(code)
        return " ".join(parts)


class BadRequest(PodioError):
    default_message = "Podio rejected the request as invalid."


class InvalidGrant(BadRequest):
    """The credentials or refresh token were refused at the token endpoint."""

    default_message = "Podio refused the sign-in. Please sign in again."


class InvalidClient(BadRequest):
    default_message = "Podio does not recognise this API key (client id or secret)."


class AuthError(PodioError):
    default_message = "Podio did not accept the sign-in for this request."


class TokenExpired(AuthError):
    """401 with ``expired_token`` / ``invalid_token``: a refresh may fix it."""

    default_message = "The Podio session expired."
    # Which token generation was rejected, so a refresh happens once per generation.
    token_generation: int = 0


class GatewayKeyRefused(AuthError):
    """401 through an API gateway: the gateway refused its API key. Signing in to Podio again
    cannot help; the key (or the gateway's connection to Podio) has to be fixed."""

    default_message = (
        "The API gateway refused the account's API key; check the key (and any extra "
        "headers) in the account's settings."
    )


class SignInRequired(AuthError):
    """No usable token and no way to refresh: the user must sign in again."""

    default_message = "Your Podio session has ended. Please sign in again."


class Forbidden(PodioError):
    default_message = "You do not have permission to do this in Podio."


class NotFound(PodioError):
    default_message = "Podio could not find this object."


class Conflict(PodioError):
    """409: usually an item revision mismatch (someone else edited it)."""

    default_message = "Someone else changed this item in the meantime."


class Gone(PodioError):
    default_message = "This object was deleted in Podio."


class RateLimited(PodioError):
    """420 (Podio) or 429 (a gateway): a rate limit. ``wait_seconds`` is how long the server
    asked to wait: its ``Retry-After`` header when it sent one, else the "Please wait N
    seconds" of the body, else None (docs/podio-api.md, Rate limits)."""

    default_message = "Podio's rate limit was reached; requests are paused."

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = 420,
        body: ErrorBody | None = None,
        method: str = "",
        path: str = "",
        retry_after: float | None = None,
    ) -> None:
        body = body if body is not None else ErrorBody()
        self.retry_after = retry_after
        hint = parse_wait_seconds(body.error_description or body.raw_text)
        self.wait_seconds = retry_after if retry_after is not None else hint
        super().__init__(message, status=status, body=body, method=method, path=path)


class RateLimitPaused(PodioError):
    """The same request was refused for the rate limit too many times in a row: the job
    stops here (what it did is kept) instead of waiting without end."""

    default_message = (
        "The rate limit kept refusing requests, so the job was paused; try again later."
    )

    def __init__(self, waits: int, *, method: str = "", path: str = "") -> None:
        self.waits = waits
        super().__init__(
            f'The server kept answering "rate limit" ({waits} waits in a row), so the job '
            "was paused; what was done is kept. Try again later.",
            status=None,
            method=method,
            path=path,
        )


class ServerError(PodioError):
    default_message = "Podio had an internal error; try again in a few minutes."


class Unavailable(PodioError):
    default_message = "Podio is temporarily unavailable; try again in a few minutes."


class UnexpectedResponse(PodioError):
    """Podio answered 2xx but with a body we cannot read."""

    default_message = (
        "Podio sent an answer Podio Desk could not understand; try again, or check the API address."
    )


class Offline(PodioError):
    """No HTTP response at all: connection refused, DNS, timeout, dropped connection."""

    default_message = "Podio cannot be reached. Check the network connection."


class WriteOutcomeUnknown(Offline):
    """A write was sent but no response came back: it may or may not have been applied.

    Writes are never re-sent blindly; callers check the object's state first
    (see ``PodioClient.update_item_safely``).
    """

    default_message = "The connection dropped while saving; checking whether the change arrived."


def parse_wait_seconds(text: str) -> float | None:
    match = _WAIT_HINT.search(text or "")
    return float(match.group(1)) if match else None


_BY_STATUS: dict[int, type[PodioError]] = {
    400: BadRequest,
    401: AuthError,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    420: RateLimited,
    429: RateLimited,  # never documented for Podio, but mean the same if it ever appears
    500: ServerError,
    502: Unavailable,
    503: Unavailable,
    504: Unavailable,
}


def error_class_for(status: int, body: ErrorBody) -> type[PodioError]:
    if status == 400:
        if body.error == "invalid_grant":
            return InvalidGrant
        if body.error == "invalid_client":
            return InvalidClient
        return BadRequest
    if status == 401:
        if body.error_description in ("expired_token", "invalid_token") or body.error in (
            "invalid_token",
            "expired_token",
        ):
            return TokenExpired
        return AuthError
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if 500 <= status < 600:
        return ServerError
    return PodioError


def error_from_response(
    status: int,
    content: bytes | str | None,
    *,
    method: str = "",
    path: str = "",
    retry_after: float | None = None,
) -> PodioError:
    """Build the typed error for a non-2xx response (``retry_after``: the seconds of its
    ``Retry-After`` header, read by the transport)."""
    body = ErrorBody.parse(content)
    cls = error_class_for(status, body)
    if cls is RateLimited:
        return RateLimited(
            status=status, body=body, method=method, path=path, retry_after=retry_after
        )
    return cls(status=status, body=body, method=method, path=path)


class Misconfigured(PodioError):
    """The address, or the server at it, is not Podio's API: a setting to fix, not a network
    problem (never reported as offline, never retried)."""

    default_message = "The API address does not lead to Podio's API; check the address."


class BadApiAddress(Misconfigured):
    """The API address itself is unusable (empty, not https, a bad port, …)."""


class NotPodio(Misconfigured):
    """The server answered, but not as Podio does: a redirect, a web page, foreign JSON."""
