"""Rate limits, 420 storms, injected failures and typed errors, against the sandbox over HTTP."""

from __future__ import annotations

import asyncio

import pytest

from podio_desk.api.client import PodioClient
from podio_desk.api.errors import Conflict, Gone, NotFound, RateLimited
from podio_desk.api.ratelimit import (
    Priority,
    RateClass,
    RateLimitScheduler,
    RateLimitWait,
    RateStateChanged,
)
from podio_desk.api.transport import TransportConfig
from podio_desk.domain.fields import FieldType
from tests.api.helpers import FastClock, app_entry, run, signed_in


async def some_item_ids(client: PodioClient, app_id: int, count: int) -> list[int]:
    page = await client.filter_items(app_id, limit=min(count, 500))
    return [item.item_id for item in page.items]


async def text_field_id(client: PodioClient, app_id: int) -> int:
    app = await client.app(app_id)
    for fdef in app.fields:
        if fdef.field_type is FieldType.TEXT and fdef.is_active:
            return fdef.field_id
    raise LookupError("no text field")


# ----------------------------------------------------------------------------- typed errors


def test_conflict_gone_and_not_found_are_mapped(sandbox) -> None:
    app = app_entry(sandbox, "Tickets")

    async def scenario() -> None:
        client = await signed_in(sandbox)
        async with client:
            field_id = await text_field_id(client, app["app_id"])
            item_id = (await some_item_ids(client, app["app_id"], 1))[0]
            item = await client.item(item_id)
            new_revision = await client.update_item(
                item_id, {str(field_id): "first edit"}, revision=item.revision
            )
            assert new_revision == item.revision + 1
            with pytest.raises(Conflict) as conflict:
                await client.update_item(
                    item_id, {str(field_id): "stale edit"}, revision=item.revision
                )
            assert conflict.value.status == 409
            assert conflict.value.user_message
            await client.delete_item(item_id)
            with pytest.raises(Gone) as gone:
                await client.item(item_id)
            assert gone.value.status == 410
            with pytest.raises(NotFound):
                await client.item(999_999_999)

    run(scenario())


def test_420_is_mapped_and_waited_out(sandbox) -> None:
    async def scenario() -> None:
        clock = FastClock()
        scheduler = RateLimitScheduler(clock=clock, sleep=clock.sleep)
        events: list[object] = []
        scheduler.events.subscribe(events.append)
        client = await signed_in(sandbox, scheduler=scheduler)
        async with client:
            sandbox.control.start_rate_limit_storm(count=1)
            assert await client.orgs()
        waits = [e for e in events if isinstance(e, RateLimitWait)]
        assert len(waits) == 1
        assert "wait" in waits[0].reason
        assert clock.slept >= waits[0].seconds - 0.001
        statuses = [r.status for r in sandbox.control.requests() if r.path == "/org/"]
        assert statuses == [420, 200]

    run(scenario())


def test_rate_limited_error_carries_the_hint(sandbox) -> None:
    async def scenario() -> None:
        client = await signed_in(sandbox)
        async with client:
            sandbox.control.start_rate_limit_storm(count=1)
            # Straight through the transport's single attempt, without the scheduler's retry.
            with pytest.raises(RateLimited) as caught:
                await client.transport._send_once(
                    "GET", "/org/", params=None, json=None, data=None, files=None,
                    rate_class=RateClass.GENERAL, idempotent=True, authenticated=True,
                )  # fmt: skip
            assert caught.value.status == 420
            assert caught.value.wait_seconds is not None

    run(scenario())


def test_storm_during_200_queued_requests_loses_none(sandbox) -> None:
    app = app_entry(sandbox, "Tickets")

    async def scenario() -> None:
        clock = FastClock(sandbox)
        # The storm's 25 refusals in a row all land on the one probe after the first wait:
        # a bound on waits above that lets every request through.
        scheduler = RateLimitScheduler(
            clock=clock, sleep=clock.sleep, max_concurrency=4, max_rate_limit_waits=30
        )
        client = await signed_in(sandbox, scheduler=scheduler)
        async with client:
            ids = await some_item_ids(client, app["app_id"], 40)
            sandbox.control.reset_log()
            sandbox.control.start_rate_limit_storm(count=25)
            priorities = list(Priority)
            results = await asyncio.gather(
                *(
                    client.item_basic(ids[i % len(ids)], priority=priorities[i % 3])
                    for i in range(200)
                )
            )
            assert len(results) == 200
            assert [r.item_id for r in results] == [ids[i % len(ids)] for i in range(200)]
            log = [r for r in sandbox.control.requests() if r.path.startswith("/item/")]
            assert sum(r.status == 420 for r in log) == 25
            assert sum(r.status == 200 for r in log) == 200
            assert scheduler.queued() == dict.fromkeys(Priority, 0)

    run(scenario())


