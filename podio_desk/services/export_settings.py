"""What the window's settings say about an export, read without Qt (for the command line).

The window keeps its settings in the profile's `settings.ini`, written by QSettings in its INI
format (ui/settings.py): a key "a/b/c" is stored as `c` under `b\\` in section `[a]`, strings
with special characters are quoted with C-style escapes, other characters in keys are
percent-encoded. `read_settings` reads that format back as a flat {key: text} mapping; values
that are not strings (Qt's `@Variant(...)`, string lists) are left out.

Two entries matter to an export: the table's layout of an app (`tables/<app_id>`: JSON with
the columns' `order` and `hidden` keys, ui/view_state.py) and the account's Podio time zone
the window learnt from `GET /user/` (`dates/podio_time_zone/<account_key>`, ui/time_zone.py).
A missing, unreadable or broken settings file reads as empty: never fatal.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

TABLES_KEY = "tables"
PODIO_ZONE_KEY = "dates/podio_time_zone"

_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "'": "'",
    '"': '"',
    "?": "?",
    "\\": "\\",
}
_PERCENT = re.compile(r"%U([0-9A-Fa-f]{4})|%([0-9A-Fa-f]{2})")
_HEX = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True)
class SavedLayout:
    """An app's table columns as the window last left them (table column keys)."""

    order: tuple[str, ...]
    hidden: tuple[str, ...]


def read_settings(path: Path) -> dict[str, str]:
    """The string values of a QSettings INI file, by their full key ("tables/123")."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    values: dict[str, str] = {}
    section = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = _unescape_key(line[1:-1])
            section = "" if section.casefold() == "general" else section
            continue
        key, sep, raw = line.partition("=")
        if not sep:
            continue
        value = _unescape_value(raw.strip())
        if value is None:
            continue
        name = _unescape_key(key.strip()).replace("\\", "/")
        values[f"{section}/{name}" if section else name] = value
    return values


def saved_layout(settings: dict[str, str], app_id: int) -> SavedLayout | None:
    """The app's saved table layout (None: never saved, or unreadable)."""
    text = settings.get(f"{TABLES_KEY}/{app_id}")
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        log.warning("Ignoring an unreadable table layout in the settings")
        return None
    if not isinstance(data, dict):
        return None

    def keys(name: str) -> tuple[str, ...]:
        found = data.get(name)
        if not isinstance(found, list):
            return ()
        return tuple(str(key) for key in found if isinstance(key, (str, int)))

    return SavedLayout(keys("order"), keys("hidden"))


def saved_podio_zone(settings: dict[str, str], account_key: str) -> str:
    """The account's Podio time zone as the window last learnt it ("" if never)."""
    return settings.get(f"{PODIO_ZONE_KEY}/{account_key}", "").strip()


def _unescape_key(text: str) -> str:
    def decode(match: re.Match[str]) -> str:
        return chr(int(match.group(1) or match.group(2), 16))

    return _PERCENT.sub(decode, text)


def _unescape_value(text: str) -> str | None:
    """One INI value as QSettings writes a string; None for a list or a typed value."""
    unescaped = _unquoted(text)
    if unescaped is None or not unescaped.startswith("@"):
        return unescaped
    # As QSettings reads it: "@@" starts a string that began with "@", "@String(...)" is a
    # string; any other "@Type(...)" is a typed value (a byte array, a variant).
    if unescaped.startswith("@@"):
        return unescaped[1:]
    if unescaped.startswith("@String(") and unescaped.endswith(")"):
        return unescaped[len("@String(") : -1]
    return None


def _unquoted(text: str) -> str | None:
    """The text of a value with its quotes and C-style escapes resolved; None for a list."""
    out: list[str] = []
    quoted = False
    position = 0
    while position < len(text):
        char = text[position]
        position += 1
        if char == '"':
            quoted = not quoted
        elif char == "\\" and position < len(text):
            escaped = text[position]
            position += 1
            if escaped in _SIMPLE_ESCAPES:
                out.append(_SIMPLE_ESCAPES[escaped])
            elif escaped == "x":
                digits = ""
                while position < len(text) and text[position] in _HEX and len(digits) < 4:
                    digits += text[position]
                    position += 1
                if digits:
                    out.append(chr(int(digits, 16)))
            elif escaped in "01234567":
                digits = escaped
                while position < len(text) and text[position] in "01234567" and len(digits) < 3:
                    digits += text[position]
                    position += 1
                out.append(chr(int(digits, 8)))
            else:
                out.append(escaped)
        elif char == "," and not quoted:
            return None  # a string list
        else:
            out.append(char)
    return "".join(out)
