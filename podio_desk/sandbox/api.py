"""Request handlers, one per Podio operation. Each takes the request context and path groups."""

from __future__ import annotations

import copy
import datetime
import json
import re
import secrets
import urllib.parse
from typing import TYPE_CHECKING

from podio_desk.sandbox.errors import ApiError, invalid_value, not_found
from podio_desk.sandbox.model import JSON, Comment, Embed, FileRecord, Item, Task, User

if TYPE_CHECKING:
    from podio_desk.sandbox.server import Ctx, Reply

# Filter page size: default 30 (DOC-filter). Podio's maximum is UNCONFIRMED (SPEC §3.3, §8.1);
# 500 is what real clients page by. We answer a larger limit with 400 invalid_value rather than
# clamping, so a client that relies on more than 500 per page fails loudly in tests.
FILTER_DEFAULT_LIMIT = 30
FILTER_MAX_LIMIT = 500
SEARCH_MAX_LIMIT = 20


def _reply(body: JSON = None, status: int = 200) -> Reply:
    from podio_desk.sandbox.server import Reply

    return Reply(status=status, body=body)


def _text_reply(text: str) -> Reply:
    from podio_desk.sandbox.server import Reply

    return Reply(text=text)


def _write_switches(ctx: Ctx) -> None:
    # silent/hook are accepted and validated; the sandbox has no stream or webhooks to skip.
    ctx.query_flag("silent", False)
    ctx.query_flag("hook", True)


# ============================================================================ OAuth


def _oauth_error(error: str, description: str, detail: str | None = None) -> ApiError:
    return ApiError(400, error, description, detail=detail, oauth_shape=True)


def token_form(ctx: Ctx) -> Reply:
    """POST /oauth/token: form-encoded only (SPEC §2.1). A JSON body carries no parameters."""
    params = {key: ctx.request.form.get(key) for key in ctx.request.form}
    return _grant(ctx, params)


