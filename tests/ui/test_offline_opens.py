"""Everything opens offline, and the offline status tells the truth: the real window against
the sandbox over HTTP, with the sandbox dropping every connection (drop rate 1.0)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from podio_desk.services.profile import Profile
from podio_desk.ui.editor.item_editor import EditorState
from podio_desk.ui.table import Roles, RowState
from tests.plugins.desk import Desk, open_desk
from tests.plugins.qt import run_async
from tests.ui.test_main_window import find_app, open_app, sign_in

pytestmark = [pytest.mark.gui, pytest.mark.slow]

TICKETS = 60  # the sandbox fixture's Tickets items


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def open_in_editor(qtbot: Any, desk: Desk, app_id: int, item_id: int) -> Any:
    controller = desk.controller
    session = controller.browser.workspace
    assert session is not None
    controller.open_item(session, app_id, item_id)
    editor = controller.editor_docks[session.key].editor
    qtbot.waitUntil(
        lambda: (
            editor.state is EditorState.READY
            and editor.item is not None
            and editor.item.item_id == item_id
        ),
        timeout=15000,
    )
    side = editor.side
    for pane in (side.comments, side.history, side.tasks):
        qtbot.waitUntil(lambda pane=pane: pane.task is not None and pane.task.done(), timeout=15000)
    return editor


def pane_texts(editor: Any) -> dict[str, Any]:
    side = editor.side
    return {
        "comments": [c.comment_id for c in side.comments.comments],
        "files": [side.files.list.item(i).text() for i in range(side.files.list.count())],
        "revisions": [r.revision for r in side.history.revisions],
        "tasks": [t.task_id for t in side.tasks.tasks],
    }


def tree_text(desk: Desk, qtbot: Any, name: str) -> str:
    return str(desk.controller.tree_model.data(find_app(qtbot, desk, name)))


def test_a_synced_app_and_its_items_open_offline_as_last_seen(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    controller = desk.controller
    browser = controller.browser
    model = browser.model
    app_id = open_app(qtbot, desk, "Showcase")
    # Synced with comments and files (the per-app option in the File menu).
    action = controller.sync_details_action
    qtbot.waitUntil(action.isEnabled, timeout=5000)
    assert not action.isChecked()
    action.trigger()
    assert action.isChecked()
    workspace = browser.workspace
    assert workspace is not None
    qtbot.waitUntil(lambda: run_async(workspace.sync_with_details(app_id)), timeout=5000)
    task = controller.sync_current_app()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=30000)
    assert task.exception() is None
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.source.is_loaded(0), timeout=10000)
    total = model.rowCount()
    item_id = int(sandbox.info["richest_item_id"])
    online = pane_texts(open_in_editor(qtbot, desk, app_id, item_id))
    assert online["comments"]
    assert online["files"]
    assert online["revisions"]
    counted = tree_text(desk, qtbot, "Showcase")
    assert counted.endswith(f"({total:,})")

    # The network goes away; the first request without an answer says so at once.
    session = browser.workspace
    assert session is not None
    sandbox.control.set_drop_rate(1.0)
    controller.tree_model.refresh()
    qtbot.waitUntil(lambda: not session.online, timeout=10000)
    qtbot.waitUntil(browser.banner.isVisible, timeout=5000)
    assert controller.indicators.online_text().startswith("● Offline")
    # The rows stay, the tree keeps Podio's count.
    assert model.rowCount() == total
    assert model.data(model.index(0, 0), Roles.ROW_STATE) is RowState.LOADED
    assert tree_text(desk, qtbot, "Showcase") == counted

    # The item opens from the cache, with its side panes as last seen, and says so.
    editor = open_in_editor(qtbot, desk, app_id, item_id)
    assert "shown from the local cache, as last read on" in editor.message
    assert pane_texts(editor) == online

    # An app never opened says plainly that nothing of it is cached.
    open_app(qtbot, desk, "Tickets")
    qtbot.waitUntil(lambda: "Nothing of Tickets is in the local cache" in browser.banner.text())
    assert model.rowCount() == 0

    # Podio answers again: back online by itself, the banner goes, Tickets is read from Podio.
    sandbox.control.set_drop_rate(0.0)
    qtbot.waitUntil(lambda: session.online, timeout=20000)
    qtbot.waitUntil(lambda: not browser.banner.isVisible(), timeout=5000)
    assert controller.indicators.online_text().startswith("● Online")
    qtbot.waitUntil(lambda: model.rowCount() == TICKETS, timeout=15000)
    qtbot.waitUntil(lambda: tree_text(desk, qtbot, "Tickets").endswith(f"({model.rowCount():,})"))


def test_a_rate_limit_wait_never_blanks_the_rows_shown(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    controller = desk.controller
    browser = controller.browser
    model = browser.model
    open_app(qtbot, desk, "Tickets")
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.source.is_loaded(0), timeout=10000)
    shown = model.item_at(0).title
    sandbox.control.start_rate_limit_storm(1, wait_seconds=2)
    browser.reload()  # what a finished sync or a new item does
    qtbot.waitUntil(lambda: controller.indicators.wait_text() != "", timeout=10000)
    # Waiting for Podio's rate limit: the rows stay as they were.
    assert model.rowCount() == TICKETS
    assert model.data(model.index(0, 0), Roles.ROW_STATE) is RowState.LOADED
    assert model.item_at(0).title == shown
    qtbot.waitUntil(lambda: controller.indicators.wait_text() == "", timeout=15000)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=10000)
    assert model.data(model.index(0, 0), Roles.ROW_STATE) is RowState.LOADED


def test_a_5xx_leaves_the_rows_says_what_failed_and_heals_by_itself(qtbot, desk, sandbox_factory):
    sandbox = sandbox_factory(items=1200)
    sign_in(desk, sandbox)
    controller = desk.controller
    model = controller.browser.model
    open_app(qtbot, desk, "Tickets")
    qtbot.waitUntil(lambda: model.rowCount() == 1200 and model.source.is_loaded(0), timeout=10000)
    sandbox.control.set_error_rate(1.0, (503,))
    controller.browser.view.scrollToBottom()
    qtbot.waitUntil(lambda: model.source.has_failed(1199), timeout=30000)
    assert model.data(model.index(1199, 0)) == "could not load these rows"
    assert "unavailable" in desk.window.statusBar().currentMessage()
    assert model.source.is_loaded(0)  # what was shown stays
    sandbox.control.set_error_rate(0.0)  # Podio answers again: no click needed
    qtbot.waitUntil(lambda: model.source.is_loaded(1199), timeout=30000)
    assert model.data(model.index(1199, 0), Roles.ROW_STATE) is RowState.LOADED
