"""Filters and sort orders over an app's items, and the caches that keep them fast.

Sort orders are built once per (app, key) and kept current item by item on writes; filter
results are cached per (app, filters, order) and dropped when the app changes.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable
from typing import Any

from podio_desk.sandbox import values as v
from podio_desk.sandbox.errors import invalid_value
from podio_desk.sandbox.model import JSON, App, FieldDef, Item
from podio_desk.sandbox.rendering import Rendering

BUILTIN_SORT_KEYS = (
    "created_on",
    "last_edit_on",
    "item_id",
    "app_item_id",
    "title",
    "created_by",
    "last_edit_by",
)

_MISSING = object()


class SortOrder:
    """One app's items in the order of one sort key, kept current item by item.

    `ids` holds the items with a value in ascending (key, item_id) order; `empty` the items
    without a value, by id. The (key, id) pairs for bisecting are built on the first update.
    """

    def __init__(self, function: Callable[[Item], Any], cross_item: bool) -> None:
        self.function = function
        self.cross_item = cross_item
        self.key_of: dict[int, Any] = {}
        self.ids: list[int] = []
        self.empty: list[int] = []
        self._keyed: list[tuple[Any, int]] | None = None

    def build(self, items: dict[int, Item], item_ids: list[int]) -> None:
        key_of = self.key_of
        function = self.function
        for item_id in item_ids:
            key_of[item_id] = function(items[item_id])
        present = sorted(item_id for item_id in item_ids if key_of[item_id] is not None)
        # A stable sort on the key alone over ids in ascending order = (key, id) order.
        self.ids = sorted(present, key=key_of.__getitem__)
        self.empty = sorted(item_id for item_id in item_ids if key_of[item_id] is None)

    def update(self, item: Item) -> None:
        item_id = item.item_id
        if self._keyed is None:
            key_of = self.key_of
            self._keyed = [(key_of[i], i) for i in self.ids]
        keyed = self._keyed
        old = self.key_of.pop(item_id, _MISSING)
        if old is None:
            index = bisect.bisect_left(self.empty, item_id)
            if index < len(self.empty) and self.empty[index] == item_id:
                del self.empty[index]
        elif old is not _MISSING:
            index = bisect.bisect_left(keyed, (old, item_id))
            if index < len(keyed) and keyed[index] == (old, item_id):
                del keyed[index]
                del self.ids[index]
        if not item.deleted:
            new = self.function(item)
            self.key_of[item_id] = new
            if new is None:
                bisect.insort(self.empty, item_id)
            else:
                index = bisect.bisect_left(keyed, (new, item_id))
                keyed.insert(index, (new, item_id))
                self.ids.insert(index, item_id)


class FilterAndSort(Rendering):
    """Sorted and filtered item ids for the filter and count operations; cache invalidation."""

    # ------------------------------------------------------------------ invalidation

    def invalidate(self, item: Item) -> None:
        item.cache_filter = None
        item.cache_micro_text = None
        item.cache_micro = None
        for referrer_id in self.referrers.get(item.item_id, ()):
            referrer = self.items.get(referrer_id)
            if referrer is not None:
                referrer.cache_filter = None
                referrer.cache_micro_text = None
        self.update_sort_orders(item)
        self.drop_filter_cache(item.app_id)
        if self.referrers.get(item.item_id):
            self.filter_cache.clear()
        self.dirty_items.add(item.item_id)

    def drop_filter_cache(self, app_id: int) -> None:
        for key in [key for key in self.filter_cache if key[0] == app_id]:
            del self.filter_cache[key]

    def drop_sort_cache(self, app_id: int) -> None:
        for key in [key for key in self.sort_cache if key[0] == app_id]:
            del self.sort_cache[key]
        self.drop_filter_cache(app_id)
        self.title_fields.pop(app_id, None)

    # ------------------------------------------------------------------ filter & sort

    def sort_key_function(self, app: App, key: str) -> tuple[Callable[[Item], Any], bool]:
        """(item -> sort key or None, whether the key depends on other items' titles)."""
        if key == "created_on":
            return (lambda item: item.created_on), False
        if key == "last_edit_on":
            return (lambda item: item.last_edit_on), False
        if key == "item_id":
            return (lambda item: item.item_id), False
        if key == "app_item_id":
            return (lambda item: item.app_item_id), False
        if key == "title":
            return (lambda item: self.item_title(item).casefold()), False
        if key in ("created_by", "last_edit_by"):
            attr = key

            def actor_name(item: Item) -> Any:
                return str(self.actor_ref(getattr(item, attr))["name"]).casefold()

            return actor_name, False
        definition = app.field_by_key(key)
        if definition is None:
            raise invalid_value(f"Invalid sort_by '{key}'")
        field_id = definition.field_id
        kind = definition.type
        extract: Callable[[Any], Any]
        if kind in ("number", "calculation"):

            def extract(first: Any) -> Any:
                if isinstance(first, dict):
                    return v.date_sort_key(first)
                return float(first)

        elif kind == "money":

            def extract(first: Any) -> Any:
                return float(first["value"])

        elif kind in ("progress", "duration"):

            def extract(first: Any) -> Any:
                return first

        elif kind == "date":
            extract = v.date_sort_key
        elif kind == "category":
            positions = {
                option.get("id"): index
                for index, option in enumerate(definition.settings.get("options", []))
            }

            def extract(first: Any) -> Any:
                return positions.get(first, len(positions))

        elif kind == "app":

            def extract(first: Any) -> Any:
                target = self.items.get(first)
                return self.item_title(target).casefold() if target else ""

        elif kind == "contact":

            def extract(first: Any) -> Any:
                return str(self.profiles.get(first, {}).get("name", "")).casefold()

        elif kind == "text":

            def extract(first: Any) -> Any:
                return v.html_to_text(first).casefold()

        elif kind in ("location", "email", "phone"):

            def extract(first: Any) -> Any:
                return str(first.get("value", "")).casefold()

        else:
            raise invalid_value(f"Cannot sort by the field type '{kind}'")

        def key_of(item: Item) -> Any:
            stored = item.values.get(field_id)
            return extract(stored[0]) if stored else None

        return key_of, kind == "app"

    def sorted_ids(self, app: App, key: str) -> tuple[list[int], list[int]]:
        """(items with a value in ascending order, items without a value) for a sort key.

        Items without a value come last in both directions (a choice: no source says;
        docs/podio-api.md, Sort keys).
        Orders are cached per (app, key) and kept up to date item by item on writes.
        """
        cache_key = (app.app_id, key)
        order = self.sort_cache.get(cache_key)
        if order is None:
            function, cross_item = self.sort_key_function(app, key)
            order = SortOrder(function, cross_item)
            order.build(self.items, self.app_items.get(app.app_id, []))
            self.sort_cache[cache_key] = order
        return order.ids, order.empty

    def sortable_keys(self, app: App) -> list[str]:
        sortable = {
            "number", "money", "progress", "duration", "calculation", "date", "category",
            "app", "contact", "text", "location", "email", "phone",
        }  # fmt: skip
        keys = ["created_on", "last_edit_on", "title", "app_item_id"]
        keys += [str(d.field_id) for d in app.fields if d.type in sortable]
        return keys

    def update_sort_orders(self, item: Item) -> None:
        """Move one item within every cached order of its app (or drop it when deleted)."""
        for (app_id, _key), order in list(self.sort_cache.items()):
            if app_id == item.app_id:
                order.update(item)
        if self.referrers.get(item.item_id):
            # Orders by a relationship field use the referenced item's title.
            for cache_key in [k for k, order in self.sort_cache.items() if order.cross_item]:
                del self.sort_cache[cache_key]

    def filter_predicate(self, app: App, filters: JSON) -> Callable[[Item], bool] | None:
        if filters is None or filters == {} or filters == []:
            return None
        if isinstance(filters, list):
            # Stored views keep filters as a list of {key, values}.
            filters = {entry.get("key"): entry.get("values") for entry in filters}
        if not isinstance(filters, dict):
            raise invalid_value("Invalid value for filters: must be an object")
        checks: list[Callable[[Item], bool]] = []
        for key, wanted in filters.items():
            check = self.filter_check(app, str(key), wanted)
            if check is not None:
                checks.append(check)
        if not checks:
            return None
        if len(checks) == 1:
            return checks[0]
        return lambda item: all(check(item) for check in checks)

    def filter_check(self, app: App, key: str, wanted: JSON) -> Callable[[Item], bool] | None:
        definition = app.field_by_key(key)
        if definition is not None:
            # A field whose external_id equals a built-in key ("tags") wins: the client
            # named it, and a built-in cannot be addressed by a field id.
            return self.field_filter_check(definition, key, wanted)
        if key in ("created_on", "last_edit_on"):
            low, high = self._range(wanted, dates=True)
            attr = key
            return lambda item: _within(getattr(item, attr), low, high)
        if key in ("item_id", "app_item_id"):
            attr = key
            if isinstance(wanted, dict):
                low, high = self._range(wanted, dates=False)
                return lambda item: _within(getattr(item, attr), low, high)
            ids = set(self._id_list(wanted, key))
            return lambda item: getattr(item, attr) in ids
        if key in ("created_by", "last_edit_by"):
            actors = set()
            for entry in self._as_list(wanted, key):
                if isinstance(entry, dict):
                    actors.add((str(entry.get("type", "user")), entry.get("id")))
                else:
                    actors.add(("user", entry))
            attr = key
            return lambda item: getattr(item, attr) in actors
        if key == "external_id":
            external_ids = set(self._as_list(wanted, key))
            return lambda item: item.external_id in external_ids
        if key == "tags":
            tags = set(self._as_list(wanted, key))
            return lambda item: bool(tags & set(item.tags))
        if key == "title":
            # Text cannot be filtered (DOC-views via W6W): silently ignored.
            return None
        raise invalid_value(f"Invalid filter key '{key}'", key=key)

    def field_filter_check(
        self, definition: FieldDef, key: str, wanted: JSON
    ) -> Callable[[Item], bool] | None:
        field_id = definition.field_id
        kind = definition.type
        if kind == "text":
            return None
        if kind == "category":
            options = set()
            match_empty = False
            for entry in self._as_list(wanted, key):
                if entry is None:
                    match_empty = True
                else:
                    options.add(entry)

            def in_options(item: Item) -> bool:
                stored = item.values.get(field_id)
                if not stored:
                    return match_empty
                return not options.isdisjoint(stored)

            return in_options
        if kind in ("app", "contact"):
            # `null` in the list matches "no value", as for categories: docs/podio-api.md
            # (Filter keys) records this as our reading, UNCONFIRMED for these types.
            entries = self._as_list(wanted, key)
            empty_too = None in entries
            ids = set(self._id_list([e for e in entries if e is not None], key))

            def any_of(item: Item) -> bool:
                stored = item.values.get(field_id)
                if not stored:
                    return empty_too
                return not ids.isdisjoint(stored)

            return any_of
        if kind in v.NUMERIC_TYPES:
            low_n, high_n = self._range(wanted, dates=False)

            def numeric(item: Item) -> bool:
                stored = item.values.get(field_id)
                if not stored or (isinstance(stored[0], dict) and kind != "money"):
                    return False
                number = float(stored[0]["value"] if kind == "money" else stored[0])
                return _within(number, low_n, high_n)

            return numeric
        if kind == "date":
            low_d, high_d = self._range(wanted, dates=True)
            timezone = self.timezone

            def in_dates(item: Item) -> bool:
                stored = item.values.get(field_id)
                if not stored:
                    return False
                start = str(stored[0]["start"])
                local = v.utc_to_local(start, timezone) if len(start) > 10 else f"{start} 00:00:00"
                return _within(local, low_d, high_d)

            return in_dates
        raise invalid_value(f"Filtering on the field type '{kind}' is not supported", key=key)

    def _as_list(self, wanted: JSON, key: str) -> list[JSON]:
        if isinstance(wanted, list):
            return wanted
        if wanted is None or isinstance(wanted, dict):
            raise invalid_value(f"Invalid filter value for '{key}': must be a list")
        return [wanted]

    def _id_list(self, wanted: JSON, key: str) -> list[int]:
        out = []
        for entry in self._as_list(wanted, key):
            try:
                out.append(v.parse_int(entry))
            except v.ValueInputError:
                raise invalid_value(f"Invalid filter value for '{key}': {entry!r}") from None
        return out

    def _range(self, wanted: JSON, *, dates: bool) -> tuple[Any, Any]:
        if not isinstance(wanted, dict):
            raise invalid_value("Invalid filter value: a range must be {from, to}")
        low, high = wanted.get("from"), wanted.get("to")
        try:
            if dates:
                return (
                    v.parse_filter_datetime(low, False) if low is not None else None,
                    v.parse_filter_datetime(high, True) if high is not None else None,
                )
            return (
                float(low) if low is not None else None,
                float(high) if high is not None else None,
            )
        except (v.ValueInputError, TypeError, ValueError):
            raise invalid_value(f"Invalid filter range {wanted!r}") from None

    def filter_ids(
        self,
        app: App,
        filters: JSON,
        sort_by: str | None,
        sort_desc: bool,
    ) -> list[int]:
        # Default order: newest first (created_on descending), as Podio's default view.
        descending = sort_desc if sort_by else True
        cache_key = (app.app_id, json.dumps(filters, sort_keys=True), sort_by, descending)
        cached = self.filter_cache.get(cache_key)
        if cached is not None:
            return cached
        predicate = self.filter_predicate(app, filters)
        ordered, empty = self.sorted_ids(app, sort_by or "created_on")
        sequence = [*reversed(ordered), *empty] if descending else [*ordered, *empty]
        if predicate is not None:
            items = self.items
            sequence = [item_id for item_id in sequence if predicate(items[item_id])]
        if len(self.filter_cache) > 64:
            self.filter_cache.clear()
        self.filter_cache[cache_key] = sequence
        return sequence


def _within(value: Any, low: Any, high: Any) -> bool:
    if low is not None and value < low:
        return False
    return not (high is not None and value > high)
