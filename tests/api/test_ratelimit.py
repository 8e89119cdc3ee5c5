"""Unit tests for the rate-limit state and scheduler, with a fake clock (no network)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from podio_desk.api.errors import ErrorBody, PodioError, RateLimited
from podio_desk.api.ratelimit import (
    PacingPolicy,
    Priority,
    QueueChanged,
    RateClass,
    RateLimitScheduler,
    RateLimitWait,
    RateLimitWaitEnded,
    RateState,
    RateStateChanged,
    classify,
    send_delay,
)

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class FakeClock:
    """Time jumps forward whenever someone sleeps: an hour of pacing runs in milliseconds."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


class FakeBudget:
    """A server-side fixed-window budget, like Podio's: 420 once the window's calls are used."""

    def __init__(self, clock: FakeClock, limit: int, window: float = 3600.0) -> None:
        self.clock = clock
        self.limit = limit
        self.window = window
        self.window_start: float | None = None
        self.used = 0
        self.calls = 0
        self.rejected = 0
        self.times: list[float] = []

    def take(self) -> tuple[bool, int]:
        now = self.clock()
        self.times.append(now)
        if self.window_start is None or now >= self.window_start + self.window:
            self.window_start = now
            self.used = 0
        self.calls += 1
        if self.used >= self.limit:
            self.rejected += 1
            return False, 0
        self.used += 1
        return True, self.limit - self.used


def make_call(
    scheduler: RateLimitScheduler,
    budget: FakeBudget,
    rate_class: RateClass,
    log: list[str],
    name: str,
):
    async def call() -> str:
        await asyncio.sleep(0)
        ok, remaining = budget.take()
        scheduler.observe(rate_class, budget.limit, remaining)
        if not ok:
            raise RateLimited(
                body=ErrorBody(error="rate_limit", error_description="Please wait 60 seconds")
            )
        log.append(name)
        return name

    return call


# ----------------------------------------------------------------------------- pure math


def test_classify_heavy_operations() -> None:
    assert classify("POST", "/item/app/12/filter/") is RateClass.HEAVY
    assert classify("POST", "/item/app/12/filter/7/") is RateClass.HEAVY
    assert classify("POST", "/search/app/12/") is RateClass.HEAVY
    assert classify("POST", "/item/app/12/delete") is RateClass.HEAVY
    assert classify("GET", "/item/12") is RateClass.GENERAL
    assert classify("GET", "/item/app/12/count?view_id=3") is RateClass.GENERAL


def test_classify_unknown_writes_as_heavy() -> None:
    assert classify("POST", "/item/app/12/") is RateClass.HEAVY
    assert classify("PUT", "/item/12") is RateClass.HEAVY
    assert classify("DELETE", "/item/12") is RateClass.HEAVY
    assert classify("GET", "/item/12/revision/") is RateClass.GENERAL


def test_send_delay_free_while_budget_is_plentiful() -> None:
    policy = PacingPolicy()
    state = RateState(
        RateClass.GENERAL, limit=1000, remaining=800, window_start=0.0, last_paced_send=10.0
    )
    assert send_delay(state, Priority.BACKGROUND, 10.0, policy) == 0.0


def test_send_delay_spreads_remaining_budget_over_time_left() -> None:
    policy = PacingPolicy()  # reserve 50 of 1000
    state = RateState(
        RateClass.GENERAL, limit=1000, remaining=450, window_start=0.0, last_paced_send=600.0
    )
    # 3000 s left, 400 spare -> one request every 7.5 s
    assert send_delay(state, Priority.USER_JOB, 600.0, policy) == pytest.approx(7.5)
    assert send_delay(state, Priority.USER_JOB, 605.0, policy) == pytest.approx(2995 / 400 - 5)
    assert send_delay(state, Priority.USER_JOB, 608.0, policy) == 0.0
    # interactive requests are never paced
    assert send_delay(state, Priority.INTERACTIVE, 600.0, policy) == 0.0


def test_send_delay_keeps_the_reserve_for_interactive() -> None:
    policy = PacingPolicy()
    state = RateState(
        RateClass.GENERAL, limit=1000, remaining=50, window_start=0.0, last_paced_send=100.0
    )
    assert send_delay(state, Priority.BACKGROUND, 1000.0, policy) == pytest.approx(2600.0)
    assert send_delay(state, Priority.INTERACTIVE, 1000.0, policy) == 0.0
    empty = RateState(RateClass.GENERAL, limit=1000, remaining=0, window_start=0.0)
    assert send_delay(empty, Priority.INTERACTIVE, 1000.0, policy) == pytest.approx(2600.0)


