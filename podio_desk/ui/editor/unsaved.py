"""Asking before unsaved work is lost: one question, Save / Discard / Cancel.

Whatever can hold typed but unsaved values (the item editor, a cell being edited in place)
registers an `UnsavedWork` with the window's `UnsavedChangesGuard`. Before the window closes,
quits, switches item or app, or signs out, the caller asks `maybe_keep_changes(then)`:

- nothing unsaved anywhere, or the user chose Discard: True, go ahead now;
- Cancel: False, stay;
- Save: False for now; the saves run, and `then()` is called once every one succeeded. A
  save that fails keeps everything on screen (the holder says why) and `then` never runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from PySide6.QtWidgets import QMessageBox, QWidget

from podio_desk.ui.editor.context import TaskRunnerLike


class UnsavedWork(Protocol):
    """Something holding values the user typed and has not saved."""

    def unsaved_description(self) -> str | None:
        """What is unsaved, for the question ("your changes to "Acme""), or None."""
        ...

    def save_unsaved(self) -> Awaitable[bool] | None:
        """Start saving; the awaitable answers whether it was saved. None: it cannot be
        saved as it is (an invalid value, shown to the user)."""
        ...

    def discard_unsaved(self) -> None:
        """Drop the unsaved values (the user said so)."""
        ...


def ask_save_discard_cancel(parent: QWidget | None, text: str) -> QMessageBox.StandardButton:
    """The one question, as a standard message box (Save is the default, Esc cancels)."""
    box = QMessageBox(parent)
    box.setObjectName("unsaved-changes-box")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Unsaved changes")
    box.setText(text)
    box.setInformativeText("Save them first, discard them, or cancel and keep editing?")
    box.setStandardButtons(
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel
    )
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    answer = box.exec()
    box.deleteLater()
    return QMessageBox.StandardButton(answer)


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

    def maybe_keep_changes(self, then: Callable[[], object] | None = None) -> bool:
        """True: nothing unsaved is in the way, go ahead. False: stay (cancelled, or saving
        first; `then` runs after every save succeeded)."""
        return keep_changes(self.unsaved(), self.runner, self.parent, then)


def keep_changes(
    unsaved: list[tuple[UnsavedWork, str]],
    runner: TaskRunnerLike,
    parent: QWidget | None,
    then: Callable[[], object] | None = None,
) -> bool:
    if not unsaved:
        return True
    names = "; ".join(description for _holder, description in unsaved)
    answer = ask_save_discard_cancel(
        parent, f"{names} {'is' if len(unsaved) == 1 else 'are'} not saved."
    )
    if answer == QMessageBox.StandardButton.Discard:
        for holder, _description in unsaved:
            holder.discard_unsaved()
        return True
    if answer == QMessageBox.StandardButton.Save:
        runner.run("unsaved:save", _save_then([holder for holder, _ in unsaved], then))
    return False


async def _save_then(holders: list[UnsavedWork], then: Callable[[], object] | None) -> bool:
    for holder in holders:
        pending = holder.save_unsaved()
        if pending is None or not await pending:
            return False
    if then is not None:
        then()
    return True
