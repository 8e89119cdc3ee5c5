"""One editor widget per Podio field type, each following its field's config.

Every editor holds the value it was given (`original`) and answers `value()` with the value
it shows now, built through the domain layer (`parse_user_text`, the value classes); it
raises `MalformedValueError` with a person-readable message when what was typed cannot be
read. Validation against the field's config is the domain's `validate`, run by the form.
An editor whose text the user has not touched gives back its original value untouched, so
opening and saving an item never rewrites a value (rounded numbers, Podio's HTML).
"""

from __future__ import annotations

import asyncio
import mimetypes
import tempfile
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import QDate, Qt, QTime, QTimeZone, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QIcon,
    QPixmap,
    QTextCharFormat,
    QTextListFormat,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    QTextEdit,
    QTimeEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from podio_desk.domain.errors import DomainError, MalformedValueError
from podio_desk.domain.fields import (
    EMPTY,
    CategoryOption,
    CategoryValue,
    ContactRef,
    ContactValue,
    DateValue,
    EmailValue,
    EmbedRef,
    EmbedValue,
    FieldDef,
    FieldType,
    FieldValue,
    FileListValue,
    FileRef,
    LocationValue,
    MoneyValue,
    NumberValue,
    PhoneValue,
    Place,
    ProgressValue,
    RawValue,
    RelatedItem,
    RelationshipValue,
    TextFormat,
    TextValue,
    TypedEntry,
    category_options,
    display_text,
    is_empty,
    parse_user_text,
    validate,
)
from podio_desk.domain.podio_html import sanitize_podio_html
from podio_desk.domain.user_input import check_link_url, editable_decimal, parse_coordinate
from podio_desk.ui.editor.context import EditorContext

# A category with more options than this gets a search box.
MANY_OPTIONS = 8
SEARCH_DELAY_MS = 250
ERROR_COLOR = "#c01c28"


def color_icon(color: str | None, size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(f"#{color}") if color else QColor("#dddddd"))
    return QIcon(pixmap)


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


# ---------------------------------------------------------------- base


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

    def set_enabled_for_edit(self, enabled: bool) -> None:
        self.setEnabled(enabled or self.read_only)

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


# ---------------------------------------------------------------- text


class PlainTextEditor(_TextBackedEditor):
    """Plain text: one line for `size: small`, several for `size: large`; markdown as source."""

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        layout = _vbox(self)
        multi_line = (
            _settings_text(fdef, "size", "small") == "large"
            or _settings_text(fdef, "format", "plain") == "markdown"
        )
        self.line: QLineEdit | None = None
        self.area: QPlainTextEdit | None = None
        if multi_line:
            self.area = QPlainTextEdit(self)
            self.area.setTabChangesFocus(True)
            self.area.setMinimumHeight(60)
            self.area.setMaximumHeight(100)
            self.area.textChanged.connect(self._emit_changed)
            if _settings_text(fdef, "format", "plain") == "markdown":
                self.area.setPlaceholderText("Markdown")
                self.area.setFont(QFont("monospace"))
            layout.addWidget(self.area)
        else:
            self.line = QLineEdit(self)
            self.line.textChanged.connect(self._emit_changed)
            layout.addWidget(self.line)

    def _show(self, value: FieldValue) -> None:
        text = value.text if isinstance(value, TextValue) else ""
        if self.line is not None:
            self.line.setText(text)
        if self.area is not None:
            self.area.setPlainText(text)
        self._remember_text(self._current_text())

    def _current_text(self) -> str:
        if self.line is not None:
            return self.line.text()
        assert self.area is not None
        return self.area.toPlainText()

    def set_text(self, text: str) -> None:
        if self.line is not None:
            self.line.setText(text)
        elif self.area is not None:
            self.area.setPlainText(text)