def test_send_delay_probe_waits_for_the_response() -> None:
    policy = PacingPolicy()
    state = RateState(RateClass.GENERAL, limit=1000, remaining=0, window_start=0.0, probing=True)
    assert send_delay(state, Priority.BACKGROUND, 10.0, policy) == 0.0
    state.in_flight = 1
    assert send_delay(state, Priority.BACKGROUND, 10.0, policy) is None


# ----------------------------------------------------------------------------- scheduler


def test_priorities_then_fifo_with_one_slot() -> None:
    async def scenario() -> list[str]:
        clock = FakeClock()
        scheduler = RateLimitScheduler(clock=clock, sleep=clock.sleep, max_concurrency=1)
        order: list[str] = []
        gate = asyncio.Event()

        async def blocker() -> None:
            await gate.wait()

        def job(name: str):
            async def call() -> None:
                order.append(name)

            return call

        first = asyncio.create_task(scheduler.run(blocker, priority=Priority.INTERACTIVE))
        await asyncio.sleep(0)
        tasks = [
            asyncio.create_task(scheduler.run(job("bg1"), priority=Priority.BACKGROUND)),
            asyncio.create_task(scheduler.run(job("job1"), priority=Priority.USER_JOB)),
            asyncio.create_task(scheduler.run(job("bg2"), priority=Priority.BACKGROUND)),
            asyncio.create_task(scheduler.run(job("ui1"), priority=Priority.INTERACTIVE)),
            asyncio.create_task(scheduler.run(job("job2"), priority=Priority.USER_JOB)),
            asyncio.create_task(scheduler.run(job("ui2"), priority=Priority.INTERACTIVE)),
        ]
        await asyncio.sleep(0)
        assert scheduler.queued() == {
            Priority.INTERACTIVE: 2,
            Priority.USER_JOB: 2,
            Priority.BACKGROUND: 2,
        }
        gate.set()
        await asyncio.gather(first, *tasks)
        await scheduler.aclose()
        return order

    assert run(scenario()) == ["ui1", "ui2", "job1", "job2", "bg1", "bg2"]


def test_concurrency_cap_and_interactive_slot() -> None:
    async def scenario() -> tuple[int, int]:
        clock = FakeClock()
        scheduler = RateLimitScheduler(clock=clock, sleep=clock.sleep, max_concurrency=3)
        active = 0
        peak_jobs = 0
        peak_all = 0

        def job(interactive: bool):
            async def call() -> None:
                nonlocal active, peak_jobs, peak_all
                active += 1
                peak_all = max(peak_all, active)
                if not interactive:
                    peak_jobs = max(peak_jobs, active)
                for _ in range(3):
                    await asyncio.sleep(0)
                active -= 1

            return call

        tasks = [scheduler.run(job(False), priority=Priority.BACKGROUND) for _ in range(20)]
        tasks += [scheduler.run(job(True), priority=Priority.INTERACTIVE) for _ in range(5)]
        await asyncio.gather(*tasks)
        await scheduler.aclose()
        return peak_jobs, peak_all

    peak_jobs, peak_all = run(scenario())
    assert peak_jobs <= 2  # one of three slots stays free for interactive requests
    assert peak_all <= 3


def test_long_job_spreads_over_window_and_never_hits_the_limit() -> None:
    async def scenario() -> tuple[FakeBudget, FakeClock, list[str]]:
        clock = FakeClock()
        start = clock.now
        budget = FakeBudget(clock, limit=1000)
        scheduler = RateLimitScheduler(clock=clock, sleep=clock.sleep, max_concurrency=4)
        done: list[str] = []
        calls = [
            scheduler.run(
                make_call(scheduler, budget, RateClass.GENERAL, done, f"r{i}"),
                priority=Priority.USER_JOB,
            )
            for i in range(1200)
        ]
        await asyncio.gather(*calls)
        await scheduler.aclose()
        clock.now -= start
        return budget, clock, done

    budget, clock, done = run(scenario())
    assert len(done) == 1200
    assert budget.rejected == 0
    # 1 200 calls against 1 000/h cannot finish inside one window ...
    assert clock.now >= 3600
    # ... but pacing should not stretch the job much past the second window.
    assert clock.now < 2 * 3600 + 60
    # Spread, not burst-then-wall: half the budget goes at once, the rest over the hour.
    first = budget.times[0]
    offsets = [t - first for t in budget.times]
    assert 490 <= sum(o < 1 for o in offsets) <= 500
    assert sum(1800 <= o < 3600 for o in offsets) > 150
    gaps = [b - a for a, b in itertools.pairwise(offsets[500:901])]
    assert min(gaps) > 4  # about (time left) / (remaining - reserve) = 3600 / 450 s


