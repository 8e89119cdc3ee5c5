"""The sandbox's records: users, orgs, spaces, apps, items, files, comments, tasks, tokens.

`Records` holds them with the caches derived from them, looks them up and hands out new ids;
the operations over them are in rendering.py, inputs.py, queries.py, writes.py and tokens.py,
and `state.State` combines them all.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from podio_desk.sandbox import values as v
from podio_desk.sandbox.errors import ApiError, not_found
from podio_desk.sandbox.model import (
    JSON,
    PODIO_WEB,
    App,
    Comment,
    Embed,
    FieldDef,
    FileRecord,
    Hook,
    Item,
    Org,
    Space,
    Task,
    User,
    View,
)

if TYPE_CHECKING:
    from podio_desk.sandbox.queries import SortOrder

Actor = tuple[str, int]
"""Who acts: ("user", user_id) or ("app", app_id)."""


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
    next_hook_id: int = 950_001


class Records:
    """Every record of the sandbox, its caches, and lookups and new ids over them."""

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
        self.hooks: dict[int, Hook] = {}
        # (actor type, actor id, app id) -> the last view's sort_by, sort_desc, filters.
        self.last_views: dict[tuple[str, int, int], dict[str, JSON]] = {}
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
            # Deleted items answer 410 gone (docs/podio-api.md, Errors, lists 410 for deleted
            # objects; chosen over 404 because it tells a syncing client the item existed and is
            # gone for good).
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
