"""Exports against the sandbox over HTTP: files opened back (csv module, openpyxl) and compared
with the cache cell by cell; no API call for a synced app; missing items fetched; cancel."""

from __future__ import annotations

import asyncio
import csv
import math
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from podio_desk.domain.export import ExportFormat, csv_text, export_columns, formula_safe
from podio_desk.domain.fields import (
    CategoryValue,
    DateValue,
    DurationValue,
    FieldType,
    MoneyValue,
    NumberValue,
    ProgressValue,
    display_text,
)
from podio_desk.domain.items import Item
from podio_desk.domain.time_rule import TimeRule
from podio_desk.services.export import ExportProgress, ExportRequest, ExportResult, part_path
from podio_desk.services.paging import PageQuery
from podio_desk.services.queries import item_from_row
from podio_desk.services.session import AccountSession
from tests.services.test_workspace import close, eventually, open_session

# The sandbox's user lives in Copenhagen; this computer's zone is UTC here (as in the trial).
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
PODIO_ZONE = TimeRule(
    podio_zone=COPENHAGEN,
    podio_zone_name="Europe/Copenhagen",
    machine_zone=UTC,
    machine_zone_name="UTC",
)


# Columns the CSV formula guard never touches.
NUMBERS_AND_DATES = {
    FieldType.NUMBER,
    FieldType.MONEY,
    FieldType.PROGRESS,
    FieldType.DURATION,
    FieldType.DATE,
}


def api_requests(sandbox: Any) -> int:
    """Requests the sandbox counted against the rate limit (the token endpoint does not)."""
    return sum(1 for entry in sandbox.control.requests() if entry.rate_class is not None)


