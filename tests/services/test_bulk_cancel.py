"""Cancel is final and honest, against the sandbox over real HTTP: writes left `sent` (their
answer lost, as after a kill -9) are settled by reading the items, pending ones are skipped,
undo restores what landed, and running the plan again never sends a cancelled write."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from podio_desk.api.transport import TransportConfig
from podio_desk.domain.bulk import parse_operation
from podio_desk.sandbox import Sandbox
from podio_desk.services.bulk_plan import Selection
from podio_desk.services.session import AccountSession
from tests.services.test_bulk_service import (
    puts,
    revision,
    session_for,
    ticket_ids,
    value,
)
from tests.services.test_sync_sandbox import as_other


def amount(sandbox: Sandbox, item_id: int) -> Decimal:
    return Decimal(str(value(sandbox, item_id, "amount")[0]))


async def killed_with_three_sent(session: AccountSession, sandbox: Sandbox, ids: list[int]) -> int:
    """A job of 5 writes as a kill -9 leaves it: the journal says running, entries 1-3 sent
    (their answers lost), entry 1's write reached Podio, 4-5 pending."""
    plan = await session.bulk.plan(
        sandbox.app_id("Tickets"), Selection(item_ids=tuple(ids)),
        [parse_operation("increment", "amount=5")],
    )  # fmt: skip
    job_id = await session.bulk.start(plan)
    journal = await session.bulk.journal()
    for seq in (1, 2, 3):
        assert await journal.mark_sent(job_id, seq)
    await journal.set_job_state(job_id, "running", owner_pid=999_999)
    (first,) = await journal.entries(job_id, limit=1)
    as_other(sandbox, "PUT", f"/item/{first.item_id}", first.payload)  # it landed
    return job_id


def test_cancel_settles_sent_writes_undo_restores_what_landed_and_the_plan_never_resends(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> None:
        ids = ticket_ids(sandbox)[:5]
        old = {i: amount(sandbox, i) for i in ids}
        async with session_for(sandbox, tmp_path) as session:
            job_id = await killed_with_three_sent(session, sandbox, ids)
            landed = revision(sandbox, ids[0])
            sandbox.control.reset_log()
            report = await session.bulk.cancel(job_id)
            assert report is not None
            assert report.state == "cancelled"
            assert not puts(sandbox)  # a cancel only reads
            status = await session.bulk.status(job_id)
            assert (status.state, status.changed, status.skipped, status.pending) == (
                "cancelled", 1, 4, 0,
            )  # fmt: skip
            assert not status.resumable
            assert [amount(sandbox, i) for i in ids] == [
                old[ids[0]] + 5,
                *[old[i] for i in ids[1:]],
            ]

            # The same plan again: the cancelled job, nothing sent.
            plan = await session.bulk.plan(
                sandbox.app_id("Tickets"), Selection(item_ids=tuple(ids[1:])),
                [parse_operation("increment", "amount=5")],
            )  # fmt: skip
            again = await session.bulk.run(job_id)
            assert again.state == "cancelled"
            assert not puts(sandbox)

            undo_id = await session.bulk.undo(job_id)
            undone = await session.bulk.run(undo_id)
            assert (undone.state, undone.counts.done) == ("done", 1)
            assert revision(sandbox, ids[0]) == landed + 1
            assert [amount(sandbox, i) for i in ids] == [old[i] for i in ids]

            # A new plan of the same change is a new job.
            assert await session.bulk.start(plan) != job_id

    asyncio.run(scenario())


def test_cancel_offline_skips_what_is_pending_and_checks_the_sent_writes_when_podio_answers(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> None:
        quick = TransportConfig(read_timeout=2, read_retries=0, retry_base=0.01, retry_cap=0.02)
        ids = ticket_ids(sandbox)[:5]
        old = {i: amount(sandbox, i) for i in ids}
        async with session_for(sandbox, tmp_path, quick) as session:
            job_id = await killed_with_three_sent(session, sandbox, ids)
            sandbox.control.set_error_rate(1.0, (503,))
            try:
                report = await session.bulk.cancel(job_id)
            finally:
                sandbox.control.set_error_rate(0.0)
            assert report is not None
            assert report.state == "cancelled"
            assert "3 writes sent before the cancel could not be checked" in report.reason
            status = await session.bulk.status(job_id)
            assert (status.state, status.skipped, status.pending) == ("cancelled", 2, 3)
            assert not status.resumable
            assert "3 sent before the cancel, to check when Podio answers" in status.text()

            sandbox.control.reset_log()
            undo_id = await session.bulk.undo(job_id)  # Podio answers: settled first
            status = await session.bulk.status(job_id)
            assert (status.changed, status.skipped, status.pending) == (1, 4, 0)
            assert (await session.bulk.run(undo_id)).counts.done == 1
            assert [amount(sandbox, i) for i in ids] == [old[i] for i in ids]
            assert puts(sandbox) == [f"/item/{ids[0]}"]  # the undo's one write, nothing else

    asyncio.run(scenario())
