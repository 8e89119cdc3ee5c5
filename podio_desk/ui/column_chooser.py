"""Choose which columns the item table shows and in which order."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)


class ColumnChooser(QDialog):
    """A checkable, reorderable list of the columns; `apply_to(header)` makes it so."""

    def __init__(
        self, labels: Sequence[str], header: QHeaderView, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("columnChooser")
        self.setWindowTitle("Columns")
        self._labels = list(labels)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Tick the columns to show; drag to change their order.", self))
        self.list = QListWidget(self)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        for logical in sorted(range(len(labels)), key=header.visualIndex):
            entry = QListWidgetItem(labels[logical])
            entry.setData(Qt.ItemDataRole.UserRole, logical)
            flags = entry.flags() | Qt.ItemFlag.ItemIsUserCheckable
            if logical == 0:
                flags &= ~Qt.ItemFlag.ItemIsUserCheckable  # the title always shows
            entry.setFlags(flags)
            hidden = header.isSectionHidden(logical)
            entry.setCheckState(Qt.CheckState.Unchecked if hidden else Qt.CheckState.Checked)
            self.list.addItem(entry)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(320, 420)

    def chosen(self) -> list[tuple[int, bool]]:
        """(logical column, shown) in the chosen visual order."""
        result = []
        for row in range(self.list.count()):
            entry = self.list.item(row)
            logical = int(entry.data(Qt.ItemDataRole.UserRole))
            result.append((logical, logical == 0 or entry.checkState() == Qt.CheckState.Checked))
        return result

    def apply_to(self, header: QHeaderView) -> None:
        for target, (logical, shown) in enumerate(self.chosen()):
            current = header.visualIndex(logical)
            if current != target:
                header.moveSection(current, target)
            header.setSectionHidden(logical, not shown)
