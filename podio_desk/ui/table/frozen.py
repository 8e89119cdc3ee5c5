"""The table's frozen columns: Qt's "Frozen Column" example shape.

A second QTableView lies over the table's left edge, on the same model and the same
selection model, showing only the leading columns (the title by default; "Freeze up to
here" in the header menu freezes more). It scrolls vertically with the table and never
sideways, so the title stays in sight while the other columns scroll under it. Its header
sorts, resizes and opens the header menu like the table's own; a frozen cell is edited in
place in this view (the table's own cell lies under it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from podio_desk.ui.table.delegate import CellDelegate, edit_on_key

if TYPE_CHECKING:
    from podio_desk.ui.table.view import ItemTableView


class FrozenColumns(QTableView):
    """See the module docstring. `count` is how many leading visual columns it shows."""

    def __init__(self, table: ItemTableView) -> None:
        super().__init__(table)
        self.setObjectName("frozenColumns")
        self.table = table
        self.count = 1
        # Keyboard focus stays with the table: a click here focuses it.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setFocusProxy(table)
        # Its own delegate (a view closes only the editors it opened), the same behaviour.
        self.cell_delegate = CellDelegate(self)
        self.cell_delegate.current_cell = table.currentIndex
        self.setItemDelegate(self.cell_delegate)
        self.setSelectionBehavior(table.selectionBehavior())
        self.setSelectionMode(table.selectionMode())
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setEditTriggers(table.editTriggers())
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(table.verticalScrollMode())
        self.setFrameShape(QTableView.Shape.NoFrame)
        self.verticalHeader().hide()
        vertical = self.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(table.verticalHeader().defaultSectionSize())
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.sectionResized.connect(self._on_own_section_resized)
        table.viewport().stackUnder(self)
        table.verticalScrollBar().valueChanged.connect(self.verticalScrollBar().setValue)
        self.verticalScrollBar().valueChanged.connect(table.verticalScrollBar().setValue)
        table_header = table.horizontalHeader()
        table_header.sectionResized.connect(self._on_columns_inserted)
        table_header.sectionMoved.connect(self._on_columns_inserted)
        table_header.sectionCountChanged.connect(self._on_columns_inserted)
        table_header.geometriesChanged.connect(self.place)

    # ------------------------------------------------------------------ public

    def attach(self, model: Any) -> None:
        """Show `model` with the table's selection model (after the table's setModel)."""
        self.setModel(model)
        self.setSelectionModel(self.table.selectionModel())
        if isinstance(model, QAbstractItemModel):
            # Bound methods: Qt drops these connections when this view is deleted.
            model.modelReset.connect(self.sync)
            model.columnsInserted.connect(self._on_columns_inserted)
        self.sync()

    def frozen_columns(self) -> list[int]:
        """The logical columns frozen now (visible ones, in screen order)."""
        header = self.table.horizontalHeader()
        columns = []
        for visual in range(min(self.count, header.count())):
            logical = header.logicalIndex(visual)
            if logical >= 0 and not header.isSectionHidden(logical):
                columns.append(logical)
        return columns

    def is_frozen(self, column: int) -> bool:
        return self.isVisible() and column in self.frozen_columns()

    def frozen_width(self) -> int:
        return self.width() if self.isVisible() else 0

    def set_count(self, count: int) -> None:
        self.count = max(0, count)
        self.sync()

    def sync(self) -> None:
        """Show the table's first `count` columns in its order and widths, hide the rest."""
        table_header = self.table.horizontalHeader()
        header = self.horizontalHeader()
        model: QAbstractItemModel | None = self.model()
        columns = model.columnCount() if model is not None else 0
        frozen = set(self.frozen_columns())
        for visual in range(header.count()):
            logical = table_header.logicalIndex(visual)
            if logical < 0:
                continue
            current = header.visualIndex(logical)
            if current != visual and current >= 0:
                header.blockSignals(True)
                header.moveSection(current, visual)
                header.blockSignals(False)
        for logical in range(columns):
            self.setColumnHidden(logical, logical not in frozen)
            if logical in frozen and header.sectionSize(logical) != table_header.sectionSize(
                logical
            ):
                header.blockSignals(True)
                header.resizeSection(logical, table_header.sectionSize(logical))
                header.blockSignals(False)
        self.setVisible(bool(frozen) and columns > 0)
        self.place()

    def place(self) -> None:
        """Lie over the table's frozen columns, header included."""
        table = self.table
        width = sum(
            table.horizontalHeader().sectionSize(logical) for logical in self.frozen_columns()
        )
        self.setGeometry(
            table.verticalHeader().width() + table.frameWidth(),
            table.frameWidth(),
            width,
            table.viewport().height() + table.horizontalHeader().height(),
        )
        self.horizontalHeader().setFixedHeight(table.horizontalHeader().height())
        self.verticalScrollBar().setValue(table.verticalScrollBar().value())

    # ------------------------------------------------------------------ Qt overrides

    def scrollTo(
        self,
        index: QModelIndex | Any,
        hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible,
    ) -> None:
        """Reimplements QTableView.scrollTo: the table scrolls (vertically) for both views."""
        self.table.scrollTo(index, hint)

    def edit(self, index: Any, *args: Any) -> bool:  # type: ignore[override]
        """Reimplements QAbstractItemView.edit: a key typed on a cell goes where its editor
        takes it (see `edit_on_key`)."""
        typed = edit_on_key(self, index, *args) if len(args) == 2 else None
        if typed is not None:
            return typed
        return bool(super().edit(index, *args))

    def closeEditor(self, editor: Any, hint: Any) -> None:
        """Reimplements QAbstractItemView.closeEditor: a refused value stays in its editor."""
        if self.table.keep_refused_editor(self.cell_delegate, editor, hint):
            return
        super().closeEditor(editor, hint)

    # ------------------------------------------------------------------ slots

    def _on_columns_inserted(self, *_args: object) -> None:
        """Columns were added, moved or resized in the table: follow them."""
        self.sync()

    def _on_own_section_resized(self, logical: int, _old: int, size: int) -> None:
        """The title is resized here (the table's header lies under this one)."""
        table_header = self.table.horizontalHeader()
        if size > 0 and table_header.sectionSize(logical) != size:
            table_header.resizeSection(logical, size)