class RichTextEditor(FieldEditor):
    """HTML text: a rich-text editor whose output is reduced to the tags Podio uses.

    A "Source" switch shows the HTML as plain text for what the toolbar cannot do.
    """

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        layout = _vbox(self)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(2)
        self.rich = QTextEdit(self)
        self.rich.setAcceptRichText(True)
        self.rich.setTabChangesFocus(True)
        self.rich.setMinimumHeight(80)
        self.rich.setMaximumHeight(130)
        self.source = QPlainTextEdit(self)
        self.source.setFont(QFont("monospace"))
        self.source.setMinimumHeight(80)
        self.source.setMaximumHeight(130)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.rich)
        self.pages.addWidget(self.source)
        self.pages.setMaximumHeight(130)
        self._buttons: list[QToolButton] = []
        for label, tip, action in (
            ("B", "Bold", self._bold),
            ("I", "Italic", self._italic),
            ("U", "Underline", self._underline),
            ("S", "Strike through", self._strike),
            ("•", "Bulleted list", lambda: self._list(QTextListFormat.Style.ListDisc)),
            ("1.", "Numbered list", lambda: self._list(QTextListFormat.Style.ListDecimal)),
            ("H", "Heading", self._heading),
            ("Link", "Link the selected text", self._link),
        ):
            button = QToolButton(self)
            button.setText(label)
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(action)
            bar.addWidget(button)
            self._buttons.append(button)
        self.source_toggle = QCheckBox("Source", self)
        self.source_toggle.setToolTip("Edit the HTML as text")
        self.source_toggle.toggled.connect(self._toggle_source)
        bar.addStretch(1)
        bar.addWidget(self.source_toggle)
        layout.addLayout(bar)
        layout.addWidget(self.pages)
        self.link_url = QLineEdit(self)
        self.link_url.setPlaceholderText("https://… then press Enter to link the selection")
        self.link_url.hide()
        self.link_url.returnPressed.connect(self._apply_link)
        layout.addWidget(self.link_url)
        self._touched = False
        self.rich.textChanged.connect(self._on_edit)
        self.source.textChanged.connect(self._on_edit)
        # The text box is capped; keep the whole editor from taking more room than it shows.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def _on_edit(self) -> None:
        if not self._loading:
            self._touched = True
            self.changed.emit()

    def _show(self, value: FieldValue) -> None:
        text = value.text if isinstance(value, TextValue) else ""
        self.rich.setHtml(text)
        self.source.setPlainText(text)
        self._touched = False

    def _read(self) -> FieldValue:
        if not self._touched:
            return self._shown_value
        if self.source_toggle.isChecked():
            cleaned = sanitize_podio_html(self.source.toPlainText())
        else:
            if not self.rich.document().toPlainText().strip():
                return EMPTY
            cleaned = sanitize_podio_html(self.rich.toHtml())
        if not cleaned.strip():
            return EMPTY
        return TextValue(cleaned, TextFormat.HTML)

    def set_html(self, text: str) -> None:
        self.rich.setHtml(text)

    # -- formatting actions
    def _merge(self, fmt: QTextCharFormat) -> None:
        cursor = self.rich.textCursor()
        if not cursor.hasSelection():
            cursor.select(cursor.SelectionType.WordUnderCursor)
        cursor.mergeCharFormat(fmt)
        self.rich.mergeCurrentCharFormat(fmt)

    def _bold(self) -> None:
        fmt = QTextCharFormat()
        bold = self.rich.fontWeight() < QFont.Weight.Bold
        fmt.setFontWeight(QFont.Weight.Bold if bold else QFont.Weight.Normal)
        self._merge(fmt)

    def _italic(self) -> None:
        fmt = QTextCharFormat()
        fmt.setFontItalic(not self.rich.fontItalic())
        self._merge(fmt)

    def _underline(self) -> None:
        fmt = QTextCharFormat()
        fmt.setFontUnderline(not self.rich.fontUnderline())
        self._merge(fmt)

    def _strike(self) -> None:
        fmt = QTextCharFormat()
        fmt.setFontStrikeOut(not self.rich.currentCharFormat().fontStrikeOut())
        self._merge(fmt)

    def _list(self, style: QTextListFormat.Style) -> None:
        cursor = self.rich.textCursor()
        fmt = QTextListFormat()
        fmt.setStyle(style)
        cursor.createList(fmt)

    def _heading(self) -> None:
        cursor = self.rich.textCursor()
        block = cursor.blockFormat()
        block.setHeadingLevel(0 if block.headingLevel() else 2)
        cursor.setBlockFormat(block)
        fmt = QTextCharFormat()
        fmt.setFontWeight(QFont.Weight.Bold if block.headingLevel() else QFont.Weight.Normal)
        cursor.select(cursor.SelectionType.BlockUnderCursor)
        cursor.mergeCharFormat(fmt)
        self._on_edit()

    def _link(self) -> None:
        self.link_url.setVisible(not self.link_url.isVisible())
        if self.link_url.isVisible():
            self.link_url.setFocus()

    def _apply_link(self) -> None:
        url = self.link_url.text().strip()
        problem = check_link_url(url)
        if problem:
            self.link_url.setToolTip(problem)
            self.link_url.setStyleSheet(f"border: 1px solid {ERROR_COLOR};")
            return
        self.link_url.setStyleSheet("")
        fmt = QTextCharFormat()
        fmt.setAnchor(True)
        fmt.setAnchorHref(url)
        fmt.setFontUnderline(True)
        fmt.setForeground(QColor("#1a5fb4"))
        self._merge(fmt)
        self.link_url.clear()
        self.link_url.hide()

    def _toggle_source(self, on: bool) -> None:
        was_loading = self._loading
        self._loading = True
        try:
            if on:
                self.source.setPlainText(
                    sanitize_podio_html(self.rich.toHtml())
                    if self._touched
                    else self.source.toPlainText()
                )
                self.pages.setCurrentWidget(self.source)
            else:
                self.rich.setHtml(sanitize_podio_html(self.source.toPlainText()))
                self.pages.setCurrentWidget(self.rich)
        finally:
            self._loading = was_loading
        for button in self._buttons:
            button.setEnabled(not on)


# ---------------------------------------------------------------- numbers


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