def token_json(ctx: Ctx) -> Reply:
    """POST /oauth/token/v2: JSON only; a form body is 'null' to it (measured, SPEC §2.1)."""
    try:
        body = json.loads(ctx.request.get_data() or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_value", "Invalid value null (null): must be object")
    params = {key: (str(value) if value is not None else None) for key, value in body.items()}
    return _grant(ctx, params)


def _grant(ctx: Ctx, params: dict[str, str | None]) -> Reply:
    state = ctx.state
    client_id = params.get("client_id")
    if not client_id:
        raise _oauth_error("invalid_client", "Missing parameter client_id")
    if client_id not in state.clients:
        raise _oauth_error(
            "invalid_client",
            "Sorry, you've supplied an invalid client id.",
            "oauth.client.invalid_id",
        )
    if params.get("client_secret") != state.clients[client_id]:
        raise _oauth_error(
            "invalid_client",
            "Sorry, you've supplied an invalid client secret.",
            "oauth.client.invalid_secret",
        )
    grant_type = params.get("grant_type")
    with state.lock:
        if grant_type == "password":
            user = state.user_by_mail(params.get("username") or "")
            if user is None:
                raise _oauth_error(
                    "invalid_grant",
                    "Sorry, your email or password is incorrect.",
                    "user.invalid.username",
                )
            if params.get("password") != user.password:
                raise _oauth_error(
                    "invalid_grant",
                    "Sorry, your email or password is incorrect.",
                    "user.invalid.password",
                )
            body = state.issue_token("user", user.user_id, client_id, None)
        elif grant_type == "app":
            app_id = params.get("app_id") or ""
            app = state.apps.get(int(app_id)) if app_id.isdigit() else None
            if app is None or params.get("app_token") != app.token:
                raise _oauth_error("invalid_grant", "Sorry, the app id or app token is invalid.")
            body = state.issue_token("app", app.app_id, client_id, None)
        elif grant_type == "refresh_token":
            refresh = params.get("refresh_token") or ""
            grant = state.refresh_grants.get(refresh)
            if grant is None or grant.client_id != client_id:
                raise _oauth_error("invalid_grant", "Sorry, your refresh token is invalid.")
            # Refreshing returns the same refresh token with a new access token (SPEC §2.3).
            body = state.issue_token(grant.ref_type, grant.ref_id, client_id, refresh)
        elif grant_type == "authorization_code":
            code = state.auth_codes.pop(params.get("code") or "", None)
            if code is None or code.client_id != client_id:
                raise _oauth_error("invalid_grant", "Sorry, the authorization code is invalid.")
            if params.get("redirect_uri") != code.redirect_uri:
                raise _oauth_error("invalid_grant", "The redirect_uri does not match.")
            body = state.issue_token("user", code.user_id, client_id, None)
        else:
            raise _oauth_error("unsupported_grant_type", f"Unsupported grant type {grant_type!r}")
    return _reply(body)


def authorize(ctx: Ctx) -> Reply:
    """GET /oauth/authorize: approves at once as the primary user and redirects (SPEC §2.4)."""
    from podio_desk.sandbox.server import Reply

    args = ctx.request.args
    state = ctx.state
    client_id = args.get("client_id", "")
    redirect_uri = args.get("redirect_uri", "")
    if client_id not in state.clients:
        raise _oauth_error(
            "invalid_client",
            "Sorry, you've supplied an invalid client id.",
            "oauth.client.invalid_id",
        )
    if not redirect_uri:
        raise _oauth_error("invalid_request", "Missing parameter redirect_uri")
    response_type = args.get("response_type", "code")
    extra: dict[str, str] = {}
    if args.get("state") is not None:
        extra["state"] = args["state"]
    with state.lock:
        if response_type == "token":
            token = state.issue_token("user", state.primary_user_id, client_id, None)
            fragment = urllib.parse.urlencode(
                {
                    "access_token": token["access_token"],
                    "token_type": "bearer",
                    "expires_in": token["expires_in"],
                    "refresh_token": token["refresh_token"],
                    "scope": token["scope"],
                    **extra,
                }
            )
            location = f"{redirect_uri}#{fragment}"
        else:
            from podio_desk.sandbox.records import AuthCode

            code = secrets.token_hex(16)
            state.auth_codes[code] = AuthCode(code, client_id, redirect_uri, state.primary_user_id)
            separator = "&" if "?" in redirect_uri else "?"
            location = f"{redirect_uri}{separator}{urllib.parse.urlencode({'code': code, **extra})}"
    return Reply(status=302, headers={"Location": location}, content_type="text/plain")


def oauth_scope(ctx: Ctx) -> Reply:
    token = ctx.token
    assert token is not None
    return _reply(
        [
            {
                "ref_type": token.ref_type,
                "ref_id": token.ref_id,
                "permissions": ["view", "update", "delete"],
                "ref_data": None,
            }
        ]
    )


def _current_user(ctx: Ctx) -> User:
    ctx.require_user()
    assert ctx.token is not None
    user = ctx.state.users[ctx.token.ref_id]
    return user


def user_status(ctx: Ctx) -> Reply:
    user = _current_user(ctx)
    profile = ctx.state.profiles[user.profile_id]
    return _reply(
        {
            "user": _user_json(user),
            "profile": profile,
            "properties": {},
            "inbox_new": 0,
            "calendar_code": None,
            "mailbox": None,
            "message_unread_count": 0,
            "flags": [],
        }
    )


def user_get(ctx: Ctx) -> Reply:
    return _reply(_user_json(_current_user(ctx)))


def _user_json(user: User) -> JSON:
    return {
        "user_id": user.user_id,
        "mail": user.mail,
        "status": "active",
        "locale": "en_GB",
        "timezone": user.timezone,
        "flags": [],
        "type": "regular",
        "created_on": "2024-01-15 09:00:00",
    }


# ============================================================================ orgs, spaces, apps


def org_list(ctx: Ctx) -> Reply:
    ctx.require_user()
    state = ctx.state
    return _reply([state.org_json(org, with_spaces=True) for org in state.orgs.values()])


def org_get(ctx: Ctx, org_id: str) -> Reply:
    ctx.require_user()
    org = ctx.state.orgs.get(int(org_id))
    if org is None:
        raise not_found()
    return _reply(ctx.state.org_json(org, with_spaces=False))


def org_spaces(ctx: Ctx, org_id: str) -> Reply:
    ctx.require_user()
    state = ctx.state
    if int(org_id) not in state.orgs:
        raise not_found()
    return _reply(
        [state.space_json(space) for space in state.spaces.values() if space.org_id == int(org_id)]
    )


def space_get(ctx: Ctx, space_id: str) -> Reply:
    ctx.require_user()
    space = ctx.state.spaces.get(int(space_id))
    if space is None:
        raise not_found()
    return _reply(ctx.state.space_json(space))


def space_apps(ctx: Ctx, space_id: str) -> Reply:
    ctx.require_user()
    state = ctx.state
    if int(space_id) not in state.spaces:
        raise not_found()
    return _reply(
        [state.app_json(app) for app in state.apps.values() if app.space_id == int(space_id)]
    )


def app_get(ctx: Ctx, app_id: str) -> Reply:
    app = ctx.state.app(int(app_id))
    ctx.require_app_access(app.app_id)
    return _reply(ctx.state.app_json(app))


def app_field_get(ctx: Ctx, app_id: str, field_id: str) -> Reply:
    app = ctx.state.app(int(app_id))
    ctx.require_app_access(app.app_id)
    definition = app.field_by_key(field_id)
    if definition is None:
        raise not_found()
    return _reply(definition.to_json())


# ============================================================================ items: read


def _item(ctx: Ctx, item_id: str | int) -> Item:
    item = ctx.state.item(int(item_id))
    ctx.require_app_access(item.app_id)
    return item


def item_get(ctx: Ctx, item_id: str) -> Reply:
    ctx.query_flag("mark_as_viewed", True)
    return _reply(ctx.state.item_json(_item(ctx, item_id)))


def item_basic(ctx: Ctx, item_id: str) -> Reply:
    return _reply(ctx.state.item_json(_item(ctx, item_id), basic=True))


def item_by_app_item_id(ctx: Ctx, app_id: str, app_item_id: str) -> Reply:
    state = ctx.state
    ctx.require_app_access(int(app_id))
    state.app(int(app_id))
    for item_id in state.live_items(int(app_id)):
        if state.items[item_id].app_item_id == int(app_item_id):
            return _reply(state.item_json(state.items[item_id]))
    raise not_found()


def item_by_external_id(ctx: Ctx, app_id: str, external_id: str) -> Reply:
    state = ctx.state
    ctx.require_app_access(int(app_id))
    state.app(int(app_id))
    wanted = urllib.parse.unquote(external_id)
    for item_id in state.live_items(int(app_id)):
        if state.items[item_id].external_id == wanted:
            return _reply(state.item_json(state.items[item_id]))
    raise not_found()


def item_values(ctx: Ctx, item_id: str) -> Reply:
    item = _item(ctx, item_id)
    fields = ctx.state.render_fields(item, light=False)
    return _reply(fields)


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
    page = ids[offset : offset + limit]
    total = len(state.live_items(app_id))
    parts = [state.filter_item_text(state.items[item_id]) for item_id in page]
    text = f'{{"total":{total},"filtered":{len(ids)},"items":[{",".join(parts)}]}}'
    return _text_reply(text)


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
        return _reply({"count": len(state.filter_ids(app, view.filters, None, False))})
    return _reply({"count": len(state.live_items(app.app_id))})


# ============================================================================ items: write


def item_create(ctx: Ctx, app_id: str) -> Reply:
    _write_switches(ctx)
    state = ctx.state
    app = state.app(int(app_id))
    ctx.require_app_access(app.app_id)
    item = state.create_item(app, ctx.body, ctx.actor)
    body = state.item_json(item)
    return _reply(body)


def item_update(ctx: Ctx, item_id: str) -> Reply:
    _write_switches(ctx)
    item = _item(ctx, item_id)
    ctx.state.update_item(item, ctx.body, ctx.actor)
    return _reply({"revision": item.revision, "title": ctx.state.item_title(item)})


def item_update_values(ctx: Ctx, item_id: str) -> Reply:
    _write_switches(ctx)
    item = _item(ctx, item_id)
    ctx.state.update_item(item, {"fields": ctx.body}, ctx.actor)
    return _reply({"revision": item.revision})


def item_update_field(ctx: Ctx, item_id: str, field_key: str) -> Reply:
    _write_switches(ctx)
    state = ctx.state
    item = _item(ctx, item_id)
    app = state.apps[item.app_id]
    definition = app.field_by_key(urllib.parse.unquote(field_key))
    if definition is None:
        raise not_found("No such field")
    # The body is the field's value(s) in any of the four forms (SPEC §3.4).
    state.update_item(item, {"fields": {str(definition.field_id): ctx.body}}, ctx.actor)
    return _reply({"revision": item.revision})


def item_delete(ctx: Ctx, item_id: str) -> Reply:
    _write_switches(ctx)
    item = _item(ctx, item_id)
    ctx.state.delete_item(item)
    return _reply(None, 204)


def item_bulk_delete(ctx: Ctx, app_id: str) -> Reply:
    _write_switches(ctx)
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
    return _reply({"deleted": ids, "pending": []})


# ============================================================================ revisions


def revision_list(ctx: Ctx, item_id: str) -> Reply:
    state = ctx.state
    item = _item(ctx, item_id)
    out = []
    for revision in state.all_revisions(item):
        entry = state.revision_json(item, revision)
        entry["app_revision"] = 1
        out.append(entry)
    return _reply(out)


def revision_get(ctx: Ctx, item_id: str, revision: str) -> Reply:
    state = ctx.state
    item = _item(ctx, item_id)
    for record in state.all_revisions(item):
        if record.revision == int(revision):
            entry = state.revision_json(item, record)
            entry["app_revision"] = 1
            return _reply(entry)
    raise not_found("No such revision")


def revision_diff(ctx: Ctx, item_id: str, rev_from: str, rev_to: str) -> Reply:
    """GET /item/{id}/revision/{from}/{to}: fields that differ, with their from/to values."""
    state = ctx.state
    item = _item(ctx, item_id)
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
    return _reply(out)


def revision_revert(ctx: Ctx, item_id: str, revision: str) -> Reply:
    """DELETE /item/{id}/revision/{rev}: undo the changes made in that revision."""
    _write_switches(ctx)
    state = ctx.state
    item = _item(ctx, item_id)
    number = int(revision)
    record = next((r for r in item.history if r.revision == number and number > 0), None)
    if record is None:
        raise not_found("No such revision")
    fields = {field_id: list(old) for field_id, (old, _new) in record.changes.items()}
    state.apply_changes(item, fields, ctx.actor)
    return _reply({"revision": item.revision})


def revision_revert_to(ctx: Ctx, item_id: str, revision: str) -> Reply:
    """POST /item/{id}/revision/{rev}/revert_to: make the values what they were at `rev`."""
    _write_switches(ctx)
    state = ctx.state
    item = _item(ctx, item_id)
    target = state.values_at(item, int(revision))
    fields = {field_id: target.get(field_id, []) for field_id in set(target) | set(item.values)}
    state.apply_changes(item, fields, ctx.actor)
    return _reply({"revision": item.revision})


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
                return _reply(out)
    return _reply(out)


# ============================================================================ comments


def comment_list(ctx: Ctx, item_id: str) -> Reply:
    item = _item(ctx, item_id)
    return _reply([ctx.state.comment_json(c) for c in ctx.state.comments.get(item.item_id, [])])


def comment_add(ctx: Ctx, item_id: str) -> Reply:
    _write_switches(ctx)
    ctx.query_flag("alert_invite", False)
    state = ctx.state
    item = _item(ctx, item_id)
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
    return _reply(state.comment_json(comment))


# ============================================================================ files


def _file(ctx: Ctx, file_id: str) -> FileRecord:
    record = ctx.state.files.get(int(file_id))
    if record is None:
        raise not_found()
    return record


def file_get(ctx: Ctx, file_id: str) -> Reply:
    return _reply(ctx.state.file_json(_file(ctx, file_id)))


def file_raw(ctx: Ctx, file_id: str) -> Reply:
    from podio_desk.sandbox.server import Reply

    record = _file(ctx, file_id)
    quoted = urllib.parse.quote(record.name)
    return Reply(
        raw=record.content,
        content_type=record.mimetype,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quoted}"},
    )


