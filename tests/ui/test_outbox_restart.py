"""A grid edit made offline, then the window closed and opened again (still offline): the row
shows the waiting value and is marked as waiting, as before; back online it is sent."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPersistentModelIndex

from podio_desk.domain.fields import TextValue
from podio_desk.services.editing import Queued
from podio_desk.services.profile import Profile
from tests.plugins.desk import open_desk
from tests.plugins.qt import run_async
from tests.services.test_outbox import subject
from tests.ui.test_main_window import open_app, sign_in

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def test_a_grid_edit_waiting_offline_is_shown_and_marked_after_a_restart(
    qtbot: Any, qloop: Any, profile: Profile, sandbox: Any
) -> None:
    with open_desk(profile) as desk:
        sign_in(desk, sandbox)
        controller = desk.controller
        model = controller.browser.model
        open_app(qtbot, desk, "Tickets")
        task = controller.sync_current_app()
        assert task is not None
        qtbot.waitUntil(task.done, timeout=30000)
        qtbot.waitUntil(lambda: model.rowCount() > 0 and model.source.is_loaded(0), timeout=10000)
        session = controller.browser.workspace
        app = controller.browser.app
        assert session is not None
        assert app is not None
        sandbox.control.set_drop_rate(1.0)
        controller.tree_model.refresh()
        qtbot.waitUntil(lambda: not session.online, timeout=10000)
        title = next(f for f in app.fields if f.external_id == "title")
        saver = controller.inline_saver(session)
        outcomes: list[Any] = []
        saver.saved.connect(outcomes.append)
        saver(QPersistentModelIndex(model.index(0, 0)), title, TextValue("Typed in the grid"))
        qtbot.waitUntil(lambda: bool(outcomes), timeout=10000)
        queued = outcomes[0]
        assert isinstance(queued, Queued)
        assert queued.item is not None
        item_id = queued.item.item_id  # the row's item (rows may reorder going offline)
        indicators = controller.indicators
        qtbot.waitUntil(lambda: indicators.outbox_text() == "Outbox: 1 waiting", timeout=5000)

    with open_desk(profile) as desk:  # restarted, still offline
        controller = desk.controller
        run_async(controller.start())
        model = controller.browser.model
        open_app(qtbot, desk, "Tickets")

        def row() -> int:
            return next((r for r in range(model.rowCount()) if model.item_id_at(r) == item_id), -1)

        qtbot.waitUntil(lambda: row() >= 0, timeout=15000)
        indicators = controller.indicators
        qtbot.waitUntil(lambda: indicators.outbox_text() == "Outbox: 1 waiting", timeout=10000)
        qtbot.waitUntil(lambda: model.is_outbox_pending(row()), timeout=5000)
        shown = model.item_at(row())
        assert shown is not None
        assert shown.title == "Typed in the grid"

        sandbox.control.set_drop_rate(0.0)  # back by itself, then sent by itself
        qtbot.waitUntil(lambda: indicators.outbox_text() == "", timeout=30000)
        assert subject(sandbox, item_id) == "Typed in the grid"
        assert not model.is_outbox_pending(row())
