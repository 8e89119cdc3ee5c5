"""Which processes have a cache file open: each one holds a shared OS lock on `<file>.users`
for as long as it has the file open (the window, `podio-desk sync` and its child process,
`export`, `bulk`). The operating system drops the lock when a process ends, however it ends.

Two questions are answered from it: at open, "is this process the only one?" (only then does
a WAL file left beside the cache mean that the last close was not clean); before the cache is
set aside, "is nobody else using it?" (an exclusive lock, refused while any user remains).

flock locks belong to an open file, so two opens in one process count as two users. Windows
has no shared file locks: there every open counts as "cannot tell" (the cache is then checked
at every open) and Windows itself refuses to rename a file another process has open.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

USERS_SUFFIX = ".users"

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only

    def _try_lock(descriptor: int, exclusive: bool) -> bool:
        return True

    def _share(descriptor: int) -> None:
        return None

    CAN_TELL = False

else:
    import fcntl

    def _try_lock(descriptor: int, exclusive: bool) -> bool:
        kind = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        try:
            fcntl.flock(descriptor, kind | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _share(descriptor: int) -> None:
        # Blocking: only an exclusive holder (a set-aside, a moment long) makes it wait.
        fcntl.flock(descriptor, fcntl.LOCK_SH)

    CAN_TELL = True


def users_path(cache_file: Path) -> Path:
    return cache_file.with_name(cache_file.name + USERS_SUFFIX)


def _open(cache_file: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0)
    return os.open(users_path(cache_file), flags, 0o600)


class CacheUser:
    """This process's use of one cache file, from `join` to `leave`. Blocking calls: they
    run on the cache's worker threads."""

    def __init__(self, cache_file: Path) -> None:
        self.cache_file = cache_file
        self._descriptor: int | None = None

    def join(self) -> bool | None:
        """Count this process in. True when no other process had the file open, False when
        another one had, None when this system cannot tell."""
        descriptor = _open(self.cache_file)
        try:
            alone = _try_lock(descriptor, exclusive=True)
            _share(descriptor)  # from the exclusive lock (if taken) down to a shared one
        except BaseException:
            os.close(descriptor)
            raise
        self._descriptor = descriptor
        return alone if CAN_TELL else None

    def leave(self) -> None:
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is not None:
            os.close(descriptor)  # closing the file drops the lock


@contextlib.contextmanager
def sole_use(cache_file: Path) -> Iterator[bool]:
    """Hold the file against every other user for the block; yields False (and holds
    nothing) when another process has it open."""
    descriptor = _open(cache_file)
    try:
        yield _try_lock(descriptor, exclusive=True)
    finally:
        os.close(descriptor)
