"""Preview rows a new user met (the sandbox over real HTTP): a foreign link among pasted ids is
listed as not found and the rest is planned; a CSV row matching nothing without --create says
so; a date shift on an empty date is no change at all."""

from __future__ import annotations

import asyncio
from pathlib import Path

from podio_desk.domain.bulk import parse_operation
from podio_desk.sandbox import Sandbox
from podio_desk.services.bulk_plan import Selection
from tests.services.test_bulk_service import session_for, ticket_ids, value


def test_a_foreign_link_is_listed_as_not_found_and_the_others_are_planned(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> None:
        ids = ticket_ids(sandbox)[:2]
        other_app = next(iter(sandbox.state.app_items[sandbox.app_id("Companies")]))
        foreign = (
            "https://example.com/not/podio",
            sandbox.state.item_link(sandbox.state.items[other_app]),
        )
        async with session_for(sandbox, tmp_path) as session:
            plan = await session.bulk.plan(
                sandbox.app_id("Tickets"),
                Selection(links=(str(ids[0]), *foreign, str(ids[1]))),
                [parse_operation("set", "title=Renamed")],
            )
        assert [i.item_id for i in plan.items if i.status == "change"] == ids
        missing = [i for i in plan.items if i.status == "missing"]
        assert [i.title for i in missing] == list(foreign)
        assert all(i.issues[0].startswith("not found: ") for i in missing)
        assert plan.counts.changed == 2

    asyncio.run(scenario())


def test_an_unmatched_row_without_create_says_no_match_skipped(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async def scenario() -> None:
        rows = ({"title": "No such ticket", "amount": "3"},)
        async with session_for(sandbox, tmp_path) as session:
            plan = await session.bulk.plan(
                sandbox.app_id("Tickets"),
                Selection(table=rows, key="title"),
                [parse_operation("column", "amount=amount")],
            )
        (row,) = plan.items
        assert (row.status, row.item_id, row.row) == ("missing", None, 1)
        assert row.issues == ("no match (skipped; --create to create)",)

    asyncio.run(scenario())


def test_a_shift_of_an_empty_date_is_no_change(sandbox: Sandbox, tmp_path: Path) -> None:
    async def scenario() -> None:
        dated = next(i for i in ticket_ids(sandbox) if value(sandbox, i, "due"))
        empty = next(i for i in ticket_ids(sandbox) if not value(sandbox, i, "due"))
        async with session_for(sandbox, tmp_path) as session:
            plan = await session.bulk.plan(
                sandbox.app_id("Tickets"),
                Selection(item_ids=(empty, dated)),
                [parse_operation("shift", "due=+3d"), parse_operation("set", "title=Moved")],
            )
        by_id = {item.item_id: item for item in plan.items}
        assert [c.external_id for c in by_id[empty].changes] == ["title"]
        assert [c.external_id for c in by_id[dated].changes] == ["due", "title"]

    asyncio.run(scenario())
