"""One sync in a child process, which reaches the parent's `SyncApi` through a pipe.

A full sync of a 100 000-item app is some 200 pages of megabytes of JSON to parse, index and
write: minutes of pure Python that would compete with the window for the GIL. The child does
that work; the parent keeps the API client (its token, rate budget and priorities, and the
connectivity it reports), so no credential reaches the child. The child writes the pages into
the account's cache file itself (SQLite's WAL lets the window read it meanwhile).

The child is started when a sync starts and ends when it is done; it lowers its own CPU
priority first thing (`os.nice`). Killing it loses nothing: every page is committed together
with its cursor, and the next sync resumes there (see `services/sync.py`).

One sync per app per profile at a time, across processes (the window, `podio-desk sync`): the
parent holds an OS lock on `<cache dir>/sync-<account>-<app>.lock` from before the child
starts until it has ended (services/file_lock.py; the lock dies with the process that holds it).
A second sync of the app waits for it, reporting a `SyncProgress` in phase "waiting" with the
holder's process id, or with `wait=False` fails at once with `SyncBusyError`.

Messages, each a pickled tuple on one of two one-way pipes (`multiprocessing`, spawn):

    child -> parent   ("call", number, method, args, kwargs)   a `SyncApi` call to make
                      ("progress", SyncProgress)
                      ("done", SyncResult) | ("failed", text)    the last message
    parent -> child   ("result", number, value) | ("error", number, text)
                      ("bytes", number), then the bytes as one raw message (a filter answer
                      is not pickled: that would copy megabytes more)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from podio_desk.api.ratelimit import RateClass
from podio_desk.cache.cache import Cache
from podio_desk.cache.db import CacheBusyError, CacheDatabase
from podio_desk.domain.items import Item
from podio_desk.domain.workspace import App, Org
from podio_desk.services.file_lock import FileLock, lock_holder
from podio_desk.services.sync import (
    PAGE_SIZE,
    ProgressCallback,
    RateBudget,
    SyncApi,
    SyncError,
    SyncProgress,
    SyncResult,
    SyncService,
    budget_floor,
)

# How much lower the sync process's CPU priority is than the window's (a nice increment).
SYNC_PROCESS_NICENESS = 10
# The calls the child may ask for: the methods of `SyncApi`, and nothing else.
_METHODS = frozenset(
    name for name, value in vars(SyncApi).items() if callable(value) and not name.startswith("_")
)
# Seconds a child that reported its end gets to exit before it is terminated.
_EXIT_GRACE = 10.0

Message = tuple[Any, ...]


@dataclass(frozen=True)
class SyncJob:
    """What the child does: `SyncService.sync_app(app_id, full=full)` into `cache_path`."""

    cache_path: Path
    app_id: int
    full: bool = False
    page_size: int = PAGE_SIZE

    @property
    def lock_path(self) -> Path:
        """The lock that keeps other processes from syncing the same app meanwhile."""
        return self.cache_path.with_name(f"sync-{self.cache_path.stem}-{self.app_id}.lock")


class SyncBusyError(SyncError):
    """Another process syncs this app right now (and the caller chose not to wait)."""

    def __init__(self, app_id: int, holder: int | None) -> None:
        self.app_id = app_id
        self.holder = holder
        by = f"process {holder}" if holder is not None else "another process"
        super().__init__(f"app {app_id} is already being synced by {by}")


async def sync_in_child_process(
    api: SyncApi,
    job: SyncJob,
    *,
    on_progress: ProgressCallback | None = None,
    budget: RateBudget | None = None,
    wait: bool = True,
) -> SyncResult:
    """Run `job` in a new child process; its API calls are made here with `api`, and its
    progress arrives here (`on_progress`, with the ETA estimated from `budget`).

    When another process syncs the same app, wait for it to finish (`wait`; a "waiting"
    progress event names it) or raise `SyncBusyError`. A failed API call is raised here as
    it was raised by `api`; cancelling ends the child (or the wait)."""
    lock = FileLock(job.lock_path)
    if not await lock.try_acquire_async():
        holder = await asyncio.to_thread(lock_holder, job.lock_path)
        if not wait:
            raise SyncBusyError(job.app_id, holder)
        if on_progress is not None:
            on_progress(SyncProgress(job.app_id, "waiting", 0, 0, 0, holder=holder))
        await lock.acquire_async()
    try:
        return await _Parent(api, job, on_progress, budget).run()
    finally:
        lock.release()


# ------------------------------------------------------------------ the window's side


class _Parent:
    """The parent's half of one sync: starts the child, answers its calls, ends it."""

    def __init__(
        self,
        api: SyncApi,
        job: SyncJob,
        on_progress: ProgressCallback | None,
        budget: RateBudget | None,
    ) -> None:
        self._api = api
        self._job = job
        self._on_progress = on_progress
        self._budget = budget
        self._messages: asyncio.Queue[Message | None] = asyncio.Queue()
        self._answers: set[asyncio.Task[None]] = set()
        self._failures: list[Exception] = []
        # One reply at a time on the pipe (a raw message follows its header), held by the
        # sending thread itself: a cancelled answer does not stop a send already begun.
        self._send_lock = threading.Lock()
        # Sends under way on worker threads; the pipe is closed only once they are over.
        self._sends: set[asyncio.Future[None]] = set()
        self._to_child: Connection | None = None

    async def run(self) -> SyncResult:
        context = multiprocessing.get_context("spawn")  # never fork a process running Qt
        from_child, child_out = context.Pipe(duplex=False)
        child_in, self._to_child = context.Pipe(duplex=False)
        process = context.Process(
            target=_child_main,
            args=(self._job, child_out, child_in),
            name="podio-desk-sync",
            daemon=True,
        )
        loop = asyncio.get_running_loop()
        # Starting an interpreter takes a while: not on the caller's (the UI) thread.
        starting = asyncio.ensure_future(asyncio.to_thread(self._start, process, from_child, loop))
        finished = False
        try:
            await asyncio.shield(starting)
            for end in (child_out, child_in):  # the child's ends: its exit then ends our reads
                end.close()
            result = await self._serve()
            finished = True
            return result
        finally:
            if not starting.done():  # cancelled while starting: end what was started
                await asyncio.wait({starting})
                with contextlib.suppress(Exception):  # a start that failed has nothing to end
                    starting.result()
            for end in (child_out, child_in):
                end.close()
            answers = list(self._answers)
            for task in answers:
                task.cancel()
            await asyncio.gather(*answers, return_exceptions=True)
            await self._end(process, from_child, grace=_EXIT_GRACE if finished else 0.0)

    def _start(
        self,
        process: multiprocessing.process.BaseProcess,
        from_child: Connection,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        process.start()
        reader = threading.Thread(
            target=_forward_messages,
            args=(from_child, loop, self._messages.put_nowait),
            name="podio-desk-sync-messages",
            daemon=True,
        )
        reader.start()

    async def _serve(self) -> SyncResult:
        while True:
            message = await self._messages.get()
            if message is None:
                raise SyncError("the sync process ended before the sync was done")
            kind = message[0]
            if kind == "call":
                _, number, method, args, kwargs = message
                task = asyncio.create_task(self._answer(number, method, args, kwargs))
                self._answers.add(task)
                task.add_done_callback(self._answers.discard)
            elif kind == "progress":
                self._report(message[1])
            elif kind == "done":
                result: SyncResult = message[1]
                return result
            elif kind == "failed":
                # The child failed because a call failed here: raise what the call raised.
                if self._failures:
                    raise self._failures[0]
                raise SyncError(str(message[1]))

    async def _answer(
        self, number: int, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        reply: Message
        try:
            if method not in _METHODS:
                raise SyncError(f"the sync process asked for an unknown call {method!r}")
            reply = ("result", number, await getattr(self._api, method)(*args, **kwargs))
        except Exception as error:
            self._failures.append(error)
            reply = ("error", number, f"{type(error).__name__}: {error}")
        sending = asyncio.ensure_future(asyncio.to_thread(self._send, reply))
        self._sends.add(sending)
        sending.add_done_callback(self._sends.discard)
        # Cancelling the answer leaves the send running (a thread cannot be stopped): `_end`
        # waits for it before it closes the pipe.
        await asyncio.shield(sending)

    def _send(self, reply: Message) -> None:
        assert self._to_child is not None
        kind, number, value = reply
        with self._send_lock, contextlib.suppress(OSError, ValueError):  # the child is gone
            if kind == "result" and isinstance(value, bytes):
                self._to_child.send(("bytes", number))
                self._to_child.send_bytes(value)
            else:
                self._to_child.send(reply)

    def _report(self, event: SyncProgress) -> None:
        if self._on_progress is None:
            return
        budget = self._budget
        if budget is not None and event.eta_seconds is not None and event.total > event.done:
            # The child knows the rate items arrive at, not the account's rate budget (the
            # requests are sent from here): its estimate is bounded below by that budget here.
            items_left = event.total - event.done
            if event.phase == "details":  # one GET /item per item
                calls_left, rate_class = items_left, RateClass.GENERAL
            else:
                calls_left = math.ceil(items_left / self._job.page_size)
                rate_class = RateClass.HEAVY
            floor = budget_floor(
                calls_left, budget.state(rate_class), budget.policy, time.monotonic()
            )
            event = replace(event, eta_seconds=max(event.eta_seconds, floor))
        self._on_progress(event)

    async def _end(
        self,
        process: multiprocessing.process.BaseProcess,
        from_child: Connection,
        *,
        grace: float,
    ) -> None:
        """Wait for the child to exit (`grace` seconds at most, then it is terminated: at once
        when the sync was cancelled or failed), then for our sends, then close our pipes.

        A send still writing to the child ends once the child is gone (its end of the pipe
        closes), so the pipe is closed only after both: closing it under a writing thread
        could let that thread write into whatever file next takes the descriptor."""
        if process.pid is not None:
            if grace > 0:
                await asyncio.to_thread(process.join, grace)
            if process.is_alive():
                process.terminate()
            await asyncio.to_thread(process.join, 10)
            if process.is_alive():  # it ignored the terminate: a send to it could wait forever
                process.kill()
                await asyncio.to_thread(process.join, 10)
        if self._sends:
            await asyncio.wait(set(self._sends))
        if self._to_child is not None:
            self._to_child.close()
        from_child.close()


def _forward_messages(
    connection: Connection,
    loop: asyncio.AbstractEventLoop,
    deliver: Callable[[Message | None], None],
) -> None:
    """Hand each message from `connection` to `deliver` on `loop`; None once it is closed."""
    while True:
        message: Message | None
        try:
            message = connection.recv()
        except (EOFError, OSError):
            message = None  # the child ended (or was ended), or we closed our end
        try:
            loop.call_soon_threadsafe(deliver, message)
        except RuntimeError:
            return  # the loop is closed: nobody waits any more
        if message is None:
            return


# ------------------------------------------------------------------ the child's side


class ParentCallError(Exception):
    """The parent's API call failed; the parent raises the original error."""


class _ParentApi:
    """The child's `SyncApi`: each call is made by the parent."""

    def __init__(self, call: Callable[..., Awaitable[Any]]) -> None:
        self._call = call

    async def filter_items_raw(
        self,
        app_id: int,
        *,
        filters: Mapping[str, Any],
        sort_by: str,
        sort_desc: bool,
        offset: int,
        limit: int,
    ) -> bytes:
        content: bytes = await self._call(
            "filter_items_raw",
            app_id,
            filters=dict(filters),
            sort_by=sort_by,
            sort_desc=sort_desc,
            offset=offset,
            limit=limit,
        )
        return content

    async def get_app(self, app_id: int) -> App:
        app: App = await self._call("get_app", app_id)
        return app

    async def get_item(self, item_id: int) -> Item:
        item: Item = await self._call("get_item", item_id)
        return item

    async def get_orgs(self) -> Sequence[Org]:
        orgs: Sequence[Org] = await self._call("get_orgs")
        return orgs

    async def get_space_apps(self, space_id: int) -> Sequence[App]:
        apps: Sequence[App] = await self._call("get_space_apps", space_id)
        return apps

    async def server_now(self) -> datetime | None:
        now: datetime | None = await self._call("server_now")
        return now


def _child_main(job: SyncJob, to_parent: Connection, from_parent: Connection) -> None:
    """The child process: lower its priority, run the job, report the result, end."""
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(SYNC_PROCESS_NICENESS)  # before any thread starts: they inherit it
    # Ctrl-C in a terminal reaches the whole process group; the parent ends the child.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        outcome = asyncio.run(_child_sync(job, to_parent, from_parent))
    except CacheBusyError as error:  # its message is written for the user as it is
        outcome = ("failed", str(error))
    except Exception as error:
        outcome = ("failed", f"{type(error).__name__}: {error}")
    with contextlib.suppress(OSError):  # the parent is gone
        to_parent.send(outcome)
    to_parent.close()


async def _child_sync(job: SyncJob, to_parent: Connection, from_parent: Connection) -> Message:
    loop = asyncio.get_running_loop()
    pending: dict[int, asyncio.Future[Any]] = {}
    numbers = itertools.count()

    def resolve(number: int, value: Any, failed: bool) -> None:
        future = pending.pop(number, None)
        if future is None or future.done():
            return
        if failed:
            future.set_exception(ParentCallError(str(value)))
        else:
            future.set_result(value)

    def parent_gone() -> None:
        for future in pending.values():
            if not future.done():
                future.set_exception(ParentCallError("the window's process went away"))
        pending.clear()

    def read_replies() -> None:
        while True:
            try:
                kind, number, *rest = from_parent.recv()
                value = from_parent.recv_bytes() if kind == "bytes" else rest[0]
            except (EOFError, OSError):
                with contextlib.suppress(RuntimeError):  # the loop is closed
                    loop.call_soon_threadsafe(parent_gone)
                return
            try:
                loop.call_soon_threadsafe(resolve, number, value, kind == "error")
            except RuntimeError:
                return

    threading.Thread(target=read_replies, name="podio-desk-sync-replies", daemon=True).start()

    async def call(method: str, *args: Any, **kwargs: Any) -> Any:
        number = next(numbers)
        future: asyncio.Future[Any] = loop.create_future()
        pending[number] = future
        to_parent.send(("call", number, method, args, kwargs))
        return await future

    def progress(event: SyncProgress) -> None:
        to_parent.send(("progress", event))

    cache = Cache(await CacheDatabase.open(job.cache_path))
    try:
        service = SyncService(_ParentApi(call), cache, page_size=job.page_size)
        result = await service.sync_app(job.app_id, full=job.full, on_progress=progress)
    finally:
        await cache.aclose()  # closed before the parent hears of the end
    return ("done", result)
