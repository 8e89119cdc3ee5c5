"""One thread that owns one SQLite connection; async callers await its results.

sqlite3 connections belong to the thread that made them, and a write transaction on the
Qt/asyncio thread would freeze the window. So every statement runs here: callers hand over a
function `fn(connection) -> T` and await the answer (`await worker.run(fn)`), which is resolved
on the caller's event loop through `asyncio.wrap_future` (thread-safe). Jobs run one at a time in
submission order, so each job is a natural unit of atomicity.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

_Job = tuple[Callable[[sqlite3.Connection], object], "concurrent.futures.Future[object]"]


class WorkerClosedError(RuntimeError):
    """The cache was closed; nothing more can run on it."""


class DbWorker:
    """A single thread with its own connection, made by `connect` on that thread."""

    def __init__(self, name: str, connect: Callable[[], sqlite3.Connection]) -> None:
        self._name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        opened: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=self._main, args=(connect, opened), name=f"podio-desk-db-{name}", daemon=True
        )
        self._thread.start()
        # Opening a file is quick; failing here (bad path, locked, corrupt) must surface at once.
        opened.result()

    @property
    def name(self) -> str:
        return self._name

    def _main(
        self,
        connect: Callable[[], sqlite3.Connection],
        opened: concurrent.futures.Future[None],
    ) -> None:
        try:
            connection = connect()
        except BaseException as error:
            opened.set_exception(error)
            return
        opened.set_result(None)
        try:
            while True:
                job = self._jobs.get()
                if job is None:
                    break
                fn, future = job
                if not future.set_running_or_notify_cancel():
                    continue  # the awaiting task was cancelled before the job started
                try:
                    result = fn(connection)
                except BaseException as error:
                    if connection.in_transaction:
                        connection.rollback()
                    future.set_exception(error)
                else:
                    future.set_result(result)
        finally:
            connection.close()

    def submit(self, fn: Callable[[sqlite3.Connection], T]) -> concurrent.futures.Future[T]:
        """Queue `fn`; the returned future resolves on the worker thread."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._lock:
            if self._closed:
                raise WorkerClosedError(f"the cache ({self._name}) is closed")
            self._jobs.put((fn, future))  # type: ignore[arg-type]
        return future

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` on the worker thread; never blocks the calling thread."""
        return await asyncio.wrap_future(self.submit(fn))

    def call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Blocking variant for code that has no event loop (tests, tools)."""
        return self.submit(fn).result()

    def close(self) -> None:
        """Finish queued jobs, close the connection and end the thread (blocks until done)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._jobs.put(None)
        self._thread.join()

    async def aclose(self) -> None:
        """`close` without blocking the event loop's thread."""
        await asyncio.to_thread(self.close)
