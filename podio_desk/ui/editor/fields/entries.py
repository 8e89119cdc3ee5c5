"""The e-mail and phone editor: rows of kind and value."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from podio_desk.domain.fields import (
    EMPTY,
    EmailValue,
    FieldDef,
    FieldType,
    FieldValue,
    PhoneValue,
    TypedEntry,
)
from podio_desk.ui.editor.context import EditorContext
from podio_desk.ui.editor.fields.base import FieldEditor, _settings_list, _vbox
from podio_desk.ui.editor.fields.wheel import guard_wheel

_EMAIL_TYPES = ("work", "home", "other")
_PHONE_TYPES = ("mobile", "work", "home", "main", "work_fax", "private_fax", "other")


class TypedListEditor(FieldEditor):
    """Rows of (kind, value) for e-mail and phone fields."""

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        self.is_email = fdef.field_type is FieldType.EMAIL
        default_types = _EMAIL_TYPES if self.is_email else _PHONE_TYPES
        self.types = _settings_list(fdef, "possible_types") or list(default_types)
        layout = _vbox(self)
        self.rows_box = QVBoxLayout()
        self.rows_box.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.rows_box)
        self.add_button = QPushButton("Add e-mail" if self.is_email else "Add phone number", self)
        self.add_button.clicked.connect(lambda: self.add_row())
        bottom = QHBoxLayout()
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(self.add_button)
        bottom.addStretch(1)
        layout.addLayout(bottom)
        self.rows: list[tuple[QComboBox, QLineEdit, QWidget]] = []
        self._shown: list[tuple[str, str]] = []

    def add_row(self, kind: str | None = None, text: str = "") -> tuple[QComboBox, QLineEdit]:
        holder = QWidget(self)
        combo = QComboBox(holder)
        guard_wheel(combo)
        combo.addItems(self.types)
        if kind is not None:
            if combo.findText(kind) < 0:
                combo.addItem(kind)
            combo.setCurrentText(kind)
        line = QLineEdit(holder)
        line.setPlaceholderText("name@example.com" if self.is_email else "+1 555 0100")
        line.setText(text)
        remove = QToolButton(holder)
        remove.setText("✕")
        remove.setToolTip("Remove")
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(combo)
        row.addWidget(line, 1)
        row.addWidget(remove)
        self.rows_box.addWidget(holder)
        entry = (combo, line, holder)
        self.rows.append(entry)
        remove.clicked.connect(lambda: self._remove(entry))
        combo.currentTextChanged.connect(self._emit_changed)
        line.textChanged.connect(self._emit_changed)
        self._emit_changed()
        return combo, line

    def _remove(self, entry: tuple[QComboBox, QLineEdit, QWidget]) -> None:
        self.rows.remove(entry)
        entry[2].deleteLater()
        self._emit_changed()

    def _clear(self) -> None:
        for _combo, _line, holder in self.rows:
            holder.deleteLater()
        self.rows = []

    def _show(self, value: FieldValue) -> None:
        self._clear()
        entries = value.entries if isinstance(value, (EmailValue, PhoneValue)) else ()
        for entry in entries:
            self.add_row(entry.type, entry.value)
        self._shown = self._pairs()

    def _pairs(self) -> list[tuple[str, str]]:
        return [(combo.currentText(), line.text()) for combo, line, _ in self.rows]

    def _read(self) -> FieldValue:
        pairs = self._pairs()
        if pairs == self._shown:
            return self._shown_value
        entries = tuple(TypedEntry(kind, text.strip()) for kind, text in pairs if text.strip())
        if not entries:
            return EMPTY
        return EmailValue(entries) if self.is_email else PhoneValue(entries)
