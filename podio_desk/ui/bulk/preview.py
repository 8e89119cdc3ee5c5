"""The preview of a bulk change: one row per item, old → new per field, before anything is sent.

`PreviewModel` shows a `BulkPlan` (services/bulk_plan.py): the item, its title, what will
happen to it (change, no change, invalid, read-only, delete, create, not found) and one column
per changed field ("old → new"). The user may drop items and type a field's new value again:
it is read and validated like the editor's (`domain.bulk.fix_change`), and the item's status
follows. `PreviewDialog` adds the counts, the cost at the current budget, the workflow warning
and the buttons: drop, show as pending in the grid, start.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from podio_desk.domain.bulk import (
    FieldChange,
    ItemPlan,
    Operation,
    count_of,
    fix_change,
    workflow_warning,
)
from podio_desk.domain.workspace import App
from podio_desk.services.bulk_plan import BulkPlan

Index = QModelIndex | QPersistentModelIndex

STATUS_TEXT = {
    "change": "change",
    "noop": "no change",
    "invalid": "invalid",
    "read_only": "read-only",
    "delete": "delete",
    "create": "create",
    "missing": "not found",
}
# Tints of rows that will not be sent as planned (light enough for dark text, both themes).
STATUS_TINT = {
    "noop": QColor("#ececec"),
    "invalid": QColor("#f8d7d3"),
    "read_only": QColor("#f3ead0"),
    "missing": QColor("#f3ead0"),
    "delete": QColor("#f8e0e0"),
}
TINT_TEXT = QColor("#202020")
ARROW = " → "
# Columns before the fields: item id, title, status, why it will not be sent as planned.
FIXED_COLUMNS = ("Item", "Item title", "Action", "Problem")
PROBLEM_COLUMN = 3


def _id_text(item: ItemPlan) -> str:
    """The id column: "new" only for an item the job creates (a file import that asked for
    it); a link or id that named no item is "not found", never "new"."""
    if item.item_id is not None:
        return str(item.item_id)
    return "not found" if item.status == "missing" else "new"


def refreshed_status(item: ItemPlan, changes: Sequence[FieldChange]) -> ItemPlan:
    """`item` with new `changes`: its status and issues follow them (as in an edited plan
    file, services/bulk_plan.py `apply_fixes`)."""
    issues = tuple(c.issue for c in changes if c.issue is not None)
    if item.status in ("read_only", "missing", "delete"):
        return replace(item, changes=tuple(changes))
    if issues:
        status = "invalid"
    elif item.status == "create" or (item.status == "invalid" and item.item_id is None):
        status = "create"
    else:
        status = "change" if any(c.changed for c in changes) else "noop"
    return replace(item, changes=tuple(changes), issues=issues, status=status)  # type: ignore[arg-type]


# The engine's warnings name the command line's options; the window names its own.
_OPTION_WORDS = {
    "--no-hook": '"No webhooks or workflow automations"',
    "--silent": '"Silent"',
}


def same_but_counts(one: str, other: str) -> bool:
    """The same sentence, perhaps with other numbers in it ("the item" for one)."""

    def counts_out(text: str) -> str:
        return _NUMBER.sub("#", _ONE_ITEM.sub("each of the # items", text))

    return counts_out(one) == counts_out(other)


_NUMBER = re.compile(r"\d[\d,\s]*\d|\d")
_ONE_ITEM = re.compile(r"\bthe item\b")


def in_window_words(text: str) -> str:
    for option, words in _OPTION_WORDS.items():
        text = text.replace(option, words)
    return text


def typed_into(operations: Sequence[Operation], field: str, text: str) -> tuple[Operation, ...]:
    """An item's own operations with the value of `field` typed again (empty: cleared)."""
    typed = Operation("set", field, text) if text.strip() else Operation("clear", field)
    replaced = tuple(typed if op.field == field else op for op in operations)
    return replaced if typed in replaced else (*replaced, typed)


