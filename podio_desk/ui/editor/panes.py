"""Side panes of the item editor: comments, files, revision history, tasks."""

from __future__ import annotations

import asyncio
import html
import mimetypes
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTime, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QTextBrowser,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from podio_desk.domain.errors import DomainError
from podio_desk.domain.fields import (
    EMPTY,
    ContactRef,
    ContactValue,
    FieldDef,
    display_text,
    strip_html,
)
from podio_desk.domain.items import Comment, FileInfo, Item, Revision, RevisionDiff, Task
from podio_desk.domain.tasks import (
    TaskDraft,
    due_date_of,
    due_text,
    due_time_of,
    responsible_user_id,
)
from podio_desk.domain.workspace import App
from podio_desk.services.editing import Conflicted, Deleted, Failed, Saved, SaveOutcome
from podio_desk.ui.editor.context import EditorContext
from podio_desk.ui.editor.fields import ERROR_COLOR, guard_wheel
from podio_desk.ui.editor.fields.references import ContactEditor
from podio_desk.ui.time_zone import current_rule


def _when(moment: datetime | None) -> str:
    """A moment (comment, revision) by the window's one time rule, like the table's cells."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return f"{current_rule().wall_time(aware):%Y-%m-%d %H:%M}"


def _message_failure(exc: BaseException) -> str:
    return str(getattr(exc, "user_message", "") or exc)


class _Pane(QWidget):
    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.app: App | None = None
        self.item: Item | None = None
        self.layout_ = QVBoxLayout(self)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.hide()
        self.task: asyncio.Task[Any] | None = None

    def say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {ERROR_COLOR};" if error else "color: palette(mid);")
        self.status.setVisible(bool(text))

    def show_item(self, app: App, item: Item) -> None:
        if self.item is None or self.item.item_id != item.item_id:
            # What is shown belongs to the last item; this one's may never come (offline).
            self.forget()
        self.app = app
        self.item = item
        self.refresh()

    def refresh(self) -> None:
        """Load the pane's content for the current item."""

    def forget(self) -> None:
        """Drop what the pane shows of the item it showed before."""

    def _run(self, name: str, coro: Any) -> None:
        item_id = self.item.item_id if self.item is not None else 0
        self.task = self.context.run(f"{name}:{item_id}", coro)


