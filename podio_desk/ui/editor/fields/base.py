"""The base of every field editor, and the layout helpers the editors share."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QVBoxLayout, QWidget

from podio_desk.domain.errors import DomainError
from podio_desk.domain.fields import EMPTY, FieldDef, FieldValue, parse_user_text
from podio_desk.ui.editor.context import EditorContext

# A red that reads on the light and on the dark palette (ui/theme.py).
ERROR_COLOR = "#d93a30"


def _fit_list(widget: QListWidget, rows: int, most: int = 4) -> None:
    """Show a list only as tall as its rows (up to `most`), and not at all when empty."""
    widget.setVisible(rows > 0)
    if rows:
        row_height = max(widget.sizeHintForRow(0), 16)
        widget.setFixedHeight(row_height * min(rows, most) + 2 * widget.frameWidth() + 4)


def _settings_list(fdef: FieldDef, key: str) -> list[str]:
    raw = fdef.settings.get(key)
    return [str(entry) for entry in raw] if isinstance(raw, list) else []


def _settings_text(fdef: FieldDef, key: str, default: str) -> str:
    raw = fdef.settings.get(key)
    return raw if isinstance(raw, str) and raw else default


class FieldEditor(QWidget):
    """Base of every field editor.

    Signals:
        changed(): what the editor shows changed (typed, picked, uploaded…).
    """

    changed = Signal()
    read_only: ClassVar[bool] = False

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.fdef = fdef
        self.context = context
        self._original: FieldValue = EMPTY
        # The value the widgets were last set to; untouched widgets give it back as is.
        self._shown_value: FieldValue = EMPTY
        self._loading = False
        self.setObjectName(f"field-{fdef.field_id}")

    # -- public interface
    def set_value(self, value: FieldValue) -> None:
        """Show `value` and take it as the value nothing has changed from."""
        self._original = value
        self._shown_value = value
        self._loading = True
        try:
            self._show(value)
        finally:
            self._loading = False

    @property
    def original(self) -> FieldValue:
        return self._original

    def rebase(self, original: FieldValue) -> None:
        """Keep what is shown but count changes from `original` (their version, after a
        conflict the user chose to keep editing through)."""
        self._original = original

    def value(self) -> FieldValue:
        """The value shown now; raises MalformedValueError when typed text cannot be read."""
        if self.read_only:
            return self._shown_value
        return self._read()

    def is_modified(self) -> bool:
        if self.read_only:
            return False
        try:
            return self.value() != self._original
        except DomainError:
            return True

    def typing_target(self) -> QWidget | None:
        """The input a key typed on a table cell goes to when this editor opens in place
        (None: its first input that takes the keyboard)."""
        return None

    def take_first_key(self, event: QKeyEvent) -> bool:
        """The key typed on a table cell that opened this editor in place: True when the
        editor used it (else it goes to `typing_target`, as Qt sends it)."""
        return False

    # -- for subclasses
    def _show(self, value: FieldValue) -> None:
        raise NotImplementedError

    def _read(self) -> FieldValue:
        raise NotImplementedError

    def _emit_changed(self) -> None:
        if not self._loading:
            self.changed.emit()

    def _row(self, *widgets: QWidget, stretch_last: bool = False) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for index, widget in enumerate(widgets):
            row.addWidget(widget, 1 if stretch_last and index == len(widgets) - 1 else 0)
        return row


def _vbox(widget: QWidget) -> QVBoxLayout:
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    return layout


class _TextBackedEditor(FieldEditor):
    """Editors whose value is read from typed text: untouched text gives back the original."""

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        self._shown_text = ""

    def _remember_text(self, text: str) -> None:
        self._shown_text = text

    def _current_text(self) -> str:
        raise NotImplementedError

    def _read(self) -> FieldValue:
        text = self._current_text()
        if text == self._shown_text:
            return self._shown_value
        return parse_user_text(self.fdef, text)
