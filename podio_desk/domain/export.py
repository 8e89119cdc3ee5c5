"""What an export writes: its columns, and for each item one cell per column.

The columns follow the table: the visible columns in screen order (title, fields, created,
last edit; keys as in the table's layout). Each column gives a cell as display text (what
the table shows) and as a typed value: the XLSX file stores numbers as numbers and dates as
dates, the CSV file the text. With `raw=True` every column is followed by its raw values:
ids (item, category options, related items, contacts, files, embeds), numbers as numbers,
dates in ISO form, money as an amount column and a currency column, links as addresses.

Choices (see docs/podio-api.md, "Export"):

* Dates and times are shown by the table's one time rule (domain/time_rule.py): a timed
  date field, created and last edit read as the table shows them (the Podio user's zone, or
  this computer's if the user chose it); XLSX stores them as dates without a zone, the
  clock in that zone. Raw date columns are UTC, and say so in their header: in CSV ISO
  form with a "Z", in XLSX dates without a zone. Days without a time are never converted.
* Dates read "YYYY-MM-DD HH:MM" (no seconds, as the table) whatever the locale the table
  shows them in: a file is read by programs and by people in other countries.
* XLSX stores numbers, money, progress and durations as numbers with a number format
  (money in its currency's, progress as a percentage, a duration as a time of hours
  that can pass 24), so a spreadsheet can sum them; CSV keeps the text the table shows.
  Raw columns hold plain values.
* Several ids or entries in one raw cell are joined with "; ", one id stays a number.
* The title column's header is the title field's label, as the table's (else "Title").
* Formula guard (CSV): a spreadsheet opening a CSV file runs a cell that starts with "=",
  "+", "-" or "@" (or a tab or carriage return before one) as a formula: OWASP's "CSV
  injection". By default a display cell of free text (title, text, category, contacts,
  relations, links, emails, phones, places, files, text calculations) starting with one of
  those characters is written with a leading "'", which spreadsheets show as text; number,
  money, progress, duration and date columns, raw-value columns, and a calculation's plain
  number ("-3.5") are never touched. The export can turn the guard off (the CLI's
  `--no-formula-guard`, the dialog's checkbox) to write the text exactly as Podio holds it.
  XLSX needs no guard: every text cell is stored as text ("=" included), never a formula.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from podio_desk.domain.fields import (
    CURRENCY_SYMBOLS,
    EN_DASH,
    CalculationValue,
    CategoryValue,
    ContactValue,
    DateValue,
    DurationValue,
    EmailValue,
    EmbedValue,
    FieldDef,
    FieldType,
    FieldValue,
    FileListValue,
    LocationValue,
    MoneyValue,
    NumberValue,
    PhoneValue,
    ProgressValue,
    RawValue,
    RelationshipValue,
    TextValue,
    category_options,
    display_text,
    is_empty,
    plain_decimal,
)
from podio_desk.domain.items import Item
from podio_desk.domain.time_rule import TimeRule
from podio_desk.domain.workspace import App

# A number with the number format a spreadsheet shows it in (XLSX only; CSV writes the text).
FormattedNumber = tuple[Decimal | int | float, str]
CellValue = str | int | Decimal | date | datetime | FormattedNumber | None

TITLE = "title"
CREATED_ON = "created_on"
LAST_EDIT_ON = "last_edit_on"
# Separators hold no value; the table shows no column for them either.
_HIDDEN_TYPES = frozenset({FieldType.SEPARATOR})
JOIN = "; "
# What a spreadsheet reads as the start of a formula in a CSV cell (see the docstring).
FORMULA_STARTS = frozenset("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d[\d,.]*%?")


class ExportFormat(Enum):
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class ExportColumn:
    """One column of the file. `text` gives the CSV cell, `value` the XLSX cell."""

    header: str
    key: str  # the table column it belongs to
    text: Callable[[Item], str]
    value: Callable[[Item], CellValue]
    raw: bool = False
    # Free text: the CSV formula guard applies to its display cells (see the docstring).
    guard: bool = False


def table_column_keys(app: App) -> list[str]:
    """The table's columns of `app` in their default order: title, the active fields in
    Podio's order (separators and the title field left out), created, last edit."""
    title_field = app.title_field
    keys = [TITLE]
    for fdef in app.active_fields:
        if fdef.field_type in _HIDDEN_TYPES or fdef == title_field:
            continue
        keys.append(str(fdef.field_id))
    return [*keys, CREATED_ON, LAST_EDIT_ON]


