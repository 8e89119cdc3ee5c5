"""Podio links opened in the real window against the sandbox over HTTP: the app in the table,
the item in the editor, one clear sentence for what cannot be opened, and the cache offline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMessageBox

from podio_desk.domain.links import parse_podio_link
from podio_desk.services.link_handler import BOOKMARKLET
from podio_desk.services.profile import Profile
from podio_desk.ui.editor.item_editor import EditorState
from podio_desk.ui.workspace_tree import TreeRoles
from tests.plugins.desk import Desk, open_desk
from tests.ui.test_main_window import open_app, sign_in

pytestmark = [pytest.mark.gui, pytest.mark.slow]


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def open_link(qtbot: Any, desk: Desk, text: str) -> str:
    """Open `text` as `podio-desk LINK` does; returns the status bar's sentence."""
    task = desk.controller.open_link(parse_podio_link(text))
    qtbot.waitUntil(task.done, timeout=15000)
    assert task.exception() is None
    return desk.window.statusBar().currentMessage()


def item_link(sandbox: Any, app_name: str, position: int = 1) -> tuple[int, str]:
    state = sandbox.state
    app_id = sandbox.app_id(app_name)
    item_id = state.live_items(app_id)[position]
    return item_id, state.item_link(state.items[item_id])


def paths(sandbox: Any) -> list[str]:
    return [entry.path for entry in sandbox.control.requests()]


def shown_item(qtbot: Any, desk: Desk) -> int:
    [dock] = desk.controller.editor_docks.values()
    editor = dock.editor
    qtbot.waitUntil(lambda: editor.state is EditorState.READY, timeout=10000)
    assert editor.item is not None
    return editor.item.item_id


