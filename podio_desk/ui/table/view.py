"""The item table's view: QTableView with the table's behaviour, Qt's own painting.

The current cell has a frame (see `delegate.py`) and the keyboard moves it: arrows, Home/End
(first/last column), Ctrl+Home/End (first/last row), Ctrl+arrows (to the edge), each
scrolled into sight. The leading columns (the title) are frozen (`frozen.py`).

Editing: F2, Enter or typing on an editable cell edits it in place (the typed character is
the editor's first); in the editor Enter saves and moves down, Tab moves right, Esc cancels.
Enter on the title, or on a cell that cannot be edited in place, opens the row's item, as do
Ctrl+Enter and a double-click on the title or on such a cell. Ctrl+C copies the selected rows
(`clipboard.py`), Ctrl+V pastes a block into editable cells. Ctrl+click on a related item
opens it in the app; on another link (e-mail, phone, web) it opens the link. A click on a
column header sorts by it (a new query, sorted where the data lives). Right-clicks open the
row and header menus (`menus.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHeaderView,
    QMessageBox,
    QProgressDialog,
    QTableView,
    QWidget,
)

from podio_desk.ui.editor.fields import FieldEditor
from podio_desk.ui.table import clipboard
from podio_desk.ui.table.cells import Cell, Roles
from podio_desk.ui.table.delegate import (
    CellDelegate,
    Commit,
    InlineNotSaved,
    InlineSaver,
    edit_on_key,
)
from podio_desk.ui.table.frozen import FrozenColumns
from podio_desk.ui.table.model import ItemTableModel

_CTRL = Qt.KeyboardModifier.ControlModifier
# Keys that move the current cell; with Ctrl they move the selection too.
_MOVE_KEYS = (
    Qt.Key.Key_Up,
    Qt.Key.Key_Down,
    Qt.Key.Key_Left,
    Qt.Key.Key_Right,
    Qt.Key.Key_Home,
    Qt.Key.Key_End,
    Qt.Key.Key_PageUp,
    Qt.Key.Key_PageDown,
)
# Pastes touching more rows than this ask first.
PASTE_CONFIRM_ROWS = 1


class ItemTableView(QTableView):
    """See the module docstring.

    Signals:
        item_activated(app_id, item_id): Enter, Ctrl+Enter or a double-click on a loaded row.
        related_activated(app_id, item_id): Ctrl+click (or the menu) on a related item.
        message(str): something to tell the user (a refused copy, a failed in-place save).
        row_menu_requested(QPoint, QModelIndex): a right-click on a cell (global position).
        header_menu_requested(QPoint, int): a right-click on a column header (logical).
    """

    item_activated = Signal(int, int)
    related_activated = Signal(int, int)
    message = Signal(str)
    row_menu_requested = Signal(QPoint, QModelIndex)
    header_menu_requested = Signal(QPoint, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("itemTable")
        self.cell_delegate = CellDelegate(self)
        self.cell_delegate.current_cell = self.currentIndex
        self.setItemDelegate(self.cell_delegate)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setSortingEnabled(False)  # sorting is a new query, driven by header clicks
        self.setWordWrap(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(max(22, self.fontMetrics().height() + 8))
        vertical.setHighlightSections(False)
        vertical.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        horizontal = self.horizontalHeader()
        horizontal.setSectionsMovable(True)
        horizontal.setSectionsClickable(True)
        horizontal.setHighlightSections(False)
        horizontal.setStretchLastSection(True)
        horizontal.setSortIndicatorShown(True)
        horizontal.sectionClicked.connect(self._on_header_clicked)
        horizontal.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        horizontal.customContextMenuRequested.connect(
            lambda point: self._header_menu(horizontal, point)
        )
        # Enter and double-clicks are sorted out here (open the item or edit in place);
        # typing on an editable cell starts editing it, with the typed character.
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.doubleClicked.connect(self._on_double_clicked)
        self.clicked.connect(self._open_link_on_ctrl_click)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._row_menu)
        self.verticalScrollBar().valueChanged.connect(self._request_visible_rows)
        self._model: ItemTableModel[Any] | None = None
        self._commit: Commit | None = None
        # A paste over more than one row goes here (the bulk preview) when set.
        self.many_rows_paste: Callable[[clipboard.PastePlan], object] | None = None
        self.frozen = FrozenColumns(self)
        frozen_header = self.frozen.horizontalHeader()
        frozen_header.sectionClicked.connect(self._on_header_clicked)
        frozen_header.customContextMenuRequested.connect(
            lambda point: self._header_menu(frozen_header, point)
        )
        self.frozen.doubleClicked.connect(self._on_double_clicked)
        self.frozen.clicked.connect(self._open_link_on_ctrl_click)
        self.frozen.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.frozen.customContextMenuRequested.connect(
            lambda point: self._row_menu(self.frozen.viewport().mapTo(self.viewport(), point))
        )
        for delegate in (self.cell_delegate, self.frozen.cell_delegate):
            delegate.edit_finished.connect(self._after_edit)
        self.frozen.cell_delegate.refused.connect(self.cell_delegate.refused)
        self._copy_task: asyncio.Task[Any] | None = None
        self.copy_progress: QProgressDialog | None = None
        # Set while a mouse button picks cells or rows (here, in the frozen columns or on a
        # row number): the table then scrolls only up and down, never sideways (see scrollTo).
        self._picking = False
        self.verticalHeader().viewport().installEventFilter(self)
        self.frozen.viewport().installEventFilter(self)

    def setModel(self, model: Any) -> None:
        """Reimplements QTableView.setModel: the sort indicator follows the model's query;
        the frozen columns show the same model and selection."""
        if self._model is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                self._model.modelReset.disconnect(self._sync_sort_indicator)
                self._model.total_changed.disconnect(self._request_visible_rows)
        super().setModel(model)
        self._model = model if isinstance(model, ItemTableModel) else None
        if self._model is not None:
            self._model.modelReset.connect(self._sync_sort_indicator)
            self._model.total_changed.connect(self._request_visible_rows)
            self._model.use_palette(self.palette())
        self.frozen.attach(model)
        self.selectionModel().currentChanged.connect(self._repaint_current)

    def set_commit(self, commit: Commit | None) -> None:
        """Where values edited in place go (an `InlineSaver`); None: no editing in place."""
        if isinstance(self._commit, InlineSaver):
            with contextlib.suppress(RuntimeError, TypeError):
                self._commit.not_saved.disconnect(self.reopen_not_saved)
        self._commit = commit
        self.cell_delegate.commit = commit
        self.frozen.cell_delegate.commit = commit
        if isinstance(commit, InlineSaver):
            commit.not_saved.connect(self.reopen_not_saved)

    def set_frozen_count(self, count: int) -> None:
        """Freeze the first `count` columns on screen (0: none)."""
        self.frozen.set_count(count)

    def frozen_count(self) -> int:
        return self.frozen.count

    def visible_row_range(self) -> tuple[int, int] | None:
        model = self._model
        if model is None or model.rowCount() == 0:
            return None
        first = self.rowAt(0)
        last = self.rowAt(max(0, self.viewport().height() - 1))
        if first < 0:
            first = 0
        if last < 0:
            last = model.rowCount() - 1
        return first, last

    # ------------------------------------------------------------------ in-place edits

    def editing_view(self) -> QTableView | None:
        """The view with an open in-place editor (this one or the frozen columns), if any."""
        for view in (self, self.frozen):
            if view.state() == QAbstractItemView.State.EditingState:
                return view
        return None

    def open_inline_editor(self) -> QWidget | None:
        view = self.editing_view()
        if view is None:
            return None
        editor = view.indexWidget(view.currentIndex())
        return editor

    def has_pending_inline_edit(self) -> bool:
        """Whether a cell is being edited in place with a value other than the row's (an
        unreadable value counts: it is what the user typed)."""
        editor = self.open_inline_editor()
        if not isinstance(editor, FieldEditor):
            return False
        try:
            return editor.value() != editor.original
        except Exception:
            return True

    def commit_or_discard_inline_edit(self, save: bool) -> bool:
        """Save (`save`) or drop what a cell being edited in place holds, and close its editor.
        False when the value was refused (the editor stays open with the reason)."""
        view = self.editing_view()
        editor = self.open_inline_editor()
        if view is None or editor is None:
            return True
        delegate = view.itemDelegate()
        if not isinstance(delegate, CellDelegate):
            return True
        if save:
            return delegate.finish(editor)
        delegate.cancel(editor)
        return True

    def reopen_not_saved(self, failure: InlineNotSaved) -> None:
        """An in-place save did not land: the row shows Podio's version if it was read, and
        the cell opens again with what was typed, so Enter tries again and Esc drops it."""
        model = self._model
        self.message.emit(failure.message)
        if model is None:
            return
        if failure.current is not None:
            model.replace_item(failure.current)
        index = _plain(failure.index)
        if not index.isValid() or self.editing_view() is not None:
            return
        self.setCurrentIndex(index)
        target = self._view_for(index.column())
        delegate = target.itemDelegate()
        if isinstance(delegate, CellDelegate):
            delegate.prefill(QPersistentModelIndex(index), failure.value)
        target.edit(index)

    def keep_refused_editor(
        self, delegate: CellDelegate, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint
    ) -> bool:
        """A refused value stays in its editor (with the message) until it is fixed or Esc
        cancels it, so nothing typed is lost."""
        if delegate.last_error and hint != QAbstractItemDelegate.EndEditHint.RevertModelCache:
            editor.setFocus()
            return True
        delegate.last_error = ""
        return False

    # ------------------------------------------------------------------ copy and paste

    def selected_rows(self) -> list[int]:
        """Rows of the selection (from its ranges: no per-cell walk), else the current row."""
        rows: set[int] = set()
        selection = self.selectionModel().selection()
        for number in range(selection.size()):
            selection_range = selection.at(number)
            rows.update(range(selection_range.top(), selection_range.bottom() + 1))
        if not rows and self.currentIndex().isValid():
            rows.add(self.currentIndex().row())
        return sorted(rows)

    def copy_selection(self) -> asyncio.Task[Any] | str:
        """Copy the selected rows' visible columns (screen order, header row first) to the
        clipboard as TSV and HTML. Returns the text, or the task loading missing rows."""
        model = self._model
        if model is None:
            return ""
        rows = self.selected_rows()
        if not rows:
            return ""
        if len(rows) > clipboard.COPY_ROW_LIMIT:
            self._tell(
                f"Not copied: {len(rows):,} rows are more than one copy takes "
                f"({clipboard.COPY_ROW_LIMIT:,}). Filter the table or use File > Export."
            )
            return ""
        if clipboard.missing_rows(model, rows):
            self._copy_task = model.runner.run("table:copy", self._copy_after_loading(rows))
            return self._copy_task
        return self._copy_loaded(rows, {})

    def _copy_loaded(self, rows: list[int], collected: dict[int, list[str]]) -> str:
        model = self._model
        if model is None:
            return ""
        columns = clipboard.visible_columns(self.horizontalHeader())
        headers = [model.columns[column].label for column in columns]
        lines = []
        for row in rows:
            texts = collected.get(row) or clipboard.row_texts(model, row, columns)
            if texts is None:
                self._tell("Not copied: some rows could not be loaded.")
                return ""
            lines.append(texts)
        tsv, table_html = clipboard.copy_payload(headers, lines)
        board = QGuiApplication.clipboard()
        if board is not None:
            board.setMimeData(clipboard.mime_data(tsv, table_html))
        self._tell(f"Copied {len(rows):,} row{'' if len(rows) == 1 else 's'}.")
        return tsv

    async def _copy_after_loading(self, rows: list[int]) -> str:
        """Load the selected rows not loaded yet, page by page, then copy: a progress dialog
        shows how far it got; Cancel (or a failed page) copies nothing."""
        model = self._model
        if model is None:
            return ""
        source = model.source
        columns = clipboard.visible_columns(self.horizontalHeader())
        collected: dict[int, list[str]] = {}
        pages = sorted({source.page_of(row) for row in rows})
        dialog = QProgressDialog("Loading the rows to copy…", "Cancel", 0, len(pages), self)
        dialog.setObjectName("copyProgress")
        dialog.setWindowTitle("Copy")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        self.copy_progress = dialog
        cancelled: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def cancel() -> None:
            if not cancelled.done():
                cancelled.set_result(None)

        dialog.canceled.connect(cancel)
        dialog.show()
        try:
            for done, page in enumerate(pages):
                dialog.setValue(done)
                wanted = [row for row in rows if source.page_of(row) == page]
                for attempt in range(3):
                    if not clipboard.missing_rows(model, wanted):
                        break
                    source.request_pages([page], page)
                    waiting = asyncio.ensure_future(source.wait_idle())
                    await asyncio.wait({waiting, cancelled}, return_when=asyncio.FIRST_COMPLETED)
                    if not waiting.done():
                        waiting.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await waiting
                    if cancelled.done():
                        self._tell("Copy cancelled: nothing was copied.")
                        return ""
                    if source.has_failed(wanted[0]) and attempt == 2:
                        break
                for row in wanted:
                    texts = clipboard.row_texts(model, row, columns)
                    if texts is None:
                        self._tell(
                            "Not copied: some rows could not be loaded "
                            "(see the status bar); nothing was copied."
                        )
                        return ""
                    collected[row] = texts
            dialog.setValue(len(pages))
            return self._copy_loaded(rows, collected)
        finally:
            if not cancelled.done():
                cancelled.cancel()
            dialog.close()
            dialog.deleteLater()
            self.copy_progress = None

    def paste(self) -> int:
        """Paste the clipboard's tab-separated block at the current cell as in-place edits;
        returns how many cells were sent."""
        model, commit = self._model, self._commit
        board = QGuiApplication.clipboard()
        current = self.currentIndex()
        if model is None or not current.isValid():
            return 0
        if commit is None:
            self._tell("Not pasted: this table cannot be edited.")
            return 0
        block = clipboard.parse_tsv(board.text())
        if not block:
            return 0
        columns = clipboard.visible_columns(self.horizontalHeader())
        start = columns.index(current.column()) if current.column() in columns else 0
        plan = clipboard.plan_paste(model, block, current.row(), columns[start:])
        if not plan.changes:
            lines = clipboard.refused_lines(plan)
            self._tell("Nothing pasted. " + (" ".join(lines) if lines else "No value changes."))
            return 0
        if len(plan.changes) > PASTE_CONFIRM_ROWS and self.many_rows_paste is not None:
            # Many at once: previewed, then run as a journaled job (undoable), or cancelled.
            self.many_rows_paste(plan)
            self._tell(
                f"{plan.cell_count} cells in {len(plan.changes)} items to paste: check them "
                "in the preview, then start the job (nothing is sent before)."
            )
            return 0
        if len(plan.changes) > PASTE_CONFIRM_ROWS or plan.refused:
            answer = QMessageBox.question(
                self,
                "Paste",
                f"Save {plan.cell_count} changed cells in {len(plan.changes)} items?\n\n"
                + clipboard.describe(plan),
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Save:
                self._tell("Paste cancelled: nothing was sent.")
                return 0
        for row, values in plan.changes.items():
            index = QPersistentModelIndex(model.index(row, current.column()))
            if isinstance(commit, InlineSaver):
                commit.save_values(index, values)
            else:
                for fdef, value in values.items():
                    commit(index, fdef, value)
        refused = f" {len(plan.refused)} cells were not pasted." if plan.refused else ""
        self._tell(f"Pasting {plan.cell_count} cells into {len(plan.changes)} items.{refused}")
        return plan.cell_count

    # ------------------------------------------------------------------ Qt overrides

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        """Reimplements QAbstractItemView.closeEditor: a refused value stays in its editor."""
        if self.keep_refused_editor(self.cell_delegate, editor, hint):
            return
        super().closeEditor(editor, hint)

    def edit(self, index: Any, *args: Any) -> bool:  # type: ignore[override]
        """Reimplements QAbstractItemView.edit: a frozen cell is edited in the frozen view
        (the table's own cell lies under it)."""
        if (
            isinstance(index, QModelIndex | QPersistentModelIndex)
            and index.isValid()
            and self.frozen.is_frozen(index.column())
        ):
            self.scrollTo(index)
            return bool(self.frozen.edit(index, *args)) if args else _edit_base(self.frozen, index)
        if not args:
            return _edit_base(self, index)
        typed = edit_on_key(self, index, *args) if len(args) == 2 else None
        if typed is not None:
            return typed
        return bool(super().edit(index, *args))

    def keyboardSearch(self, search: str) -> None:
        """Reimplements QAbstractItemView.keyboardSearch: no type-to-find. Qt's walks every row
        through `data()`, which on this lazily paged table asks Podio for every page of the app
        (the search box, Ctrl+F, searches instead)."""

    def moveCursor(
        self,
        cursorAction: QAbstractItemView.CursorAction,  # noqa: N803 - Qt's name
        modifiers: Qt.KeyboardModifier,
    ) -> QModelIndex:
        """Reimplements QTableView.moveCursor: Ctrl+arrows go to the edge (first/last row,
        first/last column shown), as in spreadsheets; the frozen columns never hide the
        cell moved to."""
        model = self._model
        current = self.currentIndex()
        action = QAbstractItemView.CursorAction
        if model is not None and current.isValid() and modifiers & _CTRL:
            columns = clipboard.visible_columns(self.horizontalHeader())
            if cursorAction == action.MoveUp:
                return model.index(0, current.column())
            if cursorAction == action.MoveDown:
                return model.index(model.rowCount() - 1, current.column())
            if cursorAction == action.MoveLeft and columns:
                return model.index(current.row(), columns[0])
            if cursorAction == action.MoveRight and columns:
                return model.index(current.row(), columns[-1])
        return super().moveCursor(cursorAction, modifiers)

    def scrollTo(
        self,
        index: QModelIndex | QPersistentModelIndex,
        hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible,
    ) -> None:
        """Reimplements QTableView.scrollTo: a frozen cell needs only vertical scrolling; any
        other cell is brought out from under the frozen columns. A cell picked with the mouse
        is not scrolled to sideways: Qt would bring a cell cut by an edge into sight (and a
        selected row's first cell, under the frozen title), so the next click or paste would
        land in another column than the one under the pointer."""
        if not index.isValid():
            return
        horizontal = self.horizontalScrollBar()
        if self._picking or self.frozen.is_frozen(index.column()):
            keep = horizontal.value()
            super().scrollTo(index, hint)
            horizontal.setValue(keep)
            return
        super().scrollTo(index, hint)
        covered = self.frozen.frozen_width() - self.visualRect(_plain(index)).left()
        if covered > 0:
            horizontal.setValue(horizontal.value() - covered)

    def selectionCommand(
        self, index: QModelIndex | QPersistentModelIndex, event: QEvent | None = None
    ) -> QItemSelectionModel.SelectionFlag:
        """Reimplements QAbstractItemView.selectionCommand: Ctrl+arrows, Ctrl+Home/End and
        Ctrl+PageUp/PageDown select the row moved to, as a plain arrow does (Qt's Ctrl moves
        the cursor without selecting, so Ctrl+C would copy a row other than the framed one)."""
        if (
            isinstance(event, QKeyEvent)
            and event.modifiers() & _CTRL
            and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            and event.key() in _MOVE_KEYS
        ):
            flag = QItemSelectionModel.SelectionFlag
            return flag.ClearAndSelect | flag.Rows
        return super().selectionCommand(index, event)

    def mousePressEvent(self, event: Any) -> None:
        """Reimplements QAbstractItemView.mousePressEvent: see scrollTo."""
        self._picking = True
        try:
            super().mousePressEvent(event)
        finally:
            self._picking = False

    def mouseMoveEvent(self, event: Any) -> None:
        """Reimplements QAbstractItemView.mouseMoveEvent: see scrollTo (a drag past an edge
        still scrolls: Qt's auto-scroll moves the scroll bars itself)."""
        self._picking = True
        try:
            super().mouseMoveEvent(event)
        finally:
            self._picking = False

    def eventFilter(self, watched: Any, event: QEvent) -> bool:
        """Reimplements QObject.eventFilter: a press on a row number or in the frozen columns
        picks with the mouse until its release (see scrollTo)."""
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
            self._picking = True
        elif kind == QEvent.Type.MouseButtonRelease:
            self._picking = False
        return super().eventFilter(watched, event)

    def selectRow(self, row: int) -> None:
        """Reimplements QTableView.selectRow (for callers in Python; a row number's press
        reaches Qt's own through `eventFilter`): see scrollTo."""
        self._picking = True
        try:
            super().selectRow(row)
        finally:
            self._picking = False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Reimplements QAbstractItemView.keyPressEvent: copy, paste, Enter (see the module
        docstring); keys an open editor let through do nothing here."""
        if self.editing_view() is not None and event.key() in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
            Qt.Key.Key_Escape,
            Qt.Key.Key_Tab,
            Qt.Key.Key_Backtab,
        ):
            event.accept()
            return
        self._picking = False  # a key moves the cell into sight, sideways too
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            event.accept()
            return
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
            event.accept()
            return
        current = self.currentIndex()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and current.isValid():
            if event.modifiers() & _CTRL or not self._edits_on_enter(current):
                self._activate(current)
            else:
                self.edit(current)
            event.accept()
            return
        super().keyPressEvent(event)

    def event(self, event: QEvent) -> bool:
        """Reimplements QObject.event: Ctrl+C and Ctrl+V must reach keyPressEvent, not a menu
        shortcut."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and (
                event.matches(QKeySequence.StandardKey.Copy)
                or event.matches(QKeySequence.StandardKey.Paste)
            )
        ):
            event.accept()
            return True
        return super().event(event)

    def changeEvent(self, event: QEvent) -> None:
        """Reimplements QWidget.changeEvent: a new palette (dark mode) recolours the rows."""
        super().changeEvent(event)
        model = getattr(self, "_model", None)
        if event.type() == QEvent.Type.PaletteChange and model is not None:
            model.use_palette(self.palette())

    def resizeEvent(self, event: Any) -> None:
        """Reimplements QAbstractItemView.resizeEvent: more rows may be visible now."""
        super().resizeEvent(event)
        frozen = getattr(self, "frozen", None)
        if frozen is not None:
            frozen.place()
        self._request_visible_rows()

    def updateGeometries(self) -> None:
        """Reimplements QTableView.updateGeometries: the frozen columns follow the headers."""
        super().updateGeometries()
        frozen = getattr(self, "frozen", None)  # Qt calls this while __init__ runs
        if frozen is not None:
            frozen.place()

    # ------------------------------------------------------------------ slots

    def _tell(self, text: str) -> None:
        self.message.emit(text)

    def _view_for(self, column: int) -> QTableView:
        return self.frozen if self.frozen.is_frozen(column) else self

    def _repaint_current(self, current: QModelIndex, previous: QModelIndex) -> None:
        for view in (self, self.frozen):
            for index in (previous, current):
                if index.isValid():
                    view.update(index)

    def _edits_on_enter(self, index: QModelIndex) -> bool:
        model = self._model
        if model is None or model.opens_item(index.column()):
            return False
        return bool(model.flags(index) & Qt.ItemFlag.ItemIsEditable) and self._commit is not None

    def _after_edit(self, move: str) -> None:
        """After an editor closed by a key: Enter moves down, Tab right, Shift+Tab left."""
        current = self.currentIndex()
        model = self._model
        if model is None or not current.isValid() or not move:
            self.setFocus()
            return
        target = current
        if move == "down" and current.row() + 1 < model.rowCount():
            target = model.index(current.row() + 1, current.column())
        elif move in ("right", "left"):
            columns = clipboard.visible_columns(self.horizontalHeader())
            if current.column() in columns:
                position = columns.index(current.column()) + (1 if move == "right" else -1)
                if 0 <= position < len(columns):
                    target = model.index(current.row(), columns[position])
        self.setFocus()
        if target != current:
            self.selectionModel().setCurrentIndex(
                target,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.scrollTo(target)

    def _request_visible_rows(self, *_args: object) -> None:
        model = self._model
        visible = self.visible_row_range() if model is not None else None
        if model is not None and visible is not None:
            model.request_rows(visible[0], visible[1], visible[0])

    def _on_header_clicked(self, section: int) -> None:
        model = self._model
        if model is None:
            return
        current = model.sort_column()
        descending = current is not None and current[0] == section and not current[1]
        if not model.sort_by_column(section, descending):
            self._sync_sort_indicator()

    def sort_by(self, section: int, descending: bool) -> None:
        model = self._model
        if model is not None and not model.sort_by_column(section, descending):
            self._tell("This column cannot be sorted by.")

    def _sync_sort_indicator(self) -> None:
        model = self._model
        current = model.sort_column() if model is not None else None
        for header in (self.horizontalHeader(), self.frozen.horizontalHeader()):
            if current is None:
                header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            else:
                order = Qt.SortOrder.DescendingOrder if current[1] else Qt.SortOrder.AscendingOrder
                header.setSortIndicator(current[0], order)

    def _open_link_on_ctrl_click(self, index: QModelIndex) -> None:
        """Ctrl+click on a related item opens it here; on another link, the link."""
        if not QGuiApplication.keyboardModifiers() & _CTRL:
            return
        if self.open_related(index):
            return
        cell = index.data(Roles.CELL)
        if isinstance(cell, Cell) and cell.link:
            QDesktopServices.openUrl(QUrl(cell.link))

    def open_related(self, index: QModelIndex) -> bool:
        """Open the related item of a relationship cell in the app; False if there is none."""
        cell = index.data(Roles.CELL) if index.isValid() else None
        if isinstance(cell, Cell) and cell.related is not None:
            self.related_activated.emit(*cell.related)
            return True
        return False

    def _on_double_clicked(self, index: QModelIndex) -> None:
        model = self._model
        if model is None or not index.isValid():
            return
        if (
            not model.opens_item(index.column())
            and model.flags(index) & Qt.ItemFlag.ItemIsEditable
            and self._commit is not None
        ):
            self.setCurrentIndex(index)
            self.edit(index)
            return
        self._activate(index)

    def activate(self, index: QModelIndex) -> None:
        self._activate(index)

    def _activate(self, index: QModelIndex) -> None:
        model = self._model
        if model is None or not index.isValid() or model.query is None:
            return
        if model.is_removed(index.row()):
            return
        item_id = model.item_id_at(index.row())
        if item_id is not None:
            self.item_activated.emit(model.query.app_id, item_id)

    def _row_menu(self, point: QPoint) -> None:
        index = self.indexAt(point)
        if index.isValid():
            if not self.selectionModel().isRowSelected(index.row(), QModelIndex()):
                self.selectionModel().select(
                    QItemSelection(index, index),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
            self.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
            self.row_menu_requested.emit(self.viewport().mapToGlobal(point), index)

    def _header_menu(self, header: QHeaderView, point: QPoint) -> None:
        section = header.logicalIndexAt(point)
        if section >= 0:
            self.header_menu_requested.emit(header.mapToGlobal(point), section)


def _plain(index: QModelIndex | QPersistentModelIndex) -> QModelIndex:
    model = index.model()
    if not index.isValid() or model is None:
        return QModelIndex()
    return model.index(index.row(), index.column())


def _edit_base(view: QTableView, index: QModelIndex | QPersistentModelIndex) -> bool:
    """QAbstractItemView.edit(index) of `view` as Qt has it (all triggers, no event)."""
    edit: Any = QAbstractItemView.edit  # Qt's 3-argument form accepts no event
    return bool(edit(view, index, QAbstractItemView.EditTrigger.AllEditTriggers, None))
