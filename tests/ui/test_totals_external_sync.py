"""A `podio-desk sync`-like run in another process fills the cache while the window shows
the app: the window notices the file's change by itself (no reload asked for) and shows the
footer's totals, the tree's sync state and the rows from the cache."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from podio_desk.services.profile import Profile
from podio_desk.ui.app_browser import CACHE_MODE
from tests.faults import sync_child
from tests.plugins.desk import Desk, open_desk
from tests.ui.test_integration import column_of, field
from tests.ui.test_main_window import open_app, sign_in

pytestmark = [pytest.mark.gui, pytest.mark.slow]


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def test_a_sync_by_another_process_shows_in_the_footer_tree_and_rows(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    controller = desk.controller
    app_id = open_app(qtbot, desk, "Showcase")
    browser = controller.browser
    footer = browser.totals
    session = browser.workspace
    assert session is not None
    price = column_of(controller, field(controller, "price"))
    # Read from Podio, its rows written to the cache as they came: totals of those.
    qtbot.waitUntil(lambda: footer.text_for(price).startswith("Σ €99.95"), timeout=10000)
    assert browser.model.origin == "server"
    # Changed in Podio by someone else: only the other process's sync brings it.
    sandbox.edit_as_other(
        int(sandbox.info["richest_item_id"]),
        {"price": [{"value": "120.50", "currency": "EUR"}]},
    )
    child = sync_child.start(sandbox, app_id, session.cache.path.parent, 10, session.key)
    try:
        qtbot.waitUntil(lambda: child.poll() is not None, timeout=60000)
        out, err = child.communicate(timeout=10)
    finally:
        sync_child.end(child)
    assert child.returncode == 0, err
    assert out.strip().endswith("finished")
    # Nothing asked the window to reload: it saw the file change.
    qtbot.waitUntil(lambda: footer.text_for(0).startswith("Totals of "), timeout=15000)
    qtbot.waitUntil(lambda: footer.text_for(price).startswith("Σ €120.50"), timeout=15000)
    entry = controller.tree_model.app_entry(app_id)
    assert entry is not None
    assert entry.fully_synced
    assert entry.cached_count == browser.model.rowCount()
    qtbot.waitUntil(lambda: browser.model.origin == "cache", timeout=15000)
    assert browser.mode_text().startswith(CACHE_MODE)
