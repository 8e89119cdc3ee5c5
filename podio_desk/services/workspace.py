"""Loading the workspace tree of one account: organizations, spaces, apps.

`WorkspaceService` is cache first, then the server: `orgs()` and `apps()` are async
generators that yield what the cache knows at once (so the tree shows up immediately, also
offline) and then what Podio says, after writing it to the cache (`AccountTreeBackend`).
When Podio cannot be reached the second answer never comes and `offline` is set; the caller
keeps showing the cached tree.

The item table's page readers of an account (`_ApiPages`, `_CachePages`) are here too, for
now; `AccountSession` builds them.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from podio_desk.api.auth import AuthMode
from podio_desk.api.client import PodioClient
from podio_desk.api.errors import UnexpectedResponse
from podio_desk.api.ratelimit import Priority
from podio_desk.cache.cache import Cache
from podio_desk.cache.index import record_from_item, workspace_records
from podio_desk.domain.errors import DomainError
from podio_desk.domain.items import Item, ItemPage
from podio_desk.domain.workspace import App, Org
from podio_desk.services.connectivity import ConnectivityMonitor, is_offline_error
from podio_desk.services.paging import (
    FOREGROUND,
    Page,
    PageQuery,
    parse_item_page,
    release_gradually,
)
from podio_desk.services.queries import QueryService
from podio_desk.services.sync import app_record

if TYPE_CHECKING:
    from podio_desk.services.session import AccountSession

log = logging.getLogger(__name__)

Origin = Literal["cache", "server"]
# Items of an API page written to the cache per transaction (the UI thread waits for none).
WRITE_THROUGH_CHUNK = 25
T = TypeVar("T")


@dataclass(frozen=True)
class SpaceEntry:
    space_id: int
    org_id: int
    name: str


@dataclass(frozen=True)
class OrgEntry:
    org_id: int
    name: str
    spaces: tuple[SpaceEntry, ...] = ()


@dataclass(frozen=True)
class AppEntry:
    app_id: int
    space_id: int
    name: str
    item_name: str = ""
    icon: str | None = None
    # Items in the app as far as we know (from the cache or the last count), None if unknown.
    item_count: int | None = None
    # When the cached copy of the app's items was last brought up to date (UTC), if ever.
    synced_at: datetime | None = None
    fully_synced: bool = False


class WorkspaceBackend(Protocol):
    """What `WorkspaceService` needs from the cache and the API of one account."""

    async def cached_orgs(self) -> Sequence[OrgEntry] | None: ...

    async def fetch_orgs(self) -> Sequence[OrgEntry]: ...

    async def cached_apps(self, space_id: int) -> Sequence[AppEntry] | None: ...

    async def fetch_apps(self, space_id: int) -> Sequence[AppEntry]: ...


class WorkspaceService:
    """Cache-first loading of one account's tree; remembers whether the last refresh failed."""

    def __init__(self, backend: WorkspaceBackend) -> None:
        self._backend = backend
        self.offline = False
        self.last_error: str | None = None

    async def orgs(
        self, *, refresh: bool = True
    ) -> AsyncIterator[tuple[Sequence[OrgEntry], Origin]]:
        cached = await self._backend.cached_orgs()
        if cached is not None:
            yield cached, "cache"
        if not refresh:
            return
        fetched = await self._fetch(self._backend.fetch_orgs())
        if fetched is not None:
            yield fetched, "server"

    async def apps(
        self, space_id: int, *, refresh: bool = True
    ) -> AsyncIterator[tuple[Sequence[AppEntry], Origin]]:
        cached = await self._backend.cached_apps(space_id)
        if cached is not None:
            yield cached, "cache"
        if not refresh:
            return
        fetched = await self._fetch(self._backend.fetch_apps(space_id))
        if fetched is not None:
            yield fetched, "server"

    async def _fetch(self, pending: Awaitable[T]) -> T | None:
        try:
            result = await pending
        except Exception as error:
            if not is_offline_error(error):
                raise
            self.offline = True
            self.last_error = str(error)
            log.info("Workspace refresh failed, showing the cache: %s", error)
            return None
        self.offline = False
        self.last_error = None
        return result


