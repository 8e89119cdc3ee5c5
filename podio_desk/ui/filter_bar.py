"""The bar above the item table: Podio views, full-text search, filters, counts, columns.

Filters use Podio's filter grammar (docs/podio-api.md, Filter keys), so the same query runs on the
server or in the cache: category → option ids, number/money/progress/duration/calculation →
{from, to}, date → {from: "YYYY-MM-DD", to: …}, relationship → item ids, contact → profile
ids (`null` in a list: "no value"). Text fields cannot be filtered (Podio ignores them); the
search box covers them, from the cache.

The active filters are chips on a line of their own that wraps (a flow layout), so they take
height, never width: adding filters cannot widen the window. Clicking a chip edits it; its ✕
removes it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from podio_desk.domain.errors import MalformedValueError
from podio_desk.domain.fields import FieldDef, FieldType
from podio_desk.domain.user_input import parse_range_bound
from podio_desk.domain.workspace import App, View
from podio_desk.ui.filters.date_range import DateRangeDialog
from podio_desk.ui.filters.elided_label import ElidedLabel
from podio_desk.ui.filters.flow_layout import FlowArea
from podio_desk.ui.filters.reference_picker import (
    EMPTY_LABEL,
    ReferencePicker,
    ReferenceSearch,
    Spawn,
)

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

# (id, label) pairs a relationship or contact filter offers before anything is typed: the
# values of the loaded rows.
CandidateSource = Callable[[FieldDef], Sequence[tuple[int, str]]]


def describe_filter(fdef: FieldDef, value: Any, labels: dict[int, str] | None = None) -> str:
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
            names: dict[Any, Any] = {
                option.get("id"): option.get("text")
                for option in fdef.settings.get("options", [])
                if isinstance(option, dict)
            }
            names[None] = EMPTY_LABEL
            return f"{fdef.label}: " + ", ".join(str(names.get(v, v)) for v in value)
        known = labels or {}
        texts = [EMPTY_LABEL if v is None else known.get(v) for v in value]
        if all(texts) and len(texts) <= 2:
            return f"{fdef.label}: " + ", ".join(str(t) for t in texts)
        return f"{fdef.label}: {len(value)} selected"
    return f"{fdef.label}: {value}"


def describe_count(
    shown: int, *, filtered: bool, searched: bool, cached: int | None, app_total: int | None
) -> str:
    """What the count beside the search box says. A search runs in the cache only, so its
    count names what it looked through, never a number that reads like the whole app's."""
    if not searched or cached is None:
        return f"{shown:,} matching" if filtered else f"{shown:,} items"
    found = f"{shown:,} found"
    if app_total is not None and cached < app_total:
        return f"{found} in the {cached:,} cached items of {app_total:,} — sync for all"
    return f"{found} in the {cached:,} cached items"


