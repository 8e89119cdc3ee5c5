"""Screenshot of the conflict view in the editor dock of a 1 000 x 700 window (with a running
sync in the status bar), light, or dark with `--dark` (a dark Fusion palette set here).

    Xvfb :54 -screen 0 1400x900x24 &
    DISPLAY=:54 .venv/bin/python -m tests.ui.editor.fixb_screenshots OUTPUT_DIR [--dark]

Writes conflict-1000[-dark].png and statusbar-720[-dark].png. Not a test.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

import qasync  # isort: skip  (after PySide6, so that qasync binds to it)
from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient
from podio_desk.sandbox import Sandbox, SandboxConfig
from podio_desk.services.editing import EditingService
from podio_desk.ui.editor.item_editor import EditorState, ItemEditorDock
from podio_desk.ui.status_bar import StatusIndicators
from podio_desk.ui.tasks import TaskRunner
from podio_desk.ui.time_zone import TimeZoneSetting
from tests.ui.editor.screenshots_s8 import _settle, dark_palette


async def main(out: Path, suffix: str) -> None:
    sandbox = Sandbox(SandboxConfig(seed=1, items=50)).start()
    info = sandbox.info
    client = PodioClient(
        ClientCredentials(str(info["client_id"]), str(info["client_secret"])), base_url=sandbox.url
    )
    runner = TaskRunner()
    try:
        await client.session.sign_in_password(str(info["username"]), str(info["password"]))
        service = EditingService(client)
        window = QMainWindow()
        window.setWindowTitle("Podio Desk — conflict at 1000 x 700")
        window.setCentralWidget(QLabel("(the item table)", alignment=Qt.AlignmentFlag.AlignCenter))
        indicators = StatusIndicators()
        indicators.install(window.statusBar())
        indicators.set_data_source("Sorted and filtered by Podio")
        indicators.jobs.start("sync:a:1", "Syncing Tickets", on_cancel=lambda: None)
        indicators.jobs.progress("sync:a:1", 6000, 100_000, eta=2511)
        dock = ItemEditorDock(service, runner, window)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        zones = TimeZoneSetting(None)
        dock.editor.set_time_zone_setting(zones)
        zones.changed.connect(dock.editor.time_rule_changed)
        await zones.learn_podio_zone("demo", service.user_time_zone)
        window.resize(1000, 700)
        window.move(10, 10)
        window.show()
        # As the window docks it: 45 % of the window, side panes under the form.
        dock.editor.splitter.setOrientation(Qt.Orientation.Vertical)
        window.resizeDocks([dock], [450], Qt.Orientation.Horizontal)
        item_id = int(info["richest_item_id"])
        opening = dock.open_item(None, item_id)
        assert opening is not None
        await opening
        editor = dock.editor
        sandbox.edit_as_other(item_id, {"title": "The richest item, as the other user wrote it"})
        title: Any = editor.editor_by_external_id("title")
        title.set_text("The richest item, with my longer wording that wraps in the dock")
        editor.save()
        for _ in range(100):
            await asyncio.sleep(0.05)
            if editor.state is EditorState.CONFLICT:
                break
        assert editor.state is EditorState.CONFLICT, editor.message
        await _settle()
        print("window", window.width(), "dock", dock.width())
        window.grab().save(str(out / f"conflict-1000{suffix}.png"))
        # Narrower still: the status bar's labels elide and the bar shows its share only.
        window.resize(720, 700)
        await _settle()
        print("window", window.width(), "cancel right", indicators.jobs.cancel_button.geometry())
        window.grab().save(str(out / f"statusbar-720{suffix}.png"))
    finally:
        await runner.shutdown(2.0)
        await client.aclose()
        sandbox.stop()


def run() -> int:
    args = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    dark = "--dark" in sys.argv
    out = Path(args[0]) if args else Path("resources/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    if dark:
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main(out, "-dark" if dark else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
