"""`--data FILE`: the sandbox's state in SQLite, so demo edits survive a restart.

Items and files get a row each (written when they change); everything else is one small JSON
document in `meta`. If the file holds a state, it is loaded instead of seeding.
"""

from __future__ import annotations

import gc
import json
import sqlite3
import threading
from dataclasses import asdict
from typing import Any

from podio_desk.sandbox.model import (
    App,
    Comment,
    Embed,
    FieldDef,
    FileRecord,
    Hook,
    Item,
    Org,
    Revision,
    Space,
    Task,
    User,
    View,
)
from podio_desk.sandbox.records import Counters, RefreshGrant, Token
from podio_desk.sandbox.state import State

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items (item_id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (file_id INTEGER PRIMARY KEY, data TEXT NOT NULL, content BLOB);
"""


class Persistence:
    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(path, check_same_thread=False)
        self._connection.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    # ------------------------------------------------------------------ writing

    def save_all(self, state: State) -> None:
        state.dirty_items.update(state.items)
        state.dirty_files.update(state.files)
        state.dirty_meta = True
        self.flush(state)

    def flush(self, state: State) -> None:
        """Write what changed since the last flush (called with the state lock held)."""
        with self._lock:
            connection = self._connection
            item_rows = [
                (item_id, json.dumps(_item_to_json(state.items[item_id])))
                for item_id in state.dirty_items
                if item_id in state.items
            ]
            file_rows = [
                (
                    file_id,
                    json.dumps(_file_to_json(state.files[file_id])),
                    state.files[file_id].content,
                )
                for file_id in state.dirty_files
                if file_id in state.files
            ]
            with connection:
                if item_rows:
                    connection.executemany(
                        "INSERT OR REPLACE INTO items (item_id, data) VALUES (?, ?)", item_rows
                    )
                if file_rows:
                    connection.executemany(
                        "INSERT OR REPLACE INTO files (file_id, data, content) VALUES (?, ?, ?)",
                        file_rows,
                    )
                # Comments, embeds and tokens change with little else; the meta document is
                # small, so it is simply rewritten on every flush that had any change.
                if item_rows or file_rows or state.dirty_meta:
                    connection.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES ('state', ?)",
                        (json.dumps(_meta_to_json(state)),),
                    )
            state.dirty_items.clear()
            state.dirty_files.clear()
            state.dirty_meta = False

    # ------------------------------------------------------------------ reading

    def load(self, state: State) -> bool:
        """Fill `state` from the file. False when the file holds no state yet."""
        # As when seeding: no cyclic GC passes while the large app's containers are created.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._load(state)
        finally:
            if gc_was_enabled:
                gc.enable()

    def _load(self, state: State) -> bool:
        with self._lock:
            row = self._connection.execute("SELECT value FROM meta WHERE key = 'state'").fetchone()
            if row is None:
                return False
            _meta_from_json(state, json.loads(row[0]))
            for item_id, data in self._connection.execute(
                "SELECT item_id, data FROM items ORDER BY item_id"
            ):
                item = _item_from_json(json.loads(data))
                state.items[item_id] = item
                if not item.deleted:
                    state.app_items.setdefault(item.app_id, []).append(item_id)
            for file_id, data, content in self._connection.execute(
                "SELECT file_id, data, content FROM files"
            ):
                state.files[file_id] = _file_from_json(json.loads(data), bytes(content or b""))
        for app_id in state.apps:
            state.app_items.setdefault(app_id, [])
            # Creation order is the item id order, as when seeded.
            state.app_items[app_id].sort()
        for item in state.items.values():
            if not item.deleted:
                state.index_references(item)
        return True


def _item_to_json(item: Item) -> dict[str, Any]:
    return {
        "item_id": item.item_id,
        "app_id": item.app_id,
        "app_item_id": item.app_item_id,
        "values": {str(key): value for key, value in item.values.items()},
        "created_on": item.created_on,
        "created_by": list(item.created_by),
        "last_edit_on": item.last_edit_on,
        "last_edit_by": list(item.last_edit_by),
        "revision": item.revision,
        "initial_revision_id": item.initial_revision_id,
        "current_revision_id": item.current_revision_id,
        "external_id": item.external_id,
        "tags": item.tags,
        "file_ids": item.file_ids,
        "deleted": item.deleted,
        "timezone": item.timezone,
        "history": [
            {
                "revision": r.revision,
                "item_revision_id": r.item_revision_id,
                "created_on": r.created_on,
                "created_by": list(r.created_by),
                "type": r.type,
                "changes": {str(k): [old, new] for k, (old, new) in r.changes.items()},
            }
            for r in item.history
        ],
    }


def _actor(raw: list[Any]) -> tuple[str, int]:
    return (str(raw[0]), int(raw[1]))


def _item_from_json(data: dict[str, Any]) -> Item:
    return Item(
        item_id=data["item_id"],
        app_id=data["app_id"],
        app_item_id=data["app_item_id"],
        values={int(key): value for key, value in data["values"].items()},
        created_on=data["created_on"],
        created_by=_actor(data["created_by"]),
        last_edit_on=data["last_edit_on"],
        last_edit_by=_actor(data["last_edit_by"]),
        revision=data["revision"],
        initial_revision_id=data["initial_revision_id"],
        current_revision_id=data["current_revision_id"],
        external_id=data["external_id"],
        tags=data["tags"],
        file_ids=data["file_ids"],
        deleted=data["deleted"],
        timezone=data["timezone"],
        history=[
            Revision(
                r["revision"],
                r["item_revision_id"],
                r["created_on"],
                _actor(r["created_by"]),
                r["type"],
                {int(k): (pair[0], pair[1]) for k, pair in r["changes"].items()},
            )
            for r in data["history"]
        ],
    )


def _file_to_json(record: FileRecord) -> dict[str, Any]:
    data = asdict(record)
    del data["content"]
    return data


def _file_from_json(data: dict[str, Any], content: bytes) -> FileRecord:
    attached = data.pop("attached_to")
    record = FileRecord(content=content, **data)
    record.attached_to = (str(attached[0]), int(attached[1])) if attached else None
    return record


def _meta_to_json(state: State) -> dict[str, Any]:
    return {
        "timezone": state.timezone,
        "clients": state.clients,
        "users": [asdict(user) for user in state.users.values()],
        "profiles": list(state.profiles.values()),
        "orgs": [asdict(org) for org in state.orgs.values()],
        "spaces": [asdict(space) for space in state.spaces.values()],
        "apps": [asdict(app) for app in state.apps.values()],
        "item_stubs": list(state.item_stubs.values()),
        "embeds": [asdict(embed) for embed in state.embeds.values()],
        "comments": [
            asdict(comment) for comments in state.comments.values() for comment in comments
        ],
        "tasks": [asdict(task) for task in state.tasks.values()],
        "hooks": [asdict(hook) for hook in state.hooks.values()],
        "views": [asdict(view) for view in state.views.values()],
        "counters": asdict(state.counters),
        "calculations": [[fid, *formula] for fid, formula in state.calculations.items()],
        "tokens": [asdict(token) for token in state.tokens.values()],
        "refresh_grants": [asdict(grant) for grant in state.refresh_grants.values()],
        "richest_item_id": state.richest_item_id,
        "primary_user_id": state.primary_user_id,
        "other_user_id": state.other_user_id,
    }


def _meta_from_json(state: State, data: dict[str, Any]) -> None:
    state.timezone = data["timezone"]
    state.clients = dict(data["clients"])
    state.users = {u["user_id"]: User(**u) for u in data["users"]}
    state.profiles = {p["profile_id"]: p for p in data["profiles"]}
    state.orgs = {o["org_id"]: Org(**o) for o in data["orgs"]}
    state.spaces = {s["space_id"]: Space(**s) for s in data["spaces"]}
    state.apps = {}
    for raw in data["apps"]:
        fields = [FieldDef(**f) for f in raw.pop("fields")]
        state.apps[raw["app_id"]] = App(fields=fields, **raw)
    state.item_stubs = {stub["item_id"]: stub for stub in data["item_stubs"]}
    state.embeds = {e["embed_id"]: Embed(**e) for e in data["embeds"]}
    state.comments = {}
    for raw in data["comments"]:
        raw["created_by"] = _actor(raw["created_by"])
        comment = Comment(**raw)
        state.comments.setdefault(comment.item_id, []).append(comment)
    state.tasks = {t["task_id"]: Task(**t) for t in data["tasks"]}
    state.hooks = {}
    for raw in data.get("hooks", []):  # absent in sandboxes saved before hooks existed
        raw["created_by"] = _actor(raw["created_by"])
        state.hooks[raw["hook_id"]] = Hook(**raw)
    state.views = {view["view_id"]: View(**view) for view in data["views"]}
    state.counters = Counters(**data["counters"])
    state.calculations = {
        int(entry[0]): (int(entry[1]), str(entry[2]), int(entry[3]), int(entry[4]))
        for entry in data.get("calculations", [])
    }
    state.tokens = {t["access_token"]: Token(**t) for t in data["tokens"]}
    state.refresh_grants = {g["refresh_token"]: RefreshGrant(**g) for g in data["refresh_grants"]}
    state.richest_item_id = data["richest_item_id"]
    state.primary_user_id = data["primary_user_id"]
    state.other_user_id = data["other_user_id"]
