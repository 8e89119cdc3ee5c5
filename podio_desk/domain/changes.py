"""What an edit of an item changes: only the values that differ, the required fields a new
item leaves empty, a copy of an item's values, and unsaved values as JSON to copy out."""

from __future__ import annotations

import json
from typing import Any

from podio_desk.domain.errors import DomainError
from podio_desk.domain.fields import (
    EMPTY,
    FieldValue,
    ValidationIssue,
    display_text,
    is_empty,
    to_input,
    validate,
)
from podio_desk.domain.items import Item, ItemChange
from podio_desk.domain.workspace import App


def drop_unchanged(base: Item, change: ItemChange) -> ItemChange:
    """`change` without the values and tags that `base` already has."""
    values = {fid: value for fid, value in change.values.items() if value != base.value(fid)}
    tags = change.tags
    if tags is not None and tuple(tags) == base.tags:
        tags = None
    return ItemChange(values=values, tags=tags)


def missing_required(app: App, change: ItemChange) -> list[ValidationIssue]:
    """Required fields a new item leaves empty."""
    issues = []
    for fdef in app.active_fields:
        if fdef.required and not fdef.is_read_only and fdef.field_id not in change.values:
            issues.extend(validate(fdef, EMPTY))
    return issues


def copy_change(app: App, item: Item) -> ItemChange:
    """Every writable, non-empty value of `item` (for duplicating it)."""
    values: dict[int, FieldValue] = {}
    for fdef in app.active_fields:
        value = item.value(fdef.field_id)
        if fdef.is_read_only or is_empty(value):
            continue
        try:
            to_input(fdef, value)
        except DomainError:
            continue
        values[fdef.field_id] = value
    return ItemChange(values=values, tags=item.tags or None)


def unsaved_values_json(app: App, base: Item, change: ItemChange) -> str:
    """What the user typed, readable and re-usable: label, shown text and Podio input JSON."""
    fields: list[dict[str, Any]] = []
    for field_id, value in change.values.items():
        fdef = app.field(field_id) or base.field(field_id)
        if fdef is None:
            continue
        try:
            podio_input: Any = to_input(fdef, value)
        except DomainError:
            podio_input = None
        fields.append(
            {
                "field_id": fdef.field_id,
                "external_id": fdef.external_id,
                "label": fdef.label,
                "text": display_text(fdef, value),
                "input": podio_input,
            }
        )
    document: dict[str, Any] = {
        "item_id": base.item_id,
        "title": base.title,
        "revision": base.revision,
        "fields": fields,
    }
    if change.tags is not None:
        document["tags"] = list(change.tags)
    return json.dumps(document, indent=2, ensure_ascii=False, default=str)
