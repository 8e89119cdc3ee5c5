"""Table columns for an app: one per field (title first), each rendering its type's cell.

Text comes from `domain.fields.display_text`; this module adds what a table needs on top:
category colours, progress bars, links, right-aligned numbers and dates shown in the user's
locale and time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt, QTime

from podio_desk.domain.fields import (
    EMPTY,
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
from podio_desk.domain.workspace import SORTABLE_TYPES, App
from podio_desk.ui.table.cells import Cell, Column
from podio_desk.ui.time_zone import current_rule

RIGHT_ALIGNED = frozenset(
    {
        FieldType.NUMBER,
        FieldType.MONEY,
        FieldType.CALCULATION,
        FieldType.DURATION,
    }
)
HIDDEN_TYPES = frozenset({FieldType.SEPARATOR})
# Field types edited in place in the table (F2); the others open the item's form.
INLINE_TYPES = frozenset(
    {
        FieldType.TEXT,
        FieldType.NUMBER,
        FieldType.MONEY,
        FieldType.CATEGORY,
        FieldType.DATE,
        FieldType.PROGRESS,
    }
)
# Between the start and end of a date range: an en dash with spaces.
RANGE_DASH = " \u2013 "


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


def editable_inline(fdef: FieldDef) -> bool:
    """Whether a cell of this field gets an inline editor (HTML text goes to the form)."""
    if fdef.field_type not in INLINE_TYPES:
        return False
    return not (fdef.field_type is FieldType.TEXT and fdef.settings.get("format") == "html")


def default_width(column: Column[Item]) -> int:
    return DEFAULT_WIDTHS.get(column.kind, 140)


def columns_for_app(app: App, locale: QLocale | None = None) -> list[Column[Item]]:
    """Title first, then the app's active fields in Podio's order, then created / last edit."""
    chosen_locale = locale if locale is not None else QLocale()
    title_field = app.title_field
    columns: list[Column[Item]] = [
        Column(
            "title",
            title_field.label if title_field is not None and title_field.label else "Title",
            "title",
            _title_cell,
            sort_by="title",
            edit_value=_edit_value(title_field) if title_field is not None else None,
            opens_item=True,
        ),
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
                edit_value=_edit_value(fdef),
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


def _edit_value(fdef: FieldDef) -> Callable[[Item], object | None] | None:
    """The inline editor's (FieldDef, FieldValue) for text, number, money, category, date and
    progress cells (not HTML text: that goes to the form); None for every other field."""
    if not editable_inline(fdef):
        return None

    def edit_value(item: Item) -> object | None:
        return fdef, item.values.get(fdef.field_id, EMPTY)

    return edit_value


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
            target = next(
                (
                    (related.app_id, related.item_id)
                    for related in value.items
                    if related.app_id is not None
                ),
                None,
            )
            return Cell(text, tooltip=text, link=link, related=target)
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
    """A date field in the user's locale, its times in the zone of the one time rule
    (ui/time_zone.py): the Podio user's zone, or this computer's if the user chose it —
    the same as the editor and the in-place editor show. A range reads "start \u2013 end"
    (an en dash)."""
    shown = current_rule().shown(value)
    start = _wall_text(shown.start, shown.has_time, locale)
    if shown.end is None or shown.end == shown.start:
        return start
    end = _wall_text(shown.end, shown.has_time, locale)
    return f"{start}{RANGE_DASH}{end}"


def _wall_text(moment: datetime, has_time: bool, locale: QLocale) -> str:
    day = QDate(moment.year, moment.month, moment.day)
    if not has_time:
        return _format_day(day, locale)
    return _format_moment(QDateTime(day, QTime(moment.hour, moment.minute, moment.second)), locale)


def has_sensible_format(locale: QLocale) -> bool:
    """Whether the locale's short date format is one a person reads as a date.

    The C locale (offscreen platforms, LANG=C, minimal containers) formats "30 12 2025":
    no separators, ambiguous. ISO 8601 is shown instead.
    """
    if locale.language() in (QLocale.Language.C, QLocale.Language.AnyLanguage):
        return False
    pattern = locale.dateFormat(QLocale.FormatType.ShortFormat)
    return any(mark in pattern for mark in "/.-") and "y" in pattern


def _format_day(day: QDate, locale: QLocale) -> str:
    if has_sensible_format(locale):
        return locale.toString(day, QLocale.FormatType.ShortFormat)
    return day.toString(Qt.DateFormat.ISODate)


def _format_moment(moment: QDateTime, locale: QLocale) -> str:
    if has_sensible_format(locale):
        return locale.toString(moment, QLocale.FormatType.ShortFormat)
    return moment.toString("yyyy-MM-dd HH:mm")


def _moment_cell(moment: datetime | None, locale: QLocale) -> Cell:
    if moment is None:
        return Cell("")
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return Cell(_wall_text(current_rule().wall_time(aware), True, locale))
