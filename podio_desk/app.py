"""Composition root: builds the QApplication, the qasync loop and every object, then runs.

Start-up order matters: PySide6 is imported before qasync (qasync binds to whichever Qt is
already loaded), the QApplication exists before any widget, and the qasync loop is set as
the current asyncio loop before anything creates a task.

Shutdown order matters too. When the window closes: the task runner cancels every task and
awaits them; then the registered async closers run (httpx clients, the cache's worker thread)
while the loop is still alive; only then does the loop stop and close.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import (
    QEventLoop,
    QMessageLogContext,
    QSettings,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication

from podio_desk import APP_ID, APP_NAME, __version__
from podio_desk.services.profile import Profile, ProfileError, resolve_profile
from podio_desk.ui.gc_policy import GarbageCollector
from podio_desk.ui.main_window import MainWindow
from podio_desk.ui.resources import app_icon
from podio_desk.ui.settings import open_settings

# asyncio, qasync and the task runner are imported once the window is on screen (the first
# paint need not wait for them); qasync after PySide6, so that it binds to it.
if TYPE_CHECKING:
    import argparse
    import asyncio

    from podio_desk.domain.links import PodioLink
    from podio_desk.ui.desk_controller import DeskController
    from podio_desk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

ORGANIZATION_NAME = "Podio Desk"
CLOSER_TIMEOUT = 5.0
# How long the shutdown may take once Qt's own loop has ended early (each closer has its own
# limit; this bounds them all when Qt keeps ending the loop, as it does with the display gone).
EARLY_QUIT_SHUTDOWN_SECONDS = 30.0
SMOKE_TEST_SETTLE_SECONDS = 0.3
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_PROFILE = 2

AsyncCloser = Callable[[], Awaitable[object]]
T = TypeVar("T")


class ShutdownHooks:
    """Async clean-ups that must run while the loop is still alive (httpx clients, workers).

    Closers run newest first (what was built last depends on what was built first), each with
    a time limit; one failing closer is logged and does not stop the others.
    """

    def __init__(self, timeout: float = CLOSER_TIMEOUT) -> None:
        self._closers: list[tuple[str, AsyncCloser]] = []
        self._timeout = timeout
        self.has_run = False

    def add(self, closer: AsyncCloser, name: str | None = None) -> None:
        label = name or getattr(closer, "__qualname__", None) or repr(closer)
        self._closers.append((label, closer))

    def __len__(self) -> int:
        return len(self._closers)

    async def run(self) -> list[str]:
        """Run every closer once; returns the names of those that failed or timed out."""
        import asyncio

        failed: list[str] = []
        closers, self._closers = list(reversed(self._closers)), []
        for label, closer in closers:
            try:
                await asyncio.wait_for(closer(), timeout=self._timeout)
            except TimeoutError:
                log.error("Shutdown: %s did not finish within %.1f s", label, self._timeout)
                failed.append(label)
            except Exception:
                log.exception("Shutdown: %s failed", label)
                failed.append(label)
        self.has_run = True
        return failed


def _new_event() -> asyncio.Event:
    import asyncio

    return asyncio.Event()


@dataclass
class Desk:
    """Everything the running application is made of, built by `build_desk`."""

    qapp: QApplication
    profile: Profile
    settings: QSettings
    tasks: TaskRunner
    window: MainWindow
    shutdown_hooks: ShutdownHooks = field(default_factory=ShutdownHooks)
    # The tree, table, status gauges and accounts (ui.desk_controller), once started.
    main_parts: DeskController | None = None
    _quit_requested: asyncio.Event = field(default_factory=_new_event)

    def add_async_closer(self, closer: AsyncCloser, name: str | None = None) -> None:
        """Run `closer()` at shutdown, after all tasks are cancelled, before the loop closes."""
        self.shutdown_hooks.add(closer, name)

    def request_quit(self) -> None:
        """Ask the application to shut down (window closed, File > Quit, SIGINT/SIGTERM)."""
        self._quit_requested.set()

    async def wait_for_quit(self) -> None:
        await self._quit_requested.wait()

    async def shutdown(self) -> list[str]:
        """Cancel and await every task, then run the closers; returns failed closer names."""
        log.info("Shutting down")
        await self.tasks.shutdown()
        failed = await self.shutdown_hooks.run()
        self.settings.sync()
        return failed


def configure_qapplication(qapp: QApplication) -> None:
    qapp.setApplicationName(APP_ID)
    qapp.setApplicationDisplayName(APP_NAME)
    qapp.setApplicationVersion(__version__)
    qapp.setOrganizationName(ORGANIZATION_NAME)
    qapp.setDesktopFileName(APP_ID)
    qapp.setWindowIcon(app_icon())
    # The window's close_requested drives shutdown; Qt must not end the loop on its own first.
    qapp.setQuitOnLastWindowClosed(False)


def create_qapplication(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        qapp = existing
    else:
        qapp = QApplication([sys.argv[0], *(argv or [])])
    configure_qapplication(qapp)
    return qapp


def build_window(profile: Profile) -> tuple[QSettings, MainWindow]:
    """The profile's settings and the main window (not shown yet)."""
    settings = open_settings(profile)
    return settings, MainWindow(settings)


