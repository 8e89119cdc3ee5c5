"""The sandbox's in-memory Podio: records, rendering into Podio's JSON, writes, filters, tokens.

One re-entrant lock guards everything; the HTTP layer holds it for the duration of a request's
work (never while sleeping for injected latency).
"""

from __future__ import annotations

import bisect
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from podio_desk.sandbox import values as v
from podio_desk.sandbox.errors import ApiError, invalid_value, not_found
from podio_desk.sandbox.model import (
    CREATED_VIA_PODIO,
    JSON,
    PODIO_WEB,
    App,
    Comment,
    Embed,
    FieldDef,
    FileRecord,
    Item,
    Org,
    Revision,
    Space,
    Task,
    User,
    View,
)

Actor = tuple[str, int]
"""Who acts: ("user", user_id) or ("app", app_id)."""

BUILTIN_SORT_KEYS = (
    "created_on",
    "last_edit_on",
    "item_id",
    "app_item_id",
    "title",
    "created_by",
    "last_edit_by",
)

# Filter results are lighter than GET item (FIX-filter); keys in the recorded order.
FILE_VALUE_KEYS = (
    "mimetype",
    "perma_link",
    "hosted_by",
    "description",
    "hosted_by_humanized_name",
    "size",
    "thumbnail_link",
    "link",
    "file_id",
    "external_file_id",
    "link_target",
    "name",
)
EMBED_FILE_KEYS = (
    "hosted_by",
    "hosted_by_humanized_name",
    "thumbnail_link",
    "link",
    "file_id",
    "external_file_id",
    "link_target",
)
LOCATION_KEYS = (
    "value",
    "formatted",
    "street_number",
    "street_name",
    "postal_code",
    "city",
    "state",
    "country",
    "lat",
    "lng",
    "map_in_sync",
)


