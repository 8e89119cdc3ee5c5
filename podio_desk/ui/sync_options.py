"""The per-app sync option "with comments and files", as a checkable menu action.

Checked, the app's sync also reads the comments and files list of each item that has them
(services/sync.py, "details"), so those open offline too. The option is kept in the account's
cache, where `podio-desk sync` reads it as well.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from podio_desk.services.session import AccountSession


class TaskSpawner(Protocol):
    def run(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...


class SyncDetailsAction(QAction):
    """Checked when the app shown syncs with its comments and files."""

    def __init__(
        self,
        runner: TaskSpawner,
        shown: Callable[[], tuple[AccountSession | None, int | None]],
        parent: QWidget,
    ) -> None:
        super().__init__("Sync with &comments and files", parent)
        self.setObjectName("syncDetailsAction")
        self.setCheckable(True)
        self.setEnabled(False)
        self.setStatusTip(
            "This app's sync also reads each item's comments and files list (one call per "
            "item that has them), so they open offline"
        )
        self._runner = runner
        self._shown = shown
        self.triggered.connect(self._changed)

    def follow(self) -> asyncio.Task[Any] | None:
        """The app shown changed: show its option."""
        session, app_id = self._shown()
        self.setEnabled(session is not None and app_id is not None)
        if session is None or app_id is None:
            self.setChecked(False)
            return None
        return self._runner.run("sync-option:read", self._read(session, app_id))

    async def _read(self, session: AccountSession, app_id: int) -> None:
        on = await session.sync_with_details(app_id)
        if self._shown() == (session, app_id):
            self.setChecked(on)

    def _changed(self, checked: bool) -> None:
        session, app_id = self._shown()
        if session is not None and app_id is not None:
            self._runner.run(
                "sync-option:write", session.set_sync_with_details(app_id, bool(checked))
            )
