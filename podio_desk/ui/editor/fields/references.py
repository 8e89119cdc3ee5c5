"""Relationship and contact editors: a linked list plus a search to add to it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, ClassVar

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from podio_desk.domain.errors import DomainError
from podio_desk.domain.fields import (
    EMPTY,
    ContactRef,
    ContactValue,
    FieldDef,
    FieldValue,
    RelatedItem,
    RelationshipValue,
)
from podio_desk.ui.editor.context import EditorContext
from podio_desk.ui.editor.fields.base import FieldEditor, _fit_list, _vbox

SEARCH_DELAY_MS = 250


class _PickListEditor(FieldEditor):
    """What is linked (a list) plus a search box whose results can be added."""

    search_hint: ClassVar[str] = "Search…"

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        self.multiple = bool(fdef.settings.get("multiple", True))
        layout = _vbox(self)
        self.linked = QListWidget(self)
        self.linked.setMaximumHeight(64)
        self.linked.itemActivated.connect(self._on_activated)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.search_hint)
        self.search.setClearButtonEnabled(True)
        self.search.textEdited.connect(self._on_search_text)
        self.search.returnPressed.connect(self._search_now)
        self.results = QListWidget(self)
        self.results.setMaximumHeight(110)
        self.results.hide()
        self.results.itemActivated.connect(self._on_result_activated)
        self.status = QLabel(self)
        self.status.setStyleSheet("color: palette(mid);")
        self.status.hide()
        layout.addWidget(self.linked)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.search, 1)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.results)
        self._entries: list[Any] = []
        self._found: list[Any] = []
        self._search_task: asyncio.Task[Any] | None = None
        if context.service is None or context.runner is None:
            self.search.setEnabled(False)
            self.search.setPlaceholderText("Search is not available here")

    # -- subclass hooks
    def _label(self, entry: Any) -> str:
        raise NotImplementedError

    def _key(self, entry: Any) -> int:
        raise NotImplementedError

    def _entries_of(self, value: FieldValue) -> list[Any]:
        raise NotImplementedError

    def _make(self, entries: Sequence[Any]) -> FieldValue:
        raise NotImplementedError

    async def _find(self, text: str) -> list[Any]:
        raise NotImplementedError

    # -- behaviour
    def _refresh(self) -> None:
        self.linked.clear()
        for entry in self._entries:
            QListWidgetItem(self._label(entry), self.linked)
        _fit_list(self.linked, len(self._entries))

    def _show(self, value: FieldValue) -> None:
        self._entries = self._entries_of(value)
        self._refresh()

    def _read(self) -> FieldValue:
        if [self._key(e) for e in self._entries] == [
            self._key(e) for e in self._entries_of(self._shown_value)
        ]:
            return self._shown_value
        return self._make(self._entries) if self._entries else EMPTY

    def add(self, entry: Any) -> None:
        if any(self._key(existing) == self._key(entry) for existing in self._entries):
            return
        if self.multiple:
            self._entries.append(entry)
        else:
            self._entries = [entry]
        self._refresh()
        self._emit_changed()

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.linked.selectedIndexes()}, reverse=True)
        if not rows and self.linked.count() == 1:
            rows = [0]
        for row in rows:
            del self._entries[row]
        self._refresh()
        self._emit_changed()

    def _on_activated(self, entry: QListWidgetItem) -> None:
        pass

    def _on_search_text(self, text: str) -> None:
        if text.strip():
            # Typing: wait for a pause; each key press replaces the waiting search.
            self._search_now(delay=SEARCH_DELAY_MS / 1000)

    def _search_now(self, delay: float = 0.0) -> None:
        text = self.search.text().strip()
        task = self.context.run(f"find:{self.fdef.field_id}", self._run_search(text, delay))
        self._search_task = task

    @property
    def search_task(self) -> asyncio.Task[Any] | None:
        return self._search_task

    async def _run_search(self, text: str, delay: float = 0.0) -> None:
        if delay:
            await asyncio.sleep(delay)
        self.status.setText("Searching…")
        self.status.show()
        try:
            found = await self._find(text)
        except DomainError as exc:
            self.status.setText(str(exc))
            return
        except Exception as exc:  # a failed search is shown, not raised into the runner
            self.status.setText(f"Search failed: {getattr(exc, 'user_message', exc)}")
            return
        self._found = found
        self.results.clear()
        for entry in found:
            QListWidgetItem(self._label(entry), self.results)
        self.results.setVisible(bool(found))
        self.status.setText("" if found else f'Nothing found for "{text}"')
        self.status.setVisible(not found)

    def _on_result_activated(self, entry: QListWidgetItem) -> None:
        row = self.results.row(entry)
        if 0 <= row < len(self._found):
            self.add(self._found[row])

    def add_result(self, row: int) -> None:
        self.add(self._found[row])

    @property
    def found(self) -> list[Any]:
        return list(self._found)


class RelationshipEditor(_PickListEditor):
    search_hint = "Search items to link…"

    def _label(self, entry: RelatedItem) -> str:
        app = f" · {entry.app_name}" if entry.app_name else ""
        return f"{entry.title or '#' + str(entry.item_id)}{app}"

    def _key(self, entry: RelatedItem) -> int:
        return entry.item_id

    def _entries_of(self, value: FieldValue) -> list[Any]:
        return list(value.items) if isinstance(value, RelationshipValue) else []

    def _make(self, entries: Sequence[Any]) -> FieldValue:
        return RelationshipValue(tuple(entries))

    async def _find(self, text: str) -> list[Any]:
        assert self.context.service is not None
        return await self.context.service.find_related(self.fdef, text)

    def _on_activated(self, entry: QListWidgetItem) -> None:
        row = self.linked.row(entry)
        if self.context.open_item is not None and 0 <= row < len(self._entries):
            linked: RelatedItem = self._entries[row]
            self.context.open_item(linked.app_id, linked.item_id)


class ContactEditor(_PickListEditor):
    search_hint = "Search people by name or e-mail…"

    def _label(self, entry: ContactRef) -> str:
        mail = f" <{entry.mails[0]}>" if entry.mails else ""
        return f"{entry.name or '#' + str(entry.profile_id)}{mail}"

    def _key(self, entry: ContactRef) -> int:
        return entry.profile_id

    def _entries_of(self, value: FieldValue) -> list[Any]:
        return list(value.contacts) if isinstance(value, ContactValue) else []

    def _make(self, entries: Sequence[Any]) -> FieldValue:
        return ContactValue(tuple(entries))

    async def _find(self, text: str) -> list[Any]:
        assert self.context.service is not None
        assert self.context.app is not None
        return list(await self.context.service.find_contacts(self.context.app, self.fdef, text))
