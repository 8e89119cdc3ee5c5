"""Offline queries for the UI, answered from the cache alone (no network, no API calls).

`QueryService` turns cached rows back into domain objects (`Item`, `App`, `Org`/`Space`):
pages in any order with any filter the table offers, counts, full-text search, and one item
with its comments and files. It also reads Podio's own filter grammar (the `filters` object of
POST /item/app/{id}/filter/, as the table's `PageQuery` carries it), so a query means the same
thing whether the page comes from Podio or from the cache.

Sort and filter semantics are the cache's (see `cache.query`): items without a value sort last
in both directions; ties break by item id; text fields cannot be filtered (as in Podio —
use `search`); dates compare as "YYYY-MM-DD HH:MM:SS" in the local form Podio shows.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from podio_desk.cache.cache import Cache
from podio_desk.cache.query import (
    BuiltinSort,
    CurrencyTotal,
    FieldTotal,
    IdsFilter,
    ItemQuery,
    QueryError,
    RangeFilter,
)
from podio_desk.cache.records import AppRecord, CachedItem, SortKey
from podio_desk.domain.errors import DomainError
from podio_desk.domain.fields import FieldDef, FieldType
from podio_desk.domain.items import Comment, FileInfo, Item, ItemPage
from podio_desk.domain.workspace import App, Org, Space
from podio_desk.services.paging import Page, PageQuery

log = logging.getLogger(__name__)

__all__ = [
    "CachedRows",
    "ColumnTotals",
    "CurrencyTotal",
    "FieldTotal",
    "IdsFilter",
    "ItemDetails",
    "ItemQuery",
    "QueryError",
    "QueryService",
    "RangeFilter",
]

_BUILTIN_SORTS: dict[str, BuiltinSort] = {
    "item_id": "item_id",
    "app_item_id": "app_item_id",
    "title": "title",
    "created_on": "created_on",
    "last_edit_on": "last_edit_on",
}
_ID_FILTER_TYPES = {FieldType.CATEGORY, FieldType.APP, FieldType.CONTACT}
# The field types whose column the table totals (count, sum, average).
TOTAL_TYPES = frozenset(
    {FieldType.NUMBER, FieldType.MONEY, FieldType.DURATION, FieldType.CALCULATION}
)
_RANGE_FILTER_TYPES = {
    FieldType.NUMBER,
    FieldType.MONEY,
    FieldType.PROGRESS,
    FieldType.DURATION,
    FieldType.CALCULATION,
    FieldType.DATE,
}


@dataclass(frozen=True)
class ItemDetails:
    """One cached item with what the item view shows next to it."""

    item: Item
    comments: tuple[Comment, ...]
    files: tuple[FileInfo, ...]
    deleted: bool
    deleted_at: str | None
    synced_at: str


@dataclass(frozen=True)
class CachedRows:
    """A page of cached rows, not yet parsed into items (`item_from_row` does that)."""

    offset: int
    filtered: int  # the rows matching the query
    app: App | None
    rows: list[CachedItem]


@dataclass(frozen=True)
class ColumnTotals:
    """Totals of the table's number-like columns over the items of one query, from the cache.

    `matched` items of the cache match the query; `cached` items of the app are in the cache,
    of `app_total` in Podio (None when not known). `partial` says the cache does not hold the
    whole app (fewer than `app_total` cached; that unknown, no full sync done), so the totals
    cover only the cached part."""

    matched: int
    cached: int
    app_total: int | None
    partial: bool
    fields: tuple[FieldTotal, ...]


class QueryService:
    """Reads one account's cache for the UI. Every method awaits a cache reader thread."""

    def __init__(self, cache: Cache) -> None:
        self._cache = cache
        self._apps: dict[int, App] = {}
        # Offline the table takes what the cache has even for an app never fully synced.
        self.allow_partial = False

    # -------------------------------------------------------------- workspace

    async def orgs(self) -> list[Org]:
        """Organizations with their spaces, as last synced."""
        orgs = await self._cache.orgs()
        spaces = await self._cache.spaces()
        result = []
        for org in orgs:
            raw = dict(org.raw)
            raw["spaces"] = [dict(s.raw) for s in spaces if s.org_id == org.org_id]
            result.append(Org.from_api(raw))
        return result

    async def spaces(self, org_id: int | None = None) -> list[Space]:
        return [Space.from_api(dict(s.raw), s.org_id) for s in await self._cache.spaces(org_id)]

    async def apps(self, space_id: int | None = None) -> list[App]:
        return [self._app_from(record) for record in await self._cache.apps(space_id)]

    async def app(self, app_id: int) -> App | None:
        """The app with its field definitions (cached in memory after the first read)."""
        known = self._apps.get(app_id)
        if known is not None:
            return known
        record = await self._cache.app(app_id)
        return None if record is None else self._app_from(record)

    def forget_app(self, app_id: int) -> None:
        """Drop the in-memory definition (after a sync changed it)."""
        self._apps.pop(app_id, None)

    def _app_from(self, record: AppRecord) -> App:
        raw = dict(record.raw)
        raw.setdefault("fields", record.fields)
        app = App.from_api(raw)
        self._apps[app.app_id] = app
        return app

    async def has_full_copy(self, app_id: int) -> bool:
        return (await self._cache.sync_state(app_id)).has_full_copy

    # -------------------------------------------------------------- items

    async def page(self, query: ItemQuery, offset: int, limit: int) -> ItemPage:
        """Items `offset`..`offset+limit-1` of the query; `total` = live items of the app,
        `filtered` = items matching (what Podio's filter answers too)."""
        app = await self.app(query.app_id)
        ids, items = await self._cache.items.page_as(
            query, offset, limit, functools.partial(item_from_row, app=app)
        )
        return ItemPage(total=ids.total, filtered=ids.filtered, offset=offset, items=tuple(items))

    async def count(self, query: ItemQuery) -> int:
        return await self._cache.items.count(query)

    async def cached_count(self, app_id: int) -> int:
        """Live items of the app in the cache (what a search looks through)."""
        return await self._cache.items.count(ItemQuery(app_id=app_id))

    async def totals(
        self, query: PageQuery, field_ids: Sequence[int], app_total: int | None = None
    ) -> ColumnTotals:
        """Count, sum and average of each field over the cached items matching the table's
        query (the filters and search; a saved view's filters are the query's own), each
        currency apart for money fields. One SQL aggregate on the cache's reader thread;
        raises QueryError when the cache cannot evaluate the query."""
        item_query = await self.query_from_podio(
            query.app_id,
            filters=[(key, _thaw(value)) for key, value in query.filters],
            search=query.search,
        )
        app = await self.app(query.app_id)
        money = {
            fdef.field_id
            for fdef in (app.fields if app is not None else ())
            if fdef.field_type is FieldType.MONEY
        }
        matched, cached, fields = await self._cache.items.totals(item_query, field_ids, money)
        # Partial when the cache holds fewer items than Podio has; with Podio's count unknown,
        # when no full sync has finished. Every item cached by browsing counts as complete (the
        # search count in ui/filter_bar.py `describe_count` says the same).
        if app_total is not None:
            partial = cached < app_total
        else:
            partial = not await self.has_full_copy(query.app_id)
        return ColumnTotals(matched, cached, app_total, partial, tuple(fields))

    async def group_counts(self, query: PageQuery, field_id: int) -> list[tuple[int | None, int]]:
        """The cached items matching the table's query per value of one category (or
        relationship, contact) field, most first; None counts the items without a value."""
        item_query = await self._grouping_query(query)
        return await self._cache.items.group_counts(item_query, field_id)

    async def group_page(
        self, query: PageQuery, field_id: int, value: int | None, offset: int, limit: int
    ) -> list[Item]:
        """The cached items of one group (the query plus `field_id` = `value`, None: no
        value), in the query's order; parsed on the cache's reader thread."""
        item_query = await self._grouping_query(query)
        condition = IdsFilter(field_id, () if value is None else (value,), value is None)
        item_query = replace(item_query, filters=(*item_query.filters, condition))
        page = await self.page(item_query, offset, limit)
        return list(page.items)

    async def _grouping_query(self, query: PageQuery) -> ItemQuery:
        return await self.query_from_podio(
            query.app_id,
            sort_by=query.sort_by,
            sort_desc=query.sort_desc,
            filters=[(key, _thaw(value)) for key, value in query.filters],
            search=query.search,
        )

    async def search(self, app_id: int, text: str, limit: int = 50) -> list[Item]:
        """Best matches first (titles, text values, category texts, names, comments)."""
        app = await self.app(app_id)
        ids = await self._cache.items.search(app_id, text, limit)
        return await self._cache.items.get_many_as(ids, functools.partial(item_from_row, app=app))

    async def item(self, item_id: int) -> ItemDetails | None:
        """One item with its comments and files, tombstones included (flagged)."""
        row = await self._cache.items.get(item_id)
        if row is None:
            return None
        app = await self.app(row.app_id)
        comments_raw = await self._cache.items.comments(item_id)
        files_raw = await self._cache.items.files(item_id)
        item = item_from_row(row, app)
        if not comments_raw:
            comments_raw = list(row.raw.get("comments") or [])
        if not files_raw:
            files_raw = list(row.raw.get("files") or [])
        return ItemDetails(
            item=item,
            comments=tuple(_parsed(Comment.from_api, comments_raw)),
            files=tuple(_parsed(FileInfo.from_api, files_raw)),
            deleted=row.deleted,
            deleted_at=row.deleted_at,
            synced_at=row.synced_at,
        )

    # -------------------------------------------------------------- Podio's filter grammar

    async def query_from_podio(
        self,
        app_id: int,
        *,
        sort_by: str | int | None = None,
        sort_desc: bool = False,
        filters: Mapping[str, Any] | Sequence[tuple[str, Any]] = (),
        search: str = "",
    ) -> ItemQuery:
        """An ItemQuery from the keys Podio's filter endpoint takes (field ids or external
        ids, built-ins); raises QueryError for what the cache cannot answer."""
        app = await self.app(app_id)
        pairs = list(filters.items()) if isinstance(filters, Mapping) else list(filters)
        return ItemQuery(
            app_id=app_id,
            sort_by=_sort_key(app, sort_by),
            sort_desc=sort_desc,
            filters=tuple(
                condition
                for key, value in pairs
                if (condition := _condition(app, str(key), value)) is not None
            ),
            search=search,
        )

    async def cached_rows(self, query: PageQuery, offset: int, limit: int) -> CachedRows | None:
        """The rows of the item table's `query` as the cache holds them, or None when the
        cache cannot answer faithfully (the app was never fully synced, unless
        `allow_partial`, or the query uses a saved view or something the cache cannot
        evaluate). A full-text search is always answered here (Podio's search gives 20 hits
        without values); what it cannot evaluate raises `QueryError`."""
        if query.view_id is not None and not query.search:
            return None
        if (
            not query.search
            and not self.allow_partial
            and not await self.has_full_copy(query.app_id)
        ):
            return None
        try:
            item_query = await self.query_from_podio(
                query.app_id,
                sort_by=query.sort_by,
                sort_desc=query.sort_desc,
                filters=[(key, _thaw(value)) for key, value in query.filters],
                search=query.search,
            )
        except QueryError as error:
            if query.search:
                raise
            log.info("the cache cannot answer %s: %s", query, error)
            return None
        app = await self.app(query.app_id)
        ids, rows = await self._cache.items.page_as(item_query, offset, limit, _unchanged)
        return CachedRows(offset=offset, filtered=ids.filtered, app=app, rows=rows)

    async def read_page(self, query: PageQuery, offset: int, limit: int) -> Page[Item] | None:
        """`cached_rows` made items (here, on the caller's thread: for tests and tools)."""
        found = await self.cached_rows(query, offset, limit)
        if found is None:
            return None
        items = [item_from_row(row, found.app) for row in found.rows]
        return Page(offset=offset, total=found.filtered, items=items, origin="cache")