def layout_column_keys(app: App, order: Sequence[str], hidden: Sequence[str]) -> list[str]:
    """The visible columns in screen order of a table laid out as the window saved it
    (ui/view_state.py): the saved order first, columns it does not know (fields added
    since) after it in Podio's order; hidden ones left out, never the title."""
    known = table_column_keys(app)
    ordered = [key for key in dict.fromkeys(order) if key in known]
    ordered += [key for key in known if key not in ordered]
    return [key for key in ordered if key == TITLE or key not in hidden]


def column_keys_named(app: App, names: Sequence[str]) -> list[str]:
    """Table column keys for names a user typed: a field's external id, id or label, the
    title field's, "title", "created" / "created_on", "last_edit" / "last edit" /
    "last_edit_on" (any case). Raises ValueError naming the columns there are when a name
    matches none."""
    by_name: dict[str, str] = {}
    keys = table_column_keys(app)
    title_field = app.title_field
    for key in keys:
        fdef = app.field(int(key)) if key.isdigit() else None
        names_of = {key}
        if fdef is not None:
            names_of |= {fdef.label, fdef.external_id or ""}
        elif key == TITLE:
            names_of |= {title_header(app), "Title"}
            if title_field is not None:
                names_of |= {str(title_field.field_id), title_field.external_id or ""}
        elif key == CREATED_ON:
            names_of |= {"Created", "created"}
        else:
            names_of |= {"Last edit", "last_edit"}
        for name in names_of:
            if name:
                by_name.setdefault(name.strip().casefold(), key)
    chosen: list[str] = []
    for name in names:
        found = by_name.get(name.strip().casefold())
        if found is None:
            there = ", ".join(_column_name(app, known) for known in keys)
            raise ValueError(f"the app has no column {name!r} (it has {there})")
        chosen.append(found)
    return list(dict.fromkeys(chosen))


def _column_name(app: App, key: str) -> str:
    """A name of the column a user can type."""
    if key == TITLE:
        return TITLE
    if key == CREATED_ON:
        return "created"
    if key == LAST_EDIT_ON:
        return "last_edit"
    fdef = app.field(int(key))
    return fdef.external_id or fdef.label if fdef is not None else key


def export_columns(
    app: App,
    keys: Sequence[str] | None = None,
    *,
    raw: bool = False,
    rule: TimeRule | None = None,
) -> list[ExportColumn]:
    """The columns for `keys` (table column keys in screen order; default: all of the
    table's), unknown keys left out; with `raw`, each followed by its raw-value columns.
    Times are shown by `rule`, the table's (default: Podio's local values, and created and
    last edit in this computer's zone)."""
    rule = rule or TimeRule()
    known = table_column_keys(app)
    chosen = [key for key in (known if keys is None else keys) if key in known]
    columns: list[ExportColumn] = []
    for key in dict.fromkeys(chosen):
        if key == TITLE:
            columns.append(ExportColumn(title_header(app), key, _title, _title, guard=True))
            if raw:
                columns.append(_raw_column("Item ID", key, _item_id))
        elif key in (CREATED_ON, LAST_EDIT_ON):
            label = "Created" if key == CREATED_ON else "Last edit"
            moment = _created_on if key == CREATED_ON else _last_edit_on
            columns.append(_moment_column(label, key, moment, rule))
            if raw:
                columns.append(_utc_column(f"{label} (UTC)", key, _utc(moment)))
        else:
            fdef = app.field(int(key))
            if fdef is None:
                continue
            columns.append(_field_column(fdef, rule))
            if raw:
                columns.extend(_raw_field_columns(fdef, rule))
    return columns