def file_list_app(ctx: Ctx, app_id: str) -> Reply:
    state = ctx.state
    app = state.app(int(app_id))
    ctx.require_app_access(app.app_id)
    limit = ctx.query_int("limit", 20)
    offset = ctx.query_int("offset", 0)
    records = [
        record
        for record in state.files.values()
        if record.attached_to
        and record.attached_to[0] == "item"
        and record.attached_to[1] in state.items
        and state.items[record.attached_to[1]].app_id == app.app_id
        and not state.items[record.attached_to[1]].deleted
    ]
    records.sort(key=lambda record: record.file_id, reverse=True)
    return _reply([state.file_with_context(r) for r in records[offset : offset + limit]])


def file_upload(ctx: Ctx) -> Reply:
    """Multipart POST /file/ (or /file, /file/v2/) with parts `source` and `filename`."""
    state = ctx.state
    request = ctx.request
    if not request.mimetype.startswith("multipart/"):
        raise invalid_value("Upload a file as multipart/form-data with parts source and filename")
    source = request.files.get("source")
    if source is None:
        raise invalid_value("Missing part 'source'")
    name = request.form.get("filename") or source.filename or ""
    if not name:
        raise invalid_value("Missing part 'filename'")
    content = source.read()
    mimetype = source.mimetype or "application/octet-stream"
    if mimetype == "application/octet-stream":
        mimetype = _guess_mimetype(name)
    assert ctx.token is not None
    user_id = ctx.token.ref_id if ctx.token.ref_type == "user" else state.primary_user_id
    record = FileRecord(
        state.new_file_id(), name, mimetype, content, state.clock.now_text(), user_id
    )
    state.files[record.file_id] = record
    state.dirty_files.add(record.file_id)
    return _reply(state.file_json(record))


