"""Test control of a running sandbox: request log, fault injection, rate limits, the clock.

Reachable from Python (`Sandbox.control`) and over HTTP under `/_sandbox/` (see server.py),
a path real Podio does not have.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from podio_desk.sandbox.model import Revision
from podio_desk.sandbox.records import Clock
from podio_desk.sandbox.state import State

GENERAL = "general"
HEAVY = "heavy"
RATE_WINDOW_SECONDS = 3600
# The ways `serve_malformed` can spoil an item in filter pages.
MALFORMED_KINDS = (
    "fields_object",  # "fields" an object instead of a list
    "revision_string",  # "revision": "3"
    "created_on_missing",
    "item_id_string",  # "item_id": "123"
    "null_tag",  # "tags": [null]
    "huge_id",  # an app_item_id beyond 2^63
    "lone_surrogate",  # a title ending in an unpaired UTF-16 surrogate
    "deep_nesting",  # a value nested thousands of levels deep
    "duplicate",  # the same item twice in one page
)
_DEEP_MARK = "__sandbox_deep_nesting__"
# How a successful item update may answer (`answer_updates_with`): Podio's body, an empty 204,
# an empty 200, or the JSON `null` Podio documents for "no change".
UPDATE_ANSWERS = ("body", "204", "empty", "null")
# How `GET /org/` may nest spaces (`list_org_spaces`): all of them, none (no `spaces` key), or
# only the first of each org.
ORG_SPACE_SHAPES = ("all", "none", "partial")


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
        # API requests being handled now (received, not yet answered); see `wait_idle`.
        self._handling = 0
        self._idle = threading.Condition(self._lock)
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
        # Seconds between two bytes of a trickled response, and how many responses to trickle.
        self.trickle_interval = 0.0
        self.trickle_remaining: int | None = None
        # Moves on every stop: responses still trickling then send the rest at once.
        self.trickle_epoch = 0
        self.malformed: dict[int, str] = {}
        # Failure shapes real servers produce (see the switches below).
        self.token_v2_available = True
        self.update_answer = "body"
        self.org_spaces = "all"

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

    def handling_started(self) -> None:
        with self._lock:
            self._handling += 1

    def handling_ended(self) -> None:
        with self._lock:
            self._handling -= 1
            if self._handling == 0:
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Wait until no API request is being handled (each one received has been applied
        and logged); False if that took longer than `timeout` seconds. A test calls it after
        its client gave up on requests still in the sandbox (a timeout, a killed process)."""
        with self._lock:
            return self._idle.wait_for(lambda: self._handling == 0, timeout)

    def wait_settled(self, quiet: float = 0.3, timeout: float = 60.0) -> None:
        """Wait until a killed client's last requests have landed: no request being handled
        and none arriving for `quiet` seconds (longer than any latency the caller set, so a
        request already on the wire has been received). Raises TimeoutError after `timeout`."""
        deadline = time.monotonic() + timeout
        seen = -1
        while seen != len(self.requests()):
            left = deadline - time.monotonic()
            if left <= 0 or not self.wait_idle(left):
                raise TimeoutError("the sandbox is still handling a request")
            seen = len(self.requests())
            time.sleep(quiet)

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

    def start_trickle(self, byte_interval: float, count: int | None = None) -> None:
        """The next `count` API responses (or all until stopped) send their body one byte
        every `byte_interval` seconds: a server that answers, but too slowly to wait for."""
        with self._lock:
            self.trickle_interval = max(0.0, float(byte_interval))
            self.trickle_remaining = count

    def stop_trickle(self) -> None:
        with self._lock:
            self.trickle_interval = 0.0
            self.trickle_remaining = None
            self.trickle_epoch += 1

    def take_trickle(self) -> float | None:
        """The byte interval for the response about to be sent, or None to send it at once."""
        with self._lock:
            if self.trickle_interval <= 0:
                return None
            interval = self.trickle_interval
            if self.trickle_remaining is not None:
                self.trickle_remaining -= 1
                if self.trickle_remaining <= 0:
                    self.trickle_interval = 0.0
                    self.trickle_remaining = None
            return interval

    def serve_malformed(self, kinds: dict[int, str]) -> None:
        """Filter pages show these items (item id -> one of MALFORMED_KINDS) spoiled that way."""
        unknown = set(kinds.values()) - set(MALFORMED_KINDS)
        if unknown:
            raise ValueError(f"unknown malformed kinds: {sorted(unknown)}")
        with self._lock:
            self.malformed = {int(item_id): kind for item_id, kind in kinds.items()}

    def malform_page(self, text: str) -> str:
        """A filter page's JSON text with the items chosen by `serve_malformed` spoiled."""
        with self._lock:
            malformed = dict(self.malformed)
        if not malformed:
            return text
        page = json.loads(text)
        items: list[dict[str, Any]] = []
        deep = False
        for item in page.get("items", []):
            kind = malformed.get(item.get("item_id"))
            items.append(item)
            if kind == "duplicate":
                items.append(json.loads(json.dumps(item)))
            elif kind is not None:
                deep |= kind == "deep_nesting"
                _spoil(item, kind)
        page["items"] = items
        # ASCII escapes: a lone surrogate is valid JSON text only as "\ud800".
        spoiled = json.dumps(page, separators=(",", ":"), ensure_ascii=True)
        if deep:
            spoiled = spoiled.replace(f'"{_DEEP_MARK}"', "[" * 5000 + "]" * 5000)
        return spoiled

    # ------------------------------------------------------------------ answer shapes

    def set_token_v2(self, available: bool) -> None:
        """Without v2, `POST /oauth/token/v2` answers 404 "No matching operation", as a server
        that only has the form-encoded endpoint would."""
        self.token_v2_available = bool(available)

    def answer_updates_with(self, shape: str) -> None:
        """How a successful `PUT /item/{id}` (and its `/value` forms) answers: one of
        UPDATE_ANSWERS."""
        if shape not in UPDATE_ANSWERS:
            raise ValueError(f"unknown update answer {shape!r}; one of {UPDATE_ANSWERS}")
        self.update_answer = shape

    def list_org_spaces(self, shape: str) -> None:
        """How `GET /org/` nests each org's spaces: one of ORG_SPACE_SHAPES."""
        if shape not in ORG_SPACE_SHAPES:
            raise ValueError(f"unknown org space shape {shape!r}; one of {ORG_SPACE_SHAPES}")
        self.org_spaces = shape

    def reshape(self, operation: str, status: int, body: Any) -> tuple[int, Any, bytes | None]:
        """A successful answer as the switches above shape it: (status, body, raw bytes to send
        instead of the body, or None)."""
        if status != 200:
            return status, body, None
        if operation == "item.update" and self.update_answer != "body":
            if self.update_answer == "204":
                return 204, None, b""
            return 200, None, b"" if self.update_answer == "empty" else b"null"
        if operation == "org.list" and self.org_spaces != "all" and isinstance(body, list):
            orgs = [dict(org) for org in body if isinstance(org, dict)]
            for org in orgs:
                if self.org_spaces == "none":
                    org.pop("spaces", None)
                else:
                    org["spaces"] = list(org.get("spaces") or [])[:1]
            return status, orgs, None
        return status, body, None

    def reset_faults(self) -> None:
        self.set_token_v2(True)
        self.answer_updates_with("body")
        self.list_org_spaces("all")
        self.set_latency(0.0)
        self.set_error_rate(0.0)
        self.set_drop_rate(0.0)
        self.stop_rate_limit_storm()
        self.stop_trickle()
        with self._lock:
            self.malformed = {}

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

    def live_items(self, app_id: int) -> list[dict[str, int]]:
        """The app's live items, `{"item_id", "revision"}` each, by id: what a sync must copy."""
        with self._state.lock:
            items = self._state.items
            return [
                {"item_id": item_id, "revision": items[item_id].revision}
                for item_id in sorted(self._state.live_items(app_id))
            ]

    def revoke_refresh_tokens(self) -> None:
        """Every sign-in ends: access tokens expire and refreshing them is refused
        (`invalid_grant`), as when the user revokes the app's access in Podio."""
        with self._state.lock:
            self._state.refresh_grants.clear()
            self._state.expire_all_tokens()

    def stamp_last_edit(self, item_id: int, when: str) -> None:
        """Record an edit of the item (no value changed) at `when` ("2999-01-01 00:00:00",
        UTC): a server whose clock, or a record of which, is wrong."""
        with self._state.lock:
            state = self._state
            item = state.items[item_id]
            item.revision += 1
            revision = Revision(
                revision=item.revision,
                item_revision_id=state.new_revision_id(),
                created_on=when,
                created_by=item.last_edit_by,
                type="update",
            )
            item.history.append(revision)
            item.current_revision_id = revision.item_revision_id
            item.last_edit_on = when
            state.invalidate(item)
            state.dirty_items.add(item_id)

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


def _spoil(item: dict[str, Any], kind: str) -> None:
    if kind == "fields_object":
        item["fields"] = {str(f.get("field_id")): f for f in item.get("fields") or []}
    elif kind == "revision_string":
        item["revision"] = str(item.get("revision"))
        if isinstance(item.get("current_revision"), dict):
            item["current_revision"]["revision"] = str(item["current_revision"].get("revision"))
    elif kind == "created_on_missing":
        item.pop("created_on", None)
    elif kind == "item_id_string":
        item["item_id"] = str(item["item_id"])
    elif kind == "null_tag":
        item["tags"] = [None]
    elif kind == "huge_id":
        item["app_item_id"] = 2**64 + 1
    elif kind == "lone_surrogate":
        item["title"] = f"{item.get('title') or ''}\ud800"
    elif kind == "deep_nesting":
        fields = item.get("fields") or []
        if fields:
            fields[0]["values"] = [{"value": _DEEP_MARK}]
        else:
            item["fields"] = [{"values": [{"value": _DEEP_MARK}]}]