def title_header(app: App) -> str:
    """The title column's header: the table's (the title field's label, else "Title")."""
    title_field = app.title_field
    return title_field.label if title_field is not None and title_field.label else "Title"


def formula_safe(text: str) -> str:
    """`text` as a CSV cell no spreadsheet runs as a formula: a leading "'" before a cell
    starting with "=", "+", "-", "@", tab or CR, unless it is a plain number ("-3.5")."""
    if not text or text[0] not in FORMULA_STARTS or _PLAIN_NUMBER.fullmatch(text):
        return text
    return "'" + text


def guarded_columns(columns: Sequence[ExportColumn]) -> list[int]:
    """The positions of the columns the formula guard applies to."""
    return [position for position, column in enumerate(columns) if column.guard]


def option_ids_in_filters(app: App, filters: Mapping[str, Any]) -> dict[str, Any]:
    """`filters` (Podio's grammar) with a category field's option texts replaced by their
    ids, so `{"status": ["Active"]}` works as `{"status": [1]}`. Texts match without regard
    to case or surrounding spaces; ids (numbers, or strings of digits) pass unchanged.
    Raises ValueError naming the field's options when a text matches none."""
    resolved: dict[str, Any] = {}
    for key, wanted in filters.items():
        fdef = app.field(key)
        if fdef is None or fdef.field_type is not FieldType.CATEGORY:
            resolved[key] = wanted
            continue
        options = category_options(fdef)
        by_text = {option.text.strip().casefold(): option.id for option in options}
        ids: list[Any] = []
        for entry in wanted if isinstance(wanted, list) else [wanted]:
            if not isinstance(entry, str) or entry.strip().isdigit():
                ids.append(int(entry) if isinstance(entry, str) else entry)
                continue
            found = by_text.get(entry.strip().casefold())
            if found is None:
                names = ", ".join(repr(option.text) for option in options)
                raise ValueError(f"{fdef.label!r} has no option {entry!r} (it has {names})")
            ids.append(found)
        resolved[key] = ids
    return resolved


