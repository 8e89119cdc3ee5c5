"""The journal of one account: writes waiting to go, and what became of each one.

One SQLite file per account, `<profile>/journal/<account_key>.sqlite3`, beside the cache and
never inside it: rebuilding or deleting the cache must never lose a pending write. A *job* is
a batch of writes (a bulk edit, the undo of one, or the account's outbox); its *entries* are
the single writes, in order, each with the revision it was made against and the values it
replaces:

    pending ──► sent ──► done | failed | conflict | skipped
       └────────────────► skipped (dropped from the plan, cancelled)

An entry is marked `sent` (committed, fsynced) before its request goes out, so after a crash
an entry still `sent` is one whose answer was lost: the caller must find out from Podio
whether it was applied (re-read the revision) before sending it again. WAL with
`synchronous = FULL`: a committed transaction survives `kill -9` and a power cut.

Every statement runs on the journal's own thread (`DbWorker`); the async methods never block
the caller's loop. Several processes may open the same file (the window and `podio-desk bulk`);
SQLite's locks keep each transaction whole. See docs/architecture.md, "Bulk edit".
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from podio_desk.cache.worker import DbWorker
from podio_desk.domain.timestamps import podio_now

T = TypeVar("T")

JOURNAL_SUFFIX = ".sqlite3"
JOURNAL_SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 10_000
_ACCOUNT_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")

JobKind = Literal["bulk", "undo", "outbox"]
JobState = Literal["planned", "running", "paused", "cancelled", "done"]
EntryState = Literal["pending", "sent", "done", "failed", "conflict", "skipped"]
EntryOp = Literal["update", "create", "delete", "comment", "task"]

JOB_KINDS: tuple[JobKind, ...] = ("bulk", "undo", "outbox")
JOB_STATES: tuple[JobState, ...] = ("planned", "running", "paused", "cancelled", "done")
ENTRY_STATES: tuple[EntryState, ...] = ("pending", "sent", "done", "failed", "conflict", "skipped")
# States an entry never leaves.
FINAL_ENTRY_STATES: frozenset[str] = frozenset({"done", "failed", "conflict", "skipped"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL CHECK (kind IN ('bulk', 'undo', 'outbox')),
    app_id        INTEGER,
    state         TEXT NOT NULL
                  CHECK (state IN ('planned', 'running', 'paused', 'cancelled', 'done')),
    created       TEXT NOT NULL,
    updated       TEXT NOT NULL,
    options       TEXT NOT NULL DEFAULT '{}',
    plan          TEXT NOT NULL DEFAULT '{}',
    parent_job_id INTEGER REFERENCES jobs(id),
    owner_pid     INTEGER
);
CREATE TABLE IF NOT EXISTS entries (
    job_id          INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    item_id         INTEGER,
    op              TEXT NOT NULL,
    payload         TEXT NOT NULL DEFAULT '{}',
    base_revision   INTEGER,
    old_values      TEXT NOT NULL DEFAULT '{}',
    state           TEXT NOT NULL
                    CHECK (state IN ('pending', 'sent', 'done', 'failed', 'conflict', 'skipped')),
    result_revision INTEGER,
    error           TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    updated         TEXT NOT NULL,
    summary         TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_by_state ON entries (job_id, state, seq);
CREATE INDEX IF NOT EXISTS entries_by_item ON entries (item_id, job_id);
CREATE INDEX IF NOT EXISTS jobs_by_kind ON jobs (kind, state);
"""


class JournalError(Exception):
    """The journal cannot be opened or changed as asked; the message says why."""


class JournalVersionError(JournalError):
    """The file was written by a newer Podio Desk."""


@dataclass(frozen=True)
class NewEntry:
    """An entry to add to a job; `seq` is given by the journal, in the order added."""

    op: str
    item_id: int | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
    base_revision: int | None = None
    old_values: Mapping[str, Any] = field(default_factory=dict)
    # What the user is shown about the entry (title, per-field old → new text); free form.
    summary: Mapping[str, Any] = field(default_factory=dict)
    state: EntryState = "pending"
    error: str | None = None


