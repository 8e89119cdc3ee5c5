"""The workspace tree: accounts → organizations → spaces → apps, loaded lazily, cache first.

The model holds plain node objects (parent, children, state); `internalPointer` points at them
but never owns them. An account's organizations and a space's apps are fetched when the view
expands them (`canFetchMore`/`fetchMore`), first from the cache, then from Podio; a refresh
updates rows in place (insert/remove/dataChanged), never a reset.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSettings,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QContextMenuEvent, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMenu, QStyle, QTreeView, QWidget

from podio_desk.services.workspace import AppEntry, OrgEntry, SpaceEntry, WorkspaceService

log = logging.getLogger(__name__)

OFFLINE_BADGE = "offline"


class NodeKind(enum.Enum):
    ACCOUNT = "account"
    ORG = "org"
    SPACE = "space"
    APP = "app"
    MESSAGE = "message"  # "loading…" or an error line under a node


class TreeRoles(enum.IntEnum):
    KIND = Qt.ItemDataRole.UserRole + 1
    KEY = Qt.ItemDataRole.UserRole + 2  # stable path key, e.g. "acct/org:1/space:2/app:3"
    APP_ID = Qt.ItemDataRole.UserRole + 3
    ACCOUNT_KEY = Qt.ItemDataRole.UserRole + 4
    ITEM_COUNT = Qt.ItemDataRole.UserRole + 5


@dataclass(eq=False)
class Node:
    kind: NodeKind
    key: str
    label: str
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    # Lazy loading: None = never asked, False = asking, True = loaded.
    loaded: bool | None = None
    ident: int | None = None
    account_key: str = ""
    app: AppEntry | None = None
    offline: bool = False
    # Accounts: writes waiting in the outbox, and conflicts there.
    outbox: tuple[int, int] = (0, 0)

    def row(self) -> int:
        if self.parent is None:
            return 0
        return self.parent.children.index(self)

    @property
    def lazy(self) -> bool:
        return self.kind in (NodeKind.ACCOUNT, NodeKind.SPACE)


class TaskSpawner(Protocol):
    def run(self, name: str, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...


def app_count_text(app: AppEntry) -> str:
    """The count after an app's name: Podio's as last counted; without one, what the cache
    holds, marked as such (so an app with cached rows never reads "(0)")."""
    if app.item_count is not None and (app.item_count or not app.cached_count):
        return f"{app.item_count:,}"
    if app.cached_count:
        return f"{app.cached_count:,} cached"
    return ""


def sync_age(synced_at: datetime | None, now: datetime | None = None) -> str:
    """'synced 5 min ago' style text; '' when never synced."""
    if synced_at is None:
        return ""
    now = now or datetime.now(UTC)
    moment = synced_at if synced_at.tzinfo is not None else synced_at.replace(tzinfo=UTC)
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return "synced just now"
    if seconds < 3600:
        return f"synced {seconds // 60} min ago"
    if seconds < 86400:
        return f"synced {seconds // 3600} h ago"
    return f"synced {seconds // 86400} d ago"


class WorkspaceTreeModel(QAbstractItemModel):
    """Accounts → orgs → spaces → apps.

    Signals:
        load_failed(str): a refresh failed for a reason other than being offline.
        offline_changed(str, bool): an account's server could (not) be reached on the last refresh.
    """

    load_failed = Signal(str)
    offline_changed = Signal(str, bool)

    def __init__(self, runner: TaskSpawner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._root = Node(NodeKind.ACCOUNT, "", "", loaded=True)
        self._services: dict[str, WorkspaceService] = {}
        self._by_key: dict[str, Node] = {}
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)

    # ------------------------------------------------------------------ public

    def set_accounts(self, accounts: Sequence[tuple[str, str, WorkspaceService]]) -> None:
        """Show these accounts (key, label, service) in this order; keeps loaded subtrees."""
        wanted = [key for key, _label, _service in accounts]
        for key, _label, service in accounts:
            self._services[key] = service
        # Remove accounts no longer there.
        for node in list(self._root.children):
            if node.account_key not in wanted:
                self._remove_child(self._root, node)
                self._services.pop(node.account_key, None)
        for position, (key, label, _service) in enumerate(accounts):
            existing = self._by_key.get(key)
            if existing is None:
                node = Node(NodeKind.ACCOUNT, key, label, account_key=key)
                self._insert_child(self._root, position, node)
            elif existing.label != label:
                existing.label = label
                self._changed(existing)

    def account_keys(self) -> list[str]:
        return [node.account_key for node in self._root.children]

    def refresh(self, account_key: str | None = None) -> None:
        """Reload loaded lists from cache then server (all accounts, or one)."""
        for account in self._root.children:
            if account_key is not None and account.account_key != account_key:
                continue
            if account.loaded:
                self._load(account)
            for org in account.children:
                for space in org.children:
                    if space.kind is NodeKind.SPACE and space.loaded:
                        self._load(space)

    def node(self, index: QModelIndex | QPersistentModelIndex) -> Node | None:
        if not index.isValid():
            return None
        node = index.internalPointer()
        return node if isinstance(node, Node) else None

    def index_for_key(self, key: str) -> QModelIndex:
        node = self._by_key.get(key)
        return QModelIndex() if node is None else self._index_of(node)

    def app_index(self, app_id: int) -> QModelIndex:
        for node in self._by_key.values():
            if node.kind is NodeKind.APP and node.ident == app_id:
                return self._index_of(node)
        return QModelIndex()

    def app_entry(self, app_id: int) -> AppEntry | None:
        for node in self._by_key.values():
            if node.kind is NodeKind.APP and node.ident == app_id:
                return node.app
        return None

    def update_app(self, entry: AppEntry) -> None:
        """New count or sync time for an app (after a sync or when the table learns a total)."""
        for node in self._by_key.values():
            if node.kind is NodeKind.APP and node.ident == entry.app_id:
                node.app = entry
                node.label = entry.name
                self._changed(node)

    def set_offline(self, account_key: str, offline: bool) -> None:
        node = self._by_key.get(account_key)
        if node is not None and node.offline != offline:
            node.offline = offline
            self._changed(node)
            self.offline_changed.emit(account_key, offline)

    def set_outbox(self, account_key: str, waiting: int, conflicts: int) -> None:
        """The outbox badge of an account: writes waiting, conflicts to look at."""
        node = self._by_key.get(account_key)
        if node is not None and node.outbox != (waiting, conflicts):
            node.outbox = (waiting, conflicts)
            self._changed(node)

    def is_loading(self) -> bool:
        return any(node.loaded is False for node in self._by_key.values())

    # ------------------------------------------------------------------ Qt model interface

    def index(
        self,
        row: int,
        column: int,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> QModelIndex:
        """Reimplements QAbstractItemModel.index."""
        if column != 0 or row < 0:
            return QModelIndex()
        parent_node = self._node_or_root(parent)
        if row >= len(parent_node.children):
            return QModelIndex()
        return self.createIndex(row, 0, parent_node.children[row])

    def parent(self, child: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        """Reimplements QAbstractItemModel.parent."""
        node = self.node(child)
        if node is None or node.parent is None or node.parent is self._root:
            return QModelIndex()
        return self._index_of(node.parent)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        """Reimplements QAbstractItemModel.rowCount."""
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node_or_root(parent).children)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        """Reimplements QAbstractItemModel.columnCount."""
        return 1

    def hasChildren(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008
        """Reimplements QAbstractItemModel.hasChildren: lazy nodes say yes until loaded."""
        node = self._node_or_root(parent)
        if parent.isValid() and parent.column() != 0:
            return False
        if node.children:
            return True
        return node.lazy and node.loaded is not True

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        """Reimplements QAbstractItemModel.canFetchMore."""
        node = self.node(parent)
        return node is not None and node.lazy and node.loaded is None

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        """Reimplements QAbstractItemModel.fetchMore: starts an async load, returns at once."""
        node = self.node(parent)
        if node is not None and node.lazy and node.loaded is None:
            self._load(node)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        """Reimplements QAbstractItemModel.flags."""
        node = self.node(index)
        if node is None:
            return Qt.ItemFlag.NoItemFlags
        if node.kind is NodeKind.MESSAGE:
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if node.kind is NodeKind.APP:
            flags |= Qt.ItemFlag.ItemNeverHasChildren
        return flags

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Reimplements QAbstractItemModel.data."""
        node = self.node(index)
        if node is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(node)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(node)
        if role == Qt.ItemDataRole.ForegroundRole and (
            node.kind is NodeKind.MESSAGE or node.offline
        ):
            return QGuiApplication.palette().brush(QPalette.ColorRole.PlaceholderText)
        if role == Qt.ItemDataRole.FontRole and node.kind is NodeKind.ACCOUNT:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon(node)
        if role == TreeRoles.KIND:
            return node.kind.value
        if role == TreeRoles.KEY:
            return node.key
        if role == TreeRoles.APP_ID:
            return node.ident if node.kind is NodeKind.APP else None
        if role == TreeRoles.ACCOUNT_KEY:
            return node.account_key
        if role == TreeRoles.ITEM_COUNT:
            return node.app.item_count if node.app is not None else None
        return None

    # ------------------------------------------------------------------ loading

    def _load(self, node: Node) -> None:
        service = self._services.get(node.account_key)
        if service is None:
            return
        node.loaded = False
        if node.kind is NodeKind.ACCOUNT:
            self._runner.run(f"tree:{node.key}", self._load_orgs(node, service))
        else:
            assert node.ident is not None
            self._runner.run(f"tree:{node.key}", self._load_apps(node, service, node.ident))

    def _show_loading(self, node: Node) -> None:
        # Not inside fetchMore itself: views and the model tester call fetchMore from their
        # rowsInserted handlers, and a nested insert there would corrupt their bookkeeping.
        if not node.children and node.parent is not None:
            self._set_message(node, "loading…")

    async def _load_orgs(self, node: Node, service: WorkspaceService) -> None:
        self._show_loading(node)
        try:
            async for orgs, origin in service.orgs():
                if node.parent is None:
                    return  # the account was removed meanwhile
                self._apply_orgs(node, orgs)
                log.debug("Tree %s: %d orgs from %s", node.key, len(orgs), origin)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._finish_failed(node, error)
            return
        self._finish(node, service)

    async def _load_apps(self, node: Node, service: WorkspaceService, space_id: int) -> None:
        self._show_loading(node)
        try:
            async for apps, _origin in service.apps(space_id):
                if node.parent is None:
                    return
                self._apply_apps(node, apps)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._finish_failed(node, error)
            return
        self._finish(node, service)

    def _finish(self, node: Node, service: WorkspaceService) -> None:
        node.loaded = True
        self._clear_message(node)
        if not node.children and service.offline:
            self._set_message(node, "not in the local cache (offline)")
        elif not node.children:
            self._set_message(node, "(empty)")
        self._changed(node)
        account = node if node.kind is NodeKind.ACCOUNT else self._account_of(node)
        if account is not None:
            self.set_offline(account.account_key, service.offline)

    def _finish_failed(self, node: Node, error: BaseException) -> None:
        node.loaded = True
        message = getattr(error, "user_message", None) or str(error) or type(error).__name__
        log.warning("Loading %s failed: %s", node.key, error)
        if not [child for child in node.children if child.kind is not NodeKind.MESSAGE]:
            self._set_message(node, f"could not load: {message}")
        else:
            self._clear_message(node)
        self.load_failed.emit(str(message))

    def _apply_orgs(self, account: Node, orgs: Sequence[OrgEntry]) -> None:
        self._clear_message(account)
        wanted = [
            Node(
                NodeKind.ORG,
                f"{account.key}/org:{org.org_id}",
                org.name,
                ident=org.org_id,
                account_key=account.account_key,
                loaded=True,
            )
            for org in orgs
        ]
        self._merge_children(account, wanted)
        for org in orgs:
            org_node = self._by_key[f"{account.key}/org:{org.org_id}"]
            spaces = [self._space_node(org_node, space) for space in org.spaces]
            self._merge_children(org_node, spaces)

    def _space_node(self, org: Node, space: SpaceEntry) -> Node:
        return Node(
            NodeKind.SPACE,
            f"{org.key}/space:{space.space_id}",
            space.name,
            ident=space.space_id,
            account_key=org.account_key,
        )

    def _apply_apps(self, space: Node, apps: Sequence[AppEntry]) -> None:
        self._clear_message(space)
        wanted = [
            Node(
                NodeKind.APP,
                f"{space.key}/app:{app.app_id}",
                app.name,
                ident=app.app_id,
                account_key=space.account_key,
                app=app,
                loaded=True,
            )
            for app in apps
        ]
        self._merge_children(space, wanted)

    def _merge_children(self, parent: Node, wanted: list[Node]) -> None:
        """Make parent's children match `wanted` (by key) with inserts/removes/changes only."""
        wanted_keys = {node.key for node in wanted}
        for child in list(parent.children):
            if child.key not in wanted_keys:
                self._remove_child(parent, child)
        for position, fresh in enumerate(wanted):
            existing = self._by_key.get(fresh.key)
            if existing is not None and existing.parent is parent:
                current = parent.children.index(existing)
                if current != position:
                    parent_index = self._index_of(parent)
                    self.beginMoveRows(
                        parent_index,
                        current,
                        current,
                        parent_index,
                        position if position < current else position + 1,
                    )
                    parent.children.pop(current)
                    parent.children.insert(position, existing)
                    self.endMoveRows()
                app = fresh.app
                if app is not None and existing.app is not None and app.item_count is None:
                    # A server refresh does not count items: keep what the table or the
                    # cache told us (the tree would otherwise lose "(100,000)" on reconnect).
                    app = dataclasses.replace(app, item_count=existing.app.item_count)
                if existing.label != fresh.label or existing.app != app:
                    existing.label = fresh.label
                    existing.app = app
                    self._changed(existing)
            else:
                self._insert_child(parent, position, fresh)

    # ------------------------------------------------------------------ helpers

    def _node_or_root(self, index: QModelIndex | QPersistentModelIndex) -> Node:
        node = self.node(index)
        return node if node is not None else self._root

    def _index_of(self, node: Node) -> QModelIndex:
        if node is self._root or node.parent is None:
            return QModelIndex()
        return self.createIndex(node.row(), 0, node)

    def _insert_child(self, parent: Node, position: int, node: Node) -> None:
        position = min(position, len(parent.children))
        self.beginInsertRows(self._index_of(parent), position, position)
        node.parent = parent
        parent.children.insert(position, node)
        self._register(node)
        self.endInsertRows()

    def _remove_child(self, parent: Node, node: Node) -> None:
        position = parent.children.index(node)
        self.beginRemoveRows(self._index_of(parent), position, position)
        parent.children.pop(position)
        self._unregister(node)
        node.parent = None
        self.endRemoveRows()

    def _register(self, node: Node) -> None:
        if node.kind is not NodeKind.MESSAGE:
            self._by_key[node.key] = node
        for child in node.children:
            child.parent = node
            self._register(child)

    def _unregister(self, node: Node) -> None:
        for child in node.children:
            self._unregister(child)
        if self._by_key.get(node.key) is node:
            del self._by_key[node.key]

    def _set_message(self, node: Node, text: str) -> None:
        self._clear_message(node)
        message = Node(NodeKind.MESSAGE, f"{node.key}/#message", text, account_key=node.account_key)
        self._insert_child(node, len(node.children), message)

    def _clear_message(self, node: Node) -> None:
        for child in list(node.children):
            if child.kind is NodeKind.MESSAGE:
                self._remove_child(node, child)

    def _changed(self, node: Node) -> None:
        index = self._index_of(node)
        if index.isValid():
            self.dataChanged.emit(index, index)

    def _account_of(self, node: Node) -> Node | None:
        current: Node | None = node
        while current is not None and current.kind is not NodeKind.ACCOUNT:
            current = current.parent
        return current

    def _display(self, node: Node) -> str:
        if node.kind is NodeKind.ACCOUNT:
            badges = [OFFLINE_BADGE] if node.offline else []
            waiting, conflicts = node.outbox
            if waiting:
                badges.append(f"{waiting} waiting")
            if conflicts:
                badges.append(f"{conflicts} conflict{'s' if conflicts != 1 else ''}")
            return f"{node.label}  [{', '.join(badges)}]" if badges else node.label
        if node.kind is NodeKind.APP and node.app is not None:
            count = app_count_text(node.app)
            return f"{node.label}  ({count})" if count else node.label
        return node.label

    def _tooltip(self, node: Node) -> str | None:
        if node.kind is NodeKind.ACCOUNT and node.offline:
            return f"{node.label}: Podio cannot be reached; showing the local cache."
        if node.kind is NodeKind.APP and node.app is not None:
            parts = [node.app.name]
            if node.app.item_count is not None:
                parts.append(f"{node.app.item_count:,} items in Podio when last counted")
            if node.app.cached_count and not node.app.fully_synced:
                parts.append(f"{node.app.cached_count:,} of them in the local cache")
            elif not node.app.cached_count:
                parts.append("nothing of it in the local cache yet")
            age = sync_age(node.app.synced_at, self.now())
            parts.append(age or "not synced yet")
            if node.app.fully_synced:
                parts.append("fully cached: sort, filter and search work offline")
            return "\n".join(parts)
        return None

    def _icon(self, node: Node) -> Any:
        style: QStyle | None = QApplication.style()
        if style is None:
            return None
        icons = {
            NodeKind.ACCOUNT: QStyle.StandardPixmap.SP_DirHomeIcon,
            NodeKind.ORG: QStyle.StandardPixmap.SP_DriveNetIcon,
            NodeKind.SPACE: QStyle.StandardPixmap.SP_DirIcon,
            NodeKind.APP: QStyle.StandardPixmap.SP_FileDialogDetailedView,
        }
        pixmap = icons.get(node.kind)
        return None if pixmap is None else style.standardIcon(pixmap)


