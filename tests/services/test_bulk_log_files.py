"""The bulk job's files (services/bulk_log.py): text from Podio never becomes a formula."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl

from podio_desk.cache.journal import JournalEntry
from podio_desk.domain.items import Item
from podio_desk.domain.workspace import App
from podio_desk.services.bulk_log import write_items_export, write_result_log

APP = App.from_api(
    {
        "app_id": 7,
        "config": {"name": "Deals"},
        "fields": [
            {"field_id": 1, "external_id": "title", "type": "text", "label": "Title",
             "config": {"label": "Title", "settings": {}, "delta": 0}},
            {"field_id": 2, "external_id": "formula", "type": "text", "label": "=SUM(A1)",
             "config": {"label": "=SUM(A1)", "settings": {}, "delta": 1}},
        ],
    }
)  # fmt: skip

ITEM = Item.from_api(
    {
        "item_id": 99,
        "app_item_id": 3,
        "title": "=HYPERLINK(1)",
        "revision": 2,
        "fields": [
            {"field_id": 1, "external_id": "title", "type": "text", "label": "Title",
             "values": [{"value": "=HYPERLINK(1)"}]},
            {"field_id": 2, "external_id": "formula", "type": "text", "label": "=SUM(A1)",
             "values": [{"value": "-3.5"}]},
        ],
    },
    APP,
)  # fmt: skip


def entry(changes: list[dict[str, Any]]) -> JournalEntry:
    return JournalEntry(
        job_id=4, seq=1, item_id=99, op="update", payload={}, base_revision=2, old_values={},
        state="done", result_revision=3, error=None, attempts=1, updated="",
        summary={"title": "=HYPERLINK(1)", "changes": changes},
    )  # fmt: skip


CHANGES = [{"label": "@Note", "old": "+1 555", "new": "=HYPERLINK(1)", "old_input": "a"}]


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_the_xlsx_result_log_keeps_formula_like_text_as_text(tmp_path: Path) -> None:
    path = tmp_path / "log.xlsx"
    assert write_result_log(path, 4, [entry(CHANGES)]) == 1
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    row = list(next(sheet.iter_rows(min_row=2, max_row=2)))
    expected = ["=HYPERLINK(1)", "@Note", "+1 555", "=HYPERLINK(1)"]
    assert [cell.value for cell in row[2:6]] == expected
    assert {cell.data_type for cell in row[2:6]} == {"s"}  # text, not formulas


def test_the_csv_result_log_gets_the_export_formula_guard(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    write_result_log(path, 4, [entry(CHANGES)])
    rows = read_csv(path)
    assert rows[1][:6] == ["4", "99", "'=HYPERLINK(1)", "'@Note", "'+1 555", "'=HYPERLINK(1)"]


def test_the_export_before_delete_guards_values_and_headers(tmp_path: Path) -> None:
    path = tmp_path / "before.csv"
    assert write_items_export(path, APP, [ITEM]) == 1
    rows = read_csv(path)
    assert rows[0][:5] == ["item_id", "app_item_id", "title", "Title", "'=SUM(A1)"]
    assert rows[1][2:5] == ["'=HYPERLINK(1)", "'=HYPERLINK(1)", "-3.5"]  # a number stays
    book = tmp_path / "before.xlsx"
    write_items_export(book, APP, [ITEM])
    sheet = openpyxl.load_workbook(book).active
    assert sheet is not None
    header = list(next(sheet.iter_rows(max_row=1)))
    values = list(next(sheet.iter_rows(min_row=2, max_row=2)))
    assert (header[4].value, header[4].data_type) == ("=SUM(A1)", "s")
    assert (values[3].value, values[3].data_type) == ("=HYPERLINK(1)", "s")