def build_desk(
    qapp: QApplication, profile: Profile, built: tuple[QSettings, MainWindow] | None = None
) -> Desk:
    """Build every long-lived object of the application for `profile` (already created),
    around the window of `build_window` when it was built (and shown) first."""
    from podio_desk.ui.tasks import TaskRunner

    settings, window = built if built is not None else build_window(profile)
    tasks = TaskRunner()
    desk = Desk(qapp=qapp, profile=profile, settings=settings, tasks=tasks, window=window)
    tasks.task_failed.connect(
        lambda name, message: window.status_bar.show_message(f"{name} failed: {message}")
    )
    window.close_requested.connect(desk.request_quit)
    return desk


async def run_desk(
    desk: Desk,
    *,
    demo: bool = False,
    demo_if_no_account: bool = False,
    link: PodioLink | None = None,
) -> int:
    """Show the window, wait until the user quits, shut down; returns the exit code.

    `demo_if_no_account` (`--demo-if-no-account`, the README's run command): without an
    account the demo starts instead of the sign-in dialog; with one the app opens as usual.
    `link` (`podio-desk PODIO_LINK`) is opened once the accounts are ready.
    """
    import asyncio

    desk.window.show()
    # The rest starts once Qt has drawn the window: a zero timer fires on the event loop's
    # first turn, after the window's paint.
    shown: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    QTimer.singleShot(0, lambda: None if shown.done() else shown.set_result(None))
    await shown
    log.info("Event loop running")
    garbage = GarbageCollector(desk.window).install()
    try:
        desk.tasks.run(
            "startup",
            start_main_parts(desk, demo=demo, demo_if_no_account=demo_if_no_account, link=link),
        )
        await desk.wait_for_quit()
        if desk.window.isVisible():
            desk.window.close()  # quit by signal: save the window layout as a close would
        failed = await desk.shutdown()
    finally:
        garbage.uninstall()
    return EXIT_FAILURE if failed else EXIT_OK


async def start_main_parts(
    desk: Desk,
    *,
    demo: bool = False,
    demo_if_no_account: bool = False,
    link: PodioLink | None = None,
) -> None:
    """Accounts, workspace tree, item table, status gauges and the item editor, built right
    after the window shows: their imports (httpx, sqlite3, the services) take longer than
    showing the window, and the tree then fills in from the cache while Podio is asked."""
    import asyncio

    from podio_desk.secrets import SecretStore
    from podio_desk.services.accounts import AccountService
    from podio_desk.ui.desk_controller import DeskController

    # Finding the keyring backend loads plugins: not on the UI thread.
    secrets = await asyncio.to_thread(SecretStore)
    accounts = AccountService(desk.profile.root, secrets)
    controller = DeskController(
        desk.window, desk.tasks, accounts, desk.profile.cache_dir, desk.settings
    )
    desk.main_parts = controller
    desk.add_async_closer(controller.aclose, "accounts, caches and the demo")
    await controller.start(demo=demo, demo_if_no_account=demo_if_no_account)
    # From now on a later `podio-desk PODIO_LINK` on this profile hands its link to this window.
    from podio_desk.services.link_server import listen_for_links

    server = await listen_for_links(desk.profile.root, controller.take_link)
    if server is not None:
        desk.add_async_closer(server.aclose, "link server")
    if link is not None:
        controller.open_link(link)


# ---------------------------------------------------------------- logging


_QT_MESSAGE_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


# Messages Qt prints for reasons outside our code, kept at debug level so that a warning on
# stderr always means something. Each names the platform that emits it.
_QT_NOISE = (
    # offscreen platform plugin (the smoke test, CI): no window manager to pass size hints to.
    "This plugin does not support propagateSizeHints()",
)


# Said once as a warning, then at debug level: xcb repeats it at every X call once the
# display is gone, while the shutdown goes on.
_QT_SAID_ONCE = ("The X11 connection broke",)
_qt_said: set[str] = set()