# The actions of an app's context menu: (account key, the app's tree entry) -> actions.
AppMenuActions = Callable[[str, AppEntry], list[QAction]]
# The actions of an account's context menu: account key -> actions.
AccountMenuActions = Callable[[str], list[QAction]]


class WorkspaceTreeView(QTreeView):
    """The tree widget: keyboard navigable, emits app_selected, remembers expansion; the
    context menu of an app holds the actions `app_menu_actions` gives for it, an account's
    those of `account_menu_actions`; other rows have none.

    Signals:
        app_selected(account_key, app_id): an app became the current node.
    """

    app_selected = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspaceTree")
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setExpandsOnDoubleClick(True)
        self._settings: QSettings | None = None
        self._pending_expand: set[str] = set()
        self._pending_app: int | None = None
        self._expand_all_under: set[str] = set()
        self._pending_app_name: str | None = None
        # The app `show_app` selects for a caller that opens it itself: not announced.
        self._quiet_app: int | None = None
        self.app_menu_actions: AppMenuActions | None = None
        self.account_menu_actions: AccountMenuActions | None = None
        # The context menu last shown (one at a time; the next one replaces it).
        self.shown_menu: QMenu | None = None
        self.expanded.connect(self._on_expanded_changed)
        self.collapsed.connect(self._on_expanded_changed)

    def setModel(self, model: Any) -> None:
        """Reimplements QTreeView.setModel: follows current-row changes and new rows."""
        super().setModel(model)
        self.selectionModel().currentChanged.connect(self._on_current_changed)
        model.rowsInserted.connect(self._on_rows_inserted)

    def remember_in(self, settings: QSettings) -> None:
        """Restore expansion and last app from `settings` as rows appear; keep saving there."""
        self._settings = settings
        expanded = settings.value("tree/expanded", [])
        # QSettings (INI) gives a one-element list back as a plain string.
        keys = [expanded] if isinstance(expanded, str) else expanded
        self._pending_expand = {str(key) for key in keys} if isinstance(keys, list) else set()
        last_app = settings.value("tree/last_app", "")
        self._pending_app = (
            int(last_app) if isinstance(last_app, (int, str)) and str(last_app).isdigit() else None
        )
        self._restore_from(QModelIndex())

    def show_everything(self, account_key: str, open_app_named: str | None = None) -> None:
        """Expand an account's whole tree as it loads (the demo: a small, new workspace) and
        open the first app with this name once it appears."""
        self._expand_all_under.add(account_key)
        self._pending_app_name = open_app_named
        self._restore_from(QModelIndex())

    def tree_model(self) -> WorkspaceTreeModel | None:
        model = self.model()
        return model if isinstance(model, WorkspaceTreeModel) else None

    def select_app(self, app_id: int) -> bool:
        model = self.tree_model()
        if model is None:
            return False
        index = model.app_index(app_id)
        if not index.isValid():
            return False
        self.setCurrentIndex(index)
        # Current and selected alike (a click refused meanwhile may have selected another).
        self.selectionModel().select(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.scrollTo(index)
        return True

    def show_app(self, app_id: int) -> None:
        """Select the app without announcing it (the caller opens it itself): now if the tree
        shows it, else as soon as it appears, in place of the app the tree would have
        restored or opened by itself (a link opened at start-up wins over the last session's
        app)."""
        self._pending_app_name = None
        self._quiet_app = app_id
        if self.select_app(app_id):
            self._pending_app = None
            self._quiet_app = None  # selected (or already current): nothing left to hide
        else:
            self._pending_app = app_id

    def menu_for(self, index: QModelIndex) -> QMenu | None:
        """The context menu of the app or account at `index` (None for any other row)."""
        model = self.tree_model()
        node = model.node(index) if model is not None else None
        actions: list[QAction] = []
        if node is None:
            return None
        if node.kind is NodeKind.APP and node.app is not None and self.app_menu_actions:
            actions = self.app_menu_actions(node.account_key, node.app)
        elif node.kind is NodeKind.ACCOUNT and self.account_menu_actions:
            actions = self.account_menu_actions(node.account_key)
        if not actions:
            return None
        menu = QMenu(self)
        menu.setObjectName("appContextMenu" if node.kind is NodeKind.APP else "accountContextMenu")
        menu.addActions(actions)
        for action in actions:
            action.setParent(menu)  # the actions go with the menu
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.menu_for(self.indexAt(event.pos()))
        if menu is None:
            event.ignore()
            return
        if self.shown_menu is not None:
            self.shown_menu.deleteLater()
        self.shown_menu = menu
        menu.popup(event.globalPos())

    # ------------------------------------------------------------------ slots

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        model = self.tree_model()
        node = model.node(current) if model is not None else None
        if node is not None and node.kind is NodeKind.APP and node.ident is not None:
            self._pending_app = None
            quiet = node.ident == self._quiet_app
            self._quiet_app = None
            if self._settings is not None:
                self._settings.setValue("tree/last_app", node.ident)
            if not quiet:
                self.app_selected.emit(node.account_key, node.ident)

    def _on_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        model = self.tree_model()
        if model is None:
            return
        for row in range(first, last + 1):
            self._restore_from(model.index(row, 0, parent), recurse=False)

    def _restore_from(self, index: QModelIndex, recurse: bool = True) -> None:
        model = self.tree_model()
        if model is None:
            return
        node = model.node(index)
        if node is not None:
            if (
                node.account_key in self._expand_all_under
                and node.kind is not NodeKind.APP
                and node.kind is not NodeKind.MESSAGE
            ):
                self._pending_expand.add(node.key)
            if (
                self._pending_app_name is not None
                and node.kind is NodeKind.APP
                and node.account_key in self._expand_all_under
                and node.label == self._pending_app_name
                and node.ident is not None
            ):
                self._pending_app_name = None
                self._pending_app = node.ident
            if node.key in self._pending_expand:
                self._pending_expand.discard(node.key)
                self.expand(index)
                if model.canFetchMore(index):
                    model.fetchMore(index)
            if (
                self._pending_app is not None
                and node.kind is NodeKind.APP
                and node.ident == self._pending_app
            ):
                self._pending_app = None
                self.setCurrentIndex(index)
                self.scrollTo(index)
        if recurse:
            for row in range(model.rowCount(index)):
                self._restore_from(model.index(row, 0, index))

    def _on_expanded_changed(self, _index: QModelIndex) -> None:
        if self._settings is None:
            return
        model = self.tree_model()
        if model is None:
            return
        keys: list[str] = list(self._pending_expand)

        def walk(parent: QModelIndex) -> None:
            for row in range(model.rowCount(parent)):
                child = model.index(row, 0, parent)
                if self.isExpanded(child):
                    node = model.node(child)
                    if node is not None:
                        keys.append(node.key)
                    walk(child)

        walk(QModelIndex())
        self._settings.setValue("tree/expanded", sorted(set(keys)))
