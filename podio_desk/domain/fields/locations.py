"""Location fields: an address as typed plus Podio's geocoding."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from podio_desk.domain._json import as_decimal, opt_bool, opt_str
from podio_desk.domain.fields.codec import _Codec, _elements
from podio_desk.domain.fields.definitions import FieldDef
from podio_desk.domain.fields.values import EMPTY, FieldValue, LocationValue, Place

_PLACE_TEXT_KEYS = (
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


def _coordinate(fdef: FieldDef, element: Mapping[str, Any], key: str) -> Decimal | None:
    raw = element.get(key)
    return None if raw is None else as_decimal(raw, fdef.where, f'"{key}"')


class _LocationCodec(_Codec):
    kind_name = "location"
    value_class = LocationValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        places = []
        for element in _elements(fdef, values):
            texts = {key: opt_str(element, key, fdef.where) for key in _PLACE_TEXT_KEYS}
            place = Place(
                **texts,
                lat=_coordinate(fdef, element, "lat"),
                lng=_coordinate(fdef, element, "lng"),
                map_in_sync=opt_bool(element, "map_in_sync", fdef.where),
            )
            places.append(place)
        return LocationValue(tuple(places)) if places else EMPTY

    def display(self, fdef: FieldDef, value: LocationValue) -> str:
        return "; ".join(place.text for place in value.places)

    def to_input(self, fdef: FieldDef, value: LocationValue) -> Any:
        body = []
        for place in value.places:
            entry: dict[str, Any] = {
                key: getattr(place, key)
                for key in _PLACE_TEXT_KEYS
                if getattr(place, key) is not None
            }
            # Coordinates are JSON numbers; a float keeps every digit Podio sent us.
            if place.lat is not None:
                entry["lat"] = float(place.lat)
            if place.lng is not None:
                entry["lng"] = float(place.lng)
            body.append(entry)
        return body

    def validate(self, fdef: FieldDef, value: LocationValue) -> list[str]:
        issues = []
        for place in value.places:
            if place.lat is not None and not -90 <= place.lat <= 90:
                issues.append(f'"{fdef.label}": latitude {place.lat} is not between -90 and 90')
            if place.lng is not None and not -180 <= place.lng <= 180:
                issues.append(f'"{fdef.label}": longitude {place.lng} is not between -180 and 180')
        return issues

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        return LocationValue((Place(value=text.strip()),))
