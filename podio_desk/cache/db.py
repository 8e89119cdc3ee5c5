"""The cache file of one account: opening, WAL, migrations, and the two worker threads.

Writes go through one writer thread (one connection, one job at a time, each job one
transaction). Reads go through a second thread with its own read-only connection: under WAL a
reader sees the last committed state and never waits for a long sync transaction, so the UI's
page queries stay fast while a sync is writing.
"""

from __future__ import annotations

import asyncio
import functools
import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from podio_desk.cache.connection import CacheConnection
from podio_desk.cache.schema import migrate
from podio_desk.cache.users import CacheUser, sole_use
from podio_desk.cache.worker import DbWorker

T = TypeVar("T")

CACHE_SUFFIX = ".sqlite3"
# How long a statement waits for another connection's write (another process's sync, the
# window saving an edit) before it gives up with CacheBusyError.
BUSY_TIMEOUT_MS = 10_000
_ACCOUNT_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class CacheOpenError(Exception):
    """The cache file cannot be opened or created; the message names the file and why."""


class CacheCorruptError(CacheOpenError):
    """The cache file is damaged (truncated, overwritten, not a database at all).

    Nothing in it can be trusted; `set_aside` moves it out of the way so a new cache can be
    built from Podio."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        self.detail = " ".join(detail.split())
        super().__init__(f"the cache file {path} is damaged ({self.detail})")


# SQLITE_CORRUPT and SQLITE_NOTADB: the file's content is wrong, not its permissions or disk.
_CORRUPT_CODES = (11, 26)


def _is_corruption(error: sqlite3.DatabaseError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _CORRUPT_CODES
    text = str(error)
    return "malformed" in text or "not a database" in text


def _check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    """`PRAGMA quick_check`: every page and index of the file is readable and consistent."""
    rows = connection.execute("PRAGMA quick_check(5)").fetchall()
    problems = [str(row[0]) for row in rows if row and row[0] != "ok"]
    if problems:
        raise CacheCorruptError(path, "; ".join(problems)[:300])


class CacheInUseError(CacheOpenError):
    """The cache cannot be set aside: another process has it open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"the cache {path} is open in another Podio Desk process (a window, or a "
            "`podio-desk sync`, `export` or `bulk`); close or wait for it, then rebuild again"
        )


