"""The item table's view: QTableView with the table's behaviour, Qt's own painting.

Keyboard and mouse: Enter, or a double-click on the title (or on a cell that cannot be
edited in place), opens the row's item; F2, or a double-click on an editable cell, edits
that cell in place (through the one `CellDelegate`); Ctrl+C copies the selected cells as
tab-separated text; Ctrl+click on a link cell opens the link; a click on a column header
sorts by it (a new query, sorted where the data lives).
"""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHeaderView,
    QTableView,
    QWidget,
)

from podio_desk.ui.table.cells import Cell, Roles
from podio_desk.ui.table.delegate import CellDelegate, Commit
from podio_desk.ui.table.model import ItemTableModel


class ItemTableView(QTableView):
    """See the module docstring.

    Signals:
        item_activated(app_id, item_id): double-click or Enter on a loaded row.
    """

    item_activated = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("itemTable")
        self.cell_delegate = CellDelegate(self)
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
        # Double-clicks are sorted out in _on_double_clicked (open the item or edit in place).
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.doubleClicked.connect(self._on_double_clicked)
        self.clicked.connect(self._open_link_on_ctrl_click)
        self.verticalScrollBar().valueChanged.connect(self._request_visible_rows)
        self._model: ItemTableModel[Any] | None = None

    def setModel(self, model: Any) -> None:
        """Reimplements QTableView.setModel: the sort indicator follows the model's query."""
        if self._model is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                self._model.modelReset.disconnect(self._sync_sort_indicator)
                self._model.total_changed.disconnect(self._request_visible_rows)
        super().setModel(model)
        self._model = model if isinstance(model, ItemTableModel) else None
        if self._model is not None:
            self._model.modelReset.connect(self._sync_sort_indicator)
            self._model.total_changed.connect(self._request_visible_rows)

    def set_commit(self, commit: Commit | None) -> None:
        """Where values edited in place go (an `InlineSaver`); None: no editing in place."""
        self.cell_delegate.commit = commit

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

    def copy_selection(self) -> str:
        """Copy the selected cells as TSV to the clipboard; returns the text."""
        if self._model is None:
            return ""
        text = self._model.tsv(self.selectionModel().selectedIndexes())
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(text)
        return text

    # ------------------------------------------------------------------ Qt overrides

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        """Reimplements QAbstractItemView.closeEditor: a refused value stays in its editor
        (with the message) until it is fixed or Esc cancels it, so nothing typed is lost."""
        delegate = self.cell_delegate
        if delegate.last_error and hint != QAbstractItemDelegate.EndEditHint.RevertModelCache:
            editor.setFocus()
            return
        delegate.last_error = ""
        super().closeEditor(editor, hint)

    def keyboardSearch(self, search: str) -> None:
        """Reimplements QAbstractItemView.keyboardSearch: no type-to-find. Qt's walks every row
        through `data()`, which on this lazily paged table asks Podio for every page of the app
        (the search box, Ctrl+F, searches instead)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Reimplements QAbstractItemView.keyPressEvent: Ctrl+C copies TSV, Enter opens."""
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._activate(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)

    def event(self, event: QEvent) -> bool:
        """Reimplements QObject.event: Ctrl+C must reach keyPressEvent, not a menu shortcut."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Copy)
        ):
            event.accept()
            return True
        return super().event(event)

    def resizeEvent(self, event: Any) -> None:
        """Reimplements QAbstractItemView.resizeEvent: more rows may be visible now."""
        super().resizeEvent(event)
        self._request_visible_rows()

    # ------------------------------------------------------------------ slots

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

    def _sync_sort_indicator(self) -> None:
        model = self._model
        header = self.horizontalHeader()
        current = model.sort_column() if model is not None else None
        if current is None:
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        else:
            order = Qt.SortOrder.DescendingOrder if current[1] else Qt.SortOrder.AscendingOrder
            header.setSortIndicator(current[0], order)

    def _open_link_on_ctrl_click(self, index: QModelIndex) -> None:
        """Ctrl+click on a link cell (a related item, a contact, an e-mail) opens the link."""
        if not QGuiApplication.keyboardModifiers() & Qt.KeyboardModifier.ControlModifier:
            return
        cell = index.data(Roles.CELL)
        if isinstance(cell, Cell) and cell.link:
            QDesktopServices.openUrl(QUrl(cell.link))

    def _on_double_clicked(self, index: QModelIndex) -> None:
        model = self._model
        if model is None or not index.isValid():
            return
        if not model.opens_item(index.column()) and model.flags(index) & (
            Qt.ItemFlag.ItemIsEditable
        ):
            self.edit(index)
            return
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
