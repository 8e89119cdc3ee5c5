"""The one parser of Podio's filter answer."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# ------------------------------------------------------------------ malformed items


def _deep(text: str) -> str:
    return text[:-1] + ',"deep":' + "[" * 100_000 + "]" * 100_000 + "}"


def _set(key: str, value: object) -> Callable[[str], str]:
    def damage(text: str) -> str:
        item = json.loads(text)
        item[key] = value
        return json.dumps(item)

    return damage


def _drop(key: str) -> Callable[[str], str]:
    def damage(text: str) -> str:
        item = json.loads(text)
        del item[key]
        return json.dumps(item)

    return damage


def _field(n: int) -> object:
    fields = _item(n)["fields"]
    assert isinstance(fields, list)
    return fields[0]


# Each shape damages item 2 of a three-item page; the page must still give all it can.
READ_IN_PART = {
    "fields as an object": (_set("fields", {"7": {"values": []}}), "fields"),
    "revision as a text": (_set("revision", "three"), '"revision"'),
    "created_on missing": (_drop("created_on"), '"created_on" is missing'),
    "item_id as a text": (_set("item_id", "2"), '"item_id" should be a whole number'),
    "a null tag": (_set("tags", [None, "ok"]), '"tags" should hold texts'),
    "ids beyond 2**63": (_set("app_item_id", 2**64 + 1), '"app_item_id" 18446744073709551617'),
    "a lone surrogate": (_set("title", "broken \ud800 text"), "lone UTF-16 surrogate"),
    "deep nesting": (_deep, "nesting deeper than"),
    "a field listed twice": (
        lambda text: text.replace('"fields": [', '"fields": [' + json.dumps(_field(9)) + ","),
        "listed twice",
    ),
}


@pytest.mark.parametrize("shape", sorted(READ_IN_PART))
def test_an_item_that_reads_only_in_part_is_kept_marked_and_the_page_goes_on(shape: str):
    damage, problem = READ_IN_PART[shape]
    parts = [json.dumps(_item(1)), damage(json.dumps(_item(2))), json.dumps(_item(3))]
    for content in (
        ('{"total": 3, "items": [' + ", ".join(parts) + "]}").encode(),
        ('{"items":[' + ",".join(parts) + '],"total":3}').encode(),
    ):
        page = parse_filter_response(content, 0, app_id=5)
        assert [item.item_id for item in page.items] == [1, 2, 3]
        assert page.skipped == 0
        first, odd, last = page.items
        assert first.problems == last.problems == ()
        assert len(odd.problems) >= 1
        assert problem in " ".join(odd.problems)
        # What could be read of it still is, and what is kept can be stored as UTF-8 JSON.
        assert odd.app_id == 5
        json.dumps(odd.raw, ensure_ascii=False).encode("utf-8")
        assert (last.title, last.revision) == (_item(3)["title"], 1)


UNUSABLE_ID = {
    "no item_id": _drop("item_id"),
    "item_id beyond 2**63": _set("item_id", 2**64 + 2),
    "item_id zero": _set("item_id", 0),
    "item_id a word": _set("item_id", "two"),
    "item_id a fraction": _set("item_id", 2.5),
    "not an object": lambda text: "[1, 2]",
    "a text": lambda text: '"item 2"',
}


@pytest.mark.parametrize("shape", sorted(UNUSABLE_ID))
def test_an_item_without_a_usable_id_is_skipped_and_counted(shape: str):
    parts = [json.dumps(_item(1)), UNUSABLE_ID[shape](json.dumps(_item(2))), json.dumps(_item(3))]
    page = parse_filter_response(('{"total": 3, "items": [' + ",".join(parts) + "]}").encode(), 0)
    assert [item.item_id for item in page.items] == [1, 3]
    assert page.skipped == 1
    assert page.entries == 3
    assert all(item.problems == () for item in page.items)


def test_an_item_twice_in_a_page_is_kept_once_and_counted():
    parts = [json.dumps(_item(1)), json.dumps(_item(2)), json.dumps(_item(2)), json.dumps(_item(3))]
    page = parse_filter_response(('{"total": 3, "items": [' + ",".join(parts) + "]}").encode(), 0)
    assert [item.item_id for item in page.items] == [1, 2, 3]
    assert (page.skipped, page.entries) == (1, 4)
    assert page == ItemPage.from_api(
        json.loads('{"total": 3, "items": [' + ",".join(parts) + "]}"), 0
    )


def test_bytes_that_are_not_utf8_cost_one_character_not_the_page():
    text = '{"total": 2, "items": [' + json.dumps(_item(1)) + "," + json.dumps(_item(2)) + "]}"
    content = text.encode().replace(b'"Item \\"2\\"', b'"Item \xff\\"2\\"')
    page = parse_filter_response(content, 0)
    assert [item.item_id for item in page.items] == [1, 2]
    assert page.items[1].title.startswith("Item \ufffd")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "fields",
                "revision",
                "created_on",
                "tags",
                "app_item_id",
                "title",
                "current_revision",
                "comment_count",
                "app",
                "external_id",
                "link",
                "last_event_on",
                "files",
            ]
        ),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=3), inner, max_size=3)
            ),
            max_leaves=8,
        ),
    )
)
def test_any_damage_to_an_item_with_a_usable_id_keeps_it_and_its_neighbours(
    damage: dict[str, object],
):
    odd = {**_item(2), **damage}
    parts = [json.dumps(_item(1)), json.dumps(odd), json.dumps(_item(3))]
    page = parse_filter_response(
        ('{"total": 3, "items": [' + ",".join(parts) + "]}").encode(), 0, app_id=5
    )
    assert [item.item_id for item in page.items] == [1, 2, 3]
    assert page.items[0].problems == page.items[2].problems == ()


def test_an_item_read_alone_with_a_broken_character_can_be_stored():
    from podio_desk.api.filter_response import read_item

    raw = {**_item(4), "title": "half \ud800 pair", "tags": ["ok \udfff"]}
    item = read_item(json.loads(json.dumps(raw)))
    assert item.title == "half \ufffd pair"
    assert item.tags == ("ok \ufffd",)
    assert any("lone UTF-16 surrogate" in problem for problem in item.problems)
    json.dumps(item.raw, ensure_ascii=False).encode("utf-8")
    assert read_item(_item(5)).problems == ()
