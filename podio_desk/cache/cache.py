"""The async face of one account's cache: what the services await.

`Cache` owns the file (`<profile>/cache/<account_key>.sqlite3`) and its worker threads and
holds the workspace and the sync state; `ItemStore` (as `cache.items`) holds items, comments and
files and answers item queries. Every method runs on a worker thread and returns on the caller's
loop; none blocks the caller's thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from podio_desk.cache import item_lists, store
from podio_desk.cache import query as q
from podio_desk.cache.db import CacheDatabase, cache_path, set_aside
from podio_desk.cache.records import (
    AppRecord,
    AppSyncState,
    CachedItem,
    CommentRecord,
    FileRecord,
    ItemRecord,
    OrgRecord,
    SpaceRecord,
    UpsertCounts,
)
from podio_desk.domain.timestamps import podio_now

T = TypeVar("T")


def utc_now() -> str:
    """When a row was written, in Podio's timestamp format."""
    return podio_now()


class ItemStore:
    """Items of every app of one account, with their comments and files."""

    def __init__(self, db: CacheDatabase) -> None:
        self._db = db

    # -------------------------------------------------------------- writes

    async def upsert(self, records: Sequence[ItemRecord]) -> UpsertCounts:
        """Store items fetched outside a sync (a saved edit, an opened item)."""
        now = utc_now()
        return await self._db.write(lambda c: store.upsert_items(c, records, now))

    async def save_sync_page(
        self,
        records: Sequence[ItemRecord] | Callable[[], Sequence[ItemRecord]],
        state: AppSyncState,
        *,
        seen_gen: int | None = None,
        deleted_ids: Sequence[int] = (),
    ) -> tuple[UpsertCounts, int]:
        """One sync step in one transaction: items, tombstones and the new sync state together,
        so a crash leaves either all of it or none (the cursor never runs ahead of the data).

        `records` may be a function that builds them: it then runs on the writer thread, which
        keeps the indexing work (sort keys, search text) off the caller's event loop."""
        now = utc_now()

        def work(connection: sqlite3.Connection) -> tuple[UpsertCounts, int]:
            rows = records() if callable(records) else records
            counts = store.upsert_items(connection, rows, now, seen_gen)
            deleted = store.mark_deleted(connection, deleted_ids, now) if deleted_ids else 0
            store.save_sync_state(connection, state)
            return counts, deleted

        return await self._db.write(work)

    async def mark_deleted(self, item_ids: Sequence[int]) -> int:
        now = utc_now()
        return await self._db.write(lambda c: store.mark_deleted(c, item_ids, now))

    async def save_details(
        self,
        item_id: int,
        comments: Sequence[CommentRecord] | None = None,
        files: Sequence[FileRecord] | None = None,
    ) -> None:
        """Replace an item's comments and/or file list (None leaves that part alone)."""

        def work(connection: sqlite3.Connection) -> None:
            if comments is not None:
                store.replace_comments(connection, item_id, comments)
            if files is not None:
                store.replace_files(connection, item_id, files)

        await self._db.write(work)

    async def save_lists(
        self,
        item_id: int,
        lists: Mapping[str, Sequence[Mapping[str, Any]]],
        seen_at: str | None = None,
    ) -> None:
        """Keep an item's comments, files, revisions and/or tasks as just read from Podio."""
        when = seen_at or utc_now()
        await self._db.write(lambda c: item_lists.save_lists(c, item_id, lists, when))

    # -------------------------------------------------------------- reads

    async def set_sync_with_details(self, app_id: int, on: bool) -> None:
        await self._db.write(lambda c: item_lists.set_sync_with_details(c, app_id, on))

    async def sync_with_details(self, app_id: int) -> bool:
        """Whether the app's sync also reads comments and files lists."""
        return await self._db.read(lambda c: item_lists.sync_with_details(c, app_id))

    async def items_needing_details(self, app_id: int) -> list[int]:
        return await self._db.read(lambda c: item_lists.items_needing_details(c, app_id))

    async def lists(self, item_id: int) -> dict[str, item_lists.SeenList]:
        """An item's lists as last read (kinds never read are missing)."""
        return await self._db.read(lambda c: item_lists.load_lists(c, item_id))

    async def get(self, item_id: int) -> CachedItem | None:
        return await self._db.read(lambda c: store.load_item(c, item_id))

    async def get_many(self, item_ids: Sequence[int]) -> list[CachedItem]:
        return await self._db.read(lambda c: store.load_items(c, item_ids))

    async def comments(self, item_id: int) -> list[dict[str, object]]:
        return await self._db.read(lambda c: store.load_comments(c, item_id))

    async def files(self, item_id: int) -> list[dict[str, object]]:
        return await self._db.read(lambda c: store.load_files(c, item_id))

    async def live_ids(self, app_id: int, low: int = 0, high: int | None = None) -> list[int]:
        return await self._db.read(lambda c: store.live_ids(c, app_id, low, high))

    async def live_count(self, app_id: int) -> int:
        return await self._db.read(lambda c: store.live_count(c, app_id))

    async def live_counts(self, app_ids: Sequence[int]) -> dict[int, int]:
        """app_id -> live items cached (apps with none are left out); one read job."""
        return await self._db.read(lambda c: store.live_counts(c, app_ids))

    async def revisions(self, app_id: int) -> dict[int, int]:
        return await self._db.read(lambda c: store.item_revisions(c, app_id))

    async def unreadable_items(self, app_id: int) -> dict[int, list[str]]:
        """Items stored although their JSON could not be read fully: id -> what was not."""
        return await self._db.read(lambda c: store.unreadable_items(c, app_id))

    async def deleted_ids(self, app_id: int) -> list[int]:
        return await self._db.read(lambda c: store.deleted_ids(c, app_id))

    async def page(
        self, query: q.ItemQuery, offset: int, limit: int
    ) -> tuple[q.IdPage, list[CachedItem]]:
        """One page of a query: ids, counts and the items, all from one snapshot."""

        def work(connection: sqlite3.Connection) -> tuple[q.IdPage, list[CachedItem]]:
            found = q.find_page(connection, query, offset, limit)
            return found, store.load_items(connection, found.item_ids)

        return await self._db.read(work)

    async def page_as(
        self,
        query: q.ItemQuery,
        offset: int,
        limit: int,
        convert: Callable[[CachedItem], T],
    ) -> tuple[q.IdPage, list[T]]:
        """`page`, with each row turned into what the caller wants (e.g. a domain Item) on
        the reader thread: parsing a page of items is too slow for the UI thread, which must
        keep drawing frames."""

        def work(connection: sqlite3.Connection) -> tuple[q.IdPage, list[T]]:
            found = q.find_page(connection, query, offset, limit)
            return found, [convert(row) for row in store.load_items(connection, found.item_ids)]

        return await self._db.read(work)

    async def get_many_as(
        self, item_ids: Sequence[int], convert: Callable[[CachedItem], T]
    ) -> list[T]:
        return await self._db.read(
            lambda c: [convert(row) for row in store.load_items(c, item_ids)]
        )

    async def page_ids(self, query: q.ItemQuery, offset: int, limit: int) -> list[int]:
        return await self._db.read(lambda c: q.page_ids(c, query, offset, limit))

    async def count(self, query: q.ItemQuery) -> int:
        return await self._db.read(lambda c: q.count_items(c, query))

    async def search(self, app_id: int, text: str, limit: int = 100) -> list[int]:
        return list(await self._db.read(lambda c: q.search_ids(c, app_id, text, limit)))

    async def aggregate(
        self, query: q.ItemQuery, field_ids: Sequence[int], by_currency: Collection[int] = ()
    ) -> tuple[int, list[q.FieldTotal]]:
        """Matching items, and count/sum/average per numeric field, per currency for the
        money fields in `by_currency` (one SQL aggregate)."""
        return await self._db.read(lambda c: q.aggregate_fields(c, query, field_ids, by_currency))

    async def totals(
        self, query: q.ItemQuery, field_ids: Sequence[int], by_currency: Collection[int] = ()
    ) -> tuple[int, int, list[q.FieldTotal]]:
        """`aggregate`, and the app's live items, from one read snapshot: while another
        process writes, the two counts still describe the same moment."""

        def read(connection: sqlite3.Connection) -> tuple[int, int, list[q.FieldTotal]]:
            matched, fields = q.aggregate_fields(connection, query, field_ids, by_currency)
            return matched, q.total_items(connection, query.app_id), fields

        return await self._db.read(read)

    async def group_counts(self, query: q.ItemQuery, field_id: int) -> list[tuple[int | None, int]]:
        return await self._db.read(lambda c: q.group_counts(c, query, field_id))


