"""Field values back in the shape of GET `values`, for keeping local edits in cached JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from podio_desk.domain.errors import MalformedValueError
from podio_desk.domain.fields.definitions import FieldDef
from podio_desk.domain.fields.locations import _PLACE_TEXT_KEYS
from podio_desk.domain.fields.numeric import plain_decimal
from podio_desk.domain.fields.operations import _check_value, _codec, _guarded
from podio_desk.domain.fields.values import (
    CalculationValue,
    CategoryValue,
    ContactValue,
    DateValue,
    DurationValue,
    EmailValue,
    EmbedValue,
    EmptyValue,
    FieldValue,
    FileListValue,
    FileRef,
    LocationValue,
    MoneyValue,
    NumberValue,
    PhoneValue,
    ProgressValue,
    RawValue,
    RelationshipValue,
    TextValue,
)


def _file_json(ref: FileRef) -> dict[str, Any]:
    return {
        "file_id": ref.file_id,
        "name": ref.name,
        "mimetype": ref.mimetype,
        "size": ref.size,
        "link": ref.link,
        "thumbnail_link": ref.thumbnail_link,
    }


def _date_element(value: DateValue) -> dict[str, Any]:
    element: dict[str, Any] = {}
    parts = (
        ("start", value.start_date, value.start_time, value.start_utc),
        ("end", value.end_date, value.end_time, value.end_utc),
    )
    for prefix, day, moment, utc in parts:
        if day is None:
            continue
        clock = None if moment is None else moment.strftime("%H:%M:%S")
        element[prefix] = f"{day.isoformat()} {clock or '00:00:00'}"
        element[f"{prefix}_date"] = day.isoformat()
        element[f"{prefix}_time"] = clock
        if utc is not None:
            element[f"{prefix}_utc"] = utc.strftime("%Y-%m-%d %H:%M:%S")
            element[f"{prefix}_date_utc"] = utc.date().isoformat()
            element[f"{prefix}_time_utc"] = utc.strftime("%H:%M:%S")
    return element


def _get_text(value: TextValue) -> list[Any]:
    return [{"value": value.text}]


def _get_number(value: NumberValue) -> list[Any]:
    return [{"value": plain_decimal(value.value)}]


def _get_money(value: MoneyValue) -> list[Any]:
    return [{"value": plain_decimal(value.amount), "currency": value.currency}]


def _get_progress(value: ProgressValue) -> list[Any]:
    return [{"value": value.percent}]


def _get_duration(value: DurationValue) -> list[Any]:
    return [{"value": value.seconds}]


def _get_date(value: DateValue) -> list[Any]:
    return [_date_element(value)]


def _get_category(value: CategoryValue) -> list[Any]:
    return [
        {"value": {"id": o.id, "text": o.text, "color": o.color, "status": o.status}}
        for o in value.options
    ]


def _get_relationship(value: RelationshipValue) -> list[Any]:
    return [
        {
            "value": {
                "item_id": item.item_id,
                "title": item.title,
                "app_item_id": item.app_item_id,
                "link": item.link,
                "app": {"app_id": item.app_id, "name": item.app_name},
            }
        }
        for item in value.items
    ]


def _get_contact(value: ContactValue) -> list[Any]:
    return [
        {
            "value": {
                "profile_id": c.profile_id,
                "name": c.name,
                "type": c.type,
                "user_id": c.user_id,
                "mail": list(c.mails),
                "phone": list(c.phones),
                "link": c.link,
                "image": None if c.avatar_file_id is None else {"file_id": c.avatar_file_id},
                "org_id": c.org_id,
                "space_id": c.space_id,
            }
        }
        for c in value.contacts
    ]


def _get_files(value: FileListValue) -> list[Any]:
    return [{"value": _file_json(ref)} for ref in value.files]


def _get_embed(value: EmbedValue) -> list[Any]:
    return [
        {
            "embed": {
                "embed_id": e.embed_id,
                "url": e.url,
                "title": e.title,
                "description": e.description,
                "original_url": e.original_url,
                "resolved_url": e.resolved_url,
                "hostname": e.hostname,
                "type": e.type,
            },
            "file": None if e.file is None else _file_json(e.file),
        }
        for e in value.embeds
    ]


def _get_location(value: LocationValue) -> list[Any]:
    out = []
    for place in value.places:
        entry: dict[str, Any] = {key: getattr(place, key) for key in _PLACE_TEXT_KEYS}
        entry["lat"] = None if place.lat is None else float(place.lat)
        entry["lng"] = None if place.lng is None else float(place.lng)
        entry["map_in_sync"] = place.map_in_sync
        out.append(entry)
    return out


def _get_entries(value: EmailValue | PhoneValue) -> list[Any]:
    return [{"type": entry.type, "value": entry.value} for entry in value.entries]


def _get_calculation(value: CalculationValue) -> list[Any]:
    if value.number is not None:
        return [{"value": plain_decimal(value.number)}]
    if value.date is not None:
        return [_date_element(value.date)]
    return [{"value": value.text}]


def _get_raw(value: RawValue) -> list[Any]:
    return list(value.values)


def _get_empty(value: EmptyValue) -> list[Any]:
    return []


_GET_RENDERERS: Mapping[type, Callable[[Any], list[Any]]] = {
    EmptyValue: _get_empty,
    TextValue: _get_text,
    NumberValue: _get_number,
    MoneyValue: _get_money,
    ProgressValue: _get_progress,
    DurationValue: _get_duration,
    DateValue: _get_date,
    CategoryValue: _get_category,
    RelationshipValue: _get_relationship,
    ContactValue: _get_contact,
    FileListValue: _get_files,
    EmbedValue: _get_embed,
    LocationValue: _get_location,
    EmailValue: _get_entries,
    PhoneValue: _get_entries,
    CalculationValue: _get_calculation,
    RawValue: _get_raw,
}


def to_get_values(fdef: FieldDef, value: FieldValue | None) -> list[Any]:
    """The value in the shape of GET `values` (what `parse_values` reads back unchanged).

    For keeping a locally edited value in a cached item's JSON, e.g. while a change waits
    in the offline outbox. Numbers keep every digit (Podio itself would show 4 decimals).
    """
    if value is None:
        return []
    renderer = _GET_RENDERERS.get(type(value))
    if renderer is None:
        raise MalformedValueError(f"{fdef.where}: {type(value).__name__} is not a field value")
    codec = _codec(fdef)
    if codec is not None and not isinstance(value, (EmptyValue, RawValue)):
        _check_value(fdef, codec, value)
    rendered: list[Any] = _guarded(fdef, "store its value", lambda: renderer(value))
    return rendered