@dataclass(frozen=True)
class JournalEntry:
    job_id: int
    seq: int
    item_id: int | None
    op: str
    payload: dict[str, Any]
    base_revision: int | None
    old_values: dict[str, Any]
    state: str
    result_revision: int | None
    error: str | None
    attempts: int
    updated: str
    summary: dict[str, Any]

    @property
    def final(self) -> bool:
        return self.state in FINAL_ENTRY_STATES


@dataclass(frozen=True)
class JournalJob:
    id: int
    kind: str
    app_id: int | None
    state: str
    created: str
    updated: str
    options: dict[str, Any]
    plan: dict[str, Any]
    parent_job_id: int | None
    owner_pid: int | None


@dataclass(frozen=True)
class EntryCounts:
    """How many entries of a job are in each state."""

    pending: int = 0
    sent: int = 0
    done: int = 0
    failed: int = 0
    conflict: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.sent + self.done + self.failed + self.conflict + self.skipped

    @property
    def open(self) -> int:
        """Entries still to send or to confirm."""
        return self.pending + self.sent

    def as_dict(self) -> dict[str, int]:
        return {state: getattr(self, state) for state in ENTRY_STATES}


def journal_path(journal_dir: Path, account_key: str) -> Path:
    """`<journal_dir>/<account_key>.sqlite3`; the key must be a plain file-name-safe token."""
    if not _ACCOUNT_KEY.match(account_key) or ".." in account_key:
        raise ValueError(f"{account_key!r} cannot name a journal file")
    return journal_dir / f"{account_key}{JOURNAL_SUFFIX}"