def set_aside(path: Path, moment: datetime | None = None) -> Path | None:
    """Rename a cache file (and its -wal and -shm files) to `<name>.corrupt-<timestamp>`, so
    a fresh cache can take its place; returns the new name (None: there was no file).

    CacheInUseError while another process has the file open (users.py): renaming it under
    a running sync would leave that sync writing to the file set aside."""
    if not path.exists():
        return None
    with sole_use(path) as free:
        if not free:
            raise CacheInUseError(path)
        stamp = (moment or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
        target = path.with_name(f"{path.name}.corrupt-{stamp}")
        try:
            for suffix in ("-wal", "-shm"):
                companion = path.with_name(path.name + suffix)
                if companion.exists():
                    companion.replace(companion.with_name(f"{companion.name}.corrupt-{stamp}"))
            path.replace(target)
        except PermissionError as error:  # Windows: a file open elsewhere cannot be renamed
            raise CacheInUseError(path) from error
    return target


class CacheBusyError(Exception):
    """Another connection kept the cache file locked for longer than we wait; retry later."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"the cache {path} stayed locked by another Podio Desk process (a sync or the "
            f"window writing to it) for more than {BUSY_TIMEOUT_MS // 1000} s; try again when "
            "it is done, or close the other process if it is stuck"
        )


def _is_busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    text = str(error)
    return "database is locked" in text or "database table is locked" in text


def cache_path(cache_dir: Path, account_key: str) -> Path:
    """`<profile>/cache/<account_key>.sqlite3`; the key must be a plain file-name-safe token."""
    if not _ACCOUNT_KEY.match(account_key) or ".." in account_key:
        raise ValueError(f"{account_key!r} cannot name a cache file")
    return cache_dir / f"{account_key}{CACHE_SUFFIX}"


def _tune(connection: sqlite3.Connection) -> None:
    connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
    connection.execute("PRAGMA cache_size = -65536")  # 64 MiB of page cache
    connection.execute("PRAGMA temp_store = MEMORY")
    connection.execute("PRAGMA mmap_size = 268435456")


def _open_writer(path: Path, check: bool) -> sqlite3.Connection:
    # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE … COMMIT in `write`).
    connection = sqlite3.connect(
        path, isolation_level=None, check_same_thread=True, factory=CacheConnection
    )
    try:
        _tune(connection)
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise CacheOpenError(f"the cache {path} cannot use write-ahead logging (got {mode})")
        # WAL + NORMAL: a crash (even kill -9) never corrupts and never loses a committed
        # transaction; only a power cut may lose the last few, which the next sync refetches.
        connection.execute("PRAGMA synchronous = NORMAL")
        if check:
            _check_integrity(connection, path)
        migrate(connection, path)
    except sqlite3.DatabaseError as error:
        connection.close()
        if _is_corruption(error):
            raise CacheCorruptError(path, str(error)) from error
        raise
    except BaseException:
        connection.close()
        raise
    return connection


def _open_reader(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro",
        uri=True,
        isolation_level=None,
        factory=CacheConnection,
    )
    _tune(connection)
    connection.execute("PRAGMA query_only = 1")
    if isinstance(connection, CacheConnection):
        connection.read_only = True
    return connection


def _closed_uncleanly(path: Path) -> bool:
    """A WAL file beside a cache nobody else has open: the last process to close it did not
    (a crash, a kill, a lost power). A clean close checkpoints the WAL and removes it."""
    return path.with_name(path.name + "-wal").exists()


class CacheDatabase:
    """One account's cache file with its writer and reader threads."""

    def __init__(self, path: Path, *, check: bool | None = False) -> None:
        """Open (creating and migrating as needed). Blocks: call `open` from async code.

        With `check`, the whole file is verified first (`PRAGMA quick_check`, a read of every
        page): CacheCorruptError if it is damaged. `check=None` verifies it only when its
        last close was not clean (or when that cannot be told), since reading every page of
        a large cache is slow; SQLite itself still refuses a file whose header is damaged."""
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CacheOpenError(
                f"cannot create the cache folder {path.parent}: {error}"
            ) from error
        self._user = CacheUser(path)
        try:
            alone = self._user.join()
        except OSError as error:
            raise CacheOpenError(f"cannot open the cache {path}: {error}") from error
        if check is None:
            check = alone is None or (alone and _closed_uncleanly(path))
        verify = check
        try:
            self._writer = DbWorker("writer", lambda: _open_writer(path, verify))
        except CacheOpenError:
            self._user.leave()
            raise
        except sqlite3.DatabaseError as error:
            self._user.leave()
            raise CacheOpenError(f"cannot open the cache {path}: {error}") from error
        except BaseException:
            self._user.leave()
            raise
        try:
            self._reader = DbWorker("reader", lambda: _open_reader(path))
        except BaseException:
            self._writer.close()
            self._user.leave()
            raise

    @classmethod
    async def open(cls, path: Path, *, check: bool | None = False) -> CacheDatabase:
        return await asyncio.to_thread(functools.partial(cls, path, check=check))

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` on the writer thread inside one transaction (all or nothing)."""
        return await self._writer.run(lambda connection: self._job(_in_transaction, fn, connection))

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` on the reader thread against the last committed state."""
        return await self._reader.run(
            lambda connection: self._job(_in_read_snapshot, fn, connection)
        )

    async def external_version(self) -> int:
        """A number that moves when another process (or connection) commits to the file and
        never with this cache's own writes: `PRAGMA data_version` of the writer's connection,
        read on the writer thread outside any transaction (it takes no lock)."""
        return await self._writer.run(
            lambda connection: int(connection.execute("PRAGMA data_version").fetchone()[0])
        )

    def _job(
        self,
        frame: Callable[[sqlite3.Connection, Callable[[sqlite3.Connection], T]], T],
        fn: Callable[[sqlite3.Connection], T],
        connection: sqlite3.Connection,
    ) -> T:
        """`frame(connection, fn)`, with SQLite's bare "database is locked" said clearly."""
        try:
            return frame(connection, fn)
        except sqlite3.OperationalError as error:
            if _is_busy(error):
                raise CacheBusyError(self.path) from error
            raise

    def close(self) -> None:
        self._reader.close()
        self._writer.close()
        self._user.leave()  # after the close: the last one out removes the WAL first

    async def aclose(self) -> None:
        await asyncio.to_thread(self.close)


def _in_transaction(connection: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    connection.execute("BEGIN IMMEDIATE")
    try:
        result = fn(connection)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return result


def _in_read_snapshot(connection: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    # One read transaction per job: a count and the page it goes with see the same snapshot.
    connection.execute("BEGIN")
    try:
        return fn(connection)
    finally:
        connection.execute("COMMIT")
