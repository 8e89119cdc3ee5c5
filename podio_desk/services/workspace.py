"""Loading the workspace tree of one account: organizations, spaces, apps.

`WorkspaceService` is cache first, then the server: `orgs()` and `apps()` are async
generators that yield what the cache knows at once (so the tree shows up immediately, also
offline) and then what Podio says, after writing it to the cache (`AccountTreeBackend`).
When Podio cannot be reached the second answer never comes and `offline` is set; the caller
keeps showing the cached tree.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol, TypeVar

from podio_desk.api.auth import AuthMode
from podio_desk.api.client import PodioClient
from podio_desk.api.ratelimit import Priority
from podio_desk.cache.cache import Cache
from podio_desk.cache.index import workspace_records
from podio_desk.domain.workspace import App, Org
from podio_desk.services.connectivity import ConnectivityMonitor, is_offline_error
from podio_desk.services.queries import QueryService
from podio_desk.services.sync import app_record

log = logging.getLogger(__name__)

Origin = Literal["cache", "server"]
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
    # Items in the app as Podio last counted them (a sync, or a page of the whole app read
    # from Podio), None if never counted.
    item_count: int | None = None
    # Items of the app in the local cache (whatever their count on Podio).
    cached_count: int = 0
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
        cached_counts = await self._cache.items.live_counts([app.app_id for app in apps])
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
                    cached_count=cached_counts.get(app.app_id, 0),
                    synced_at=synced,
                    fully_synced=state is not None and state.has_full_copy,
                )
            )
        return entries


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
