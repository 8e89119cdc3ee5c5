"""The journal: jobs and their entries survive closing, other processes and kill -9, and an
entry's state only moves forward."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from podio_desk.cache.journal import (
    EntryCounts,
    Journal,
    JournalVersionError,
    NewEntry,
    journal_path,
)

ROOT = Path(__file__).resolve().parents[2]


def test_a_job_and_its_entries_are_kept_in_order(tmp_path: Path) -> None:
    async def scenario() -> None:
        journal = await Journal.open(tmp_path, "acct")
        try:
            job_id = await journal.create_job(
                "bulk",
                app_id=7,
                options={"silent": True},
                plan={"planned": 3},
                entries=[
                    NewEntry("update", 11, {"fields": {"title": "a"}}, 4, {"title": "x"}),
                    NewEntry("update", 12, {"fields": {"title": "b"}}, 5, {"title": "y"}),
                    NewEntry("delete", 13, base_revision=1),
                ],
            )
            job = await journal.job(job_id)
            assert job is not None
            assert (job.kind, job.app_id, job.state) == ("bulk", 7, "planned")
            assert job.options == {"silent": True}
            assert job.plan == {"planned": 3}
            entries = await journal.entries(job_id)
            assert [(e.seq, e.item_id, e.op) for e in entries] == [
                (1, 11, "update"),
                (2, 12, "update"),
                (3, 13, "delete"),
            ]
            assert entries[0].payload == {"fields": {"title": "a"}}
            assert entries[0].old_values == {"title": "x"}
            assert entries[0].base_revision == 4
            assert all(e.state == "pending" and e.attempts == 0 for e in entries)
            assert await journal.add_entries(job_id, [NewEntry("comment", 11)]) == [4]
            assert await journal.counts(job_id) == EntryCounts(pending=4)
        finally:
            await journal.aclose()

    asyncio.run(scenario())


def test_an_entry_moves_pending_sent_done_and_never_back(tmp_path: Path) -> None:
    async def scenario() -> None:
        journal = await Journal.open(tmp_path, "acct")
        try:
            job_id = await journal.create_job(
                "outbox", entries=[NewEntry("update", 1), NewEntry("update", 2)]
            )
            assert await journal.mark_sent(job_id, 1)
            assert await journal.finish(job_id, 1, "done", result_revision=9)
            assert not await journal.mark_sent(job_id, 1)  # done: never sent again
            assert not await journal.finish(job_id, 1, "failed", error="late")
            done = await journal.entry(job_id, 1)
            assert done is not None
            assert (done.state, done.result_revision, done.attempts) == ("done", 9, 1)
            assert await journal.finish(job_id, 2, "conflict", error="changed by someone else")
            assert await journal.counts(job_id) == EntryCounts(done=1, conflict=1)
            assert [e.seq for e in await journal.entries(job_id, states=["conflict"])] == [2]
        finally:
            await journal.aclose()

    asyncio.run(scenario())


def test_cancel_skips_pending_and_keeps_sent_to_be_confirmed(tmp_path: Path) -> None:
    async def scenario() -> None:
        journal = await Journal.open(tmp_path, "acct")
        try:
            job_id = await journal.create_job(
                "bulk", entries=[NewEntry("update", i) for i in range(1, 4)]
            )
            await journal.mark_sent(job_id, 1)
            assert await journal.skip_pending(job_id, "cancelled") == 2
            assert await journal.set_job_state(job_id, "cancelled")
            assert await journal.counts(job_id) == EntryCounts(sent=1, skipped=2)
            assert not await journal.update_entry(job_id, 2, payload={"fields": {}})
            assert [e.item_id for e in await journal.entries_for_item(1)] == [1]
            assert await journal.entries_for_item(2) == []
        finally:
            await journal.aclose()

    asyncio.run(scenario())


def test_the_journal_lives_beside_the_cache_and_refuses_a_newer_version(tmp_path: Path) -> None:
    assert journal_path(tmp_path / "journal", "acct") == tmp_path / "journal" / "acct.sqlite3"
    with pytest.raises(ValueError, match="cannot name"):
        journal_path(tmp_path, "../x")
    path = journal_path(tmp_path, "acct")
    Journal(path).close()

    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 99")
    with pytest.raises(JournalVersionError):
        Journal(path)


CHILD = """
import asyncio, sys
from pathlib import Path
from podio_desk.cache.journal import Journal, NewEntry

async def main() -> None:
    journal = await Journal.open(Path(sys.argv[1]), "acct")
    entries = [NewEntry("update", i) for i in range(1, 10001)]
    job_id = await journal.create_job("bulk", entries=entries)
    seq = 0
    while True:
        seq += 1
        await journal.mark_sent(job_id, seq)
        await journal.finish(job_id, seq, "done", result_revision=seq)
        print(seq, flush=True)

asyncio.run(main())
"""


@pytest.mark.skipif(sys.platform == "win32", reason="no SIGKILL on Windows")
def test_what_was_committed_survives_kill_9(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    last = 0
    while last < 50:
        line = child.stdout.readline()
        assert line, "the child ended early"
        last = int(line)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()

    async def scenario() -> None:
        journal = await Journal.open(tmp_path, "acct")
        try:
            (job,) = await journal.jobs(kind="bulk")
            counts = await journal.counts(job.id)
            assert counts.total == 10000
            assert counts.done >= last  # everything it reported done, at least
            assert counts.sent <= 1  # at most the one whose answer it was waiting for
            done = await journal.entries(job.id, states=["done"])
            assert [e.seq for e in done] == list(range(1, len(done) + 1))
        finally:
            await journal.aclose()

    asyncio.run(scenario())
