"""The outbox window: changes made while Podio could not be reached, and what became of them.

A list (QTableView over `OutboxModel`) of the account's waiting writes, conflicts and
refusals, with Send now, Discard, Edit (the change goes back into the item editor, out of the
outbox) and Resolve (a conflict opens in the item editor's conflict view, the same one a save
meets). `OutboxPresenter` follows each session's `OutboxChanged` for the status bar, the tree
badge and the grid's row marks. The outbox itself is services/outbox.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from podio_desk.services.outbox import OutboxChanged, OutboxSent, PendingWrite
from podio_desk.services.session import AccountSession

STATE_TEXT = {
    "pending": "waiting",
    "sent": "sending (checked before it is sent again)",
    "conflict": "conflict: changed by someone else",
    "failed": "refused",
}
COLUMNS = ("State", "Item", "Change", "Note")


class TaskSpawner(Protocol):
    def run(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...


class OutboxModel(QAbstractTableModel):
    """One row per outbox entry (`PendingWrite`), in the order they are sent."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.writes: list[PendingWrite] = []

    def set_writes(self, writes: Sequence[PendingWrite]) -> None:
        self.beginResetModel()
        self.writes = list(writes)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.writes)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.writes):
            return None
        write = self.writes[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            column = index.column()
            if column == 0:
                return STATE_TEXT.get(write.state, write.state)
            if column == 1:
                return write.title
            if column == 2:
                return write.what
            if column == 3:
                return write.error or (
                    f"made on revision {write.revision}" if write.revision is not None else ""
                )
        return None


class OutboxPanel(QDialog):
    """See the module docstring. Not modal: the window stays usable beside it."""

    def __init__(
        self,
        runner: TaskSpawner,
        on_edit: Callable[[AccountSession, Any, Any, Any], None],
        on_resolve: Callable[[AccountSession, Any, Any], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("outboxPanel")
        self.setWindowTitle("Outbox")
        self.resize(820, 360)
        self._runner = runner
        self._on_edit = on_edit
        self._on_resolve = on_resolve
        self.session: AccountSession | None = None
        self.model = OutboxModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.view.verticalHeader().setVisible(False)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.send_button = QPushButton("Send now", self)
        self.edit_button = QPushButton("Edit…", self)
        self.resolve_button = QPushButton("Resolve conflict…", self)
        self.discard_button = QPushButton("Discard", self)
        self.send_button.clicked.connect(self.send_now)
        self.edit_button.clicked.connect(self.edit_selected)
        self.resolve_button.clicked.connect(self.resolve_selected)
        self.discard_button.clicked.connect(self.discard_selected)
        buttons = QHBoxLayout()
        for button in (self.send_button, self.edit_button, self.resolve_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.discard_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.task: asyncio.Task[Any] | None = None
        self._enable()

    # ------------------------------------------------------------ showing

    def show_session(self, session: AccountSession) -> asyncio.Task[Any] | None:
        self.session = session
        self.show()
        self.raise_()
        return self.refresh()

    def refresh(self) -> asyncio.Task[Any] | None:
        if self.session is None or self.session.outbox is None:
            return None
        self.task = self._runner.run("outbox:list", self._load(self.session))
        return self.task

    async def _load(self, session: AccountSession) -> None:
        assert session.outbox is not None
        writes = await session.outbox.listed()
        if session is not self.session:
            return
        self.model.set_writes(writes)
        waiting = sum(1 for w in writes if w.state in ("pending", "sent"))
        conflicts = sum(1 for w in writes if w.state == "conflict")
        parts = []
        if waiting:
            when = "being sent" if session.online else "sent when Podio answers again"
            parts.append(f"{waiting} change{'s' if waiting != 1 else ''} waiting ({when}).")
        else:
            parts.append("Nothing waits to be sent.")
        if conflicts:
            parts.append(
                f"{conflicts} conflict{'s' if conflicts != 1 else ''}: someone else changed "
                "the item meanwhile; nothing was overwritten. Resolve shows both versions."
            )
        self.summary.setText(" ".join(parts))
        self._enable()

    def selected(self) -> PendingWrite | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        row = rows[0].row()
        return self.model.writes[row] if 0 <= row < len(self.model.writes) else None

    def select_row(self, row: int) -> None:
        self.view.selectRow(row)

    def _enable(self) -> None:
        write = self.selected()
        self.edit_button.setEnabled(
            write is not None and write.op == "update" and write.state == "pending"
        )
        self.resolve_button.setEnabled(write is not None and write.state == "conflict")
        self.discard_button.setEnabled(write is not None and write.state != "sent")
        self.send_button.setEnabled(
            self.session is not None
            and any(w.state in ("pending", "sent") for w in self.model.writes)
        )

    # ------------------------------------------------------------ actions

    def send_now(self) -> None:
        session = self.session
        if session is not None and session.outbox is not None:
            self._runner.run("outbox:send", self._send(session))

    async def _send(self, session: AccountSession) -> None:
        if not session.online and not await session.probe():
            self.summary.setText("Podio still cannot be reached; the changes keep waiting.")
            return
        assert session.outbox is not None
        await session.outbox.start_replay()

    def discard_selected(self) -> None:
        session, write = self.session, self.selected()
        if session is None or session.outbox is None or write is None:
            return
        outbox = session.outbox

        async def discard() -> None:
            await outbox.discard(write.seq)
            await self._load(session)

        self.task = self._runner.run("outbox:discard", discard())

    def edit_selected(self) -> None:
        session, write = self.session, self.selected()
        if session is None or session.outbox is None or write is None:
            return
        outbox = session.outbox

        async def take_back() -> None:
            taken = await outbox.take_back(write.seq)
            await self._load(session)
            if taken is not None:
                app, base, change = taken
                self._on_edit(session, app, base, change)

        self.task = self._runner.run("outbox:edit", take_back())

    def resolve_selected(self) -> None:
        session, write = self.session, self.selected()
        if session is None or session.outbox is None or write is None:
            return
        outbox = session.outbox

        async def resolve() -> None:
            conflict = outbox.conflict(write.seq) or await outbox.reread_conflict(write.seq)
            app = await session.app_definition(conflict.base.app_id or write.app_id or 0)
            # The editor's conflict view takes it from here; the outbox stops listing it.
            await outbox.discard(write.seq)
            await self._load(session)
            self._on_resolve(session, app, conflict)

        self.task = self._runner.run("outbox:resolve", resolve())


class OutboxPresenter:
    """Shows each session's outbox counts in the status bar, the tree and the grid."""

    def __init__(
        self,
        set_status: Callable[[int, int, int], None],
        set_badge: Callable[[str, int, int], None],
        set_rows: Callable[[AccountSession, frozenset[int]], None],
        panel: OutboxPanel,
    ) -> None:
        self._set_status = set_status
        self._set_badge = set_badge
        self._set_rows = set_rows
        self.panel = panel
        self.refresh_panes: Callable[[AccountSession, int], None] = lambda session, item_id: None
        self.refresh_rows: Callable[[AccountSession, int | None], None] = lambda session, app: None
        # (session, placeholder id, app id, item id): a new item Podio made, in the editor
        # that shows it under its placeholder.
        self.replace_shown: Callable[[AccountSession, int, int | None, int], None] = (
            lambda session, placeholder, app, item: None
        )
        self.last: dict[str, OutboxChanged] = {}

    def on_event(self, session: AccountSession, event: OutboxChanged, shown: bool) -> None:
        self.last[session.key] = event
        self._set_badge(session.key, event.waiting, event.conflicts)
        if shown:
            self._set_status(event.waiting, event.conflicts, event.failed)
            self._set_rows(session, event.item_ids)
        if self.panel.isVisible() and self.panel.session is session:
            self.panel.refresh()

    def on_sent(self, session: AccountSession, event: OutboxSent) -> None:
        """A comment or task change arrived: an editor showing its item reads them again. A
        new item arrived: the app's rows are read again, so it is listed."""
        if event.item_id is not None and event.op in ("comment", "task"):
            self.refresh_panes(session, event.item_id)
        elif event.op == "create" and event.item is not None:
            self.refresh_rows(session, event.item.app_id)
            if event.replaces is not None and event.item_id is not None:
                self.replace_shown(session, event.replaces, event.item.app_id, event.item_id)

    def watch(self, session: AccountSession) -> None:
        """The account now shown: its counts in the status bar."""
        event = self.last.get(session.key)
        if event is None:
            self._set_status(0, 0, 0)
            return
        self._set_status(event.waiting, event.conflicts, event.failed)
        self._set_rows(session, event.item_ids)


class EditorLike(Protocol):
    def show_item(self, app: Any, item: Any) -> None: ...

    def show_conflict(self, conflict: Any) -> None: ...

    def editor(self, field_id: int) -> Any: ...


def edit_in_editor(editor: Any, app: Any, base: Any, change: Any) -> None:
    """A waiting change taken back from the outbox, in the item editor to be edited and
    saved again: the item as it was, with the change typed in (so the editor shows it as
    modified)."""
    editor.show_item(app, base)
    for field_id, value in change.values.items():
        editor.editor(field_id).set_value(value)
    if change.tags is not None:
        editor.tags.setText(", ".join(change.tags))


def resolve_in_editor(editor: Any, app: Any, conflict: Any) -> None:
    """An outbox conflict in the editor's conflict view, as a save that met it."""
    editor.show_item(app, conflict.base)
    editor.show_conflict(conflict)


def install_outbox(controller: Any) -> OutboxPresenter:
    """Wire the outbox into the window (the controller keeps only this one call)."""

    def editor_of(session: AccountSession) -> Any:
        dock = controller.editor_dock(session)
        dock.show()
        return dock.editor

    panel = OutboxPanel(
        controller.runner,
        on_edit=lambda session, app, base, change: edit_in_editor(
            editor_of(session), app, base, change
        ),
        on_resolve=lambda session, app, conflict: resolve_in_editor(
            editor_of(session), app, conflict
        ),
        parent=controller.window,
    )

    def set_rows(session: AccountSession, item_ids: frozenset[int]) -> None:
        if controller.browser.workspace is session:
            controller.browser.model.set_outbox_pending(item_ids)

    presenter = OutboxPresenter(
        controller.indicators.set_outbox, controller.tree_model.set_outbox, set_rows, panel
    )

    def open_panel() -> None:
        session = controller.browser.workspace or controller.sessions.get(controller._watched)
        if session is not None:
            panel.show_session(session)

    def refresh_panes(session: AccountSession, item_id: int) -> None:
        dock = controller.editor_docks.get(session.key)
        shown = None if dock is None else dock.editor.item
        if dock is not None and shown is not None and shown.item_id == item_id:
            dock.editor.side.comments.refresh()
            dock.editor.side.tasks.refresh()

    def rows_shown(_app_id: int) -> None:
        # The outbox's counts may come before any app is shown (at start): the rows of
        # items with writes waiting are marked once an app's rows are there.
        session = controller.browser.workspace
        event = None if session is None else presenter.last.get(session.key)
        if session is not None and event is not None:
            set_rows(session, event.item_ids)

    def refresh_rows(session: AccountSession, app_id: int | None) -> None:
        browser = controller.browser
        shown = browser.app
        if browser.workspace is session and shown is not None and app_id in (None, shown.app_id):
            browser.model.refresh()

    def replace_shown(
        session: AccountSession, placeholder: int, app_id: int | None, item_id: int
    ) -> None:
        # The editor showing a new item that was waiting shows it as Podio made it (unless
        # it holds unsaved edits: saving those says the item was sent meanwhile).
        dock = controller.editor_docks.get(session.key)
        editor = None if dock is None else dock.editor
        shown = None if editor is None else editor.item
        if editor is None or shown is None or shown.item_id != placeholder:
            return
        if not editor.has_changes():
            controller.open_item(session, app_id, item_id)

    controller.browser.app_opened.connect(rows_shown)
    presenter.replace_shown = replace_shown
    presenter.refresh_panes = refresh_panes
    presenter.refresh_rows = refresh_rows
    controller.indicators.outbox_button.clicked.connect(open_panel)
    return presenter


def start_outbox(runner: TaskSpawner, session: AccountSession) -> None:
    """A session just opened: its counts shown, and what waits from an earlier run sent."""
    if session.outbox is None:
        return
    runner.run(f"outbox:announce:{session.key}", session.outbox.announce())
    session.start_outbox()
