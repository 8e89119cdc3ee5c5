"""pytest fixtures for Qt + asyncio: a qasync loop that qtbot drives, and a pending-task check.

`qloop` makes a `qasync.QEventLoop(qapp, already_running=True)` the current asyncio loop, so
`qtbot.waitUntil(...)` and `qtbot.waitSignal(...)` run asyncio tasks while they spin Qt (a
loop made without `already_running=True` runs asyncio work only inside `run_until_complete`,
and tasks started outside it fail with "no running event loop"). At teardown every task still
pending on that loop fails the test by name, after being cancelled, so fire-and-forget work
cannot outlive a test.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

# isort: split
import qasync  # after PySide6, so that qasync binds to it

T = TypeVar("T")

CANCEL_GRACE_SECONDS = 2.0

# Messages Qt prints for reasons outside our code; each names the platform that emits it.
QT_LOG_NOISE = [
    # offscreen platform plugin: it has no window manager to pass size hints to.
    r"This plugin does not support propagateSizeHints\(\)",
    # offscreen platform plugin: a tooltip (an inline edit refused) raises its window.
    r"This plugin does not support raise\(\)",
    # offscreen platform plugin: a popup (a context menu) grabs the keyboard.
    r"This plugin does not support grabbing the keyboard",
]


def pytest_configure(config: pytest.Config) -> None:
    for pattern in QT_LOG_NOISE:
        config.addinivalue_line("qt_log_ignore", pattern)


class PendingTasksError(AssertionError):
    """Tasks were still pending on the test's loop when the test ended."""


def pending_tasks(loop: asyncio.AbstractEventLoop) -> list[asyncio.Task[Any]]:
    return sorted(
        (task for task in asyncio.all_tasks(loop) if not task.done()),
        key=lambda task: task.get_name(),
    )


def describe_task(task: asyncio.Task[Any]) -> str:
    coro = task.get_coro()
    code = getattr(coro, "cr_code", None)
    where = f" ({code.co_qualname} in {code.co_filename}:{code.co_firstlineno})" if code else ""
    return f"{task.get_name()}{where}"


def process_events_until(done: Any, timeout: float) -> bool:
    """Spin Qt (and so the qasync loop) until `done()` is true or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() >= deadline:
            return False
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    return True


def check_no_pending_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel every pending task on `loop`, let them unwind, and raise if there were any."""
    leaked = pending_tasks(loop)
    if not leaked:
        return
    names = [describe_task(task) for task in leaked]
    for task in leaked:
        task.cancel()
    unwound = process_events_until(
        lambda: all(task.done() for task in leaked), CANCEL_GRACE_SECONDS
    )
    note = "" if unwound else " (some ignored cancellation)"
    raise PendingTasksError(
        f"{len(leaked)} asyncio task(s) still pending after the test, now cancelled{note}: "
        + "; ".join(names)
    )


def run_async(coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
    """Run `coro` as a task on the current (qloop) loop, spinning Qt until it finishes."""
    label = getattr(coro, "__qualname__", repr(coro))
    task = asyncio.get_event_loop().create_task(coro, name=f"run_async:{label}")
    waiter = QEventLoop()
    task.add_done_callback(lambda _task: waiter.quit())
    QTimer.singleShot(int(timeout * 1000), waiter.quit)
    if not task.done():
        waiter.exec()
    if not task.done():
        task.cancel()
        process_events_until(task.done, CANCEL_GRACE_SECONDS)
        raise TimeoutError(f"{label} did not finish within {timeout} s")
    return task.result()


@pytest.fixture(autouse=True)
def collect_garbage_on_the_main_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each Qt test, collect its garbage here, on the main thread.

    Otherwise a later collection may run on a worker thread (a sync, a page parse) and free
    the test's Qt objects there, where their destructors can crash
    (see podio_desk/ui/gc_policy.py). Autouse fixtures are torn down last, so this runs
    after qtbot has closed the test's widgets.
    """
    yield
    if {"qapp", "qtbot", "qloop"} & set(request.fixturenames):
        gc.collect()


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """The qasync loop as the running asyncio loop for this test; checked for leaks after."""
    previous_running = asyncio._get_running_loop()
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    leak_error: PendingTasksError | None = None
    try:
        yield loop
    finally:
        try:
            check_no_pending_tasks(loop)
        except PendingTasksError as error:
            leak_error = error
        # Let callbacks scheduled by the last tasks (done-callbacks, signal emits) run now,
        # not on a closed loop in the next test.
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        qapp.aboutToQuit.disconnect(loop._after_run_forever)
        # Not loop.stop(): it calls QApplication.exit(), which marks the session-wide qapp as
        # quitting, so that every later nested Qt event loop (qtbot.waitSignal) returns at once.
        loop._QEventLoop__is_running = False
        loop.close()
        asyncio.set_event_loop(None)
        asyncio.events._set_running_loop(previous_running)
    if leak_error is not None:
        pytest.fail(str(leak_error), pytrace=False)
