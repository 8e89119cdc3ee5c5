"""The outbox in the real window against the sandbox over HTTP: with the network gone, three
items edited in the editor, a comment and a new item wait (counted in the status bar and the
tree, rows marked); back online they are sent by themselves; the one someone else changed
meanwhile is listed as a conflict and opens in the editor's conflict view."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from podio_desk.services.editing import Queued
from podio_desk.services.profile import Profile
from podio_desk.ui.editor.item_editor import EditorState
from tests.plugins.desk import Desk, open_desk
from tests.services.test_outbox import subject
from tests.ui.test_main_window import open_app, sign_in
from tests.ui.test_offline_opens import open_in_editor

pytestmark = [pytest.mark.gui, pytest.mark.slow]


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def test_offline_edits_wait_in_the_outbox_then_arrive_and_a_conflict_is_listed(
    qtbot, desk, sandbox
):
    sign_in(desk, sandbox)
    controller = desk.controller
    browser = controller.browser
    model = browser.model
    app_id = open_app(qtbot, desk, "Tickets")
    task = controller.sync_current_app()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=30000)
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.source.is_loaded(0), timeout=10000)
    ids = [model.item_id_at(row) for row in range(3)]
    revisions = {i: sandbox.state.items[i].revision for i in ids}
    sandbox.edit_as_other(ids[1], {"title": "Their subject"})  # after our last read

    session = browser.workspace
    assert session is not None
    sandbox.control.set_drop_rate(1.0)
    controller.tree_model.refresh()
    qtbot.waitUntil(lambda: not session.online, timeout=10000)

    for n, item_id in enumerate(ids):
        editor = open_in_editor(qtbot, desk, app_id, item_id)
        editor.editor_by_external_id("title").set_text(f"Offline edit {n}")
        saving = editor.save()
        assert saving is not None
        qtbot.waitUntil(saving.done, timeout=10000)
        assert isinstance(editor.last_outcome, Queued)
        assert "waits in the outbox" in editor.message
    # Opened again, an item says its change waits (and shows it).
    editor = open_in_editor(qtbot, desk, app_id, ids[2])
    assert "waits in the outbox" in editor.message
    assert editor.editor_by_external_id("title")._current_text() == "Offline edit 2"
    comments = editor.side.comments
    comments.input.setPlainText("Written offline")
    comments.add()
    qtbot.waitUntil(lambda: comments.task is not None and comments.task.done(), timeout=10000)
    assert comments.comments[-1].value == "Written offline"
    editor.new_item(app_id)
    qtbot.waitUntil(lambda: editor.item is None and editor.state is EditorState.READY)
    editor.editor_by_external_id("title").set_text("Made offline")
    saving = editor.save()
    assert saving is not None
    qtbot.waitUntil(saving.done, timeout=10000)
    assert isinstance(editor.last_outcome, Queued)

    indicators = controller.indicators
    qtbot.waitUntil(lambda: indicators.outbox_text() == "Outbox: 5 waiting", timeout=5000)
    account = controller.tree_model.index(0, 0)
    assert "5 waiting" in str(controller.tree_model.data(account))
    row = next(r for r in range(model.rowCount()) if model.item_id_at(r) == ids[0])
    assert model.is_outbox_pending(row)
    assert model.item_at(row).title == "Offline edit 0"
    assert sandbox.state.items[ids[0]].revision == revisions[ids[0]]  # nothing sent yet

    sandbox.control.set_drop_rate(0.0)  # back by itself, then sent by itself
    qtbot.waitUntil(lambda: indicators.outbox_text() == "Outbox: 1 conflict", timeout=30000)
    assert subject(sandbox, ids[0]) == "Offline edit 0"
    assert subject(sandbox, ids[2]) == "Offline edit 2"
    assert subject(sandbox, ids[1]) == "Their subject"
    assert not model.is_outbox_pending(row)
    # The conflicting row shows Podio's version again, not our change that did not go.
    conflicted = next(r for r in range(model.rowCount()) if model.item_id_at(r) == ids[1])
    qtbot.waitUntil(lambda: model.item_at(conflicted).title == "Their subject", timeout=5000)

    panel = controller.outbox.panel
    indicators.outbox_button.click()
    qtbot.waitUntil(lambda: panel.isVisible() and panel.model.rowCount() == 1, timeout=5000)
    assert panel.model.writes[0].state == "conflict"
    assert panel.model.writes[0].item_id == ids[1]
    panel.select_row(0)
    assert panel.resolve_button.isEnabled()
    panel.resolve_selected()
    qtbot.waitUntil(lambda: editor.state is EditorState.CONFLICT, timeout=10000)
    assert editor.conflict is not None
    assert editor.conflict.current.title == "Their subject"
    qtbot.waitUntil(lambda: indicators.outbox_text() == "", timeout=5000)


def test_the_outbox_list_is_a_well_behaved_model(qtmodeltester):
    from podio_desk.services.outbox import PendingWrite
    from podio_desk.ui.outbox_panel import OutboxModel

    model = OutboxModel()
    qtmodeltester.check(model)
    model.set_writes(
        [
            PendingWrite(1, "update", "pending", 5, 7, "Printer", "Subject: new", None, 3),
            PendingWrite(2, "comment", "conflict", 5, None, "Printer", "comment: hi", "x", None),
        ]
    )
    qtmodeltester.check(model)
    assert model.data(model.index(1, 0)) == "conflict: changed by someone else"
    assert model.data(model.index(0, 3)) == "made on revision 3"
