"""What counts as a secret, and payloads and text with the secrets taken out.

One definition for every place that writes something down: the cache strips payloads before it
stores them (`strip_secrets`), the log handlers redact each record (`api.redact`, which adds
the header and form shapes). Secrets are recognised three ways:

- by key: any key whose name contains token, secret, password, api_key or authorization
  (an app's `token`, `access_token`, `client_secret`, …), case-insensitive;
- in links Podio made (a file's `link`, an embed's `url`): query parameters named like that
  (`?token=…`, `&access_token=…`, `oauth_token`); text a user typed is left as typed;
- by value: the secrets this process knows (client secret, passwords, tokens, app tokens),
  registered with `remember_secret` when they are read from the keyring or typed, so that a
  secret printed under any name, or none, is still caught.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import quote, quote_plus

REDACTED = "[REDACTED]"

SECRET_KEY = re.compile(r"token|secret|passw(?:or)?d|api[_-]?key|authorization", re.IGNORECASE)

# `?token=abc`, `&access_token=abc`, `;oauth_token=abc` in a URL or a form body.
_URL_SECRET = re.compile(
    r"(?P<sep>[?&;])(?P<key>[\w.-]*(?:token|secret|passw(?:or)?d|api[_-]?key)[\w.-]*)="
    r"(?P<value>[^&#\s\"'<>]*)",
    re.IGNORECASE,
)

# The keys whose values are links Podio made (a file's `link`, an embed's `url`): their
# secret query parameters go. What a user typed (a text field's `value`) is kept as typed, so
# that saving an item never writes back a link the cache changed.
_LINK_KEY = re.compile(r"link|url|href|src|html", re.IGNORECASE)

# Any of these in a payload's lower-cased JSON text means it may hold a secret and is walked
# (plain substring tests: a case-insensitive regex is many times slower on long payloads).
_SUSPECT_WORDS = ("token", "secret", "passw", "api_key", "api-key", "apikey", "authorization")

# Shorter values are not treated as known secrets: redacting every "1234" would blank out
# ids and counts while protecting nothing a guess would not find.
MIN_SECRET_LENGTH = 6

_T = TypeVar("_T")


def is_secret_key(key: object) -> bool:
    return isinstance(key, str) and SECRET_KEY.search(key) is not None


def strip_url_secrets(text: str) -> str:
    """`text` without the secret-named query parameters of any URL in it."""
    if "=" not in text:
        return text

    def drop(match: re.Match[str]) -> str:
        # Keep the `?` when the first parameter goes, so that `?a=1` still follows the path.
        return "?" if match.group("sep") == "?" else ""

    stripped = _URL_SECRET.sub(drop, text)
    if stripped == text:
        return text
    return stripped.replace("?&", "?").replace("?#", "#").rstrip("?")


def strip_secrets(payload: _T) -> _T:
    """A copy of a JSON-like payload without secrets: secret-named keys are dropped, links
    (values of keys such as `link`, `url`, `thumbnail_link`; or `payload` itself if it is a
    string) lose their secret query parameters, known secret values are replaced. Parts that
    hold no secret are returned as they are (not copied)."""
    return _strip(payload, _known.pattern)  # type: ignore[no-any-return]


def json_without_secrets(payload: Any) -> str:
    """`payload` as compact JSON, secrets stripped (`strip_secrets`). Most payloads hold no
    secret-like word at all: those are serialised once and not walked."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    if not may_hold_secrets(text):
        return text
    return json.dumps(strip_secrets(payload), separators=(",", ":"), ensure_ascii=False)


def may_hold_secrets(text: str) -> bool:
    """Whether `text` has a secret-like word or a known secret value in it (cheap)."""
    lowered = text.lower()
    return any(word in lowered for word in _SUSPECT_WORDS) or _known.found_in(text)


def _strip(value: Any, known: re.Pattern[str] | None, *, is_link: bool = True) -> Any:
    if isinstance(value, str):
        if known is not None:
            value = known.sub(REDACTED, value)
        return strip_url_secrets(value) if is_link else value
    if isinstance(value, Mapping):
        clean: dict[Any, Any] | None = None
        for key, item in value.items():
            if is_secret_key(key):
                if clean is None:
                    clean = _copy_before(value, key)
                continue
            link = isinstance(key, str) and _LINK_KEY.search(key) is not None
            stripped = _strip(item, known, is_link=link)
            if clean is None and stripped is not item:
                clean = _copy_before(value, key)
            if clean is not None:
                clean[key] = stripped
        return value if clean is None else clean
    if isinstance(value, list | tuple):
        items = [_strip(item, known, is_link=is_link) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return items
    return value


def _copy_before(mapping: Mapping[Any, Any], stop: Any) -> dict[Any, Any]:
    """The entries of `mapping` that come before the key `stop`."""
    copied: dict[Any, Any] = {}
    for key, item in mapping.items():
        if key == stop:
            break
        copied[key] = item
    return copied


class KnownSecrets:
    """The secret values of this run, matched as plain text (longest first).

    Added to from the event loop and from keyring worker threads at once: values are appended
    to a list (one atomic step), and whoever rebuilds the pattern checks afterwards that no value
    came meanwhile, so no secret is ever left out of the pattern a log handler uses."""

    def __init__(self) -> None:
        self._added: list[str] = []
        self._values: frozenset[str] = frozenset()
        self.pattern: re.Pattern[str] | None = None

    def add(self, value: object) -> None:
        if not isinstance(value, str) or len(value.strip()) < MIN_SECRET_LENGTH:
            return
        # The forms a value takes on the wire: as is, in a form body, in a URL path, in JSON.
        in_json = json.dumps(value, ensure_ascii=False)[1:-1]
        forms = {value, quote_plus(value), quote(value, safe=""), in_json} - self._values
        if not forms:
            return
        self._added.extend(forms)
        self._rebuild()

    def _rebuild(self) -> None:
        while True:
            seen = len(self._added)
            values = frozenset(self._added[:seen])
            alternatives = sorted(values, key=len, reverse=True)
            # Replaced, never mutated: a log handler on another thread reads the old one whole.
            self.pattern = re.compile("|".join(re.escape(v) for v in alternatives))
            self._values = values
            if len(self._added) == seen:
                return

    def found_in(self, text: str) -> bool:
        # Substring tests, not the pattern: much faster on a long text that holds none.
        return any(value in text for value in self._values)

    def redact(self, text: str) -> str:
        pattern = self.pattern
        return text if pattern is None or not text else pattern.sub(REDACTED, text)

    def clear(self) -> None:
        self._added = []
        self._values = frozenset()
        self.pattern = None


_known = KnownSecrets()


def remember_secret(*values: object) -> None:
    """Register secret values of this run (from the keyring, a prompt, a command line, a token
    answer) so that every later log record, of any logger, has them redacted."""
    for value in values:
        _known.add(value)


def redact_known_secrets(text: str) -> str:
    """`text` with every registered secret value replaced by REDACTED."""
    return _known.redact(text)


def forget_known_secrets() -> None:
    """Drop every registered value (the tests start each case from none)."""
    _known.clear()
