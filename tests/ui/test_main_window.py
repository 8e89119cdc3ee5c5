"""The real main window against the sandbox over HTTP: sign-in, tree, table, sort, filter,
search, offline, and a 420 storm shown in the status bar."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from podio_desk.services.profile import Profile
from podio_desk.ui.login_dialog import SignInRequest
from podio_desk.ui.table import LOADING_TEXT, Roles, RowState
from podio_desk.ui.workspace_tree import TreeRoles
from tests.plugins.desk import Desk, open_desk
from tests.plugins.qt import run_async

pytestmark = [pytest.mark.gui, pytest.mark.slow]


@pytest.fixture
def desk(qtbot, qloop, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def sign_in(desk: Desk, sandbox: Any) -> None:
    info = sandbox.info
    request = SignInRequest(
        "password",
        name="Sandbox",
        api_url=sandbox.url,
        client_id=info["client_id"],
        client_secret=info["client_secret"],
        username=info["username"],
        password=info["password"],
    )
    run_async(desk.controller.start())
    run_async(desk.controller.sign_in(request))


def find_app(qtbot, desk: Desk, name: str):
    model = desk.controller.tree_model
    tree = desk.controller.tree

    def search() -> Any:
        stack = [model.index(row, 0) for row in range(model.rowCount())]
        while stack:
            index = stack.pop()
            if model.canFetchMore(index):
                model.fetchMore(index)
            if str(model.data(index)).startswith(name) and model.data(index, TreeRoles.APP_ID):
                return index
            tree.expand(index)
            stack.extend(model.index(row, 0, index) for row in range(model.rowCount(index)))
        return None

    found: list[Any] = [None]

    def ready() -> bool:
        found[0] = search()
        return found[0] is not None

    qtbot.waitUntil(ready, timeout=15000)
    return found[0]


def open_app(qtbot, desk: Desk, name: str) -> int:
    index = find_app(qtbot, desk, name)
    app_id = desk.controller.tree_model.data(index, TreeRoles.APP_ID)
    with qtbot.waitSignal(desk.controller.app_shown, timeout=15000):
        desk.controller.tree.setCurrentIndex(index)
    return int(app_id)


def table_text(desk: Desk, row: int, column: int = 0) -> str:
    model = desk.controller.browser.model
    return str(model.data(model.index(row, column)))


def test_sign_in_tree_open_scroll_sort_filter_search(qtbot, desk, sandbox_factory):
    sandbox = sandbox_factory(items=1200)
    sign_in(desk, sandbox)
    browser = desk.controller.browser
    model = browser.model
    open_app(qtbot, desk, "Tickets")
    assert model.rowCount() == 1200
    qtbot.waitUntil(lambda: model.source.is_loaded(0), timeout=10000)
    assert table_text(desk, 0) not in ("", LOADING_TEXT)
    assert browser.mode_text().startswith("Sorted and filtered by Podio")
    # Scroll to the end: one more page, one more filter call.
    qtbot.waitUntil(lambda: not model.is_loading, timeout=10000)
    sandbox.control.reset_log()
    browser.view.scrollToBottom()
    qtbot.waitUntil(lambda: model.source.is_loaded(1199), timeout=10000)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=10000)
    assert model.data(model.index(1199, 0), Roles.ROW_STATE) is RowState.LOADED
    filter_calls = [e.path for e in sandbox.control.requests() if e.path.endswith("/filter/")]
    assert len(filter_calls) == 1
    # Sort by title (header click), descending on the second click.
    title_column = 0
    with qtbot.waitSignal(model.total_changed, timeout=10000):
        browser.view.horizontalHeader().sectionClicked.emit(title_column)
    qtbot.waitUntil(lambda: model.source.is_loaded(0), timeout=10000)
    titles = [model.item_at(row).title for row in range(30)]
    assert titles == sorted(titles, key=str.casefold) or titles == sorted(titles)
    # Filter by a category option.
    app = browser.app
    category = next(f for f in app.active_fields if f.type == "category")
    option = category.settings["options"][0]["id"]
    with qtbot.waitSignal(model.total_changed, timeout=10000):
        browser.filter_bar.set_filter(str(category.field_id), [option])
    assert 0 < model.rowCount() < 1200
    qtbot.waitUntil(lambda: model.source.is_loaded(0), timeout=10000)
    assert option in model.item_at(0).values[category.field_id].ids

    # Podio views: listed when the list opens, choosing one sorts and filters like it.
    combo = browser.filter_bar.view_combo
    task = browser.load_views()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=10000)
    names = [combo.itemText(i) for i in range(combo.count())]
    assert names[0] == "All items"
    assert "Most expensive" in names
    with qtbot.waitSignal(model.total_changed, timeout=10000):
        combo.setCurrentIndex(names.index("Most expensive"))
    qtbot.waitUntil(lambda: model.source.is_loaded(0), timeout=10000)
    amount = next(f for f in app.active_fields if f.external_id == "amount")
    assert model.query is not None
    assert (model.query.sort_by, model.query.sort_desc) == (str(amount.field_id), True)
    amounts = [model.item_at(row).values[amount.field_id] for row in range(5)]
    assert [a.value for a in amounts] == sorted((a.value for a in amounts), reverse=True)


def test_synced_app_sorts_and_searches_in_the_cache_then_works_offline(
    qtbot, desk, sandbox_factory
):
    sandbox = sandbox_factory(items=800)
    sign_in(desk, sandbox)
    controller = desk.controller
    browser = controller.browser
    model = browser.model
    open_app(qtbot, desk, "Tickets")
    task = controller.sync_current_app()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=30000)
    assert task.exception() is None
    # Its progress was shown in the status bar, and its outcome when it ended.
    assert controller.indicators.jobs.names() == []
    assert controller.indicators.jobs.bar.maximum() == 800
    outcome = desk.window.statusBar().currentMessage()
    assert outcome.startswith("Tickets: ")
    assert outcome.endswith(" calls.")
    qtbot.waitUntil(
        lambda: browser.mode_text().startswith("Sorted and filtered in the local cache"),
        timeout=5000,
    )
    qtbot.waitUntil(lambda: model.rowCount() == 800 and model.source.is_loaded(0), timeout=10000)
    # Full-text search from the cache.
    word = model.item_at(0).title.split()[0]
    with qtbot.waitSignal(model.total_changed, timeout=10000):
        browser.filter_bar.search.setText(word)
    assert 0 < model.rowCount() <= 800
    qtbot.waitUntil(lambda: model.source.is_loaded(0), timeout=10000)
    assert word.casefold() in model.item_at(0).title.casefold() or model.rowCount() > 0
    browser.filter_bar.search.setText("")
    qtbot.waitUntil(lambda: model.rowCount() == 800, timeout=10000)

    # The network goes away: the window keeps working from the cache and says so.
    requests_before = len(sandbox.control.requests())
    sandbox.stop()
    workspace = browser.workspace
    assert workspace is not None
    controller.tree_model.refresh()
    qtbot.waitUntil(lambda: not workspace.online, timeout=15000)
    qtbot.waitUntil(lambda: browser.banner.isVisible(), timeout=5000)
    assert browser.banner.text().startswith("Offline since")
    assert controller.indicators.online_text().startswith("● Offline")
    assert "[offline]" in str(controller.tree_model.data(controller.tree_model.index(0, 0)))
    # Sort descending by title: answered by the cache.
    with qtbot.waitSignal(model.total_changed, timeout=10000):
        model.sort_by_column(0, True)
    qtbot.waitUntil(lambda: model.source.is_loaded(0), timeout=10000)
    titles = [model.item_at(row).title for row in range(20)]
    assert titles == sorted(titles, reverse=True) or titles == sorted(
        titles, key=str.casefold, reverse=True
    )
    browser.view.scrollToBottom()
    qtbot.waitUntil(lambda: model.source.is_loaded(799), timeout=10000)
    assert len(sandbox.control.requests()) == requests_before


def test_rate_limit_storm_is_shown_and_recovered(qtbot, desk, sandbox_factory, monkeypatch):
    sandbox = sandbox_factory(items=1500)
    warp = TimeWarp()
    controller = desk.controller
    from podio_desk.api.client import PodioClient
    from podio_desk.api.ratelimit import RateLimitScheduler

    def factory(account, credentials):
        scheduler = RateLimitScheduler(clock=warp.clock, sleep=warp.sleep)
        return PodioClient(credentials, base_url=account.api_url, scheduler=scheduler)

    monkeypatch.setattr(controller.accounts, "_client_factory", factory)
    sign_in(desk, sandbox)
    model = controller.browser.model
    open_app(qtbot, desk, "Tickets")
    sandbox.control.start_rate_limit_storm(2)
    warp.slow = True  # hold the wait long enough to see it
    controller.browser.view.scrollToBottom()
    qtbot.waitUntil(lambda: controller.indicators.wait_text() != "", timeout=10000)
    assert "Podio asked to wait" in controller.indicators.wait_text()
    assert table_text(desk, 1499).startswith("waiting: Podio's rate limit")
    assert (
        controller.indicators.gauges["heavy"].waiting
        or controller.indicators.gauges["general"].waiting
    )
    warp.slow = False
    qtbot.waitUntil(lambda: model.source.is_loaded(1499), timeout=15000)
    qtbot.waitUntil(lambda: controller.indicators.wait_text() == "", timeout=5000)


class TimeWarp:
    """A scheduler clock whose sleeps pass instantly (an hour's 420 wait in milliseconds)."""

    def __init__(self) -> None:
        import time

        self._monotonic = time.monotonic
        self.offset = 0.0
        self.slow = False

    def clock(self) -> float:
        return self._monotonic() + self.offset

    async def sleep(self, seconds: float) -> None:
        if self.slow:
            await asyncio.sleep(0.2)
            return
        self.offset += max(0.0, seconds)
        await asyncio.sleep(0.01)


def test_demo_signs_in_without_credentials_and_first_run_offers_sign_in(qtbot, desk):
    controller = desk.controller
    controller.demo_items = 300
    run_async(controller.start(demo=True), timeout=60)
    assert controller.demo is not None
    accounts = controller.accounts.list()
    assert [account.name for account in accounts] == ["Demo (local sandbox)"]
    app_id = open_app(qtbot, desk, "Tickets")
    assert app_id == controller.demo.sandbox.app_id("Tickets")
    assert controller.browser.model.rowCount() == 300
    controller._fill_switch_menu()
    assert [a.text() for a in controller.switch_menu.actions()] == [
        f"Demo (local sandbox) ({accounts[0].description})"
    ]
    controller.switch_to(accounts[0].key)
    assert controller.tree.currentIndex() == controller.tree_model.index(0, 0)
    # Removing the account empties the tree; a new start without accounts asks to sign in.
    run_async(controller.remove_account(accounts[0].key))
    assert controller.tree_model.rowCount() == 0
    run_async(controller.start())
    dialog = controller._login
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.demo_button.isEnabled()
    dialog.reject()


def test_sign_in_errors_are_shown_and_the_account_is_not_kept(qtbot, desk, sandbox):
    controller = desk.controller
    run_async(controller.start())
    dialog = controller._login
    assert dialog is not None
    dialog.tabs.setCurrentIndex(1)
    dialog.api_url.setText(sandbox.url)
    dialog.client_id.setText(sandbox.info["client_id"])
    dialog.client_secret.setText(sandbox.info["client_secret"])
    dialog.username.setText(sandbox.info["username"])
    dialog.password.setText("wrong password")
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: dialog.error.text().startswith("Could not sign in"), timeout=10000)
    assert dialog.isVisible()
    assert dialog.username.text() == sandbox.info["username"]
    assert controller.accounts.list() == []
    dialog.password.setText(sandbox.info["password"])
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    assert [a.username for a in controller.accounts.list()] == [sandbox.info["username"]]
    assert controller.tree_model.rowCount() == 1


def test_a_machine_without_a_keyring_shows_that_sign_ins_are_not_kept(
    qtbot, qloop, profile: Profile, sandbox
) -> None:
    import keyring
    from keyring.backends import fail

    memory = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # no keychain at all on this machine
    try:
        with open_desk(profile) as desk:
            sign_in(desk, sandbox)
            label = desk.controller.secrets_warning_label
            assert label is not None
            assert label.isVisible()
            assert "memory" in label.text()
            assert "sign in again" in label.toolTip()
    finally:
        keyring.set_keyring(memory)
