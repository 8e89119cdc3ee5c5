"""Shared by the route families: replies, write switches, the item a path names."""

from __future__ import annotations

from typing import TYPE_CHECKING

from podio_desk.sandbox.model import JSON, Item

if TYPE_CHECKING:
    from podio_desk.sandbox.server import Ctx, Reply


def reply(body: JSON = None, status: int = 200) -> Reply:
    from podio_desk.sandbox.server import Reply

    return Reply(status=status, body=body)


def text_reply(text: str) -> Reply:
    from podio_desk.sandbox.server import Reply

    return Reply(text=text)


def write_switches(ctx: Ctx) -> None:
    # silent/hook are accepted and validated; the sandbox has no stream or webhooks to skip.
    ctx.query_flag("silent", False)
    ctx.query_flag("hook", True)


def item_for(ctx: Ctx, item_id: str | int) -> Item:
    """The item a path names (404, or 410 once deleted), if the token may reach its app."""
    item = ctx.state.item(int(item_id))
    ctx.require_app_access(item.app_id)
    return item
