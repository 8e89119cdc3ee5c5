"""PageSource: memory, then cache, then API; nearest first; stale loads dropped."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

import pytest

from podio_desk.services.paging import (
    NotAvailableOfflineError,
    Page,
    PageQuery,
    PageSource,
    release_gradually,
)


@dataclass
class ListReader:
    """A reader over a list of ints that records the offsets asked for."""

    rows: list[int]
    answers: bool = True
    delay: float = 0.0
    calls: list[int] = field(default_factory=list)
    fail: BaseException | None = None

    async def read_page(self, query: PageQuery, offset: int, limit: int) -> Page[int] | None:
        self.calls.append(offset)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        if not self.answers:
            return None
        rows = self.rows if not query.sort_desc else self.rows[::-1]
        return Page(offset, len(rows), rows[offset : offset + limit])


def run(coro):
    return asyncio.run(coro)


def test_open_learns_total_from_first_page():
    api = ListReader(list(range(1000)))
    source: PageSource[int] = PageSource(cache=None, api=api, page_size=100)

    async def scenario():
        source.reset(PageQuery(app_id=1))
        return await source.open()

    assert run(scenario()) == 1000
    assert api.calls == [0]
    assert source.row(5) == 5
    assert source.row(100) is None


def test_jump_to_end_costs_one_page():
    api = ListReader(list(range(100_000)))
    source: PageSource[int] = PageSource(cache=None, api=api)
    arrived: list[int] = []
    source.on_page = lambda gen, index, page: arrived.append(index)

    async def scenario():
        source.reset(PageQuery(app_id=1))
        await source.open()
        source.request_rows(99_970, 99_999)
        await source.wait_idle()

    run(scenario())
    assert api.calls == [0, 99_500]
    assert arrived == [199]
    assert source.row(99_999) == 99_999
    assert source.stats.api_calls == 2


def test_cache_answers_before_api_and_api_when_cache_cannot():
    cache = ListReader(list(range(300)), answers=True)
    api = ListReader(list(range(300)))
    source: PageSource[int] = PageSource(cache=cache, api=api, page_size=100)

    async def scenario():
        source.reset(PageQuery(app_id=1))
        await source.open()
        cache.answers = False
        source.request_rows(150, 250)
        await source.wait_idle()

    run(scenario())
    assert cache.calls == [0, 100, 200]
    assert api.calls == [100, 200]
    assert source.last_origin == "api"


def test_nearest_pages_first_and_scrolling_on_drops_queued_pages():
    api = ListReader(list(range(10_000)), delay=0.001)
    source: PageSource[int] = PageSource(cache=None, api=api, page_size=100)

    async def scenario():
        source.reset(PageQuery(app_id=1))
        await source.open()
        queued = source.request_rows(1000, 1599, focus=1350)
        assert queued == [13, 12, 14, 11, 15, 10]
        await asyncio.sleep(0)  # page 13 is in flight now
        source.request_rows(5000, 5099)
        await source.wait_idle()

    run(scenario())
    assert api.calls == [0, 1300, 5000]
    assert source.stats.dropped_stale >= 5


def test_new_query_drops_answers_of_the_old_generation():
    api = ListReader(list(range(1000)), delay=0.01)
    source: PageSource[int] = PageSource(cache=None, api=api, page_size=100)
    arrived: list[tuple[int, int]] = []
    source.on_page = lambda gen, index, page: arrived.append((gen, index))

    async def scenario():
        source.reset(PageQuery(app_id=1))
        await source.open()
        source.request_rows(500, 599)
        await asyncio.sleep(0.001)
        generation = source.reset(PageQuery(app_id=1, sort_desc=True))
        await source.open()
        source.request_rows(500, 599)
        await source.wait_idle()
        return generation

    generation = run(scenario())
    assert arrived == [(generation, 5)]
    assert source.row(500) == 499


def test_offline_reads_cache_only_and_marks_missing_pages_failed():
    cache = ListReader(list(range(300)))
    api = ListReader(list(range(300)))
    source: PageSource[int] = PageSource(cache=cache, api=api, page_size=100)
    errors: list[BaseException] = []
    source.on_error = lambda gen, index, error: errors.append(error)

    async def scenario():
        source.set_online(False)
        source.reset(PageQuery(app_id=1))
        await source.open()
        cache.answers = False
        source.request_rows(100, 150)
        await source.wait_idle()

    run(scenario())
    assert api.calls == []
    assert source.has_failed(120)
    assert isinstance(errors[0], NotAvailableOfflineError)


def test_memory_is_bounded():
    api = ListReader(list(range(10_000)))
    source: PageSource[int] = PageSource(cache=None, api=api, page_size=10, memory_pages=3)

    async def scenario():
        source.reset(PageQuery(app_id=1))
        await source.open()
        for first in range(10, 100, 10):
            source.request_rows(first, first)
            await source.wait_idle()

    run(scenario())
    loaded = [row for row in range(0, 100, 10) if source.is_loaded(row)]
    assert loaded == [70, 80, 90]


class Thing:
    """An item that can be watched with a weak reference."""

    def __init__(self, number: int) -> None:
        self.number = number


class ThingReader:
    """Makes new items for every page it reads: only the source holds them."""

    async def read_page(self, query: PageQuery, offset: int, limit: int) -> Page[Thing]:
        return Page(offset, 2_000, [Thing(n) for n in range(offset, offset + limit)])


def test_pages_dropped_from_memory_are_freed_a_slice_per_loop_turn():
    """A page that falls out of memory is freed a few items per loop turn: a table page of
    100 items freed in one turn held the UI thread 2-4 ms during a sync."""
    import weakref

    from podio_desk.services import paging

    source: PageSource[Thing] = PageSource(
        cache=None, api=ThingReader(), page_size=500, memory_pages=2
    )

    async def scenario() -> list[int]:
        source.reset(PageQuery(app_id=1))
        await source.open()
        watched = [weakref.ref(source.row(n)) for n in range(500)]
        for first in (500, 1000):
            source.request_rows(first, first)
            await source.wait_idle()
        assert not source.is_loaded(0)
        alive = [sum(ref() is not None for ref in watched)]
        for _turn in range(1_000):
            await asyncio.sleep(0)
            alive.append(sum(ref() is not None for ref in watched))
            if not alive[-1]:
                break
        return alive

    alive = run(scenario())
    assert alive[-1] == 0
    assert alive[0] > 0  # not all freed in the turn that stored the next page
    freed_per_turn = [before - after for before, after in itertools.pairwise(alive)]
    assert max(freed_per_turn) <= paging.FREE_SLICE_SIZE


def test_release_gradually_frees_one_element_at_a_time():
    """Each element is freed while the others are still held: a worker thread never frees a
    whole page's object graph in one go (that holds the GIL for milliseconds)."""
    import weakref

    class Node:
        pass

    nodes = [Node() for _ in range(5)]
    left_when_freed: list[int] = []
    for node in nodes:
        weakref.finalize(node, lambda: left_when_freed.append(len(nodes)))
    del node
    release_gradually(nodes)
    assert nodes == []
    assert left_when_freed == [4, 3, 2, 1, 0]


