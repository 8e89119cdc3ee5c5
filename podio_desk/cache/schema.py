"""The cache's SQLite schema and its migrations.

`PRAGMA user_version` holds MAJOR * 1000 + MINOR. A minor step only adds things an older
build can ignore (new tables, columns, indexes), so a file with a newer minor of our major is
opened as is. A newer major means an incompatible layout: we refuse it rather than guess.
Migrations are listed in order; each runs in its own transaction together with the version bump.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from podio_desk.cache.item_lists import CREATE_ITEM_LISTS
from podio_desk.cache.records import decode_raw, encode_raw
from podio_desk.domain.redaction import json_without_secrets, may_hold_secrets, strip_secrets

SCHEMA_MAJOR = 1
SCHEMA_MINOR = 4
SCHEMA_VERSION = SCHEMA_MAJOR * 1000 + SCHEMA_MINOR


class CacheVersionError(Exception):
    """The cache file was written by a newer, incompatible Podio Desk."""


@dataclass(frozen=True)
class Migration:
    version: int  # user_version after this step
    statements: tuple[str, ...]
    # Data rewritten in the same transaction, after the statements.
    rewrite: Callable[[sqlite3.Connection], None] | None = None


_V1_0 = (
    """CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE orgs (
        org_id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        raw TEXT NOT NULL,
        synced_at TEXT NOT NULL
    )""",
    """CREATE TABLE spaces (
        space_id INTEGER PRIMARY KEY,
        org_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        raw TEXT NOT NULL,
        synced_at TEXT NOT NULL
    )""",
    "CREATE INDEX spaces_org ON spaces (org_id)",
    # `fields` is the JSON list of field definitions exactly as GET /app/{id} sent them.
    """CREATE TABLE apps (
        app_id INTEGER PRIMARY KEY,
        space_id INTEGER,
        name TEXT NOT NULL,
        item_name TEXT,
        fields TEXT NOT NULL,
        raw TEXT NOT NULL,
        synced_at TEXT NOT NULL
    )""",
    "CREATE INDEX apps_space ON apps (space_id)",
    # Narrow on purpose: sorting, counting and search lookups touch these rows by the
    # thousand; the JSON lives apart in item_raw so those rows stay densely packed.
    # seen_gen: the full-sync generation that last saw the item (unseen after a full pass = gone).
    """CREATE TABLE items (
        item_id INTEGER PRIMARY KEY,
        app_id INTEGER NOT NULL,
        app_item_id INTEGER,
        title TEXT NOT NULL DEFAULT '',
        title_key TEXT NOT NULL DEFAULT '',
        revision INTEGER NOT NULL DEFAULT 0,
        created_on TEXT,
        last_edit_on TEXT,
        comment_count INTEGER NOT NULL DEFAULT 0,
        file_count INTEGER NOT NULL DEFAULT 0,
        seen_gen INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0,
        deleted_at TEXT,
        synced_at TEXT NOT NULL
    )""",
    # The item JSON as Podio sent it, zlib-compressed (see records.encode_raw), with the
    # app's preset dictionary when it has one (dict_id; NULL = plain zlib).
    """CREATE TABLE item_raw (
        item_id INTEGER PRIMARY KEY,
        dict_id INTEGER,
        raw BLOB NOT NULL
    )""",
    """CREATE TABLE raw_dicts (
        dict_id INTEGER PRIMARY KEY,
        app_id INTEGER NOT NULL,
        data BLOB NOT NULL
    )""",
    "CREATE INDEX raw_dicts_app ON raw_dicts (app_id)",
    # Every index starts with (app_id, deleted) so a page of live items of one app is a range scan;
    # item_id (the rowid) breaks ties, so ORDER BY col, item_id needs no sort step.
    "CREATE INDEX items_live ON items (app_id, deleted)",
    "CREATE INDEX items_app_item_id ON items (app_id, deleted, app_item_id)",
    "CREATE INDEX items_title ON items (app_id, deleted, title_key)",
    "CREATE INDEX items_created ON items (app_id, deleted, created_on)",
    "CREATE INDEX items_last_edit ON items (app_id, deleted, last_edit_on)",
    # One sort key per (item, field); no declared type, so numbers stay REAL and text stays TEXT.
    """CREATE TABLE item_values (
        field_id INTEGER NOT NULL,
        item_id INTEGER NOT NULL,
        sort_key,
        PRIMARY KEY (item_id, field_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX item_values_sort ON item_values (field_id, sort_key, item_id)",
    # Ids a filter matches on: category option ids, related item ids, contact profile ids.
    """CREATE TABLE item_refs (
        field_id INTEGER NOT NULL,
        ref_id INTEGER NOT NULL,
        item_id INTEGER NOT NULL,
        PRIMARY KEY (field_id, ref_id, item_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX item_refs_item ON item_refs (item_id)",
    """CREATE TABLE comments (
        comment_id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL,
        created_on TEXT,
        raw TEXT NOT NULL
    )""",
    "CREATE INDEX comments_item ON comments (item_id, created_on)",
    """CREATE TABLE files (
        file_id INTEGER NOT NULL,
        item_id INTEGER NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        raw TEXT NOT NULL,
        PRIMARY KEY (item_id, file_id)
    ) WITHOUT ROWID""",
    # The text the search index covers, one row per live item: what the fields say
    # (title, text values, category texts, contact names, relationship titles) and the comments.
    """CREATE TABLE item_text (
        item_id INTEGER PRIMARY KEY,
        fields_text TEXT NOT NULL DEFAULT '',
        comments_text TEXT NOT NULL DEFAULT ''
    )""",
    # External-content FTS5 over item_text, kept in step by the triggers below (the pattern
    # from the FTS5 documentation). SQLite 3.40 has no contentless_delete, so the text lives
    # once, in item_text, and the index can still drop a row by its old content.
    """CREATE VIRTUAL TABLE item_fts USING fts5 (
        fields_text, comments_text,
        content='item_text', content_rowid='item_id',
        tokenize='unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER item_text_ai AFTER INSERT ON item_text BEGIN
        INSERT INTO item_fts (rowid, fields_text, comments_text)
        VALUES (new.item_id, new.fields_text, new.comments_text);
    END""",
    """CREATE TRIGGER item_text_ad AFTER DELETE ON item_text BEGIN
        INSERT INTO item_fts (item_fts, rowid, fields_text, comments_text)
        VALUES ('delete', old.item_id, old.fields_text, old.comments_text);
    END""",
    """CREATE TRIGGER item_text_au AFTER UPDATE ON item_text BEGIN
        INSERT INTO item_fts (item_fts, rowid, fields_text, comments_text)
        VALUES ('delete', old.item_id, old.fields_text, old.comments_text);
        INSERT INTO item_fts (rowid, fields_text, comments_text)
        VALUES (new.item_id, new.fields_text, new.comments_text);
    END""",
    # Per-app sync state. full_*: the resumable full pass (cursor = last item_id committed,
    # offset = how many items of the item_id-ordered list are behind it). watermark: the
    # greatest last_edit_on seen, where the next incremental pass starts (minus an overlap).
    """CREATE TABLE app_sync (
        app_id INTEGER PRIMARY KEY,
        full_gen INTEGER NOT NULL DEFAULT 0,
        full_running INTEGER NOT NULL DEFAULT 0,
        full_cursor INTEGER NOT NULL DEFAULT 0,
        full_offset INTEGER NOT NULL DEFAULT 0,
        full_total INTEGER,
        full_started_at TEXT,
        full_done_at TEXT,
        watermark TEXT,
        total_seen INTEGER,
        incremental_at TEXT
    )""",
)


def add_problems_column(connection: sqlite3.Connection) -> None:
    """1.2: items.problems, what could not be read of an item stored anyway (NULL: read
    fully). Added only where missing, so a file relabelled as older opens too."""
    columns = {row[1] for row in connection.execute("PRAGMA table_info(items)")}
    if "problems" not in columns:
        connection.execute("ALTER TABLE items ADD COLUMN problems TEXT")


# The JSON columns earlier versions stored as Podio sent them, secrets included.
_JSON_COLUMNS = (
    ("orgs", "org_id", "raw"),
    ("spaces", "space_id", "raw"),
    ("apps", "app_id", "raw"),
    ("apps", "app_id", "fields"),
    ("comments", "comment_id", "raw"),
    ("files", "file_id", "raw"),
)


def strip_stored_secrets(connection: sqlite3.Connection) -> None:
    """Take the secrets (an app's token, tokens in links) out of JSON stored before 1.1.

    Item JSON is rewritten, stripped, each time an item syncs; a compression dictionary,
    though, stays as it was made, from the JSON of a few items. One that may hold a secret is
    dropped, and the items it compressed are stored again without it.
    """
    # Overwrite the old row images rather than leave them in free space for anyone to read.
    connection.execute("PRAGMA secure_delete = ON")
    for table, key, column in _JSON_COLUMNS:
        rows = connection.execute(f"SELECT {key}, {column} FROM {table}").fetchall()
        for row_id, text in rows:
            try:
                value = json.loads(text)
            except (TypeError, ValueError):
                continue  # not ours to judge here; the reader reports a bad row
            clean = strip_secrets(value)
            if clean is not value:
                connection.execute(
                    f"UPDATE {table} SET {column} = ? WHERE {key} = ?",
                    (json_without_secrets(clean), row_id),
                )
    _drop_suspect_dictionaries(connection)
    connection.execute("PRAGMA secure_delete = OFF")


def _drop_suspect_dictionaries(connection: sqlite3.Connection) -> None:
    dictionaries = connection.execute("SELECT dict_id, data FROM raw_dicts").fetchall()
    for dict_id, data in dictionaries:
        text = bytes(data).decode("utf-8", errors="replace")
        if not may_hold_secrets(text):
            continue
        rows = connection.execute(
            "SELECT item_id, raw FROM item_raw WHERE dict_id = ?", (dict_id,)
        ).fetchall()
        connection.executemany(
            "UPDATE item_raw SET dict_id = NULL, raw = ? WHERE item_id = ?",
            [(encode_raw(decode_raw(bytes(raw), bytes(data))), item_id) for item_id, raw in rows],
        )
        connection.execute("DELETE FROM raw_dicts WHERE dict_id = ?", (dict_id,))


# 1.3: what an item's side panes showed when last read (see cache/item_lists.py).
_V1_3 = (CREATE_ITEM_LISTS,)


def add_money_currencies(connection: sqlite3.Connection) -> None:
    """1.4: item_values.currency, a money value's currency beside its amount (NULL for other
    fields), so totals sum each currency apart. Filled here from the stored item JSON of
    the apps that have money fields; a build of 1.3 writing to the file leaves it NULL
    (the footer says "currency not known" for those)."""
    columns = {row[1] for row in connection.execute("PRAGMA table_info(item_values)")}
    if "currency" not in columns:
        connection.execute("ALTER TABLE item_values ADD COLUMN currency TEXT")
    money: set[int] = set()
    for (text,) in connection.execute("SELECT fields FROM apps"):
        try:
            fields = json.loads(text)
        except (TypeError, ValueError):
            continue
        for entry in fields if isinstance(fields, list) else []:
            if isinstance(entry, dict) and entry.get("type") == "money":
                field_id = entry.get("field_id")
                if isinstance(field_id, int):
                    money.add(field_id)
    if not money:
        return
    marks = ",".join("?" * len(money))
    rows = connection.execute(
        "SELECT r.item_id, r.raw, d.data FROM item_raw AS r "
        "LEFT JOIN raw_dicts AS d ON d.dict_id = r.dict_id "
        f"WHERE r.item_id IN (SELECT item_id FROM item_values WHERE field_id IN ({marks}))",
        sorted(money),
    ).fetchall()
    updates: list[tuple[str, int, int]] = []
    for item_id, raw, data in rows:
        item = decode_raw(bytes(raw), None if data is None else bytes(data))
        entries = item.get("fields")
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict) or entry.get("field_id") not in money:
                continue
            values = entry.get("values")
            first = values[0] if isinstance(values, list) and values else None
            currency = first.get("currency") if isinstance(first, dict) else None
            if isinstance(currency, str) and currency:
                updates.append((currency, int(entry["field_id"]), int(item_id)))
    connection.executemany(
        "UPDATE item_values SET currency = ? WHERE field_id = ? AND item_id = ?", updates
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(version=1000, statements=_V1_0),
    Migration(version=1001, statements=(), rewrite=strip_stored_secrets),
    Migration(version=1002, statements=(), rewrite=add_problems_column),
    Migration(version=1003, statements=_V1_3),
    Migration(version=1004, statements=(), rewrite=add_money_currencies),
)


def describe(version: int) -> str:
    return f"{version // 1000}.{version % 1000}"


def migrate(connection: sqlite3.Connection, path: Path | str) -> int:
    """Bring the file up to SCHEMA_VERSION; return the version found before."""
    found = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if found // 1000 > SCHEMA_MAJOR:
        raise CacheVersionError(
            f"the cache {path} was written by a newer Podio Desk (cache format "
            f"{describe(found)}; this version reads {SCHEMA_MAJOR}.x). Update Podio Desk, "
            "or delete that file to rebuild the cache from Podio."
        )
    for migration in MIGRATIONS:
        if migration.version <= found:
            continue
        # One transaction per step (the connection is in autocommit mode, so DDL is inside it
        # too): a crash leaves the previous version intact.
        connection.execute("BEGIN IMMEDIATE")
        # Another process may have taken this step while we waited for the write lock.
        if int(connection.execute("PRAGMA user_version").fetchone()[0]) >= migration.version:
            connection.execute("COMMIT")
            continue
        try:
            for statement in migration.statements:
                connection.execute(statement)
            if migration.rewrite is not None:
                migration.rewrite(connection)
            connection.execute(f"PRAGMA user_version = {migration.version}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    return found
