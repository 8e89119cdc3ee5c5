"""The one parser of Podio's filter answer."""

from __future__ import annotations

import json

import pytest

from podio_desk.api.errors import UnexpectedResponse
from podio_desk.api.filter_response import parse_filter_response
from podio_desk.domain.items import ItemPage


def _item(n: int) -> dict[str, object]:
    return {
        "item_id": n,
        "app_item_id": n,
        "title": f'Item "{n}", with ] and }}',
        "created_on": "2026-01-02 03:04:05",
        "current_revision": {"created_on": "2026-01-03 00:00:00", "revision": 1},
        "revision": 1,
        "fields": [
            {
                "field_id": 7,
                "type": "number",
                "external_id": "amount",
                "label": "Amount",
                "values": [{"value": f"{n}.5000"}],
            }
        ],
    }


def test_a_filter_answer_is_read_item_by_item_as_the_whole_document_says():
    body = {"filtered": 3, "items": [_item(1), _item(2), _item(3)], "total": 10}
    for text in (json.dumps(body), json.dumps(body, indent=2)):
        page = parse_filter_response(text.encode(), 20, app_id=5)
        assert page == ItemPage.from_api(body, 20, app_id=5)
        assert (page.total, page.filtered, page.offset, len(page.items)) == (10, 3, 20, 3)
        assert page.items[0].title == 'Item "1", with ] and }'
    empty = parse_filter_response(b'{"total": 0, "items": []}', 0, app_id=5)
    assert empty.items == ()
    assert empty.filtered == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"items": []}', "total"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"total": 1, "items": [{"item_id": 1} {"item_id": 2}]}', "missing"),
        (b'{"total": 1, "items": [', "unreadable page of items"),
    ],
)
def test_an_unreadable_answer_is_an_unexpected_response(content: bytes, message: str):
    with pytest.raises(UnexpectedResponse, match=message):
        parse_filter_response(content, 0, app_id=5)
