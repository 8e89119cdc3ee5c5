"""The relationship and contact filter: a search-as-you-type list over every value (the
caller's search asks the cache and Podio), never a list of all related items, so it stays
quick with thousands of them. "No value" is a choice of its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from podio_desk.domain.fields import FieldDef

# (id, label) pairs matching the typed text: the caller searches the cache and Podio.
ReferenceSearch = Callable[[FieldDef, str], Awaitable[Sequence[tuple[int, str]]]]
# Starts a named task on the window's task runner.
Spawn = Callable[[str, Coroutine[Any, Any, None]], object]

SEARCH_DELAY_MS = 250
EMPTY_LABEL = "(no value)"


class ReferencePicker(QDialog):
    """Tick related items or contacts found by typing; the chosen ones stay listed first."""

    def __init__(
        self,
        fdef: FieldDef,
        chosen: Sequence[int | None],
        labels: dict[int, str],
        search: ReferenceSearch | None,
        spawn: Spawn | None,
        seen: Sequence[tuple[int, str]] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Filter by {fdef.label}")
        self._fdef = fdef
        self._search = search
        self._spawn = spawn
        self._seen = list(seen)
        self.empty_chosen = None in chosen
        self.chosen: dict[int, str] = {
            ident: labels.get(ident, str(ident)) for ident in chosen if ident is not None
        }
        self.searches = 0  # searches answered, for whoever waits for one
        layout = QVBoxLayout(self)
        self.query = QLineEdit(self)
        self.query.setObjectName("referenceSearch")
        self.query.setPlaceholderText(f"Type to search every {fdef.label}…")
        self.query.setClearButtonEnabled(True)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setObjectName("referenceChoices")
        self.list.itemChanged.connect(self._on_item_changed)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(self.query)
        layout.addWidget(self.status)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)
        self.query.textChanged.connect(lambda _text: self._timer.start())
        self._show([], "Type a few letters to search the cache and Podio.")
        self.query.setFocus()

    def value(self) -> list[int | None]:
        """Podio's grammar: the chosen ids, `None` for "no value"."""
        chosen: list[int | None] = list(self.chosen)
        if self.empty_chosen:
            chosen.insert(0, None)
        return chosen

    def search_now(self) -> None:
        self._timer.stop()
        text = self.query.text().strip()
        if not text or self._search is None or self._spawn is None:
            wanted = text.casefold()
            matches = [pair for pair in self._seen if wanted in pair[1].casefold()]
            self._show(matches, "" if text else "Type a few letters to search the cache and Podio.")
            return
        self.status.setText(f'Searching for "{text}"…')
        self._spawn(f"filter-search:{self._fdef.field_id}", self._run_search(text))

    async def _run_search(self, text: str) -> None:
        assert self._search is not None
        try:
            found = list(await self._search(self._fdef, text))
        except Exception as error:  # shown, not raised: the dialog stays usable
            if shiboken6.isValid(self):
                self.status.setText(f"The search failed: {error}")
            return
        if not shiboken6.isValid(self) or self.query.text().strip() != text:
            return
        self.searches += 1
        self._show(found, "" if found else f'Nothing matches "{text}".')

    def _show(self, found: Sequence[tuple[int, str]], message: str) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        empty = QListWidgetItem(EMPTY_LABEL)
        empty.setData(Qt.ItemDataRole.UserRole, None)
        self._add(empty, self.empty_chosen)
        listed = set()
        for ident, label in self.chosen.items():
            self._add(self._entry(ident, label), True)
            listed.add(ident)
        for ident, label in found:
            if ident not in listed:
                self._add(self._entry(ident, label), False)
                listed.add(ident)
        self.list.blockSignals(False)
        self.status.setText(message)

    @staticmethod
    def _entry(ident: int, label: str) -> QListWidgetItem:
        entry = QListWidgetItem(label or str(ident))
        entry.setData(Qt.ItemDataRole.UserRole, ident)
        return entry

    def _add(self, entry: QListWidgetItem, checked: bool) -> None:
        entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        entry.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.list.addItem(entry)

    def _on_item_changed(self, entry: QListWidgetItem) -> None:
        ident = entry.data(Qt.ItemDataRole.UserRole)
        checked = entry.checkState() == Qt.CheckState.Checked
        if ident is None:
            self.empty_chosen = checked
        elif checked:
            self.chosen[int(ident)] = entry.text()
        else:
            self.chosen.pop(int(ident), None)
