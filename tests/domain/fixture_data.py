"""Loading the recorded Podio responses in tests/domain/fixtures (see PROVENANCE.md there)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"

ITEM_FIXTURES = ("get_item_225607452.json", "get_item_350017179.json", "get_item_582709679.json")


@cache
def _load_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def load(name: str) -> Any:
    """A fresh copy of the fixture's JSON (tests may change it)."""
    return json.loads(_load_text(name))


def all_item_json() -> list[dict[str, Any]]:
    """Every item in every fixture: the three GET items and the filter result's items."""
    items = [load(name) for name in ITEM_FIXTURES]
    items.extend(load("post_item_filter_result.json")["items"])
    return items


def all_field_entries() -> list[tuple[str, dict[str, Any]]]:
    """(test id, field entry with values) for every field of every fixture item."""
    entries = []
    for item in all_item_json():
        for entry in item["fields"]:
            entries.append((f"{item['item_id']}-{entry['type']}-{entry['field_id']}", entry))
    return entries
