"""Podio rate limits as pure state, and the scheduler that paces requests.

The API facts: docs/podio-api.md, Rate limits (420/429, headers).

Podio counts calls per user and API key in two classes: *general* (1 000/h) and *heavy*
("Rate limited" operations, 250/h). Every response carries ``X-Rate-Limit-Limit`` and
``X-Rate-Limit-Remaining`` for its class but no reset time, so the window is estimated:
it starts when a response shows a fresh budget (or, when first seen mid-window, at the time
of that first response, which overestimates the time left and so paces more slowly than
needed, never faster) and lasts one hour.

Scheduling, per class:

* interactive requests (the visible page, a save) are never paced; they may spend the
  reserve, and wait only when the budget is gone;
* user jobs and background work run freely while more than ``free_fraction`` of the budget is
  left, then are spaced by ``time left in window / (remaining - reserve)`` so that a long job
  spreads over the window instead of hitting the wall; at the reserve they wait for the
  window to end;
* priorities INTERACTIVE > USER_JOB > BACKGROUND, FIFO within a priority, at most
  ``max_concurrency`` requests in flight (one slot always kept free for interactive);
* a 420 pauses the whole queue (the "Please wait N seconds" hint when present, otherwise
  exponential backoff), then one probe request per class learns the real budget, and every
  queued request, including the one that got the 420, still runs.

The clock and sleep are injectable so the tests can simulate an hour in milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from podio_desk.api.errors import PodioError, RateLimited
from podio_desk.api.events import EventHub
from podio_desk.api.redact import get_logger

log = get_logger(__name__)

T = TypeVar("T")

WINDOW_SECONDS = 3600.0
_CLOSED_MESSAGE = "The connection to Podio was closed (account removed or app closing)."


class RateClass(enum.Enum):
    GENERAL = "general"
    HEAVY = "heavy"


class Priority(enum.IntEnum):
    """Lower value goes first."""

    INTERACTIVE = 0
    USER_JOB = 1
    BACKGROUND = 2


# UNCONFIRMED (docs/podio-api.md, Rate limits): which operations count against the 250/h
# "Rate limited" class is not recoverable from our sources. We treat filter items, search,
# exports and bulk delete as heavy, the same documented guess the sandbox makes. A response's
# X-Rate-Limit-Limit can still move a request to the other class (see RateLimitScheduler.observe).
_HEAVY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("POST", re.compile(r"^/item/app/\d+/filter/(\d+/)?$")),
    ("POST", re.compile(r"^/item/app/\d+/delete/?$")),
    ("POST", re.compile(r"^/item/app/\d+/export/[^/]+/?$")),
    ("GET", re.compile(r"^/item/app/\d+/xlsx/?$")),
    ("*", re.compile(r"^/search(/.*)?$")),
)


def classify(method: str, path: str) -> RateClass:
    """The rate class of an operation, by method and path (query string ignored)."""
    bare = path.split("?", 1)[0]
    for wanted, pattern in _HEAVY_PATTERNS:
        if wanted in ("*", method.upper()) and pattern.match(bare):
            return RateClass.HEAVY
    return RateClass.GENERAL


# ----------------------------------------------------------------------------- events


@dataclass(frozen=True)
class RateStateChanged:
    rate_class: RateClass
    limit: int | None
    remaining: int | None
    updated_at: float
    window_ends_at: float | None


@dataclass(frozen=True)
class QueueChanged:
    queued: Mapping[Priority, int]
    in_flight: int

    @property
    def total_queued(self) -> int:
        return sum(self.queued.values())


@dataclass(frozen=True)
class RateLimitWait:
    """The whole queue waits until ``until`` (scheduler clock) because of ``reason``."""

    until: float
    seconds: float
    reason: str


@dataclass(frozen=True)
class RateLimitWaitEnded:
    at: float


SchedulerEvent = RateStateChanged | QueueChanged | RateLimitWait | RateLimitWaitEnded


# ----------------------------------------------------------------------------- pure state


@dataclass
class RateState:
    """What we know about one class's budget. ``remaining`` is our running estimate."""

    rate_class: RateClass
    limit: int | None = None
    remaining: int | None = None
    window_start: float | None = None
    updated_at: float | None = None
    last_paced_send: float | None = None
    in_flight: int = 0
    # After a 420 or an assumed window reset, only one request goes out until a response
    # tells us the real budget again.
    probing: bool = False
    # The probe is for a window we assumed over (not for a 420).
    assumed_rollover: bool = False

    def window_end(self, window: float) -> float | None:
        return None if self.window_start is None else self.window_start + window


