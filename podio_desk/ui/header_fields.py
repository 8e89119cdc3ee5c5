"""A gateway's extra headers in the sign-in dialog: one row per header, its value masked.

Header values are credentials (a connection id, a second key), so each value has a password
field like the API key's. The name field also takes a whole header, "Name: value" or
"Name=value" (pasted from the gateway's documentation): it is split into the two fields.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

HEADER_FORM = "Name: value (or Name=value)"


def split_header(text: str) -> tuple[str, str] | None:
    """``"Name: value"`` or ``"Name=value"`` -> (name, value); None without either mark.
    A header name holds neither ':' nor '=', so the first of them ends the name."""
    cuts = [index for index in (text.find(":"), text.find("=")) if index >= 0]
    if not cuts:
        return None
    cut = min(cuts)
    return text[:cut].strip(), text[cut + 1 :].strip()


class HeaderFields(QWidget):
    """Rows of (name, masked value) and a button that adds a row."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[QLineEdit, QLineEdit, QPushButton]] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._grid)
        self.add_button = QPushButton("Add header", self)
        self.add_button.setObjectName("addGatewayHeader")
        self.add_button.clicked.connect(lambda: self.add_row())
        layout.addWidget(self.add_button)
        self.add_row()

    def add_row(self, name: str = "", value: str = "") -> tuple[QLineEdit, QLineEdit]:
        name_edit = QLineEdit(name, self)
        name_edit.setPlaceholderText("Header name, such as Maton-Connection")
        name_edit.setToolTip(f"The header's name, or the whole header: {HEADER_FORM}")
        value_edit = QLineEdit(value, self)
        value_edit.setEchoMode(QLineEdit.EchoMode.Password)
        value_edit.setPlaceholderText("Value")
        value_edit.setToolTip("Kept in the keyring, like the API key")
        remove = QPushButton("Remove", self)
        remove.setToolTip("Remove this header")
        row = (name_edit, value_edit, remove)
        name_edit.editingFinished.connect(lambda: self._split_whole_header(name_edit, value_edit))
        name_edit.installEventFilter(self)  # Return moves on to the value: see eventFilter
        remove.clicked.connect(lambda: self._remove_row(row))
        index = len(self._rows)
        self._grid.addWidget(name_edit, index, 0)
        self._grid.addWidget(value_edit, index, 1)
        self._grid.addWidget(remove, index, 2)
        self._rows.append(row)
        return name_edit, value_edit

    def rows(self) -> list[tuple[QLineEdit, QLineEdit]]:
        return [(name, value) for name, value, _ in self._rows]

    def headers(self) -> tuple[tuple[str, str], ...]:
        """The filled rows as (name, value); a whole header typed as the name is split."""
        headers: list[tuple[str, str]] = []
        for name_edit, value_edit, _ in self._rows:
            name, value = name_edit.text().strip(), value_edit.text().strip()
            if not name and not value:
                continue
            whole = split_header(name) if not value else None
            headers.append(whole if whole is not None else (name, value))
        return tuple(headers)

    def _split_whole_header(self, name_edit: QLineEdit, value_edit: QLineEdit) -> None:
        if value_edit.text():
            return
        whole = split_header(name_edit.text())
        if whole is not None:
            name_edit.setText(whole[0])
            value_edit.setText(whole[1])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Return in a name field goes on to its value field, as Tab does, instead of
        reaching the dialog's default button (Sign in) with the header half typed."""
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            for name_edit, value_edit, _ in self._rows:
                if watched is name_edit:
                    self._split_whole_header(name_edit, value_edit)
                    value_edit.setFocus(Qt.FocusReason.TabFocusReason)
                    return True
        return super().eventFilter(watched, event)

    def _remove_row(self, row: tuple[QLineEdit, QLineEdit, QPushButton]) -> None:
        if row not in self._rows:
            return
        self._rows.remove(row)
        for widget in row:
            self._grid.removeWidget(widget)
            widget.deleteLater()
        if not self._rows:
            self.add_row()
