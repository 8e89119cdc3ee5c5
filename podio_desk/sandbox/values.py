"""Field values: Podio's input forms -> the sandbox's internal form, and internal -> Podio's JSON.

Written from docs/podio-api.md (Fields and values) and the recorded fixtures, independently
of the client's code.

Internal forms (one per element of a field's value list):
  text: str · number/calculation: canonical decimal str · money: {"value": str, "currency": str}
  progress/duration: int · date: {"start": UTC "YYYY-MM-DD HH:MM:SS" or date-only "YYYY-MM-DD",
  "end": same, optional} · category: option id · app: item id · contact: profile id ·
  image/file: file id · embed: {"embed": embed_id, "file": file_id or None} · location: dict ·
  email/phone: {"type": str, "value": str}
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

from podio_desk.sandbox.model import JSON

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$")

NUMERIC_TYPES = frozenset({"number", "money", "progress", "duration", "calculation"})
READ_ONLY_TYPES = frozenset({"calculation"})
EMAIL_TYPES = ("work", "home", "other")
PHONE_TYPES = ("mobile", "work", "home", "main", "work_fax", "private_fax", "other")


class ValueInputError(Exception):
    """A value that Podio would refuse with 400 invalid_value."""


def format_decimal(value: str | int | float | Decimal) -> str:
    """Podio sends every number, money amount and calculation as a string with 4 decimals."""
    return f"{Decimal(str(value)).quantize(Decimal('0.0001'))}"


def parse_decimal(raw: JSON) -> str:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueInputError(f"Invalid value {raw!r}: must be a number")
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueInputError(f"Invalid value {raw!r}: must be a number") from None
    if not number.is_finite():
        raise ValueInputError(f"Invalid value {raw!r}: must be a finite number")
    return str(number.normalize()) if number != 0 else "0"


def parse_int(raw: JSON, low: int | None = None, high: int | None = None) -> int:
    if isinstance(raw, bool):
        raise ValueInputError(f"Invalid value {raw!r}: must be an integer")
    if isinstance(raw, str):
        try:
            raw = int(raw.strip())
        except ValueError:
            raise ValueInputError(f"Invalid value {raw!r}: must be an integer") from None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if not isinstance(raw, int):
        raise ValueInputError(f"Invalid value {raw!r}: must be an integer")
    if (low is not None and raw < low) or (high is not None and raw > high):
        raise ValueInputError(f"Invalid value {raw}: must be between {low} and {high}")
    return raw


def value_elements(raw: JSON) -> list[JSON]:
    """The four equivalent value forms (docs/podio-api.md, Writing items) as a list of elements.

    `[{sub_id: v}, ...]`, `[v, ...]`, `{sub_id: v}` and `v` all become a list; `[]` and `None`
    clear the field.
    """
    if raw is None:
        return []
    if isinstance(raw, list):
        return list(raw)
    return [raw]


def unwrap_value(element: JSON) -> JSON:
    """`{"value": v}` -> v; anything else unchanged."""
    if isinstance(element, dict) and "value" in element:
        return element["value"]
    return element


# ----------------------------------------------------------------------------- dates


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _parse_datetime(text: str) -> datetime:
    if len(text) == 16:
        text += ":00"
    return datetime.fromisoformat(text)


def local_to_utc(text: str, timezone: str) -> str:
    local = _parse_datetime(text).replace(tzinfo=zone(timezone))
    return local.astimezone(UTC).strftime(DATETIME_FORMAT)


def utc_to_local(text: str, timezone: str) -> str:
    moment = _parse_datetime(text).replace(tzinfo=UTC)
    return moment.astimezone(zone(timezone)).isoformat(sep=" ")[:19]


def render_date_point(prefix: str, stored: str, timezone: str) -> dict[str, JSON]:
    """The six keys of one end of a date value (`start*` or `end*`)."""
    if _DATE_RE.match(stored):
        # Date-only values (docs/podio-api.md, date; PYMED): local gets a 00:00:00 time, no time
        # parts, and the `_utc` variant is the bare date.
        return {
            prefix: f"{stored} 00:00:00",
            f"{prefix}_date": stored,
            f"{prefix}_time": None,
            f"{prefix}_utc": stored,
            f"{prefix}_date_utc": stored,
            f"{prefix}_time_utc": None,
        }
    local = utc_to_local(stored, timezone)
    return {
        prefix: local,
        f"{prefix}_date": local[:10],
        f"{prefix}_time": local[11:],
        f"{prefix}_utc": stored,
        f"{prefix}_date_utc": stored[:10],
        f"{prefix}_time_utc": stored[11:],
    }


def render_date(stored: dict[str, JSON], timezone: str) -> dict[str, JSON]:
    rendered = render_date_point("start", str(stored["start"]), timezone)
    if stored.get("end"):
        rendered.update(render_date_point("end", str(stored["end"]), timezone))
    return rendered


def _parse_date_point(
    element: dict[str, JSON], prefix: str, timezone: str, time_allowed: bool
) -> str | None:
    """One end of a date input in any of the accepted forms -> stored form."""
    utc = element.get(f"{prefix}_utc")
    local = element.get(prefix)
    date_part = element.get(f"{prefix}_date")
    time_part = element.get(f"{prefix}_time")
    if isinstance(utc, str) and utc:
        if _DATE_RE.match(utc):
            return utc
        if _DATETIME_RE.match(utc):
            return utc if time_allowed else utc[:10]
        raise ValueInputError(f"Invalid value {utc!r} for {prefix}_utc: use YYYY-MM-DD HH:MM:SS")
    if isinstance(local, str) and local:
        if _DATE_RE.match(local):
            return local
        if _DATETIME_RE.match(local):
            if not time_allowed:
                return local[:10]
            return local_to_utc(local, timezone)
        raise ValueInputError(f"Invalid value {local!r} for {prefix}: use YYYY-MM-DD HH:MM:SS")
    if isinstance(date_part, str) and date_part:
        if not _DATE_RE.match(date_part):
            raise ValueInputError(f"Invalid value {date_part!r} for {prefix}_date: use YYYY-MM-DD")
        if isinstance(time_part, str) and time_part and time_allowed:
            combined = f"{date_part} {time_part}"
            if not _DATETIME_RE.match(combined):
                raise ValueInputError(f"Invalid value {time_part!r} for {prefix}_time")
            return local_to_utc(combined, timezone)
        return date_part
    if any(key in element for key in (prefix, f"{prefix}_utc", f"{prefix}_date")):
        return None
    return None


def parse_date(element: JSON, timezone: str, settings: dict[str, JSON]) -> dict[str, JSON]:
    """Date input: start/end (local), start_utc/end_utc, or start_date(+start_time)."""
    try:
        return _parse_date(element, timezone, settings)
    except ValueError as error:  # a date that matches the pattern but does not exist
        raise ValueInputError(f"Invalid date {element!r}: {error}") from None


def _parse_date(element: JSON, timezone: str, settings: dict[str, JSON]) -> dict[str, JSON]:
    if isinstance(element, str):
        element = {"start": element}
    if not isinstance(element, dict):
        raise ValueInputError(f"Invalid value {element!r}: a date must be an object")
    if "value" in element and not any(k.startswith("start") for k in element):
        raise ValueInputError("Invalid value: a date has no 'value' key; use start/end")
    time_allowed = settings.get("time", "enabled") != "disabled"
    start = _parse_date_point(element, "start", timezone, time_allowed)
    if start is None:
        raise ValueInputError("Invalid value: a date needs a start")
    _check_real_date(start)
    stored: dict[str, JSON] = {"start": start}
    end = _parse_date_point(element, "end", timezone, time_allowed)
    if end is not None:
        if settings.get("end") == "disabled":
            raise ValueInputError("Invalid value: this date field has no end date")
        _check_real_date(end)
        if _date_sort_key(end) < _date_sort_key(start):
            raise ValueInputError("Invalid value: the end is before the start")
        stored["end"] = end
    elif settings.get("end") == "required":
        raise ValueInputError("Invalid value: this date field requires an end date")
    return stored


def _check_real_date(stored: str) -> None:
    """Raises ValueError for dates that match the pattern but do not exist (2026-13-45)."""
    datetime.fromisoformat(_date_sort_key(stored))


def _date_sort_key(stored: str) -> str:
    return stored if len(stored) > 10 else f"{stored} 00:00:00"


def date_sort_key(stored: dict[str, JSON]) -> str:
    return _date_sort_key(str(stored["start"]))


def parse_filter_datetime(text: JSON, end_of_day: bool) -> str:
    """A filter bound "YYYY-MM-DD[ HH:MM:SS]" -> comparable "YYYY-MM-DD HH:MM:SS"."""
    if not isinstance(text, str):
        raise ValueInputError(f"Invalid date {text!r} in filter")
    if _DATE_RE.match(text):
        result = f"{text} 23:59:59" if end_of_day else f"{text} 00:00:00"
    elif _DATETIME_RE.match(text):
        result = text if len(text) == 19 else f"{text}:00"
    else:
        raise ValueInputError(f"Invalid date {text!r} in filter")
    try:
        datetime.fromisoformat(result)
    except ValueError:
        raise ValueInputError(f"Invalid date {text!r} in filter") from None
    return result


def now_text(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime(DATETIME_FORMAT)


def html_to_text(value: str) -> str:
    if "<" not in value:
        return value.strip()
    return re.sub(r"<[^>]+>", "", value).strip()


def infer_timezone(pairs: list[tuple[str, str]], candidates: tuple[str, ...]) -> str | None:
    """The first candidate zone in which every (local, utc) pair agrees."""
    for name in candidates:
        if all(utc_to_local(utc, name) == local for local, utc in pairs):
            return name
    return None
