"""Which app and item of one account a Podio link names: the cache first, then Podio.

A link names the organization, space and app by their url_labels and the item by its number
within the app (domain/links.py). The cache keeps the url_labels of orgs, spaces and the apps
of every space the tree has shown, and each item's number, so a link to something seen before
opens without a call, offline too. Otherwise Podio is asked: GET /space/url for the space,
GET /app/space/{space_id}/ for its apps, GET /app/{app_id}/item/{app_item_id} for the item
(docs/podio-api.md, Web links).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from podio_desk.api.client import PodioClient
from podio_desk.api.errors import Forbidden, NotFound
from podio_desk.cache.cache import Cache
from podio_desk.cache.query import ItemQuery, RangeFilter
from podio_desk.domain.links import PodioLink, same_label
from podio_desk.domain.workspace import App
from podio_desk.services.connectivity import is_offline_error
from podio_desk.services.queries import QueryService

T = TypeVar("T")
Call = Callable[[Awaitable[Any]], Awaitable[Any]]


@dataclass(frozen=True)
class LinkTarget:
    """The app a link names, and its item (None for a link to the app)."""

    app_id: int
    app_name: str
    item_id: int | None
    item_name: str
    app_item_id: int | None = None


class LinkNotOpenedError(Exception):
    """The link's app is this account's but it cannot be opened; `user_message` says why."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class LinkResolver:
    """Finds a link's app and item within one account (see the module docstring)."""

    def __init__(
        self, client: PodioClient, cache: Cache, queries: QueryService, call: Call
    ) -> None:
        self._client = client
        self._cache = cache
        self._queries = queries
        self._call = call

    async def find(self, link: PodioLink, *, cache_only: bool = False) -> LinkTarget | None:
        """The link's target, or None when the link's space or app is not this account's
        (with `cache_only`: when the cache alone cannot name the app and item).

        Raises LinkNotOpenedError when the app is found but its item is not (deleted, or
        offline and never cached), or when Podio cannot be reached and the cache does not
        know the link.
        """
        app = await self._cached_app(link)
        if app is None:
            if cache_only:
                return None
            try:
                app = await self._podio_app(link)
            except Exception as error:
                if is_offline_error(error):
                    raise LinkNotOpenedError(
                        "Podio cannot be reached and the local cache does not know this link's app."
                    ) from error
                raise
            if app is None:
                return None
        if link.app_item_id is None:
            return LinkTarget(app.app_id, app.name, None, "")
        item_id = await self._cached_item_id(app.app_id, link.app_item_id)
        item_name = app.item_name or "item"
        if item_id is None:
            if cache_only:
                return None
            item_id = await self._podio_item_id(app, link.app_item_id)
        return LinkTarget(app.app_id, app.name, item_id, item_name, link.app_item_id)

    async def _cached_app(self, link: PodioLink) -> App | None:
        for org in await self._queries.orgs():
            if not same_label(org.url_label, link.org_label):
                continue
            for space in org.spaces:
                if same_label(space.url_label, link.space_label):
                    return _app_labelled(await self._queries.apps(space.space_id), link)
        return None

    async def _podio_app(self, link: PodioLink) -> App | None:
        try:
            space = await self._call(self._client.space_by_url(link.space_url))
            apps = await self._call(self._client.apps(space.space_id))
        except (NotFound, Forbidden):
            return None
        return _app_labelled(apps, link)

    async def _cached_item_id(self, app_id: int, app_item_id: int) -> int | None:
        query = ItemQuery(app_id, filters=(RangeFilter("app_item_id", app_item_id, app_item_id),))
        ids = await self._cache.items.page_ids(query, 0, 1)
        return ids[0] if ids else None

    async def _podio_item_id(self, app: App, app_item_id: int) -> int:
        item_name = app.item_name or "item"
        try:
            item = await self._call(self._client.item_by_app_item_id(app.app_id, app_item_id))
        except (NotFound, Forbidden) as error:
            raise LinkNotOpenedError(
                f"{app.name} has no {item_name} number {app_item_id} that you can see "
                "(it may have been deleted)."
            ) from error
        except Exception as error:
            if is_offline_error(error):
                raise LinkNotOpenedError(
                    f"Podio cannot be reached and the local cache has no {item_name} number "
                    f"{app_item_id} of {app.name}."
                ) from error
            raise
        item_id: int = item.item_id
        return item_id


def _app_labelled(apps: Any, link: PodioLink) -> App | None:
    for app in apps:
        if isinstance(app, App) and same_label(app.url_label, link.app_label):
            return app
    return None
