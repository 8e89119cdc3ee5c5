"""The application skeleton, built by the app's own builder: window, menus, status bar, shutdown."""

from __future__ import annotations

import asyncio
import logging

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from podio_desk import APP_NAME
from podio_desk.app import (
    EXIT_FAILURE,
    EXIT_OK,
    Desk,
    ShutdownHooks,
    build_desk,
    configure_qapplication,
    run_desk,
)
from podio_desk.services.logsetup import rotate_log_file
from podio_desk.services.profile import Profile
from podio_desk.ui.main_window import MainWindow, StatusBar
from tests.plugins.qt import PendingTasksError, check_no_pending_tasks, run_async


@pytest.fixture
def desk(qapp: QApplication, qtbot: QtBot, profile: Profile) -> Desk:
    configure_qapplication(qapp)
    built = build_desk(qapp, profile)
    qtbot.addWidget(built.window)
    return built


def menu_titles(desk: Desk) -> list[str]:
    return [action.text().replace("&", "") for action in desk.window.menuBar().actions()]


@pytest.mark.usefixtures("qloop")
def test_the_window_runs_and_quitting_cancels_tasks_then_closes_clients_on_a_live_loop(
    qtbot: QtBot, desk: Desk
) -> None:
    events: list[str] = []

    async def background_sync() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            events.append("sync cancelled")
            raise

    async def close_http_client() -> None:
        loop = asyncio.get_running_loop()
        assert not loop.is_closed()
        await asyncio.sleep(0)  # really awaits on the loop, like httpx's aclose()
        events.append("http client closed")

    async def close_cache() -> None:
        events.append("cache closed")

    desk.add_async_closer(close_cache, "cache")
    desk.add_async_closer(close_http_client)
    main = asyncio.get_running_loop().create_task(run_desk(desk), name="main")
    qtbot.waitUntil(desk.window.isVisible)
    sync = desk.tasks.run("sync", background_sync())
    qtbot.waitUntil(lambda: desk.tasks.running_names() == ["sync"])

    window = desk.window
    assert window.windowTitle() == APP_NAME
    assert isinstance(window.statusBar(), StatusBar)
    assert window.status_bar is window.statusBar()
    assert menu_titles(desk) == ["File", "View", "Bulk", "Help"]
    assert window.quit_action in window.file_menu.actions()
    assert window.about_action in window.help_menu.actions()
    assert not QApplication.windowIcon().isNull()

    window.quit_action.trigger()
    qtbot.waitUntil(main.done)

    assert main.result() == EXIT_OK
    assert not window.isVisible()
    assert sync.cancelled()
    # Tasks first, then the closers, newest first: the client built last closes first.
    assert events == ["sync cancelled", "http client closed", "cache closed"]
    assert desk.shutdown_hooks.has_run
    assert desk.tasks.pending_tasks() == []
    check_no_pending_tasks(asyncio.get_running_loop())


