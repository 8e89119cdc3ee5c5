"""Loading the workspace tree of one account: organizations, spaces, apps.

Cache first, then the server: `orgs()` and `apps()` are async generators that yield what the
cache knows at once (so the tree shows up immediately, also offline) and then what Podio says,
after writing it to the cache. When Podio cannot be reached the second answer never comes and
`offline` is set; the caller keeps showing the cached tree.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from podio_desk.api.auth import AuthMode
from podio_desk.api.client import PodioClient
from podio_desk.api.ratelimit import Priority
from podio_desk.cache.cache import Cache
from podio_desk.cache.index import workspace_records
from podio_desk.domain.items import Item
from podio_desk.domain.workspace import App, Org, View
from podio_desk.services.connectivity import ConnectivityMonitor, OnlineChanged, is_offline_error
from podio_desk.services.page_readers import ApiPages, CachePages
from podio_desk.services.queries import QueryService
from podio_desk.services.sync import (
    SyncProcess,
    SyncProgress,
    SyncResult,
    app_record,
    sync_in_child_process,
)

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


class AccountWorkspace:
    """Everything the window needs for one signed-in account, built from its client and cache.

    It is the `WorkspaceBackend` of its `tree` service, owns the item table's page readers
    (`cache_pages`, `api_pages`, sharing one worker thread: `executor`), and is the place that
    knows whether this account's server can be reached (`monitor`).
    """

    def __init__(self, key: str, label: str, client: PodioClient, cache: Cache) -> None:
        self.key = key
        self.label = label
        self.client = client
        self.cache = cache
        self.queries = QueryService(cache)
        # Pages of items are parsed and rendered here, never on the UI thread's loop.
        self.executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"podio-desk-pages-{key[:8]}"
        )
        # Apps whose sync (in a child process) is running now.
        self.syncing: set[int] = set()
        self.monitor = ConnectivityMonitor(self._probe)
        self.monitor.watch_scheduler(client.scheduler.events)
        self.monitor.events.subscribe(self._on_status)
        self.tree = WorkspaceService(self)
        self.cache_pages = CachePages(self.queries, self.executor)
        self.api_pages = ApiPages(
            client,
            cache,
            self.executor,
            app_definition=self.app_definition,
            call=self.call,
            is_syncing=self.syncing.__contains__,
        )
        self._definitions: dict[int, App] = {}
        # A sync process started ahead of the next sync (`prepare_sync`).
        self._sync_process: SyncProcess | None = None
        self._closing = False

    @classmethod
    async def open(
        cls, key: str, label: str, client: PodioClient, cache_dir: Path
    ) -> AccountWorkspace:
        """Open the account's cache (created on first use) and build its services."""
        cache = await Cache.open(cache_dir, key)
        return cls(key, label, client, cache)

    @property
    def online(self) -> bool:
        return self.monitor.online

    async def aclose(self) -> None:
        """Stop the reconnect loop and close the cache (the client belongs to the accounts)."""
        self._closing = True
        process, self._sync_process = self._sync_process, None
        if process is not None:
            await process.aclose()
        await self.monitor.aclose()
        await self.api_pages.aclose()
        self.executor.shutdown(wait=False, cancel_futures=True)
        await self.cache.aclose()

    async def sync_app(
        self,
        app_id: int,
        *,
        full: bool = False,
        on_progress: Callable[[SyncProgress], None] | None = None,
    ) -> SyncResult:
        """Sync one app into the cache in a child process (its parsing and writing never
        compete with the window for the GIL); API calls and progress happen on this loop."""
        self.syncing.add(app_id)
        process, self._sync_process = self._sync_process, None
        try:
            return await self.call(
                sync_in_child_process(
                    _ClientSyncCalls(self.client),
                    self.cache.path,
                    app_id,
                    full=full,
                    on_progress=on_progress,
                    budget=self.client.scheduler,
                    process=process,
                )
            )
        finally:
            self.syncing.discard(app_id)

    async def prepare_sync(self, after: float = 0.0) -> None:
        """Start the process of the next sync now (after `after` seconds), so that the sync
        itself starts without the cost of starting a process (see `SyncProcess`). Does nothing
        when one is ready or starting. The process waits, idle, until a sync takes it."""
        if after > 0:
            await asyncio.sleep(after)
        if self._closing or self.syncing:
            return  # never started during a sync: starting a process is what this avoids
        if self._sync_process is not None and self._sync_process.alive:
            return
        process = self._sync_process = SyncProcess()
        await asyncio.shield(process.start())

    # ------------------------------------------------------------------ calls

    async def call(self, pending: Awaitable[T]) -> T:
        """Await an API call and tell the monitor whether the server answered."""
        try:
            result = await pending
        except Exception as error:
            if is_offline_error(error):
                self.monitor.report_offline(str(error))
            else:
                self.monitor.report_success()
            raise
        self.monitor.report_success()
        return result

    async def _probe(self) -> None:
        await self.client.scope(priority=Priority.INTERACTIVE)

    def _on_status(self, event: object) -> None:
        if isinstance(event, OnlineChanged):
            # Offline the table shows whatever the cache holds, even for partly synced apps.
            self.queries.allow_partial = not event.online

    # ------------------------------------------------------------------ apps

    async def app_definition(self, app_id: int) -> App:
        """The app with its fields: memory, then cache, then Podio (then cached)."""
        known = self._definitions.get(app_id)
        if known is not None:
            return known
        cached = await self.queries.app(app_id)
        if cached is not None and cached.fields:
            self._definitions[app_id] = cached
            return cached
        try:
            app = await self.call(self.client.app(app_id, priority=Priority.INTERACTIVE))
        except Exception:
            if cached is not None:
                return cached
            raise
        await self.cache.save_apps([app_record(app, app.space_id)])
        self.queries.forget_app(app_id)
        self._definitions[app_id] = app
        return app

    def forget_definition(self, app_id: int) -> None:
        self._definitions.pop(app_id, None)
        self.queries.forget_app(app_id)

    async def views(self, app_id: int) -> Sequence[View]:
        """The app's saved Podio views (empty offline)."""
        try:
            return await self.call(self.client.views(app_id))
        except Exception as error:
            if is_offline_error(error):
                return ()
            raise

    async def is_fully_synced(self, app_id: int) -> bool:
        return await self.queries.has_full_copy(app_id)

    # ------------------------------------------------------------------ WorkspaceBackend

    async def cached_orgs(self) -> Sequence[OrgEntry] | None:
        orgs = await self.queries.orgs()
        if not orgs:
            return None
        return _org_entries(orgs)

    async def fetch_orgs(self) -> Sequence[OrgEntry]:
        orgs = await self.call(self.client.orgs(priority=Priority.INTERACTIVE))
        org_records, space_records = workspace_records(orgs)
        await self.cache.save_workspace(org_records, space_records, [])
        return _org_entries(orgs)

    async def cached_apps(self, space_id: int) -> Sequence[AppEntry] | None:
        apps = await self.queries.apps(space_id)
        if not apps:
            return None
        return await self._app_entries(apps, space_id)

    async def fetch_apps(self, space_id: int) -> Sequence[AppEntry]:
        apps = await self.call(self.client.apps(space_id, priority=Priority.INTERACTIVE))
        cached = {app.app_id: app for app in await self.queries.apps(space_id)}
        records = []
        for app in apps:
            known = cached.get(app.app_id)
            # The list has no field definitions; keep the cached ones until the app is opened.
            if not app.raw.get("fields") and known is not None and known.raw.get("fields"):
                continue
            records.append(app_record(app, space_id))
        if records:
            await self.cache.save_apps(records)
        return await self._app_entries(apps, space_id)

    async def cached_apps_for(self, app_id: int) -> list[AppEntry]:
        """The tree entry of one app as the cache now knows it (count, sync time)."""
        app = await self.queries.app(app_id)
        if app is None:
            return []
        return await self._app_entries([app], app.space_id or 0)

    async def _app_entries(self, apps: Sequence[App], space_id: int) -> list[AppEntry]:
        states = {state.app_id: state for state in await self.cache.sync_states()}
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


class _ClientSyncCalls:
    """The API calls of a sync running in a child process, made here on the UI loop (where
    the client, its token and rate budget live) at BACKGROUND priority; filter answers go
    back unparsed: the child reads them."""

    def __init__(self, client: PodioClient) -> None:
        self._client = client

    async def filter_raw(
        self,
        app_id: int,
        filters: Mapping[str, Any],
        sort_by: str,
        sort_desc: bool,
        offset: int,
        limit: int,
    ) -> bytes:
        return await self._client.filter_items_raw(
            app_id,
            filters=filters,
            sort_by=sort_by,
            sort_desc=sort_desc,
            offset=offset,
            limit=limit,
            priority=Priority.BACKGROUND,
        )

    async def get_app(self, app_id: int) -> App:
        return await self._client.app(app_id, priority=Priority.BACKGROUND)

    async def get_item(self, item_id: int) -> Item:
        return await self._client.item(item_id, priority=Priority.BACKGROUND)

    async def get_orgs(self) -> Sequence[Org]:
        return await self._client.orgs(priority=Priority.BACKGROUND)

    async def get_space_apps(self, space_id: int) -> Sequence[App]:
        return await self._client.apps(space_id, priority=Priority.BACKGROUND)


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
