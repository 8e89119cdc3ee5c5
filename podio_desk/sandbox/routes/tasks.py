"""Tasks: list (by item or by app), create, read, change, delete, complete, reopen."""

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
        "ref": _ref_json(ctx, task),
        "labels": [],
        "link": f"https://podio.com/tasks/{task.task_id}",
        "created_on": task.created_on,
        "created_by": state.actor_ref(("user", task.created_by)),
        "completed_on": (task.completed_on or task.created_on)
        if task.status == "completed"
        else None,
    }


TASK_LIST_DEFAULT_LIMIT = 100
TASK_LIST_MAX_LIMIT = 100


def _ref_json(ctx: Ctx, task: Task) -> JSON:
    """The object a task is on. For an item it carries the item's title and link too
    (UNCONFIRMED, docs/podio-api.md, Tasks: a task list shows what each task is on)."""
    if task.ref_type is None:
        return None
    ref: dict[str, JSON] = {"type": task.ref_type, "id": task.ref_id}
    item = ctx.state.items.get(task.ref_id) if task.ref_type == "item" and task.ref_id else None
    if item is not None:
        ref["title"] = ctx.state.item_title(item)
        ref["link"] = ctx.state.item_link(item)
    return ref


def task_list(ctx: Ctx) -> Reply:
    """GET /task/?reference=item:{id} | app={id} [&completed=&responsible=&due_date=…].

    The filters the window uses; their forms are UNCONFIRMED (docs/podio-api.md, Tasks):
    `completed` 0/1/true/false; `responsible` comma-separated user ids; `due_date` a range
    `FROM-TO` of YYYY-MM-DD days where either side may be empty ("-2026-05-01" is "due on or
    before"); tasks without a due date never match a due_date filter. `limit` defaults to and
    is at most 100; `offset` pages. Order: due first (earliest first), then undated, then by id.
    """
    args = ctx.request.args
    reference = args.get("reference")
    app_arg = args.get("app")
    if reference:
        ref_type, _, ref_id = reference.partition(":")
        if ref_type != "item" or not ref_id.isdigit():
            raise invalid_value("The sandbox lists tasks by reference=item:{item_id} only")
        item = item_for(ctx, ref_id)
        tasks = [t for t in ctx.state.tasks.values() if _on_item(t, item.item_id)]
    elif app_arg:
        if not app_arg.isdigit():
            raise invalid_value(f"Invalid value {app_arg!r} for app")
        app = ctx.state.app(int(app_arg))
        ctx.require_app_access(app.app_id)
        items = ctx.state.items
        tasks = [
            t
            for t in ctx.state.tasks.values()
            if t.ref_type == "item"
            and t.ref_id in items
            and not items[t.ref_id].deleted
            and items[t.ref_id].app_id == app.app_id
        ]
    else:
        raise invalid_value("The sandbox lists tasks by reference=item:{id} or app={id}")
    if args.get("completed") is not None:
        completed = ctx.query_flag("completed", False)
        tasks = [t for t in tasks if (t.status == "completed") == completed]
    if args.get("responsible"):
        wanted = _id_list(args["responsible"], "responsible")
        tasks = [t for t in tasks if t.responsible in wanted]
    if args.get("due_date"):
        low, high = _day_range(args["due_date"])
        tasks = [
            t
            for t in tasks
            if t.due_date is not None
            and (low is None or t.due_date >= low)
            and (high is None or t.due_date <= high)
        ]
    limit = ctx.query_int("limit", TASK_LIST_DEFAULT_LIMIT)
    offset = ctx.query_int("offset", 0)
    if not 0 < limit <= TASK_LIST_MAX_LIMIT or offset < 0:
        raise invalid_value(f"Invalid limit or offset: limit is 1 to {TASK_LIST_MAX_LIMIT}")
    tasks.sort(key=lambda t: (t.due_date is None, t.due_date or "", t.due_time or "", t.task_id))
    return reply([_task_json(ctx, t.task_id) for t in tasks[offset : offset + limit]])


def _on_item(task: Task, item_id: int) -> bool:
    return task.ref_type == "item" and task.ref_id == item_id


def _id_list(raw: str, name: str) -> set[int]:
    try:
        return {int(part) for part in raw.split(",") if part.strip()}
    except ValueError:
        raise invalid_value(f"Invalid value {raw!r} for {name}: use ids 1,2,3") from None


_DAY_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})?-(\d{4}-\d{2}-\d{2})?")


def _day_range(raw: str) -> tuple[str | None, str | None]:
    found = _DAY_RANGE.fullmatch(raw)
    if found is None or (found[1] is None and found[2] is None):
        raise invalid_value(f"Invalid value {raw!r} for due_date: use FROM-TO (YYYY-MM-DD)")
    return found[1], found[2]