def test_window_that_had_not_rolled_over_yet_is_checked_again_soon() -> None:
    """Our estimate of a window's start can be early (a fresh budget seen before the server
    started counting); the probe at the estimated end then finds the budget still spent. The
    window ends soon after, not an hour later: the job must not wait a whole extra window."""

    async def scenario() -> tuple[FakeBudget, float, list[str]]:
        clock = FakeClock()
        start = clock.now
        budget = FakeBudget(clock, limit=1000)
        scheduler = RateLimitScheduler(clock=clock, sleep=clock.sleep, max_concurrency=4)
        scheduler.observe(RateClass.GENERAL, 1000, 1000)  # e.g. an uncounted sign-in call
        await clock.sleep(10)  # the server's window starts with the job, 10 s later
        done: list[str] = []
        await asyncio.gather(
            *(
                scheduler.run(
                    make_call(scheduler, budget, RateClass.GENERAL, done, f"r{i}"),
                    priority=Priority.USER_JOB,
                )
                for i in range(1200)
            )
        )
        await scheduler.aclose()
        return budget, clock.now - start, done

    budget, elapsed, done = run(scenario())
    assert len(done) == 1200
    assert budget.rejected == 0
    assert elapsed < 3600 + 10 + 2 * PacingPolicy().recheck_after


def test_interactive_request_is_not_stuck_behind_a_paced_job() -> None:
    async def scenario() -> float:
        clock = FakeClock()
        scheduler = RateLimitScheduler(clock=clock, sleep=clock.sleep, max_concurrency=2)
        # A budget nearly spent: background work is paced or waiting for the window.
        scheduler.observe(RateClass.GENERAL, 1000, 40)
        waiting = [
            asyncio.create_task(scheduler.run(_noop, priority=Priority.BACKGROUND))
            for _ in range(5)
        ]
        await asyncio.sleep(0)
        before = clock.now
        sent_at: list[float] = []

        async def interactive() -> None:
            sent_at.append(clock.now)

        await scheduler.run(interactive, priority=Priority.INTERACTIVE)
        elapsed = sent_at[0] - before
        assert not any(task.done() for task in waiting)
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
        await scheduler.aclose()
        return elapsed

    assert run(scenario()) == 0.0


async def _noop() -> None:
    await asyncio.sleep(0)


def test_rate_limited_pauses_the_queue_and_every_request_completes() -> None:
    async def scenario() -> tuple[list[str], list[object], FakeClock, int]:
        clock = FakeClock()
        scheduler = RateLimitScheduler(clock=clock, sleep=clock.sleep, max_concurrency=4)
        events: list[object] = []
        scheduler.events.subscribe(events.append)
        storm = {"left": 5}
        attempts = 0
        done: list[str] = []

        def job(name: str):
            async def call() -> str:
                nonlocal attempts
                attempts += 1
                await asyncio.sleep(0)
                if storm["left"] > 0:
                    storm["left"] -= 1
                    raise RateLimited(
                        body=ErrorBody(
                            error="rate_limit", error_description="Please wait 30 seconds"
                        )
                    )
                done.append(name)
                return name

            return call

        results = await asyncio.gather(
            *(scheduler.run(job(f"r{i}"), priority=Priority(i % 3)) for i in range(200))
        )
        assert sorted(results) == sorted(f"r{i}" for i in range(200))
        await scheduler.aclose()
        return done, events, clock, attempts

    done, events, clock, attempts = run(scenario())
    assert len(done) == 200
    assert attempts == 205
    waits = [e for e in events if isinstance(e, RateLimitWait)]
    assert waits
    assert waits[0].seconds == pytest.approx(31.0)
    assert "wait 30" in waits[0].reason
    assert any(isinstance(e, RateLimitWaitEnded) for e in events)
    assert clock.sleeps
    assert max(clock.sleeps) >= 30


