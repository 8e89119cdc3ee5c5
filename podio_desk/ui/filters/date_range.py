"""The date-range filter: each end is typed (ISO, or the locale's own short and long forms)
or picked from a calendar that opens at the typed date, or at today when the box is empty."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, QLocale, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from podio_desk.domain.fields import FieldDef

ISO_FORMAT = "yyyy-MM-dd"


def date_formats(locale: QLocale) -> list[str]:
    """The forms a typed date is read in: ISO first, then the locale's short (also with a
    four-digit year), long and narrow forms."""
    forms = [ISO_FORMAT, "yyyy-M-d"]
    for kind in (
        QLocale.FormatType.ShortFormat,
        QLocale.FormatType.LongFormat,
        QLocale.FormatType.NarrowFormat,
    ):
        form = locale.dateFormat(kind)
        if "yyyy" not in form and "yy" in form:
            forms.append(form.replace("yy", "yyyy"))
        forms.append(form)
    # Leading zeros are optional when typing: "1.3.2026" as well as "01.03.2026".
    forms += [form.replace("dd", "d").replace("MM", "M") for form in forms]
    return list(dict.fromkeys(forms))


def parse_date_text(text: str, locale: QLocale | None = None) -> QDate | None:
    """The date `text` names, None when it is empty; raises ValueError when it is no date."""
    cleaned = text.strip()
    if not cleaned:
        return None
    locale = locale or QLocale()
    for form in date_formats(locale):
        found = locale.toDate(cleaned, form)
        if found.isValid():
            if "yyyy" not in form and found.year() < 1950:
                found = found.addYears(100)  # "3/1/26" is 2026, not 1926
            return found
    raise ValueError(cleaned)


class DateBox(QWidget):
    """One end of the range: a line edit and a button that opens a calendar.

    Signals:
        edited(): the text changed (typed or picked).
    """

    edited = Signal()

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.line = QLineEdit(self)
        self.line.setPlaceholderText(placeholder)
        self.line.textChanged.connect(lambda _text: self.edited.emit())
        self.button = QToolButton(self)
        self.button.setText("Calendar…")
        self.button.setToolTip("Pick the date from a calendar")
        self.button.clicked.connect(self.open_calendar)
        self.menu = QMenu(self)
        self.calendar = QCalendarWidget(self.menu)
        self.calendar.setGridVisible(True)
        action = QWidgetAction(self.menu)
        action.setDefaultWidget(self.calendar)
        self.menu.addAction(action)
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        layout.addWidget(self.line, 1)
        layout.addWidget(self.button)

    def date(self) -> QDate | None:
        """Raises ValueError when the text is no date."""
        return parse_date_text(self.line.text())

    def set_date(self, date: QDate | None) -> None:
        self.line.setText("" if date is None else date.toString(ISO_FORMAT))

    def open_calendar(self) -> None:
        try:
            shown = self.date()
        except ValueError:
            shown = None
        start = shown or QDate.currentDate()
        self.calendar.setSelectedDate(start)
        self.calendar.setCurrentPage(start.year(), start.month())
        self.menu.popup(self.button.mapToGlobal(self.button.rect().bottomLeft()))
        self.calendar.setFocus()

    def _picked(self, date: QDate) -> None:
        self.set_date(date)
        self.menu.close()


class DateRangeDialog(QDialog):
    """From/to for a date field; either end may stay empty."""

    def __init__(
        self, fdef: FieldDef, current: dict[str, Any] | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Filter by {fdef.label}")
        locale = QLocale()
        example = locale.toString(QDate.currentDate(), QLocale.FormatType.ShortFormat)
        layout = QFormLayout(self)
        self.error = QLabel(self)
        self.error.setObjectName("filterError")
        self.error.setWordWrap(True)
        hint = QLabel(f"Type a date as {QDate.currentDate().toString(ISO_FORMAT)} or {example}.")
        hint.setWordWrap(True)
        layout.addRow(hint)
        self.low = DateBox("no start", self)
        self.high = DateBox("no end", self)
        current = current or {}
        for box, key in ((self.low, "from"), (self.high, "to")):
            text = current.get(key)
            if isinstance(text, str):
                box.set_date(QDate.fromString(text[:10], ISO_FORMAT))
            box.edited.connect(lambda: self.error.setText(""))
        layout.addRow("From", self.low)
        layout.addRow("To", self.high)
        layout.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept_if_valid)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)

    def value(self) -> dict[str, Any] | None:
        """The range in Podio's grammar ("YYYY-MM-DD" ends), None when both are empty;
        raises ValueError when a box holds no date."""
        result: dict[str, Any] = {}
        for box, key in ((self.low, "from"), (self.high, "to")):
            date = box.date()
            if date is not None:
                result[key] = date.toString(ISO_FORMAT)
        return result or None

    def accept_if_valid(self) -> None:
        try:
            value = self.value()
        except ValueError as error:
            example = QLocale().toString(QDate.currentDate(), QLocale.FormatType.ShortFormat)
            self.error.setText(
                f'"{error}" is not a date: type it as '
                f"{QDate.currentDate().toString(ISO_FORMAT)} or {example}, or pick it."
            )
            return
        if value and "from" in value and "to" in value and value["from"] > value["to"]:
            self.error.setText("The start is after the end.")
            return
        self.accept()