class RangeDialog(QDialog):
    """From/to for a number-like field; either end may stay empty (dates: DateRangeDialog)."""

    def __init__(
        self, fdef: FieldDef, current: dict[str, Any] | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Filter by {fdef.label}")
        self._fdef = fdef
        layout = QFormLayout(self)
        self.error = QLabel(self)
        self.error.setObjectName("filterError")
        self.error.setWordWrap(True)
        current = current or {}
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


class FilterChip(QWidget):
    """One active filter: its text (click to edit) and a ✕ (click to remove)."""

    def __init__(self, key: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"filterChip_{key}")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.edit_button = QToolButton(self)
        self.edit_button.setObjectName("chipEdit")
        self.edit_button.setText(text)
        self.edit_button.setToolTip("Change this filter")
        self.remove_button = QToolButton(self)
        self.remove_button.setObjectName("chipRemove")
        self.remove_button.setText("✕")
        self.remove_button.setToolTip("Remove this filter")
        layout.addWidget(self.edit_button)
        layout.addWidget(self.remove_button)

    def text(self) -> str:
        return self.edit_button.text()


class FilterBar(QWidget):
    """See the module docstring.

    Signals:
        filters_changed(dict): the active filters in Podio's grammar (key = field id text).
        search_changed(str): the search text, after a short pause in typing.
        view_selected(object): a Podio `View`, or None for "All items".
        columns_requested(): the user wants the column chooser.
        group_by_changed(object): the category `FieldDef` to group by, or None.
    """

    filters_changed = Signal(dict)
    group_by_changed = Signal(object)
    search_changed = Signal(str)
    view_selected = Signal(object)
    columns_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        self._app: App | None = None
        self._filters: dict[str, Any] = {}
        self._labels: dict[str, dict[int, str]] = {}  # names of chosen related items/contacts
        self._views: list[View] = []
        self.candidates: CandidateSource = lambda fdef: ()
        self.reference_search: ReferenceSearch | None = None
        self.spawn: Spawn | None = None
        self.open_editor: QDialog | None = None  # the filter dialog last opened
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 2, 4, 2)
        outer.setSpacing(2)
        layout = QHBoxLayout()
        layout.setSpacing(6)
        self.view_combo = ViewCombo(self)
        self.view_combo.setObjectName("viewCombo")
        self.view_combo.setToolTip("Podio views of this app (loaded when you open this list)")
        self.view_combo.setMinimumWidth(90)
        # Wide enough for any view name, whatever is listed when it first opens.
        self.view_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.view_combo.setMinimumContentsLength(16)
        self.view_combo.currentIndexChanged.connect(self._on_view_changed)
        self.search = QLineEdit(self)
        self.search.setObjectName("searchBox")
        self.search.setPlaceholderText("Search the cached items…")
        self.search.setToolTip(
            "Full-text search runs in the local cache: only the items synced or seen so far."
        )
        self.search.setClearButtonEnabled(True)
        self.search.setMaximumWidth(260)
        self.search.setMinimumWidth(64)  # a word stays readable in a narrow window
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
        self.group_button = QToolButton(self)
        self.group_button.setObjectName("groupButton")
        self.group_button.setText("Group")
        self.group_button.setToolTip("Group the items by a category")
        self.group_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.group_menu = QMenu(self.group_button)
        self.group_menu.aboutToShow.connect(self._fill_group_menu)
        self.group_button.setMenu(self.group_menu)
        # Long texts end in "…", never a reason for the window to grow; the tooltip has all.
        self.count_label = ElidedLabel(self)
        self.count_label.setObjectName("countLabel")
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.mode_label = ElidedLabel(self)
        self.mode_label.setObjectName("sortMode")
        self.mode_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        # The status bar says who sorts and filters; here it would only take the count's room.
        self.mode_label.hide()
        self.columns_button = QToolButton(self)
        self.columns_button.setText("Columns…")
        self.columns_button.clicked.connect(self.columns_requested)
        layout.addWidget(self.view_combo)
        layout.addWidget(self.search)
        layout.addWidget(self.filter_button)
        layout.addWidget(self.group_button)
        layout.addStretch(1)
        layout.addWidget(self.count_label)
        layout.addWidget(self.mode_label)
        layout.addWidget(self.columns_button)
        self.chip_area = FlowArea(self)
        self.chip_area.setObjectName("filterChips")
        self.chips = self.chip_area.flow
        self.chip_area.hide()
        outer.addLayout(layout)
        outer.addWidget(self.chip_area)

    # ------------------------------------------------------------------ public

    def set_app(self, app: App | None, views: Sequence[View] = ()) -> None:
        """A new app: no filters, no search, its views listed."""
        self._app = app
        self._filters = {}
        self._labels = {}
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
        self.group_button.setText("Group")

    def set_group_by(self, fdef: FieldDef | None) -> None:
        """Group by a category field (None: no grouping) and announce it."""
        self.group_button.setText(f"Group: {fdef.label}" if fdef is not None else "Group")
        self.group_by_changed.emit(fdef)

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
        if self.view_combo.view() is not None and self.view_combo.view().isVisible():
            # The list opened before the views arrived: let it take their size now.
            self.view_combo.hidePopup()
            self.view_combo.showPopup()

    @property
    def filters(self) -> dict[str, Any]:
        return dict(self._filters)

    def set_filter(self, key: str, value: Any | None, labels: dict[int, str] | None = None) -> None:
        """Set (or with None clear) one filter and announce the new set."""
        if labels:
            self._labels.setdefault(key, {}).update(labels)
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

    def set_count(
        self,
        shown: int | None,
        *,
        filtered: bool = False,
        searched: bool = False,
        cached: int | None = None,
        app_total: int | None = None,
    ) -> None:
        if shown is None:
            text = ""
        else:
            text = describe_count(
                shown, filtered=filtered, searched=searched, cached=cached, app_total=app_total
            )
        self.count_label.setText(text)

    def set_mode(self, text: str, tooltip: str = "") -> None:
        """Who sorts and filters: "Sorted by Podio" or "Sorted in the local cache"."""
        self.mode_label.setText(text)
        if tooltip:
            self.mode_label.setToolTip(f"{text}. {tooltip}")

    def filterable_fields(self) -> list[FieldDef]:
        if self._app is None:
            return []
        wanted = RANGE_TYPES | REFERENCE_TYPES | {FieldType.CATEGORY, FieldType.DATE}
        return [fdef for fdef in self._app.active_fields if fdef.field_type in wanted]

    def chip_widgets(self) -> list[FilterChip]:
        found = []
        for index in range(self.chips.count()):
            item = self.chips.itemAt(index)
            widget = item.widget() if item is not None else None
            if isinstance(widget, FilterChip):
                found.append(widget)
        return found

    def edit_filter(self, fdef: FieldDef, at: QPoint | None = None) -> None:
        """Open the editor of one field's filter (the Filter menu's entry, or its chip)."""
        kind = fdef.field_type
        if kind is FieldType.CATEGORY:
            menu = QMenu(self)
            self._add_options(menu, fdef)
            menu.popup(at if at is not None else self.mapToGlobal(self.rect().bottomLeft()))
        elif kind is FieldType.DATE:
            self._edit_date(fdef)
        elif kind in RANGE_TYPES:
            self._edit_range(fdef)
        else:
            self._edit_choice(fdef)

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
            if fdef.field_type is FieldType.CATEGORY:
                self._add_options(menu.addMenu(fdef.label), fdef)
            else:
                menu.addAction(f"{fdef.label}…", functools.partial(self.edit_filter, fdef))
        if self._filters:
            menu.addSeparator()
            menu.addAction("Clear all filters", lambda: self.set_filters({}, announce=True))

    def _fill_group_menu(self) -> None:
        menu = self.group_menu
        menu.clear()
        menu.addAction("No grouping", lambda: self.set_group_by(None))
        fields = [
            fdef
            for fdef in (self._app.active_fields if self._app is not None else ())
            if fdef.field_type is FieldType.CATEGORY
        ]
        if fields:
            menu.addSeparator()
        for fdef in fields:
            menu.addAction(fdef.label, functools.partial(self.set_group_by, fdef))

    def _add_options(self, menu: QMenu, fdef: FieldDef) -> None:
        key = str(fdef.field_id)
        chosen = set(self._filters.get(key, []))
        options: list[tuple[object, str]] = [
            (option.get("id"), str(option.get("text", option.get("id"))))
            for option in fdef.settings.get("options", [])
            if isinstance(option, dict) and option.get("status", "active") == "active"
        ]
        for option_id, text in [*options, (None, EMPTY_LABEL)]:
            action = QAction(text, menu)
            action.setCheckable(True)
            action.setChecked(option_id in chosen)
            action.toggled.connect(
                lambda checked, k=key, o=option_id: self._toggle_option(k, o, checked)
            )
            menu.addAction(action)
        # Several options may be ticked (any of them matches), so Qt keeps the menu open
        # after a tick; "Done" (or Esc, or a click outside) closes it.
        menu.setToolTipsVisible(True)
        menu.addSeparator()
        done = menu.addAction("Done")
        done.setToolTip("Close the menu; items with any ticked option are shown")

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
        self._open(dialog)

    def _edit_date(self, fdef: FieldDef) -> None:
        key = str(fdef.field_id)
        current = self._filters.get(key)
        dialog = DateRangeDialog(fdef, current if isinstance(current, dict) else None, self)
        dialog.accepted.connect(lambda: self.set_filter(key, dialog.value()))
        self._open(dialog)

    def _edit_choice(self, fdef: FieldDef) -> None:
        key = str(fdef.field_id)
        dialog = ReferencePicker(
            fdef,
            self._filters.get(key, []),
            self._labels.get(key, {}),
            self.reference_search,
            self.spawn,
            seen=self.candidates(fdef),
            parent=self,
        )
        dialog.accepted.connect(lambda: self.set_filter(key, dialog.value(), dict(dialog.chosen)))
        self._open(dialog)

    def _open(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.open_editor = dialog
        dialog.open()

    def _show_chips(self) -> None:
        while self.chips.count():
            item = self.chips.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        if self._app is None or not self._filters:
            self.chip_area.hide()
            return
        for key, value in self._filters.items():
            fdef = self._app.field(key)
            text = describe_filter(fdef, value, self._labels.get(key)) if fdef else key
            chip = FilterChip(key, text, self.chip_area)
            if fdef is not None:
                chip.edit_button.clicked.connect(
                    lambda _checked=False, f=fdef, c=chip: self.edit_filter(
                        f, c.mapToGlobal(c.rect().bottomLeft())
                    )
                )
            chip.remove_button.clicked.connect(
                lambda _checked=False, k=key: self.set_filter(k, None)
            )
            self.chips.addWidget(chip)
            chip.show()
        self.chip_area.show()
        self.chip_area.updateGeometry()

    def _on_view_changed(self, index: int) -> None:
        view_id = self.view_combo.itemData(index)
        view = next((v for v in self._views if v.view_id == view_id), None)
        self.view_selected.emit(view)

    def _search_now(self) -> None:
        self._search_timer.stop()
        self.search_changed.emit(self.search.text().strip())
