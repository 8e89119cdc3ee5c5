"""Bulk edit, the files: a job's result log (CSV or XLSX: item, field, old, new, outcome) and
the export of items before a job deletes them (Podio cannot restore deleted items).

Text from Podio (titles, values, field labels) can start with "=": the CSV files get the
export's formula guard (`formula_safe`), and an XLSX cell holding text is stored as text,
never as a formula, as the export's XLSX writer does.

Blocking file writes: callers run these on a worker thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from podio_desk.cache.journal import JournalEntry
from podio_desk.domain.export import formula_safe
from podio_desk.domain.fields import display_text
from podio_desk.domain.items import Item
from podio_desk.domain.workspace import App
from podio_desk.services.export_xlsx import ILLEGAL_XML

LOG_COLUMNS = ("job", "item_id", "title", "field", "old", "new", "outcome", "detail")


def log_rows(job_id: int, entries: Iterable[JournalEntry]) -> list[tuple[Any, ...]]:
    """One row per changed field of each entry (one row for a delete or an entry without
    changes), with what became of it."""
    rows: list[tuple[Any, ...]] = []
    for entry in entries:
        title = str(entry.summary.get("title", ""))
        detail = entry.error or ""
        outcome = entry.state
        changes = [c for c in entry.summary.get("changes") or [] if isinstance(c, dict)]
        item_id = entry.item_id if entry.item_id is not None else ""
        if entry.op == "delete":
            rows.append((job_id, item_id, title, "", "", "(deleted)", outcome, detail))
            continue
        if not changes:
            rows.append((job_id, item_id, title, "", "", "", outcome, detail))
            continue
        for change in changes:
            if change.get("old_input") == change.get("new_input") and not change.get("issue"):
                continue
            rows.append(
                (
                    job_id,
                    item_id,
                    title,
                    change.get("label") or change.get("external_id") or "",
                    change.get("old", ""),
                    change.get("new", ""),
                    outcome,
                    change.get("issue") or detail,
                )
            )
    return rows


def write_table(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Rows to CSV (UTF-8 with a BOM, which spreadsheet programs read as UTF-8) or, for a
    `.xlsx` name, to a workbook in write-only mode. Returns the rows written."""
    count = 0
    temporary = path.with_name(path.name + ".tmp")
    if path.suffix.lower() == ".xlsx":
        import openpyxl  # only when a workbook is written
        from openpyxl.cell import WriteOnlyCell

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet("Podio Desk")

        def xlsx_cell(value: object) -> object:
            value = _cell(value)
            if not isinstance(value, str) or not value:
                return value
            cell = WriteOnlyCell(sheet, value=ILLEGAL_XML.sub("", value))
            cell.data_type = "s"  # text, never a formula
            return cell

        sheet.append([xlsx_cell(name) for name in columns])
        for row in rows:
            sheet.append([xlsx_cell(value) for value in row])
            count += 1
        workbook.save(temporary)
    else:
        with temporary.open("w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow([formula_safe(name) for name in columns])
            for row in rows:
                writer.writerow([_csv_cell(value) for value in row])
                count += 1
    temporary.replace(path)
    return count


def _cell(value: object) -> object:
    if value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)


def _csv_cell(value: object) -> object:
    return formula_safe(value) if isinstance(value, str) else value


def write_result_log(path: Path, job_id: int, entries: Iterable[JournalEntry]) -> int:
    return write_table(path, LOG_COLUMNS, log_rows(job_id, entries))


def write_items_export(path: Path, app: App, items: Sequence[Item]) -> int:
    """Items as they are now: id, title, each field as shown, and Podio's JSON of the item
    (so a deleted item can be looked at, or re-created by hand)."""
    fields = list(app.active_fields)
    columns = ["item_id", "app_item_id", "title", *(f.label for f in fields), "tags", "json"]

    def rows() -> Iterable[list[Any]]:
        for item in items:
            yield [
                item.item_id,
                item.app_item_id,
                item.title,
                *(display_text(f, item.value(f.field_id)) for f in fields),
                ", ".join(item.tags),
                json.dumps(dict(item.raw), ensure_ascii=False, default=str),
            ]

    return write_table(path, columns, rows())
