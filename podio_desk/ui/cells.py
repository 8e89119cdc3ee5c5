"""Table columns for an app: one per field (title first), each rendering its type's cell.

Text comes from `domain.fields.display_text`; this module adds what a table needs on top:
category colours, progress bars, links, right-aligned numbers and dates shown in the user's
locale and time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QDate, QDateTime, QLocale, QTime, QTimeZone

from podio_desk.domain.fields import (
    CalculationValue,
    CategoryValue,
    ContactValue,
    DateValue,
    EmailValue,
    EmbedValue,
    FieldDef,
    FieldType,
    MoneyValue,
    PhoneValue,
    ProgressValue,
    RelationshipValue,
    display_text,
    is_empty,
)
from podio_desk.domain.items import Item
from podio_desk.domain.workspace import App
from podio_desk.ui.item_table import Cell, Column

# Podio sorts by these field types (SPEC §3.3, sort_by); others have no server order.
SORTABLE_TYPES = frozenset(
    {
        FieldType.TEXT,
        FieldType.NUMBER,
        FieldType.MONEY,
        FieldType.CALCULATION,
        FieldType.PROGRESS,
        FieldType.DURATION,
        FieldType.APP,
        FieldType.DATE,
        FieldType.CONTACT,
        FieldType.CATEGORY,
        FieldType.LOCATION,
    }
)
RIGHT_ALIGNED = frozenset(
    {
        FieldType.NUMBER,
        FieldType.MONEY,
        FieldType.CALCULATION,
        FieldType.DURATION,
    }
)
HIDDEN_TYPES = frozenset({FieldType.SEPARATOR})


# Starting widths by column kind (pixels at a normal font), until the user resizes a column.
DEFAULT_WIDTHS = {
    "title": 300,
    "text": 220,
    "category": 110,
    "number": 100,
    "money": 110,
    "progress": 110,
    "duration": 90,
    "date": 150,
    "created_on": 140,
    "last_edit_on": 140,
    "app": 170,
    "contact": 150,
    "email": 180,
    "phone": 130,
    "location": 200,
}


def default_width(column: Column[Item]) -> int:
    return DEFAULT_WIDTHS.get(column.kind, 140)


def columns_for_app(app: App, locale: QLocale | None = None) -> list[Column[Item]]:
    """Title first, then the app's active fields in Podio's order, then created / last edit."""
    chosen_locale = locale if locale is not None else QLocale()
    title_field = app.title_field
    columns: list[Column[Item]] = [
        Column("title", "Title", "title", _title_cell, sort_by="title"),
    ]
    for fdef in app.active_fields:
        kind = fdef.field_type
        if kind in HIDDEN_TYPES or (title_field is not None and fdef == title_field):
            continue
        sortable = kind in SORTABLE_TYPES
        columns.append(
            Column(
                key=str(fdef.field_id),
                label=fdef.label,
                kind=fdef.type,
                render=_field_renderer(fdef, chosen_locale),
                sort_by=str(fdef.field_id) if sortable else None,
            )
        )
    columns.append(
        Column(
            "created_on",
            "Created",
            "created_on",
            lambda item: _moment_cell(item.created_on, chosen_locale),
            sort_by="created_on",
        )
    )
    columns.append(
        Column(
            "last_edit_on",
            "Last edit",
            "last_edit_on",
            lambda item: _moment_cell(item.last_edit_on, chosen_locale),
            sort_by="last_edit_on",
        )
    )
    return columns


def _title_cell(item: Item) -> Cell:
    return Cell(item.title, tooltip=item.title if len(item.title) > 40 else None, link=None)


def _field_renderer(fdef: FieldDef, locale: QLocale) -> Callable[[Item], Cell]:
    kind = fdef.field_type
    align = kind in RIGHT_ALIGNED

    def render(item: Item) -> Cell:
        value = item.values.get(fdef.field_id)
        if value is None or is_empty(value):
            return Cell("")
        if isinstance(value, DateValue):
            return Cell(format_date_value(value, locale))
        if isinstance(value, CalculationValue) and value.date is not None:
            return Cell(format_date_value(value.date, locale))
        text = display_text(fdef, value)
        if isinstance(value, CategoryValue):
            colour = next((o.color for o in value.options if o.color), None)
            return Cell(text, tooltip=text, color=(colour or "E0E0E0").lstrip("#"))
        if isinstance(value, ProgressValue):
            return Cell(f"{value.percent} %", progress=value.percent)
        if isinstance(value, MoneyValue):
            return Cell(text, align_right=True, tooltip=f"{value.amount} {value.currency}")
        if isinstance(value, RelationshipValue):
            link = next((related.link for related in value.items if related.link), None)
            return Cell(text, tooltip=text, link=link)
        if isinstance(value, ContactValue):
            link = next((contact.link for contact in value.contacts if contact.link), None)
            return Cell(text, tooltip=text, link=link)
        if isinstance(value, EmailValue) and value.entries:
            return Cell(text, link=f"mailto:{value.entries[0].value}")
        if isinstance(value, PhoneValue) and value.entries:
            return Cell(text, link=f"tel:{value.entries[0].value}")
        if isinstance(value, EmbedValue) and value.embeds:
            return Cell(text, link=value.embeds[0].resolved_url or value.embeds[0].url or None)
        return Cell(text, align_right=align, tooltip=text if len(text) > 40 else None)

    return render


def format_date_value(value: DateValue, locale: QLocale) -> str:
    """A date field in the user's locale; timed values in the machine's time zone.

    Podio's local `start` is in the *Podio user's* time zone; the UTC variant converted to this
    computer's zone is what the person at the screen expects, so it wins when present.
    """
    start = _local_text(value.start_utc, value.start, value.has_time, locale)
    if value.end is None or value.end == value.start:
        return start
    end = _local_text(value.end_utc, value.end, value.has_time, locale)
    return f"{start} → {end}"


def _local_text(utc: datetime | None, naive: datetime, has_time: bool, locale: QLocale) -> str:
    if not has_time:
        day = QDate(naive.year, naive.month, naive.day)
        return locale.toString(day, QLocale.FormatType.ShortFormat)
    if utc is not None:
        moment = utc if utc.tzinfo is not None else utc.replace(tzinfo=UTC)
        qt_moment = QDateTime.fromSecsSinceEpoch(
            int(moment.timestamp()), QTimeZone.systemTimeZone()
        )
        return locale.toString(qt_moment, QLocale.FormatType.ShortFormat)
    wall = QDateTime(
        QDate(naive.year, naive.month, naive.day), QTime(naive.hour, naive.minute, naive.second)
    )
    return locale.toString(wall, QLocale.FormatType.ShortFormat)


def _moment_cell(moment: datetime, locale: QLocale) -> Cell:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    qt_moment = QDateTime.fromSecsSinceEpoch(int(aware.timestamp()), QTimeZone.systemTimeZone())
    return Cell(locale.toString(qt_moment, QLocale.FormatType.ShortFormat))
