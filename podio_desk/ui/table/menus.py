"""The item table's context menus: on rows and on column headers.

The menus only list actions; what each does is the caller's (`AppBrowser`), given as
callbacks, so the menus can be built and tested without a session. An action that does not
apply is absent (no related item) or disabled (a column Podio cannot sort by).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

Action = Callable[[], object]


@dataclass
class RowActions:
    """What the row menu can do for the row (and cell) it was opened on."""

    open_item: Action
    open_in_podio: Action | None
    copy_link: Action | None
    copy: Action
    paste: Action | None
    duplicate: Action | None
    delete: Action | None
    filter_by_value: Action | None
    filter_label: str = "Filter by this value"
    open_related: Action | None = None
    related_label: str = "Open related item"


def row_menu(actions: RowActions, parent: QWidget) -> QMenu:
    menu = QMenu(parent)
    menu.setObjectName("rowMenu")
    opened = menu.addAction("Open", actions.open_item)
    opened.setShortcut(QKeySequence("Ctrl+Return"))
    if actions.open_related is not None:
        menu.addAction(actions.related_label, actions.open_related)
    _add(menu, "Open in Podio", actions.open_in_podio)
    _add(menu, "Copy link", actions.copy_link)
    menu.addSeparator()
    copy = menu.addAction("Copy", actions.copy)
    copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
    paste = _add(menu, "Paste", actions.paste)
    paste.setShortcut(QKeySequence(QKeySequence.StandardKey.Paste))
    menu.addSeparator()
    _add(menu, actions.filter_label, actions.filter_by_value)
    menu.addSeparator()
    _add(menu, "Duplicate", actions.duplicate)
    _add(menu, "Delete…", actions.delete)
    return menu


@dataclass
class HeaderActions:
    """What the header menu can do for the column it was opened on."""

    sort_ascending: Action | None
    sort_descending: Action | None
    hide: Action | None
    freeze: Action | None
    freeze_label: str
    filter: Action | None
    choose_columns: Action


def header_menu(actions: HeaderActions, parent: QWidget) -> QMenu:
    menu = QMenu(parent)
    menu.setObjectName("headerMenu")
    _add(menu, "Sort ascending", actions.sort_ascending)
    _add(menu, "Sort descending", actions.sort_descending)
    menu.addSeparator()
    _add(menu, "Filter…", actions.filter)
    menu.addSeparator()
    _add(menu, "Hide column", actions.hide)
    _add(menu, actions.freeze_label, actions.freeze)
    menu.addAction("Choose columns…", actions.choose_columns)
    return menu


def _add(menu: QMenu, text: str, action: Action | None) -> QAction:
    """An action, disabled when it does not apply here."""
    if action is None:
        entry = menu.addAction(text)
        entry.setEnabled(False)
        return entry
    return menu.addAction(text, action)
