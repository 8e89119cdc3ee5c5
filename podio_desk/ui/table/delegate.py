"""The item table's one delegate: Qt's own cell painting, chips and bars, in-place editing.

Text cells are painted by `QStyledItemDelegate` from the model's roles (text, colours,
alignment, font, tooltip), so the style draws selection, the focus frame, the inactive
window's palette and right-to-left layouts. Category cells add a coloured chip and progress
cells a bar, drawn inside the background, selection and focus frame the style drew.

The current cell gets a frame of its own over what the style drew (the Fusion style draws
none after a mouse click, and none on a selected row): two pixels in the palette's highlight
colour, or its highlighted-text colour on a selected row, so it shows in light and dark.

Editing in place (F2, Enter, typing, a double-click on an editable cell) uses the item form's
field editors (`ui.editor.fields.create_editor`) with the same validation; a valid, changed
value goes to `commit` (an `InlineSaver`, which saves it through `EditingService` with the
item's revision). In an open editor Enter saves and moves down, Tab / Shift+Tab save and move
right / left, Esc cancels; none of these keys reaches the table (so Enter never also opens the
item). The delegate never writes into the model: the saved item comes back through the
service's events and replaces its row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QPlainTextEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTextEdit,
    QToolTip,
    QWidget,
)

from podio_desk.domain.errors import DomainError
from podio_desk.domain.fields import FieldDef, FieldValue, validate
from podio_desk.domain.items import Item, ItemChange
from podio_desk.domain.workspace import App
from podio_desk.services.editing import (
    Conflicted,
    Deleted,
    EditingService,
    Invalid,
    NothingToSave,
    Queued,
    Saved,
    SaveOutcome,
)
from podio_desk.ui.editor.context import EditorContext, TaskRunnerLike
from podio_desk.ui.editor.fields import DateEditor, FieldEditor, MoneyEditor, create_editor
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
# The current cell's frame, in pixels.
CURRENT_FRAME_WIDTH = 2
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
        edit_finished(str): an editor was closed by a key after a valid value: "down"
            (Enter), "right" (Tab), "left" (Shift+Tab) or "" (Esc): where the cursor goes.
    """

    refused = Signal(str)
    edit_finished = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Where valid, changed values typed in place go; None: cells are not edited in place.
        self.commit: Commit | None = None
        self.last_error = ""
        self._pictures: dict[tuple[object, ...], QPixmap] = {}
        # Which cell is current, for its frame: set by the view that owns the current index.
        self.current_cell: Callable[[], QModelIndex] | None = None
        # Values to show instead of the model's when an editor opens (a failed save's value).
        self._prefill: dict[QPersistentModelIndex, FieldValue] = {}
        self._editors: list[QWidget] = []

    def prefill(self, index: QPersistentModelIndex, value: FieldValue) -> None:
        """The next editor opened on `index` shows `value` (what was typed) on top of the
        model's current value, so Enter saves it again and Esc drops it."""
        self._prefill[index] = value

    # ------------------------------------------------------------------ painting

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """Reimplements QStyledItemDelegate.paint: the stock path, plus chips, bars and the
        current cell's frame."""
        self._paint_cell(painter, option, index)
        current = self.current_cell() if self.current_cell is not None else QModelIndex()
        if (
            current.isValid()
            and current.row() == index.row()
            and current.column() == index.column()
        ):
            self._paint_current_frame(painter, option)

    def _paint_current_frame(self, painter: QPainter, option: QStyleOptionViewItem) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        group = (
            QPalette.ColorGroup.Active
            if option.state & QStyle.StateFlag.State_Active
            else QPalette.ColorGroup.Inactive
        )
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Highlight
        pen = QPen(option.palette.color(group, role))
        pen.setWidth(CURRENT_FRAME_WIDTH)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        half = CURRENT_FRAME_WIDTH // 2
        rect = QRect(option.rect).adjusted(half, half, -half, -half)
        painter.save()
        try:
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
        finally:
            painter.restore()

    def _paint_cell(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
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
        if isinstance(editor, DateEditor | MoneyEditor):
            editor.make_compact()
        # The view focuses the editor: what is typed goes to its first input (a line edit),
        # unless the editor named one itself.
        focusable = (
            editor.typing_target()
            or editor.focusProxy()
            or next(
                (
                    child
                    for child in editor.findChildren(QWidget)
                    if child.focusPolicy() & Qt.FocusPolicy.TabFocus
                ),
                None,
            )
        )
        if focusable is not None:
            editor.setFocusProxy(focusable)
        # Enter, Tab and Esc are handled here for every input of the editor (see eventFilter).
        for child in editor.findChildren(QWidget):
            child.installEventFilter(self)
        self._editors.append(editor)
        editor.destroyed.connect(lambda *_: self._forget_editor(editor))
        return editor

    def _forget_editor(self, editor: QWidget) -> None:
        self._editors = [known for known in self._editors if known is not editor]

    def _editor_of(self, widget: QObject) -> QWidget | None:
        candidate: QObject | None = widget
        while candidate is not None:
            for editor in self._editors:
                if candidate is editor:
                    return editor
            candidate = candidate.parent()
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Reimplements QAbstractItemDelegate.eventFilter: Enter saves and moves down, Tab /
        Shift+Tab save and move sideways, Esc cancels; the keys go no further (the table
        would open the item on Enter). Ctrl+Enter saves in a multi-line text box, where
        Enter is a line break."""
        editor = self._editor_of(watched)
        # Qt's own filter knows editors only, not their inputs (it would close an input).
        if editor is None or (editor is not watched and event.type() != QEvent.Type.KeyPress):
            return editor is None and super().eventFilter(watched, event)
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            multi_line = isinstance(watched, QPlainTextEdit | QTextEdit)
            if multi_line and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                return False
            self.finish(editor, "down")
            return True
        if key == Qt.Key.Key_Tab:
            self.finish(editor, "right")
            return True
        if key == Qt.Key.Key_Backtab:
            self.finish(editor, "left")
            return True
        if key == Qt.Key.Key_Escape:
            self.cancel(editor)
            return True
        return editor is watched and super().eventFilter(watched, event)

    def finish(self, editor: QWidget, move: str = "") -> bool:
        """Commit `editor`'s value and close it (then the cursor moves by `move`); a refused
        value keeps the editor open with the message. True when the editor closed."""
        self.commitData.emit(editor)
        if self.last_error:
            return False
        self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        self.edit_finished.emit(move)
        return True

    def cancel(self, editor: QWidget) -> None:
        """Close `editor` without saving what it holds."""
        self.last_error = ""
        self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.RevertModelCache)
        self.edit_finished.emit("")

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        """Reimplements QStyledItemDelegate.setEditorData."""
        found = _field_value(index)
        if isinstance(editor, FieldEditor) and found is not None:
            editor.set_value(found[1])
            typed = self._prefill.pop(QPersistentModelIndex(index), None)
            if typed is not None:
                editor.set_value(typed)
                editor.rebase(found[1])
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
        # A compact date editor stays on its row (its time zone note is a tooltip) and within
        # its cell when the cell holds what it needs (its calendar pops up wider); so does a
        # money editor, its currency box beside the amount.
        if isinstance(editor, DateEditor | MoneyEditor) and editor.compact:
            hint = editor.minimumSizeHint()
        else:
            rect.setHeight(max(rect.height(), hint.height()))
        rect.setWidth(max(rect.width(), min(hint.width(), EDITOR_MAX_WIDTH)))
        editor.setGeometry(rect)

    def _refuse(self, editor: FieldEditor, message: str) -> None:
        self.last_error = message
        if editor.isVisible():
            QToolTip.showText(editor.mapToGlobal(editor.rect().bottomLeft()), message, editor)
        self.refused.emit(message)


def edit_on_key(
    view: QAbstractItemView,
    index: Index,
    trigger: QAbstractItemView.EditTrigger,
    event: QEvent | None,
) -> bool | None:
    """`QAbstractItemView.edit` for a key typed on a cell: the editor opens and its field
    editor takes the key where it makes sense (`FieldEditor.take_first_key`: a date), else
    the key goes to its typing input as Qt sends it (a digit into a progress cell's number).
    None when this is not a typed key (Qt's own edit applies)."""
    if (
        trigger != QAbstractItemView.EditTrigger.AnyKeyPressed
        or not isinstance(event, QKeyEvent)
        or view.state() == QAbstractItemView.State.EditingState
    ):
        return None
    edit: Any = QAbstractItemView.edit  # Qt's 3-argument form, without the event
    if not edit(view, index, trigger, None):
        return False
    editor = view.indexWidget(index)
    if isinstance(editor, FieldEditor) and editor.take_first_key(event):
        return True
    if editor is not None:
        QCoreApplication.sendEvent(editor.focusProxy() or editor, event)
    return True


@dataclass(frozen=True)
class InlineNotSaved:
    """An in-place edit that did not reach Podio: what was typed, where, and why.

    `current` is Podio's version of the item when the save met someone else's change (read
    once, by the save itself), for the row to show."""

    index: QPersistentModelIndex
    fdef: FieldDef
    value: FieldValue
    message: str
    current: Item | None = None


def not_saved_message(outcome: SaveOutcome) -> str | None:
    """What to tell the user when an in-place save did not land (None: it did)."""
    keep = "Your value is still in the cell: press Enter to try again or Esc to drop it."
    if isinstance(outcome, Saved | NothingToSave | Queued):
        return None  # a queued value is kept and shown as waiting in its row, not reopened
    if isinstance(outcome, Conflicted):
        return (
            "Not saved: someone changed this item meanwhile; the row now shows their version. "
            "Press Enter to save your value over it, or Esc to keep theirs."
        )
    if isinstance(outcome, Invalid):
        return "Not saved: " + "; ".join(issue.message for issue in outcome.issues) + ". " + keep
    if isinstance(outcome, Deleted):
        return f"Not saved: {outcome.message}"
    return f"Not saved: {outcome.message} {keep}"


class InlineSaver(QObject):
    """A `CellDelegate.commit` that saves one field with the item's revision.

    `item_at(index)` gives the (App, Item) of the row. The outcome (Saved, Conflicted, …)
    goes out as `saved(outcome)`; a conflict is best resolved by opening the item in the
    editor (`ItemEditor.show_conflict`).

    Signals:
        saved(object): the `SaveOutcome` of one inline edit.
        not_saved(object): an `InlineNotSaved`: the edit did not land (409, 5xx, 400); the
            table opens the cell again with the typed value. A change queued in the outbox
            (offline) is not this: the row shows it as waiting.
    """

    saved = Signal(object)
    not_saved = Signal(object)

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
            f"inline-save:{item.item_id}:{fdef.field_id}",
            self._save(app, item, change, index, fdef, value),
        )

    def save_values(self, index: QPersistentModelIndex, values: dict[FieldDef, FieldValue]) -> None:
        """Save several fields of one row in one revision-checked save (a paste)."""
        found = self.item_at(index)
        if found is None or not values:
            return
        app, item = found
        change = ItemChange(values={fdef.field_id: value for fdef, value in values.items()})
        fdef, value = next(iter(values.items()))
        self.task = self.runner.run(
            f"inline-save:{item.item_id}:paste",
            self._save(app, item, change, index, fdef, value),
        )

    async def _save(
        self,
        app: App,
        item: Item,
        change: ItemChange,
        index: QPersistentModelIndex,
        fdef: FieldDef,
        value: FieldValue,
    ) -> None:
        outcome: SaveOutcome = await self.service.save(app, item, change)
        self.saved.emit(outcome)
        message = not_saved_message(outcome)
        if message is not None and not isinstance(outcome, Deleted):
            current = outcome.conflict.current if isinstance(outcome, Conflicted) else None
            self.not_saved.emit(InlineNotSaved(index, fdef, value, message, current))
