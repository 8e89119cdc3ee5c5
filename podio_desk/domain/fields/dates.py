"""Date fields: local date and time as Podio sends them, plus its UTC variant."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from podio_desk.domain._json import fail, short
from podio_desk.domain.fields.codec import _Codec, _elements, _only, _settings_str
from podio_desk.domain.fields.definitions import FieldDef
from podio_desk.domain.fields.values import EMPTY, DateValue, FieldValue, SortKey

_DATE_TEXT = r"(\d{4}-\d{2}-\d{2})"
_TIME_TEXT = r"(\d{1,2}:\d{2}(?::\d{2})?)"
EN_DASH = "\u2013"
_RANGE_SEPARATOR = re.compile(r"\s+(?:-|\u2013|\u2014|to)\s+|\s*[\u2013\u2014]\s*")


def _date_from(fdef: FieldDef, text: object, what: str) -> date:
    if not isinstance(text, str):
        fail(fdef.where, f"the {what} should be a date text, got {short(text)}")
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        fail(fdef.where, f'the {what} "{text}" is not a date of the form YYYY-MM-DD')


def _time_from(fdef: FieldDef, text: object, what: str) -> time:
    if not isinstance(text, str):
        fail(fdef.where, f"the {what} should be a time text, got {short(text)}")
    pieces = text.strip().split(":")
    if all(piece.isdigit() and len(piece) <= 2 for piece in pieces):
        text = ":".join(piece.zfill(2) for piece in pieces)  # "9:00" as "09:00"
    try:
        moment = time.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is not None:
        fail(fdef.where, f'the {what} "{text}" is not a time of the form HH:MM:SS')
    return moment


def _datetime_from(fdef: FieldDef, text: object, what: str) -> datetime:
    if not isinstance(text, str):
        fail(fdef.where, f"the {what} should be a date and time, got {short(text)}")
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        fail(fdef.where, f'the {what} "{text}" is not of the form YYYY-MM-DD HH:MM:SS')


def _date_part(
    fdef: FieldDef, element: Mapping[str, Any], prefix: str
) -> tuple[date | None, time | None, datetime | None]:
    """Read `start*` or `end*` keys: local date, local time (None = all day), UTC moment."""
    local_date: date | None = None
    local_time: time | None = None
    day_text = element.get(f"{prefix}_date")
    combined = element.get(prefix)
    moment = None if combined is None else _datetime_from(fdef, combined, prefix)
    if day_text is not None:
        local_date = _date_from(fdef, day_text, f"{prefix}_date")
    elif moment is not None:
        local_date = moment.date()
    if f"{prefix}_time" in element:
        time_text = element[f"{prefix}_time"]
        local_time = None if time_text is None else _time_from(fdef, time_text, f"{prefix}_time")
    elif moment is not None and moment.time() != time():
        # Without `{prefix}_time`, Podio's "YYYY-MM-DD 00:00:00" is ambiguous: we read
        # midnight as "all day", which is how Podio renders date-only values
        # (docs/podio-api.md, Fields and values).
        local_time = moment.time()
    utc_moment: datetime | None = None
    utc_text = element.get(f"{prefix}_utc")
    if isinstance(utc_text, str) and len(utc_text.strip()) > 10:
        utc_moment = _datetime_from(fdef, utc_text, f"{prefix}_utc").replace(tzinfo=UTC)
    elif utc_text is not None and not isinstance(utc_text, str):
        fail(fdef.where, f'"{prefix}_utc" should be text, got {short(utc_text)}')
    elif element.get(f"{prefix}_date_utc") is not None and element.get(f"{prefix}_time_utc"):
        day = _date_from(fdef, element[f"{prefix}_date_utc"], f"{prefix}_date_utc")
        moment_time = _time_from(fdef, element[f"{prefix}_time_utc"], f"{prefix}_time_utc")
        utc_moment = datetime.combine(day, moment_time, tzinfo=UTC)
    if local_date is None and utc_moment is not None:
        fail(fdef.where, f"the date has only a UTC {prefix}, no local {prefix}")
    return local_date, local_time if local_date else None, utc_moment if local_time else None


def _parse_date_element(fdef: FieldDef, element: Mapping[str, Any]) -> DateValue:
    start_date, start_time, start_utc = _date_part(fdef, element, "start")
    if start_date is None:
        fail(fdef.where, f"a date value has no start: {short(element)}")
    end_date, end_time, end_utc = _date_part(fdef, element, "end")
    return DateValue(start_date, start_time, end_date, end_time, start_utc, end_utc)


def _time_text(moment: time) -> str:
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")


def _date_display(value: DateValue) -> str:
    start = value.start_date.isoformat()
    if value.start_time is not None:
        start += " " + _time_text(value.start_time)
    if value.end_date is None:
        return start
    if value.end_date == value.start_date and value.end_time is not None:
        end = _time_text(value.end_time)
    else:
        end = value.end_date.isoformat()
        if value.end_time is not None:
            end += " " + _time_text(value.end_time)
    if end == start:
        return start
    return f"{start} {EN_DASH} {end}"


def _date_sort_key(value: DateValue) -> str:
    return value.start.strftime("%Y-%m-%d %H:%M:%S")


class _DateCodec(_Codec):
    kind_name = "date"
    value_class = DateValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        elements = _elements(fdef, values)
        if not elements:
            return EMPTY
        return _parse_date_element(fdef, _only(fdef, elements))

    def display(self, fdef: FieldDef, value: DateValue) -> str:
        return _date_display(value)

    def to_input(self, fdef: FieldDef, value: DateValue) -> Any:
        # The local form, as Podio reads it in the user's own time zone — the zone its
        # local values came in — so a value read and written back stays the same.
        body: dict[str, Any] = {"start_date": value.start_date.isoformat()}
        if value.start_time is not None:
            body["start_time"] = value.start_time.strftime("%H:%M:%S")
        if value.end_date is not None:
            body["end_date"] = value.end_date.isoformat()
            if value.end_time is not None:
                body["end_time"] = value.end_time.strftime("%H:%M:%S")
        return body

    def validate(self, fdef: FieldDef, value: DateValue) -> list[str]:
        issues = []
        end_mode = _settings_str(fdef, "end") or "enabled"
        time_mode = _settings_str(fdef, "time") or "enabled"
        if end_mode == "disabled" and value.end_date is not None:
            issues.append(f'"{fdef.label}" has no end date; remove the end')
        if end_mode == "required" and value.end_date is None:
            issues.append(f'"{fdef.label}" needs an end date')
        if time_mode == "disabled" and (value.start_time or value.end_time):
            issues.append(f'"{fdef.label}" takes a date without a time')
        if time_mode == "required" and value.start_time is None:
            issues.append(f'"{fdef.label}" needs a time')
        if (
            time_mode == "required"
            and value.end_date is not None
            and value.end_time is None
            and value.start_time is not None
        ):
            issues.append(f'"{fdef.label}" needs an end time')
        if value.end_date is not None and value.end_time is not None and value.start_time is None:
            issues.append(f'"{fdef.label}" has an end time but no start time')
        end = value.end
        if end is not None and end < value.start:
            issues.append(f'"{fdef.label}" ends before it starts')
        return issues

    def sort_key(self, fdef: FieldDef, value: DateValue) -> SortKey:
        return _date_sort_key(value)

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        cleaned = text.strip()
        pieces = _RANGE_SEPARATOR.split(cleaned, maxsplit=1)
        example = f'"2026-11-22", "2026-11-22 14:00" or "2026-11-22 14:00 {EN_DASH} 16:00"'
        start = re.fullmatch(rf"{_DATE_TEXT}(?:[ T]{_TIME_TEXT})?", pieces[0])
        if not start:
            fail(fdef.where, f'"{text}" is not a date; write e.g. {example}')
        start_date = _date_from(fdef, start.group(1), "date")
        start_time = _time_from(fdef, start.group(2), "time") if start.group(2) else None
        end_date: date | None = None
        end_time: time | None = None
        if len(pieces) == 2:
            end = re.fullmatch(rf"{_DATE_TEXT}(?:[ T]{_TIME_TEXT})?|{_TIME_TEXT}", pieces[1])
            if not end:
                fail(fdef.where, f'the end of "{text}" is not a date or time; write e.g. {example}')
            if end.group(3):
                end_date = start_date
                end_time = _time_from(fdef, end.group(3), "end time")
            else:
                end_date = _date_from(fdef, end.group(1), "end date")
                end_time = _time_from(fdef, end.group(2), "end time") if end.group(2) else None
        for piece in (start_time, end_time):
            if piece is not None and start_time is None:
                fail(fdef.where, f'"{text}" has an end time but no start time')
        return DateValue(start_date, start_time, end_date, end_time)
