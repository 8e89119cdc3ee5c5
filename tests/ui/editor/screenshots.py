"""Screenshots of the item editor on the demo's richest item and of the conflict view.

    Xvfb :98 -screen 0 1600x1000x24 &
    DISPLAY=:98 .venv/bin/python -m tests.ui.editor.screenshots [OUTPUT_DIR]

Writes editor.png and conflict.png (default: resources/screenshots/). Not a test.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

import qasync  # isort: skip  (after PySide6, so that qasync binds to it)
from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient
from podio_desk.sandbox import Sandbox, SandboxConfig
from podio_desk.services.editing import EditingService
from podio_desk.ui.editor.item_editor import EditorState, ItemEditorDock
from podio_desk.ui.tasks import TaskRunner


async def _idle(runner: TaskRunner) -> None:
    """Wait for the side panes' loads."""
    async with asyncio.timeout(15):
        await asyncio.gather(*runner.pending_tasks(), return_exceptions=True)


async def _settle() -> None:
    for _ in range(10):
        QApplication.processEvents()
        await asyncio.sleep(0.05)


async def main(out: Path) -> None:
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
        window.resize(1560, 960)
        dock = ItemEditorDock(service, runner, window)
        window.setCentralWidget(dock)
        window.show()
        item_id = int(info["richest_item_id"])
        opening = dock.open_item(None, item_id)
        assert opening is not None
        await opening
        editor = dock.editor
        await _idle(runner)
        await _settle()
        # Tall enough to show every field of the richest item at once.
        window.resize(1560, 1720)
        await _settle()
        window.grab().save(str(out / "editor.png"))
        window.resize(1560, 960)

        title: Any = editor.editor_by_external_id("title")
        title.set_text("The richest item (my edit)")
        quantity: Any = editor.editor_by_external_id("quantity")
        quantity.line.setText("15")
        state: Any = editor.editor_by_external_id("state")
        state.choose("Done")
        sandbox.edit_as_other(
            item_id,
            {
                "title": "The richest item (their edit)",
                "price": {"value": "120", "currency": "EUR"},
                "state": 1,
            },
        )
        task = editor.save()
        assert task is not None
        await task
        assert editor.state is EditorState.CONFLICT, editor.message
        await _settle()
        window.grab().save(str(out / "conflict.png"))
    finally:
        await runner.shutdown(2.0)
        await client.aclose()
        sandbox.stop()


def run() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("resources/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    QTimer.singleShot(0, lambda: None)
    with loop:
        loop.run_until_complete(main(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
