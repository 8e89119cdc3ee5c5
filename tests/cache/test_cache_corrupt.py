"""A damaged cache file is recognised on open, set aside, and replaced by a new one."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from podio_desk.cache.cache import Cache
from podio_desk.cache.db import CacheCorruptError, CacheInUseError
from podio_desk.cache.records import ItemRecord

PAGE = 4096
ROOT = Path(__file__).resolve().parents[2]


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


# Refused at every open: SQLite reads the header and the schema before anything else.
SEEN_AT_ONCE = ("random bytes", "truncated")


def _crash_while_writing(path: Path) -> None:
    """Another process writes to the cache and ends without closing it (its WAL stays)."""
    script = (
        "import os, sqlite3, sys\n"
        "connection = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "connection.execute('PRAGMA journal_mode = WAL')\n"
        "connection.execute('CREATE TABLE IF NOT EXISTS crash_probe (x)')\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], check=True, timeout=60)
    assert path.with_name(path.name + "-wal").exists()


def _refused_set_aside_and_rebuilt(path: Path, damaged: bytes | None, check: bool | None) -> None:
    """The open is refused, the file set aside (as `damaged`, when given), a new one made."""

    async def scenario() -> None:
        with pytest.raises(CacheCorruptError) as caught:
            await Cache.open(path.parent, "acct", check=check)
        assert str(path) in str(caught.value)
        assert "damaged" in str(caught.value)
        assert "\n" not in str(caught.value)
        aside = await Cache.set_aside(path.parent, "acct")
        assert aside is not None
        assert aside.name.startswith("acct.sqlite3.corrupt-")
        if damaged is not None:
            assert aside.read_bytes() == damaged  # kept as it was, for whoever wants to look
        fresh = await Cache.open(path.parent, "acct")
        try:
            assert await fresh.items.live_count(1) == 0
        finally:
            await fresh.aclose()
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    asyncio.run(scenario())


@pytest.mark.parametrize("kind", SEEN_AT_ONCE)
def test_a_cache_damaged_at_its_start_is_refused_set_aside_and_rebuilt(
    kind: str, tmp_path: Path
) -> None:
    path = _fill(tmp_path)
    damaged = DAMAGE[kind](path.read_bytes())
    path.write_bytes(damaged)
    _refused_set_aside_and_rebuilt(path, damaged, check=None)


def test_damage_mid_file_is_found_when_checked_or_after_a_close_that_was_not_clean(
    tmp_path: Path,
) -> None:
    path = _fill(tmp_path)
    damaged = DAMAGE["a page overwritten mid-file"](path.read_bytes())
    path.write_bytes(damaged)

    async def opens_unchecked() -> None:
        # Closed cleanly last time: not every page is read at open (that is the slow part).
        cache = await Cache.open(tmp_path, "acct")
        await cache.aclose()

    asyncio.run(opens_unchecked())
    damaged = path.read_bytes()  # as that open left it
    _refused_set_aside_and_rebuilt(path, damaged, check=True)  # `podio-desk sync --check`

    path = _fill(tmp_path / "crashed")
    damaged = DAMAGE["a page overwritten mid-file"](path.read_bytes())
    path.write_bytes(damaged)
    _crash_while_writing(path)
    # (The refused open's close moves the crashed writer's WAL into the file.)
    _refused_set_aside_and_rebuilt(path, None, check=None)


def test_a_cache_another_process_has_open_is_not_set_aside(tmp_path: Path) -> None:
    path = _fill(tmp_path)
    script = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from podio_desk.cache.cache import Cache\n"
        "async def main():\n"
        "    cache = await Cache.open(Path(sys.argv[1]), 'acct')\n"
        "    print('open', flush=True)\n"
        "    sys.stdin.readline()\n"
        "    await cache.aclose()\n"
        "asyncio.run(main())\n"
    )
    other = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert other.stdout is not None
        assert other.stdin is not None
        assert other.stdout.readline() == "open\n"
        with pytest.raises(CacheInUseError, match="open in another Podio Desk process"):
            asyncio.run(Cache.set_aside(tmp_path, "acct"))
        assert path.exists()
        other.stdin.write("\n")
        other.stdin.close()
        assert other.wait(timeout=60) == 0
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()
        if other.stdout is not None:
            other.stdout.close()
    aside = asyncio.run(Cache.set_aside(tmp_path, "acct"))
    assert aside is not None
    assert not path.exists()


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
