"""Views of an app and the search in an app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from podio_desk.sandbox.errors import invalid_value, not_found
from podio_desk.sandbox.model import JSON
from podio_desk.sandbox.routes.common import reply

if TYPE_CHECKING:
    from podio_desk.sandbox.server import Ctx, Reply


SEARCH_MAX_LIMIT = 20


def _view_json(ctx: Ctx, view_id: int) -> JSON:
    state = ctx.state
    view = state.views[view_id]
    return {
        "view_id": view.view_id,
        "name": view.name,
        "type": "private",
        "sort_by": view.sort_by,
        "sort_desc": view.sort_desc,
        "filters": view.filters,
        "fields": {},
        "layout": "table",
        "grouping": {},
        "rights": ["view", "update", "delete"],
        "filter_id": view.view_id,
        "items": len(state.filter_ids(state.apps[view.app_id], view.filters, None, False)),
        "created_on": view.created_on,
        "created_by": state.actor_ref(("user", state.primary_user_id)),
    }


def view_list(ctx: Ctx, app_id: str) -> Reply:
    state = ctx.state
    app = state.app(int(app_id))
    ctx.require_app_access(app.app_id)
    return reply(
        [
            _view_json(ctx, view.view_id)
            for view in state.views.values()
            if view.app_id == app.app_id
        ]
    )


def view_get(ctx: Ctx, app_id: str, view_id: str) -> Reply:
    state = ctx.state
    view = state.views.get(int(view_id))
    if view is None or view.app_id != int(app_id):
        raise not_found("No such view")
    ctx.require_app_access(view.app_id)
    return reply(_view_json(ctx, view.view_id))


# The last view of a user who never chose one: Podio's default order, newest first. UNCONFIRMED
# (docs/podio-api.md, Views).
_DEFAULT_LAST: dict[str, JSON] = {"sort_by": "created_on", "sort_desc": True, "filters": []}


def view_last(ctx: Ctx, app_id: str) -> Reply:
    """GET /view/app/{app_id}/last: the sort and filters the user last used in the app (saved
    by a filter call with remember=true or by PUT /view/app/{app_id}/last), in a view's shape
    with `view_id` null and `name` "last". UNCONFIRMED shape (docs/podio-api.md, Views)."""
    state = ctx.state
    app = state.app(int(app_id))
    ctx.require_app_access(app.app_id)
    last = state.last_views.get((*ctx.actor, app.app_id), _DEFAULT_LAST)
    filters = last["filters"]
    return reply(
        {
            "view_id": None,
            "name": "last",
            "type": "private",
            "sort_by": last["sort_by"],
            "sort_desc": last["sort_desc"],
            "filters": filters,
            "fields": {},
            "layout": "table",
            "grouping": {},
            "rights": ["view", "update"],
            "filter_id": None,
            "items": len(state.filter_ids(app, filters, None, False)),
            "created_on": None,
            "created_by": state.actor_ref(ctx.actor),
        }
    )


def view_last_update(ctx: Ctx, app_id: str) -> Reply:
    """PUT /view/app/{app_id}/last {sort_by?, sort_desc?, filters?}: 204. [RB, PHP]"""
    state = ctx.state
    app = state.app(int(app_id))
    ctx.require_app_access(app.app_id)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    filters = body.get("filters", [])
    if isinstance(filters, dict):
        filters = [{"key": key, "values": value} for key, value in filters.items()]
    if not isinstance(filters, list):
        raise invalid_value("Invalid value for filters: a list of {key, values}")
    state.filter_ids(app, filters, None, False)  # refuses filters the app cannot run
    state.last_views[(*ctx.actor, app.app_id)] = {
        "sort_by": body.get("sort_by", "created_on"),
        "sort_desc": bool(body.get("sort_desc", True)),
        "filters": filters,
    }
    return reply(None, 204)


def search_app(ctx: Ctx, app_id: str) -> Reply:
    """POST /search/app/{app_id}/: title matches, at most 20 per call.

    See docs/podio-api.md, Search.
    """
    state = ctx.state
    app = state.app(int(app_id))
    ctx.require_app_access(app.app_id)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        raise invalid_value("Search needs a non-empty 'query'")
    limit = body.get("limit", SEARCH_MAX_LIMIT)
    offset = body.get("offset", 0)
    if not isinstance(limit, int) or not isinstance(offset, int) or limit < 0 or offset < 0:
        raise invalid_value("Invalid limit or offset")
    limit = min(limit, SEARCH_MAX_LIMIT)
    words = query.casefold().split()
    space = state.spaces[app.space_id]
    org = state.orgs[space.org_id]
    hits: list[JSON] = []
    for item_id in reversed(state.live_items(app.app_id)):
        item = state.items[item_id]
        title = state.item_title(item)
        folded = title.casefold()
        if all(word in folded for word in words):
            hits.append(
                {
                    "type": "item",
                    "id": item.item_id,
                    "rank": len(hits) + 1,
                    "title": title,
                    "link": state.item_link(item),
                    "created_on": item.created_on,
                    "created_by": state.actor_ref(item.created_by),
                    "space": {"space_id": space.space_id, "name": space.name},
                    "org": {"org_id": org.org_id, "name": org.name},
                    "app": {"app_id": app.app_id, "name": app.name},
                }
            )
            if len(hits) >= offset + limit:
                break
    return reply(hits[offset : offset + limit])
