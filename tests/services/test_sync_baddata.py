"""Bad data from Podio never blocks a sync: malformed items, timestamps from the future."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from podio_desk.domain.timestamps import format_podio_datetime
from podio_desk.sandbox import Sandbox
from podio_desk.sandbox.control import MALFORMED_KINDS
from podio_desk.services.sync import PodioSyncApi, SyncService
from tests.services.test_sync_sandbox import PAGE, as_other, remote_revisions, rig, run

REPEATED = "duplicate"  # a repeat within a page is counted; the item itself reads fine


def test_malformed_items_are_stored_marked_reported_once_and_the_sync_goes_on(
    sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app_id = sandbox.app_id("Tickets")
    ids = sorted(remote_revisions(sandbox, app_id))
    # Spread over the pages (25 items a page), one kind per item.
    damaged = dict(zip(MALFORMED_KINDS, ids[3::5], strict=False))
    assert len(damaged) == len(MALFORMED_KINDS)
    sandbox.control.serve_malformed({item_id: kind for kind, item_id in damaged.items()})
    marked = {item_id for kind, item_id in damaged.items() if kind != REPEATED}

    async def scenario() -> None:
        async with rig(sandbox, tmp_path) as r:
            with caplog.at_level(logging.WARNING, logger="podio_desk.services.sync"):
                full = await r.service.sync_app(r.app_id)
                again = await r.service.sync_app(r.app_id, full=True)
                incremental = await r.service.sync_app(r.app_id)
            live = set(await r.cache.items.live_ids(r.app_id))
            unreadable = await r.cache.items.unreadable_items(r.app_id)
            stored = await r.cache.items.get_many(sorted(marked))
            cached = await r.cache.items.revisions(r.app_id)
        assert live == set(ids)
        assert set(unreadable) == marked
        assert all(problems and problems[0] for problems in unreadable.values())
        assert (full.unreadable, full.skipped) == (len(marked), 1)
        assert (again.unreadable, again.skipped) == (len(marked), 1)
        assert incremental.mode == "incremental"
        assert {item.item_id for item in stored} == marked
        # The rest of the app is exact: every item that reads fully has Podio's revision.
        remote = remote_revisions(sandbox, app_id)
        fine = set(ids) - marked
        assert {i: cached[i] for i in fine} == {i: remote[i] for i in fine}

    run(scenario())
    warned = [
        record.getMessage()
        for record in caplog.records
        if "could not be read fully" in record.getMessage()
    ]
    for item_id in marked:
        assert sum(f"item {item_id} " in message for message in warned) == 1, item_id


def test_an_item_from_the_future_does_not_hide_later_edits(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    app_id = sandbox.app_id("Tickets")
    ids = sorted(remote_revisions(sandbox, app_id))
    sandbox.control.stamp_last_edit(ids[5], "2999-01-01 00:00:00")

    async def scenario() -> None:
        async with rig(sandbox, tmp_path) as r:
            await r.service.sync_app(r.app_id)
            as_other(sandbox, "PUT", f"/item/{ids[20]}", {"fields": {"title": "edited later"}})
            await r.service.sync_app(r.app_id)
            sandbox.control.stamp_last_edit(ids[30], "2999-06-01 00:00:00")
            await r.service.sync_app(r.app_id)
            as_other(sandbox, "PUT", f"/item/{ids[40]}", {"fields": {"title": "edited even later"}})
            result = await r.service.sync_app(r.app_id)
            state = await r.cache.sync_state(r.app_id)
            cached = await r.cache.items.revisions(r.app_id)
            titles = {
                item.item_id: item.title
                for item in await r.cache.items.get_many([ids[20], ids[40]])
            }
        assert result.mode == "incremental"
        assert titles == {ids[20]: "edited later", ids[40]: "edited even later"}
        assert cached == remote_revisions(sandbox, app_id)
        assert state.watermark is not None
        assert state.watermark <= format_podio_datetime(datetime.now(UTC) + timedelta(minutes=5))

    run(scenario())


def test_a_clock_here_ahead_of_podios_does_not_hide_later_edits(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """The watermark's ceiling is Podio's clock: ours being an hour ahead must not let an
    edit stamped ten minutes ahead of Podio lift the watermark past the edits that follow."""
    app_id = sandbox.app_id("Tickets")
    ids = sorted(remote_revisions(sandbox, app_id))
    sandbox.control.stamp_last_edit(ids[5], "2999-01-01 00:00:00")

    def an_hour_ahead() -> datetime:
        return datetime.fromtimestamp(sandbox.control.now(), UTC) + timedelta(hours=1)

    async def scenario() -> None:
        async with rig(sandbox, tmp_path) as r:
            r.service = SyncService(
                PodioSyncApi(r.client), r.cache, page_size=PAGE, now=an_hour_ahead
            )
            await r.service.sync_app(r.app_id)
            podio_now = datetime.fromtimestamp(sandbox.control.now(), UTC)
            ahead = format_podio_datetime(podio_now + timedelta(minutes=10))
            sandbox.control.stamp_last_edit(ids[30], ahead)
            picked_up = await r.service.sync_app(r.app_id)
            as_other(sandbox, "PUT", f"/item/{ids[40]}", {"fields": {"title": "edited after"}})
            result = await r.service.sync_app(r.app_id)
            state = await r.cache.sync_state(r.app_id)
            cached = await r.cache.items.revisions(r.app_id)
            title = (await r.cache.items.get_many([ids[40]]))[0].title
        assert (picked_up.mode, result.mode) == ("incremental", "incremental")
        assert title == "edited after"
        assert cached == remote_revisions(sandbox, app_id)
        assert state.watermark is not None
        assert state.watermark <= format_podio_datetime(podio_now + timedelta(minutes=5))

    run(scenario())
