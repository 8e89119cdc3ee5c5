"""Pages, counts and search over the cached items of one app, from SQLite alone.

A page is found as a list of item ids first (an index walk), then loaded by id: the sorted
scan only touches narrow index rows, never the compressed item JSON it skips over.

Sorting by a field uses `item_values (field_id, sort_key, item_id)`. Items with no value for
that field come after the others in both directions (as in a spreadsheet), ordered by item id;
they are paged in a second step so both steps stay index scans.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Literal

from podio_desk.cache.connection import CacheConnection
from podio_desk.cache.records import SortKey

BuiltinSort = Literal["item_id", "app_item_id", "title", "created_on", "last_edit_on"]
BuiltinRange = Literal["created_on", "last_edit_on", "app_item_id", "item_id"]

_BUILTIN_SORT_COLUMNS: dict[str, str] = {
    "item_id": "item_id",
    "app_item_id": "app_item_id",
    "title": "title_key",
    "created_on": "created_on",
    "last_edit_on": "last_edit_on",
}


class QueryError(ValueError):
    """The query asks for something the cache cannot answer (unknown sort, bad range)."""


@dataclass(frozen=True)
class IdsFilter:
    """Items whose field holds any of `ids`: category option ids, related item ids or contact
    profile ids. `include_empty` also matches items with no value (Podio's `null` in a list)."""

    field_id: int
    ids: tuple[int, ...]
    include_empty: bool = False


@dataclass(frozen=True)
class RangeFilter:
    """Items whose value lies in [low, high] (either end open). `field` is a field id (number,
    money, progress, duration, calculation, date) or a built-in column. Dates compare as
    "YYYY-MM-DD HH:MM:SS" UTC text; a bare date as `high` includes that whole day."""

    field: int | BuiltinRange
    low: SortKey | None = None
    high: SortKey | None = None


@dataclass(frozen=True)
class ItemQuery:
    app_id: int
    sort_by: int | BuiltinSort = "item_id"  # a field id or a built-in column
    sort_desc: bool = False
    filters: tuple[IdsFilter | RangeFilter, ...] = ()
    search: str = ""  # words to find (FTS5); every word must match, as a prefix
    include_deleted: bool = False


@dataclass(frozen=True)
class IdPage:
    item_ids: list[int]
    total: int  # live items of the app
    filtered: int  # items matching the filters and search
    offset: int


@dataclass
class _Where:
    clauses: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)
    # With a text search, the FTS matches drive the query (CROSS JOIN keeps SQLite from
    # walking the whole app and probing the match list for each item instead).
    source: str = "items AS i"
    source_params: list[object] = field(default_factory=list)

    def sql(self) -> str:
        return " AND ".join(self.clauses)

    @property
    def searching(self) -> bool:
        return bool(self.source_params)

    def all_params(self) -> list[object]:
        return [*self.source_params, *self.params]


_WORD = re.compile(r"\w+", re.UNICODE)


def fts_expression(text: str) -> str | None:
    """User words -> an FTS5 query: each word quoted (no operator injection), prefix-matched."""
    words = _WORD.findall(text)
    if not words:
        return None
    return " ".join(f'"{word}"*' for word in words[:32])


def _range_high(value: SortKey) -> SortKey:
    # "2024-05-01" as an upper bound means the whole day, not its first second.
    if isinstance(value, str) and len(value) == 10:
        return value + " 23:59:59"
    return value


def _where(query: ItemQuery, alias: str = "i") -> _Where:
    where = _Where()
    where.clauses.append(f"{alias}.app_id = ?")
    where.params.append(query.app_id)
    if not query.include_deleted:
        where.clauses.append(f"{alias}.deleted = 0")
    for condition in query.filters:
        if isinstance(condition, IdsFilter):
            parts = []
            if condition.ids:
                marks = ",".join("?" * len(condition.ids))
                parts.append(
                    f"{alias}.item_id IN (SELECT item_id FROM item_refs "
                    f"WHERE field_id = ? AND ref_id IN ({marks}))"
                )
                where.params.extend([condition.field_id, *condition.ids])
            if condition.include_empty:
                parts.append(
                    f"{alias}.item_id NOT IN (SELECT item_id FROM item_refs WHERE field_id = ?)"
                )
                where.params.append(condition.field_id)
            if not parts:
                parts.append("0")  # an empty id list matches nothing
            where.clauses.append("(" + " OR ".join(parts) + ")")
        else:
            _add_range(where, condition, alias)
    if query.search.strip():
        expression = fts_expression(query.search)
        if expression is None:
            where.clauses.append("0")
        else:
            where.source = (
                "(SELECT rowid AS item_id FROM item_fts WHERE item_fts MATCH ?) AS hits "
                f"CROSS JOIN items AS {alias} ON {alias}.item_id = hits.item_id"
            )
            where.source_params.append(expression)
    return where


