"""A holder that makes the editor fit the height of the dock's scroll area.

QScrollArea (widgetResizable) gives a widget whose layout has a height-for-width (the
editor's word-wrapped labels) the height that width asks for: the editor's preferred
height, taller than the dock, so its bottom (the comment box) is pushed out of sight as
soon as the layout is computed again. Held here, without a layout, the editor gets the
scroll area's height, and grows beyond it only to its minimum size.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QWidget


class FitHeight(QWidget):
    """See the module docstring."""

    def __init__(self, child: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.child = child
        child.setParent(self)

    def sizeHint(self) -> QSize:
        return self.child.sizeHint()

    def minimumSizeHint(self) -> QSize:
        return self.child.minimumSizeHint()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.child.setGeometry(0, 0, event.size().width(), event.size().height())
        super().resizeEvent(event)