@pytest.mark.slow
def test_long_job_with_honest_headers_never_gets_420(sandbox_factory) -> None:
    sandbox = sandbox_factory(rate_limits=(1000, 250))

    async def scenario() -> None:
        clock = FastClock(sandbox)
        scheduler = RateLimitScheduler(clock=clock, sleep=clock.sleep, max_concurrency=4)
        states: list[RateStateChanged] = []
        scheduler.events.subscribe(
            lambda e: states.append(e) if isinstance(e, RateStateChanged) else None
        )
        client = await signed_in(sandbox, scheduler=scheduler)
        async with client:
            app = app_entry(sandbox, "Tickets")
            ids = await some_item_ids(client, app["app_id"], 100)  # one heavy call
            sandbox.control.reset_log()
            started = sandbox.control.now()
            results = await asyncio.gather(
                *(
                    client.item_basic(ids[i % len(ids)], priority=Priority.USER_JOB)
                    for i in range(1200)
                )
            )
            assert len(results) == 1200
            elapsed = sandbox.control.now() - started  # simulated sleeps + real seconds
        log = sandbox.control.requests()
        assert [r for r in log if r.status == 420] == []
        assert sum(r.status == 200 for r in log if r.path.startswith("/item/")) == 1200
        # The job really needed a second window, and did not dawdle past it.
        assert 3600 <= elapsed < 2 * 3600
        assert clock.slept > 3000
        general = [s for s in states if s.rate_class is RateClass.GENERAL]
        assert general
        assert general[0].limit == 1000

    run(scenario())


def test_reads_survive_injected_5xx_and_dropped_connections(sandbox) -> None:
    app = app_entry(sandbox, "Tickets")

    async def scenario() -> None:
        client = await signed_in(sandbox)
        async with client:
            ids = await some_item_ids(client, app["app_id"], 30)
            sandbox.control.reset_log()
            sandbox.control.set_error_rate(0.1)
            sandbox.control.set_drop_rate(0.1)
            items = await asyncio.gather(*(client.item_basic(i) for i in ids * 3))
            pages = await asyncio.gather(
                *(client.filter_items(app["app_id"], offset=o, limit=5) for o in range(0, 50, 5))
            )
            counts = await asyncio.gather(*(client.count_items(app["app_id"]) for _ in range(10)))
            sandbox.control.reset_faults()
            assert [i.item_id for i in items] == ids * 3
            assert [p.offset for p in pages] == list(range(0, 50, 5))
            assert all(len(p.items) == min(5, max(0, p.filtered - p.offset)) for p in pages)
            assert sum(len(p.items) for p in pages) == 50
            assert len(set(counts)) == 1
            log = sandbox.control.requests()
            failures = [r for r in log if r.status != 200]
            assert failures  # faults really happened

    run(scenario())


def test_write_lost_in_transit_is_checked_not_blindly_resent(sandbox) -> None:
    app = app_entry(sandbox, "Tickets")

    async def scenario() -> None:
        async def heal(_seconds: float) -> None:
            # The re-read's first retry: the network comes back.
            sandbox.control.reset_faults()
            await asyncio.sleep(0)

        client = await signed_in(sandbox, sleep=heal)
        async with client:
            field_id = await text_field_id(client, app["app_id"])
            item_id = (await some_item_ids(client, app["app_id"], 1))[0]
            revision = (await client.item_basic(item_id)).revision
            # Every connection drops before Podio handles it: the write did not land.
            sandbox.control.reset_log()
            sandbox.control.set_drop_rate(1.0)
            outcome = await client.update_item_safely(
                item_id, {str(field_id): "after drop"}, revision=revision
            )
            assert outcome.resent
            assert not outcome.confirmed_after_unknown
            assert outcome.revision == revision + 1
            log = sandbox.control.requests()
            puts = [r for r in log if r.method == "PUT"]
            assert [r.status for r in puts] == [0, 200]  # 0 = dropped, then the checked resend
            assert [r.method for r in log] == ["PUT", "GET", "GET", "PUT"]

    run(scenario())


def test_write_that_landed_is_confirmed_by_revision(sandbox) -> None:
    app = app_entry(sandbox, "Tickets")

    async def scenario() -> None:
        config = TransportConfig(base_url=sandbox.url, read_timeout=0.3)
        healed = asyncio.Event()

        async def heal_then_wait(_seconds: float) -> None:
            # First retry of the re-read: stop the delay, and let the slow PUT (and the re-read
            # that timed out) land in the sandbox before the next try.
            sandbox.control.set_latency(0.0)
            healed.set()
            assert await asyncio.to_thread(sandbox.control.wait_idle)

        client = await signed_in(sandbox, config=config, sleep=heal_then_wait)
        async with client:
            field_id = await text_field_id(client, app["app_id"])
            item_id = (await some_item_ids(client, app["app_id"], 1))[0]
            revision = (await client.item_basic(item_id)).revision
            sandbox.control.reset_log()
            sandbox.control.set_latency(0.5)  # slower than our read timeout
            outcome = await client.update_item_safely(
                item_id, {str(field_id): "landed while we waited"}, revision=revision
            )
            assert healed.is_set()
            assert outcome.confirmed_after_unknown
            assert not outcome.resent
            assert outcome.revision == revision + 1
            puts = [r for r in sandbox.control.requests() if r.method == "PUT"]
            assert len(puts) == 1  # never sent twice

    run(scenario())
