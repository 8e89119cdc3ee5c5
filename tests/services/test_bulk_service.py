"""The bulk service against the sandbox over real HTTP: choosing items, previews, conflicts,
lost answers, pause/resume/cancel, 420 waits, undo with items edited in between, retries,
CSV/XLSX upserts and result logs."""

from __future__ import annotations

import asyncio
import csv
import gc
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient
from podio_desk.api.ratelimit import QueueChanged, RateLimitWait
from podio_desk.api.transport import TransportConfig
from podio_desk.domain.bulk import parse_operation
from podio_desk.sandbox import Sandbox
from podio_desk.services.bulk_plan import BulkOptions, BulkPlan, Selection
from podio_desk.services.bulk_run import BulkJobEnded, BulkProgress, JobControl
from podio_desk.services.session import AccountSession
from tests.services.test_sync_sandbox import as_other


@pytest.fixture(autouse=True)
def _collect_qt_garbage_here() -> None:
    """Qt objects of earlier tests are collected here, on the main thread (see
    tests/services/test_workspace.py)."""
    gc.collect()


@asynccontextmanager
async def session_for(
    sandbox: Sandbox, tmp_path: Path, config: TransportConfig | None = None
) -> AsyncIterator[AccountSession]:
    info = sandbox.info
    client = PodioClient(
        ClientCredentials(str(info["client_id"]), str(info["client_secret"])),
        base_url=sandbox.url,
        config=config,
    )
    await client.session.sign_in_password(str(info["username"]), str(info["password"]))
    session = await AccountSession.open("acct", "Sandbox", client, tmp_path / "cache")
    try:
        yield session
    finally:
        await session.aclose()
        await client.aclose()


def field_id(sandbox: Sandbox, external_id: str, app: str = "Tickets") -> int:
    fields = sandbox.state.apps[sandbox.app_id(app)].fields
    return next(f.field_id for f in fields if f.external_id == external_id)


def ticket_ids(sandbox: Sandbox) -> list[int]:
    return list(sandbox.state.app_items[sandbox.app_id("Tickets")])


def revision(sandbox: Sandbox, item_id: int) -> int:
    return sandbox.state.items[item_id].revision


def value(sandbox: Sandbox, item_id: int, external_id: str) -> Any:
    return sandbox.state.items[item_id].values.get(field_id(sandbox, external_id))


def puts(sandbox: Sandbox) -> list[str]:
    return [r.path for r in sandbox.control.requests() if r.method == "PUT"]


