"""An item's revisions: list, get, diff, revert."""

from __future__ import annotations

from typing import TYPE_CHECKING

from podio_desk.sandbox.errors import not_found
from podio_desk.sandbox.routes.common import item_for, reply, write_switches

if TYPE_CHECKING:
    from podio_desk.sandbox.server import Ctx, Reply


def revision_list(ctx: Ctx, item_id: str) -> Reply:
    state = ctx.state
    item = item_for(ctx, item_id)
    out = []
    for revision in state.all_revisions(item):
        entry = state.revision_json(item, revision)
        entry["app_revision"] = 1
        out.append(entry)
    return reply(out)


def revision_get(ctx: Ctx, item_id: str, revision: str) -> Reply:
    state = ctx.state
    item = item_for(ctx, item_id)
    for record in state.all_revisions(item):
        if record.revision == int(revision):
            entry = state.revision_json(item, record)
            entry["app_revision"] = 1
            return reply(entry)
    raise not_found("No such revision")


def revision_diff(ctx: Ctx, item_id: str, rev_from: str, rev_to: str) -> Reply:
    """GET /item/{id}/revision/{from}/{to}: fields that differ, with their from/to values."""
    state = ctx.state
    item = item_for(ctx, item_id)
    before = state.values_at(item, int(rev_from))
    after = state.values_at(item, int(rev_to))
    app = state.apps[item.app_id]
    timezone = state.item_timezone(item)
    out = []
    for definition in app.fields:
        old = before.get(definition.field_id, [])
        new = after.get(definition.field_id, [])
        if old == new:
            continue
        out.append(
            {
                "field_id": definition.field_id,
                "external_id": definition.external_id,
                "type": definition.type,
                "label": definition.label,
                "config": definition.config,
                "from": state.render_values(definition, old, timezone),
                "to": state.render_values(definition, new, timezone),
            }
        )
    return reply(out)


def revision_revert(ctx: Ctx, item_id: str, revision: str) -> Reply:
    """DELETE /item/{id}/revision/{rev}: undo the changes made in that revision."""
    write_switches(ctx)
    state = ctx.state
    item = item_for(ctx, item_id)
    number = int(revision)
    record = next((r for r in item.history if r.revision == number and number > 0), None)
    if record is None:
        raise not_found("No such revision")
    fields = {field_id: list(old) for field_id, (old, _new) in record.changes.items()}
    state.apply_changes(item, fields, ctx.actor)
    return reply({"revision": item.revision})


def revision_revert_to(ctx: Ctx, item_id: str, revision: str) -> Reply:
    """POST /item/{id}/revision/{rev}/revert_to: make the values what they were at `rev`."""
    write_switches(ctx)
    state = ctx.state
    item = item_for(ctx, item_id)
    target = state.values_at(item, int(revision))
    fields = {field_id: target.get(field_id, []) for field_id in set(target) | set(item.values)}
    state.apply_changes(item, fields, ctx.actor)
    return reply({"revision": item.revision})
