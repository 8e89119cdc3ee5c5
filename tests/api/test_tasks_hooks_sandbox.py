"""Tasks by id, an app's tasks and hooks through PodioClient and TaskService, over real HTTP
against the sandbox."""

from __future__ import annotations

from datetime import date, datetime, time

import httpx

from podio_desk.domain.tasks import (
    TaskDraft,
    TaskFilter,
    due_text,
    is_overdue,
    responsible_user_id,
)
from podio_desk.services.tasks import TaskService
from tests.api.helpers import app_entry, run, signed_in


def _other_user_id(sandbox) -> int:
    info = sandbox.info
    with httpx.Client(base_url=sandbox.url) as http:
        token = http.post(
            "/oauth/token",
            data={
                "grant_type": "password",
                "username": info["other_username"],
                "password": info["other_password"],
                "client_id": info["client_id"],
                "client_secret": info["client_secret"],
            },
        ).json()["access_token"]
        me = http.get("/user/", headers={"Authorization": f"OAuth2 {token}"}).json()
        return int(me["user_id"])


def test_task_add_change_delete_through_the_service(sandbox) -> None:
    item_id = int(sandbox.info["richest_item_id"])
    other = _other_user_id(sandbox)

    async def scenario() -> None:
        client = await signed_in(sandbox)
        async with client:
            service = TaskService(client)
            before = await service.item_tasks(item_id)
            draft = TaskDraft(
                " Call back ", "About the quote", date(2026, 9, 1), time(10, 30), other
            )
            after = await service.add(item_id, draft)
            assert len(after) == len(before) + 1
            added = next(t for t in after if t.text == "Call back")
            assert (added.description, due_text(added)) == ("About the quote", "2026-09-01 10:30")
            assert responsible_user_id(added) == other
            assert (await client.task(added.task_id)).text == "Call back"

            # Changing replaces every part: a draft without a time clears the time.
            changed = await service.update(
                item_id, added.task_id, TaskDraft("Call back today", "", date(2026, 9, 2))
            )
            task = next(t for t in changed if t.task_id == added.task_id)
            assert (task.text, task.description, due_text(task)) == (
                "Call back today",
                "",
                "2026-09-02",
            )
            assert responsible_user_id(task) == other  # not chosen: unchanged

            remaining = await service.delete(item_id, added.task_id)
            assert added.task_id not in {t.task_id for t in remaining}
            # Deleting what is already gone is what the user wanted: no error.
            await service.delete(item_id, added.task_id)

    run(scenario())


def test_app_tasks_with_open_mine_overdue(sandbox) -> None:
    notes = app_entry(sandbox, "Notes")["app_id"]
    other = _other_user_id(sandbox)
    now = datetime(2026, 6, 15, 12, 0)

    async def scenario() -> None:
        client = await signed_in(sandbox)
        async with client:
            service = TaskService(client, clock=lambda: now)
            me = await service.me()
            item_id = (await client.filter_items(notes, limit=1)).items[0].item_id
            drafts = {
                "late-mine": TaskDraft("late mine", due_date=date(2026, 6, 1)),
                "late-theirs": TaskDraft(
                    "late theirs", due_date=date(2026, 6, 14), responsible_user_id=other
                ),
                "today-later": TaskDraft(
                    "today later", due_date=date(2026, 6, 15), due_time=time(17)
                ),
                "today-earlier": TaskDraft(
                    "today earlier", due_date=date(2026, 6, 15), due_time=time(9)
                ),
            }
            ids = {}
            for name, draft in drafts.items():
                tasks = await service.add(item_id, draft)
                ids[name] = next(t.task_id for t in tasks if t.text == draft.text)
            done = await client.create_task(
                {"text": "done late", "due_date": "2026-05-01"}, ref=("item", item_id)
            )
            await client.complete_task(done.task_id)
            ids["done"] = done.task_id

            async def listed(filters: TaskFilter) -> set[str]:
                found = {t.task_id for t in await service.app_tasks(notes, filters)}
                return {name for name, task_id in ids.items() if task_id in found}

            assert await listed(TaskFilter.NONE) == set(ids)
            assert await listed(TaskFilter.OPEN) == set(ids) - {"done"}
            assert await listed(TaskFilter.MINE) == set(ids) - {"late-theirs"}
            assert await listed(TaskFilter.OVERDUE) == {"late-mine", "late-theirs", "today-earlier"}
            assert await listed(TaskFilter.OVERDUE | TaskFilter.MINE) == {
                "late-mine",
                "today-earlier",
            }
            assert me is not None

    run(scenario())


def test_overdue_is_judged_by_day_and_time() -> None:
    from podio_desk.domain.items import Task

    def task(due_date: str | None, due_time: str | None, status: str = "active") -> Task:
        return Task.from_api(
            {
                "task_id": 1,
                "text": "x",
                "status": status,
                "due_date": due_date,
                "due_time": due_time,
            }
        )

    now = datetime(2026, 6, 15, 12, 0)
    assert is_overdue(task("2026-06-14", None), now)
    assert not is_overdue(task("2026-06-15", None), now)  # due today, all day
    assert is_overdue(task("2026-06-15", "11:59:00"), now)
    assert not is_overdue(task("2026-06-15", "12:01:00"), now)
    assert not is_overdue(task("2026-06-01", None, "completed"), now)
    assert not is_overdue(task(None, None), now)


def test_app_hooks_are_listed(sandbox) -> None:
    notes = app_entry(sandbox, "Notes")["app_id"]

    async def scenario() -> None:
        client = await signed_in(sandbox)
        async with client:
            assert await TaskService(client).hooks(notes) == ()
            await client.transport.request(
                "POST",
                f"/hook/app/{notes}/",
                json={"url": "https://example.com/podio", "type": "item.update"},
            )
            hooks = await TaskService(client).hooks(notes)
            assert [(h.url, h.type, h.status) for h in hooks] == [
                ("https://example.com/podio", "item.update", "inactive")
            ]

    run(scenario())
