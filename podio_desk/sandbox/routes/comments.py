"""Comments on items."""

from __future__ import annotations

from typing import TYPE_CHECKING

from podio_desk.sandbox.errors import invalid_value
from podio_desk.sandbox.model import Comment
from podio_desk.sandbox.routes.common import item_for, reply, write_switches

if TYPE_CHECKING:
    from podio_desk.sandbox.server import Ctx, Reply


def comment_list(ctx: Ctx, item_id: str) -> Reply:
    item = item_for(ctx, item_id)
    return reply([ctx.state.comment_json(c) for c in ctx.state.comments.get(item.item_id, [])])


def comment_add(ctx: Ctx, item_id: str) -> Reply:
    write_switches(ctx)
    ctx.query_flag("alert_invite", False)
    state = ctx.state
    item = item_for(ctx, item_id)
    body = ctx.body
    if not isinstance(body, dict) or not isinstance(body.get("value"), str) or not body["value"]:
        raise invalid_value("A comment needs a non-empty 'value'")
    file_ids = body.get("file_ids", []) or []
    for file_id in file_ids:
        if file_id not in state.files:
            raise invalid_value(f"Invalid file id {file_id!r}")
    comment = Comment(
        state.new_comment_id(),
        item.item_id,
        body["value"],
        state.clock.now_text(),
        ctx.actor,
        body.get("external_id"),
        list(file_ids),
    )
    state.comments.setdefault(item.item_id, []).append(comment)
    state.invalidate(item)
    return reply(state.comment_json(comment))
