"""Saying a bulk change: which items, what to do to which field, and the options.

The items: the table's selected rows, every item matching the table's current filter or
Podio view (not only the loaded rows), pasted item ids or Podio links, or a CSV/XLSX file
whose rows are matched by item id or by a unique field. The change: one line per field with
an operation of `domain/bulk.py` (set, clear, add, remove, replace, shift, increment, copy,
from a file column, delete). A value to set is read and validated as the item editor does, and
its message shows under the line; the preview cannot be asked for while a line is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from podio_desk.domain.bulk import (
    Operation,
    check_operations,
    fields_for_operation,
    operation_warning,
    validate_operation,
    workflow_warning,
)
from podio_desk.domain.workspace import App
from podio_desk.services.bulk_plan import BulkOptions
from podio_desk.ui.bulk.preview import in_window_words
from podio_desk.ui.theme import Tone, set_tone

# Operation kinds as the user reads them, with what the argument box expects.
OPERATION_LABELS: tuple[tuple[str, str, str], ...] = (
    ("set", "Set to", "the new value"),
    ("clear", "Clear", ""),
    ("add", "Add", "option, item id, contact or tag to add"),
    ("remove", "Remove", "option, item id, contact or tag to remove"),
    ("replace", "Find / replace", "old/new"),
    ("shift", "Shift dates by", "+3d, -2w, +4h"),
    ("increment", "Add to number", "5 or -2.5"),
    ("copy", "Copy from field", "the other field"),
    ("column", "From file column", "the column's header"),
    ("delete", "Delete the items", ""),
)
SOURCES = ("selection", "filter", "pasted", "file")
WARNING_STYLE = "QLabel { color: #b3261e; }"
# Room left for the window frame when the dialog grows for another line.
SCREEN_MARGIN = 80


@dataclass(frozen=True)
class LineCheck:
    """`error`: the line cannot be previewed; `warning`: it can, but says something first."""

    error: str | None = None
    warning: str | None = None


def as_sentence(message: str) -> str:
    """One of the engine's messages as the window shows it: its option names in the window's
    words, a capital first letter and a full stop."""
    text = in_window_words(" ".join(message.split()))
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!", ")")) else text + "."


@dataclass(frozen=True)
class ItemChoice:
    """Which items the change is for, as the dialog says it (the controller turns it into a
    `Selection`, reading the file off the UI thread)."""

    source: str
    item_ids: tuple[int, ...] = ()
    filters: dict[str, Any] = field(default_factory=dict)
    pasted: tuple[str, ...] = ()
    path: Path | None = None
    key: str = "item_id"
    create_missing: bool = False


class OperationRow(QWidget):
    """One line of the change: operation, field, argument, and its validation message."""

    changed = Signal()
    remove_requested = Signal(object)

    def __init__(self, app: App, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self.kind = QComboBox(self)
        self.kind.setObjectName("bulkOperationKind")
        for kind, label, _hint in OPERATION_LABELS:
            self.kind.addItem(label, kind)
        self.field = QComboBox(self)
        self.field.setObjectName("bulkOperationField")
        self.argument = QLineEdit(self)
        self.argument.setObjectName("bulkOperationArgument")
        self.remove = QToolButton(self)
        self.remove.setText("✕")
        self.remove.setToolTip("Remove this change")
        self.remove.setAutoRaise(True)
        self.message = QLabel(self)
        self.message.setObjectName("bulkOperationMessage")
        set_tone(self.message, Tone.ERROR)
        self.message.setWordWrap(True)
        # The line keeps the message's room when it has none, so the lines below never move
        # under the pointer while typing.
        policy = self.message.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.message.setSizePolicy(policy)
        self.message.setMinimumHeight(self.message.fontMetrics().height())
        self.message.setVisible(False)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.kind, 0, 0)
        grid.addWidget(self.field, 0, 1)
        grid.addWidget(self.argument, 0, 2)
        grid.addWidget(self.remove, 0, 3)
        grid.addWidget(self.message, 1, 0, 1, 4)
        grid.setColumnStretch(2, 1)
        self.kind.currentIndexChanged.connect(self._on_kind)
        self.field.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.argument.textChanged.connect(lambda _t: self.changed.emit())
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))
        self._on_kind()

    def set(self, kind: str, field_name: str = "", argument: str = "") -> None:
        self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))
        self._fill_fields()
        if field_name:
            found = self.field.findData(field_name)
            if found < 0:
                found = self.field.findText(field_name, Qt.MatchFlag.MatchFixedString)
            self.field.setCurrentIndex(max(0, found))
        self.argument.setText(argument)

    def operation(self) -> Operation:
        """The line as an operation (the argument box is ignored where the kind takes none)."""
        kind = str(self.kind.currentData())
        argument = "" if kind in ("delete", "clear") else self.argument.text()
        name = "" if kind == "delete" else str(self.field.currentData() or "")
        return Operation.from_json({"op": kind, "field": name, "argument": argument})

    def check(self) -> LineCheck:
        """What is wrong with this line alone: the engine's own check of an operation
        (`domain.bulk.validate_operation`), as a sentence in the window's words."""
        operation = self.operation()
        error = validate_operation(self._app, operation)
        if error is not None:
            return LineCheck(error=as_sentence(error))
        warning = operation_warning(self._app, operation)
        return LineCheck(warning=as_sentence(warning) if warning else None)

    def problem(self) -> str | None:
        """The line's error (None: it may be previewed)."""
        return self.check().error

    def show_problem(self, problem: str | None, *, warning: bool = False) -> None:
        self.message.setText(f"⚠ {problem}" if problem and warning else problem or "")
        # Tones, not fixed colours: readable on light and dark windows (ui/theme.py).
        set_tone(self.message, Tone.WARNING if warning else Tone.ERROR)
        self.message.setVisible(bool(problem))

    def _fill_fields(self) -> None:
        """Only the fields this operation applies to; the chosen one stays if it fits."""
        current = self.field.currentData()
        self.field.blockSignals(True)
        self.field.clear()
        for label, external_id in fields_for_operation(self._app, str(self.kind.currentData())):
            self.field.addItem(label, external_id)
        self.field.setCurrentIndex(max(0, self.field.findData(current)))
        self.field.blockSignals(False)

    def _on_kind(self) -> None:
        kind = str(self.kind.currentData())
        hint = next(h for k, _label, h in OPERATION_LABELS if k == kind)
        self.argument.setPlaceholderText(hint)
        self.argument.setVisible(bool(hint))
        self._fill_fields()
        self.field.setVisible(kind != "delete")
        self.changed.emit()


