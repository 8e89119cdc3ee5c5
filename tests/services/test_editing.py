"""services/editing.py without Qt: 400 mapping, saving over HTTP."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient
from podio_desk.api.errors import BadRequest, ErrorBody
from podio_desk.domain.fields import EMPTY, TextValue
from podio_desk.domain.items import ItemChange
from podio_desk.sandbox import Sandbox
from podio_desk.services.editing import (
    Conflicted,
    Deleted,
    EditingService,
    Invalid,
    ItemSaved,
    NothingToSave,
    Saved,
    problems_from_bad_request,
)
from tests.domain.test_changes import APP
from tests.services.test_sync_sandbox import as_other


def test_two_saves_of_one_item_at_once_both_land_one_after_the_other(sandbox: Sandbox) -> None:
    async def scenario() -> None:
        client, service = await _service(sandbox)
        try:
            item_id = int(sandbox.info["richest_item_id"])
            app, item = await service.load(item_id)
            title = app.field("title")
            assert title is not None
            first, second = await asyncio.gather(
                service.save(app, item, ItemChange({title.field_id: TextValue("First")})),
                service.save(app, item, ItemChange({title.field_id: TextValue("Second")})),
            )
            assert isinstance(first, Saved)
            assert isinstance(second, Saved)
            assert second.item.revision == item.revision + 2
            assert (await client.item(item_id)).title == "Second"
        finally:
            await client.aclose()

    asyncio.run(scenario())


def test_bad_request_names_the_field() -> None:
    body = ErrorBody(
        error="invalid_value",
        error_description="Invalid currency 'GBP' (field 'Amount', amount)",
        error_parameters={"field_id": 11, "external_id": "amount"},
        error_propagate=True,
    )
    (problem,) = problems_from_bad_request(APP, BadRequest(status=400, body=body))
    assert problem.field_id == 11
    vague = problems_from_bad_request(
        APP, BadRequest(status=400, body=ErrorBody(error="invalid_value"))
    )
    assert vague[0].field_id is None


# ---------------------------------------------------------------- over HTTP, against the sandbox


async def _service(sandbox: Sandbox) -> tuple[PodioClient, EditingService]:
    info = sandbox.info
    client = PodioClient(
        ClientCredentials(str(info["client_id"]), str(info["client_secret"])),
        base_url=sandbox.url,
    )
    await client.session.sign_in_password(str(info["username"]), str(info["password"]))
    return client, EditingService(client)


def test_save_conflict_and_deleted_over_http(sandbox: Sandbox) -> None:
    async def scenario() -> None:
        client, service = await _service(sandbox)
        events: list[Any] = []
        service.events.subscribe(events.append)
        try:
            item_id = int(sandbox.info["richest_item_id"])
            app, item = await service.load(item_id)
            title = app.field("title")
            assert title is not None
            # Nothing changed: nothing sent.
            same = await service.save(
                app, item, ItemChange({title.field_id: item.value(title.field_id)})
            )
            assert isinstance(same, NothingToSave)
            invalid = await service.save(app, item, ItemChange({title.field_id: EMPTY}))
            assert isinstance(invalid, Invalid)
            saved = await service.save(app, item, ItemChange({title.field_id: TextValue("One")}))
            assert isinstance(saved, Saved)
            assert saved.item.title == "One"
            assert isinstance(events[-1], ItemSaved)
            # Saving again later from the old revision (an editor that held changes while the
            # table saved): a conflict, so neither save silently replaces the other.
            mine = await service.save(app, item, ItemChange({title.field_id: TextValue("Uno")}))
            assert isinstance(mine, Conflicted)
            assert (await client.item(item_id)).title == "One"
            # Someone else's write in between: a conflict, nothing overwritten.
            as_other(sandbox, "PUT", f"/item/{item_id}", {"fields": {"title": "Theirs"}})
            stale = await service.save(app, item, ItemChange({title.field_id: TextValue("Two")}))
            assert isinstance(stale, Conflicted)
            assert (await client.item(item_id)).title == "Theirs"
            kept = await service.resolve(app, stale.conflict)
            assert isinstance(kept, Saved)
            assert kept.item.title == "Two"
            await client.delete_item(item_id)
            gone = await service.save(app, kept.item, ItemChange({title.field_id: TextValue("3")}))
            assert isinstance(gone, Deleted)
            assert json.loads(gone.unsaved_json)["fields"][0]["text"] == "3"
        finally:
            await client.aclose()

    asyncio.run(scenario())
