"""The status bar follows a ConnectivityMonitor fed by a real RateLimitScheduler's events,
through the window's one bridge of service events."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from podio_desk.api.errors import ErrorBody, RateLimited
from podio_desk.api.ratelimit import RateClass, RateLimitScheduler
from podio_desk.services.connectivity import ConnectivityMonitor, OnlineChanged
from podio_desk.ui.service_events import ServiceEvents
from podio_desk.ui.status_bar import AMBER, GREEN, RED, StatusIndicators, format_eta, gauge_colour
from podio_desk.ui.theme import Tone

RED_TEXT, GREEN_TEXT = Tone.ERROR.value[0], Tone.OK.value[0]

pytestmark = pytest.mark.gui


def follow(bar: StatusIndicators, monitor: ConnectivityMonitor) -> ServiceEvents:
    """What the window does for the account it shows: its state now, then its events."""
    bridge = ServiceEvents(bar)
    bridge.listen("account", monitor.events)
    bridge.received.connect(lambda _key, event: bar.show_event(event))
    bar.show_state(monitor.state())
    return bridge


def test_gauge_shows_budget_colour_and_tooltip(qtbot, qloop):
    scheduler = RateLimitScheduler()
    monitor = ConnectivityMonitor()
    monitor.watch_scheduler(scheduler.events)
    bar = StatusIndicators()
    qtbot.addWidget(bar)
    follow(bar, monitor)
    bar.show()
    scheduler.observe(RateClass.GENERAL, 1000, 812)
    scheduler.observe(RateClass.HEAVY, 250, 20)
    gauge = bar.gauges["general"]
    qtbot.waitUntil(lambda: gauge.text() == "API 812/1000", timeout=2000)
    assert gauge.colour() == GREEN
    heavy = bar.gauges["heavy"]
    qtbot.waitUntil(lambda: heavy.text() == "Heavy 20/250", timeout=2000)
    assert heavy.colour() == RED
    assert "20 of 250 calls left" in heavy.toolTip()
    assert "Last update:" in heavy.toolTip()
    assert "Queue: 0 waiting" in heavy.toolTip()
    assert gauge_colour(0.3) == AMBER


def test_420_wait_is_shown_with_reason_and_cleared(qtbot, qloop):
    scheduler = RateLimitScheduler(backoff_base=0.2)
    monitor = ConnectivityMonitor()
    monitor.watch_scheduler(scheduler.events)
    bar = StatusIndicators()
    qtbot.addWidget(bar)
    follow(bar, monitor)
    bar.show()
    attempts = []

    async def call() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RateLimited(
                body=ErrorBody(error="rate_limit", error_description="Please wait 1 seconds")
            )
        return "ok"

    task = asyncio.get_event_loop().create_task(scheduler.run(call))
    qtbot.waitUntil(lambda: bar.wait_text() != "", timeout=2000)
    assert "Podio asked to wait 1 s" in bar.wait_text()
    assert bar.gauges["general"].colour() == RED
    qtbot.waitUntil(task.done, timeout=5000)
    assert task.result() == "ok"
    qtbot.waitUntil(lambda: bar.wait_text() == "", timeout=2000)
    qtbot.waitUntil(lambda: scheduler._timer is None or scheduler._timer.done(), timeout=2000)


def test_offline_then_reconnects_by_itself(qtbot, qloop):
    answers = {"up": False}

    async def probe() -> None:
        if not answers["up"]:
            raise ConnectionError("refused")

    monitor = ConnectivityMonitor(probe, first_delay=0.05, max_delay=0.1)
    bar = StatusIndicators()
    qtbot.addWidget(bar)
    follow(bar, monitor)
    monitor.report_error(ConnectionError("refused"))
    assert not bar.online
    assert bar.online_text().startswith("● Offline since")
    answers["up"] = True
    qtbot.waitUntil(lambda: bar.online, timeout=3000)
    assert bar.online_text() == "● Online"
    qtbot.waitUntil(lambda: monitor._reconnect is None or monitor._reconnect.done(), timeout=2000)


def test_jobs_show_progress_eta_and_cancel(qtbot):
    bar = StatusIndicators()
    qtbot.addWidget(bar)
    bar.show()
    cancelled = []
    bar.jobs.start("sync:1", "Syncing Leads", on_cancel=lambda: cancelled.append(1))
    bar.jobs.progress("sync:1", 500, 2000)
    assert bar.jobs.isVisible()
    assert "500/2,000" in bar.jobs.bar.format()
    with qtbot.waitSignal(bar.jobs.cancel_requested) as blocker:
        bar.jobs.cancel_button.click()
    assert blocker.args == ["sync:1"]
    assert cancelled == [1]
    bar.jobs.finish("sync:1")
    assert not bar.jobs.isVisible()
    assert format_eta(75) == "1 min 15 s left"
    assert format_eta(None) == ""
    moment = datetime.now(UTC) + timedelta(seconds=1)
    assert moment > datetime.now(UTC)


def test_the_progress_text_is_never_clipped(qtbot):
    """The bar is wide enough for a 100 000-item sync with its ETA from the start, so updates
    do not resize it, and it widens for a longer text rather than cut it."""
    from podio_desk.ui.status_bar import PROGRESS_TEXT_PADDING

    bar = StatusIndicators()
    qtbot.addWidget(bar)
    bar.show()
    jobs = bar.jobs
    jobs.start("sync:1", "Syncing Tickets", on_cancel=lambda: None)
    jobs.progress("sync:1", 6000, 100_000, eta=2511)
    text = jobs.bar.text()
    assert text == "6,000/100,000 · 41 min 51 s left"
    width = jobs.bar.width()
    assert width >= jobs.bar.fontMetrics().horizontalAdvance(text) + PROGRESS_TEXT_PADDING
    jobs.progress("sync:1", 99_000, 100_000, eta=12)
    assert jobs.bar.width() == width  # no relayout per update
    jobs.progress("sync:1", 1_000_000, 12_000_000, eta=40_000)
    longer = jobs.bar.text()
    assert jobs.bar.sizeHint().width() >= (
        jobs.bar.fontMetrics().horizontalAdvance(longer) + PROGRESS_TEXT_PADDING
    )


def _ink(label: QWidget) -> QColor:
    """The most colourful pixel a label paints (its text's colour)."""
    image = label.grab().toImage()
    best = QColor(0, 0, 0)
    for y in range(image.height()):
        for x in range(image.width()):
            colour = image.pixelColor(x, y)
            if colour.hsvSaturation() > best.hsvSaturation():
                best = colour
    return best


def test_online_keeps_the_online_colour_after_offline_and_an_outbox_needing_the_user(qtbot, qloop):
    """The connection and the outbox are separate indicators: a conflict or a refused write
    never turns "Online" red (it did once offline had been shown)."""
    bar = StatusIndicators()
    qtbot.addWidget(bar)
    bar.show()
    since = datetime.now(UTC)
    bar.show_event(OnlineChanged(False, since))
    qtbot.waitUntil(lambda: _ink(bar.online_label).hue() == QColor(RED_TEXT).hue(), timeout=2000)
    bar.set_outbox(0, 1, 1)
    bar.show_event(OnlineChanged(True, since))
    assert bar.online_text() == "● Online"
    qtbot.waitUntil(lambda: _ink(bar.online_label).hue() == QColor(GREEN_TEXT).hue(), timeout=2000)


def test_a_squeezed_progress_bar_keeps_the_share_and_the_time_left(qtbot):
    from podio_desk.ui.status_bar import SHRUNK_BAR_WIDTH

    bar = StatusIndicators()
    qtbot.addWidget(bar)
    bar.show()
    jobs = bar.jobs
    jobs.start("sync:1", "Syncing Tickets", on_cancel=lambda: None)
    jobs.progress("sync:1", 14_000, 100_000, eta=130)
    assert jobs.bar.text() == "14,000/100,000 · 2 min 10 s left"
    jobs.bar.resize(jobs.bar.fontMetrics().horizontalAdvance("14% · 2 min 10 s left") + 30, 16)
    assert jobs.bar.text() == "14% · 2 min 10 s left"
    jobs.bar.resize(SHRUNK_BAR_WIDTH, 16)
    assert jobs.bar.text() == "14%"
    assert "14,000 of 100,000" in jobs.bar.toolTip()
    assert jobs.current_text() == "Syncing Tickets 14,000/100,000 · 2 min 10 s left"
