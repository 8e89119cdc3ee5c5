"""Copy and paste in the item table, as spreadsheets do it.

Copy takes the selected rows' visible columns in screen order, with a header row, as
tab-separated text and as an HTML table (spreadsheets and mail take either). Rows not loaded
yet are loaded first (the view shows a progress dialog with Cancel), up to `COPY_ROW_LIMIT`;
more are refused with a message, never copied as empty rows.

Paste reads a tab-separated block and plans one in-place edit per cell from the current
cell rightwards and downwards: each value is read and validated by the domain rules the
editor uses (`parse_user_text`, `validate`); invalid cells and cells that cannot be edited in
place are listed, and nothing is sent for them. A block over more than one row goes to the
bulk preview when the window has one (`ItemTableView.many_rows_paste`): a journaled, undoable
job the user starts or cancels; one row is saved in place.
"""

from __future__ import annotations

import atexit
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHeaderView

from podio_desk.domain.errors import DomainError
from podio_desk.domain.fields import EMPTY, FieldDef, FieldValue, parse_user_text, validate
from podio_desk.ui.table.model import ItemTableModel

# The most rows one copy loads and copies.
COPY_ROW_LIMIT = 20_000


def visible_columns(header: QHeaderView) -> list[int]:
    """Logical columns shown, in screen order."""
    return [
        header.logicalIndex(visual)
        for visual in range(header.count())
        if header.logicalIndex(visual) >= 0
        and not header.isSectionHidden(header.logicalIndex(visual))
    ]


def missing_rows(model: ItemTableModel[Any], rows: Iterable[int]) -> list[int]:
    return [row for row in rows if not model.is_row_loaded(row)]


def row_texts(model: ItemTableModel[Any], row: int, columns: Sequence[int]) -> list[str] | None:
    """The texts of a loaded row's columns (None if the row is not loaded)."""
    loaded = model.source.row(row) if model.is_row_loaded(row) else None
    if loaded is None:
        return None
    return [_one_line(loaded.cells[column].text) for column in columns]


def copy_payload(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> tuple[str, str]:
    """(TSV, HTML table) of a header row and the rows."""
    lines = ["\t".join(headers), *("\t".join(cells) for cells in rows)]
    head = "".join(f"<th>{html.escape(text)}</th>" for text in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(text)}</td>" for text in cells) + "</tr>"
        for cells in rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return "\n".join(lines), table


def mime_data(tsv: str, table_html: str) -> QMimeData:
    _clear_before_exit_on_headless_platforms()
    data = QMimeData()
    data.setText(tsv)
    data.setHtml(table_html)
    return data


_exit_hook_installed = False


def _clear_before_exit_on_headless_platforms() -> None:
    """The offscreen and minimal platforms keep the clipboard's data until after Python has
    shut down, and deleting a QMimeData made in Python then crashes the process; there, the
    clipboard is emptied before Python exits. Desktop platforms hand the clipboard to the
    desktop's clipboard manager when the application object goes; it is left alone there."""
    global _exit_hook_installed
    if _exit_hook_installed:
        return
    _exit_hook_installed = True

    def clear() -> None:
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication) and app.platformName() in ("offscreen", "minimal"):
            board = QGuiApplication.clipboard()
            if board is not None:
                board.clear()

    atexit.register(clear)


def parse_tsv(text: str) -> list[list[str]]:
    """A pasted block as rows of cells (the trailing line break spreadsheets add dropped)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    if not text:
        return []
    return [line.split("\t") for line in text.split("\n")]


@dataclass
class PastePlan:
    """What a paste would change: per row, the field values to save; and what it skips."""

    changes: dict[int, dict[FieldDef, FieldValue]] = field(default_factory=dict)
    # (row, column label, text, why) of every cell not sent.
    refused: list[tuple[int, str, str, str]] = field(default_factory=list)
    # (row, column label, old text, new text) for the confirmation.
    described: list[tuple[int, str, str, str]] = field(default_factory=list)
    # Per row, the text pasted into each changed field (a bulk preview sets fields from it).
    texts: dict[int, dict[FieldDef, str]] = field(default_factory=dict)

    @property
    def cell_count(self) -> int:
        return sum(len(values) for values in self.changes.values())


def plan_paste(
    model: ItemTableModel[Any],
    block: Sequence[Sequence[str]],
    first_row: int,
    columns: Sequence[int],
) -> PastePlan:
    """Read each pasted cell into the field at (first_row + r, columns[c])."""
    plan = PastePlan()
    labels = [column.label for column in model.columns]
    for r, cells in enumerate(block):
        row = first_row + r
        if row >= model.rowCount():
            for text in cells:
                plan.refused.append((row, "", text, "below the last row"))
            continue
        for c, text in enumerate(cells):
            if c >= len(columns):
                plan.refused.append((row, "", text, "right of the last column"))
                continue
            column = columns[c]
            label = labels[column]
            found = model.edit_value(row, column)
            if not model.is_row_loaded(row):
                plan.refused.append((row, label, text, "the row is not loaded"))
                continue
            if not (isinstance(found, tuple) and len(found) == 2):
                plan.refused.append((row, label, text, "cannot be edited in the table"))
                continue
            fdef, current = found
            try:
                value = EMPTY if not text.strip() else parse_user_text(fdef, text.strip())
            except DomainError as exc:
                plan.refused.append((row, label, text, str(exc)))
                continue
            issues = validate(fdef, value)
            if issues:
                plan.refused.append((row, label, text, "; ".join(i.message for i in issues)))
                continue
            if value == current:
                continue
            plan.changes.setdefault(row, {})[fdef] = value
            plan.texts.setdefault(row, {})[fdef] = text.strip()
            old = row_texts(model, row, [column]) or [""]
            plan.described.append((row, label, old[0], text.strip()))
    return plan


def describe(plan: PastePlan, limit: int = 15) -> str:
    """The plan as lines for a confirmation: changes first, then refused cells."""
    lines = [
        f"Row {row + 1}, {label}: \u201c{old}\u201d \u2192 \u201c{new}\u201d"
        for row, label, old, new in plan.described[:limit]
    ]
    if len(plan.described) > limit:
        lines.append(f"\u2026 and {len(plan.described) - limit} more changes")
    if plan.refused:
        lines.append("")
        lines.append("Not pasted (nothing is sent for these):")
        lines.extend(refused_lines(plan, limit))
    return "\n".join(lines)


def refused_lines(plan: PastePlan, limit: int = 15) -> list[str]:
    lines = [
        f"Row {row + 1}{', ' + label if label else ''}: \u201c{text}\u201d: {why}"
        for row, label, text, why in plan.refused[:limit]
    ]
    if len(plan.refused) > limit:
        lines.append(f"\u2026 and {len(plan.refused) - limit} more")
    return lines


def _one_line(text: str) -> str:
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
