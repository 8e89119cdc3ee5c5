"""The date editor: start and optional end, with or without a time."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QTime
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QTimeEdit,
    QWidget,
)

from podio_desk.domain.fields import EMPTY, DateValue, FieldDef, FieldValue
from podio_desk.domain.time_rule import TimeRule
from podio_desk.ui.editor.context import EditorContext
from podio_desk.ui.editor.fields.base import FieldEditor, _settings_text, _vbox
from podio_desk.ui.time_zone import current_rule


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def _qtime(moment: time) -> QTime:
    return QTime(moment.hour, moment.minute, moment.second)


def _pytime(moment: QTime) -> time:
    return time(moment.hour(), moment.minute(), moment.second())


class DateEditor(FieldEditor):
    """Start and optional end, with or without time, as the field's `time`/`end` settings say.

    Times are shown and typed in the zone of the time rule (ui/time_zone.py) in force when
    the value was shown; what is read back is converted to Podio's local form."""

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        self.rule: TimeRule = current_rule()
        self.compact = False
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

    def make_compact(self) -> None:
        """One line for a table cell (editing in place): no "all day" / "until" boxes unless
        the value has an end, and the time zone note as a tooltip instead of a second line
        that would lie over the row below."""
        self.compact = True
        self.zone.hide()
        self._update_visibility()

    def take_first_key(self, event: QKeyEvent) -> bool:
        """Typing on a date cell edits its start date (an empty one starts from today): a
        digit starts the year, and more digits run on through month and day (20270517);
        any other key only puts the keyboard there."""
        if not self.has_date.isChecked():
            self.has_date.setChecked(True)
        self.start_date.setFocus()
        self.start_date.setSelectedSection(QDateTimeEdit.Section.YearSection)
        if event.text().isdigit():
            QCoreApplication.sendEvent(self.start_date, event)
        return True

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
        if self.compact:
            ends = self.has_end.isChecked() or self.end_mode == "required"
            self.all_day.hide()
            self.has_end.setVisible(ends and self.end_mode != "required")
            self.end_date.setVisible(ends)
            self.end_time.setVisible(ends and self._time_allowed())
            note = self.rule.describe() if self._time_allowed() else ""
            for widget in (self, self.start_date, self.start_time, self.end_date, self.end_time):
                widget.setToolTip(note)

    def _show(self, value: FieldValue) -> None:
        self.rule = current_rule()
        if isinstance(value, DateValue):
            value = self.rule.shown(value)
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
            # Nothing of the previous item's date stays behind in the hidden editors.
            self.has_date.setChecked(False)
            self.all_day.setChecked(self.time_mode == "disabled")
            self.has_end.setChecked(False)
            for day in (self.start_date, self.end_date):
                day.setDate(QDate.currentDate())
            for moment in (self.start_time, self.end_time):
                moment.setTime(QTime(0, 0))
        self.zone.setText(self.rule.describe() if self._time_allowed() else "")
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
        typed = DateValue(_pydate(self.start_date.date()), start_time, end_date, end_time)
        return self.rule.entered(typed)

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
