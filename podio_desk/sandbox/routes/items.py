"""Items: get, filter, count, create, update, delete, clone, and references to pick."""

from __future__ import annotations

import copy
import urllib.parse
from typing import TYPE_CHECKING

from podio_desk.sandbox.errors import invalid_value, not_found
from podio_desk.sandbox.model import JSON, Item
from podio_desk.sandbox.routes.common import item_for, reply, text_reply, write_switches

if TYPE_CHECKING:
    from podio_desk.sandbox.server import Ctx, Reply


# Filter page size: default 30 (DOC-filter). Podio's maximum is UNCONFIRMED (docs/podio-api.md,
# Page size); 500 is what real clients page by. We answer a larger limit with 400 invalid_value
# rather than clamping, so a client that relies on more than 500 per page fails loudly in tests.
FILTER_DEFAULT_LIMIT = 30


FILTER_MAX_LIMIT = 500


def item_get(ctx: Ctx, item_id: str) -> Reply:
    ctx.query_flag("mark_as_viewed", True)
    return reply(ctx.state.item_json(item_for(ctx, item_id)))


def item_basic(ctx: Ctx, item_id: str) -> Reply:
    return reply(ctx.state.item_json(item_for(ctx, item_id), basic=True))


def item_by_app_item_id(ctx: Ctx, app_id: str, app_item_id: str) -> Reply:
    state = ctx.state
    ctx.require_app_access(int(app_id))
    state.app(int(app_id))
    for item_id in state.live_items(int(app_id)):
        if state.items[item_id].app_item_id == int(app_item_id):
            return reply(state.item_json(state.items[item_id]))
    raise not_found()


def item_by_external_id(ctx: Ctx, app_id: str, external_id: str) -> Reply:
    state = ctx.state
    ctx.require_app_access(int(app_id))
    state.app(int(app_id))
    wanted = urllib.parse.unquote(external_id)
    for item_id in state.live_items(int(app_id)):
        if state.items[item_id].external_id == wanted:
            return reply(state.item_json(state.items[item_id]))
    raise not_found()


def item_values(ctx: Ctx, item_id: str) -> Reply:
    item = item_for(ctx, item_id)
    fields = ctx.state.render_fields(item, light=False)
    return reply(fields)


def item_values_v2(ctx: Ctx, item_id: str) -> Reply:
    """GET /item/{id}/value/v2: the values keyed by field external_id.

    UNCONFIRMED shape (docs/podio-api.md, Items): a field with one value gives that value's
    `value` (a string for text, the option object for a category, …), a field with several
    gives the list of them; fields without values are left out, as in GET /item.
    """
    item = item_for(ctx, item_id)
    answer: dict[str, JSON] = {}
    for entry in ctx.state.render_fields(item, light=False):
        values = [value.get("value", value) for value in entry.get("values") or []]
        if values:
            answer[entry["external_id"]] = values[0] if len(values) == 1 else values
    return reply(answer)


def item_find_by_external_id(ctx: Ctx, app_id: str) -> Reply:
    """GET /item/app/{app_id}/v2/?external_id=…: every live item with that external_id, in the
    filter answer's shape `{total, filtered, items}` (RB reads it as a collection). [RB, PY]"""
    state = ctx.state
    app = state.app(int(app_id))
    ctx.require_app_access(app.app_id)
    wanted = ctx.request.args.get("external_id")
    if wanted is None:
        raise invalid_value("external_id is required")
    live = state.live_items(app.app_id)
    matching = [item_id for item_id in live if state.items[item_id].external_id == wanted]
    parts = [state.filter_item_text(state.items[item_id]) for item_id in matching]
    return text_reply(
        f'{{"total":{len(live)},"filtered":{len(matching)},"items":[{",".join(parts)}]}}'
    )


