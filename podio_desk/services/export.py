"""Export items to CSV or XLSX: a view, a filter, a selection or a whole app, with no row cap.

The rows come from the cache whenever it can answer: the app is fully synced (or Podio
cannot be reached, or the query is a full-text search); then the export makes no API call.
Otherwise the query's pages are read from Podio's filter call at BACKGROUND priority (paced by
the account's rate scheduler, behind the window's own requests) and written to the cache too,
as the table's pages are; for a selection only the items missing from the cache are read.

Streaming: the item ids of the query are found first (one index walk), then items are read
in pages of `PAGE` on the cache's reader thread, and each page is parsed, turned into cells
(`domain.export`) and written to the file in ONE job on the account's worker thread, while
the next page is being read. No more than two pages are held at a time; the XLSX file is
written by openpyxl's write-only workbook, which streams each sheet to a temporary file.

The file is written as `<name>.part` next to the destination and renamed over it at the end;
on cancel or failure the partial file is removed and an existing file is left as it was.
Progress is reported as `ExportProgress` (the session publishes it on its hub).
"""

from __future__ import annotations

import asyncio
import csv
import itertools
import logging
import math
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

from podio_desk.api.client import PodioClient
from podio_desk.api.errors import Gone, NotFound
from podio_desk.api.filter_response import parse_filter_response
from podio_desk.api.ratelimit import Priority, RateClass
from podio_desk.cache.cache import Cache
from podio_desk.cache.index import record_from_item
from podio_desk.cache.query import QueryError
from podio_desk.cache.records import CachedItem
from podio_desk.domain.export import (
    ExportColumn,
    ExportFormat,
    export_columns,
    formula_safe,
    guarded_columns,
    headers,
    option_ids_in_filters,
    text_row,
    value_row,
)
from podio_desk.domain.items import Item
from podio_desk.domain.time_rule import TimeRule
from podio_desk.domain.workspace import App, View
from podio_desk.services.export_xlsx import XlsxProcess, XlsxWriterError
from podio_desk.services.paging import PageQuery
from podio_desk.services.queries import QueryService, item_from_row

log = logging.getLogger(__name__)

T = TypeVar("T")

PAGE = 500
PART_SUFFIX = ".part"
_ALL = 1 << 62  # "every id of the query" as a LIMIT


class ExportError(Exception):
    """The export cannot run (a sentence for the user)."""


@dataclass(frozen=True)
class ExportRequest:
    """What to export and how.

    `query` is the table's query (sort, filters, search); `item_ids`, when given, exports
    exactly those items in that order (a selection) instead. `columns` are table column keys
    in screen order (None: all of the table's columns in their default order).
    """

    query: PageQuery
    path: Path
    format: ExportFormat = ExportFormat.CSV
    item_ids: tuple[int, ...] | None = None
    columns: tuple[str, ...] | None = None
    raw: bool = False
    rule: TimeRule | None = None  # the table's time rule (None: Podio's local values)
    formula_guard: bool = True  # CSV: free-text cells never start a formula (domain/export.py)
    export_id: int = 0


@dataclass(frozen=True)
class ExportProgress:
    """`done` of `total` rows written (`total` is None until known); phase: "reading" while
    rows come from the cache, "fetching" while Podio is asked, "done" at the end."""

    export_id: int
    app_id: int
    done: int
    total: int | None
    phase: str
    api_calls: int = 0


@dataclass(frozen=True)
class ExportEstimate:
    """What an export must read from Podio before it starts: up to `items` items in `calls`
    filter calls (heavy rate class), `heavy_left` of `heavy_limit` calls left in this hour's
    budget, and `wait_hours` the hours of budget the calls beyond it wait for."""

    items: int
    cached: int
    calls: int
    heavy_left: int | None
    heavy_limit: int | None
    wait_hours: int


@dataclass
class ExportResult:
    path: Path
    rows: int = 0
    api_calls: int = 0
    seconds: float = 0.0
    source: str = "cache"  # or "podio", where the rows came from


@dataclass
class _Counter:
    calls: int = 0


class _Sink(Protocol):
    def write(self, columns: Sequence[ExportColumn], items: Sequence[Item]) -> int: ...

    def finish(self) -> None: ...

    def discard(self) -> None: ...


class CsvSink:
    """UTF-8 with a byte order mark (so spreadsheet programs read it as UTF-8), the csv
    module's default dialect (comma, double quotes, CRLF line ends); with `formula_guard`,
    free-text cells that a spreadsheet would run as a formula get a leading "'"."""

    def __init__(
        self, path: Path, columns: Sequence[ExportColumn], *, formula_guard: bool = True
    ) -> None:
        self._path = path
        self._file = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(headers(columns))
        self._guarded = guarded_columns(columns) if formula_guard else []

    def write(self, columns: Sequence[ExportColumn], items: Sequence[Item]) -> int:
        rows = [text_row(columns, item) for item in items]
        for row in rows:
            for position in self._guarded:
                row[position] = formula_safe(row[position])
        self._writer.writerows(rows)
        return len(items)

    def finish(self) -> None:
        self._file.close()

    def discard(self) -> None:
        self._file.close()


