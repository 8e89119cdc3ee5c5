"""One runner for all background work on the qasync loop: named tasks, latest wins.

Every coroutine the UI starts goes through `TaskRunner.run(name, coro)`. A new task with a name
that is already running cancels the old one (a new `items:<app_id>` load makes the previous
one pointless). The runner keeps strong references until each task finishes, because asyncio
itself only keeps weak ones and a forgotten task can vanish mid-flight. Cancellation is normal
and silent; any other exception is logged and announced through `task_failed`, so the user sees
it instead of it dying in a callback.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_SHUTDOWN_GRACE = 5.0


def describe_failure(error: BaseException) -> str:
    """A one-line message for the user: the error's own text, else its type."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class TaskRunner(QObject):
    """Runs named asyncio tasks on the current (qasync) loop.

    Signals:
        task_failed(name, message): a task ended with an exception other than cancellation.
        tasks_changed(): a task started or finished; `running_names()` has the new list.
    """

    task_failed = Signal(str, str)
    tasks_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current: dict[str, asyncio.Task[Any]] = {}
        # Replaced or cancelled tasks that have not finished unwinding yet: still referenced so
        # that they cannot be garbage-collected mid-cleanup, and still awaited by shutdown().
        self._retiring: set[asyncio.Task[Any]] = set()
        self._shutting_down = False

    def run(self, name: str, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Start `coro` as task `name`, cancelling a still-running task of the same name."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            coro.close()  # never started: close it so Python does not warn "never awaited"
            raise
        previous = self._current.pop(name, None)
        if previous is not None and not previous.done():
            log.debug("Task %s replaced by a newer one", name)
            previous.cancel()
            self._retiring.add(previous)
        task: asyncio.Task[T] = loop.create_task(coro, name=name)
        task.add_done_callback(functools.partial(self._on_done, name))
        if self._shutting_down:
            # Late work (a slot firing while the window closes) must not outlive the loop.
            log.debug("Task %s cancelled: the runner is shutting down", name)
            task.cancel()
            self._retiring.add(task)
        else:
            self._current[name] = task
        self.tasks_changed.emit()
        return task

    def cancel(self, name: str) -> bool:
        """Cancel task `name`; True if it was running."""
        task = self._current.pop(name, None)
        if task is None or task.done():
            return False
        task.cancel()
        self._retiring.add(task)
        self.tasks_changed.emit()
        return True

    def cancel_all(self) -> int:
        """Cancel every task (the status bar's stop button); returns how many were running."""
        cancelled = 0
        for name in list(self._current):
            cancelled += self.cancel(name)
        return cancelled

    def running_names(self) -> list[str]:
        """Names of the tasks still running, oldest first."""
        return [name for name, task in self._current.items() if not task.done()]

    def is_running(self, name: str) -> bool:
        task = self._current.get(name)
        return task is not None and not task.done()

    def pending_tasks(self) -> list[asyncio.Task[Any]]:
        """Every task the runner still holds, including cancelled ones still unwinding."""
        return [task for task in (*self._current.values(), *self._retiring) if not task.done()]

    async def shutdown(self, grace_seconds: float = DEFAULT_SHUTDOWN_GRACE) -> None:
        """Cancel everything and wait until it has finished unwinding (or `grace_seconds` pass).

        After this, `run()` still returns a task but cancels it at once, so nothing new starts
        while the application closes.
        """
        self._shutting_down = True
        self.cancel_all()
        current = asyncio.current_task()
        waiting = [task for task in self.pending_tasks() if task is not current]
        if not waiting:
            return
        _done, stuck = await asyncio.wait(waiting, timeout=grace_seconds)
        for task in stuck:
            log.error(
                "Task %s ignored cancellation for %.1f s at shutdown",
                task.get_name(),
                grace_seconds,
            )

    def _on_done(self, name: str, task: asyncio.Task[Any]) -> None:
        if self._current.get(name) is task:
            del self._current[name]
        self._retiring.discard(task)
        if task.cancelled():
            log.debug("Task %s cancelled", name)
        else:
            error = task.exception()
            if error is not None:
                log.error("Task %s failed", name, exc_info=error)
                self.task_failed.emit(name, describe_failure(error))
        self.tasks_changed.emit()
