"""Number, money, progress and duration editors."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSlider,
    QWidget,
)

from podio_desk.domain.errors import MalformedValueError
from podio_desk.domain.fields import (
    EMPTY,
    FieldDef,
    FieldValue,
    MoneyValue,
    NumberValue,
    ProgressValue,
    display_text,
    parse_user_text,
)
from podio_desk.domain.user_input import editable_decimal
from podio_desk.ui.editor.context import EditorContext
from podio_desk.ui.editor.fields.base import FieldEditor, _settings_list, _TextBackedEditor, _vbox


class NumberEditor(_TextBackedEditor):
    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        layout = _vbox(self)
        self.line = QLineEdit(self)
        decimals = fdef.settings.get("decimals")
        hint = (
            f"up to {decimals} decimals"
            if isinstance(decimals, int) and decimals
            else "whole number"
        )
        self.line.setPlaceholderText(f"e.g. 1234.5 ({hint})" if decimals else "e.g. 1234")
        self.line.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.line.textChanged.connect(self._emit_changed)
        self.line.setMaximumWidth(260)
        layout.addWidget(self.line)

    def _show(self, value: FieldValue) -> None:
        decimals = self.fdef.settings.get("decimals")
        places = decimals if isinstance(decimals, int) else None
        self.line.setText(
            editable_decimal(value.value, places) if isinstance(value, NumberValue) else ""
        )
        self._remember_text(self.line.text())

    def _current_text(self) -> str:
        return self.line.text()


# A currency typed with the amount ("50 USD", "usd 50", "€50"): the typed one counts.
_TYPED_CURRENCY = re.compile(r"[A-Za-z]{3}|[€$£¥]")


class MoneyEditor(FieldEditor):
    """Amount and currency; the currency list is the field's allowed currencies. A currency
    typed with the amount ("EUR 30", "30 usd") is taken over the list's."""

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        self.amount = QLineEdit(self)
        self.amount.setPlaceholderText("e.g. 12.30")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.amount.setMaximumWidth(200)
        self.currency = QComboBox(self)
        self._allowed = _settings_list(fdef, "allowed_currencies")
        self.currency.addItems(self._allowed or ["EUR", "USD", "GBP"])
        self.amount.textChanged.connect(self._emit_changed)
        self.currency.currentTextChanged.connect(self._emit_changed)
        layout = self._row(self.amount, self.currency)
        layout.addStretch(1)
        self.setLayout(layout)
        self._shown: tuple[str, str] = ("", "")
        self.compact = False

    def _show(self, value: FieldValue) -> None:
        if isinstance(value, MoneyValue):
            self.amount.setText(editable_decimal(value.amount, 2))
            if self.currency.findText(value.currency) < 0:
                # Keep a currency the field no longer allows visible; validation names it.
                self.currency.addItem(value.currency)
            self.currency.setCurrentText(value.currency)
        else:
            # An empty value starts from the field's first currency, never from the one
            # the previous item showed.
            self.amount.setText("")
            self.currency.setCurrentIndex(0)
        self._shown = (self.amount.text(), self.currency.currentText())

    def _read(self) -> FieldValue:
        shown = (self.amount.text(), self.currency.currentText())
        if shown == self._shown:
            return self._shown_value
        typed = self.amount.text().strip()
        if not typed:
            return EMPTY
        if _TYPED_CURRENCY.search(typed):
            return parse_user_text(self.fdef, typed)
        return parse_user_text(self.fdef, f"{typed} {self.currency.currentText()}")

    def make_compact(self) -> None:
        """Editing in place: the amount gives up width so the currency box stays inside
        the cell."""
        self.compact = True
        self.amount.setMinimumWidth(self.amount.fontMetrics().horizontalAdvance("000.00") + 8)
        self.amount.setMaximumWidth(16777215)
        self.amount.setSizePolicy(
            QSizePolicy.Policy.Ignored, self.amount.sizePolicy().verticalPolicy()
        )
        row = self.layout()
        if isinstance(row, QHBoxLayout):
            row.setSpacing(2)
            row.setStretchFactor(self.amount, 1)
            # The stretch after the currency box goes: the amount takes the room.
            last = row.itemAt(row.count() - 1)
            if last is not None and last.spacerItem() is not None:
                row.takeAt(row.count() - 1)


class ProgressEditor(_TextBackedEditor):
    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, 100)
        self.slider.setMaximumWidth(260)
        self.line = QLineEdit(self)
        self.line.setPlaceholderText("0-100 %")
        self.line.setMaximumWidth(80)
        self.slider.valueChanged.connect(self._on_slider)
        self.line.textChanged.connect(self._on_text)
        layout = self._row(self.slider, self.line)
        layout.addStretch(1)
        self.setLayout(layout)

    def typing_target(self) -> QWidget | None:
        # A digit typed on the cell is a new percentage: the number box, not the slider.
        return self.line

    def _on_slider(self, percent: int) -> None:
        if self._loading:
            return
        if self.line.text().strip().rstrip("%").strip() != str(percent):
            self.line.setText(f"{percent}")

    def _on_text(self, text: str) -> None:
        try:
            parsed = parse_user_text(self.fdef, text) if text.strip() else EMPTY
        except MalformedValueError:
            parsed = None
        if isinstance(parsed, ProgressValue):
            was = self._loading
            self._loading = True
            self.slider.setValue(parsed.percent)
            self._loading = was
        self._emit_changed()

    def _show(self, value: FieldValue) -> None:
        percent = value.percent if isinstance(value, ProgressValue) else None
        self.line.setText("" if percent is None else str(percent))
        self.slider.setValue(percent or 0)
        self._remember_text(self.line.text())

    def _current_text(self) -> str:
        return self.line.text()


_DURATION_UNIT_NAMES = {"days": "d", "hours": "h", "minutes": "m", "seconds": "s"}


class DurationEditor(_TextBackedEditor):
    """Typed as "1d 2h 30m", "90m" or "2:30"; the field's configured units are shown."""

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        units = [unit for unit in _settings_list(fdef, "fields") if unit in _DURATION_UNIT_NAMES]
        units = units or list(_DURATION_UNIT_NAMES)
        example = " ".join(
            f"{n}{_DURATION_UNIT_NAMES[u]}" for n, u in zip((1, 2, 30, 15), units, strict=False)
        )
        self.line = QLineEdit(self)
        self.line.setPlaceholderText(f"e.g. {example}")
        self.line.setMaximumWidth(220)
        # In a narrow form the units wrap; the typed duration keeps room for its text.
        self.line.setMinimumWidth(self.line.fontMetrics().horizontalAdvance(f"{example} 00") + 12)
        self.units = QLabel("in " + ", ".join(units), self)
        self.units.setStyleSheet("color: palette(mid);")
        self.units.setWordWrap(True)
        self.line.textChanged.connect(self._emit_changed)
        layout = self._row(self.line, self.units)
        layout.addStretch(1)
        self.setLayout(layout)

    def _show(self, value: FieldValue) -> None:
        self.line.setText(display_text(self.fdef, value))
        self._remember_text(self.line.text())

    def _current_text(self) -> str:
        return self.line.text()
