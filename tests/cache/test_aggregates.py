"""Totals and group counts in SQL: the whole-app shortcut (one field's index, no item
visited) gives what the general query over the app's items gives, deleted items left out."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

from podio_desk.cache.cache import Cache
from podio_desk.cache.index import item_record
from podio_desk.cache.query import ItemQuery, RangeFilter
from podio_desk.cache.records import AppRecord

FIXTURE = Path(__file__).resolve().parents[1] / "domain" / "fixtures" / "get_item_225607452.json"
APP_ID = 4242
NUMBER, MONEY, CATEGORY = 80608151, 80608154, 80608147


def items() -> list[dict[str, Any]]:
    base = json.loads(FIXTURE.read_text())
    made = []
    for n in range(60):
        raw = copy.deepcopy(base)
        raw["item_id"] = 1000 + n
        raw["app_item_id"] = n + 1
        fields = []
        for entry in raw["fields"]:
            if entry["field_id"] == NUMBER:
                if n % 7 == 0:
                    continue  # some items have no number
                entry["values"] = [{"value": f"{n * 1.5:.4f}"}]
            if entry["field_id"] == CATEGORY:
                if n % 5 == 0:
                    continue  # some have no category
                option = n % 3 + 1
                entry["values"] = [
                    {"value": {"status": "active", "text": str(option), "id": option}}
                ]
            fields.append(entry)
        raw["fields"] = fields
        made.append(raw)
    return made


def test_whole_app_shortcut_matches_the_general_query(tmp_path: Path) -> None:
    async def scenario() -> None:
        cache = await Cache.open(tmp_path, "aggregates")
        try:
            raws = items()
            fields = list({e["field_id"]: e for raw in raws for e in raw["fields"]}.values())
            app = {"app_id": APP_ID, "space_id": 1, "config": {"name": "Agg"}}
            await cache.save_apps([AppRecord(APP_ID, 1, "Agg", None, fields, app)])
            await cache.items.upsert([item_record(raw, APP_ID) for raw in raws])
            deleted = [1000 + n for n in (1, 2, 3, 10, 20)]
            await cache.items.mark_deleted(deleted)
            whole = ItemQuery(app_id=APP_ID)
            # The same items through the general path (a filter every item passes).
            general = ItemQuery(app_id=APP_ID, filters=(RangeFilter("item_id", 0, None),))
            fast = await cache.items.aggregate(whole, [NUMBER, MONEY])
            slow = await cache.items.aggregate(general, [NUMBER, MONEY])
            assert fast == slow
            live = [n for n in range(60) if 1000 + n not in deleted]
            numbers = [n * 1.5 for n in live if n % 7]
            matched, (number, money) = fast
            assert matched == len(live)
            assert number.count == len(numbers)
            assert abs(number.total - sum(numbers)) < 1e-6
            assert money.count == len(live)
            fast_groups = await cache.items.group_counts(whole, CATEGORY)
            slow_groups = await cache.items.group_counts(general, CATEGORY)
            assert sorted(fast_groups, key=str) == sorted(slow_groups, key=str)
            assert sum(count for _value, count in fast_groups) == len(live)
            assert dict(fast_groups)[None] == len([n for n in live if n % 5 == 0])
        finally:
            await cache.aclose()

    asyncio.run(scenario())
