"""Test control of a running sandbox: request log, fault injection, rate limits, the clock.

Reachable from Python (`Sandbox.control`) and over HTTP under `/_sandbox/` (see server.py),
a path real Podio does not have.
"""

from __future__ import annotations

import json
import math
import random
import threading
from dataclasses import dataclass, field, replace
from typing import Any

from podio_desk.sandbox.records import Clock
from podio_desk.sandbox.state import State

GENERAL = "general"
HEAVY = "heavy"
RATE_WINDOW_SECONDS = 3600

# How `serve_malformed` damages an item in filter answers (each seen in the wild or plausible).
MALFORMED_SHAPES = (
    "fields_object",  # "fields" is an object, not a list
    "revision_text",  # "revision" is a text
    "no_created_on",  # "created_on" is missing
    "item_id_text",  # "item_id" is a text of digits
    "null_tag",  # a null among the tags
    "huge_ids",  # app_item_id and comment_count beyond 2**63
    "lone_surrogate",  # half of a UTF-16 surrogate pair in the title
    "deep_nesting",  # a value nested 100 000 levels deep
    "twice",  # the item appears twice in the page
    "no_item_id",  # no item_id at all (cannot be stored)
    "huge_item_id",  # item_id beyond 2**63 (cannot be stored)
)


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
        self.malformed: dict[int, str] = {}

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

    def serve_malformed(self, item_id: int, shape: str) -> None:
        """Filter answers show item `item_id` damaged as `shape` (one of MALFORMED_SHAPES);
        the item itself is unchanged."""
        if shape not in MALFORMED_SHAPES:
            raise ValueError(f"unknown shape {shape!r}; one of {', '.join(MALFORMED_SHAPES)}")
        with self._lock:
            self.malformed[int(item_id)] = shape

    def malformed_item_text(self, item_id: int, text: str) -> str:
        """The filter answer's text of one item, damaged if `serve_malformed` asked for it."""
        with self._lock:
            shape = self.malformed.get(item_id)
        return text if shape is None else _damage(text, shape)

    def stamp_in_future(self, item_id: int, moment: str = "2999-01-01 00:00:00") -> None:
        """Item `item_id` now reads as last edited at `moment` (a server clock gone wrong)."""
        with self._state.lock:
            item = self._state.items[int(item_id)]
            item.last_edit_on = moment
            if item.history:
                item.history[-1] = replace(item.history[-1], created_on=moment)
            elif item.revision == 0:
                item.created_on = moment  # its current revision is its creation
            self._state.invalidate(item)

    def reset_faults(self) -> None:
        with self._lock:
            self.malformed.clear()
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


def _damage(text: str, shape: str) -> str:
    item: dict[str, Any] = json.loads(text)
    if shape == "twice":
        return f"{text},{text}"
    if shape == "deep_nesting":
        depth = 100_000
        return text[:-1] + ',"deep":' + "[" * depth + "]" * depth + "}"
    if shape == "fields_object":
        item["fields"] = {"fields": item.get("fields")}
    elif shape == "revision_text":
        item["revision"] = "three"
    elif shape == "no_created_on":
        item.pop("created_on", None)
    elif shape == "item_id_text":
        item["item_id"] = str(item["item_id"])
    elif shape == "null_tag":
        item["tags"] = [None, *item.get("tags", [])]
    elif shape == "huge_ids":
        item["app_item_id"] = 2**64 + 1
        item["comment_count"] = 2**63
    elif shape == "lone_surrogate":
        item["title"] = f"{item.get('title', '')} \ud800"
    elif shape == "no_item_id":
        item.pop("item_id", None)
    elif shape == "huge_item_id":
        item["item_id"] = 2**64 + int(item["item_id"])
    # ensure_ascii: a lone surrogate goes out as the escape a broken server would send.
    return json.dumps(item, separators=(",", ":"))