def _guess_mimetype(name: str) -> str:
    import mimetypes

    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def file_attach(ctx: Ctx, file_id: str) -> Reply:
    _write_switches(ctx)
    state = ctx.state
    record = _file(ctx, file_id)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    if body.get("ref_type") != "item" or not isinstance(body.get("ref_id"), int):
        raise invalid_value("Attach needs ref_type 'item' and an integer ref_id")
    item = _item(ctx, body["ref_id"])
    record.attached_to = ("item", item.item_id)
    state.dirty_files.add(record.file_id)
    if record.file_id not in item.file_ids:
        item.file_ids.append(record.file_id)
        state.invalidate(item)
    return _reply(None, 204)


# ============================================================================ views, search, tasks


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
    return _reply(
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
    return _reply(_view_json(ctx, view.view_id))


def search_app(ctx: Ctx, app_id: str) -> Reply:
    """POST /search/app/{app_id}/: title matches, at most 20 per call (SPEC §3.9)."""
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
    return _reply(hits[offset : offset + limit])


def _task_json(ctx: Ctx, task_id: int) -> JSON:
    state = ctx.state
    task = state.tasks[task_id]
    return {
        "task_id": task.task_id,
        "status": task.status,
        "text": task.text,
        "description": task.description,
        "due_on": f"{task.due_date} {task.due_time or '00:00:00'}" if task.due_date else None,
        "due_date": task.due_date,
        "due_time": task.due_time,
        "responsible": state.actor_ref(("user", task.responsible)),
        "ref": {"type": task.ref_type, "id": task.ref_id},
        "labels": [],
        "link": f"https://podio.com/tasks/{task.task_id}",
        "created_on": task.created_on,
        "created_by": state.actor_ref(("user", task.created_by)),
        "completed_on": (task.completed_on or task.created_on)
        if task.status == "completed"
        else None,
    }


def task_list(ctx: Ctx) -> Reply:
    """GET /task/?reference=item:{id} (the documented list with a reference filter)."""
    reference = ctx.request.args.get("reference", "")
    ref_type, _, ref_id = reference.partition(":")
    if ref_type != "item" or not ref_id.isdigit():
        raise invalid_value("The sandbox lists tasks by reference=item:{item_id} only")
    return task_list_item(ctx, ref_id)


def task_list_item(ctx: Ctx, item_id: str) -> Reply:
    item = _item(ctx, item_id)
    tasks = [
        _task_json(ctx, task.task_id)
        for task in ctx.state.tasks.values()
        if task.ref_type == "item" and task.ref_id == item.item_id
    ]
    return _reply(tasks)


def embed_create(ctx: Ctx) -> Reply:
    """POST /embed/ {url}: an embed object to put into an embed field."""
    state = ctx.state
    body = ctx.body if isinstance(ctx.body, dict) else {}
    url = body.get("url")
    if not isinstance(url, str) or "://" not in url:
        raise invalid_value("Invalid value for url: must be an absolute URL")
    hostname = urllib.parse.urlsplit(url).hostname or ""
    embed = Embed(state.new_embed_id(), url, hostname, None, hostname)
    state.embeds[embed.embed_id] = embed
    state.dirty_meta = True
    data = dict(embed.to_json())
    data["files"] = []
    return _reply(data)


# ============================================================ clone, task writes, contacts


def item_clone(ctx: Ctx, item_id: str) -> Reply:
    """POST /item/{id}/clone -> {"item_id"} (SPEC §3.4, RB/PHP; silent/hook accepted).

    The copy gets every field value and the tags, a new item_id and app_item_id, and starts at
    revision 0 as a created item, without comments. Which other parts Podio copies is
    UNCONFIRMED; we chose not to copy the external_id (it identifies the original in other
    systems) nor the attached files (`file_ids`; files inside file/image fields are values and
    are copied).
    """
    _write_switches(ctx)
    state = ctx.state
    source = _item(ctx, item_id)
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
    return _reply({"item_id": clone.item_id})


_TASK_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TASK_TIME = re.compile(r"(\d{2}):(\d{2})(?::(\d{2}))?")


def _task_user(ctx: Ctx, raw: JSON) -> int:
    """A task's responsible user: a user id or {"type": "user", "id": ...} (SPEC §3.7)."""
    state = ctx.state
    if isinstance(raw, dict):
        if raw.get("type", "user") != "user":
            raise invalid_value("Invalid value for responsible: the sandbox assigns users only")
        raw = raw.get("id")
    if isinstance(raw, bool) or not isinstance(raw, int) or raw not in state.users:
        raise invalid_value(f"Invalid value {raw!r} for responsible: no such user")
    return raw


def _acting_user(ctx: Ctx) -> int:
    # Tasks keep user ids only; an app token's task is attributed to the primary user.
    assert ctx.token is not None
    if ctx.token.ref_type == "user":
        return ctx.token.ref_id
    return ctx.state.primary_user_id


def task_create_item(ctx: Ctx, item_id: str) -> Reply:
    """POST /task/item/{item_id}/ {text, description?, due_date?, due_time?, responsible?}."""
    _write_switches(ctx)
    state = ctx.state
    item = _item(ctx, item_id)
    body = ctx.body
    if not isinstance(body, dict):
        raise invalid_value("Invalid value: the task must be an object")
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise invalid_value("A task needs a non-empty 'text'", field="text")
    description = body.get("description")
    if description is not None and not isinstance(description, str):
        raise invalid_value("Invalid value for description: must be a string")
    due_date = body.get("due_date")
    if due_date is not None:
        if not isinstance(due_date, str) or not _TASK_DATE.fullmatch(due_date):
            raise invalid_value(f"Invalid value {due_date!r} for due_date: use YYYY-MM-DD")
        try:
            datetime.date.fromisoformat(due_date)
        except ValueError:
            raise invalid_value(f"Invalid value {due_date!r} for due_date: no such day") from None
    due_time = body.get("due_time")
    if due_time is not None:
        found = _TASK_TIME.fullmatch(due_time) if isinstance(due_time, str) else None
        if found is None or int(found[1]) > 23 or int(found[2]) > 59 or int(found[3] or 0) > 59:
            raise invalid_value(f"Invalid value {due_time!r} for due_time: use HH:MM:SS")
        if due_date is None:
            raise invalid_value("A due_time needs a due_date")
        due_time = f"{found[1]}:{found[2]}:{found[3] or '00'}"
    creator = _acting_user(ctx)
    responsible = creator
    if body.get("responsible") is not None:
        responsible = _task_user(ctx, body["responsible"])
    task_id = state.counters.next_task_id
    state.counters.next_task_id += 1
    state.tasks[task_id] = Task(
        task_id,
        text.strip(),
        description or "",
        "active",
        due_date,
        "item",
        item.item_id,
        responsible,
        state.clock.now_text(),
        creator,
        due_time=due_time,
    )
    state.dirty_meta = True
    return _reply(_task_json(ctx, task_id))


def _task(ctx: Ctx, task_id: str) -> Task:
    task = ctx.state.tasks.get(int(task_id))
    if task is None:
        raise not_found()
    if task.ref_type == "item":
        item = ctx.state.items.get(task.ref_id)
        if item is not None:
            ctx.require_app_access(item.app_id)
    return task


def task_complete(ctx: Ctx, task_id: str) -> Reply:
    """POST /task/{id}/complete. Clients ignore the answer (RB, PHP); its body is UNCONFIRMED,
    the sandbox answers 204. Completing a completed task changes nothing."""
    task = _task(ctx, task_id)
    if task.status != "completed":
        task.status = "completed"
        task.completed_on = ctx.state.clock.now_text()
        ctx.state.dirty_meta = True
    return _reply(None, 204)


def task_incomplete(ctx: Ctx, task_id: str) -> Reply:
    """POST /task/{id}/incomplete: reopens the task (204, as complete)."""
    task = _task(ctx, task_id)
    if task.status != "active":
        task.status = "active"
        task.completed_on = None
        ctx.state.dirty_meta = True
    return _reply(None, 204)


CONTACTS_DEFAULT_LIMIT = 100
CONTACTS_MAX_LIMIT = 500


def space_contacts(ctx: Ctx, space_id: str) -> Reply:
    """GET /contact/space/{space_id}/?name=&limit=&offset=: the space's people.

    UNCONFIRMED (SPEC does not cover contacts): path and shape follow PodioContact::get_for_space
    (PHP, trailing slash) and Contact.find_all_for_space (RB, no slash; both are served) with
    `name` as a case-insensitive substring filter. The answer is a list of contact objects
    (profile_id, user_id, name, type "user"|"space", mail[], phone[], ...), the form contact
    field values carry. The sandbox has no space membership, so every seeded user counts as a
    member of every space; space contacts belong to the space they were created in. The
    default limit (100) and the maximum (500) are our choice.
    """
    ctx.require_user()
    state = ctx.state
    space = state.spaces.get(int(space_id))
    if space is None:
        raise not_found()
    name = ctx.request.args.get("name", "").strip().casefold()
    limit = ctx.query_int("limit", CONTACTS_DEFAULT_LIMIT)
    offset = ctx.query_int("offset", 0)
    if limit < 0 or offset < 0:
        raise invalid_value("Invalid limit or offset: must not be negative")
    if limit > CONTACTS_MAX_LIMIT:
        raise invalid_value(f"Invalid value {limit} for limit: must be at most 500", limit=limit)
    members = {user.profile_id for user in state.users.values()}
    found = [
        profile
        for profile_id, profile in state.profiles.items()
        if (profile_id in members or profile.get("space_id") == space.space_id)
        and name in str(profile.get("name") or "").casefold()
    ]
    found.sort(key=lambda entry: (str(entry.get("name") or "").casefold(), entry["profile_id"]))
    return _reply(found[offset : offset + limit])
