"""A 1 000-pixel-wide window holds the tree, the table and the editor dock side by side, each
at a usable width, in the real window against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QScrollArea

from podio_desk.domain.fields import FieldType
from podio_desk.services.profile import Profile
from podio_desk.ui.editor.item_editor import EditorState
from tests.plugins.desk import Desk, open_desk
from tests.ui.test_main_window import open_app, sign_in

pytestmark = [pytest.mark.gui, pytest.mark.slow]


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def test_a_1000_pixel_window_shows_tree_table_and_editor(qtbot: Any, desk: Desk, sandbox: Any):
    sign_in(desk, sandbox)
    dialog = QApplication.activeModalWidget()
    if isinstance(dialog, QDialog):
        dialog.reject()
    open_app(qtbot, desk, "Tickets")
    controller = desk.controller
    session = controller.browser.workspace
    assert session is not None
    window = desk.window
    window.resize(1000, 760)
    model = controller.browser.model
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.is_row_loaded(0), timeout=10_000)
    item_id = model.item_id_at(0)
    assert item_id is not None
    controller.open_item(session, None, item_id)
    dock = controller.editor_docks[session.key]
    editor = dock.editor
    qtbot.waitUntil(lambda: editor.state is EditorState.READY, timeout=10_000)
    qtbot.waitUntil(dock.isVisible, timeout=5000)
    # The window's least width leaves room on a 1 000-pixel screen; it stays 1 000 wide.
    assert window.minimumSizeHint().width() <= 1000
    assert window.minimumWidth() <= 1000
    qtbot.waitUntil(lambda: window.width() == 1000, timeout=5000)
    # Each part keeps a usable width: the tree, the table with its filter bar, the form.
    browser = controller.browser
    assert controller.tree.width() >= 170
    assert browser.width() >= 350
    assert browser.filter_bar.search.width() >= 60
    assert editor.scroll_area.viewport().width() >= 340
    # The editor's buttons wrap and its time zone note wraps: nothing scrolls sideways.
    room = dock.widget()
    assert isinstance(room, QScrollArea)
    qtbot.waitUntil(lambda: editor.save_button.isVisible(), timeout=5000)
    assert room.horizontalScrollBar().maximum() == 0
    assert editor.scroll_area.horizontalScrollBar().maximum() == 0
    assert editor.button_row.height() > editor.save_button.height()  # two lines


def test_in_a_1000_by_700_window_no_field_makes_the_editor_scroll_sideways(
    qtbot: Any, desk: Desk, sandbox: Any
) -> None:
    """Every kind of field (a date range with times, files, rich text, durations): a field
    that does not fit beside its label goes under it, and the rest fit the dock."""
    sign_in(desk, sandbox)
    dialog = QApplication.activeModalWidget()
    if isinstance(dialog, QDialog):
        dialog.reject()
    open_app(qtbot, desk, "Showcase")
    controller = desk.controller
    session = controller.browser.workspace
    assert session is not None
    window = desk.window
    window.resize(1000, 700)
    opening = controller.open_item(session, None, int(sandbox.info["richest_item_id"]))
    assert opening is not None
    qtbot.waitUntil(opening.done, timeout=10_000)
    dock = controller.editor_docks[session.key]
    editor = dock.editor
    qtbot.waitUntil(lambda: editor.state is EditorState.READY, timeout=10_000)
    qtbot.waitUntil(dock.isVisible, timeout=5000)
    qtbot.waitUntil(lambda: window.width() == 1000, timeout=5000)
    room = dock.widget()
    assert isinstance(room, QScrollArea)
    qtbot.waitUntil(lambda: editor.form.width() <= editor.scroll_area.viewport().width())
    assert room.horizontalScrollBar().maximum() == 0
    assert editor.scroll_area.horizontalScrollBar().maximum() == 0
    assert editor.conflict_view.minimumSizeHint().width() <= room.viewport().width()
    form_right = editor.scroll_area.viewport().width()
    for row in editor.rows.values():
        if row.fdef.field_type is FieldType.SEPARATOR:
            continue
        field_right = row.editor.mapTo(editor.form, row.editor.rect().topRight()).x()
        assert field_right <= form_right, row.fdef.label
    # The date range with times: its end goes onto a second line under its start.
    meeting = next(r for r in editor.rows.values() if r.fdef.external_id == "meeting")
    dates: Any = meeting.editor
    assert dates.end_group.isVisible()
    assert dates.end_group.y() > dates.start_group.y()
    # A wide field's label goes above it, a narrow one's stays beside it.
    description = next(r for r in editor.rows.values() if r.fdef.external_id == "description")
    below: Any = description.editor.parentWidget()
    assert description.label.geometry().bottom() <= below.y()
    title = next(r for r in editor.rows.values() if r.fdef.external_id == "title")
    beside: Any = title.editor.parentWidget()
    assert title.label.geometry().right() < beside.x()


def test_a_sync_in_a_1000_pixel_window_keeps_it_1000_wide_with_its_cancel_in_view(
    qtbot: Any, desk: Desk, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(items=3000)
    sign_in(desk, sandbox)
    dialog = QApplication.activeModalWidget()
    if isinstance(dialog, QDialog):
        dialog.reject()
    open_app(qtbot, desk, "Tickets")
    controller = desk.controller
    window = desk.window
    window.resize(1000, 700)
    qtbot.waitUntil(lambda: window.width() == 1000, timeout=5000)
    sandbox.control.set_latency(0.3)
    task = controller.sync_current_app(full=True)
    assert task is not None
    jobs = controller.indicators.jobs
    qtbot.waitUntil(lambda: jobs.bar.value() > 0, timeout=30_000)
    # The status bar's widgets shrink (labels elided, the bar showing its share) rather
    # than widen the window: what they need at least leaves most of a 1 000-pixel window.
    assert window.statusBar().minimumSizeHint().width() <= 600
    assert window.minimumSizeHint().width() <= 1000
    assert window.width() == 1000
    cancel = jobs.cancel_button
    assert cancel.isVisible()
    right = cancel.mapTo(window, cancel.rect().topRight()).x()
    assert 0 < right < window.width()
    assert jobs.bar.isVisible()
    assert jobs.bar.width() > 0
    bar_right = jobs.bar.mapTo(window, jobs.bar.rect().topRight()).x()
    assert bar_right < cancel.mapTo(window, cancel.rect().topLeft()).x()
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=15_000)