@dataclass(frozen=True)
class PacingPolicy:
    window: float = WINDOW_SECONDS
    # Below this share of the budget left, non-interactive requests are spaced out.
    free_fraction: float = 0.5
    # Share of the budget kept for interactive calls (the visible page, a save).
    reserve_fraction: float = 0.05
    min_reserve: int = 2
    # When a window we thought over turns out not to be, how soon to look again.
    recheck_after: float = 60.0

    def reserve(self, limit: int) -> int:
        return max(self.min_reserve, math.ceil(limit * self.reserve_fraction))


def send_delay(
    state: RateState, priority: Priority, now: float, policy: PacingPolicy
) -> float | None:
    """Seconds until a request of ``priority`` may be sent in this class.

    ``0`` means now; ``None`` means "wait for a response" (a probe is in flight).
    Pure function of the state: the scheduler's whole pacing math lives here.
    """
    if state.probing:
        # One probe at a time; the wait that led here (420 pause, window end) is already over.
        return None if state.in_flight > 0 else 0.0
    if state.remaining is None or state.limit is None:
        return 0.0
    window_end = state.window_end(policy.window)
    time_left = max(0.0, window_end - now) if window_end is not None else policy.window
    if window_end is not None and time_left <= 0 and state.in_flight > 0:
        # Over by our estimate, but answers from the old window are still out: wait for them;
        # the scheduler then assumes the rollover and probes.
        return None
    if priority is Priority.INTERACTIVE:
        if state.remaining > 0:
            return 0.0
        return time_left if time_left > 0 else 0.0
    spare = state.remaining - policy.reserve(state.limit)
    if spare <= 0:
        return time_left if time_left > 0 else 0.0
    if state.remaining > state.limit * policy.free_fraction:
        return 0.0
    spacing = time_left / spare
    if state.last_paced_send is None:
        return 0.0
    return max(0.0, state.last_paced_send + spacing - now)


# ----------------------------------------------------------------------------- scheduler


@dataclass(eq=False)
class _Ticket:
    seq: int
    priority: Priority
    rate_class: RateClass
    granted: asyncio.Future[None] = field(repr=False)


