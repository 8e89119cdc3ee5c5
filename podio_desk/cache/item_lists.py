"""What an item's side panes showed when it was last read: comments, files, history, tasks.

Each list is kept as Podio sent it (without secrets), with the time it was read, so an item
opened offline shows its comments, files list, revisions and tasks as last seen and can say
when that was. Comments and files also go to their own tables (`store.replace_comments`,
`store.replace_files`), which the full-text search and the export read.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from podio_desk.cache import store
from podio_desk.cache.records import CommentRecord, FileRecord

# The lists one item can have.
LIST_KINDS = ("comments", "files", "revisions", "tasks")

CREATE_ITEM_LISTS = """CREATE TABLE IF NOT EXISTS item_lists (
    item_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    raw TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (item_id, kind)
) WITHOUT ROWID"""


@dataclass(frozen=True)
class SeenList:
    """One list as last read from Podio; `seen_at` in Podio's UTC timestamp format."""

    entries: list[dict[str, Any]]
    seen_at: str


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        return None


def save_lists(
    connection: sqlite3.Connection,
    item_id: int,
    lists: Mapping[str, Sequence[Mapping[str, Any]]],
    seen_at: str,
) -> None:
    """Replace the given lists of one item (the others stay as they were)."""
    for kind, entries in lists.items():
        if kind not in LIST_KINDS:
            raise ValueError(f"unknown item list {kind!r}")
        connection.execute(
            "INSERT OR REPLACE INTO item_lists (item_id, kind, raw, seen_at) VALUES (?, ?, ?, ?)",
            (item_id, kind, store.json_for_cache(list(entries)), seen_at),
        )
        if kind == "comments":
            store.replace_comments(connection, item_id, _comment_records(item_id, entries))
        elif kind == "files":
            store.replace_files(connection, item_id, _file_records(item_id, entries))


def load_lists(connection: sqlite3.Connection, item_id: int) -> dict[str, SeenList]:
    rows = connection.execute(
        "SELECT kind, raw, seen_at FROM item_lists WHERE item_id = ?", (item_id,)
    )
    found: dict[str, SeenList] = {}
    for kind, raw, seen_at in rows:
        try:
            entries = json.loads(raw)
        except ValueError:
            continue  # a damaged row reads as never seen
        if isinstance(entries, list):
            found[kind] = SeenList([e for e in entries if isinstance(e, dict)], seen_at)
    return found


def _option_key(app_id: int) -> str:
    return f"sync_with_details:{app_id}"


def set_sync_with_details(connection: sqlite3.Connection, app_id: int, on: bool) -> None:
    """The per-app option "with comments and files" (kept in the cache: the window and
    `podio-desk sync` read the same one)."""
    if on:
        connection.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, '1')", (_option_key(app_id),)
        )
    else:
        connection.execute("DELETE FROM meta WHERE key = ?", (_option_key(app_id),))


def sync_with_details(connection: sqlite3.Connection, app_id: int) -> bool:
    row = connection.execute(
        "SELECT value FROM meta WHERE key = ?", (_option_key(app_id),)
    ).fetchone()
    return row is not None and row[0] == "1"


def items_needing_details(connection: sqlite3.Connection, app_id: int) -> list[int]:
    """Live items of the app whose comments or files list is missing or out of date: never
    read, counted differently than the item now says, or read before the item's last edit
    (attaching a file is an edit; a comment changes the count)."""
    rows = connection.execute(
        """SELECT i.item_id FROM items i
           LEFT JOIN item_lists c ON c.item_id = i.item_id AND c.kind = 'comments'
           LEFT JOIN item_lists f ON f.item_id = i.item_id AND f.kind = 'files'
           WHERE i.app_id = ? AND i.deleted = 0
             AND (i.comment_count > 0 OR i.file_count > 0)
             AND (c.item_id IS NULL OR f.item_id IS NULL
                  OR json_array_length(c.raw) != i.comment_count
                  OR json_array_length(f.raw) != i.file_count
                  OR i.last_edit_on > f.seen_at)
           ORDER BY i.item_id""",
        (app_id,),
    )
    return [row[0] for row in rows]


def _comment_records(item_id: int, entries: Sequence[Mapping[str, Any]]) -> list[CommentRecord]:
    records = []
    for entry in entries:
        comment_id = _int(entry.get("comment_id"))
        if comment_id is None:
            continue
        created = entry.get("created_on")
        text = entry.get("value")
        records.append(
            CommentRecord(
                comment_id=comment_id,
                item_id=item_id,
                created_on=created if isinstance(created, str) else None,
                text=text if isinstance(text, str) else "",
                raw=entry,
            )
        )
    return records


def _file_records(item_id: int, entries: Sequence[Mapping[str, Any]]) -> list[FileRecord]:
    records = []
    for entry in entries:
        file_id = _int(entry.get("file_id"))
        if file_id is None:
            continue
        name = entry.get("name")
        records.append(
            FileRecord(
                file_id=file_id,
                item_id=item_id,
                name=name if isinstance(name, str) else "",
                raw=entry,
            )
        )
    return records
