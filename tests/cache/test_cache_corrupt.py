"""A damaged cache file is recognised on open, set aside, and replaced by a new one."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from podio_desk.cache.cache import Cache
from podio_desk.cache.db import CacheCorruptError
from podio_desk.cache.records import ItemRecord

PAGE = 4096


def _fill(cache_dir: Path) -> Path:
    async def scenario() -> Path:
        cache = await Cache.open(cache_dir, "acct")
        try:
            records = [
                ItemRecord(i, 1, i, f"item {i} " * 20, 1, None, None, 0, 0, {"n": "x" * 1500})
                for i in range(1, 2001)
            ]
            await cache.items.upsert(records)
            return cache.path
        finally:
            await cache.aclose()

    return asyncio.run(scenario())


def _truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _garbage(data: bytes) -> bytes:
    return random.Random(1).randbytes(len(data))


def _page_overwritten(data: bytes) -> bytes:
    middle = len(data) // PAGE // 2 * PAGE
    return data[:middle] + random.Random(2).randbytes(PAGE) + data[middle + PAGE :]


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "truncated": _truncate,
    "random bytes": _garbage,
    "a page overwritten mid-file": _page_overwritten,
}


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_a_damaged_cache_is_refused_set_aside_and_rebuilt(kind: str, tmp_path: Path) -> None:
    path = _fill(tmp_path)
    damaged = DAMAGE[kind](path.read_bytes())
    path.write_bytes(damaged)

    async def scenario() -> None:
        with pytest.raises(CacheCorruptError) as caught:
            await Cache.open(tmp_path, "acct")
        assert str(path) in str(caught.value)
        assert "damaged" in str(caught.value)
        assert "\n" not in str(caught.value)
        aside = await Cache.set_aside(tmp_path, "acct")
        assert aside is not None
        assert aside.name.startswith("acct.sqlite3.corrupt-")
        assert aside.read_bytes() == damaged  # kept as it was, for whoever wants to look
        fresh = await Cache.open(tmp_path, "acct")
        try:
            assert await fresh.items.live_count(1) == 0
        finally:
            await fresh.aclose()
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    asyncio.run(scenario())


def test_a_sound_cache_opens_and_an_empty_file_is_a_new_cache(tmp_path: Path) -> None:
    path = _fill(tmp_path)

    async def scenario() -> None:
        cache = await Cache.open(tmp_path, "acct")
        try:
            assert await cache.items.live_count(1) == 2000
        finally:
            await cache.aclose()
        path.write_bytes(b"")
        cache = await Cache.open(tmp_path, "acct")
        await cache.aclose()
        assert await Cache.set_aside(tmp_path, "other") is None  # nothing to set aside

    asyncio.run(scenario())
