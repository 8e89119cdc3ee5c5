"""Screenshots of session 9's grid and editor fixes, light and dark (the window's own dark
mode). Not a test run with the suite (its name does not start with test_); run it on a
display:

    Xvfb :45 -screen 0 1400x900x24 &
    DISPLAY=:45 QT_QPA_PLATFORM=xcb .venv/bin/python -m pytest -p no:cacheprovider \
        tests/ui/gridfix_screenshots.py

Shots go to $GRIDFIX_SHOTS (default /work/shots/gridfix).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QDialog, QToolTip

from podio_desk.services.profile import Profile
from podio_desk.ui.editor.item_editor import EditorState
from tests.plugins.desk import Desk, open_desk
from tests.ui.test_integration import column_of, field, start_inline_edit
from tests.ui.test_main_window import find_app, open_app, sign_in

SHOTS = Path(os.environ.get("GRIDFIX_SHOTS", "/work/shots/gridfix"))


@pytest.fixture(params=["light", "dark"])
def mode(request: Any, qapp: QApplication) -> str:
    qapp.setStyle("Fusion")
    return str(request.param)


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile, mode: str) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        opened.window.set_dark_mode(mode == "dark")
        yield opened


def _screen(rect: QRect, name: str) -> None:
    """The screen where `rect` is (global coordinates): popups and tooltips included."""
    screen = QApplication.primaryScreen()
    shot = screen.grabWindow(0, rect.x(), rect.y(), rect.width(), rect.height())
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot.save(str(SHOTS / name))


def _start(qtbot: Any, desk: Desk, sandbox: Any, width: int, height: int) -> Any:
    sign_in(desk, sandbox)
    dialog = QApplication.activeModalWidget()
    if isinstance(dialog, QDialog):
        dialog.reject()
    for widget in QApplication.topLevelWidgets():
        if widget is not desk.window and widget.isVisible():
            widget.close()
    desk.window.resize(width, height)
    desk.window.move(20, 20)
    desk.window.activateWindow()
    open_app(qtbot, desk, "Showcase")
    return desk.controller


def _window_rect(desk: Desk) -> QRect:
    return desk.window.frameGeometry()


def test_editor_dock_in_a_1000_px_window(qtbot, desk, sandbox, mode):
    controller = _start(qtbot, desk, sandbox, 1000, 700)
    session = controller.browser.workspace
    opening = controller.open_item(session, None, int(sandbox.info["richest_item_id"]))
    qtbot.waitUntil(opening.done, timeout=10000)
    dock = controller.editor_docks[session.key]
    qtbot.waitUntil(lambda: dock.editor.state is EditorState.READY, timeout=10000)
    qtbot.waitUntil(lambda: desk.window.width() == 1000, timeout=5000)
    qtbot.wait(400)
    _screen(_window_rect(desk), f"w1000_editor_{mode}.png")
    # The form scrolled to the date range and the files (the widest fields).
    editor = dock.editor
    meeting = next(r for r in editor.rows.values() if r.fdef.external_id == "meeting")
    editor.scroll_area.ensureWidgetVisible(meeting.editor, 0, 10)
    qtbot.wait(300)
    _screen(_window_rect(desk), f"w1000_editor_dates_{mode}.png")


def test_totals_in_several_currencies(qtbot, desk, sandbox, mode):
    controller = _start(qtbot, desk, sandbox, 1200, 700)
    model = controller.browser.model
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.source.is_loaded(0), timeout=10000)
    titles = {model.index(row, 0).data(): model.item_id_at(row) for row in range(model.rowCount())}
    sandbox.edit_directly(
        titles["Showcase sample 1"], {"price": [{"value": "1100.05", "currency": "EUR"}]}
    )
    sandbox.edit_directly(
        titles["Showcase sample 2"], {"price": [{"value": "300", "currency": "USD"}]}
    )
    sandbox.edit_directly(
        titles["Showcase sample 3"], {"price": [{"value": "450", "currency": "DKK"}]}
    )
    sandbox.edit_directly(
        titles["Showcase sample 4"], {"price": [{"value": "25", "currency": "USD"}]}
    )
    task = controller.sync_current_app()
    qtbot.waitUntil(task.done, timeout=30000)
    footer = controller.browser.totals
    price = column_of(controller, field(controller, "price"))
    qtbot.waitUntil(lambda: footer.text_for(price).startswith("Σ "), timeout=10000)
    view = controller.browser.view
    view.setColumnWidth(price, 210)
    view.scrollTo(model.index(0, price))
    qtbot.waitUntil(lambda: footer.is_shown(price), timeout=5000)
    qtbot.wait(300)
    cell = footer.cell_rect(price)
    QToolTip.showText(footer.mapToGlobal(cell.center()), footer.tip_for(price), footer)
    qtbot.wait(400)
    # The tooltip opens under the footer, below the window's bottom edge.
    _screen(_window_rect(desk).adjusted(0, 0, 0, 110), f"totals_currencies_{mode}.png")


def test_in_place_date_editor_and_tree_menu(qtbot, desk, sandbox, mode):
    controller = _start(qtbot, desk, sandbox, 1200, 700)
    model, view = controller.browser.model, controller.browser.view
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.source.is_loaded(0), timeout=10000)
    rows = {model.index(row, 0).data(): row for row in range(model.rowCount())}
    column = column_of(controller, field(controller, "meeting"))
    view.setColumnWidth(column, 150)
    index = model.index(rows["Showcase sample 1"], column)
    view.scrollTo(index)
    editor = start_inline_edit(qtbot, desk, index)
    qtbot.waitUntil(editor.isVisible, timeout=3000)
    qtbot.wait(300)
    cell = view.visualRect(index)
    corner = view.viewport().mapToGlobal(cell.topLeft())
    _screen(
        QRect(corner - QPoint(160, 60), cell.size() + QRect(0, 0, 320, 120).size()),
        f"date_editor_150px_{mode}.png",
    )
    delegate = view.cell_delegate
    delegate.closeEditor.emit(editor, delegate.EndEditHint.RevertModelCache)
    tree = controller.tree
    other = find_app(qtbot, desk, "Tickets")
    where = tree.visualRect(other).center()
    QApplication.sendEvent(
        tree.viewport(),
        QContextMenuEvent(
            QContextMenuEvent.Reason.Mouse, where, tree.viewport().mapToGlobal(where)
        ),
    )
    qtbot.waitUntil(
        lambda: tree.shown_menu is not None and tree.shown_menu.isVisible(), timeout=3000
    )
    qtbot.wait(300)
    _screen(_window_rect(desk), f"tree_app_menu_{mode}.png")
    tree.shown_menu.close()