class BulkChangeDialog(QDialog):
    """See the module docstring. `preview_requested(choice, operations, options)` when the
    user asks for the preview; the controller answers with `show_busy` / `show_error`.

    Signals:
        preview_requested(ItemChoice, list[Operation], BulkOptions)
    """

    preview_requested = Signal(object, object, object)

    def __init__(
        self,
        app: App,
        *,
        selected_ids: Sequence[int] = (),
        filters: dict[str, Any] | None = None,
        filtered_count: int | None = None,
        search: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("bulkChangeDialog")
        self.setWindowTitle(f"Bulk change: {app.name}")
        self.app = app
        self._selected_ids = tuple(selected_ids)
        self._filters = dict(filters or {})
        # Which items.
        items_box = QGroupBox("Items", self)
        self.sources = QButtonGroup(self)
        self.from_selection = QRadioButton(f"The {len(self._selected_ids):,} selected rows")
        self.from_selection.setEnabled(bool(self._selected_ids))
        count = f"{filtered_count:,} " if filtered_count is not None else ""
        self.from_filter = QRadioButton(
            f"All {count}items matching the table's filter or view"
            if self._filters
            else f"All {count}items of the app"
        )
        # A job selects by filter or view (`Selection`), never by the table's search: said
        # here, so "current filter" is not read as "the rows found".
        self.search_note = QLabel(self)
        self.search_note.setObjectName("bulkSearchNote")
        self.search_note.setWordWrap(True)
        self.search_note.setIndent(24)
        self.search_note.setText(
            f"The table\u2019s search \u201c{search.strip()}\u201d is not applied here: every "
            "item matching the filter is changed. To change only the rows found, select them."
            if search.strip()
            else ""
        )
        self.search_note.setVisible(bool(search.strip()))
        self.from_pasted = QRadioButton("These item ids or Podio links:")
        self.pasted = QPlainTextEdit(self)
        self.pasted.setObjectName("bulkPastedIds")
        self.pasted.setPlaceholderText("One id or link per line (or separated by spaces)")
        self.pasted.setFixedHeight(70)
        self.from_file = QRadioButton("The rows of a CSV or XLSX file:")
        self.path = QLineEdit(self)
        self.path.setObjectName("bulkFilePath")
        browse = QPushButton("Choose…", self)
        browse.clicked.connect(self._choose_file)
        self.key = QComboBox(self)
        self.key.setObjectName("bulkFileKey")
        self.key.addItem("item id", "item_id")
        for fdef in app.active_fields:
            self.key.addItem(fdef.label or fdef.external_id, fdef.external_id)
        self.create_missing = QCheckBox("Create items for rows that match none", self)
        for number, button in enumerate(
            (self.from_selection, self.from_filter, self.from_pasted, self.from_file)
        ):
            self.sources.addButton(button, number)
        (self.from_selection if self._selected_ids else self.from_filter).setChecked(True)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        file_row.addWidget(QLabel("matched by"))
        file_row.addWidget(self.key)
        items_layout = QVBoxLayout(items_box)
        items_layout.addWidget(self.from_selection)
        items_layout.addWidget(self.from_filter)
        items_layout.addWidget(self.search_note)
        items_layout.addWidget(self.from_pasted)
        items_layout.addWidget(self.pasted)
        items_layout.addWidget(self.from_file)
        items_layout.addLayout(file_row)
        items_layout.addWidget(self.create_missing)
        # What to change.
        change_box = QGroupBox("Change", self)
        self.rows_layout = QVBoxLayout()
        self.rows: list[OperationRow] = []
        add_row = QPushButton("Add another field", self)
        add_row.setObjectName("bulkAddOperation")
        add_row.clicked.connect(lambda: self.add_operation())
        change_layout = QVBoxLayout(change_box)
        change_layout.addLayout(self.rows_layout)
        change_layout.addWidget(add_row, 0, Qt.AlignmentFlag.AlignLeft)
        # Options.
        options_box = QGroupBox("Options", self)
        self.silent = QCheckBox("Silent: no notifications to followers", self)
        self.silent.setObjectName("bulkSilent")
        self.no_hook = QCheckBox("No webhooks or workflow automations", self)
        self.no_hook.setObjectName("bulkNoHook")
        self.options_warning = QLabel(self)
        self.options_warning.setObjectName("bulkOptionsWarning")
        self.options_warning.setWordWrap(True)
        options_layout = QFormLayout(options_box)
        options_layout.addRow(self.silent)
        options_layout.addRow(self.no_hook)
        options_layout.addRow(self.options_warning)
        self.status = QLabel(self)
        self.status.setObjectName("bulkChangeStatus")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(self)
        self.preview_button = self.buttons.addButton(
            "&Preview…", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.preview_button.setObjectName("bulkPreviewButton")
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.ask_preview)
        self.buttons.rejected.connect(self.reject)
        # The item sources keep one height whichever is chosen, and lines are appended below
        # the others: nothing moves under the pointer (the room left over goes to the end).
        items_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.addWidget(items_box)
        layout.addWidget(change_box)
        layout.addWidget(options_box)
        layout.addStretch(1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.silent.toggled.connect(lambda _c: self.validate())
        self.no_hook.toggled.connect(lambda _c: self.validate())
        self.sources.idToggled.connect(lambda _i, _c: self.validate())
        self.pasted.textChanged.connect(self._pasted_edited)
        self.path.textChanged.connect(self._path_edited)
        self.add_operation()
        self.resize(760, 620)

    # ------------------------------------------------------------------ public

    def add_operation(self, kind: str = "set", field_name: str = "", argument: str = "") -> None:
        row = OperationRow(self.app, self)
        row.set(kind, field_name, argument)
        row.changed.connect(self.validate)
        row.remove_requested.connect(self._remove_row)
        self.rows.append(row)
        self.rows_layout.addWidget(row)
        self.validate()
        # The dialog grows for the new line rather than squeezing the ones above it.
        layout = self.layout()
        if layout is not None and self.isVisible():
            row.show()
            layout.activate()
            needed = layout.totalSizeHint().height()
            screen = self.screen()
            if screen is not None:
                needed = min(needed, screen.availableGeometry().height() - SCREEN_MARGIN)
            if needed > self.height():
                self.resize(self.width(), needed)

    def operations(self) -> list[Operation]:
        return [row.operation() for row in self.rows]

    def options(self) -> BulkOptions:
        return BulkOptions(silent=self.silent.isChecked(), hook=not self.no_hook.isChecked())

    def choice(self) -> ItemChoice:
        source = SOURCES[max(0, self.sources.checkedId())]
        if source == "selection":
            return ItemChoice(source, item_ids=self._selected_ids)
        if source == "filter":
            return ItemChoice(source, filters=dict(self._filters))
        if source == "pasted":
            return ItemChoice(source, pasted=tuple(self.pasted.toPlainText().split()))
        text = self.path.text().strip()
        return ItemChoice(
            source,
            path=Path(text) if text else None,
            key=str(self.key.currentData()),
            create_missing=self.create_missing.isChecked(),
        )

    def validate(self) -> bool:
        """Show each line's problem under it and the options' warning; True when the preview
        may be asked for."""
        fine = bool(self.rows)
        operations: list[Operation] = []
        for row in self.rows:
            found = row.check()
            if found.error:
                row.show_problem(found.error)
                fine = False
            else:
                row.show_problem(found.warning, warning=True)
                operations.append(row.operation())
        if fine:
            together = check_operations(self.app, operations)
            if together:
                self.rows[-1].show_problem("; ".join(as_sentence(p) for p in together))
                fine = False
        choice = self.choice()
        source_problem = None
        if choice.source == "pasted" and not choice.pasted:
            source_problem = "Paste item ids or links first."
        elif choice.source == "file" and choice.path is None:
            source_problem = "Choose a CSV or XLSX file first."
        if (
            source_problem is None
            and any(op.kind == "column" for op in operations)
            and (choice.source != "file")
        ):
            source_problem = "A value from a file column needs the items from a file."
        options = self.options()
        # Before the items are counted: said of each item.
        warning = workflow_warning(options.silent, options.hook, 2)
        if warning:
            warning = in_window_words(warning.replace("each of the 2 items", "each item"))
        self.options_warning.setText(
            f"⚠ {warning[0].upper()}{warning[1:]}." if warning else "No notifications, no hooks."
        )
        self.status.setText(source_problem or "")
        self.status.setStyleSheet(WARNING_STYLE if source_problem else "")
        fine = fine and source_problem is None
        self.preview_button.setEnabled(fine)
        return fine

    def ask_preview(self) -> None:
        if not self.validate():
            return
        self.show_busy("Preparing the preview (reading what the cache lacks)…")
        self.preview_requested.emit(self.choice(), self.operations(), self.options())

    def show_again(self) -> None:
        """Back from the preview: the form as it was left, ready for another preview."""
        self.validate()
        self.open()

    def show_busy(self, text: str) -> None:
        self.status.setStyleSheet("")
        self.status.setText(text)
        self.preview_button.setEnabled(False)

    def show_error(self, text: str) -> None:
        self.status.setStyleSheet(WARNING_STYLE)
        self.status.setText(text)
        self.preview_button.setEnabled(True)

    # ------------------------------------------------------------------ slots

    def _remove_row(self, row: object) -> None:
        if isinstance(row, OperationRow) and row in self.rows and len(self.rows) > 1:
            self.rows.remove(row)
            row.setParent(None)
            row.deleteLater()
            self.validate()

    def _pasted_edited(self) -> None:
        if self.pasted.toPlainText().strip():
            self.from_pasted.setChecked(True)
        self.validate()

    def _path_edited(self, text: str) -> None:
        if text.strip():
            self.from_file.setChecked(True)
        self.validate()

    def _choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Items from a file", "", "Tables (*.csv *.xlsx);;All files (*)"
        )
        if path:
            self.path.setText(path)
