"""Bulk edit, step one: choose the items and preview the change (no write is sent here).

`BulkPlanner.plan` turns a `Selection` (item ids, Podio item links, a filter, a saved view,
or the rows of a CSV/XLSX file matched by item id or by a unique field) and a list of
`Operation`s into a `BulkPlan`: one `ItemPlan` per item with old → new per field, from the
cache, fetching from Podio only the items it lacks. The plan says what it will cost
(`describe_cost`: one write per changed item) and is saved as JSON (`PLAN.json`) that a person
may edit before running it: drop entries from `items`, or give a field change a `fix` (the
value typed again, read and validated as the editor does). See docs/architecture.md,
"Bulk edit".
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from podio_desk.api.client import PodioClient
from podio_desk.api.errors import Gone, NotFound
from podio_desk.api.ratelimit import Priority
from podio_desk.cache.cache import Cache
from podio_desk.cache.index import item_record
from podio_desk.cache.query import ItemQuery
from podio_desk.domain.bulk import (
    Budget,
    BulkSpecError,
    ItemPlan,
    Operation,
    PlanCounts,
    check_operations,
    count_of,
    count_plan,
    plan_item,
    plan_new_item,
    resolve_field,
    with_fixes,
    workflow_warning,
)
from podio_desk.domain.export import option_ids_in_filters
from podio_desk.domain.fields import FieldDef, display_text
from podio_desk.domain.items import Item
from podio_desk.domain.links import PodioLinkError, parse_podio_link
from podio_desk.domain.workspace import App
from podio_desk.services.bulk_budget import describe_job_cost, estimate_seconds, write_budget
from podio_desk.services.links import LinkNotOpenedError, LinkResolver
from podio_desk.services.queries import QueryService, item_from_row

log = logging.getLogger(__name__)

PLAN_VERSION = 1
# Items read per cache query and per Podio filter page while planning.
CACHE_CHUNK = 1000
API_PAGE = 500


def delete_warning(deletes: int) -> str:
    """The plan's warning that a delete cannot be undone (until the items are exported)."""
    which = "the item" if deletes == 1 else f"the {deletes:,} items"
    return (
        f"Podio cannot restore deleted items, and undo cannot bring back {which} this job "
        "deletes: export them first"
    )


class BulkPlanError(Exception):
    """The plan cannot be made or read; the message says why in one sentence."""


