"""The category editor: a drop-down for one option, check boxes for several."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from podio_desk.domain.fields import (
    EMPTY,
    CategoryOption,
    CategoryValue,
    FieldDef,
    FieldValue,
    category_options,
    parse_user_text,
)
from podio_desk.ui.editor.context import EditorContext
from podio_desk.ui.editor.fields.base import FieldEditor, _fit_list, _vbox

# A category with more options than this gets a search box.
MANY_OPTIONS = 8


def color_icon(color: str | None, size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(f"#{color}") if color else QColor("#dddddd"))
    return QIcon(pixmap)


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
