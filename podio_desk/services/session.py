"""One signed-in account's session: everything the window does with that account goes here.

An `AccountSession` is built from the account's client (made and signed in by
`AccountService`) and its cache, and owns the services built on them: the workspace tree,
the item table's page readers, app definitions, sync, editing and connectivity. The window
calls its use-case methods and listens to its one event hub (`events`); it never reaches
through a session to its client or its cache. See docs/architecture.md.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TypeAlias, TypeVar

from podio_desk.api.client import PodioClient
from podio_desk.api.events import EventHub
from podio_desk.api.ratelimit import Priority
from podio_desk.cache.cache import Cache
from podio_desk.cache.db import CacheCorruptError as CacheCorruptError
from podio_desk.cache.db import CacheInUseError as CacheInUseError
from podio_desk.cache.index import item_record
from podio_desk.cache.journal import Journal
from podio_desk.domain.items import Item
from podio_desk.domain.links import PodioLink
from podio_desk.domain.workspace import App, View
from podio_desk.services.accounts import Account, AccountService
from podio_desk.services.bulk import BulkService
from podio_desk.services.bulk_run import BulkEvent
from podio_desk.services.connectivity import (
    ConnectivityMonitor,
    ConnectivityState,
    OnlineChanged,
    StatusEvent,
    is_offline_error,
)
from podio_desk.services.editing import EditEvent, EditingService, ItemRemoved, ItemSaved
from podio_desk.services.export import ExportProgress, ExportService
from podio_desk.services.file_cache import FileCache
from podio_desk.services.links import LinkResolver, LinkTarget
from podio_desk.services.outbox import (
    Outbox,
    OutboxDropped,
    OutboxEvent,
    OutboxSent,
    OutboxShows,
)
from podio_desk.services.page_readers import ApiPages, CachePages
from podio_desk.services.queries import QueryService
from podio_desk.services.sync import PodioSyncApi, SyncProgress, SyncResult, app_record
from podio_desk.services.sync_process import SyncJob, sync_in_child_process
from podio_desk.services.workspace import (
    AccountTreeBackend,
    AppEntry,
    WorkspaceService,
)

log = logging.getLogger(__name__)

T = TypeVar("T")


# Everything a session tells the window, on its one hub.
SessionEvent: TypeAlias = (
    StatusEvent | EditEvent | SyncProgress | OutboxEvent | BulkEvent | ExportProgress
)


class AccountSession:
    """See the module docstring. `key` is the account's key, `label` its name."""

    def __init__(
        self,
        key: str,
        label: str,
        client: PodioClient,
        cache: Cache,
        journal: Journal | None = None,
    ) -> None:
        self.key = key
        self.label = label
        # For the services below (the page readers use them); the window never does.
        self.client = client
        self.cache = cache
        self.events: EventHub[SessionEvent] = EventHub()
        self.queries = QueryService(cache)
        # Pages of items are parsed and rendered on this one thread, never on the UI thread.
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"podio-desk-pages-{key[:8]}"
        )
        # Apps whose sync (in a child process) is running now.
        self.syncing: Counter[int] = Counter()
        self._connectivity = ConnectivityMonitor(self._probe)
        self._connectivity.watch_scheduler(client.scheduler.events)
        self._connectivity.watch_attempts(client.transport.reachability)
        self._connectivity.events.subscribe(self._on_status)
        self._tree_backend = AccountTreeBackend(client, cache, self.queries, self._connectivity)
        self.tree = WorkspaceService(self._tree_backend)
        self.cache_pages = CachePages(self.queries, self._executor)
        self.api_pages = ApiPages(
            client,
            cache,
            self._executor,
            app_definition=self.app_definition,
            call=self.call,
            is_syncing=lambda app_id: self.syncing[app_id] > 0,
        )
        self.editing = EditingService(
            client,
            cache.items,
            cached=self.queries,
            lists=cache.items,
            is_online=lambda: self._connectivity.online,
        )
        self.editing.events.subscribe(self.events.emit)
        self.tasks = self.editing.task_service  # Podio tasks and hooks (services/tasks.py)
        # Writes made while Podio cannot be reached wait here (the account's journal).
        self.journal = journal
        self.outbox: Outbox | None = None
        if journal is not None:
            self.outbox = Outbox(
                journal,
                client,
                self.app_definition,
                store_item=self._keep_item,
                forget_item=self._forget_placeholder,
                title_of=self._cached_title,
            )
            self.outbox.events.subscribe(self._on_outbox)
            self.editing.outbox = self.outbox
        # File contents opened once open again offline: <profile>/files/<account>.
        self.editing.files = FileCache(cache.path.parent.parent / "files" / key)
        self._definitions: dict[int, App] = {}
        self._links = LinkResolver(client, cache, self.queries, self.call)
        # Bulk jobs; their journal (<profile>/journal/<key>.sqlite3, beside the cache) opens
        # on first use.
        journal_dir = cache.path.parent.parent / "journal"
        self.bulk = BulkService(
            client, cache, self.queries, self.app_definition, self._links,
            lambda: Journal.open(journal_dir, key), self.events.emit, account=key,
        )  # fmt: skip
        # Exports parse and write on the same worker thread as the table's pages.
        self.exports = ExportService(
            client,
            cache,
            self.queries,
            self._executor,
            call=self.call,
            is_syncing=lambda app_id: self.syncing[app_id] > 0,
            online=lambda: self.online,
        )

    @classmethod
    async def open(
        cls,
        key: str,
        label: str,
        client: PodioClient,
        cache_dir: Path,
        journal_dir: Path | None = None,
    ) -> AccountSession:
        """Open the account's cache (created on first use) and its journal (the outbox;
        `<profile>/journal`, beside the cache) and build its services."""
        cache = await Cache.open(cache_dir, key)
        try:
            journal = await Journal.open(journal_dir or cache_dir.parent / "journal", key)
        except BaseException:
            await cache.aclose()
            raise
        return cls(key, label, client, cache, journal)

    def start_outbox(self) -> None:
        """Send what waits in the outbox (after a restart; also on every reconnect)."""
        if self.outbox is not None and self.online:
            self.outbox.start_replay()

    async def _keep_item(self, item: Item) -> None:
        if item.app_id is None:
            return
        try:
            await self.cache.items.upsert([item_record(item.raw, item.app_id)])
        except Exception:  # the cache is a copy; the outbox's news must still reach the UI
            log.exception("Could not write item %s to the cache", item.item_id)

    async def _forget_placeholder(self, item_id: int) -> None:
        await self.cache.items.mark_deleted([item_id])

    async def _cached_title(self, item_id: int) -> str:
        details = await self.queries.item(item_id)
        return "" if details is None else details.item.title

    def _on_outbox(self, event: OutboxEvent) -> None:
        self.events.emit(event)
        if isinstance(event, OutboxSent) and event.item is not None:
            # The row and an open editor show the item as Podio now has it.
            self.events.emit(ItemSaved(event.item))
        elif isinstance(event, OutboxDropped):
            self.events.emit(ItemRemoved(event.item_id, event.app_id))
        elif isinstance(event, OutboxShows):
            self.events.emit(ItemSaved(event.item))

    async def aclose(self) -> None:
        """Stop the reconnect loop and close the cache (the client belongs to the accounts)."""
        if self.outbox is not None:
            await self.outbox.aclose()
        if self.journal is not None:
            await self.journal.aclose()
        await self._connectivity.aclose()
        await self.bulk.aclose()
        await self.api_pages.aclose()
        self._executor.shutdown(wait=False, cancel_futures=True)
        await self.cache.aclose()

    # ------------------------------------------------------------------ connectivity

    @property
    def online(self) -> bool:
        return self._connectivity.online

    @property
    def offline_since(self) -> datetime | None:
        return self._connectivity.offline_since

    def connectivity(self) -> ConnectivityState:
        """Online or not, rate budgets, queue and any 420 wait, as of now."""
        return self._connectivity.state()

    async def call(self, pending: Awaitable[T]) -> T:
        """Await an API call and note whether the server answered."""
        return await self._connectivity.track(pending)

    async def probe(self) -> bool:
        """Ask Podio now whether it can be reached (the "Retry now" button); True if it
        answered. Offline, the reconnect loop keeps trying by itself either way."""
        try:
            await self.call(self.client.scope())
        except Exception as error:
            log.info("Still offline: %s", error)
            return False
        return True

    async def _probe(self) -> None:
        await self.client.scope(priority=Priority.INTERACTIVE)

    def _on_status(self, event: StatusEvent) -> None:
        if isinstance(event, OnlineChanged):
            # Offline the table shows whatever the cache holds, even for partly synced apps.
            self.queries.allow_partial = not event.online
        self.events.emit(event)
        if isinstance(event, OnlineChanged) and event.online:
            self.start_outbox()

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
        if cached is not None and not self.online:
            # Never opened (no fields cached): its title column, until Podio answers again.
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

    async def find_link(self, link: PodioLink, *, cache_only: bool = False) -> LinkTarget | None:
        """The app and item a Podio link names, if they are this account's (cache first,
        then Podio unless `cache_only`); raises LinkNotOpenedError with a sentence when they
        cannot be opened."""
        return await self._links.find(link, cache_only=cache_only)

    async def is_fully_synced(self, app_id: int) -> bool:
        return await self.queries.has_full_copy(app_id)

    async def app_entry(self, app_id: int) -> AppEntry | None:
        """The tree entry of one app as the cache now knows it (count, sync time)."""
        return await self._tree_backend.app_entry(app_id)

    # ------------------------------------------------------------------ sync

    async def sync_with_details(self, app_id: int) -> bool:
        """The app's option "with comments and files" (its sync reads those lists too)."""
        return await self.cache.items.sync_with_details(app_id)

    async def set_sync_with_details(self, app_id: int, on: bool) -> None:
        await self.cache.items.set_sync_with_details(app_id, on)

    async def sync_app(self, app_id: int, *, full: bool = False) -> SyncResult:
        """Sync one app into the cache in a child process (its parsing and writing never
        compete with the window for the GIL); API calls happen on this loop, and progress
        comes as `SyncProgress` events."""
        self.syncing[app_id] += 1  # counted: a sync started again runs before the old one ends
        try:
            return await self.call(
                sync_in_child_process(
                    PodioSyncApi(self.client),
                    SyncJob(self.cache.path, app_id, full=full),
                    on_progress=self.events.emit,
                    budget=self.client.scheduler,
                )
            )
        finally:
            self.syncing[app_id] -= 1
            self.forget_definition(app_id)


async def set_aside_cache(cache_dir: Path, key: str) -> Path | None:
    """Move the account's damaged cache aside (`<name>.corrupt-<timestamp>`), so that the
    next `open_session` starts a new one and fills it from Podio. CacheInUseError while
    another process (a `podio-desk sync`) has it open."""
    return await Cache.set_aside(cache_dir, key)


async def open_session(
    accounts: AccountService, account: Account, cache_dir: Path
) -> AccountSession:
    """The session of a signed-in (or restored) account, its cache under `cache_dir`."""
    client = await accounts.client(account.key)
    return await AccountSession.open(account.key, account.name, client, cache_dir)