class MoneyEditor(FieldEditor):
    """Amount and currency; the currency list is the field's allowed currencies."""

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

    def _show(self, value: FieldValue) -> None:
        if isinstance(value, MoneyValue):
            self.amount.setText(editable_decimal(value.amount, 2))
            if self.currency.findText(value.currency) < 0:
                # Keep a currency the field no longer allows visible; validation names it.
                self.currency.addItem(value.currency)
            self.currency.setCurrentText(value.currency)
        else:
            self.amount.setText("")
        self._shown = (self.amount.text(), self.currency.currentText())

    def _read(self) -> FieldValue:
        shown = (self.amount.text(), self.currency.currentText())
        if shown == self._shown:
            return self._shown_value
        if not self.amount.text().strip():
            return EMPTY
        return parse_user_text(
            self.fdef, f"{self.amount.text().strip()} {self.currency.currentText()}"
        )


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
        self.units = QLabel("in " + ", ".join(units), self)
        self.units.setStyleSheet("color: palette(mid);")
        self.line.textChanged.connect(self._emit_changed)
        layout = self._row(self.line, self.units)
        layout.addStretch(1)
        self.setLayout(layout)

    def _show(self, value: FieldValue) -> None:
        self.line.setText(display_text(self.fdef, value))
        self._remember_text(self.line.text())

    def _current_text(self) -> str:
        return self.line.text()


# ---------------------------------------------------------------- date


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def _qtime(moment: time) -> QTime:
    return QTime(moment.hour, moment.minute, moment.second)


def _pytime(moment: QTime) -> time:
    return time(moment.hour(), moment.minute(), moment.second())


def _zone_label(value: FieldValue) -> str:
    """The time zone Podio's local values are in: from a value's UTC variant, else the system."""
    if (
        isinstance(value, DateValue)
        and value.start_utc is not None
        and value.start_time is not None
    ):
        local = datetime.combine(value.start_date, value.start_time)
        offset = local - value.start_utc.replace(tzinfo=None)
        minutes = round(offset.total_seconds() / 60)
        sign = "+" if minutes >= 0 else "-"
        hours, rest = divmod(abs(minutes), 60)
        return f"Times in your Podio time zone (UTC{sign}{hours:02d}:{rest:02d})"
    zone = QTimeZone.systemTimeZone()
    name = zone.displayName(QTimeZone.TimeType.GenericTime, QTimeZone.NameType.OffsetName)
    return f"Times in your time zone ({name or 'local time'})"


class DateEditor(FieldEditor):
    """Start and optional end, with or without time, as the field's `time`/`end` settings say."""

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        self.time_mode = _settings_text(fdef, "time", "enabled")
        self.end_mode = _settings_text(fdef, "end", "enabled")
        layout = _vbox(self)
        self.has_date = QCheckBox(self)
        self.has_date.setToolTip("Uncheck to leave the date empty")
        self.start_date = self._date_edit()
        self.start_time = self._time_edit()
        self.all_day = QCheckBox("all day", self)
        self.has_end = QCheckBox("until", self)
        self.end_date = self._date_edit()
        self.end_time = self._time_edit()
        first = QHBoxLayout()
        first.setContentsMargins(0, 0, 0, 0)
        for widget in (
            self.has_date,
            self.start_date,
            self.start_time,
            self.all_day,
            self.has_end,
            self.end_date,
            self.end_time,
        ):
            first.addWidget(widget)
        first.addStretch(1)
        layout.addLayout(first)
        self.zone = QLabel(self)
        self.zone.setStyleSheet("color: palette(mid); font-size: small;")
        layout.addWidget(self.zone)
        for box in (self.has_date, self.all_day, self.has_end):
            box.toggled.connect(self._on_toggle)
        self._update_visibility()

    def _date_edit(self) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setDate(QDate.currentDate())
        edit.dateChanged.connect(self._emit_changed)
        return edit

    def _time_edit(self) -> QTimeEdit:
        edit = QTimeEdit(self)
        edit.setDisplayFormat("HH:mm")
        edit.timeChanged.connect(self._emit_changed)
        return edit

    def _on_toggle(self) -> None:
        self._update_visibility()
        self._emit_changed()

    def _time_allowed(self) -> bool:
        original_has_time = isinstance(self._shown_value, DateValue) and self._shown_value.has_time
        return self.time_mode != "disabled" or original_has_time

    def _end_allowed(self) -> bool:
        original_has_end = isinstance(self._shown_value, DateValue) and self._shown_value.has_end
        return self.end_mode != "disabled" or original_has_end

    def _update_visibility(self) -> None:
        on = self.has_date.isChecked()
        timed = self._time_allowed() and not self.all_day.isChecked()
        ending = self._end_allowed() and (self.has_end.isChecked() or self.end_mode == "required")
        self.start_date.setEnabled(on)
        self.start_time.setVisible(self._time_allowed())
        self.start_time.setEnabled(on and timed)
        self.all_day.setVisible(self._time_allowed() and self.time_mode != "required")
        self.all_day.setEnabled(on)
        self.has_end.setVisible(self._end_allowed() and self.end_mode != "required")
        self.has_end.setEnabled(on)
        self.end_date.setVisible(self._end_allowed())
        self.end_date.setEnabled(on and ending)
        self.end_time.setVisible(self._time_allowed() and self._end_allowed())
        self.end_time.setEnabled(on and ending and timed)

    def _show(self, value: FieldValue) -> None:
        if isinstance(value, DateValue):
            self.has_date.setChecked(True)
            self.start_date.setDate(_qdate(value.start_date))
            self.all_day.setChecked(value.start_time is None)
            if value.start_time is not None:
                self.start_time.setTime(_qtime(value.start_time))
            self.has_end.setChecked(value.end_date is not None)
            if value.end_date is not None:
                self.end_date.setDate(_qdate(value.end_date))
            if value.end_time is not None:
                self.end_time.setTime(_qtime(value.end_time))
        else:
            self.has_date.setChecked(False)
            self.all_day.setChecked(self.time_mode == "disabled")
            self.has_end.setChecked(False)
        self.zone.setText(_zone_label(value) if self._time_allowed() else "")
        self._update_visibility()
        self._shown = self._state()

    def _state(self) -> tuple[Any, ...]:
        return (
            self.has_date.isChecked(),
            self.start_date.date(),
            self.start_time.time(),
            self.all_day.isChecked(),
            self.has_end.isChecked(),
            self.end_date.date(),
            self.end_time.time(),
        )

    def _read(self) -> FieldValue:
        if self._state() == self._shown:
            return self._shown_value
        if not self.has_date.isChecked():
            return EMPTY
        timed = self._time_allowed() and not self.all_day.isChecked()
        ending = self._end_allowed() and (self.has_end.isChecked() or self.end_mode == "required")
        start_time = _pytime(self.start_time.time()) if timed else None
        end_date = _pydate(self.end_date.date()) if ending else None
        end_time = _pytime(self.end_time.time()) if ending and timed else None
        return DateValue(_pydate(self.start_date.date()), start_time, end_date, end_time)

    def set_range(self, start: datetime | date, end: datetime | date | None = None) -> None:
        """Set the shown value as a user would (for the table delegate and tests)."""
        self.has_date.setChecked(True)
        timed = isinstance(start, datetime)
        self.all_day.setChecked(not timed)
        self.start_date.setDate(_qdate(start.date() if isinstance(start, datetime) else start))
        if isinstance(start, datetime):
            self.start_time.setTime(_qtime(start.time()))
        self.has_end.setChecked(end is not None)
        if end is not None:
            self.end_date.setDate(_qdate(end.date() if isinstance(end, datetime) else end))
            if isinstance(end, datetime):
                self.end_time.setTime(_qtime(end.time()))
        self._update_visibility()


