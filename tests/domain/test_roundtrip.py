"""Every field of every fixture item: parse -> to_input -> (Podio renders it) -> parse again.

See podio_render.py for what "without loss" means for expanded types (relationships,
contacts, files, embeds: the ids go out, Podio expands them again) and for dates (the
local form goes out; Podio derives the `_utc` variants).
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest

from podio_desk.domain import fields as f
from podio_desk.domain.errors import ReadOnlyFieldError
from podio_desk.domain.items import Item, ItemChange
from tests.domain.fixture_data import ITEM_FIXTURES, all_field_entries, load
from tests.domain.podio_render import Known, render_as_get

ENTRIES = all_field_entries()


def _without_utc(value: Any) -> Any:
    if isinstance(value, f.DateValue):
        return dataclasses.replace(value, start_utc=None, end_utc=None)
    return value


@pytest.mark.parametrize("entry", [e for _, e in ENTRIES], ids=[i for i, _ in ENTRIES])
def test_fixture_field_round_trips(entry: dict[str, Any]) -> None:
    fdef = f.FieldDef.from_api(entry)
    value = f.parse_values(fdef, entry["values"])
    assert not f.is_empty(value)
    if fdef.is_read_only:
        with pytest.raises(ReadOnlyFieldError, match=fdef.label):
            f.to_input(fdef, value)
        return
    sent = f.to_input(fdef, value)
    # What we send is plain JSON: no Decimal, no dates, nothing json.dumps would refuse.
    assert json.loads(json.dumps(sent)) == sent
    rendered = render_as_get(fdef, sent, Known.from_get(fdef, entry["values"]))
    again = f.parse_values(fdef, rendered)
    assert again == value
    # Stricter than ==, which compares ids only for linked things: titles, names, links,
    # mimetypes… all survive too (dates apart from the UTC variants, see module doc).
    assert repr(_without_utc(again)) == repr(_without_utc(value))
    assert f.display_text(fdef, again) == f.display_text(fdef, value)


@pytest.mark.parametrize("entry", [e for _, e in ENTRIES], ids=[i for i, _ in ENTRIES])
def test_fixture_field_clears_with_an_empty_list(entry: dict[str, Any]) -> None:
    fdef = f.FieldDef.from_api(entry)
    if fdef.is_read_only:
        return
    assert f.to_input(fdef, f.EMPTY) == []
    assert f.parse_values(fdef, render_as_get(fdef, [])) is f.EMPTY


def test_update_body_holds_only_the_changed_fields() -> None:
    entries = [e for _, e in ENTRIES]
    fdefs = [f.FieldDef.from_api(e) for e in entries[:8]]
    number = next(d for d in fdefs if d.type == "number")
    category = next(d for d in fdefs if d.type == "category")
    change = ItemChange(
        {
            number.field_id: f.parse_user_text(number, "1,234.5"),
            category.field_id: f.parse_user_text(category, "c"),
        },
        tags=("urgent",),
    )
    body = change.to_update_body(fdefs, revision=7)
    assert body == {
        "fields": {str(number.field_id): "1234.5", str(category.field_id): [3]},
        "tags": ["urgent"],
        "revision": 7,
    }
    by_external = change.to_update_body(fdefs, key="external_id")
    assert set(by_external["fields"]) == {"number", "category"}
    assert "revision" not in by_external


@pytest.mark.parametrize("entry", [e for _, e in ENTRIES], ids=[i for i, _ in ENTRIES])
def test_fixture_field_stores_in_get_shape_without_loss(entry: dict[str, Any]) -> None:
    fdef = f.FieldDef.from_api(entry)
    value = f.parse_values(fdef, entry["values"])
    stored = json.loads(json.dumps(f.to_get_values(fdef, value)))
    again = f.parse_values(fdef, stored)
    assert repr(again) == repr(value)  # UTC variants included


def test_item_with_change_matches_a_fresh_read_of_its_raw() -> None:
    item = Item.from_api(load(ITEM_FIXTURES[1]))
    by_type = {fdef.type: fdef for fdef in item.fields}
    money, email, category = by_type["money"], by_type["email"], by_type["category"]
    change = ItemChange(
        {
            money.field_id: f.parse_user_text(money, "99.95 EUR"),
            email.field_id: f.EMPTY,
            category.field_id: f.parse_user_text(category, "A"),
        },
        tags=("vip",),
    )
    edited = item.with_change(change)
    assert edited.revision == item.revision
    assert edited.tags == ("vip",)
    assert edited.value(money.field_id) == f.MoneyValue(Decimal("99.95"), "EUR")
    assert edited.value(email.field_id) is f.EMPTY
    assert edited.field(email.field_id) is None
    reread = Item.from_api(json.loads(json.dumps(edited.raw)))
    assert reread.values == edited.values
    assert reread.tags == ("vip",)
    # The original is untouched.
    assert item.value(email.field_id) != f.EMPTY
    assert item.raw["tags"] == []
