"""Organizations, workspaces (spaces), apps and views as Podio returns them.

`from_api` readers are tolerant of missing optional keys (Podio's micro/mini objects leave
many out) but raise MalformedValueError when an id is missing or not a whole number.
Names Podio sends HTML-escaped (app names like "Leads &amp; Clients") are unescaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from podio_desk.domain._json import (
    as_int,
    as_list,
    as_mapping,
    fail,
    is_int,
    opt_bool,
    opt_int,
    opt_str,
    str_or,
)
from podio_desk.domain.errors import MalformedValueError
from podio_desk.domain.fields import FieldDef, FieldType


def _req_id(obj: Mapping[str, Any], key: str, where: str, *alternatives: str) -> int:
    for name in (key, *alternatives):
        if obj.get(name) is not None:
            return as_int(obj[name], where, f'"{name}"')
    raise MalformedValueError(f'{where}: "{key}" is missing')


def _name(obj: Mapping[str, Any], where: str, *keys: str) -> str:
    for key in keys:
        value = opt_str(obj, key, where)
        if value is not None:
            return html.unescape(value)
    return ""


@dataclass(frozen=True)
class Space:
    space_id: int
    org_id: int | None
    name: str
    url_label: str = ""
    role: str | None = None
    url: str | None = None
    type: str | None = None

    @classmethod
    def from_api(cls, json: object, org_id: int | None = None) -> Space:
        entry = as_mapping(json, "Workspace", "workspace")
        space_id = _req_id(entry, "space_id", "Workspace", "id")
        where = f"Workspace {space_id}"
        return cls(
            space_id=space_id,
            org_id=opt_int(entry, "org_id", where) if entry.get("org_id") is not None else org_id,
            name=_name(entry, where, "name"),
            url_label=str_or(entry, "url_label", where),
            role=opt_str(entry, "role", where),
            url=opt_str(entry, "url", where),
            type=opt_str(entry, "type", where),
        )


@dataclass(frozen=True)
class Org:
    org_id: int
    name: str
    url_label: str = ""
    spaces: tuple[Space, ...] = ()
    url: str | None = None

    @classmethod
    def from_api(cls, json: object) -> Org:
        entry = as_mapping(json, "Organization", "organization")
        org_id = _req_id(entry, "org_id", "Organization", "id")
        where = f"Organization {org_id}"
        raw_spaces = entry.get("spaces")
        spaces = () if raw_spaces is None else as_list(raw_spaces, where, "spaces")
        return cls(
            org_id=org_id,
            name=_name(entry, where, "name"),
            url_label=str_or(entry, "url_label", where),
            spaces=tuple(Space.from_api(space, org_id) for space in spaces),
            url=opt_str(entry, "url", where),
        )


def orgs_from_api(json: object) -> tuple[Org, ...]:
    """GET /org/: a bare array of organizations, each with its spaces."""
    return tuple(Org.from_api(entry) for entry in as_list(json, "Organization list", "list"))


@dataclass(frozen=True)
class App:
    """An app (GET /app/{id}, or the smaller app object inside items and app lists)."""

    app_id: int
    space_id: int | None
    name: str
    item_name: str = ""
    icon: str | None = None
    status: str = "active"
    fields: tuple[FieldDef, ...] = ()
    default_view_id: int | None = None
    url_label: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False, repr=False)

    @classmethod
    def from_api(cls, json: object) -> App:
        entry = as_mapping(json, "App", "app")
        app_id = _req_id(entry, "app_id", "App", "id")
        where = f"App {app_id}"
        raw_config = entry.get("config")
        config = {} if raw_config is None else as_mapping(raw_config, where, "config")
        raw_fields = entry.get("fields")
        field_entries = [] if raw_fields is None else as_list(raw_fields, where, "fields")
        return cls(
            app_id=app_id,
            space_id=opt_int(entry, "space_id", where),
            name=_name(config, where, "name") or _name(entry, where, "name"),
            item_name=_name(config, where, "item_name") or _name(entry, where, "item_name"),
            icon=opt_str(config, "icon", where) or opt_str(entry, "icon", where),
            status=str_or(entry, "status", where, default="active"),
            fields=tuple(FieldDef.from_api(item) for item in field_entries),
            default_view_id=opt_int(entry, "default_view_id", where),
            url_label=str_or(entry, "url_label", where),
            raw=entry,
        )

    @cached_property
    def _by_id(self) -> dict[int, FieldDef]:
        return {fdef.field_id: fdef for fdef in self.fields}

    @cached_property
    def _by_external_id(self) -> dict[str, FieldDef]:
        return {fdef.external_id: fdef for fdef in self.fields if fdef.external_id}

    @property
    def active_fields(self) -> tuple[FieldDef, ...]:
        """Fields not deleted, in Podio's order (`config.delta`)."""
        live = [fdef for fdef in self.fields if fdef.is_active]
        return tuple(sorted(live, key=lambda fdef: fdef.delta))

    def field(self, key: int | str) -> FieldDef | None:
        """A field by id, or by external id (a string of digits is tried as an id too)."""
        if is_int(key):
            return self._by_id.get(int(key))
        text = str(key)
        found = self._by_external_id.get(text)
        if found is None and text.isdigit():
            found = self._by_id.get(int(text))
        return found

    @property
    def title_field(self) -> FieldDef | None:
        """The field Podio takes an item's title from: "title", else the first text field."""
        titled = self._by_external_id.get("title")
        if titled is not None and titled.is_active:
            return titled
        for fdef in self.active_fields:
            if fdef.field_type is FieldType.TEXT:
                return fdef
        return None


