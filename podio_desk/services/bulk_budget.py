"""The rate budget a bulk job's writes count against, as the client knows it now.

Item writes are paced in the class Podio's answers put them in (`api/rateclass.py`: learned
per account, else the seed table, which puts writes in the heavy class), so the preview's
cost and the running job's ETA are computed from that class's budget, not the general one.
A window whose hour is over counts as full again (its budget is no longer what was last
seen). See docs/architecture.md, "Bulk edit".
"""

from __future__ import annotations

import time

from podio_desk.api.client import PodioClient
from podio_desk.api.ratelimit import RateClass
from podio_desk.domain.bulk import Budget

# The operation a bulk job sends once per changed item (one number replaced, as the class book
# keys operations).
ITEM_WRITE = ("PUT", "/item/0")
WINDOW_SECONDS = 3600.0


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