def _log_qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    category = context.category or "default"
    level = _QT_MESSAGE_LEVELS.get(kind, logging.INFO)
    if message.startswith(_QT_NOISE):
        level = logging.DEBUG
    once = next((prefix for prefix in _QT_SAID_ONCE if message.startswith(prefix)), None)
    if once is not None:
        if once in _qt_said:
            level = logging.DEBUG
        _qt_said.add(once)
    logging.getLogger(f"qt.{category}").log(level, message)


def setup_logging(profile: Profile, verbosity: int) -> list[logging.Handler]:
    """The window's logging: see services/logsetup.py (levels, redaction, rotation)."""
    from podio_desk.services.logsetup import setup_logging as setup

    return setup(profile.logs_dir, verbosity)


def teardown_logging(handlers: list[logging.Handler]) -> None:
    from podio_desk.services.logsetup import teardown_logging as teardown

    teardown(handlers)


# ---------------------------------------------------------------- running


class QuitSignals:
    """Let Ctrl-C and SIGTERM close the app cleanly instead of killing it mid-write.

    Installed before the window shows; a signal that arrives before the desk exists is kept
    and passed on when `attach` gives it one. Python runs signal handlers only between
    bytecodes; while Qt's C++ loop waits for events none run, so a cheap timer wakes the
    interpreter a few times a second.
    """

    def __init__(self, qapp: QApplication) -> None:
        self._desk: Desk | None = None
        self._pending = False
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        self._wake_up = QTimer(qapp)
        self._wake_up.timeout.connect(lambda: None)
        self._wake_up.start(250)

    def attach(self, desk: Desk) -> None:
        self._desk = desk
        if self._pending:
            desk.request_quit()

    def stop(self) -> None:
        self._wake_up.stop()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        log.info("Received signal %d: quitting", signum)
        if self._desk is None:
            self._pending = True
        else:
            self._desk.request_quit()


def _run_on_qasync_loop(
    qapp: QApplication, main: Callable[[], Coroutine[object, object, T]], desk: Desk
) -> T:
    """Run `main()` on a fresh qasync loop and close the loop afterwards.

    The loop runs with `run_forever` until `main` is done, not `run_until_complete`: that one
    ends with a last `processEvents` outside the running loop, where any task step still due
    fails with "no running event loop" (a lot of them when Qt's loop ended early)."""
    import asyncio

    import qasync

    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            main_task = loop.create_task(main(), name="main")
            main_task.add_done_callback(lambda _task: loop.stop())
            loop.run_forever()
            if not main_task.done():
                _finish_after_early_quit(qapp, loop, main_task, desk)
            return cast(T, main_task.result())
    finally:
        asyncio.set_event_loop(None)


def _finish_after_early_quit(
    qapp: QApplication,
    loop: asyncio.AbstractEventLoop,
    main_task: asyncio.Task[Any],
    desk: Desk,
) -> None:
    """Qt's loop ended before ours (QApplication.quit() from a session manager, a stray call,
    or the display gone): shut down as on any quit, turning the loop by hand.

    With the display gone, xcb ends Qt's loop again at every turn, before socket notifiers
    get theirs (a subprocess's pipes, httpx's sockets): each `processEvents` here is a whole
    turn, with this loop set as the running one so that task steps find it."""
    import asyncio

    log.warning("Qt event loop quit early; finishing the shutdown")
    desk.request_quit()
    deadline = time.monotonic() + EARLY_QUIT_SHUTDOWN_SECONDS
    # Waiting is bounded: every closer's time limit is a timer, which ends the wait.
    turn = QEventLoop.ProcessEventsFlag.AllEvents | QEventLoop.ProcessEventsFlag.WaitForMoreEvents
    while not main_task.done():
        if time.monotonic() > deadline:
            log.error("The shutdown did not finish after Qt's loop ended; exiting without it")
            main_task.cancel()
            raise SystemExit(EXIT_FAILURE)
        asyncio.events._set_running_loop(loop)
        try:
            qapp.processEvents(turn)
        finally:
            asyncio.events._set_running_loop(None)


