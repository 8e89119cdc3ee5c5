"""The date editor: start and optional end, with or without a time."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QDateTime, QEvent, QObject, QRect, Qt, QTime
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QDateEdit,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QStyle,
    QStyleOptionSpinBox,
    QTimeEdit,
    QWidget,
)

from podio_desk.domain.fields import EMPTY, DateValue, FieldDef, FieldValue
from podio_desk.domain.time_rule import TimeRule
from podio_desk.ui.editor.context import EditorContext
from podio_desk.ui.editor.fields.base import FieldEditor, _settings_text, _vbox
from podio_desk.ui.filters.flow_layout import FlowArea
from podio_desk.ui.time_zone import current_rule

# What a compact input (editing in place) holds while the date is empty; it shows
# EMPTY_DATE_TEXT then.
_EMPTY_DAY = QDate(1000, 1, 1)
EMPTY_DATE_TEXT = "no date"
_STEP_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)


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
        # Editing in place (`make_compact`): start date and time in one input, as the cell
        # shows them, so the editor is no wider than the cell.
        self.start_moment: QDateTimeEdit | None = None
        self._syncing = False
        # The start and the end wrap onto two lines in a narrow form instead of widening it.
        self.start_group = self._group(
            self.has_date, self.start_date, self.start_time, self.all_day
        )
        self.end_group = self._group(self.has_end, self.end_date, self.end_time)
        self.lines = FlowArea(self)
        self.lines.flow.addWidget(self.start_group)
        self.lines.flow.addWidget(self.end_group)
        layout.addWidget(self.lines)
        self.zone = QLabel(self)
        self.zone.setStyleSheet("color: palette(mid); font-size: small;")
        self.zone.setWordWrap(True)
        layout.addWidget(self.zone)
        for box in (self.has_date, self.all_day, self.has_end):
            box.toggled.connect(self._on_toggle)
        self._update_visibility()

    def make_compact(self) -> None:
        """One line for a table cell (editing in place), no wider than the cell: start date
        and time in one input, as the cell shows them; no "all day" / "until" boxes unless the
        value has an end; no "has a date" box (Delete empties the date, and a key or a click
        in an empty one starts it at today); the time zone note as a tooltip instead of a
        second line that would lie over the row below."""
        self.compact = True
        self.zone.hide()
        # One line, never wrapped: the cell is one row high.
        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(2)
        outer = self.layout()
        assert isinstance(outer, QBoxLayout)
        outer.insertLayout(0, line)
        for group, stretch in ((self.start_group, 1), (self.end_group, 0)):
            self.lines.flow.removeWidget(group)
            line.addWidget(group, stretch)
        self.lines.hide()
        moment = QDateTimeEdit(self.start_group)
        moment.setCalendarPopup(True)
        moment.setDisplayFormat("yyyy-MM-dd HH:mm")
        moment.dateTimeChanged.connect(self._on_moment_changed)
        start_line = self.start_group.layout()
        assert isinstance(start_line, QBoxLayout)
        start_line.setSpacing(2)
        start_line.insertWidget(start_line.indexOf(self.start_date) + 1, moment)
        self.start_moment = moment
        for edit in (moment, self.start_date):
            # An empty date is shown as the input's special text, which Qt shows while the
            # input holds its least value.
            edit.setMinimumDate(_EMPTY_DAY)
            edit.setSpecialValueText(EMPTY_DATE_TEXT)
            self._fit_text(edit)
            edit.installEventFilter(self)
            edit.lineEdit().installEventFilter(self)
        self._sync_moment()
        self._update_visibility()

    def _group(self, *widgets: QWidget) -> QWidget:
        group = QWidget(self)
        line = QHBoxLayout(group)
        line.setContentsMargins(0, 0, 0, 0)
        for widget in widgets:
            line.addWidget(widget)
        return group

    @staticmethod
    def _fit_text(edit: QDateTimeEdit) -> None:
        """Let a compact input take the cell's width, down to what a date needs (Qt's own
        hint pads the widest possible text): the text, the line edit's margins and cursor,
        and what the style draws around the text field (frame, calendar arrow)."""
        sample = QDateTime(QDate(2000, 12, 28), QTime(20, 48))
        text = sample.toString(edit.displayFormat())
        option = QStyleOptionSpinBox()
        edit.initStyleOption(option)
        option.rect = QRect(0, 0, 200, edit.sizeHint().height())
        field = edit.style().subControlRect(
            QStyle.ComplexControl.CC_SpinBox, option, QStyle.SubControl.SC_SpinBoxEditField, edit
        )
        # The line edit sits a little inside the style's text field; its margins are 2 a side.
        around = option.rect.width() - field.width() + 3
        edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance(text) + 2 * 2 + 2 + around)
        edit.setSizePolicy(QSizePolicy.Policy.Ignored, edit.sizePolicy().verticalPolicy())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Compact inputs: Delete empties the date; a key or a click in an empty date
        starts it at today (a calendar then opens there, not at the empty mark)."""
        inputs = (self.start_moment, self.start_date)
        owner = watched.parent() if isinstance(watched, QLineEdit) else watched
        if self.compact and owner in inputs:
            kind = event.type()
            if isinstance(event, QKeyEvent) and kind == QEvent.Type.KeyPress:
                if event.key() == Qt.Key.Key_Delete and not event.modifiers():
                    if self.has_date.isChecked():
                        self.has_date.setChecked(False)
                    return True
                stepping = event.key() in _STEP_KEYS
                if not self.has_date.isChecked() and (stepping or event.text().strip()):
                    self._begin_date()
            elif kind == QEvent.Type.MouseButtonPress and not self.has_date.isChecked():
                self._begin_date()
        return super().eventFilter(watched, event)

    def _begin_date(self) -> None:
        self._syncing = True
        try:
            self.start_date.setDate(QDate.currentDate())
            self.start_time.setTime(QTime(0, 0))
        finally:
            self._syncing = False
        self.has_date.setChecked(True)

    def _on_moment_changed(self, moment: QDateTime) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            self.start_date.setDate(moment.date())
            self.start_time.setTime(moment.time())
        finally:
            self._syncing = False

    def _sync_moment(self) -> None:
        """Compact inputs show the start, or the empty mark for no date."""
        if not self.compact or self.start_moment is None:
            return
        self._syncing = True
        try:
            if self.has_date.isChecked():
                self.start_moment.setDateTime(
                    QDateTime(self.start_date.date(), self.start_time.time())
                )
            else:
                # The special text shows only at the least value, its time included.
                self.start_moment.setDateTime(self.start_moment.minimumDateTime())
                self.start_date.setDate(_EMPTY_DAY)
        finally:
            self._syncing = False

    def take_first_key(self, event: QKeyEvent) -> bool:
        """Typing on a date cell edits its start (an empty one starts from today): a digit
        starts the year, and more digits run on through month and day (20270517); any other
        key only puts the keyboard there."""
        if not self.has_date.isChecked():
            self._begin_date()
        # The one start input shown: date and time in one for a timed field, else the date.
        moment = self.start_moment
        target = moment if moment is not None and not moment.isHidden() else self.start_date
        target.setFocus()
        target.setSelectedSection(QDateTimeEdit.Section.YearSection)
        if event.text().isdigit():
            QCoreApplication.sendEvent(target, event)
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
        self._sync_moment()
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
        # Compact: never disabled (a disabled focus widget hands the keyboard away, and the
        # cell editor would stop hearing Esc and Enter); Delete empties it instead.
        self.start_date.setEnabled(on or self.compact)
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
            combined = timed and self.start_moment is not None
            self.start_date.setVisible(not combined)
            self.start_time.hide()
            if self.start_moment is not None:
                self.start_moment.setVisible(combined)
                self.setFocusProxy(self.start_moment if combined else self.start_date)
            # No box to tick: a key or a click in an empty date starts it (eventFilter).
            self.has_date.hide()
            self.start_date.setEnabled(True)
            self.all_day.hide()
            self.has_end.setVisible(ends and self.end_mode != "required")
            self.end_date.setVisible(ends)
            self.end_time.setVisible(ends and self._time_allowed())
            zone = self.rule.describe() + "\n" if self._time_allowed() else ""
            note = f"{zone}Delete empties the date."
            for widget in (self, self.start_date, self.start_time, self.end_date, self.end_time):
                widget.setToolTip(note)
            if self.start_moment is not None:
                self.start_moment.setToolTip(note)
        self.end_group.setVisible(
            not (self.has_end.isHidden() and self.end_date.isHidden() and self.end_time.isHidden())
        )

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
        self._sync_moment()
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
        self._sync_moment()
        self._update_visibility()