def item_from_row(row: CachedItem, app: App | None) -> Item:
    """The domain item of a cached row."""
    return Item.from_api(row.raw, app, app_id=row.app_id)


def _unchanged(row: CachedItem) -> CachedItem:
    return row


def _parsed(build: Any, raws: Sequence[Any]) -> list[Any]:
    out = []
    for raw in raws:
        try:
            out.append(build(raw))
        except DomainError as error:
            log.warning("skipped an unreadable cached entry: %s", error)
    return out


def _thaw(value: object) -> object:
    """PageQuery freezes dicts into sorted pair tuples; turn {from, to} ranges back."""
    if (
        isinstance(value, tuple)
        and value
        and all(
            isinstance(pair, tuple) and len(pair) == 2 and pair[0] in ("from", "to")
            for pair in value
        )
    ):
        return dict(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _field(app: App | None, key: str | int) -> FieldDef | None:
    if app is None:
        return None
    if isinstance(key, int) or key.isdigit():
        return app.field(int(key))
    return app.field(key)


def _sort_key(app: App | None, sort_by: str | int | None) -> int | BuiltinSort:
    if sort_by is None or sort_by == "":
        return "item_id"
    if isinstance(sort_by, str) and sort_by in _BUILTIN_SORTS:
        return _BUILTIN_SORTS[sort_by]
    fdef = _field(app, sort_by)
    if fdef is None:
        raise QueryError(f"cannot sort by {sort_by!r}: no such field in the cached app")
    return fdef.field_id


def _bound(fdef: FieldDef | None, value: object) -> SortKey | None:
    if value is None:
        return None
    if fdef is not None and fdef.field_type is FieldType.DATE:
        return str(value)
    if isinstance(value, str) and fdef is None:
        return value  # created_on / last_edit_on
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise QueryError(f"{value!r} is not a number") from None


def _condition(app: App | None, key: str, value: object) -> IdsFilter | RangeFilter | None:
    if key in ("created_on", "last_edit_on", "app_item_id", "item_id"):
        if isinstance(value, Mapping):
            return RangeFilter(key, _bound(None, value.get("from")), _bound(None, value.get("to")))  # type: ignore[arg-type]
        raise QueryError(f"the cache filters {key} by range only")
    if key == "title":
        return None  # Podio ignores text filters; so do we (use search)
    fdef = _field(app, key)
    if fdef is None:
        raise QueryError(f"cannot filter by {key!r}: no such field in the cached app")
    kind = fdef.field_type
    if kind is FieldType.TEXT:
        return None
    if kind in _ID_FILTER_TYPES:
        entries = list(value) if isinstance(value, (list, tuple)) else [value]
        ids = []
        for entry in entries:
            if entry is None:
                continue
            try:
                ids.append(int(str(entry)))
            except ValueError:
                raise QueryError(f"{entry!r} is not an id for {fdef.label!r}") from None
        # `null` in the list matches "no value": Podio's rule for categories, our choice for
        # relationships and contacts too (docs/podio-api.md, Filter keys).
        include_empty = None in entries
        return IdsFilter(fdef.field_id, tuple(ids), include_empty)
    if kind in _RANGE_FILTER_TYPES:
        if not isinstance(value, Mapping):
            raise QueryError(f"{fdef.label!r} is filtered by a {{from, to}} range")
        return RangeFilter(
            fdef.field_id, _bound(fdef, value.get("from")), _bound(fdef, value.get("to"))
        )
    raise QueryError(f"the cache cannot filter the {fdef.type} field {fdef.label!r}")
