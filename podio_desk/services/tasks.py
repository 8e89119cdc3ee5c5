"""Podio tasks for the window: an item's tasks (add, change, delete, complete) and an app's
task list with its filters; an app's webhooks, listed read-only.

Every change answers with the list as Podio has it afterwards, so the window never shows a
guess. Creating a task is not resent after a lost answer (it could make two); the other
writes are settled by reading back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from podio_desk.api.client import PodioClient
from podio_desk.api.errors import Gone, NotFound, PodioError, WriteOutcomeUnknown
from podio_desk.api.events import EventHub
from podio_desk.domain.items import Task
from podio_desk.domain.tasks import Hook, TaskDraft, TaskFilter, is_overdue, task_query

# GET /task/ answers at most 100 per call (our reading; docs/podio-api.md, Tasks); the list
# stops after this many so a huge app cannot keep the window busy.
TASK_PAGE = 100
APP_TASKS_MAX = 2000


class TaskService:
    """One account's tasks and hooks."""

    def __init__(self, client: PodioClient, clock: Callable[[], datetime] = datetime.now) -> None:
        self.client = client
        self._clock = clock
        self._me: int | None = None
        # The id of an item whose tasks were changed here (added, changed, completed,
        # deleted): open task lists refresh on it.
        self.changed: EventHub[int] = EventHub()

    # ------------------------------------------------------------ an item's tasks

    async def item_tasks(self, item_id: int) -> tuple[Task, ...]:
        return await self.client.item_tasks(item_id)

    async def add(self, item_id: int, draft: TaskDraft) -> tuple[Task, ...]:
        """Create a task on the item (POST /task/item/{id}/); the item's tasks afterwards."""
        body = draft.checked().body()
        await self.client.create_task(
            {k: v for k, v in body.items() if v is not None}, ref=("item", item_id)
        )
        self.changed.emit(item_id)
        return await self.client.item_tasks(item_id)

    async def update(self, item_id: int, task_id: int, draft: TaskDraft) -> tuple[Task, ...]:
        """Replace the task's text, description, due date and time (and responsible when
        chosen); the item's tasks afterwards."""
        await self.client.update_task(task_id, draft.checked().body())
        self.changed.emit(item_id)
        return await self.client.item_tasks(item_id)

    async def delete(self, item_id: int, task_id: int) -> tuple[Task, ...]:
        """Delete the task; a lost answer is settled by asking for the task (gone is done)."""
        try:
            await self.client.delete_task(task_id)
        except (NotFound, Gone):
            pass  # already gone: what the user wanted
        except WriteOutcomeUnknown:
            try:
                await self.client.task(task_id)
            except (NotFound, Gone):
                pass
            else:
                raise
        self.changed.emit(item_id)
        return await self.client.item_tasks(item_id)

    async def set_completed(self, item_id: int, task_id: int, completed: bool) -> tuple[Task, ...]:
        if completed:
            await self.client.complete_task(task_id)
        else:
            await self.client.incomplete_task(task_id)
        self.changed.emit(item_id)
        return await self.client.item_tasks(item_id)

    # ------------------------------------------------------------ an app's tasks

    async def me(self) -> int | None:
        """The signed-in user's id, asked once; None for an app token (no user)."""
        if self._me is None:
            try:
                self._me = await self.client.current_user_id()
            except PodioError as exc:
                if exc.status in (401, 403):
                    return None
                raise
        return self._me

    async def app_tasks(self, app_id: int, filters: TaskFilter) -> tuple[Task, ...]:
        """The app's tasks that pass `filters`, due first, at most APP_TASKS_MAX."""
        me = await self.me() if filters & TaskFilter.MINE else None
        now = self._clock()
        params = task_query(filters, me=me, today=now.date())
        found: list[Task] = []
        offset = 0
        while len(found) < APP_TASKS_MAX:
            page = await self.client.app_tasks(app_id, params, limit=TASK_PAGE, offset=offset)
            found.extend(page)
            if len(page) < TASK_PAGE:
                break
            offset += TASK_PAGE
        if filters & TaskFilter.OVERDUE:
            found = [task for task in found if is_overdue(task, now)]
        return tuple(found[:APP_TASKS_MAX])

    # ------------------------------------------------------------ hooks

    async def hooks(self, app_id: int) -> tuple[Hook, ...]:
        return await self.client.app_hooks(app_id)
