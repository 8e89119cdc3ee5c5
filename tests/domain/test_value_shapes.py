"""GET value shapes beyond the recorded fixtures: every date variant, ids without objects,
calculations returning dates or text, and the messages for malformed entries."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pytest

from podio_desk.domain import fields as f
from podio_desk.domain.errors import MalformedValueError


def _fdef(kind: str, settings: dict[str, Any] | None = None) -> f.FieldDef:
    return f.FieldDef(2, "x", kind, "Due", settings=settings or {})


DATE_SHAPES = [
    # Everything Podio sends for a timed range (FIX-item).
    (
        {
            "start": "2016-06-24 15:00:00",
            "start_date": "2016-06-24",
            "start_time": "15:00:00",
            "start_utc": "2016-06-24 19:00:00",
            "end": "2016-06-30 16:00:00",
            "end_date": "2016-06-30",
            "end_time": "16:00:00",
            "end_date_utc": "2016-06-30",
            "end_time_utc": "20:00:00",
        },
        f.DateValue(date(2016, 6, 24), time(15), date(2016, 6, 30), time(16)),
        (datetime(2016, 6, 24, 19, tzinfo=UTC), datetime(2016, 6, 30, 20, tzinfo=UTC)),
    ),
    # Only the combined local form.
    (
        {"start": "2026-01-02 08:30:00"},
        f.DateValue(date(2026, 1, 2), time(8, 30)),
        (None, None),
    ),
    # Combined form at midnight without start_time: read as all day.
    ({"start": "2026-01-02 00:00:00"}, f.DateValue(date(2026, 1, 2)), (None, None)),
    # start_date plus a combined start carrying the time.
    (
        {"start_date": "2026-01-02", "start": "2026-01-02 09:00:00"},
        f.DateValue(date(2026, 1, 2), time(9)),
        (None, None),
    ),
    # Date-only with an end, Podio's date-only rendering (PYMED).
    (
        {
            "start": "2026-01-02 00:00:00",
            "start_date": "2026-01-02",
            "start_time": None,
            "start_utc": "2026-01-02",
            "end": "2026-01-05 00:00:00",
            "end_date": "2026-01-05",
            "end_time": None,
            "end_utc": "2026-01-05",
        },
        f.DateValue(date(2026, 1, 2), None, date(2026, 1, 5)),
        (None, None),
    ),
    # Explicit midnight time is a time, not all day.
    (
        {"start_date": "2026-01-02", "start_time": "00:00:00"},
        f.DateValue(date(2026, 1, 2), time(0)),
        (None, None),
    ),
]


@pytest.mark.parametrize(("element", "expected", "utc"), DATE_SHAPES)
def test_date_shapes(element: dict[str, Any], expected: f.DateValue, utc: tuple[Any, Any]) -> None:
    value = f.parse_values(_fdef("date"), [element])
    assert value == expected
    assert isinstance(value, f.DateValue)
    assert (value.start_utc, value.end_utc) == utc


@pytest.mark.parametrize(
    ("element", "message"),
    [
        ({"end_date": "2026-01-02"}, "a date value has no start"),
        ({"start_utc": "2026-01-02 10:00:00"}, "the date has only a UTC start, no local start"),
        ({"start_date": "02/01/2026"}, 'the start_date "02/01/2026" is not a date of the form'),
        ({"start_date": "2026-01-02", "start_time": "noon"}, 'the start_time "noon" is not a time'),
        ({"start_date": 20260102}, "the start_date should be a date text, got 20260102"),
        ({"start": "2026-01-02", "start_utc": 5}, '"start_utc" should be text, got 5'),
    ],
)
def test_malformed_dates_are_explained(element: dict[str, Any], message: str) -> None:
    with pytest.raises(MalformedValueError) as caught:
        f.parse_values(_fdef("date"), [element])
    assert str(caught.value).startswith('Field "Due": ')
    assert message in str(caught.value)


def test_ids_without_objects_are_accepted() -> None:
    # Hand-made JSON (older clients, the sandbox) sometimes holds just the ids.
    assert f.parse_values(_fdef("app"), [{"value": 5}]) == f.RelationshipValue((f.RelatedItem(5),))
    assert f.parse_values(_fdef("contact"), [{"value": 6}]) == f.ContactValue((f.ContactRef(6),))
    assert f.parse_values(_fdef("image"), [{"value": 7}]) == f.FileListValue((f.FileRef(7),))
    assert f.parse_values(_fdef("embed"), [{"embed": 8, "file": 9}]) == f.EmbedValue(
        (f.EmbedRef(8, file=f.FileRef(9)),)
    )
    options = {"options": [{"id": 2, "text": "B", "status": "active", "color": "DCEBD8"}]}
    assert f.parse_values(_fdef("category", options), [{"value": 2}]) == f.CategoryValue(
        (f.CategoryOption(2, "B", "DCEBD8"),)
    )


def test_calculation_returning_a_date_or_text() -> None:
    as_date = f.parse_values(
        _fdef("calculation", {"return_type": "date"}),
        [{"start": "2026-03-01 10:00:00", "start_date": "2026-03-01", "start_time": "10:00:00"}],
    )
    assert as_date == f.CalculationValue(date=f.DateValue(date(2026, 3, 1), time(10)))
    assert f.display_text(_fdef("calculation"), as_date) == "2026-03-01 10:00"
    as_text = f.parse_values(
        _fdef("calculation", {"return_type": "text"}), [{"value": "<b>Hi</b>"}]
    )
    assert as_text == f.CalculationValue(text="<b>Hi</b>")
    assert f.display_text(_fdef("calculation"), as_text) == "Hi"
    with_unit = _fdef("calculation", {"decimals": 1, "unit": "kg"})
    number = f.parse_values(with_unit, [{"value": "2.2500"}])
    assert number == f.CalculationValue(number=Decimal("2.25"))
    assert f.display_text(with_unit, number) == "2.3 kg"
    assert f.parse_values(with_unit, [{"value": None}]) is f.EMPTY


@pytest.mark.parametrize(
    ("kind", "values", "message"),
    [
        ("text", [{"value": 5}], "a text value should be text, got 5"),
        ("text", [{"text": "x"}], 'a value entry has no "value"'),
        ("text", {"value": "x"}, "the values should be a JSON list"),
        ("text", ["x"], "the value entry should be a JSON object, got 'x'"),
        ("number", [{"value": "12,5"}], 'the number "12,5" is not a number'),
        ("number", [{"value": "NaN"}], "'NaN' is not a finite number"),
        ("number", [{"value": "1e999999"}], "is too large or too small for a Podio number"),
        ("number", [{"value": True}], "the number should be a number, got True"),
        ("money", [{"value": "1.0000"}], "a money value has no currency"),
        ("progress", [{"value": 4.5}], "progress should be a whole percentage, got 4.5"),
        ("duration", [{"value": "1h"}], 'the duration "1h" is not a number'),
        ("category", [{"value": {"text": "A"}}], 'a category option has no "id"'),
        ("app", [{"value": {"title": "x"}}], '"item_id" is missing'),
        ("contact", [{"value": {"name": "x"}}], '"profile_id" is missing'),
        ("image", [{"value": {"file_id": "7"}}], '"file_id" should be a whole number'),
        ("embed", [{"embed": {"url": "x"}}], '"embed_id" is missing'),
        ("location", [{"lat": "north"}], 'the "lat" "north" is not a number'),
        ("email", [{"type": "work", "value": None}], "an entry should be text, got None"),
    ],
)
def test_malformed_values_name_the_field_and_the_problem(
    kind: str, values: Any, message: str
) -> None:
    with pytest.raises(MalformedValueError) as caught:
        f.parse_values(_fdef(kind), values)
    assert str(caught.value).startswith('Field "Due"')
    assert message in str(caught.value)


def test_malformed_field_definitions_are_explained() -> None:
    cases = [
        ({"type": "text", "label": "A"}, 'Field "A": "field_id" is missing'),
        (
            {"field_id": "1", "type": "text"},
            'Field definition: "field_id" should be a whole number',
        ),
        ({"field_id": 1, "label": "A"}, 'Field "A" (1): the field "type" is missing'),
        (
            {"field_id": 1, "type": "text", "config": []},
            "Field 1: the config should be a JSON object",
        ),
        (
            {"field_id": 1, "type": "text", "config": {"settings": "x"}},
            "Field 1: the settings should be a JSON object",
        ),
        (
            {"field_id": 1, "type": "text", "config": {"required": "yes"}},
            'Field 1: "required" should be true or false',
        ),
    ]
    for entry, message in cases:
        with pytest.raises(MalformedValueError) as caught:
            f.FieldDef.from_api(entry)
        assert str(caught.value).startswith(message), str(caught.value)


def test_malformed_settings_are_explained_when_used() -> None:
    fdef = _fdef("category", {"options": "A,B"})
    with pytest.raises(MalformedValueError, match='Field "Due": the options should be a JSON list'):
        f.validate(fdef, f.CategoryValue((f.CategoryOption(1, "A"),)))
    number = _fdef("number", {"decimals": "two"})
    with pytest.raises(MalformedValueError, match='the setting "decimals" should be a small whole'):
        f.display_text(number, f.NumberValue(Decimal(1)))


def test_value_objects_refuse_non_decimal_numbers() -> None:
    with pytest.raises(MalformedValueError, match=r"Number must be a Decimal, got 1\.5"):
        f.NumberValue(1.5)  # type: ignore[arg-type]
    with pytest.raises(MalformedValueError, match="is not a finite number"):
        f.MoneyValue(Decimal("Infinity"), "EUR")


def test_a_broken_value_object_still_gives_our_error() -> None:
    # Value objects are plain dataclasses; one built with the wrong content (text where a
    # number belongs) must not leak a TypeError out of the public functions.
    broken = f.ProgressValue("42")  # type: ignore[arg-type]
    with pytest.raises(MalformedValueError, match=r'Field "Due": could not check its value \(Type'):
        f.validate(_fdef("progress"), broken)
    with pytest.raises(MalformedValueError, match="Text must be a str, got 5"):
        f.TextValue(5)  # type: ignore[arg-type]


def test_legacy_field_types_are_kept_as_unknown() -> None:
    for legacy in ("question", "state", "video", "media", "member"):
        fdef = _fdef(legacy)
        assert fdef.field_type is None
        assert fdef.is_read_only
        value = f.parse_values(fdef, [{"value": {"id": 1, "text": "Yes"}}])
        assert value == f.RawValue(({"value": {"id": 1, "text": "Yes"}},))
        assert f.display_text(fdef, value) == "Yes"