async def cached_items(session: AccountSession, app_id: int) -> dict[int, Item]:
    app = await session.queries.app(app_id)
    ids = await session.cache.items.live_ids(app_id)
    rows = await session.cache.items.get_many(ids)
    return {row.item_id: item_from_row(row, app) for row in rows}


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def read_xlsx(path: Path) -> list[list[Any]]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def test_a_synced_app_exports_to_csv_and_xlsx_equal_to_the_cache_without_api_calls(
    sandbox_factory, tmp_path
):
    sandbox = sandbox_factory(items=1234)
    tickets = sandbox.app_id("Tickets")

    async def scenario() -> tuple[dict[int, Item], list[ExportResult], int]:
        session = await open_session(sandbox, tmp_path)
        try:
            await session.sync_app(tickets)
            items = await cached_items(session, tickets)
            before = api_requests(sandbox)
            results = []
            for fmt in ExportFormat:
                request = ExportRequest(
                    PageQuery(app_id=tickets),
                    tmp_path / f"tickets.{fmt.value}",
                    format=fmt,
                    raw=True,
                    rule=PODIO_ZONE,
                )
                results.append(await session.exports.export(request))
            return items, results, api_requests(sandbox) - before
        finally:
            await close(session)

    items, results, calls = asyncio.run(scenario())
    assert calls == 0
    assert [result.rows for result in results] == [1234, 1234]
    assert [result.api_calls for result in results] == [0, 0]
    csv_rows = read_csv(tmp_path / "tickets.csv")
    xlsx_rows = read_xlsx(tmp_path / "tickets.xlsx")
    header = csv_rows[0]
    # The title column is headed by the title field's label, as in the table.
    assert header[:3] == ["Subject", "Item ID", "Status"]
    assert "Price (amount)" in header
    assert "Price (currency)" in header
    assert "Due (start, UTC)" in header
    assert "Created (UTC)" in header
    assert xlsx_rows[0] == header
    assert len(csv_rows) == len(xlsx_rows) == 1235
    # Rows in the table's default order (item id), every item once.
    exported_ids = [int(row[1]) for row in csv_rows[1:]]
    assert exported_ids == sorted(items)
    fields = {fdef.label: fdef for fdef in items[exported_ids[0]].fields}
    checked = {"number": 0, "money": 0, "category": 0, "date": 0}
    for csv_row, xlsx_row in zip(csv_rows[1:], xlsx_rows[1:], strict=True):
        item = items[int(csv_row[1])]
        cells = dict(zip(header, csv_row, strict=True))
        typed = dict(zip(header, xlsx_row, strict=True))
        # CSV guards free text against formulas; XLSX keeps it as it is (text cells).
        assert cells["Subject"] == formula_safe(item.title)
        assert typed["Subject"] == item.title
        assert typed["Item ID"] == item.item_id
        for label, fdef in fields.items():
            value = item.values.get(fdef.field_id)
            shown = display_text(fdef, value) if value is not None else ""
            if fdef.field_type not in NUMBERS_AND_DATES:
                shown = formula_safe(shown)
            if isinstance(value, DateValue):
                # Shown as in the table: the Podio user's zone, the local values Podio sends.
                assert value.start_utc is not None
                moment = value.start.replace(second=0)
                shown = moment.strftime("%Y-%m-%d %H:%M")
            assert cells[label] == shown, (item.item_id, label)
            if isinstance(value, NumberValue):
                assert Decimal(cells[f"{label} (raw)"]) == value.value
                assert math.isclose(typed[label], float(value.value))
                checked["number"] += 1
            elif isinstance(value, MoneyValue):
                assert Decimal(cells[f"{label} (amount)"]) == value.amount
                assert math.isclose(typed[f"{label} (amount)"], float(value.amount))
                assert cells[f"{label} (currency)"] == typed[f"{label} (currency)"]
                assert cells[f"{label} (currency)"] == value.currency
                checked["money"] += 1
            elif isinstance(value, CategoryValue):
                assert cells[f"{label} (raw)"] == csv_text(value.options[0].id)
                assert typed[f"{label} (raw)"] == value.options[0].id
                checked["category"] += 1
            elif isinstance(value, DateValue):
                # Raw: the same moment in UTC, as the header says.
                assert value.start_utc is not None
                utc = value.start_utc.astimezone(UTC).replace(tzinfo=None)
                assert cells[f"{label} (start, UTC)"] == utc.isoformat() + "Z"
                # XLSX: date cells (openpyxl reads them back as datetimes).
                assert typed[label] == value.start
                assert typed[f"{label} (start, UTC)"] == utc
                checked["date"] += 1
            elif value is None and fdef.field_type is not FieldType.TEXT:
                assert typed[label] is None
        assert item.created_on is not None
        created = typed["Created (UTC)"]
        assert isinstance(created, datetime)
        assert created == item.created_on.replace(tzinfo=None, microsecond=0)
        in_podio_zone = item.created_on.replace(tzinfo=UTC).astimezone(COPENHAGEN)
        assert cells["Created"] == in_podio_zone.strftime("%Y-%m-%d %H:%M")
    assert all(count > 100 for count in checked.values()), checked


