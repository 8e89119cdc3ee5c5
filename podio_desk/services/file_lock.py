"""Exclusive OS file locks shared by every Podio Desk process on one profile.

A lock is an advisory lock on a small `.lock` file (`fcntl.flock` on POSIX, `msvcrt.locking`
on Windows). The operating system releases it when the process ends, however it ends (kill -9
included), so a crashed process never leaves a profile locked and there are no stale lock files
to clean up. The file itself stays; it holds the process id of the current holder, for messages
such as "already being synced by process 4321".

flock locks belong to an open file, not to a process: two `FileLock`s on the same path exclude
each other inside one process too.

`is_locked(path)` asks whether someone holds a lock without taking it for more than an
instant (a shared lock, never the pid text). Because that instant can still meet another
process's `try_acquire`, a non-blocking acquire gives up only when the lock stays taken for
`BUSY_CONFIRM_SECONDS`: a probe never makes a job or a sync think it is already running.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from pathlib import Path

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _probe(descriptor: int) -> bool:
        # msvcrt has no shared lock: lock the byte and let go of it at once.
        os.lseek(descriptor, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        _unlock(descriptor)
        return True

    def _lock(descriptor: int, wait: bool) -> bool:
        # One byte far past the pid text is locked, so that others can still read the pid.
        while True:
            os.lseek(descriptor, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            try:
                # LK_LOCK itself retries for about ten seconds before it gives up.
                msvcrt.locking(descriptor, msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK, 1)
            except OSError:
                if wait:
                    continue
                return False
            return True

    def _unlock(descriptor: int) -> None:
        os.lseek(descriptor, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(descriptor: int, wait: bool) -> bool:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)

    def _probe(descriptor: int) -> bool:
        """True when no one holds the lock (a shared lock, held for an instant)."""
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        _unlock(descriptor)
        return True


_WINDOWS_LOCK_OFFSET = 1 << 20
# How often `acquire_async` tries again: short enough that a waiter starts as soon as the
# holder is done, long enough to cost nothing.
POLL_SECONDS = 0.05
# A non-blocking acquire tries again for this long before it says "taken": another process's
# `is_locked` probe holds the lock for microseconds, a real holder for as long as it works.
BUSY_CONFIRM_SECONDS = 0.2
_BUSY_RETRY_SECONDS = 0.01


class FileLock:
    """An exclusive lock on `path`; `with FileLock(path):` blocks (in the kernel) until it is
    held, so it is for worker threads. On the event loop, `try_acquire_async` and
    `acquire_async` make each attempt on a worker thread (opening the file is disk I/O) and
    wait between attempts on the loop: a task waiting for the lock stays cancellable and never
    leaves a thread blocked behind it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._descriptor: int | None = None

    @property
    def held(self) -> bool:
        return self._descriptor is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; True when this object now holds it. Blocks the
        calling thread for at most `BUSY_CONFIRM_SECONDS` while the lock is taken: call it
        on a worker thread."""
        return self._acquire(wait=False, confirm_busy=True)

    def acquire(self) -> None:
        """Wait for the lock (blocks the calling thread)."""
        self._acquire(wait=True)

    def _acquire(self, wait: bool, confirm_busy: bool = False) -> bool:
        if self._descriptor is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0)
        descriptor = os.open(self.path, flags, 0o600)
        try:
            if wait:
                taken = _lock(descriptor, wait=True)
            elif confirm_busy:
                taken = _lock_confirmed(descriptor)
            else:
                taken = _lock(descriptor, wait=False)
            if not taken:
                os.close(descriptor)
                return False
            os.ftruncate(descriptor, 0)
            os.lseek(descriptor, 0, os.SEEK_SET)
            os.write(descriptor, f"{os.getpid()}\n".encode("ascii"))
        except BaseException:
            os.close(descriptor)
            raise
        self._descriptor = descriptor
        return True

    async def try_acquire_async(self) -> bool:
        """`try_acquire` on a worker thread, for callers on the event loop."""
        return await asyncio.to_thread(self.try_acquire)

    async def acquire_async(self) -> None:
        """Wait for the lock without blocking the event loop; cancelling stops the wait."""
        # An OS lock has no event to wait on (flock's blocking call would hold a thread).
        # Polling already waits: one plain attempt per turn, on a worker thread.
        while not await asyncio.to_thread(self._acquire, False):  # noqa: ASYNC110
            await asyncio.sleep(POLL_SECONDS)

    def release(self) -> None:
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is None:
            return
        try:
            _unlock(descriptor)
        finally:
            os.close(descriptor)

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def _lock_confirmed(descriptor: int) -> bool:
    """A non-blocking lock that says "taken" only when it stays taken (see the docstring)."""
    deadline = time.monotonic() + BUSY_CONFIRM_SECONDS
    while not _lock(descriptor, wait=False):
        if time.monotonic() >= deadline:
            return False
        time.sleep(_BUSY_RETRY_SECONDS)
    return True


def is_locked(path: Path) -> bool:
    """Whether a process (this one included) holds the lock on `path`; never takes it for
    more than an instant and never writes to the file."""
    try:
        descriptor = os.open(Path(path), os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return False  # never locked: the holder creates the file
    try:
        return not _probe(descriptor)
    finally:
        os.close(descriptor)


def lock_holder(path: Path) -> int | None:
    """The process id written by the lock's current (or last) holder, if readable."""
    with contextlib.suppress(OSError, ValueError):
        text = Path(path).read_text(encoding="ascii").strip()
        return int(text) if text else None
    return None
