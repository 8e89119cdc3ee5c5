"""An edit's change against the item it started from: conflicts with a newer revision, unsaved
values to copy out, duplicating an item, required fields a new item leaves empty."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from podio_desk.domain.changes import copy_change, missing_required, unsaved_values_json
from podio_desk.domain.conflicts import TAGS_KEY, build_conflict
from podio_desk.domain.fields import FieldDef, NumberValue, TextValue
from podio_desk.domain.items import Item, ItemChange
from podio_desk.domain.workspace import App


def _fdef(field_id: int, external_id: str, kind: str = "text", **config: Any) -> FieldDef:
    required = config.pop("required", False)
    return FieldDef.from_api(
        {
            "field_id": field_id,
            "external_id": external_id,
            "type": kind,
            "label": external_id.title(),
            "config": {"required": required, "settings": config or None},
        }
    )


APP = App(
    app_id=1,
    space_id=None,
    name="Test",
    fields=(_fdef(10, "title", required=True), _fdef(11, "amount", "number", decimals=2)),
)


def _item(revision: int, title: str, amount: str) -> Item:
    return Item.from_api(
        {
            "item_id": 5,
            "title": title,
            "revision": revision,
            "created_on": "2026-01-01 10:00:00",
            "tags": ["a"],
            "fields": [
                {"field_id": 10, "external_id": "title", "type": "text", "label": "Title",
                 "values": [{"value": title}]},
                {"field_id": 11, "external_id": "amount", "type": "number", "label": "Amount",
                 "values": [{"value": amount}]},
            ],
        },
        APP,
    )  # fmt: skip


def test_conflict_fields_and_resolution() -> None:
    base, current = _item(1, "Base", "1"), _item(2, "Theirs", "1")
    change = ItemChange({10: TextValue("Mine"), 11: NumberValue(Decimal(2))}, tags=("b",))
    conflict = build_conflict(APP, base, current, change, {10}, ())
    by_id = {entry.field.field_id: entry for entry in conflict.fields}
    assert by_id[10].clashes
    assert not by_id[11].theirs_changed
    assert conflict.clashing == (by_id[10],)
    assert conflict.resolve().values == {10: TextValue("Mine"), 11: NumberValue(Decimal(2))}
    assert conflict.resolve(default="theirs").values == {}
    assert conflict.resolve(default="theirs").tags is None
    edited = conflict.resolve({10: TextValue("Merged"), 11: "theirs", TAGS_KEY: "theirs"})
    assert edited.values == {10: TextValue("Merged")}
    assert edited.tags is None


def test_unsaved_values_copy_and_duplicate_and_required() -> None:
    base = _item(1, "Base", "1")
    text = unsaved_values_json(APP, base, ItemChange({11: NumberValue(Decimal("2.5"))}))
    document = json.loads(text)
    assert document["fields"] == [
        {"field_id": 11, "external_id": "amount", "label": "Amount", "text": "2.50", "input": "2.5"}
    ]
    assert copy_change(APP, base).values == {10: TextValue("Base"), 11: NumberValue(Decimal(1))}
    assert [i.message for i in missing_required(APP, ItemChange())] == ['"Title" is required']
    assert missing_required(APP, ItemChange({10: TextValue("x")})) == []
