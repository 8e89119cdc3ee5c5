"""What read-only fields show: calculations, unknown types, separators."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from podio_desk.domain.fields import FieldDef, FieldType, FieldValue, RawValue, display_text
from podio_desk.ui.editor.context import EditorContext
from podio_desk.ui.editor.fields.base import FieldEditor, _vbox


class ReadOnlyView(FieldEditor):
    """Calculation fields and fields of a type we do not know: shown, never changed or sent."""

    read_only = True

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        layout = _vbox(self)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text)
        self.note = QLabel(self)
        self.note.setStyleSheet("color: palette(mid); font-size: small;")
        layout.addWidget(self.note)
        if fdef.field_type is FieldType.CALCULATION:
            self.note.setText("Calculated by Podio")
        elif fdef.field_type is None:
            self.note.setText(f'Field type "{fdef.type}" is shown as is and kept unchanged')
        else:
            self.note.hide()

    def _show(self, value: FieldValue) -> None:
        if isinstance(value, RawValue) and value.problem:
            self.note.setText(f"Kept as is: {value.problem}")
            self.note.show()
        self.text.setText(display_text(self.fdef, value) or "—")

    def _read(self) -> FieldValue:
        return self._shown_value


class SeparatorHeading(FieldEditor):
    read_only = True

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        layout = _vbox(self)
        self.heading = QLabel(fdef.label, self)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.heading.setFont(font)
        layout.addWidget(self.heading)

    def _show(self, value: FieldValue) -> None:
        pass

    def _read(self) -> FieldValue:
        return self._shown_value
