"""Test-only stand-in for Podio: how a create/update input comes back in a GET `values` array.

Written from docs/podio-api.md (Fields and values) and the recorded fixtures, not from the
domain code, so a round trip value -> to_input -> render_as_get -> parse_values checks our
input against Podio's shapes.

"Without loss" means: everything we send comes back. Relationship, contact, image/file and
embed inputs carry only ids; Podio expands them again from its own records. `Known` plays
those records: it holds the expanded objects by id (taken from the original GET values, or
built by `get_values_for` from a typed value), and the renderer expands ids from it. Date
inputs are local; Podio derives the `_utc` variants from the user's time zone, which the
input does not carry, so rendered dates have no `_utc` keys (DateValue does not compare them).
Numbers come back as strings with 4 decimals, as Podio renders them. A location's
`map_in_sync` is Podio's geocoding state: true when the input had coordinates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from podio_desk.domain import fields as f


@dataclass
class Known:
    """Objects Podio would expand ids into, by id."""

    items: dict[int, Any] = field(default_factory=dict)
    contacts: dict[int, Any] = field(default_factory=dict)
    files: dict[int, Any] = field(default_factory=dict)
    embeds: dict[int, Any] = field(default_factory=dict)

    @classmethod
    def from_get(cls, fdef: f.FieldDef, values: list[Any]) -> Known:
        known = cls()
        for element in values:
            inner = element.get("value")
            if fdef.type == "app":
                known.items[inner["item_id"]] = inner
            elif fdef.type == "contact":
                known.contacts[inner["profile_id"]] = inner
            elif fdef.type in ("image", "file"):
                known.files[inner["file_id"]] = inner
            elif fdef.type == "embed":
                known.embeds[element["embed"]["embed_id"]] = element["embed"]
                if element.get("file"):
                    known.files[element["file"]["file_id"]] = element["file"]
        return known


def _four_decimals(text: Any) -> str:
    return f"{Decimal(str(text)).quantize(Decimal('0.0001')):f}"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _ids(value: Any) -> list[int]:
    ids = []
    for entry in _as_list(value):
        ids.append(entry["value"] if isinstance(entry, Mapping) else entry)
    return ids


def _render_date(body: Mapping[str, Any]) -> dict[str, Any]:
    element: dict[str, Any] = {}
    for prefix in ("start", "end"):
        day = body.get(f"{prefix}_date")
        if day is None:
            continue
        moment = body.get(f"{prefix}_time")
        element[prefix] = f"{day} {moment or '00:00:00'}"
        element[f"{prefix}_date"] = day
        element[f"{prefix}_time"] = moment
    return element


def render_as_get(fdef: f.FieldDef, sent: Any, known: Known | None = None) -> list[Any]:
    """The GET `values` Podio would show after this input was saved."""
    known = known or Known()
    kind = fdef.type
    if sent == []:
        return []
    if kind == "text":
        return [{"value": sent}]
    if kind == "number":
        return [{"value": _four_decimals(sent)}]
    if kind == "money":
        return [{"value": _four_decimals(sent["value"]), "currency": sent["currency"]}]
    if kind in ("progress", "duration"):
        return [{"value": int(sent)}]
    if kind == "date":
        return [_render_date(sent)]
    if kind == "category":
        options = {option["id"]: option for option in fdef.settings.get("options", [])}
        return [{"value": options[option_id]} for option_id in _ids(sent)]
    if kind == "app":
        return [{"value": known.items[item_id]} for item_id in _ids(sent)]
    if kind == "contact":
        return [{"value": known.contacts[profile_id]} for profile_id in _ids(sent)]
    if kind in ("image", "file"):
        return [{"value": known.files[file_id]} for file_id in _ids(sent)]
    if kind == "embed":
        return [
            {
                "embed": known.embeds[entry["embed"]],
                "file": known.files[entry["file"]] if entry.get("file") else None,
            }
            for entry in _as_list(sent)
        ]
    if kind == "location":
        # Podio geocodes the address; with coordinates given the map is in sync.
        return [
            dict(entry, map_in_sync="lat" in entry and "lng" in entry) for entry in _as_list(sent)
        ]
    if kind in ("email", "phone", "tel"):
        return [{"type": entry["type"], "value": entry["value"]} for entry in _as_list(sent)]
    # Unknown types: what we re-send verbatim comes back as it was.
    return list(sent)


# ------------------------------------------------------------------ typed value -> GET JSON


def _file_json(ref: f.FileRef) -> dict[str, Any]:
    return {
        "file_id": ref.file_id,
        "name": ref.name,
        "mimetype": ref.mimetype,
        "size": ref.size,
        "link": ref.link,
        "thumbnail_link": ref.thumbnail_link,
    }


def _date_json(value: f.DateValue) -> dict[str, Any]:
    body: dict[str, Any] = {"start_date": value.start_date.isoformat()}
    if value.start_time is not None:
        body["start_time"] = value.start_time.isoformat()
    if value.end_date is not None:
        body["end_date"] = value.end_date.isoformat()
        if value.end_time is not None:
            body["end_time"] = value.end_time.isoformat()
    return _render_date(body)


def get_values_for(fdef: f.FieldDef, value: f.FieldValue) -> list[Any]:
    """The GET `values` array Podio would return for a typed value (test oracle)."""
    if isinstance(value, f.EmptyValue):
        return []
    if isinstance(value, f.TextValue):
        return [{"value": value.text}]
    if isinstance(value, f.NumberValue):
        return [{"value": _four_decimals(value.value)}]
    if isinstance(value, f.MoneyValue):
        return [{"value": _four_decimals(value.amount), "currency": value.currency}]
    if isinstance(value, f.ProgressValue):
        return [{"value": value.percent}]
    if isinstance(value, f.DurationValue):
        return [{"value": value.seconds}]
    if isinstance(value, f.DateValue):
        return [_date_json(value)]
    if isinstance(value, f.CategoryValue):
        return [
            {"value": {"id": o.id, "text": o.text, "color": o.color, "status": o.status}}
            for o in value.options
        ]
    if isinstance(value, f.RelationshipValue):
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
    if isinstance(value, f.ContactValue):
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
    if isinstance(value, f.FileListValue):
        return [{"value": _file_json(ref)} for ref in value.files]
    if isinstance(value, f.EmbedValue):
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
    if isinstance(value, f.LocationValue):
        out = []
        for place in value.places:
            entry: dict[str, Any] = {
                key: getattr(place, key)
                for key in (
                    "value",
                    "formatted",
                    "street_number",
                    "street_name",
                    "street_address",
                    "postal_code",
                    "city",
                    "state",
                    "country",
                )
            }
            entry["lat"] = None if place.lat is None else float(place.lat)
            entry["lng"] = None if place.lng is None else float(place.lng)
            entry["map_in_sync"] = place.map_in_sync
            out.append(entry)
        return out
    if isinstance(value, (f.EmailValue, f.PhoneValue)):
        return [{"type": e.type, "value": e.value} for e in value.entries]
    if isinstance(value, f.RawValue):
        return list(value.values)
    raise AssertionError(f"no GET rendering for {value!r}")


def full_view(value: object) -> str:
    """Everything a value holds (ids, titles, names…), for comparisons stricter than ==."""
    return repr(value)
