"""Fills the main window: the workspace tree dock, the app browser, the status indicators,
sign-in (first run, demo, more accounts), syncing an app, and online/offline for each account.

`app.py` builds one `DeskController(window, runner, accounts, cache_dir, settings)` and runs
`start(demo=...)`; everything the user then does is wired here. The window stays a plain frame.

Each signed-in account has one `AccountSession` (in `sessions`, by account key); the window
calls it and never its client or cache. Everything a session reports (online/offline, rate
limit, saves, sync progress) arrives in one slot, `_on_session_event`, through the one Qt
bridge of service events (`ServiceEvents`).

Editing: a session's `EditingService` is shared by its item editor dock (opened by Enter /
double-click on a row, or File > New item) and the table's inline editor (F2). Every save,
creation and deletion comes back as a session event, and the table updates the row in place
from it (no page reload).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QPersistentModelIndex, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStatusBar,
    QWidget,
)

from podio_desk.api.errors import PodioError
from podio_desk.domain.items import Item
from podio_desk.domain.links import PodioLink, PodioLinkError, parse_podio_link
from podio_desk.domain.rate_wait import rate_limit_name
from podio_desk.domain.workspace import App
from podio_desk.services.account_data import describe_pending, pending_writes, remove_local_data
from podio_desk.services.accounts import Account, AccountService
from podio_desk.services.connectivity import (
    OnlineChanged,
    RateLimitResumed,
    RateLimitWaiting,
    StatusEvent,
)
from podio_desk.services.demo import Demo, forget_demo_accounts, is_demo_account, start_demo
from podio_desk.services.editing import (
    EditEvent,
    ItemRemoved,
    ItemSaved,
    Queued,
    Saved,
)
from podio_desk.services.link_handler import is_xdg_desktop
from podio_desk.services.links import LinkNotOpenedError, LinkTarget
from podio_desk.services.outbox import OutboxChanged, OutboxSent
from podio_desk.services.session import (
    AccountSession,
    CacheCorruptError,
    CacheInUseError,
    open_session,
    set_aside_cache,
)
from podio_desk.services.sync import SyncProgress
from podio_desk.services.workspace import auth_mode_named
from podio_desk.ui.app_browser import AppBrowser
from podio_desk.ui.app_tasks import AppPanels
from podio_desk.ui.bulk.controller import BulkController
from podio_desk.ui.cache_follow import CacheFollower
from podio_desk.ui.editor.in_place import InPlaceEdit
from podio_desk.ui.editor.item_editor import EditorState, ItemEditorDock
from podio_desk.ui.editor.unsaved import UnsavedChangesGuard
from podio_desk.ui.export_dialog import ExportDialog, open_export_dialog
from podio_desk.ui.link_registration import LinkRegistration
from podio_desk.ui.login_dialog import LoginDialog, SignInRequest
from podio_desk.ui.outbox_panel import install_outbox, start_outbox
from podio_desk.ui.service_events import ServiceEvents
from podio_desk.ui.sideways_room import SidewaysRoom
from podio_desk.ui.sign_in_again import SignInAgain
from podio_desk.ui.status_bar import StatusIndicators
from podio_desk.ui.sync_options import SyncDetailsAction
from podio_desk.ui.table import InlineSaver, TaskSpawner
from podio_desk.ui.theme import Tone, set_tone
from podio_desk.ui.time_zone import TimeZoneSetting
from podio_desk.ui.view_state import ViewState
from podio_desk.ui.workspace_tree import (
    WorkspaceTreeModel,
    WorkspaceTreeView,
)

log = logging.getLogger(__name__)

MESSAGE_MS = 8000
# The demo opens its largest app (100 000 items) right away.
DEMO_APP = "Tickets"
ItemOpener = Callable[[AccountSession, int, int], None]
# The editor dock's share of the window's width when it first opens, and its least width.
EDITOR_DOCK_SHARE = 0.45
EDITOR_DOCK_MIN_WIDTH = 400
# Starting heights of the dock's form and of the side panes below it (the splitter keeps the ratio).
EDITOR_FORM_HEIGHT = 600
EDITOR_SIDE_HEIGHT = 240


class DeskController(QObject):
    """See the module docstring.

    Signals:
        ready(): accounts are loaded and shown (the tree may still be filling).
        app_shown(int): an app's first rows are on screen.
    """

    ready = Signal()
    app_shown = Signal(int)

    def __init__(
        self,
        window: QMainWindow,
        runner: TaskSpawner,
        accounts: AccountService,
        cache_dir: Path,
        settings: QSettings,
        *,
        demo_items: int | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.runner = runner
        self.accounts = accounts
        self.cache_dir = cache_dir
        self.settings = settings
        self.demo_items = demo_items
        self.sessions: dict[str, AccountSession] = {}
        self.service_events = ServiceEvents(self)
        self.service_events.received.connect(self._on_session_event)
        self.demo: Demo | None = None
        # Replaces the built-in editor dock when set (a test, another front end).
        self.item_opener: ItemOpener | None = None
        self.editor_docks: dict[str, ItemEditorDock] = {}
        self.inline_savers: dict[str, InlineSaver] = {}
        # Asked before closing, quitting, switching app or signing out with unsaved edits.
        self.unsaved = UnsavedChangesGuard(runner, window)
        # The one time zone rule of the table and the editors (ui/time_zone.py).
        self.time_zone = TimeZoneSetting(settings, self)
        self.time_zone.changed.connect(self._on_time_rule_changed)
        # A revoked sign-in asks again, pre-filled; nothing on screen is closed.
        self.sign_in_again = SignInAgain(accounts, runner, window)
        setattr(window, "close_guard", self.unsaved.maybe_keep_changes)  # noqa: B010
        self._login: LoginDialog | None = None
        self.secrets_warning_label: QLabel | None = None
        self._watched: str | None = None
        # An item a link named while its account was offline: opened once it is back online.
        self._link_waiting: tuple[str, LinkTarget] | None = None
        # Accounts whose cache is damaged, with the question offering to rebuild it.
        self.rebuild_offers: dict[str, QMessageBox] = {}

        self.tree_model = WorkspaceTreeModel(runner, self)
        self.tree = WorkspaceTreeView()
        self.tree.setModel(self.tree_model)
        self.tree.remember_in(settings)
        self.tree_dock = QDockWidget("Workspaces", window)
        self.tree_dock.setObjectName("workspaceDock")
        self.tree_dock.setWidget(self.tree)
        self.tree.setMinimumWidth(170)
        # Where the keyboard was before the tree took it: back there when a switch of app
        # is cancelled (see open_app).
        self._focus_before_tree: QWidget | None = None
        application = QApplication.instance()
        if isinstance(application, QApplication):
            application.focusChanged.connect(self._on_focus_changed)
        self.browser = AppBrowser(runner, ViewState(settings))
        # A cell being edited in place counts as unsaved work too.
        self.unsaved.register(InPlaceEdit(self.browser.view, self._shown_inline_saver))
        self.indicators = StatusIndicators()
        self.indicators.jobs.cancelled.connect(lambda _name, kept: self.show_message(kept, 0))
        self._install()
        self.tree.app_selected.connect(self._on_app_selected)
        self.tree.account_menu_actions = self.account_menu_actions
        self.browser.item_activated.connect(self._on_item_activated)
        self.browser.new_item_requested.connect(lambda _app_id: self.new_item())
        self.browser.navigate_requested.connect(self._on_navigate)
        self.browser.message.connect(self.show_message)
        self.browser.app_opened.connect(self.app_shown)
        self.browser.app_opened.connect(self._name_window)
        self.browser.mode_changed.connect(self.indicators.set_data_source)
        self.browser.app_total_known.connect(self._on_app_total)
        self.browser.banner.retry_requested.connect(self._retry_now)
        self.browser.view.cell_delegate.refused.connect(
            lambda message: self.show_message(f"Not saved: {message}")
        )
        self.tree_model.load_failed.connect(self.show_message)
        self.bulk = BulkController(self)
        self.outbox = install_outbox(self)
        self.cache_follower = CacheFollower(runner, self.browser, self.tree_model)

    # ------------------------------------------------------------------ start and stop

    async def start(self, *, demo: bool = False, demo_if_no_account: bool = False) -> None:
        """Load accounts (starting the demo first if asked) and show them; first run asks.

        `demo_if_no_account`: the README's run command — a new user gets the demo instead of
        the sign-in dialog; with an account configured it starts as usual.
        """
        await self.accounts.load()
        real_accounts = [a for a in self.accounts.list() if not is_demo_account(a)]
        if demo or (demo_if_no_account and not real_accounts):
            await self._start_demo()  # replaces demo accounts of earlier runs
        else:
            await forget_demo_accounts(self.accounts)  # their sandbox is gone
        await self.accounts.restore_all()
        for account in self.accounts.list():
            try:
                await self._attach(account)
            except CacheCorruptError as error:
                # One bad cache never hides the other accounts: they open, this one asks.
                log.warning("%s: %s", account.name, error)
                self._offer_rebuild(account, error)
        self._show_accounts()
        self.ready.emit()
        if not self.accounts.list():
            self.show_login(first_run=True)
        else:
            self.runner.run("bulk:resume-offer", self.bulk.offer_resume())

    async def aclose(self) -> None:
        """Close everything this controller opened, while the loop still runs."""
        # Shutting down was decided (asked first when the window closed): nothing asks again.
        self.unsaved.clear()
        self.time_zone.reset()
        self.sign_in_again.close()
        self.service_events.forget_all()
        await self.browser.aclose()
        for session in list(self.sessions.values()):
            await session.aclose()
        self.sessions.clear()
        await self.accounts.aclose()
        if self.demo is not None:
            await self.demo.stop()
            self.demo = None

    # ------------------------------------------------------------------ accounts

    def show_login(self, *, first_run: bool = False) -> LoginDialog:
        if self._login is None or not self._login.isVisible():
            self._login = LoginDialog(self.window, first_run=first_run)
            self._login.sign_in_requested.connect(self._on_sign_in_requested)
        self._login.open()
        return self._login

    async def sign_in(self, request: SignInRequest) -> Account:
        """Add an account and sign into it; the dialog (if any) shows errors."""
        if request.mode == "demo":
            account = await self._start_demo()
        elif request.mode == "gateway":
            account = await self.accounts.add_gateway_checked(
                name=request.name or "API gateway",
                api_url=request.api_url,
                api_key=request.api_key,
                headers=dict(request.headers),
                rate_limit=request.rate_limit,
            )
        else:
            mode = auth_mode_named(request.mode)
            account = await self.accounts.add(
                name=request.name or request.username or f"App {request.app_id}",
                client_id=request.client_id,
                client_secret=request.client_secret,
                auth_mode=mode,
                api_url=request.api_url,
                username=request.username or None,
                app_id=request.app_id,
            )
            try:
                if request.mode == "password":
                    await self.accounts.sign_in_password(account.key, request.password)
                elif request.mode == "app":
                    await self.accounts.sign_in_app(account.key, request.app_token)
                else:
                    await self.accounts.sign_in_browser(
                        account.key, lambda url: QDesktopServices.openUrl(QUrl(url))
                    )
            except BaseException:
                await self.accounts.remove(account.key)
                raise
        await self._attach(account)
        self._show_accounts()
        return account

    async def remove_account(self, key: str) -> bool:
        """Remove the account and its local data (cache, journal); refused (False, said in
        the status bar) while its journal holds changes not yet sent."""
        journal_dir = self.cache_dir.parent / "journal"
        pending = await pending_writes(journal_dir, key)
        if pending:
            name = self.accounts.get(key).name
            self.show_message(
                f"{name} was not removed: it has changes not yet sent to Podio "
                f"({describe_pending(pending)}). Let them finish first, or remove it with "
                "`podio-desk account remove --force`.",
                0,
            )
            return False
        session = self.sessions.pop(key, None)
        self.service_events.forget(key)
        self.inline_savers.pop(key, None)
        dock = self.editor_docks.pop(key, None)
        if dock is not None:
            self.unsaved.unregister(dock.editor)
            dock.hide()  # not close(): that would ask about the removed account's edits
            dock.deleteLater()
        if session is not None:
            if self.browser.workspace is session:
                self.browser.close_app()
            await session.aclose()
        name = self.accounts.get(key).name
        await self.accounts.remove(key)
        removed = await remove_local_data(self.cache_dir, journal_dir, key)
        self._show_accounts()
        data = f" and its local data ({len(removed)} files)" if removed else ""
        self.show_message(f"Removed {name}{data}.")
        return True

    async def _start_demo(self) -> Account:
        if self.demo is not None:
            return self.demo.account
        self.show_message("Starting the demo: a local Podio with sample data…", 0)
        kwargs = {} if self.demo_items is None else {"items": self.demo_items}
        self.demo = await start_demo(self.accounts, **kwargs)
        self.show_message("Demo ready: a local Podio with sample data.")
        # A new user sees everything at once: the whole tree and the big app open.
        self.tree.show_everything(self.demo.account.key, open_app_named=DEMO_APP)
        return self.demo.account

    async def _attach(self, account: Account) -> AccountSession:
        existing = self.sessions.get(account.key)
        if existing is not None:
            return existing
        session = await open_session(self.accounts, account, self.cache_dir)
        self.sessions[account.key] = session
        self.service_events.listen(account.key, session.events)
        if self._watched is None:
            self._watch(session)
        start_outbox(self.runner, session)
        return session

    def _offer_rebuild(self, account: Account, error: CacheCorruptError) -> QMessageBox:
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Damaged local copy")
        box.setText(f"The local copy of {account.name} is damaged, so the account is closed.")
        box.setInformativeText(
            "Rebuild sets the damaged file aside (it is kept, renamed to end in .corrupt-"
            "<time>) and copies the account's data from Podio again. Not now leaves the account "
            "closed until the next start."
        )
        box.setDetailedText(str(error))
        rebuild = box.addButton("Rebuild", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)

        def answered() -> None:
            self.rebuild_offers.pop(account.key, None)
            if box.clickedButton() is rebuild:
                self.runner.run(f"rebuild:{account.key}", self.rebuild_cache(account))

        box.finished.connect(answered)
        self.rebuild_offers[account.key] = box
        box.open()
        return box

    async def rebuild_cache(self, account: Account) -> None:
        """Set the account's damaged cache aside and open it with a new one."""
        try:
            aside = await set_aside_cache(self.cache_dir, account.key)
        except CacheInUseError as error:
            self.show_message(f"{account.name}: {error}", 0)
            return
        log.info("%s: damaged cache set aside as %s", account.name, aside)
        await self._attach(account)
        self._show_accounts()
        self.show_message(f"{account.name}: a new local copy is being filled from Podio.")

    def _show_accounts(self) -> None:
        entries = []
        for account in self.accounts.list():
            session = self.sessions.get(account.key)
            if session is not None:
                entries.append((account.key, account.name, session.tree))
        self.tree_model.set_accounts(entries)
        if entries and len(entries) == 1:
            self.tree.expand(self.tree_model.index(0, 0))
        self._show_secrets_warning()

    def _show_secrets_warning(self) -> None:
        """Say so, for as long as the app runs, when sign-ins cannot be kept in a keyring."""
        warning = self.accounts.secrets_warning
        if warning is None or self.secrets_warning_label is not None:
            return
        status_bar = self.window.statusBar()
        label = QLabel("\u26a0 Sign-ins kept in memory only", status_bar)
        label.setObjectName("secrets-warning")
        label.setToolTip(warning)
        set_tone(label, Tone.WARNING)
        status_bar.addPermanentWidget(label)
        self.secrets_warning_label = label

    def _watch(self, session: AccountSession) -> None:
        """The status indicators follow this account (the one whose app is shown)."""
        self._watched = session.key
        self.indicators.show_state(session.connectivity())
        self.outbox.watch(session)
        self.runner.run(
            f"time-zone:{session.key}",
            self.time_zone.learn_podio_zone(session.key, session.editing.user_time_zone),
        )

    def _shown_inline_saver(self) -> InlineSaver | None:
        session = self.browser.workspace
        return self.inline_savers.get(session.key) if session is not None else None

    def _on_time_rule_changed(self) -> None:
        """Dates are shown in another zone now: the table's rows are rendered again."""
        if self.browser.model.query is not None:
            self.browser.model.refresh_rows()
        for dock in self.editor_docks.values():
            dock.editor.time_rule_changed()

    # ------------------------------------------------------------------ the table

    def open_app(self, account_key: str, app_id: int) -> asyncio.Task[Any] | None:
        session = self.sessions.get(account_key)
        if session is None:
            return None
        shown = self.browser.app
        focus = self._focus_before_tree if self._tree_has_focus() else None
        focus = focus or QApplication.focusWidget()

        def stay() -> None:
            """Cancel: the tree's current and selected row back on the app shown, the
            keyboard where it was (the cell, the editor), not in the tree."""
            if shown is not None and self.browser.app is shown:
                self.tree.show_app(shown.app_id)
            if focus is not None and shiboken6.isValid(focus) and focus.isVisible():
                focus.setFocus(Qt.FocusReason.OtherFocusReason)

        if not self.unsaved.maybe_keep_changes(
            lambda: self._open_app_asked(account_key, app_id), stay
        ):
            # The tree shows the app still shown (Discard or Save selects the new one); after
            # the click or key that chose another has selected it.
            if shown is not None:
                QTimer.singleShot(0, lambda: self._show_in_tree(shown))
            return None
        if self._watched != account_key:
            self._watch(session)
        self.cache_follower.follow(session)  # also a new session of the same account
        entry = self.tree_model.app_entry(app_id)
        self.browser.set_synced_at(entry.synced_at if entry is not None else None)
        self.browser.view.set_commit(self.inline_saver(session))
        return self.browser.open_app(session, app_id)

    def _show_in_tree(self, app: App) -> None:
        if self.browser.app is app:
            self.tree.show_app(app.app_id)

    def _tree_has_focus(self) -> bool:
        focused = QApplication.focusWidget()
        return focused is not None and (focused is self.tree or self.tree.isAncestorOf(focused))

    def _on_focus_changed(self, old: QWidget | None, now: QWidget | None) -> None:
        """Remember where the keyboard was before the tree took it (see open_app)."""
        tree = self.tree
        if not shiboken6.isValid(tree):
            return
        if (
            now is not None
            and (now is tree or tree.isAncestorOf(now))
            and old is not None
            and old is not tree
            and not tree.isAncestorOf(old)
        ):
            self._focus_before_tree = old

    def _open_app_asked(self, account_key: str, app_id: int) -> None:
        """After Save or Discard: the app opens and the tree selects it (quietly)."""
        if self.open_app(account_key, app_id) is not None:
            self.tree.show_app(app_id)

    # ------------------------------------------------------------------ links

    def open_link(self, link: PodioLink) -> asyncio.Task[Any]:
        """Open the app or item a Podio link names (`podio-desk PODIO_LINK`, File > Open
        Podio link…) in whichever account can see it; says so in the status bar if none."""
        return self.runner.run("open-link", self._open_link(link))

    def take_link(self, text: str) -> None:
        """A link handed over by a later `podio-desk PODIO_LINK` (services/link_server.py): bring
        the window to the front and open it."""
        window = self.window
        if window.isMinimized():
            window.showNormal()
        window.raise_()
        window.activateWindow()
        try:
            link = parse_podio_link(text)
        except PodioLinkError as error:
            self.show_message(str(error), 0)
            return
        self.open_link(link)

    async def _open_link(self, link: PodioLink) -> None:
        if not self.sessions:
            self.show_message(
                "Sign in to the Podio account this link belongs to, then open the link again.", 0
            )
            return
        self.show_message(f"Opening {link.text} …", 0)
        found: tuple[AccountSession, LinkTarget] | None = None
        refusal: str | None = None
        # Every account's cache first: Podio is asked only when no cache knows the link.
        for cache_only in (True, False):
            for session in list(self.sessions.values()):
                try:
                    target = await session.find_link(link, cache_only=cache_only)
                except LinkNotOpenedError as error:
                    refusal = refusal or error.user_message
                    continue
                except PodioError as error:  # this account's Podio failed: try the others
                    refusal = refusal or error.user_message
                    continue
                if target is not None:
                    found = (session, target)
                    break
            if found is not None:
                break
        if found is None:
            self.show_message(
                refusal
                or "None of your accounts can see this link's app: it may have been deleted, "
                "or belong to an account you have not added.",
                0,
            )
            return
        session, target = found
        self.open_found(session, target)

    def open_found(self, session: AccountSession, target: LinkTarget) -> None:
        """Show a link's app in the table (selected in the tree when it is shown there) and
        its item in the editor."""
        self._link_waiting = None
        shown = self.browser.app
        if self.browser.workspace is not session or shown is None or shown.app_id != target.app_id:
            self.tree.show_app(target.app_id)
            self.open_app(session.key, target.app_id)
        if target.item_id is None:
            self.show_message(f"Opened {target.app_name}.")
            return
        item_name = target.item_name or "item"
        if not session.online:
            # The editor reads items from Podio only; the table shows the cached rows meanwhile.
            self._link_waiting = (session.key, target)
            self.show_message(
                f"Offline: {target.app_name} is shown from the local cache; the {item_name} "
                "opens in the editor once Podio can be reached.",
                0,
            )
            return
        if self.item_opener is not None:
            self.item_opener(session, target.app_id, target.item_id)
        else:
            self.open_item(session, target.app_id, target.item_id)
        self.show_message(f"Opened {item_name} #{target.app_item_id} of {target.app_name}.")

    def ask_for_link(self) -> None:
        """File > Open Podio link…: a link pasted by the user (the clipboard's, if it is one)."""
        clipboard = QGuiApplication.clipboard().text().strip()
        try:
            parse_podio_link(clipboard)
        except PodioLinkError:
            clipboard = ""
        text, ok = QInputDialog.getText(
            self.window,
            "Open Podio link",
            "The address of a Podio app or item (as your browser shows it):",
            text=clipboard,
        )
        if not ok or not text.strip():
            return
        try:
            link = parse_podio_link(text)
        except PodioLinkError as error:
            self.show_message(str(error), 0)
            return
        self.open_link(link)

    # ------------------------------------------------------------------ editing

    def editor_dock(self, session: AccountSession) -> ItemEditorDock:
        """The item editor docked at the right for this account (built on first use)."""
        dock = self.editor_docks.get(session.key)
        if dock is None:
            dock = ItemEditorDock(session.editing, self.runner, self.window)
            dock.setObjectName(f"item-editor-dock-{len(self.editor_docks)}")
            # Shaped before it is docked: a dock wider than the room left widens the window.
            self._stack_editor_panes(dock)
            add_dock = getattr(self.window, "add_dock", None)
            if callable(add_dock):
                add_dock(dock, Qt.DockWidgetArea.RightDockWidgetArea)
            else:
                self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            self._size_editor_dock(dock)
            self.editor_docks[session.key] = dock
            self.unsaved.register(dock.editor)
            dock.editor.set_time_zone_setting(self.time_zone)
        return dock

    def open_item(
        self, session: AccountSession, app_id: int | None, item_id: int
    ) -> asyncio.Task[Any] | None:
        """Show an item in the editor dock (Enter or double-click in the table)."""
        return self.editor_dock(session).open_item(app_id, item_id)

    def new_item(self) -> asyncio.Task[Any] | None:
        """Open the editor on a new item of the app shown in the table."""
        session, app = self.browser.workspace, self.browser.app
        if session is None or app is None:
            self.show_message("Open an app first, then create an item in it.")
            return None
        return self.editor_dock(session).new_item(app.app_id)

    def inline_saver(self, session: AccountSession) -> InlineSaver:
        """Saves what is edited in place in the table for this account's apps (F2)."""
        saver = self.inline_savers.get(session.key)
        if saver is None:

            def item_at(index: QPersistentModelIndex) -> tuple[App, Item] | None:
                browser = self.browser
                if browser.workspace is not session or browser.app is None:
                    return None
                if not index.isValid() or browser.model.is_removed(index.row()):
                    return None
                item = browser.model.item_at(index.row())
                return None if item is None else (browser.app, item)

            saver = InlineSaver(session.editing, self.runner, item_at, self)
            saver.saved.connect(functools.partial(self._on_inline_saved, session))
            self.inline_savers[session.key] = saver
        return saver

    def _size_editor_dock(self, dock: ItemEditorDock) -> None:
        """A new dock takes about 45 % of the window, and its side panes (comments, files,
        history, tasks) go below the form: side by side, a dock beside the table leaves the
        form too narrow for a date range or a money value with its currency."""
        width = max(EDITOR_DOCK_MIN_WIDTH, int(self.window.width() * EDITOR_DOCK_SHARE))
        self.window.resizeDocks([dock], [width], Qt.Orientation.Horizontal)

    def _stack_editor_panes(self, dock: ItemEditorDock) -> None:
        dock.setMinimumWidth(EDITOR_DOCK_MIN_WIDTH)
        # The editor's button row is wider than the dock's least width: it scrolls sideways
        # in a narrow dock instead of making the window wider; in a short dock it scrolls
        # down too, so the comment box and its button stay within reach.
        room = SidewaysRoom(dock)
        room.setObjectName("editorDockScroll")
        room.set_content(dock.editor)
        dock.setWidget(room)
        splitter = dock.editor.splitter
        splitter.setOrientation(Qt.Orientation.Vertical)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([EDITOR_FORM_HEIGHT, EDITOR_SIDE_HEIGHT])

    def _on_inline_saved(self, session: AccountSession, outcome: object) -> None:
        # What did not land is said by the table, which opens the cell again with it.
        if isinstance(outcome, Queued):
            self.show_message(outcome.message)
        elif isinstance(outcome, Saved):
            self.show_message(f"Saved \u201c{outcome.item.title}\u201d.")

    def _on_navigate(self, app_id: int, item_id: int) -> None:
        """A related item opened from the table, or Back: its app, and the item."""
        session = self.browser.workspace
        if session is None:
            return
        if self.open_app(session.key, app_id) is not None:
            # The tree's current app follows the app shown (without opening it twice).
            self.tree.show_app(app_id)
        if item_id:
            self.open_item(session, app_id, item_id)

    def _on_edit_event(self, session: AccountSession, event: EditEvent) -> None:
        self._refresh_open_editor(session, event)
        browser = self.browser
        if browser.workspace is not session or browser.app is None:
            return
        if isinstance(event, ItemSaved):
            if event.item.app_id not in (None, browser.app.app_id):
                return
            if event.created:
                # A new item's place depends on the sort and filter: show the query again.
                browser.reload()
            else:
                browser.item_saved(event.item)
        elif event.app_id in (None, browser.app.app_id):
            browser.model.mark_removed(event.item_id)

    def _refresh_open_editor(self, session: AccountSession, event: EditEvent) -> None:
        """An item saved in place while the dock shows it, untouched: the dock shows the new
        revision too (else its next save would meet a conflict with ourselves)."""
        dock = self.editor_docks.get(session.key)
        if dock is None or not isinstance(event, ItemSaved) or event.created:
            return
        editor = dock.editor
        shown = editor.item
        if (
            shown is None
            or editor.app is None
            or shown.item_id != event.item.item_id
            or shown.revision >= event.item.revision
            or editor.state not in (EditorState.READY, EditorState.SAVED)
            or editor.has_changes()
        ):
            return
        editor.show_item(editor.app, event.item)

    def sync_current_app(self, *, full: bool = False) -> asyncio.Task[Any] | None:
        session, app = self.browser.workspace, self.browser.app
        if session is None or app is None:
            self.show_message("Open an app first, then sync it.")
            return None
        name = _sync_job_name(session.key, app.app_id)
        jobs = self.indicators.jobs
        jobs.start(name, f"Syncing {app.name}", on_cancel=lambda: self.runner_cancel(name))
        return self.runner.run(name, self._sync(session, app.app_id, app.name, name, full))

    def export_current_app(self) -> ExportDialog | None:
        dialog = open_export_dialog(
            self.browser,
            self.runner,
            self.service_events,
            self.window,
            self.settings,
            sync_first=self.sync_current_app,
        )
        if dialog is None:
            self.show_message("Open an app first, then export it.")
        return dialog

    def runner_cancel(self, name: str) -> None:
        cancel = getattr(self.runner, "cancel", None)
        if callable(cancel):
            cancel(name)
        self.indicators.jobs.finish(name)

    async def _sync(
        self, session: AccountSession, app_id: int, label: str, name: str, full: bool
    ) -> None:
        try:
            result = await session.sync_app(app_id, full=full)
        finally:
            self.indicators.jobs.finish(name)
        odd = (
            f" {result.unreadable:,} item(s) could not be read fully; kept as far as they read."
            if result.unreadable
            else ""
        )
        self.show_message(
            f"{label}: {result.added:,} new, {result.changed:,} changed, "
            f"{result.deleted:,} deleted in {result.calls} calls.{odd}"
        )
        entry = await session.app_entry(app_id)
        if entry is not None:
            self.tree_model.update_app(entry)
        if self.browser.app is not None and self.browser.app.app_id == app_id:
            self.browser.set_fully_synced(True)
            self.browser.set_synced_at(entry.synced_at if entry is not None else None)
            self.browser.reload()

    # ------------------------------------------------------------------ menus

    def _install(self) -> None:
        window = self.window
        add_dock = getattr(window, "add_dock", None)
        if callable(add_dock):
            add_dock(self.tree_dock)
        else:
            window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.tree_dock)
        # Built after the window is on screen: a new child of a visible window stays hidden
        # until shown.
        self.tree_dock.show()
        set_central = getattr(window, "set_central_widget", None)
        if callable(set_central):
            set_central(self.browser)
        else:
            window.setCentralWidget(self.browser)
        status_bar = window.statusBar()
        if isinstance(status_bar, QStatusBar):
            self.indicators.install(status_bar)
        file_menu = getattr(window, "file_menu", None) or window.menuBar().addMenu("&File")
        first = file_menu.actions()[0] if file_menu.actions() else None
        actions = []
        add = QAction("&Add account…", window)
        add.setObjectName("addAccountAction")
        add.triggered.connect(lambda: self.show_login(first_run=False))
        actions.append(add)
        demo = QAction("Try the &demo", window)
        demo.setObjectName("demoAction")
        demo.triggered.connect(lambda: self.runner.run("demo", self._start_demo_and_show()))
        actions.append(demo)
        self.switch_menu = QMenu("S&witch to account", window)
        self.switch_menu.setObjectName("switchAccountMenu")
        self.switch_menu.aboutToShow.connect(self._fill_switch_menu)
        actions.append(self.switch_menu.menuAction())
        again = QAction("Sign &in again…", window)
        again.setObjectName("signInAgainAction")
        again.triggered.connect(self._ask_sign_in_again)
        actions.append(again)
        remove = QAction("&Remove account…", window)
        remove.setObjectName("removeAccountAction")
        remove.triggered.connect(self._ask_remove_account)
        actions.append(remove)
        sync = QAction("&Sync this app", window)
        sync.setObjectName("syncAppAction")
        sync.setShortcut(QKeySequence("Ctrl+R"))
        sync.triggered.connect(lambda: self.sync_current_app())
        actions.append(sync)
        self.app_panels = AppPanels(
            window,
            self.runner,
            lambda: (self.browser.workspace, self.browser.app),
            self.open_item,
            self.show_message,
        )
        actions.extend(self.app_panels.actions)
        self.tree.app_menu_actions = lambda key, entry: self.app_panels.menu_actions(
            self.sessions.get(key), entry, lambda: self.tree.select_app(entry.app_id)
        )
        self.sync_details_action = SyncDetailsAction(
            self.runner,
            lambda: (
                self.browser.workspace,
                self.browser.app.app_id if self.browser.app is not None else None,
            ),
            window,
        )
        self.app_shown.connect(lambda _app_id: self.sync_details_action.follow())
        actions.append(self.sync_details_action)
        new_item = QAction("&New item", window)
        new_item.setObjectName("newItemAction")
        new_item.setShortcut(QKeySequence.StandardKey.New)
        new_item.setStatusTip("Create an item in the app shown in the table")
        new_item.triggered.connect(lambda: self.new_item())
        actions.insert(0, new_item)
        self.new_item_action = new_item
        open_link = QAction("Open Podio &link…", window)
        open_link.setObjectName("openLinkAction")
        open_link.setShortcut(QKeySequence("Ctrl+L"))
        open_link.setStatusTip("Open the app or item of a Podio web address")
        open_link.triggered.connect(self.ask_for_link)
        actions.insert(1, open_link)
        export = QAction("&Export…", window)
        export.setObjectName("exportAction")
        export.setShortcut(QKeySequence("Ctrl+E"))
        export.setStatusTip("Export the app shown to a CSV or Excel file")
        export.triggered.connect(lambda: self.export_current_app())
        actions.append(export)
        self.export_action = export
        self.browser.view.addAction(export)  # for the table's context menu
        refresh = QAction("Re&load workspaces", window)
        refresh.setObjectName("refreshTreeAction")
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self._refresh)
        actions.append(refresh)
        self.link_registration = LinkRegistration(window, self.runner)
        self.link_registration.changed.connect(lambda text: self.show_message(text, 0))
        help_menu = getattr(window, "help_menu", None)
        if isinstance(help_menu, QMenu) and is_xdg_desktop():
            existing = help_menu.actions()
            if existing:
                help_menu.insertAction(existing[0], self.link_registration.action)
                help_menu.insertSeparator(existing[0])
            else:
                help_menu.addAction(self.link_registration.action)
        for action in actions:
            if first is not None:
                file_menu.insertAction(first, action)
            else:
                file_menu.addAction(action)
        if first is not None:
            file_menu.insertSeparator(first)

    def _fill_switch_menu(self) -> None:
        self.switch_menu.clear()
        accounts = self.accounts.list()
        if not accounts:
            self.switch_menu.addAction("No accounts yet").setEnabled(False)
        for account in accounts:
            action = self.switch_menu.addAction(f"{account.name} ({account.description})")
            action.setCheckable(True)
            action.setChecked(account.key == self._watched)
            action.triggered.connect(functools.partial(self.switch_to, account.key))

    def switch_to(self, account_key: str, _checked: bool = False) -> None:
        """Show this account: select it in the tree, follow its status in the status bar."""
        session = self.sessions.get(account_key)
        if session is None:
            return
        self._watch(session)
        index = self.tree_model.index_for_key(account_key)
        if index.isValid():
            self.tree.setCurrentIndex(index)
            self.tree.expand(index)
            self.tree.setFocus()

    async def _start_demo_and_show(self) -> None:
        account = await self._start_demo()
        await self._attach(account)
        self._show_accounts()

    def account_menu_actions(self, key: str) -> list[QAction]:
        """The actions of account `key`'s context menu in the tree."""
        again = QAction("Sign &in again…", self.tree)
        again.setObjectName("signInAgainAction")
        again.triggered.connect(lambda: self.sign_in_again.ask(key))
        return [again]

    def _ask_sign_in_again(self) -> None:
        """File > Sign in again…: the shown app's account, else the only one, else asked."""
        accounts = self.accounts.list()
        if not accounts:
            self.show_message("There is no account to sign in to; add one first.")
            return
        key = self._watched if len(accounts) > 1 else accounts[0].key
        if key is None:
            names = [f"{account.name} ({account.description})" for account in accounts]
            name, ok = QInputDialog.getItem(
                self.window, "Sign in again", "Account:", names, 0, False
            )
            if not ok:
                return
            key = accounts[names.index(name)].key
        self.sign_in_again.ask(key)

    def _ask_remove_account(self) -> None:
        accounts = self.accounts.list()
        if not accounts:
            self.show_message("There is no account to remove.")
            return
        names = [f"{account.name} ({account.description})" for account in accounts]
        name, ok = QInputDialog.getItem(
            self.window, "Remove account", "Account to remove:", names, 0, False
        )
        if not ok:
            return
        account = accounts[names.index(name)]
        answer = QMessageBox.question(
            self.window,
            "Remove account",
            f"Remove {account.name}? Its sign-in is deleted from the keyring and its local "
            "copy from this computer; Podio is unchanged.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return

        def remove() -> None:
            self.runner.run(f"remove:{account.key}", self.remove_account(account.key))

        if self.unsaved.maybe_keep_changes(remove):
            remove()

    # ------------------------------------------------------------------ slots

    def _name_window(self, _app_id: int) -> None:
        set_document = getattr(self.window, "set_document", None)
        if callable(set_document):
            set_document(*self.browser.context())

    def show_message(self, text: str, timeout_ms: int = MESSAGE_MS) -> None:
        status_bar = self.window.statusBar()
        if status_bar is not None:
            status_bar.showMessage(text, timeout_ms)

    def _on_sign_in_requested(self, request: SignInRequest) -> None:
        dialog = self._login
        self.runner.run("sign-in", self._sign_in_from_dialog(dialog, request))

    async def _sign_in_from_dialog(
        self, dialog: LoginDialog | None, request: SignInRequest
    ) -> None:
        try:
            await self.sign_in(request)
        except asyncio.CancelledError:
            if dialog is not None:
                dialog.show_error("Cancelled.")
            raise
        except Exception as error:
            message = getattr(error, "user_message", None) or str(error) or type(error).__name__
            log.info("Sign-in failed: %s", message)
            if dialog is not None:
                dialog.show_error(f"Could not sign in: {message}")
            return
        if dialog is not None:
            dialog.finish()

    def _on_app_selected(self, account_key: str, app_id: int) -> None:
        self.open_app(account_key, app_id)

    def _on_item_activated(self, app_id: int, item_id: int) -> None:
        session = self.browser.workspace
        if session is None:
            return
        if self.item_opener is not None:
            self.item_opener(session, app_id, item_id)
        else:
            self.open_item(session, app_id, item_id)

    def _is_gateway(self, key: str) -> bool:
        return any(account.key == key and account.is_gateway for account in self.accounts.list())

    def _on_session_event(self, key: str, event: object) -> None:
        """Every event of every session comes here, on the UI thread (see ServiceEvents)."""
        session = self.sessions.get(key)
        if session is None:
            return  # removed meanwhile
        if key == self._watched and isinstance(event, StatusEvent):
            self.indicators.show_event(event)
        if isinstance(event, ItemSaved | ItemRemoved):
            self._on_edit_event(session, event)
        elif isinstance(event, SyncProgress):
            jobs = self.indicators.jobs
            name = _sync_job_name(key, event.app_id)
            holder = f"process {event.holder}" if event.holder else "another Podio Desk"
            waiting_for = f"{holder} to finish syncing it" if event.phase == "waiting" else None
            jobs.progress(
                name, event.done, event.total, eta=event.eta_seconds, waiting_for=waiting_for
            )
            if event.phase == "waiting":
                who = f"process {event.holder}" if event.holder else "another Podio Desk"
                self.show_message(f"This app is already being synced by {who}; waiting for it.")
        elif isinstance(event, RateLimitWaiting | RateLimitResumed):
            until = event.until if isinstance(event, RateLimitWaiting) else None
            limit_name = rate_limit_name(self._is_gateway(key))
            self.indicators.jobs.set_rate_wait(f"sync:{key}:", until, limit_name)  # syncs too
            if self.browser.workspace is session:
                waiting = isinstance(event, RateLimitWaiting)
                self.browser.model.set_waiting(limit_name if waiting else None)
        elif isinstance(event, OnlineChanged):
            self._on_online_changed(session, event)
        elif isinstance(event, OutboxChanged):
            self.outbox.on_event(session, event, key == self._watched)
        elif isinstance(event, OutboxSent):
            self.outbox.on_sent(session, event)

    def _on_online_changed(self, session: AccountSession, event: OnlineChanged) -> None:
        since: datetime | None = None if event.online else event.since
        self.tree_model.set_offline(session.key, not event.online)
        self.browser.set_online(session, event.online, since)
        if event.online:
            self.show_message("Podio can be reached again.")
            self.tree_model.refresh(session.key)
            waiting = self._link_waiting
            if waiting is not None and waiting[0] == session.key:
                self.open_found(session, waiting[1])
        else:
            self.show_message("Podio cannot be reached: working from the local cache.")

    def _on_app_total(self, app_id: int, total: int) -> None:
        entry = self.tree_model.app_entry(app_id)
        if entry is not None and entry.item_count != total:
            self.tree_model.update_app(dataclasses.replace(entry, item_count=total))

    def _refresh(self) -> None:
        """F5: the tree from Podio again; failed rows again; offline, ask Podio now."""
        self.tree_model.refresh()
        self.browser.retry()
        session = self.browser.workspace
        if session is not None and not session.online:
            self._retry_now()

    def _retry_now(self) -> None:
        session = self.browser.workspace
        if session is not None:
            self.runner.run(f"probe:{session.key}", session.probe())


def _sync_job_name(key: str, app_id: int) -> str:
    return f"sync:{key}:{app_id}"