# Podio sorts items by fields of these types (a field id as `sort_by`; docs/podio-api.md, Sort
# keys); other types have no server order.
SORTABLE_TYPES = frozenset(
    {
        FieldType.TEXT,
        FieldType.NUMBER,
        FieldType.MONEY,
        FieldType.CALCULATION,
        FieldType.PROGRESS,
        FieldType.DURATION,
        FieldType.APP,
        FieldType.DATE,
        FieldType.CONTACT,
        FieldType.CATEGORY,
        FieldType.LOCATION,
    }
)


@dataclass(frozen=True)
class ViewFilter:
    key: str
    values: Any


@dataclass(frozen=True)
class View:
    view_id: int
    name: str
    sort_by: str | None = None
    sort_desc: bool = False
    filters: tuple[ViewFilter, ...] = ()
    type: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False, repr=False)

    @classmethod
    def from_api(cls, json: object) -> View:
        entry = as_mapping(json, "View", "view")
        view_id = _req_id(entry, "view_id", "View", "id")
        where = f"View {view_id}"
        sort_by = entry.get("sort_by")
        if sort_by is not None and not isinstance(sort_by, str):
            # A field id sorts by that field; Podio sends it as a number or a string.
            sort_by = str(as_int(sort_by, where, '"sort_by"'))
        return cls(
            view_id=view_id,
            name=_name(entry, where, "name"),
            sort_by=sort_by,
            sort_desc=opt_bool(entry, "sort_desc", where) or False,
            filters=_view_filters(entry.get("filters"), where),
            type=opt_str(entry, "type", where),
            raw=entry,
        )


def _view_filters(raw: object, where: str) -> tuple[ViewFilter, ...]:
    """Stored views list filters as [{key, values}]; filter requests use an object
    (see docs/podio-api.md, Views)."""
    if raw is None:
        return ()
    if isinstance(raw, Mapping):
        return tuple(ViewFilter(str(key), value) for key, value in raw.items())
    filters = []
    for entry in as_list(raw, where, "filters"):
        item = as_mapping(entry, where, "filter")
        key = item.get("key")
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            fail(where, f"a filter has no usable key: {item!r:.60}")
        filters.append(ViewFilter(str(key), item.get("values")))
    return tuple(filters)
