"""The user, orgs, spaces, apps and a space's contacts."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from podio_desk.sandbox.errors import invalid_value, not_found
from podio_desk.sandbox.model import JSON, User
from podio_desk.sandbox.routes.common import reply

if TYPE_CHECKING:
    from podio_desk.sandbox.server import Ctx, Reply


def _current_user(ctx: Ctx) -> User:
    ctx.require_user()
    assert ctx.token is not None
    user = ctx.state.users[ctx.token.ref_id]
    return user


def user_status(ctx: Ctx) -> Reply:
    user = _current_user(ctx)
    profile = ctx.state.profiles[user.profile_id]
    return reply(
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
    return reply(_user_json(_current_user(ctx)))


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


def org_list(ctx: Ctx) -> Reply:
    ctx.require_user()
    state = ctx.state
    return reply([state.org_json(org, with_spaces=True) for org in state.orgs.values()])


def org_get(ctx: Ctx, org_id: str) -> Reply:
    ctx.require_user()
    org = ctx.state.orgs.get(int(org_id))
    if org is None:
        raise not_found()
    return reply(ctx.state.org_json(org, with_spaces=False))


def org_spaces(ctx: Ctx, org_id: str) -> Reply:
    ctx.require_user()
    state = ctx.state
    if int(org_id) not in state.orgs:
        raise not_found()
    return reply(
        [state.space_json(space) for space in state.spaces.values() if space.org_id == int(org_id)]
    )


def space_get(ctx: Ctx, space_id: str) -> Reply:
    ctx.require_user()
    space = ctx.state.spaces.get(int(space_id))
    if space is None:
        raise not_found()
    return reply(ctx.state.space_json(space))


def space_by_url(ctx: Ctx) -> Reply:
    """GET /space/url?url=… (or ?org_slug=…&space_slug=…): the space at that web address.

    UNCONFIRMED (docs/podio-api.md, Web links): the answer is the space object of
    GET /space/{id}; an address of no space the user sees is 404 not_found. The address may
    have the organization in the path (https://podio.com/ORG/SPACE) or as a sub-domain
    (https://ORG.podio.com/SPACE), with or without a trailing slash or "www.".
    """
    ctx.require_user()
    state = ctx.state
    args = ctx.request.args
    url = args.get("url")
    if url:
        wanted = _space_address(url)
        if wanted is None:
            raise not_found()
    else:
        org_slug, space_slug = args.get("org_slug"), args.get("space_slug")
        if not org_slug or not space_slug:
            raise invalid_value("Either url or org_slug and space_slug must be given")
        wanted = (org_slug.casefold(), space_slug.casefold())
    for space in state.spaces.values():
        org = state.org_of(space)
        if (org.url_label.casefold(), space.url_label.casefold()) == wanted:
            return reply(state.space_json(space))
    raise not_found()


def _space_address(url: str) -> tuple[str, str] | None:
    """(org label, space label) of a space's web address, or None for any other address."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    segments = [segment.casefold() for segment in parts.path.split("/") if segment]
    if host in ("podio.com", "www.podio.com") and len(segments) == 2:
        return segments[0], segments[1]
    if host.endswith(".podio.com") and host.count(".") == 2 and len(segments) == 1:
        return host.split(".", 1)[0], segments[0]
    return None


def space_apps(ctx: Ctx, space_id: str) -> Reply:
    ctx.require_user()
    state = ctx.state
    if int(space_id) not in state.spaces:
        raise not_found()
    return reply(
        [state.app_json(app) for app in state.apps.values() if app.space_id == int(space_id)]
    )


def app_get(ctx: Ctx, app_id: str) -> Reply:
    app = ctx.state.app(int(app_id))
    ctx.require_app_access(app.app_id)
    return reply(ctx.state.app_json(app))


def app_field_get(ctx: Ctx, app_id: str, field_id: str) -> Reply:
    app = ctx.state.app(int(app_id))
    ctx.require_app_access(app.app_id)
    definition = app.field_by_key(field_id)
    if definition is None:
        raise not_found()
    return reply(definition.to_json())


CONTACTS_DEFAULT_LIMIT = 100


CONTACTS_MAX_LIMIT = 500


def space_contacts(ctx: Ctx, space_id: str) -> Reply:
    """GET /contact/space/{space_id}/?name=&limit=&offset=: the space's people.

    UNCONFIRMED (docs/podio-api.md, Contacts): path and shape follow PodioContact::get_for_space
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
    return reply(found[offset : offset + limit])
