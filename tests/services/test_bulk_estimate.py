"""The one estimate of a bulk job's time (services/bulk_budget.py), a pure function checked
against the rate scheduler's own pacing rule (`send_delay`) run call by call."""

from __future__ import annotations

import pytest

from podio_desk.api.ratelimit import PacingPolicy, Priority, RateClass, RateState, send_delay
from podio_desk.domain.bulk import Budget
from podio_desk.services.bulk_budget import UNPACED_SECONDS_PER_CALL, estimate_seconds

POLICY = PacingPolicy()


def scheduled_seconds(calls: int, budget: Budget) -> float:
    """The scheduler's pace, one call at a time: ask `send_delay`, wait, send; a window that
    ends gives the whole budget back (the scheduler's assumed rollover)."""
    limit = budget.hourly_limit
    left = budget.seconds_left_in_window
    state = RateState(
        RateClass.HEAVY,
        limit=limit,
        remaining=limit if budget.remaining is None else budget.remaining,
        window_start=0.0 if left is None else left - POLICY.window,
    )
    now = 0.0
    for _ in range(calls):
        while True:
            assert state.window_start is not None
            if now >= state.window_start + POLICY.window:
                state.window_start, state.remaining, state.last_paced_send = now, limit, None
            delay = send_delay(state, Priority.USER_JOB, now, POLICY)
            assert delay is not None
            if delay <= 1e-6:
                break
            now += delay
        state.remaining = max(0, (state.remaining or 0) - 1)
        state.last_paced_send = now
        now += UNPACED_SECONDS_PER_CALL
    return now


CASES = [
    (10, Budget(1000, 1000, 3600)),
    (132, Budget(1000, 1000, 3600)),
    (132, Budget(250, None, None, rate_class="heavy", reported=False)),
    (500, Budget(250, None, None, rate_class="heavy", reported=False)),
    (500, Budget(1000, None, None)),
    (742, Budget(1000, 400, 1800)),
    (2000, Budget(1000, 1000, 3600)),
    (1, Budget(250, 3, 10, rate_class="heavy")),
    (300, Budget(250, 0, 600, rate_class="heavy")),
]


@pytest.mark.parametrize(("calls", "budget"), CASES)
def test_the_estimate_is_the_schedulers_pace(calls: int, budget: Budget) -> None:
    assert estimate_seconds(calls, budget) == pytest.approx(scheduled_seconds(calls, budget), abs=1)


def test_what_the_trial_saw_is_priced_by_the_class_and_window() -> None:
    heavy_unknown = Budget(250, None, None, rate_class="heavy", reported=False)
    # Within half the budget nothing waits: 132 writes at a fresh 1 000/h take half a minute.
    assert estimate_seconds(132, Budget(1000, 1000, 3600)) == pytest.approx(132 * 0.25)
    # 500 heavy writes (250/h) cannot take minutes: 237 go in each window, so past 2 hours.
    assert estimate_seconds(500, heavy_unknown) > 2 * 3600
    # An unknown limit is the class's default, not the general one.
    assert estimate_seconds(500, Budget(rate_class="heavy")) == estimate_seconds(500, heavy_unknown)
    assert estimate_seconds(0, heavy_unknown) == 0.0
