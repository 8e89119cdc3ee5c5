"""Dark mode switched on while the editor is open: the item's title and the bold labels of
required fields (widgets with a style sheet of their own) turn light like every other text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QWidget

from podio_desk.ui.theme import apply_dark_mode
from tests.ui.editor.conftest import EditorEnv

pytestmark = pytest.mark.gui


@pytest.fixture
def light_again() -> Iterator[None]:
    yield
    apply_dark_mode(False)


def darkest_pixel(widget: QWidget) -> int:
    """The lowest lightness drawn in the widget: its text's, on a dark background."""
    image = widget.grab().toImage()
    return min(
        QColor(image.pixel(x, y)).lightness()
        for x in range(0, image.width(), 1)
        for y in range(image.height())
    )


def test_styled_labels_follow_a_switch_to_dark(env: EditorEnv, light_again: None) -> None:
    env.open()
    env.editor.show()
    title = env.editor.title
    required = [
        label
        for label in env.editor.form.findChildren(QLabel)
        if label.text().endswith(" *") and label.isVisible()
    ]
    assert required
    env.qtbot.waitUntil(lambda: title.isVisible(), timeout=3000)
    assert darkest_pixel(title) < 60  # dark text on the light background
    apply_dark_mode(True)
    # The background turns dark grey; the text must not stay near-black on it.
    env.qtbot.waitUntil(lambda: darkest_pixel(title) >= 40, timeout=3000)
    assert darkest_pixel(required[0]) >= 40
