"""The rate budget a bulk job's writes count against, and the one estimate of how long its
calls take (every preview's cost and a running job's ETA come from `estimate_seconds`).

Item writes are paced in the class Podio's answers put them in (`api/rateclass.py`: learned
per account, else the seed table, which puts writes in the heavy class), so the cost and the
ETA are computed from that class's budget, not the general one. A window whose hour is over
counts as full again (its budget is no longer what was last seen).

The estimate runs the rate scheduler's own pacing rule (`api/ratelimit.py` `send_delay`) over
the calls: unpaced while more than half the window's budget is left, then spaced over what
remains of the window, keeping the reserve for the user's clicks; a new window starts with
the whole budget again. See docs/architecture.md, "Bulk edit".
"""

from __future__ import annotations

import time

from podio_desk.api.client import PodioClient
from podio_desk.api.ratelimit import PacingPolicy, Priority, RateClass, RateState, send_delay
from podio_desk.domain.bulk import Budget, describe_cost

# The operation a bulk job sends once per changed item (one number replaced, as the class book
# keys operations).
ITEM_WRITE = ("PUT", "/item/0")
WINDOW_SECONDS = 3600.0
# What one unpaced write takes, request and journal together, when nothing holds it back.
UNPACED_SECONDS_PER_CALL = 0.25
# The scheduler's pacing rules (a client's scheduler is made with the same defaults).
PACING = PacingPolicy()
# A wait shorter than this is float noise in the pacing arithmetic: send.
_NO_WAIT = 1e-6


def write_budget(client: PodioClient) -> Budget:
    """The budget of the class item writes are in, with what is left of it now."""
    rate_class = client.transport.rate_classes.classify(*ITEM_WRITE)
    scheduler = client.scheduler
    state = scheduler.state(rate_class)
    general, heavy = scheduler.budget
    configured = heavy if rate_class is RateClass.HEAVY else general
    limit = state.limit or configured
    remaining = state.remaining
    left: float | None = None
    end = state.window_end(WINDOW_SECONDS)
    if end is not None:
        left = end - time.monotonic()
        if left <= 0:  # that hour is over: the budget is whole again
            remaining, left = limit, None
    return Budget(
        limit,
        remaining,
        left,
        rate_class=rate_class.value,
        reported=state.limit is not None and not state.unreported,
    )


def estimate_seconds(
    calls: int,
    budget: Budget,
    policy: PacingPolicy = PACING,
    seconds_per_call: float = UNPACED_SECONDS_PER_CALL,
) -> float:
    """How long `calls` job requests take at the rate scheduler's pace, from `budget` as it
    is now. An unknown budget is a whole one; an unknown window starts now (as the scheduler
    assumes). Pure: the scheduler's `send_delay` on a simulated clock."""
    if calls <= 0:
        return 0.0
    limit = budget.hourly_limit
    remaining = limit if budget.remaining is None else max(0, min(budget.remaining, limit))
    left_in_window = budget.seconds_left_in_window
    start = 0.0 if left_in_window is None else min(0.0, left_in_window - policy.window)
    sent, elapsed = _one_window(calls, limit, remaining, start, policy, seconds_per_call)
    left = calls - sent
    if left == 0:
        return elapsed
    # Every later window starts whole, so each full one is the same: run one, multiply.
    per_window, window_time = _one_window(calls, limit, limit, 0.0, policy, seconds_per_call)
    full = (left - 1) // per_window
    elapsed += full * window_time
    left -= full * per_window
    _, last = _one_window(left, limit, limit, 0.0, policy, seconds_per_call)
    return elapsed + last


def _one_window(
    calls: int,
    limit: int,
    remaining: int,
    window_start: float,
    policy: PacingPolicy,
    seconds_per_call: float,
) -> tuple[int, float]:
    """(calls sent, seconds from now until the last is done or the window is over) for up
    to `calls` sent in the window that started at `window_start` (now is 0)."""
    state = RateState(RateClass.HEAVY, limit=limit, remaining=remaining, window_start=window_start)
    end = window_start + policy.window
    now = 0.0
    sent = 0
    while sent < calls:
        delay = send_delay(state, Priority.USER_JOB, now, policy) or 0.0
        if delay > _NO_WAIT:
            if now + delay >= end - _NO_WAIT:
                return sent, max(end, now)  # no more in this window
            now += delay
            continue
        state.remaining = max(0, (state.remaining or 0) - 1)
        state.last_paced_send = now
        sent += 1
        now += seconds_per_call
        if now >= end:
            break
    return sent, now


def describe_job_cost(calls: int, budget: Budget) -> str:
    """The preview's cost line: the calls, the estimate, and the budget it was made from."""
    return describe_cost(calls, budget, estimate_seconds(calls, budget))
