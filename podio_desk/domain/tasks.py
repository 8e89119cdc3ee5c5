"""Tasks as the window edits and lists them, and an app's webhooks (read-only).

A task's due day and time are read from `due_date` and `due_time` as Podio sends them; we
take them to be in the user's own time zone (UNCONFIRMED, docs/podio-api.md, Tasks), so
"overdue" compares them with the user's local clock.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from podio_desk.domain._json import as_int, as_mapping, fail, opt_str, str_or
from podio_desk.domain.errors import DomainError
from podio_desk.domain.items import Actor, Task


@dataclass(frozen=True)
class TaskDraft:
    """What the user typed for a new or changed task."""

    text: str
    description: str = ""
    due_date: date | None = None
    due_time: time | None = None
    # None: the caller (Podio's default on create; unchanged on update).
    responsible_user_id: int | None = None

    def checked(self) -> TaskDraft:
        """The draft with its text trimmed; DomainError when Podio would refuse it."""
        text = self.text.strip()
        if not text:
            raise DomainError("A task needs a text; empty tasks are not sent")
        if self.due_time is not None and self.due_date is None:
            raise DomainError("A due time needs a due date")
        return TaskDraft(
            text, self.description.strip(), self.due_date, self.due_time, self.responsible_user_id
        )

    def body(self) -> dict[str, Any]:
        """The JSON of POST /task/… and PUT /task/{id}: every key, so an update replaces
        what the task had (a missing date or time is sent as null, which clears it)."""
        body: dict[str, Any] = {
            "text": self.text,
            "description": self.description,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "due_time": self.due_time.strftime("%H:%M:%S") if self.due_time else None,
        }
        if self.responsible_user_id is not None:
            body["responsible"] = {"type": "user", "id": self.responsible_user_id}
        return body


def due_date_of(task: Task) -> date | None:
    raw = task.raw.get("due_date")
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            pass
    return task.due_on.date() if task.due_on is not None else None


def due_time_of(task: Task) -> time | None:
    """The due time, or None for a task due on a day (Podio sends due_time null then)."""
    raw = task.raw.get("due_time")
    if isinstance(raw, str):
        try:
            return time.fromisoformat(raw)
        except ValueError:
            return None
    return None


def due_text(task: Task) -> str:
    day = due_date_of(task)
    if day is None:
        return ""
    at = due_time_of(task)
    return f"{day:%Y-%m-%d} {at:%H:%M}" if at is not None else f"{day:%Y-%m-%d}"


def responsible_user_id(task: Task) -> int | None:
    """The responsible user's id: `user_id` of the contact object, else its `id`."""
    raw = task.raw.get("responsible")
    if isinstance(raw, Mapping):
        user_id = raw.get("user_id")
        if isinstance(user_id, int) and not isinstance(user_id, bool) and user_id > 0:
            return user_id
    return task.responsible.id if task.responsible is not None else None


def is_completed(task: Task) -> bool:
    return task.status == "completed"


def is_overdue(task: Task, now: datetime) -> bool:
    """Open and due before `now` (the user's local time); a day without a time is overdue
    from the next day on."""
    day = due_date_of(task)
    if is_completed(task) or day is None:
        return False
    at = due_time_of(task)
    if at is None:
        return day < now.date()
    return datetime.combine(day, at) < now.replace(tzinfo=None)


class TaskFilter(enum.Flag):
    """The app task list's filters; combined, a task must pass each."""

    NONE = 0
    OPEN = enum.auto()
    MINE = enum.auto()
    OVERDUE = enum.auto()


def task_query(filters: TaskFilter, *, me: int | None, today: date) -> dict[str, str]:
    """The query string of GET /task/?app=… for `filters` (docs/podio-api.md, Tasks). Podio
    narrows by day; `is_overdue` then drops today's tasks whose time has not come yet."""
    params: dict[str, str] = {}
    if filters & (TaskFilter.OPEN | TaskFilter.OVERDUE):
        params["completed"] = "false"
    if filters & TaskFilter.MINE:
        if me is None:
            raise DomainError("Who you are is not known for this account, so 'mine' cannot filter")
        params["responsible"] = str(me)
    if filters & TaskFilter.OVERDUE:
        params["due_date"] = f"-{today.isoformat()}"
    return params


@dataclass(frozen=True)
class Hook:
    """A webhook as `GET /hook/{ref_type}/{ref_id}/` lists it."""

    hook_id: int
    url: str
    type: str
    status: str
    created_on: str | None = None
    created_by: Actor | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False, repr=False)

    @classmethod
    def from_api(cls, json: object) -> Hook:
        entry = as_mapping(json, "Hook", "hook")
        if entry.get("hook_id") is None:
            fail("Hook", '"hook_id" is missing')
        hook_id = as_int(entry["hook_id"], "Hook", '"hook_id"')
        where = f"Hook {hook_id}"
        return cls(
            hook_id=hook_id,
            url=str_or(entry, "url", where),
            type=str_or(entry, "type", where),
            status=str_or(entry, "status", where, default="unknown"),
            created_on=opt_str(entry, "created_on", where),
            created_by=Actor.from_api(entry.get("created_by"), where),
            raw=entry,
        )
