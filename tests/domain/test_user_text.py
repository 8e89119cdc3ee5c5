"""Text typed into an inline editor becomes a value, or a clear error naming the field."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest

from podio_desk.domain import fields as f
from podio_desk.domain.errors import MalformedValueError


def _fdef(kind: str, settings: dict[str, Any] | None = None) -> f.FieldDef:
    return f.FieldDef(3, "x", kind, "Amount", settings=settings or {})


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("42", "42"),
        ("1,234.5", "1234.5"),
        ("-0.25", "-0.25"),
        (".5", "0.5"),
        ("+7", "7"),
        ("1,234,567.891", "1234567.891"),
    ],
)
def test_numbers(text: str, number: str) -> None:
    assert f.parse_user_text(_fdef("number"), text) == f.NumberValue(Decimal(number))


@pytest.mark.parametrize(
    "text", ["1 234,5", "1,23", "12,5", "abc", "1.2.3", "1e5", "NaN", "-", "."]
)
def test_numbers_refused_with_the_rule(text: str) -> None:
    with pytest.raises(MalformedValueError) as caught:
        f.parse_user_text(_fdef("number"), text)
    message = str(caught.value)
    assert message.startswith('Field "Amount": ')
    assert f'"{text}" is not a number' in message
    assert 'Use "." for decimals' in message


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("12.30 EUR", "12.30", "EUR"),
        ("EUR 12.30", "12.30", "EUR"),
        ("€12.30", "12.30", "EUR"),
        ("$1,000", "1000", "USD"),
        ("12.30 usd", "12.30", "USD"),
        ("12.30", "12.30", "EUR"),  # the field allows only EUR
    ],
)
def test_money(text: str, amount: str, currency: str) -> None:
    fdef = _fdef("money", {"allowed_currencies": ["EUR"]})
    assert f.parse_user_text(fdef, text) == f.MoneyValue(Decimal(amount), currency)


def test_money_needs_a_currency_when_several_are_allowed() -> None:
    fdef = _fdef("money", {"allowed_currencies": ["USD", "EUR"]})
    with pytest.raises(MalformedValueError, match=r'"12.30" has no currency; write e.g. 12.30 USD'):
        f.parse_user_text(fdef, "12.30")
    with pytest.raises(MalformedValueError, match="is not an amount of money"):
        f.parse_user_text(fdef, "EUR 12 USD")
    with pytest.raises(MalformedValueError, match="is not a number"):
        f.parse_user_text(fdef, "EUR 12,30")


@pytest.mark.parametrize(("text", "percent"), [("42", 42), ("42%", 42), (" 0 % ", 0), ("100", 100)])
def test_progress(text: str, percent: int) -> None:
    assert f.parse_user_text(_fdef("progress"), text) == f.ProgressValue(percent)


@pytest.mark.parametrize("text", ["101", "-1", "4.5", "lots"])
def test_progress_refused(text: str) -> None:
    with pytest.raises(MalformedValueError, match="is not a percentage from 0 to 100"):
        f.parse_user_text(_fdef("progress"), text)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1d 2h 3m 4s", 93784),
        ("90m", 5400),
        ("2:03:04", 7384),
        ("2:03", 7380),
        ("1H30M", 5400),
        ("3d", 259200),
    ],
)
def test_durations(text: str, seconds: int) -> None:
    assert f.parse_user_text(_fdef("duration"), text) == f.DurationValue(seconds)


@pytest.mark.parametrize("text", ["90", "1 day", "2:75", "h"])
def test_durations_refused(text: str) -> None:
    with pytest.raises(MalformedValueError, match=r'is not a duration; write e\.g\. "1d 2h 3m 4s"'):
        f.parse_user_text(_fdef("duration"), text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-22", f.DateValue(date(2026, 11, 22))),
        ("2026-11-22 14:00", f.DateValue(date(2026, 11, 22), time(14))),
        ("2026-11-22T14:00:30", f.DateValue(date(2026, 11, 22), time(14, 0, 30))),
        (
            "2026-11-22 14:00 \u2013 16:00",
            f.DateValue(date(2026, 11, 22), time(14), date(2026, 11, 22), time(16)),
        ),
        (
            "2026-11-22 - 2026-11-24",
            f.DateValue(date(2026, 11, 22), None, date(2026, 11, 24)),
        ),
        (
            "2026-11-22 9:00 to 2026-11-23 17:30",
            f.DateValue(date(2026, 11, 22), time(9), date(2026, 11, 23), time(17, 30)),
        ),
        (
            "2026-11-22\u20132026-11-23",
            f.DateValue(date(2026, 11, 22), None, date(2026, 11, 23)),
        ),
    ],
)
def test_dates(text: str, expected: f.DateValue) -> None:
    assert f.parse_user_text(_fdef("date"), text) == expected


@pytest.mark.parametrize("text", ["22.11.2026", "2026-13-01", "tomorrow", "2026-11-22 25:00"])
def test_dates_refused(text: str) -> None:
    with pytest.raises(MalformedValueError, match='Field "Amount"'):
        f.parse_user_text(_fdef("date"), text)


def test_date_with_end_time_but_no_start_time_is_refused() -> None:
    with pytest.raises(MalformedValueError, match="has an end time but no start time"):
        f.parse_user_text(_fdef("date"), "2026-11-22 - 16:00")


OPTIONS = {
    "multiple": False,
    "options": [
        {"id": 1, "text": "Cold lead", "status": "active", "color": "D2E4EB"},
        {"id": 2, "text": "Hot lead", "status": "active", "color": "F7D1D0"},
        {"id": 3, "text": "Gone", "status": "deleted", "color": "F7D1D0"},
    ],
}


def test_category_by_option_text() -> None:
    fdef = _fdef("category", OPTIONS)
    value = f.parse_user_text(fdef, "  hot LEAD ")
    assert value == f.CategoryValue((f.CategoryOption(2, "Hot lead", "F7D1D0"),))
    assert f.to_input(fdef, value) == [2]


def test_category_unknown_or_deleted_option_lists_the_choices() -> None:
    fdef = _fdef("category", OPTIONS)
    for text in ("Warm", "Gone"):
        with pytest.raises(MalformedValueError) as caught:
            f.parse_user_text(fdef, text)
        assert str(caught.value) == (
            f'Field "Amount": there is no option "{text}"; the options are "Cold lead", "Hot lead"'
        )


def test_category_several_options() -> None:
    single = _fdef("category", OPTIONS)
    with pytest.raises(
        MalformedValueError, match="names several options but the field takes only one"
    ):
        f.parse_user_text(single, "cold lead, hot lead")
    multi = _fdef("category", dict(OPTIONS, multiple=True))
    value = f.parse_user_text(multi, "cold lead, hot lead")
    assert isinstance(value, f.CategoryValue)
    assert value.ids == (1, 2)


def test_text_as_is_and_blank_clears() -> None:
    fdef = _fdef("text", {"format": "html"})
    assert f.parse_user_text(fdef, " <b>x</b> ") == f.TextValue(" <b>x</b> ", f.TextFormat.HTML)
    for kind in ("text", "number", "date", "category", "money"):
        assert f.parse_user_text(_fdef(kind), "  ") is f.EMPTY


def test_email_and_phone_entries() -> None:
    email = _fdef("email", {"possible_types": ["work", "home", "other"]})
    assert f.parse_user_text(email, "a@b.com; home: c@d.org") == f.EmailValue(
        (f.TypedEntry("work", "a@b.com"), f.TypedEntry("home", "c@d.org"))
    )
    phone = _fdef("phone", {"possible_types": ["mobile", "work"]})
    assert f.parse_user_text(phone, "+45 1234, work: 5678") == f.PhoneValue(
        (f.TypedEntry("mobile", "+45 1234"), f.TypedEntry("work", "5678"))
    )


def test_location_is_the_address_as_typed() -> None:
    value = f.parse_user_text(_fdef("location"), " 5 Avenue Anatole France, Paris ")
    assert value == f.LocationValue((f.Place(value="5 Avenue Anatole France, Paris"),))
    assert f.to_input(_fdef("location"), value) == [{"value": "5 Avenue Anatole France, Paris"}]


@pytest.mark.parametrize("kind", ["app", "contact", "image", "file", "embed"])
def test_picked_types_cannot_be_typed(kind: str) -> None:
    with pytest.raises(MalformedValueError, match="cannot be typed in; use its editor"):
        f.parse_user_text(_fdef(kind), "something")


@pytest.mark.parametrize("kind", ["calculation", "separator"])
def test_read_only_types_cannot_be_typed(kind: str) -> None:
    with pytest.raises(MalformedValueError, match='Field "Amount" is read-only'):
        f.parse_user_text(_fdef(kind), "1")
