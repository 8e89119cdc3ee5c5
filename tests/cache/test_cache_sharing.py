"""One cache file written by two processes (two connections): full-sync generations only move
forward, and a writer that stalls makes the other wait, then fail with a clear message."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from podio_desk.cache import db as cache_db
from podio_desk.cache.cache import Cache
from podio_desk.cache.db import CacheBusyError
from podio_desk.cache.records import AppSyncState
from tests.cache.test_cache_store import APP, record


async def full_pass(cache: Cache, item_ids: list[int], state: AppSyncState) -> list[int]:
    """A full pass that read `state` when it started: its page, then its end."""
    records = [record(item_id) for item_id in item_ids]
    state = replace(state, full_cursor=max(item_ids), full_offset=len(item_ids))
    await cache.items.save_sync_page(records, state, seen_gen=state.full_gen)
    return await cache.finish_full_sync(
        replace(state, full_running=False, full_done_at="2026-01-01 00:00:00")
    )


async def start_full_pass(cache: Cache) -> AppSyncState:
    """What SyncService.full_sync does first: the next generation, saved as running."""
    state = await cache.sync_state(APP)
    state = replace(state, full_gen=state.full_gen + 1, full_running=True, full_cursor=0)
    await cache.save_sync_state(state)
    return state


def test_an_older_full_sync_finishing_last_does_not_hide_later_deletions(tmp_path: Path) -> None:
    async def scenario() -> None:
        window = await Cache.open(tmp_path, "acct")  # two processes: two connections
        command = await Cache.open(tmp_path, "acct")
        try:
            older = await start_full_pass(window)
            newer = await start_full_pass(command)
            assert newer.full_gen > older.full_gen
            assert await full_pass(command, [1, 2, 3], newer) == []
            await full_pass(window, [1, 2, 3], older)  # the older pass ends last
            assert (await window.sync_state(APP)).full_gen == newer.full_gen

            # Item 3 is deleted in Podio; the next full pass sees only 1 and 2.
            latest = await start_full_pass(window)
            assert await full_pass(window, [1, 2], latest) == [3]
            assert await window.items.deleted_ids(APP) == [3]
        finally:
            await window.aclose()
            await command.aclose()

    asyncio.run(scenario())


def test_a_stale_sync_state_does_not_overwrite_a_newer_pass(tmp_path: Path) -> None:
    async def scenario() -> None:
        window = await Cache.open(tmp_path, "acct")
        command = await Cache.open(tmp_path, "acct")
        try:
            older = await start_full_pass(window)
            newer = await start_full_pass(command)
            await window.save_sync_state(replace(older, full_cursor=99, full_offset=5))
            assert await command.sync_state(APP) == newer
        finally:
            await window.aclose()
            await command.aclose()

    asyncio.run(scenario())


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another process's writer, stalled in the middle of its transaction."""
    stalled = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    stalled.execute("BEGIN IMMEDIATE")
    stalled.execute("INSERT INTO meta (key, value) VALUES ('stalled', 'yes')")
    return stalled


def test_a_writer_waits_for_another_process_that_holds_the_file_briefly(tmp_path: Path) -> None:
    async def scenario() -> None:
        cache = await Cache.open(tmp_path, "acct")
        try:
            stalled = hold_write_lock(cache.path)
            release = threading.Timer(0.3, lambda: stalled.execute("COMMIT"))
            release.start()
            await cache.save_sync_state(AppSyncState(app_id=APP, full_gen=1))
            release.join()
            stalled.close()
            assert (await cache.sync_state(APP)).full_gen == 1
        finally:
            await cache.aclose()

    asyncio.run(scenario())


def test_a_writer_stalled_too_long_gives_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_db, "BUSY_TIMEOUT_MS", 200)

    async def scenario() -> None:
        cache = await Cache.open(tmp_path, "acct")
        stalled = hold_write_lock(cache.path)
        try:
            with pytest.raises(CacheBusyError) as raised:
                await cache.save_sync_state(AppSyncState(app_id=APP, full_gen=1))
        finally:
            stalled.execute("ROLLBACK")
            stalled.close()
            await cache.aclose()
        message = str(raised.value)
        assert message.startswith(f"the cache {cache.path} stayed locked by another Podio Desk")
        assert "try again" in message
        assert "database is locked" not in message

    asyncio.run(scenario())
