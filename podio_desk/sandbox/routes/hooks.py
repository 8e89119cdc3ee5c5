"""Webhooks of an app: list, register, delete. The sandbox never calls a hook's URL."""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING

from podio_desk.sandbox.errors import invalid_value, not_found
from podio_desk.sandbox.model import JSON, Hook
from podio_desk.sandbox.routes.common import reply

if TYPE_CHECKING:
    from podio_desk.sandbox.server import Ctx, Reply

# The event types an app's hook may have. [DOC-hooks] (docs/podio-api.md, Webhooks)
APP_HOOK_TYPES = frozenset(
    {
        "item.create",
        "item.update",
        "item.delete",
        "comment.create",
        "comment.delete",
        "file.change",
        "app.update",
        "app.delete",
        "form.create",
        "form.update",
        "form.delete",
        "tag.add",
        "tag.delete",
    }
)
# Podio keeps at most this many hooks of one type on one object. [DOC-hooks]
HOOKS_PER_TYPE = 10


def hook_json(ctx: Ctx, hook: Hook) -> JSON:
    return {
        "hook_id": hook.hook_id,
        "status": hook.status,
        "type": hook.type,
        "url": hook.url,
        "created_on": hook.created_on,
        "created_by": ctx.state.actor_ref(hook.created_by),
        "created_via": {"id": 1, "name": "Podio", "url": None, "display": False},
    }


def hook_list_app(ctx: Ctx, app_id: str) -> Reply:
    """GET /hook/app/{app_id}/ → [{hook_id, status, type, url, created_on, created_by,
    created_via}], oldest first."""
    app = ctx.state.app(int(app_id))
    ctx.require_app_access(app.app_id)
    hooks = sorted(
        (h for h in ctx.state.hooks.values() if (h.ref_type, h.ref_id) == ("app", app.app_id)),
        key=lambda h: h.hook_id,
    )
    return reply([hook_json(ctx, hook) for hook in hooks])


def hook_create_app(ctx: Ctx, app_id: str) -> Reply:
    """POST /hook/app/{app_id}/ {url, type} → {"hook_id"}. Podio would now POST hook.verify to
    the URL; the sandbox does not, so the hook stays "inactive" (as an unverified one does)."""
    state = ctx.state
    app = state.app(int(app_id))
    ctx.require_app_access(app.app_id)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    url, kind = body.get("url"), body.get("type")
    if kind not in APP_HOOK_TYPES:
        raise invalid_value(f"Invalid value {kind!r} for type", field="type")
    if not isinstance(url, str) or not _reachable_url(url):
        raise invalid_value(
            f"Invalid value {url!r} for url: an http or https address on port 80 or 443",
            field="url",
        )
    same = [
        h
        for h in state.hooks.values()
        if (h.ref_type, h.ref_id, h.type) == ("app", app.app_id, kind)
    ]
    if len(same) >= HOOKS_PER_TYPE:
        raise invalid_value(f"At most {HOOKS_PER_TYPE} hooks of type {kind} per app")
    hook_id = state.counters.next_hook_id
    state.counters.next_hook_id += 1
    state.hooks[hook_id] = Hook(
        hook_id, "app", app.app_id, url, kind, state.clock.now_text(), ctx.actor
    )
    state.dirty_meta = True
    return reply({"hook_id": hook_id})


def hook_delete(ctx: Ctx, hook_id: str) -> Reply:
    """DELETE /hook/{hook_id}: 204; 404 for a hook that does not exist (any more)."""
    state = ctx.state
    hook = state.hooks.get(int(hook_id))
    if hook is None:
        raise not_found()
    if hook.ref_type == "app":
        ctx.require_app_access(hook.ref_id)
    del state.hooks[hook.hook_id]
    state.dirty_meta = True
    return reply(None, 204)


def _reachable_url(url: str) -> bool:
    # Podio delivers to ports 80 and 443 only. [DOC-webhooks]
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    try:
        port = parts.port
    except ValueError:
        return False
    return port in (None, 80, 443)