class PreviewModel(QAbstractTableModel):
    """See the module docstring. `plan()` is the plan as edited so far.

    Signals:
        plan_changed(): an item was dropped or a value fixed (the counts changed).
    """

    plan_changed = Signal()

    def __init__(self, plan: BulkPlan, app: App, parent: Any = None) -> None:
        super().__init__(parent)
        self._plan = plan
        self._app = app
        self._items: list[ItemPlan] = list(plan.items)
        # Each item's own operations (a paste), with the values fixed here typed in.
        self._per_item = dict(plan.per_item)
        self._fields = self._field_columns(self._items)
        self._tints = {status: QBrush(colour) for status, colour in STATUS_TINT.items()}
        self._tint_text = QBrush(TINT_TEXT)

    @staticmethod
    def _field_columns(items: Sequence[ItemPlan]) -> list[tuple[int, str]]:
        seen: dict[int, str] = {}
        for item in items:
            for change in item.changes:
                seen.setdefault(change.field_id, change.label or change.external_id)
        return list(seen.items())

    # ------------------------------------------------------------------ public

    def plan(self) -> BulkPlan:
        return replace(self._plan, items=list(self._items), per_item=dict(self._per_item))

    def item_at(self, row: int) -> ItemPlan | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def field_ids(self) -> list[int]:
        return [field_id for field_id, _label in self._fields]

    def drop_rows(self, rows: Sequence[int]) -> int:
        """Leave these items out of the job; the number dropped."""
        dropped = 0
        for row in sorted(set(rows), reverse=True):
            if 0 <= row < len(self._items):
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._items[row]
                self.endRemoveRows()
                dropped += 1
        if dropped:
            self.plan_changed.emit()
        return dropped

    def change_at(self, row: int, column: int) -> FieldChange | None:
        item = self.item_at(row)
        if item is None or column < len(FIXED_COLUMNS):
            return None
        field_id = self._fields[column - len(FIXED_COLUMNS)][0]
        return next((c for c in item.changes if c.field_id == field_id), None)

    # ------------------------------------------------------------------ Qt

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(FIXED_COLUMNS) + len(self._fields)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if 0 <= section < len(FIXED_COLUMNS):
            return FIXED_COLUMNS[section]
        index = section - len(FIXED_COLUMNS)
        if 0 <= index < len(self._fields):
            return self._fields[index][1]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        item = self.item_at(index.row())
        change = self.change_at(index.row(), index.column())
        if (
            item is not None
            and change is not None
            and item.status in ("change", "noop", "invalid", "create")
        ):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.item_at(index.row())
        if item is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._tints.get(item.status)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._tint_text if item.status in self._tints else None
        if column == 0:
            if role == Qt.ItemDataRole.DisplayRole:
                return _id_text(item)
            return None
        if column == 1:
            return item.title if role == Qt.ItemDataRole.DisplayRole else None
        if column == 2:
            if role == Qt.ItemDataRole.DisplayRole:
                return STATUS_TEXT.get(item.status, item.status)
            if role == Qt.ItemDataRole.ToolTipRole:
                return "\n".join(item.issues) or None
            return None
        if column == PROBLEM_COLUMN:
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                return "; ".join(item.issues) or None
            return None
        change = self.change_at(index.row(), column)
        if change is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if change.issue is not None:
                return f"{change.old_text}{ARROW}⚠ {change.new_text}".rstrip()
            if not change.changed:
                return change.old_text or "—"
            return f"{change.old_text or '—'}{ARROW}{change.new_text or '—'}"
        if role == Qt.ItemDataRole.EditRole:
            return change.new_text
        if role == Qt.ItemDataRole.ToolTipRole:
            if change.issue is not None:
                return f"Invalid: {change.issue}. Double-click to type another value."
            return f"{change.label}: {change.old_text!r} → {change.new_text!r}"
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """A fixed value: read and validated like the editor's; the item's status follows."""
        if role != Qt.ItemDataRole.EditRole or not (self.flags(index) & Qt.ItemFlag.ItemIsEditable):
            return False
        row = index.row()
        item = self._items[row]
        change = self.change_at(row, index.column())
        if change is None:
            return False
        fixed = fix_change(self._app, change, str(value))
        changes = [fixed if c.field_id == change.field_id else c for c in item.changes]
        self._items[row] = refreshed_status(item, changes)
        if item.item_id in self._per_item:
            self._per_item[item.item_id] = typed_into(
                self._per_item[item.item_id], change.external_id, str(value)
            )
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
        self.plan_changed.emit()
        return True