class Cache:
    """One account's cache file: workspace, sync state, and `items` (an ItemStore)."""

    def __init__(self, db: CacheDatabase) -> None:
        self._db = db
        self.items = ItemStore(db)

    @classmethod
    async def open(cls, cache_dir: Path, account_key: str, *, check: bool | None = None) -> Cache:
        """Open (or create and migrate) `<cache_dir>/<account_key>.sqlite3`, verified whole
        first when `check` is true, or (None) when its last close was not clean (db.py).

        Raises CacheOpenError (CacheCorruptError for a damaged file: offer `set_aside` and
        a new cache) or schema.CacheVersionError, with a message for the user."""
        path = cache_path(cache_dir, account_key)
        return cls(await CacheDatabase.open(path, check=check))

    @staticmethod
    async def set_aside(cache_dir: Path, account_key: str) -> Path | None:
        """Move the account's cache file aside (`<name>.corrupt-<timestamp>`) so the next
        open starts a new one; returns where it went (None: there was no cache yet)."""
        return await asyncio.to_thread(set_aside, cache_path(cache_dir, account_key))

    @property
    def path(self) -> Path:
        return self._db.path

    @property
    def db(self) -> CacheDatabase:
        return self._db

    async def aclose(self) -> None:
        await self._db.aclose()

    def close(self) -> None:
        self._db.close()

    # -------------------------------------------------------------- workspace

    async def save_workspace(
        self,
        orgs: Sequence[OrgRecord],
        spaces: Sequence[SpaceRecord],
        apps: Sequence[AppRecord],
        *,
        complete: bool = True,
    ) -> None:
        """Store the tree; with `complete`, orgs and spaces not in it are forgotten."""
        now = utc_now()

        def work(connection: sqlite3.Connection) -> None:
            store.upsert_orgs(connection, orgs, now)
            store.upsert_spaces(connection, spaces, now)
            store.upsert_apps(connection, apps, now)
            if complete:
                store.remove_workspace_missing(
                    connection, [o.org_id for o in orgs], [s.space_id for s in spaces]
                )

        await self._db.write(work)

    async def save_apps(self, apps: Sequence[AppRecord]) -> None:
        now = utc_now()
        await self._db.write(lambda c: store.upsert_apps(c, apps, now))

    async def orgs(self) -> list[OrgRecord]:
        return await self._db.read(store.load_orgs)

    async def spaces(self, org_id: int | None = None) -> list[SpaceRecord]:
        return await self._db.read(lambda c: store.load_spaces(c, org_id))

    async def apps(self, space_id: int | None = None) -> list[AppRecord]:
        return await self._db.read(lambda c: store.load_apps(c, space_id))

    async def app(self, app_id: int) -> AppRecord | None:
        return await self._db.read(lambda c: store.load_app(c, app_id))

    # -------------------------------------------------------------- sync state

    async def sync_state(self, app_id: int) -> AppSyncState:
        return await self._db.read(lambda c: store.load_sync_state(c, app_id))

    async def save_sync_state(self, state: AppSyncState) -> None:
        await self._db.write(lambda c: store.save_sync_state(c, state))

    async def sync_states(self) -> list[AppSyncState]:
        return await self._db.read(store.all_sync_states)

    async def finish_full_sync(self, state: AppSyncState) -> list[int]:
        """End a full pass: live items it did not see are gone from Podio -> tombstones.

        A pass overtaken by a newer one (another process started a full pass meanwhile)
        concludes nothing: it neither marks deletions nor rolls the generation back."""
        now = utc_now()

        def work(connection: sqlite3.Connection) -> list[int]:
            if store.stored_full_gen(connection, state.app_id) > state.full_gen:
                return []
            gone = store.unseen_live_ids(connection, state.app_id, state.full_gen)
            store.mark_deleted(connection, gone, now)
            store.save_sync_state(connection, state)
            return gone

        return await self._db.write(work)
