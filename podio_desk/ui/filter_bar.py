"""The bar above the item table: Podio views, full-text search, filters, counts, columns.

Filters use Podio's filter grammar (docs/podio-api.md, Filter keys), so the same query runs on the
server or in the cache: category → option ids, number/money/progress/duration/calculation →
{from, to}, date → {from: "YYYY-MM-DD", to: …}, relationship → item ids, contact → profile
ids. Text fields cannot be filtered (Podio ignores them); the search box covers them, from the
cache.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from podio_desk.domain.errors import MalformedValueError
from podio_desk.domain.fields import FieldDef, FieldType
from podio_desk.domain.user_input import parse_range_bound
from podio_desk.domain.workspace import App, View

SEARCH_DELAY_MS = 300
RANGE_TYPES = frozenset(
    {
        FieldType.NUMBER,
        FieldType.MONEY,
        FieldType.PROGRESS,
        FieldType.DURATION,
        FieldType.CALCULATION,
    }
)
REFERENCE_TYPES = frozenset({FieldType.APP, FieldType.CONTACT})

# (id, label) pairs a relationship or contact filter can offer: gathered from loaded rows.
CandidateSource = Callable[[FieldDef], Sequence[tuple[int, str]]]


def describe_filter(fdef: FieldDef, value: Any) -> str:
    """A short chip text for one active filter."""
    if isinstance(value, dict):
        low, high = value.get("from"), value.get("to")
        if low is not None and high is not None:
            return f"{fdef.label}: {low} to {high}"
        if low is not None:
            return f"{fdef.label} ≥ {low}"
        return f"{fdef.label} ≤ {high}"
    if isinstance(value, list):
        if fdef.field_type is FieldType.CATEGORY:
            names = {
                option.get("id"): option.get("text")
                for option in fdef.settings.get("options", [])
                if isinstance(option, dict)
            }
            return f"{fdef.label}: " + ", ".join(str(names.get(v, v)) for v in value)
        return f"{fdef.label}: {len(value)} selected"
    return f"{fdef.label}: {value}"


class RangeDialog(QDialog):
    """From/to for a number-like or date field; either end may stay empty."""

    def __init__(
        self, fdef: FieldDef, current: dict[str, Any] | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Filter by {fdef.label}")
        self._fdef = fdef
        self._is_date = fdef.field_type is FieldType.DATE
        layout = QFormLayout(self)
        self.error = QLabel(self)
        self.error.setStyleSheet("QLabel { color: #b02a20; }")
        current = current or {}
        if self._is_date:
            self.low_date = QDateEdit(self)
            self.high_date = QDateEdit(self)
            for edit, key in ((self.low_date, "from"), (self.high_date, "to")):
                edit.setCalendarPopup(True)
                edit.setSpecialValueText("—")
                edit.setMinimumDate(QDate(1900, 1, 1))
                text = current.get(key)
                if isinstance(text, str):
                    edit.setDate(QDate.fromString(text[:10], "yyyy-MM-dd"))
                else:
                    edit.setDate(edit.minimumDate())
            layout.addRow("From", self.low_date)
            layout.addRow("To", self.high_date)
        else:
            self.low = QLineEdit(self)
            self.high = QLineEdit(self)
            self.low.setPlaceholderText("no lower limit")
            self.high.setPlaceholderText("no upper limit")
            if current.get("from") is not None:
                self.low.setText(str(current["from"]))
            if current.get("to") is not None:
                self.high.setText(str(current["to"]))
            layout.addRow("From", self.low)
            layout.addRow("To", self.high)
        layout.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._accept_if_valid)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)

    def value(self) -> dict[str, Any] | None:
        """The range in Podio's grammar, or None when both ends are empty."""
        result: dict[str, Any] = {}
        if self._is_date:
            for date_edit, key in ((self.low_date, "from"), (self.high_date, "to")):
                if date_edit.date() != date_edit.minimumDate():
                    result[key] = date_edit.date().toString("yyyy-MM-dd")
        else:
            for line_edit, key in ((self.low, "from"), (self.high, "to")):
                bound = parse_range_bound(line_edit.text())
                if bound is not None:
                    result[key] = bound
        return result or None

    def _accept_if_valid(self) -> None:
        try:
            value = self.value()
        except MalformedValueError:
            self.error.setText("Enter numbers like 1200 or 99.5 (or leave a box empty).")
            return
        if value and "from" in value and "to" in value and value["from"] > value["to"]:
            self.error.setText("The lower limit is above the upper limit.")
            return
        self.accept()


