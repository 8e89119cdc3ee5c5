"""Which rate class each operation counts against: seeded from one table, then learned.

The API facts: docs/podio-api.md, Rate limits (420/429, headers).

Podio counts "Rate limited" operations at 250 calls an hour and the rest at 1 000, and says in
each answer's ``X-Rate-Limit-Limit`` which ceiling that call counted against. Which operations
are in the small class is UNCONFIRMED, so the client starts from the table in
``ratelimit.classify`` (reads general, the documented heavy reads heavy, every other write heavy
until an answer says otherwise) and learns each operation's class from its answers. What was
learned is remembered per account (the account's settings, ``services/accounts.py``), so a
gateway that strips the headers still paces by what Podio said before.

An operation is its method and its path with every number replaced: ``PUT /item/{id}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from podio_desk.api.events import EventHub
from podio_desk.api.ratelimit import RateClass, classify

# A limit at most this is the small class even before a larger one was seen (Podio's default
# heavy ceiling; docs/podio-api.md, Rate limits).
HEAVY_LIMIT_CEILING = 250

_NUMBER = re.compile(r"(?<=/)\d+(?=/|$)")


def operation_key(method: str, path: str) -> str:
    """``PUT /item/{id}`` for ``PUT /item/123?silent=1``."""
    bare = path.split("?", 1)[0]
    return f"{method.upper()} {_NUMBER.sub('{id}', bare)}"


@dataclass(frozen=True)
class RateClassLearned:
    """An operation's class as an answer showed it (to remember in the account's settings)."""

    operation: str
    rate_class: RateClass


class RateClassBook:
    """Operation -> rate class for one account: learned answers first, then the seed table."""

    def __init__(self, learned: Mapping[str, str] | None = None) -> None:
        self._learned: dict[str, RateClass] = {}
        self._largest_limit = 0
        self.events: EventHub[RateClassLearned] = EventHub()
        self.load(learned or {})

    def load(self, learned: Mapping[str, str]) -> None:
        """Adopt classes remembered from an earlier run (unknown values are skipped)."""
        for operation, value in learned.items():
            try:
                self._learned[str(operation)] = RateClass(value)
            except ValueError:
                continue

    def learned(self) -> dict[str, str]:
        return {operation: klass.value for operation, klass in sorted(self._learned.items())}

    def classify(self, method: str, path: str, declared: RateClass | None = None) -> RateClass:
        """The class to pace a request by: what its answers said, else what the caller
        declared, else the seed table."""
        known = self._learned.get(operation_key(method, path))
        if known is not None:
            return known
        return declared or classify(method, path)

    def learn(self, method: str, path: str, limit: int) -> RateClass:
        """Record the ``X-Rate-Limit-Limit`` an answer to this operation carried.

        UNCONFIRMED (docs/podio-api.md, Rate limits): a limit of at most 250, or below a
        larger one this account has seen, is the heavy class; otherwise general.
        """
        self._largest_limit = max(self._largest_limit, limit)
        heavy = limit <= HEAVY_LIMIT_CEILING or limit < self._largest_limit
        klass = RateClass.HEAVY if heavy else RateClass.GENERAL
        operation = operation_key(method, path)
        if self._learned.get(operation) is not klass:
            self._learned[operation] = klass
            self.events.emit(RateClassLearned(operation, klass))
        return klass
