"""Inline editing in the item table, with the same editors and validation as the form.

The table model has to expose, for every editable cell, `FIELD_VALUE_ROLE` returning a
`(FieldDef, FieldValue)` pair, and report `Qt.ItemFlag.ItemIsEditable` in `flags()` for those
cells. The delegate never writes into the model: a valid, changed value goes to the `commit`
callback (`InlineSaver` is a ready one that saves through `EditingService` with the item's
revision); the service then emits `ItemSaved` and the model refreshes the row from it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    Signal,
)
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QToolTip, QWidget

from podio_desk.domain.errors import DomainError
from podio_desk.domain.fields import FieldDef, FieldType, FieldValue, validate
from podio_desk.domain.items import Item, ItemChange
from podio_desk.domain.workspace import App
from podio_desk.services.editing import EditingService, SaveOutcome
from podio_desk.ui.editor.context import EditorContext, TaskRunnerLike
from podio_desk.ui.editor.fields import FieldEditor, create_editor
from podio_desk.ui.item_table import Roles

# The model's role for an editable cell: a (FieldDef, FieldValue) pair (the item table's).
FIELD_VALUE_ROLE = int(Roles.FIELD_VALUE)

INLINE_TYPES = frozenset(
    {
        FieldType.TEXT,
        FieldType.NUMBER,
        FieldType.MONEY,
        FieldType.CATEGORY,
        FieldType.DATE,
        FieldType.PROGRESS,
    }
)

Index = QModelIndex | QPersistentModelIndex
Commit = Callable[[QPersistentModelIndex, FieldDef, FieldValue], None]


def editable_inline(fdef: FieldDef) -> bool:
    """Whether a cell of this field gets an inline editor (HTML text goes to the form)."""
    if fdef.field_type not in INLINE_TYPES:
        return False
    return not (fdef.field_type is FieldType.TEXT and fdef.settings.get("format") == "html")


def _cell(index: Index) -> tuple[FieldDef, FieldValue] | None:
    data = index.data(FIELD_VALUE_ROLE)
    if isinstance(data, tuple) and len(data) == 2 and isinstance(data[0], FieldDef):
        return data[0], data[1]
    return None


class FieldEditDelegate(QStyledItemDelegate):
    """Edits text, number, money, category, date and progress cells in place.

    Signals:
        refused(str): the typed value was not valid; nothing was committed.
    """

    refused = Signal(str)

    def __init__(self, commit: Commit, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._commit = commit
        self.last_error = ""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        """Reimplements QStyledItemDelegate.createEditor."""
        cell = _cell(index)
        if cell is None or not editable_inline(cell[0]):
            return super().createEditor(parent, option, index)
        editor = create_editor(cell[0], EditorContext(), parent)
        editor.setAutoFillBackground(True)
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        """Reimplements QStyledItemDelegate.setEditorData."""
        cell = _cell(index)
        if isinstance(editor, FieldEditor) and cell is not None:
            editor.set_value(cell[1])
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
        if value != editor.original:
            self._commit(QPersistentModelIndex(index), editor.fdef, value)

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> None:
        """Reimplements QStyledItemDelegate.updateEditorGeometry: room for taller editors."""
        rect = QRect(option.rect)
        hint = editor.sizeHint()
        rect.setHeight(max(rect.height(), hint.height()))
        rect.setWidth(max(rect.width(), min(hint.width(), 420)))
        editor.setGeometry(rect)

    def _refuse(self, editor: FieldEditor, message: str) -> None:
        self.last_error = message
        if editor.isVisible():
            QToolTip.showText(editor.mapToGlobal(editor.rect().bottomLeft()), message, editor)
        self.refused.emit(message)


class InlineSaver(QObject):
    """A `commit` for `FieldEditDelegate`: saves one field with the item's revision.

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