# ---------------------------------------------------------------------------- one account


class AccountTreeBackend:
    """The `WorkspaceBackend` of one account: its cache, then Podio (whose answers are
    written to the cache); `connectivity` hears whether Podio answered."""

    def __init__(
        self,
        client: PodioClient,
        cache: Cache,
        queries: QueryService,
        connectivity: ConnectivityMonitor,
    ) -> None:
        self._client = client
        self._cache = cache
        self._queries = queries
        self._connectivity = connectivity

    async def cached_orgs(self) -> Sequence[OrgEntry] | None:
        orgs = await self._queries.orgs()
        if not orgs:
            return None
        return _org_entries(orgs)

    async def fetch_orgs(self) -> Sequence[OrgEntry]:
        orgs = await self._connectivity.track(self._client.orgs(priority=Priority.INTERACTIVE))
        org_records, space_records = workspace_records(orgs)
        await self._cache.save_workspace(org_records, space_records, [])
        return _org_entries(orgs)

    async def cached_apps(self, space_id: int) -> Sequence[AppEntry] | None:
        apps = await self._queries.apps(space_id)
        if not apps:
            return None
        return await self._app_entries(apps, space_id)

    async def fetch_apps(self, space_id: int) -> Sequence[AppEntry]:
        apps = await self._connectivity.track(
            self._client.apps(space_id, priority=Priority.INTERACTIVE)
        )
        cached = {app.app_id: app for app in await self._queries.apps(space_id)}
        records = []
        for app in apps:
            known = cached.get(app.app_id)
            # The list has no field definitions; keep the cached ones until the app is opened.
            if not app.raw.get("fields") and known is not None and known.raw.get("fields"):
                continue
            records.append(app_record(app, space_id))
        if records:
            await self._cache.save_apps(records)
        return await self._app_entries(apps, space_id)

    async def app_entry(self, app_id: int) -> AppEntry | None:
        """The tree entry of one app as the cache now knows it (count, sync time)."""
        app = await self._queries.app(app_id)
        if app is None:
            return None
        entries = await self._app_entries([app], app.space_id or 0)
        return entries[0]

    async def _app_entries(self, apps: Sequence[App], space_id: int) -> list[AppEntry]:
        states = {state.app_id: state for state in await self._cache.sync_states()}
        entries = []
        for app in sorted(apps, key=lambda app: (app.name.casefold(), app.app_id)):
            state = states.get(app.app_id)
            synced = None
            count = None
            if state is not None:
                synced = _parse_utc(state.incremental_at or state.full_done_at)
                count = state.total_seen if state.total_seen is not None else state.full_total
            entries.append(
                AppEntry(
                    app_id=app.app_id,
                    space_id=app.space_id if app.space_id is not None else space_id,
                    name=app.name,
                    item_name=app.item_name,
                    icon=app.icon,
                    item_count=count,
                    synced_at=synced,
                    fully_synced=state is not None and state.has_full_copy,
                )
            )
        return entries


class _CachePages:
    """The item table's cache reader, run on the worker loop (items are built there)."""

    def __init__(self, owner: AccountSession) -> None:
        self._owner = owner

    async def read_page(self, query: PageQuery, offset: int, limit: int) -> Page[Item] | None:
        owner = self._owner
        return await owner.worker.run(self._read(query, offset, limit))

    async def _read(self, query: PageQuery, offset: int, limit: int) -> Page[Item] | None:
        page = await self._owner.queries.read_page(query, offset, limit)
        if page is None:
            return None
        full = list(page.items)
        light: Page[Item] = Page(page.offset, page.total, light_items(full), page.origin)
        del page  # `full` holds the last references to the items' JSON now
        release_gradually(full)
        return light


