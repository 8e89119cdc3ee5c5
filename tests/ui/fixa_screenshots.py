"""Screenshots of the grid fixes of the new-user trial, light and dark (the window's own dark
mode): money typed in place with its currency at a 1 000-px window, and the table scrolled
sideways with the current cell beside the frozen title. Not a test run with the suite (its
name does not start with test_); run it on a display:

    Xvfb :53 -screen 0 1400x900x24 &
    DISPLAY=:53 QT_QPA_PLATFORM=xcb .venv/bin/python -m pytest -p no:cacheprovider \
        tests/ui/fixa_screenshots.py

Shots go to $FIXA_SHOTS (default /work/shots/fixa).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.gridfix_screenshots import _start, _window_rect, desk, mode
from tests.ui.test_integration import column_of, field
from tests.ui.test_table_editing import type_into_cell

__all__ = ["desk", "mode"]

SHOTS = Path(os.environ.get("FIXA_SHOTS", "/work/shots/fixa"))


def _screen(rect: Any, name: str) -> None:
    screen = QApplication.primaryScreen()
    shot = screen.grabWindow(0, rect.x(), rect.y(), rect.width(), rect.height())
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot.save(str(SHOTS / name))


def test_money_in_place_and_the_frozen_title(qtbot: Any, desk: Any, sandbox: Any, mode: str):
    controller = _start(qtbot, desk, sandbox, 1000, 700)
    model = controller.browser.model
    view = controller.browser.view
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.source.is_loaded(0), timeout=10000)
    view.setFocus()
    price = column_of(controller, field(controller, "price"))
    index = model.index(1, price)
    view.scrollTo(index)
    line = type_into_cell(qtbot, view, index, "USD 50")
    qtbot.wait(400)
    _screen(_window_rect(desk), f"money_in_place_{mode}.png")
    qtbot.keyClick(line, Qt.Key.Key_Escape)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    for _step in range(4):
        qtbot.keyClick(view, Qt.Key.Key_Left)
    qtbot.wait(400)
    assert QApplication.focusWidget() is not None
    _screen(_window_rect(desk), f"frozen_title_scrolled_{mode}.png")