def _dumps(value: Mapping[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _loads(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def _open(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=True)
    try:
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise JournalError(f"the journal {path} cannot use write-ahead logging (got {mode})")
        # FULL, not the cache's NORMAL: a write marked sent must still say so after a power
        # cut, or it could be sent a second time.
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        if version > JOURNAL_SCHEMA_VERSION:
            raise JournalVersionError(
                f"the journal {path} was written by a newer Podio Desk (version {version})"
            )
        if version < JOURNAL_SCHEMA_VERSION:
            # One script, one transaction: two processes creating the file at once both end
            # with the same tables.
            try:
                connection.executescript(
                    "BEGIN IMMEDIATE;"
                    + _SCHEMA
                    + f"PRAGMA user_version = {JOURNAL_SCHEMA_VERSION}; COMMIT;"
                )
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
    except BaseException:
        connection.close()
        raise
    return connection


_JOB_COLUMNS = "id, kind, app_id, state, created, updated, options, plan, parent_job_id, owner_pid"
_ENTRY_COLUMNS = (
    "job_id, seq, item_id, op, payload, base_revision, old_values, state, result_revision, "
    "error, attempts, updated, summary"
)


def _job(row: sqlite3.Row | tuple[Any, ...]) -> JournalJob:
    return JournalJob(
        id=row[0],
        kind=row[1],
        app_id=row[2],
        state=row[3],
        created=row[4],
        updated=row[5],
        options=_loads(row[6]),
        plan=_loads(row[7]),
        parent_job_id=row[8],
        owner_pid=row[9],
    )


def _entry(row: sqlite3.Row | tuple[Any, ...]) -> JournalEntry:
    return JournalEntry(
        job_id=row[0],
        seq=row[1],
        item_id=row[2],
        op=row[3],
        payload=_loads(row[4]),
        base_revision=row[5],
        old_values=_loads(row[6]),
        state=row[7],
        result_revision=row[8],
        error=row[9],
        attempts=row[10],
        updated=row[11],
        summary=_loads(row[12]),
    )


# ------------------------------------------------------------------ statements (worker thread)


def _insert_entries(
    connection: sqlite3.Connection, job_id: int, entries: Iterable[NewEntry], now: str
) -> list[int]:
    row = connection.execute(
        "SELECT COALESCE(MAX(seq), 0) FROM entries WHERE job_id = ?", (job_id,)
    ).fetchone()
    seq = int(row[0])
    seqs: list[int] = []
    rows = []
    for entry in entries:
        if entry.state not in ENTRY_STATES:
            raise JournalError(f"{entry.state!r} is not an entry state")
        seq += 1
        seqs.append(seq)
        rows.append(
            (
                job_id,
                seq,
                entry.item_id,
                entry.op,
                _dumps(entry.payload),
                entry.base_revision,
                _dumps(entry.old_values),
                entry.state,
                entry.error,
                now,
                _dumps(entry.summary),
            )
        )
    connection.executemany(
        "INSERT INTO entries (job_id, seq, item_id, op, payload, base_revision, old_values,"
        " state, error, updated, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    connection.execute("UPDATE jobs SET updated = ? WHERE id = ?", (now, job_id))
    return seqs


def _create_job(
    connection: sqlite3.Connection,
    kind: str,
    app_id: int | None,
    options: Mapping[str, Any],
    plan: Mapping[str, Any],
    entries: Sequence[NewEntry],
    parent_job_id: int | None,
    state: str,
    now: str,
) -> int:
    if kind not in JOB_KINDS:
        raise JournalError(f"{kind!r} is not a job kind")
    if state not in JOB_STATES:
        raise JournalError(f"{state!r} is not a job state")
    cursor = connection.execute(
        "INSERT INTO jobs (kind, app_id, state, created, updated, options, plan, parent_job_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (kind, app_id, state, now, now, _dumps(options), _dumps(plan), parent_job_id),
    )
    job_id = cursor.lastrowid
    assert job_id is not None
    _insert_entries(connection, job_id, entries, now)
    return job_id


def _counts(connection: sqlite3.Connection, job_id: int) -> EntryCounts:
    rows = connection.execute(
        "SELECT state, COUNT(*) FROM entries WHERE job_id = ? GROUP BY state", (job_id,)
    ).fetchall()
    return EntryCounts(**{str(state): int(count) for state, count in rows})


def _set_entry(
    connection: sqlite3.Connection,
    job_id: int,
    seq: int,
    state: str,
    now: str,
    *,
    expect: Sequence[str] | None,
    result_revision: int | None = None,
    error: str | None = None,
    count_attempt: bool = False,
    item_id: int | None = None,
) -> bool:
    if state not in ENTRY_STATES:
        raise JournalError(f"{state!r} is not an entry state")
    sql = (
        "UPDATE entries SET state = ?, updated = ?,"
        " result_revision = COALESCE(?, result_revision), error = ?,"
        " attempts = attempts + ?, item_id = COALESCE(?, item_id) WHERE job_id = ? AND seq = ?"
    )
    params: list[Any] = [
        state, now, result_revision, error, int(count_attempt), item_id, job_id, seq,
    ]  # fmt: skip
    if expect is not None:
        sql += f" AND state IN ({', '.join('?' for _ in expect)})"
        params.extend(expect)
    changed = connection.execute(sql, params).rowcount > 0
    if changed:
        connection.execute("UPDATE jobs SET updated = ? WHERE id = ?", (now, job_id))
    return changed


class Journal:
    """The journal file of one account (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        """Open (creating as needed). Blocks: call `open` from async code."""
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise JournalError(
                f"cannot create the journal folder {path.parent}: {error}"
            ) from error
        try:
            self._worker = DbWorker("journal", lambda: _open(path))
        except sqlite3.DatabaseError as error:
            raise JournalError(f"cannot open the journal {path}: {error}") from error

    @classmethod
    async def open(cls, journal_dir: Path, account_key: str) -> Journal:
        """The account's journal, `<journal_dir>/<account_key>.sqlite3`."""
        path = journal_path(journal_dir, account_key)
        return await asyncio.to_thread(functools.partial(cls, path))

    def close(self) -> None:
        self._worker.close()

    async def aclose(self) -> None:
        await self._worker.aclose()

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def job(connection: sqlite3.Connection) -> T:
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = fn(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            return result

        return await self._worker.run(job)

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def job(connection: sqlite3.Connection) -> T:
            connection.execute("BEGIN")
            try:
                return fn(connection)
            finally:
                connection.execute("COMMIT")

        return await self._worker.run(job)

    # -------------------------------------------------------------- jobs

    async def create_job(
        self,
        kind: JobKind,
        *,
        app_id: int | None = None,
        options: Mapping[str, Any] | None = None,
        plan: Mapping[str, Any] | None = None,
        entries: Sequence[NewEntry] = (),
        parent_job_id: int | None = None,
        state: JobState = "planned",
    ) -> int:
        """A new job with its entries (seq 1, 2, … in the order given), in one transaction."""
        now = podio_now()
        return await self._write(
            lambda c: _create_job(
                c, kind, app_id, options or {}, plan or {}, entries, parent_job_id, state, now
            )
        )

    async def job(self, job_id: int) -> JournalJob | None:
        def read(connection: sqlite3.Connection) -> JournalJob | None:
            row = connection.execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
            return _job(row) if row else None

        return await self._read(read)

    async def jobs(
        self,
        *,
        kind: str | None = None,
        states: Sequence[str] | None = None,
        app_id: int | None = None,
    ) -> list[JournalJob]:
        """Jobs, oldest first, optionally of one kind, in some states, of one app."""
        where: list[str] = []
        params: list[Any] = []
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        if states is not None:
            where.append(f"state IN ({', '.join('?' for _ in states)})")
            params.extend(states)
        if app_id is not None:
            where.append("app_id = ?")
            params.append(app_id)
        sql = f"SELECT {_JOB_COLUMNS} FROM jobs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id"
        return await self._read(lambda c: [_job(row) for row in c.execute(sql, params)])

    async def set_job_state(
        self,
        job_id: int,
        state: JobState,
        *,
        expect: Sequence[JobState] | None = None,
        owner_pid: int | None = None,
    ) -> bool:
        """Move a job to `state` (only from one of `expect`, when given); False if it was not
        in one of those states. `owner_pid` notes the process running it."""
        if state not in JOB_STATES:
            raise JournalError(f"{state!r} is not a job state")
        now = podio_now()
        sql = "UPDATE jobs SET state = ?, updated = ?, owner_pid = ? WHERE id = ?"
        params: list[Any] = [state, now, owner_pid, job_id]
        if expect is not None:
            sql += f" AND state IN ({', '.join('?' for _ in expect)})"
            params.extend(expect)
        return await self._write(lambda c: c.execute(sql, params).rowcount > 0)

    async def update_job(
        self,
        job_id: int,
        *,
        options: Mapping[str, Any] | None = None,
        plan: Mapping[str, Any] | None = None,
    ) -> None:
        """Replace a job's options or plan summary."""
        now = podio_now()

        def write(connection: sqlite3.Connection) -> None:
            if options is not None:
                connection.execute(
                    "UPDATE jobs SET options = ?, updated = ? WHERE id = ?",
                    (_dumps(options), now, job_id),
                )
            if plan is not None:
                connection.execute(
                    "UPDATE jobs SET plan = ?, updated = ? WHERE id = ?",
                    (_dumps(plan), now, job_id),
                )

        await self._write(write)

    async def move_entries(self, from_job: int, into_job: int) -> int:
        """Move every entry of `from_job` to the end of `into_job` (in their order, states
        kept) and forget `from_job`, in one transaction; returns how much their seqs grew."""
        now = podio_now()

        def write(connection: sqlite3.Connection) -> int:
            (last,) = connection.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM entries WHERE job_id = ?", (into_job,)
            ).fetchone()
            connection.execute(
                "UPDATE entries SET job_id = ?, seq = seq + ? WHERE job_id = ?",
                (into_job, int(last), from_job),
            )
            connection.execute(
                "UPDATE jobs SET parent_job_id = NULL WHERE parent_job_id = ?", (from_job,)
            )
            connection.execute("DELETE FROM jobs WHERE id = ?", (from_job,))
            connection.execute("UPDATE jobs SET updated = ? WHERE id = ?", (now, into_job))
            return int(last)

        return await self._write(write)

    # -------------------------------------------------------------- entries

    async def add_entries(self, job_id: int, entries: Sequence[NewEntry]) -> list[int]:
        """Append entries to a job (the outbox grows this way); returns their seqs."""
        now = podio_now()
        return await self._write(lambda c: _insert_entries(c, job_id, entries, now))

    async def entries(
        self,
        job_id: int,
        *,
        states: Sequence[str] | None = None,
        after_seq: int = 0,
        limit: int | None = None,
    ) -> list[JournalEntry]:
        """A job's entries in seq order, optionally only in some states, after a seq."""
        sql = f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE job_id = ? AND seq > ?"
        params: list[Any] = [job_id, after_seq]
        if states is not None:
            sql += f" AND state IN ({', '.join('?' for _ in states)})"
            params.extend(states)
        sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return await self._read(lambda c: [_entry(row) for row in c.execute(sql, params)])

    async def entry(self, job_id: int, seq: int) -> JournalEntry | None:
        def read(connection: sqlite3.Connection) -> JournalEntry | None:
            row = connection.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE job_id = ? AND seq = ?",
                (job_id, seq),
            ).fetchone()
            return _entry(row) if row else None

        return await self._read(read)

    async def entries_for_item(
        self, item_id: int, *, states: Sequence[str] = ("pending", "sent")
    ) -> list[JournalEntry]:
        """Entries of any job touching one item (pending ones by default), oldest first."""
        sql = (
            f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE item_id = ?"
            f" AND state IN ({', '.join('?' for _ in states)}) ORDER BY job_id, seq"
        )
        return await self._read(
            lambda c: [_entry(row) for row in c.execute(sql, (item_id, *states))]
        )

    async def counts(self, job_id: int) -> EntryCounts:
        return await self._read(lambda c: _counts(c, job_id))

    async def mark_sent(self, job_id: int, seq: int) -> bool:
        """Note, durably, that the entry's request is about to go out (pending → sent; a
        `sent` entry confirmed unapplied may be sent again). Counts an attempt. False if the
        entry was in another state (cancelled, dropped) and must not be sent."""
        now = podio_now()
        return await self._write(
            lambda c: _set_entry(
                c, job_id, seq, "sent", now, expect=("pending", "sent"), count_attempt=True
            )
        )

    async def finish(
        self,
        job_id: int,
        seq: int,
        state: EntryState,
        *,
        result_revision: int | None = None,
        error: str | None = None,
        item_id: int | None = None,
    ) -> bool:
        """Record the outcome of an entry: done (with the revision Podio gave it, and for a
        create the new item's id), failed, conflict or skipped (with why); or back to pending
        (a request that certainly never arrived, to send later). False if the entry had
        already ended."""
        now = podio_now()
        return await self._write(
            lambda c: _set_entry(
                c,
                job_id,
                seq,
                state,
                now,
                expect=("pending", "sent"),
                result_revision=result_revision,
                error=error,
                item_id=item_id,
            )
        )

    async def update_entry(
        self,
        job_id: int,
        seq: int,
        *,
        payload: Mapping[str, Any] | None = None,
        summary: Mapping[str, Any] | None = None,
    ) -> bool:
        """Change what a pending entry will send (the user fixed a value); False when the
        entry is no longer pending."""
        now = podio_now()

        def write(connection: sqlite3.Connection) -> bool:
            sets = ["updated = ?"]
            params: list[Any] = [now]
            if payload is not None:
                sets.append("payload = ?")
                params.append(_dumps(payload))
            if summary is not None:
                sets.append("summary = ?")
                params.append(_dumps(summary))
            params.extend([job_id, seq])
            return (
                connection.execute(
                    f"UPDATE entries SET {', '.join(sets)}"
                    " WHERE job_id = ? AND seq = ? AND state = 'pending'",
                    params,
                ).rowcount
                > 0
            )

        return await self._write(write)

    async def skip_pending(self, job_id: int, reason: str) -> int:
        """Every pending entry of a job becomes skipped with `reason` (a cancel); entries
        already sent keep their state, to be confirmed. Returns how many were skipped."""
        now = podio_now()

        def write(connection: sqlite3.Connection) -> int:
            count = connection.execute(
                "UPDATE entries SET state = 'skipped', error = ?, updated = ?"
                " WHERE job_id = ? AND state = 'pending'",
                (reason, now, job_id),
            ).rowcount
            connection.execute("UPDATE jobs SET updated = ? WHERE id = ?", (now, job_id))
            return int(count)

        return await self._write(write)
