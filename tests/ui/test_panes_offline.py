"""Offline, the item panes never keep the previous item's history or tasks: an item whose
lists were never read shows empty panes that say why, not the last item's (with a task box
one could tick)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from podio_desk.domain.tasks import TaskDraft
from podio_desk.services.profile import Profile
from tests.plugins.desk import Desk, open_desk
from tests.plugins.qt import run_async
from tests.ui.test_main_window import open_app, sign_in
from tests.ui.test_offline_opens import open_in_editor, pane_texts

pytestmark = [pytest.mark.gui, pytest.mark.slow]


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def test_offline_an_unread_item_shows_no_history_or_tasks_of_the_last(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    controller = desk.controller
    model = controller.browser.model
    app_id = open_app(qtbot, desk, "Tickets")
    task = controller.sync_current_app()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=30000)
    qtbot.waitUntil(lambda: model.rowCount() > 1 and model.source.is_loaded(1), timeout=10000)
    first, second = model.item_id_at(0), model.item_id_at(1)
    assert first is not None
    assert second is not None
    session = controller.browser.workspace
    assert session is not None
    run_async(session.editing.add_task(first, TaskDraft("Call back")))
    editor = open_in_editor(qtbot, desk, app_id, first)
    seen = pane_texts(editor)
    assert seen["tasks"]
    assert seen["revisions"]

    sandbox.control.set_drop_rate(1.0)
    controller.tree_model.refresh()
    qtbot.waitUntil(lambda: not session.online, timeout=10000)
    editor = open_in_editor(qtbot, desk, app_id, second)  # its lists were never read
    side = editor.side
    assert pane_texts(editor)["tasks"] == []
    assert side.tasks.list.count() == 0
    assert pane_texts(editor)["revisions"] == []
    assert side.history.list.count() == 0
    assert "could not be loaded" in side.history.status.text()
    assert "could not be loaded" in side.tasks.status.text()
