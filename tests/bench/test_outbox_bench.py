"""Outbox replay: API calls per waiting write once Podio answers again (goal 1.0, plus one
read per conflict), against the sandbox over HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from podio_desk.domain.fields import TextValue
from podio_desk.domain.items import ItemChange
from podio_desk.sandbox import Sandbox, SandboxConfig
from podio_desk.services.session import AccountSession
from tests.services.test_outbox import signed_in

EDITS = 200
CONFLICTS = 10


def test_outbox_replay_calls_per_edit(tmp_path: Path, bench_results: Any) -> None:
    sandbox = Sandbox(SandboxConfig(items=EDITS)).start()

    async def scenario() -> tuple[int, int, int]:
        client = await signed_in(sandbox)
        session = await AccountSession.open("acct", "Sandbox", client, tmp_path / "cache")
        try:
            app_id = sandbox.app_id("Tickets")
            await session.sync_app(app_id)
            ids = sorted(sandbox.state.live_items(app_id))[:EDITS]
            for item_id in ids[:: EDITS // CONFLICTS]:
                sandbox.edit_as_other(item_id, {"title": "Changed by someone else"})
            sandbox.control.set_drop_rate(1.0)
            await session.probe()
            app = await session.app_definition(app_id)
            title = next(f for f in app.fields if f.external_id == "title")
            for n, item_id in enumerate(ids):
                _, item = await session.editing.load(item_id, app_id)
                await session.editing.save(
                    app, item, ItemChange({title.field_id: TextValue(f"Bench {n}")})
                )
            sandbox.control.set_drop_rate(0.0)
            assert session.outbox is not None
            while not session.online:  # noqa: ASYNC110 - the reconnect probe runs by itself
                await asyncio.sleep(0.05)
            sandbox.control.reset_log()
            await session.outbox.start_replay()
            counts = await session.outbox.counts()
            requests = sum(1 for r in sandbox.control.requests() if not r.path.startswith("/oauth"))
            return requests, counts.done, counts.conflict
        finally:
            await session.aclose()
            await client.aclose()
            sandbox.stop()

    requests, done, conflicts = asyncio.run(scenario())
    assert (done, conflicts) == (EDITS - CONFLICTS, CONFLICTS)
    per_edit = (requests - conflicts) / EDITS
    bench_results["outbox_replay_calls_per_edit"] = per_edit
    bench_results["outbox_replay_conflict_reads"] = conflicts
    assert per_edit == 1.0