def _filter(ctx: Ctx, app_id: int, body: JSON, view_id: int | None) -> Reply:
    state = ctx.state
    app = state.app(app_id)
    ctx.require_app_access(app_id)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise invalid_value("Invalid value: the filter body must be an object")
    filters: JSON = body.get("filters")
    sort_by = body.get("sort_by")
    sort_desc = body.get("sort_desc", False)
    if view_id is not None:
        view = state.views.get(view_id)
        if view is None or view.app_id != app_id:
            raise not_found("No such view")
        if filters is None:
            filters = view.filters
        if sort_by is None:
            sort_by = view.sort_by
            sort_desc = body.get("sort_desc", view.sort_desc)
    limit = body.get("limit", FILTER_DEFAULT_LIMIT)
    offset = body.get("offset", 0)
    for name, number in (("limit", limit), ("offset", offset)):
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise invalid_value(f"Invalid value {number!r} for {name}: must be a whole number")
    if limit > FILTER_MAX_LIMIT:
        raise invalid_value(
            f"Invalid value {limit} for limit: must be at most {FILTER_MAX_LIMIT}",
            limit=limit,
        )
    if sort_by is not None and not isinstance(sort_by, str | int):
        raise invalid_value("Invalid value for sort_by")
    if not isinstance(sort_desc, bool):
        raise invalid_value("Invalid value for sort_desc: must be true or false")
    sort_key = str(sort_by) if sort_by is not None else None
    if sort_key is not None:
        definition = app.field_by_key(sort_key)
        if definition is not None:
            sort_key = str(definition.field_id)
    ids = state.filter_ids(app, filters, sort_key, sort_desc)
    if body.get("remember") is True:
        # remember=true saves the query as the user's "last view" (GET /view/app/{id}/last).
        state.last_views[(*ctx.actor, app_id)] = {
            "sort_by": sort_by,
            "sort_desc": sort_desc,
            "filters": [{"key": key, "values": value} for key, value in (filters or {}).items()]
            if isinstance(filters, dict)
            else list(filters or []),
        }
    page = ids[offset : offset + limit]
    total = len(state.live_items(app_id))
    parts = [state.filter_item_text(state.items[item_id]) for item_id in page]
    text = f'{{"total":{total},"filtered":{len(ids)},"items":[{",".join(parts)}]}}'
    return text_reply(text)


def item_filter(ctx: Ctx, app_id: str) -> Reply:
    return _filter(ctx, int(app_id), ctx.body, None)


def item_filter_view(ctx: Ctx, app_id: str, view_id: str) -> Reply:
    return _filter(ctx, int(app_id), ctx.body, int(view_id))


def item_count(ctx: Ctx, app_id: str) -> Reply:
    state = ctx.state
    app = state.app(int(app_id))
    ctx.require_app_access(app.app_id)
    view_id = ctx.request.args.get("view_id")
    if view_id:
        view = state.views.get(int(view_id)) if view_id.isdigit() else None
        if view is None or view.app_id != app.app_id:
            raise not_found("No such view")
        return reply({"count": len(state.filter_ids(app, view.filters, None, False))})
    return reply({"count": len(state.live_items(app.app_id))})


def item_create(ctx: Ctx, app_id: str) -> Reply:
    write_switches(ctx)
    state = ctx.state
    app = state.app(int(app_id))
    ctx.require_app_access(app.app_id)
    item = state.create_item(app, ctx.body, ctx.actor)
    body = state.item_json(item)
    return reply(body)


def item_update(ctx: Ctx, item_id: str) -> Reply:
    write_switches(ctx)
    item = item_for(ctx, item_id)
    ctx.state.update_item(item, ctx.body, ctx.actor)
    return reply({"revision": item.revision, "title": ctx.state.item_title(item)})


def item_update_values(ctx: Ctx, item_id: str) -> Reply:
    write_switches(ctx)
    item = item_for(ctx, item_id)
    ctx.state.update_item(item, {"fields": ctx.body}, ctx.actor)
    return reply({"revision": item.revision})