def test_backoff_without_hint_grows_exponentially() -> None:
    async def scenario() -> list[float]:
        clock = FakeClock()
        scheduler = RateLimitScheduler(
            clock=clock, sleep=clock.sleep, max_concurrency=1, backoff_base=2.0
        )
        waits: list[float] = []
        scheduler.events.subscribe(
            lambda e: waits.append(e.seconds) if isinstance(e, RateLimitWait) else None
        )
        left = 4

        async def call() -> str:
            nonlocal left
            if left:
                left -= 1
                raise RateLimited(body=ErrorBody(error="rate_limit"))
            return "ok"

        assert await scheduler.run(call) == "ok"
        await scheduler.aclose()
        return waits

    assert run(scenario()) == [2.0, 4.0, 8.0, 16.0]


def test_state_events_and_class_booking_by_limit_header() -> None:
    async def scenario() -> tuple[list[object], RateLimitScheduler]:
        clock = FakeClock()
        scheduler = RateLimitScheduler(clock=clock, sleep=clock.sleep)
        events: list[object] = []
        scheduler.events.subscribe(events.append)
        scheduler.observe(RateClass.GENERAL, 1000, 990)
        scheduler.observe(RateClass.HEAVY, 250, 240)
        # A request we thought general answers with the heavy class's limit.
        booked = scheduler.observe(RateClass.GENERAL, 250, 239)
        assert booked is RateClass.HEAVY
        await scheduler.aclose()
        return events, scheduler

    events, scheduler = run(scenario())
    changes = [e for e in events if isinstance(e, RateStateChanged)]
    assert [(c.rate_class, c.limit, c.remaining) for c in changes] == [
        (RateClass.GENERAL, 1000, 990),
        (RateClass.HEAVY, 250, 240),
        (RateClass.HEAVY, 250, 239),
    ]
    assert scheduler.state(RateClass.GENERAL).remaining == 990
    assert any(isinstance(e, QueueChanged) for e in events)


def test_cancelled_waiting_request_leaves_the_queue() -> None:
    async def scenario() -> dict[Priority, int]:
        clock = FakeClock()
        scheduler = RateLimitScheduler(clock=clock, sleep=clock.sleep, max_concurrency=1)
        gate = asyncio.Event()

        async def blocker() -> None:
            await gate.wait()

        first = asyncio.create_task(scheduler.run(blocker))
        await asyncio.sleep(0)
        waiting = asyncio.create_task(scheduler.run(_noop, priority=Priority.BACKGROUND))
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        queued = scheduler.queued()
        gate.set()
        await first
        assert scheduler.in_flight == 0
        await scheduler.aclose()
        return queued

    assert run(scenario())[Priority.BACKGROUND] == 0


def test_no_timer_outlives_the_requests_it_was_for() -> None:
    async def scenario() -> None:
        scheduler = RateLimitScheduler(max_concurrency=2)  # real clock: a long pacing wait
        scheduler.observe(RateClass.GENERAL, 1000, 10)  # below the reserve: wait for the window
        waiting = asyncio.create_task(scheduler.run(_noop, priority=Priority.BACKGROUND))
        await asyncio.sleep(0.01)
        assert not waiting.done()
        timers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert len(timers) == 2  # the waiting request and the scheduler's timer
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        await asyncio.sleep(0)
        leftovers = [
            t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()
        ]
        assert leftovers == []
        await scheduler.aclose()

    run(scenario())


def test_closing_fails_waiting_requests_with_a_podio_error() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        scheduler = RateLimitScheduler(clock=clock, sleep=clock.sleep, max_concurrency=1)
        gate = asyncio.Event()

        async def blocker() -> None:
            await gate.wait()

        first = asyncio.create_task(scheduler.run(blocker))
        await asyncio.sleep(0)
        waiting = asyncio.create_task(scheduler.run(_noop))
        await asyncio.sleep(0)
        await scheduler.aclose()
        with pytest.raises(PodioError, match="closed"):
            await waiting
        with pytest.raises(PodioError, match="closed"):
            await scheduler.run(_noop)
        gate.set()
        await first

    run(scenario())
