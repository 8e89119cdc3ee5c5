"""The shown account's cache file, followed for what other processes write to it (a
`podio-desk sync` in a terminal): the shown app's tree entry, count and totals are read
again, and its rows too when the cache serves them (see services/cache_watch.py; the check
runs on the cache's writer thread, the UI thread only schedules it)."""

from __future__ import annotations

import logging

import shiboken6
from PySide6.QtWidgets import QAbstractItemView

from podio_desk.services.cache_watch import watch_cache
from podio_desk.services.session import AccountSession
from podio_desk.ui.app_browser import AppBrowser
from podio_desk.ui.editor.context import TaskRunnerLike
from podio_desk.ui.workspace_tree import WorkspaceTreeModel

log = logging.getLogger(__name__)


class CacheFollower:
    """See the module docstring. `follow(session)` when an account's app is shown."""

    def __init__(
        self, runner: TaskRunnerLike, browser: AppBrowser, tree_model: WorkspaceTreeModel
    ) -> None:
        self.runner = runner
        self.browser = browser
        self.tree_model = tree_model
        self.session: AccountSession | None = None
        # Set while a change waits for an in-place edit to end (the rows reload after it).
        self._waiting = False

    def follow(self, session: AccountSession) -> None:
        if self.session is session:
            return
        self.session = session
        # One watch at a time (the task name is the same): the previous account's ends.
        self.runner.run("cache-watch", watch_cache(session, lambda: self._changed(session)))

    def _changed(self, session: AccountSession) -> None:
        self.runner.run("cache-changed", self._refresh(session))

    async def _refresh(self, session: AccountSession) -> None:
        browser = self.browser
        app = browser.app
        if not shiboken6.isValid(browser) or browser.workspace is not session or app is None:
            return
        if session.syncing[app.app_id]:
            return  # the window's own sync: it reloads the app when it ends
        entry = await session.app_entry(app.app_id)
        fully_synced = await session.is_fully_synced(app.app_id)
        if not shiboken6.isValid(browser) or browser.app is not app:
            return
        if entry is not None:
            self.tree_model.update_app(entry)
        browser.set_synced_at(entry.synced_at if entry is not None else None)
        editing = browser.view.state() == QAbstractItemView.State.EditingState
        if (fully_synced or browser.model.origin == "cache") and not editing:
            # The cache serves the rows (now): read them again, with the count and totals.
            browser.set_fully_synced(fully_synced)
            browser.reload()
        else:
            # Rows from Podio did not change; an open in-place edit keeps its row. The
            # totals, from the cache, did.
            browser.refresh_summary()
