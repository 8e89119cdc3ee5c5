"""Tasks on items: list, create, complete, reopen."""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING

from podio_desk.sandbox.errors import invalid_value, not_found
from podio_desk.sandbox.model import JSON, Task
from podio_desk.sandbox.routes.common import item_for, reply, write_switches

if TYPE_CHECKING:
    from podio_desk.sandbox.server import Ctx, Reply


def _task_json(ctx: Ctx, task_id: int) -> JSON:
    state = ctx.state
    task = state.tasks[task_id]
    return {
        "task_id": task.task_id,
        "status": task.status,
        "text": task.text,
        "description": task.description,
        "due_on": f"{task.due_date} {task.due_time or '00:00:00'}" if task.due_date else None,
        "due_date": task.due_date,
        "due_time": task.due_time,
        "responsible": state.actor_ref(("user", task.responsible)),
        "ref": {"type": task.ref_type, "id": task.ref_id},
        "labels": [],
        "link": f"https://podio.com/tasks/{task.task_id}",
        "created_on": task.created_on,
        "created_by": state.actor_ref(("user", task.created_by)),
        "completed_on": (task.completed_on or task.created_on)
        if task.status == "completed"
        else None,
    }


def task_list(ctx: Ctx) -> Reply:
    """GET /task/?reference=item:{id} (the documented list with a reference filter)."""
    reference = ctx.request.args.get("reference", "")
    ref_type, _, ref_id = reference.partition(":")
    if ref_type != "item" or not ref_id.isdigit():
        raise invalid_value("The sandbox lists tasks by reference=item:{item_id} only")
    return task_list_item(ctx, ref_id)


def task_list_item(ctx: Ctx, item_id: str) -> Reply:
    item = item_for(ctx, item_id)
    tasks = [
        _task_json(ctx, task.task_id)
        for task in ctx.state.tasks.values()
        if task.ref_type == "item" and task.ref_id == item.item_id
    ]
    return reply(tasks)


_TASK_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


_TASK_TIME = re.compile(r"(\d{2}):(\d{2})(?::(\d{2}))?")


def _task_user(ctx: Ctx, raw: JSON) -> int:
    """A task's responsible user: a user id or {"type": "user", "id": ...}.

    See docs/podio-api.md, Comments and tasks.
    """
    state = ctx.state
    if isinstance(raw, dict):
        if raw.get("type", "user") != "user":
            raise invalid_value("Invalid value for responsible: the sandbox assigns users only")
        raw = raw.get("id")
    if isinstance(raw, bool) or not isinstance(raw, int) or raw not in state.users:
        raise invalid_value(f"Invalid value {raw!r} for responsible: no such user")
    return raw


def _acting_user(ctx: Ctx) -> int:
    # Tasks keep user ids only; an app token's task is attributed to the primary user.
    assert ctx.token is not None
    if ctx.token.ref_type == "user":
        return ctx.token.ref_id
    return ctx.state.primary_user_id


def task_create_item(ctx: Ctx, item_id: str) -> Reply:
    """POST /task/item/{item_id}/ {text, description?, due_date?, due_time?, responsible?}."""
    write_switches(ctx)
    state = ctx.state
    item = item_for(ctx, item_id)
    body = ctx.body
    if not isinstance(body, dict):
        raise invalid_value("Invalid value: the task must be an object")
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise invalid_value("A task needs a non-empty 'text'", field="text")
    description = body.get("description")
    if description is not None and not isinstance(description, str):
        raise invalid_value("Invalid value for description: must be a string")
    due_date = body.get("due_date")
    if due_date is not None:
        if not isinstance(due_date, str) or not _TASK_DATE.fullmatch(due_date):
            raise invalid_value(f"Invalid value {due_date!r} for due_date: use YYYY-MM-DD")
        try:
            datetime.date.fromisoformat(due_date)
        except ValueError:
            raise invalid_value(f"Invalid value {due_date!r} for due_date: no such day") from None
    due_time = body.get("due_time")
    if due_time is not None:
        found = _TASK_TIME.fullmatch(due_time) if isinstance(due_time, str) else None
        if found is None or int(found[1]) > 23 or int(found[2]) > 59 or int(found[3] or 0) > 59:
            raise invalid_value(f"Invalid value {due_time!r} for due_time: use HH:MM:SS")
        if due_date is None:
            raise invalid_value("A due_time needs a due_date")
        due_time = f"{found[1]}:{found[2]}:{found[3] or '00'}"
    creator = _acting_user(ctx)
    responsible = creator
    if body.get("responsible") is not None:
        responsible = _task_user(ctx, body["responsible"])
    task_id = state.counters.next_task_id
    state.counters.next_task_id += 1
    state.tasks[task_id] = Task(
        task_id,
        text.strip(),
        description or "",
        "active",
        due_date,
        "item",
        item.item_id,
        responsible,
        state.clock.now_text(),
        creator,
        due_time=due_time,
    )
    state.dirty_meta = True
    return reply(_task_json(ctx, task_id))


def _task(ctx: Ctx, task_id: str) -> Task:
    task = ctx.state.tasks.get(int(task_id))
    if task is None:
        raise not_found()
    if task.ref_type == "item":
        item = ctx.state.items.get(task.ref_id)
        if item is not None:
            ctx.require_app_access(item.app_id)
    return task


def task_complete(ctx: Ctx, task_id: str) -> Reply:
    """POST /task/{id}/complete. Clients ignore the answer (RB, PHP); its body is UNCONFIRMED,
    the sandbox answers 204. Completing a completed task changes nothing."""
    task = _task(ctx, task_id)
    if task.status != "completed":
        task.status = "completed"
        task.completed_on = ctx.state.clock.now_text()
        ctx.state.dirty_meta = True
    return reply(None, 204)


def task_incomplete(ctx: Ctx, task_id: str) -> Reply:
    """POST /task/{id}/incomplete: reopens the task (204, as complete)."""
    task = _task(ctx, task_id)
    if task.status != "active":
        task.status = "active"
        task.completed_on = None
        ctx.state.dirty_meta = True
    return reply(None, 204)
