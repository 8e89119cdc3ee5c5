"""The workspace tree model and view with an in-memory backend (cache first, then server)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QModelIndex, QSettings, Qt

from podio_desk.api.errors import Offline
from podio_desk.services.workspace import AppEntry, OrgEntry, SpaceEntry, WorkspaceService
from podio_desk.ui.tasks import TaskRunner
from podio_desk.ui.workspace_tree import (
    NodeKind,
    TreeRoles,
    WorkspaceTreeModel,
    WorkspaceTreeView,
    sync_age,
)

pytestmark = pytest.mark.gui


@dataclass
class Backend:
    orgs: list[OrgEntry]
    apps: dict[int, list[AppEntry]]
    cached: bool = True
    offline: bool = False
    calls: list[str] = field(default_factory=list)

    async def cached_orgs(self):
        self.calls.append("cached_orgs")
        return self.orgs[:1] if self.cached else None

    async def fetch_orgs(self):
        self.calls.append("fetch_orgs")
        await asyncio.sleep(0.01)
        if self.offline:
            raise Offline("no network")
        return self.orgs

    async def cached_apps(self, space_id):
        self.calls.append(f"cached_apps:{space_id}")
        return self.apps.get(space_id, [])[:1] if self.cached else None

    async def fetch_apps(self, space_id):
        self.calls.append(f"fetch_apps:{space_id}")
        await asyncio.sleep(0.01)
        if self.offline:
            raise Offline("no network")
        return self.apps.get(space_id, [])


def make_backend() -> Backend:
    synced = datetime.now(UTC) - timedelta(minutes=5)
    return Backend(
        orgs=[
            OrgEntry(1, "Acme", (SpaceEntry(11, 1, "Sales"), SpaceEntry(12, 1, "Support"))),
            OrgEntry(2, "Beta", (SpaceEntry(21, 2, "Ops"),)),
        ],
        apps={
            11: [
                AppEntry(111, 11, "Leads", item_count=1200, synced_at=synced, fully_synced=True),
                AppEntry(112, 11, "Deals", item_count=None),
            ],
            12: [AppEntry(121, 12, "Tickets", item_count=100_000)],
        },
    )


@pytest.fixture
def runner(qloop):
    tasks = TaskRunner()
    yield tasks
    tasks.cancel_all()
    from tests.plugins.qt import process_events_until

    process_events_until(lambda: not tasks.pending_tasks(), 2.0)


def find(model: WorkspaceTreeModel, *labels: str) -> QModelIndex:
    parent = QModelIndex()
    for label in labels:
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            if str(model.data(index)).startswith(label):
                parent = index
                break
        else:
            raise AssertionError(f"{label!r} not found under {model.data(parent)!r}")
    return parent


def test_tree_loads_lazily_cache_first_then_server(qtbot, qtmodeltester, runner):
    backend = make_backend()
    model = WorkspaceTreeModel(runner)
    qtmodeltester.check(model)
    model.set_accounts([("me", "me@example.com", WorkspaceService(backend))])
    account = model.index(0, 0)
    # The attached tester may have asked already (it calls fetchMore on new rows).
    assert model.hasChildren(account)
    model.fetchMore(account)
    qtbot.waitUntil(lambda: not model.is_loading(), timeout=3000)
    assert backend.calls[:2] == ["cached_orgs", "fetch_orgs"]  # cache first, then server
    assert [model.data(model.index(r, 0, account)) for r in range(model.rowCount(account))] == [
        "Acme",
        "Beta",
    ]
    qtmodeltester.check(model)
    sales = find(model, "me@", "Acme", "Sales")
    model.fetchMore(sales)
    qtbot.waitUntil(lambda: not model.is_loading(), timeout=3000)
    leads = find(model, "me@", "Acme", "Sales", "Leads")
    assert model.data(leads) == "Leads  (1,200)"
    assert model.data(leads, TreeRoles.APP_ID) == 111
    assert "synced 5 min ago" in model.data(leads, Qt.ItemDataRole.ToolTipRole)
    qtmodeltester.check(model)
    # The table learns Deals' total; a refresh from a server that does not count items
    # keeps it. A refresh updates in place: no reset.
    deals = find(model, "me@", "Acme", "Sales", "Deals")
    model.update_app(AppEntry(112, 11, "Deals", item_count=42))
    assert model.data(deals) == "Deals  (42)"
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    backend.cached = False  # straight to the server (this cache only knows the first app)
    model.refresh()
    qtbot.waitUntil(lambda: not model.is_loading(), timeout=3000)
    assert resets == []
    assert model.data(find(model, "me@", "Acme", "Sales", "Deals")) == "Deals  (42)"
    qtmodeltester.check(model)
    # Accounts replaced (signed out of one, into another): rows move, no reset needed.
    model.set_accounts([("other", "other@example.com", WorkspaceService(make_backend()))])
    assert model.account_keys() == ["other"]
    qtmodeltester.check(model)
    model.fetchMore(model.index(0, 0))
    qtbot.waitUntil(lambda: not model.is_loading(), timeout=3000)
    qtmodeltester.check(model)


def test_offline_keeps_the_cached_tree_and_shows_a_badge(qtbot, qtmodeltester, runner):
    backend = make_backend()
    backend.offline = True
    model = WorkspaceTreeModel(runner)
    model.set_accounts([("me", "me@example.com", WorkspaceService(backend))])
    model.fetchMore(model.index(0, 0))
    qtbot.waitUntil(lambda: not model.is_loading(), timeout=3000)
    account = model.index(0, 0)
    assert model.data(account) == "me@example.com  [offline]"
    assert model.rowCount(account) == 1  # the cached org only
    backend.offline = False
    model.refresh()
    qtbot.waitUntil(lambda: model.rowCount(model.index(0, 0)) == 2, timeout=3000)
    assert model.data(model.index(0, 0)) == "me@example.com"
    qtmodeltester.check(model)


def test_view_selects_apps_with_the_keyboard_and_remembers_state(qtbot, runner, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    backend = make_backend()
    model = WorkspaceTreeModel(runner)
    view = WorkspaceTreeView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.remember_in(settings)
    view.show()
    model.set_accounts([("me", "me@example.com", WorkspaceService(backend))])
    view.setCurrentIndex(model.index(0, 0))
    qtbot.keyClick(view, Qt.Key.Key_Right)  # expand the account
    qtbot.waitUntil(lambda: model.rowCount(model.index(0, 0)) == 2, timeout=3000)
    view.expand(find(model, "me@", "Acme"))
    view.expand(find(model, "me@", "Acme", "Sales"))
    qtbot.waitUntil(lambda: not model.is_loading(), timeout=3000)
    with qtbot.waitSignal(view.app_selected, timeout=2000) as blocker:
        view.setCurrentIndex(find(model, "me@", "Acme", "Sales", "Leads"))
    assert blocker.args == ["me", 111]
    with qtbot.waitSignal(view.app_selected, timeout=2000) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_Down)
    assert blocker.args == ["me", 112]
    assert "me/org:1/space:11" in settings.value("tree/expanded")

    # A new window restores expansion and the last app as the rows arrive.
    model2 = WorkspaceTreeModel(runner)
    view2 = WorkspaceTreeView()
    qtbot.addWidget(view2)
    view2.setModel(model2)
    view2.remember_in(settings)
    with qtbot.waitSignal(view2.app_selected, timeout=3000) as blocker:
        model2.set_accounts([("me", "me@example.com", WorkspaceService(make_backend()))])
    assert blocker.args == ["me", 112]
    qtbot.waitUntil(lambda: not model2.is_loading(), timeout=3000)


def test_sync_age_wording():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert sync_age(None, now) == ""
    assert sync_age(now - timedelta(seconds=5), now) == "synced just now"
    assert sync_age(now - timedelta(hours=3), now) == "synced 3 h ago"
    assert sync_age(now - timedelta(days=2), now) == "synced 2 d ago"
    assert NodeKind.APP.value == "app"
