"""The item table's one delegate: Qt's own cell painting, chips and bars, in-place editing.

Text cells are painted by `QStyledItemDelegate` from the model's roles (text, colours,
alignment, font, tooltip), so the style draws selection, the focus frame, the inactive
window's palette and right-to-left layouts. Category cells add a coloured chip and progress
cells a bar, drawn inside the background, selection and focus frame the style drew.

Editing in place (F2, a double-click on an editable cell) uses the item form's field editors
(`ui.editor.fields.create_editor`) with the same validation; a valid, changed value goes to
`commit` (an `InlineSaver`, which saves it through `EditingService` with the item's revision).
The delegate never writes into the model: the saved item comes back through the service's
events and replaces its row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from podio_desk.domain.errors import DomainError
from podio_desk.domain.fields import FieldDef, FieldValue, validate
from podio_desk.domain.items import Item, ItemChange
from podio_desk.domain.workspace import App
from podio_desk.services.editing import EditingService, SaveOutcome
from podio_desk.ui.editor.context import EditorContext, TaskRunnerLike
from podio_desk.ui.editor.fields import FieldEditor, create_editor
from podio_desk.ui.table.cells import Cell, Roles
from podio_desk.ui.table.columns import editable_inline
from podio_desk.ui.table.model import ItemTableModel

Index = QModelIndex | QPersistentModelIndex
Commit = Callable[[QPersistentModelIndex, FieldDef, FieldValue], None]

CHIP_TEXT = QColor("#202020")
PROGRESS_FILL = QColor("#3d7fd6")
PROGRESS_BACK = QColor("#e6e9ef")
# Chips and bars kept drawn (values x sizes in use).
PICTURE_CACHE_SIZE = 2000
CHIP_PADDING = 6
# The widest an in-place editor grows beyond its cell.
EDITOR_MAX_WIDTH = 420
_LEADING = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def _field_value(index: Index) -> tuple[FieldDef, FieldValue] | None:
    data = index.data(Roles.FIELD_VALUE)
    if isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], FieldDef):
        return data[0], data[1]
    return None


class CellDelegate(QStyledItemDelegate):
    """See the module docstring.

    Signals:
        refused(str): a value typed in place was not valid; nothing was committed.
    """

    refused = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Where valid, changed values typed in place go; None: cells are not edited in place.
        self.commit: Commit | None = None
        self.last_error = ""
        self._pictures: dict[tuple[object, ...], QPixmap] = {}

    # ------------------------------------------------------------------ painting

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """Reimplements QStyledItemDelegate.paint: the stock path, plus chips and bars."""
        model = index.model()
        cell: object
        if isinstance(model, ItemTableModel):
            cell = model.cell_at(index.row(), index.column())
        else:
            cell = index.data(Roles.CELL)
        if not isinstance(cell, Cell) or (cell.progress is None and cell.color is None):
            super().paint(painter, option, index)
            return
        styled = QStyleOptionViewItem(option)
        self.initStyleOption(styled, index)
        styled.text = ""  # the chip or the bar carries the text
        # No widget when painted outside a view (a test, a print): the application's style.
        widget = cast(QWidget | None, styled.widget)
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, styled, painter, widget)
        area = styled.rect.adjusted(4, 3, -4, -3)
        if area.width() <= 0 or area.height() <= 0:
            return
        ratio = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        picture = self._picture(cell, styled, area.width(), area.height(), ratio)
        size = picture.deviceIndependentSize().toSize()
        place = QStyle.alignedRect(styled.direction, _LEADING, size, area)
        painter.drawPixmap(place.topLeft(), picture)

    def _picture(
        self, cell: Cell, option: QStyleOptionViewItem, width: int, height: int, ratio: float
    ) -> QPixmap:
        """The chip or the bar of `cell`, drawn once per value, size and font (a column shows
        few different categories and percentages): a repaint then draws one pixmap a cell."""
        key = (
            cell.text,
            cell.color,
            cell.progress,
            width,
            height,
            ratio,
            option.font.key(),
            option.direction,
        )
        picture = self._pictures.get(key)
        if picture is not None:
            return picture
        if len(self._pictures) >= PICTURE_CACHE_SIZE:
            self._pictures.clear()
        metrics = option.fontMetrics
        if cell.progress is None:
            text = metrics.elidedText(
                cell.text, Qt.TextElideMode.ElideRight, max(0, width - 2 * CHIP_PADDING)
            )
            width = min(width, metrics.horizontalAdvance(text) + 2 * CHIP_PADDING)
        picture = QPixmap(max(1, round(width * ratio)), max(1, round(height * ratio)))
        picture.setDevicePixelRatio(ratio)
        picture.fill(Qt.GlobalColor.transparent)
        painter = QPainter(picture)
        try:
            painter.setFont(option.font)
            box = QRect(0, 0, width, height)
            if cell.progress is None:
                colour = QColor(f"#{cell.color}")
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour if colour.isValid() else QColor("#e0e0e0"))
                painter.drawRoundedRect(box, 4, 4)
                painter.setPen(CHIP_TEXT)
                painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)
            else:
                percent = max(0, min(100, cell.progress))
                painter.fillRect(box, PROGRESS_BACK)
                filled = QSize(width * percent // 100, height)
                painter.fillRect(
                    QStyle.alignedRect(option.direction, _LEADING, filled, box), PROGRESS_FILL
                )
                painter.setPen(CHIP_TEXT)
                painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), f"{percent} %")
        finally:
            painter.end()
        self._pictures[key] = picture
        return picture

    # ------------------------------------------------------------------ editing in place

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        """Reimplements QStyledItemDelegate.createEditor: the item form's field editor."""
        found = _field_value(index)
        if found is None or not editable_inline(found[0]):
            return super().createEditor(parent, option, index)
        editor = create_editor(found[0], EditorContext(), parent)
        editor.setAutoFillBackground(True)
        # The view focuses the editor: what is typed goes to its first input (a line edit).
        focusable = next(
            (
                child
                for child in editor.findChildren(QWidget)
                if child.focusPolicy() & Qt.FocusPolicy.TabFocus
            ),
            None,
        )
        if focusable is not None:
            editor.setFocusProxy(focusable)
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        """Reimplements QStyledItemDelegate.setEditorData."""
        found = _field_value(index)
        if isinstance(editor, FieldEditor) and found is not None:
            editor.set_value(found[1])
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        """Reimplements QStyledItemDelegate.setModelData: validate, then hand to `commit`."""
        if not isinstance(editor, FieldEditor):
            super().setModelData(editor, model, index)
            return
        try:
            value = editor.value()
        except DomainError as exc:
            self._refuse(editor, str(exc))
            return
        issues = validate(editor.fdef, value)
        if issues:
            self._refuse(editor, "\n".join(issue.message for issue in issues))
            return
        self.last_error = ""
        if value != editor.original and self.commit is not None:
            self.commit(QPersistentModelIndex(index), editor.fdef, value)

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> None:
        """Reimplements QStyledItemDelegate.updateEditorGeometry: room for taller editors."""
        rect = QRect(option.rect)
        hint = editor.sizeHint()
        rect.setHeight(max(rect.height(), hint.height()))
        rect.setWidth(max(rect.width(), min(hint.width(), EDITOR_MAX_WIDTH)))
        editor.setGeometry(rect)

    def _refuse(self, editor: FieldEditor, message: str) -> None:
        self.last_error = message
        if editor.isVisible():
            QToolTip.showText(editor.mapToGlobal(editor.rect().bottomLeft()), message, editor)
        self.refused.emit(message)


class InlineSaver(QObject):
    """A `CellDelegate.commit` that saves one field with the item's revision.

    `item_at(index)` gives the (App, Item) of the row. The outcome (Saved, Conflicted, …)
    goes out as `saved(outcome)`; a conflict is best resolved by opening the item in the
    editor (`ItemEditor.show_conflict`).

    Signals:
        saved(object): the `SaveOutcome` of one inline edit.
    """

    saved = Signal(object)

    def __init__(
        self,
        service: EditingService,
        runner: TaskRunnerLike,
        item_at: Callable[[QPersistentModelIndex], tuple[App, Item] | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self.item_at = item_at
        self.task: asyncio.Task[Any] | None = None

    def __call__(self, index: QPersistentModelIndex, fdef: FieldDef, value: FieldValue) -> None:
        found = self.item_at(index)
        if found is None:
            return
        app, item = found
        change = ItemChange(values={fdef.field_id: value})
        self.task = self.runner.run(
            f"inline-save:{item.item_id}:{fdef.field_id}", self._save(app, item, change)
        )

    async def _save(self, app: App, item: Item, change: ItemChange) -> None:
        outcome: SaveOutcome = await self.service.save(app, item, change)
        self.saved.emit(outcome)
