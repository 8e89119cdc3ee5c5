"""Small offline parts: the tree's counts and badge, the status bar's outbox, the banner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from podio_desk.services.workspace import AppEntry
from podio_desk.ui.offline_banner import OfflineBanner
from podio_desk.ui.status_bar import StatusIndicators
from podio_desk.ui.workspace_tree import app_count_text

pytestmark = pytest.mark.gui


def test_app_counts_are_podios_or_marked_cached_and_never_zero_with_cached_rows():
    assert app_count_text(AppEntry(1, 2, "A", item_count=1200, cached_count=300)) == "1,200"
    assert app_count_text(AppEntry(1, 2, "A", item_count=None, cached_count=300)) == "300 cached"
    assert app_count_text(AppEntry(1, 2, "A", item_count=0, cached_count=12)) == "12 cached"
    assert app_count_text(AppEntry(1, 2, "A", item_count=0, cached_count=0)) == "0"
    assert app_count_text(AppEntry(1, 2, "A")) == ""


def test_status_bar_counts_the_outbox(qtbot):
    bar = StatusIndicators()
    qtbot.addWidget(bar)
    bar.show()
    assert bar.outbox_text() == ""
    bar.set_outbox(3, 1)
    assert bar.outbox_text() == "Outbox: 3 waiting, 1 conflict"
    bar.set_outbox(0, 2, 1)
    assert bar.outbox_text() == "Outbox: 2 conflicts, 1 refused"
    bar.set_outbox(0, 0)
    assert bar.outbox_text() == ""


def test_banner_says_when_nothing_or_only_part_of_an_app_is_cached(qtbot):
    banner = OfflineBanner()
    qtbot.addWidget(banner)
    banner.set_offline(datetime.now(UTC) - timedelta(minutes=2))
    banner.set_cached_rows("Tickets", 0)
    assert "Nothing of Tickets is in the local cache" in banner.text()
    banner.set_cached_rows("Tickets", 913, complete=False)
    assert "Only the 913 items of Tickets seen before" in banner.text()
    banner.set_cached_rows("Tickets", 913, complete=True)
    assert "Tickets" not in banner.text()