# ---------------------------------------------------------------- category


class CategoryEditor(FieldEditor):
    """Single choice: a drop-down (searchable when long). Several: check boxes with a filter."""

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        self.multiple = bool(fdef.settings.get("multiple"))
        self.options: tuple[CategoryOption, ...] = category_options(fdef)
        active = [option for option in self.options if option.status == "active"]
        layout = _vbox(self)
        self.search: QLineEdit | None = None
        self.combo: QComboBox | None = None
        self.checks: QListWidget | None = None
        self._typed_unknown = ""
        if self.multiple:
            if len(active) > MANY_OPTIONS:
                self.search = QLineEdit(self)
                self.search.setPlaceholderText("Filter options…")
                self.search.setClearButtonEnabled(True)
                self.search.textChanged.connect(self._filter)
                layout.addWidget(self.search)
            self.checks = QListWidget(self)
            self._check_rows = len(active)
            for option in active:
                entry = QListWidgetItem(color_icon(option.color), option.text, self.checks)
                entry.setData(Qt.ItemDataRole.UserRole, option.id)
                entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                entry.setCheckState(Qt.CheckState.Unchecked)
            self.checks.itemChanged.connect(self._emit_changed)
            layout.addWidget(self.checks)
            _fit_list(self.checks, self._check_rows, most=8)
        else:
            self.combo = QComboBox(self)
            self.combo.addItem("—", None)
            for option in active:
                self.combo.addItem(color_icon(option.color), option.text, option.id)
            if len(active) > MANY_OPTIONS:
                # Many options: type to search; a typed text that is no option is refused.
                self.combo.setEditable(True)
                self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
                completer = self.combo.completer()
                assert completer is not None
                completer.setFilterMode(Qt.MatchFlag.MatchContains)
                completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
                completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
                self.combo.editTextChanged.connect(self._emit_changed)
            self.combo.currentIndexChanged.connect(self._emit_changed)
            self.combo.setMaximumWidth(320)
            layout.addWidget(self.combo)

    def _filter(self, text: str) -> None:
        assert self.checks is not None
        wanted = text.strip().casefold()
        for row in range(self.checks.count()):
            entry = self.checks.item(row)
            entry.setHidden(bool(wanted) and wanted not in entry.text().casefold())

    def _ensure_listed(self, option: CategoryOption) -> None:
        """An inactive (deleted) option still held by the item stays visible, so validation
        can name it and nothing changes unless the user changes it."""
        if self.combo is not None and self.combo.findData(option.id) < 0:
            self.combo.addItem(
                color_icon(option.color), f"{option.text} (no longer offered)", option.id
            )
        if self.checks is not None and not any(
            self.checks.item(row).data(Qt.ItemDataRole.UserRole) == option.id
            for row in range(self.checks.count())
        ):
            entry = QListWidgetItem(
                color_icon(option.color), f"{option.text} (no longer offered)", self.checks
            )
            entry.setData(Qt.ItemDataRole.UserRole, option.id)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Unchecked)

    def _show(self, value: FieldValue) -> None:
        chosen = value.options if isinstance(value, CategoryValue) else ()
        for option in chosen:
            self._ensure_listed(option)
        ids = {option.id for option in chosen}
        if self.combo is not None:
            index = self.combo.findData(next(iter(ids))) if ids else 0
            self.combo.setCurrentIndex(max(index, 0))
        if self.checks is not None:
            for row in range(self.checks.count()):
                entry = self.checks.item(row)
                checked = entry.data(Qt.ItemDataRole.UserRole) in ids
                entry.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self._shown = self._chosen_ids()

    def _chosen_ids(self) -> tuple[int, ...]:
        if self.combo is not None:
            data = self.combo.currentData()
            return () if data is None else (int(data),)
        assert self.checks is not None
        return tuple(
            int(self.checks.item(row).data(Qt.ItemDataRole.UserRole))
            for row in range(self.checks.count())
            if self.checks.item(row).checkState() == Qt.CheckState.Checked
        )

    def _read(self) -> FieldValue:
        if self.combo is not None and self.combo.isEditable():
            typed = self.combo.currentText().strip()
            listed = self.combo.itemText(self.combo.currentIndex())
            if typed and typed != listed and typed != "—":
                # What was typed in the search box matches no option exactly.
                return parse_user_text(self.fdef, typed)
        ids = self._chosen_ids()
        if ids == self._shown:
            return self._shown_value
        if not ids:
            return EMPTY
        known = {option.id: option for option in self.options}
        if isinstance(self._shown_value, CategoryValue):
            known.update({option.id: option for option in self._shown_value.options})
        return CategoryValue(
            tuple(
                known.get(option_id, CategoryOption(option_id, str(option_id))) for option_id in ids
            )
        )

    def choose(self, *texts: str) -> None:
        """Pick options by their text, as a user would click them."""
        wanted = {text.casefold() for text in texts}
        if self.combo is not None:
            index = next(
                (
                    i
                    for i in range(self.combo.count())
                    if self.combo.itemText(i).casefold() in wanted
                ),
                0,
            )
            self.combo.setCurrentIndex(index)
        if self.checks is not None:
            for row in range(self.checks.count()):
                entry = self.checks.item(row)
                checked = entry.text().casefold() in wanted
                entry.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)


