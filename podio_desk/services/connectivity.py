"""Online/offline state, the reconnect loop, and rate-limit news in plain events for the UI.

`ConnectivityMonitor` turns the api scheduler's events (budget per class, queue length, 420
waits) into `StatusEvent`s the status bar can show, with wall-clock times. It also keeps the
online/offline state: the first request attempt that gets no answer switches to offline (the
transport tells of every attempt, so a read's retries are not waited for), as does any request
that fails for lack of an answer (`report_offline`); from then on a probe runs with growing
pauses (1, 2, 4 … 30 s) until the server answers again, and the monitor announces that it is
back online. Any answer, to any request, also means online.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from podio_desk.api.events import EventHub
from podio_desk.api.ratelimit import (
    QueueChanged,
    RateLimitWait,
    RateLimitWaitEnded,
    RateStateChanged,
    SchedulerEvent,
)

log = logging.getLogger(__name__)

RECONNECT_FIRST_DELAY = 1.0
RECONNECT_MAX_DELAY = 30.0
T = TypeVar("T")


@dataclass(frozen=True)
class BudgetChanged:
    """The rate budget of one class ("general" 1 000/h, "heavy" 250/h) as last seen."""

    rate_class: str
    limit: int | None
    remaining: int | None
    updated_at: datetime
    window_ends_at: datetime | None = None

    @property
    def fraction_left(self) -> float | None:
        if self.limit is None or self.remaining is None or self.limit <= 0:
            return None
        return max(0.0, min(1.0, self.remaining / self.limit))


@dataclass(frozen=True)
class QueueLength:
    queued: int
    in_flight: int
    by_priority: Mapping[str, int]


@dataclass(frozen=True)
class RateLimitWaiting:
    """Podio said 420: every request waits until `until`; `reason` says why, for the user."""

    until: datetime
    reason: str


@dataclass(frozen=True)
class RateLimitResumed:
    at: datetime


@dataclass(frozen=True)
class OnlineChanged:
    online: bool
    # Offline: since when we have no answer (the data shown is at least this old).
    since: datetime
    reason: str = ""


StatusEvent = BudgetChanged | QueueLength | RateLimitWaiting | RateLimitResumed | OnlineChanged


@dataclass(frozen=True)
class ConnectivityState:
    """What the status bar shows when it starts following an account; `StatusEvent`s then
    keep it current."""

    online: bool
    offline_since: datetime | None
    budgets: tuple[BudgetChanged, ...]
    queue: QueueLength
    waiting: RateLimitWaiting | None


def is_offline_error(error: BaseException) -> bool:
    """No answer at all: the api layer's Offline (and its subclasses), or a bare OS error."""
    names = {cls.__name__ for cls in type(error).__mro__}
    return bool(names & {"Offline", "NotAvailableOfflineError"}) or isinstance(
        error, ConnectionError | TimeoutError
    )


