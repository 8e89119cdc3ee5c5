"""The cells of an export (domain/export.py), pure: display text, typed values, raw columns."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from podio_desk.domain.export import (
    csv_text,
    export_columns,
    table_column_keys,
    text_row,
    value_row,
)
from podio_desk.domain.items import Item
from podio_desk.domain.time_rule import TimeRule
from podio_desk.domain.workspace import App


def _field(field_id: int, kind: str, label: str, delta: int, **settings: Any) -> dict[str, Any]:
    return {
        "field_id": field_id,
        "external_id": label.lower(),
        "type": kind,
        "label": label,
        "config": {"label": label, "settings": settings, "delta": delta},
    }


APP = App.from_api(
    {
        "app_id": 7,
        "config": {"name": "Deals"},
        "fields": [
            _field(1, "text", "Title", 0),
            _field(2, "money", "Value", 1, allowed_currencies=["EUR"]),
            _field(3, "date", "When", 2),
            _field(4, "category", "Tags", 3, multiple=True, options=[
                {"id": 11, "text": "a", "status": "active", "color": "DCEBD8"},
                {"id": 12, "text": "b", "status": "active", "color": "DCEBD8"},
            ]),
            _field(5, "separator", "Sep", 4),
            _field(6, "number", "Big", 5),
        ],
    }
)  # fmt: skip


COPENHAGEN = TimeRule(
    podio_zone=ZoneInfo("Europe/Copenhagen"),
    podio_zone_name="Europe/Copenhagen",
    machine_zone=timezone(timedelta(hours=-5)),
    machine_zone_name="UTC-05:00",
)


def item(**values: list[dict[str, Any]]) -> Item:
    fields = [
        {"field_id": f.field_id, "external_id": f.external_id, "type": f.type, "label": f.label,
         "values": values[f.external_id]}
        for f in APP.fields
        if f.external_id in values
    ]  # fmt: skip
    return Item.from_api(
        {
            "item_id": 99,
            "app_item_id": 3,
            "title": "Deal",
            "revision": 2,
            "created_on": "2025-03-01 10:00:00",
            "current_revision": {"created_on": "2025-03-02 11:30:00"},
            "fields": fields,
        },
        APP,
    )


def test_columns_follow_the_table_and_raw_adds_amount_currency_and_date_ends() -> None:
    assert table_column_keys(APP) == ["title", "2", "3", "4", "6", "created_on", "last_edit_on"]
    columns = export_columns(APP, ["4", "title", "2", "3", "last_edit_on"], raw=True)
    assert [c.header for c in columns] == [
        "Tags", "Tags (raw)", "Title", "Item ID", "Value", "Value (amount)", "Value (currency)",
        "When", "When (start, UTC)", "When (end, UTC)", "Last edit", "Last edit (UTC)",
    ]  # fmt: skip


def test_cells_as_text_and_as_typed_values() -> None:
    deal = item(
        value=[{"value": "1500.50", "currency": "EUR"}],
        when=[{"start": "2025-03-05 09:00:00", "start_utc": "2025-03-05 08:00:00",
               "end": "2025-03-06 09:00:00", "end_utc": "2025-03-06 08:00:00"}],
        tags=[{"value": {"id": 11, "text": "a"}}, {"value": {"id": 12, "text": "b"}}],
        big=[{"value": "1E+3"}],
    )  # fmt: skip
    columns = export_columns(APP, raw=True, rule=COPENHAGEN)
    text = dict(zip([c.header for c in columns], text_row(columns, deal), strict=True))
    typed = dict(zip([c.header for c in columns], value_row(columns, deal), strict=True))
    assert text["Value (amount)"] == "1500.50"
    assert typed["Value (amount)"] == Decimal("1500.50")
    assert text["Value (currency)"] == "EUR"
    # Shown as the table shows it (the Podio user's zone); raw: UTC, and the header says so.
    assert text["When"] == "2025-03-05 09:00 \u2013 2025-03-06 09:00"
    assert text["When (start, UTC)"] == "2025-03-05T08:00:00Z"
    assert typed["When (end, UTC)"] == datetime(2025, 3, 6, 8, 0)
    assert text["Tags (raw)"] == "11; 12"
    assert text["Big (raw)"] == "1000"
    # XLSX: numbers and money are numbers with the number format the table's text has.
    assert typed["Big"] == (Decimal("1E+3"), "#,##0")
    assert text["Value"] == "\u20ac1,500.50"
    assert typed["Value"] == (Decimal("1500.50"), '"\u20ac"#,##0.00')
    assert text["Created"] == "2025-03-01 11:00"
    assert typed["Created"] == datetime(2025, 3, 1, 11, 0)
    assert typed["Created (UTC)"] == datetime(2025, 3, 1, 10, 0)
    assert text["Last edit (UTC)"] == "2025-03-02T11:30:00Z"
    assert typed["Item ID"] == 99


def test_empty_values_are_empty_cells() -> None:
    columns = export_columns(APP, raw=True)
    blank = item()
    assert text_row(columns, blank)[4:10] == [""] * 6
    assert value_row(columns, blank)[4:10] == [None] * 6
    assert csv_text(date(2025, 1, 2)) == "2025-01-02"
    assert csv_text(None) == ""


def test_times_follow_the_users_choice_of_this_computers_zone() -> None:
    deal = item(when=[{"start": "2025-03-05 09:00:30", "start_utc": "2025-03-05 08:00:30"}])
    rule = TimeRule(
        podio_zone=COPENHAGEN.podio_zone,
        podio_zone_name="Europe/Copenhagen",
        machine_zone=timezone(timedelta(hours=-5)),
        machine_zone_name="UTC-05:00",
        use_machine=True,
    )
    columns = export_columns(APP, ["3", "created_on"], raw=True, rule=rule)
    text = dict(zip([c.header for c in columns], text_row(columns, deal), strict=True))
    typed = dict(zip([c.header for c in columns], value_row(columns, deal), strict=True))
    # No seconds in the shown text, as in the table; the raw moment is the same one, in UTC.
    assert text["When"] == "2025-03-05 03:00"
    assert typed["When"] == datetime(2025, 3, 5, 3, 0, 30)
    assert text["When (start, UTC)"] == "2025-03-05T08:00:30Z"
    assert text["Created"] == "2025-03-01 05:00"
