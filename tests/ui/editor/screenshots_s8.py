"""Screenshots of issue 15's editor side: a conflict with attached files, and the
unsaved-changes question. Light, or dark with `--dark` (a dark Fusion palette set here:
the app itself has no dark-mode setting on this branch).

    Xvfb :46 -screen 0 1400x900x24 &
    DISPLAY=:46 .venv/bin/python -m tests.ui.editor.screenshots_s8 OUTPUT_DIR [--dark]

Writes conflict-files[-dark].png and unsaved-prompt[-dark].png. Not a test.
"""

from __future__ import annotations

import asyncio
import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

import qasync  # isort: skip  (after PySide6, so that qasync binds to it)
from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient
from podio_desk.sandbox import Sandbox, SandboxConfig
from podio_desk.services.editing import EditingService
from podio_desk.ui.editor.item_editor import EditorState, ItemEditorDock
from podio_desk.ui.tasks import TaskRunner
from podio_desk.ui.time_zone import TimeZoneSetting


def dark_palette() -> QPalette:
    palette = QPalette()
    base, window, text = QColor(35, 35, 38), QColor(45, 45, 48), QColor(230, 230, 230)
    for role, colour in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, window),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, window),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.ToolTipBase, base),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.Highlight, QColor(53, 132, 228)),
        (QPalette.ColorRole.HighlightedText, QColor(255, 255, 255)),
        (QPalette.ColorRole.Link, QColor(120, 170, 255)),
        (QPalette.ColorRole.Mid, QColor(150, 150, 150)),
        (QPalette.ColorRole.PlaceholderText, QColor(150, 150, 150)),
    ):
        palette.setColor(role, colour)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 120, 120))
    return palette


async def _settle() -> None:
    # Sleeping lets the loop paint; processEvents() here would run other tasks inside this one.
    await asyncio.sleep(0.5)


def _as_other(sandbox: Sandbox, method: str, path: str, body: Any) -> None:
    info = sandbox.info
    token = sandbox.token_for(str(info["other_username"]), str(info["other_password"]))
    request = urllib.request.Request(
        f"{sandbox.url}{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"OAuth2 {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


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
        window.setWindowTitle("Podio Desk — item editor")
        window.resize(1380, 880)
        window.move(10, 10)
        dock = ItemEditorDock(service, runner, window)
        zones = TimeZoneSetting(None)
        dock.editor.set_time_zone_setting(zones)
        zones.changed.connect(dock.editor.time_rule_changed)
        await zones.learn_podio_zone("demo", service.user_time_zone)
        window.setCentralWidget(dock)
        window.show()
        item_id = int(info["richest_item_id"])
        opening = dock.open_item(None, item_id)
        assert opening is not None
        await opening
        editor = dock.editor
        files = editor.side.files
        await files.attach("meeting-notes.txt", b"notes", "text/plain")
        await files.attach("old-draft.txt", b"draft", "text/plain")
        editor.side.setCurrentWidget(files)
        upload = await client.upload_file("their-report.pdf", b"%PDF", mimetype="application/pdf")
        current = await client.item(item_id)
        ids = [f.file_id for f in current.files] + [upload.file_id]
        _as_other(
            sandbox, "PUT", f"/item/{item_id}", {"file_ids": ids, "revision": current.revision}
        )
        sandbox.edit_as_other(item_id, {"title": "The richest item (their edit)"})
        title: Any = editor.editor_by_external_id("title")
        title.set_text("The richest item (my edit)")
        files.list.setCurrentRow(len(files.files) - 1)
        QMessageBox.question = lambda *a, **k: QMessageBox.StandardButton.Yes  # type: ignore[method-assign]
        files._remove_selected()
        for _ in range(100):
            await asyncio.sleep(0.05)
            if editor.state is EditorState.CONFLICT:
                break
        assert editor.state is EditorState.CONFLICT, editor.message
        await _settle()
        window.grab().save(str(out / f"conflict-files{suffix}.png"))

        editor.conflict_view.cancelled.emit()
        await _settle()
        title = editor.editor_by_external_id("title")
        title.set_text("Typed but not saved")
        await _settle()
        shot = out / f"unsaved-prompt{suffix}.png"

        def grab_and_cancel() -> None:
            box = QApplication.activeModalWidget()
            if not isinstance(box, QMessageBox):
                QTimer.singleShot(50, grab_and_cancel)
                return
            QApplication.primaryScreen().grabWindow(0).save(str(shot))
            button = box.button(QMessageBox.StandardButton.Cancel)
            assert button is not None
            button.click()

        QTimer.singleShot(800, grab_and_cancel)
        other = next(
            entry["item_id"]
            for entry in sandbox.control.live_items(int(current.app_id or 0))
            if entry["item_id"] != item_id
        )
        editor.open_item(None, other)
        for _ in range(100):
            await asyncio.sleep(0.05)
            if shot.exists() and QApplication.activeModalWidget() is None:
                break
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
