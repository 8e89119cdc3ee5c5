"""Field definitions: the field types Podio knows and one field of an app (`FieldDef`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from podio_desk.domain._json import as_int, as_mapping, fail, is_int, opt_bool, opt_str, str_or


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    PROGRESS = "progress"
    DURATION = "duration"
    CALCULATION = "calculation"
    DATE = "date"
    CATEGORY = "category"
    APP = "app"
    CONTACT = "contact"
    IMAGE = "image"
    FILE = "file"
    EMBED = "embed"
    LOCATION = "location"
    EMAIL = "email"
    PHONE = "phone"
    # Podio's docs call the phone field "tel", recorded items say "phone" (docs/podio-api.md,
    # Fields and values). Both are handled by the phone codec; the type string of the field
    # is kept as received.
    TEL = "tel"
    SEPARATOR = "separator"


_READ_ONLY_TYPES = frozenset({FieldType.CALCULATION, FieldType.SEPARATOR})


@dataclass(frozen=True)
class FieldDef:
    """One field of an app, as in GET /app/{id} `fields[]` or an item's `fields[]` entry.

    `type` is the type string exactly as Podio sent it (unknown types are kept as-is);
    `field_type` is the enum member, or None for a type this version does not know.
    `config` is the raw config object; `settings` is `config.settings` (empty when null).
    """

    field_id: int
    external_id: str
    type: str
    label: str
    status: str = "active"
    required: bool = False
    settings: Mapping[str, Any] = field(default_factory=dict, hash=False)
    config: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def from_api(cls, json: object) -> FieldDef:
        where = "Field definition"
        entry = as_mapping(json, where, "field definition")
        label_guess = entry.get("label")
        if isinstance(label_guess, str):
            where = f'Field "{label_guess}"'
        if "field_id" not in entry:
            fail(where, '"field_id" is missing')
        field_id = as_int(entry.get("field_id"), where, '"field_id"')
        if isinstance(label_guess, str):
            where = f'Field "{label_guess}" ({field_id})'
        else:
            where = f"Field {field_id}"
        type_name = opt_str(entry, "type", where)
        if not type_name:
            fail(where, 'the field "type" is missing')
        raw_config = entry.get("config")
        config = {} if raw_config is None else as_mapping(raw_config, where, "config")
        label = opt_str(entry, "label", where)
        if label is None:
            label = str_or(config, "label", where, default=str(field_id))
        raw_settings = config.get("settings")
        settings = {} if raw_settings is None else as_mapping(raw_settings, where, "settings")
        required = opt_bool(config, "required", where) or False
        return cls(
            field_id=field_id,
            external_id=str_or(entry, "external_id", where),
            type=type_name,
            label=label,
            # Field entries inside filter results carry no status; they are live fields.
            status=str_or(entry, "status", where, default="active"),
            required=required,
            settings=dict(settings),
            config=dict(config),
        )

    @property
    def field_type(self) -> FieldType | None:
        try:
            return FieldType(self.type)
        except ValueError:
            return None

    @property
    def is_read_only(self) -> bool:
        kind = self.field_type
        return kind is None or kind in _READ_ONLY_TYPES

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def description(self) -> str:
        """The help text under the field in Podio (`config.description`), or ""."""
        text = self.config.get("description")
        return text if isinstance(text, str) else ""

    @property
    def delta(self) -> int:
        """The field's position in the app (`config.delta`); unknown positions sort last."""
        position = self.config.get("delta")
        return position if is_int(position) else 1_000_000

    @property
    def is_hidden(self) -> bool:
        """Hidden in Podio's item view (`config.hidden`) — shown on demand, not dropped."""
        return self.config.get("hidden") is True

    @property
    def where(self) -> str:
        """How error messages name this field."""
        return f'Field "{self.label}"'
