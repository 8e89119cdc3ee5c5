"""PodioClient's clone, item-task and space-contact methods against the sandbox (real HTTP)."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from podio_desk.api.errors import BadRequest, Gone, NotFound, WriteOutcomeUnknown
from podio_desk.domain.fields import ContactRef
from podio_desk.domain.items import Task
from tests.api.helpers import run, signed_in


def test_clone_item_returns_the_new_id_of_a_full_copy(sandbox: Any) -> None:
    source_id = int(sandbox.info["richest_item_id"])

    async def scenario() -> None:
        client = await signed_in(sandbox)
        async with client:
            app = await client.app((await client.item_basic(source_id)).app_id or 0)
            source = await client.item(source_id, app=app)
            sandbox.control.reset_log()
            new_id = await client.clone_item(source_id, silent=True, hook=False)
            log = sandbox.control.requests()
            assert [(entry.method, entry.path, entry.query) for entry in log] == [
                ("POST", f"/item/{source_id}/clone", "silent=true&hook=false")
            ]
            copy = await client.item(new_id, app=app)
            assert copy.item_id == new_id != source_id
            assert copy.revision == 0
            assert copy.app_item_id != source.app_item_id
            assert copy.title == source.title
            assert copy.tags == source.tags
            assert dict(copy.values) == dict(source.values)

    run(scenario())


def test_clone_item_errors(sandbox: Any) -> None:
    async def scenario() -> None:
        client = await signed_in(sandbox)
        async with client:
            with pytest.raises(NotFound):
                await client.clone_item(999_999_999)
            victim = max(sandbox.state.live_items(sandbox.app_id("Notes")))
            await client.delete_item(victim)
            with pytest.raises(Gone):
                await client.clone_item(victim)

    run(scenario())


def test_a_lost_clone_answer_is_not_sent_twice(sandbox: Any) -> None:
    source_id = int(sandbox.info["richest_item_id"])

    async def scenario() -> None:
        client = await signed_in(sandbox)
        async with client:
            sandbox.control.reset_log()
            sandbox.control.set_drop_rate(1.0)
            try:
                with pytest.raises(WriteOutcomeUnknown):
                    await client.clone_item(source_id)
            finally:
                sandbox.control.reset_faults()
            clones = [r for r in sandbox.control.requests() if r.path.endswith("/clone")]
            assert len(clones) == 1

    run(scenario())


def test_create_complete_and_reopen_an_item_task(sandbox: Any) -> None:
    item_id = int(sandbox.info["richest_item_id"])

    async def scenario() -> None:
        client = await signed_in(sandbox)
        async with client:
            before = await client.item_tasks(item_id)
            task = await client.create_item_task(
                item_id,
                "Send the offer",
                due_date=date(2026, 12, 1),
                due_time=time(9, 15),
                description="PDF attached to the item",
            )
            assert isinstance(task, Task)
            assert task.text == "Send the offer"
            assert task.status == "active"
            assert task.description == "PDF attached to the item"
            assert task.due_on is not None
            assert task.due_on.date() == date(2026, 12, 1)
            assert task.raw["due_time"] == "09:15:00"
            assert (task.ref_type, task.ref_id) == ("item", item_id)
            tasks = await client.item_tasks(item_id)
            assert len(tasks) == len(before) + 1
            await client.complete_task(task.task_id)
            done = {t.task_id: t for t in await client.item_tasks(item_id)}[task.task_id]
            assert done.status == "completed"
            assert done.completed_on is not None
            await client.incomplete_task(task.task_id)
            reopened = {t.task_id: t for t in await client.item_tasks(item_id)}[task.task_id]
            assert reopened.status == "active"
            plain = await client.create_item_task(item_id, "No date")
            assert plain.due_on is None
            assert plain.description in ("", None)

    run(scenario())


def test_task_errors_are_typed(sandbox: Any) -> None:
    item_id = int(sandbox.info["richest_item_id"])

    async def scenario() -> None:
        client = await signed_in(sandbox)
        async with client:
            with pytest.raises(NotFound):
                await client.create_item_task(999_999_999, "Nowhere")
            with pytest.raises(BadRequest):
                await client.create_item_task(item_id, "   ")
            with pytest.raises(NotFound):
                await client.complete_task(999_999_999)
            with pytest.raises(NotFound):
                await client.incomplete_task(999_999_999)

    run(scenario())


def test_space_contacts_as_contact_refs(sandbox: Any) -> None:
    async def scenario() -> None:
        client = await signed_in(sandbox)
        async with client:
            companies = await client.app(sandbox.app_id("Companies"))
            assert companies.space_id is not None
            found = await client.space_contacts(companies.space_id, "alma")
            assert [contact.name for contact in found] == ["Alma Jensen"]
            alma = found[0]
            assert isinstance(alma, ContactRef)
            assert alma.type == "space"
            assert alma.user_id is None
            assert alma.space_id == companies.space_id
            assert alma.mails == ("alma.jensen@example.com",)
            assert alma.phones
            members = await client.space_contacts(companies.space_id, "Sandra")
            assert [(c.name, c.type) for c in members] == [("Sandra Sandbox", "user")]
            assert members[0].user_id is not None
            everyone = await client.space_contacts(companies.space_id, "", limit=3)
            assert len(everyone) == 3
            assert await client.space_contacts(companies.space_id, "zzz-nobody") == []
            with pytest.raises(NotFound):
                await client.space_contacts(999_999, "a")

    run(scenario())