def _add_range(where: _Where, condition: RangeFilter, alias: str) -> None:
    if condition.low is None and condition.high is None:
        return
    if isinstance(condition.field, str):
        if condition.field not in ("created_on", "last_edit_on", "app_item_id", "item_id"):
            raise QueryError(f"cannot filter by {condition.field!r}")
        column = f"{alias}.{condition.field}"
        if condition.low is not None:
            where.clauses.append(f"{column} >= ?")
            where.params.append(condition.low)
        if condition.high is not None:
            where.clauses.append(f"{column} <= ?")
            where.params.append(_range_high(condition.high))
        return
    inner = ["field_id = ?"]
    params: list[object] = [condition.field]
    if condition.low is not None:
        inner.append("sort_key >= ?")
        params.append(condition.low)
    if condition.high is not None:
        inner.append("sort_key <= ?")
        params.append(_range_high(condition.high))
    where.clauses.append(
        f"{alias}.item_id IN (SELECT item_id FROM item_values WHERE {' AND '.join(inner)})"
    )
    where.params.extend(params)


def count_items(connection: sqlite3.Connection, query: ItemQuery) -> int:
    where = _where(query)
    row = connection.execute(
        f"SELECT count(*) FROM {where.source} WHERE {where.sql()}", where.all_params()
    ).fetchone()
    return int(row[0])


def total_items(connection: sqlite3.Connection, app_id: int) -> int:
    # Only the read-only connection may remember: its data_version moves with every commit
    # of the writer, while a connection's own commits never move it.
    reader = connection if isinstance(connection, CacheConnection) else None
    remembered = reader.totals if reader is not None and reader.read_only else None
    version = 0
    if remembered is not None:
        version = int(connection.execute("PRAGMA data_version").fetchone()[0])
        known = remembered.get(app_id)
        if known is not None and known[0] == version:
            return known[1]
    row = connection.execute(
        "SELECT count(*) FROM items WHERE app_id = ? AND deleted = 0", (app_id,)
    ).fetchone()
    total = int(row[0])
    if remembered is not None and version:
        remembered[app_id] = (version, total)
    return total


def page_ids(
    connection: sqlite3.Connection, query: ItemQuery, offset: int, limit: int
) -> list[int]:
    """Item ids of one page in the query's order."""
    if offset < 0 or limit < 0:
        raise QueryError("offset and limit cannot be negative")
    if limit == 0:
        return []
    direction = "DESC" if query.sort_desc else "ASC"
    where = _where(query)
    if where.searching:
        return _page_of_matches(connection, query, direction, where, offset, limit)[0]
    if isinstance(query.sort_by, str):
        column = _BUILTIN_SORT_COLUMNS.get(query.sort_by)
        if column is None:
            raise QueryError(f"cannot sort by {query.sort_by!r}")
        order = f"i.{column} {direction}, i.item_id {direction}"
        if column == "item_id":
            order = f"i.item_id {direction}"
        rows = connection.execute(
            f"SELECT i.item_id FROM items AS i WHERE {where.sql()} ORDER BY {order} "
            "LIMIT ? OFFSET ?",
            [*where.params, limit, offset],
        )
        return [row[0] for row in rows]
    return _page_by_field(connection, query.sort_by, direction, where, offset, limit)


def _page_of_matches(
    connection: sqlite3.Connection,
    query: ItemQuery,
    direction: str,
    where: _Where,
    offset: int,
    limit: int,
) -> tuple[list[int], int | None]:
    """A search narrows the app to its matches first; those are then sorted (cheap for the
    thousands of rows a search yields), empty values last. The match count comes from the
    same pass (a window count), None when the page is past the end."""
    params: list[object] = []
    if isinstance(query.sort_by, str):
        column = _BUILTIN_SORT_COLUMNS.get(query.sort_by)
        if column is None:
            raise QueryError(f"cannot sort by {query.sort_by!r}")
        source = where.source
        key = f"i.{column}"
    else:
        source = (
            f"{where.source} LEFT JOIN item_values AS v ON v.item_id = i.item_id AND v.field_id = ?"
        )
        params.append(query.sort_by)
        key = "v.sort_key"
    rows = connection.execute(
        f"SELECT i.item_id, count(*) OVER () FROM {source} WHERE {where.sql()} "
        f"ORDER BY {key} IS NULL, {key} {direction}, i.item_id {direction} LIMIT ? OFFSET ?",
        [*where.source_params, *params, *where.params, limit, offset],
    ).fetchall()
    return [row[0] for row in rows], (int(rows[0][1]) if rows else None)


