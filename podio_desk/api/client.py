"""``PodioClient``: one account's typed door to Podio, returning domain objects.

The endpoints and their shapes: docs/podio-api.md.

Each method declares its rate class (filter, search and bulk delete are HEAVY, the rest
GENERAL; ``ratelimit.classify`` holds the same list for raw requests) and takes a
``priority``: the default is INTERACTIVE (the visible page, a save); background sync and bulk
jobs pass ``Priority.BACKGROUND`` / ``Priority.USER_JOB``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dt_time
from typing import Any, TypeVar

from podio_desk.api.auth import ClientCredentials, GatewaySession, OAuth, Session
from podio_desk.api.errors import (
    Forbidden,
    NotFound,
    Offline,
    PodioError,
    UnexpectedResponse,
    WriteOutcomeUnknown,
)
from podio_desk.api.events import EventHub
from podio_desk.api.filter_response import parse_filter_response, read_item
from podio_desk.api.rateclass import RateClassLearned
from podio_desk.api.ratelimit import Priority, RateClass, RateLimitScheduler
from podio_desk.api.redact import get_logger
from podio_desk.api.transport import Response, Transport, TransportConfig
from podio_desk.domain.errors import DomainError
from podio_desk.domain.fields import ContactRef, to_input
from podio_desk.domain.items import (
    Comment,
    FileInfo,
    Item,
    ItemPage,
    Revision,
    RevisionDiff,
    Task,
    revision_diffs_from_api,
)
from podio_desk.domain.tasks import Hook
from podio_desk.domain.workspace import App, Org, Space, View, orgs_from_api

log = get_logger(__name__)

T = TypeVar("T")

# UNCONFIRMED (docs/podio-api.md, Page size): no official page states the filter maximum; 500
# is what real-world clients page by, so it is our cap.
MAX_FILTER_LIMIT = 500
# Search answers at most 20 hits per call (docs/podio-api.md, Search).
MAX_SEARCH_LIMIT = 20


@dataclass(frozen=True)
class SearchHit:
    """One search result: no field values, just what identifies the hit.

    See docs/podio-api.md, Search.
    """

    type: str
    id: int
    title: str
    link: str | None = None
    rank: int | None = None
    app_id: int | None = None


@dataclass(frozen=True)
class ReferenceCandidate:
    """An item that a relationship field may point to (``/item/field/{id}/find``)."""

    item_id: int
    title: str
    app_id: int | None = None
    link: str | None = None


@dataclass(frozen=True)
class BulkDeleteResult:
    deleted: tuple[int, ...]
    pending: tuple[int, ...]


@dataclass(frozen=True)
class Embed:
    embed_id: int
    url: str
    title: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class TokenEndpointLearned:
    """The token endpoint that answered ("v2" or "form"), to remember in the account."""

    endpoint: str


# What a client learns about its server that the account's settings keep for the next run.
ClientLearned = TokenEndpointLearned | RateClassLearned


@dataclass(frozen=True)
class UpdateOutcome:
    """Result of :meth:`PodioClient.update_item_safely`."""

    # None when Podio answered without one (no body, 204 or `null`: a success all the same).
    revision: int | None
    # True when the connection dropped and the item was re-read to confirm the write landed.
    confirmed_after_unknown: bool = False
    # True when the first attempt did not land and the update was sent a second time.
    resent: bool = False


def _parse(what: str, build: Callable[[], T]) -> T:
    try:
        return build()
    except (DomainError, KeyError, TypeError, ValueError) as exc:
        raise UnexpectedResponse(f"Podio sent an unreadable {what}: {exc}") from exc


def _int_field(data: Any, key: str, what: str) -> int:
    if not isinstance(data, Mapping) or key not in data:
        raise UnexpectedResponse(f"Podio's answer to {what} had no {key}.")
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise UnexpectedResponse(f"Podio's answer to {what} had a bad {key}: {value!r:.40}")
    try:
        return int(value)
    except ValueError as exc:
        raise UnexpectedResponse(f"Podio's answer to {what} had a bad {key}.") from exc


def _write_flags(silent: bool, hook: bool) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if silent:
        params["silent"] = True
    if not hook:
        params["hook"] = False
    return params


class PodioClient:
    """Everything one account does with Podio. Use as ``async with`` or call :meth:`aclose`."""

    def __init__(
        self,
        credentials: ClientCredentials,
        *,
        base_url: str | None = None,
        config: TransportConfig | None = None,
        scheduler: RateLimitScheduler | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        token_endpoint: str | None = None,
    ) -> None:
        if config is None:
            config = TransportConfig(base_url=base_url) if base_url else TransportConfig()
        elif base_url:
            config = dataclasses.replace(config, base_url=base_url)
        self.scheduler = scheduler or RateLimitScheduler()
        self.transport = Transport(config, scheduler=self.scheduler, sleep=sleep)
        self.learned: EventHub[ClientLearned] = EventHub()
        self.oauth = OAuth(
            self.transport,
            credentials,
            clock=clock,
            token_endpoint=token_endpoint,
            on_token_endpoint=lambda endpoint: self.learned.emit(TokenEndpointLearned(endpoint)),
        )
        self.session: Session = Session(self.oauth, clock=clock)
        self.transport.auth = self.session
        self.transport.rate_classes.events.subscribe(self.learned.emit)

    @classmethod
    def for_gateway(
        cls,
        api_key: str,
        *,
        headers: Mapping[str, str] | None = None,
        base_url: str | None = None,
        config: TransportConfig | None = None,
        scheduler: RateLimitScheduler | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> PodioClient:
        """A client for an API gateway in front of Podio: the base URL keeps its path prefix
        (``https://gateway/podio``), and every request carries ``Authorization: Bearer <key>``
        and the extra ``headers`` instead of an OAuth token."""
        client = cls(
            ClientCredentials("", ""), base_url=base_url, config=config, scheduler=scheduler,
            sleep=sleep,
        )  # fmt: skip
        client.session = GatewaySession(client.oauth, api_key, dict(headers or {}))
        client.transport.auth = client.session
        return client

    @property
    def is_gateway(self) -> bool:
        return isinstance(self.session, GatewaySession)

    def adopt_settings(
        self,
        *,
        token_endpoint: str | None = None,
        rate_classes: Mapping[str, str] | None = None,
        budget: tuple[int, int] | None = None,
    ) -> None:
        """What the account remembered from earlier runs, and its configured rate budget."""
        if token_endpoint is not None:
            self.oauth.token_endpoint = token_endpoint
        if rate_classes:
            self.transport.rate_classes.load(rate_classes)
        if budget is not None:
            self.scheduler.set_budget(*budget)

    @property
    def base_url(self) -> str:
        return self.transport.base_url

    def server_now(self) -> datetime | None:
        """Podio's clock now, from its latest answer's `Date` (see `Transport.server_now`)."""
        return self.transport.server_now()

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def __aenter__(self) -> PodioClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _json(
        self,
        method: str,
        path: str,
        *,
        priority: Priority,
        rate_class: RateClass | None = None,
        idempotent: bool | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
    ) -> Any:
        response = await self.transport.request(
            method, path, params=params, json=json, data=data, files=files,
            priority=priority, rate_class=rate_class, idempotent=idempotent,
        )  # fmt: skip
        try:
            return response.json()
        except ValueError as exc:
            raise UnexpectedResponse(method=method, path=path) from exc

    # ------------------------------------------------------------------ account

    async def scope(self, *, priority: Priority = Priority.INTERACTIVE) -> list[dict[str, Any]]:
        """``GET /oauth/scope``: what the token may reach (works for user and app tokens)."""
        data = await self._json("GET", "/oauth/scope", priority=priority)
        return [dict(entry) for entry in data] if isinstance(data, list) else []

    # ------------------------------------------------------------------ workspace

    async def orgs(self, *, priority: Priority = Priority.INTERACTIVE) -> tuple[Org, ...]:
        """``GET /org/``, each org's spaces completed by ``GET /space/org/{org_id}/``.

        UNCONFIRMED (docs/podio-api.md, Orgs, spaces, apps): whether the org list always nests
        every space. It may come without them or with a part, and an org must never show as
        empty without having asked, so each org's own list is read (one call per org) and
        merged with the nested one.
        """
        data = await self._json("GET", "/org/", priority=priority)
        orgs = _parse("organization list", lambda: orgs_from_api(data))
        listed = await asyncio.gather(
            *(self._org_spaces(org, priority) for org in orgs), return_exceptions=True
        )
        complete: list[Org] = []
        for org, spaces in zip(orgs, listed, strict=True):
            if isinstance(spaces, BaseException):
                if not isinstance(spaces, NotFound | Forbidden):
                    raise spaces
                # Not allowed to list them this way: what /org/ nested is all we have.
                complete.append(org)
                continue
            known = {space.space_id for space in spaces}
            merged = (*spaces, *(space for space in org.spaces if space.space_id not in known))
            complete.append(dataclasses.replace(org, spaces=merged))
        return tuple(complete)

    async def _org_spaces(self, org: Org, priority: Priority) -> tuple[Space, ...]:
        data = await self._json("GET", f"/space/org/{org.org_id}/", priority=priority)
        return _parse(
            "workspace list", lambda: tuple(Space.from_api(entry, org.org_id) for entry in data)
        )

    async def spaces(
        self, org_id: int, *, priority: Priority = Priority.INTERACTIVE
    ) -> tuple[Space, ...]:
        data = await self._json("GET", f"/org/{org_id}/space/", priority=priority)
        return _parse(
            "workspace list", lambda: tuple(Space.from_api(entry, org_id) for entry in data)
        )

    async def space_by_url(self, url: str, *, priority: Priority = Priority.INTERACTIVE) -> Space:
        """``GET /space/url?url=``: the space at a web address (docs/podio-api.md, Web links)."""
        data = await self._json("GET", "/space/url", priority=priority, params={"url": url})
        return _parse("workspace", lambda: Space.from_api(data))

    async def apps(
        self,
        space_id: int,
        *,
        include_inactive: bool = False,
        priority: Priority = Priority.INTERACTIVE,
    ) -> tuple[App, ...]:
        params = {"include_inactive": True} if include_inactive else None
        data = await self._json("GET", f"/app/space/{space_id}/", priority=priority, params=params)
        return _parse("app list", lambda: tuple(App.from_api(entry) for entry in data))

    async def user_timezone(self, *, priority: Priority = Priority.INTERACTIVE) -> str | None:
        """``GET /user/``: the signed-in user's time zone ("Europe/Copenhagen"), the zone
        Podio's local date values are in; None when the answer names none."""
        data = await self._json("GET", "/user/", priority=priority)
        zone = data.get("timezone") if isinstance(data, dict) else None
        return zone if isinstance(zone, str) and zone else None

    async def app(self, app_id: int, *, priority: Priority = Priority.INTERACTIVE) -> App:
        data = await self._json("GET", f"/app/{app_id}", priority=priority)
        return _parse("app", lambda: App.from_api(data))

    async def views(
        self,
        app_id: int,
        *,
        include_standard_views: bool = False,
        priority: Priority = Priority.INTERACTIVE,
    ) -> tuple[View, ...]:
        params = {"include_standard_views": include_standard_views}
        data = await self._json("GET", f"/view/app/{app_id}/", priority=priority, params=params)
        return _parse("view list", lambda: tuple(View.from_api(entry) for entry in data))

    # ------------------------------------------------------------------ items: read

    async def item(
        self,
        item_id: int,
        *,
        app: App | None = None,
        mark_as_viewed: bool = False,
        priority: Priority = Priority.INTERACTIVE,
    ) -> Item:
        params = {"mark_as_viewed": mark_as_viewed}
        data = await self._json("GET", f"/item/{item_id}", priority=priority, params=params)
        return _parse("item", lambda: read_item(data, app))

    async def item_by_external_id(
        self,
        app_id: int,
        external_id: str,
        *,
        app: App | None = None,
        priority: Priority = Priority.INTERACTIVE,
    ) -> Item:
        """``GET /item/app/{app_id}/external_id/{external_id}``: the item with that id."""
        quoted = urllib.parse.quote(external_id, safe="")
        data = await self._json(
            "GET", f"/item/app/{app_id}/external_id/{quoted}", priority=priority
        )
        return _parse("item", lambda: Item.from_api(data, app))

    async def item_by_app_item_id(
        self,
        app_id: int,
        app_item_id: int,
        *,
        app: App | None = None,
        priority: Priority = Priority.INTERACTIVE,
    ) -> Item:
        """``GET /app/{app_id}/item/{app_item_id}``: an item by its number within the app."""
        data = await self._json("GET", f"/app/{app_id}/item/{app_item_id}", priority=priority)
        return _parse("item", lambda: Item.from_api(data, app))

    async def item_basic(
        self, item_id: int, *, app: App | None = None, priority: Priority = Priority.INTERACTIVE
    ) -> Item:
        data = await self._json("GET", f"/item/{item_id}/basic", priority=priority)
        return _parse("item", lambda: read_item(data, app))

    async def filter_items(
        self,
        app_id: int,
        *,
        filters: Mapping[str, Any] | None = None,
        sort_by: str | None = None,
        sort_desc: bool | None = None,
        offset: int = 0,
        limit: int = 30,
        view_id: int | None = None,
        app: App | None = None,
        priority: Priority = Priority.INTERACTIVE,
    ) -> ItemPage:
        """``POST /item/app/{app_id}/filter/`` (or ``…/filter/{view_id}/``): one page."""
        content = await self.filter_items_raw(
            app_id,
            filters=filters,
            sort_by=sort_by,
            sort_desc=sort_desc,
            offset=offset,
            limit=limit,
            view_id=view_id,
            priority=priority,
        )
        return parse_filter_response(content, offset, app=app, app_id=app_id)

    async def filter_items_raw(
        self,
        app_id: int,
        *,
        filters: Mapping[str, Any] | None = None,
        sort_by: str | None = None,
        sort_desc: bool | None = None,
        offset: int = 0,
        limit: int = 30,
        view_id: int | None = None,
        priority: Priority = Priority.INTERACTIVE,
    ) -> bytes:
        """The request of `filter_items`, answered unparsed: a 500-item page is megabytes of
        JSON, and callers on the UI loop read it elsewhere (a worker thread, a child process)
        with `api.filter_response.parse_filter_response`."""
        path, body = filter_request(app_id, filters, sort_by, sort_desc, offset, limit, view_id)
        response = await self.transport.request(
            "POST", path, json=body, priority=priority, idempotent=True, rate_class=RateClass.HEAVY
        )
        return response.content

    async def count_items(
        self, app_id: int, *, view_id: int | None = None, priority: Priority = Priority.INTERACTIVE
    ) -> int:
        params = {"view_id": view_id} if view_id is not None else None
        data = await self._json(
            "GET", f"/item/app/{app_id}/count", priority=priority, params=params
        )
        return _int_field(data, "count", "count items")

    async def search_app(
        self,
        app_id: int,
        query: str,
        *,
        limit: int = MAX_SEARCH_LIMIT,
        offset: int = 0,
        ref_type: str = "item",
        search_fields: Sequence[str] | None = None,
        priority: Priority = Priority.INTERACTIVE,
    ) -> tuple[SearchHit, ...]:
        body = {
            "query": query,
            "limit": min(limit, MAX_SEARCH_LIMIT),
            "offset": offset,
            "ref_type": ref_type,
        }
        params = {"search_fields": ",".join(search_fields)} if search_fields else None
        data = await self._json(
            "POST", f"/search/app/{app_id}/", priority=priority, json=body, params=params,
            rate_class=RateClass.HEAVY,
            idempotent=True,
        )  # fmt: skip
        return _parse("search result", lambda: tuple(_search_hit(hit) for hit in data))

    async def find_referenceable(
        self,
        field_id: int,
        text: str = "",
        *,
        limit: int = 13,
        priority: Priority = Priority.INTERACTIVE,
    ) -> tuple[ReferenceCandidate, ...]:
        """Items a relationship field may point to (``GET /item/field/{id}/find?text=``)."""
        data = await self._json(
            "GET",
            f"/item/field/{field_id}/find",
            priority=priority,
            params={"text": text, "limit": limit},
        )
        return _parse("reference list", lambda: tuple(_reference(entry) for entry in data))

    # ------------------------------------------------------------------ items: write

    async def create_item(
        self,
        app_id: int,
        fields: Mapping[str, Any],
        *,
        tags: Iterable[str] | None = None,
        external_id: str | None = None,
        file_ids: Iterable[int] | None = None,
        silent: bool = False,
        hook: bool = True,
        priority: Priority = Priority.INTERACTIVE,
    ) -> int:
        """``POST /item/app/{app_id}/``; ``fields`` in Podio input form. Returns the item id."""
        body: dict[str, Any] = {"fields": dict(fields)}
        if tags is not None:
            body["tags"] = list(tags)
        if external_id is not None:
            body["external_id"] = external_id
        if file_ids is not None:
            body["file_ids"] = list(file_ids)
        data = await self._json(
            "POST", f"/item/app/{app_id}/", priority=priority, json=body,
            params=_write_flags(silent, hook),
        )  # fmt: skip
        return _int_field(data, "item_id", "create item")

    async def update_item(
        self,
        item_id: int,
        fields: Mapping[str, Any] | None = None,
        *,
        revision: int | None = None,
        tags: Iterable[str] | None = None,
        file_ids: Iterable[int] | None = None,
        silent: bool = False,
        hook: bool = True,
        priority: Priority = Priority.INTERACTIVE,
    ) -> int | None:
        """``PUT /item/{id}``: only the given fields change. With ``revision``, a newer item
        raises :class:`Conflict` (409). Returns the new revision, or None when Podio answered
        without one (see :func:`_written_revision`)."""
        body = _update_body(fields, revision, tags, file_ids)
        data = await self._json(
            "PUT", f"/item/{item_id}", priority=priority, json=body,
            params=_write_flags(silent, hook),
        )  # fmt: skip
        return _written_revision(data, "update item")

    async def update_item_safely(
        self,
        item_id: int,
        fields: Mapping[str, Any],
        *,
        revision: int,
        tags: Iterable[str] | None = None,
        silent: bool = False,
        hook: bool = True,
        priority: Priority = Priority.INTERACTIVE,
        landed: Callable[[Item], bool] | None = None,
    ) -> UpdateOutcome:
        """Update with a revision check that survives a connection lost mid-write.

        If the answer to the PUT never arrives, the item is re-read: when its revision moved
        past ``revision`` and ``landed(item)`` agrees (default: the revision advanced by one
        and the latest revision is ours — Podio gives no write id, so callers that can
        compare values should pass ``landed``), the write counts as done. Otherwise the PUT
        is sent once more with the *original* revision, so if someone else's edit came in
        between, it shows up as a 409 :class:`Conflict` instead of being overwritten.
        """
        try:
            new_revision = await self.update_item(
                item_id, fields, revision=revision, tags=tags, silent=silent, hook=hook,
                priority=priority,
            )  # fmt: skip
            return UpdateOutcome(new_revision)
        except WriteOutcomeUnknown:
            log.warning("Update of item %s: no answer; checking whether it arrived", item_id)
        current = await self._reread_after_unknown(item_id, priority)
        if current.revision > revision:
            if landed is not None:
                matches = landed(current)
            else:
                matches = current.revision == revision + 1 and values_match(current, fields)
            if matches:
                log.info("Update of item %s had arrived (revision %s)", item_id, current.revision)
                return UpdateOutcome(current.revision, confirmed_after_unknown=True)
        # Not landed (or not provably ours): send once more with the original revision, so a
        # concurrent edit surfaces as a 409 Conflict rather than being overwritten.
        new_revision = await self.update_item(
            item_id, fields, revision=revision, tags=tags, silent=silent, hook=hook,
            priority=priority,
        )  # fmt: skip
        return UpdateOutcome(new_revision, resent=True)

    async def _reread_after_unknown(self, item_id: int, priority: Priority) -> Item:
        last: PodioError | None = None
        for _ in range(3):
            try:
                return await self.item_basic(item_id, priority=priority)
            except Offline as exc:  # reads already retry; give it a few more chances
                last = exc
        assert last is not None
        raise last

    async def delete_item(
        self,
        item_id: int,
        *,
        silent: bool = False,
        hook: bool = True,
        priority: Priority = Priority.INTERACTIVE,
    ) -> None:
        await self.transport.request(
            "DELETE", f"/item/{item_id}", params=_write_flags(silent, hook), priority=priority
        )

    async def clone_item(
        self,
        item_id: int,
        *,
        silent: bool = False,
        hook: bool = True,
        priority: Priority = Priority.INTERACTIVE,
    ) -> int:
        """``POST /item/{id}/clone``: a copy with the same values and tags.

        See docs/podio-api.md, Writing items.

        Returns the new item's id. Not retried when the answer is lost (a second call would
        make a second copy): that surfaces as :class:`WriteOutcomeUnknown`.
        """
        data = await self._json(
            "POST", f"/item/{item_id}/clone", priority=priority,
            params=_write_flags(silent, hook),
        )  # fmt: skip
        return _int_field(data, "item_id", "clone item")

    async def bulk_delete(
        self,
        app_id: int,
        item_ids: Iterable[int],
        *,
        silent: bool = False,
        priority: Priority = Priority.USER_JOB,
    ) -> BulkDeleteResult:
        body = {"item_ids": list(item_ids)}
        data = await self._json(
            "POST", f"/item/app/{app_id}/delete", priority=priority, json=body,
            rate_class=RateClass.HEAVY,
            params=_write_flags(silent, True),
        )  # fmt: skip

        def build() -> BulkDeleteResult:
            deleted = data.get("deleted") or [] if isinstance(data, Mapping) else []
            pending = data.get("pending") or [] if isinstance(data, Mapping) else []
            return BulkDeleteResult(tuple(map(int, deleted)), tuple(map(int, pending)))

        return _parse("bulk delete result", build)

    # ------------------------------------------------------------------ revisions

    async def revisions(
        self, item_id: int, *, priority: Priority = Priority.INTERACTIVE
    ) -> tuple[Revision, ...]:
        data = await self._json("GET", f"/item/{item_id}/revision/", priority=priority)
        return _parse("revision list", lambda: tuple(Revision.from_api(r) for r in data))

    async def revision_diff(
        self,
        item_id: int,
        from_revision: int,
        to_revision: int,
        *,
        priority: Priority = Priority.INTERACTIVE,
    ) -> tuple[RevisionDiff, ...]:
        data = await self._json(
            "GET", f"/item/{item_id}/revision/{from_revision}/{to_revision}", priority=priority
        )
        return _parse("revision diff", lambda: revision_diffs_from_api(data))

    async def revert_revision(
        self, item_id: int, revision: int, *, priority: Priority = Priority.INTERACTIVE
    ) -> int | None:
        """Undo the changes made in ``revision`` (``DELETE /item/{id}/revision/{rev}``).

        Returns the new revision when Podio reports it."""
        response = await self.transport.request(
            "DELETE", f"/item/{item_id}/revision/{revision}", priority=priority
        )
        data = _optional_json(response)
        if isinstance(data, Mapping) and "revision" in data:
            return _int_field(data, "revision", "revert revision")
        return None

    # ------------------------------------------------------------------ comments

    async def comments(
        self, item_id: int, *, priority: Priority = Priority.INTERACTIVE
    ) -> tuple[Comment, ...]:
        data = await self._json("GET", f"/comment/item/{item_id}/", priority=priority)
        return _parse("comment list", lambda: tuple(Comment.from_api(c) for c in data))

    async def add_comment(
        self,
        item_id: int,
        text: str,
        *,
        file_ids: Iterable[int] | None = None,
        external_id: str | None = None,
        silent: bool = False,
        hook: bool = True,
        priority: Priority = Priority.INTERACTIVE,
    ) -> int:
        """``POST /comment/item/{id}/``. Returns the new comment id."""
        body: dict[str, Any] = {"value": text}
        if file_ids is not None:
            body["file_ids"] = list(file_ids)
        if external_id is not None:
            body["external_id"] = external_id
        data = await self._json(
            "POST", f"/comment/item/{item_id}/", priority=priority, json=body,
            params=_write_flags(silent, hook),
        )  # fmt: skip
        return _int_field(data, "comment_id", "add comment")

    # ------------------------------------------------------------------ files

    async def file(self, file_id: int, *, priority: Priority = Priority.INTERACTIVE) -> FileInfo:
        data = await self._json("GET", f"/file/{file_id}", priority=priority)
        return _parse("file", lambda: FileInfo.from_api(data))

    async def download_file(
        self, file_id: int, *, priority: Priority = Priority.INTERACTIVE
    ) -> bytes:
        """The file's bytes (``GET /file/{id}/raw`` on the API host)."""
        response = await self.transport.request("GET", f"/file/{file_id}/raw", priority=priority)
        return response.content

    async def upload_file(
        self,
        filename: str,
        content: bytes,
        *,
        mimetype: str = "application/octet-stream",
        priority: Priority = Priority.INTERACTIVE,
    ) -> FileInfo:
        """Multipart ``POST /file/`` with parts ``source`` and ``filename``."""
        data = await self._json(
            "POST", "/file/", priority=priority,
            data={"filename": filename},
            files={"source": (filename, content, mimetype)},
        )  # fmt: skip
        return _parse("uploaded file", lambda: FileInfo.from_api(data))

    async def attach_file(
        self,
        file_id: int,
        ref_type: str,
        ref_id: int,
        *,
        silent: bool = False,
        hook: bool = True,
        priority: Priority = Priority.INTERACTIVE,
    ) -> None:
        await self.transport.request(
            "POST", f"/file/{file_id}/attach", json={"ref_type": ref_type, "ref_id": ref_id},
            params=_write_flags(silent, hook), priority=priority,
        )  # fmt: skip

    # ------------------------------------------------------------------ tasks, embeds

    async def item_tasks(
        self, item_id: int, *, priority: Priority = Priority.INTERACTIVE
    ) -> tuple[Task, ...]:
        """Tasks on an item (``GET /task/?reference=item:{id}``)."""
        data = await self._json(
            "GET", "/task/", priority=priority, params={"reference": f"item:{item_id}"}
        )
        return _parse("task list", lambda: tuple(Task.from_api(t) for t in data))

    async def create_item_task(
        self,
        item_id: int,
        text: str,
        *,
        due_date: date | None = None,
        due_time: dt_time | None = None,
        description: str | None = None,
        responsible: int | None = None,
        priority: Priority = Priority.INTERACTIVE,
    ) -> Task:
        """``POST /task/item/{item_id}/``: a task on the item, returned as Podio has it.

        ``responsible`` is a user id (Podio's default: the caller). See docs/podio-api.md,
        Comments and tasks."""
        body: dict[str, Any] = {"text": text}
        if description is not None:
            body["description"] = description
        if due_date is not None:
            body["due_date"] = due_date.isoformat()
        if due_time is not None:
            body["due_time"] = due_time.strftime("%H:%M:%S")
        if responsible is not None:
            body["responsible"] = {"type": "user", "id": responsible}
        data = await self._json("POST", f"/task/item/{item_id}/", priority=priority, json=body)
        return _parse("task", lambda: Task.from_api(data))

    async def complete_task(
        self, task_id: int, *, priority: Priority = Priority.INTERACTIVE
    ) -> None:
        """``POST /task/{id}/complete``. Completing twice is harmless, so it is retried like a
        read; the answer's body is not used (clients ignore it; its shape is UNCONFIRMED)."""
        await self.transport.request(
            "POST", f"/task/{task_id}/complete", priority=priority, idempotent=True
        )

    async def incomplete_task(
        self, task_id: int, *, priority: Priority = Priority.INTERACTIVE
    ) -> None:
        """``POST /task/{id}/incomplete``: reopen a completed task (retried like complete)."""
        await self.transport.request(
            "POST", f"/task/{task_id}/incomplete", priority=priority, idempotent=True
        )

    # ------------------------------------------------------------------ contacts

    async def space_contacts(
        self,
        space_id: int,
        name: str = "",
        limit: int = 20,
        *,
        priority: Priority = Priority.INTERACTIVE,
    ) -> list[ContactRef]:
        """People of a workspace whose name contains ``name`` (members and space contacts).

        UNCONFIRMED (docs/podio-api.md, Contacts): ``GET /contact/space/{space_id}/`` with
        ``name`` and ``limit`` as PodioContact::get_for_space (PHP) sends it; RB's
        Contact.find_all_for_space calls the same path without the trailing slash. The
        answer is taken to be a list of contact objects in the form contact field values use.
        """
        params: dict[str, Any] = {"limit": limit}
        if name.strip():
            params["name"] = name.strip()
        data = await self._json(
            "GET", f"/contact/space/{space_id}/", priority=priority, params=params
        )

        def build() -> list[ContactRef]:
            if not isinstance(data, list):
                raise TypeError("a contact list must be a list")
            return [_contact(entry) for entry in data]

        return _parse("contact list", build)

    async def create_embed(self, url: str, *, priority: Priority = Priority.INTERACTIVE) -> Embed:
        """``POST /embed/`` — needed before an embed field can link to ``url``."""
        data = await self._json("POST", "/embed/", priority=priority, json={"url": url})

        def build() -> Embed:
            return Embed(
                embed_id=_int_field(data, "embed_id", "create embed"),
                url=str(data.get("url") or url),
                title=data.get("title"),
                raw=dict(data),
            )

        return _parse("embed", build)

    # ------------------------------------------------------------ tasks by id, app tasks, hooks
    # (docs/podio-api.md, Tasks and Webhooks)

    async def current_user_id(self, *, priority: Priority = Priority.INTERACTIVE) -> int:
        """``GET /user/``: the signed-in user's id (app tokens have none: Podio refuses)."""
        data = await self._json("GET", "/user/", priority=priority)
        return _parse("user", lambda: _int_field(data, "user_id", "user"))

    async def create_task(
        self,
        body: Mapping[str, Any],
        *,
        ref: tuple[str, int] | None = None,
        priority: Priority = Priority.INTERACTIVE,
    ) -> Task:
        """Create a task: ``POST /task/{ref_type}/{ref_id}/`` on an object (RB's
        create_with_ref; the form the window uses), or ``POST /task/`` on nothing."""
        path = f"/task/{ref[0]}/{ref[1]}/" if ref is not None else "/task/"
        data = await self._json("POST", path, priority=priority, json=dict(body))
        return _parse("task", lambda: Task.from_api(data))

    async def task(self, task_id: int, *, priority: Priority = Priority.INTERACTIVE) -> Task:
        """``GET /task/{id}``."""
        data = await self._json("GET", f"/task/{task_id}", priority=priority)
        return _parse("task", lambda: Task.from_api(data))

    async def update_task(
        self, task_id: int, body: Mapping[str, Any], *, priority: Priority = Priority.INTERACTIVE
    ) -> None:
        """``PUT /task/{id}`` with the keys to change. The answer is not used (RB ignores it;
        UNCONFIRMED whether it is 204, null or the task); callers re-read the task. Sending the
        same values twice leaves the same task, so it is retried like a read."""
        await self.transport.request(
            "PUT", f"/task/{task_id}", json=dict(body), priority=priority, idempotent=True
        )

    async def delete_task(self, task_id: int, *, priority: Priority = Priority.INTERACTIVE) -> None:
        """``DELETE /task/{id}`` (204). Not retried blindly: a lost answer is settled by
        reading the task (404 means it is gone)."""
        await self.transport.request("DELETE", f"/task/{task_id}", priority=priority)

    async def app_tasks(
        self,
        app_id: int,
        params: Mapping[str, str] | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
        priority: Priority = Priority.INTERACTIVE,
    ) -> tuple[Task, ...]:
        """One page of ``GET /task/?app={app_id}`` with the list's filters in ``params``
        (completed, responsible, due_date; their forms are UNCONFIRMED)."""
        query: dict[str, Any] = {"app": app_id, "limit": limit, "offset": offset}
        query.update(params or {})
        data = await self._json("GET", "/task/", priority=priority, params=query)
        return _parse("task list", lambda: tuple(Task.from_api(t) for t in data))

    async def app_hooks(
        self, app_id: int, *, priority: Priority = Priority.INTERACTIVE
    ) -> tuple[Hook, ...]:
        """``GET /hook/app/{app_id}/``: the app's webhooks (the window only lists them)."""
        data = await self._json("GET", f"/hook/app/{app_id}/", priority=priority)
        return _parse("hook list", lambda: tuple(Hook.from_api(h) for h in data))


def values_match(item: Item, fields: Mapping[str, Any]) -> bool:
    """Whether ``item`` holds the input values in ``fields`` (keyed by field id).

    Values are compared in Podio's input form (``to_input`` of what the item holds); fields
    that cannot be compared that way (external-id keys, unknown fields) are not held against
    the match: the revision check carries those.
    """
    for key, wanted in fields.items():
        if not str(key).isdigit():
            continue
        fdef = item.field(int(key))
        if fdef is None:
            if wanted in (None, [], "", {}):
                continue
            return False
        try:
            held = to_input(fdef, item.value(fdef.field_id))
        except DomainError:
            continue
        if held != wanted:
            return False
    return True


def _written_revision(data: Any, what: str) -> int | None:
    """The revision an update answered with; None for no body, 204 or `null`.

    Podio documents "null if no change" for updates, and gateways may answer 204: either is a
    success (docs/podio-api.md, Writing items). Whoever needs the revision then reads it.
    """
    if data is None or (isinstance(data, Mapping) and data.get("revision") is None):
        return None
    return _int_field(data, "revision", what)


def _optional_json(response: Response) -> Any:
    """The body of a write whose answer clients do not rely on (may be empty or not JSON)."""
    try:
        return response.json()
    except ValueError:
        return None


def _update_body(
    fields: Mapping[str, Any] | None,
    revision: int | None,
    tags: Iterable[str] | None,
    file_ids: Iterable[int] | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if fields is not None:
        body["fields"] = dict(fields)
    if revision is not None:
        body["revision"] = revision
    if tags is not None:
        body["tags"] = list(tags)
    if file_ids is not None:
        body["file_ids"] = list(file_ids)
    return body


def _search_hit(hit: Any) -> SearchHit:
    app = hit.get("app") if isinstance(hit.get("app"), Mapping) else {}
    return SearchHit(
        type=str(hit.get("type") or "item"),
        id=int(hit["id"]),
        title=str(hit.get("title") or ""),
        link=hit.get("link"),
        rank=int(hit["rank"]) if hit.get("rank") is not None else None,
        app_id=int(app["app_id"]) if app.get("app_id") is not None else None,
    )


def _contact(entry: Any) -> ContactRef:
    if not isinstance(entry, Mapping):
        raise TypeError(f"a contact must be an object, not {entry!r:.40}")

    def optional_int(key: str) -> int | None:
        value = entry.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise TypeError(f"bad {key} {value!r:.40}")
        return int(value)

    def texts(key: str) -> tuple[str, ...]:
        value = entry.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        return tuple(str(part) for part in value if part)

    profile_id = optional_int("profile_id")
    if profile_id is None:
        raise KeyError("profile_id")
    image = entry.get("image")
    avatar = image.get("file_id") if isinstance(image, Mapping) else None
    return ContactRef(
        profile_id=profile_id,
        name=str(entry.get("name") or ""),
        type=str(entry["type"]) if entry.get("type") is not None else None,
        user_id=optional_int("user_id"),
        mails=texts("mail"),
        phones=texts("phone"),
        link=str(entry["link"]) if entry.get("link") else None,
        avatar_file_id=int(avatar) if isinstance(avatar, int) else None,
        org_id=optional_int("org_id"),
        space_id=optional_int("space_id"),
    )


def _reference(entry: Any) -> ReferenceCandidate:
    app = entry.get("app") if isinstance(entry.get("app"), Mapping) else {}
    return ReferenceCandidate(
        item_id=int(entry["item_id"]),
        title=str(entry.get("title") or ""),
        app_id=int(app["app_id"]) if app.get("app_id") is not None else None,
        link=entry.get("link"),
    )


def filter_request(
    app_id: int,
    filters: Mapping[str, Any] | None,
    sort_by: str | None,
    sort_desc: bool | None,
    offset: int,
    limit: int,
    view_id: int | None = None,
) -> tuple[str, dict[str, Any]]:
    """Path and body of one filter page; refuses what Podio would refuse.

    See docs/podio-api.md, Filter request and response.
    """
    if not 1 <= limit <= MAX_FILTER_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_FILTER_LIMIT}, not {limit}")
    if offset < 0:
        raise ValueError("offset must not be negative")
    body: dict[str, Any] = {"offset": offset, "limit": limit}
    if filters:
        body["filters"] = dict(filters)
    if sort_by is not None:
        body["sort_by"] = sort_by
    if sort_desc is not None:
        body["sort_desc"] = sort_desc
    path = f"/item/app/{app_id}/filter/" + (f"{view_id}/" if view_id is not None else "")
    return path, body
