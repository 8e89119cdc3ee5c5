"""The real main window and its controller on a test profile, shut down the way the app does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QSettings

from podio_desk.secrets import SecretStore
from podio_desk.services.accounts import AccountService
from podio_desk.services.profile import Profile
from podio_desk.ui.desk_controller import DeskController
from podio_desk.ui.gc_policy import GarbageCollector
from podio_desk.ui.main_window import MainWindow
from podio_desk.ui.tasks import TaskRunner
from tests.plugins.qt import process_events_until, run_async


class Desk:
    def __init__(self, window: MainWindow, runner: TaskRunner, controller: DeskController) -> None:
        self.window = window
        self.runner = runner
        self.controller = controller


@contextmanager
def open_desk(profile: Profile, *, shutdown_timeout: float = 20) -> Iterator[Desk]:
    """Needs a running `qloop`. Garbage of earlier tests (and of this one) is collected on this
    thread, never on a worker thread (see ui/gc_policy.py)."""
    runner = TaskRunner()
    collector = GarbageCollector().install()
    settings = QSettings(str(profile.settings_path), QSettings.Format.IniFormat)
    # Not qtbot.addWidget: pytest-qt would delete the window before this shutdown.
    window = MainWindow(settings)
    accounts = AccountService(profile.root, SecretStore())
    controller = DeskController(window, runner, accounts, profile.cache_dir, settings)
    window.resize(1400, 900)
    window.show()
    try:
        yield Desk(window, runner, controller)
    finally:

        async def shutdown() -> None:
            await runner.shutdown()
            await controller.aclose()

        run_async(shutdown(), timeout=shutdown_timeout)
        process_events_until(lambda: not runner.pending_tasks(), 2)
        window.close()
        window.deleteLater()
        process_events_until(lambda: False, 0.05)
        collector.uninstall()
