"""Pure parts of sync: the ETA from the rate budget, the watermark, the progress printer."""

from __future__ import annotations

import io

import pytest

from podio_desk.api.ratelimit import PacingPolicy, RateClass, RateState
from podio_desk.cli_sync import ProgressPrinter, SyncTotals
from podio_desk.services.sync import (
    ItemRate,
    SyncProgress,
    SyncResult,
    budget_floor,
    estimate_eta,
    follow_item_rate,
    watermark_from,
)

POLICY = PacingPolicy()


def budget(limit: int, remaining: int, window_start: float = 0.0) -> RateState:
    return RateState(RateClass.HEAVY, limit=limit, remaining=remaining, window_start=window_start)


def test_eta_without_budget_is_calls_times_speed() -> None:
    assert estimate_eta(10, 0.5, None, None, now=0.0) == pytest.approx(5.0)
    assert estimate_eta(0, 0.5, None, None, now=0.0) == 0.0


def test_eta_runs_at_speed_while_the_budget_is_plentiful() -> None:
    # 1000 left of 1000: 499 calls are above the pacing threshold.
    assert estimate_eta(200, 0.1, budget(1000, 1000), POLICY, now=10.0) == pytest.approx(20.0)


def test_eta_spreads_paced_calls_over_the_window() -> None:
    # 250/h, 100 left (below half): calls are spaced over the 3000 s left of the window.
    eta = estimate_eta(50, 0.1, budget(250, 100), POLICY, now=600.0)
    assert 3000 * 50 / 100 * 0.9 < eta < 3000


def test_eta_beyond_the_budget_waits_for_new_windows() -> None:
    eta = estimate_eta(1000, 0.1, budget(250, 50), POLICY, now=0.0)
    assert eta > 3 * 3600


def test_eta_follows_the_measured_rate_of_items() -> None:
    # 55 % of 2 000 items arrived in 2 min: the other 900 at that rate take about 98 s.
    rate = ItemRate(now=0.0)
    for step in range(1, 12):
        rate.note(step * 120.0 / 11, step * 100)
    per_second = rate.per_second()
    assert per_second == pytest.approx(1100 / 120)
    calls_left = 9  # 900 items in pages of 100
    floor = budget_floor(calls_left, budget(250, 100, window_start=0.0), POLICY, now=120.0)
    assert floor == 0.0  # the budget still holds those calls
    assert follow_item_rate(900, per_second, floor) == pytest.approx(900 / (1100 / 120))


def test_eta_from_the_rate_never_beats_the_budget() -> None:
    # 300 calls left, 50 spare before the reserve: the rest waits for the window's end (in
    # 3 000 s) and for one more window.
    floor = budget_floor(300, budget(250, 63), POLICY, now=600.0)
    assert floor == pytest.approx(3000.0 + 3600.0)
    assert follow_item_rate(30_000, 1000.0, floor) == floor


def test_eta_without_a_rate_yet_is_unknown_and_a_finished_one_is_zero() -> None:
    assert follow_item_rate(10, None, 0.0) is None
    assert follow_item_rate(0, None, 0.0) == 0.0
    rate = ItemRate(now=5.0, done=400)  # a resumed sync: what was done before is not a rate
    assert rate.per_second() is None
    rate.note(7.0, 600)
    assert rate.per_second() == pytest.approx(100.0)


def test_item_rate_follows_the_latest_steps() -> None:
    rate = ItemRate(now=0.0, steps=2)
    rate.note(100.0, 10)  # a slow first page
    rate.note(101.0, 20)
    rate.note(102.0, 30)
    assert rate.per_second() == pytest.approx(10.0)


def test_watermark_is_the_latest_time_seen() -> None:
    assert watermark_from(None, []) is None
    assert watermark_from("2025-01-01 10:00:00", [None, "2025-01-02 09:00:00"]) == (
        "2025-01-02 09:00:00"
    )
    assert watermark_from("2025-03-01 00:00:00", ["2025-01-02 09:00:00"]) == "2025-03-01 00:00:00"


def test_progress_on_a_pipe_is_plain_lines() -> None:
    stream = io.StringIO()
    ticks = iter([0.0, 1.0, 7.0, 8.0])
    printer = ProgressPrinter(stream, is_tty=False, interval=5.0, clock=lambda: next(ticks))
    printer.start_app("Tickets")
    printer(SyncProgress(1, "full", 500, 2000, 2, 3.2))
    printer(SyncProgress(1, "full", 1000, 2000, 3, 2.0))  # within the interval: skipped
    printer(SyncProgress(1, "full", 1500, 2000, 4, 1.0))
    printer(SyncProgress(1, "done", 2000, 2000, 5, 0.0))
    lines = stream.getvalue().splitlines()
    assert lines == [
        "Tickets: full 500/2 000 items (25%), ETA 4 s",
        "Tickets: full 1 500/2 000 items (75%), ETA 1 s",
        "Tickets: done 2 000/2 000 items (100%)",
    ]
    assert "\r" not in stream.getvalue()


def test_progress_on_a_terminal_redraws_one_line() -> None:
    stream = io.StringIO()
    printer = ProgressPrinter(stream, is_tty=True)
    printer.start_app("Tickets")
    printer(SyncProgress(1, "full", 1, 4, 1, 90.0))
    printer(SyncProgress(1, "done", 4, 4, 2, 0.0))
    text = stream.getvalue()
    assert text.count("\n") == 1
    assert "[#######---------------------] 1/4 items, ETA 1 min 30 s" in text
    assert text.endswith("4/4 items\n")


def test_summary_line() -> None:
    totals = SyncTotals(calls=7)
    totals.add(SyncResult(app_id=1, mode="full", added=10, changed=0, deleted=1))
    totals.add(SyncResult(app_id=2, mode="incremental", added=1, changed=2, deleted=0))
    assert totals.summary(1.234) == (
        "Synced 2 apps: 11 added, 2 changed, 1 deleted; 7 API calls in 1.2 s."
    )
