"""The window itself: its title names the app and the account, it never grows by itself,
dark mode keeps every text readable, the About box says only what is built, and the views
list shows the views the first time it opens."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from podio_desk.services.profile import Profile
from podio_desk.ui.main_window import ABOUT_TEXT
from podio_desk.ui.theme import apply_dark_mode, is_dark
from tests.plugins.desk import Desk, open_desk
from tests.ui.test_main_window import open_app, sign_in

pytestmark = [pytest.mark.gui, pytest.mark.slow]

_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b")


def luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(one: QColor, other: QColor) -> float:
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def background_of(widget: QWidget) -> QColor:
    """The colour behind a widget: the nearest ancestor that fills its background."""
    current: QWidget | None = widget
    while current is not None:
        if current.autoFillBackground():
            return current.palette().color(current.backgroundRole())
        current = current.parentWidget()
    return widget.palette().color(QPalette.ColorRole.Window)


@pytest.fixture
def desk(qtbot, qloop, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened
    apply_dark_mode(False)


def test_title_names_app_and_account_and_dark_mode_keeps_text_readable(
    qtbot, desk, sandbox_factory
):
    sandbox = sandbox_factory(items=300)
    sign_in(desk, sandbox)
    window = desk.window
    browser = desk.controller.browser
    open_app(qtbot, desk, "Tickets")
    qtbot.waitUntil(lambda: window.windowTitle() == "Tickets — Sandbox — Podio Desk", timeout=5000)

    # Views: the list shows Podio's views the first time it opens.
    combo = browser.filter_bar.view_combo
    combo.showPopup()
    qtbot.waitUntil(lambda: combo.count() > 1, timeout=10000)
    assert "Most expensive" in [combo.itemText(i) for i in range(combo.count())]
    qtbot.waitUntil(lambda: combo.view().isVisible(), timeout=2000)
    # The open list grew to show them (it opened sized for "All items" alone).
    rows = combo.view().sizeHintForRow(0) * combo.count()
    qtbot.waitUntil(lambda: combo.view().viewport().height() >= rows, timeout=2000)
    combo.hidePopup()

    # Five filters, a long sync label and a status message: the window stays 1 200 px wide.
    window.resize(1200, 800)
    qtbot.waitUntil(lambda: window.width() == 1200, timeout=2000)
    bar = browser.filter_bar
    for fdef in bar.filterable_fields()[:5]:
        kind = fdef.type
        if kind == "category":
            value: object = [o["id"] for o in fdef.settings["options"]]
        elif kind in ("app", "contact"):
            value = [None]
        elif kind == "date":
            value = {"from": "2020-01-01", "to": "2030-12-31"}
        else:
            value = {"from": 1, "to": 99999999}
        bar.set_filter(str(fdef.field_id), value)
    assert len(bar.chip_widgets()) == 5
    jobs = desk.controller.indicators.jobs
    jobs.start("sync:x:1", "Syncing " + "A very long app name " * 6, on_cancel=lambda: None)
    desk.controller.show_message("A status message " * 12)
    qtbot.waitUntil(lambda: all(chip.isVisible() for chip in bar.chip_widgets()), timeout=2000)
    assert window.minimumSizeHint().width() <= 1200
    assert window.width() == 1200
    jobs.finish("sync:x:1")

    width = window.width()
    window.dark_mode_action.trigger()
    assert is_dark(QApplication.palette())
    # The new palette reaches the widgets through posted events.
    qtbot.waitUntil(lambda: is_dark(window.palette()), timeout=2000)
    browser.banner.set_offline(None)  # its warning shade shows in the check below
    browser.banner.show()
    qtbot.waitUntil(browser.banner.isVisible, timeout=2000)
    checked = 0
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or not widget.isEnabled():
            continue  # disabled text is dim on purpose
        sheet = widget.styleSheet()
        assert not _HEX_COLOUR.search(sheet), (widget.objectName(), sheet)
        if isinstance(widget, QLabel) and widget.text():
            role = widget.foregroundRole()
        elif isinstance(widget, QAbstractButton) and widget.text():
            role = QPalette.ColorRole.ButtonText
        else:
            continue
        text = widget.palette().color(role)
        behind = (
            widget.palette().color(QPalette.ColorRole.Button)
            if isinstance(widget, QAbstractButton)
            else background_of(widget)
        )
        assert contrast(text, behind) >= 3.0, (widget.objectName(), widget.metaObject().className())
        checked += 1
    assert checked > 10
    # The choice is remembered, and the window kept its size.
    assert window.width() == width
    window.dark_mode_action.trigger()
    assert not is_dark(QApplication.palette())


def test_about_says_only_what_is_built():
    text = ABOUT_TEXT.lower()
    for unbuilt in ("bulk", "outbox", "export", "plugin", "webhook"):
        assert unbuilt not in text
    assert "offline" in text
