"""The outbox against the sandbox over HTTP: writes made with the network gone arrive once it
is back, revision-checked, in order, one call each; a conflict is listed, never overwritten;
a kill -9 while writes wait loses none and sends none twice."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient
from podio_desk.domain.fields import TextValue
from podio_desk.domain.items import ItemChange
from podio_desk.sandbox import Sandbox
from podio_desk.services.editing import Queued
from podio_desk.services.outbox import OutboxChanged
from podio_desk.services.session import AccountSession

pytestmark = pytest.mark.slow


async def signed_in(sandbox: Sandbox) -> PodioClient:
    info = sandbox.info
    client = PodioClient(
        ClientCredentials(str(info["client_id"]), str(info["client_secret"])),
        base_url=sandbox.url,
    )
    await client.session.sign_in_password(str(info["username"]), str(info["password"]))
    return client


async def wait_for(condition: Any, seconds: float = 20.0) -> None:
    """Poll `condition` (state held by the sandbox's threads: no event to await)."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


def subject(sandbox: Sandbox, item_id: int) -> str:
    item = sandbox.state.items[item_id]
    app = sandbox.state.apps[item.app_id]
    field = next(f for f in app.fields if f.external_id == "title")
    values = item.values.get(field.field_id) or []
    return str(values[0]) if values else ""


def test_writes_made_offline_arrive_once_back_and_a_conflict_is_kept(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> dict[str, Any]:
        client = await signed_in(sandbox)
        session = await AccountSession.open("acct", "Sandbox", client, tmp_path / "cache")
        changes: list[OutboxChanged] = []
        session.events.subscribe(
            lambda e: changes.append(e) if isinstance(e, OutboxChanged) else None
        )
        try:
            app_id = sandbox.app_id("Tickets")
            await session.sync_app(app_id)
            ids = sorted(sandbox.state.live_items(app_id))[:3]
            before = {item_id: sandbox.state.items[item_id].revision for item_id in ids}
            # Someone else edits the second item after our last read.
            sandbox.edit_as_other(ids[1], {"title": "Their subject"})

            sandbox.control.set_drop_rate(1.0)
            await session.probe()
            assert not session.online
            app = await session.app_definition(app_id)
            title = next(f for f in app.fields if f.external_id == "title")
            outcomes = []
            for n, item_id in enumerate(ids):
                _, item = await session.editing.load(item_id, app_id)  # from the cache
                change = ItemChange({title.field_id: TextValue(f"Offline edit {n}")})
                outcomes.append(await session.editing.save(app, item, change))
            comments = await session.editing.add_comment(ids[0], "Written offline")
            created = await session.editing.create(
                app, ItemChange({title.field_id: TextValue("Made offline")})
            )
            assert all(isinstance(o, Queued) for o in [*outcomes, created])
            assert comments[-1].value == "Written offline"  # shown as waiting
            assert session.outbox is not None
            assert (await session.outbox.counts()).pending == 5
            sandbox.control.reset_log()

            sandbox.control.set_drop_rate(0.0)  # reconnects by itself, then sends
            await wait_for(lambda: session.online)
            replay = session.outbox.start_replay()
            await replay
            listed = await session.outbox.listed()
            made_now = [
                i for i in sandbox.state.live_items(app_id) if subject(sandbox, i) == "Made offline"
            ]
            # The new item was read back once and kept: the app's table lists it at once.
            cached = await session.cache.items.get_many(made_now)
            return {
                "cached_new": [record.item_id for record in cached],
                "ids": ids,
                "before": before,
                "listed": listed,
                "calls": session.outbox.calls,
                "writes": [
                    f"{r.method} {r.path}"
                    for r in sandbox.control.requests()
                    if r.method in ("POST", "PUT") and not r.path.startswith("/oauth")
                ],
                "conflict": session.outbox.conflict(listed[0].seq) if listed else None,
                "last_change": changes[-1],
            }
        finally:
            await session.aclose()
            await client.aclose()

    found = asyncio.run(scenario())
    ids, before = found["ids"], found["before"]
    # Items 1 and 3 carry the offline edits, each one revision on.
    assert subject(sandbox, ids[0]) == "Offline edit 0"
    assert subject(sandbox, ids[2]) == "Offline edit 2"
    assert sandbox.state.items[ids[0]].revision == before[ids[0]] + 1
    assert sandbox.state.items[ids[2]].revision == before[ids[2]] + 1
    # Item 2 keeps the other user's edit; ours is listed as a conflict with both versions.
    assert subject(sandbox, ids[1]) == "Their subject"
    (listed,) = found["listed"]
    assert (listed.state, listed.item_id) == ("conflict", ids[1])
    conflict = found["conflict"]
    assert conflict is not None
    assert conflict.current.title == "Their subject"
    # The comment and the new item arrived, once.
    comments = sandbox.state.comments[ids[0]]
    assert [c.value for c in comments].count("Written offline") == 1
    made = [
        i
        for i in sandbox.state.live_items(sandbox.app_id("Tickets"))
        if subject(sandbox, i) == "Made offline"
    ]
    assert len(made) == 1
    assert found["cached_new"] == made
    # In order, one call each, plus one read for the conflict.
    writes = found["writes"]
    assert writes == [
        f"PUT /item/{ids[0]}",
        f"PUT /item/{ids[1]}",
        f"PUT /item/{ids[2]}",
        f"POST /comment/item/{ids[0]}/",
        f"POST /item/app/{sandbox.app_id('Tickets')}/",
    ]
    assert found["calls"] == 5 + 1 + 1  # and the new item read back once, into the cache
    assert found["last_change"].waiting == 0
    assert found["last_change"].conflicts == 1


# ---------------------------------------------------------------- kill -9


def _queue_and_replay_until_killed(url: str, info: dict[str, Any], root: str, app_id: int) -> None:
    """Child process: queue three writes offline-style, then send them slowly (the parent
    kills it in the middle)."""

    async def run() -> None:
        from podio_desk.cache.journal import Journal
        from podio_desk.services.outbox import Outbox

        client = PodioClient(
            ClientCredentials(str(info["client_id"]), str(info["client_secret"])), base_url=url
        )
        await client.session.sign_in_password(str(info["username"]), str(info["password"]))
        journal = await Journal.open(Path(root) / "journal", "acct")
        app = await client.app(app_id)

        async def app_of(_: int) -> Any:
            return app

        outbox = Outbox(journal, client, app_of)
        title = next(f for f in app.fields if f.external_id == "title")
        for n in range(3):
            await outbox.queue_create(app, ItemChange({title.field_id: TextValue(f"Kill {n}")}))
        print("queued", flush=True)
        await outbox.replay()

    asyncio.run(run())


def test_kill_9_while_writes_wait_loses_none_and_sends_none_twice(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = sandbox_factory()
    app_id = sandbox.app_id("Tickets")
    sandbox.control.set_latency(0.4)  # each write takes a while: the kill lands mid-replay
    context = multiprocessing.get_context("spawn")
    child = context.Process(
        target=_queue_and_replay_until_killed,
        args=(sandbox.url, dict(sandbox.info), str(tmp_path), app_id),
    )
    child.start()

    def made() -> list[int]:
        return [
            i for i in sandbox.state.live_items(app_id) if subject(sandbox, i).startswith("Kill ")
        ]

    async def until_first_arrives() -> None:
        await wait_for(lambda: len(made()) >= 1, seconds=60)

    asyncio.run(until_first_arrives())
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join(10)
    sandbox.control.set_latency(0.0)

    async def restart() -> int:
        from podio_desk.cache.journal import Journal
        from podio_desk.services.outbox import Outbox

        client = await signed_in(sandbox)
        journal = await Journal.open(tmp_path / "journal", "acct")
        app = await client.app(app_id)

        async def app_of(_: int) -> Any:
            return app

        # A request in flight at the kill (the sandbox sleeps its latency first) lands
        # within the grace; only then is the entry looked up.
        outbox = Outbox(journal, client, app_of, sent_grace=3.0)
        try:
            await outbox.replay()
            return (await outbox.counts()).done
        finally:
            await journal.aclose()
            await client.aclose()

    done = asyncio.run(restart())
    titles = sorted(subject(sandbox, i) for i in made())
    assert titles == ["Kill 0", "Kill 1", "Kill 2"]  # all there, none twice
    assert done == 3


def test_a_waiting_change_can_be_discarded_or_taken_back_to_edit(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> dict[str, Any]:
        client = await signed_in(sandbox)
        session = await AccountSession.open("acct", "Sandbox", client, tmp_path / "cache")
        try:
            app_id = sandbox.app_id("Tickets")
            await session.sync_app(app_id)
            first, second = sorted(sandbox.state.live_items(app_id))[:2]
            sandbox.control.set_drop_rate(1.0)
            await session.probe()
            app = await session.app_definition(app_id)
            title = next(f for f in app.fields if f.external_id == "title")
            _, item = await session.editing.load(first, app_id)
            original = item.title
            await session.editing.save(app, item, ItemChange({title.field_id: TextValue("Gone")}))
            _, other = await session.editing.load(second, app_id)
            await session.editing.save(
                app, other, ItemChange({title.field_id: TextValue("To edit")})
            )
            _, shown = await session.editing.load(first, app_id)
            assert session.outbox is not None
            listed = await session.outbox.listed()
            assert await session.outbox.discard(listed[0].seq)
            _, after_discard = await session.editing.load(first, app_id)
            taken = await session.outbox.take_back(listed[1].seq)
            remaining = await session.outbox.listed()
            sandbox.control.set_drop_rate(0.0)
            await wait_for(lambda: session.online)
            await session.outbox.start_replay()
            return {
                "original": original,
                "shown": shown.title,
                "after_discard": after_discard.title,
                "taken": taken,
                "remaining": remaining,
                "first": first,
                "second": second,
                "title_id": title.field_id,
            }
        finally:
            await session.aclose()
            await client.aclose()

    found = asyncio.run(scenario())
    assert found["shown"] == "Gone"  # the waiting change showed on the cached item
    assert found["after_discard"] == found["original"]  # discarded: as it was again
    _, base, change = found["taken"]
    assert base.item_id == found["second"]
    assert change.values[found["title_id"]] == TextValue("To edit")
    assert found["remaining"] == []
    # Neither was sent.
    assert subject(sandbox, found["first"]) == found["original"]
    assert subject(sandbox, found["second"]) != "To edit"


def test_a_task_added_offline_keeps_its_description_and_due_time(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """The tasks pane's whole form (description, due date and time) waits in the outbox and
    arrives as typed once Podio answers again."""
    from datetime import date, time

    from podio_desk.domain.tasks import TaskDraft

    async def scenario() -> int:
        client = await signed_in(sandbox)
        session = await AccountSession.open("acct", "Sandbox", client, tmp_path / "cache")
        try:
            app_id = sandbox.app_id("Tickets")
            item_id = sorted(sandbox.state.live_items(app_id))[0]
            sandbox.control.set_drop_rate(1.0)
            await session.probe()
            assert not session.online
            draft = TaskDraft("Call back", "About the invoice", date(2026, 12, 18), time(14, 30))
            shown = await session.editing.add_task(item_id, draft)
            assert any("Call back" in task.text for task in shown)  # shown as waiting
            sandbox.control.set_drop_rate(0.0)
            await wait_for(lambda: session.online)
            assert session.outbox is not None
            await session.outbox.start_replay()
            return item_id
        finally:
            await session.aclose()
            await client.aclose()

    item_id = asyncio.run(scenario())
    made = [
        t for t in sandbox.state.tasks.values() if t.ref_id == item_id and t.text == "Call back"
    ]
    assert len(made) == 1
    assert made[0].description == "About the invoice"
    assert made[0].due_date == "2026-12-18"
    assert (made[0].due_time or "").startswith("14:30")