# ---------------------------------------------------------------- relationships, contacts


class _PickListEditor(FieldEditor):
    """What is linked (a list) plus a search box whose results can be added."""

    search_hint: ClassVar[str] = "Search…"

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        self.multiple = bool(fdef.settings.get("multiple", True))
        layout = _vbox(self)
        self.linked = QListWidget(self)
        self.linked.setMaximumHeight(64)
        self.linked.itemActivated.connect(self._on_activated)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.search_hint)
        self.search.setClearButtonEnabled(True)
        self.search.textEdited.connect(self._on_search_text)
        self.search.returnPressed.connect(self._search_now)
        self.results = QListWidget(self)
        self.results.setMaximumHeight(110)
        self.results.hide()
        self.results.itemActivated.connect(self._on_result_activated)
        self.status = QLabel(self)
        self.status.setStyleSheet("color: palette(mid);")
        self.status.hide()
        layout.addWidget(self.linked)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.search, 1)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.results)
        self._entries: list[Any] = []
        self._found: list[Any] = []
        self._search_task: asyncio.Task[Any] | None = None
        if context.service is None or context.runner is None:
            self.search.setEnabled(False)
            self.search.setPlaceholderText("Search is not available here")

    # -- subclass hooks
    def _label(self, entry: Any) -> str:
        raise NotImplementedError

    def _key(self, entry: Any) -> int:
        raise NotImplementedError

    def _entries_of(self, value: FieldValue) -> list[Any]:
        raise NotImplementedError

    def _make(self, entries: Sequence[Any]) -> FieldValue:
        raise NotImplementedError

    async def _find(self, text: str) -> list[Any]:
        raise NotImplementedError

    # -- behaviour
    def _refresh(self) -> None:
        self.linked.clear()
        for entry in self._entries:
            QListWidgetItem(self._label(entry), self.linked)
        _fit_list(self.linked, len(self._entries))

    def _show(self, value: FieldValue) -> None:
        self._entries = self._entries_of(value)
        self._refresh()

    def _read(self) -> FieldValue:
        if [self._key(e) for e in self._entries] == [
            self._key(e) for e in self._entries_of(self._shown_value)
        ]:
            return self._shown_value
        return self._make(self._entries) if self._entries else EMPTY

    def add(self, entry: Any) -> None:
        if any(self._key(existing) == self._key(entry) for existing in self._entries):
            return
        if self.multiple:
            self._entries.append(entry)
        else:
            self._entries = [entry]
        self._refresh()
        self._emit_changed()

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.linked.selectedIndexes()}, reverse=True)
        if not rows and self.linked.count() == 1:
            rows = [0]
        for row in rows:
            del self._entries[row]
        self._refresh()
        self._emit_changed()

    def _on_activated(self, entry: QListWidgetItem) -> None:
        pass

    def _on_search_text(self, text: str) -> None:
        if text.strip():
            # Typing: wait for a pause; each key press replaces the waiting search.
            self._search_now(delay=SEARCH_DELAY_MS / 1000)

    def _search_now(self, delay: float = 0.0) -> None:
        text = self.search.text().strip()
        task = self.context.run(f"find:{self.fdef.field_id}", self._run_search(text, delay))
        self._search_task = task

    @property
    def search_task(self) -> asyncio.Task[Any] | None:
        return self._search_task

    async def _run_search(self, text: str, delay: float = 0.0) -> None:
        if delay:
            await asyncio.sleep(delay)
        self.status.setText("Searching…")
        self.status.show()
        try:
            found = await self._find(text)
        except DomainError as exc:
            self.status.setText(str(exc))
            return
        except Exception as exc:  # a failed search is shown, not raised into the runner
            self.status.setText(f"Search failed: {getattr(exc, 'user_message', exc)}")
            return
        self._found = found
        self.results.clear()
        for entry in found:
            QListWidgetItem(self._label(entry), self.results)
        self.results.setVisible(bool(found))
        self.status.setText("" if found else f'Nothing found for "{text}"')
        self.status.setVisible(not found)

    def _on_result_activated(self, entry: QListWidgetItem) -> None:
        row = self.results.row(entry)
        if 0 <= row < len(self._found):
            self.add(self._found[row])

    def add_result(self, row: int) -> None:
        self.add(self._found[row])

    @property
    def found(self) -> list[Any]:
        return list(self._found)


