"""The totals footer and the search count agree on what the cache holds: when every item of
the app is cached (the first page held them all), neither says "partial" or "sync for all",
even before a full sync marked the app synced. In the real window against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from podio_desk.services.profile import Profile
from tests.plugins.desk import Desk, open_desk
from tests.plugins.qt import run_async
from tests.ui.test_main_window import open_app, sign_in

pytestmark = [pytest.mark.gui, pytest.mark.slow]


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def test_every_item_cached_is_not_partial_in_the_footer_nor_the_search_count(
    qtbot: Any, desk: Desk, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(items=12)
    sign_in(desk, sandbox)
    browser = desk.controller.browser
    model = browser.model
    open_app(qtbot, desk, "Tickets")
    qtbot.waitUntil(lambda: model.rowCount() == 12 and not model.is_loading, timeout=10000)
    session = browser.workspace
    assert session is not None
    assert browser.app is not None
    app_id = browser.app.app_id
    assert not run_async(session.is_fully_synced(app_id))
    qtbot.waitUntil(lambda: run_async(session.queries.cached_count(app_id)) == 12, timeout=10000)
    # Shown again (as after a sync): the footer is worked out with all 12 in the cache. (A
    # refresh already under way may land first: wait for what the user is to read.)
    browser.reload()
    qtbot.waitUntil(
        lambda: browser.totals.text_for(0) == "Totals of 12\nitems: sum,\naverage, count",
        timeout=10000,
    )
    # The search count says the same: it looked through every item.
    browser.filter_bar.search.setText("Ticket")
    label = browser.filter_bar.count_label
    qtbot.waitUntil(lambda: label.text().endswith("in the 12 cached items"), timeout=10000)
    assert not browser.totals.text_for(0).startswith("Partial")
