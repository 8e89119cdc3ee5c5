"""What a table cell shows, what the cache sorts and searches by, for each field type."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from podio_desk.domain import fields as f
from podio_desk.domain.errors import MalformedValueError
from podio_desk.domain.items import Item
from tests.domain.fixture_data import ITEM_FIXTURES, load


def _cells(name: str) -> dict[str, str]:
    item = Item.from_api(load(name))
    return {fdef.label: f.display_text(fdef, item.value(fdef.field_id)) for fdef in item.fields}


def test_display_text_of_every_fixture_type() -> None:
    first, second, third = (_cells(name) for name in ITEM_FIXTURES)
    assert first == {
        "Title": "Title",
        "Category": "B",
        "Date": "2014-12-11 23:00",
        "Contact": "Brian Stengaard",
        "Number": "6,514",  # decimals: 0 in the field settings, rounded half up
        "Money": "€541.99",
        "Link": "Google",
    }
    assert second["Text"] == "sadfas"  # HTML stripped
    assert second["Phone"] == "+19197936102"
    assert second["Email"] == "hhah@podio.com"
    assert second["Number"] == "111"
    assert second["Calculation"] == "6,568.00"  # decimals: 2
    assert second["Date"] == "2016-06-24 15:00 \u2013 2016-06-30 16:00"
    assert second["Relationship"] == "sadf 41`"
    assert second["Image"] == "a1.jpeg"
    assert second["Money"] == "$100.00"
    assert third == {
        "Progress": "42%",
        "Location": "Champ de Mars, 5 Avenue Anatole France, 75007 Paris, France",
        "Duration": "1d 2h 3m 4s",
    }


def _fdef(kind: str, settings: dict[str, Any] | None = None, label: str = "F") -> f.FieldDef:
    return f.FieldDef(1, "f", kind, label, settings=settings or {})


@pytest.mark.parametrize(
    ("currency", "amount", "shown"),
    [
        ("EUR", "1234.5", "€1,234.50"),
        ("USD", "-0.5", "-$0.50"),
        ("GBP", "1000000", "£1,000,000.00"),
        ("DKK", "1234.5", "1,234.50 DKK"),
        ("EUR", "0.005", "€0.01"),
    ],
)
def test_money_display(currency: str, amount: str, shown: str) -> None:
    assert f.display_text(_fdef("money"), f.MoneyValue(Decimal(amount), currency)) == shown


@pytest.mark.parametrize(
    ("decimals", "number", "shown"),
    [
        (None, "1234.5000", "1,234.5"),
        (2, "1234.5", "1,234.50"),
        (0, "2.5", "3"),
        (None, "100", "100"),
    ],
)
def test_number_display(decimals: int | None, number: str, shown: str) -> None:
    settings = {} if decimals is None else {"decimals": decimals}
    assert f.display_text(_fdef("number", settings), f.NumberValue(Decimal(number))) == shown


def test_number_display_of_huge_value_is_exact() -> None:
    value = f.NumberValue(Decimal("123456789012345678901234567890.1234"))
    shown = f.display_text(_fdef("number", {"decimals": 4}), value)
    assert shown == "123,456,789,012,345,678,901,234,567,890.1234"


@pytest.mark.parametrize(
    ("units", "seconds", "shown"),
    [
        (["days", "hours", "minutes", "seconds"], 93784, "1d 2h 3m 4s"),
        (["hours", "minutes"], 93784, "26h 3m"),
        (["hours", "minutes"], 93790, "26h 3m"),
        (["hours", "minutes"], 93810, "26h 4m"),
        ([], 0, "0s"),
        (["hours"], 3600 * 5, "5h"),
    ],
)
def test_duration_display(units: list[str], seconds: int, shown: str) -> None:
    fdef = _fdef("duration", {"fields": units})
    assert f.display_text(fdef, f.DurationValue(seconds)) == shown


def test_date_display_forms() -> None:
    fdef = _fdef("date")
    parse = f.parse_user_text
    assert f.display_text(fdef, parse(fdef, "2026-11-22")) == "2026-11-22"
    assert f.display_text(fdef, parse(fdef, "2026-11-22 14:00")) == "2026-11-22 14:00"
    assert f.display_text(fdef, parse(fdef, "2026-11-22 14:00 - 16:30")) == (
        "2026-11-22 14:00 \u2013 16:30"
    )
    assert f.display_text(fdef, parse(fdef, "2026-11-22 - 2026-11-24")) == (
        "2026-11-22 \u2013 2026-11-24"
    )


def test_date_only_value_from_podio() -> None:
    fdef = _fdef("date", {"time": "disabled"})
    value = f.parse_values(
        fdef,
        [
            {
                "start": "2026-11-22 00:00:00",
                "start_date": "2026-11-22",
                "start_time": None,
                "start_utc": "2026-11-22",
                "start_date_utc": "2026-11-22",
            }
        ],
    )
    assert isinstance(value, f.DateValue)
    assert not value.has_time
    assert value.start_utc is None
    assert f.display_text(fdef, value) == "2026-11-22"
    assert f.to_input(fdef, value) == {"start_date": "2026-11-22"}


def test_html_text_is_stripped_for_cells_and_search() -> None:
    fdef = _fdef("text", {"format": "html"})
    value = f.parse_values(fdef, [{"value": "<p>Caf&eacute; <b>open</b></p><p>late</p>"}])
    assert isinstance(value, f.TextValue)
    assert value.is_html
    assert f.display_text(fdef, value) == "Café open late"
    assert f.search_text(fdef, value) == "Café open late"
    assert f.sort_key(fdef, value) == "café open late"


def test_markdown_text_keeps_its_flag() -> None:
    fdef = _fdef("text", {"format": "markdown"})
    value = f.parse_values(fdef, [{"value": "**bold**"}])
    assert isinstance(value, f.TextValue)
    assert value.is_markdown
    assert f.display_text(fdef, value) == "**bold**"


def test_sort_keys_search_text_and_filter_keys_of_fixtures() -> None:
    item = Item.from_api(load(ITEM_FIXTURES[1]))
    by_type: dict[str, tuple[object, str, list[int | str]]] = {}
    for fdef in item.fields:
        value = item.value(fdef.field_id)
        by_type.setdefault(
            fdef.type,
            (f.sort_key(fdef, value), f.search_text(fdef, value), f.filter_keys(fdef, value)),
        )
    assert by_type["number"] == (Decimal("111"), "111.0000", [])
    assert by_type["money"][0] == Decimal("100")
    assert by_type["category"] == ("c", "C", [3])
    assert by_type["app"] == ("sadf 41`", "sadf 41`", [331300398])
    assert by_type["contact"][2] == [140798621]
    assert "Brian Stengaard" in by_type["contact"][1]
    assert by_type["date"][0] == "2016-06-24 15:00:00"
    assert by_type["email"] == ("hhah@podio.com", "hhah@podio.com", [])
    assert by_type["phone"][1] == "+19197936102"
    assert by_type["text"][1] == "incom"
    assert by_type["image"][2] == []
    assert by_type["calculation"][0] == Decimal("111")


def test_empty_values_show_nothing_and_sort_as_none() -> None:
    for kind in f.FieldType:
        fdef = _fdef(kind.value)
        assert f.display_text(fdef, f.EMPTY) == ""
        assert f.sort_key(fdef, f.EMPTY) is None
        assert f.search_text(fdef, f.EMPTY) == ""
        assert f.filter_keys(fdef, f.EMPTY) == []
        assert f.is_empty(f.parse_values(fdef, []))


def test_unknown_field_type_is_kept_verbatim_and_read_only() -> None:
    entry = {
        "field_id": 5,
        "type": "hologram",
        "external_id": "holo",
        "label": "Holo",
        "config": {"settings": {"beam": 3}},
    }
    fdef = f.FieldDef.from_api(entry)
    assert fdef.type == "hologram"
    assert fdef.field_type is None
    assert fdef.is_read_only
    raw = [{"value": "beam me"}, {"value": {"title": "Spock"}}, {"odd": [1, 2]}]
    value = f.parse_values(fdef, raw)
    assert value == f.RawValue(tuple(raw))
    assert f.display_text(fdef, value) == "beam me, Spock, …"
    assert f.to_input(fdef, value) == raw  # verbatim, if someone copies the item
    assert f.validate(fdef, value) == []
    with pytest.raises(MalformedValueError, match="read-only"):
        f.parse_user_text(fdef, "x")


def test_tel_is_treated_as_phone() -> None:
    fdef = _fdef("tel", {"possible_types": ["mobile", "work"]})
    assert fdef.field_type is f.FieldType.TEL
    value = f.parse_values(fdef, [{"type": "mobile", "value": "+45 1234"}])
    assert value == f.PhoneValue((f.TypedEntry("mobile", "+45 1234"),))
    assert f.to_input(fdef, value) == [{"type": "mobile", "value": "+45 1234"}]


def test_duration_rounding_carries_into_the_next_unit() -> None:
    fdef = _fdef("duration", {"fields": ["hours", "minutes"]})
    assert f.display_text(fdef, f.DurationValue(3599)) == "1h"
    assert f.display_text(fdef, f.DurationValue(29)) == "0m"


@pytest.mark.parametrize("kind", ["number", "money", "progress", "duration", "date"])
def test_single_valued_types_refuse_several_values(kind: str) -> None:
    element = {"value": "1", "currency": "EUR", "start_date": "2026-01-01"}
    with pytest.raises(MalformedValueError, match=f"holds 2 values where a {kind} field holds one"):
        f.parse_values(_fdef(kind), [element, element])
