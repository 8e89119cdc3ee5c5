"""An app's webhooks, read-only: URL, type and status, with why Podio Desk does not use them.

A hook URL often carries its credential in the query (`?token=…`), so the list masks query
values (and a password in the address); "Show URL" reveals the selected one, "Copy URL"
copies it whole."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from podio_desk.domain.tasks import Hook
from podio_desk.domain.workspace import App
from podio_desk.services.tasks import TaskService
from podio_desk.ui.editor.context import TaskRunnerLike

ModelIndex = QModelIndex | QPersistentModelIndex

POLLING_NOTE = (
    "Podio delivers webhooks by calling a public web address. A desktop app has none, so "
    "Podio Desk cannot receive them: it asks Podio for changes instead (Sync). The hooks "
    "below belong to other services and are shown for reference only."
)
# Podio's hook states, in words (docs/podio-api.md, Webhooks).
STATUS_TEXT = {"active": "Active", "inactive": "Inactive (not verified)"}


MASK = "••••"


def masked_url(url: str) -> str:
    """The URL with its query values and any password replaced by a mask (names kept)."""
    try:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username}:{MASK}@" + netloc.rpartition("@")[2]
    hidden = urlencode([(name, MASK) for name, _ in query], safe=MASK) if query else parts.query
    return urlunsplit((parts.scheme, netloc, parts.path, hidden, parts.fragment))


class HooksModel(QAbstractTableModel):
    COLUMNS = ("URL", "Type", "Status")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hooks: tuple[Hook, ...] = ()
        self._revealed: set[int] = set()  # hook ids whose URL is shown whole

    def set_hooks(self, hooks: Sequence[Hook]) -> None:
        self.beginResetModel()
        self._hooks = tuple(hooks)
        self._revealed.clear()
        self.endResetModel()

    def hook_at(self, row: int) -> Hook | None:
        return self._hooks[row] if 0 <= row < len(self._hooks) else None

    def set_revealed(self, row: int, revealed: bool) -> None:
        hook = self.hook_at(row)
        if hook is None:
            return
        if revealed:
            self._revealed.add(hook.hook_id)
        else:
            self._revealed.discard(hook.hook_id)
        self.dataChanged.emit(self.index(row, 0), self.index(row, 0))

    def is_revealed(self, row: int) -> bool:
        hook = self.hook_at(row)
        return hook is not None and hook.hook_id in self._revealed

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hooks)

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
        if not index.isValid() or not 0 <= index.row() < len(self._hooks):
            return None
        hook = self._hooks[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            column = index.column()
            if column == 0:
                return hook.url if hook.hook_id in self._revealed else masked_url(hook.url)
            if column == 1:
                return hook.type
            if column == 2:
                return STATUS_TEXT.get(hook.status, hook.status)
        return None


class HooksDialog(QDialog):
    def __init__(
        self,
        service: TaskService,
        runner: TaskRunnerLike,
        app: App,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self.app = app
        self.setObjectName("hooksDialog")
        self.setWindowTitle(f"Webhooks of {app.name}")
        self.note = QLabel(POLLING_NOTE, self)
        self.note.setWordWrap(True)
        self.model = HooksModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.status = QLabel(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        self.refresh_button = QPushButton("&Refresh", self)
        buttons.addButton(self.refresh_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.refresh_button.clicked.connect(lambda: self.reload())
        self.refresh_button.setAutoDefault(False)
        self.show_button = QPushButton("&Show URL", self)
        self.show_button.setToolTip("Show the selected hook's address whole, token included")
        self.show_button.setCheckable(True)
        self.show_button.toggled.connect(self._reveal_current)
        self.copy_button = QPushButton("&Copy URL", self)
        self.copy_button.setToolTip("Copy the selected hook's whole address")
        self.copy_button.clicked.connect(self.copy_current)
        for button in (self.show_button, self.copy_button):
            button.setAutoDefault(False)
            button.setEnabled(False)
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._on_row(current.row())
        )
        self.model.modelReset.connect(lambda: self._on_row(self.table.currentIndex().row()))
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(640, 360)
        self.load_task: asyncio.Task[Any] | None = None

    def _on_row(self, row: int) -> None:
        chosen = self.model.hook_at(row) is not None
        self.copy_button.setEnabled(chosen)
        self.show_button.setEnabled(chosen)
        self.show_button.blockSignals(True)
        self.show_button.setChecked(self.model.is_revealed(row))
        self.show_button.blockSignals(False)

    def _reveal_current(self, revealed: bool) -> None:
        self.model.set_revealed(self.table.currentIndex().row(), revealed)

    def copy_current(self) -> None:
        hook = self.model.hook_at(self.table.currentIndex().row())
        if hook is not None:
            QGuiApplication.clipboard().setText(hook.url)
            self.status.setText("The hook's address was copied.")

    def reload(self) -> asyncio.Task[Any] | None:
        self.status.setText("Loading webhooks…")
        self.load_task = self.runner.run(f"app-hooks:{self.app.app_id}", self._load())
        return self.load_task

    async def _load(self) -> None:
        try:
            hooks = await self.service.hooks(self.app.app_id)
        except Exception as exc:  # shown in the dialog
            self.status.setText(
                f"Webhooks could not be loaded: {getattr(exc, 'user_message', exc)}"
            )
            return
        self.model.set_hooks(hooks)
        self.status.setText(
            f"{len(hooks)} webhook{'s' if len(hooks) != 1 else ''}"
            if hooks
            else "This app has no webhooks."
        )