class ChoiceDialog(QDialog):
    """Tick related items or contacts (those seen in the loaded rows)."""

    def __init__(
        self,
        fdef: FieldDef,
        candidates: Sequence[tuple[int, str]],
        chosen: Sequence[int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Filter by {fdef.label}")
        layout = QVBoxLayout(self)
        if not candidates:
            layout.addWidget(QLabel("No values seen yet in the loaded rows.", self))
        self.list = QListWidget(self)
        for ident, label in candidates:
            entry = QListWidgetItem(label or str(ident))
            entry.setData(Qt.ItemDataRole.UserRole, ident)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(
                Qt.CheckState.Checked if ident in chosen else Qt.CheckState.Unchecked
            )
            self.list.addItem(entry)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def value(self) -> list[int]:
        return [
            int(self.list.item(row).data(Qt.ItemDataRole.UserRole))
            for row in range(self.list.count())
            if self.list.item(row).checkState() == Qt.CheckState.Checked
        ]


class ViewCombo(QComboBox):
    """A combo box that says when its list is about to open (views load on demand).

    Signals:
        about_to_show(): the user opened the list.
    """

    about_to_show = Signal()

    def showPopup(self) -> None:
        """Reimplements QComboBox.showPopup."""
        self.about_to_show.emit()
        super().showPopup()


class FilterBar(QWidget):
    """See the module docstring.

    Signals:
        filters_changed(dict): the active filters in Podio's grammar (key = field id text).
        search_changed(str): the search text, after a short pause in typing.
        view_selected(object): a Podio `View`, or None for "All items".
        columns_requested(): the user wants the column chooser.
    """

    filters_changed = Signal(dict)
    search_changed = Signal(str)
    view_selected = Signal(object)
    columns_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        self._app: App | None = None
        self._filters: dict[str, Any] = {}
        self._views: list[View] = []
        self.candidates: CandidateSource = lambda fdef: ()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(6)
        self.view_combo = ViewCombo(self)
        self.view_combo.setObjectName("viewCombo")
        self.view_combo.setToolTip("Podio views of this app (loaded when you open this list)")
        self.view_combo.setMinimumWidth(140)
        self.view_combo.currentIndexChanged.connect(self._on_view_changed)
        self.search = QLineEdit(self)
        self.search.setObjectName("searchBox")
        self.search.setPlaceholderText("Search (local cache)…")
        self.search.setClearButtonEnabled(True)
        self.search.setMaximumWidth(260)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(
            lambda: self.search_changed.emit(self.search.text().strip())
        )
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._search_now)
        self.filter_button = QToolButton(self)
        self.filter_button.setObjectName("filterButton")
        self.filter_button.setText("Filter")
        self.filter_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.filter_menu = QMenu(self.filter_button)
        self.filter_menu.aboutToShow.connect(self._fill_filter_menu)
        self.filter_button.setMenu(self.filter_menu)
        self.chips = QHBoxLayout()
        self.chips.setSpacing(4)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("countLabel")
        self.mode_label = QLabel(self)
        self.mode_label.setObjectName("sortMode")
        self.mode_label.setStyleSheet("QLabel { color: #666666; }")
        self.columns_button = QToolButton(self)
        self.columns_button.setText("Columns…")
        self.columns_button.clicked.connect(self.columns_requested)
        layout.addWidget(self.view_combo)
        layout.addWidget(self.search)
        layout.addWidget(self.filter_button)
        layout.addLayout(self.chips)
        layout.addStretch(1)
        layout.addWidget(self.count_label)
        layout.addWidget(self.mode_label)
        layout.addWidget(self.columns_button)

    # ------------------------------------------------------------------ public

    def set_app(self, app: App | None, views: Sequence[View] = ()) -> None:
        """A new app: no filters, no search, its views listed."""
        self._app = app
        self._filters = {}
        self._views = list(views)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._search_timer.stop()
        self.view_combo.blockSignals(True)
        self.view_combo.clear()
        self.view_combo.addItem("All items", None)
        for view in self._views:
            self.view_combo.addItem(view.name, view.view_id)
        self.view_combo.setCurrentIndex(0)
        self.view_combo.blockSignals(False)
        self._show_chips()

    def set_views(self, views: Sequence[View]) -> None:
        current = self.view_combo.currentData()
        self._views = list(views)
        self.view_combo.blockSignals(True)
        self.view_combo.clear()
        self.view_combo.addItem("All items", None)
        for view in self._views:
            self.view_combo.addItem(view.name, view.view_id)
        index = self.view_combo.findData(current)
        self.view_combo.setCurrentIndex(max(0, index))
        self.view_combo.blockSignals(False)

    @property
    def filters(self) -> dict[str, Any]:
        return dict(self._filters)

    def set_filter(self, key: str, value: Any | None) -> None:
        """Set (or with None clear) one filter and announce the new set."""
        if value is None or value == [] or value == {}:
            self._filters.pop(key, None)
        else:
            self._filters[key] = value
        self._show_chips()
        self.filters_changed.emit(dict(self._filters))

    def set_filters(self, filters: dict[str, Any], *, announce: bool = False) -> None:
        self._filters = dict(filters)
        self._show_chips()
        if announce:
            self.filters_changed.emit(dict(self._filters))

    def set_count(self, shown: int | None, *, filtered: bool = False) -> None:
        if shown is None:
            self.count_label.setText("")
        elif filtered:
            self.count_label.setText(f"{shown:,} matching")
        else:
            self.count_label.setText(f"{shown:,} items")

    def set_mode(self, text: str, tooltip: str = "") -> None:
        """Who sorts and filters: "Sorted by Podio" or "Sorted in the local cache"."""
        self.mode_label.setText(text)
        self.mode_label.setToolTip(tooltip)

    def filterable_fields(self) -> list[FieldDef]:
        if self._app is None:
            return []
        wanted = RANGE_TYPES | REFERENCE_TYPES | {FieldType.CATEGORY, FieldType.DATE}
        return [fdef for fdef in self._app.active_fields if fdef.field_type in wanted]

    # ------------------------------------------------------------------ menu

    def _fill_filter_menu(self) -> None:
        menu = self.filter_menu
        menu.clear()
        fields = self.filterable_fields()
        if not fields:
            action = menu.addAction("No filterable fields")
            action.setEnabled(False)
            return
        for fdef in fields:
            key = str(fdef.field_id)
            kind = fdef.field_type
            if kind is FieldType.CATEGORY:
                sub = menu.addMenu(fdef.label)
                chosen = set(self._filters.get(key, []))
                for option in fdef.settings.get("options", []):
                    if not isinstance(option, dict) or option.get("status", "active") != "active":
                        continue
                    action = QAction(str(option.get("text", option.get("id"))), sub)
                    action.setCheckable(True)
                    action.setChecked(option.get("id") in chosen)
                    option_id = option.get("id")
                    action.toggled.connect(
                        lambda checked, k=key, o=option_id: self._toggle_option(k, o, checked)
                    )
                    sub.addAction(action)
            elif kind in RANGE_TYPES or kind is FieldType.DATE:
                menu.addAction(f"{fdef.label}…", functools.partial(self._edit_range, fdef))
            else:
                menu.addAction(f"{fdef.label}…", functools.partial(self._edit_choice, fdef))
        if self._filters:
            menu.addSeparator()
            menu.addAction("Clear all filters", lambda: self.set_filters({}, announce=True))

    def _toggle_option(self, key: str, option_id: object, checked: bool) -> None:
        chosen = [value for value in self._filters.get(key, []) if value != option_id]
        if checked:
            chosen.append(option_id)
        self.set_filter(key, chosen)

    def _edit_range(self, fdef: FieldDef) -> None:
        key = str(fdef.field_id)
        current = self._filters.get(key)
        dialog = RangeDialog(fdef, current if isinstance(current, dict) else None, self)
        dialog.accepted.connect(lambda: self.set_filter(key, dialog.value()))
        dialog.open()

    def _edit_choice(self, fdef: FieldDef) -> None:
        key = str(fdef.field_id)
        dialog = ChoiceDialog(fdef, self.candidates(fdef), self._filters.get(key, []), self)
        dialog.accepted.connect(lambda: self.set_filter(key, dialog.value()))
        dialog.open()

    def _show_chips(self) -> None:
        while self.chips.count():
            item = self.chips.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if self._app is None:
            return
        for key, value in self._filters.items():
            fdef = self._app.field(key)
            chip = QToolButton(self)
            chip.setObjectName(f"filterChip_{key}")
            chip.setText(f"{describe_filter(fdef, value) if fdef else key}  ✕")
            chip.setToolTip("Remove this filter")
            chip.setStyleSheet(
                "QToolButton { background: #e3ecfa; border: 1px solid #9fb7e0; border-radius: 8px;"
                " padding: 1px 6px; }"
            )
            chip.clicked.connect(lambda _checked=False, k=key: self.set_filter(k, None))
            self.chips.addWidget(chip)

    def _on_view_changed(self, index: int) -> None:
        view_id = self.view_combo.itemData(index)
        view = next((v for v in self._views if v.view_id == view_id), None)
        self.view_selected.emit(view)

    def _search_now(self) -> None:
        self._search_timer.stop()
        self.search_changed.emit(self.search.text().strip())
