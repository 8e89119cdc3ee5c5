"""The API address of an account: checked once, before any request is made to it.

Podio's API is `https://api.podio.com` (docs/podio-api.md). Any other address must be https
too, so that passwords and tokens never cross a network in clear text; plain http is only
accepted for this machine (the sandbox listens on 127.0.0.1).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from podio_desk.api.errors import BadApiAddress

_EXAMPLE = "such as https://api.podio.com"


def check_api_url(text: str) -> str:
    """`text` as a usable API address (no trailing slash), or BadApiAddress saying why not."""
    address = text.strip()
    if not address:
        raise BadApiAddress(f"The API address is empty; give a full address {_EXAMPLE}.")
    if any(char.isspace() for char in address):
        raise BadApiAddress(f"The API address {address!r} contains spaces; give one {_EXAMPLE}.")
    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError as error:
        raise BadApiAddress(
            f"The API address {address!r} is not a valid address ({error}); give one {_EXAMPLE}."
        ) from error
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise BadApiAddress(
            f"The API address {address!r} is not a web address; give one {_EXAMPLE}."
        )
    if port == 0:
        raise BadApiAddress(f"The API address {address!r} has port 0; use a port from 1 to 65535.")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise BadApiAddress(
            f"The API address {address!r} has parts an API address cannot have (a query, a "
            f"fragment or a user name); give one {_EXAMPLE}."
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise BadApiAddress(
            f"The API address {address!r} is not encrypted; use https:// (plain http is only "
            "accepted for this machine, such as the sandbox on 127.0.0.1)."
        )
    return address.rstrip("/")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
