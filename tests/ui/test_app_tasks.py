"""The app's task list and webhooks in the real window against the sandbox over HTTP: the
File menu's actions open them for the app in the table; the filters ask Podio again; opening
a task's item shows it in the editor dock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QApplication

from podio_desk.domain.tasks import TaskDraft
from podio_desk.services.profile import Profile
from podio_desk.ui.app_tasks import AppTasksDialog
from podio_desk.ui.editor.item_editor import EditorState
from podio_desk.ui.hooks_dialog import POLLING_NOTE, HooksDialog
from podio_desk.ui.workspace_tree import TreeRoles
from tests.plugins.desk import Desk, open_desk
from tests.plugins.qt import run_async
from tests.ui.test_main_window import find_app, open_app, sign_in

pytestmark = [pytest.mark.gui, pytest.mark.slow]

SHOWCASE = "Showcase"
OSKAR = 1002


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def _texts(dialog: AppTasksDialog) -> list[str]:
    model = dialog.model
    return [str(model.index(row, 0).data()) for row in range(model.rowCount())]


def _wait(qtbot: Any, task: Any) -> None:
    assert task is not None
    qtbot.waitUntil(task.done, timeout=10000)
    task.result()


def test_app_tasks_list_filters_and_opens_the_item(qtbot, qtmodeltester, desk, sandbox) -> None:
    sign_in(desk, sandbox)
    controller = desk.controller
    open_app(qtbot, desk, SHOWCASE)
    session = controller.browser.workspace
    assert session is not None
    item_id = int(sandbox.info["richest_item_id"])
    today = date.today()
    drafts = [
        TaskDraft("Overdue mine", due_date=today - timedelta(days=3)),
        TaskDraft("Later theirs", due_date=today + timedelta(days=30), responsible_user_id=OSKAR),
        TaskDraft("Finished", due_date=today - timedelta(days=9)),
    ]
    for draft in drafts:
        tasks = run_async(session.tasks.add(item_id, draft))
    finished = next(t for t in tasks if t.text == "Finished")
    run_async(session.tasks.set_completed(item_id, finished.task_id, True))

    controller.app_panels.tasks_action.trigger()
    dialog = controller.app_panels.task_dialogs[(session.key, controller.browser.app.app_id)]
    assert dialog.isVisible()
    _wait(qtbot, dialog.load_task)
    qtmodeltester.check(dialog.model)
    # Open tasks by default, due first.
    assert _texts(dialog) == ["Overdue mine", "Later theirs"]
    model = dialog.model
    assert model.index(0, 1).data() == sandbox.state.item_title(sandbox.state.items[item_id])
    assert model.index(0, 3).data() == f"{today - timedelta(days=3):%Y-%m-%d}"
    assert model.index(0, 4).data() == "Overdue"
    assert model.index(0, 4).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index(1, 2).data() == "Oskar Other"
    assert model.index(1, 4).data() == "Open"
    assert dialog.status.text() == "2 tasks"

    dialog.open_box.setChecked(False)
    _wait(qtbot, dialog.load_task)
    assert _texts(dialog) == ["Finished", "Overdue mine", "Later theirs"]
    assert model.index(0, 4).data() == "Done"
    qtmodeltester.check(dialog.model)

    dialog.mine_box.setChecked(True)
    _wait(qtbot, dialog.load_task)
    assert _texts(dialog) == ["Finished", "Overdue mine"]
    dialog.mine_box.setChecked(False)
    _wait(qtbot, dialog.load_task)
    sandbox.control.reset_log()
    dialog.overdue_box.setChecked(True)
    _wait(qtbot, dialog.load_task)
    assert _texts(dialog) == ["Overdue mine"]
    asked = [r for r in sandbox.control.requests() if r.path == "/task/"]
    assert len(asked) == 1
    assert "completed=false" in asked[0].query
    assert f"due_date=-{today:%Y-%m-%d}" in asked[0].query

    # Enter on the row opens the task's item in the editor dock.
    dialog.table.setFocus()
    dialog.table.selectRow(0)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    dock = controller.editor_docks[session.key]
    qtbot.waitUntil(
        lambda: dock.editor.state is EditorState.READY and dock.editor.item is not None,
        timeout=10000,
    )
    assert dock.editor.item is not None
    assert dock.editor.item.item_id == item_id

    dialog.overdue_box.setChecked(False)
    dialog.open_box.setChecked(True)
    dialog.mine_box.setChecked(True)
    _wait(qtbot, dialog.load_task)
    assert _texts(dialog) == ["Overdue mine"]


def test_an_empty_task_list_says_so(qtbot, desk, sandbox) -> None:
    sign_in(desk, sandbox)
    open_app(qtbot, desk, "Notes")
    dialog = desk.controller.app_panels.show_tasks()
    assert dialog is not None
    _wait(qtbot, dialog.load_task)
    dialog.overdue_box.setChecked(True)
    _wait(qtbot, dialog.load_task)
    assert dialog.model.rowCount() == 0
    assert dialog.status.text() == "No tasks match these filters."


def test_without_an_app_the_actions_say_what_to_do(qtbot, desk, sandbox) -> None:
    sign_in(desk, sandbox)
    panels = desk.controller.app_panels
    assert panels.show_tasks() is None
    assert panels.show_hooks() is None


def test_hooks_are_listed_read_only_with_the_polling_note(qtbot, qtmodeltester, desk, sandbox):
    sign_in(desk, sandbox)
    app_id = open_app(qtbot, desk, SHOWCASE)
    with httpx.Client(base_url=sandbox.url) as http:
        info = sandbox.info
        token = http.post(
            "/oauth/token",
            data={
                "grant_type": "password",
                "username": info["username"],
                "password": info["password"],
                "client_id": info["client_id"],
                "client_secret": info["client_secret"],
            },
        ).json()["access_token"]
        for url, kind in (
            ("https://hooks.example.com/podio/items", "item.create"),
            ("https://zapier.example.net/catch/12", "item.update"),
        ):
            reply = http.post(
                f"/hook/app/{app_id}/",
                json={"url": url, "type": kind},
                headers={"Authorization": f"OAuth2 {token}"},
            )
            assert reply.status_code == 200
    sandbox.control.reset_log()
    desk.controller.app_panels.hooks_action.trigger()
    dialog = desk.controller.app_panels.hook_dialogs[
        (desk.controller.browser.workspace.key, app_id)
    ]
    assert isinstance(dialog, HooksDialog)
    _wait(qtbot, dialog.load_task)
    qtmodeltester.check(dialog.model)
    model = dialog.model
    rows = [
        tuple(str(model.index(row, column).data()) for column in range(3))
        for row in range(model.rowCount())
    ]
    assert rows == [
        ("https://hooks.example.com/podio/items", "item.create", "Inactive (not verified)"),
        ("https://zapier.example.net/catch/12", "item.update", "Inactive (not verified)"),
    ]
    assert dialog.note.text() == POLLING_NOTE
    assert "cannot receive them" in POLLING_NOTE
    # Read-only: no cell can be edited, and listing them sent nothing but the one read.
    assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
    assert [(r.method, r.path) for r in sandbox.control.requests()] == [
        ("GET", f"/hook/app/{app_id}/")
    ]


def test_a_task_deleted_in_the_editor_leaves_an_open_list(qtbot, desk, sandbox) -> None:
    sign_in(desk, sandbox)
    controller = desk.controller
    open_app(qtbot, desk, SHOWCASE)
    session = controller.browser.workspace
    assert session is not None
    item_id = int(sandbox.info["richest_item_id"])
    for text in ("Keep me", "Delete me"):
        tasks = run_async(session.tasks.add(item_id, TaskDraft(text)))
    doomed = next(t for t in tasks if t.text == "Delete me")
    dialog = controller.app_panels.show_tasks()
    assert dialog is not None
    _wait(qtbot, dialog.load_task)
    assert dialog.status.text() == "2 tasks"
    dialog.open_row(_texts(dialog).index("Delete me"))
    dock = controller.editor_docks[session.key]
    qtbot.waitUntil(
        lambda: dock.editor.state is EditorState.READY and dock.editor.item is not None,
        timeout=10000,
    )
    pane = dock.editor.side.tasks
    qtbot.waitUntil(lambda: pane.task_row(doomed.task_id) >= 0, timeout=10000)
    pane.delete(doomed.task_id)
    qtbot.waitUntil(lambda: dialog.status.text() == "1 task", timeout=10000)
    assert _texts(dialog) == ["Keep me"]


def test_a_hook_token_is_masked_until_shown(qtbot, desk, sandbox) -> None:
    sign_in(desk, sandbox)
    app_id = open_app(qtbot, desk, SHOWCASE)
    secret_url = "https://hooks.example.com/in?token=s3cr3t-77ab&flow=items"
    with httpx.Client(base_url=sandbox.url) as http:
        info = sandbox.info
        token = http.post(
            "/oauth/token",
            data={
                "grant_type": "password",
                "username": info["username"],
                "password": info["password"],
                "client_id": info["client_id"],
                "client_secret": info["client_secret"],
            },
        ).json()["access_token"]
        reply = http.post(
            f"/hook/app/{app_id}/",
            json={"url": secret_url, "type": "item.create"},
            headers={"Authorization": f"OAuth2 {token}"},
        )
        assert reply.status_code == 200
    dialog = desk.controller.app_panels.show_hooks()
    assert dialog is not None
    _wait(qtbot, dialog.load_task)
    url = dialog.model.index(0, 0)
    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
        assert "s3cr3t" not in str(url.data(role))
    assert str(url.data()).startswith("https://hooks.example.com/in?token=")
    assert "flow=" in str(url.data())
    assert not dialog.show_button.isEnabled()
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    assert dialog.model.index(0, 0).data() == secret_url
    qtbot.mouseClick(dialog.show_button, Qt.MouseButton.LeftButton)
    assert "s3cr3t" not in str(dialog.model.index(0, 0).data())
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == secret_url


def test_the_tasks_form_fits_in_the_editor_dock(qtbot, desk, sandbox) -> None:
    sign_in(desk, sandbox)
    desk.window.resize(1200, 740)
    desk.window.show()
    controller = desk.controller
    app_id = open_app(qtbot, desk, "Tickets")
    session = controller.browser.workspace
    assert session is not None
    item_id = run_async(session.editing.client.filter_items(app_id, limit=1)).items[0].item_id
    controller.open_item(session, app_id, item_id)
    dock = controller.editor_docks[session.key]
    qtbot.waitUntil(lambda: dock.editor.state is EditorState.READY, timeout=10000)
    pane = dock.editor.side.tasks
    dock.editor.side.setCurrentWidget(pane)
    room = dock.widget()
    qtbot.waitUntil(lambda: pane.isVisible() and pane.height() > 0, timeout=5000)
    for _ in range(3):  # the relayout the tab switch asked for
        QApplication.sendPostedEvents()
        QApplication.processEvents()
    # The editor never runs past the dock's bottom edge; the Add button can be reached.
    assert dock.editor.height() <= room.viewport().height()
    pane.form_scroll.ensureWidgetVisible(pane.add_button)
    bottom = pane.add_button.mapTo(room.viewport(), pane.add_button.rect().bottomLeft())
    # (Sideways the room scrolls: the editor's button row is wider than a narrow dock.)
    assert 0 <= bottom.y() < room.viewport().height()


def test_the_tree_context_menu_of_an_app_opens_its_tasks_and_webhooks(qtbot, desk, sandbox):
    """Tasks and webhooks of any app of the tree, from its context menu, not only of the app
    shown in the table (File menu)."""
    sign_in(desk, sandbox)
    shown = open_app(qtbot, desk, SHOWCASE)
    tree = desk.controller.tree
    other = find_app(qtbot, desk, "Tickets")
    other_id = int(desk.controller.tree_model.data(other, TreeRoles.APP_ID))
    assert other_id != shown
    tree.scrollTo(other)
    where = tree.visualRect(other).center()
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, where, tree.viewport().mapToGlobal(where)
    )
    QApplication.sendEvent(tree.viewport(), event)
    menu = tree.shown_menu
    assert menu is not None
    qtbot.waitUntil(menu.isVisible, timeout=5000)
    texts = [action.text().replace("&", "") for action in menu.actions()]
    assert texts == ["Open", "App tasks…", "App webhooks…"]
    menu.close()
    session_key = desk.controller.browser.workspace.key
    menu.findChild(QAction, "treeAppTasksAction").trigger()
    tasks = desk.controller.app_panels.task_dialogs[(session_key, other_id)]
    assert tasks.isVisible()
    assert "Tickets" in tasks.windowTitle()
    _wait(qtbot, tasks.load_task)
    menu.findChild(QAction, "treeAppHooksAction").trigger()
    hooks = desk.controller.app_panels.hook_dialogs[(session_key, other_id)]
    assert hooks.isVisible()
    assert "Tickets" in hooks.windowTitle()
    _wait(qtbot, hooks.load_task)
    # The table still shows the app it showed: the menu acted on the app clicked.
    assert desk.controller.browser.app.app_id == shown
    # Open selects the app in the tree, which opens it.
    with qtbot.waitSignal(desk.controller.app_shown, timeout=15000):
        menu.actions()[0].trigger()
    assert desk.controller.browser.app.app_id == other_id


def test_apps_and_accounts_have_a_context_menu_orgs_and_spaces_none(qtbot, desk, sandbox) -> None:
    sign_in(desk, sandbox)
    open_app(qtbot, desk, SHOWCASE)
    tree = desk.controller.tree
    account = desk.controller.tree_model.index(0, 0)
    assert account.isValid()
    menu = tree.menu_for(account)
    assert menu is not None
    assert [action.text().replace("&", "") for action in menu.actions()] == ["Sign in again…"]
    org = desk.controller.tree_model.index(0, 0, account)
    assert org.isValid()
    assert tree.menu_for(org) is None
