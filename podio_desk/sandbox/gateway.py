"""Gateway mode: the sandbox behind an API gateway, as people reach Podio through one.

Modelled on the gateways the project documents (docs/podio-api.md, Gateways): Podio's paths
under a prefix (`/podio/org/`), a static API key as `Authorization: Bearer <key>`, optional
headers the gateway requires (a connection id), no `X-Rate-Limit-*` headers in the answers, and
the gateway's own rate limit answered with 429 and `Retry-After` (seconds). Behind it, the
gateway calls the sandbox as its primary user with a token of its own, renewed when it expires.

Paths under `/_sandbox/` are not behind the gateway: tests control the sandbox as ever.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from podio_desk.sandbox.control import Control, LoggedRequest
from podio_desk.sandbox.state import State

GATEWAY_PREFIX = "/podio"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class GatewayConfig:
    api_key: str
    # Headers every request must carry, name -> value (e.g. a connection id).
    required_headers: Mapping[str, str] = field(default_factory=dict)
    # The gateway's own budget: `limit` calls per `window` seconds, counted per API key.
    limit: int = 1000
    window: float = 3600.0
    prefix: str = GATEWAY_PREFIX


class GatewayApp:
    """WSGI middleware in front of the sandbox's application."""

    def __init__(
        self, inner: WsgiApp, config: GatewayConfig, state: State, control: Control, client_id: str
    ) -> None:
        self.inner = inner
        self.config = config
        self._state = state
        self._control = control
        self._client_id = client_id
        self._lock = threading.Lock()
        self._token: str | None = None
        self._window_start: float | None = None
        self._used = 0

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "")
        if path.startswith("/_sandbox/"):
            return self.inner(environ, start_response)
        method = str(environ.get("REQUEST_METHOD") or "GET")
        query = str(environ.get("QUERY_STRING") or "")
        prefix = self.config.prefix.rstrip("/")
        if not path.startswith(prefix + "/"):
            return self._answer(start_response, method, path, query, 404, "not_found", "No route")
        inner_path = path[len(prefix) :]
        if environ.get("HTTP_AUTHORIZATION") != f"Bearer {self.config.api_key}":
            return self._answer(
                start_response, method, path, query, 401, "unauthorized", "Invalid API key"
            )
        for name, value in self.config.required_headers.items():
            if environ.get("HTTP_" + name.upper().replace("-", "_")) != value:
                return self._answer(
                    start_response, method, path, query, 400, "bad_request", f"{name} is required"
                )
        wait = self._spend()
        if wait is not None:
            return self._answer(
                start_response,
                method,
                path,
                query,
                429,
                "rate_limited",
                "Too many requests",
                {"Retry-After": str(wait)},
            )
        forwarded = dict(environ)
        forwarded["PATH_INFO"] = inner_path
        if inner_path.startswith("/oauth/token"):
            forwarded.pop("HTTP_AUTHORIZATION", None)
        else:
            forwarded["HTTP_AUTHORIZATION"] = f"OAuth2 {self._podio_token()}"
        return self.inner(forwarded, _without_rate_headers(start_response))

    def _spend(self) -> int | None:
        """Count one call; the whole seconds to wait when the budget is spent, else None."""
        now = self._control.now()
        with self._lock:
            if self._window_start is None or now >= self._window_start + self.config.window:
                self._window_start = now
                self._used = 0
            if self._used >= self.config.limit:
                return max(1, math.ceil(self._window_start + self.config.window - now))
            self._used += 1
            return None

    def _podio_token(self) -> str:
        """The gateway's own sign-in to the sandbox, as its primary user."""
        with self._state.lock:
            if self._token is None or self._state.token(self._token) is None:
                issued = self._state.issue_token(
                    "user", self._state.primary_user_id, self._client_id, None
                )
                self._token = str(issued["access_token"])
            return self._token

    def _answer(
        self,
        start_response: StartResponse,
        method: str,
        path: str,
        query: str,
        status: int,
        error: str,
        description: str,
        headers: Mapping[str, str] | None = None,
    ) -> Iterable[bytes]:
        """The gateway's own answer (its error shape, not Podio's), logged like the API's."""
        self._control.record(LoggedRequest(method, path, query, status, None, ""))
        payload = json.dumps({"error": error, "error_description": description}).encode()
        reason = {401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests"}.get(
            status, "Bad Request"
        )
        start_response(
            f"{status} {reason}",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(payload))),
                *(headers or {}).items(),
            ],
        )
        return [payload]


def _without_rate_headers(start_response: StartResponse) -> StartResponse:
    def start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
        kept = [(name, value) for name, value in headers if not _is_rate_header(name)]
        return start_response(status, kept, *args)

    return start


def _is_rate_header(name: str) -> bool:
    return name.lower().startswith("x-rate-limit-")
