"""`--demo-if-no-account` (the README's run command): the demo for a new user, the account
for everyone else; the flag goes from the command line through the app to the controller."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

import podio_desk.app as app_module
from podio_desk import cli
from podio_desk.app import build_desk, configure_qapplication, run_desk
from podio_desk.services.profile import Profile
from tests.plugins.desk import Desk, open_desk
from tests.plugins.qt import run_async
from tests.ui.test_main_window import sign_in

pytestmark = pytest.mark.gui


class Windows(list[Desk]):
    """Main windows on one profile, one per start of the app."""

    def __init__(self, stack: ExitStack, profile: Profile) -> None:
        super().__init__()
        self._stack = stack
        self._profile = profile

    def open(self) -> Desk:
        self.append(self._stack.enter_context(open_desk(self._profile)))
        return self[-1]


@pytest.fixture
def windows(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Windows]:
    """All closed at the end, the last opened first."""
    with ExitStack() as stack:
        yield Windows(stack, profile)


def test_the_command_line_passes_the_flag_to_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[argparse.Namespace] = []

    def fake_run_gui(args: argparse.Namespace) -> int:
        seen.append(args)
        return 0

    monkeypatch.setattr(app_module, "run_gui", fake_run_gui)
    assert cli.main(["--demo-if-no-account"]) == 0
    assert cli.main([]) == 0
    assert [args.demo_if_no_account for args in seen] == [True, False]
    assert [args.demo for args in seen] == [False, False]


@pytest.mark.usefixtures("qloop")
def test_run_desk_hands_the_flag_to_the_start_up(
    qapp: QApplication, qtbot: Any, profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[dict[str, object]] = []

    async def fake_start_main_parts(_desk: Any, **flags: object) -> None:
        started.append(flags)

    monkeypatch.setattr(app_module, "start_main_parts", fake_start_main_parts)
    configure_qapplication(qapp)
    built = build_desk(qapp, profile)
    qtbot.addWidget(built.window)
    main = asyncio.get_running_loop().create_task(
        run_desk(built, demo_if_no_account=True), name="main"
    )
    qtbot.waitUntil(lambda: bool(started))
    built.window.quit_action.trigger()
    qtbot.waitUntil(main.done, timeout=10000)
    assert started == [{"demo": False, "demo_if_no_account": True, "link": None}]


def test_without_an_account_the_demo_starts(windows: Windows, profile: Profile) -> None:
    windows.open()
    controller = windows[0].controller
    controller.demo_items = 200
    run_async(controller.start(demo_if_no_account=True), timeout=60)
    assert controller.demo is not None
    assert [a.name for a in controller.accounts.list()] == ["Demo (local sandbox)"]
    assert controller._login is None


def test_with_an_account_it_opens_as_usual(
    windows: Windows, profile: Profile, sandbox: Any
) -> None:
    windows.open()
    sign_in(windows[0], sandbox)
    # The next run of the README's command, with the account configured.
    windows.open()
    controller = windows[1].controller
    run_async(controller.start(demo_if_no_account=True), timeout=30)
    assert controller.demo is None
    assert [a.username for a in controller.accounts.list()] == [sandbox.info["username"]]
    assert controller._login is None