def test_an_unsynced_app_is_fetched_paced_and_lands_in_the_cache(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(items=1100)
    tickets = sandbox.app_id("Tickets")
    progress: list[ExportProgress] = []

    async def scenario() -> tuple[ExportResult, int, int]:
        session = await open_session(sandbox, tmp_path)
        try:
            await session.app_definition(tickets)
            before = api_requests(sandbox)
            request = ExportRequest(PageQuery(app_id=tickets), tmp_path / "t.csv")
            result = await session.exports.export(request, progress.append)
            calls = api_requests(sandbox) - before
            return result, calls, await session.cache.items.live_count(tickets)
        finally:
            await close(session)

    result, calls, cached = asyncio.run(scenario())
    assert result.rows == 1100
    assert result.source == "podio"
    assert result.api_calls == calls == 3  # ceil(1100 / 500) filter pages
    assert cached == 1100
    assert len(read_csv(tmp_path / "t.csv")) == 1101
    assert progress[-1].phase == "done"
    assert progress[-1].done == 1100
    assert any(event.phase == "fetching" and event.total == 1100 for event in progress)


def test_a_filter_and_a_selection_export_exactly_their_items(sandbox_factory, tmp_path):
    sandbox = sandbox_factory(items=300)
    tickets = sandbox.app_id("Tickets")

    async def scenario() -> tuple[list[list[str]], list[list[str]], dict[int, Item], int]:
        session = await open_session(sandbox, tmp_path)
        try:
            await session.sync_app(tickets)
            items = await cached_items(session, tickets)
            app = await session.queries.app(tickets)
            assert app is not None
            status = app.field("status")
            assert status is not None
            values = [item.values.get(status.field_id) for item in items.values()]
            some = next(v for v in values if isinstance(v, CategoryValue))
            option = some.options[0].id
            query = PageQuery(
                app_id=tickets, filters=PageQuery.freeze_filters({str(status.field_id): [option]})
            )
            keys = ("title", str(status.field_id))
            await session.exports.export(
                ExportRequest(query, tmp_path / "f.csv", columns=keys, raw=True)
            )
            chosen = sorted(items)[::-7][:20]  # a selection, in the order the user made it
            missing_before = api_requests(sandbox)
            await session.exports.export(
                ExportRequest(PageQuery(app_id=tickets), tmp_path / "s.csv", item_ids=tuple(chosen))
            )
            assert api_requests(sandbox) == missing_before
            filtered = [
                item_id
                for item_id, item in items.items()
                if isinstance(v := item.values.get(status.field_id), CategoryValue)
                and option in [o.id for o in v.options]
            ]
            return read_csv(tmp_path / "f.csv"), read_csv(tmp_path / "s.csv"), items, len(filtered)
        finally:
            await close(session)

    filtered_rows, selected_rows, items, expected = asyncio.run(scenario())
    assert filtered_rows[0] == ["Subject", "Item ID", "Status", "Status (raw)"]
    assert len(filtered_rows) - 1 == expected > 0
    assert len({row[3] for row in filtered_rows[1:]}) == 1
    chosen = sorted(items)[::-7][:20]
    assert [items[i].title for i in chosen] == [row[0] for row in selected_rows[1:]]


def test_picked_columns_hold_what_the_full_export_holds_in_them(sandbox_factory, tmp_path):
    # A few columns (the rest hidden or not picked) read only their fields' values.
    sandbox = sandbox_factory(items=300)
    tickets = sandbox.app_id("Tickets")
    fields = {f.external_id: str(f.field_id) for f in sandbox.state.apps[tickets].fields}
    picked = (fields["due"], "title", fields["price"], fields["assignee"], "last_edit_on")

    async def scenario() -> None:
        session = await open_session(sandbox, tmp_path)
        try:
            await session.sync_app(tickets)
            for name, columns in (("all", None), ("picked", picked)):
                for fmt in ExportFormat:
                    path = tmp_path / f"{name}.{fmt.value}"
                    request = ExportRequest(
                        PageQuery(app_id=tickets),
                        path,
                        format=fmt,
                        columns=columns,
                        raw=True,
                        rule=PODIO_ZONE,
                    )
                    await session.exports.export(request)
        finally:
            await close(session)

    asyncio.run(scenario())
    for fmt, read in ((ExportFormat.CSV, read_csv), (ExportFormat.XLSX, read_xlsx)):
        full = read(tmp_path / f"all.{fmt.value}")
        some = read(tmp_path / f"picked.{fmt.value}")
        assert some[0][:6] == [
            "Due",
            "Due (start, UTC)",
            "Due (end, UTC)",
            "Subject",
            "Item ID",
            "Price",
        ]
        where = [full[0].index(header) for header in some[0]]
        assert [[row[n] for n in where] for row in full] == some
        assert len(some) == 301


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_cancel_removes_the_partial_file_and_keeps_an_existing_one(
    sandbox_factory, tmp_path, monkeypatch, fmt
):
    sandbox = sandbox_factory(items=2000)
    tickets = sandbox.app_id("Tickets")
    target = tmp_path / f"out.{fmt.value}"
    target.write_bytes(b"the previous export")
    # openpyxl streams a sheet to a temporary file first: it must go too.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("TMPDIR", str(scratch))  # the XLSX writer's process

    async def scenario() -> None:
        session = await open_session(sandbox, tmp_path)
        try:
            await session.sync_app(tickets)
            started = asyncio.Event()

            def on_progress(event: ExportProgress) -> None:
                if event.done > 0:
                    started.set()

            request = ExportRequest(PageQuery(app_id=tickets), target, format=fmt)
            task = asyncio.ensure_future(session.exports.export(request, on_progress))
            await started.wait()
            if fmt is ExportFormat.CSV:
                assert part_path(target).exists()
            else:  # the writer process has its sheet's temporary file
                assert await eventually(lambda: bool(list(scratch.iterdir())), equals=True)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        finally:
            await close(session)

    asyncio.run(scenario())
    assert target.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("out")] == [target.name]
    assert list(scratch.iterdir()) == []


