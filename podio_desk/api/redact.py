"""Redaction for everything the api layer logs: no token or secret ever reaches a log record.

The api layer cannot import ``services`` (where the app-wide log filter lives), so it redacts
its own log lines with these helpers and also installs :class:`RedactingFilter` on its loggers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

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

REDACTED = "<redacted>"

_KEYS = "|".join(sorted(SECRET_KEYS - {"authorization"}, key=len, reverse=True))
# key=value in query strings / form bodies, and "key": "value" in JSON text.
_PAIR = re.compile(rf"(?i)\b({_KEYS})(=)([^&\s\"',;]+)")
_JSON_PAIR = re.compile(rf"(?i)(\"(?:{_KEYS})\"\s*:\s*\")([^\"]*)(\")")
# Not after "=": "token_type=bearer" names a scheme, it carries no credential.
_AUTH_HEADER = re.compile(r"(?i)(?<![=\w])(OAuth2|Bearer|Basic)\s+[A-Za-z0-9._~+/=\-]+")


def redact_text(text: str) -> str:
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = _JSON_PAIR.sub(lambda m: f"{m.group(1)}{REDACTED}{m.group(3)}", text)
    return text


def redact_mapping(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of headers / form data / query params with secret values replaced."""
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key.lower() in SECRET_KEYS:
            clean[key] = REDACTED
        elif isinstance(value, Mapping):
            clean[key] = redact_mapping(value)
        else:
            clean[key] = value
    return clean


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (with its arguments) through :func:`redact_text`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        cleaned = redact_text(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        return True


_installed: set[str] = set()


def get_logger(name: str) -> logging.Logger:
    """A logger for the api layer with the redacting filter installed once."""
    logger = logging.getLogger(name)
    if name not in _installed:
        logger.addFilter(RedactingFilter())
        _installed.add(name)
    return logger
