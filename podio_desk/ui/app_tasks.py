"""An app's tasks (`GET /task/?app=`) as a table with the filters open, mine and overdue;
opening a task's item shows it in the item editor. Also the actions that open this list and
the app's webhooks for the app shown in the table (File menu), or for an app of the workspace
tree (its context menu)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from podio_desk.domain.items import Task
from podio_desk.domain.tasks import TaskFilter, due_text, is_completed, is_overdue
from podio_desk.domain.workspace import App
from podio_desk.services.tasks import APP_TASKS_MAX, TaskService
from podio_desk.services.workspace import AppEntry
from podio_desk.ui.editor.context import TaskRunnerLike
from podio_desk.ui.hooks_dialog import HooksDialog

ModelIndex = QModelIndex | QPersistentModelIndex
OVERDUE_COLOR = QColor("#c01c28")
# Opens an item in the editor: (app_id, item_id).
OpenItem = Callable[[int | None, int], object]


def task_item_id(task: Task) -> int | None:
    return task.ref_id if task.ref_type == "item" else None


def task_item_title(task: Task) -> str:
    ref = task.raw.get("ref")
    title = ref.get("title") if isinstance(ref, dict) else None
    if isinstance(title, str) and title:
        return title
    return f"Item {task.ref_id}" if task.ref_id is not None else ""


class AppTasksModel(QAbstractTableModel):
    """One row per task: what, on which item, who, when due, and whether done."""

    COLUMNS = ("Task", "Item", "Assignee", "Due", "Status")

    def __init__(
        self, parent: QWidget | None = None, clock: Callable[[], datetime] = datetime.now
    ) -> None:
        super().__init__(parent)
        self._tasks: tuple[Task, ...] = ()
        self._clock = clock
        self._now = clock()

    def set_tasks(self, tasks: Sequence[Task]) -> None:
        self.beginResetModel()
        self._tasks = tuple(tasks)
        self._now = self._clock()
        self.endResetModel()

    def task_at(self, row: int) -> Task | None:
        return self._tasks[row] if 0 <= row < len(self._tasks) else None

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._tasks)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section] if 0 <= section < len(self.COLUMNS) else None
        return section + 1

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        task = self.task_at(index.row())
        if task is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(task, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return task.description or None
        overdue_cell = column in (3, 4) and is_overdue(task, self._now)
        if role == Qt.ItemDataRole.ForegroundRole and overdue_cell:
            return QBrush(OVERDUE_COLOR)
        return None

    def _text(self, task: Task, column: int) -> str:
        if column == 0:
            return task.text
        if column == 1:
            return task_item_title(task)
        if column == 2:
            return task.responsible.name if task.responsible is not None else ""
        if column == 3:
            return due_text(task)
        if column == 4:
            if is_completed(task):
                return "Done"
            return "Overdue" if is_overdue(task, self._now) else "Open"
        return ""


class AppTasksDialog(QDialog):
    """The tasks of one app, filtered; Enter or a double-click opens the task's item."""

    def __init__(
        self,
        service: TaskService,
        runner: TaskRunnerLike,
        app: App,
        open_item: OpenItem,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self.app = app
        self.open_item_callback = open_item
        self.setObjectName("appTasksDialog")
        self.setWindowTitle(f"Tasks in {app.name}")
        self.open_box = QCheckBox("&Open", self)
        self.open_box.setToolTip("Only tasks not completed yet")
        self.open_box.setChecked(True)
        self.mine_box = QCheckBox("&Mine", self)
        self.mine_box.setToolTip("Only tasks you are responsible for")
        self.overdue_box = QCheckBox("O&verdue", self)
        self.overdue_box.setToolTip("Only open tasks whose due date (and time) has passed")
        for box in (self.open_box, self.mine_box, self.overdue_box):
            box.toggled.connect(lambda _on: self.reload())
        self.refresh_button = QPushButton("&Refresh", self)
        self.refresh_button.clicked.connect(lambda: self.reload())
        self.model = AppTasksModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("appTasksTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.open_action = QAction("Open item", self.table)
        self.open_action.setShortcuts(
            [QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)]
        )
        self.open_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.open_action.triggered.connect(lambda: self.open_row(self.table.currentIndex().row()))
        self.table.addAction(self.open_action)
        self.open_button = QPushButton("Open &item", self)
        self.open_button.clicked.connect(lambda: self.open_row(self.table.currentIndex().row()))
        for button in (self.refresh_button, self.open_button):
            # Enter belongs to the table (it opens the item), not to a default button.
            button.setAutoDefault(False)
        self.status = QLabel(self)
        self.status.setWordWrap(True)

        filters = QHBoxLayout()
        filters.addWidget(QLabel("Show:", self))
        for widget in (self.open_box, self.mine_box, self.overdue_box):
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.refresh_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(760, 460)
        self.load_task: asyncio.Task[Any] | None = None
        # A task changed in the window (the editor's tasks pane) shows here without Refresh.
        unsubscribe = service.changed.subscribe(self._on_tasks_changed)
        self.destroyed.connect(lambda _obj=None: unsubscribe())

    def _on_tasks_changed(self, _item_id: int) -> None:
        if self.isVisible():
            self.reload()

    def filters(self) -> TaskFilter:
        chosen = TaskFilter.NONE
        if self.open_box.isChecked():
            chosen |= TaskFilter.OPEN
        if self.mine_box.isChecked():
            chosen |= TaskFilter.MINE
        if self.overdue_box.isChecked():
            chosen |= TaskFilter.OVERDUE
        return chosen

    def reload(self) -> asyncio.Task[Any] | None:
        """Ask Podio for the tasks again with the filters shown (a newer ask replaces it)."""
        self.status.setText("Loading tasks…")
        self.load_task = self.runner.run(f"app-tasks:{self.app.app_id}", self._load(self.filters()))
        return self.load_task

    async def _load(self, filters: TaskFilter) -> None:
        try:
            tasks = await self.service.app_tasks(self.app.app_id, filters)
        except Exception as exc:  # shown in the dialog; the list keeps what it had
            self.status.setText(f"Tasks could not be loaded: {getattr(exc, 'user_message', exc)}")
            return
        self.model.set_tasks(tasks)
        if tasks:
            self.table.selectRow(0)
        count = len(tasks)
        empty = "No tasks match these filters." if filters else "This app has no tasks."
        text = f"{count:,} task{'s' if count != 1 else ''}" if count else empty
        if count >= APP_TASKS_MAX:
            text = f"The first {count:,} tasks (the list stops there; narrow the filters)"
        self.status.setText(text)

    def open_row(self, row: int) -> None:
        task = self.model.task_at(row)
        if task is None:
            return
        item_id = task_item_id(task)
        if item_id is None:
            self.status.setText("This task is not on an item.")
            return
        self.open_item_callback(self.app.app_id, item_id)


class AppPanels:
    """The File menu's "Tasks of this app…" and "Webhooks of this app…" for the app shown in
    the table, and the one dialog of each per app."""

    def __init__(
        self,
        parent: QWidget,
        runner: TaskRunnerLike,
        current: Callable[[], tuple[Any, App | None]],
        open_item: Callable[[Any, int | None, int], object],
        say: Callable[[str], None],
    ) -> None:
        self.parent = parent
        self.runner = runner
        self.current = current
        self.open_item = open_item
        self.say = say
        self.task_dialogs: dict[tuple[str, int], AppTasksDialog] = {}
        self.hook_dialogs: dict[tuple[str, int], HooksDialog] = {}
        self.tasks_action = QAction("App &tasks…", parent)
        self.tasks_action.setObjectName("appTasksAction")
        self.tasks_action.setShortcut(QKeySequence("Ctrl+Shift+T"))
        self.tasks_action.setStatusTip("The tasks of the app shown in the table")
        self.tasks_action.triggered.connect(lambda: self.show_tasks())
        self.hooks_action = QAction("App &webhooks…", parent)
        self.hooks_action.setObjectName("appHooksAction")
        self.hooks_action.setStatusTip("The webhooks registered on the app shown in the table")
        self.hooks_action.triggered.connect(lambda: self.show_hooks())
        self.actions = [self.tasks_action, self.hooks_action]

    def menu_actions(
        self, session: Any, entry: AppEntry, open_app: Callable[[], object]
    ) -> list[QAction]:
        """The workspace tree's context menu of one app: open it, its tasks, its webhooks
        (new actions each time; the menu owns them)."""
        if session is None:
            return []
        app = App(app_id=entry.app_id, space_id=entry.space_id, name=entry.name)
        open_action = QAction("&Open", self.parent)
        open_action.triggered.connect(lambda: open_app())
        tasks = QAction(self.tasks_action.text(), self.parent)
        tasks.setObjectName("treeAppTasksAction")
        tasks.setStatusTip("The tasks of this app")
        tasks.triggered.connect(lambda: self.show_tasks((session, app)))
        hooks = QAction(self.hooks_action.text(), self.parent)
        hooks.setObjectName("treeAppHooksAction")
        hooks.setStatusTip("The webhooks registered on this app")
        hooks.triggered.connect(lambda: self.show_hooks((session, app)))
        return [open_action, tasks, hooks]

    def show_tasks(self, target: tuple[Any, App] | None = None) -> AppTasksDialog | None:
        """The tasks of `target` (session, app), or of the app shown in the table."""
        session, app = target if target is not None else self.current()
        if session is None or app is None:
            self.say("Open an app first, then list its tasks.")
            return None
        key = (session.key, app.app_id)
        dialog = self.task_dialogs.get(key)
        if dialog is None:
            dialog = AppTasksDialog(
                session.tasks,
                self.runner,
                app,
                lambda app_id, item_id: self.open_item(session, app_id, item_id),
                self.parent,
            )
            self.task_dialogs[key] = dialog
        dialog.show()
        dialog.raise_()
        dialog.reload()
        return dialog

    def show_hooks(self, target: tuple[Any, App] | None = None) -> HooksDialog | None:
        """The webhooks of `target` (session, app), or of the app shown in the table."""
        session, app = target if target is not None else self.current()
        if session is None or app is None:
            self.say("Open an app first, then list its webhooks.")
            return None
        key = (session.key, app.app_id)
        dialog = self.hook_dialogs.get(key)
        if dialog is None:
            dialog = HooksDialog(session.tasks, self.runner, app, self.parent)
            self.hook_dialogs[key] = dialog
        dialog.show()
        dialog.raise_()
        dialog.reload()
        return dialog
