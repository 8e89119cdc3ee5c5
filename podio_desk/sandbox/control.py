"""Test control of a running sandbox: request log, fault injection, rate limits, the clock.

Reachable from Python (`Sandbox.control`) and over HTTP under `/_sandbox/` (see server.py),
a path real Podio does not have.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass, field

from podio_desk.sandbox.records import Clock
from podio_desk.sandbox.state import State

GENERAL = "general"
HEAVY = "heavy"
RATE_WINDOW_SECONDS = 3600


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: str
    status: int
    # "general", "heavy", or None for requests that do not count (token endpoint, unauthenticated).
    rate_class: str | None
    body: str


@dataclass
class _Window:
    started_at: float
    used: dict[str, int] = field(default_factory=dict)


class Control:
    """Faults, the request log, the rate-limit windows and the test clock of one sandbox."""

    def __init__(self, state: State, clock: Clock, limits: tuple[int, int], seed: int) -> None:
        self._state = state
        self._clock = clock
        self._lock = threading.Lock()
        self._log: list[LoggedRequest] = []
        self._random = random.Random(seed)
        self.limits = {GENERAL: limits[0], HEAVY: limits[1]}
        self._windows: dict[tuple[str, int, str], _Window] = {}
        self.latency = 0.0
        self.error_rate = 0.0
        self.error_statuses: tuple[int, ...] = (500, 502, 503)
        self.drop_rate = 0.0
        self.storm_remaining: int | None = None
        self.storm_active = False
        self.storm_wait_seconds = 5

    # ------------------------------------------------------------------ request log

    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log.append(entry)

    # ------------------------------------------------------------------ faults

    def set_latency(self, seconds: float) -> None:
        self.latency = max(0.0, float(seconds))

    def set_error_rate(self, fraction: float, statuses: tuple[int, ...] = (500, 502, 503)) -> None:
        self.error_rate = min(1.0, max(0.0, float(fraction)))
        self.error_statuses = tuple(statuses) or (500,)

    def set_drop_rate(self, fraction: float) -> None:
        self.drop_rate = min(1.0, max(0.0, float(fraction)))

    def start_rate_limit_storm(self, count: int | None = None, wait_seconds: int = 5) -> None:
        """The next `count` API requests (or all until stopped) answer 420.

        Their body asks the client to wait `wait_seconds`: a storm stands for a short burst, so
        it does not ask for the rest of the hour as a spent budget does (a client that honours
        the hint would otherwise sit out an hour in the real-clock demo).
        """
        with self._lock:
            self.storm_active = True
            self.storm_remaining = count
            self.storm_wait_seconds = max(1, int(wait_seconds))

    def stop_rate_limit_storm(self) -> None:
        with self._lock:
            self.storm_active = False
            self.storm_remaining = None

    def reset_faults(self) -> None:
        self.set_latency(0.0)
        self.set_error_rate(0.0)
        self.set_drop_rate(0.0)
        self.stop_rate_limit_storm()

    def take_storm(self) -> int | None:
        """The seconds a stormed request is told to wait, or None when no storm is on."""
        with self._lock:
            if not self.storm_active:
                return None
            if self.storm_remaining is not None:
                self.storm_remaining -= 1
                if self.storm_remaining <= 0:
                    self.storm_active = False
                    self.storm_remaining = None
            return self.storm_wait_seconds

    def roll_drop(self) -> bool:
        with self._lock:
            return self.drop_rate > 0 and self._random.random() < self.drop_rate

    def roll_error(self) -> int | None:
        with self._lock:
            if self.error_rate > 0 and self._random.random() < self.error_rate:
                return self._random.choice(self.error_statuses)
            return None

    # ------------------------------------------------------------------ tokens & clock

    def expire_all_tokens(self) -> None:
        with self._state.lock:
            self._state.expire_all_tokens()

    def advance_clock(self, seconds: float) -> None:
        """Move the sandbox's clock: token expiry and the hourly rate window follow it."""
        self._clock.advance(seconds)

    def now(self) -> float:
        return self._clock.now()

    # ------------------------------------------------------------------ rate limits

    def set_rate_limits(self, general: int, heavy: int) -> None:
        self.limits = {GENERAL: general, HEAVY: heavy}

    def reset_rate_limits(self) -> None:
        with self._lock:
            self._windows.clear()

    def spend(self, key: tuple[str, int, str], rate_class: str) -> tuple[bool, int, int, int]:
        """Count one request. Returns (allowed, limit, remaining, seconds left in the window).

        Fixed one-hour windows per (ref type, ref id, client id), started by the first request;
        a refused request does not count.
        """
        now = self._clock.now()
        limit = self.limits[rate_class]
        with self._lock:
            window = self._windows.get(key)
            if window is None or now >= window.started_at + RATE_WINDOW_SECONDS:
                window = _Window(now)
                self._windows[key] = window
            used = window.used.get(rate_class, 0)
            left = max(1, math.ceil(window.started_at + RATE_WINDOW_SECONDS - now))
            if used >= limit:
                return False, limit, 0, left
            window.used[rate_class] = used + 1
            return True, limit, limit - used - 1, left

    def peek(self, key: tuple[str, int, str], rate_class: str) -> tuple[int, int, int]:
        """(limit, remaining, seconds left) without counting."""
        now = self._clock.now()
        limit = self.limits[rate_class]
        with self._lock:
            window = self._windows.get(key)
            if window is None or now >= window.started_at + RATE_WINDOW_SECONDS:
                return limit, limit, RATE_WINDOW_SECONDS
            left = max(1, math.ceil(window.started_at + RATE_WINDOW_SECONDS - now))
            return limit, max(0, limit - window.used.get(rate_class, 0)), left
