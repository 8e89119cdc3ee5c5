"""PageSource: memory, then cache, then API; nearest first; stale loads dropped."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from podio_desk.services.paging import (
    NotAvailableOfflineError,
    Page,
    PageQuery,
    PageSource,
    Shape,
)


@dataclass
class ListReader:
    """A reader over a list of ints that records the offsets asked for."""

    rows: list[int]
    answers: bool = True
    delay: float = 0.0
    calls: list[int] = field(default_factory=list)
    fail: BaseException | None = None

    async def read_page(
        self, query: PageQuery, offset: int, limit: int, shape: Shape[int]
    ) -> Page[int] | None:
        self.calls.append(offset)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        if not self.answers:
            return None
        rows = self.rows if not query.sort_desc else self.rows[::-1]
        return Page(offset, len(rows), [shape(row) for row in rows[offset : offset + limit]])


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


def test_rows_are_shaped_by_the_reader_with_the_shape_of_the_query():
    api = ListReader(list(range(300)))
    source: PageSource[int] = PageSource(cache=None, api=api, page_size=100)

    async def scenario() -> None:
        source.reset(PageQuery(app_id=1), shape=lambda row: row * 10)
        await source.open()
        source.reset(PageQuery(app_id=1, sort_desc=True), shape=lambda row: -row)
        await source.open()
        source.request_rows(150, 150)
        await source.wait_idle()

    run(scenario())
    assert source.row(0) == -299
    assert source.row(150) == -149


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


def test_a_partial_cache_never_joins_rows_podio_sent():
    """Offline in the middle of an app Podio was paging, the cache (holding fewer items,
    numbered differently) must not fill the gaps: some items would show twice. Opened again,
    the query is the cache's alone."""
    api = ListReader(list(range(1000)))
    cache = ListReader(list(range(0, 1000, 3)))  # a third of the app, seen earlier
    cache.answers = False  # not a full copy: the cache does not answer while online
    source: PageSource[int] = PageSource(cache=cache, api=api, page_size=100)
    errors: list[BaseException] = []
    source.on_error = lambda gen, index, error: errors.append(error)

    async def scenario() -> list[int | None]:
        source.reset(PageQuery(app_id=1))
        await source.open()
        source.set_online(False)
        cache.answers = True  # offline, a partial cache answers what it can
        source.request_rows(150, 160)
        await source.wait_idle()
        gap = [source.row(row) for row in (150, 160)]
        source.reset(PageQuery(app_id=1))
        await source.open()
        source.request_rows(150, 160)
        await source.wait_idle()
        return gap + [source.row(row) for row in (0, 150)]

    gap_150, gap_160, first, row_150 = run(scenario())
    assert (gap_150, gap_160) == (None, None)
    assert isinstance(errors[0], NotAvailableOfflineError)
    assert source.row(5) is not None
    assert (first, row_150) == (0, 450)
    assert source.total == 334


def test_refresh_keeps_the_rows_shown_until_fresh_ones_arrive():
    api = ListReader(list(range(1000)))
    source: PageSource[int] = PageSource(cache=None, api=api, page_size=100)

    async def scenario() -> tuple[int | None, int | None, int | None]:
        source.reset(PageQuery(app_id=1))
        await source.open()
        source.request_rows(100, 250)
        await source.wait_idle()
        api.rows = [n + 10_000 for n in range(1000)]  # changed on the server meanwhile
        source.refresh()
        during = source.row(150)  # still shown while the query is read again
        await source.open()
        source.request_pages(source.stale_pages(), 0)
        await source.wait_idle()
        return during, source.row(150), source.row(5)

    during, after, first = run(scenario())
    assert during == 150
    assert after == 10_150
    assert first == 10_005
    assert source.stale_pages() == []
