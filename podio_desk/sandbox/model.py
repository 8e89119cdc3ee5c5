"""The sandbox's records: orgs, spaces, apps, fields, items, files, users and their JSON shapes.

Everything here is plain data. Values are stored in a compact internal form (see values.py) and
rendered into Podio's JSON on demand; rendered JSON is cached per item and invalidated on write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = Any
"""A JSON value (dict, list, str, int, float, bool or None)."""

CREATED_VIA_PODIO: dict[str, JSON] = {
    "url": None,
    "auth_client_id": 1,
    "display": False,
    "name": "Podio",
    "id": 1,
}

PODIO_WEB = "https://podio.com"


@dataclass
class User:
    user_id: int
    profile_id: int
    name: str
    mail: str
    password: str
    timezone: str
    last_seen_on: str = "2026-01-01 08:00:00"

    def ref(self) -> JSON:
        """The `created_by` / revision `user` shape of a user."""
        return {
            "user_id": self.user_id,
            "name": self.name,
            "url": f"{PODIO_WEB}/users/{self.user_id}",
            "type": "user",
            "image": None,
            "avatar_type": "file",
            "avatar": None,
            "id": self.user_id,
            "avatar_id": None,
            "last_seen_on": self.last_seen_on,
        }


@dataclass
class Org:
    org_id: int
    name: str
    url_label: str
    created_on: str = "2024-01-15 09:00:00"

    @property
    def url(self) -> str:
        return f"{PODIO_WEB}/{self.url_label}/"


@dataclass
class Space:
    space_id: int
    org_id: int
    name: str
    url_label: str
    created_on: str = "2024-01-15 09:30:00"


@dataclass
class FieldDef:
    field_id: int
    type: str
    external_id: str
    label: str
    config: dict[str, JSON]
    status: str = "active"

    @property
    def settings(self) -> dict[str, JSON]:
        settings = self.config.get("settings")
        return settings if isinstance(settings, dict) else {}

    @property
    def required(self) -> bool:
        return bool(self.config.get("required"))

    def to_json(self) -> JSON:
        return {
            "status": self.status,
            "type": self.type,
            "field_id": self.field_id,
            "label": self.label,
            "config": self.config,
            "external_id": self.external_id,
        }

    def filter_config(self) -> JSON:
        """Filter results carry a trimmed field config (FIX-filter)."""
        return {
            "settings": self.config.get("settings"),
            "mapping": self.config.get("mapping"),
            "label": self.label,
        }


def field_config(
    label: str,
    settings: JSON,
    delta: int,
    *,
    required: bool = False,
    description: str | None = None,
) -> dict[str, JSON]:
    """A field `config` with every key GET /app returns (FIX-app)."""
    return {
        "default_value": None,
        "unique": False,
        "description": description,
        "hidden_create_view_edit": False,
        "required": required,
        "mapping": None,
        "label": label,
        "visible": True,
        "delta": delta,
        "hidden": False,
        "settings": settings,
    }


@dataclass
class App:
    app_id: int
    space_id: int
    name: str
    item_name: str
    url_label: str
    token: str
    fields: list[FieldDef]
    icon_id: int = 251
    # A replayed app definition is served back exactly as recorded, and the app's micro
    # form inside its items (`item["app"]`) too.
    recorded: dict[str, JSON] | None = None
    recorded_micro: dict[str, JSON] | None = None

    def field_by_key(self, key: str | int) -> FieldDef | None:
        text = str(key)
        for definition in self.fields:
            if str(definition.field_id) == text or definition.external_id == text:
                return definition
        return None


@dataclass
class FileRecord:
    file_id: int
    name: str
    mimetype: str
    content: bytes
    created_on: str
    created_by: int
    description: str | None = None
    # (ref_type, ref_id) the file is attached to, e.g. ("item", 123).
    attached_to: tuple[str, int] | None = None
    # A replayed file is rendered from its recorded JSON.
    recorded: dict[str, JSON] | None = None


@dataclass
class Embed:
    embed_id: int
    url: str
    title: str
    description: str | None
    hostname: str
    recorded: dict[str, JSON] | None = None

    def to_json(self) -> JSON:
        if self.recorded is not None:
            return self.recorded
        return {
            "embed_id": self.embed_id,
            "embed_html": None,
            "description": self.description,
            "original_url": self.url,
            "url": self.url,
            "hostname": self.hostname,
            "embed_height": None,
            "resolved_url": self.url,
            "title": self.title,
            "type": "link",
            "embed_width": None,
        }


@dataclass
class Revision:
    revision: int
    item_revision_id: int
    created_on: str
    created_by: tuple[str, int]
    type: str
    # field_id -> (values before, values after) in internal form.
    changes: dict[int, tuple[list[JSON], list[JSON]]] = field(default_factory=dict)


@dataclass
class Comment:
    comment_id: int
    item_id: int
    value: str
    created_on: str
    created_by: tuple[str, int]
    external_id: str | None = None
    file_ids: list[int] = field(default_factory=list)


@dataclass
class Task:
    task_id: int
    text: str
    description: str
    status: str
    due_date: str | None
    # None for a task on no object (POST /task/ without ref_type).
    ref_type: str | None
    ref_id: int | None
    responsible: int
    created_on: str
    created_by: int
    # Added with task creation over HTTP; defaults keep older saved sandboxes loadable.
    due_time: str | None = None
    completed_on: str | None = None


@dataclass
class Hook:
    """A webhook registration. The sandbox never calls the URL, so a hook stays "inactive"
    (Podio's state until the URL answers the verification)."""

    hook_id: int
    ref_type: str
    ref_id: int
    url: str
    type: str
    created_on: str
    created_by: tuple[str, int]
    status: str = "inactive"


@dataclass
class View:
    view_id: int
    app_id: int
    name: str
    sort_by: str | None
    sort_desc: bool
    filters: list[dict[str, JSON]]
    created_on: str = "2024-02-01 10:00:00"


@dataclass
class Item:
    item_id: int
    app_id: int
    app_item_id: int
    values: dict[int, list[JSON]]
    created_on: str
    created_by: tuple[str, int]
    last_edit_on: str
    last_edit_by: tuple[str, int]
    revision: int = 0
    initial_revision_id: int = 0
    current_revision_id: int = 0
    external_id: str | None = None
    tags: list[str] = field(default_factory=list)
    file_ids: list[int] = field(default_factory=list)
    history: list[Revision] = field(default_factory=list)
    deleted: bool = False
    # Replayed items render dates in the time zone their recording was made in.
    timezone: str | None = None
    # Rendered-JSON caches, dropped on every write to this item or to an item it references.
    # JSON text of the item as a referenced item (inside relationship values).
    cache_micro_text: str | None = None
    cache_filter: str | None = None
    cache_micro: JSON = None