def task_list_item(ctx: Ctx, item_id: str) -> Reply:
    item = item_for(ctx, item_id)
    tasks = [
        _task_json(ctx, task.task_id)
        for task in ctx.state.tasks.values()
        if _on_item(task, item.item_id)
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


def _text(body: dict[str, JSON]) -> str:
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise invalid_value("A task needs a non-empty 'text'", field="text")
    return text.strip()


def _description(body: dict[str, JSON]) -> str:
    description = body.get("description")
    if description is not None and not isinstance(description, str):
        raise invalid_value("Invalid value for description: must be a string")
    return description or ""


def _due(body: dict[str, JSON]) -> tuple[str | None, str | None]:
    """(due_date, due_time) of a task body; a time without a date is refused."""
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
    return due_date, due_time


def _body(ctx: Ctx) -> dict[str, JSON]:
    if not isinstance(ctx.body, dict):
        raise invalid_value("Invalid value: the task must be an object")
    return ctx.body


def _new_task(ctx: Ctx, ref_type: str | None, ref_id: int | None) -> Reply:
    state = ctx.state
    body = _body(ctx)
    text = _text(body)
    description = _description(body)
    due_date, due_time = _due(body)
    creator = _acting_user(ctx)
    responsible = creator
    if body.get("responsible") is not None:
        responsible = _task_user(ctx, body["responsible"])
    task_id = state.counters.next_task_id
    state.counters.next_task_id += 1
    state.tasks[task_id] = Task(
        task_id,
        text,
        description,
        "active",
        due_date,
        ref_type,
        ref_id,
        responsible,
        state.clock.now_text(),
        creator,
        due_time=due_time,
    )
    state.dirty_meta = True
    return reply(_task_json(ctx, task_id))


def task_create_item(ctx: Ctx, item_id: str) -> Reply:
    """POST /task/item/{item_id}/ {text, description?, due_date?, due_time?, responsible?}."""
    write_switches(ctx)
    item = item_for(ctx, item_id)
    return _new_task(ctx, "item", item.item_id)


def task_create(ctx: Ctx) -> Reply:
    """POST /task/ {text, …, ref_type?, ref_id?}: the form podio-js and podio-py use; the
    object is named in the body. Without ref_type the task is on nothing (a private to-do).
    The sandbox attaches tasks to items only."""
    write_switches(ctx)
    body = _body(ctx)
    ref_type, ref_id = body.get("ref_type"), body.get("ref_id")
    if ref_type is None and ref_id is None:
        return _new_task(ctx, None, None)
    if ref_type != "item" or isinstance(ref_id, bool) or not isinstance(ref_id, int):
        raise invalid_value("The sandbox attaches tasks to items only: ref_type 'item', ref_id")
    item = item_for(ctx, ref_id)
    return _new_task(ctx, "item", item.item_id)


def task_get(ctx: Ctx, task_id: str) -> Reply:
    """GET /task/{id}: the task as in the lists."""
    task = _task(ctx, task_id)
    return reply(_task_json(ctx, task.task_id))


def task_update(ctx: Ctx, task_id: str) -> Reply:
    """PUT /task/{id}: change the keys given (text, description, due_date, due_time,
    responsible); a key sent as null clears it (not text). UNCONFIRMED answer
    (docs/podio-api.md, Tasks): RB ignores it; the sandbox answers 204."""
    write_switches(ctx)
    task = _task(ctx, task_id)
    body = _body(ctx)
    if "text" in body:
        task.text = _text(body)
    if "description" in body:
        task.description = _description(body)
    if "due_date" in body or "due_time" in body:
        # A new date keeps no old time; clearing the date clears the time with it.
        kept_time = task.due_time if "due_date" not in body else None
        task.due_date, task.due_time = _due(
            {
                "due_date": body.get("due_date", task.due_date),
                "due_time": body.get("due_time", kept_time),
            }
        )
    if "responsible" in body:
        if body["responsible"] is None:
            raise invalid_value("A task always has a responsible user")
        task.responsible = _task_user(ctx, body["responsible"])
    ctx.state.dirty_meta = True
    return reply(None, 204)


def task_delete(ctx: Ctx, task_id: str) -> Reply:
    """DELETE /task/{id}: 204; the task is gone (404 afterwards)."""
    write_switches(ctx)
    task = _task(ctx, task_id)
    del ctx.state.tasks[task.task_id]
    ctx.state.dirty_meta = True
    return reply(None, 204)


def _task(ctx: Ctx, task_id: str) -> Task:
    task = ctx.state.tasks.get(int(task_id))
    if task is None:
        raise not_found()
    if task.ref_type == "item" and task.ref_id is not None:
        item = ctx.state.items.get(task.ref_id)
        if item is not None:
            ctx.require_app_access(item.app_id)
    elif task.ref_type is None:
        ctx.require_user()  # a task on nothing belongs to people, not to an app's token
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
