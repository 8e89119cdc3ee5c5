"""Sync "with comments and files": the lists of the items that have them, read once, kept
for opening offline; nothing is read again while they are up to date."""

from __future__ import annotations

import asyncio
from pathlib import Path

from podio_desk.sandbox import Sandbox
from podio_desk.services.session import AccountSession
from tests.services.test_outbox import signed_in


def test_sync_with_comments_and_files(sandbox: Sandbox, tmp_path: Path) -> None:
    app_id = sandbox.app_id("Showcase")
    having = sorted(
        item_id
        for item_id in sandbox.state.live_items(app_id)
        if sandbox.state.comments.get(item_id) or sandbox.state.items[item_id].file_ids
    )
    assert having

    async def scenario() -> tuple[int, int, int, dict[str, int], int]:
        client = await signed_in(sandbox)
        session = await AccountSession.open("acct", "Sandbox", client, tmp_path / "cache")
        try:
            plain = await session.sync_app(app_id)
            await session.set_sync_with_details(app_id, True)
            assert await session.sync_with_details(app_id)
            first = await session.sync_app(app_id)
            again = await session.sync_app(app_id)
            lists = await session.cache.items.lists(having[0])
            return (
                plain.details,
                first.details,
                again.details,
                {kind: len(seen.entries) for kind, seen in lists.items()},
                again.calls,
            )
        finally:
            await session.aclose()
            await client.aclose()

    plain, first, again, lists, calls = asyncio.run(scenario())
    assert plain == 0  # the option is off by default
    assert first == len(having)  # one GET /item each
    assert again == 0
    assert calls == 1  # an idle incremental pass stays one call
    item = sandbox.state.items[having[0]]
    assert lists["comments"] == len(sandbox.state.comments.get(having[0], []))
    assert lists["files"] == len(item.file_ids)