class XlsxSink:
    """One sheet, written by openpyxl's write-only workbook in a child process
    (`services/export_xlsx.py`): numbers as numbers, dates as dates."""

    def __init__(self, path: Path, columns: Sequence[ExportColumn], sheet: str) -> None:
        self._writer = XlsxProcess(path, headers(columns), sheet)

    def write(self, columns: Sequence[ExportColumn], items: Sequence[Item]) -> int:
        self._writer.send_rows([value_row(columns, item) for item in items])
        return len(items)

    def finish(self) -> None:
        self._writer.finish()

    def discard(self) -> None:
        self._writer.discard()


def part_path(path: Path) -> Path:
    return path.with_name(path.name + PART_SUFFIX)


class ExportService:
    """Exports one account's items; see the module docstring.

    `call(awaitable)` awaits an API call and reports to the account's connectivity monitor;
    `is_syncing(app_id)` tells whether the app's sync runs (then it writes what is read);
    `online()` whether Podio can be reached now.
    """

    def __init__(
        self,
        client: PodioClient,
        cache: Cache,
        queries: QueryService,
        executor: Executor,
        *,
        call: Callable[[Awaitable[Any]], Awaitable[Any]],
        is_syncing: Callable[[int], bool] = lambda _app_id: False,
        online: Callable[[], bool] = lambda: True,
    ) -> None:
        self._client = client
        self._cache = cache
        self._queries = queries
        self._executor = executor
        self._call = call
        self._is_syncing = is_syncing
        self._online = online

    # ------------------------------------------------------------------ public

    async def query_for_view(self, app_id: int, view_id: int) -> tuple[PageQuery, int]:
        """The query of a saved Podio view (its sort and filters, so the cache can answer)
        and the API calls it took (one: views are not cached)."""
        views: Sequence[View] = await self._call(
            self._client.views(app_id, priority=Priority.USER_JOB)
        )
        for view in views:
            if view.view_id == view_id:
                filters = {f.key: f.values for f in view.filters if f.values not in (None, [], {})}
                query = PageQuery(
                    app_id=app_id,
                    sort_by=view.sort_by,
                    sort_desc=view.sort_desc,
                    filters=PageQuery.freeze_filters(filters),
                )
                return query, 1
        raise ExportError(f"app {app_id} has no view {view_id}")

    async def app(self, app_id: int) -> tuple[App, int]:
        """The app's definition (the columns a caller may pick from) and the API calls it
        took: the cache's, else Podio's (one call, then cached)."""
        counter = _Counter()
        return await self._app(app_id, counter), counter.calls

    async def estimate(
        self, request: ExportRequest, known_total: int | None = None
    ) -> ExportEstimate | None:
        """How much of `request` must come from Podio (None: the cache answers it all, or
        a selection, which fetches only the few it lacks). The count is the app's size as
        Podio last said it to a sync (for a filter: an upper bound), else `known_total`
        (what the table was told); no API call."""
        query = request.query
        if request.item_ids is not None or await self._cache_answers(query):
            return None
        state = await self._cache.sync_state(query.app_id)
        cached = await self._queries.cached_count(query.app_id)
        items = state.full_total or state.total_seen or known_total or 0
        if items <= PAGE:
            return None
        calls = math.ceil(items / PAGE)
        heavy = self._client.scheduler.state(RateClass.HEAVY)
        left, limit = heavy.remaining, heavy.limit
        wait_hours = 0
        if left is not None and limit:
            beyond = max(0, calls - left)
            wait_hours = math.ceil(beyond / limit)
        return ExportEstimate(items, cached, calls, left, limit, wait_hours)

    async def export(
        self,
        request: ExportRequest,
        on_progress: Callable[[ExportProgress], None] | None = None,
        *,
        extra_calls: int = 0,
    ) -> ExportResult:
        """Write the file; cancel the awaiting task to stop (the partial file is removed)."""
        started = time.monotonic()
        counter = _Counter(extra_calls)
        app_id = request.query.app_id
        result = ExportResult(path=request.path)

        def report(done: int, total: int | None, phase: str) -> None:
            if on_progress is not None:
                on_progress(
                    ExportProgress(request.export_id, app_id, done, total, phase, counter.calls)
                )

        app = await self._app(app_id, counter)
        query = request.query
        if query.filters:
            try:
                filters = option_ids_in_filters(app, query.filters_dict())
            except ValueError as error:
                raise ExportError(str(error)) from error
            query = replace(query, filters=PageQuery.freeze_filters(filters))
        columns = export_columns(app, request.columns, raw=request.raw, rule=request.rule)
        if not columns:
            raise ExportError("there is no column to export")
        temporary = part_path(request.path)
        try:
            sink: _Sink = await self._on_worker(
                _open_sink, request.format, temporary, columns, app.name, request.formula_guard
            )
        except XlsxWriterError as error:
            raise ExportError(f"the XLSX file could not be written: {error}") from error
        finished = False
        try:
            report(0, None, "reading")
            if request.item_ids is not None:
                rows = await self._export_ids(
                    app, list(request.item_ids), columns, sink, counter, report
                )
                result.source = "podio" if counter.calls > extra_calls else "cache"
            elif await self._cache_answers(query):
                rows = await self._export_from_cache(query, app, columns, sink, report)
            else:
                result.source = "podio"
                rows = await self._export_from_podio(query, app, columns, sink, counter, report)
            await self._on_worker(_finish, sink, temporary, request.path)
            finished = True
        except XlsxWriterError as error:
            raise ExportError(f"the XLSX file could not be written: {error}") from error
        finally:
            if not finished:
                await asyncio.shield(self._on_worker_quietly(_discard, sink, temporary))
        result.rows = rows
        result.api_calls = counter.calls
        result.seconds = time.monotonic() - started
        report(rows, rows, "done")
        return result

    # ------------------------------------------------------------------ sources

    async def _app(self, app_id: int, counter: _Counter) -> App:
        cached = await self._queries.app(app_id)
        if cached is not None and cached.fields:
            return cached
        from podio_desk.services.sync import app_record

        app: App = await self._call(self._client.app(app_id, priority=Priority.USER_JOB))
        counter.calls += 1
        await self._cache.save_apps([app_record(app, app.space_id)])
        self._queries.forget_app(app_id)
        return app

    async def _cache_answers(self, query: PageQuery) -> bool:
        if query.search or not self._online() or self._queries.allow_partial:
            return True
        if query.view_id is not None:
            return False
        return await self._queries.has_full_copy(query.app_id)

    async def _export_from_cache(
        self,
        query: PageQuery,
        app: App,
        columns: Sequence[ExportColumn],
        sink: _Sink,
        report: Callable[[int, int | None, str], None],
    ) -> int:
        try:
            item_query = await self._queries.query_from_podio(
                query.app_id,
                sort_by=query.sort_by,
                sort_desc=query.sort_desc,
                filters=list(query.filters_dict().items()),
                search=query.search,
            )
        except QueryError as error:
            raise ExportError(f"the local cache cannot answer this filter: {error}") from error
        ids = await self._cache.items.page_ids(item_query, 0, _ALL)
        total = len(ids)
        report(0, total, "reading")
        done = 0
        pages = [ids[start : start + PAGE] for start in range(0, total, PAGE)]
        pending = self._read_rows(pages[0]) if pages else None
        for number in range(len(pages)):
            assert pending is not None
            rows = await pending
            # The next page is read on the cache's thread while this one is written.
            pending = self._read_rows(pages[number + 1]) if number + 1 < len(pages) else None
            try:
                done += await self._on_worker(_write_cached, sink, columns, rows, app)
            except BaseException:
                if pending is not None:
                    pending.cancel()
                    await asyncio.gather(pending, return_exceptions=True)
                raise
            report(done, total, "reading")
        return done

    def _read_rows(self, ids: Sequence[int]) -> asyncio.Future[list[CachedItem]]:
        return asyncio.ensure_future(self._cache.items.get_many(ids))

    async def _export_ids(
        self,
        app: App,
        ids: list[int],
        columns: Sequence[ExportColumn],
        sink: _Sink,
        counter: _Counter,
        report: Callable[[int, int | None, str], None],
    ) -> int:
        total = len(ids)
        done = 0
        for start in range(0, total, PAGE):
            chunk = ids[start : start + PAGE]
            rows = {row.item_id: row for row in await self._cache.items.get_many(chunk)}
            fetched: dict[int, Item] = {}
            for item_id in chunk:
                if item_id not in rows and self._online():
                    item = await self._fetch_item(item_id, app, counter)
                    if item is not None:
                        fetched[item_id] = item
                    report(done, total, "fetching")
            done += await self._on_worker(_write_mixed, sink, columns, chunk, rows, fetched, app)
            report(done, total, "reading")
        return done

    async def _fetch_item(self, item_id: int, app: App, counter: _Counter) -> Item | None:
        try:
            item: Item = await self._call(
                self._client.item(item_id, app=app, priority=Priority.BACKGROUND)
            )
        except (NotFound, Gone):
            counter.calls += 1
            return None
        counter.calls += 1
        if not self._is_syncing(app.app_id):
            record = record_from_item(item, app.app_id)
            await self._cache.items.upsert([record])
        return item

    async def _export_from_podio(
        self,
        query: PageQuery,
        app: App,
        columns: Sequence[ExportColumn],
        sink: _Sink,
        counter: _Counter,
        report: Callable[[int, int | None, str], None],
    ) -> int:
        done = 0
        total: int | None = None
        for offset in itertools.count(0, PAGE):
            if total is not None and offset >= total:
                break
            report(done, total, "fetching")
            content: bytes = await self._call(
                self._client.filter_items_raw(
                    query.app_id,
                    filters=query.filters_dict(),
                    sort_by=query.sort_by,
                    sort_desc=query.sort_desc if query.sort_by is not None else None,
                    offset=offset,
                    limit=PAGE,
                    view_id=query.view_id,
                    priority=Priority.BACKGROUND,
                )
            )
            counter.calls += 1
            written, filtered, items = await self._on_worker(
                _write_page, sink, columns, content, offset, app
            )
            total = filtered
            done += written
            report(done, total, "fetching")
            if items and not self._is_syncing(app.app_id):
                records = await self._on_worker(_records, items, app.app_id)
                await self._cache.items.upsert(records)
            if not items:
                break
        return done

    # ------------------------------------------------------------------ worker thread

    async def _on_worker(self, function: Callable[..., T], *args: Any) -> T:
        """Run on the account's worker thread; a cancelled caller still waits for the job
        (it holds the file) before going on."""
        future = asyncio.get_running_loop().run_in_executor(self._executor, function, *args)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            await asyncio.gather(future, return_exceptions=True)
            raise

    async def _on_worker_quietly(self, function: Callable[..., None], *args: Any) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)
        except Exception:
            log.exception("could not remove a partial export file")


