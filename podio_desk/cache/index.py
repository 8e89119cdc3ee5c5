"""Turn Podio's item JSON into the rows the cache indexes, through domain's field codecs.

Sort keys, filter ids and search text all come from `domain.fields`, so the cache sorts and
filters a field exactly as the table displays it. A field whose values domain cannot read is
left out of the indexes (it simply sorts as empty), but the item is never dropped: its JSON
is stored whole, and the problem is reported back for the log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from podio_desk.cache.records import (
    ItemRecord,
    OrgRecord,
    SortKey,
    SpaceRecord,
)
from podio_desk.domain import fields as domain_fields
from podio_desk.domain.errors import DomainError
from podio_desk.domain.items import Item
from podio_desk.domain.timestamps import format_podio_datetime
from podio_desk.domain.workspace import Org

log = logging.getLogger(__name__)


_MAX_ID = 2**63 - 1


class ItemJsonError(ValueError):
    """The item JSON lacks what the cache needs to store it (its id, its revision)."""


def _int(raw: Mapping[str, Any], key: str, default: int | None = None) -> int | None:
    value = raw.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ItemJsonError(f'item {raw.get("item_id")!r}: "{key}" is not a whole number')
    return value


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def last_edit_on(raw: Mapping[str, Any]) -> str | None:
    """When the item last changed: current_revision.created_on (the filter key last_edit_on)."""
    current = raw.get("current_revision")
    if isinstance(current, Mapping):
        moment = _text(current.get("created_on"))
        if moment:
            return moment
    return _text(raw.get("last_edit_on")) or _text(raw.get("created_on"))


def _storable(key: domain_fields.SortKey) -> SortKey | None:
    if key is None:
        return None
    if isinstance(key, Decimal):
        return float(key)
    if isinstance(key, int):
        return float(key)
    return key


def _note_currency(currencies: dict[int, str], field_id: int, value: object) -> None:
    """A money value's currency, kept beside its amount for per-currency totals."""
    if isinstance(value, domain_fields.MoneyValue):
        currencies[field_id] = value.currency


