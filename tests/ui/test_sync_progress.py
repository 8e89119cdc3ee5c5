"""The sync job in the status bar: what it waits for, an ETA that never grows while items
arrive, and a cancel button that works on the first click and says what was kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from podio_desk.domain.rate_wait import rate_limit_name
from podio_desk.services.profile import Profile
from podio_desk.ui.status_bar import StatusIndicators, format_eta
from tests.plugins.desk import Desk, open_desk
from tests.ui.test_main_window import open_app, sign_in

pytestmark = pytest.mark.gui


def test_eta_counts_down_and_never_grows_while_items_arrive(qtbot):
    bar = StatusIndicators()
    qtbot.addWidget(bar)
    jobs = bar.jobs
    jobs.start("sync:a:1", "Syncing Tickets", on_cancel=lambda: None)
    jobs.progress("sync:a:1", 500, 100_000, eta=600)
    assert any(text in jobs.bar.text() for text in ("10 min 00 s left", "9 min 5"))
    # A slower page makes the child's estimate jump; the time shown does not.
    jobs.progress("sync:a:1", 1000, 100_000, eta=1800)
    shown = jobs.bar.text()
    assert "30 min" not in shown
    assert any(f"{minutes} min" in shown for minutes in (9, 10))
    # A lower estimate is taken at once.
    jobs.progress("sync:a:1", 1500, 100_000, eta=120)
    assert format_eta(120) in jobs.bar.text()


def test_the_job_says_what_it_waits_for(qtbot):
    bar = StatusIndicators()
    qtbot.addWidget(bar)
    jobs = bar.jobs
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    jobs.now = lambda: now
    jobs.start("sync:a:1", "Syncing Tickets", on_cancel=lambda: None)
    jobs.progress("sync:a:1", 500, 100_000, eta=600)
    jobs.set_rate_wait("sync:a:", now + timedelta(minutes=11))
    assert jobs.label.text() == "Syncing Tickets: waiting for Podio's rate limit, 11 min"
    assert "left" not in jobs.bar.text()  # no estimate that ignores the wait
    jobs.set_rate_wait("sync:a:", None)
    assert jobs.label.text() == "Syncing Tickets"
    jobs.progress("sync:a:1", 0, 0, waiting_for="process 4242 to finish syncing it")
    assert jobs.label.text() == "Syncing Tickets: waiting for process 4242 to finish syncing it"


def test_cancel_stays_visible_under_a_status_message_and_works_on_the_first_click(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    window.resize(1200, 500)
    bar = StatusIndicators()
    bar.install(window.statusBar())
    window.show()
    qtbot.waitExposed(window)
    cancelled: list[str] = []
    jobs = bar.jobs
    jobs.start("sync:a:1", "Syncing Tickets", on_cancel=lambda: cancelled.append("sync:a:1"))
    jobs.progress("sync:a:1", 1500, 100_000, eta=600)
    window.statusBar().showMessage("Tickets: something else happened.", 0)
    qtbot.waitUntil(jobs.cancel_button.isVisible, timeout=2000)
    with qtbot.waitSignal(jobs.cancelled) as blocker:
        qtbot.mouseClick(jobs.cancel_button, Qt.MouseButton.LeftButton)
    assert cancelled == ["sync:a:1"]
    assert blocker.args[1] == (
        "Syncing Tickets cancelled: 1,500 of 100,000 items handled so far are kept in the "
        "local copy; the next sync goes on from there."
    )
    assert not jobs.isVisible()
    assert window.width() == 1200


@pytest.fixture
def desk(qtbot, qloop, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


@pytest.mark.slow
def test_one_click_cancels_a_running_sync_and_says_what_was_kept(qtbot, desk, sandbox_factory):
    sandbox = sandbox_factory(items=5000)
    sign_in(desk, sandbox)
    controller = desk.controller
    open_app(qtbot, desk, "Tickets")
    sandbox.control.set_latency(0.3)
    task = controller.sync_current_app(full=True)
    assert task is not None
    jobs = controller.indicators.jobs
    qtbot.waitUntil(lambda: jobs.bar.value() > 0, timeout=30000)
    qtbot.mouseClick(jobs.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done, timeout=15000)
    assert task.cancelled()
    message = desk.window.statusBar().currentMessage()
    assert "cancelled" in message
    assert "kept in the local copy" in message
    assert jobs.names() == []


def test_a_gateway_accounts_wait_is_the_gateways(qtbot):
    bar = StatusIndicators()
    qtbot.addWidget(bar)
    jobs = bar.jobs
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    jobs.now = lambda: now
    jobs.start("sync:g:1", "Syncing Tickets", on_cancel=lambda: None)
    jobs.set_rate_wait("sync:g:", now + timedelta(minutes=11), rate_limit_name(True))
    assert jobs.label.text() == "Syncing Tickets: waiting for the gateway's rate limit, 11 min"
