"""The add-account dialog's "API gateway" kind, and a gateway account in the real window
against the sandbox's gateway mode over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from podio_desk.cache.journal import Journal, NewEntry
from podio_desk.sandbox import Sandbox
from podio_desk.sandbox.gateway import GatewayConfig
from podio_desk.services.accounts import Account
from podio_desk.services.profile import Profile
from podio_desk.ui.login_dialog import MODES, LoginDialog, SignInRequest
from podio_desk.ui.workspace_tree import TreeRoles
from tests.plugins.desk import Desk, open_desk
from tests.plugins.qt import run_async
from tests.ui.test_main_window import find_app

KEY = "ui-gateway-key-81c0"
HEADER = ("Maton-Connection", "ui-conn-3")


@pytest.fixture
def desk(qtbot, qloop, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def test_the_dialog_asks_a_gateway_for_its_key_headers_and_rate_limit(qtbot) -> None:
    dialog = LoginDialog(first_run=False)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(MODES.index("gateway"))
    assert not dialog.client_id.isEnabled()
    dialog.name.setText("Maton")
    dialog.api_url.setText("https://gateway.example/podio/")
    with qtbot.assertNotEmitted(dialog.sign_in_requested):
        dialog.sign_in_button.click()
    assert "API key" in dialog.error.text()
    dialog.api_key.setText(KEY)
    name_edit, value_edit = dialog.gateway_headers.rows()[0]
    name_edit.setText(HEADER[0])
    value_edit.setText(HEADER[1])
    dialog.gateway_headers.add_row()  # an empty row is left out
    dialog.rate_general.setValue(250)
    dialog.rate_heavy.setValue(250)
    with qtbot.waitSignal(dialog.sign_in_requested) as blocker:
        dialog.sign_in_button.click()
    request = blocker.args[0]
    assert request == SignInRequest(
        "gateway",
        name="Maton",
        api_url="https://gateway.example/podio",
        api_key=KEY,
        headers=(HEADER,),
        rate_limit=(250, 250),
    )
    assert KEY not in repr(request)
    dialog.tabs.setCurrentIndex(MODES.index("password"))
    assert dialog.client_id.isEnabled()


def gateway_request(sandbox: Sandbox, key: str = KEY) -> SignInRequest:
    return SignInRequest(
        "gateway",
        name="Through the gateway",
        api_url=sandbox.gateway_url,
        api_key=key,
        headers=(HEADER,),
        rate_limit=(1000, 250),
    )


def signed_in_gateway(qtbot, desk: Desk, sandbox_factory) -> tuple[Sandbox, Account]:
    """A gateway sandbox and its account, signed in in the window, its apps listed."""
    sandbox: Sandbox = sandbox_factory(
        gateway=GatewayConfig(api_key=KEY, required_headers=dict([HEADER]))
    )
    run_async(desk.controller.start())
    account = run_async(desk.controller.sign_in(gateway_request(sandbox)))
    assert find_app(qtbot, desk, "Tickets") is not None
    return sandbox, account


@pytest.mark.gui
def test_a_gateway_account_opens_its_workspace_in_the_window(
    qtbot, desk: Desk, sandbox_factory
) -> None:
    sandbox: Sandbox = sandbox_factory(
        gateway=GatewayConfig(api_key=KEY, required_headers=dict([HEADER]))
    )
    run_async(desk.controller.start())
    account = run_async(desk.controller.sign_in(gateway_request(sandbox)))
    assert account.is_gateway
    assert find_app(qtbot, desk, "Tickets") is not None
    paths = [r.path for r in sandbox.control.requests()]
    assert "/org/" in paths
    # The gateway signs in to Podio; the window never calls a token endpoint.
    assert not [path for path in paths if path.startswith("/oauth/token")]


@pytest.mark.gui
def test_a_refused_key_is_said_in_the_dialog_and_leaves_no_account(
    qtbot, desk: Desk, sandbox_factory
) -> None:
    sandbox: Sandbox = sandbox_factory(
        gateway=GatewayConfig(api_key=KEY, required_headers=dict([HEADER]))
    )
    run_async(desk.controller.start())
    dialog = desk.controller.show_login()
    dialog.sign_in_requested.emit(gateway_request(sandbox, key="not-the-key"))
    qtbot.waitUntil(lambda: "gateway refused" in dialog.error.text(), timeout=10_000)
    assert "sign in" not in dialog.error.text().lower().replace("could not sign in", "")
    assert desk.controller.accounts.list() == []
    dialog.reject()


@pytest.mark.parametrize("typed", ["X-A=b", "X-A: b", "X-A:b"])
def test_a_whole_header_typed_as_its_name_is_split(qtbot, typed: str) -> None:
    dialog = LoginDialog(first_run=False)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(MODES.index("gateway"))
    name_edit, value_edit = dialog.gateway_headers.rows()[0]
    qtbot.keyClicks(name_edit, typed)
    assert dialog.request().headers == (("X-A", "b"),)
    qtbot.keyClick(name_edit, Qt.Key.Key_Return)
    assert (name_edit.text(), value_edit.text()) == ("X-A", "b")
    assert dialog.request().headers == (("X-A", "b"),)


def test_header_values_are_masked(qtbot) -> None:
    dialog = LoginDialog(first_run=False)
    qtbot.addWidget(dialog)
    dialog.gateway_headers.add_row(*HEADER)
    for _, value_edit in dialog.gateway_headers.rows():
        assert value_edit.echoMode() is QLineEdit.EchoMode.Password
    assert HEADER[1] not in value_edit.displayText()


@pytest.mark.gui
def test_a_gateway_address_without_its_prefix_says_so_in_the_dialog(
    qtbot, desk: Desk, sandbox_factory
) -> None:
    sandbox: Sandbox = sandbox_factory(
        gateway=GatewayConfig(api_key=KEY, required_headers=dict([HEADER]))
    )
    run_async(desk.controller.start())
    dialog = desk.controller.show_login()
    request = gateway_request(sandbox)
    dialog.sign_in_requested.emit(replace(request, api_url=sandbox.url))
    qtbot.waitUntil(lambda: "answered 404" in dialog.error.text(), timeout=10_000)
    assert "path prefix" in dialog.error.text()
    assert "could not find this object" not in dialog.error.text()
    assert desk.controller.accounts.list() == []
    dialog.reject()


@pytest.mark.gui
def test_removing_an_account_in_the_window_removes_its_local_data(
    qtbot, desk: Desk, sandbox_factory, profile: Profile
) -> None:
    _sandbox, account = signed_in_gateway(qtbot, desk, sandbox_factory)
    controller = desk.controller
    cache_file = controller.cache_dir / f"{account.key}.sqlite3"
    assert cache_file.exists()

    async def plan_a_job() -> int:
        journal = await Journal.open(controller.cache_dir.parent / "journal", account.key)
        try:
            return await journal.create_job("bulk", entries=[NewEntry("update", item_id=1)])
        finally:
            await journal.aclose()

    job_id = run_async(plan_a_job())
    assert run_async(controller.remove_account(account.key)) is False
    assert f"bulk job {job_id}: 1 change not sent" in desk.window.statusBar().currentMessage()
    assert [a.key for a in controller.accounts.list()] == [account.key]

    async def finish_the_job() -> None:
        journal = await Journal.open(controller.cache_dir.parent / "journal", account.key)
        try:
            await journal.set_job_state(job_id, "done")
        finally:
            await journal.aclose()

    run_async(finish_the_job())
    removed = run_async(controller.remove_account(account.key))
    assert removed is True, desk.window.statusBar().currentMessage()
    assert controller.accounts.list() == []
    assert not [p for p in controller.cache_dir.iterdir() if p.name.startswith(account.key)]
    assert not (controller.cache_dir.parent / "journal" / f"{account.key}.sqlite3").exists()


def test_return_in_a_header_name_moves_to_its_value_not_to_sign_in(qtbot) -> None:
    dialog = LoginDialog(first_run=False)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(MODES.index("gateway"))
    dialog.show()
    qtbot.waitExposed(dialog)
    name_edit, value_edit = dialog.gateway_headers.rows()[0]
    name_edit.setFocus()
    qtbot.waitUntil(name_edit.hasFocus)
    qtbot.keyClicks(name_edit, HEADER[0])
    with qtbot.assertNotEmitted(dialog.sign_in_requested):
        qtbot.keyClick(name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(value_edit.hasFocus)
    assert dialog.error.text() == ""  # Sign in was not pressed: nothing was checked


@pytest.mark.gui
def test_a_gateway_account_signs_in_again_from_its_menu_in_the_tree(
    qtbot, desk: Desk, sandbox_factory
) -> None:
    sandbox, account = signed_in_gateway(qtbot, desk, sandbox_factory)
    controller = desk.controller
    tree_model = controller.tree_model
    rows = [tree_model.index(row, 0) for row in range(tree_model.rowCount())]
    [row] = [index for index in rows if index.data(TreeRoles.ACCOUNT_KEY) == account.key]
    menu = controller.tree.menu_for(row)
    assert menu is not None
    [again] = [action for action in menu.actions() if action.text() == "Sign &in again…"]
    again.trigger()
    dialog = controller.sign_in_again.dialogs[account.key]
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    assert MODES[dialog.tabs.currentIndex()] == "gateway"
    assert dialog.api_url.text() == sandbox.gateway_url
    assert dialog.api_url.isReadOnly()
    assert dialog.api_key.text() == ""
    # A key the gateway refuses is said, and the working one stays in use.
    dialog.api_key.setText("not-the-key")
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: "gateway refused" in dialog.error.text(), timeout=10_000)
    assert dialog.isVisible()
    dialog.api_key.setText(KEY)
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    # The window's session carries on with it: the account's workspace reads again.
    sandbox.control.reset_log()
    controller.tree_model.refresh(account.key)
    qtbot.waitUntil(lambda: "/org/" in [r.path for r in sandbox.control.requests()], timeout=10_000)
    assert find_app(qtbot, desk, "Tickets") is not None
    assert [r.status for r in sandbox.control.requests() if r.path == "/org/"][-1] == 200
