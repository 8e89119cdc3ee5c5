"""Plain rows the cache stores and returns; built from domain objects by `cache.index`."""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from podio_desk.domain.redaction import json_without_secrets

SortKey = float | str


def raw_json_bytes(raw: Mapping[str, Any]) -> bytes:
    """Podio's JSON as stored (items and compression dictionaries alike): without secrets."""
    return json_without_secrets(raw).encode()


def encode_raw(raw: Mapping[str, Any], dictionary: bytes | None = None) -> bytes:
    """Podio's JSON, compact and zlib-compressed. Item JSON repeats itself (field configs,
    nested app, space and user objects), and items of one app repeat each other: with a preset
    dictionary made from a few items of the same app, an item shrinks to a few hundred bytes,
    while decoding a 100-row page stays well under a millisecond."""
    if dictionary is None:
        return zlib.compress(raw_json_bytes(raw), 6)
    compressor = zlib.compressobj(6, zdict=dictionary)
    return compressor.compress(raw_json_bytes(raw)) + compressor.flush()


def decode_raw(blob: bytes, dictionary: bytes | None = None) -> dict[str, Any]:
    if dictionary is None:
        text = zlib.decompress(blob)
    else:
        decompressor = zlib.decompressobj(zdict=dictionary)
        text = decompressor.decompress(blob) + decompressor.flush()
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("a cached item is not a JSON object")
    return value


# zlib looks back at most 32 KiB, so a longer dictionary would be wasted.
DICTIONARY_BYTES = 32 * 1024
DICTIONARY_SAMPLE = 16


def make_dictionary(samples: Sequence[Mapping[str, Any]]) -> bytes:
    """A preset dictionary for an app: the JSON of a few of its items, most typical last
    (zlib favours the end of the dictionary for the shortest back-references)."""
    joined = b"".join(raw_json_bytes(raw) for raw in samples[:DICTIONARY_SAMPLE])
    return joined[-DICTIONARY_BYTES:]


@dataclass(frozen=True)
class ItemRecord:
    """Everything the cache keeps about one item, ready to write."""

    item_id: int
    app_id: int
    app_item_id: int | None
    title: str
    revision: int
    created_on: str | None  # "YYYY-MM-DD HH:MM:SS" UTC
    last_edit_on: str | None  # current_revision.created_on, UTC
    comment_count: int
    file_count: int
    raw: Mapping[str, Any]
    # field_id -> the key that orders this field (REAL for numbers/dates-as-text, TEXT otherwise)
    sort_keys: Mapping[int, SortKey] = field(default_factory=dict)
    # (field_id, id) pairs a filter matches: category option ids, item ids, profile ids
    refs: tuple[tuple[int, int], ...] = ()
    # field_id -> the currency of a money value (its sort key is the amount)
    currencies: Mapping[int, str] = field(default_factory=dict)
    # the searchable text of the fields (title, text, category texts, names, related titles)
    search_text: str = ""
    # what could not be read of the item's JSON (empty: read fully)
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommentRecord:
    comment_id: int
    item_id: int
    created_on: str | None
    text: str
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class FileRecord:
    file_id: int
    item_id: int
    name: str
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class OrgRecord:
    org_id: int
    name: str
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class SpaceRecord:
    space_id: int
    org_id: int
    name: str
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class AppRecord:
    app_id: int
    space_id: int | None
    name: str
    item_name: str | None
    fields: list[Any]  # field definitions as Podio sent them
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class CachedItem:
    """One item as read back from the cache."""

    item_id: int
    app_id: int
    app_item_id: int | None
    title: str
    revision: int
    created_on: str | None
    last_edit_on: str | None
    comment_count: int
    file_count: int
    raw: dict[str, Any]
    deleted: bool
    deleted_at: str | None
    synced_at: str


@dataclass
class AppSyncState:
    """Where the sync of one app stands (see the app_sync table)."""

    app_id: int
    full_gen: int = 0
    full_running: bool = False
    full_cursor: int = 0
    full_offset: int = 0
    full_total: int | None = None
    full_started_at: str | None = None
    full_done_at: str | None = None
    watermark: str | None = None
    total_seen: int | None = None
    incremental_at: str | None = None

    @property
    def has_full_copy(self) -> bool:
        return self.full_done_at is not None


@dataclass(frozen=True)
class UpsertCounts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0

    def __add__(self, other: UpsertCounts) -> UpsertCounts:
        return UpsertCounts(
            self.added + other.added,
            self.changed + other.changed,
            self.unchanged + other.unchanged,
        )
