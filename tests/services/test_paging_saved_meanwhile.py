"""An item saved while its page is being read again keeps the saved version: the read may
have started before the save (going offline re-reads the rows from the cache just as the edit
that found the network gone is queued and written there)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from podio_desk.services.paging import Page, PageQuery, PageSource, Shape


@dataclass
class HeldReader:
    """Pages of (id, text) rows; a read waits for `release` once `hold` is set."""

    rows: list[tuple[int, str]]
    hold: bool = False
    started: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def read_page(
        self, query: PageQuery, offset: int, limit: int, shape: Shape[tuple[int, str]]
    ) -> Page[tuple[int, str]] | None:
        snapshot = list(self.rows)  # what the cache held when the read began
        if self.hold:
            self.started.set()
            await self.release.wait()
        return Page(offset, len(snapshot), [shape(r) for r in snapshot[offset : offset + limit]])


def test_an_item_saved_during_a_page_read_is_not_overwritten_by_it() -> None:
    async def scenario() -> tuple[tuple[int, str] | None, tuple[int, str] | None]:
        cache = HeldReader([(1, "old"), (2, "two")])
        source: PageSource[tuple[int, str]] = PageSource(cache=cache, api=None, page_size=10)
        source.reset(PageQuery(app_id=1))
        await source.open()
        cache.hold = True
        source.refresh()  # going offline: the rows are read again
        source.request_rows(0, 1)
        await asyncio.wait_for(cache.started.wait(), 5)
        cache.rows[0] = (1, "saved")  # the save reaches the cache after the read began
        source.replace_item(lambda row: row[0] == 1, (1, "saved"))
        cache.release.set()
        await source.wait_idle()
        first, second = source.row(0), source.row(1)
        # A later read (the save long done) is taken as it comes.
        cache.hold = False
        cache.rows[0] = (1, "changed in Podio since")
        source.refresh()
        source.request_rows(0, 1)
        await source.wait_idle()
        assert source.row(0) == (1, "changed in Podio since")
        return first, second

    first, second = asyncio.run(scenario())
    assert first == (1, "saved")
    assert second == (2, "two")
