"""Statements that read and write the cache. Each function takes the connection of the
worker thread it runs on (see `db.CacheDatabase.write` / `read`); callers batch them so that one
page of a sync, with its cursor, is one transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import fields as dataclass_fields
from typing import Any

from podio_desk.cache.connection import CacheConnection
from podio_desk.cache.records import (
    DICTIONARY_SAMPLE,
    AppRecord,
    AppSyncState,
    CachedItem,
    CommentRecord,
    FileRecord,
    ItemRecord,
    OrgRecord,
    SpaceRecord,
    UpsertCounts,
    decode_raw,
    encode_raw,
    make_dictionary,
)
from podio_desk.domain.redaction import json_without_secrets, strip_secrets

# SQLite allows 32 766 host parameters per statement since 3.32; stay far below.
_CHUNK = 900


def _chunks(values: Sequence[int], size: int = _CHUNK) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def json_for_cache(value: Any) -> str:
    """Podio's JSON as stored: without secrets (an app's token, tokens in links)."""
    return json_without_secrets(value)


_json = json_for_cache


def title_key(title: str) -> str:
    """What the title column sorts by: case- and accent-insensitive enough for a table."""
    return " ".join(title.casefold().split())


# ------------------------------------------------------------------ workspace


def upsert_orgs(connection: sqlite3.Connection, orgs: Sequence[OrgRecord], now: str) -> None:
    connection.executemany(
        "INSERT INTO orgs (org_id, name, raw, synced_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (org_id) DO UPDATE SET name = excluded.name, raw = excluded.raw, "
        "synced_at = excluded.synced_at",
        [(org.org_id, org.name, _json(org.raw), now) for org in orgs],
    )


def upsert_spaces(connection: sqlite3.Connection, spaces: Sequence[SpaceRecord], now: str) -> None:
    connection.executemany(
        "INSERT INTO spaces (space_id, org_id, name, raw, synced_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (space_id) DO UPDATE SET org_id = excluded.org_id, name = excluded.name, "
        "raw = excluded.raw, synced_at = excluded.synced_at",
        [(space.space_id, space.org_id, space.name, _json(space.raw), now) for space in spaces],
    )


def upsert_apps(connection: sqlite3.Connection, apps: Sequence[AppRecord], now: str) -> None:
    connection.executemany(
        "INSERT INTO apps (app_id, space_id, name, item_name, fields, raw, synced_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (app_id) DO UPDATE SET space_id = excluded.space_id, "
        "name = excluded.name, item_name = excluded.item_name, fields = excluded.fields, "
        "raw = excluded.raw, synced_at = excluded.synced_at",
        [
            (
                app.app_id,
                app.space_id,
                app.name,
                app.item_name,
                _json(app.fields),
                _json(app.raw),
                now,
            )
            for app in apps
        ],
    )


def remove_workspace_missing(
    connection: sqlite3.Connection,
    org_ids: Sequence[int],
    space_ids: Sequence[int],
) -> None:
    """Forget orgs and spaces the account no longer sees (their apps' items stay cached)."""
    connection.execute("CREATE TEMP TABLE IF NOT EXISTS keep_ids (id INTEGER PRIMARY KEY)")
    for table, column, ids in (("orgs", "org_id", org_ids), ("spaces", "space_id", space_ids)):
        connection.execute("DELETE FROM keep_ids")
        connection.executemany("INSERT OR IGNORE INTO keep_ids VALUES (?)", [(i,) for i in ids])
        connection.execute(f"DELETE FROM {table} WHERE {column} NOT IN (SELECT id FROM keep_ids)")


def load_orgs(connection: sqlite3.Connection) -> list[OrgRecord]:
    rows = connection.execute("SELECT org_id, name, raw FROM orgs ORDER BY name, org_id")
    return [OrgRecord(org_id, name, json.loads(raw)) for org_id, name, raw in rows]


def load_spaces(connection: sqlite3.Connection, org_id: int | None = None) -> list[SpaceRecord]:
    sql = "SELECT space_id, org_id, name, raw FROM spaces"
    params: tuple[int, ...] = ()
    if org_id is not None:
        sql += " WHERE org_id = ?"
        params = (org_id,)
    rows = connection.execute(sql + " ORDER BY name, space_id", params)
    return [SpaceRecord(sid, oid, name, json.loads(raw)) for sid, oid, name, raw in rows]


def load_apps(connection: sqlite3.Connection, space_id: int | None = None) -> list[AppRecord]:
    sql = "SELECT app_id, space_id, name, item_name, fields, raw FROM apps"
    params: tuple[int, ...] = ()
    if space_id is not None:
        sql += " WHERE space_id = ?"
        params = (space_id,)
    rows = connection.execute(sql + " ORDER BY name, app_id", params)
    return [
        AppRecord(app_id, sid, name, item_name, json.loads(fields), json.loads(raw))
        for app_id, sid, name, item_name, fields, raw in rows
    ]


def load_app(connection: sqlite3.Connection, app_id: int) -> AppRecord | None:
    row = connection.execute(
        "SELECT app_id, space_id, name, item_name, fields, raw FROM apps WHERE app_id = ?",
        (app_id,),
    ).fetchone()
    if row is None:
        return None
    app_id, space_id, name, item_name, fields, raw = row
    return AppRecord(app_id, space_id, name, item_name, json.loads(fields), json.loads(raw))


# ------------------------------------------------------------------ items


def upsert_items(
    connection: sqlite3.Connection,
    records: Sequence[ItemRecord],
    now: str,
    seen_gen: int | None = None,
) -> UpsertCounts:
    """Write items with their sort keys, filter ids and search text; count what was new."""
    if not records:
        return UpsertCounts()
    ids = [record.item_id for record in records]
    before: dict[int, tuple[int, str | None, int]] = {}
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        for item_id, revision, last_edit_on, deleted in connection.execute(
            "SELECT item_id, revision, last_edit_on, deleted FROM items "
            f"WHERE item_id IN ({marks})",
            chunk,
        ):
            before[item_id] = (revision, last_edit_on, deleted)
    added = changed = unchanged = 0
    for record in records:
        previous = before.get(record.item_id)
        if previous is None or previous[2]:
            added += 1
        elif previous[0] != record.revision or previous[1] != record.last_edit_on:
            changed += 1
        else:
            unchanged += 1

    connection.executemany(
        "INSERT INTO items (item_id, app_id, app_item_id, title, title_key, revision, "
        "created_on, last_edit_on, comment_count, file_count, seen_gen, deleted, "
        "deleted_at, synced_at, problems) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?) "
        "ON CONFLICT (item_id) DO UPDATE SET app_id = excluded.app_id, "
        "app_item_id = excluded.app_item_id, title = excluded.title, "
        "title_key = excluded.title_key, revision = excluded.revision, "
        "created_on = excluded.created_on, last_edit_on = excluded.last_edit_on, "
        "comment_count = excluded.comment_count, file_count = excluded.file_count, "
        "seen_gen = max(items.seen_gen, excluded.seen_gen), deleted = 0, "
        "deleted_at = NULL, synced_at = excluded.synced_at, problems = excluded.problems",
        [
            (
                r.item_id,
                r.app_id,
                r.app_item_id,
                r.title,
                title_key(r.title),
                r.revision,
                r.created_on,
                r.last_edit_on,
                r.comment_count,
                r.file_count,
                seen_gen or 0,
                now,
                "\n".join(r.problems) or None,
            )
            for r in records
        ],
    )
    raw_rows: list[tuple[int, int | None, bytes]] = []
    for app_id in {r.app_id for r in records}:
        of_app = [r for r in records if r.app_id == app_id]
        dict_id, dictionary = _app_dictionary(connection, app_id, of_app)
        raw_rows.extend((r.item_id, dict_id, encode_raw(r.raw, dictionary)) for r in of_app)
    connection.executemany(
        "INSERT OR REPLACE INTO item_raw (item_id, dict_id, raw) VALUES (?, ?, ?)", raw_rows
    )
    # Items already known (an update) first lose their old keys; brand new ones have none.
    known = [item_id for item_id in ids if item_id in before]
    for chunk in _chunks(known):
        marks = ",".join("?" * len(chunk))
        connection.execute(f"DELETE FROM item_values WHERE item_id IN ({marks})", chunk)
        connection.execute(f"DELETE FROM item_refs WHERE item_id IN ({marks})", chunk)
    connection.executemany(
        "INSERT INTO item_values (field_id, item_id, sort_key, currency) VALUES (?, ?, ?, ?)",
        [
            (field_id, r.item_id, key, r.currencies.get(field_id))
            for r in records
            for field_id, key in r.sort_keys.items()
        ],
    )
    connection.executemany(
        "INSERT OR IGNORE INTO item_refs (field_id, ref_id, item_id) VALUES (?, ?, ?)",
        [(field_id, ref_id, r.item_id) for r in records for field_id, ref_id in r.refs],
    )
    # Touch the search index only where the text changed: FTS updates are the costly part.
    connection.executemany(
        "INSERT INTO item_text (item_id, fields_text) VALUES (?, ?) "
        "ON CONFLICT (item_id) DO UPDATE SET fields_text = excluded.fields_text "
        "WHERE fields_text IS NOT excluded.fields_text",
        [(r.item_id, strip_secrets(r.search_text)) for r in records],
    )
    return UpsertCounts(added, changed, unchanged)


def _dictionary_cache(connection: sqlite3.Connection) -> dict[int, bytes]:
    # Dictionaries never change once written, so each worker's connection keeps them.
    return connection.dictionaries if isinstance(connection, CacheConnection) else {}


def _app_dictionary(
    connection: sqlite3.Connection, app_id: int, records: Sequence[ItemRecord]
) -> tuple[int | None, bytes | None]:
    """The app's compression dictionary, made from this batch when the app has none yet
    and the batch is big enough to be typical (a lone item makes a poor dictionary)."""
    row = connection.execute(
        "SELECT dict_id, data FROM raw_dicts WHERE app_id = ? ORDER BY dict_id DESC LIMIT 1",
        (app_id,),
    ).fetchone()
    if row is not None:
        return int(row[0]), bytes(row[1])
    if len(records) < DICTIONARY_SAMPLE:
        return None, None
    data = make_dictionary([r.raw for r in records])
    cursor = connection.execute(
        "INSERT INTO raw_dicts (app_id, data) VALUES (?, ?)", (app_id, data)
    )
    dict_id = cursor.lastrowid
    if dict_id is None:  # pragma: no cover - an INSERT always has a rowid
        raise sqlite3.DatabaseError("the compression dictionary got no id")
    _dictionary_cache(connection)[dict_id] = data
    return dict_id, data


def _dictionaries(connection: sqlite3.Connection, dict_ids: set[int]) -> dict[int, bytes]:
    cache = _dictionary_cache(connection)
    missing = [dict_id for dict_id in dict_ids if dict_id not in cache]
    if missing:
        marks = ",".join("?" * len(missing))
        for dict_id, data in connection.execute(
            f"SELECT dict_id, data FROM raw_dicts WHERE dict_id IN ({marks})", missing
        ):
            cache[dict_id] = bytes(data)
    return cache


def mark_deleted(connection: sqlite3.Connection, item_ids: Sequence[int], now: str) -> int:
    """Turn live items into tombstones (kept, flagged, out of sorting/filtering/search)."""
    count = 0
    for chunk in _chunks(list(item_ids)):
        marks = ",".join("?" * len(chunk))
        count += connection.execute(
            "UPDATE items SET deleted = 1, deleted_at = ? "
            f"WHERE deleted = 0 AND item_id IN ({marks})",
            (now, *chunk),
        ).rowcount
        connection.execute(f"DELETE FROM item_values WHERE item_id IN ({marks})", chunk)
        connection.execute(f"DELETE FROM item_refs WHERE item_id IN ({marks})", chunk)
        connection.execute(f"DELETE FROM item_text WHERE item_id IN ({marks})", chunk)
    return count


def unseen_live_ids(connection: sqlite3.Connection, app_id: int, generation: int) -> list[int]:
    return [
        row[0]
        for row in connection.execute(
            "SELECT item_id FROM items WHERE app_id = ? AND deleted = 0 AND seen_gen < ? "
            "ORDER BY item_id",
            (app_id, generation),
        )
    ]


def live_ids(
    connection: sqlite3.Connection, app_id: int, low: int = 0, high: int | None = None
) -> list[int]:
    """Live item ids of an app in ascending order, optionally within [low, high]."""
    sql = "SELECT item_id FROM items WHERE app_id = ? AND deleted = 0 AND item_id >= ?"
    params: list[int] = [app_id, low]
    if high is not None:
        sql += " AND item_id <= ?"
        params.append(high)
    return [row[0] for row in connection.execute(sql + " ORDER BY item_id", params)]


def live_count(connection: sqlite3.Connection, app_id: int) -> int:
    row = connection.execute(
        "SELECT count(*) FROM items WHERE app_id = ? AND deleted = 0", (app_id,)
    ).fetchone()
    return int(row[0])


def live_counts(connection: sqlite3.Connection, app_ids: Sequence[int]) -> dict[int, int]:
    """app_id -> live items cached, for these apps (missing: none cached)."""
    counts: dict[int, int] = {}
    for app_id in app_ids:
        counts[app_id] = live_count(connection, app_id)
    return {app_id: count for app_id, count in counts.items() if count}


def item_revisions(connection: sqlite3.Connection, app_id: int) -> dict[int, int]:
    """item_id -> revision of the live items of an app."""
    return dict(
        connection.execute(
            "SELECT item_id, revision FROM items WHERE app_id = ? AND deleted = 0", (app_id,)
        ).fetchall()
    )


def unreadable_items(connection: sqlite3.Connection, app_id: int) -> dict[int, list[str]]:
    """Live items of the app stored although their JSON could not be read fully, with what
    could not be read."""
    return {
        row[0]: str(row[1]).split("\n")
        for row in connection.execute(
            "SELECT item_id, problems FROM items "
            "WHERE app_id = ? AND deleted = 0 AND problems IS NOT NULL ORDER BY item_id",
            (app_id,),
        )
    }


def deleted_ids(connection: sqlite3.Connection, app_id: int) -> list[int]:
    return [
        row[0]
        for row in connection.execute(
            "SELECT item_id FROM items WHERE app_id = ? AND deleted = 1 ORDER BY item_id",
            (app_id,),
        )
    ]


_ITEM_COLUMNS = (
    "i.item_id, i.app_id, i.app_item_id, i.title, i.revision, i.created_on, i.last_edit_on, "
    "i.comment_count, i.file_count, r.raw, i.deleted, i.deleted_at, i.synced_at, r.dict_id"
)


def _cached_item(row: tuple[Any, ...], dictionaries: dict[int, bytes]) -> CachedItem:
    return CachedItem(
        item_id=row[0],
        app_id=row[1],
        app_item_id=row[2],
        title=row[3],
        revision=row[4],
        created_on=row[5],
        last_edit_on=row[6],
        comment_count=row[7],
        file_count=row[8],
        raw=decode_raw(row[9], None if row[13] is None else dictionaries[row[13]]),
        deleted=bool(row[10]),
        deleted_at=row[11],
        synced_at=row[12],
    )


def load_items(connection: sqlite3.Connection, item_ids: Sequence[int]) -> list[CachedItem]:
    """Items by id, in the order asked (ids not in the cache are left out)."""
    rows: list[tuple[Any, ...]] = []
    for chunk in _chunks(list(item_ids)):
        marks = ",".join("?" * len(chunk))
        rows.extend(
            connection.execute(
                f"SELECT {_ITEM_COLUMNS} FROM items AS i "
                "JOIN item_raw AS r ON r.item_id = i.item_id "
                f"WHERE i.item_id IN ({marks})",
                chunk,
            )
        )
    dictionaries = _dictionaries(connection, {row[13] for row in rows if row[13] is not None})
    found = {row[0]: _cached_item(row, dictionaries) for row in rows}
    return [found[item_id] for item_id in item_ids if item_id in found]


def load_item(connection: sqlite3.Connection, item_id: int) -> CachedItem | None:
    items = load_items(connection, [item_id])
    return items[0] if items else None


# ------------------------------------------------------------------ comments and files


def replace_comments(
    connection: sqlite3.Connection, item_id: int, comments: Sequence[CommentRecord]
) -> None:
    connection.execute("DELETE FROM comments WHERE item_id = ?", (item_id,))
    connection.executemany(
        "INSERT OR REPLACE INTO comments (comment_id, item_id, created_on, raw) "
        "VALUES (?, ?, ?, ?)",
        [(c.comment_id, item_id, c.created_on, _json(c.raw)) for c in comments],
    )
    text = strip_secrets("\n".join(c.text for c in comments if c.text))
    connection.execute(
        "UPDATE item_text SET comments_text = ? WHERE item_id = ? AND comments_text IS NOT ?",
        (text, item_id, text),
    )


def load_comments(connection: sqlite3.Connection, item_id: int) -> list[dict[str, Any]]:
    rows = connection.execute(
        "SELECT raw FROM comments WHERE item_id = ? ORDER BY created_on, comment_id", (item_id,)
    )
    return [json.loads(raw) for (raw,) in rows]


def replace_files(
    connection: sqlite3.Connection, item_id: int, files: Sequence[FileRecord]
) -> None:
    connection.execute("DELETE FROM files WHERE item_id = ?", (item_id,))
    connection.executemany(
        "INSERT OR REPLACE INTO files (file_id, item_id, name, raw) VALUES (?, ?, ?, ?)",
        [(f.file_id, item_id, f.name, _json(f.raw)) for f in files],
    )


def load_files(connection: sqlite3.Connection, item_id: int) -> list[dict[str, Any]]:
    rows = connection.execute(
        "SELECT raw FROM files WHERE item_id = ? ORDER BY name, file_id", (item_id,)
    )
    return [json.loads(raw) for (raw,) in rows]


# ------------------------------------------------------------------ sync state

_SYNC_COLUMNS = tuple(f.name for f in dataclass_fields(AppSyncState))


def load_sync_state(connection: sqlite3.Connection, app_id: int) -> AppSyncState:
    row = connection.execute(
        f"SELECT {', '.join(_SYNC_COLUMNS)} FROM app_sync WHERE app_id = ?", (app_id,)
    ).fetchone()
    if row is None:
        return AppSyncState(app_id=app_id)
    values = dict(zip(_SYNC_COLUMNS, row, strict=True))
    values["full_running"] = bool(values["full_running"])
    return AppSyncState(**values)


def save_sync_state(connection: sqlite3.Connection, state: AppSyncState) -> bool:
    """Store `state`, unless a newer full pass started since it was read (a higher full_gen
    is stored): the generation only moves forward, or a later pass would miss deletions.
    False when the state was refused as stale."""
    values = [getattr(state, name) for name in _SYNC_COLUMNS]
    values[_SYNC_COLUMNS.index("full_running")] = int(state.full_running)
    columns = ", ".join(_SYNC_COLUMNS)
    marks = ", ".join("?" * len(_SYNC_COLUMNS))
    updates = ", ".join(f"{name} = excluded.{name}" for name in _SYNC_COLUMNS if name != "app_id")
    cursor = connection.execute(
        f"INSERT INTO app_sync ({columns}) VALUES ({marks}) "
        f"ON CONFLICT (app_id) DO UPDATE SET {updates} "
        "WHERE excluded.full_gen >= app_sync.full_gen",
        values,
    )
    return cursor.rowcount > 0


def stored_full_gen(connection: sqlite3.Connection, app_id: int) -> int:
    row = connection.execute("SELECT full_gen FROM app_sync WHERE app_id = ?", (app_id,)).fetchone()
    return int(row[0]) if row is not None else 0


def all_sync_states(connection: sqlite3.Connection) -> list[AppSyncState]:
    app_ids = [row[0] for row in connection.execute("SELECT app_id FROM app_sync ORDER BY app_id")]
    return [load_sync_state(connection, app_id) for app_id in app_ids]