class OperationError(BulkPlanError):
    """Changes that can never be valid for their fields (not a number, no such option, a bad
    duration, an operation the field's type does not take): `problems`, one sentence each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Selection:
    """Which items a bulk change applies to: exactly one of the ways is given.

    `table` is the rows of a CSV/XLSX file (header → text); `key` the column-and-field that
    matches them to items: "item_id" or a field's external id or label whose values are
    unique in the app. `create_missing` lets rows that match no item create one."""

    item_ids: tuple[int, ...] = ()
    links: tuple[str, ...] = ()
    filters: Mapping[str, Any] | None = None
    view_id: int | None = None
    table: tuple[Mapping[str, str], ...] | None = None
    key: str = "item_id"
    create_missing: bool = False
    # Read the items from Podio even when cached (a retry after conflicts).
    refresh: bool = False

    def describe(self) -> str:
        if self.table is not None:
            return f"{len(self.table)} rows of a file, matched by {self.key}"
        if self.view_id is not None:
            return f"the items of view {self.view_id}"
        if self.filters is not None:
            return f"the items matching the filter {json.dumps(self.filters, sort_keys=True)}"
        if self.links:
            return f"{len(self.links)} item links"
        return f"{count_of(len(self.item_ids), 'item')} by id"


@dataclass(frozen=True)
class BulkOptions:
    """`silent`: no notifications; `hook`: webhooks and workflow automations run."""

    silent: bool = False
    hook: bool = True

    def as_json(self) -> dict[str, bool]:
        return {"silent": self.silent, "hook": self.hook}


@dataclass
class BulkPlan:
    """A preview: what a job would do, item by item. Saved and read back as JSON."""

    app_id: int
    app_name: str
    operations: tuple[Operation, ...]
    options: BulkOptions
    items: list[ItemPlan]
    selection: str = ""
    account: str = ""
    # API calls the planning itself used (items missing from the cache, filter pages).
    read_calls: int = 0
    budget: Budget = field(default_factory=Budget)
    warnings: list[str] = field(default_factory=list)
    deleted_export: str | None = None
    # Names this preview: the same plan run again is the same job, a new plan (even of the
    # same change) a new one; a cancelled job is never sent again by running its plan.
    plan_id: str = ""
    # Each item's own operations when the items do not share `operations` (a block pasted
    # over many rows: each row's values); kept with the job so a retry sets the same values.
    per_item: dict[int, tuple[Operation, ...]] = field(default_factory=dict)

    @property
    def counts(self) -> PlanCounts:
        return count_plan(self.items)

    @property
    def api_calls(self) -> int:
        """Requests the job will send: one per changed item; two per delete (the revision is
        read first, Podio's delete having no revision check) and per created item (its
        revision is read back, for an undo to check)."""
        counts = self.counts
        return counts.changed + 2 * counts.creates + 2 * counts.deletes

    @property
    def eta_seconds(self) -> float:
        return estimate_seconds(self.api_calls, self.budget)

    def cost(self) -> str:
        return describe_job_cost(self.api_calls, self.budget)

    def describe_operations(self) -> list[str]:
        """The change in words, one entry per operation (a paste: each item's own value)."""
        if self.per_item:
            return [f"set {op.field} to each item's own value" for op in self.operations]
        return [op.describe() for op in self.operations]

    def summary(self) -> dict[str, Any]:
        """What the preview says in numbers (also the job's plan summary in the journal)."""
        return {
            **self.counts.as_json(),
            "api_calls": self.api_calls,
            "read_calls": self.read_calls,
            "eta_seconds": round(self.eta_seconds),
            "cost": self.cost(),
            "app_id": self.app_id,
            "app_name": self.app_name,
            "operations": self.describe_operations(),
            "warnings": list(self.warnings),
        }

    def summary_text(self) -> str:
        counts = self.counts
        lines = [
            f"{self.app_name}: {', '.join(self.describe_operations())}",
            f"{count_of(counts.planned, 'item')}: {counts.changed} to change, "
            f"{counts.unchanged} unchanged, "
            f"{counts.invalid} invalid, {counts.read_only} read-only"
            + (f", {counts.deletes} to delete" if counts.deletes else "")
            + (f", {counts.creates} to create" if counts.creates else "")
            + (f", {counts.missing} not found" if counts.missing else ""),
            f"Cost: {self.cost()}"
            + (f" (and {self.read_calls} to prepare it)" if self.read_calls else ""),
        ]
        lines.extend(f"Warning: {warning}" for warning in self.warnings)
        return "\n".join(lines)

    def invalid_lines(self, limit: int = 10) -> list[str]:
        """Why items are invalid, the first `limit` of them with their ids, then how many
        more there are."""
        invalid = [item for item in self.items if item.status == "invalid"]
        lines = [
            f"  item {item.item_id if item.item_id is not None else f'(row {item.row})'}"
            f" {item.title!r}: {'; '.join(item.issues)}"
            for item in invalid[:limit]
        ]
        if len(invalid) > limit:
            lines.append(f"  … and {len(invalid) - limit} more invalid items")
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "podio_desk_bulk_plan": PLAN_VERSION,
            "account": self.account,
            "app_id": self.app_id,
            "app_name": self.app_name,
            "selection": self.selection,
            "operations": [op.as_json() for op in self.operations],
            "options": self.options.as_json(),
            "budget": {
                "limit": self.budget.limit,
                "remaining": self.budget.remaining,
                "seconds_left_in_window": self.budget.seconds_left_in_window,
                "rate_class": self.budget.rate_class,
                "reported": self.budget.reported,
            },
            "read_calls": self.read_calls,
            "warnings": self.warnings,
            "deleted_export": self.deleted_export,
            "plan_id": self.plan_id,
            "per_item": per_item_json(self.per_item),
            "summary": self.summary(),
            "items": [item.as_json() for item in self.items],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BulkPlan:
        if data.get("podio_desk_bulk_plan") != PLAN_VERSION:
            raise BulkPlanError("this is not a Podio Desk bulk plan (or one of another version)")
        try:
            options = data.get("options") or {}
            budget = data.get("budget") or {}
            return cls(
                app_id=int(data["app_id"]),
                app_name=str(data.get("app_name", "")),
                operations=tuple(Operation.from_json(op) for op in data.get("operations") or []),
                options=BulkOptions(
                    silent=bool(options.get("silent", False)), hook=bool(options.get("hook", True))
                ),
                items=[ItemPlan.from_json(item) for item in data.get("items") or []],
                selection=str(data.get("selection", "")),
                account=str(data.get("account", "")),
                read_calls=int(data.get("read_calls", 0)),
                budget=Budget(
                    budget.get("limit"),
                    budget.get("remaining"),
                    budget.get("seconds_left_in_window"),
                    rate_class=str(budget.get("rate_class", "general")),
                    reported=bool(budget.get("reported", True)),
                ),
                warnings=[str(w) for w in data.get("warnings") or []],
                deleted_export=data.get("deleted_export"),
                plan_id=str(data.get("plan_id") or ""),
                per_item=per_item_from_json(data.get("per_item")),
            )
        except (KeyError, TypeError, ValueError, BulkSpecError) as error:
            raise BulkPlanError(f"the plan cannot be read: {error}") from error

    def fingerprint(self) -> str:
        """Identifies what the plan will write: the same plan file run again resumes its job
        instead of starting a second one."""
        content = {
            "app_id": self.app_id,
            "operations": [op.as_json() for op in self.operations],
            "options": self.options.as_json(),
            "items": [item.as_json() for item in self.items],
        }
        if self.plan_id:
            content["plan_id"] = self.plan_id
        text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def per_item_json(per_item: Mapping[int, Sequence[Operation]]) -> dict[str, list[dict[str, str]]]:
    """Each item's own operations as JSON (keys are item ids as text)."""
    return {str(item_id): [op.as_json() for op in ops] for item_id, ops in per_item.items()}


def per_item_from_json(data: Any) -> dict[int, tuple[Operation, ...]]:
    if not isinstance(data, Mapping):
        return {}
    return {
        int(item_id): tuple(Operation.from_json(op) for op in ops)
        for item_id, ops in data.items()
        if isinstance(ops, list)
    }


def apply_fixes(app: App, data: Mapping[str, Any], plan: BulkPlan) -> BulkPlan:
    """Fold the `fix` values a person wrote into an edited plan file into its changes:
    each is read and validated like a value typed into the editor."""
    items = []
    raw_items = list(data.get("items") or [])
    for raw, item in zip(raw_items, plan.items, strict=True):
        fixes = {
            int(change.get("field_id", 0)): change["fix"]
            for change in raw.get("changes") or []
            if isinstance(change, Mapping) and isinstance(change.get("fix"), str)
        }
        items.append(with_fixes(app, item, fixes) if fixes else item)
    return replace(plan, items=items)


def read_plan_file(path: Path) -> tuple[BulkPlan, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BulkPlanError(f"cannot read the plan {path}: {error.strerror or error}") from error
    except ValueError as error:
        raise BulkPlanError(f"the plan {path} is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise BulkPlanError(f"the plan {path} is not a Podio Desk bulk plan")
    return BulkPlan.from_json(data), data


def write_plan_file(plan: BulkPlan, path: Path) -> None:
    """Written whole to a temporary file, then renamed: never a half-written plan."""
    text = json.dumps(plan.to_json(), indent=1, ensure_ascii=False, default=str)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text + "\n", encoding="utf-8")
    temporary.replace(path)


# ------------------------------------------------------------------ CSV and XLSX rows


def read_table(path: Path) -> tuple[Mapping[str, str], ...]:
    """The rows of a CSV (UTF-8, a header row) or XLSX file (the first sheet), as header →
    text; empty rows are left out. Blocking: run it on a worker thread."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            sample = handle.read(4096)
            handle.seek(0)
            try:
                dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
            reader = csv.DictReader(handle, dialect=dialect)
            rows = [
                {str(k).strip(): (v or "") for k, v in row.items() if k is not None}
                for row in reader
            ]
    except OSError as error:
        raise BulkPlanError(f"cannot read {path}: {error.strerror or error}") from error
    except (UnicodeDecodeError, csv.Error) as error:
        raise BulkPlanError(f"{path} is not a readable CSV file: {error}") from error
    return tuple(row for row in rows if any(value.strip() for value in row.values()))


def _read_xlsx(path: Path) -> tuple[Mapping[str, str], ...]:
    import openpyxl  # only when a spreadsheet is read

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file it cannot read
        raise BulkPlanError(f"{path} is not a readable XLSX file: {error}") from error
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return ()
        names = [str(cell).strip() if cell is not None else "" for cell in header]
        table = []
        for values in rows:
            row = {
                name: _cell_text(value) for name, value in zip(names, values, strict=False) if name
            }
            if any(text.strip() for text in row.values()):
                table.append(row)
        return tuple(table)
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        text = value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
        return str(text).removesuffix(" 00:00:00")
    return str(value)


# ------------------------------------------------------------------ the planner


class BulkPlanner:
    """Makes plans for one account: reads the cache, asks Podio only for what it lacks."""

    def __init__(
        self,
        client: PodioClient,
        cache: Cache,
        queries: QueryService,
        app_definition: Callable[[int], Awaitable[App]],
        links: LinkResolver,
        account: str = "",
    ) -> None:
        self._client = client
        self._cache = cache
        self._queries = queries
        self._app_definition = app_definition
        self._links = links
        self._account = account

    def budget(self) -> Budget:
        """The budget the job's writes count against, as the rate scheduler knows it now."""
        return write_budget(self._client)

    async def plan(
        self,
        app_id: int,
        selection: Selection,
        operations: Sequence[Operation],
        options: BulkOptions = BulkOptions(),
    ) -> BulkPlan:
        app = await self._app_definition(app_id)
        problems = check_operations(app, operations)
        if problems:
            raise OperationError(problems)
        if any(op.kind == "column" for op in operations) and selection.table is None:
            raise BulkPlanError("setting a field from a column needs --csv FILE")
        calls = _Calls()
        items: list[ItemPlan]
        if selection.table is not None:
            items = await self._plan_table(app, selection, operations, calls)
        else:
            not_found: list[ItemPlan] = []
            ids = await self._select_ids(app, selection, calls, not_found)
            found = await self._items(app, ids, calls, refresh=selection.refresh)
            items = list(not_found)
            for start in range(0, len(ids), CACHE_CHUNK):
                # Off the loop's thread, a chunk at a time: the window stays responsive.
                chunk = ids[start : start + CACHE_CHUNK]
                items.extend(await asyncio.to_thread(_plan_items, app, chunk, found, operations))
        plan = BulkPlan(
            app_id=app.app_id,
            app_name=app.name,
            operations=tuple(operations),
            options=options,
            items=items,
            selection=selection.describe(),
            account=self._account,
            read_calls=calls.count,
            budget=self.budget(),
            plan_id=uuid.uuid4().hex,
        )
        warning = workflow_warning(options.silent, options.hook, plan.counts.writes)
        if warning:
            plan.warnings.append(warning)
        if plan.counts.deletes:
            plan.warnings.append(delete_warning(plan.counts.deletes))
        return plan

    async def plan_each(
        self,
        app_id: int,
        per_item: Mapping[int, Sequence[Operation]],
        options: BulkOptions = BulkOptions(),
        *,
        selection: str = "",
        refresh: bool = False,
    ) -> BulkPlan:
        """A plan where each item has its own operations (a block pasted over many rows of
        the table: each row's cells set their fields), each item read again from Podio with
        `refresh`. The plan's `operations` name the fields changed, as "column" operations
        (for the summary); its `per_item` keeps each item's own, journaled with the job so
        that a retry sets the same values again."""
        app = await self._app_definition(app_id)
        calls = _Calls()
        ids = list(per_item)
        found = await self._items(app, ids, calls, refresh=refresh)
        items = [
            plan_item(app, found[item_id], per_item[item_id])
            if item_id in found
            else ItemPlan(item_id, "", None, "missing", issues=("not found in Podio",))
            for item_id in ids
        ]
        fields = dict.fromkeys(op.field for ops in per_item.values() for op in ops)
        plan = BulkPlan(
            app_id=app.app_id,
            app_name=app.name,
            operations=tuple(Operation("column", name, "pasted") for name in fields),
            options=options,
            items=items,
            selection=selection or f"{len(ids)} items, each with its own values",
            account=self._account,
            read_calls=calls.count,
            budget=self.budget(),
            per_item={item_id: tuple(ops) for item_id, ops in per_item.items()},
        )
        warning = workflow_warning(options.silent, options.hook, plan.counts.writes)
        if warning:
            plan.warnings.append(warning)
        return plan

    # -------------------------------------------------------------- choosing the items

    async def _select_ids(
        self, app: App, selection: Selection, calls: _Calls, not_found: list[ItemPlan]
    ) -> list[int]:
        if selection.item_ids:
            return list(dict.fromkeys(selection.item_ids))
        if selection.links:
            return await self._ids_from_links(app, selection.links, calls, not_found)
        if selection.filters is not None or selection.view_id is not None:
            return await self._ids_matching(app, selection, calls)
        raise BulkPlanError("no items chosen (ids, links, a filter, a view or a file)")

    async def _ids_from_links(
        self, app: App, texts: Iterable[str], calls: _Calls, not_found: list[ItemPlan]
    ) -> list[int]:
        """The item ids the texts name. A text naming no item of the app (not a Podio
        link, an app's link, another account's or app's item) goes to `not_found`, listed
        in the preview as not found, and the others are planned all the same."""
        ids: list[int] = []
        for text in texts:
            text = text.strip()
            if not text:
                continue
            if text.isdigit():
                ids.append(int(text))
                continue
            why: str | None = None
            target = None
            try:
                link = parse_podio_link(text)
            except PodioLinkError as error:
                why = str(error)
            else:
                if not link.is_item:
                    why = "links to an app, not to an item"
                else:
                    before = _requests(self._client)
                    try:
                        target = await self._links.find(link)
                    except LinkNotOpenedError as error:
                        why = error.user_message
                    calls.count += _requests(self._client) - before
            if why is None and (
                target is None or target.item_id is None or target.app_id != app.app_id
            ):
                why = f"not an item of {app.name} in this account"
            if why is not None or target is None or target.item_id is None:
                not_found.append(
                    ItemPlan(None, text, None, "missing", issues=(f"not found: {why}",))
                )
                continue
            ids.append(target.item_id)
        return list(dict.fromkeys(ids))

    async def _ids_matching(self, app: App, selection: Selection, calls: _Calls) -> list[int]:
        """Every item matching the filter or view, not only the loaded rows: from the cache
        when the app is fully synced and the cache can evaluate the filter, else from Podio's
        filter call, page by page (the items read go into the cache on the way). A category
        field's option texts in the filter are read as the export reads them."""
        try:
            filters: Mapping[str, Any] = option_ids_in_filters(app, selection.filters or {})
        except ValueError as error:
            raise BulkPlanError(str(error)) from error
        if await self._queries.has_full_copy(app.app_id):
            pairs: list[tuple[str, Any]] = list(filters.items())
            usable = True
            if selection.view_id is not None:
                view = await self._view(app.app_id, selection.view_id, calls)
                pairs = [(f.key, f.values) for f in view.filters]
            try:
                query = await self._queries.query_from_podio(app.app_id, filters=pairs)
            except ValueError as error:
                log.info("the cache cannot evaluate the bulk filter (%s); asking Podio", error)
                usable = False
            if usable:
                return await self._cached_ids(query)
        ids: list[int] = []
        offset = 0
        while True:
            page = await self._client.filter_items(
                app.app_id,
                filters=filters if selection.view_id is None else None,
                view_id=selection.view_id,
                offset=offset,
                limit=API_PAGE,
                sort_by="item_id",
                app=app,
                priority=Priority.USER_JOB,
            )
            calls.count += 1
            await self._store(app, page.items)
            ids.extend(item.item_id for item in page.items)
            offset += page.entries
            if page.entries == 0 or offset >= page.filtered:
                break
        return list(dict.fromkeys(ids))

    async def _view(self, app_id: int, view_id: int, calls: _Calls) -> Any:
        views = await self._client.views(app_id, priority=Priority.USER_JOB)
        calls.count += 1
        for view in views:
            if view.view_id == view_id:
                return view
        raise BulkPlanError(f"app {app_id} has no view {view_id}")

    async def _cached_ids(self, query: ItemQuery) -> list[int]:
        ids: list[int] = []
        offset = 0
        while True:
            chunk = await self._cache.items.page_ids(query, offset, CACHE_CHUNK)
            ids.extend(chunk)
            offset += len(chunk)
            if len(chunk) < CACHE_CHUNK:
                return ids

    # -------------------------------------------------------------- reading the items

    async def _items(
        self, app: App, ids: Sequence[int], calls: _Calls, *, refresh: bool = False
    ) -> dict[int, Item]:
        """The items by id: from the cache, and from Podio (one GET each) for those it
        lacks (all of them with `refresh`); those read from Podio are cached."""
        found: dict[int, Item] = {}
        for start in range(0, 0 if refresh else len(ids), CACHE_CHUNK):
            chunk = ids[start : start + CACHE_CHUNK]
            # Parsed on the cache's reader thread, not on the loop's.
            parsed = await self._cache.items.get_many_as(
                chunk,
                lambda row: (
                    None if row.deleted or row.app_id != app.app_id else item_from_row(row, app)
                ),
            )
            for item in parsed:
                if item is not None:
                    found[item.item_id] = item
        missing = [item_id for item_id in ids if item_id not in found]
        fetched: list[Item] = []
        for item_id in missing:
            calls.count += 1
            try:
                item = await self._client.item(item_id, app=app, priority=Priority.USER_JOB)
            except (NotFound, Gone):
                continue
            if item.app_id == app.app_id:
                found[item_id] = item
                fetched.append(item)
        await self._store(app, fetched)
        return found

    async def _store(self, app: App, items: Sequence[Item]) -> None:
        if not items:
            return
        try:
            await self._cache.items.upsert([item_record(i.raw, app.app_id) for i in items])
        except Exception:  # the cache is a copy: failing to keep one must not fail the plan
            log.exception("could not cache %d items read for a bulk plan", len(items))

    async def _all_items(self, app: App, calls: _Calls) -> list[Item]:
        """Every live item of the app: the cache when it holds a full copy, else Podio."""
        if await self._queries.has_full_copy(app.app_id):
            ids = await self._cached_ids(ItemQuery(app.app_id))
            return list((await self._items(app, ids, calls)).values())
        ids = await self._ids_matching(app, Selection(filters={}), calls)
        return list((await self._items(app, ids, calls)).values())

    async def _plan_table(
        self, app: App, selection: Selection, operations: Sequence[Operation], calls: _Calls
    ) -> list[ItemPlan]:
        table = selection.table or ()
        key = selection.key.strip()
        if not table:
            raise BulkPlanError("the file has no rows")
        keyed: dict[str, list[int]] = {}
        items: dict[int, Item]
        by_id = key.casefold() in ("item_id", "id", "item id")
        fdef = None
        if not by_id:
            try:
                fdef = resolve_field(app, key)
            except BulkSpecError as error:
                raise BulkPlanError(str(error)) from error
        # The column: named like the key, or like the field's external id or label.
        names = [key] if fdef is None else [key, fdef.external_id, fdef.label]
        by_name = {name.strip().casefold(): name for name in table[0]}
        column = next((by_name[n.casefold()] for n in names if n.casefold() in by_name), None)
        if column is None:
            columns = ", ".join(repr(name) for name in table[0])
            raise BulkPlanError(f"the file has no column {key!r} to match items by ({columns})")
        if fdef is None:
            wanted: list[int] = []
            for row in table:
                text = row.get(column, "").strip()
                if text.isdigit():
                    wanted.append(int(text))
            items = await self._items(app, list(dict.fromkeys(wanted)), calls)
            for item_id in items:
                keyed[str(item_id)] = [item_id]
        else:
            every = await self._all_items(app, calls)
            items = {item.item_id: item for item in every}
            keyed = await asyncio.to_thread(_keyed_by, fdef, every)
        # Matching and previewing every row: off the loop's thread.
        return await asyncio.to_thread(
            _match_rows, app, table, column, key, by_id, keyed, items, operations,
            selection.create_missing,
        )  # fmt: skip


def _keyed_by(fdef: FieldDef, items: Iterable[Item]) -> dict[str, list[int]]:
    """Item ids by the field's text as shown (case-folded), as a file's rows name them."""
    keyed: dict[str, list[int]] = {}
    for item in items:
        text = display_text(fdef, item.value(fdef.field_id)).strip().casefold()
        if text:
            keyed.setdefault(text, []).append(item.item_id)
    return keyed


def _match_rows(
    app: App,
    table: Sequence[Mapping[str, str]],
    column: str,
    key: str,
    by_id: bool,
    keyed: Mapping[str, list[int]],
    items: Mapping[int, Item],
    operations: Sequence[Operation],
    create_missing: bool,
) -> list[ItemPlan]:
    """One preview per row of the file: its item's, a new item's, or why neither."""
    plans: list[ItemPlan] = []
    seen: set[int] = set()
    for number, row in enumerate(table, start=1):
        text = row.get(column, "").strip()
        matches = keyed.get(text if by_id else text.casefold(), [])
        if len(matches) > 1:
            why = f"{len(matches)} items have {key} {text!r}; it must be unique"
            plans.append(ItemPlan(None, text, None, "invalid", row=number, issues=(why,)))
            continue
        if not matches:
            if create_missing and not by_id:
                plans.append(plan_new_item(app, operations, row, number))
            else:
                why = "no match (skipped" + (")" if by_id else "; --create to create)")
                plans.append(ItemPlan(None, text, None, "missing", row=number, issues=(why,)))
            continue
        item_id = matches[0]
        if item_id in seen:
            plans.append(
                ItemPlan(item_id, text, None, "invalid", row=number,
                         issues=("the item is matched by an earlier row too",))
            )  # fmt: skip
            continue
        seen.add(item_id)
        plans.append(plan_item(app, items[item_id], operations, row, number))
    return plans


def _plan_items(
    app: App, ids: Sequence[int], found: Mapping[int, Item], operations: Sequence[Operation]
) -> list[ItemPlan]:
    return [
        plan_item(app, found[item_id], operations)
        if item_id in found
        else ItemPlan(item_id, "", None, "missing", issues=("not found in Podio",))
        for item_id in ids
    ]


@dataclass
class _Calls:
    count: int = 0


def _requests(client: PodioClient) -> int:
    """Requests this client has sent so far (for counting a planning's calls)."""
    return client.scheduler.requests_sent
