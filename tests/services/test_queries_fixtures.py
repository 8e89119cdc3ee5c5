"""QueryService over recorded Podio items (the fixtures), no server involved."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from podio_desk.cache.cache import Cache
from podio_desk.cache.index import item_record
from podio_desk.cache.query import IdsFilter, QueryError, RangeFilter
from podio_desk.cache.records import AppRecord, AppSyncState
from podio_desk.services.paging import PageQuery
from podio_desk.services.queries import QueryService

# The recorded responses the domain tests use.
FIXTURES = Path(__file__).resolve().parents[1] / "domain" / "fixtures"
ITEMS = ("get_item_225607452.json", "get_item_350017179.json")
APP_ID = 4242

pytestmark = pytest.mark.skipif(not FIXTURES.exists(), reason="recorded fixtures not present")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


async def filled(tmp_path: Path) -> tuple[Cache, QueryService]:
    cache = await Cache.open(tmp_path, "fixtures")
    raws = [load(name) for name in ITEMS]
    # The app definition: the field entries the recorded items carry.
    fields = {entry["field_id"]: entry for raw in raws for entry in raw["fields"]}
    app = {"app_id": APP_ID, "space_id": 1, "config": {"name": "Recorded"}}
    await cache.save_apps([AppRecord(APP_ID, 1, "Recorded", None, list(fields.values()), app)])
    await cache.items.upsert([item_record(raw, APP_ID) for raw in raws])
    return cache, QueryService(cache)


def test_recorded_items_answer_queries(tmp_path: Path) -> None:
    async def scenario() -> None:
        cache, queries = await filled(tmp_path)
        try:
            by_number = await queries.query_from_podio(APP_ID, sort_by="number", sort_desc=True)
            page = await queries.page(by_number, 0, 10)
            assert [item.item_id for item in page.items] == [225607452, 350017179]
            category = await queries.query_from_podio(APP_ID, filters={"80608147": [3]})
            assert category.filters == (IdsFilter(80608147, (3,)),)
            assert [i.item_id for i in (await queries.page(category, 0, 10)).items] == [350017179]
            money = await queries.query_from_podio(
                APP_ID, filters={"money": {"from": 500, "to": None}}
            )
            assert money.filters == (RangeFilter(80608154, 500.0, None),)
            assert await queries.count(money) == 1
            # Text fields cannot be filtered in Podio; the cache ignores them the same way.
            ignored = await queries.query_from_podio(APP_ID, filters={"title": ["x"]})
            assert ignored.filters == ()
            with pytest.raises(QueryError, match="no such field"):
                await queries.query_from_podio(APP_ID, sort_by="nope")
            with pytest.raises(QueryError, match="range"):
                await queries.query_from_podio(APP_ID, filters={"number": [1]})
            found = await queries.search(APP_ID, "stengaard")
            assert {item.item_id for item in found} == {225607452, 350017179}
            details = await queries.item(350017179)
            assert details is not None
            assert len(details.comments) == 5  # GET item JSON carries its comments
            assert len(details.files) == 1
            # Not fully synced: the table's page source must go to Podio, unless offline.
            table = PageQuery(app_id=APP_ID)
            assert await queries.read_page(table, 0, 10) is None
            queries.allow_partial = True
            partial = await queries.read_page(table, 0, 10)
            assert partial is not None
            assert partial.total == 2
            await cache.save_sync_state(AppSyncState(APP_ID, full_done_at="2025-01-01 00:00:00"))
            queries.allow_partial = False
            assert await queries.read_page(table, 0, 10) is not None
        finally:
            await cache.aclose()

    asyncio.run(scenario())
