"""Podio web links (what a browser's address bar shows) read into a pure value.

The forms accepted (see docs/podio-api.md, "Web links"):

- ``https://podio.com/{org}/{space}/apps/{app}`` — an app;
- ``https://podio.com/{org}/{space}/apps/{app}/items/{app_item_id}`` — an item, by its number
  within the app (the ``link`` that GET /item and GET /app answer has this form);
- ``https://{org}.podio.com/{space}/apps/{app}[/items/{app_item_id}]`` — the same with the
  organization as a sub-domain (older spaces' ``url`` has that form).

Any of these may come wrapped in Podio Desk's own scheme, ``podio-desk:https://podio.com/…``
(the address as is, or percent-encoded): that is what the bookmarklet of the opt-in link
registration sends (docs/architecture.md, "Podio links").

UNCONFIRMED: other forms (``…/item/{item_id}`` permalinks, links to a space, a task or a
profile) are not known from any recorded answer, so they are refused with a sentence saying so
rather than guessed. A query string or fragment is ignored; ``www.podio.com`` is
``podio.com``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

PODIO_HOST = "podio.com"
# Podio Desk's own URL scheme: a Podio address after it is opened here.
APP_SCHEME = "podio-desk"
# Sub-domains of podio.com that are Podio's own services, not an organization.
SERVICE_HOSTS = frozenset({"api", "files", "developers", "help", "status", "blog", "download"})
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")
_NUMBER = re.compile(r"[0-9]{1,18}")


class PodioLinkError(ValueError):
    """The text is not a link to a Podio app or item; the message says why in one sentence."""


@dataclass(frozen=True)
class PodioLink:
    """A link to an app (`app_item_id` None) or to one item of it.

    `space_url` is the space's address as GET /space/url expects it; the labels are the
    url_labels of the organization, space and app, as written in the link.
    """

    org_label: str
    space_label: str
    app_label: str
    app_item_id: int | None
    space_url: str
    text: str

    @property
    def is_item(self) -> bool:
        return self.app_item_id is not None


def looks_like_web_link(text: str) -> bool:
    """True for text that starts like an address with a scheme (``https://…``)."""
    return "://" in text.strip()[:16]


def parse_podio_link(text: str) -> PodioLink:
    """The Podio app or item that `text` links to; raises PodioLinkError otherwise."""
    stripped = unwrap_app_scheme(text.strip())
    if not looks_like_web_link(stripped):
        raise PodioLinkError(f"“{_short(stripped)}” is not a web link.")
    try:
        parts = urlsplit(stripped)
        port = parts.port
    except ValueError as error:
        raise PodioLinkError(f"“{_short(stripped)}” is not a valid web link.") from error
    if parts.scheme.lower() not in ("http", "https"):
        raise PodioLinkError(f"“{_short(stripped)}” is not a web link (http or https).")
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.username is not None or parts.password is not None or port not in (None, 80, 443):
        raise PodioLinkError(f"“{_short(stripped)}” is not a Podio link.")
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    if host in (PODIO_HOST, f"www.{PODIO_HOST}"):
        if len(segments) < 2:
            raise PodioLinkError(f"“{_short(stripped)}” links to no app or item in Podio.")
        org, space, rest = segments[0], segments[1], segments[2:]
        space_url = f"https://{PODIO_HOST}/{org}/{space}"
    elif host.endswith(f".{PODIO_HOST}") and host.count(".") == 2:
        org = host.split(".", 1)[0]
        if org in SERVICE_HOSTS or not segments:
            raise PodioLinkError(f"“{_short(stripped)}” links to no app or item in Podio.")
        space, rest = segments[0], segments[1:]
        space_url = f"https://{host}/{space}"
    else:
        raise PodioLinkError(f"“{_short(stripped)}” is not a Podio link.")
    if len(rest) not in (2, 4) or rest[0] != "apps" or (len(rest) == 4 and rest[2] != "items"):
        raise PodioLinkError(
            f"“{_short(stripped)}” is a Podio link, but not to an app or an item; "
            "Podio Desk opens links to apps and items."
        )
    app = rest[1]
    if not all(_LABEL.fullmatch(label) for label in (org, space, app)):
        raise PodioLinkError(f"“{_short(stripped)}” is not a Podio link.")
    app_item_id: int | None = None
    if len(rest) == 4:
        if not _NUMBER.fullmatch(rest[3]) or int(rest[3]) == 0:
            raise PodioLinkError(f"“{_short(stripped)}” names no item number.")
        app_item_id = int(rest[3])
    return PodioLink(
        org_label=org,
        space_label=space,
        app_label=app,
        app_item_id=app_item_id,
        space_url=space_url,
        text=stripped,
    )


def unwrap_app_scheme(text: str) -> str:
    """The address inside ``podio-desk:ADDRESS`` (percent-encoded or not; some launchers
    add ``//`` after the scheme); any other text as it is."""
    prefix = f"{APP_SCHEME}:"
    if text[: len(prefix)].lower() != prefix:
        return text
    inner = text[len(prefix) :]
    if inner.startswith("//http"):
        inner = inner[2:]
    if inner[:8].lower() in ("http%3a%", "https%3a"):
        inner = unquote(inner)
    return inner


def same_label(left: str, right: str) -> bool:
    """url_labels compare without regard to case (Podio writes them in lower case)."""
    return bool(left) and left.casefold() == right.casefold()


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