class Clock:
    """The sandbox's notion of now: real time plus an offset tests can advance."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def now_text(self) -> str:
        return v.now_text(self.now())

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class Token:
    access_token: str
    refresh_token: str
    ref_type: str
    ref_id: int
    client_id: str
    expires_at: float
    scope: str


@dataclass
class RefreshGrant:
    refresh_token: str
    ref_type: str
    ref_id: int
    client_id: str
    scope: str


@dataclass
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    user_id: int


@dataclass
class Counters:
    next_item_id: int = 100_001
    next_revision_id: int = 5_000_001
    next_file_id: int = 600_001
    next_embed_id: int = 700_001
    next_comment_id: int = 800_001
    next_task_id: int = 900_001


_MISSING = object()
_encode = json.JSONEncoder(separators=(",", ":")).encode


class SortOrder:
    """One app's items in the order of one sort key, kept current item by item.

    `ids` holds the items with a value in ascending (key, item_id) order; `empty` the items
    without a value, by id. The (key, id) pairs for bisecting are built on the first update.
    """

    def __init__(self, function: Callable[[Item], Any], cross_item: bool) -> None:
        self.function = function
        self.cross_item = cross_item
        self.key_of: dict[int, Any] = {}
        self.ids: list[int] = []
        self.empty: list[int] = []
        self._keyed: list[tuple[Any, int]] | None = None

    def build(self, items: dict[int, Item], item_ids: list[int]) -> None:
        key_of = self.key_of
        function = self.function
        for item_id in item_ids:
            key_of[item_id] = function(items[item_id])
        present = sorted(item_id for item_id in item_ids if key_of[item_id] is not None)
        # A stable sort on the key alone over ids in ascending order = (key, id) order.
        self.ids = sorted(present, key=key_of.__getitem__)
        self.empty = sorted(item_id for item_id in item_ids if key_of[item_id] is None)

    def update(self, item: Item) -> None:
        item_id = item.item_id
        if self._keyed is None:
            key_of = self.key_of
            self._keyed = [(key_of[i], i) for i in self.ids]
        keyed = self._keyed
        old = self.key_of.pop(item_id, _MISSING)
        if old is None:
            index = bisect.bisect_left(self.empty, item_id)
            if index < len(self.empty) and self.empty[index] == item_id:
                del self.empty[index]
        elif old is not _MISSING:
            index = bisect.bisect_left(keyed, (old, item_id))
            if index < len(keyed) and keyed[index] == (old, item_id):
                del keyed[index]
                del self.ids[index]
        if not item.deleted:
            new = self.function(item)
            self.key_of[item_id] = new
            if new is None:
                bisect.insort(self.empty, item_id)
            else:
                index = bisect.bisect_left(keyed, (new, item_id))
                keyed.insert(index, (new, item_id))
                self.ids.insert(index, item_id)


class State:
    """Every record of the sandbox plus the operations the HTTP layer exposes."""

    def __init__(self, clock: Clock, token_ttl: int) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.token_ttl = token_ttl
        self.base_url = "http://127.0.0.1"
        self.timezone = "Europe/Copenhagen"
        self.clients: dict[str, str] = {}
        self.users: dict[int, User] = {}
        self.profiles: dict[int, dict[str, JSON]] = {}
        self.orgs: dict[int, Org] = {}
        self.spaces: dict[int, Space] = {}
        self.apps: dict[int, App] = {}
        self.items: dict[int, Item] = {}
        self.app_items: dict[int, list[int]] = {}
        self.item_stubs: dict[int, dict[str, JSON]] = {}
        self.files: dict[int, FileRecord] = {}
        self.embeds: dict[int, Embed] = {}
        self.comments: dict[int, list[Comment]] = {}
        self.tasks: dict[int, Task] = {}
        self.views: dict[int, View] = {}
        self.counters = Counters()
        self.tokens: dict[str, Token] = {}
        self.refresh_grants: dict[str, RefreshGrant] = {}
        self.auth_codes: dict[str, AuthCode] = {}
        self.referrers: dict[int, set[int]] = {}
        self.sort_cache: dict[tuple[int, str], SortOrder] = {}
        # Per field: the JSON text around a filter-shaped field entry's values.
        self.light_fragments: dict[int, tuple[str, str, FieldDef]] = {}
        self.title_fields: dict[int, FieldDef | None] = {}
        self.last_app_item_ids: dict[int, int] = {}
        # calculation field id -> (app id, "*" or "/", left field id, right field id)
        self.calculations: dict[int, tuple[int, str, int, int]] = {}
        # (app_id, filters JSON, sort key, descending) -> matching ids; dropped on app writes.
        self.filter_cache: dict[tuple[int, str, str | None, bool], list[int]] = {}
        self.richest_item_id: int | None = None
        self.primary_user_id = 0
        self.other_user_id = 0
        # Persistence hooks: which records changed since the last flush.
        self.dirty_items: set[int] = set()
        self.dirty_files: set[int] = set()
        self.dirty_meta = False

    # ------------------------------------------------------------------ lookups

    def user_by_mail(self, mail: str) -> User | None:
        for user in self.users.values():
            if user.mail.casefold() == mail.casefold():
                return user
        return None

    def app(self, app_id: int) -> App:
        app = self.apps.get(app_id)
        if app is None:
            raise not_found("Object not found")
        return app

    def item(self, item_id: int) -> Item:
        item = self.items.get(item_id)
        if item is None:
            raise not_found("Object not found")
        if item.deleted:
            # Deleted items answer 410 gone (SPEC §5 lists 410 for deleted objects; chosen over
            # 404 because it tells a syncing client the item existed and is gone for good).
            raise ApiError(410, "gone", "This item has been deleted", propagate=True)
        return item

    def live_items(self, app_id: int) -> list[int]:
        return self.app_items.get(app_id, [])

    def space_of(self, app: App) -> Space:
        return self.spaces[app.space_id]

    def org_of(self, space: Space) -> Org:
        return self.orgs[space.org_id]

    def app_link(self, app: App) -> str:
        space = self.space_of(app)
        org = self.org_of(space)
        return f"{PODIO_WEB}/{org.url_label}/{space.url_label}/apps/{app.url_label}"

    def space_link(self, space: Space) -> str:
        return f"{PODIO_WEB}/{self.org_of(space).url_label}/{space.url_label}"

    def item_link(self, item: Item) -> str:
        return f"{self.app_link(self.apps[item.app_id])}/items/{item.app_item_id}"

    def item_timezone(self, item: Item) -> str:
        return item.timezone or self.timezone

    def actor_timezone(self, actor: Actor) -> str:
        if actor[0] == "user" and actor[1] in self.users:
            return self.users[actor[1]].timezone
        return self.timezone

    # ------------------------------------------------------------------ ids

    def new_revision_id(self) -> int:
        self.counters.next_revision_id += 1
        return self.counters.next_revision_id - 1

    def new_item_id(self) -> int:
        self.counters.next_item_id += 1
        return self.counters.next_item_id - 1

    def new_app_item_id(self, app_id: int) -> int:
        """The next per-app number; numbers of deleted items are never reused."""
        last = self.last_app_item_ids.get(app_id)
        if last is None:
            last = max(
                (item.app_item_id for item in self.items.values() if item.app_id == app_id),
                default=0,
            )
        self.last_app_item_ids[app_id] = last + 1
        return last + 1

    def new_file_id(self) -> int:
        self.counters.next_file_id += 1
        return self.counters.next_file_id - 1

    def new_embed_id(self) -> int:
        self.counters.next_embed_id += 1
        return self.counters.next_embed_id - 1

    def new_comment_id(self) -> int:
        self.counters.next_comment_id += 1
        return self.counters.next_comment_id - 1

    # ------------------------------------------------------------------ rendering: small parts

    def actor_ref(self, actor: Actor) -> JSON:
        kind, ident = actor
        if kind == "user" and ident in self.users:
            return self.users[ident].ref()
        app = self.apps.get(ident)
        name = app.name if app else "App"
        return {
            "user_id": -1,
            "name": name,
            "url": self.app_link(app) if app else None,
            "type": "app",
            "image": None,
            "avatar_type": "icon",
            "avatar": -1,
            "id": ident,
            "avatar_id": app.icon_id if app else None,
            "last_seen_on": None,
        }

    def org_json(self, org: Org, *, with_spaces: bool) -> JSON:
        data: dict[str, JSON] = {
            "org_id": org.org_id,
            "name": org.name,
            "url": org.url,
            "url_label": org.url_label,
            "status": "active",
            "logo": None,
            "image": None,
            "user_limit": 0,
            "type": "premium",
            "segment": None,
            "tier": "plus",
            "sales_agent_id": None,
            "domains": [],
            "role": "admin",
            "rights": ["add_space", "view", "update"],
            "trial_expired_on": None,
            "created_on": org.created_on,
            "created_by": self.users[self.primary_user_id].ref() if self.users else None,
        }
        if with_spaces:
            data["spaces"] = [
                self.space_json(space)
                for space in self.spaces.values()
                if space.org_id == org.org_id
            ]
        return data

    def space_json(self, space: Space) -> JSON:
        return {
            "space_id": space.space_id,
            "name": space.name,
            "url": self.space_link(space),
            "url_label": space.url_label,
            "org_id": space.org_id,
            "privacy": "closed",
            "role": "admin",
            "rights": ["add_app", "add_item", "view", "update", "add_task", "add_file"],
            "post_on_new_app": True,
            "post_on_new_member": True,
            "subscribed": True,
            "auto_join": False,
            "archived": False,
            "type": "regular",
            "premium": True,
            "description": None,
            "created_on": space.created_on,
            "created_by": self.users[self.primary_user_id].ref() if self.users else None,
            "last_activity_on": space.created_on,
        }

    def space_micro(self, space: Space) -> JSON:
        return {
            "sharefile_vault_url": None,
            "name": space.name,
            "url": self.space_link(space),
            "url_label": space.url_label,
            "space_id": space.space_id,
            "org_id": space.org_id,
            "type": "regular",
        }

    def app_micro(self, app: App) -> JSON:
        if app.recorded_micro is not None:
            return app.recorded_micro
        link = self.app_link(app)
        return {
            "status": "active",
            "sharefile_vault_url": None,
            "name": app.name,
            "default_view_id": None,
            "url_add": f"{link}/items/new",
            "icon_id": app.icon_id,
            "link_add": f"{link}/items/new",
            "app_id": app.app_id,
            "current_revision": 1,
            "item_name": app.item_name,
            "link": link,
            "url": link,
            "url_label": app.url_label,
            "config": {
                "item_name": app.item_name,
                "icon_id": app.icon_id,
                "type": "standard",
                "name": app.name,
                "icon": f"{app.icon_id}.png",
            },
            "space_id": app.space_id,
            "icon": f"{app.icon_id}.png",
        }

    def app_json(self, app: App) -> JSON:
        """GET /app/{app_id}: the full definition (shape of FIX-app)."""
        if app.recorded is not None:
            return app.recorded
        link = self.app_link(app)
        owner = self.profiles.get(self.users[self.primary_user_id].profile_id)
        return {
            "status": "active",
            "subscribed": True,
            "original_revision": None,
            "rights": [
                "view_structure",
                "reference",
                "view",
                "update",
                "add_task",
                "delete",
                "add_hook",
                "export",
                "add_item",
            ],
            "default_view_id": None,
            "space_id": app.space_id,
            "current_revision": 1,
            "link_add": f"{link}/items/new",
            "integration": None,
            "app_id": app.app_id,
            "url_add": f"{link}/items/new",
            "url": link,
            "layouts": None,
            "link": link,
            "token": app.token,
            "url_label": app.url_label,
            "owner": owner,
            "mailbox": f"{app.url_label}.sandbox",
            "config": {
                "allow_edit": True,
                "tasks": [],
                "yesno": False,
                "silent_creates": False,
                "yesno_label": None,
                "thumbs": False,
                "app_item_id_padding": None,
                "show_app_item_id": False,
                "default_view": "table",
                "allow_tags": True,
                "item_name": app.item_name,
                "allow_attachments": True,
                "allow_create": True,
                "app_item_id_prefix": None,
                "disable_notifications": False,
                "fivestar": False,
                "thumbs_label": None,
                "type": "standard",
                "rsvp": False,
                "description": None,
                "usage": None,
                "fivestar_label": None,
                "approved": False,
                "icon": f"{app.icon_id}.png",
                "allow_comments": True,
                "name": app.name,
                "icon_id": app.icon_id,
                "external_id": None,
                "approved_label": None,
                "silent_edits": False,
                "rsvp_label": None,
            },
            "original": None,
            "fields": [definition.to_json() for definition in app.fields],
        }

    def file_json(self, record: FileRecord, keys: Iterable[str] | None = None) -> JSON:
        if record.recorded is not None:
            full = record.recorded
        else:
            link = f"{self.base_url}/file/{record.file_id}/raw"
            is_image = record.mimetype.startswith("image/")
            full = {
                "mimetype": record.mimetype,
                "perma_link": None,
                "hosted_by": "podio",
                "replaces": [],
                "description": record.description,
                "hosted_by_humanized_name": "Podio",
                "presence": None,
                "created_via": CREATED_VIA_PODIO,
                "created_by": self.actor_ref(("user", record.created_by)),
                "thumbnail_link": link if is_image else None,
                "created_on": record.created_on,
                "link": link,
                "file_id": record.file_id,
                "rights": ["download", "delete", "view", "update"],
                "push": None,
                "external_file_id": None,
                "link_target": "_blank",
                "size": len(record.content),
                "name": record.name,
            }
        if keys is None:
            return full
        return {key: full[key] for key in keys if key in full}

    def file_with_context(self, record: FileRecord) -> JSON:
        data = dict(self.file_json(record))
        context: JSON = None
        if record.attached_to and record.attached_to[0] == "item":
            item = self.items.get(record.attached_to[1])
            if item is not None and not item.deleted:
                context = {
                    "title": self.item_title(item),
                    "type": "item",
                    "type_name": self.apps[item.app_id].item_name,
                    "created_via": CREATED_VIA_PODIO,
                    "created_by": self.actor_ref(item.created_by),
                    "created_on": item.created_on,
                    "link": self.item_link(item),
                    "data": self.item_micro(item),
                    "id": item.item_id,
                }
        data["context"] = context
        return data

    def revision_json(self, item: Item, revision: Revision) -> JSON:
        actor = self.actor_ref(revision.created_by)
        return {
            "item_revision_id": revision.item_revision_id,
            "created_via": CREATED_VIA_PODIO,
            "created_by": actor,
            "created_on": revision.created_on,
            "user": actor,
            "type": revision.type,
            "revision": revision.revision,
        }

    def initial_revision(self, item: Item) -> Revision:
        if item.history and item.history[0].revision == 0:
            return item.history[0]
        return Revision(0, item.initial_revision_id, item.created_on, item.created_by, "creation")

    def current_revision(self, item: Item) -> Revision:
        if item.history:
            return item.history[-1]
        if item.revision > 0:
            # A replayed item: its revision history was not recorded, only the current one.
            return Revision(
                item.revision,
                item.current_revision_id,
                item.last_edit_on,
                item.last_edit_by,
                "update",
            )
        return self.initial_revision(item)

    def all_revisions(self, item: Item) -> list[Revision]:
        revisions = [revision for revision in item.history if revision.revision > 0]
        return [self.initial_revision(item), *revisions]

    # ------------------------------------------------------------------ rendering: items

    def title_field(self, app: App) -> FieldDef | None:
        cached = self.title_fields.get(app.app_id, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        found = self._find_title_field(app)
        self.title_fields[app.app_id] = found
        return found

    def _find_title_field(self, app: App) -> FieldDef | None:
        for definition in app.fields:
            if definition.external_id == "title" and definition.type == "text":
                return definition
        for definition in app.fields:
            if definition.type == "text":
                return definition
        return None

    def item_title(self, item: Item) -> str:
        app = self.apps[item.app_id]
        definition = self.title_field(app)
        if definition is None:
            # No text field: Podio titles the item after its first field (FIX 582709679:
            # progress 42 -> title "42").
            for candidate in app.fields:
                stored = item.values.get(candidate.field_id)
                if stored:
                    return self.plain_text(candidate, stored[0])
            return ""
        stored = item.values.get(definition.field_id)
        if not stored:
            return ""
        return v.html_to_text(str(stored[0]))

    def plain_text(self, definition: FieldDef, element: JSON) -> str:
        kind = definition.type
        if kind in ("number", "calculation") and not isinstance(element, dict):
            return str(element)
        if kind == "money":
            return f"{element['value']} {element['currency']}"
        if kind == "category":
            return str(self.category_option(definition, element)["text"])
        if kind == "app":
            target = self.items.get(element)
            return self.item_title(target) if target else ""
        if kind == "contact":
            return str(self.profiles.get(element, {}).get("name", ""))
        if isinstance(element, dict):
            return str(element.get("value", element.get("start", "")))
        return v.html_to_text(str(element))

    def item_micro_text(self, item_id: int) -> str | None:
        target = self.items.get(item_id)
        if target is not None:
            if target.deleted:
                return None
            if target.cache_micro_text is None:
                target.cache_micro_text = _encode(self.item_micro(target))
            return target.cache_micro_text
        stub = self.item_stubs.get(item_id)
        return _encode(stub) if stub is not None else None

    def item_micro(self, item: Item) -> JSON:
        """The referenced item inside a relationship value (FIX-item app field)."""
        if item.cache_micro is not None:
            return item.cache_micro
        app = self.apps[item.app_id]
        micro = {
            "files": [],
            "sharefile_vault_url": None,
            "space": self.space_micro(self.space_of(app)),
            "app_item_id": item.app_item_id,
            "app": self.app_micro(app),
            "title": self.item_title(item),
            "initial_revision": self.revision_json(item, self.initial_revision(item)),
            "created_via": CREATED_VIA_PODIO,
            "created_by": self.actor_ref(item.created_by),
            "created_on": item.created_on,
            "link": self.item_link(item),
            "item_id": item.item_id,
            "sharefile_vault_folder_id": None,
            "revision": item.revision,
        }
        item.cache_micro = micro
        return micro

    def render_values(self, definition: FieldDef, stored: list[JSON], timezone: str) -> list[JSON]:
        kind = definition.type
        out: list[JSON] = []
        for element in stored:
            if kind == "text":
                out.append({"value": element})
            elif kind in ("number", "calculation") and not isinstance(element, dict):
                out.append({"value": v.format_decimal(element)})
            elif kind == "money":
                out.append(
                    {"currency": element["currency"], "value": v.format_decimal(element["value"])}
                )
            elif kind in ("progress", "duration"):
                out.append({"value": element})
            elif kind == "date" or (kind == "calculation" and isinstance(element, dict)):
                out.append(v.render_date(element, timezone))
            elif kind == "category":
                out.append({"value": self.category_option(definition, element)})
            elif kind == "app":
                target = self.items.get(element)
                if target is not None:
                    # A deleted item drops out of the relationships pointing at it.
                    if not target.deleted:
                        out.append({"value": self.item_micro(target)})
                elif element in self.item_stubs:
                    out.append({"value": self.item_stubs[element]})
            elif kind == "contact":
                profile = self.profiles.get(element)
                if profile is not None:
                    out.append({"value": profile})
            elif kind in ("image", "file"):
                record = self.files.get(element)
                if record is not None:
                    out.append({"value": self.file_json(record, FILE_VALUE_KEYS)})
            elif kind == "embed":
                embed = self.embeds.get(element["embed"])
                if embed is None:
                    continue
                file_record = self.files.get(element["file"]) if element.get("file") else None
                out.append(
                    {
                        "embed": embed.to_json(),
                        "file": self.file_json(file_record, EMBED_FILE_KEYS)
                        if file_record
                        else None,
                    }
                )
            else:
                # location, email, phone and anything replayed are stored rendered.
                out.append(element)
        return out

    def category_option(self, definition: FieldDef, option_id: JSON) -> JSON:
        for option in definition.settings.get("options", []):
            if option.get("id") == option_id:
                return {
                    "status": option.get("status", "active"),
                    "text": option.get("text"),
                    "id": option_id,
                    "color": option.get("color"),
                }
        return {"status": "deleted", "text": str(option_id), "id": option_id, "color": None}

    def render_fields(self, item: Item, *, light: bool) -> list[JSON]:
        app = self.apps[item.app_id]
        timezone = self.item_timezone(item)
        fields: list[JSON] = []
        for definition in app.fields:
            stored = item.values.get(definition.field_id)
            if not stored:
                continue
            rendered = self.render_values(definition, stored, timezone)
            if not rendered:
                continue
            if light:
                fields.append(
                    {
                        "type": definition.type,
                        "field_id": definition.field_id,
                        "label": definition.label,
                        "values": rendered,
                        "config": definition.filter_config(),
                        "external_id": definition.external_id,
                    }
                )
            else:
                fields.append(
                    {
                        "status": definition.status,
                        "type": definition.type,
                        "field_id": definition.field_id,
                        "label": definition.label,
                        "values": rendered,
                        "config": definition.config,
                        "external_id": definition.external_id,
                    }
                )
        return fields

    def filter_item_text(self, item: Item) -> str:
        """One item as filter results show it, cached as JSON text."""
        if item.cache_filter is not None:
            return item.cache_filter
        data = {
            "ratings": {"like": {"average": None, "counts": {"1": {"total": 0, "users": []}}}},
            "sharefile_vault_url": None,
            "last_event_on": item.last_edit_on,
            "rights": [
                "add_task",
                "update",
                "subscribe",
                "delete",
                "add_conversation",
                "rate",
                "view",
                "comment",
                "add_file",
            ],
            "app_item_id": item.app_item_id,
            "title": self.item_title(item),
            "initial_revision": self.revision_json(item, self.initial_revision(item)),
            "created_via": CREATED_VIA_PODIO,
            "created_by": self.actor_ref(item.created_by),
            "current_revision": self.revision_json(item, self.current_revision(item)),
            "priority": item.item_id,
            "comment_count": len(self.comments.get(item.item_id, [])),
            "file_count": len(item.file_ids),
            "created_on": item.created_on,
            "item_id": item.item_id,
            "link": self.item_link(item),
            "sharefile_vault_folder_id": None,
            "revision": item.revision,
            "external_id": item.external_id,
            "app_item_id_formatted": str(item.app_item_id),
        }
        head = _encode(data)
        text = f'{head[:-1]},"fields":[{",".join(self.light_field_parts(item))}]}}'
        item.cache_filter = text
        return text

    def light_field_parts(self, item: Item) -> list[str]:
        """Filter-shaped field entries as JSON text; only the values are serialised per item."""
        app = self.apps[item.app_id]
        timezone = self.item_timezone(item)
        parts: list[str] = []
        for definition in app.fields:
            stored = item.values.get(definition.field_id)
            if not stored:
                continue
            if definition.type == "app":
                # The referenced items' JSON is cached per referenced item.
                micro_parts = [self.item_micro_text(target) for target in stored]
                present = [f'{{"value":{part}}}' for part in micro_parts if part]
                if not present:
                    continue
                values_text = f"[{','.join(present)}]"
            else:
                rendered = self.render_values(definition, stored, timezone)
                if not rendered:
                    continue
                values_text = _encode(rendered)
            fragments = self.light_fragments.get(definition.field_id)
            if fragments is None or fragments[2] is not definition:
                prefix = json.dumps(
                    {
                        "type": definition.type,
                        "field_id": definition.field_id,
                        "label": definition.label,
                    },
                    separators=(",", ":"),
                )[:-1]
                suffix = json.dumps(
                    {"config": definition.filter_config(), "external_id": definition.external_id},
                    separators=(",", ":"),
                )[1:]
                fragments = (f'{prefix},"values":', f",{suffix}", definition)
                self.light_fragments[definition.field_id] = fragments
            parts.append(f"{fragments[0]}{values_text}{fragments[1]}")
        return parts

    def comment_json(self, comment: Comment) -> JSON:
        actor = self.actor_ref(comment.created_by)
        files = [self.file_json(self.files[fid]) for fid in comment.file_ids if fid in self.files]
        return {
            "files": files,
            "value": comment.value,
            "rich_value": comment.value,
            "rights": ["rate", "delete", "update", "add_file", "view", "add_question"],
            "ref": {"type": "item", "id": comment.item_id},
            "embed_file": None,
            "comment_id": comment.comment_id,
            "created_via": CREATED_VIA_PODIO,
            "created_by": actor,
            "created_on": comment.created_on,
            "like_count": 0,
            "last_edit_on": None,
            "questions": [],
            "embed": None,
            "external_id": comment.external_id,
            "is_liked": False,
            "user": actor,
            "space_id": self.apps[self.items[comment.item_id].app_id].space_id,
        }

    def refs_json(self, item: Item) -> list[JSON]:
        """Incoming references, grouped by the referring app field (FIX-item `refs`)."""
        counts: dict[tuple[int, int], int] = {}
        for referrer_id in self.referrers.get(item.item_id, ()):
            referrer = self.items.get(referrer_id)
            if referrer is None or referrer.deleted:
                continue
            for definition in self.apps[referrer.app_id].fields:
                if definition.type == "app" and item.item_id in referrer.values.get(
                    definition.field_id, []
                ):
                    key = (referrer.app_id, definition.field_id)
                    counts[key] = counts.get(key, 0) + 1
        refs: list[JSON] = []
        for (app_id, field_id), count in sorted(counts.items()):
            app = self.apps[app_id]
            field = app.field_by_key(field_id)
            if field is None:
                continue
            refs.append(
                {
                    "count": count,
                    "field": {
                        "external_id": field.external_id,
                        "type": field.type,
                        "config": field.filter_config(),
                        "field_id": field.field_id,
                        "label": field.label,
                    },
                    "app": self.app_micro(app),
                }
            )
        return refs

    def item_json(self, item: Item, *, basic: bool = False) -> JSON:
        """GET /item/{id} (and /basic without comments, files, revisions)."""
        app = self.apps[item.app_id]
        data: dict[str, JSON] = {
            "presence": None,
            "app": self.app_micro(app),
            "user_ratings": {"like": None},
            "created_on": item.created_on,
            "like_count": 0,
            "last_event_on": item.last_edit_on,
            "linked_account_data": None,
            "sharefile_vault_folder_id": None,
            "refs": self.refs_json(item),
            "app_item_id_formatted": str(item.app_item_id),
            "ratings": {"like": {"average": None, "counts": {"1": {"total": 0, "users": []}}}},
            "subscribed": True,
            "title": self.item_title(item),
            "participants": {},
            "created_by": self.actor_ref(item.created_by),
            "priority": float(item.item_id),
            "created_via": CREATED_VIA_PODIO,
            "subscribed_count": 1,
            "reminder": None,
            "ref": None,
            "is_liked": False,
            "revision": item.revision,
            "invite": None,
            "tags": list(item.tags),
            "app_item_id": item.app_item_id,
            "link": self.item_link(item),
            "item_id": item.item_id,
            "sharefile_vault_url": None,
            "recurrence": None,
            "fields": self.render_fields(item, light=False),
            "rights": [
                "add_conversation",
                "rate",
                "update",
                "add_file",
                "view",
                "grant_view",
                "delete",
                "comment",
                "add_task",
                "subscribe",
                "grant",
            ],
            "initial_revision": self.revision_json(item, self.initial_revision(item)),
            "current_revision": self.revision_json(item, self.current_revision(item)),
            "linked_account_id": None,
            "push": None,
            "external_id": item.external_id,
        }
        if not basic:
            data["comments"] = [self.comment_json(c) for c in self.comments.get(item.item_id, [])]
            data["files"] = [
                self.file_json(self.files[fid]) for fid in item.file_ids if fid in self.files
            ]
            data["revisions"] = [
                self.revision_json(item, revision)
                for revision in reversed(self.all_revisions(item))
            ]
        return data

    # ------------------------------------------------------------------ invalidation

    def invalidate(self, item: Item) -> None:
        item.cache_filter = None
        item.cache_micro_text = None
        item.cache_micro = None
        for referrer_id in self.referrers.get(item.item_id, ()):
            referrer = self.items.get(referrer_id)
            if referrer is not None:
                referrer.cache_filter = None
                referrer.cache_micro_text = None
        self.update_sort_orders(item)
        self.drop_filter_cache(item.app_id)
        if self.referrers.get(item.item_id):
            self.filter_cache.clear()
        self.dirty_items.add(item.item_id)

    def drop_filter_cache(self, app_id: int) -> None:
        for key in [key for key in self.filter_cache if key[0] == app_id]:
            del self.filter_cache[key]

    def drop_sort_cache(self, app_id: int) -> None:
        for key in [key for key in self.sort_cache if key[0] == app_id]:
            del self.sort_cache[key]
        self.drop_filter_cache(app_id)
        self.title_fields.pop(app_id, None)

    def index_references(self, item: Item, old: dict[int, list[JSON]] | None = None) -> None:
        app = self.apps[item.app_id]
        for definition in app.fields:
            if definition.type != "app":
                continue
            for target in (old or {}).get(definition.field_id, []):
                self.referrers.get(target, set()).discard(item.item_id)
            for target in item.values.get(definition.field_id, []):
                self.referrers.setdefault(target, set()).add(item.item_id)

    # ------------------------------------------------------------------ input parsing

    def parse_field_input(
        self, app: App, definition: FieldDef, raw: JSON, timezone: str
    ) -> list[JSON]:
        """One field's input in any of the four forms -> stored values, or 400."""
        kind = definition.type
        elements = v.value_elements(raw)
        if kind in v.READ_ONLY_TYPES:
            raise invalid_value(
                f"The field '{definition.label}' is a calculation and cannot be set",
                field_id=definition.field_id,
                external_id=definition.external_id,
            )
        out: list[JSON] = []
        try:
            for element in elements:
                out.append(self.parse_element(definition, element, timezone))
        except v.ValueInputError as error:
            raise invalid_value(
                f"{error} (field '{definition.label}', {definition.external_id})",
                field_id=definition.field_id,
                external_id=definition.external_id,
            ) from None
        if len(out) > 1 and not self.allows_many(definition):
            raise invalid_value(
                f"The field '{definition.label}' takes only one value",
                field_id=definition.field_id,
                external_id=definition.external_id,
            )
        # Repeated ids collapse, as a set-valued field would.
        if kind in ("category", "app", "contact", "image", "file"):
            seen: list[JSON] = []
            for element in out:
                if element not in seen:
                    seen.append(element)
            out = seen
        return out

    def allows_many(self, definition: FieldDef) -> bool:
        kind = definition.type
        if kind in ("category", "app"):
            return bool(definition.settings.get("multiple", kind == "app"))
        return kind in ("contact", "image", "file", "embed", "email", "phone", "tel")

    def parse_element(self, definition: FieldDef, element: JSON, timezone: str) -> JSON:
        kind = definition.type
        settings = definition.settings
        if kind == "text":
            value = v.unwrap_value(element)
            if not isinstance(value, str):
                raise v.ValueInputError(f"Invalid value {value!r}: must be a string")
            return value
        if kind == "number":
            return v.parse_decimal(v.unwrap_value(element))
        if kind == "money":
            if not isinstance(element, dict) or "currency" not in element:
                raise v.ValueInputError("Invalid value: money needs 'value' and 'currency'")
            currency = element["currency"]
            allowed = settings.get("allowed_currencies")
            if not isinstance(currency, str) or (allowed and currency not in allowed):
                raise v.ValueInputError(f"Invalid currency {currency!r}")
            return {"value": v.parse_decimal(element.get("value")), "currency": currency}
        if kind == "progress":
            return v.parse_int(v.unwrap_value(element), 0, 100)
        if kind == "duration":
            return v.parse_int(v.unwrap_value(element), 0, None)
        if kind == "date":
            return v.parse_date(element, timezone, settings)
        if kind == "category":
            value = v.unwrap_value(element)
            if isinstance(value, dict):
                value = value.get("id")
            for option in settings.get("options", []):
                if option.get("status", "active") != "active":
                    continue
                if value == option.get("id") or (
                    # Option text as input: UNCONFIRMED server-side (SPEC §8.3); .NET sends it.
                    isinstance(value, str) and value == option.get("text")
                ):
                    return option["id"]
            raise v.ValueInputError(f"Invalid value {value!r}: not a valid option")
        if kind == "app":
            value = v.unwrap_value(element)
            if isinstance(value, dict):
                value = value.get("item_id")
            target_id = v.parse_int(value)
            target = self.items.get(target_id)
            if target is None and target_id not in self.item_stubs:
                raise v.ValueInputError(f"Invalid value {target_id}: no such item")
            if target is not None:
                if target.deleted:
                    raise v.ValueInputError(f"Invalid value {target_id}: the item is deleted")
                allowed_apps = [
                    ref.get("app_id") for ref in settings.get("referenced_apps", []) or []
                ]
                if allowed_apps and target.app_id not in allowed_apps:
                    raise v.ValueInputError(
                        f"Invalid value {target_id}: the item is not in a referenced app"
                    )
            return target_id
        if kind == "contact":
            value = v.unwrap_value(element)
            if isinstance(value, dict):
                if value.get("type") == "user" and "id" in value:
                    user = self.users.get(v.parse_int(value["id"]))
                    value = user.profile_id if user else None
                else:
                    value = value.get("profile_id")
            profile_id = v.parse_int(value)
            if profile_id not in self.profiles:
                raise v.ValueInputError(f"Invalid value {profile_id}: no such contact")
            return profile_id
        if kind in ("image", "file"):
            value = v.unwrap_value(element)
            if isinstance(value, dict):
                value = value.get("file_id")
            file_id = v.parse_int(value)
            if file_id not in self.files:
                raise v.ValueInputError(f"Invalid value {file_id}: no such file")
            return file_id
        if kind == "embed":
            if not isinstance(element, dict):
                element = {"embed": element}
            embed = element.get("embed", element.get("value"))
            if isinstance(embed, dict):
                embed = embed.get("embed_id")
            embed_id = v.parse_int(embed)
            if embed_id not in self.embeds:
                raise v.ValueInputError(f"Invalid value {embed_id}: no such embed")
            file_value = element.get("file")
            if isinstance(file_value, dict):
                file_value = file_value.get("file_id")
            if file_value is None:
                return {"embed": embed_id, "file": None}
            file_id = v.parse_int(file_value)
            if file_id not in self.files:
                raise v.ValueInputError(f"Invalid value {file_id}: no such file")
            return {"embed": embed_id, "file": file_id}
        if kind == "location":
            value = element
            if isinstance(value, str):
                value = {"value": value}
            if not isinstance(value, dict) or not isinstance(value.get("value"), str):
                raise v.ValueInputError("Invalid value: a location needs an address 'value'")
            location: dict[str, JSON] = {key: value.get(key) for key in LOCATION_KEYS}
            location["formatted"] = value.get("formatted") or value["value"]
            location["map_in_sync"] = bool(value.get("lat") is not None)
            return location
        if kind in ("email", "phone", "tel"):
            possible = EMAIL_OR_PHONE_TYPES[kind]
            if isinstance(element, str):
                element = {"type": "other", "value": element}
            if not isinstance(element, dict) or not isinstance(element.get("value"), str):
                raise v.ValueInputError("Invalid value: needs {'type', 'value'}")
            entry_type = element.get("type", "other")
            if entry_type not in possible:
                raise v.ValueInputError(f"Invalid type {entry_type!r}")
            limit = 254 if kind == "email" else 50
            if len(element["value"]) > limit:
                raise v.ValueInputError(f"Invalid value: longer than {limit} characters")
            return {"type": entry_type, "value": element["value"]}
        raise v.ValueInputError(f"The field type {kind!r} cannot be set through the sandbox")

    def parse_fields_container(self, app: App, raw: JSON, timezone: str) -> dict[int, list[JSON]]:
        """Both `fields` shapes (SPEC §3.4): object keyed by id/external_id, or a list."""
        pairs: list[tuple[JSON, JSON]] = []
        if isinstance(raw, dict):
            pairs = list(raw.items())
        elif isinstance(raw, list):
            for entry in raw:
                if not isinstance(entry, dict):
                    raise invalid_value("Invalid value: each field entry must be an object")
                key = entry.get("field_id", entry.get("external_id"))
                pairs.append((key, entry.get("values", entry.get("value"))))
        elif raw is not None:
            raise invalid_value("Invalid value: 'fields' must be an object or a list")
        parsed: dict[int, list[JSON]] = {}
        for key, value in pairs:
            definition = app.field_by_key(key) if key is not None else None
            if definition is None or definition.status != "active":
                # Measured: an unknown field key is a bare 400 invalid_value (YW).
                raise invalid_value(
                    f"Invalid field '{key}': no such field in the app", field=str(key)
                )
            parsed[definition.field_id] = self.parse_field_input(app, definition, value, timezone)
        return parsed

    # ------------------------------------------------------------------ writes

    def create_item(self, app: App, body: JSON, actor: Actor) -> Item:
        if not isinstance(body, dict):
            raise invalid_value("Invalid value null (null): must be object")
        fields = self.parse_fields_container(app, body.get("fields"), self.actor_timezone(actor))
        for definition in app.fields:
            if (
                definition.required
                and definition.status == "active"
                and not fields.get(definition.field_id)
            ):
                raise invalid_value(
                    f"The field '{definition.label}' is required",
                    field_id=definition.field_id,
                    external_id=definition.external_id,
                )
        now = self.clock.now_text()
        item = Item(
            item_id=self.new_item_id(),
            app_id=app.app_id,
            app_item_id=self.new_app_item_id(app.app_id),
            values={
                fid: vals
                for fid, vals in {**fields, **self.calculated(app.app_id, fields)}.items()
                if vals
            },
            created_on=now,
            created_by=actor,
            last_edit_on=now,
            last_edit_by=actor,
            external_id=self._external_id(body),
            tags=self._tags(body) or [],
            file_ids=self._file_ids(body) or [],
        )
        item.initial_revision_id = item.current_revision_id = self.new_revision_id()
        self.add_item(item)
        for file_id in item.file_ids:
            self.files[file_id].attached_to = ("item", item.item_id)
            self.dirty_files.add(file_id)
        return item

    def add_item(self, item: Item) -> None:
        self.items[item.item_id] = item
        self.app_items.setdefault(item.app_id, []).append(item.item_id)
        self.index_references(item)
        self.invalidate(item)

    def _external_id(self, body: dict[str, JSON]) -> str | None:
        external_id = body.get("external_id")
        if external_id is not None and not isinstance(external_id, str):
            raise invalid_value("Invalid value for external_id: must be a string")
        return external_id

    def _tags(self, body: dict[str, JSON]) -> list[str] | None:
        if "tags" not in body:
            return None
        tags = body["tags"]
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise invalid_value("Invalid value for tags: must be a list of strings")
        return list(tags)

    def _file_ids(self, body: dict[str, JSON]) -> list[int] | None:
        if "file_ids" not in body:
            return None
        file_ids = body["file_ids"]
        if not isinstance(file_ids, list):
            raise invalid_value("Invalid value for file_ids: must be a list of ids")
        for file_id in file_ids:
            if file_id not in self.files:
                raise invalid_value(f"Invalid file id {file_id!r}")
        return list(file_ids)

    def calculated(self, app_id: int, values: dict[int, list[JSON]]) -> dict[int, list[JSON]]:
        """Values of the app's calculation fields the sandbox knows a formula for.

        Podio runs the field's JavaScript; the sandbox knows only the seeded formulas
        (a * b, a / b over number and money fields), kept in `calculations`.
        """
        out: dict[int, list[JSON]] = {}
        for field_id, (owner, operator, left, right) in self.calculations.items():
            if owner != app_id:
                continue
            a, b = _number_of(values.get(left)), _number_of(values.get(right))
            if a is None or b is None or (operator == "/" and b == 0):
                out[field_id] = []
            else:
                result = a * b if operator == "*" else a / b
                out[field_id] = [str(result.quantize(Decimal("0.0001")))]
        return out

    def check_revision(self, item: Item, expected: JSON) -> None:
        if expected is None:
            return
        if isinstance(expected, bool) or not isinstance(expected, int):
            raise invalid_value("Invalid value for revision: must be an integer")
        if expected != item.revision:
            # SPEC §5: a stale `revision` is 409 conflict in the common error body.
            raise ApiError(
                409,
                "conflict",
                f"The item has been updated since revision {expected}; "
                f"the current revision is {item.revision}",
                parameters={"revision": item.revision},
                propagate=True,
            )

    def update_item(self, item: Item, body: JSON, actor: Actor) -> bool:
        """PUT /item/{id}: partial update. Returns whether anything changed."""
        if not isinstance(body, dict):
            raise invalid_value("Invalid value null (null): must be object")
        self.check_revision(item, body.get("revision"))
        app = self.apps[item.app_id]
        fields = self.parse_fields_container(app, body.get("fields"), self.actor_timezone(actor))
        for definition in app.fields:
            if (
                definition.required
                and definition.field_id in fields
                and not fields[definition.field_id]
            ):
                raise invalid_value(
                    f"The field '{definition.label}' is required",
                    field_id=definition.field_id,
                    external_id=definition.external_id,
                )
        tags = self._tags(body)
        file_ids = self._file_ids(body)
        external_id_given = "external_id" in body
        external_id = self._external_id(body)
        changed = self.apply_changes(item, fields, actor)
        extra_change = False
        if tags is not None and tags != item.tags:
            item.tags = tags
            extra_change = True
        if file_ids is not None and file_ids != item.file_ids:
            item.file_ids = file_ids
            for file_id in file_ids:
                self.files[file_id].attached_to = ("item", item.item_id)
                self.dirty_files.add(file_id)
            extra_change = True
        if external_id_given and external_id != item.external_id:
            item.external_id = external_id
            extra_change = True
        if extra_change and not changed:
            self.record_revision(item, {}, actor)
        return changed or extra_change

    def apply_changes(
        self,
        item: Item,
        fields: dict[int, list[JSON]],
        actor: Actor,
        when: str | None = None,
    ) -> bool:
        changes: dict[int, tuple[list[JSON], list[JSON]]] = {}
        for field_id, new in fields.items():
            old = item.values.get(field_id, [])
            if old != new:
                changes[field_id] = (old, new)
        if not changes:
            return False
        prospective = {**item.values, **{fid: new for fid, (_old, new) in changes.items()}}
        for field_id, new in self.calculated(item.app_id, prospective).items():
            old = item.values.get(field_id, [])
            if old != new:
                changes[field_id] = (old, new)
        old_values = {fid: item.values.get(fid, []) for fid in changes}
        for field_id, (_old, new) in changes.items():
            if new:
                item.values[field_id] = new
            else:
                item.values.pop(field_id, None)
        self.index_references(item, old_values)
        self.record_revision(item, changes, actor, when)
        return True

    def record_revision(
        self,
        item: Item,
        changes: dict[int, tuple[list[JSON], list[JSON]]],
        actor: Actor,
        when: str | None = None,
    ) -> None:
        now = when or self.clock.now_text()
        if not item.history:
            # Keep the creation revision explicit once the item has a history.
            item.history.append(self.initial_revision(item))
        item.revision += 1
        revision = Revision(
            revision=item.revision,
            item_revision_id=self.new_revision_id(),
            created_on=now,
            created_by=actor,
            type="update",
            changes=changes,
        )
        item.history.append(revision)
        item.current_revision_id = revision.item_revision_id
        item.last_edit_on = now
        item.last_edit_by = actor
        self.invalidate(item)

    def delete_item(self, item: Item) -> None:
        item.deleted = True
        ids = self.app_items.get(item.app_id, [])
        if item.item_id in ids:
            ids.remove(item.item_id)
        for targets in item.values.values():
            for target in targets:
                if isinstance(target, int):
                    self.referrers.get(target, set()).discard(item.item_id)
        for referrer_id in list(self.referrers.get(item.item_id, ())):
            referrer = self.items.get(referrer_id)
            if referrer is not None:
                referrer.cache_filter = None
                referrer.cache_micro = None
        self.invalidate(item)

    def values_at(self, item: Item, revision: int) -> dict[int, list[JSON]]:
        """Field values as they were right after `revision`."""
        if revision < 0 or revision > item.revision:
            raise not_found("No such revision")
        current = {fid: list(vals) for fid, vals in item.values.items()}
        for record in reversed(item.history):
            if record.revision <= revision:
                break
            for field_id, (old, _new) in record.changes.items():
                current[field_id] = list(old)
        return {fid: vals for fid, vals in current.items() if vals}

    # ------------------------------------------------------------------ filter & sort

    def sort_key_function(self, app: App, key: str) -> tuple[Callable[[Item], Any], bool]:
        """(item -> sort key or None, whether the key depends on other items' titles)."""
        if key == "created_on":
            return (lambda item: item.created_on), False
        if key == "last_edit_on":
            return (lambda item: item.last_edit_on), False
        if key == "item_id":
            return (lambda item: item.item_id), False
        if key == "app_item_id":
            return (lambda item: item.app_item_id), False
        if key == "title":
            return (lambda item: self.item_title(item).casefold()), False
        if key in ("created_by", "last_edit_by"):
            attr = key

            def actor_name(item: Item) -> Any:
                return str(self.actor_ref(getattr(item, attr))["name"]).casefold()

            return actor_name, False
        definition = app.field_by_key(key)
        if definition is None:
            raise invalid_value(f"Invalid sort_by '{key}'")
        field_id = definition.field_id
        kind = definition.type
        extract: Callable[[Any], Any]
        if kind in ("number", "calculation"):

            def extract(first: Any) -> Any:
                if isinstance(first, dict):
                    return v.date_sort_key(first)
                return float(first)

        elif kind == "money":

            def extract(first: Any) -> Any:
                return float(first["value"])

        elif kind in ("progress", "duration"):

            def extract(first: Any) -> Any:
                return first

        elif kind == "date":
            extract = v.date_sort_key
        elif kind == "category":
            positions = {
                option.get("id"): index
                for index, option in enumerate(definition.settings.get("options", []))
            }

            def extract(first: Any) -> Any:
                return positions.get(first, len(positions))

        elif kind == "app":

            def extract(first: Any) -> Any:
                target = self.items.get(first)
                return self.item_title(target).casefold() if target else ""

        elif kind == "contact":

            def extract(first: Any) -> Any:
                return str(self.profiles.get(first, {}).get("name", "")).casefold()

        elif kind == "text":

            def extract(first: Any) -> Any:
                return v.html_to_text(first).casefold()

        elif kind in ("location", "email", "phone"):

            def extract(first: Any) -> Any:
                return str(first.get("value", "")).casefold()

        else:
            raise invalid_value(f"Cannot sort by the field type '{kind}'")

        def key_of(item: Item) -> Any:
            stored = item.values.get(field_id)
            return extract(stored[0]) if stored else None

        return key_of, kind == "app"

    def sorted_ids(self, app: App, key: str) -> tuple[list[int], list[int]]:
        """(items with a value in ascending order, items without a value) for a sort key.

        Items without a value come last in both directions (a choice: SPEC does not say).
        Orders are cached per (app, key) and kept up to date item by item on writes.
        """
        cache_key = (app.app_id, key)
        order = self.sort_cache.get(cache_key)
        if order is None:
            function, cross_item = self.sort_key_function(app, key)
            order = SortOrder(function, cross_item)
            order.build(self.items, self.app_items.get(app.app_id, []))
            self.sort_cache[cache_key] = order
        return order.ids, order.empty

    def sortable_keys(self, app: App) -> list[str]:
        sortable = {
            "number", "money", "progress", "duration", "calculation", "date", "category",
            "app", "contact", "text", "location", "email", "phone",
        }  # fmt: skip
        keys = ["created_on", "last_edit_on", "title", "app_item_id"]
        keys += [str(d.field_id) for d in app.fields if d.type in sortable]
        return keys

    def update_sort_orders(self, item: Item) -> None:
        """Move one item within every cached order of its app (or drop it when deleted)."""
        for (app_id, _key), order in list(self.sort_cache.items()):
            if app_id == item.app_id:
                order.update(item)
        if self.referrers.get(item.item_id):
            # Orders by a relationship field use the referenced item's title.
            for cache_key in [k for k, order in self.sort_cache.items() if order.cross_item]:
                del self.sort_cache[cache_key]

    def filter_predicate(self, app: App, filters: JSON) -> Callable[[Item], bool] | None:
        if filters is None or filters == {} or filters == []:
            return None
        if isinstance(filters, list):
            # Stored views keep filters as a list of {key, values}.
            filters = {entry.get("key"): entry.get("values") for entry in filters}
        if not isinstance(filters, dict):
            raise invalid_value("Invalid value for filters: must be an object")
        checks: list[Callable[[Item], bool]] = []
        for key, wanted in filters.items():
            check = self.filter_check(app, str(key), wanted)
            if check is not None:
                checks.append(check)
        if not checks:
            return None
        if len(checks) == 1:
            return checks[0]
        return lambda item: all(check(item) for check in checks)

    def filter_check(self, app: App, key: str, wanted: JSON) -> Callable[[Item], bool] | None:
        definition = app.field_by_key(key)
        if definition is not None:
            # A field whose external_id equals a built-in key ("tags") wins: the client
            # named it, and a built-in cannot be addressed by a field id.
            return self.field_filter_check(definition, key, wanted)
        if key in ("created_on", "last_edit_on"):
            low, high = self._range(wanted, dates=True)
            attr = key
            return lambda item: _within(getattr(item, attr), low, high)
        if key in ("item_id", "app_item_id"):
            attr = key
            if isinstance(wanted, dict):
                low, high = self._range(wanted, dates=False)
                return lambda item: _within(getattr(item, attr), low, high)
            ids = set(self._id_list(wanted, key))
            return lambda item: getattr(item, attr) in ids
        if key in ("created_by", "last_edit_by"):
            actors = set()
            for entry in self._as_list(wanted, key):
                if isinstance(entry, dict):
                    actors.add((str(entry.get("type", "user")), entry.get("id")))
                else:
                    actors.add(("user", entry))
            attr = key
            return lambda item: getattr(item, attr) in actors
        if key == "external_id":
            external_ids = set(self._as_list(wanted, key))
            return lambda item: item.external_id in external_ids
        if key == "tags":
            tags = set(self._as_list(wanted, key))
            return lambda item: bool(tags & set(item.tags))
        if key == "title":
            # Text cannot be filtered (DOC-views via W6W): silently ignored.
            return None
        raise invalid_value(f"Invalid filter key '{key}'", key=key)

    def field_filter_check(
        self, definition: FieldDef, key: str, wanted: JSON
    ) -> Callable[[Item], bool] | None:
        field_id = definition.field_id
        kind = definition.type
        if kind == "text":
            return None
        if kind == "category":
            options = set()
            match_empty = False
            for entry in self._as_list(wanted, key):
                if entry is None:
                    match_empty = True
                else:
                    options.add(entry)

            def in_options(item: Item) -> bool:
                stored = item.values.get(field_id)
                if not stored:
                    return match_empty
                return not options.isdisjoint(stored)

            return in_options
        if kind in ("app", "contact"):
            ids = set(self._id_list(wanted, key))

            def any_of(item: Item) -> bool:
                stored = item.values.get(field_id)
                return stored is not None and not ids.isdisjoint(stored)

            return any_of
        if kind in v.NUMERIC_TYPES:
            low_n, high_n = self._range(wanted, dates=False)

            def numeric(item: Item) -> bool:
                stored = item.values.get(field_id)
                if not stored or (isinstance(stored[0], dict) and kind != "money"):
                    return False
                number = float(stored[0]["value"] if kind == "money" else stored[0])
                return _within(number, low_n, high_n)

            return numeric
        if kind == "date":
            low_d, high_d = self._range(wanted, dates=True)
            timezone = self.timezone

            def in_dates(item: Item) -> bool:
                stored = item.values.get(field_id)
                if not stored:
                    return False
                start = str(stored[0]["start"])
                local = v.utc_to_local(start, timezone) if len(start) > 10 else f"{start} 00:00:00"
                return _within(local, low_d, high_d)

            return in_dates
        raise invalid_value(f"Filtering on the field type '{kind}' is not supported", key=key)

    def _as_list(self, wanted: JSON, key: str) -> list[JSON]:
        if isinstance(wanted, list):
            return wanted
        if wanted is None or isinstance(wanted, dict):
            raise invalid_value(f"Invalid filter value for '{key}': must be a list")
        return [wanted]

    def _id_list(self, wanted: JSON, key: str) -> list[int]:
        out = []
        for entry in self._as_list(wanted, key):
            try:
                out.append(v.parse_int(entry))
            except v.ValueInputError:
                raise invalid_value(f"Invalid filter value for '{key}': {entry!r}") from None
        return out

    def _range(self, wanted: JSON, *, dates: bool) -> tuple[Any, Any]:
        if not isinstance(wanted, dict):
            raise invalid_value("Invalid filter value: a range must be {from, to}")
        low, high = wanted.get("from"), wanted.get("to")
        try:
            if dates:
                return (
                    v.parse_filter_datetime(low, False) if low is not None else None,
                    v.parse_filter_datetime(high, True) if high is not None else None,
                )
            return (
                float(low) if low is not None else None,
                float(high) if high is not None else None,
            )
        except (v.ValueInputError, TypeError, ValueError):
            raise invalid_value(f"Invalid filter range {wanted!r}") from None

    def filter_ids(
        self,
        app: App,
        filters: JSON,
        sort_by: str | None,
        sort_desc: bool,
    ) -> list[int]:
        # Default order: newest first (created_on descending), as Podio's default view.
        descending = sort_desc if sort_by else True
        cache_key = (app.app_id, json.dumps(filters, sort_keys=True), sort_by, descending)
        cached = self.filter_cache.get(cache_key)
        if cached is not None:
            return cached
        predicate = self.filter_predicate(app, filters)
        ordered, empty = self.sorted_ids(app, sort_by or "created_on")
        sequence = [*reversed(ordered), *empty] if descending else [*ordered, *empty]
        if predicate is not None:
            items = self.items
            sequence = [item_id for item_id in sequence if predicate(items[item_id])]
        if len(self.filter_cache) > 64:
            self.filter_cache.clear()
        self.filter_cache[cache_key] = sequence
        return sequence

    # ------------------------------------------------------------------ tokens

    def issue_token(self, ref_type: str, ref_id: int, client_id: str, refresh: str | None) -> JSON:
        scope = "global:all" if ref_type == "user" else f"app:{ref_id}:all"
        if refresh is None or refresh not in self.refresh_grants:
            refresh = secrets.token_hex(16)
            self.refresh_grants[refresh] = RefreshGrant(refresh, ref_type, ref_id, client_id, scope)
        if len(self.tokens) > 1000:
            now = self.clock.now()
            self.tokens = {key: t for key, t in self.tokens.items() if t.expires_at > now}
        # SPEC §2.3: access tokens are "currently 128 characters long".
        access = secrets.token_hex(64)
        self.tokens[access] = Token(
            access, refresh, ref_type, ref_id, client_id, self.clock.now() + self.token_ttl, scope
        )
        self.dirty_meta = True
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": self.token_ttl,
            "refresh_token": refresh,
            "scope": scope,
            "ref": {"type": ref_type, "id": ref_id},
        }

    def token(self, access: str) -> Token | None:
        token = self.tokens.get(access)
        if token is None:
            return None
        if token.expires_at <= self.clock.now():
            return None
        return token

    def expire_all_tokens(self) -> None:
        for token in self.tokens.values():
            token.expires_at = 0.0
        self.dirty_meta = True


EMAIL_OR_PHONE_TYPES: dict[str, tuple[str, ...]] = {
    "email": v.EMAIL_TYPES,
    "phone": v.PHONE_TYPES,
    "tel": v.PHONE_TYPES,
}


def _number_of(stored: list[JSON] | None) -> Decimal | None:
    if not stored:
        return None
    first = stored[0]
    if isinstance(first, dict):
        first = first.get("value")
    return Decimal(str(first))


def _within(value: Any, low: Any, high: Any) -> bool:
    if low is not None and value < low:
        return False
    return not (high is not None and value > high)