class _ApiPages:
    """The item table's API reader: one filter call per page, written to the cache after.

    The request goes through the client's transport (auth, rate scheduler, retries) on this
    loop; the 2.6 MB answer of a 500-item page is then read item by item in a worker thread.
    """

    def __init__(self, owner: AccountSession) -> None:
        self._owner = owner

    async def read_page(self, query: PageQuery, offset: int, limit: int) -> Page[Item] | None:
        owner = self._owner
        if query.search:
            # Podio's search gives 20 hits without values: full-text search is the cache's.
            return await owner.worker.run(self._search(query, offset, limit))
        app = await owner.app_definition(query.app_id)
        content = await owner.call(
            owner.client.filter_items_raw(
                query.app_id,
                filters=query.filters_dict(),
                sort_by=query.sort_by,
                sort_desc=query.sort_desc if query.sort_by is not None else None,
                offset=offset,
                limit=limit,
                view_id=query.view_id,
                priority=Priority.INTERACTIVE,
            )
        )
        cache = owner.cache
        worker = owner.worker

        async def parse() -> ItemPage:
            page = parse_item_page(content, offset, app=app, app_id=query.app_id)
            full = list(page.items)
            light = dataclasses.replace(page, items=light_items(full))
            del page  # `full` holds the last references to the items' JSON now
            # What was seen once stays readable offline; the table need not wait for it.
            # While the app's sync runs, it writes these items itself.
            if full and query.app_id not in owner.syncing:
                worker.spawn(write_through(full))
            else:
                release_gradually(full)
            return light

        async def write_through(items: list[Item]) -> None:
            # In small transactions, stepping aside while the window paints (FOREGROUND);
            # each written item is let go of at once (see release_gradually).
            items.reverse()
            while items:
                if query.app_id in owner.syncing:
                    # A sync started meanwhile: it writes these items itself.
                    release_gradually(items)
                    return
                records = []
                for _ in range(min(WRITE_THROUGH_CHUNK, len(items))):
                    FOREGROUND.yield_to_foreground()
                    records.append(record_from_item(items.pop(), query.app_id))
                await cache.items.upsert(records)
                release_gradually(records)

        try:
            page = await worker.run(parse())
        except (DomainError, ValueError) as error:
            raise UnexpectedResponse(f"Podio sent an unreadable page of items: {error}") from error
        return Page(offset, page.filtered, page.items, "api")

    async def _search(self, query: PageQuery, offset: int, limit: int) -> Page[Item]:
        queries = self._owner.queries
        item_query = await queries.query_from_podio(
            query.app_id,
            sort_by=query.sort_by,
            sort_desc=query.sort_desc,
            filters=query.filters_dict(),
            search=query.search,
        )
        found = await queries.page(item_query, offset, limit)
        full = list(found.items)
        light: Page[Item] = Page(offset, found.filtered, light_items(full), "cache")
        del found  # `full` holds the last references to the items' JSON now
        release_gradually(full)
        return light


def light_items(items: Sequence[Item]) -> tuple[Item, ...]:
    """Items without their raw JSON: the table shows parsed values only, and the raw JSON
    is most of an item's memory (100 000 rows scrolled through must stay well under 300 MB;
    the cache keeps the JSON, the editor reads it from there)."""
    return tuple(dataclasses.replace(item, raw={}) for item in items)


def auth_mode_named(name: str) -> AuthMode:
    """The sign-in mode for "browser", "password" or "app" (what the login dialog offers)."""
    return AuthMode(name)


def _org_entries(orgs: Sequence[Org]) -> list[OrgEntry]:
    ordered = sorted(orgs, key=lambda org: (org.name.casefold(), org.org_id))
    return [_org_entry(org) for org in ordered]


def _org_entry(org: Org) -> OrgEntry:
    # By name, so that the tree reads the same from the cache and from Podio.
    spaces = sorted(org.spaces, key=lambda space: (space.name.casefold(), space.space_id))
    return OrgEntry(
        org.org_id,
        org.name,
        tuple(SpaceEntry(space.space_id, org.org_id, space.name) for space in spaces),
    )


def _parse_utc(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None
