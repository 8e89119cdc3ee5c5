"""What field editors need from outside themselves: the service, the task runner, the app."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from podio_desk.domain.workspace import App
from podio_desk.services.editing import EditingService


class TaskRunnerLike(Protocol):
    """`ui.tasks.TaskRunner` (named, latest-wins tasks)."""

    def run(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...


@dataclass
class EditorContext:
    """Shared by the editors of one item form.

    `service` and `runner` are None in a form that only displays values (a conflict view's
    "base" column, or a table cell editor without search); editors that need them then offer
    no search/upload and say so.
    """

    service: EditingService | None = None
    runner: TaskRunnerLike | None = None
    app: App | None = None
    # Opens a linked item (a relationship value) in the editor; (app_id or None, item_id).
    open_item: Callable[[int | None, int], None] | None = None
    # Prefix of task names so that two open editors do not cancel each other's searches.
    task_prefix: str = "editor"
    tags: dict[str, Any] = field(default_factory=dict)

    def run(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
        if self.runner is None:
            coro.close()
            return None
        return self.runner.run(f"{self.task_prefix}:{name}", coro)
