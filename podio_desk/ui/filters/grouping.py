"""Grouping the table by a category column: a tree of groups with their counts.

The shape is Qt's lazy tree: `GroupTreeModel` (a QAbstractItemModel) lists one top-level row
per value of the field, with how many items of the current filter and search hold it
(one SQL GROUP BY over the cache), and loads a group's items only when it is expanded,
a page at a time (`canFetchMore` / `fetchMore`), from the cache on its reader thread. A
proxy inserting header rows into the paged table would need every group's boundary
before its rows are loaded; the tree needs nothing it has not been asked to show, and an
item with two options appears in both groups as it should.

Groups come from the cache: when the app is not fully synced they cover the cached items
only, and the view says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QPainter, QPalette
from PySide6.QtWidgets import QLabel, QStyleOptionViewItem, QTableView, QTreeView, QWidget

from podio_desk.domain.fields import FieldDef, FieldType
from podio_desk.domain.items import Item
from podio_desk.services.paging import PageQuery
from podio_desk.services.queries import QueryError
from podio_desk.services.session import AccountSession
from podio_desk.ui.filters.reference_picker import EMPTY_LABEL, Spawn
from podio_desk.ui.table.cells import Column, Roles, TableRow, render_row
from podio_desk.ui.table.delegate import CellDelegate
from podio_desk.ui.theme import table_brushes

GROUP_PAGE = 200
_TOP = 0  # internal id of a group row; an item row holds its group's row + 1

# Loads items of one group: (value, offset, limit) -> items.
GroupLoader = Callable[[int | None, int, int], Awaitable[list[Item]]]
AnyIndex = QModelIndex | QPersistentModelIndex


GROUPABLE_TYPES = frozenset({FieldType.CATEGORY})


def option_labels(fdef: FieldDef) -> dict[int | None, str]:
    labels: dict[int | None, str] = {
        option["id"]: str(option.get("text", option["id"]))
        for option in fdef.settings.get("options", [])
        if isinstance(option, dict) and isinstance(option.get("id"), int)
    }
    labels[None] = EMPTY_LABEL
    return labels


@dataclass
class _Group:
    value: int | None
    label: str
    count: int
    rows: list[TableRow[Item]] = field(default_factory=list)
    loading: bool = False


class GroupTreeModel(QAbstractItemModel):
    """See the module docstring."""

    def __init__(
        self,
        columns: Sequence[Column[Item]],
        spawn: Spawn,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._spawn = spawn
        self._groups: list[_Group] = []
        self._load: GroupLoader | None = None
        self._generation = 0
        self._bold = QFont()
        self._bold.setBold(True)
        self.loads = 0  # pages of items added, for whoever waits for one

    def show_groups(
        self,
        fdef: FieldDef,
        counts: Sequence[tuple[int | None, int]],
        load: GroupLoader,
    ) -> None:
        labels = option_labels(fdef)
        self.beginResetModel()
        self._generation += 1
        self._load = load
        self._groups = [
            _Group(value, labels.get(value, str(value)), count) for value, count in counts
        ]
        self.endResetModel()

    def group_labels(self) -> list[str]:
        return [self.data(self.index(row, 0)) for row in range(len(self._groups))]

    def item_at(self, index: AnyIndex) -> Item | None:
        group = self._group_of(index)
        if group is None or not index.isValid() or index.internalId() == _TOP:
            return None
        return group.rows[index.row()].item

    # ------------------------------------------------------------------ the model

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _TOP)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, child: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not child.isValid() or child.internalId() == _TOP:
            return QModelIndex()
        return self.createIndex(int(child.internalId()) - 1, 0, _TOP)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == _TOP and parent.column() == 0:
            return len(self._groups[parent.row()].rows)
        return 0

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(self._columns)

    def hasChildren(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        if not parent.isValid():
            return bool(self._groups)
        if parent.internalId() == _TOP and parent.column() == 0:
            return self._groups[parent.row()].count > 0
        return False

    def canFetchMore(self, parent: AnyIndex) -> bool:
        if not parent.isValid() or parent.internalId() != _TOP or parent.column() != 0:
            return False
        group = self._groups[parent.row()]
        return not group.loading and len(group.rows) < group.count

    def fetchMore(self, parent: AnyIndex) -> None:
        if not self.canFetchMore(parent) or self._load is None:
            return
        row = parent.row()
        group = self._groups[row]
        group.loading = True
        self._spawn(
            f"group-rows:{group.value}",
            self._fetch(self._generation, row, group, self._load),
        )

    async def _fetch(self, generation: int, row: int, group: _Group, load: GroupLoader) -> None:
        try:
            items = await load(group.value, len(group.rows), GROUP_PAGE)
        finally:
            group.loading = False
        if not shiboken6.isValid(self) or generation != self._generation or not items:
            return
        rows = [render_row(self._columns, item) for item in items]
        first = len(group.rows)
        self.beginInsertRows(self.index(row, 0), first, first + len(rows) - 1)
        group.rows.extend(rows)
        self.endInsertRows()
        self.loads += 1

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == _TOP:
            group = self._groups[index.row()]
            if role == Qt.ItemDataRole.DisplayRole and index.column() == 0:
                return f"{group.label} ({group.count:,})"
            if role == Qt.ItemDataRole.FontRole:
                return self._bold
            return None
        owner = self._group_of(index)
        if owner is None:
            return None
        cell = owner.rows[index.row()].cells[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell.text
        if role == Roles.CELL:
            return cell  # the table's delegate draws chips and bars from it
        if role == Qt.ItemDataRole.ForegroundRole and cell.link:
            return table_brushes.refresh().link_foreground
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell.tooltip
        if role == Qt.ItemDataRole.TextAlignmentRole and cell.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._columns)
        ):
            return self._columns[section].label
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def _group_of(self, index: AnyIndex) -> _Group | None:
        if not index.isValid():
            return None
        number = index.row() if index.internalId() == _TOP else int(index.internalId()) - 1
        return self._groups[number] if 0 <= number < len(self._groups) else None


class GroupCellDelegate(CellDelegate):
    """The table's cells in the group tree: its chips, bars and link colours, and grid lines
    like the table's (a tree view draws none)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        super().paint(painter, option, index)
        if index.parent().isValid():  # item rows; a group's row spans the columns
            painter.save()
            painter.setPen(option.palette.color(QPalette.ColorRole.Mid))
            rect = option.rect
            painter.drawLine(rect.topRight(), rect.bottomRight())
            painter.drawLine(rect.bottomLeft(), rect.bottomRight())
            painter.restore()


