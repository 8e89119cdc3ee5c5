"""Finding a Podio link's app and item within one account, against the sandbox over HTTP:
Podio's three calls for a link never seen, the cache alone for one seen before, None for
another account's link, and a sentence for what cannot be opened."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from podio_desk.domain.links import parse_podio_link
from podio_desk.services.links import LinkNotOpenedError
from tests.services.test_workspace import close, open_session


def paths(sandbox: Any) -> list[str]:
    return [entry.path for entry in sandbox.control.requests() if entry.path != "/oauth/token"]


def links(sandbox: Any, app_name: str) -> tuple[int, int, str, str]:
    state = sandbox.state
    app_id = sandbox.app_id(app_name)
    item_id = state.live_items(app_id)[1]
    item = state.items[item_id]
    return app_id, item_id, state.app_link(state.apps[app_id]), state.item_link(item)


def test_a_link_never_seen_is_found_with_three_calls_then_from_the_cache(sandbox, tmp_path):
    app_id, item_id, app_link, item_link = links(sandbox, "Books")
    number = sandbox.state.items[item_id].app_item_id

    async def scenario() -> None:
        session = await open_session(sandbox, tmp_path)
        try:
            link = parse_podio_link(item_link)
            assert await session.find_link(link, cache_only=True) is None
            sandbox.control.reset_log()
            target = await session.find_link(link)
            assert target is not None
            assert (target.app_id, target.item_id, target.app_item_id) == (
                app_id, item_id, number,
            )  # fmt: skip
            assert (target.app_name, target.item_name) == ("Books", "Book")
            space_id = sandbox.state.apps[app_id].space_id
            assert paths(sandbox) == [
                "/space/url",
                f"/app/space/{space_id}/",
                f"/app/{app_id}/item/{number}",
            ]
            # The tree lists the space's apps and a sync copies the app's items: both land in
            # the cache, and the same link is then found without Podio.
            assert [orgs async for orgs, _ in session.tree.orgs()][-1]
            assert [apps async for apps, _ in session.tree.apps(space_id)][-1]
            await session.sync_app(app_id)
            sandbox.control.reset_log()
            assert await session.find_link(link, cache_only=True) == target
            assert await session.find_link(parse_podio_link(app_link)) == dataclasses.replace(
                target, item_id=None, item_name="", app_item_id=None
            )
            assert paths(sandbox) == []
        finally:
            await close(session)

    asyncio.run(scenario())


def test_another_accounts_link_is_none_and_a_missing_item_says_so(sandbox, tmp_path):
    _app_id, _item_id, app_link, _item_link = links(sandbox, "Notes")

    async def scenario() -> None:
        session = await open_session(sandbox, tmp_path)
        try:
            elsewhere = parse_podio_link("https://podio.com/nobody/nowhere/apps/notes/items/1")
            assert await session.find_link(elsewhere) is None
            no_app = parse_podio_link(app_link.replace("/apps/notes", "/apps/no-such-app"))
            assert await session.find_link(no_app) is None
            with pytest.raises(LinkNotOpenedError) as refused:
                await session.find_link(parse_podio_link(f"{app_link}/items/999999"))
            assert refused.value.user_message == (
                "Notes has no Note number 999999 that you can see (it may have been deleted)."
            )
        finally:
            await close(session)

    asyncio.run(scenario())


def test_offline_a_link_the_cache_does_not_know_says_so(sandbox, tmp_path):
    _app_id, _item_id, _app_link, item_link = links(sandbox, "Books")

    async def scenario() -> None:
        session = await open_session(sandbox, tmp_path)
        try:
            sandbox.control.set_drop_rate(1.0)
            with pytest.raises(LinkNotOpenedError) as refused:
                await session.find_link(parse_podio_link(item_link))
            assert refused.value.user_message == (
                "Podio cannot be reached and the local cache does not know this link's app."
            )
        finally:
            sandbox.control.reset_faults()
            await close(session)

    asyncio.run(scenario())
