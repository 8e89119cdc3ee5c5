"""New items made offline are listed in their app before Podio makes them (found, opened and
edited: an edit changes the waiting create), and become the real item once sent, never a
second row; a comment waiting in the outbox is listed under its item's title."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from podio_desk.cache.query import ItemQuery
from podio_desk.domain.fields import TextValue
from podio_desk.domain.items import ItemChange
from podio_desk.sandbox import Sandbox
from podio_desk.services.editing import ItemRemoved, ItemSaved, Queued
from podio_desk.services.outbox import OutboxChanged, OutboxSent, is_placeholder_id
from podio_desk.services.session import AccountSession
from tests.services.test_outbox import signed_in, subject, wait_for

pytestmark = pytest.mark.slow


async def app_rows(session: AccountSession, app_id: int) -> list[int]:
    """The app's item ids as its table lists them from the cache (offline, or synced)."""
    query = ItemQuery(app_id)
    return await session.cache.items.page_ids(query, 0, await session.cache.items.count(query))


def test_a_new_item_made_offline_is_listed_opened_edited_and_becomes_the_real_item(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    app_id = sandbox.app_id("Tickets")

    async def scenario() -> dict[str, Any]:
        client = await signed_in(sandbox)
        session = await AccountSession.open("acct", "Sandbox", client, tmp_path / "cache")
        events: list[object] = []
        session.events.subscribe(events.append)
        try:
            await session.sync_app(app_id)
            sandbox.control.set_drop_rate(1.0)
            await session.probe()
            assert not session.online
            app = await session.app_definition(app_id)
            title = next(f for f in app.fields if f.external_id == "title")
            made = await session.editing.create(
                app, ItemChange({title.field_id: TextValue("Made offline")})
            )
            assert isinstance(made, Queued)
            assert made.item is not None
            placeholder = made.item.item_id
            found = {
                "placeholder": placeholder,
                "listed_in_app": placeholder in await app_rows(session, app_id),
                "searched": await session.cache.items.search(app_id, "Made offline"),
                "row_event": any(
                    isinstance(e, ItemSaved) and e.created and e.item.item_id == placeholder
                    for e in events
                ),
            }
            # Opened like any item (from the cache), it says it is not in Podio yet.
            opened_app, opened = await session.editing.load(placeholder, app_id)
            found["opened_title"] = opened.title
            found["note"] = session.editing.offline_note(placeholder)
            # Edited before it is sent: the waiting create takes the change.
            edited = await session.editing.save(
                opened_app, opened, ItemChange({title.field_id: TextValue("Made offline, fixed")})
            )
            found["edited"] = edited
            _, reopened = await session.editing.load(placeholder, app_id)
            found["reopened_title"] = reopened.title
            assert session.outbox is not None
            found["waiting"] = await session.outbox.listed()
            found["pending_rows"] = [e.item_ids for e in events if isinstance(e, OutboxChanged)][-1]

            sandbox.control.set_drop_rate(0.0)
            await wait_for(lambda: session.online)
            await session.outbox.start_replay()
            found["live_after"] = await app_rows(session, app_id)
            found["events"] = events
            found["listed_after"] = await session.outbox.listed()
            return found
        finally:
            await session.aclose()
            await client.aclose()

    found = asyncio.run(scenario())
    placeholder = found["placeholder"]
    assert is_placeholder_id(placeholder)
    assert found["listed_in_app"]
    assert placeholder in found["searched"]
    assert found["row_event"]  # the table lists it at once
    assert found["opened_title"] == "Made offline"
    assert "not in Podio yet" in found["note"]
    assert isinstance(found["edited"], Queued)
    assert found["reopened_title"] == "Made offline, fixed"
    (waiting,) = found["waiting"]  # one create, changed; no update of an id Podio lacks
    assert waiting.op == "create"
    assert waiting.title == "Made offline, fixed"
    assert placeholder in found["pending_rows"]  # its row is marked as waiting

    made = [i for i in sandbox.state.live_items(app_id) if subject(sandbox, i).startswith("Made")]
    assert len(made) == 1  # created once, with the edit
    assert subject(sandbox, made[0]) == "Made offline, fixed"
    assert found["listed_after"] == []
    # The placeholder row is gone and the real item is listed instead: no second row.
    assert placeholder not in found["live_after"]
    assert made[0] in found["live_after"]
    events = found["events"]
    assert any(isinstance(e, ItemRemoved) and e.item_id == placeholder for e in events)
    assert any(
        isinstance(e, OutboxSent) and e.item_id == made[0] and e.replaces == placeholder
        for e in events
    )


def test_a_discarded_new_item_leaves_its_app_and_a_comment_is_listed_under_its_title(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    app_id = sandbox.app_id("Tickets")

    async def scenario() -> dict[str, Any]:
        client = await signed_in(sandbox)
        session = await AccountSession.open("acct", "Sandbox", client, tmp_path / "cache")
        try:
            await session.sync_app(app_id)
            commented = sorted(sandbox.state.live_items(app_id))[0]
            sandbox.control.set_drop_rate(1.0)
            await session.probe()
            app = await session.app_definition(app_id)
            title = next(f for f in app.fields if f.external_id == "title")
            made = await session.editing.create(
                app, ItemChange({title.field_id: TextValue("Never mind")})
            )
            await session.editing.add_comment(commented, "Written offline")
            assert isinstance(made, Queued)
            assert made.item is not None
            assert session.outbox is not None
            listed = await session.outbox.listed()
            await session.outbox.discard(listed[0].seq)
            return {
                "placeholder": made.item.item_id,
                "listed": listed,
                "live_after": await app_rows(session, app_id),
                "commented_title": subject(sandbox, commented),
            }
        finally:
            await session.aclose()
            await client.aclose()

    found = asyncio.run(scenario())
    create, comment = found["listed"]
    assert create.op == "create"
    assert found["placeholder"] not in found["live_after"]
    assert comment.op == "comment"
    assert comment.title == found["commented_title"]  # not "#<item id>"


def test_a_new_item_deleted_or_duplicated_before_it_is_sent(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    app_id = sandbox.app_id("Tickets")

    async def scenario() -> dict[str, Any]:
        client = await signed_in(sandbox)
        session = await AccountSession.open("acct", "Sandbox", client, tmp_path / "cache")
        try:
            await session.sync_app(app_id)
            sandbox.control.set_drop_rate(1.0)
            await session.probe()
            app = await session.app_definition(app_id)
            title = next(f for f in app.fields if f.external_id == "title")
            kept = await session.editing.create(
                app, ItemChange({title.field_id: TextValue("Made twice")})
            )
            dropped = await session.editing.create(
                app, ItemChange({title.field_id: TextValue("Made by mistake")})
            )
            assert isinstance(kept, Queued)
            assert isinstance(dropped, Queued)
            assert kept.item is not None
            assert dropped.item is not None
            copy = await session.editing.duplicate(app, kept.item)  # queued as a create too
            await session.editing.delete(dropped.item)  # never sent, its row goes
            assert session.outbox is not None
            waiting = await session.outbox.listed()
            rows = await app_rows(session, app_id)
            sandbox.control.set_drop_rate(0.0)
            await wait_for(lambda: session.online)
            await session.outbox.start_replay()
            return {
                "copy": copy,
                "waiting": [(w.op, w.title) for w in waiting],
                "dropped_listed": dropped.item.item_id in rows,
                "requests": [f"{r.method} {r.path}" for r in sandbox.control.requests()],
            }
        finally:
            await session.aclose()
            await client.aclose()

    found = asyncio.run(scenario())
    assert isinstance(found["copy"], Queued)
    assert found["waiting"] == [("create", "Made twice"), ("create", "Made twice")]
    assert not found["dropped_listed"]
    titles = [subject(sandbox, i) for i in sandbox.state.live_items(app_id)]
    assert titles.count("Made twice") == 2
    assert "Made by mistake" not in titles
    # Nothing was asked of Podio about an id it never gave.
    assert not any("/item/-" in request for request in found["requests"])