def csv_text(value: CellValue) -> str:
    """A typed cell as CSV text: numbers in plain notation, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, tuple):
        return csv_text(value[0]) if isinstance(value[0], (int, Decimal)) else str(value[0])
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.tzinfo is None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def headers(columns: Sequence[ExportColumn]) -> list[str]:
    return [column.header for column in columns]


def text_row(columns: Sequence[ExportColumn], item: Item) -> list[str]:
    return [column.text(item) for column in columns]


def value_row(columns: Sequence[ExportColumn], item: Item) -> list[CellValue]:
    return [column.value(item) for column in columns]


# ---------------------------------------------------------------------- built-in columns


def _title(item: Item) -> str:
    return item.title


def _item_id(item: Item) -> CellValue:
    return item.item_id


def _created_on(item: Item) -> datetime | None:
    return item.created_on


def _last_edit_on(item: Item) -> datetime | None:
    return item.last_edit_on


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _utc(read: Callable[[Item], datetime | None]) -> Callable[[Item], CellValue]:
    def value(item: Item) -> CellValue:
        moment = read(item)
        # Spreadsheets have no time zones: a naive moment, the header says UTC.
        return None if moment is None else _aware(moment).astimezone(UTC).replace(tzinfo=None)

    return value


def _moment_column(
    label: str, key: str, read: Callable[[Item], datetime | None], rule: TimeRule
) -> ExportColumn:
    def value(item: Item) -> CellValue:
        moment = read(item)
        if moment is None:
            return None
        return rule.wall_time(_aware(moment)).replace(second=0, microsecond=0)

    def text(item: Item) -> str:
        local = value(item)
        return local.strftime("%Y-%m-%d %H:%M") if isinstance(local, datetime) else ""

    return ExportColumn(label, key, text, value)


def _raw_column(header: str, key: str, value: Callable[[Item], CellValue]) -> ExportColumn:
    return ExportColumn(header, key, lambda item: csv_text(value(item)), value, raw=True)


def _utc_text(value: CellValue) -> str:
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    return csv_text(value)


def _utc_column(header: str, key: str, value: Callable[[Item], CellValue]) -> ExportColumn:
    """A raw column of UTC moments (naive: spreadsheets have no zones; the header says UTC)."""
    return ExportColumn(header, key, lambda item: _utc_text(value(item)), value, raw=True)


# ---------------------------------------------------------------------- field columns


def _field_value(item: Item, field_id: int) -> FieldValue | None:
    value = item.values.get(field_id)
    if value is None or is_empty(value):
        return None
    return value


def _field_column(fdef: FieldDef, rule: TimeRule) -> ExportColumn:
    """Display text; in XLSX a single number or a single date is stored as one."""
    field_id = fdef.field_id
    decimals = fdef.settings.get("decimals")
    decimals = decimals if isinstance(decimals, int) and 0 <= decimals <= 20 else None

    def text(item: Item) -> str:
        value = _field_value(item, field_id)
        if value is None:
            return ""
        if isinstance(value, DateValue):
            return _date_text(rule.shown(value))
        if isinstance(value, CalculationValue) and value.date is not None:
            return _date_text(rule.shown(value.date))
        return display_text(fdef, value)

    def typed(item: Item) -> CellValue:
        value = _field_value(item, field_id)
        if value is None:
            return None
        if isinstance(value, NumberValue):
            return value.value, number_format(value.value, decimals)
        if isinstance(value, MoneyValue):
            return value.amount, money_format(value.currency)
        if isinstance(value, ProgressValue):
            return Decimal(value.percent) / 100, "0%"
        if isinstance(value, DurationValue):
            return value.seconds / 86400, "[h]:mm:ss"
        if isinstance(value, CalculationValue) and value.number is not None:
            return value.number, number_format(value.number, decimals)
        if isinstance(value, DateValue) and value.end_date is None:
            return _date_cell(rule.shown(value))
        return text(item)

    return ExportColumn(
        fdef.label, str(field_id), text, typed, guard=fdef.field_type not in _NUMBER_OR_DATE
    )


# Field types whose display text is a number or a date: never touched by the formula guard.
_NUMBER_OR_DATE = frozenset(
    {
        FieldType.NUMBER,
        FieldType.MONEY,
        FieldType.PROGRESS,
        FieldType.DURATION,
        FieldType.DATE,
    }
)


def number_format(number: Decimal, decimals: int | None) -> str:
    """Thousands grouped, with the field's decimals (else as many as the number has)."""
    if decimals is None:
        exponent = number.normalize().as_tuple().exponent
        decimals = min(-exponent, 10) if isinstance(exponent, int) and exponent < 0 else 0
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def money_format(currency: str) -> str:
    """As the table shows money: the symbol before ("€1,500.00"), else the code after."""
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol:
        return f'"{symbol}"#,##0.00'
    return f'#,##0.00 "{currency}"' if currency else "#,##0.00"


def _raw_field_columns(fdef: FieldDef, rule: TimeRule) -> list[ExportColumn]:
    field_id = fdef.field_id
    key = str(field_id)
    label = fdef.label

    def read(convert: Callable[[FieldValue], CellValue]) -> Callable[[Item], CellValue]:
        def value(item: Item) -> CellValue:
            found = _field_value(item, field_id)
            return None if found is None else convert(found)

        return value

    kind = fdef.field_type
    if kind is FieldType.MONEY:
        return [
            _raw_column(f"{label} (amount)", key, read(_money_amount)),
            _raw_column(f"{label} (currency)", key, read(_money_currency)),
        ]
    if kind is FieldType.DATE:
        return [
            _utc_column(f"{label} (start, UTC)", key, read(_date_start(rule))),
            _utc_column(f"{label} (end, UTC)", key, read(_date_end(rule))),
        ]
    return [_raw_column(f"{label} (raw)", key, read(_raw_value))]