class CommentsPane(_Pane):
    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.list = QTextBrowser(self)
        self.list.setOpenExternalLinks(True)
        self.list.setMinimumHeight(40)
        self.input = QPlainTextEdit(self)
        self.input.setPlaceholderText("Write a comment… (Ctrl+Enter adds it)")
        self.input.setMaximumHeight(80)
        self.input.setMinimumHeight(44)
        # Tab leaves the box, as in any form; a comment rarely needs a tab character.
        self.input.setTabChangesFocus(True)
        self.add_button = QPushButton("Add comment", self)
        self.add_button.setToolTip("Add the comment (Ctrl+Enter)")
        self.add_button.clicked.connect(self.add)
        # Ctrl+Enter adds the comment: taken before the window's own Ctrl+Enter (open the
        # table's item) can claim it.
        self.input.installEventFilter(self)
        self.layout_.addWidget(self.list, 1)
        self.layout_.addWidget(self.input)
        # The button at the left, under the box: a dock narrower than the editor scrolls
        # sideways, and a button at the right edge would be out of sight.
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.status)
        self.comments: tuple[Comment, ...] = ()
        self._adding = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.input
            and isinstance(event, QKeyEvent)
            and event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            event.accept()
            if event.type() == QEvent.Type.KeyPress:
                self.add()
            return True
        return super().eventFilter(watched, event)

    def show_item(self, app: App, item: Item) -> None:
        # A comment typed for one item never ends up on another.
        if self.item is None or self.item.item_id != item.item_id:
            self.input.clear()
            self.say("")
        super().show_item(app, item)

    def forget(self) -> None:
        self.comments = ()
        self.list.clear()

    def refresh(self) -> None:
        if self.item is not None and self.context.service is not None:
            self._run("comments", self._load())

    async def _load(self) -> None:
        assert self.item is not None
        assert self.context.service is not None
        try:
            self._show(await self.context.service.comments(self.item.item_id))
        except Exception as exc:  # shown in the pane
            self.say(f"Comments could not be loaded: {_message_failure(exc)}", error=True)

    def _show(self, comments: tuple[Comment, ...]) -> None:
        self.comments = comments
        parts = []
        for comment in comments:
            who = html.escape(comment.created_by.name) if comment.created_by else ""
            # `value` is the text as it was written; `rich_value` is Podio's HTML rendering
            # of it, used only when there is no `value` (docs/podio-api.md, "Comments and
            # tasks"): a "<b>" someone typed is shown as typed.
            text = comment.value or strip_html(comment.rich_value or "")
            escaped = (
                text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\n", "<br>")
            )
            parts.append(
                f"<p><b>{who or 'Someone'}</b> "
                f"<span style='color:gray'>{_when(comment.created_on)}</span><br>{escaped}</p>"
            )
        self.list.setHtml("".join(parts) or "<p style='color:gray'>No comments yet.</p>")
        self.say("")

    def add(self) -> None:
        text = self.input.toPlainText()
        if not text.strip():
            self.say("Write something first; empty comments are not sent.", error=True)
            return
        if self.item is None or self.context.service is None or self._adding:
            return
        self._run("comment-add", self._add(text))

    async def _add(self, text: str) -> None:
        assert self.item is not None
        assert self.context.service is not None
        # Not disabling the button: that would move the keyboard focus away from it.
        self._adding = True
        self.say("Adding the comment…")
        try:
            comments = await self.context.service.add_comment(self.item.item_id, text)
        except Exception as exc:  # shown in the pane, the text stays in the box
            self.say(f"The comment was not added: {_message_failure(exc)}", error=True)
            return
        finally:
            self._adding = False
        # What was typed while the comment was on its way stays in the box.
        typed = self.input.toPlainText()
        self.input.setPlainText(typed[len(text) :] if typed.startswith(text) else typed)
        self.input.moveCursor(QTextCursor.MoveOperation.End)
        self._show(comments)
        # Ready for the next comment: what is typed next goes into the box.
        self.input.setFocus()


