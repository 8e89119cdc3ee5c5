"""Keep secrets out of logs: a redaction function and a logging filter for every handler.

Podio sends tokens in `Authorization: OAuth2 <token>` headers, in OAuth form bodies and in JSON
(`access_token`, `refresh_token`); the app holds a client secret and, for the password flow, a
password. Anything shaped like those is replaced by REDACTED before a record is written.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[REDACTED]"

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
    r"""|secret|api_key|apikey|app_token|token)\b["']?\s*[:=]\s*["']?)"""
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


def redact(text: str) -> str:
    """`text` with every header credential, token, client secret and password replaced."""
    if not text:
        return text
    text = _AUTHORIZATION.sub(_keep_head, text)
    text = _SECRET_FIELD.sub(_keep_head, text)
    text = _OAUTH_CODE.sub(_keep_head, text)
    return _SCHEME_CREDENTIAL.sub(_keep_head, text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message and traceback text through `redact`.

    Attach it to handlers, not loggers: a logger's filters do not see records that propagate
    up from child loggers (httpx, httpcore, our api modules), a handler's filters see all.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken %-format must not hide the record, nor leak its args
            message = f"{record.msg!s} (unformattable arguments dropped)"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_redaction(handler: logging.Handler) -> logging.Handler:
    """Add a RedactingFilter to `handler` once; returns the handler for chaining."""
    if not any(isinstance(existing, RedactingFilter) for existing in handler.filters):
        handler.addFilter(RedactingFilter())
    return handler