def small_app() -> Any:
    from podio_desk.domain.workspace import App

    return App.from_api(
        {
            "app_id": 1,
            "config": {"name": "A"},
            "fields": [
                {
                    "field_id": 10,
                    "external_id": "title",
                    "type": "text",
                    "label": "Name",
                    "config": {"settings": {}, "delta": 0},
                },
                {
                    "field_id": 11,
                    "external_id": "n",
                    "type": "number",
                    "label": "N",
                    "config": {"settings": {}, "delta": 1},
                },
            ],
        }
    )


def small_item(app: Any, item_id: int, title: str, number: str) -> Item:
    return Item.from_api(
        {
            "item_id": item_id,
            "app_item_id": item_id,
            "title": title,
            "revision": 0,
            "created_on": "2024-01-02 03:04:05",
            "fields": [
                {
                    "field_id": 10,
                    "external_id": "title",
                    "type": "text",
                    "label": "Name",
                    "values": [{"value": title}],
                },
                {
                    "field_id": 11,
                    "external_id": "n",
                    "type": "number",
                    "label": "N",
                    "values": [{"value": number}],
                },
            ],
        },
        app,
    )


# Titles a spreadsheet would run as formulas (OWASP's list of first characters), and two
# it would not: a plain negative number and ordinary text.
FORMULA_TITLES = ["=1+1", "+1 555 0100", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-5", "ok"]


def test_export_columns_follow_the_keys_given_and_text_is_never_a_formula(tmp_path):
    from podio_desk.services.export import XlsxSink

    app = small_app()
    columns = export_columns(app, ["11", "title", "nope"])
    # The title column is headed as in the table: by the title field's label.
    assert [c.header for c in columns] == ["N", "Name"]
    items = [
        small_item(app, number, title, "-1500.5000")
        for number, title in enumerate(FORMULA_TITLES, 1)
    ]
    path = tmp_path / "x.xlsx"
    sink = XlsxSink(path, columns, "A/B")
    sink.write(columns, items)
    sink.finish()
    # XLSX: every title back as typed (text cells, never formulas; XML reads a carriage
    # return as a line feed), numbers as numbers.
    rows = read_xlsx(path)
    titles = [title.replace("\r", "\n") for title in FORMULA_TITLES]
    assert rows == [["N", "Name"], *[[-1500.5, title] for title in titles]]


def test_csv_guards_free_text_against_formulas_unless_told_not_to(tmp_path):
    from podio_desk.services.export import CsvSink

    app = small_app()
    columns = export_columns(app, ["title", "11"], raw=True)
    assert [c.header for c in columns] == ["Name", "Item ID", "N", "N (raw)"]
    items = [
        small_item(app, number, title, "-1500.5000")
        for number, title in enumerate(FORMULA_TITLES, 1)
    ]
    for guard in (True, False):
        path = tmp_path / f"guard-{guard}.csv"
        sink = CsvSink(path, columns, formula_guard=guard)
        sink.write(columns, items)
        sink.finish()
        rows = read_csv(path)[1:]
        titles = [row[0] for row in rows]
        if guard:
            assert titles == [
                "'=1+1",
                "'+1 555 0100",
                "'-2+3",
                "'@SUM(A1)",
                "'\t=1",
                "'\r=1",
                "-5",
                "ok",
            ]
        else:
            assert titles == FORMULA_TITLES
        # Numbers (shown and raw) are never touched.
        assert {(row[2], row[3]) for row in rows} == {("-1,500.5", "-1500.5000")}


def test_raw_values_of_links_files_contacts_and_html(sandbox, tmp_path):
    companies = sandbox.app_id("Companies")

    async def scenario() -> list[list[str]]:
        session = await open_session(sandbox, tmp_path)
        try:
            await session.sync_app(companies)
            target = tmp_path / "companies.csv"
            await session.exports.export(
                ExportRequest(PageQuery(app_id=companies), target, raw=True)
            )
            return read_csv(target)
        finally:
            await close(session)

    rows = asyncio.run(scenario())
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Website (raw)"].startswith("http")  # a link's address, not Podio's embed id
    assert first["Logo (raw)"].isdigit()  # the file id
    assert first["Notes"] == "Acme Robotics is a key account since 2015."
    assert first["Notes (raw)"].startswith("<p>")  # the HTML as Podio keeps it


def test_xlsx_holds_numbers_money_progress_and_durations_as_formatted_numbers(sandbox, tmp_path):
    projects = sandbox.app_id("Projects")

    async def scenario() -> dict[int, Item]:
        session = await open_session(sandbox, tmp_path)
        try:
            await session.sync_app(projects)
            for fmt in ExportFormat:
                request = ExportRequest(
                    PageQuery(app_id=projects), tmp_path / f"p.{fmt.value}", format=fmt, raw=True
                )
                await session.exports.export(request)
            return await cached_items(session, projects)
        finally:
            await close(session)

    items = asyncio.run(scenario())
    workbook = openpyxl.load_workbook(tmp_path / "p.xlsx")
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    csv_rows = read_csv(tmp_path / "p.csv")
    assert csv_rows[0] == header
    fields = {fdef.external_id: fdef for fdef in next(iter(items.values())).fields}
    checked: dict[str, int] = {"money": 0, "hours": 0, "progress": 0, "effort": 0}
    for line, cells in enumerate(sheet.iter_rows(min_row=2), start=1):
        by_header = dict(zip(header, cells, strict=True))
        shown = dict(zip(header, csv_rows[line], strict=True))
        item = items[by_header["Item ID"].value]
        budget = item.values.get(fields["budget"].field_id)
        if isinstance(budget, MoneyValue):
            cell = by_header["Budget"]
            assert math.isclose(cell.value, float(budget.amount))
            symbol = {"EUR": "€", "USD": "$"}.get(budget.currency, budget.currency)
            assert symbol in cell.number_format
            # CSV keeps the text the table shows; the raw amount stays a plain number.
            assert shown["Budget"] == display_text(fields["budget"], budget)
            assert by_header["Budget (amount)"].number_format == "General"
            checked["money"] += 1
        hours = item.values.get(fields["hours"].field_id)
        if isinstance(hours, NumberValue):
            assert math.isclose(by_header["Hours"].value, float(hours.value))
            assert by_header["Hours"].number_format == "#,##0.0"  # the field's 1 decimal
            checked["hours"] += 1
        progress = item.values.get(fields["progress"].field_id)
        if isinstance(progress, ProgressValue):
            assert math.isclose(by_header["Progress"].value, progress.percent / 100)
            assert by_header["Progress"].number_format == "0%"
            checked["progress"] += 1
        effort = item.values.get(fields["effort"].field_id)
        if isinstance(effort, DurationValue):
            # A number of days in a duration format: openpyxl reads it back as a timedelta.
            stored = by_header["Effort"].value
            assert math.isclose(stored.total_seconds(), effort.seconds, abs_tol=0.001)
            assert by_header["Effort"].number_format == "[h]:mm:ss"
            checked["effort"] += 1
    workbook.close()
    assert all(count > 0 for count in checked.values()), checked