def test_filters_are_frozen_and_hashable():
    filters = {
        "status": [1, None],
        "amount": {"from": 1, "to": 5},
        "created_by": [{"type": "user", "id": 3}],
    }
    query = PageQuery(app_id=1, filters=PageQuery.freeze_filters(filters))
    assert hash(query)
    assert query.filters_dict() == filters


def test_page_size_is_capped():
    with pytest.raises(ValueError, match="page_size"):
        PageSource(cache=None, api=None, page_size=501)


def test_parse_item_page_matches_the_whole_page_parser():
    import json as jsonlib

    from podio_desk.domain.items import ItemPage
    from podio_desk.services.paging import parse_item_page

    def item(n: int) -> dict[str, object]:
        return {
            "item_id": n,
            "app_item_id": n,
            "title": f'Item "{n}", with ] and }}',
            "created_on": "2026-01-02 03:04:05",
            "current_revision": {"created_on": "2026-01-03 00:00:00", "revision": 1},
            "revision": 1,
            "fields": [
                {
                    "field_id": 7,
                    "type": "number",
                    "external_id": "amount",
                    "label": "Amount",
                    "values": [{"value": f"{n}.5000"}],
                }
            ],
        }

    body = {"filtered": 3, "items": [item(1), item(2), item(3)], "total": 10}
    for text in (jsonlib.dumps(body), jsonlib.dumps(body, indent=2)):
        fast = parse_item_page(text.encode(), 20, app_id=5)
        assert fast == ItemPage.from_api(body, 20, app_id=5)
        assert (fast.total, fast.filtered, len(fast.items)) == (10, 3, 3)
    empty = parse_item_page(b'{"total": 0, "items": []}', 0, app_id=5)
    assert empty.items == ()
    assert empty.filtered == 0
    with pytest.raises(ValueError, match="total"):
        parse_item_page(b'{"items": []}', 0, app_id=5)
    with pytest.raises(ValueError, match="not a JSON object"):
        parse_item_page(b"[1, 2]", 0, app_id=5)


def test_worker_loop_runs_coroutines_and_functions_off_the_callers_thread():
    import threading

    from podio_desk.services.paging import WorkerLoop, on_loop

    worker = WorkerLoop("test-worker")

    async def where() -> str:
        return threading.current_thread().name

    async def scenario() -> tuple[str, str, str]:
        caller_loop = asyncio.get_running_loop()

        async def back_on_caller() -> str:
            return await on_loop(caller_loop, where())

        return (
            await worker.run(where()),
            await worker.call(lambda: threading.current_thread().name),
            await worker.run(back_on_caller()),
        )

    try:
        on_worker, called, back = run(scenario())
    finally:
        worker.close()
    assert on_worker == "test-worker"
    assert called == "test-worker"
    assert back == threading.current_thread().name
    assert worker.loop.is_closed()
