"""An account's local data: what is still to send, and removing it with the account.

An account leaves behind its cache (`<profile>/cache/<key>.sqlite3`, its -wal and -shm files
and any copies set aside as corrupt) and its journal (`<profile>/journal/<key>.sqlite3`, with
the lock files of its jobs). Removing the account removes them too, unless the journal still
holds writes not yet sent: bulk jobs or outbox changes that are not finished. Those are
never dropped silently; the caller says what is pending and removes only when forced.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from podio_desk.cache.journal import Journal, journal_path

# Jobs that may still send something (a cancelled or done job sends nothing more).
_UNFINISHED_JOB_STATES = ("planned", "running", "paused")


@dataclass(frozen=True)
class PendingJob:
    job_id: int
    kind: str  # "bulk" | "undo" | "outbox"
    unsent: int

    def describe(self) -> str:
        what = "outbox" if self.kind == "outbox" else f"{self.kind} job {self.job_id}"
        return f"{what}: {self.unsent} change{'s' if self.unsent != 1 else ''} not sent"


async def pending_writes(journal_dir: Path, account_key: str) -> list[PendingJob]:
    """The account's unfinished jobs with entries still to send or to confirm."""
    if not journal_path(journal_dir, account_key).exists():
        return []
    journal = await Journal.open(journal_dir, account_key)
    try:
        pending: list[PendingJob] = []
        for job in await journal.jobs(states=_UNFINISHED_JOB_STATES):
            counts = await journal.counts(job.id)
            if counts.open:
                pending.append(PendingJob(job.id, job.kind, counts.open))
        return pending
    finally:
        await journal.aclose()


def describe_pending(pending: list[PendingJob]) -> str:
    return "; ".join(job.describe() for job in pending)


def local_data_files(cache_dir: Path, journal_dir: Path, account_key: str) -> list[Path]:
    """Every file the account has in the cache and journal folders."""
    journal_path(journal_dir, account_key)  # checks the key is a plain file name
    prefixes = (f"{account_key}.", f"{account_key}-job-")
    found: list[Path] = []
    for folder in (cache_dir, journal_dir):
        if folder.is_dir():
            found.extend(
                path
                for path in sorted(folder.iterdir())
                if path.is_file() and path.name.startswith(prefixes)
            )
    return found


async def remove_local_data(cache_dir: Path, journal_dir: Path, account_key: str) -> list[Path]:
    """Delete the account's cache and journal files; returns what was deleted."""

    def work() -> list[Path]:
        removed: list[Path] = []
        for path in local_data_files(cache_dir, journal_dir, account_key):
            path.unlink(missing_ok=True)
            removed.append(path)
        return removed

    return await asyncio.to_thread(work)