# ---------------------------------------------------------------------- worker jobs


def _open_sink(
    format: ExportFormat,
    path: Path,
    columns: Sequence[ExportColumn],
    sheet: str,
    formula_guard: bool,
) -> _Sink:
    path.parent.mkdir(parents=True, exist_ok=True)
    if format is ExportFormat.XLSX:
        return XlsxSink(path, columns, sheet)
    return CsvSink(path, columns, formula_guard=formula_guard)


def _finish(sink: _Sink, temporary: Path, path: Path) -> None:
    sink.finish()
    os.replace(temporary, path)


def _discard(sink: _Sink, temporary: Path) -> None:
    try:
        sink.discard()
    finally:
        temporary.unlink(missing_ok=True)


def _write_cached(
    sink: _Sink, columns: Sequence[ExportColumn], rows: Sequence[CachedItem], app: App
) -> int:
    read = _item_reader(columns, app)
    return sink.write(columns, [read(row) for row in rows])


def _item_reader(columns: Sequence[ExportColumn], app: App) -> Callable[[CachedItem], Item]:
    """Turns a cached row into the item the columns read. With fewer field columns than the
    app has fields (columns hidden or picked), the other fields' values are left unparsed:
    parsing values is most of the work after reading the JSON."""
    wanted = frozenset(int(column.key) for column in columns if column.key.isdigit())
    if wanted >= {fdef.field_id for fdef in app.fields}:
        return lambda row: item_from_row(row, app)

    def read(row: CachedItem) -> Item:
        raw = row.raw
        fields = raw.get("fields")
        if isinstance(fields, list):
            kept = [
                entry
                for entry in fields
                if isinstance(entry, dict) and entry.get("field_id") in wanted
            ]
            raw = {**raw, "fields": kept}
        return Item.from_api(raw, app, app_id=row.app_id)

    return read


def _write_mixed(
    sink: _Sink,
    columns: Sequence[ExportColumn],
    ids: Sequence[int],
    rows: dict[int, CachedItem],
    fetched: dict[int, Item],
    app: App,
) -> int:
    read = _item_reader(columns, app)
    items = []
    for item_id in ids:
        row = rows.get(item_id)
        if row is not None:
            items.append(read(row))
        elif item_id in fetched:
            items.append(fetched[item_id])
    return sink.write(columns, items)


def _write_page(
    sink: _Sink, columns: Sequence[ExportColumn], content: bytes, offset: int, app: App
) -> tuple[int, int, Sequence[Item]]:
    page = parse_filter_response(content, offset, app=app, app_id=app.app_id)
    written = sink.write(columns, page.items)
    return written, page.filtered, page.items


def _records(items: Sequence[Item], app_id: int) -> list[Any]:
    return [record_from_item(item, app_id) for item in items]


__all__ = [
    "PAGE",
    "CsvSink",
    "ExportError",
    "ExportProgress",
    "ExportRequest",
    "ExportResult",
    "ExportService",
    "XlsxSink",
    "part_path",
]