class RelationshipEditor(_PickListEditor):
    search_hint = "Search items to link…"

    def _label(self, entry: RelatedItem) -> str:
        app = f" · {entry.app_name}" if entry.app_name else ""
        return f"{entry.title or '#' + str(entry.item_id)}{app}"

    def _key(self, entry: RelatedItem) -> int:
        return entry.item_id

    def _entries_of(self, value: FieldValue) -> list[Any]:
        return list(value.items) if isinstance(value, RelationshipValue) else []

    def _make(self, entries: Sequence[Any]) -> FieldValue:
        return RelationshipValue(tuple(entries))

    async def _find(self, text: str) -> list[Any]:
        assert self.context.service is not None
        return await self.context.service.find_related(self.fdef, text)

    def _on_activated(self, entry: QListWidgetItem) -> None:
        row = self.linked.row(entry)
        if self.context.open_item is not None and 0 <= row < len(self._entries):
            linked: RelatedItem = self._entries[row]
            self.context.open_item(linked.app_id, linked.item_id)


class ContactEditor(_PickListEditor):
    search_hint = "Search people by name or e-mail…"

    def _label(self, entry: ContactRef) -> str:
        mail = f" <{entry.mails[0]}>" if entry.mails else ""
        return f"{entry.name or '#' + str(entry.profile_id)}{mail}"

    def _key(self, entry: ContactRef) -> int:
        return entry.profile_id

    def _entries_of(self, value: FieldValue) -> list[Any]:
        return list(value.contacts) if isinstance(value, ContactValue) else []

    def _make(self, entries: Sequence[Any]) -> FieldValue:
        return ContactValue(tuple(entries))

    async def _find(self, text: str) -> list[Any]:
        assert self.context.service is not None
        assert self.context.app is not None
        return list(await self.context.service.find_contacts(self.context.app, self.fdef, text))


# ---------------------------------------------------------------- e-mail and phone lists

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


# ---------------------------------------------------------------- location


class LocationEditor(FieldEditor):
    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        self.address = QLineEdit(self)
        self.address.setPlaceholderText("Street, postal code, city, country")
        self.lat = QLineEdit(self)
        self.lat.setPlaceholderText("latitude")
        self.lat.setMaximumWidth(110)
        self.lng = QLineEdit(self)
        self.lng.setPlaceholderText("longitude")
        self.lng.setMaximumWidth(110)
        for line in (self.address, self.lat, self.lng):
            line.textChanged.connect(self._emit_changed)
        layout = _vbox(self)
        layout.addWidget(self.address)
        layout.addLayout(
            self._row(
                QLabel("Map position", self), self.lat, self.lng, QWidget(self), stretch_last=True
            )
        )
        self._shown: tuple[str, str, str] = ("", "", "")

    def _show(self, value: FieldValue) -> None:
        place = value.places[0] if isinstance(value, LocationValue) and value.places else None
        self.address.setText(place.text if place else "")
        self.lat.setText("" if place is None or place.lat is None else str(place.lat))
        self.lng.setText("" if place is None or place.lng is None else str(place.lng))
        self._shown = (self.address.text(), self.lat.text(), self.lng.text())

    def _coordinate(self, text: str, what: str) -> Decimal | None:
        return parse_coordinate(self.fdef, text, what)

    def _read(self) -> FieldValue:
        now = (self.address.text(), self.lat.text(), self.lng.text())
        if now == self._shown:
            return self._shown_value
        lat = self._coordinate(now[1], "latitude")
        lng = self._coordinate(now[2], "longitude")
        if not now[0].strip() and lat is None and lng is None:
            return EMPTY
        if not now[0].strip():
            raise MalformedValueError(f'"{self.fdef.label}" needs an address with the map position')
        typed = parse_user_text(self.fdef, now[0])
        assert isinstance(typed, LocationValue)
        place = typed.places[0]
        return LocationValue((Place(value=place.value, lat=lat, lng=lng),))


# ---------------------------------------------------------------- embeds (links)


