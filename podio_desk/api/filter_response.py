"""The one reader of Podio's filter answer (`POST /item/app/{app_id}/filter/`).

The answer is `{"total": n, "filtered": m, "items": [...]}` (see `docs/podio-api.md`, Filter
request and response). A page of 500 items is megabytes of JSON; `json.loads` of it is one C
call that holds the GIL for its whole length, so the items are decoded one at a time
(`raw_decode`), and a thread running this hands the interpreter back between items. Every
caller uses this function: the client's `filter_items`, the item table's page reader and the
sync.

One item that cannot be read fully never costs the page: it is kept as far as it reads, with
its problems in `Item.problems` (text with broken characters is repaired, nesting deeper than
`MAX_DEPTH` is cut). Only an item without a usable item_id is left out, and counted in
`ItemPage.skipped` together with repeats of an item already in the page.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from podio_desk.api.errors import UnexpectedResponse
from podio_desk.domain.errors import DomainError, MalformedValueError
from podio_desk.domain.items import Item, ItemPage, item_id_of
from podio_desk.domain.workspace import App

_SPACE = frozenset(" \t\r\n")
# Podio's items nest a few levels (item, field, value, file, …); deeper is not an item.
MAX_DEPTH = 64
# A \uD800-\uDFFF escape: valid pairs decode to one character, a lone half stays a surrogate.
_BROKEN_TEXT = "text with a broken character (a lone UTF-16 surrogate) was repaired"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


def parse_filter_response(
    content: bytes | str, offset: int, *, app: App | None = None, app_id: int | None = None
) -> ItemPage:
    """The page in `content`; `UnexpectedResponse` if it is not a filter answer."""
    try:
        return _parse(content, offset, app, app_id)
    except (DomainError, KeyError, TypeError, ValueError) as error:
        raise UnexpectedResponse(f"Podio sent an unreadable page of items: {error}") from error


def _parse(content: bytes | str, offset: int, app: App | None, app_id: int | None) -> ItemPage:
    # Bytes that are not UTF-8 become U+FFFD: one bad character must not cost the page.
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
    decoder = json.JSONDecoder()
    position = _skip(text, 0)
    if text[position : position + 1] != "{":
        raise MalformedValueError("Filter result: the answer is not a JSON object")
    position = _skip(text, position + 1)
    top: dict[str, Any] = {}
    items: list[Item] = []
    seen: set[int] = set()
    skipped = 0
    while text[position : position + 1] != "}":
        key, position = decoder.raw_decode(text, position)
        position = _skip(text, position)
        if text[position : position + 1] != ":":
            raise MalformedValueError("Filter result: a ':' is missing")
        position = _skip(text, position + 1)
        if key == "items" and text[position : position + 1] == "[":
            position = _skip(text, position + 1)
            while text[position : position + 1] != "]":
                start = position
                repairs: list[str] = []
                try:
                    entry, position = decoder.raw_decode(text, position)
                except RecursionError:
                    position = _value_end(text, start)
                    entry = decoder.decode(_cut_depth(text[start:position]))
                    repairs.append(f"nesting deeper than {MAX_DEPTH} levels was left out")
                if _SURROGATE_ESCAPE.search(text, start, position):
                    entry, broken = _repair_text(entry)
                    if broken:
                        repairs.append(_BROKEN_TEXT)
                item = _read_item(entry, repairs, app, app_id)
                if item is None or item.item_id in seen:
                    skipped += 1
                else:
                    seen.add(item.item_id)
                    items.append(item)
                position = _skip(text, position)
                if text[position : position + 1] == ",":
                    position = _skip(text, position + 1)
                elif text[position : position + 1] != "]":
                    raise MalformedValueError("Filter result: a ',' or ']' is missing")
            position += 1
        else:
            top[str(key)], position = decoder.raw_decode(text, position)
        position = _skip(text, position)
        if text[position : position + 1] == ",":
            position = _skip(text, position + 1)
        elif text[position : position + 1] != "}":
            raise MalformedValueError("Filter result: a ',' or '}' is missing")
    total = top.get("total")
    if not isinstance(total, int) or isinstance(total, bool):
        raise MalformedValueError('Filter result: "total" is missing')
    filtered = top.get("filtered")
    return ItemPage(
        total=total,
        filtered=filtered if isinstance(filtered, int) else total,
        offset=offset,
        items=tuple(items),
        skipped=skipped,
    )


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in _SPACE:
        position += 1
    return position


def read_item(json: object, app: App | None = None) -> Item:
    """One item from GET /item/{id}: as `Item.from_api`, with broken characters repaired (and
    named in its problems), so that what is read can always be stored."""
    entry, broken = _repair_text(json)
    item = Item.from_api(entry, app)
    if broken:
        item = replace(item, problems=(*item.problems, _BROKEN_TEXT))
    return item


def _read_item(
    entry: object, repairs: list[str], app: App | None, app_id: int | None
) -> Item | None:
    """One entry of "items", kept as far as it reads; None without a usable item_id."""
    if not isinstance(entry, dict):
        return None
    try:
        item_id_of(entry)
    except MalformedValueError:
        return None
    item = Item.from_api(entry, app, app_id=app_id)
    if repairs:
        item = replace(item, problems=(*item.problems, *repairs))
    return item


def _value_end(text: str, position: int) -> int:
    """Where the JSON object or array starting at `position` ends, found without decoding
    it (so a value too deep to decode can still be stepped over)."""
    depth = 0
    index = position
    length = len(text)
    while index < length:
        char = text[index]
        if char == '"':
            index = _string_end(text, index)
            continue
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    raise MalformedValueError("Filter result: the answer ends in the middle of an item")


def _string_end(text: str, position: int) -> int:
    index = position + 1
    while True:
        index = text.find('"', index)
        if index < 0:
            raise MalformedValueError("Filter result: a text is not closed")
        backslashes = 0
        while text[index - 1 - backslashes] == "\\":
            backslashes += 1
        index += 1
        if backslashes % 2 == 0:
            return index


def _cut_depth(source: str) -> str:
    """`source` with every array or object nested deeper than MAX_DEPTH replaced by null."""
    parts: list[str] = []
    depth = 0
    index = 0
    copied = 0
    while index < len(source):
        char = source[index]
        if char == '"':
            index = _string_end(source, index)
            continue
        if char in "[{":
            if depth >= MAX_DEPTH:
                parts.append(source[copied:index])
                parts.append("null")
                index = _value_end(source, index)
                copied = index
                continue
            depth += 1
        elif char in "]}":
            depth -= 1
        index += 1
    parts.append(source[copied:])
    return "".join(parts)


def _repair_text(value: Any) -> tuple[Any, bool]:
    """`value` with lone surrogates in its texts (and keys) replaced by U+FFFD."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            fixed = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
            return fixed, True
        return value, False
    if isinstance(value, list):
        pairs = [_repair_text(entry) for entry in value]
        return [entry for entry, _ in pairs], any(broken for _, broken in pairs)
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        changed = False
        for key, entry in value.items():
            fixed_key, broken_key = _repair_text(key)
            fixed, broken = _repair_text(entry)
            result[fixed_key] = fixed
            changed = changed or broken or broken_key
        return result, changed
    return value, False
