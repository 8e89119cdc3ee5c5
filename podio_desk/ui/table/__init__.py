"""The item table: a model of one query's rows (`model.py`), one delegate that paints and
edits cells (`delegate.py`), the view (`view.py`), cells and columns (`cells.py`,
`columns.py`)."""

from podio_desk.ui.table.cells import Cell, Column, Roles, RowState, TableRow, render_row
from podio_desk.ui.table.delegate import CellDelegate, InlineSaver
from podio_desk.ui.table.model import LOADING_TEXT, ItemTableModel, TaskSpawner
from podio_desk.ui.table.view import ItemTableView

__all__ = [
    "LOADING_TEXT",
    "Cell",
    "CellDelegate",
    "Column",
    "InlineSaver",
    "ItemTableModel",
    "ItemTableView",
    "Roles",
    "RowState",
    "TableRow",
    "TaskSpawner",
    "render_row",
]