def _page_by_field(
    connection: sqlite3.Connection,
    field_id: int,
    direction: str,
    where: _Where,
    offset: int,
    limit: int,
) -> list[int]:
    valued = [
        row[0]
        for row in connection.execute(
            "SELECT v.item_id FROM item_values AS v JOIN items AS i ON i.item_id = v.item_id "
            f"WHERE v.field_id = ? AND {where.sql()} "
            f"ORDER BY v.sort_key {direction}, v.item_id {direction} LIMIT ? OFFSET ?",
            [field_id, *where.params, limit, offset],
        )
    ]
    if len(valued) == limit:
        return valued
    # The valued part ran out inside this page: continue with the items that have no value.
    if valued:
        empty_offset = 0
    else:
        valued_count = connection.execute(
            "SELECT count(*) FROM item_values AS v JOIN items AS i ON i.item_id = v.item_id "
            f"WHERE v.field_id = ? AND {where.sql()}",
            [field_id, *where.params],
        ).fetchone()[0]
        empty_offset = max(0, offset - int(valued_count))
    empty = [
        row[0]
        for row in connection.execute(
            f"SELECT i.item_id FROM items AS i WHERE {where.sql()} AND NOT EXISTS "
            "(SELECT 1 FROM item_values AS v WHERE v.item_id = i.item_id AND v.field_id = ?) "
            f"ORDER BY i.item_id {direction} LIMIT ? OFFSET ?",
            [*where.params, field_id, limit - len(valued), empty_offset],
        )
    ]
    return valued + empty


def find_page(connection: sqlite3.Connection, query: ItemQuery, offset: int, limit: int) -> IdPage:
    """One page of ids plus the total and the filtered count, from one snapshot."""
    total = total_items(connection, query.app_id)
    where = _where(query)
    if where.searching and limit > 0 and offset >= 0:
        direction = "DESC" if query.sort_desc else "ASC"
        ids, matches = _page_of_matches(connection, query, direction, where, offset, limit)
        filtered = matches if matches is not None else count_items(connection, query)
        return IdPage(item_ids=ids, total=total, filtered=filtered, offset=offset)
    ids = page_ids(connection, query, offset, limit)
    filtered = total if _is_unfiltered(query) else count_items(connection, query)
    return IdPage(item_ids=ids, total=total, filtered=filtered, offset=offset)


def _is_unfiltered(query: ItemQuery) -> bool:
    return not query.filters and not query.search.strip() and not query.include_deleted


def position_of(connection: sqlite3.Connection, query: ItemQuery, item_id: int) -> int | None:
    """The row an item has under this query's order (for "scroll to the edited item")."""
    # Rare and bounded by the app size; a scan of the id list is simple and correct.
    offset = 0
    step = 5000
    while True:
        ids = page_ids(connection, query, offset, step)
        if item_id in ids:
            return offset + ids.index(item_id)
        if len(ids) < step:
            return None
        offset += step


def search_ids(
    connection: sqlite3.Connection, app_id: int, text: str, limit: int = 100
) -> Sequence[int]:
    """Best matches first (FTS5 rank), for a quick "find" box."""
    expression = fts_expression(text)
    if expression is None:
        return []
    rows = connection.execute(
        "SELECT f.rowid FROM item_fts AS f JOIN items AS i ON i.item_id = f.rowid "
        "WHERE item_fts MATCH ? AND i.app_id = ? AND i.deleted = 0 ORDER BY f.rank LIMIT ?",
        (expression, app_id, limit),
    )
    return [row[0] for row in rows]


@dataclass(frozen=True)
class CurrencyTotal:
    """How many items hold an amount in one currency, and their sum. currency None: amounts
    an older build stored without their currency."""

    currency: str | None
    count: int
    total: float


@dataclass(frozen=True)
class FieldTotal:
    """The numbers of one field over a query's items: how many hold a number, their sum and
    their average (None when none does). For a money field asked `by_currency`, each
    currency's count and sum, most items first; sum and average over all of them are then
    only meaningful with one currency."""

    field_id: int
    count: int
    total: float
    average: float | None
    currencies: tuple[CurrencyTotal, ...] = ()


