"""The cache file: schema versions, the worker threads, items, tombstones and queries."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from podio_desk.cache.cache import Cache
from podio_desk.cache.db import CacheDatabase, cache_path
from podio_desk.cache.query import IdsFilter, ItemQuery, RangeFilter
from podio_desk.cache.records import AppSyncState, CommentRecord, FileRecord, ItemRecord
from podio_desk.cache.schema import SCHEMA_VERSION, CacheVersionError

APP = 10
NUMBER = 101  # a number field
STATUS = 102  # a category field
DUE = 103  # a date field


def record(item_id: int, *, revision: int = 1, title: str | None = None, **extra) -> ItemRecord:
    number = extra.get("number")
    status = extra.get("status")
    due = extra.get("due")
    sort_keys: dict[int, float | str] = {}
    refs: list[tuple[int, int]] = []
    if number is not None:
        sort_keys[NUMBER] = float(number)
    if status is not None:
        sort_keys[STATUS] = f"status {status}"
        refs.append((STATUS, status))
    if due is not None:
        sort_keys[DUE] = due
    title = title if title is not None else f"Item {item_id}"
    return ItemRecord(
        item_id=item_id,
        app_id=extra.get("app_id", APP),
        app_item_id=item_id - 1000,
        title=title,
        revision=revision,
        created_on=f"2025-01-{1 + item_id % 28:02d} 10:00:00",
        last_edit_on=f"2025-02-{1 + item_id % 28:02d} 10:00:00",
        comment_count=0,
        file_count=0,
        raw={"item_id": item_id, "title": title, "revision": revision},
        sort_keys=sort_keys,
        refs=tuple(refs),
        search_text=extra.get("text", title),
    )


def run(coro):
    return asyncio.run(coro)


async def opened(tmp_path: Path) -> Cache:
    return await Cache.open(tmp_path / "cache", "acct-1")


def test_new_file_is_wal_with_current_version(tmp_path: Path) -> None:
    async def scenario() -> None:
        cache = await opened(tmp_path)
        try:
            version = await cache.db.read(lambda c: c.execute("PRAGMA user_version").fetchone()[0])
            mode = await cache.db.read(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0])
        finally:
            await cache.aclose()
        assert version == SCHEMA_VERSION
        assert mode == "wal"
        assert cache.path == tmp_path / "cache" / "acct-1.sqlite3"

    run(scenario())


def test_account_key_must_be_a_plain_name(tmp_path: Path) -> None:
    for bad in ("../x", "", "a/b", ".hidden"):
        with pytest.raises(ValueError, match="cannot name a cache file"):
            cache_path(tmp_path, bad)


def test_newer_major_version_is_refused_newer_minor_accepted(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    CacheDatabase(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    CacheDatabase(path).close()  # a newer minor only adds things: fine
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1000}")
    with pytest.raises(CacheVersionError, match=r"newer Podio Desk .*format 2\.\d+;"):
        CacheDatabase(path)


def test_worker_never_blocks_the_loop(tmp_path: Path) -> None:
    async def scenario() -> None:
        cache = await opened(tmp_path)
        loop = asyncio.get_running_loop()
        started = asyncio.Event()
        release = threading.Event()

        def slow(connection: sqlite3.Connection) -> str:
            loop.call_soon_threadsafe(started.set)
            release.wait(60)  # on the loop's thread, this would hold the loop until then
            return threading.current_thread().name

        try:
            job = asyncio.ensure_future(cache.db.write(slow))
            await started.wait()
            # The loop turns while the write is held: ticks run, the write is still pending.
            for _ in range(10):
                await asyncio.sleep(0.01)
            pending_while_ticking = not job.done()
            release.set()
            name = await job
        finally:
            release.set()
            await cache.aclose()
        assert pending_while_ticking
        assert name == "podio-desk-db-writer"
        assert name != threading.current_thread().name

    run(scenario())


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    async def scenario() -> None:
        cache = await opened(tmp_path)
        try:
            await cache.items.upsert([record(1001)])

            def half(connection: sqlite3.Connection) -> None:
                connection.execute("UPDATE items SET title = 'changed'")
                raise RuntimeError("boom")

            with pytest.raises(RuntimeError, match="boom"):
                await cache.db.write(half)
            item = await cache.items.get(1001)
        finally:
            await cache.aclose()
        assert item is not None
        assert item.title == "Item 1001"

    run(scenario())


def test_upsert_counts_and_round_trip(tmp_path: Path) -> None:
    async def scenario() -> None:
        cache = await opened(tmp_path)
        try:
            first = await cache.items.upsert([record(1001), record(1002)])
            second = await cache.items.upsert(
                [record(1001), record(1002, revision=2), record(1003)]
            )
            item = await cache.items.get(1002)
        finally:
            await cache.aclose()
        assert (first.added, first.changed, first.unchanged) == (2, 0, 0)
        assert (second.added, second.changed, second.unchanged) == (1, 1, 1)
        assert item is not None
        assert item.revision == 2
        assert item.raw == {"item_id": 1002, "title": "Item 1002", "revision": 2}
        assert not item.deleted

    run(scenario())


def _sample() -> list[ItemRecord]:
    return [
        record(1001, number=5, status=1, due="2025-03-01 00:00:00", title="alpha report"),
        record(1002, number=1, status=2, due="2025-01-15 08:00:00", title="Beta plan"),
        record(1003, number=3, status=1, title="gamma notes", text="gamma notes zeppelin"),
        record(1004, status=3, due="2025-03-01 12:00:00", title="delta"),
        record(1005, number=3, title="Épsilon café"),
        record(1006, title="zeta"),
    ]


def test_sorted_pages_put_empty_values_last(tmp_path: Path) -> None:
    async def scenario() -> None:
        cache = await opened(tmp_path)
        try:
            await cache.items.upsert(_sample())
            by_number = ItemQuery(app_id=APP, sort_by=NUMBER)
            asc = await cache.items.page_ids(by_number, 0, 10)
            desc = await cache.items.page_ids(
                ItemQuery(app_id=APP, sort_by=NUMBER, sort_desc=True), 0, 10
            )
            crossing = await cache.items.page_ids(by_number, 3, 2)
            only_empty = await cache.items.page_ids(by_number, 5, 5)
            by_title = await cache.items.page_ids(ItemQuery(app_id=APP, sort_by="title"), 0, 3)
            page, items = await cache.items.page(by_number, 0, 2)
        finally:
            await cache.aclose()
        assert asc == [1002, 1003, 1005, 1001, 1004, 1006]
        assert desc == [1001, 1005, 1003, 1002, 1006, 1004]  # ties: item_id, same direction
        assert crossing == [1001, 1004]
        assert only_empty == [1006]
        assert by_title == [1001, 1002, 1004]
        assert (page.total, page.filtered, page.item_ids) == (6, 6, [1002, 1003])
        assert [item.item_id for item in items] == [1002, 1003]

    run(scenario())


def test_filters_and_search(tmp_path: Path) -> None:
    async def scenario() -> dict[str, list[int]]:
        cache = await opened(tmp_path)
        try:
            await cache.items.upsert(_sample())
            await cache.items.save_details(
                1006,
                comments=[CommentRecord(1, 1006, "2025-01-01 00:00:00", "call Zeppelin", {})],
                files=[FileRecord(7, 1006, "a.pdf", {"file_id": 7, "name": "a.pdf"})],
            )

            async def ids(*filters: IdsFilter | RangeFilter, search: str = "") -> list[int]:
                query = ItemQuery(app_id=APP, filters=filters, search=search)
                found = await cache.items.page_ids(query, 0, 100)
                assert await cache.items.count(query) == len(found)
                return found

            results = {
                "status 1": await ids(IdsFilter(STATUS, (1,))),
                "status 1 or 3": await ids(IdsFilter(STATUS, (1, 3))),
                "status empty": await ids(IdsFilter(STATUS, (), include_empty=True)),
                "number 2..4": await ids(RangeFilter(NUMBER, 2.0, 4.0)),
                "number >= 3": await ids(RangeFilter(NUMBER, low=3.0)),
                "due on day": await ids(RangeFilter(DUE, "2025-03-01", "2025-03-01")),
                "created": await ids(RangeFilter("created_on", "2025-01-23", "2025-01-24")),
                "zeppelin": await ids(search="zeppel"),
                "cafe": await ids(search="cafe"),
                "both": await ids(IdsFilter(STATUS, (1,)), search="zeppelin"),
                "nothing": await ids(search="  ?! "),
            }
            files = await cache.items.files(1006)
            assert files == [{"file_id": 7, "name": "a.pdf"}]
            return results
        finally:
            await cache.aclose()

    results = run(scenario())
    assert results["status 1"] == [1001, 1003]
    assert results["status 1 or 3"] == [1001, 1003, 1004]
    assert results["status empty"] == [1005, 1006]
    assert results["number 2..4"] == [1003, 1005]
    assert results["number >= 3"] == [1001, 1003, 1005]
    assert results["due on day"] == [1001, 1004]
    assert results["created"] == [1002, 1003]
    assert results["zeppelin"] == [1003, 1006]
    assert results["cafe"] == [1005]
    assert results["both"] == [1003]
    assert results["nothing"] == []


def test_tombstones_leave_queries_but_stay_readable(tmp_path: Path) -> None:
    async def scenario() -> None:
        cache = await opened(tmp_path)
        try:
            await cache.items.upsert(_sample())
            state = AppSyncState(app_id=APP, full_gen=1)
            await cache.items.save_sync_page(
                [record(1001), record(1002)], state, seen_gen=1, deleted_ids=[1006]
            )
            gone = await cache.finish_full_sync(state)
            live = await cache.items.page_ids(ItemQuery(app_id=APP), 0, 100)
            found = await cache.items.page_ids(ItemQuery(app_id=APP, search="gamma"), 0, 100)
            tomb = await cache.items.get(1003)
            dead = await cache.items.deleted_ids(APP)
            saved = await cache.sync_state(APP)
            again = await cache.items.upsert([record(1003)])
        finally:
            await cache.aclose()
        assert gone == [1003, 1004, 1005]
        assert live == [1001, 1002]
        assert found == []
        assert tomb is not None
        assert tomb.deleted
        assert tomb.deleted_at is not None
        assert dead == [1003, 1004, 1005, 1006]
        assert saved == state
        assert again.added == 1  # an item seen again is live again

    run(scenario())


def test_items_of_an_app_share_a_compression_dictionary(tmp_path: Path) -> None:
    async def scenario() -> None:
        cache = await opened(tmp_path)
        try:
            first = [record(2000 + n) for n in range(20)]
            await cache.items.upsert(first)
            await cache.items.upsert([record(3000)])
            back = await cache.items.get_many([2000, 2019, 3000])
            other = await Cache.open(tmp_path / "cache", "acct-1")  # a fresh reader
            try:
                again = await other.items.get(2005)
            finally:
                await other.aclose()
            stored = await cache.db.read(
                lambda c: c.execute("SELECT count(*), count(dict_id) FROM item_raw").fetchone()
            )
        finally:
            await cache.aclose()
        assert [item.raw for item in back] == [first[0].raw, first[19].raw, record(3000).raw]
        assert again is not None
        assert again.raw == first[5].raw
        assert stored == (21, 21)

    run(scenario())


def test_totals_follow_every_commit(tmp_path: Path) -> None:
    async def scenario() -> list[int]:
        cache = await opened(tmp_path)
        totals = []
        try:
            query = ItemQuery(app_id=APP)
            await cache.items.upsert(_sample())
            totals.append((await cache.items.page(query, 0, 1))[0].total)
            totals.append((await cache.items.page(query, 0, 1))[0].total)  # remembered
            await cache.items.upsert([record(1007)])
            totals.append((await cache.items.page(query, 0, 1))[0].total)
            await cache.items.mark_deleted([1001, 1002])
            totals.append((await cache.items.page(query, 0, 1))[0].total)
        finally:
            await cache.aclose()
        return totals

    assert run(scenario()) == [6, 6, 7, 5]


def test_position_of_an_item_under_a_sort(tmp_path: Path) -> None:
    from podio_desk.cache.query import position_of

    async def scenario() -> tuple[int | None, int | None]:
        cache = await opened(tmp_path)
        try:
            await cache.items.upsert(_sample())
            query = ItemQuery(app_id=APP, sort_by=NUMBER, sort_desc=True)
            found = await cache.db.read(lambda c: position_of(c, query, 1002))
            missing = await cache.db.read(lambda c: position_of(c, query, 9999))
        finally:
            await cache.aclose()
        return found, missing

    assert run(scenario()) == (3, None)


def test_a_damaged_file_is_a_clear_error(tmp_path: Path) -> None:
    from podio_desk.cache.db import CacheOpenError

    path = cache_path(tmp_path, "acct-1")
    path.write_bytes(b"this is not a database, just some bytes" * 100)
    with pytest.raises(CacheOpenError, match=r"the cache file .*acct-1\.sqlite3 is damaged"):
        run(Cache.open(tmp_path, "acct-1"))