def run_gui(args: argparse.Namespace) -> int:
    """Start the application with the window; returns the process exit code."""
    if args.smoke_test:
        return run_smoke_test(verbosity=args.verbose)
    try:
        profile = resolve_profile(args.profile).ensure_exists()
    except ProfileError as error:
        sys.stderr.write(f"podio-desk: {error}\n")
        return EXIT_BAD_PROFILE
    handlers = setup_logging(profile, args.verbose)
    link = getattr(args, "link", None)
    # Before any Qt: handing a link to the open window needs neither a display nor a window.
    if link is not None and _handed_to_running_window(profile, link.text):
        log.info("The link went to the window already open on this profile")
        teardown_logging(handlers)
        return EXIT_OK
    log.info("%s %s starting with profile %s", APP_NAME, __version__, profile.root)
    qInstallMessageHandler(_log_qt_message)
    try:
        qapp = create_qapplication()
        quit_signals = QuitSignals(qapp)
        built = build_window(profile)
        built[1].show()
        # Drawn now, before the event loop's own imports (asyncio, qasync) run.
        qapp.processEvents()
        log.info("Main window shown")  # the start-up benchmark and the CLI test read this
        desk = build_desk(qapp, profile, built)
        quit_signals.attach(desk)

        async def main() -> int:
            return await run_desk(
                desk,
                demo=bool(getattr(args, "demo", False)),
                demo_if_no_account=bool(getattr(args, "demo_if_no_account", False)),
                link=link,
            )

        code = _run_on_qasync_loop(qapp, main, desk)
        quit_signals.stop()
        log.info("Exited with code %d", code)
        return code
    finally:
        qInstallMessageHandler(None)
        teardown_logging(handlers)


def _handed_to_running_window(profile: Profile, text: str) -> bool:
    from podio_desk.services.link_server import hand_over_link, socket_path

    return hand_over_link(socket_path(profile.root), text)


# ---------------------------------------------------------------- smoke test


class SmokeTestError(Exception):
    """A check of `--smoke-test` failed; the message says which."""


async def _smoke_checks(desk: Desk) -> str:
    import asyncio

    started = time.monotonic()
    closed: list[str] = []

    async def probe_closer() -> None:
        closed.append("probe")

    desk.add_async_closer(probe_closer, "smoke-test probe")
    desk.window.show()
    from podio_desk.secrets import describe_keyring_backend  # keyring: not at start-up

    keyring_backend = await desk.tasks.run(
        "smoke:keyring", asyncio.to_thread(describe_keyring_backend)
    )
    await asyncio.sleep(SMOKE_TEST_SETTLE_SECONDS)  # let Qt lay out and paint the window
    window = desk.window
    if not window.isVisible():
        raise SmokeTestError("the main window did not become visible")
    menus = [action.text().replace("&", "") for action in window.menuBar().actions()]
    if menus[:3] != ["File", "View", "Help"]:
        raise SmokeTestError(f"unexpected menus: {menus}")
    if desk.qapp.windowIcon().isNull():
        raise SmokeTestError("the application icon did not load")
    # A task that never finishes must be cancelled and awaited by the shutdown.
    desk.tasks.run("smoke:idle", asyncio.sleep(3600))
    window.close()
    await desk.wait_for_quit()
    failed = await desk.shutdown()
    if failed:
        raise SmokeTestError(f"shutdown closers failed: {', '.join(failed)}")
    if closed != ["probe"]:
        raise SmokeTestError("the shutdown closers did not run")
    pending = [
        task.get_name()
        for task in asyncio.all_tasks()
        if task is not asyncio.current_task() and not task.done()
    ]
    if pending:
        raise SmokeTestError(f"tasks still pending after shutdown: {', '.join(pending)}")
    return (
        f"{APP_NAME} {__version__}, Qt {pyside_version} ({desk.qapp.platformName()}), "
        f"window {window.width()}x{window.height()}, keyring {keyring_backend}, "
        f"clean shutdown in {time.monotonic() - started:.2f} s"
    )


def run_smoke_test(verbosity: int = 0) -> int:
    """Start offscreen with a throw-away profile, build the window, touch the keyring, quit.

    Used on a frozen bundle to catch a missing resource or hidden import; prints one line
    starting with "smoke test ok:" and returns 0, or says what failed and returns 1.
    """
    import tempfile

    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    with tempfile.TemporaryDirectory(prefix="podio-desk-smoke-") as temporary:
        profile = resolve_profile(temporary).ensure_exists()
        handlers = setup_logging(profile, verbosity)
        qInstallMessageHandler(_log_qt_message)
        try:
            qapp = create_qapplication()
            desk = build_desk(qapp, profile)

            async def main() -> str:
                return await _smoke_checks(desk)

            summary = _run_on_qasync_loop(qapp, main, desk)
            desk.settings.sync()
        except Exception as error:
            log.debug("Smoke test failed", exc_info=True)
            sys.stderr.write(f"smoke test FAILED: {type(error).__name__}: {error}\n")
            return EXIT_FAILURE
        finally:
            qInstallMessageHandler(None)
            teardown_logging(handlers)
    sys.stdout.write(f"smoke test ok: {summary}\n")
    sys.stdout.flush()
    return EXIT_OK