class RateLimitScheduler:
    """Orders, paces and retries requests for one account (one budget)."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_concurrency: int = 4,
        policy: PacingPolicy | None = None,
        backoff_base: float = 5.0,
        backoff_cap: float = 300.0,
        events: EventHub[SchedulerEvent] | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self._clock = clock
        self._sleep = sleep
        self.max_concurrency = max_concurrency
        self.policy = policy or PacingPolicy()
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self.events: EventHub[SchedulerEvent] = events or EventHub()
        self._states = {rc: RateState(rc) for rc in RateClass}
        self._queues: dict[tuple[Priority, RateClass], deque[_Ticket]] = {
            (p, rc): deque() for p in Priority for rc in RateClass
        }
        self._seq = 0
        self._in_flight = 0
        self._paused_until: float | None = None
        self._consecutive_420 = 0
        self._timer: asyncio.Task[None] | None = None
        self._timer_target: float | None = None
        self._closed = False
        # Requests sent through `run` (a request resent after a 420 counts again): what a
        # job reports as the API calls it used.
        self.requests_sent = 0

    # ------------------------------------------------------------ public

    def state(self, rate_class: RateClass) -> RateState:
        return self._states[rate_class]

    @property
    def paused_until(self) -> float | None:
        return self._paused_until

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def queued(self) -> dict[Priority, int]:
        counts = dict.fromkeys(Priority, 0)
        for (priority, _), queue in self._queues.items():
            counts[priority] += len(queue)
        return counts

    async def run(
        self,
        call: Callable[[], Awaitable[T]],
        *,
        priority: Priority = Priority.INTERACTIVE,
        rate_class: RateClass = RateClass.GENERAL,
    ) -> T:
        """Run ``call`` when the schedule allows; retry it after every 420 (RateLimited)."""
        if self._closed:
            raise PodioError(_CLOSED_MESSAGE)
        loop = asyncio.get_running_loop()
        self._seq += 1
        ticket = _Ticket(self._seq, priority, rate_class, loop.create_future())
        self._queues[(priority, rate_class)].append(ticket)
        self._emit_queue()
        while True:
            await self._wait_granted(ticket)
            self.requests_sent += 1
            try:
                result = await call()
            except RateLimited as exc:
                self._finish(ticket, rate_limited=exc)
                ticket.granted = loop.create_future()
                # Back to the front of its queue: it keeps its place in line.
                self._queues[(priority, rate_class)].appendleft(ticket)
                self._emit_queue()
                self._pump()
                continue
            except BaseException:
                self._finish(ticket)
                raise
            self._finish(ticket)
            return result

    def observe(self, rate_class: RateClass, limit: int | None, remaining: int | None) -> RateClass:
        """Record a response's rate headers; returns the class they were booked to."""
        if limit is None or remaining is None:
            return rate_class
        booked = self._class_for_limit(rate_class, limit)
        state = self._states[booked]
        now = self._clock()
        fresh = remaining >= limit - 1
        refilled = (
            state.remaining is not None
            and state.limit == limit
            and remaining > state.remaining + state.in_flight + 1
        )
        if fresh or refilled or state.window_start is None:
            state.window_start = now
        if state.assumed_rollover and not (fresh or refilled):
            # We assumed the window had rolled over and it has not: our estimate of its start
            # was early. It ends soon, not an hour from now: ask again in a little while.
            state.window_start = now - self.policy.window + self.policy.recheck_after
        state.assumed_rollover = False
        state.limit = limit
        # Requests still in flight will each take one more from the budget.
        others_in_flight = max(0, state.in_flight - 1)
        state.remaining = max(0, remaining - others_in_flight)
        state.updated_at = now
        state.probing = False
        self.events.emit(
            RateStateChanged(
                booked, limit, state.remaining, now, state.window_end(self.policy.window)
            )
        )
        self._pump()
        return booked

    async def aclose(self) -> None:
        """Cancel the pacing timer and fail every waiting request with a PodioError."""
        self._closed = True
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        for queue in self._queues.values():
            while queue:
                ticket = queue.popleft()
                if not ticket.granted.done():
                    ticket.granted.set_exception(PodioError(_CLOSED_MESSAGE))
        self._emit_queue()

    # ------------------------------------------------------------ internals

    def _class_for_limit(self, rate_class: RateClass, limit: int) -> RateClass:
        own = self._states[rate_class].limit
        other_class = RateClass.HEAVY if rate_class is RateClass.GENERAL else RateClass.GENERAL
        other = self._states[other_class].limit
        if own is not None and own != limit and other == limit:
            log.debug("response limit %s books a %s request to %s", limit, rate_class, other_class)
            return other_class
        return rate_class

    async def _wait_granted(self, ticket: _Ticket) -> None:
        self._pump()
        try:
            await ticket.granted
        except asyncio.CancelledError:
            queue = self._queues[(ticket.priority, ticket.rate_class)]
            if ticket in queue:
                queue.remove(ticket)
                self._emit_queue()
                self._pump()
            elif ticket.granted.done() and not ticket.granted.cancelled():
                # Granted just as we were cancelled: give the slot back.
                self._finish(ticket)
            raise

    def _finish(self, ticket: _Ticket, rate_limited: RateLimited | None = None) -> None:
        self._in_flight -= 1
        state = self._states[ticket.rate_class]
        state.in_flight = max(0, state.in_flight - 1)
        if rate_limited is not None:
            self._on_rate_limited(ticket, rate_limited)
        else:
            self._consecutive_420 = 0
        self._emit_queue()
        self._pump()

    def _on_rate_limited(self, ticket: _Ticket, exc: RateLimited) -> None:
        now = self._clock()
        self._consecutive_420 += 1
        if exc.wait_seconds is not None:
            wait = exc.wait_seconds + 1.0
            reason = f"Podio asked to wait {exc.wait_seconds:g} s"
        else:
            wait = min(self._backoff_cap, self._backoff_base * 2 ** (self._consecutive_420 - 1))
            reason = f"rate limited (420), backing off {wait:g} s"
        until = now + wait
        if self._paused_until is None or until > self._paused_until:
            self._paused_until = until
            log.info("Rate limit reached: queue paused for %.0f s (%s)", wait, reason)
            self.events.emit(RateLimitWait(until, wait, reason))
        for state in self._states.values():
            state.probing = True
        state = self._states[ticket.rate_class]
        state.remaining = 0 if state.remaining is not None else None

    def _grantable(self, now: float) -> tuple[_Ticket | None, float | None]:
        """The ticket to send now, or the earliest time something may become sendable."""
        if self._paused_until is not None:
            if now < self._paused_until:
                return None, self._paused_until
            self._paused_until = None
            self.events.emit(RateLimitWaitEnded(now))
        self._expire_windows(now)
        best: _Ticket | None = None
        wake: float | None = None
        for (priority, rate_class), queue in self._queues.items():
            if not queue:
                continue
            head = queue[0]
            if priority is not Priority.INTERACTIVE and self._in_flight >= self._job_slots():
                continue
            delay = send_delay(self._states[rate_class], priority, now, self.policy)
            if delay is None:
                continue
            if delay > 0:
                wake = now + delay if wake is None else min(wake, now + delay)
                continue
            if best is None or (head.priority, head.seq) < (best.priority, best.seq):
                best = head
        return best, wake

    def _job_slots(self) -> int:
        return self.max_concurrency - 1 if self.max_concurrency > 1 else 1

    def _expire_windows(self, now: float) -> None:
        for state in self._states.values():
            end = state.window_end(self.policy.window)
            if end is not None and now >= end and state.limit is not None:
                if state.in_flight:
                    # Answers still on their way belong to the old window: wait for them, or
                    # one of them would be read as the new window's budget.
                    continue
                # Our estimate says the window has rolled over: assume a fresh budget, but
                # only probe with one request until a response confirms it.
                state.window_start = None
                state.remaining = state.limit
                state.last_paced_send = None
                state.probing = True
                state.assumed_rollover = True

    def _pump(self) -> None:
        if self._closed:
            return
        while self._in_flight < self.max_concurrency:
            now = self._clock()
            ticket, wake = self._grantable(now)
            if ticket is None:
                self._arm_timer(wake)
                return
            self._queues[(ticket.priority, ticket.rate_class)].popleft()
            self._grant(ticket, now)
        if not any(self._queues.values()):
            self._arm_timer(None)

    def _grant(self, ticket: _Ticket, now: float) -> None:
        state = self._states[ticket.rate_class]
        self._in_flight += 1
        state.in_flight += 1
        if state.remaining is not None:
            state.remaining = max(0, state.remaining - 1)
        if ticket.priority is not Priority.INTERACTIVE:
            state.last_paced_send = now
        if not ticket.granted.done():
            ticket.granted.set_result(None)
        self._emit_queue()

    def _arm_timer(self, wake: float | None) -> None:
        """Wake the queue at ``wake``; None: nothing time-based is pending, drop the timer.

        Dropping it matters: a timer sleeping toward a window end must not outlive the
        requests it was for (a pending task at shutdown).
        """
        if wake is None:
            if self._timer is not None and self._timer is not asyncio.current_task():
                self._timer.cancel()
            self._timer = None
            self._timer_target = None
            return
        if self._timer is not None and not self._timer.done():
            if self._timer_target is not None and self._timer_target <= wake:
                return
            self._timer.cancel()
        self._timer_target = wake
        self._timer = asyncio.get_running_loop().create_task(self._timer_loop(wake))

    async def _timer_loop(self, wake: float) -> None:
        delay = wake - self._clock()
        if delay > 0:
            await self._sleep(delay)
        if self._timer is asyncio.current_task():
            self._timer = None
            self._timer_target = None
        self._pump()

    def _emit_queue(self) -> None:
        self.events.emit(QueueChanged(self.queued(), self._in_flight))
