"""The preview's cost names the budget the item writes count against, as Podio's answers
taught it (the sandbox over real HTTP), and what is left of it now."""

from __future__ import annotations

import asyncio
from pathlib import Path

from podio_desk.domain.bulk import parse_operation
from podio_desk.sandbox import Sandbox
from podio_desk.services.bulk_plan import Selection
from tests.services.test_bulk_service import session_for, ticket_ids


def test_the_cost_is_in_the_class_the_writes_are_in_with_the_budget_left_now(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> None:
        ids = ticket_ids(sandbox)[:2]
        async with session_for(sandbox, tmp_path) as session:
            app_id = sandbox.app_id("Tickets")
            first = await session.bulk.plan(
                app_id, Selection(item_ids=(ids[0],)), [parse_operation("increment", "amount=1")]
            )
            # No write answered yet: the seed class, and the budget is said to be assumed.
            assert "assumed: Podio has not said it yet" in first.cost()
            job_id = await session.bulk.start(first)
            assert (await session.bulk.run(job_id)).counts.done == 1
            (put,) = [r for r in sandbox.control.requests() if r.method == "PUT"]
            assert put.rate_class is not None
            limit = f"{sandbox.control.limits[put.rate_class]:,}".replace(",", " ")
            second = await session.bulk.plan(
                app_id, Selection(item_ids=(ids[1],)), [parse_operation("increment", "amount=1")]
            )
            cost = second.cost()
            assert f"({put.rate_class} budget: {limit}/h, " in cost
            assert cost.endswith(" left now)")

    asyncio.run(scenario())
