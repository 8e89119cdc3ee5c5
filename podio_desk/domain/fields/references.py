"""App (relationship) and contact fields: values that point at other Podio objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podio_desk.domain._json import (
    as_int,
    as_list,
    as_mapping,
    fail,
    is_int,
    opt_int,
    opt_str,
    short,
    str_or,
    str_tuple,
)
from podio_desk.domain.fields.codec import (
    _Codec,
    _elements,
    _id_or_object,
    _settings_multiple,
    _settings_strs,
    _sub_value,
)
from podio_desk.domain.fields.definitions import FieldDef
from podio_desk.domain.fields.values import (
    EMPTY,
    ContactRef,
    ContactValue,
    FieldValue,
    RelatedItem,
    RelationshipValue,
)


class _RelationshipCodec(_Codec):
    kind_name = "relationship"
    value_class = RelationshipValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        items = []
        for element in _elements(fdef, values):
            entry = _id_or_object(fdef, _sub_value(fdef, element), "item_id")
            where = fdef.where + " (related item)"
            if "item_id" not in entry:
                fail(where, f'"item_id" is missing in {short(entry)}')
            app = entry.get("app")
            app_json = {} if app is None else as_mapping(app, where, "app")
            items.append(
                RelatedItem(
                    item_id=as_int(entry["item_id"], where, '"item_id"'),
                    title=str_or(entry, "title", where),
                    app_id=opt_int(app_json, "app_id", where),
                    app_item_id=opt_int(entry, "app_item_id", where),
                    app_name=opt_str(app_json, "name", where),
                    link=opt_str(entry, "link", where),
                )
            )
        return RelationshipValue(tuple(items)) if items else EMPTY

    def display(self, fdef: FieldDef, value: RelationshipValue) -> str:
        return ", ".join(item.title or f"#{item.item_id}" for item in value.items)

    def to_input(self, fdef: FieldDef, value: RelationshipValue) -> Any:
        return list(value.item_ids)

    def validate(self, fdef: FieldDef, value: RelationshipValue) -> list[str]:
        issues = []
        if len(value.items) > 1 and not _settings_multiple(fdef):
            issues.append(f'"{fdef.label}" links to one item only')
        allowed = referenced_app_ids(fdef)
        for item in value.items:
            if allowed and item.app_id is not None and item.app_id not in allowed:
                name = item.title or f"#{item.item_id}"
                issues.append(f'"{fdef.label}" cannot link to "{name}": its app is not allowed')
        return issues

    def filter_keys(self, fdef: FieldDef, value: RelationshipValue) -> list[int | str]:
        return list(value.item_ids)


def referenced_app_ids(fdef: FieldDef) -> tuple[int, ...]:
    """App ids a relationship field may point to (`settings.referenced_apps`)."""
    raw = fdef.settings.get("referenced_apps")
    ids: list[int] = []
    for entry in [] if raw is None else as_list(raw, fdef.where, "referenced_apps"):
        if is_int(entry):
            ids.append(entry)
            continue
        ref = as_mapping(entry, fdef.where, "referenced app")
        app_id = opt_int(ref, "app_id", fdef.where)
        if app_id is None and isinstance(ref.get("app"), Mapping):
            app_id = opt_int(ref["app"], "app_id", fdef.where)
        if app_id is not None:
            ids.append(app_id)
    return tuple(ids)


class _ContactCodec(_Codec):
    kind_name = "contact"
    value_class = ContactValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        contacts = []
        for element in _elements(fdef, values):
            entry = _id_or_object(fdef, _sub_value(fdef, element), "profile_id")
            where = fdef.where + " (contact)"
            if "profile_id" not in entry:
                fail(where, f'"profile_id" is missing in {short(entry)}')
            image = entry.get("image")
            avatar = None
            if isinstance(image, Mapping):
                avatar = opt_int(image, "file_id", where)
            contacts.append(
                ContactRef(
                    profile_id=as_int(entry["profile_id"], where, '"profile_id"'),
                    name=str_or(entry, "name", where),
                    type=opt_str(entry, "type", where),
                    user_id=opt_int(entry, "user_id", where),
                    mails=str_tuple(entry, "mail", where),
                    phones=str_tuple(entry, "phone", where),
                    link=opt_str(entry, "link", where),
                    avatar_file_id=avatar,
                    org_id=opt_int(entry, "org_id", where),
                    space_id=opt_int(entry, "space_id", where),
                )
            )
        return ContactValue(tuple(contacts)) if contacts else EMPTY

    def display(self, fdef: FieldDef, value: ContactValue) -> str:
        return ", ".join(contact.name or f"#{contact.profile_id}" for contact in value.contacts)

    def to_input(self, fdef: FieldDef, value: ContactValue) -> Any:
        return list(value.profile_ids)

    def validate(self, fdef: FieldDef, value: ContactValue) -> list[str]:
        valid_types = _settings_strs(fdef, "valid_types")
        issues = []
        for contact in value.contacts:
            if valid_types and contact.type is not None and contact.type not in valid_types:
                kinds = " or ".join(_CONTACT_KINDS.get(kind, kind) for kind in valid_types)
                issues.append(f'"{fdef.label}" takes {kinds}; "{contact.name}" is not one')
        return issues

    def search_text(self, fdef: FieldDef, value: ContactValue) -> str:
        return " ".join(
            " ".join((contact.name, *contact.mails, *contact.phones)).strip()
            for contact in value.contacts
        )

    def filter_keys(self, fdef: FieldDef, value: ContactValue) -> list[int | str]:
        return list(value.profile_ids)


_CONTACT_KINDS = {"user": "workspace members", "space": "workspace contacts"}