def _count(raw: Mapping[str, Any], count_key: str, list_key: str) -> int:
    value = raw.get(count_key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    listed = raw.get(list_key)
    return len(listed) if isinstance(listed, list) else 0


def item_record(
    raw: Mapping[str, Any],
    app_id: int,
    problems: list[str] | None = None,
) -> ItemRecord:
    """The cache row of one item JSON (from a filter page or GET /item/{id})."""
    item_id = _int(raw, "item_id")
    if item_id is None:
        raise ItemJsonError("an item without an item_id cannot be cached")
    revision = _int(raw, "revision", 0) or 0
    title = _text(raw.get("title")) or ""
    sort_keys: dict[int, SortKey] = {}
    currencies: dict[int, str] = {}
    refs: list[tuple[int, int]] = []
    texts: list[str] = [title] if title else []
    entries = raw.get("fields")
    for entry in entries if isinstance(entries, list) else []:
        try:
            fdef = domain_fields.FieldDef.from_api(entry)
            value = domain_fields.parse_values(fdef, entry.get("values", []))
            key = _storable(domain_fields.sort_key(fdef, value))
            text = domain_fields.search_text(fdef, value)
            ids = domain_fields.filter_keys(fdef, value)
        except (DomainError, AttributeError) as error:
            if problems is not None:
                problems.append(f"item {item_id}: {error}")
            continue
        if key is not None:
            sort_keys[fdef.field_id] = key
            _note_currency(currencies, fdef.field_id, value)
        refs.extend(_refs(fdef.field_id, ids))
        if text != title:
            texts.append(text)
    tags = raw.get("tags")
    if isinstance(tags, list):
        texts.extend(tag for tag in tags if isinstance(tag, str))
    return ItemRecord(
        item_id=item_id,
        app_id=app_id,
        app_item_id=_int(raw, "app_item_id"),
        title=title,
        revision=revision,
        created_on=_text(raw.get("created_on")),
        last_edit_on=last_edit_on(raw),
        comment_count=_count(raw, "comment_count", "comments"),
        file_count=_count(raw, "file_count", "files"),
        raw=raw,
        sort_keys=sort_keys,
        currencies=currencies,
        refs=tuple(dict.fromkeys(refs)),
        search_text="\n".join(text for text in texts if text),
    )


def record_from_item(item: Item, app_id: int | None = None) -> ItemRecord:
    """The cache row of a domain Item (already parsed by the api layer: no second parse)."""
    target_app = app_id if app_id is not None else item.app_id
    if target_app is None:
        raise ItemJsonError(f"item {item.item_id}: which app it belongs to is unknown")
    sort_keys: dict[int, SortKey] = {}
    currencies: dict[int, str] = {}
    refs: list[tuple[int, int]] = []
    texts: list[str] = [item.title] if item.title else []
    for fdef in item.fields:
        value = item.values.get(fdef.field_id)
        try:
            key = _storable(domain_fields.sort_key(fdef, value))
            text = domain_fields.search_text(fdef, value)
            ids = domain_fields.filter_keys(fdef, value)
        except DomainError as error:
            log.warning("item %s: field left unindexed: %s", item.item_id, error)
            continue
        if key is not None:
            sort_keys[fdef.field_id] = key
            _note_currency(currencies, fdef.field_id, value)
        refs.extend(_refs(fdef.field_id, ids))
        if text != item.title:
            texts.append(text)
    texts.extend(item.tags)
    return ItemRecord(
        item_id=item.item_id,
        app_id=target_app,
        app_item_id=item.app_item_id,
        title=item.title,
        revision=item.revision,
        created_on=_moment(item.created_on),
        last_edit_on=_moment(item.last_edit_on),
        comment_count=item.comment_count,
        file_count=item.file_count,
        raw=item.raw,
        sort_keys=sort_keys,
        currencies=currencies,
        refs=tuple(dict.fromkeys(refs)),
        search_text="\n".join(text for text in texts if text),
        problems=item.problems,
    )


def _refs(field_id: int, ids: Sequence[int | str]) -> list[tuple[int, int]]:
    """Filter ids SQLite can hold (64-bit); anything else cannot be an id Podio gave."""
    found = []
    for ref in ids:
        digits = isinstance(ref, str) and ref.isascii() and ref.isdigit()
        number = ref if isinstance(ref, int) else int(ref) if digits else None
        if number is not None and -_MAX_ID <= number <= _MAX_ID:
            found.append((field_id, number))
    return found


def _moment(moment: datetime | None) -> str | None:
    return None if moment is None else format_podio_datetime(moment)


def item_records(
    raws: Sequence[Mapping[str, Any]], app_id: int
) -> tuple[list[ItemRecord], list[str]]:
    problems: list[str] = []
    records = [item_record(raw, app_id, problems) for raw in raws]
    for problem in problems[:20]:
        log.warning("cached with a field left unindexed: %s", problem)
    return records, problems


def workspace_records(orgs: Sequence[Org]) -> tuple[list[OrgRecord], list[SpaceRecord]]:
    """Cache rows for orgs and their nested spaces, as GET /org/ returns them."""
    org_records = [
        OrgRecord(
            org.org_id,
            org.name,
            {"org_id": org.org_id, "name": org.name, "url_label": org.url_label, "url": org.url},
        )
        for org in orgs
    ]
    space_records = [
        SpaceRecord(
            space.space_id,
            org.org_id,
            space.name,
            {
                "space_id": space.space_id,
                "org_id": org.org_id,
                "name": space.name,
                "url_label": space.url_label,
                "role": space.role,
                "url": space.url,
                "type": space.type,
            },
        )
        for org in orgs
        for space in org.spaces
    ]
    return org_records, space_records
