"""The item editor: a form built from the app's fields, as a dock and as a dialog.

Entry points for the main window: `ItemEditorDock.open_item(app_id, item_id)`,
`ItemEditorDialog.open_item(...)`, `new_item(app_id)`. After a save the service emits
`ItemSaved` (see services/editing.py) and the editor emits `item_saved(Item)`.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDockWidget,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from podio_desk.domain.conflicts import Choice, ItemConflict, build_conflict
from podio_desk.domain.errors import DomainError
from podio_desk.domain.fields import EMPTY, FieldDef, FieldType, FieldValue, display_text, validate
from podio_desk.domain.items import Item, ItemChange
from podio_desk.domain.workspace import App
from podio_desk.services.editing import (
    Conflicted,
    Deleted,
    EditingService,
    Failed,
    Invalid,
    NothingToSave,
    Queued,
    Rejected,
    Saved,
    SaveOutcome,
)
from podio_desk.ui.editor.conflict import ConflictView
from podio_desk.ui.editor.context import EditorContext, TaskRunnerLike
from podio_desk.ui.editor.fields import ERROR_COLOR, FieldEditor, create_editor
from podio_desk.ui.editor.panes import SidePanes
from podio_desk.ui.editor.unsaved import keep_changes
from podio_desk.ui.filters.flow_layout import FlowArea
from podio_desk.ui.theme import banner_background
from podio_desk.ui.time_zone import TimeZoneSetting, current_rule

# Put before the title while the form holds unsaved changes.
MODIFIED_MARK = "\u2022 "


class EditorState(enum.Enum):
    EMPTY = "empty"
    LOADING = "loading"
    READY = "ready"
    SAVING = "saving"
    SAVED = "saved"
    INVALID = "invalid"
    REJECTED = "rejected"
    CONFLICT = "conflict"
    DELETED = "deleted"
    FAILED = "failed"


class _FieldRow:
    def __init__(self, fdef: FieldDef, editor: FieldEditor, label: QLabel, error: QLabel) -> None:
        self.fdef = fdef
        self.editor = editor
        self.label = label
        self.error = error


def _field_form(form: QWidget) -> QFormLayout:
    """The form's layout: labels beside their fields, or above a field that does not fit
    beside its label (a narrow dock), so the form never needs more width than its widest
    field."""
    layout = QFormLayout(form)
    layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    layout.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    layout.setFormAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    layout.setVerticalSpacing(2)
    return layout


def _tags_from_text(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for piece in text.split(","):
        tag = piece.strip()
        if tag:
            seen.setdefault(tag, None)
    return tuple(seen)


class ItemEditor(QWidget):
    """Edits one item (or a new one) of one app.

    Signals:
        item_saved(Item): saved, created or reverted; the table refreshes the row from it.
        item_deleted(int): the item was deleted (by us, or found deleted on save).
        open_requested(object, int): a linked item should be opened (app id or None, item id).
        state_changed(str): an `EditorState` value.
        modified_changed(bool): the form now holds (or no longer holds) unsaved values.
    """

    item_saved = Signal(object)
    item_deleted = Signal(int)
    open_requested = Signal(object, int)
    state_changed = Signal(str)
    modified_changed = Signal(bool)

    def __init__(
        self,
        service: EditingService,
        runner: TaskRunnerLike,
        parent: QWidget | None = None,
        *,
        task_prefix: str = "editor",
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self.context = EditorContext(
            service=service, runner=runner, open_item=self._request_open, task_prefix=task_prefix
        )
        self.app: App | None = None
        self.item: Item | None = None  # None while creating a new item
        self.rows: dict[int, _FieldRow] = {}
        self.state = EditorState.EMPTY
        self.last_outcome: SaveOutcome | None = None
        self.unsaved_json = ""
        self.conflict: ItemConflict | None = None
        self.task: asyncio.Task[Any] | None = None
        self.title_text = "No item open"
        self.modified = False
        self._setup_ui()

    # ------------------------------------------------------------ building

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.title = QLabel("No item open", self)
        self.title.setStyleSheet("font-size: 17px; font-weight: 600;")
        self.title.setWordWrap(True)
        self.subtitle = QLabel(self)
        self.subtitle.setStyleSheet("color: palette(mid);")
        # Titles and names come from Podio: shown as written, never read as markup.
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.subtitle.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)

        self.save_button = QPushButton("Save", self)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.discard_button = QPushButton("Discard changes", self)
        self.discard_button.clicked.connect(self.discard)
        self.new_button = QPushButton("New", self)
        self.new_button.clicked.connect(lambda: self.app and self.new_item(self.app.app_id))
        self.duplicate_button = QPushButton("Duplicate", self)
        self.duplicate_button.clicked.connect(self.duplicate)
        self.delete_button = QPushButton("Delete…", self)
        self.delete_button.clicked.connect(self.confirm_delete)
        self.silent_box = QCheckBox("Silent", self)
        self.silent_box.setToolTip("Save without notifying followers or showing it in the stream")
        self.hook_box = QCheckBox("Run webhooks", self)
        self.hook_box.setChecked(True)
        self.hook_box.setToolTip("Let this save trigger the app's webhooks")
        # The buttons wrap onto a second line in a narrow dock instead of widening it.
        self.button_row = FlowArea(self)
        self.button_row.setObjectName("editorButtons")
        for widget in (
            self.save_button,
            self.discard_button,
            self.new_button,
            self.duplicate_button,
            self.delete_button,
            self.silent_box,
            self.hook_box,
        ):
            self.button_row.flow.addWidget(widget)
        layout.addWidget(self.button_row)
        save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        save_shortcut.activated.connect(self.save)
        self.reload_action = QAction("Reload", self)
        self.reload_action.setObjectName("reload_item_action")
        self.reload_action.setToolTip("Read this item again from Podio (F5)")
        self.reload_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.reload_action.triggered.connect(self.reload)
        self.reload_button = QPushButton("Reload", self)
        self.reload_button.setToolTip(self.reload_action.toolTip())
        self.reload_button.clicked.connect(self.reload_action.trigger)
        self.button_row.flow.insert_widget(5, self.reload_button)

        self.banner = QFrame(self)
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(8, 4, 8, 4)
        self.banner_text = QLabel(self.banner)
        self.banner_text.setWordWrap(True)
        self.banner_text.setTextFormat(Qt.TextFormat.PlainText)
        self.banner_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_json_button = QPushButton("Copy as JSON", self.banner)
        self.copy_json_button.clicked.connect(self.copy_unsaved_json)
        self.copy_text_button = QPushButton("Copy as text", self.banner)
        self.copy_text_button.clicked.connect(self.copy_unsaved_text)
        banner_layout.addWidget(self.banner_text, 1)
        banner_layout.addWidget(self.copy_json_button)
        banner_layout.addWidget(self.copy_text_button)
        # The banner's place is kept while it is hidden, so the form never jumps when a
        # message appears or goes.
        policy = self.banner.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.banner.setSizePolicy(policy)
        self.banner.setMinimumHeight(self.banner.sizeHint().height())
        self.banner.hide()
        layout.addWidget(self.banner)

        self.pages = QStackedWidget(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.form = QWidget()
        self.grid = _field_form(self.form)
        self.scroll_area.setWidget(self.form)
        self.side = SidePanes(self.context, self)
        self.side.history.outcome.connect(self._on_history_outcome)
        self.side.files.item_changed.connect(self._on_files_changed)
        self.side.files.not_removed.connect(self._on_file_not_removed)
        self.splitter.addWidget(self.scroll_area)
        self.splitter.addWidget(self.side)
        # The form wraps (labels above fields) down to its widest field.
        self.scroll_area.setMinimumWidth(300)
        self.side.setMinimumWidth(260)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([900, 440])
        self.conflict_view = ConflictView(self.context, self)
        self.conflict_view.resolved.connect(self.resolve_conflict)
        self.conflict_view.cancelled.connect(self._back_to_form)
        self.pages.addWidget(self.splitter)
        self.pages.addWidget(self.conflict_view)
        layout.addWidget(self.pages, 1)
        # The one time zone rule, stated where dates are typed (ui/time_zone.py).
        zone_row = QHBoxLayout()
        self.zone_rule = QLabel(self)
        self.zone_rule.setObjectName("time-zone-rule")
        self.zone_rule.setTextFormat(Qt.TextFormat.PlainText)
        self.zone_rule.setStyleSheet("color: palette(mid);")
        self.zone_rule.setWordWrap(True)  # a long zone name never widens the dock
        self.machine_zone_box = QCheckBox(self)
        self.machine_zone_box.setObjectName("use-machine-time-zone")
        self.machine_zone_box.toggled.connect(self._on_machine_zone_toggled)
        self.machine_zone_box.hide()
        zone_row.addWidget(self.zone_rule, 1)
        zone_row.addWidget(self.machine_zone_box)
        layout.addLayout(zone_row)
        self.time_zone_setting: TimeZoneSetting | None = None
        self._show_time_rule()
        self.tags = QLineEdit(self)
        self.tags.hide()
        self._set_state(EditorState.EMPTY)

    def event(self, event: QEvent) -> bool:
        # F5 inside the editor reloads the item; the window's F5 (reload workspaces) must
        # not also claim it, so the key is taken here before shortcuts are matched.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_F5
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_F5 and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.reload_action.trigger()
            return
        super().keyPressEvent(event)

    def set_time_zone_setting(self, setting: TimeZoneSetting) -> None:
        """Offer the choice of zone (the setting the window keeps)."""
        self.time_zone_setting = setting
        self._show_time_rule()

    def _show_time_rule(self) -> None:
        rule = current_rule()
        self.zone_rule.setText(rule.describe())
        setting = self.time_zone_setting
        self.machine_zone_box.setVisible(setting is not None)
        self.machine_zone_box.blockSignals(True)
        self.machine_zone_box.setChecked(rule.use_machine)
        self.machine_zone_box.blockSignals(False)
        self.machine_zone_box.setText(
            f"Use this computer's time zone ({rule.machine_zone_name or 'local time'})"
        )

    def _on_machine_zone_toggled(self, on: bool) -> None:
        if self.time_zone_setting is not None:
            self.time_zone_setting.set_use_machine(on)

    def time_rule_changed(self) -> None:
        """The zone changed: an untouched item is shown again in it; a form holding typed
        dates keeps the zone they were typed in until it is saved or discarded."""
        self._show_time_rule()
        settled = self.state in (EditorState.READY, EditorState.SAVED)
        if self.app is not None and settled and not self.is_modified():
            message = self.message
            self.show_item(self.app, self.item)
            self._say(message)

    def _set_state(self, state: EditorState) -> None:
        self.state = state
        has_item = self.app is not None
        editable = has_item and state not in (
            EditorState.LOADING,
            EditorState.SAVING,
            EditorState.DELETED,
            EditorState.CONFLICT,
        )
        self._editable = editable
        self._refresh_modified()
        self.reload_button.setEnabled(
            self.item is not None and state not in (EditorState.LOADING, EditorState.SAVING)
        )
        self.new_button.setEnabled(has_item and state is not EditorState.SAVING)
        exists = self.item is not None and state is not EditorState.DELETED
        self.duplicate_button.setEnabled(exists and editable)
        self.delete_button.setEnabled(exists and editable)
        self.state_changed.emit(state.value)

    def _say(self, text: str, *, kind: str = "info", copy: bool = False) -> None:
        self.banner.setStyleSheet(
            f"QFrame {{ background: {banner_background(kind)}; border-radius: 4px; }}"
        )
        self.banner_text.setText(text)
        self.copy_json_button.setVisible(copy)
        self.copy_text_button.setVisible(copy)
        self.banner.setVisible(bool(text))

    @property
    def message(self) -> str:
        return "" if self.banner.isHidden() else self.banner_text.text()

    def _build_form(self, app: App) -> None:
        old = self.scroll_area.takeWidget()
        if old is not None:
            old.deleteLater()
        self.form = QWidget()
        self.grid = _field_form(self.form)
        self.rows = {}
        self.context.app = app
        for fdef in app.active_fields:
            if fdef.field_type is FieldType.SEPARATOR:
                editor = create_editor(fdef, self.context, self.form)
                self.grid.addRow(editor)
                unused_label, unused_error = QLabel(self.form), QLabel(self.form)
                unused_label.hide()
                unused_error.hide()
                self.rows[fdef.field_id] = _FieldRow(fdef, editor, unused_label, unused_error)
                continue
            text = fdef.label + (" *" if fdef.required else "")
            label = QLabel(text, self.form)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setContentsMargins(0, 4, 0, 0)
            description = fdef.config.get("description")
            tip = description if isinstance(description, str) and description else ""
            if fdef.required:
                tip = (tip + "\n" if tip else "") + "Required"
                label.setStyleSheet("font-weight: 600;")
            label.setToolTip(tip)
            # The field and its error line under it, as one field of the form.
            cell = QWidget(self.form)
            cell_layout = QVBoxLayout(cell)
            cell_layout.setContentsMargins(0, 0, 0, 0)
            cell_layout.setSpacing(2)
            editor = create_editor(fdef, self.context, cell)
            error = QLabel(cell)
            error.setStyleSheet(f"color: {ERROR_COLOR};")
            error.setWordWrap(True)
            error.hide()
            cell_layout.addWidget(editor)
            cell_layout.addWidget(error)
            self.grid.addRow(label, cell)
            row = _FieldRow(fdef, editor, label, error)
            self.rows[fdef.field_id] = row
            editor.changed.connect(lambda row=row: self._check_row(row))
            editor.changed.connect(self._refresh_modified)
        self.tags.deleteLater()
        self.tags = QLineEdit(self.form)
        self.tags.setPlaceholderText("tag, another tag")
        self.tags.textChanged.connect(self._on_any_change)
        self.tags.textChanged.connect(self._refresh_modified)
        tags_label = QLabel("Item tags", self.form)
        self.grid.addRow(tags_label, self.tags)
        self.scroll_area.setWidget(self.form)

    # ------------------------------------------------------------ opening

    def open_item(self, app_id: int | None, item_id: int) -> asyncio.Task[Any] | None:
        """Load and show an item (the main window calls this on `item_activated`).

        With unsaved changes the user is asked first; None when they chose to stay.
        """
        if not self.confirm_leave(lambda: self.open_item(app_id, item_id)):
            return None
        self._set_state(EditorState.LOADING)
        self._say("Loading…")
        self.task = self.runner.run(f"{self.context.task_prefix}:load", self._load(app_id, item_id))
        return self.task

    async def _load(self, app_id: int | None, item_id: int) -> None:
        try:
            app, item = await self.service.load(item_id, app_id)
        except Exception as exc:  # shown in the editor
            self._say(
                f"The item could not be opened: {getattr(exc, 'user_message', exc)}", kind="error"
            )
            self._set_state(EditorState.FAILED if self.app is None else EditorState.READY)
            return
        self.show_item(app, item)
        note = self.service.offline_note(item.item_id)
        if note:
            self._say(note, kind="warn")

    def show_item(self, app: App, item: Item | None) -> None:
        """Show `item` of `app` (None: a new, empty item)."""
        rebuild = self.app is None or self.app.app_id != app.app_id or self.app.fields != app.fields
        self.app = app
        self.item = item
        if rebuild or not self.rows:
            self._build_form(app)
        for field_id, row in self.rows.items():
            row.editor.set_value(item.value(field_id) if item is not None else EMPTY)
            row.error.hide()
        self.tags.blockSignals(True)
        self.tags.setText(", ".join(item.tags) if item is not None else "")
        self.tags.blockSignals(False)
        if item is not None:
            self.title_text = item.title or f"Item #{item.item_id}"
            number = f"#{item.app_item_id} · " if item.app_item_id is not None else ""
            odd = " · \u26a0 could not be read fully" if item.problems else ""
            self.subtitle.setText(f"{app.name} · {number}revision {item.revision}{odd}")
            self.subtitle.setToolTip("\n".join(item.problems))
            self.side.show_item(app, item)
            self.side.setEnabled(True)
        else:
            self.title_text = f"New {app.item_name or 'item'}"
            self.subtitle.setText(app.name)
            self.subtitle.setToolTip("")
            self.side.clear()
            self.side.setEnabled(False)
        self.pages.setCurrentWidget(self.splitter)
        self.unsaved_json = ""
        self._say("")
        self._set_state(EditorState.READY)

    def confirm_leave(self, then: Callable[[], object] | None = None) -> bool:
        """True when nothing unsaved would be lost, or the user chose to discard it.

        Save / Discard / Cancel: on Save this answers False and `then` runs once saved."""
        description = self.unsaved_description()
        if description is None:
            return True
        return keep_changes([(self, description)], self.runner, self, then)

    # ------------------------------------------------------------ unsaved work

    def is_modified(self) -> bool:
        """Whether the form holds values not saved yet (without marking anything red)."""
        if self.app is None or self.state in (EditorState.DELETED, EditorState.EMPTY):
            return False
        if self.state is EditorState.CONFLICT:
            return True
        if any(row.editor.is_modified() for row in self.rows.values()):
            return True
        current_tags = self.item.tags if self.item is not None else ()
        return _tags_from_text(self.tags.text()) != current_tags

    def _refresh_modified(self) -> None:
        was = self.modified
        self.modified = self.is_modified()
        editable = getattr(self, "_editable", False)
        self.save_button.setEnabled(editable and self.modified)
        self.discard_button.setEnabled(editable and self.modified)
        self.title.setText((MODIFIED_MARK if self.modified else "") + self.title_text)
        if was != self.modified:
            self.modified_changed.emit(self.modified)

    def unsaved_description(self) -> str | None:
        if not self.is_modified():
            return None
        name = self.item.title if self.item is not None else "the new item"
        return f'Your changes to "{name}" are not saved.'

    def save_unsaved(self) -> Awaitable[bool] | None:
        if self.state is EditorState.CONFLICT:
            self._say(
                "Resolve the conflict below first: choose what to keep, then save.", kind="warn"
            )
            return None
        if self.state is EditorState.SAVING and self.task is not None and not self.task.done():
            # A save already on its way (the question came while it ran): its outcome.
            return self._saved_after(self.task)
        if not self.is_modified():
            return self._saved_after(None)  # saved meanwhile
        task = self.save()
        if task is None:
            return None
        return self._saved_after(task)

    async def _saved_after(self, task: asyncio.Task[Any] | None) -> bool:
        if task is not None:
            await asyncio.wait([task])
        return not self.is_modified() and self.state is not EditorState.CONFLICT

    def discard_unsaved(self) -> None:
        self.discard()

    def reload(self) -> asyncio.Task[Any] | None:
        """Read the item again from Podio (asks first when the form holds changes)."""
        if self.item is None or self.app is None:
            return None
        return self.open_item(self.app.app_id, self.item.item_id)

    def new_item(self, app_id: int) -> asyncio.Task[Any] | None:
        if not self.confirm_leave(lambda: self.new_item(app_id)):
            return None
        self.task = self.runner.run(f"{self.context.task_prefix}:load", self._new(app_id))
        return self.task

    async def _new(self, app_id: int) -> None:
        try:
            app = await self.service.app(app_id)
        except Exception as exc:  # shown in the editor
            self._say(
                f"The app could not be loaded: {getattr(exc, 'user_message', exc)}", kind="error"
            )
            return
        self.show_item(app, None)

    def editor(self, field_id: int) -> FieldEditor:
        return self.rows[field_id].editor

    def editor_by_external_id(self, external_id: str) -> FieldEditor:
        for row in self.rows.values():
            if row.fdef.external_id == external_id:
                return row.editor
        raise KeyError(external_id)

    def field_errors(self) -> dict[int, str]:
        return {fid: row.error.text() for fid, row in self.rows.items() if not row.error.isHidden()}

    # ------------------------------------------------------------ validation

    def _on_any_change(self) -> None:
        if self.state in (EditorState.SAVED, EditorState.INVALID, EditorState.REJECTED):
            self._set_state(EditorState.READY)

    def _check_row(self, row: _FieldRow) -> list[str]:
        """Read and validate one editor; show what is wrong under it."""
        self._on_any_change()
        messages: list[str] = []
        if not row.editor.read_only:
            try:
                value = row.editor.value()
            except DomainError as exc:
                messages = [str(exc)]
            else:
                if value != row.editor.original or self.item is None:
                    messages = [issue.message for issue in validate(row.fdef, value)]
        self._show_row_error(row, messages)
        return messages

    def _show_row_error(self, row: _FieldRow, messages: list[str]) -> None:
        row.error.setText("\n".join(messages))
        row.error.setVisible(bool(messages))

    def collect(self) -> tuple[ItemChange, dict[int, list[str]]]:
        """The change the form holds now, and the messages of every invalid field."""
        values: dict[int, FieldValue] = {}
        problems: dict[int, list[str]] = {}
        for field_id, row in self.rows.items():
            if row.editor.read_only:
                continue
            messages = self._check_row(row)
            if messages:
                problems[field_id] = messages
                continue
            value = row.editor.value()
            if self.item is None:
                if value != EMPTY:
                    values[field_id] = value
            elif value != row.editor.original:
                values[field_id] = value
        tags = _tags_from_text(self.tags.text())
        current_tags = self.item.tags if self.item is not None else ()
        change = ItemChange(values=values, tags=tags if tags != current_tags else None)
        return change, problems

    def has_changes(self) -> bool:
        change, problems = self.collect()
        return bool(change.values or change.tags is not None or problems)

    # ------------------------------------------------------------ saving

    def save(self) -> asyncio.Task[Any] | None:
        """Validate, then save in the background; None when nothing was sent."""
        if self.app is None or self.state in (EditorState.SAVING, EditorState.LOADING):
            return None
        change, problems = self.collect()
        if problems:
            count = len(problems)
            self._say(
                f"{count} field{'s' if count > 1 else ''} need{'' if count > 1 else 's'} fixing; "
                "nothing was saved.",
                kind="error",
            )
            self._set_state(EditorState.INVALID)
            return None
        if self.item is not None and not change.values and change.tags is None:
            self._say("Nothing changed.")
            return None
        self._set_state(EditorState.SAVING)
        self._say("Saving…")
        self.task = self.runner.run(f"{self.context.task_prefix}:save", self._save(change))
        return self.task

    async def _save(self, change: ItemChange) -> None:
        assert self.app is not None
        silent = self.silent_box.isChecked()
        hook = self.hook_box.isChecked()
        if self.item is None:
            outcome = await self.service.create(self.app, change, silent=silent, hook=hook)
        else:
            outcome = await self.service.save(self.app, self.item, change, silent=silent, hook=hook)
        self._handle(outcome, change)

    def _handle(self, outcome: SaveOutcome, change: ItemChange) -> None:
        assert self.app is not None
        self.last_outcome = outcome
        if isinstance(outcome, Queued):
            # Kept in the outbox: the form shows the change (a new item: an empty form).
            self.show_item(self.app, outcome.item)
            self._say(outcome.message, kind="warn")
            self._set_state(EditorState.SAVED)
            if outcome.item is not None:
                self.item_saved.emit(outcome.item)
        elif isinstance(outcome, Saved):
            self.show_item(self.app, outcome.item)
            self._say(f"Saved (revision {outcome.item.revision}).", kind="ok")
            self._set_state(EditorState.SAVED)
            self.item_saved.emit(outcome.item)
        elif isinstance(outcome, NothingToSave):
            self.show_item(self.app, outcome.item)
            self._say("Nothing to save: the item already holds these values.")
            self._set_state(EditorState.SAVED)
            self.item_saved.emit(outcome.item)
        elif isinstance(outcome, Invalid):
            for issue in outcome.issues:
                row = self.rows.get(issue.field_id)
                if row is not None:
                    self._show_row_error(row, [issue.message])
            self._say("Some values are not valid; nothing was saved.", kind="error")
            self._set_state(EditorState.INVALID)
        elif isinstance(outcome, Rejected):
            general = []
            for problem in outcome.problems:
                row = self.rows.get(problem.field_id) if problem.field_id is not None else None
                if row is not None:
                    self._show_row_error(row, [f"Podio refused this value: {problem.message}"])
                else:
                    general.append(problem.message)
            text = "Podio refused the change" + (
                f": {'; '.join(general)}" if general else "; see the marked fields."
            )
            self._say(text, kind="error")
            self._set_state(EditorState.REJECTED)
        elif isinstance(outcome, Conflicted):
            self.show_conflict(outcome.conflict)
        elif isinstance(outcome, Deleted):
            self.unsaved_json = outcome.unsaved_json
            self._say(outcome.message, kind="error", copy=True)
            self._set_state(EditorState.DELETED)
            if self.item is not None:
                self.item_deleted.emit(self.item.item_id)
        elif isinstance(outcome, Failed):
            self._say(f"Not saved: {outcome.message} Your changes are still here.", kind="error")
            self._set_state(EditorState.FAILED)

    # ------------------------------------------------------------ conflicts

    def show_conflict(self, conflict: ItemConflict) -> None:
        self.conflict = conflict
        self.conflict_view.context.app = self.app
        self.conflict_view.show_conflict(conflict)
        self.pages.setCurrentWidget(self.conflict_view)
        self._say(
            "Someone else changed this item meanwhile. Nothing was overwritten; choose below.",
            kind="warn",
        )
        self._set_state(EditorState.CONFLICT)

    def resolve_conflict(
        self, choices: dict[int, Choice], *, default: str = "mine"
    ) -> asyncio.Task[Any] | None:
        conflict = self.conflict
        if conflict is None or self.app is None:
            return None
        self._set_state(EditorState.SAVING)
        self._say("Saving your choices…")
        self.task = self.runner.run(
            f"{self.context.task_prefix}:save", self._resolve(conflict, choices, default)
        )
        return self.task

    async def _resolve(
        self, conflict: ItemConflict, choices: dict[int, Choice], default: str
    ) -> None:
        assert self.app is not None
        outcome = await self.service.resolve(
            self.app,
            conflict,
            choices,
            default=default,
            silent=self.silent_box.isChecked(),
            hook=self.hook_box.isChecked(),
        )
        self._handle(outcome, conflict.change)

    def _back_to_form(self) -> None:
        """Keep editing my values; the next save is checked against their revision."""
        conflict = self.conflict
        self.pages.setCurrentWidget(self.splitter)
        if conflict is not None and self.app is not None:
            # The base moves to their version; my edits stay in the editors.
            mine = dict(conflict.change.values)
            self.show_item(self.app, conflict.current)
            for field_id, value in mine.items():
                self.rows[field_id].editor.set_value(value)
                self.rows[field_id].editor.rebase(conflict.current.value(field_id))
            self._say(
                "Their version is loaded underneath your changes; save again when ready.",
                kind="warn",
            )

    # ------------------------------------------------------------ other actions

    def discard(self) -> None:
        if self.app is None:
            return
        if self.state is EditorState.CONFLICT and self.conflict is not None:
            self.show_item(self.app, self.conflict.current)
        else:
            self.show_item(self.app, self.item)

    def duplicate(self) -> asyncio.Task[Any] | None:
        if self.app is None or self.item is None:
            return None
        self._set_state(EditorState.SAVING)
        self._say("Duplicating…")
        app, item = self.app, self.item
        self.task = self.runner.run(
            f"{self.context.task_prefix}:save",
            self._duplicate(app, item),
        )
        return self.task

    async def _duplicate(self, app: App, item: Item) -> None:
        outcome = await self.service.duplicate(
            app, item, silent=self.silent_box.isChecked(), hook=self.hook_box.isChecked()
        )
        self._handle(outcome, ItemChange())
        if isinstance(outcome, Saved):
            self._say(f'Created a copy: "{outcome.item.title}".', kind="ok")

    def confirm_delete(self) -> None:
        if self.item is None:
            return
        name = self.item.title or f"#{self.item.item_id}"
        answer = QMessageBox.question(
            self,
            "Delete item",
            f'Delete "{name}"? This cannot be undone in Podio Desk.',
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete()

    def delete(self) -> asyncio.Task[Any] | None:
        if self.item is None:
            return None
        item = self.item
        self._set_state(EditorState.SAVING)
        self.task = self.runner.run(f"{self.context.task_prefix}:save", self._delete(item))
        return self.task

    async def _delete(self, item: Item) -> None:
        try:
            await self.service.delete(
                item, silent=self.silent_box.isChecked(), hook=self.hook_box.isChecked()
            )
        except Exception as exc:  # shown in the editor
            self._say(f"Not deleted: {getattr(exc, 'user_message', exc)}", kind="error")
            self._set_state(EditorState.READY)
            return
        self._say(f'Deleted "{item.title or item.item_id}".', kind="ok")
        self.item = None
        self._set_state(EditorState.DELETED)
        self.item_deleted.emit(item.item_id)

    def unsaved_text(self) -> str:
        """The values the form holds, one "label: text" line each (for the clipboard)."""
        lines = []
        for row in self.rows.values():
            if row.editor.read_only or not row.editor.is_modified():
                continue
            try:
                lines.append(f"{row.fdef.label}: {display_text(row.fdef, row.editor.value())}")
            except DomainError:
                lines.append(f"{row.fdef.label}: (unreadable input)")
        return "\n".join(lines)

    def copy_unsaved_json(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self.unsaved_json or "{}")

    def copy_unsaved_text(self) -> None:
        QGuiApplication.clipboard().setText(self.unsaved_text())

    def _request_open(self, app_id: int | None, item_id: int) -> None:
        self.open_requested.emit(app_id, item_id)

    def _on_history_outcome(self, outcome: object) -> None:
        if isinstance(outcome, Saved) and self.app is not None:
            self.show_item(self.app, outcome.item)
            self._say(f"Revision undone; now at revision {outcome.item.revision}.", kind="ok")
            self.item_saved.emit(outcome.item)

    def _on_file_not_removed(self, outcome: object) -> None:
        """A file removal met someone else's change: the conflict view shows it, with
        what the form holds, so resolving it saves both (or the item was deleted)."""
        if self.app is None:
            return
        if isinstance(outcome, Conflicted):
            found = outcome.conflict
            change, _problems = self.collect()
            conflict = build_conflict(
                self.app,
                found.base,
                found.current,
                change,
                None,
                found.their_revisions,
                file_ids=found.file_ids,
            )
            self.last_outcome = outcome
            self.show_conflict(conflict)
        elif isinstance(outcome, Deleted):
            self._handle(outcome, ItemChange())

    def _on_files_changed(self, item: object) -> None:
        if isinstance(item, Item) and self.app is not None:
            self.item = item
            self.subtitle.setText(f"{self.app.name} · revision {item.revision}")
            self.item_saved.emit(item)


class ItemEditorDock(QDockWidget):
    """The editor docked beside the item table."""

    def __init__(
        self, service: EditingService, runner: TaskRunnerLike, parent: QWidget | None = None
    ) -> None:
        super().__init__("Item", parent)
        self.setObjectName("item-editor-dock")
        self.editor = ItemEditor(service, runner, self, task_prefix="editor-dock")
        self.setWidget(self.editor)
        self.editor.open_requested.connect(self.open_item)

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closing the dock (its close button) with unsaved changes asks Save / Discard / Cancel, as
        # closing a document does; on Save it closes once saved.
        if self.editor.confirm_leave(self.close):
            event.accept()
        else:
            event.ignore()

    def open_item(self, app_id: int | None, item_id: int) -> asyncio.Task[Any] | None:
        self.show()
        if self.parent() is not None:  # bring a tabbed dock to the front
            self.raise_()
        return self.editor.open_item(app_id, item_id)

    def new_item(self, app_id: int) -> asyncio.Task[Any] | None:
        self.show()
        return self.editor.new_item(app_id)


class ItemEditorDialog(QDialog):
    """The editor in its own window (for a second item side by side, or without a dock)."""

    _count = 0

    def __init__(
        self, service: EditingService, runner: TaskRunnerLike, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        ItemEditorDialog._count += 1
        self.setWindowTitle("Item")
        self.resize(1100, 760)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.editor = ItemEditor(
            service, runner, self, task_prefix=f"editor-dialog-{ItemEditorDialog._count}"
        )
        layout.addWidget(self.editor)
        self.editor.open_requested.connect(self.open_item)
        self.editor.state_changed.connect(self._retitle)
        self.editor.modified_changed.connect(self._retitle)

    def _retitle(self, _state: object) -> None:
        self.setWindowTitle(self.editor.title.text())

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.editor.confirm_leave(self.close):
            event.accept()
        else:
            event.ignore()

    def open_item(self, app_id: int | None, item_id: int) -> asyncio.Task[Any] | None:
        return self.editor.open_item(app_id, item_id)

    def new_item(self, app_id: int) -> asyncio.Task[Any] | None:
        return self.editor.new_item(app_id)
