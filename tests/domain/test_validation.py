"""Validation against each field's config, with the messages a person reads."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest

from podio_desk.domain import fields as f
from podio_desk.domain.items import ItemChange


def _fdef(
    kind: str, settings: dict[str, Any] | None = None, *, required: bool = False
) -> f.FieldDef:
    return f.FieldDef(7, "x", kind, "Budget", required=required, settings=settings or {})


def _messages(fdef: f.FieldDef, value: f.FieldValue) -> list[str]:
    issues = f.validate(fdef, value)
    assert all((i.field_id, i.field_label) == (7, "Budget") for i in issues)
    return [i.message for i in issues]


OPTIONS = [
    {"id": 1, "text": "Open", "status": "active", "color": "DCEBD8"},
    {"id": 2, "text": "Done", "status": "active", "color": "DCEBD8"},
    {"id": 3, "text": "Old", "status": "deleted", "color": "DCEBD8"},
]


@pytest.mark.parametrize(
    "kind", [k.value for k in f.FieldType if k.value not in ("calculation", "separator")]
)
def test_required_field_must_have_a_value(kind: str) -> None:
    fdef = _fdef(kind, required=True)
    assert _messages(fdef, f.EMPTY) == ['"Budget" is required']
    assert _messages(_fdef(kind), f.EMPTY) == []


def test_blank_text_counts_as_empty_for_required() -> None:
    assert _messages(_fdef("text", required=True), f.TextValue("   ")) == ['"Budget" is required']


def test_read_only_fields_have_nothing_to_validate() -> None:
    assert _messages(_fdef("calculation", required=True), f.EMPTY) == []
    assert _messages(_fdef("separator", required=True), f.EMPTY) == []


def test_wrong_value_class_is_reported() -> None:
    assert _messages(_fdef("number"), f.TextValue("12")) == ['"Budget" cannot hold a TextValue']


def test_money_allowed_currencies() -> None:
    fdef = _fdef("money", {"allowed_currencies": ["USD", "EUR"]})
    assert _messages(fdef, f.MoneyValue(Decimal("1"), "EUR")) == []
    assert _messages(fdef, f.MoneyValue(Decimal("1"), "DKK")) == [
        '"Budget" accepts USD, EUR, not DKK'
    ]
    assert _messages(_fdef("money"), f.MoneyValue(Decimal("1"), "euro")) == [
        '"Budget": "euro" is not a currency code like EUR'
    ]


def test_money_keeps_at_most_four_decimals() -> None:
    fdef = _fdef("money")
    assert _messages(fdef, f.MoneyValue(Decimal("541.9870"), "EUR")) == []
    assert _messages(fdef, f.MoneyValue(Decimal("1.23456"), "EUR")) == [
        '"Budget" allows at most 4 decimal places'
    ]


def test_number_decimals() -> None:
    assert _messages(_fdef("number", {"decimals": 2}), f.NumberValue(Decimal("1.25"))) == []
    assert _messages(_fdef("number", {"decimals": 2}), f.NumberValue(Decimal("1.250"))) == []
    assert _messages(_fdef("number", {"decimals": 2}), f.NumberValue(Decimal("1.255"))) == [
        '"Budget" allows at most 2 decimal places'
    ]
    assert _messages(_fdef("number", {"decimals": 0}), f.NumberValue(Decimal("1.5"))) == [
        '"Budget" takes whole numbers only'
    ]


def test_category_option_must_exist_and_be_active() -> None:
    fdef = _fdef("category", {"multiple": False, "options": OPTIONS})
    assert _messages(fdef, f.CategoryValue((f.CategoryOption(1, "Open"),))) == []
    assert _messages(fdef, f.CategoryValue((f.CategoryOption(9, "Lost"),))) == [
        '"Budget" has no option "Lost"'
    ]
    assert _messages(fdef, f.CategoryValue((f.CategoryOption(3, "Old"),))) == [
        '"Budget": the option "Old" is no longer available'
    ]


def test_category_single_versus_multiple() -> None:
    two = f.CategoryValue((f.CategoryOption(1, "Open"), f.CategoryOption(2, "Done")))
    assert _messages(_fdef("category", {"multiple": False, "options": OPTIONS}), two) == [
        '"Budget" takes only one option'
    ]
    assert _messages(_fdef("category", {"multiple": True, "options": OPTIONS}), two) == []
    twice = f.CategoryValue((f.CategoryOption(1, "Open"), f.CategoryOption(1, "Open")))
    assert _messages(_fdef("category", {"multiple": True, "options": OPTIONS}), twice) == [
        '"Budget" lists an option twice'
    ]


def _date(
    start: str, end: str | None = None, st: str | None = None, et: str | None = None
) -> f.DateValue:
    return f.DateValue(
        date.fromisoformat(start),
        None if st is None else time.fromisoformat(st),
        None if end is None else date.fromisoformat(end),
        None if et is None else time.fromisoformat(et),
    )


def test_date_end_and_time_settings() -> None:
    no_end = _fdef("date", {"end": "disabled", "time": "enabled"})
    assert _messages(no_end, _date("2026-01-01", "2026-01-02")) == [
        '"Budget" has no end date; remove the end'
    ]
    needs_end = _fdef("date", {"end": "required", "time": "enabled"})
    assert _messages(needs_end, _date("2026-01-01")) == ['"Budget" needs an end date']
    no_time = _fdef("date", {"end": "enabled", "time": "disabled"})
    assert _messages(no_time, _date("2026-01-01", st="10:00")) == [
        '"Budget" takes a date without a time'
    ]
    needs_time = _fdef("date", {"end": "enabled", "time": "required"})
    assert _messages(needs_time, _date("2026-01-01")) == ['"Budget" needs a time']
    assert _messages(needs_time, _date("2026-01-01", "2026-01-02", st="10:00")) == [
        '"Budget" needs an end time'
    ]
    assert _messages(needs_time, _date("2026-01-01", "2026-01-02", "10:00", "09:00")) == []


def test_date_end_not_before_start() -> None:
    fdef = _fdef("date", {"end": "enabled", "time": "enabled"})
    assert _messages(fdef, _date("2026-01-02", "2026-01-01")) == ['"Budget" ends before it starts']
    assert _messages(fdef, _date("2026-01-01", "2026-01-01", "10:00", "09:59")) == [
        '"Budget" ends before it starts'
    ]
    assert _messages(fdef, _date("2026-01-01", "2026-01-01", "10:00", "10:00")) == []
    assert _messages(fdef, _date("2026-01-01", "2026-01-01", None, "10:00")) == [
        '"Budget" has an end time but no start time'
    ]


def test_email_format_length_and_types() -> None:
    fdef = _fdef("email", {"possible_types": ["work", "home", "other"]})
    ok = f.EmailValue((f.TypedEntry("work", "a@b.com"),))
    assert _messages(fdef, ok) == []
    assert _messages(fdef, f.EmailValue((f.TypedEntry("work", "not-an-address"),))) == [
        '"Budget": "not-an-address" is not an e-mail address'
    ]
    assert _messages(fdef, f.EmailValue((f.TypedEntry("mobile", "a@b.com"),))) == [
        '"Budget": "mobile" is not one of work, home, other'
    ]
    long_address = "a" * 250 + "@b.com"
    assert _messages(fdef, f.EmailValue((f.TypedEntry("work", long_address),))) == [
        f'"Budget": "{"a" * 40}…" is longer than 254 characters'
    ]
    assert _messages(fdef, f.EmailValue((f.TypedEntry("work", " "),))) == [
        '"Budget" has an empty address'
    ]


def test_phone_length_characters_and_types() -> None:
    fdef = _fdef("phone", {"possible_types": ["mobile", "work"]})
    assert _messages(fdef, f.PhoneValue((f.TypedEntry("mobile", "+45 (0) 12-34.56"),))) == []
    assert _messages(fdef, f.PhoneValue((f.TypedEntry("home", "123"),))) == [
        '"Budget": "home" is not one of mobile, work'
    ]
    assert _messages(fdef, f.PhoneValue((f.TypedEntry("work", "1" * 51),))) == [
        f'"Budget": "{"1" * 40}…" is longer than 50 characters'
    ]
    assert _messages(fdef, f.PhoneValue((f.TypedEntry("work", "call me"),))) == [
        '"Budget": "call me" is not a phone number'
    ]


def test_progress_range() -> None:
    fdef = _fdef("progress")
    assert _messages(fdef, f.ProgressValue(0)) == []
    assert _messages(fdef, f.ProgressValue(100)) == []
    assert _messages(fdef, f.ProgressValue(101)) == [
        '"Budget" must be between 0 and 100 %, not 101'
    ]
    assert _messages(fdef, f.ProgressValue(-1)) == ['"Budget" must be between 0 and 100 %, not -1']


def test_duration_units_and_sign() -> None:
    assert _messages(_fdef("duration", {"fields": ["hours", "minutes"]}), f.DurationValue(90)) == [
        '"Budget" counts in whole minutes'
    ]
    assert (
        _messages(_fdef("duration", {"fields": ["hours", "minutes"]}), f.DurationValue(120)) == []
    )
    assert _messages(_fdef("duration", {"fields": ["days"]}), f.DurationValue(3600)) == [
        '"Budget" counts in whole days'
    ]
    assert _messages(_fdef("duration"), f.DurationValue(-5)) == ['"Budget" cannot be negative']


def test_relationship_single_and_allowed_apps() -> None:
    settings = {"multiple": False, "referenced_apps": [{"app_id": 10, "view_id": None}]}
    fdef = _fdef("app", settings)
    good = f.RelatedItem(1, "One", app_id=10)
    bad = f.RelatedItem(2, "Two", app_id=11)
    assert _messages(fdef, f.RelationshipValue((good,))) == []
    assert _messages(fdef, f.RelationshipValue((good, bad))) == [
        '"Budget" links to one item only',
        '"Budget" cannot link to "Two": its app is not allowed',
    ]


def test_contact_valid_types() -> None:
    fdef = _fdef("contact", {"type": "space_users", "valid_types": ["user"]})
    assert _messages(fdef, f.ContactValue((f.ContactRef(1, "Ann", type="user"),))) == []
    assert _messages(fdef, f.ContactValue((f.ContactRef(2, "Bob", type="space"),))) == [
        '"Budget" takes workspace members; "Bob" is not one'
    ]


def test_image_allowed_mimetypes() -> None:
    fdef = _fdef("image", {"allowed_mimetypes": ["image/png", "image/svg*", "image/x-*"]})
    png = f.FileRef(1, "a.png", mimetype="image/png")
    jpeg = f.FileRef(2, "a1.jpeg", mimetype="image/jpeg")
    assert _messages(fdef, f.FileListValue((png,))) == []
    assert _messages(fdef, f.FileListValue((jpeg,))) == [
        '"Budget" accepts image/png, image/svg*, image/x-*; "a1.jpeg" is image/jpeg'
    ]
    assert (
        _messages(_fdef("image", {"allowed_mimetypes": ["image/*"]}), f.FileListValue((jpeg,)))
        == []
    )


def test_location_coordinates() -> None:
    fdef = _fdef("location")
    bad = f.Place(value="x", lat=Decimal(91), lng=Decimal(-181))
    assert _messages(fdef, f.LocationValue((bad,))) == [
        '"Budget": latitude 91 is not between -90 and 90',
        '"Budget": longitude -181 is not between -180 and 180',
    ]


def test_item_change_collects_issues_of_all_changed_fields() -> None:
    money = _fdef("money", {"allowed_currencies": ["EUR"]})
    progress = f.FieldDef(8, "p", "progress", "Done")
    change = ItemChange({7: f.MoneyValue(Decimal(1), "USD"), 8: f.ProgressValue(120), 9: f.EMPTY})
    assert [(i.field_id, i.message) for i in change.validate([money, progress])] == [
        (7, '"Budget" accepts EUR, not USD'),
        (8, '"Done" must be between 0 and 100 %, not 120'),
        (9, "This field does not exist"),
    ]


def test_item_change_on_a_deleted_field() -> None:
    gone = f.FieldDef(7, "x", "text", "Budget", status="deleted")
    (issue,) = ItemChange({7: f.TextValue("x")}).validate([gone])
    assert issue.message == '"Budget" was deleted from the app'
