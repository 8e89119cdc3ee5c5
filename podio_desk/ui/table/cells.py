"""What the item table shows in a cell, and the row of cells made from one item.

A `Column` renders an item into a `Cell` (text, colour, progress, link); `render_row` does
it for every column of a row. It runs on the account's worker thread, as the page reader's
`shape`, so that the UI thread receives rows ready to draw (see `ui/table/model.py`).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from PySide6.QtCore import Qt

log = logging.getLogger(__name__)

T = TypeVar("T")


class Roles(enum.IntEnum):
    """Custom data roles of the item table (Qt.UserRole + n)."""

    CELL = Qt.ItemDataRole.UserRole + 1  # the Cell dataclass
    ROW_STATE = Qt.ItemDataRole.UserRole + 2  # RowState
    ITEM_ID = Qt.ItemDataRole.UserRole + 3  # int | None
    ITEM = Qt.ItemDataRole.UserRole + 4  # the row's item object | None
    # An editable cell's (FieldDef, FieldValue), for the delegate's in-place editor.
    FIELD_VALUE = Qt.ItemDataRole.UserRole + 40


class RowState(enum.Enum):
    LOADED = "loaded"
    LOADING = "loading"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Cell:
    """What a cell shows."""

    text: str = ""
    tooltip: str | None = None
    # Category options carry their Podio colour ("DCEBD8"), drawn as a chip.
    color: str | None = None
    # Progress fields: 0-100, drawn as a bar.
    progress: int | None = None
    link: str | None = None
    align_right: bool = False
    # A relationship cell's first related item (app_id, item_id): Ctrl+click opens it here.
    related: tuple[int, int] | None = None


EMPTY_CELL = Cell()
FAILED_CELL = Cell("⚠", tooltip="This value could not be shown.")


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column: `key` is stable (remembered widths/order), `sort_by` the server sort key."""

    key: str
    label: str
    kind: str
    render: Callable[[T], Cell]
    sort_by: str | None = None
    # For cells that can be edited in place: the row's (FieldDef, FieldValue), else None.
    edit_value: Callable[[T], object | None] | None = None
    # Double-click on this column opens the item even when its cells are editable in place.
    opens_item: bool = False


@dataclass(frozen=True, slots=True)
class TableRow(Generic[T]):
    """One loaded row: its item and its rendered cells, one per column."""

    item: T
    cells: tuple[Cell, ...]


def render_row(columns: Sequence[Column[T]], item: T) -> TableRow[T]:
    """The row of `item`; safe in a worker thread (no widgets involved)."""
    rendered = []
    for column in columns:
        try:
            rendered.append(column.render(item))
        except Exception:  # a malformed value must not break the whole table
            log.exception("Cannot render column %s", column.key)
            rendered.append(FAILED_CELL)
    return TableRow(item, tuple(rendered))
