"""A revoked session asks to sign in again, pre-filled, while the cached rows stay on
screen; signing in again carries on with the same account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QDialog

from podio_desk.api.auth import SessionState
from podio_desk.services.profile import Profile
from podio_desk.ui.editor.item_editor import EditorState
from tests.plugins.desk import Desk, open_desk
from tests.ui.test_main_window import open_app, sign_in

pytestmark = [pytest.mark.gui, pytest.mark.slow]


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def test_a_revoked_session_asks_to_sign_in_again_and_keeps_the_rows(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    first = QApplication.activeModalWidget()
    if isinstance(first, QDialog):
        first.reject()
    open_app(qtbot, desk, "Showcase")
    controller = desk.controller
    model = controller.browser.model
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.source.is_loaded(0), timeout=10_000)
    shown = [model.index(row, 0).data() for row in range(model.rowCount())]
    session = controller.browser.workspace
    assert session is not None

    sandbox.control.revoke_refresh_tokens()
    sandbox.control.expire_all_tokens()
    controller.open_item(session, None, int(sandbox.info["richest_item_id"]))
    qtbot.waitUntil(lambda: session.key in controller.sign_in_again.dialogs, timeout=10_000)
    dialog = controller.sign_in_again.dialogs[session.key]
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    # Pre-filled: only the password is asked for; the reason is said.
    assert dialog.username.text() == sandbox.info["username"]
    assert dialog.client_id.text() == sandbox.info["client_id"]
    assert dialog.password.text() == ""
    assert "sign in again" in dialog.error.text().casefold()
    # The cached rows stay on screen meanwhile.
    assert [model.index(row, 0).data() for row in range(model.rowCount())] == shown

    dialog.password.setText(str(sandbox.info["password"]))
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    assert controller.accounts.session_state(session.key) is SessionState.SIGNED_IN
    # The same account carries on: the item opens now.
    editor = controller.editor_docks[session.key].editor
    controller.open_item(session, None, int(sandbox.info["richest_item_id"]))
    qtbot.waitUntil(
        lambda: editor.state is EditorState.READY and editor.item is not None, timeout=10_000
    )


def test_sign_in_again_from_the_file_menu_renews_the_sign_in_of_the_account(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    first = QApplication.activeModalWidget()
    if isinstance(first, QDialog):
        first.reject()
    controller = desk.controller
    [account] = controller.accounts.list()
    [action] = [a for a in desk.window.file_menu.actions() if a.text() == "Sign &in again…"]
    action.trigger()
    dialog = controller.sign_in_again.dialogs[account.key]
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    # The same settings, only the password asked for; nothing is said to be wrong.
    assert dialog.username.text() == sandbox.info["username"]
    assert dialog.client_id.isReadOnly()
    assert "settings stay as they are" in dialog.error.text()
    sandbox.control.reset_log()
    dialog.password.setText(str(sandbox.info["password"]))
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    assert controller.accounts.session_state(account.key) is SessionState.SIGNED_IN
    assert any(r.path.startswith("/oauth/token") for r in sandbox.control.requests())
    assert [a.key for a in controller.accounts.list()] == [account.key]  # no second account
