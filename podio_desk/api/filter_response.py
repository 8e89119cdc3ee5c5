"""The one reader of Podio's filter answer (`POST /item/app/{app_id}/filter/`).

The answer is `{"total": n, "filtered": m, "items": [...]}` (see `docs/podio-api.md`, Filter
request and response). A page of 500 items is megabytes of JSON; `json.loads` of it is one C
call that holds the GIL for its whole length, so the items are decoded one at a time
(`raw_decode`), and a thread running this hands the interpreter back between items. Every
caller uses this function: the client's `filter_items`, the item table's page reader and the
sync.
"""

from __future__ import annotations

import json
from typing import Any

from podio_desk.api.errors import UnexpectedResponse
from podio_desk.domain.errors import DomainError, MalformedValueError
from podio_desk.domain.items import Item, ItemPage
from podio_desk.domain.workspace import App

_SPACE = frozenset(" \t\r\n")


def parse_filter_response(
    content: bytes | str, offset: int, *, app: App | None = None, app_id: int | None = None
) -> ItemPage:
    """The page in `content`; `UnexpectedResponse` if it is not a filter answer."""
    try:
        return _parse(content, offset, app, app_id)
    except (DomainError, KeyError, TypeError, ValueError) as error:
        raise UnexpectedResponse(f"Podio sent an unreadable page of items: {error}") from error


def _parse(content: bytes | str, offset: int, app: App | None, app_id: int | None) -> ItemPage:
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    decoder = json.JSONDecoder()
    position = _skip(text, 0)
    if text[position : position + 1] != "{":
        raise MalformedValueError("Filter result: the answer is not a JSON object")
    position = _skip(text, position + 1)
    top: dict[str, Any] = {}
    items: list[Item] = []
    while text[position : position + 1] != "}":
        key, position = decoder.raw_decode(text, position)
        position = _skip(text, position)
        if text[position : position + 1] != ":":
            raise MalformedValueError("Filter result: a ':' is missing")
        position = _skip(text, position + 1)
        if key == "items" and text[position : position + 1] == "[":
            position = _skip(text, position + 1)
            while text[position : position + 1] != "]":
                entry, position = decoder.raw_decode(text, position)
                items.append(Item.from_api(entry, app, app_id=app_id))
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
    )


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in _SPACE:
        position += 1
    return position
