"""What a new-user trial found in the outbox, against the sandbox over HTTP: an edit typed in
the grid (its item carries no JSON) is queued and sent like the editor's; one refused write
never holds back the others, and every write not done is still listed and sent after a quit
and a restart."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from podio_desk.domain.fields import TextValue
from podio_desk.domain.items import ItemChange
from podio_desk.sandbox import Sandbox
from podio_desk.services.editing import Queued
from podio_desk.services.page_readers import without_raw
from podio_desk.services.session import AccountSession
from tests.services.test_outbox import signed_in, subject, wait_for

pytestmark = pytest.mark.slow


def test_an_edit_typed_in_the_grid_offline_arrives_like_the_editors(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> dict[str, Any]:
        client = await signed_in(sandbox)
        session = await AccountSession.open("acct", "Sandbox", client, tmp_path / "cache")
        try:
            app_id = sandbox.app_id("Tickets")
            await session.sync_app(app_id)
            grid_id, editor_id = sorted(sandbox.state.live_items(app_id))[:2]
            sandbox.control.set_drop_rate(1.0)
            await session.probe()
            app = await session.app_definition(app_id)
            title = next(f for f in app.fields if f.external_id == "title")
            _, loaded = await session.editing.load(grid_id, app_id)
            row = without_raw(loaded)  # what the grid's rows hold
            grid = await session.editing.save(
                app, row, ItemChange({title.field_id: TextValue("Typed in the grid")})
            )
            _, item = await session.editing.load(editor_id, app_id)
            editor = await session.editing.save(
                app, item, ItemChange({title.field_id: TextValue("Typed in the editor")})
            )
            assert isinstance(grid, Queued)
            assert isinstance(editor, Queued)
            _, shown = await session.editing.load(grid_id, app_id)  # the cached row
            sandbox.control.set_drop_rate(0.0)
            await wait_for(lambda: session.online)
            assert session.outbox is not None
            await session.outbox.start_replay()
            return {
                "ids": (grid_id, editor_id),
                "shown": shown.title,
                "listed": await session.outbox.listed(),
                "counts": await session.outbox.counts(),
            }
        finally:
            await session.aclose()
            await client.aclose()

    found = asyncio.run(scenario())
    grid_id, editor_id = found["ids"]
    assert found["shown"] == "Typed in the grid"  # shown waiting on the row
    assert subject(sandbox, grid_id) == "Typed in the grid"
    assert subject(sandbox, editor_id) == "Typed in the editor"
    assert found["listed"] == []  # nothing refused, nothing left waiting
    assert found["counts"].done == 2


def test_a_refused_write_holds_back_none_and_all_survive_a_restart(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    app_id = sandbox.app_id("Tickets")
    doomed, kept = sorted(sandbox.state.live_items(app_id))[:2]

    async def offline_then_quit() -> None:
        client = await signed_in(sandbox)
        session = await AccountSession.open("acct", "Sandbox", client, tmp_path / "cache")
        try:
            await session.sync_app(app_id)
            sandbox.control.set_drop_rate(1.0)
            await session.probe()
            app = await session.app_definition(app_id)
            title = next(f for f in app.fields if f.external_id == "title")
            _, first = await session.editing.load(doomed, app_id)
            _, second = await session.editing.load(kept, app_id)
            # Written from different places of the window at once, as at start.
            outcomes = await asyncio.gather(
                session.editing.save(
                    app, first, ItemChange({title.field_id: TextValue("Edit of a deleted")})
                ),
                session.editing.save(
                    app, without_raw(second), ItemChange({title.field_id: TextValue("Kept")})
                ),
                session.editing.add_comment(kept, "Comment after a refusal"),
                session.editing.create(
                    app, ItemChange({title.field_id: TextValue("Created after a refusal")})
                ),
            )
            assert isinstance(outcomes[0], Queued)
            assert isinstance(outcomes[3], Queued)
        finally:
            await session.aclose()
            await client.aclose()

    asyncio.run(offline_then_quit())
    sandbox.delete_directly(doomed)  # the first write will be refused

    async def restart_and_reconnect() -> dict[str, Any]:
        sandbox.control.set_drop_rate(0.0)
        client = await signed_in(sandbox)
        sandbox.control.set_drop_rate(1.0)  # restarted still offline
        session = await AccountSession.open("acct", "Sandbox", client, tmp_path / "cache")
        try:
            assert session.outbox is not None
            waiting = await session.outbox.listed()
            sandbox.control.set_drop_rate(0.0)
            await session.probe()
            await wait_for(lambda: session.online)
            await session.outbox.start_replay()
            return {"waiting": waiting, "listed": await session.outbox.listed()}
        finally:
            await session.aclose()
            await client.aclose()

    found = asyncio.run(restart_and_reconnect())
    assert [w.op for w in found["waiting"]] == ["update", "update", "comment", "create"]
    assert subject(sandbox, kept) == "Kept"
    assert [c.value for c in sandbox.state.comments[kept]].count("Comment after a refusal") == 1
    made = [
        i for i in sandbox.state.live_items(app_id) if subject(sandbox, i).startswith("Created")
    ]
    assert len(made) == 1
    (refused,) = found["listed"]
    assert (refused.state, refused.item_id) == ("failed", doomed)
    assert refused.error is not None
    assert "deleted" in refused.error
