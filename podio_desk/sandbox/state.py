"""The sandbox's in-memory Podio: records, rendering into Podio's JSON, writes, filters, tokens.

One re-entrant lock guards everything; the HTTP layer holds it for the duration of a request's
work (never while sleeping for injected latency).
"""

from __future__ import annotations

from podio_desk.sandbox.tokens import TokenGrants
from podio_desk.sandbox.writes import ItemWrites


class State(ItemWrites, TokenGrants):
    """Every record of the sandbox plus the operations the HTTP layer exposes.

    The parts, by what they do: records.py (the records, lookups, new ids), rendering.py
    (Podio's JSON), inputs.py (field input), queries.py (filters, sort orders, caches),
    writes.py (item writes and revisions), tokens.py (OAuth tokens).
    """