class EmbedEditor(FieldEditor):
    """Links: add a URL (Podio turns it into an embed first), remove, open."""

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        layout = _vbox(self)
        self.linked = QListWidget(self)
        self.linked.setMaximumHeight(80)
        self.linked.itemActivated.connect(self._open)
        self.url = QLineEdit(self)
        self.url.setPlaceholderText("https://…")
        self.url.returnPressed.connect(self.add_url)
        self.add_button = QPushButton("Add link", self)
        self.add_button.clicked.connect(self.add_url)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.hide()
        layout.addWidget(self.linked)
        layout.addLayout(self._row(self.url, self.add_button, self.remove_button))
        layout.addWidget(self.status)
        self._embeds: list[EmbedRef] = []
        self.add_task: asyncio.Task[Any] | None = None
        self.url_problem: str | None = None

    def _refresh(self) -> None:
        self.linked.clear()
        for embed in self._embeds:
            label = embed.title or embed.url or embed.original_url or f"#{embed.embed_id}"
            entry = QListWidgetItem(
                label if label == embed.url else f"{label} — {embed.url}", self.linked
            )
            entry.setToolTip(embed.url)
        _fit_list(self.linked, len(self._embeds))

    def _show(self, value: FieldValue) -> None:
        self._embeds = list(value.embeds) if isinstance(value, EmbedValue) else []
        self._refresh()

    def _read(self) -> FieldValue:
        if self.url_problem:
            raise MalformedValueError(self.url_problem)
        original = (
            list(self._shown_value.embeds) if isinstance(self._shown_value, EmbedValue) else []
        )
        if [e.embed_id for e in self._embeds] == [e.embed_id for e in original]:
            return self._shown_value
        return EmbedValue(tuple(self._embeds)) if self._embeds else EMPTY

    def add_url(self) -> None:
        url = self.url.text().strip()
        problem = check_link_url(url)
        if problem:
            self.url_problem = f'"{self.fdef.label}": {problem}'
            self._say(self.url_problem, error=True)
            self._emit_changed()
            return
        self.url_problem = None
        if self.context.service is None:
            self._say("Links cannot be added here", error=True)
            return
        self.add_task = self.context.run(f"embed:{self.fdef.field_id}", self._create(url))

    async def _create(self, url: str) -> None:
        assert self.context.service is not None
        self._say("Adding link…")
        try:
            embed = await self.context.service.create_embed(url)
        except Exception as exc:  # shown on the field
            self._say(
                f"Podio could not use this link: {getattr(exc, 'user_message', exc)}", error=True
            )
            return
        self._embeds.append(embed)
        self.url.clear()
        self._say("")
        self._refresh()
        self._emit_changed()

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.linked.selectedIndexes()}, reverse=True)
        if not rows and len(self._embeds) == 1:
            rows = [0]
        for row in rows:
            del self._embeds[row]
        self._refresh()
        self._emit_changed()

    def _open(self, entry: QListWidgetItem) -> None:
        QDesktopServices.openUrl(QUrl(entry.toolTip()))

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {ERROR_COLOR};" if error else "color: palette(mid);")
        self.status.setVisible(bool(text))


# ---------------------------------------------------------------- files and images


def _size_text(size: int | None) -> str:
    if size is None:
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size = size / 1024  # type: ignore[assignment]
    return ""