class FilesPane(_Pane):
    """Files attached to the item (not those in file fields): add, download, remove."""

    item_changed = Signal(object)
    # A removal that met someone else's change (Conflicted) or a deleted item (Deleted).
    not_removed = Signal(object)

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.list = QListWidget(self)
        self.add_button = QPushButton("Attach…", self)
        self.download_button = QPushButton("Download…", self)
        self.remove_button = QPushButton("Remove", self)
        self.add_button.clicked.connect(self._choose)
        self.download_button.clicked.connect(self._download_selected)
        self.remove_button.clicked.connect(self._remove_selected)
        self.layout_.addWidget(self.list, 1)
        row = QHBoxLayout()
        for button in (self.add_button, self.download_button, self.remove_button):
            row.addWidget(button)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.status)
        self.files: tuple[FileInfo, ...] = ()

    def refresh(self) -> None:
        self.files = self.item.files if self.item is not None else ()
        self.list.clear()
        for info in self.files:
            entry = QListWidgetItem(f"{info.name}  ({info.mimetype or 'file'})", self.list)
            entry.setData(Qt.ItemDataRole.UserRole, info.file_id)
        if not self.files:
            self.say("No files attached.")
        else:
            self.say("")

    def _selected(self) -> FileInfo | None:
        row = self.list.currentRow()
        return self.files[row] if 0 <= row < len(self.files) else None

    def _choose(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Attach files")
        for name in names:
            path = Path(name)
            self._run(f"attach:{path.name}", self._attach_path(path))

    async def _attach_path(self, path: Path) -> None:
        content = await asyncio.to_thread(path.read_bytes)
        await self.attach(
            path.name, content, mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )

    async def attach(self, name: str, content: bytes, mimetype: str) -> None:
        assert self.item is not None
        assert self.context.service is not None
        self.say(f"Attaching {name}…")
        try:
            self.item = await self.context.service.attach(self.item, name, content, mimetype)
        except Exception as exc:  # shown in the pane
            self.say(f"{name} was not attached: {_message_failure(exc)}", error=True)
            return
        self.refresh()
        self.item_changed.emit(self.item)

    def _download_selected(self) -> None:
        info = self._selected()
        if info is None:
            self.say("Select a file first.", error=True)
            return
        target, _ = QFileDialog.getSaveFileName(self, "Save file", info.name)
        if target:
            self._run(f"download:{info.file_id}", self._download(info, Path(target)))

    async def _download(self, info: FileInfo, target: Path) -> None:
        assert self.context.service is not None
        try:
            content = await self.context.service.download(info.file_id)
            await asyncio.to_thread(target.write_bytes, content)
        except Exception as exc:  # shown in the pane
            self.say(f"Download failed: {_message_failure(exc)}", error=True)
            return
        self.say(f"Saved {target.name}")

    def _remove_selected(self) -> None:
        info = self._selected()
        if info is None or self.item is None:
            return
        answer = QMessageBox.question(self, "Remove file", f'Remove "{info.name}" from this item?')
        if answer == QMessageBox.StandardButton.Yes:
            self._run(f"detach:{info.file_id}", self._detach(info))

    async def _detach(self, info: FileInfo) -> None:
        assert self.item is not None
        assert self.context.service is not None
        self.say(f"Removing {info.name}…")
        outcome = await self.context.service.detach(self.item, info.file_id)
        if isinstance(outcome, Saved):
            self.item = outcome.item
            self.refresh()
            self.item_changed.emit(self.item)
        elif isinstance(outcome, Failed):
            self.say(f"{info.name} was not removed: {outcome.message}", error=True)
        else:
            # Someone else changed the item (their files are kept), or it was deleted:
            # the editor shows it.
            self.say(f"{info.name} was not removed yet: see above.", error=True)
            self.not_removed.emit(outcome)


def diff_text(diffs: tuple[RevisionDiff, ...]) -> str:
    """A readable diff: one line per field, "label: before → after"."""
    lines = []
    for diff in diffs:
        before = display_text(diff.field, diff.from_value) or "(empty)"
        after = display_text(diff.field, diff.to_value) or "(empty)"
        lines.append(f"{diff.field.label}: {before} → {after}")
    return "\n".join(lines) or "No field changes in this revision."


class HistoryPane(_Pane):
    """Revisions, what each one changed, and undoing one (only if nobody edited since)."""

    outcome = Signal(object)

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.list = QListWidget(self)
        self.list.currentRowChanged.connect(self._on_row)
        self.diff = QPlainTextEdit(self)
        self.diff.setReadOnly(True)
        self.revert_button = QPushButton("Undo this revision", self)
        self.revert_button.setEnabled(False)
        self.revert_button.clicked.connect(self._revert_selected)
        self.layout_.addWidget(self.list, 1)
        self.layout_.addWidget(self.diff, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.revert_button)
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.status)
        self.revisions: tuple[Revision, ...] = ()
        self.diffs: dict[int, tuple[RevisionDiff, ...]] = {}

    def forget(self) -> None:
        self.revisions = ()
        self.diffs = {}
        self.list.clear()
        self.diff.clear()
        self.revert_button.setEnabled(False)

    def refresh(self) -> None:
        if self.item is not None and self.context.service is not None:
            self._run("revisions", self._load())

    async def _load(self) -> None:
        assert self.item is not None
        assert self.context.service is not None
        try:
            self.revisions = await self.context.service.revisions(self.item.item_id)
        except Exception as exc:  # shown in the pane
            self.say(f"History could not be loaded: {_message_failure(exc)}", error=True)
            return
        self.list.clear()
        self.diff.clear()
        for revision in self.revisions:
            who = revision.created_by.name if revision.created_by else ""
            QListWidgetItem(
                f"Revision {revision.revision}  {_when(revision.created_on)}  {who}", self.list
            )
        self.say("")

    def _on_row(self, row: int) -> None:
        if not 0 <= row < len(self.revisions):
            self.revert_button.setEnabled(False)
            return
        revision = self.revisions[row].revision
        self.revert_button.setEnabled(revision > 0)
        self._run("revision-diff", self._load_diff(revision))

    async def _load_diff(self, revision: int) -> None:
        assert self.item is not None
        assert self.context.service is not None
        if revision == 0:
            self.diff.setPlainText("The item was created.")
            return
        try:
            diffs = await self.context.service.revision_diff(self.item.item_id, revision)
        except Exception as exc:  # shown in the pane
            self.diff.setPlainText(f"The changes could not be loaded: {_message_failure(exc)}")
            return
        self.diffs[revision] = diffs
        self.diff.setPlainText(diff_text(diffs))

    def _revert_selected(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.revisions) or self.item is None:
            return
        revision = self.revisions[row].revision
        answer = QMessageBox.question(
            self, "Undo revision", f"Undo the changes made in revision {revision}?"
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.revert(revision)

    def revert(self, revision: int) -> None:
        self._run("revert", self._revert(revision))

    async def _revert(self, revision: int) -> None:
        assert self.item is not None
        assert self.app is not None
        assert self.context.service is not None
        outcome: SaveOutcome = await self.context.service.revert(self.app, self.item, revision)
        if isinstance(outcome, Saved):
            self.say(f"Revision {revision} undone.")
        elif isinstance(outcome, Conflicted):
            self.say(
                "Someone changed the item since you opened it; "
                "reload it before undoing a revision.",
                error=True,
            )
        elif isinstance(outcome, (Deleted, Failed)):
            self.say(outcome.message, error=True)
        self.outcome.emit(outcome)


# The assignee box is the contact field's own editor, searching the workspace's people; only
# users can be responsible for a task, so space contacts are left out.
ASSIGNEE_FIELD = FieldDef(
    field_id=0,
    external_id="task-responsible",
    type="contact",
    label="Assignee",
    settings={"type": "space_users", "valid_types": ["user"], "multiple": False},
)


DEFAULT_DUE_TIME = QTime(9, 0)


class TimeBox(QTimeEdit):
    """A time box that takes a typed time ("14:30") wherever the cursor was put.

    QTimeEdit inserts a digit typed into a full section ("|09" becomes "109") and so refuses
    it; here a digit typed at the start of a section replaces that section, as does the first
    digit after a click anywhere in one; after a click past the end it starts the time over."""

    def __init__(self, at: QTime, parent: QWidget | None = None) -> None:
        super().__init__(at, parent)
        self._clicked = False
        self.lineEdit().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.FocusIn):
            self._clicked = True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        line = self.lineEdit()
        if event.text().isdigit() and not line.hasSelectedText():
            text, at = line.text(), line.cursorPosition()
            if at >= len(text) and self._clicked:
                self.setCurrentSectionIndex(0)
                self.setSelectedSection(self.sectionAt(0))
            elif self._clicked or at == 0 or not text[at - 1].isdigit():
                self.setSelectedSection(self.currentSection())
        self._clicked = False
        super().keyPressEvent(event)