class Grouping:
    """Puts the group tree in the table's place while a field is chosen, and fills it for
    the table's query (the same filters and search)."""

    def __init__(
        self,
        tree: QTreeView,
        table: QTableView,
        footer: QWidget,
        note: QLabel,
        spawn: Spawn,
        on_item: Callable[[Item], None],
    ) -> None:
        self._tree = tree
        self._table = table
        self._footer = footer
        self._note = note
        self._spawn = spawn
        self.field: FieldDef | None = None
        self.model: GroupTreeModel | None = None
        self._shown: tuple[object, ...] | None = None
        self.refreshes = 0
        tree.setUniformRowHeights(True)
        tree.setAlternatingRowColors(True)
        self.delegate = GroupCellDelegate(tree)
        tree.setItemDelegate(self.delegate)
        tree.hide()
        note.hide()
        tree.activated.connect(self._activated)
        self._on_item = on_item

    def set_field(self, fdef: FieldDef | None) -> None:
        self.field = fdef
        self._shown = None
        grouped = fdef is not None
        self._tree.setVisible(grouped)
        self._table.setVisible(not grouped)
        self._footer.setVisible(not grouped)
        if not grouped:
            self._note.hide()

    def refresh(
        self, session: AccountSession, query: PageQuery, columns: Sequence[Column[Item]]
    ) -> None:
        fdef = self.field
        if fdef is None:
            return
        self._spawn("grouping", self._refresh(session, query, list(columns), fdef))

    async def _refresh(
        self,
        session: AccountSession,
        query: PageQuery,
        columns: list[Column[Item]],
        fdef: FieldDef,
    ) -> None:
        try:
            counts = await session.queries.group_counts(query, fdef.field_id)
        except QueryError as error:
            self._note.setText(f"Cannot group these items: {error}")
            self._note.show()
            return
        full = await session.queries.has_full_copy(query.app_id)
        if not shiboken6.isValid(self._tree) or self.field is not fdef:
            return
        shown = (query, fdef.field_id, tuple(counts))
        if shown == self._shown and self.model is not None:
            return  # the same groups (a reload): keep what the user expanded
        self._shown = shown
        model = GroupTreeModel(columns, self._spawn, self._tree)

        async def load(value: int | None, offset: int, limit: int) -> list[Item]:
            return await session.queries.group_page(query, fdef.field_id, value, offset, limit)

        model.show_groups(fdef, counts, load)
        old = self.model
        self._tree.setModel(model)
        self.model = model
        header = self._table.horizontalHeader()
        tree_header = self._tree.header()
        for column in range(model.columnCount()):
            # The table's widths (the first column also holds the tree's indentation), its
            # hidden columns hidden.
            extra = self._tree.indentation() if column == 0 else 0
            self._tree.setColumnWidth(column, header.sectionSize(column) + extra)
            self._tree.setColumnHidden(column, header.isSectionHidden(column))
        # And the table's order of columns.
        for visual in range(header.count()):
            logical = header.logicalIndex(visual)
            current = tree_header.visualIndex(logical)
            if logical >= 0 and current >= 0 and current != visual:
                tree_header.moveSection(current, visual)
        for row in range(model.rowCount()):
            # A group's row is one line across the columns: its name and count.
            self._tree.setFirstColumnSpanned(row, QModelIndex(), True)
        if old is not None:
            old.deleteLater()
        self._note.setText(
            "" if full else "Grouped from the cached items only: sync this app to group all."
        )
        self._note.setVisible(not full)
        self.refreshes += 1

    def _activated(self, index: QModelIndex) -> None:
        item = self.model.item_at(index) if self.model is not None else None
        if item is not None:
            self._on_item(item)
