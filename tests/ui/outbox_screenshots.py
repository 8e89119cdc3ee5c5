"""Screenshots of the outbox in the window: a grid edit queued offline (its row shown waiting),
a new item made offline as a row of its app ("not yet in Podio"), and the outbox window. Not a
test run with the suite (its name does not start with test_); run it on a display:

    Xvfb :41 -screen 0 1400x900x24 &
    DISPLAY=:41 QT_QPA_PLATFORM=xcb OUTBOX_SHOTS=/work/shots/outbox \
        .venv/bin/python -m pytest -p no:cacheprovider tests/ui/outbox_screenshots.py

Dark mode is the window's own setting (View > Dark mode).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QToolTip

from podio_desk.services.editing import Queued
from podio_desk.services.profile import Profile
from podio_desk.ui.editor.item_editor import EditorState
from tests.plugins.desk import Desk, open_desk
from tests.ui.test_integration import column_of, field
from tests.ui.test_main_window import open_app, sign_in
from tests.ui.test_offline_opens import open_in_editor

SHOTS = Path(os.environ.get("OUTBOX_SHOTS", "/work/shots/outbox"))


@pytest.fixture(params=["light", "dark"])
def mode(request: Any) -> str:
    return str(request.param)


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def screen(name: str, qtbot: Any) -> None:
    """The whole display (tooltips and the outbox window are windows of their own)."""
    qtbot.wait(400)
    SHOTS.mkdir(parents=True, exist_ok=True)
    display = os.environ.get("DISPLAY", ":0")
    subprocess.run(
        ["import", "-window", "root", "-display", display, str(SHOTS / f"{name}.png")],
        check=True,
    )


def test_outbox_shots(qtbot, desk, sandbox, mode):
    sign_in(desk, sandbox)
    window = desk.window
    window.resize(1400, 860)
    window.move(0, 0)
    window.dark_mode_action.setChecked(mode == "dark")
    controller = desk.controller
    browser = controller.browser
    model = browser.model
    view = browser.view
    app_id = open_app(qtbot, desk, "Tickets")
    task = controller.sync_current_app()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=30000)
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.source.is_loaded(0), timeout=10000)
    for widget in QApplication.topLevelWidgets():
        if widget is not window and widget.isVisible():
            widget.close()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    session = browser.workspace
    assert session is not None

    # 1. A grid edit meeting the dropped network: queued at once, its row shown waiting.
    amount = (
        field(controller, "amount")
        if any(f.external_id == "amount" for f in browser.app.active_fields)
        else next(f for f in browser.app.active_fields if f.type == "number")
    )
    column = column_of(controller, amount)
    view.setFocus()
    view.setCurrentIndex(model.index(2, column))
    edited = model.item_id_at(2)
    qtbot.keyClick(view, Qt.Key.Key_4)
    qtbot.waitUntil(lambda: view.editing_view() is not None, timeout=3000)
    sandbox.control.set_drop_rate(1.0)
    cell_editor = view.open_inline_editor()
    typing = cell_editor.focusProxy() or cell_editor
    qtbot.keyClick(typing, Qt.Key.Key_2)
    qtbot.keyClick(typing, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not session.online, timeout=10000)

    def edited_row() -> int:
        return next((r for r in range(model.rowCount()) if model.item_id_at(r) == edited), -1)

    qtbot.waitUntil(lambda: model.is_outbox_pending(edited_row()), timeout=10000)
    view.scrollTo(model.index(edited_row(), column))
    qtbot.waitUntil(lambda: model.index(edited_row(), column).data() == "42.00", timeout=5000)
    screen(f"01-grid-edit-queued-pending-{mode}", qtbot)

    # 2. A new item made offline: a row of its app, marked "not yet in Podio".
    editor = open_in_editor(qtbot, desk, app_id, model.item_id_at(0))
    editor.new_item(app_id)
    qtbot.waitUntil(lambda: editor.item is None and editor.state is EditorState.READY)
    editor.editor_by_external_id("title").set_text("Printer on floor 3 jams (made offline)")
    saving = editor.save()
    assert saving is not None
    qtbot.waitUntil(saving.done, timeout=10000)
    assert isinstance(editor.last_outcome, Queued)

    def new_row() -> int:
        return next(
            (
                r
                for r in range(model.rowCount())
                if model.source.is_loaded(r) and model.item_at(r).title.endswith("(made offline)")
            ),
            -1,
        )

    qtbot.waitUntil(lambda: new_row() >= 0 and model.is_outbox_pending(new_row()), timeout=10000)
    row = new_row()
    view.scrollTo(model.index(row, 0))
    view.setCurrentIndex(model.index(row, 0))
    browser.view.activate(model.index(row, 0))
    qtbot.waitUntil(lambda: "not in Podio yet" in editor.message, timeout=10000)
    view.setCurrentIndex(model.index(row + 4, 0))  # its row's waiting tint, unselected
    rect = view.frozen.visualRect(model.index(row, 0))
    QToolTip.showText(
        view.frozen.viewport().mapToGlobal(rect.center() + QPoint(0, 8)),
        str(model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)),
        view.frozen.viewport(),
    )
    screen(f"02-new-item-made-offline-row-{mode}", qtbot)
    QToolTip.hideText()

    # 3. A comment on an item, then the outbox window: each write under its item's title.
    editor = open_in_editor(qtbot, desk, app_id, model.item_id_at(1))
    comments = editor.side.comments
    comments.input.setPlainText("Called the vendor; waiting for a part")
    comments.add()
    qtbot.waitUntil(lambda: comments.task is not None and comments.task.done(), timeout=10000)
    panel = controller.outbox.panel
    controller.indicators.outbox_button.click()
    qtbot.waitUntil(lambda: panel.isVisible() and panel.model.rowCount() == 3, timeout=10000)
    panel.resize(900, 320)
    panel.move(250, 300)
    panel.raise_()
    screen(f"03-outbox-window-{mode}", qtbot)
    panel.close()