class ConnectivityMonitor:
    """See the module docstring. One per account (one scheduler, one server)."""

    def __init__(
        self,
        probe: Callable[[], Awaitable[Any]] | None = None,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
        first_delay: float = RECONNECT_FIRST_DELAY,
        max_delay: float = RECONNECT_MAX_DELAY,
    ) -> None:
        self.events: EventHub[StatusEvent] = EventHub()
        self._probe = probe
        self._now = now
        self._monotonic = monotonic
        self._first_delay = first_delay
        self._max_delay = max_delay
        self.online = True
        self.offline_since: datetime | None = None
        self.budgets: dict[str, BudgetChanged] = {}
        self.queue = QueueLength(0, 0, {})
        self.waiting: RateLimitWaiting | None = None
        self._reconnect: asyncio.Task[None] | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self._closed = False

    # ------------------------------------------------------------------ wiring

    def watch_scheduler(self, hub: EventHub[SchedulerEvent]) -> None:
        """Follow a RateLimitScheduler's events (its `.events` hub)."""
        self._unsubscribe.append(hub.subscribe(self._on_scheduler_event))

    def watch_attempts(self, listeners: list[Callable[[bool], None]]) -> None:
        """Follow every request attempt (the transport's `reachability` list): the first one
        without an answer switches to offline, before the request's own retries end."""

        def on_attempt(answered: bool) -> None:
            if answered:
                self.report_success()
            else:
                self.report_offline("no answer from Podio")

        listeners.append(on_attempt)
        self._unsubscribe.append(lambda: listeners.remove(on_attempt))

    def state(self) -> ConnectivityState:
        return ConnectivityState(
            online=self.online,
            offline_since=self.offline_since,
            budgets=tuple(self.budgets.values()),
            queue=self.queue,
            waiting=self.waiting,
        )

    # ------------------------------------------------------------------ reports

    async def track(self, pending: Awaitable[T]) -> T:
        """Await an API call and report whether the server answered (any answer, also an
        error, means it can be reached)."""
        try:
            result = await pending
        except Exception as error:
            if is_offline_error(error):
                self.report_offline(str(error))
            else:
                self.report_success()
            raise
        self.report_success()
        return result

    def report_success(self) -> None:
        """A request got an answer: we are online."""
        if not self.online:
            self._set_online(True, "Podio answered again")

    def report_error(self, error: BaseException) -> None:
        """A request failed; only "no answer" errors switch to offline."""
        if is_offline_error(error):
            self.report_offline(str(error) or type(error).__name__)

    def report_offline(self, reason: str = "") -> None:
        if self.online:
            self._set_online(False, reason)
        self._ensure_reconnecting()

    async def aclose(self) -> None:
        self._closed = True
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        task, self._reconnect = self._reconnect, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # ------------------------------------------------------------------ internals

    def _set_online(self, online: bool, reason: str) -> None:
        self.online = online
        moment = self._now()
        if online:
            self.offline_since = None
        else:
            self.offline_since = moment
        log.info("Podio is %s (%s)", "reachable" if online else "unreachable", reason)
        self.events.emit(
            OnlineChanged(online, moment if online else self.offline_since or moment, reason)
        )

    def _ensure_reconnecting(self) -> None:
        if self._closed or self._probe is None:
            return
        if self._reconnect is not None and not self._reconnect.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._reconnect = loop.create_task(self._reconnect_loop(), name="connectivity:reconnect")

    async def _reconnect_loop(self) -> None:
        delay = self._first_delay
        while not self.online and not self._closed and self._probe is not None:
            await asyncio.sleep(delay)
            try:
                await self._probe()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if not is_offline_error(error):
                    # The server answered (with an error): it is reachable.
                    if not self.online:
                        self._set_online(True, f"Podio answered ({type(error).__name__})")
                    return
                delay = min(self._max_delay, delay * 2)
                continue
            if not self.online:  # the attempt's own report may have said so already
                self._set_online(True, "reconnected")
            return

    def _wall(self, monotonic_moment: float | None) -> datetime | None:
        if monotonic_moment is None:
            return None
        return self._now() + timedelta(seconds=monotonic_moment - self._monotonic())

    def _on_scheduler_event(self, event: SchedulerEvent) -> None:
        if isinstance(event, RateStateChanged):
            budget = BudgetChanged(
                rate_class=event.rate_class.value,
                limit=event.limit,
                remaining=event.remaining,
                updated_at=self._now(),
                window_ends_at=self._wall(event.window_ends_at),
            )
            self.budgets[budget.rate_class] = budget
            self.events.emit(budget)
        elif isinstance(event, QueueChanged):
            by_priority = {priority.name.lower(): count for priority, count in event.queued.items()}
            self.queue = QueueLength(event.total_queued, event.in_flight, by_priority)
            self.events.emit(self.queue)
        elif isinstance(event, RateLimitWait):
            until = self._now() + timedelta(seconds=max(0.0, event.seconds))
            self.waiting = RateLimitWaiting(until, event.reason)
            self.events.emit(self.waiting)
        elif isinstance(event, RateLimitWaitEnded):
            self.waiting = None
            self.events.emit(RateLimitResumed(self._now()))
