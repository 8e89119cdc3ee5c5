"""Field input as Podio accepts it (any of its four forms) parsed into stored values, or 400."""

from __future__ import annotations

from podio_desk.sandbox import values as v
from podio_desk.sandbox.errors import invalid_value
from podio_desk.sandbox.model import JSON, App, FieldDef
from podio_desk.sandbox.records import Records

LOCATION_KEYS = (
    "value",
    "formatted",
    "street_number",
    "street_name",
    "postal_code",
    "city",
    "state",
    "country",
    "lat",
    "lng",
    "map_in_sync",
)

EMAIL_OR_PHONE_TYPES: dict[str, tuple[str, ...]] = {
    "email": v.EMAIL_TYPES,
    "phone": v.PHONE_TYPES,
    "tel": v.PHONE_TYPES,
}


class InputParsing(Records):
    """Input of the `fields` container and of single fields, checked against the app."""

    def parse_field_input(
        self, app: App, definition: FieldDef, raw: JSON, timezone: str
    ) -> list[JSON]:
        """One field's input in any of the four forms -> stored values, or 400."""
        kind = definition.type
        elements = v.value_elements(raw)
        if kind in v.READ_ONLY_TYPES:
            raise invalid_value(
                f"The field '{definition.label}' is a calculation and cannot be set",
                field_id=definition.field_id,
                external_id=definition.external_id,
            )
        out: list[JSON] = []
        try:
            for element in elements:
                out.append(self.parse_element(definition, element, timezone))
        except v.ValueInputError as error:
            raise invalid_value(
                f"{error} (field '{definition.label}', {definition.external_id})",
                field_id=definition.field_id,
                external_id=definition.external_id,
            ) from None
        if len(out) > 1 and not self.allows_many(definition):
            raise invalid_value(
                f"The field '{definition.label}' takes only one value",
                field_id=definition.field_id,
                external_id=definition.external_id,
            )
        # Repeated ids collapse, as a set-valued field would.
        if kind in ("category", "app", "contact", "image", "file"):
            seen: list[JSON] = []
            for element in out:
                if element not in seen:
                    seen.append(element)
            out = seen
        return out

    def allows_many(self, definition: FieldDef) -> bool:
        kind = definition.type
        if kind in ("category", "app"):
            return bool(definition.settings.get("multiple", kind == "app"))
        return kind in ("contact", "image", "file", "embed", "email", "phone", "tel")

    def parse_element(self, definition: FieldDef, element: JSON, timezone: str) -> JSON:
        kind = definition.type
        settings = definition.settings
        if kind == "text":
            value = v.unwrap_value(element)
            if not isinstance(value, str):
                raise v.ValueInputError(f"Invalid value {value!r}: must be a string")
            return value
        if kind == "number":
            return v.parse_decimal(v.unwrap_value(element))
        if kind == "money":
            if not isinstance(element, dict) or "currency" not in element:
                raise v.ValueInputError("Invalid value: money needs 'value' and 'currency'")
            currency = element["currency"]
            allowed = settings.get("allowed_currencies")
            if not isinstance(currency, str) or (allowed and currency not in allowed):
                raise v.ValueInputError(f"Invalid currency {currency!r}")
            return {"value": v.parse_decimal(element.get("value")), "currency": currency}
        if kind == "progress":
            return v.parse_int(v.unwrap_value(element), 0, 100)
        if kind == "duration":
            return v.parse_int(v.unwrap_value(element), 0, None)
        if kind == "date":
            return v.parse_date(element, timezone, settings)
        if kind == "category":
            value = v.unwrap_value(element)
            if isinstance(value, dict):
                value = value.get("id")
            for option in settings.get("options", []):
                if option.get("status", "active") != "active":
                    continue
                if value == option.get("id") or (
                    # Option text as input: UNCONFIRMED server-side (docs/podio-api.md,
                    # category); NET sends it.
                    isinstance(value, str) and value == option.get("text")
                ):
                    return option["id"]
            raise v.ValueInputError(f"Invalid value {value!r}: not a valid option")
        if kind == "app":
            value = v.unwrap_value(element)
            if isinstance(value, dict):
                value = value.get("item_id")
            target_id = v.parse_int(value)
            target = self.items.get(target_id)
            if target is None and target_id not in self.item_stubs:
                raise v.ValueInputError(f"Invalid value {target_id}: no such item")
            if target is not None:
                if target.deleted:
                    raise v.ValueInputError(f"Invalid value {target_id}: the item is deleted")
                allowed_apps = [
                    ref.get("app_id") for ref in settings.get("referenced_apps", []) or []
                ]
                if allowed_apps and target.app_id not in allowed_apps:
                    raise v.ValueInputError(
                        f"Invalid value {target_id}: the item is not in a referenced app"
                    )
            return target_id
        if kind == "contact":
            value = v.unwrap_value(element)
            if isinstance(value, dict):
                if value.get("type") == "user" and "id" in value:
                    user = self.users.get(v.parse_int(value["id"]))
                    value = user.profile_id if user else None
                else:
                    value = value.get("profile_id")
            profile_id = v.parse_int(value)
            if profile_id not in self.profiles:
                raise v.ValueInputError(f"Invalid value {profile_id}: no such contact")
            return profile_id
        if kind in ("image", "file"):
            value = v.unwrap_value(element)
            if isinstance(value, dict):
                value = value.get("file_id")
            file_id = v.parse_int(value)
            if file_id not in self.files:
                raise v.ValueInputError(f"Invalid value {file_id}: no such file")
            return file_id
        if kind == "embed":
            if not isinstance(element, dict):
                element = {"embed": element}
            embed = element.get("embed", element.get("value"))
            if isinstance(embed, dict):
                embed = embed.get("embed_id")
            embed_id = v.parse_int(embed)
            if embed_id not in self.embeds:
                raise v.ValueInputError(f"Invalid value {embed_id}: no such embed")
            file_value = element.get("file")
            if isinstance(file_value, dict):
                file_value = file_value.get("file_id")
            if file_value is None:
                return {"embed": embed_id, "file": None}
            file_id = v.parse_int(file_value)
            if file_id not in self.files:
                raise v.ValueInputError(f"Invalid value {file_id}: no such file")
            return {"embed": embed_id, "file": file_id}
        if kind == "location":
            value = element
            if isinstance(value, str):
                value = {"value": value}
            if not isinstance(value, dict) or not isinstance(value.get("value"), str):
                raise v.ValueInputError("Invalid value: a location needs an address 'value'")
            location: dict[str, JSON] = {key: value.get(key) for key in LOCATION_KEYS}
            location["formatted"] = value.get("formatted") or value["value"]
            location["map_in_sync"] = bool(value.get("lat") is not None)
            return location
        if kind in ("email", "phone", "tel"):
            possible = EMAIL_OR_PHONE_TYPES[kind]
            if isinstance(element, str):
                element = {"type": "other", "value": element}
            if not isinstance(element, dict) or not isinstance(element.get("value"), str):
                raise v.ValueInputError("Invalid value: needs {'type', 'value'}")
            entry_type = element.get("type", "other")
            if entry_type not in possible:
                raise v.ValueInputError(f"Invalid type {entry_type!r}")
            limit = 254 if kind == "email" else 50
            if len(element["value"]) > limit:
                raise v.ValueInputError(f"Invalid value: longer than {limit} characters")
            return {"type": entry_type, "value": element["value"]}
        raise v.ValueInputError(f"The field type {kind!r} cannot be set through the sandbox")

    def parse_fields_container(self, app: App, raw: JSON, timezone: str) -> dict[int, list[JSON]]:
        """Both `fields` shapes: an object keyed by id or external_id, or a list.

        See docs/podio-api.md, Writing items.
        """
        pairs: list[tuple[JSON, JSON]] = []
        if isinstance(raw, dict):
            pairs = list(raw.items())
        elif isinstance(raw, list):
            for entry in raw:
                if not isinstance(entry, dict):
                    raise invalid_value("Invalid value: each field entry must be an object")
                key = entry.get("field_id", entry.get("external_id"))
                pairs.append((key, entry.get("values", entry.get("value"))))
        elif raw is not None:
            raise invalid_value("Invalid value: 'fields' must be an object or a list")
        parsed: dict[int, list[JSON]] = {}
        for key, value in pairs:
            definition = app.field_by_key(key) if key is not None else None
            if definition is None or definition.status != "active":
                # Measured: an unknown field key is a bare 400 invalid_value (YW).
                raise invalid_value(
                    f"Invalid field '{key}': no such field in the app", field=str(key)
                )
            parsed[definition.field_id] = self.parse_field_input(app, definition, value, timezone)
        return parsed