def test_ids_and_links_fetch_only_what_the_cache_lacks_and_flag_noops_and_invalid(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with session_for(sandbox, tmp_path) as session:
            app_id = sandbox.app_id("Tickets")
            ids = ticket_ids(sandbox)[:6]
            for n, item_id in enumerate(ids):  # the first "Closed" (4), the others "New" (1)
                sandbox.state.items[item_id].values[field_id(sandbox, "status")] = [
                    4 if n == 0 else 1
                ]
            link = sandbox.state.item_link(sandbox.state.items[ids[1]])
            sandbox.control.reset_log()
            plan = await session.bulk.plan(
                app_id,
                Selection(links=(str(ids[0]), link, *map(str, ids[2:]))),
                [parse_operation("set", "status=Closed")],
            )
            reads = len(sandbox.control.requests())
            assert [item.item_id for item in plan.items] == ids
            assert [item.status for item in plan.items] == ["noop"] + ["change"] * 5
            change = plan.items[1].changed_fields[0]
            assert (change.label, change.new_text, change.new_input) == ("Status", "Closed", [4])
            assert plan.counts.changed == 5
            assert plan.api_calls == 5
            assert "5 calls, about" in plan.cost()
            # Planning again reads the items it cached the first time: no call.
            sandbox.control.reset_log()
            again = await session.bulk.plan(
                app_id,
                Selection(item_ids=tuple(ids)),
                [parse_operation("increment", "progress=500")],
            )
            assert sandbox.control.requests() == []
            assert reads >= 6
            assert {item.status for item in again.items} == {"invalid"}
            assert "progress" in again.items[0].issues[0].lower()

    asyncio.run(scenario())


def test_a_conflict_is_never_overwritten_and_a_retry_plans_it_again(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with session_for(sandbox, tmp_path) as session:
            app_id = sandbox.app_id("Tickets")
            ids = ticket_ids(sandbox)[:10]
            plan = await session.bulk.plan(
                app_id, Selection(item_ids=tuple(ids)), [parse_operation("set", "title=Renamed")]
            )
            job_id = await session.bulk.start(plan)
            # Someone else edits one item between the preview and the run.
            title_id = field_id(sandbox, "title")
            as_other(sandbox, "PUT", f"/item/{ids[3]}", {"fields": {str(title_id): "Theirs"}})
            theirs = revision(sandbox, ids[3])
            report = await session.bulk.run(job_id)
            assert report.state == "done"
            assert (report.counts.done, report.counts.conflict) == (9, 1)
            assert value(sandbox, ids[3], "title") == ["Theirs"]  # not overwritten
            assert revision(sandbox, ids[3]) == theirs
            (conflicted,) = await (await session.bulk.journal()).entries(
                job_id, states=("conflict",)
            )
            assert conflicted.item_id == ids[3]
            assert conflicted.error == "conflict: changed by someone else since the preview"

            retry = await session.bulk.retry_plan(job_id)
            assert [(i.item_id, i.status) for i in retry.items] == [(ids[3], "change")]
            assert retry.items[0].changes[0].old_text == "Theirs"
            retry_job = await session.bulk.start(retry, parent_job_id=job_id)
            assert (await session.bulk.run(retry_job)).counts.done == 1
            assert value(sandbox, ids[3], "title") == ["Renamed"]

    asyncio.run(scenario())


def test_a_job_where_each_item_has_its_own_value_retries_each_with_its_own(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with session_for(sandbox, tmp_path) as session:
            app_id = sandbox.app_id("Tickets")
            ids = ticket_ids(sandbox)[:3]
            per_item = {
                item_id: [parse_operation("set", f"title=Row {n}")] for n, item_id in enumerate(ids)
            }
            plan = await session.bulk.plan_each(app_id, per_item)
            # A saved plan keeps each item's own operations.
            assert BulkPlan.from_json(plan.to_json()).per_item == plan.per_item
            job_id = await session.bulk.start(plan)
            title_id = field_id(sandbox, "title")
            for item_id in ids[1:]:
                as_other(sandbox, "PUT", f"/item/{item_id}", {"fields": {str(title_id): "Theirs"}})
            report = await session.bulk.run(job_id)
            assert (report.counts.done, report.counts.conflict) == (1, 2)

            retry = await session.bulk.retry_plan(job_id)
            assert [(i.item_id, i.changes[0].old_text, i.changes[0].new_text)
                    for i in retry.items] == [(ids[1], "Theirs", "Row 1"),
                                              (ids[2], "Theirs", "Row 2")]  # fmt: skip
            retry_job = await session.bulk.start(retry, parent_job_id=job_id)
            assert (await session.bulk.run(retry_job)).counts.done == 2
            assert [value(sandbox, i, "title") for i in ids] == [["Row 0"], ["Row 1"], ["Row 2"]]

    asyncio.run(scenario())


def test_a_lost_answer_is_confirmed_by_reading_never_sent_twice(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """The sandbox applies each write but answers after the client stopped waiting; the job
    stops (Podio unreachable), and the next run reads the items instead of writing again."""

    async def scenario() -> None:
        quick = TransportConfig(read_timeout=0.3, read_retries=1, retry_base=0.01, retry_cap=0.02)
        ids = ticket_ids(sandbox)[:4]
        before = {item_id: revision(sandbox, item_id) for item_id in ids}
        async with session_for(sandbox, tmp_path, quick) as session:
            plan = await session.bulk.plan(
                sandbox.app_id("Tickets"),
                Selection(item_ids=tuple(ids)),
                [parse_operation("increment", "amount=5")],
            )
            job_id = await session.bulk.start(plan)
            sandbox.control.set_latency(0.6)
            report = await session.bulk.run(job_id)
            assert report.state == "paused"
            assert "cannot be reached" in report.reason
            sandbox.control.set_latency(0)
        # The writes the client gave up on are still in the sandbox: let them land.
        assert await asyncio.to_thread(sandbox.control.wait_idle)
        applied = {i for i in ids if revision(sandbox, i) == before[i] + 1}
        assert applied  # at least the writes in flight arrived
        sandbox.control.reset_log()
        async with session_for(sandbox, tmp_path) as session:
            assert [s.job_id for s in await session.bulk.resumable()] == [job_id]
            report = await session.bulk.run(job_id)
            assert report.state == "done"
            assert report.counts.done == 4
        sent_again = {int(path.rsplit("/", 1)[1]) for path in puts(sandbox)}
        assert not sent_again & applied  # what arrived was confirmed by a read, not resent
        for item_id in ids:
            assert revision(sandbox, item_id) == before[item_id] + 1

    asyncio.run(scenario())


def test_pause_resume_and_cancel(sandbox: Sandbox, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with session_for(sandbox, tmp_path) as session:
            ids = ticket_ids(sandbox)[:30]
            plan = await session.bulk.plan(
                sandbox.app_id("Tickets"),
                Selection(item_ids=tuple(ids)),
                [parse_operation("increment", "progress=1")],
            )
            job_id = await session.bulk.start(plan)
            control = JobControl()
            states: list[str] = []
            paused = asyncio.Event()
            resumed = asyncio.Event()

            def on_event(event: Any) -> None:
                if isinstance(event, BulkProgress):
                    states.append(event.state)
                    if event.done >= 3 and not control.paused and not paused.is_set():
                        control.pause()
                    if event.state == "paused":
                        paused.set()
                    if resumed.is_set() and event.done >= 10 and not control.cancelled:
                        control.cancel()

            session.events.subscribe(on_event)
            sandbox.control.set_latency(0.02)
            running = asyncio.create_task(session.bulk.run(job_id, control))
            await asyncio.wait_for(paused.wait(), 30)
            status = await session.bulk.status(job_id)
            assert status.state == "paused"
            assert status.running_in is not None  # held by this process, not resumable
            assert not status.resumable
            resumed.set()
            control.resume()
            report = await running
            assert report.state == "cancelled"
            assert report.counts.open == 0
            assert report.counts.done + report.counts.skipped == 30
            assert report.counts.skipped > 0
            assert "paused" in states

    asyncio.run(scenario())


def test_a_420_storm_pauses_every_request_until_the_wait_is_over(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with session_for(sandbox, tmp_path) as session:
            ids = ticket_ids(sandbox)[:12]
            plan = await session.bulk.plan(
                sandbox.app_id("Tickets"),
                Selection(item_ids=tuple(ids)),
                [parse_operation("set", "title=Stormy")],
            )
            job_id = await session.bulk.start(plan)
            admitted: list[float] = []
            waits: list[tuple[float, float]] = []
            in_flight = 0

            def on_scheduler(event: Any) -> None:
                nonlocal in_flight
                if isinstance(event, RateLimitWait):
                    waits.append((time.monotonic(), event.until))
                elif isinstance(event, QueueChanged):
                    if event.in_flight > in_flight:
                        admitted.append(time.monotonic())
                    in_flight = event.in_flight

            # Every request the scheduler lets go, and every wait it announces. (A request
            # let go just before a 420 arrived is in flight during the wait: that is allowed.)
            session.client.scheduler.events.subscribe(on_scheduler)
            sandbox.control.start_rate_limit_storm(count=2, wait_seconds=1)
            report = await session.bulk.run(job_id)
            assert report.state == "done"
            assert report.counts.done == plan.counts.changed > 0
            assert waits
            assert admitted
            for began, until in waits:
                assert not [t for t in admitted if began < t < until - 0.01]

    asyncio.run(scenario())


def test_undo_restores_all_but_the_items_edited_since_and_lists_them(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with session_for(sandbox, tmp_path) as session:
            ids = ticket_ids(sandbox)[:20]
            old = {i: (value(sandbox, i, "amount"), value(sandbox, i, "priority")) for i in ids}
            plan = await session.bulk.plan(
                sandbox.app_id("Tickets"),
                Selection(item_ids=tuple(ids)),
                [parse_operation("increment", "amount=10"), parse_operation("set", "priority=Low")],
            )
            job_id = await session.bulk.start(plan)
            assert (await session.bulk.run(job_id)).counts.done == 20
            amount_id = field_id(sandbox, "amount")
            for item_id in ids[:2]:
                as_other(sandbox, "PUT", f"/item/{item_id}", {"fields": {str(amount_id): "7"}})
            edited = {i: revision(sandbox, i) for i in ids[:2]}
            undo_id = await session.bulk.undo(job_id)
            assert await session.bulk.undo(job_id) == undo_id  # asked twice: the same job
            report = await session.bulk.run(undo_id)
            assert report.state == "done"
            assert (report.counts.done, report.counts.skipped) == (18, 2)
            skipped = await session.bulk.skipped_items(undo_id)
            assert sorted(item_id or 0 for item_id, _title, _why in skipped) == sorted(ids[:2])
            assert all(
                "changed since the job (by you or someone else)" in why for _i, _t, why in skipped
            )
            for item_id in ids[2:]:
                amount, priority = old[item_id]
                assert Decimal(str(value(sandbox, item_id, "amount")[0])) == Decimal(str(amount[0]))
                assert value(sandbox, item_id, "priority") == priority
            for item_id in ids[:2]:
                assert value(sandbox, item_id, "amount") in (["7"], [7], ["7.0000"], [Decimal(7)])
                assert revision(sandbox, item_id) == edited[item_id]  # untouched

    asyncio.run(scenario())


def test_csv_upsert_by_a_unique_field_creates_only_when_asked_and_writes_a_log(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with session_for(sandbox, tmp_path) as session:
            app_id = sandbox.app_id("Tickets")
            ids = ticket_ids(sandbox)[:3]
            titles = [value(sandbox, i, "title")[0] for i in ids]
            rows = [{"Subject": t, "New amount": f"{n}.5"} for n, t in enumerate(titles, 1)]
            rows.append({"Subject": "Brand new ticket", "New amount": "9"})
            operations = [
                parse_operation("column", "amount=New amount"),
                parse_operation("column", "title=Subject"),
            ]
            refused = await session.bulk.plan(
                app_id, Selection(table=tuple(rows), key="Subject"), operations
            )  # the field's label names the column too
            assert [i.status for i in refused.items] == ["change"] * 3 + ["missing"]
            plan = await session.bulk.plan(
                app_id,
                Selection(table=tuple(rows), key="title", create_missing=True),
                operations,
                BulkOptions(silent=True),
            )
            assert [i.status for i in plan.items] == ["change"] * 3 + ["create"]
            assert [i.row for i in plan.items] == [1, 2, 3, 4]
            job_id = await session.bulk.start(plan)
            report = await session.bulk.run(job_id)
            assert report.counts.done == 4
            for n, item_id in enumerate(ids, 1):
                assert Decimal(str(value(sandbox, item_id, "amount")[0])) == Decimal(f"{n}.5")
            created = [
                i for i in ticket_ids(sandbox) if value(sandbox, i, "title") == ["Brand new ticket"]
            ]
            assert len(created) == 1
            log_path = tmp_path / "log.csv"
            rows_written = await session.bulk.write_log(job_id, log_path)
            with log_path.open(encoding="utf-8-sig") as handle:
                log = list(csv.DictReader(handle))
            assert rows_written == len(log) == 4 + 1  # 3 amounts, 1 new item with 2 fields
            assert {row["outcome"] for row in log} == {"done"}
            assert log[0]["field"] == "Amount"
            assert log[0]["new"] == "1.50"

            xlsx = tmp_path / "log.xlsx"
            await session.bulk.write_log(job_id, xlsx)
            import openpyxl

            sheet = openpyxl.load_workbook(xlsx, read_only=True).worksheets[0]
            header, *data = list(sheet.iter_rows(values_only=True))
            assert header[:4] == ("job", "item_id", "title", "field")
            assert len(data) == 5

            # Undo puts the amounts back and deletes the item the job created.
            undo = await session.bulk.run(await session.bulk.undo(job_id))
            assert (undo.counts.done, undo.counts.skipped) == (4, 0)
            assert sandbox.state.items[created[0]].deleted
            assert value(sandbox, ids[0], "title") == [titles[0]]

    asyncio.run(scenario())


def test_a_create_whose_answer_is_lost_is_looked_up_by_its_external_id_never_made_twice(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """Two new items from a file: the first create lands but its answer comes too late
    (found by its external id, not sent again); the second is refused with a 503 (not
    found, so sent again). Each exists once at the end."""
    app_id = sandbox.app_id("Tickets")
    creates = f"/item/app/{app_id}/"

    def titled(title: str) -> list[int]:
        return [i for i in ticket_ids(sandbox) if value(sandbox, i, "title") == [title]]

    def posts() -> int:
        return sum(
            1 for r in sandbox.control.requests() if r.method == "POST" and r.path == creates
        )

    async def heal_once_sent(heal: Any) -> None:
        # The fault is lifted once the create went out, well within the lookup's grace.
        while True:
            if posts():
                heal()
                return
            await asyncio.sleep(0.02)

    async def create_one(session: AccountSession, title: str, fault: Any, heal: Any) -> Any:
        plan = await session.bulk.plan(
            app_id,
            Selection(table=({"Subject": title},), key="title", create_missing=True),
            [parse_operation("column", "title=Subject")],
        )
        assert [i.status for i in plan.items] == ["create"]
        job_id = await session.bulk.start(plan)
        sandbox.control.reset_log()
        fault()
        healer = asyncio.create_task(heal_once_sent(heal))
        report = await session.bulk.run(job_id)
        await healer
        return report

    async def scenario() -> None:
        quick = TransportConfig(read_timeout=0.3, read_retries=1, retry_base=0.01, retry_cap=0.02)
        control = sandbox.control
        async with session_for(sandbox, tmp_path, quick) as session:
            session.bulk.create_grace = 5.0
            landed = await create_one(
                session,
                "Landed late",
                lambda: control.set_latency(0.6),
                lambda: control.set_latency(0),
            )
            assert (landed.state, landed.counts.done) == ("done", 1)
            assert posts() == 1  # found by its external id, not sent again
            assert len(titled("Landed late")) == 1

            refused = await create_one(
                session,
                "Refused first",
                lambda: control.set_error_rate(1.0, (503,)),
                lambda: control.set_error_rate(0.0),
            )
            assert (refused.state, refused.counts.done) == ("done", 1)
            assert posts() == 2  # not found after the 503: sent again
            assert len(titled("Refused first")) == 1

    asyncio.run(scenario())


def test_an_xlsx_file_matched_by_item_id(sandbox: Sandbox, tmp_path: Path) -> None:
    import openpyxl

    ids = ticket_ids(sandbox)[:2]
    path = tmp_path / "rows.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["item_id", "Effort"])
    for item_id in ids:
        sheet.append([item_id, "2h"])
    workbook.save(path)
    from podio_desk.services.bulk_plan import read_table

    async def scenario() -> None:
        async with session_for(sandbox, tmp_path) as session:
            plan = await session.bulk.plan(
                sandbox.app_id("Tickets"),
                Selection(table=read_table(path), key="item_id"),
                [parse_operation("column", "effort=Effort")],
            )
            assert [i.item_id for i in plan.items] == ids
            assert {c.new_input for i in plan.items for c in i.changes} == {7200}
            job_id = await session.bulk.start(plan)
            assert (await session.bulk.run(job_id)).counts.done == 2
            assert value(sandbox, ids[0], "effort") == [7200]

    asyncio.run(scenario())


def test_deletes_read_the_revision_first_and_export_before(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with session_for(sandbox, tmp_path) as session:
            ids = ticket_ids(sandbox)[-3:]
            plan = await session.bulk.plan(
                sandbox.app_id("Tickets"), Selection(item_ids=tuple(ids)),
                [parse_operation("delete")],
            )  # fmt: skip
            assert plan.counts.deletes == 3
            assert plan.api_calls == 6
            assert any("cannot restore deleted items" in w for w in plan.warnings)
            export = tmp_path / "deleted.csv"
            assert await session.bulk.export_deleted(plan, export) == 3
            with export.open(encoding="utf-8-sig") as handle:
                assert [int(r["item_id"]) for r in csv.DictReader(handle)] == ids
            title_id = field_id(sandbox, "title")
            as_other(sandbox, "PUT", f"/item/{ids[0]}", {"fields": {str(title_id): "Keep me"}})
            job_id = await session.bulk.start(plan)
            report = await session.bulk.run(job_id)
            assert (report.counts.done, report.counts.conflict) == (2, 1)
            assert not sandbox.state.items[ids[0]].deleted
            assert all(sandbox.state.items[i].deleted for i in ids[1:])
            undo = await session.bulk.run(await session.bulk.undo(job_id))
            assert undo.counts.skipped == 2  # Podio cannot bring them back; listed

    asyncio.run(scenario())


def test_progress_and_end_events_reach_the_session_hub(sandbox: Sandbox, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with session_for(sandbox, tmp_path) as session:
            events: list[Any] = []
            session.events.subscribe(events.append)
            ids = ticket_ids(sandbox)[:5]
            plan = await session.bulk.plan(
                sandbox.app_id("Tickets"), Selection(item_ids=tuple(ids)),
                [parse_operation("add", "tags=bulk")],
            )  # fmt: skip
            job_id = await session.bulk.start(plan)
            await session.bulk.run(job_id)
            progress = [e for e in events if isinstance(e, BulkProgress)]
            assert progress[0].state == "running"
            assert progress[-1].state == "done"
            assert progress[-1].done == 5
            assert progress[-1].eta_seconds == 0
            (ended,) = [e for e in events if isinstance(e, BulkJobEnded)]
            assert (ended.job_id, ended.state) == (job_id, "done")
            assert all(sandbox.state.items[i].tags[-1] == "bulk" for i in ids)

    asyncio.run(scenario())


def test_updates_answered_without_a_revision_are_done_with_the_revision_read_back(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """Podio may answer an update with 204 or `null` (docs/podio-api.md): the job counts it
    done, and keeps the item's new revision (read once) so undo can check it."""

    async def scenario() -> None:
        ids = ticket_ids(sandbox)[:3]
        before = {item_id: revision(sandbox, item_id) for item_id in ids}
        sandbox.control.answer_updates_with("204")
        async with session_for(sandbox, tmp_path) as session:
            plan = await session.bulk.plan(
                sandbox.app_id("Tickets"),
                Selection(item_ids=tuple(ids)),
                [parse_operation("increment", "amount=5")],
            )
            job_id = await session.bulk.start(plan)
            report = await session.bulk.run(job_id)
            assert report.state == "done"
            assert report.counts.done == 3
            undo_id = await session.bulk.undo(job_id)
            undone = await session.bulk.run(undo_id)
            assert undone.counts.done == 3
        for item_id in ids:
            assert revision(sandbox, item_id) == before[item_id] + 2

    asyncio.run(scenario())
