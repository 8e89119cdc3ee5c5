"""Help > Open Podio links with Podio Desk…: says what registering would do, and does it only
on the user's OK (services/link_handler.py; why this mechanism: docs/architecture.md,
"Podio links")."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from podio_desk import APP_NAME
from podio_desk.services.link_handler import (
    BOOKMARKLET,
    XdgPlaces,
    is_registered,
    register,
    unregister,
)
from podio_desk.ui.table import TaskSpawner

TITLE = f"Open Podio links with {APP_NAME}"


class LinkRegistration(QObject):
    """The menu action and its dialog.

    Signals:
        changed(str): registered or removed; the sentence for the status bar.
    """

    changed = Signal(str)

    def __init__(
        self,
        parent: QWidget,
        runner: TaskSpawner,
        places: Callable[[], XdgPlaces] = XdgPlaces.from_environment,
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._runner = runner
        self._places = places
        self.box: QMessageBox | None = None
        self.action = QAction(f"Open Podio &links with {APP_NAME}…", parent)
        self.action.setObjectName("registerLinksAction")
        self.action.setStatusTip(f"Let a browser bookmark open Podio pages in {APP_NAME}")
        self.action.triggered.connect(lambda: self.ask())

    def ask(self) -> QMessageBox:
        """Open the dialog (not blocking the loop); nothing is written before a button."""
        places = self._places()
        box = QMessageBox(self._parent)
        box.setObjectName("linkRegistrationBox")
        box.setWindowTitle(TITLE)
        box.setIcon(QMessageBox.Icon.Question)
        box.setTextFormat(Qt.TextFormat.RichText)
        if is_registered(places):
            box.setText(
                f"{APP_NAME} opens <code>podio-desk:</code> links: the bookmarklet opens the "
                f"Podio page shown in your browser here."
            )
            box.setInformativeText(_registered_details(places))
            copy = box.addButton("Copy the bookmarklet", QMessageBox.ButtonRole.ActionRole)
            copy.setObjectName("copyBookmarkletButton")
            stop = box.addButton("Stop opening links", QMessageBox.ButtonRole.DestructiveRole)
            stop.setObjectName("unregisterLinksButton")
            box.addButton(QMessageBox.StandardButton.Close)
        else:
            box.setText(
                f"Open the Podio app or item shown in your browser in {APP_NAME}, with one "
                "click on a bookmark?"
            )
            box.setInformativeText(_what_register_does(places))
            ok = box.addButton(QMessageBox.StandardButton.Ok)
            ok.setObjectName("registerLinksButton")
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(lambda button: self._on_button(box, places, button))
        self.box = box
        box.open()
        return box

    def _on_button(self, box: QMessageBox, places: XdgPlaces, button: QAbstractButton) -> None:
        name = button.objectName()
        if name == "registerLinksButton":
            self._runner.run("links:register", self._register(places))
        elif name == "copyBookmarkletButton":
            QGuiApplication.clipboard().setText(BOOKMARKLET)
            self.changed.emit("The bookmarklet is on the clipboard: add it as a bookmark.")
        elif name == "unregisterLinksButton":
            self._runner.run("links:unregister", self._unregister(places))

    async def _register(self, places: XdgPlaces) -> None:
        try:
            await asyncio.to_thread(register, places)
        except OSError as error:
            self.changed.emit(f"Podio links could not be registered: {error}")
            return
        QGuiApplication.clipboard().setText(BOOKMARKLET)
        self.changed.emit(
            "Registered. The bookmarklet is on the clipboard: add a bookmark with it as the "
            "address."
        )

    async def _unregister(self, places: XdgPlaces) -> None:
        try:
            await asyncio.to_thread(unregister, places)
        except OSError as error:
            self.changed.emit(f"The registration could not be removed: {error}")
            return
        self.changed.emit(f"{APP_NAME} no longer opens podio-desk: links.")


def _what_register_does(places: XdgPlaces) -> str:
    return (
        f"<p>On OK, {APP_NAME}:</p><ul>"
        f"<li>adds a hidden menu entry, {_path(places.entry)}, that opens "
        "<code>podio-desk:</code> links with this copy of the app, and makes it their "
        f"handler in {_path(places.mimeapps)} (one line; nothing else there changes);</li>"
        "<li>puts a bookmarklet on the clipboard: add a bookmark with it as the address. On a "
        f"Podio app or item, that bookmark opens it in {APP_NAME} (the browser may ask once "
        "whether to open the link with it).</li></ul>"
        "<p>Your browser stays the default for every web link, Podio links included: no "
        f"desktop lets an app take only podio.com links, and {APP_NAME} will not take them "
        "all. Without registering, File &gt; Open Podio link… (Ctrl+L) opens a copied link, and "
        "<code>podio-desk LINK</code> opens one from a terminal.</p>"
        "<p>You can undo this here.</p>"
    )


def _registered_details(places: XdgPlaces) -> str:
    return (
        f"<p>Registered by {_path(places.entry)} and one line in {_path(places.mimeapps)}. "
        "Stopping removes both; the bookmark in your browser then does nothing.</p>"
    )


def _path(path: Path) -> str:
    return f"<code>{html.escape(str(path))}</code>"
