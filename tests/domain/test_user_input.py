"""Typed text read as Podio values, and Podio's numbers shown as text to edit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from podio_desk.domain.errors import MalformedValueError
from podio_desk.domain.fields import FieldDef
from podio_desk.domain.user_input import (
    check_link_url,
    editable_decimal,
    parse_coordinate,
    parse_range_bound,
)


def test_link_urls() -> None:
    assert check_link_url("https://podio.com/x") is None
    assert check_link_url("http://a.b") is None
    assert "web address" in (check_link_url("podio.com") or "")
    assert check_link_url("") == "enter a web address"


@pytest.mark.parametrize(
    ("number", "decimals", "text"),
    [
        (Decimal("12.5000"), 2, "12.50"),
        (Decimal("12.5000"), 0, "12.5"),
        (Decimal("12.0000"), 0, "12"),
        (Decimal("99.9500"), 2, "99.95"),
        (Decimal("1.23456"), 2, "1.23456"),
        (Decimal("-3.1000"), None, "-3.1"),
    ],
)
def test_editable_decimal_is_exact(number: Decimal, decimals: int | None, text: str) -> None:
    assert editable_decimal(number, decimals) == text
    assert Decimal(text) == number


def test_coordinates_are_exact_numbers_or_blank() -> None:
    fdef = FieldDef.from_api(
        {"field_id": 1, "external_id": "place", "type": "location", "label": "Place"}
    )
    assert parse_coordinate(fdef, " 55.6761 ", "latitude") == Decimal("55.6761")
    assert parse_coordinate(fdef, "  ", "latitude") is None
    with pytest.raises(MalformedValueError, match='"Place": the latitude "north" is not a number'):
        parse_coordinate(fdef, "north", "latitude")


@pytest.mark.parametrize(
    ("text", "bound"),
    [("1,200", 1200), (" 99.5 ", 99.5), ("-3", -3), ("12.0", 12), ("", None), ("  ", None)],
)
def test_range_bounds_are_json_numbers(text: str, bound: float | None) -> None:
    parsed = parse_range_bound(text)
    assert parsed == bound
    assert type(parsed) is type(bound)


@pytest.mark.parametrize("text", ["abc", "1.2.3", "NaN", "Infinity"])
def test_range_bounds_that_are_not_numbers_are_refused(text: str) -> None:
    with pytest.raises(MalformedValueError, match="is not a number"):
        parse_range_bound(text)