@pytest.mark.usefixtures("qloop")
def test_a_failing_closer_is_reported_and_does_not_stop_the_others(
    qtbot: QtBot, desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    closed: list[str] = []

    async def first() -> None:
        closed.append("first")

    async def broken() -> None:
        raise OSError("socket already gone")

    desk.add_async_closer(first, "first")
    desk.add_async_closer(broken, "broken")
    main = asyncio.get_running_loop().create_task(run_desk(desk), name="main")
    qtbot.waitUntil(desk.window.isVisible)
    desk.window.close()
    qtbot.waitUntil(main.done)

    assert main.result() == EXIT_FAILURE
    assert closed == ["first"]
    assert "Shutdown: broken failed" in caplog.text


@pytest.mark.usefixtures("qloop")
def test_a_hanging_closer_times_out() -> None:
    hooks = ShutdownHooks(timeout=0.05)

    async def hangs() -> None:
        await asyncio.sleep(3600)

    hooks.add(hangs, "hangs")
    assert run_async(hooks.run()) == ["hangs"]
    assert len(hooks) == 0


def test_a_failed_task_shows_in_the_status_bar(qtbot: QtBot, desk: Desk) -> None:
    assert desk.window.status_bar.currentMessage() == "Ready"
    desk.tasks.task_failed.emit("items:12", "Podio is not reachable")
    assert desk.window.status_bar.currentMessage() == "items:12 failed: Podio is not reachable"


def test_the_status_bar_and_docks_can_be_extended(qtbot: QtBot, desk: Desk) -> None:
    window = desk.window
    gauge = QLabel("rate limit 5000/5000")
    window.status_bar.add_permanent_widget(gauge)
    assert gauge.parent() is window.status_bar

    tree = QDockWidget("Workspaces")
    with pytest.raises(ValueError, match="objectName"):
        window.add_dock(tree)
    tree.setObjectName("workspace_dock")
    window.add_dock(tree)
    assert tree.toggleViewAction() in window.view_menu.actions()

    table = QLabel("items")
    window.set_central_widget(table)
    assert window.central_widget() is table


def test_about_opens_without_blocking(qtbot: QtBot, desk: Desk) -> None:
    desk.window.about_action.trigger()
    box = desk.window.findChild(QMessageBox, "about_box")
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    assert APP_NAME in box.text()
    box.close()


def test_window_geometry_is_kept_in_the_profile(qtbot: QtBot, desk: Desk, profile: Profile) -> None:
    desk.window.show()
    desk.window.resize(700, 500)
    desk.window.close()
    assert profile.settings_path.exists()
    stored = QSettings(str(profile.settings_path), QSettings.Format.IniFormat)
    assert stored.contains("main_window/geometry")

    reopened = MainWindow(stored)
    qtbot.addWidget(reopened)
    assert (reopened.width(), reopened.height()) == (700, 500)


@pytest.mark.usefixtures("qloop")
def test_the_pending_task_check_names_a_leaked_task_and_cancels_it() -> None:
    async def forgotten_poll() -> None:
        await asyncio.sleep(3600)

    loop = asyncio.get_running_loop()
    leaked = loop.create_task(forgotten_poll(), name="poll:forgotten")
    with pytest.raises(PendingTasksError, match=r"1 asyncio task.*poll:forgotten.*forgotten_poll"):
        check_no_pending_tasks(loop)
    assert leaked.cancelled()
    check_no_pending_tasks(loop)  # nothing left: passes


def test_logging_goes_to_the_profile_and_is_redacted(profile: Profile) -> None:
    from podio_desk.app import setup_logging, teardown_logging

    handlers = setup_logging(profile, 0)
    try:
        logging.getLogger("podio_desk.api.test").info(
            "GET /org/ headers={'Authorization': 'OAuth2 a1b2c3d4e5f6'} body=%s",
            {"refresh_token": "r-e-f-r-e-s-h", "user": "ann@example.com"},
        )
    finally:
        teardown_logging(handlers)
    text = (profile.logs_dir / "podio-desk.log").read_text(encoding="utf-8")
    assert "GET /org/" in text
    assert "ann@example.com" in text
    assert "a1b2c3d4e5f6" not in text
    assert "r-e-f-r-e-s-h" not in text
    assert "[REDACTED]" in text


def test_log_file_rotates_at_start_once_it_is_large(tmp_path):
    log = tmp_path / "podio-desk.log"
    rotate_log_file(log, 10, 2)  # no file yet: nothing to do
    log.write_text("small")
    rotate_log_file(log, 10, 2)
    assert log.read_text() == "small"
    for text in ("first run, long enough", "second run, long enough", "third run, long"):
        log.write_text(text)
        rotate_log_file(log, 10, 2)
        assert not log.exists()
    # Two old files kept, newest first; the oldest was dropped.
    assert (tmp_path / "podio-desk.log.1").read_text() == "third run, long"
    assert (tmp_path / "podio-desk.log.2").read_text() == "second run, long enough"
    assert not (tmp_path / "podio-desk.log.3").exists()
