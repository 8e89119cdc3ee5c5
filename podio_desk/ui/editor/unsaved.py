"""Asking before unsaved work is lost: one question, Save / Discard / Cancel.

Whatever can hold typed but unsaved values (the item editor, a cell being edited in place)
registers an `UnsavedWork` with the window's `UnsavedChangesGuard`. Before the window closes,
quits, switches item or app, or signs out, the caller asks `maybe_keep_changes(then)`:

- nothing unsaved anywhere: True, go ahead now;
- otherwise False, and the question is shown (never blocking: no nested event loop):
  Cancel stays; Discard drops the changes and calls `then()`; Save runs the saves and calls
  `then()` once every one succeeded. A save that fails keeps everything on screen (the
  holder says why) and `then` never runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from podio_desk.ui.editor.context import TaskRunnerLike


class UnsavedWork(Protocol):
    """Something holding values the user typed and has not saved."""

    def unsaved_description(self) -> str | None:
        """What is unsaved, as a sentence for the question, or None."""
        ...

    def save_unsaved(self) -> Awaitable[bool] | None:
        """Start saving; the awaitable answers whether it was saved. None: it cannot be
        saved as it is (an invalid value, shown to the user)."""
        ...

    def discard_unsaved(self) -> None:
        """Drop the unsaved values (the user said so)."""
        ...


# The question on screen, if any: one at a time, whoever asks.
_open_box: list[QMessageBox] = []


def ask_save_discard_cancel(
    parent: QWidget | None, text: str, answered: Callable[[QMessageBox.StandardButton], None]
) -> QMessageBox | None:
    """The one question, as a standard message box (Save is the default, Esc cancels).

    Shown with `open()`, never `exec()`: a nested event loop would run the app's asyncio
    tasks inside whichever task asked. `answered` gets the button; None when a question is
    already on screen (brought to the front instead).
    """
    if _open_box:
        _open_box[0].raise_()
        _open_box[0].activateWindow()
        return None
    box = QMessageBox(parent)
    box.setObjectName("unsaved-changes-box")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Unsaved changes")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    box.setInformativeText("Save them first, discard them, or cancel and keep editing?")
    box.setStandardButtons(
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel
    )
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def finished() -> None:
        _open_box.clear()
        # NoButton (closed without a click) counts as Cancel.
        button = box.standardButton(box.clickedButton())
        answered(button or QMessageBox.StandardButton.Cancel)

    box.finished.connect(finished)
    _open_box.append(box)
    box.open()
    return box


class UnsavedChangesGuard:
    """The window's list of `UnsavedWork` holders, and the question asked for all of them."""

    def __init__(self, runner: TaskRunnerLike, parent: QWidget | None = None) -> None:
        self.runner = runner
        self.parent = parent
        self._holders: list[UnsavedWork] = []

    def register(self, holder: UnsavedWork) -> None:
        if holder not in self._holders:
            self._holders.append(holder)

    def unregister(self, holder: UnsavedWork) -> None:
        if holder in self._holders:
            self._holders.remove(holder)

    def clear(self) -> None:
        self._holders.clear()

    def unsaved(self) -> list[tuple[UnsavedWork, str]]:
        found = []
        for holder in self._holders:
            description = holder.unsaved_description()
            if description:
                found.append((holder, description))
        return found

    def maybe_keep_changes(
        self,
        then: Callable[[], object] | None = None,
        cancelled: Callable[[], object] | None = None,
    ) -> bool:
        """True: nothing unsaved is in the way, go ahead. False: stay (cancelled, or saving
        first; `then` runs after every save succeeded, `cancelled` after Cancel)."""
        return keep_changes(self.unsaved(), self.runner, self.parent, then, cancelled)


def keep_changes(
    unsaved: list[tuple[UnsavedWork, str]],
    runner: TaskRunnerLike,
    parent: QWidget | None,
    then: Callable[[], object] | None = None,
    cancelled: Callable[[], object] | None = None,
) -> bool:
    """True when nothing is unsaved. Otherwise asks (without waiting) and answers False;
    Discard drops the changes and runs `then`, Save saves and then runs `then`, Cancel runs
    `cancelled` (once the question has closed and given the focus back)."""
    if not unsaved:
        return True
    holders = [holder for holder, _description in unsaved]

    def answered(button: QMessageBox.StandardButton) -> None:
        if button == QMessageBox.StandardButton.Discard:
            for holder in holders:
                holder.discard_unsaved()
            if then is not None:
                # After the box's own signal has returned: `then` may close the question's
                # parent (the dock), which must not happen inside the box's `finished`.
                QTimer.singleShot(0, then)
        elif button == QMessageBox.StandardButton.Save:
            runner.run("unsaved:save", _save_then(holders, then))
        elif cancelled is not None:
            QTimer.singleShot(0, cancelled)

    text = "\n".join(description for _holder, description in unsaved)
    ask_save_discard_cancel(parent, text, answered)
    return False


async def _save_then(holders: list[UnsavedWork], then: Callable[[], object] | None) -> bool:
    for holder in holders:
        pending = holder.save_unsaved()
        if pending is None or not await pending:
            return False
    if then is not None:
        then()
    return True