class TasksPane(_Pane):
    """Tasks on the item: tick to complete or reopen; select one to change or delete it; the
    form below adds one (or, while changing, saves it) with an assignee, a description and a
    due date with an optional time."""

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.list = QListWidget(self)
        self.list.itemChanged.connect(self._on_checked)
        self.list.itemDoubleClicked.connect(lambda _entry: self.edit_selected())
        self.list.currentRowChanged.connect(self._on_row)
        self.edit_button = QPushButton("Change", self)
        self.edit_button.setToolTip("Load the selected task into the form below to change it")
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button = QPushButton("Delete", self)
        self.delete_button.clicked.connect(self._delete_selected)
        for button in (self.edit_button, self.delete_button):
            button.setEnabled(False)

        self.new_text = QLineEdit(self)
        self.new_text.setPlaceholderText("New task…")
        self.new_text.returnPressed.connect(self.add)
        self.assignee = ContactEditor(ASSIGNEE_FIELD, context, self)
        self.assignee.search.setPlaceholderText("Assign to… (search people; empty: you)")
        self.assignee.changed.connect(self._on_assignee_changed)
        # A single click (or Enter) picks the person: there is only one to choose.
        self.assignee.results.itemClicked.connect(self.assignee.results.itemActivated)
        self.description = QPlainTextEdit(self)
        self.description.setPlaceholderText("Description (optional)")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(self.description.fontMetrics().lineSpacing() * 2 + 12)
        self.due_box = QCheckBox("Due", self)
        self.due_box.setToolTip("Give the task a due date")
        self.due_date = QDateEdit(QDate.currentDate(), self)
        self.due_date.setCalendarPopup(True)
        self.due_date.setDisplayFormat("yyyy-MM-dd")
        self.time_box = QCheckBox("at", self)
        self.time_box.setToolTip("Give the task a due time too")
        self.due_time = TimeBox(DEFAULT_DUE_TIME, self)
        self.due_time.setDisplayFormat("HH:mm")
        for due_edit in (self.due_date, self.due_time):
            guard_wheel(due_edit)
        self.due_box.toggled.connect(self._sync_due_widgets)
        self.time_box.toggled.connect(self._sync_due_widgets)
        self.add_button = QPushButton("Add", self)
        self.add_button.clicked.connect(self.add)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.clear_form)
        self.cancel_button.hide()

        # Compact: the pane shares the dock's height with the form above it. Everything sits
        # in a scroll area, so a short dock scrolls the form instead of cutting it off.
        self.form_scroll = QScrollArea(self)
        self.form_scroll.setWidgetResizable(True)
        self.form_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        content = QWidget(self.form_scroll)
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        self.list.setMinimumHeight(self.list.fontMetrics().lineSpacing() * 5)
        top = QHBoxLayout()
        top.addWidget(self.list, 1)
        actions = QVBoxLayout()
        actions.addWidget(self.edit_button)
        actions.addWidget(self.delete_button)
        actions.addStretch(1)
        top.addLayout(actions)
        content_layout.addLayout(top, 1)
        form = QFormLayout()
        form.setVerticalSpacing(4)
        form.addRow("Task", self.new_text)
        form.addRow("Assignee", self.assignee)
        form.addRow("Description", self.description)
        due = QHBoxLayout()
        due.addWidget(self.due_box)
        due.addWidget(self.due_date)
        due.addWidget(self.time_box)
        due.addWidget(self.due_time)
        due.addStretch(1)
        form.addRow("", due)
        # The buttons on their own row, under the boxes they act on: an editor wider than
        # its dock (which scrolls sideways) keeps them in view.
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        form.addRow("", buttons)
        content_layout.addLayout(form)
        content_layout.addWidget(self.status)
        self.form_scroll.setWidget(content)
        # Room for the list's first rows and the task box before it scrolls: a dock's
        # splitter must not squeeze the pane down to its tab.
        self.form_scroll.setMinimumHeight(self.fontMetrics().lineSpacing() * 12)
        self.layout_.addWidget(self.form_scroll, 1)
        self.tasks: tuple[Task, ...] = ()
        # The task the form is changing; None while it adds a new one.
        self.editing_task_id: int | None = None
        self._sending = False
        self._sync_due_widgets()

    # -- showing

    def show_item(self, app: App, item: Item) -> None:
        if self.item is None or self.item.item_id != item.item_id:
            # What was typed belongs to the task of the other item; a new item starts empty.
            self.clear_form()
            self.say("")
        super().show_item(app, item)

    def forget(self) -> None:
        self._show(())

    def refresh(self) -> None:
        if self.item is not None and self.context.service is not None:
            self._run("tasks", self._load())

    async def _load(self) -> None:
        assert self.item is not None
        assert self.context.service is not None
        try:
            tasks = await self.context.service.tasks(self.item.item_id)
        except Exception as exc:  # shown in the pane
            self.say(f"Tasks could not be loaded: {_message_failure(exc)}", error=True)
            return
        self._show(tasks)
        self.say("" if self.tasks else "No tasks on this item.")

    def _show(self, tasks: tuple[Task, ...]) -> None:
        self.tasks = tasks
        selected = self.selected_task()
        self.list.blockSignals(True)
        try:
            self.list.clear()
            for task in tasks:
                due = f"  due {due_text(task)}" if due_text(task) else ""
                responsible = task.responsible
                who = f"  · {responsible.name}" if responsible and responsible.name else ""
                # The description's first line under the task (all of it in the tooltip).
                about = (task.description or "").strip().splitlines()
                second = f"\n    {about[0]}" if about else ""
                entry = QListWidgetItem(f"{task.text}{due}{who}{second}", self.list)
                entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                done = task.status == "completed"
                entry.setCheckState(Qt.CheckState.Checked if done else Qt.CheckState.Unchecked)
                hint = "Completed; untick to reopen" if done else "Tick when done"
                entry.setToolTip(f"{task.description}\n\n{hint}" if task.description else hint)
                entry.setData(Qt.ItemDataRole.UserRole, task.task_id)
            if selected is not None and self.task_row(selected.task_id) >= 0:
                self.list.setCurrentRow(self.task_row(selected.task_id))
        finally:
            self.list.blockSignals(False)
        self._on_row(self.list.currentRow())

    def task_row(self, task_id: int) -> int:
        """The list row showing `task_id` (-1 when not shown)."""
        return next((row for row, t in enumerate(self.tasks) if t.task_id == task_id), -1)

    def shown_item_id(self) -> int | None:
        return self.item.item_id if self.item is not None else None

    def selected_task(self) -> Task | None:
        row = self.list.currentRow()
        return self.tasks[row] if 0 <= row < len(self.tasks) else None

    def _on_row(self, row: int) -> None:
        chosen = 0 <= row < len(self.tasks)
        self.edit_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    # -- the form

    def _sync_due_widgets(self) -> None:
        self.due_date.setEnabled(self.due_box.isChecked())
        self.time_box.setEnabled(self.due_box.isChecked())
        self.due_time.setEnabled(self.due_box.isChecked() and self.time_box.isChecked())

    def _on_assignee_changed(self) -> None:
        # One assignee: once picked, the search has done its job.
        if self.assignee.linked.count():
            self.assignee.search.clear()
            self.assignee.results.hide()

    def clear_form(self) -> None:
        """Empty every box and go back to adding (focus is left where it is)."""
        self.editing_task_id = None
        self.new_text.clear()
        self.description.clear()
        self.assignee.set_value(EMPTY)
        self.assignee.search.clear()
        self.assignee.results.hide()
        self.due_box.setChecked(False)
        self.time_box.setChecked(False)
        # No date or time of the last task carried into the next one.
        self.due_date.setDate(QDate.currentDate())
        self.due_time.setTime(DEFAULT_DUE_TIME)
        self.add_button.setText("Add")
        self.cancel_button.hide()

    def draft(self) -> TaskDraft:
        """What the form holds, as a task (assignee None: you, or unchanged when changing)."""
        due = self.due_date.date().toPython() if self.due_box.isChecked() else None
        at = (
            self.due_time.time().toPython()
            if due is not None and self.time_box.isChecked()
            else None
        )
        assert due is None or isinstance(due, date)
        assert at is None or isinstance(at, time)
        responsible: int | None = None
        if self.assignee.is_modified():
            chosen = self.assignee.value()
            if isinstance(chosen, ContactValue) and chosen.contacts:
                responsible = chosen.contacts[0].user_id
                if responsible is None:
                    raise DomainError(
                        f"{chosen.contacts[0].name} is not a Podio user; tasks go to users only"
                    )
        return TaskDraft(self.new_text.text(), self.description.toPlainText(), due, at, responsible)

    def edit_selected(self) -> None:
        task = self.selected_task()
        if task is not None:
            self.edit(task.task_id)

    def edit(self, task_id: int) -> None:
        """Load a task into the form; Save then changes it."""
        row = self.task_row(task_id)
        if row < 0:
            return
        task = self.tasks[row]
        self.editing_task_id = task_id
        self.new_text.setText(task.text)
        self.description.setPlainText(task.description or "")
        user_id = responsible_user_id(task)
        if task.responsible is not None and user_id is not None:
            raw = task.raw.get("responsible")
            profile = raw.get("profile_id") if isinstance(raw, dict) else None
            self.assignee.set_value(
                ContactValue(
                    (
                        ContactRef(
                            profile_id=profile if isinstance(profile, int) else -user_id,
                            name=task.responsible.name,
                            type="user",
                            user_id=user_id,
                        ),
                    )
                )
            )
        else:
            self.assignee.set_value(EMPTY)
        day, at = due_date_of(task), due_time_of(task)
        self.due_box.setChecked(day is not None)
        if day is not None:
            self.due_date.setDate(QDate(day.year, day.month, day.day))
        self.time_box.setChecked(at is not None)
        if at is not None:
            self.due_time.setTime(QTime(at.hour, at.minute))
        self.add_button.setText("Save")
        self.cancel_button.show()
        self.new_text.setFocus()

    def add(self) -> None:
        """Add the task in the form (or save the one being changed)."""
        if self._sending or self.item is None or self.context.service is None:
            return
        try:
            draft = self.draft().checked()
        except DomainError as exc:
            message = str(exc)
            if not self.new_text.text().strip():
                message = "Write what needs doing first; empty tasks are not added."
            self.say(message, error=True)
            return
        # The button stays enabled (a flag stops a second send): disabling the focused
        # button would move the keyboard focus.
        self._sending = True
        if self.editing_task_id is None:
            self._run("task-add", self._send(draft, None))
        else:
            self._run(
                f"task-change:{self.editing_task_id}", self._send(draft, self.editing_task_id)
            )

    async def _send(self, draft: TaskDraft, task_id: int | None) -> None:
        assert self.item is not None
        assert self.context.service is not None
        service = self.context.service.task_service
        item_id = self.item.item_id
        try:
            if task_id is None:  # offline, it waits in the outbox
                tasks = await self.context.service.add_task(item_id, draft)
            else:
                tasks = await service.update(item_id, task_id, draft)
        except Exception as exc:  # shown in the pane; what was typed stays in the form
            what = "added" if task_id is None else "changed"
            self.say(f"The task was not {what}: {_message_failure(exc)}", error=True)
            return
        finally:
            self._sending = False
        if self.shown_item_id() == item_id:  # not if another item opened meanwhile
            self.clear_form()
            self._show(tasks)
            self.say("")

    def _delete_selected(self) -> None:
        task = self.selected_task()
        if task is None:
            return
        answer = QMessageBox.question(self, "Delete task", f'Delete the task "{task.text}"?')
        if answer == QMessageBox.StandardButton.Yes:
            self.delete(task.task_id)

    def delete(self, task_id: int) -> None:
        """Delete a task (no question asked; the button asks first)."""
        self._run(f"task-delete:{task_id}", self._delete(task_id))

    async def _delete(self, task_id: int) -> None:
        assert self.item is not None
        assert self.context.service is not None
        item_id = self.item.item_id
        try:
            tasks = await self.context.service.task_service.delete(item_id, task_id)
        except Exception as exc:  # shown in the pane
            self.say(f"The task was not deleted: {_message_failure(exc)}", error=True)
            return
        if self.shown_item_id() != item_id:
            return  # another item opened meanwhile; its own list is loading
        if self.editing_task_id == task_id:
            self.clear_form()
        self._show(tasks)
        self.say("" if tasks else "No tasks on this item.")

    def _on_checked(self, entry: QListWidgetItem) -> None:
        row = self.list.row(entry)
        if not 0 <= row < len(self.tasks) or self.item is None:
            return
        task = self.tasks[row]
        completed = entry.checkState() == Qt.CheckState.Checked
        if completed == (task.status == "completed"):
            return
        self.set_completed(task.task_id, completed)

    def set_completed(self, task_id: int, completed: bool) -> None:
        """Complete (or reopen) a task; the list shows Podio's state afterwards."""
        self._run(f"task-done:{task_id}", self._set_completed(task_id, completed))

    async def _set_completed(self, task_id: int, completed: bool) -> None:
        assert self.item is not None
        assert self.context.service is not None
        item_id = self.item.item_id
        try:
            tasks = await self.context.service.set_task_completed(item_id, task_id, completed)
        except Exception as exc:  # shown in the pane; the box goes back to what Podio has
            what = "completed" if completed else "reopened"
            self.say(f"The task was not {what}: {_message_failure(exc)}", error=True)
            self._show(self.tasks)
            return
        if self.shown_item_id() != item_id:
            return  # another item opened meanwhile
        self._show(tasks)
        self.say("")


class SidePanes(QTabWidget):
    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.comments = CommentsPane(context, self)
        self.files = FilesPane(context, self)
        self.history = HistoryPane(context, self)
        self.tasks = TasksPane(context, self)
        self.addTab(self.comments, "Comments")
        self.addTab(self.files, "Files")
        self.addTab(self.history, "History")
        self.addTab(self.tasks, "Tasks")

    def show_item(self, app: App, item: Item) -> None:
        for pane in (self.comments, self.files, self.history, self.tasks):
            pane.show_item(app, item)

    def clear(self) -> None:
        for pane in (self.comments, self.files, self.history, self.tasks):
            pane.item = None
