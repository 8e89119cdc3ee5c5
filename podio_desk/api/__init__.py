"""api layer of Podio Desk (see DESIGN.md): httpx + domain only, no Qt.

The main names are re-exported here: ``PodioClient`` (one per account), the auth session and
grants, the rate-limit scheduler and its events, and the error hierarchy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from podio_desk.domain.lazy import lazy_exports

if TYPE_CHECKING:
    from podio_desk.api.auth import (
        APP_AUTH_LABEL,
        AuthMode,
        BrowserSignInDenied,
        BrowserSignInError,
        BrowserSignInTimeout,
        ClientCredentials,
        OAuth,
        Session,
        SessionState,
        SessionStateChanged,
        Token,
        TokenChanged,
    )
    from podio_desk.api.client import (
        MAX_FILTER_LIMIT,
        BulkDeleteResult,
        Embed,
        PodioClient,
        ReferenceCandidate,
        SearchHit,
        UpdateOutcome,
    )
    from podio_desk.api.errors import (
        AuthError,
        BadRequest,
        Conflict,
        Forbidden,
        Gone,
        InvalidClient,
        InvalidGrant,
        NotFound,
        Offline,
        PodioError,
        RateLimited,
        ServerError,
        SignInRequired,
        TokenExpired,
        Unavailable,
        UnexpectedResponse,
        WriteOutcomeUnknown,
    )
    from podio_desk.api.events import EventHub
    from podio_desk.api.ratelimit import (
        Priority,
        QueueChanged,
        RateClass,
        RateLimitScheduler,
        RateLimitWait,
        RateLimitWaitEnded,
        RateStateChanged,
    )
    from podio_desk.api.transport import DEFAULT_BASE_URL, Transport, TransportConfig

__all__ = [
    "APP_AUTH_LABEL",
    "DEFAULT_BASE_URL",
    "MAX_FILTER_LIMIT",
    "AuthError",
    "AuthMode",
    "BadRequest",
    "BrowserSignInDenied",
    "BrowserSignInError",
    "BrowserSignInTimeout",
    "BulkDeleteResult",
    "ClientCredentials",
    "Conflict",
    "Embed",
    "EventHub",
    "Forbidden",
    "Gone",
    "InvalidClient",
    "InvalidGrant",
    "NotFound",
    "OAuth",
    "Offline",
    "PodioClient",
    "PodioError",
    "Priority",
    "QueueChanged",
    "RateClass",
    "RateLimitScheduler",
    "RateLimitWait",
    "RateLimitWaitEnded",
    "RateLimited",
    "RateStateChanged",
    "ReferenceCandidate",
    "SearchHit",
    "ServerError",
    "Session",
    "SessionState",
    "SessionStateChanged",
    "SignInRequired",
    "Token",
    "TokenChanged",
    "TokenExpired",
    "Transport",
    "TransportConfig",
    "Unavailable",
    "UnexpectedResponse",
    "UpdateOutcome",
    "WriteOutcomeUnknown",
]

# Which module defines each public name: the names load on first use (PEP 562), so that
# importing one module of the package (e.g. at start-up) does not import all of them.
_SOURCES: dict[str, str] = {
    "APP_AUTH_LABEL": "auth",
    "AuthMode": "auth",
    "BrowserSignInDenied": "auth",
    "BrowserSignInError": "auth",
    "BrowserSignInTimeout": "auth",
    "ClientCredentials": "auth",
    "OAuth": "auth",
    "Session": "auth",
    "SessionState": "auth",
    "SessionStateChanged": "auth",
    "Token": "auth",
    "TokenChanged": "auth",
    "MAX_FILTER_LIMIT": "client",
    "BulkDeleteResult": "client",
    "Embed": "client",
    "PodioClient": "client",
    "ReferenceCandidate": "client",
    "SearchHit": "client",
    "UpdateOutcome": "client",
    "AuthError": "errors",
    "BadRequest": "errors",
    "Conflict": "errors",
    "Forbidden": "errors",
    "Gone": "errors",
    "InvalidClient": "errors",
    "InvalidGrant": "errors",
    "NotFound": "errors",
    "Offline": "errors",
    "PodioError": "errors",
    "RateLimited": "errors",
    "ServerError": "errors",
    "SignInRequired": "errors",
    "TokenExpired": "errors",
    "Unavailable": "errors",
    "UnexpectedResponse": "errors",
    "WriteOutcomeUnknown": "errors",
    "EventHub": "events",
    "Priority": "ratelimit",
    "QueueChanged": "ratelimit",
    "RateClass": "ratelimit",
    "RateLimitScheduler": "ratelimit",
    "RateLimitWait": "ratelimit",
    "RateLimitWaitEnded": "ratelimit",
    "RateStateChanged": "ratelimit",
    "DEFAULT_BASE_URL": "transport",
    "Transport": "transport",
    "TransportConfig": "transport",
}


__getattr__, __dir__ = lazy_exports(__name__, _SOURCES, __all__)
