"""Keep secrets out of logs: the one redaction used by the api layer and by the app's handlers.

Podio sends tokens in `Authorization: OAuth2 <token>` headers, in OAuth form bodies and in JSON
(`access_token`, `refresh_token`); the app holds a client secret and, for the password flow, a
password. Every value this run knows to be secret (`domain.redaction.remember_secret`) is
replaced wherever it appears, whatever logger printed it; anything shaped like a secret (a
secret-named key, an Authorization header, a token in a URL) is replaced too. It lives in api/
because that is where secrets travel and the lowest layer that logs them; the app's handlers
get it through `podio_desk.services.logredact`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from podio_desk.domain.redaction import REDACTED as REDACTED
from podio_desk.domain.redaction import is_secret_key, redact_known_secrets

SECRET_KEYS = frozenset(
    {
        "authorization",
        "access_token",
        "refresh_token",
        "client_secret",
        "password",
        "app_token",
        "code",
        "token",
        "oauth_token",
        "transfer_token",
    }
)

# A record longer than this is cut (a page of items has no place in a log line); tracebacks
# get more room, they are read whole.
MAX_MESSAGE_CHARS = 2_000
MAX_TRACEBACK_CHARS = 20_000
# Redaction looks this far past the cut, so that a secret straddling it is caught whole.
_CUT_MARGIN = 4_096

# `Authorization: OAuth2 abc`, `'authorization': 'Bearer abc'`, `authorization=abc`.
_AUTHORIZATION = re.compile(
    r"""(?P<head>authorization["']?\s*[:=]\s*["']?(?:(?:bearer|oauth2|basic|token)\s+)?+)"""
    r"""(?P<value>(?!\[REDACTED\])[^\s"',;}\]]+)""",
    re.IGNORECASE,
)
# A bare scheme + credential anywhere else in the text (a header printed without its name).
_SCHEME_CREDENTIAL = re.compile(
    r"(?P<head>(?<![=\w])(?:bearer|oauth2)\s+)(?P<value>(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{8,})",
    re.IGNORECASE,
)
# key=value / "key": "value" / 'key': 'value' for any key ending in a secret-ish word; a key
# such as token_type or expires_in is not a secret and stays readable.
_SECRET_FIELD = re.compile(
    r"""(?P<head>["']?\b[\w-]*(?:access_token|refresh_token|client_secret|password|passwd"""
    r"""|secret|api_key|api-key|apikey|app_token|token)\b["']?\s*[:=]\s*["']?)"""
    r"""(?P<value>(?!\[REDACTED\])[^\s"'&,;}\]]+)""",
    re.IGNORECASE,
)

# An OAuth authorization code (`code=...` in the redirect URL or the token request body); the
# exact key only, so that status_code=500 and error_code stay readable.
_OAUTH_CODE = re.compile(
    r"""(?P<head>(?<![\w-])["']?code["']?\s*[:=]\s*["']?)"""
    r"""(?P<value>(?!\[REDACTED\])[^\s"'&,;}\]]+)""",
    re.IGNORECASE,
)


def _keep_head(match: re.Match[str]) -> str:
    return match.group("head") + REDACTED


def redact_text(text: str) -> str:
    """`text` with every header credential, token, client secret and password replaced."""
    if not text:
        return text
    text = _AUTHORIZATION.sub(_keep_head, text)
    text = _SECRET_FIELD.sub(_keep_head, text)
    text = _OAUTH_CODE.sub(_keep_head, text)
    text = _SCHEME_CREDENTIAL.sub(_keep_head, text)
    # Known values last: the shapes above take a whole value, even one that merely starts
    # with a shorter known secret.
    return redact_known_secrets(text)


def redact_and_cut(text: str, limit: int) -> str:
    """`redact_text(text)`, cut to `limit` characters with a note of how much was cut."""
    if len(text) <= limit:
        return redact_text(text)
    cut = len(text) - limit
    return redact_text(text[: limit + _CUT_MARGIN])[:limit] + f"… ({cut} chars cut)"


_DONE = "podio_desk_redacted"


class RedactingFilter(logging.Filter):
    """Rewrites each record's message and traceback text through `redact_text`, and cuts
    overlong ones (MAX_MESSAGE_CHARS, MAX_TRACEBACK_CHARS).

    Attach it to handlers, not loggers: a logger's filters do not see records that propagate
    up from child loggers (httpx, httpcore, asyncio, our api modules), a handler's filters see
    all, whatever their logger and level.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        # Each handler (and an api logger) has this filter: rewrite a record once, so that a
        # cut message is not cut again.
        if getattr(record, _DONE, False):
            return True
        setattr(record, _DONE, True)
        try:
            message = record.getMessage()
        except Exception:  # a broken %-format must not hide the record, nor leak its args
            message = f"{record.msg!s} (unformattable arguments dropped)"
        record.msg = redact_and_cut(message, MAX_MESSAGE_CHARS)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_and_cut(record.exc_text, MAX_TRACEBACK_CHARS)
        if record.stack_info:
            record.stack_info = redact_and_cut(record.stack_info, MAX_TRACEBACK_CHARS)
        return True


def install_redaction(handler: logging.Handler) -> logging.Handler:
    """Add a RedactingFilter to `handler` once; returns the handler for chaining."""
    if not any(isinstance(existing, RedactingFilter) for existing in handler.filters):
        handler.addFilter(RedactingFilter())
    return handler


def redact_mapping(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of headers / form data / query params with secret values replaced."""
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key.lower() in SECRET_KEYS or is_secret_key(key):
            clean[key] = REDACTED
        elif isinstance(value, Mapping):
            clean[key] = redact_mapping(value)
        else:
            clean[key] = value
    return clean


_installed: set[str] = set()


def get_logger(name: str) -> logging.Logger:
    """A logger for the api layer with the redacting filter installed once."""
    logger = logging.getLogger(name)
    if name not in _installed:
        logger.addFilter(RedactingFilter())
        _installed.add(name)
    return logger