def item_update_field(ctx: Ctx, item_id: str, field_key: str) -> Reply:
    write_switches(ctx)
    state = ctx.state
    item = item_for(ctx, item_id)
    app = state.apps[item.app_id]
    definition = app.field_by_key(urllib.parse.unquote(field_key))
    if definition is None:
        raise not_found("No such field")
    # The body is the field's value(s) in any of the four forms (docs/podio-api.md, Writing items).
    state.update_item(item, {"fields": {str(definition.field_id): ctx.body}}, ctx.actor)
    return reply({"revision": item.revision})


def item_delete(ctx: Ctx, item_id: str) -> Reply:
    write_switches(ctx)
    item = item_for(ctx, item_id)
    ctx.state.delete_item(item)
    return reply(None, 204)


def item_bulk_delete(ctx: Ctx, app_id: str) -> Reply:
    write_switches(ctx)
    state = ctx.state
    app = state.app(int(app_id))
    ctx.require_app_access(app.app_id)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    if "item_ids" in body:
        wanted = body["item_ids"]
        if not isinstance(wanted, list) or not all(isinstance(i, int) for i in wanted):
            raise invalid_value("Invalid value for item_ids: must be a list of ids")
        ids = [
            item_id
            for item_id in wanted
            if item_id in state.items
            and not state.items[item_id].deleted
            and state.items[item_id].app_id == app.app_id
        ]
    else:
        filters = body.get("filters")
        view_id = body.get("view_id")
        if view_id is not None and filters is None:
            view = state.views.get(view_id)
            if view is None or view.app_id != app.app_id:
                raise not_found("No such view")
            filters = view.filters
        ids = state.filter_ids(app, filters, None, False)
    for item_id in ids:
        state.delete_item(state.items[item_id])
    return reply({"deleted": ids, "pending": []})


def item_clone(ctx: Ctx, item_id: str) -> Reply:
    """POST /item/{id}/clone -> {"item_id"}; silent/hook accepted (RB, PHP; docs/podio-api.md,
    Writing items).

    The copy gets every field value and the tags, a new item_id and app_item_id, and starts at
    revision 0 as a created item, without comments. Which other parts Podio copies is
    UNCONFIRMED; we chose not to copy the external_id (it identifies the original in other
    systems) nor the attached files (`file_ids`; files inside file/image fields are values and
    are copied).
    """
    write_switches(ctx)
    state = ctx.state
    source = item_for(ctx, item_id)
    now = state.clock.now_text()
    actor = ctx.actor
    clone = Item(
        item_id=state.new_item_id(),
        app_id=source.app_id,
        app_item_id=state.new_app_item_id(source.app_id),
        values=copy.deepcopy(source.values),
        created_on=now,
        created_by=actor,
        last_edit_on=now,
        last_edit_by=actor,
        tags=list(source.tags),
        timezone=source.timezone,
    )
    clone.initial_revision_id = clone.current_revision_id = state.new_revision_id()
    state.add_item(clone)
    return reply({"item_id": clone.item_id})


def field_find(ctx: Ctx, field_id: str) -> Reply:
    """GET /item/field/{field_id}/find?text=: items a relationship field can reference."""
    state = ctx.state
    definition = None
    for app in state.apps.values():
        for candidate in app.fields:
            if candidate.field_id == int(field_id):
                definition = candidate
    if definition is None:
        raise not_found("No such field")
    if definition.type != "app":
        raise invalid_value("The field is not a relationship field")
    text = ctx.request.args.get("text", "").casefold()
    limit = min(ctx.query_int("limit", 13), 100)
    app_ids = [ref.get("app_id") for ref in definition.settings.get("referenced_apps", [])]
    out: list[JSON] = []
    for app_id in app_ids:
        for item_id in state.live_items(app_id):
            item = state.items[item_id]
            title = state.item_title(item)
            if text and text not in title.casefold():
                continue
            out.append(
                {
                    "item_id": item.item_id,
                    "app_item_id": item.app_item_id,
                    "title": title,
                    "link": state.item_link(item),
                    "app": state.app_micro(state.apps[app_id]),
                    "space": state.space_micro(state.spaces[state.apps[app_id].space_id]),
                }
            )
            if len(out) >= limit:
                return reply(out)
    return reply(out)
