"""Screenshots of the item table (current cell, frozen title) in light and dark. Not a test
run with the suite (its name does not start with test_); run it on a display:

    Xvfb :47 -screen 0 1400x900x24 &
    DISPLAY=:47 QT_QPA_PLATFORM=xcb .venv/bin/python -m pytest -p no:cacheprovider \
        tests/ui/table_screenshots.py --shots /work/shots/grid

The app has no dark-mode setting of its own (yet): the dark shot uses the Fusion style with
a dark palette, as a dark desktop theme would give it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from podio_desk.services.profile import Profile
from tests.plugins.desk import Desk, open_desk
from tests.ui.test_integration import column_of, field, row_of
from tests.ui.test_main_window import open_app, sign_in

SHOTS = Path(os.environ.get("GRID_SHOTS", "/work/shots/grid"))


@pytest.fixture(params=["light", "dark"])
def mode(request: Any, qapp: QApplication) -> Iterator[str]:
    """The look, set before the window is built (as a desktop theme would be)."""
    qapp.setStyle("Fusion")
    standard = QApplication.style().standardPalette()
    qapp.setPalette(dark_palette() if request.param == "dark" else standard)
    yield str(request.param)
    qapp.setPalette(standard)


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile, mode: str) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def dark_palette() -> QPalette:
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#2b2b2b",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1e1e1e",
        QPalette.ColorRole.AlternateBase: "#262626",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#333333",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#2f6db5",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#333333",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#8c8c8c",
        QPalette.ColorRole.Link: "#6ea8fe",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return palette


def test_table_shot(qtbot, desk, sandbox, mode):
    sign_in(desk, sandbox)
    open_app(qtbot, desk, "Showcase")
    controller = desk.controller
    for widget in QApplication.topLevelWidgets():
        if widget is not desk.window and widget.isVisible():
            widget.close()
    desk.window.activateWindow()
    view = controller.browser.view
    row = row_of(qtbot, controller, int(sandbox.info["richest_item_id"]))
    column = column_of(controller, field(controller, "related"))  # well right of the title
    qtbot.waitUntil(lambda: view.horizontalScrollBar().maximum() > 0, timeout=5000)
    view.setFocus()
    target = view.model().index(row + 2, column)
    view.selectionModel().setCurrentIndex(
        target,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    view.horizontalScrollBar().setValue(view.horizontalScrollBar().maximum() // 2)
    view.scrollTo(target)
    qtbot.wait(300)
    SHOTS.mkdir(parents=True, exist_ok=True)
    desk.window.grab().save(str(SHOTS / f"table-current-cell-frozen-title-{mode}.png"))
