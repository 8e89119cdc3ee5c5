"""A scroll area that gives its widget its own height (never less than the widget's least).

QScrollArea with `widgetResizable` gives a widget whose layout has height-for-width (any
word-wrapped label) its preferred height, even with the vertical scroll bar off: a tall
editor then ran past the dock's bottom edge, cutting off what sits there (the tasks form,
the comment box and its button). Here the widget has the viewport's height, and its panes
scroll inside it; only a dock shorter than the editor's least height scrolls down, and one
narrower than its least width sideways."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


class SidewaysRoom(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(False)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)

    def set_content(self, widget: QWidget) -> None:
        self.setWidget(widget)
        widget.installEventFilter(self)
        self._fit()

    def _fit(self) -> None:
        widget = self.widget()
        if widget is None:
            return
        room = self.viewport().size()
        least = widget.minimumSizeHint()
        widget.resize(max(room.width(), least.width()), max(room.height(), least.height()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self._fit()
        return super().eventFilter(watched, event)