def aggregate_fields(
    connection: sqlite3.Connection,
    query: ItemQuery,
    field_ids: Sequence[int],
    by_currency: Collection[int] = (),
) -> tuple[int, list[FieldTotal]]:
    """How many items match `query`, and count, sum and average of each field's numeric sort
    keys over them (per currency for the money fields in `by_currency`): one SQL aggregate,
    no item is loaded. Text sort keys (a calculation that yields text or a date) are not
    numbers and are left out of the count."""
    where = _where(query)
    matched = count_items(connection, query)
    if not field_ids:
        return matched, []
    if _is_unfiltered(query):
        return matched, [
            _field_total(connection, query.app_id, fid, fid in by_currency) for fid in field_ids
        ]
    marks = ",".join("?" * len(field_ids))
    rows = connection.execute(
        f"SELECT v.field_id, v.currency, count(v.sort_key), total(v.sort_key) "
        f"FROM {where.source} JOIN item_values AS v ON v.item_id = i.item_id "
        f"AND v.field_id IN ({marks}) AND typeof(v.sort_key) IN ('integer', 'real') "
        f"WHERE {where.sql()} GROUP BY v.field_id, v.currency",
        [*where.source_params, *field_ids, *where.params],
    ).fetchall()
    groups: dict[int, list[CurrencyTotal]] = {}
    for field_id, currency, count, total in rows:
        groups.setdefault(int(field_id), []).append(
            CurrencyTotal(currency, int(count), float(total))
        )
    return matched, [_folded(fid, groups.get(fid, []), fid in by_currency) for fid in field_ids]


def _folded(field_id: int, groups: list[CurrencyTotal], by_currency: bool) -> FieldTotal:
    count = sum(group.count for group in groups)
    total = sum(group.total for group in groups)
    average = total / count if count else None
    currencies: tuple[CurrencyTotal, ...] = ()
    if by_currency:
        currencies = tuple(
            sorted(groups, key=lambda group: (-group.count, group.currency or "\uffff"))
        )
    return FieldTotal(field_id, count, total, average, currencies)


# The app's deleted items, to leave out of a scan that walks one field's index instead of
# the app's items (a field id belongs to one app: Podio's ids are global).
_DELETED = "SELECT item_id FROM items WHERE app_id = ? AND deleted = 1"


def _field_total(
    connection: sqlite3.Connection, app_id: int, field_id: int, by_currency: bool
) -> FieldTotal:
    # Numbers sort before text in SQLite, so `sort_key < ''` is the index range of numbers.
    if not by_currency:
        row = connection.execute(
            "SELECT count(sort_key), total(sort_key), avg(sort_key) FROM item_values "
            f"WHERE field_id = ? AND sort_key < '' AND item_id NOT IN ({_DELETED})",
            (field_id, app_id),
        ).fetchone()
        return FieldTotal(field_id, int(row[0]), float(row[1]), row[2])
    rows = connection.execute(
        "SELECT currency, count(sort_key), total(sort_key) FROM item_values "
        f"WHERE field_id = ? AND sort_key < '' AND item_id NOT IN ({_DELETED}) "
        "GROUP BY currency",
        (field_id, app_id),
    ).fetchall()
    groups = [CurrencyTotal(row[0], int(row[1]), float(row[2])) for row in rows]
    return _folded(field_id, groups, True)


def group_counts(
    connection: sqlite3.Connection, query: ItemQuery, field_id: int
) -> list[tuple[int | None, int]]:
    """Items matching `query` per referenced id of one field (category option, related item,
    contact), most first; None counts the items without a value. An item with two options
    counts in both groups."""
    if _is_unfiltered(query):
        return _group_counts_of_app(connection, query.app_id, field_id)
    where = _where(query)
    rows = connection.execute(
        f"SELECT r.ref_id, count(*) FROM {where.source} "
        "LEFT JOIN item_refs AS r ON r.item_id = i.item_id AND r.field_id = ? "
        f"WHERE {where.sql()} GROUP BY r.ref_id ORDER BY count(*) DESC, r.ref_id",
        [*where.source_params, field_id, *where.params],
    ).fetchall()
    return [(None if row[0] is None else int(row[0]), int(row[1])) for row in rows]


def _group_counts_of_app(
    connection: sqlite3.Connection, app_id: int, field_id: int
) -> list[tuple[int | None, int]]:
    """`group_counts` of the whole app: one walk of the field's refs, no item visited."""
    counts = [
        (int(row[0]), int(row[1]))
        for row in connection.execute(
            "SELECT ref_id, count(*) FROM item_refs "
            f"WHERE field_id = ? AND item_id NOT IN ({_DELETED}) GROUP BY ref_id",
            (field_id, app_id),
        )
    ]
    with_value = connection.execute(
        "SELECT count(DISTINCT item_id) FROM item_refs "
        f"WHERE field_id = ? AND item_id NOT IN ({_DELETED})",
        (field_id, app_id),
    ).fetchone()[0]
    empty = total_items(connection, app_id) - int(with_value)
    found: list[tuple[int | None, int]] = list(counts)
    if empty > 0:
        found.append((None, empty))
    found.sort(key=lambda pair: (-pair[1], pair[0] is None, pair[0] or 0))
    return found
