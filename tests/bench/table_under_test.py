"""The item table the UI bench measures, named in one place: when the table moves, only this
module changes."""

from __future__ import annotations

from typing import Any

from podio_desk.ui.table import ItemTableView as TableView

__all__ = ["TableView", "row_is_loaded"]


def row_is_loaded(model: Any, row: int) -> bool:
    """The row's item has arrived (its cells may still be rendered on first paint)."""
    return bool(model.is_row_loaded(row))
