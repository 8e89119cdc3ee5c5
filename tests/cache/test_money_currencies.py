"""Money totals per currency: the cache keeps each money value's currency beside its amount
(item_values.currency, schema 1.4) and the totals aggregate groups by it; a 1.3 file gets
the currencies of the items it already holds when opened."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from podio_desk.cache.cache import Cache
from podio_desk.cache.index import item_record
from podio_desk.cache.query import CurrencyTotal, ItemQuery, RangeFilter
from podio_desk.cache.records import AppRecord

APP = 20
PRICE = 201
QUANTITY = 202
FIELDS: list[Any] = [
    {
        "field_id": PRICE,
        "type": "money",
        "label": "Price",
        "external_id": "price",
        "status": "active",
        "config": {"settings": {"allowed_currencies": ["EUR", "USD"]}},
    },
    {
        "field_id": QUANTITY,
        "type": "number",
        "label": "Quantity",
        "external_id": "quantity",
        "status": "active",
        "config": {"settings": {"decimals": 0}},
    },
]


def _item(item_id: int, amount: str, currency: str, quantity: int) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "app_item_id": item_id,
        "title": f"Item {item_id}",
        "revision": 1,
        "created_on": "2026-01-01 10:00:00",
        "fields": [
            {**FIELDS[0], "values": [{"value": amount, "currency": currency}]},
            {**FIELDS[1], "values": [{"value": str(quantity)}]},
        ],
    }


ITEMS = [
    _item(1, "100.50", "EUR", 1),
    _item(2, "1099.50", "EUR", 2),
    _item(3, "300", "USD", 3),
]


async def _filled(path: Path) -> Cache:
    cache = await Cache.open(path, "acct")
    await cache.save_apps([AppRecord(APP, None, "Shop", "Order", FIELDS, {"app_id": APP})])
    await cache.items.upsert([item_record(raw, APP) for raw in ITEMS])
    return cache


async def _totals(cache: Cache, query: ItemQuery) -> dict[int, Any]:
    _matched, fields = await cache.items.aggregate(query, [PRICE, QUANTITY], {PRICE})
    return {total.field_id: total for total in fields}


def test_money_is_summed_per_currency_filtered_or_not(tmp_path: Path) -> None:
    async def scenario() -> None:
        cache = await _filled(tmp_path)
        try:
            whole = await _totals(cache, ItemQuery(app_id=APP))
            some = await _totals(
                cache, ItemQuery(app_id=APP, filters=(RangeFilter(QUANTITY, 2, None),))
            )
        finally:
            await cache.aclose()
        assert whole[PRICE].currencies == (
            CurrencyTotal("EUR", 2, 1200.0),
            CurrencyTotal("USD", 1, 300.0),
        )
        assert some[PRICE].currencies == (
            CurrencyTotal("EUR", 1, 1099.5),
            CurrencyTotal("USD", 1, 300.0),
        )
        # A number field keeps its plain count, sum and average.
        assert (whole[QUANTITY].count, whole[QUANTITY].total) == (3, 6.0)
        assert whole[QUANTITY].average == 2.0
        assert whole[QUANTITY].currencies == ()

    asyncio.run(scenario())


def test_a_1_3_file_gets_the_currencies_of_its_items_when_opened(tmp_path: Path) -> None:
    async def write() -> Path:
        cache = await _filled(tmp_path)
        path = cache.path
        await cache.aclose()
        return path

    path = asyncio.run(write())
    # As a 1.3 build left it: no currency beside the amounts.
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE item_values SET currency = NULL")
        connection.execute("PRAGMA user_version = 1003")
    connection.close()

    async def reopen() -> dict[int, Any]:
        cache = await Cache.open(tmp_path, "acct")
        try:
            return await _totals(cache, ItemQuery(app_id=APP))
        finally:
            await cache.aclose()

    totals = asyncio.run(reopen())
    assert totals[PRICE].currencies == (
        CurrencyTotal("EUR", 2, 1200.0),
        CurrencyTotal("USD", 1, 300.0),
    )