class PreviewDialog(QDialog):
    """The preview of a plan, editable, with its cost; `start_requested(plan)` when the user
    starts the job, `pending_toggled(bool)` for the coloured cells in the grid.

    Signals:
        start_requested(object): the edited `BulkPlan` to journal and run.
        pending_toggled(bool): show (or stop showing) the plan as pending cells in the grid.
        export_deleted_requested(object): the plan deletes items; export them first.
        export_then_start_requested(object): export the items to delete, then start the job.

    Nothing starts on Enter (no button is a default one): the start button asks first,
    naming the count and the change, and a delete offers the export before it.
    """

    start_requested = Signal(object)
    pending_toggled = Signal(bool)
    export_deleted_requested = Signal(object)
    export_then_start_requested = Signal(object)

    def __init__(
        self, plan: BulkPlan, app: App, parent: QWidget | None = None, *, back: bool = False
    ) -> None:
        super().__init__(parent)
        self.setObjectName("bulkPreviewDialog")
        self.setWindowTitle(f"Preview: bulk change of {plan.app_name}")
        self.model = PreviewModel(plan, app, self)
        self.summary = QLabel(self)
        self.summary.setObjectName("bulkPreviewSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warning = QLabel(self)
        self.warning.setObjectName("bulkPreviewWarning")
        self.warning.setWordWrap(True)
        self.table = QTableView(self)
        self.table.setObjectName("bulkPreviewTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 80)
        self.table.setColumnWidth(1, 260)
        self.table.setColumnWidth(2, 90)
        self.table.setColumnWidth(PROBLEM_COLUMN, 220)
        for column in range(len(FIXED_COLUMNS), self.model.columnCount()):
            self.table.setColumnWidth(column, 240)
        self.drop_button = QPushButton("&Drop selected items", self)
        self.drop_button.setObjectName("bulkDropButton")
        self.drop_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.drop_button.clicked.connect(self.drop_selected)
        self.pending_box = QCheckBox("Show as &pending changes in the table", self)
        self.pending_box.setObjectName("bulkPendingBox")
        self.pending_box.toggled.connect(self.pending_toggled)
        self.export_button = QPushButton("&Export the items to delete…", self)
        self.export_button.setObjectName("bulkExportDeletedButton")
        self.export_button.clicked.connect(lambda: self.export_deleted_requested.emit(self.plan()))
        self.buttons = QDialogButtonBox(self)
        # Not an accept role: the button box would make it the default button when shown.
        self.start_button = self.buttons.addButton(
            "&Start the job…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.start_button.setObjectName("bulkStartButton")
        self.back_button = self.buttons.addButton(
            "&Back to the change" if back else "Cancel", QDialogButtonBox.ButtonRole.RejectRole
        )
        self.back_button.setObjectName("bulkPreviewBack")
        self.start_button.clicked.connect(self.confirm_start)
        self.buttons.rejected.connect(self.reject)
        for button in (self.drop_button, self.export_button, self.start_button, self.back_button):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.confirm_box: QMessageBox | None = None
        row = QHBoxLayout()
        row.addWidget(self.drop_button)
        row.addWidget(self.export_button)
        row.addWidget(self.pending_box)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.warning)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.buttons)
        self.model.plan_changed.connect(self._show_summary)
        self.resize(1100, 640)
        self._show_summary()

    def plan(self) -> BulkPlan:
        return self.model.plan()

    def drop_selected(self) -> int:
        rows = [index.row() for index in self.table.selectionModel().selectedRows()]
        return self.model.drop_rows(rows)

    def summary_text(self) -> str:
        return self.summary.text()

    def _show_summary(self) -> None:
        plan = self.plan()
        counts = plan.counts
        parts = [
            f"{counts.changed:,} to change",
            f"{counts.unchanged:,} unchanged",
            f"{counts.invalid:,} invalid",
            f"{counts.read_only:,} read-only",
        ]
        if counts.deletes:
            parts.append(f"{counts.deletes:,} to delete")
        if counts.creates:
            parts.append(f"{counts.creates:,} to create")
        if counts.missing:
            parts.append(f"{counts.missing:,} not found")
        operations = "; ".join(plan.describe_operations())
        self.summary.setText(
            f"<b>{plan.app_name}</b>: {operations}<br>"
            f"{count_of(counts.planned, 'item')}: {', '.join(parts)}.<br>"
            f"<b>Cost:</b> {plan.cost()}"
            + (
                f" ({count_of(plan.read_calls, 'call')} "
                f"{'was' if plan.read_calls == 1 else 'were'} used to prepare)"
                if plan.read_calls
                else ""
            )
        )
        workflow = workflow_warning(plan.options.silent, plan.options.hook, counts.writes)
        # The plan's own workflow warning counted the items before any was dropped: the one
        # counted now replaces it.
        warnings = [w for w in plan.warnings if not (workflow and same_but_counts(w, workflow))]
        if workflow:
            warnings.append(workflow)
        warnings = [in_window_words(warning) for warning in warnings]
        if counts.deletes and not any("cannot restore" in w for w in warnings):
            warnings.append("Podio cannot restore deleted items: export them first.")
        self.warning.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warning.setVisible(bool(warnings))
        self.export_button.setVisible(bool(counts.deletes))
        self.start_button.setEnabled(counts.writes > 0)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter commits a cell's edit (the editor takes it) and never starts the job.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    def confirm_start(self) -> QMessageBox | None:
        """Ask before anything is sent: "Change 400 items?"; a delete asks on its own and
        offers the export first. The job starts only from an explicit click in this box."""
        plan = self.plan()
        counts = plan.counts
        if counts.writes == 0:
            return None
        box = QMessageBox(self)
        box.setObjectName("bulkStartConfirm")
        box.setWindowTitle(self.windowTitle())
        operations = "; ".join(plan.describe_operations())
        if counts.deletes:
            box.setIcon(QMessageBox.Icon.Warning)
            box.setText(f"Delete {count_of(counts.deletes, 'item')} of {plan.app_name}?")
            box.setInformativeText(
                "Podio cannot restore deleted items and Undo cannot bring them back. "
                "Export them to a file first to keep a copy."
            )
            export = box.addButton("&Export them, then delete…", QMessageBox.ButtonRole.AcceptRole)
            export.setObjectName("bulkConfirmExportThenDelete")
            go = box.addButton(
                f"&Delete {count_of(counts.deletes, 'item')} without export",
                QMessageBox.ButtonRole.DestructiveRole,
            )
        else:
            export = None
            box.setIcon(QMessageBox.Icon.Question)
            what = f"Change {count_of(counts.changed, 'item')}"
            if counts.creates:
                what += f" and create {counts.creates:,}"
            box.setText(f"{what}?")
            box.setInformativeText(f"{plan.app_name}: {operations}.\nCost: {plan.cost()}")
            go = box.addButton(f"&{what}", QMessageBox.ButtonRole.AcceptRole)
        go.setObjectName("bulkConfirmStart")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        # Enter in the box cancels: only a click (or its mnemonic) starts.
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)

        def answered(button: QAbstractButton) -> None:
            if button is go:
                self.start_requested.emit(plan)
                self.accept()
            elif export is not None and button is export:
                self.export_then_start_requested.emit(plan)

        box.buttonClicked.connect(answered)
        self.confirm_box = box
        box.open()
        return box
