"""Whose rate limit a wait is for, in the words the user sees."""

from __future__ import annotations

PODIO_RATE_LIMIT = "Podio's rate limit"
GATEWAY_RATE_LIMIT = "the gateway's rate limit"


def rate_limit_name(through_gateway: bool) -> str:
    """A gateway account's waits come from the gateway's own limit (or Podio's behind it,
    which the gateway passes on as its own answer), so they are named after the gateway."""
    return GATEWAY_RATE_LIMIT if through_gateway else PODIO_RATE_LIMIT