def _money_amount(value: FieldValue) -> CellValue:
    return value.amount if isinstance(value, MoneyValue) else None


def _money_currency(value: FieldValue) -> CellValue:
    return value.currency if isinstance(value, MoneyValue) else None


def _moment_text(moment: date | datetime) -> str:
    if isinstance(moment, datetime):
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.isoformat()


def _date_text(shown: DateValue) -> str:
    """A date as the table shows it (`shown`: already in the shown zone)."""
    start = _date_cell(shown)
    end = shown.end if shown.start_time is not None else shown.end_date
    if end is None or end == start:
        return _moment_text(start)
    return f"{_moment_text(start)} {EN_DASH} {_moment_text(end)}"


def _date_cell(value: DateValue) -> date | datetime:
    return value.start if value.start_time is not None else value.start_date


def _utc_moment(local: datetime, utc: datetime | None, rule: TimeRule) -> datetime:
    """One end of a timed date as a naive UTC moment: Podio's UTC value, else its local
    value read in the Podio zone (this computer's if that is unknown)."""
    if utc is not None:
        return _aware(utc).astimezone(UTC).replace(tzinfo=None)
    zone = rule.podio_zone or rule.machine_zone
    return local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def _date_start(rule: TimeRule) -> Callable[[FieldValue], CellValue]:
    def convert(value: FieldValue) -> CellValue:
        if not isinstance(value, DateValue):
            return None
        if value.start_time is None:
            return value.start_date
        return _utc_moment(value.start, value.start_utc, rule)

    return convert


def _date_end(rule: TimeRule) -> Callable[[FieldValue], CellValue]:
    def convert(value: FieldValue) -> CellValue:
        if not isinstance(value, DateValue) or value.end_date is None:
            return None
        if value.start_time is None:
            return value.end_date
        end = value.end
        assert end is not None
        return _utc_moment(end, value.end_utc, rule)

    return convert


def _ids(ids: Sequence[int]) -> CellValue:
    if not ids:
        return None
    if len(ids) == 1:
        return ids[0]
    return JOIN.join(str(one) for one in ids)


def _joined(texts: Sequence[str | None]) -> CellValue:
    present = [text for text in texts if text]
    return JOIN.join(present) if present else None


def _raw_value(value: FieldValue) -> CellValue:
    """The raw value of one field (see the module docstring)."""
    result: CellValue
    if isinstance(value, TextValue):
        result = value.text
    elif isinstance(value, NumberValue):
        result = value.value
    elif isinstance(value, ProgressValue):
        result = value.percent
    elif isinstance(value, DurationValue):
        result = value.seconds
    elif isinstance(value, CategoryValue):
        result = _ids([option.id for option in value.options])
    elif isinstance(value, RelationshipValue):
        result = _ids([related.item_id for related in value.items])
    elif isinstance(value, ContactValue):
        result = _ids([contact.profile_id for contact in value.contacts])
    elif isinstance(value, FileListValue):
        result = _ids([file.file_id for file in value.files])
    elif isinstance(value, EmbedValue):
        # A link's raw value is its address (Podio's embed id means nothing outside it).
        result = _joined([embed.url or embed.resolved_url for embed in value.embeds])
    elif isinstance(value, (EmailValue, PhoneValue)):
        result = _joined([entry.value for entry in value.entries])
    elif isinstance(value, LocationValue):
        result = _joined([place.formatted or place.value for place in value.places])
    elif isinstance(value, CalculationValue):
        if value.number is not None:
            result = value.number
        elif value.date is not None:
            result = _date_cell(value.date)
        else:
            result = value.text
    elif isinstance(value, RawValue):
        result = _json_text(list(value.values))
    else:
        result = None
    return result


def _json_text(values: Any) -> str:
    return json.dumps(values, ensure_ascii=False, default=str, separators=(",", ":"))
