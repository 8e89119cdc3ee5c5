"""Exclusive OS file locks shared by every Podio Desk process on one profile.

A lock is an advisory lock on a small `.lock` file (`fcntl.flock` on POSIX, `msvcrt.locking`
on Windows). The operating system releases it when the process ends, however it ends (kill -9
included), so a crashed process never leaves a profile locked and there are no stale lock files
to clean up. The file itself stays; it holds the process id of the current holder, for messages
such as "already being synced by process 4321".

flock locks belong to an open file, not to a process: two `FileLock`s on the same path exclude
each other inside one process too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from pathlib import Path
from typing import IO

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        # Lock one byte far past the pid text, so that readers can still read the pid.
        handle.seek(_WINDOWS_LOCK_OFFSET)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        handle.seek(_WINDOWS_LOCK_OFFSET)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


_WINDOWS_LOCK_OFFSET = 1 << 20
# How often a blocking `acquire` tries again: short enough that a waiter starts as soon as the
# holder is done, long enough to cost nothing.
POLL_SECONDS = 0.05


class FileLock:
    """An exclusive lock on `path`; `with FileLock(path):` blocks until it is held.

    Polls instead of sleeping in the kernel, so that an asyncio task waiting for a lock (see
    `acquire_async`) stays cancellable and never leaves a thread blocked behind it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._handle: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; True when this object now holds it."""
        if self._handle is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="ascii")  # noqa: SIM115 - kept open while held
        try:
            if not _try_lock(handle):
                handle.close()
                return False
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
        except BaseException:
            handle.close()
            raise
        self._handle = handle
        return True

    def acquire(self, timeout: float | None = None) -> bool:
        """Wait for the lock (`timeout` seconds at most; None: as long as it takes)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.try_acquire():
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)
        return True

    async def acquire_async(self) -> None:
        """Wait for the lock without blocking the event loop; cancelling stops the wait."""
        # An OS lock has no event to wait on (flock's blocking call would hold a thread).
        while not self.try_acquire():  # noqa: ASYNC110
            await asyncio.sleep(POLL_SECONDS)

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            _unlock(handle)
        finally:
            handle.close()

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def lock_holder(path: Path) -> int | None:
    """The process id written by the lock's current (or last) holder, if readable."""
    with contextlib.suppress(OSError, ValueError):
        text = Path(path).read_text(encoding="ascii").strip()
        return int(text) if text else None
    return None