class FileEditor(FieldEditor):
    """Image and file fields: upload, download, open, remove."""

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        layout = _vbox(self)
        self.files = QListWidget(self)
        self.files.setMaximumHeight(90)
        self.files.itemActivated.connect(lambda _entry: self.open_selected())
        self.upload_button = QPushButton("Upload…", self)
        self.upload_button.clicked.connect(self._choose_and_upload)
        self.download_button = QPushButton("Download…", self)
        self.download_button.clicked.connect(self._choose_and_download)
        self.open_button = QPushButton("Open", self)
        self.open_button.clicked.connect(self.open_selected)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.hide()
        layout.addWidget(self.files)
        buttons = self._row(
            self.upload_button, self.download_button, self.open_button, self.remove_button
        )
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self._files: list[FileRef] = []
        self.task: asyncio.Task[Any] | None = None
        allowed = _settings_list(fdef, "allowed_mimetypes")
        self.upload_button.setToolTip("Allowed: " + ", ".join(allowed) if allowed else "Any file")
        if context.service is None:
            for button in (self.upload_button, self.download_button, self.open_button):
                button.setEnabled(False)

    def _refresh(self) -> None:
        self.files.clear()
        for ref in self._files:
            details = ", ".join(p for p in (ref.mimetype or "", _size_text(ref.size)) if p)
            QListWidgetItem(
                f"{ref.name or '#' + str(ref.file_id)}" + (f"  ({details})" if details else ""),
                self.files,
            )
        _fit_list(self.files, len(self._files))

    def _show(self, value: FieldValue) -> None:
        self._files = list(value.files) if isinstance(value, FileListValue) else []
        self._refresh()

    def _read(self) -> FieldValue:
        original = (
            list(self._shown_value.files) if isinstance(self._shown_value, FileListValue) else []
        )
        if [f.file_id for f in self._files] == [f.file_id for f in original]:
            return self._shown_value
        return FileListValue(tuple(self._files)) if self._files else EMPTY

    def _selected(self) -> FileRef | None:
        rows = [index.row() for index in self.files.selectedIndexes()]
        if rows:
            return self._files[rows[0]]
        return self._files[0] if len(self._files) == 1 else None

    # -- upload
    def _choose_and_upload(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, f"Upload to {self.fdef.label}")
        for name in names:
            self.upload_path(Path(name))

    def refusal(self, name: str, mimetype: str) -> str | None:
        """Why a file cannot go into this field (checked before anything is uploaded)."""
        candidate = FileListValue((*self._files, FileRef(file_id=0, name=name, mimetype=mimetype)))
        issues = validate(self.fdef, candidate)
        return "; ".join(issue.message for issue in issues) or None

    def upload_path(self, path: Path) -> None:
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        problem = self.refusal(path.name, mimetype)
        if problem:
            self._say(problem, error=True)
            return
        self.task = self.context.run(
            f"upload:{self.fdef.field_id}:{path.name}", self._upload_file(path, mimetype)
        )

    def upload_bytes(self, name: str, content: bytes, mimetype: str) -> asyncio.Task[Any] | None:
        problem = self.refusal(name, mimetype)
        if problem:
            self._say(problem, error=True)
            return None
        self.task = self.context.run(
            f"upload:{self.fdef.field_id}:{name}", self._upload(name, content, mimetype)
        )
        return self.task

    async def _upload_file(self, path: Path, mimetype: str) -> None:
        try:
            content = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            self._say(f"Could not read {path.name}: {exc.strerror or exc}", error=True)
            return
        await self._upload(path.name, content, mimetype)

    async def _upload(self, name: str, content: bytes, mimetype: str) -> None:
        assert self.context.service is not None
        self._say(f"Uploading {name}…")
        try:
            ref = await self.context.service.upload(name, content, mimetype)
        except Exception as exc:  # shown on the field
            self._say(f"Upload of {name} failed: {getattr(exc, 'user_message', exc)}", error=True)
            return
        self._files.append(ref)
        self._say("")
        self._refresh()
        self._emit_changed()

    # -- download, open
    def _choose_and_download(self) -> None:
        ref = self._selected()
        if ref is None:
            self._say("Select a file first", error=True)
            return
        target, _ = QFileDialog.getSaveFileName(self, "Save file", ref.name)
        if target:
            self.download_to(ref, Path(target))

    def download_to(
        self, ref: FileRef, target: Path, *, then_open: bool = False
    ) -> asyncio.Task[Any] | None:
        self.task = self.context.run(
            f"download:{ref.file_id}", self._download(ref, target, then_open)
        )
        return self.task

    async def _download(self, ref: FileRef, target: Path, then_open: bool) -> None:
        assert self.context.service is not None
        self._say(f"Downloading {ref.name}…")
        try:
            content = await self.context.service.download(ref.file_id)
            await asyncio.to_thread(target.write_bytes, content)
        except Exception as exc:  # shown on the field
            self._say(
                f"Download of {ref.name} failed: {getattr(exc, 'user_message', exc)}", error=True
            )
            return
        self._say(f"Saved {target.name}")
        if then_open:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))

    def open_selected(self) -> None:
        ref = self._selected()
        if ref is None:
            return
        folder = Path(tempfile.gettempdir()) / "podio-desk-files" / str(ref.file_id)
        folder.mkdir(parents=True, exist_ok=True)
        self.download_to(ref, folder / (Path(ref.name).name or "file"), then_open=True)

    def remove_selected(self) -> None:
        ref = self._selected()
        if ref is not None:
            self._files.remove(ref)
            self._refresh()
            self._emit_changed()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {ERROR_COLOR};" if error else "color: palette(mid);")
        self.status.setVisible(bool(text))


# ---------------------------------------------------------------- read-only kinds


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


# ---------------------------------------------------------------- registry


def editor_class_for(fdef: FieldDef) -> type[FieldEditor]:
    kind = fdef.field_type
    if kind is FieldType.TEXT:
        return (
            RichTextEditor if _settings_text(fdef, "format", "plain") == "html" else PlainTextEditor
        )
    table: dict[FieldType, type[FieldEditor]] = {
        FieldType.NUMBER: NumberEditor,
        FieldType.MONEY: MoneyEditor,
        FieldType.PROGRESS: ProgressEditor,
        FieldType.DURATION: DurationEditor,
        FieldType.DATE: DateEditor,
        FieldType.CATEGORY: CategoryEditor,
        FieldType.APP: RelationshipEditor,
        FieldType.CONTACT: ContactEditor,
        FieldType.EMAIL: TypedListEditor,
        FieldType.PHONE: TypedListEditor,
        FieldType.TEL: TypedListEditor,
        FieldType.LOCATION: LocationEditor,
        FieldType.EMBED: EmbedEditor,
        FieldType.IMAGE: FileEditor,
        FieldType.FILE: FileEditor,
        FieldType.SEPARATOR: SeparatorHeading,
    }
    if kind is None:
        return ReadOnlyView
    return table.get(kind, ReadOnlyView)


def create_editor(
    fdef: FieldDef, context: EditorContext, parent: QWidget | None = None
) -> FieldEditor:
    return editor_class_for(fdef)(fdef, context, parent)


def editor_is_empty(editor: FieldEditor) -> bool:
    try:
        return is_empty(editor.value())
    except DomainError:
        return False


Callback = Callable[[], None]