def test_an_item_link_opens_its_app_in_the_table_and_the_item_in_the_editor(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    item_id, link = item_link(sandbox, "Notes")
    sandbox.control.reset_log()
    with qtbot.waitSignal(desk.controller.app_shown, timeout=15000):
        message = open_link(qtbot, desk, link)
    number = sandbox.state.items[item_id].app_item_id
    assert message == f"Opened Note #{number} of Notes."
    browser = desk.controller.browser
    assert browser.app is not None
    assert browser.app.app_id == sandbox.app_id("Notes")
    assert shown_item(qtbot, desk) == item_id
    # Never seen before: Podio was asked for the space, its apps and the item by number.
    asked = paths(sandbox)
    assert "/space/url" in asked
    app_item_id = sandbox.state.items[item_id].app_item_id
    assert f"/app/{sandbox.app_id('Notes')}/item/{app_item_id}" in asked


def test_an_app_link_opens_the_app_and_selects_it_in_the_tree(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    app_id = sandbox.app_id("Tickets")
    link = sandbox.state.app_link(sandbox.state.apps[app_id])
    with qtbot.waitSignal(desk.controller.app_shown, timeout=15000):
        message = open_link(qtbot, desk, f"{link}/")
    assert message == "Opened Tickets."
    assert desk.controller.browser.app is not None
    assert desk.controller.browser.app.app_id == app_id
    assert desk.controller.editor_docks == {}


def test_links_that_name_nothing_of_the_account_say_so_in_one_sentence(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    app_id = sandbox.app_id("Notes")
    app_link = sandbox.state.app_link(sandbox.state.apps[app_id])
    space_url = app_link.rsplit("/apps/", 1)[0]
    assert open_link(qtbot, desk, f"{space_url}/apps/no-such-app") == (
        "None of your accounts can see this link's app: it may have been deleted, or belong "
        "to an account you have not added."
    )
    assert open_link(qtbot, desk, "https://podio.com/nobody/nowhere/apps/notes/items/1") == (
        "None of your accounts can see this link's app: it may have been deleted, or belong "
        "to an account you have not added."
    )
    assert open_link(qtbot, desk, f"{app_link}/items/999999") == (
        "Notes has no Note number 999999 that you can see (it may have been deleted)."
    )
    assert desk.controller.browser.app is None
    assert desk.controller.editor_docks == {}


def test_without_an_account_the_link_asks_to_sign_in_first(qtbot, desk, sandbox):
    from tests.plugins.qt import run_async

    run_async(desk.controller.start())
    # The first-run sign-in dialog is open; the link waits for the user.
    _item_id, link = item_link(sandbox, "Notes")
    assert open_link(qtbot, desk, link) == (
        "Sign in to the Podio account this link belongs to, then open the link again."
    )


def test_offline_a_link_seen_before_opens_from_the_cache(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    controller = desk.controller
    open_app(qtbot, desk, "Notes")
    model = controller.browser.model
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.source.is_loaded(0), timeout=10000)
    cached_id = model.item_id_at(0)
    cached_number = sandbox.state.items[cached_id].app_item_id
    notes_link = sandbox.state.app_link(sandbox.state.apps[sandbox.app_id("Notes")])
    tickets_id = sandbox.app_id("Tickets")
    tickets_link = sandbox.state.app_link(sandbox.state.apps[tickets_id])

    # The network goes away: every connection to Podio is dropped.
    sandbox.control.set_drop_rate(1.0)
    workspace = controller.browser.workspace
    assert workspace is not None
    controller.tree_model.refresh()
    qtbot.waitUntil(lambda: not workspace.online, timeout=15000)

    # The app list of the space is cached (the tree showed it): the app opens from the cache.
    with qtbot.waitSignal(controller.app_shown, timeout=15000):
        assert open_link(qtbot, desk, tickets_link) == "Opened Tickets."
    assert controller.browser.app is not None
    assert controller.browser.app.app_id == tickets_id
    # An item the cache holds is found by its number; its app opens from the cache, and the
    # editor (which reads from Podio) waits until Podio can be reached.
    with qtbot.waitSignal(controller.app_shown, timeout=15000):
        message = open_link(qtbot, desk, f"{notes_link}/items/{cached_number}")
    assert message == (
        "Offline: Notes is shown from the local cache; the Note opens in the editor once "
        "Podio can be reached."
    )
    assert controller.browser.app is not None
    assert controller.browser.app.app_id == sandbox.app_id("Notes")
    assert controller.editor_docks == {}
    # One it does not hold cannot be opened, and the sentence says why.
    assert open_link(qtbot, desk, f"{notes_link}/items/999999") == (
        "Podio cannot be reached and the local cache has no Note number 999999 of Notes."
    )
    # Podio is back: the item the link named opens in the editor.
    sandbox.control.reset_faults()
    controller.browser.banner.retry_requested.emit()
    qtbot.waitUntil(lambda: workspace.online, timeout=15000)
    assert shown_item(qtbot, desk) == cached_id


# ----------------------------------------------------------------------------- registration


def files_under(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def click(box: QMessageBox, name: str) -> None:
    [button] = [b for b in box.buttons() if b.objectName() == name or b.text() == name]
    button.click()


def test_registering_for_links_asks_first_and_writes_only_after_ok(
    qtbot, desk, tmp_path, monkeypatch
):
    data, config = tmp_path / "xdg-data", tmp_path / "xdg-config"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    window, controller = desk.window, desk.controller
    action = window.findChild(QAction, "registerLinksAction")
    assert action is not None
    assert action in window.help_menu.actions()
    QGuiApplication.clipboard().setText("before")

    # The dialog says what will be written, and Cancel writes nothing.
    action.trigger()
    box = controller.link_registration.box
    assert box is not None
    qtbot.waitUntil(box.isVisible, timeout=3000)
    details = box.informativeText()
    assert str(data / "applications" / "podio-desk-links.desktop") in details
    assert str(config / "mimeapps.list") in details
    assert "Your browser stays the default for every web link" in details
    cancel = box.button(QMessageBox.StandardButton.Cancel)
    assert cancel is not None
    cancel.click()
    assert not [t for t in desk.runner.pending_tasks() if "links:" in t.get_name()]
    assert files_under(data) == []
    assert files_under(config) == []
    assert QGuiApplication.clipboard().text() == "before"

    # OK registers: the entry, one default line, the bookmarklet on the clipboard.
    action.trigger()
    box = controller.link_registration.box
    click(box, "registerLinksButton")
    status = window.statusBar()
    qtbot.waitUntil(lambda: status.currentMessage().startswith("Registered"), timeout=5000)
    assert files_under(data) == ["applications/podio-desk-links.desktop"]
    assert (config / "mimeapps.list").read_text(encoding="utf-8") == (
        "[Default Applications]\nx-scheme-handler/podio-desk=podio-desk-links.desktop;\n"
    )
    assert QGuiApplication.clipboard().text() == BOOKMARKLET

    # Asked again, it offers to stop; stopping removes what was written.
    action.trigger()
    box = controller.link_registration.box
    assert "opens <code>podio-desk:</code> links" in box.text()
    click(box, "unregisterLinksButton")
    qtbot.waitUntil(lambda: "no longer opens" in status.currentMessage(), timeout=5000)
    assert files_under(data) == []
    assert files_under(config) == []


def test_a_link_wins_over_the_app_the_tree_would_open_by_itself(qtbot, desk, sandbox):
    """As with `podio-desk --demo LINK`: the tree is about to open "Tickets" when it shows up,
    and the link names a Book; the Book's app ends up in the table and selected in the tree."""
    sign_in(desk, sandbox)
    controller = desk.controller
    [key] = controller.sessions
    controller.tree.show_everything(key, open_app_named="Tickets")
    item_id, link = item_link(sandbox, "Books")
    open_link(qtbot, desk, link)
    books = sandbox.app_id("Books")
    browser, tree = controller.browser, controller.tree

    def settled() -> bool:
        current = tree.currentIndex()
        return (
            not controller.tree_model.is_loading()
            and browser.app is not None
            and browser.app.app_id == books
            and controller.tree_model.data(current, TreeRoles.APP_ID) == books
        )

    qtbot.waitUntil(settled, timeout=15000)
    assert shown_item(qtbot, desk) == item_id


def test_links_in_turn_each_open_their_app_whatever_the_tree_selected(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    controller = desk.controller
    browser = controller.browser
    tickets = open_app(qtbot, desk, "Tickets")
    books = sandbox.app_id("Books")
    state = sandbox.state
    for app_id in (books, tickets, books):
        with qtbot.waitSignal(controller.app_shown, timeout=15000):
            open_link(qtbot, desk, state.app_link(state.apps[app_id]))
        qtbot.waitUntil(lambda a=app_id: browser.app is not None and browser.app.app_id == a)
