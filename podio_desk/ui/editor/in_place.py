"""The table's cell being edited in place, as `UnsavedWork` (ui/editor/unsaved.py).

Only Qt's public view API is used: the view is editing, its current cell's widget is one of
our field editors, and that editor holds a value other than the one it was opened with.
Saving commits the editor the way Enter does (the delegate hands the value to the
account's `InlineSaver`) and waits for that save's outcome; discarding closes the editor
and reverts the cell.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QAbstractItemDelegate, QAbstractItemView

from podio_desk.services.editing import Queued, Saved
from podio_desk.ui.editor.fields import FieldEditor


class InPlaceEdit:
    """The in-place editor of `view`; `saver()` is the saver of the account shown."""

    def __init__(self, view: QAbstractItemView, saver: Callable[[], QObject | None]) -> None:
        self.view = view
        self.saver = saver

    def _editing_view(self) -> QAbstractItemView | None:
        """The view whose cell is being edited: the table's frozen columns have a view of
        their own, which the table names through `editing_view()`."""
        finder = getattr(self.view, "editing_view", None)
        if callable(finder):
            found = finder()
            return found if isinstance(found, QAbstractItemView) else None
        if self.view.state() != QAbstractItemView.State.EditingState:
            return None
        return self.view

    def _editor(self) -> FieldEditor | None:
        view = self._editing_view()
        if view is None:
            return None
        widget = view.indexWidget(view.currentIndex())
        return widget if isinstance(widget, FieldEditor) else None

    def unsaved_description(self) -> str | None:
        editor = self._editor()
        if editor is None or not editor.is_modified():
            return None
        return f'The value typed into the table\'s "{editor.fdef.label}" cell is not saved.'

    def save_unsaved(self) -> Awaitable[bool] | None:
        editor = self._editor()
        saver = self.saver()
        if editor is None or saver is None:
            return None
        before = getattr(saver, "task", None)
        outcomes: list[object] = []
        signal: Any = getattr(saver, "saved", None)

        def record(outcome: object) -> None:
            outcomes.append(outcome)

        if signal is not None:
            signal.connect(record)
        view = self._editing_view() or self.view
        delegate = view.itemDelegateForIndex(view.currentIndex())
        delegate.commitData.emit(editor)
        delegate.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        task = getattr(saver, "task", None)
        if task is None or task is before:
            # Refused before sending (the delegate says why): nothing to wait for.
            if signal is not None:
                signal.disconnect(record)
            return None
        return _saved(task, outcomes, lambda: signal.disconnect(record))

    def discard_unsaved(self) -> None:
        editor = self._editor()
        if editor is None:
            return
        view = self._editing_view() or self.view
        delegate = view.itemDelegateForIndex(view.currentIndex())
        delegate.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.RevertModelCache)


async def _saved(
    task: asyncio.Task[Any], outcomes: list[object], done: Callable[[], object]
) -> bool:
    try:
        await asyncio.wait([task])
    finally:
        done()
    # Queued: kept in the outbox (durable) and sent by itself: nothing is lost.
    return any(isinstance(outcome, Saved | Queued) for outcome in outcomes)
