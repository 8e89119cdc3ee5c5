"""The sandbox's HTTP surface: Podio's paths (trailing slashes matter), OAuth, rate limits, faults.

A WSGI application served by werkzeug's threaded server. Requests are matched against an
explicit route table, so `/org` and `/org/` are different resources as on api.podio.com
(docs/podio-api.md, Trailing slashes); only the few paths clients disagree on (`/count`,
`/file`) accept both.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from werkzeug.http import http_date
from werkzeug.wrappers import Request, Response

from podio_desk.sandbox.control import GENERAL, HEAVY, Control, LoggedRequest
from podio_desk.sandbox.errors import ApiError
from podio_desk.sandbox.model import JSON
from podio_desk.sandbox.records import Token
from podio_desk.sandbox.routes import (
    comments,
    files,
    hooks,
    items,
    oauth,
    revisions,
    tasks,
    views,
    workspace,
)
from podio_desk.sandbox.state import State

# Operations in the 250/h "Rate limited" class. Which operations Podio marks is UNCONFIRMED
# (docs/podio-api.md, Rate limits); we chose the resource-intensive ones: filter items (also
# by view), search in app, bulk delete and the xlsx export. Configurable through
# SandboxConfig.heavy_operations.
DEFAULT_HEAVY_OPERATIONS: tuple[str, ...] = (
    "item.filter",
    "search.app",
    "item.bulk_delete",
    "item.xlsx",
)

NO_MATCH = "No matching operation could be found."


@dataclass
class Reply:
    status: int = 200
    body: JSON = None
    # Pre-serialised JSON (the filter hot path) or raw bytes (file downloads).
    text: str | None = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


@dataclass
class Ctx:
    """What a handler needs to know about the request it answers."""

    request: Request
    state: State
    token: Token | None
    body: JSON

    @property
    def actor(self) -> tuple[str, int]:
        assert self.token is not None
        return (self.token.ref_type, self.token.ref_id)

    def query_flag(self, name: str, default: bool) -> bool:
        raw = self.request.args.get(name)
        if raw is None:
            return default
        # Boolean query switches come as 0/1 (docs) or true/false (clients): docs/podio-api.md,
        # Conventions.
        lowered = raw.lower()
        if lowered in ("1", "true"):
            return True
        if lowered in ("0", "false"):
            return False
        raise ApiError(
            400, "invalid_value", f"Invalid value {raw!r} for {name}: use 0/1/true/false"
        )

    def query_int(self, name: str, default: int) -> int:
        raw = self.request.args.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise ApiError(400, "invalid_value", f"Invalid value {raw!r} for {name}") from None

    def require_app_access(self, app_id: int) -> None:
        """An app token reaches only its own app (docs/podio-api.md, Grants)."""
        if self.token is not None and self.token.ref_type == "app" and self.token.ref_id != app_id:
            raise ApiError(
                403, "forbidden", "The app token does not give access to this app", propagate=True
            )

    def require_user(self) -> None:
        if self.token is not None and self.token.ref_type != "user":
            raise ApiError(
                403,
                "forbidden",
                "This operation is not available with app authentication",
                propagate=True,
            )


Handler = Callable[..., Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    operation: str
    auth: bool = True
    needs_body: bool = False


def _route(
    method: str,
    path: str,
    handler: Handler,
    operation: str,
    *,
    auth: bool = True,
    needs_body: bool = False,
) -> Route:
    return Route(method, re.compile(f"^{path}$"), handler, operation, auth, needs_body)


N = r"(\d+)"
ROUTES: tuple[Route, ...] = (
    _route("POST", "/oauth/token", oauth.token_form, "oauth.token", auth=False),
    _route("POST", "/oauth/token/v2", oauth.token_json, "oauth.token", auth=False),
    _route("GET", "/oauth/authorize", oauth.authorize, "oauth.authorize", auth=False),
    _route("GET", "/oauth/scope", oauth.oauth_scope, "oauth.scope"),
    _route("GET", "/user/status", workspace.user_status, "user.status"),
    _route("GET", "/user/", workspace.user_get, "user.get"),
    _route("GET", "/org/", workspace.org_list, "org.list"),
    _route("GET", f"/org/{N}", workspace.org_get, "org.get"),
    _route("GET", f"/org/{N}/space/", workspace.org_spaces, "space.list"),
    _route("GET", f"/space/org/{N}/", workspace.org_spaces, "space.list"),
    _route("GET", "/space/url", workspace.space_by_url, "space.get"),
    _route("GET", f"/space/{N}", workspace.space_get, "space.get"),
    _route("GET", f"/app/space/{N}/", workspace.space_apps, "app.list"),
    _route("GET", f"/app/{N}", workspace.app_get, "app.get"),
    _route("GET", f"/app/{N}/field/{N}", workspace.app_field_get, "app.field"),
    _route("GET", f"/app/{N}/item/{N}", items.item_by_app_item_id, "item.get"),
    _route("GET", f"/item/{N}", items.item_get, "item.get"),
    _route("GET", f"/item/{N}/basic", items.item_basic, "item.get"),
    _route("GET", f"/item/{N}/value", items.item_values, "item.values"),
    _route("GET", f"/item/{N}/value/v2", items.item_values_v2, "item.values"),
    _route("GET", f"/item/app/{N}/v2/", items.item_find_by_external_id, "item.get"),
    _route("GET", f"/item/app/{N}/external_id/([^/]+)", items.item_by_external_id, "item.get"),
    _route("POST", f"/item/app/{N}/filter/", items.item_filter, "item.filter"),
    _route("POST", f"/item/app/{N}/filter/{N}/", items.item_filter_view, "item.filter"),
    _route("GET", f"/item/app/{N}/count/?", items.item_count, "item.count"),
    _route("POST", f"/item/app/{N}/", items.item_create, "item.create", needs_body=True),
    _route("PUT", f"/item/{N}", items.item_update, "item.update", needs_body=True),
    _route("PUT", f"/item/{N}/value", items.item_update_values, "item.update", needs_body=True),
    _route(
        "PUT", f"/item/{N}/value/([^/]+)", items.item_update_field, "item.update", needs_body=True
    ),
    _route("DELETE", f"/item/{N}", items.item_delete, "item.delete"),
    _route("POST", f"/item/app/{N}/delete", items.item_bulk_delete, "item.bulk_delete"),
    _route("POST", f"/item/{N}/clone", items.item_clone, "item.clone"),
    _route("GET", f"/item/{N}/revision/", revisions.revision_list, "item.revision"),
    _route("GET", f"/item/{N}/revision/{N}", revisions.revision_get, "item.revision"),
    _route("GET", f"/item/{N}/revision/{N}/{N}", revisions.revision_diff, "item.revision"),
    _route("DELETE", f"/item/{N}/revision/{N}", revisions.revision_revert, "item.revert"),
    _route(
        "POST", f"/item/{N}/revision/{N}/revert_to", revisions.revision_revert_to, "item.revert"
    ),
    _route("GET", f"/item/field/{N}/find", items.field_find, "item.find_referenceable"),
    _route("GET", f"/item/field/{N}/top/", items.field_find, "item.find_referenceable"),
    # podio-rb lists comments without the trailing slash; both forms are served.
    _route("GET", f"/comment/item/{N}/?", comments.comment_list, "comment.list"),
    _route("POST", f"/comment/item/{N}/?", comments.comment_add, "comment.add", needs_body=True),
    _route("GET", f"/file/{N}", files.file_get, "file.get"),
    _route("GET", f"/file/{N}/raw", files.file_raw, "file.raw"),
    _route("GET", f"/file/app/{N}/", files.file_list_app, "file.list"),
    _route("POST", "/file/?", files.file_upload, "file.upload"),
    _route("POST", "/file/v2/", files.file_upload, "file.upload"),
    _route("POST", f"/file/{N}/attach", files.file_attach, "file.attach", needs_body=True),
    _route("POST", f"/file/{N}/copy", files.file_copy, "file.copy"),
    _route("GET", f"/view/app/{N}/", views.view_list, "view.list"),
    _route("GET", f"/view/app/{N}/last", views.view_last, "view.get"),
    _route("PUT", f"/view/app/{N}/last", views.view_last_update, "view.update"),
    _route("GET", f"/view/app/{N}/{N}", views.view_get, "view.get"),
    _route("POST", f"/search/app/{N}/", views.search_app, "search.app"),
    _route("GET", "/task/", tasks.task_list, "task.list"),
    _route("GET", f"/task/item/{N}/", tasks.task_list_item, "task.list"),
    _route("POST", f"/task/item/{N}/", tasks.task_create_item, "task.create", needs_body=True),
    _route("POST", "/task/", tasks.task_create, "task.create", needs_body=True),
    _route("GET", f"/task/{N}", tasks.task_get, "task.get"),
    _route("PUT", f"/task/{N}", tasks.task_update, "task.update", needs_body=True),
    _route("DELETE", f"/task/{N}", tasks.task_delete, "task.delete"),
    _route("POST", f"/task/{N}/complete", tasks.task_complete, "task.complete"),
    _route("POST", f"/task/{N}/incomplete", tasks.task_incomplete, "task.incomplete"),
    # UNCONFIRMED path (docs/podio-api.md, Contacts): PHP sends the trailing slash, RB does not.
    _route("GET", f"/contact/space/{N}/?", workspace.space_contacts, "contact.space"),
    _route("POST", "/embed/", files.embed_create, "embed.create", needs_body=True),
    _route("GET", f"/hook/app/{N}/", hooks.hook_list_app, "hook.list"),
    _route("POST", f"/hook/app/{N}/", hooks.hook_create_app, "hook.create", needs_body=True),
    _route("DELETE", f"/hook/{N}", hooks.hook_delete, "hook.delete"),
)


class SandboxApp:
    """The WSGI application."""

    def __init__(
        self,
        state: State,
        control: Control,
        heavy_operations: Iterable[str],
        on_write: Callable[[], None] | None = None,
    ) -> None:
        self.state = state
        self.control = control
        self.heavy_operations = frozenset(heavy_operations)
        self.on_write = on_write

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        try:
            if request.path.startswith("/_sandbox/"):
                response = self.control_request(request)
            else:
                response = self.api_request(request, environ)
        finally:
            # Closes uploaded files' temporary storage.
            request.close()
        return response(environ, start_response)

    # ------------------------------------------------------------------ the API

    def api_request(self, request: Request, environ: dict[str, Any]) -> Response:
        self.control.handling_started()
        try:
            return self._api_request(request, environ)
        finally:
            self.control.handling_ended()

    def _api_request(self, request: Request, environ: dict[str, Any]) -> Response:
        control = self.control
        if control.latency:
            time.sleep(control.latency)
        path = request.path
        method = request.method
        query = request.query_string.decode("latin-1")
        body_text = _log_body(request)
        if control.roll_drop():
            control.record(LoggedRequest(method, path, query, 0, None, body_text))
            sock = environ.get("werkzeug.socket")
            if isinstance(sock, socket.socket):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            # Werkzeug treats a connection error as a dropped connection and answers nothing.
            raise ConnectionAbortedError("sandbox: dropped connection on purpose")
        route, groups = self.match(method, path)
        rate_class = None
        if route is not None and route.auth:
            rate_class = HEAVY if route.operation in self.heavy_operations else GENERAL
        storm_wait = control.take_storm()
        if storm_wait is not None:
            reply = self.rate_limited_reply(request, rate_class or GENERAL, storm_wait)
            return self.finish(request, reply, rate_class, body_text)
        error_status = control.roll_error()
        if error_status is not None:
            kind = "unavailable" if error_status in (502, 503, 504) else "server_error"
            reply = self.error_reply(
                request, ApiError(error_status, kind, "Injected failure (sandbox)")
            )
            return self.finish(request, reply, rate_class, body_text)
        if route is None:
            reply = self.error_reply(
                request, ApiError(404, "not_found", f"{NO_MATCH} The path {path} was not found.")
            )
            return self.finish(request, reply, None, body_text)
        try:
            reply = self.dispatch(request, route, groups, rate_class)
            if reply.text is not None and route.operation == "item.filter":
                reply.text = control.malform_page(reply.text)
        except ApiError as error:
            reply = self.error_reply(request, error)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            reply = self.error_reply(
                request, ApiError(500, "server_error", "Internal error in the sandbox")
            )
        return self.finish(request, reply, rate_class, body_text)

    def match(self, method: str, path: str) -> tuple[Route | None, tuple[str, ...]]:
        for route in ROUTES:
            if route.method != method:
                continue
            if route.handler is oauth.token_json and not self.control.token_v2_available:
                continue
            found = route.pattern.match(path)
            if found:
                return route, found.groups()
        return None, ()

    def dispatch(
        self, request: Request, route: Route, groups: tuple[str, ...], rate_class: str | None
    ) -> Reply:
        state = self.state
        token = None
        rate_headers: dict[str, str] = {}
        if route.auth:
            token = self.authenticate(request)
            assert rate_class is not None
            key = (token.ref_type, token.ref_id, token.client_id)
            allowed, limit, remaining, left = self.control.spend(key, rate_class)
            if not allowed:
                return self.rate_limited_reply(request, rate_class, left)
            rate_headers = {
                "X-Rate-Limit-Limit": str(limit),
                "X-Rate-Limit-Remaining": str(remaining),
            }
        try:
            body = self.parse_body(request, route)
            with state.lock:
                ctx = Ctx(request, state, token, body)
                reply = route.handler(ctx, *groups)
                if method_writes(request.method) and self.on_write is not None:
                    self.on_write()
            if reply.text is None and reply.raw is None:
                reply.status, reply.body, reply.raw = self.control.reshape(
                    route.operation, reply.status, reply.body
                )
        except ApiError as error:
            reply = self.error_reply(request, error)
        reply.headers.update(rate_headers)
        return reply

    def parse_body(self, request: Request, route: Route) -> JSON:
        if route.operation == "oauth.token" or route.operation == "file.upload":
            return None
        data = request.get_data(cache=True)
        if not data.strip():
            if route.needs_body:
                # FIX-error-nobody: the status is not recorded (docs/podio-api.md, Errors); 404
                # fits not_found.
                raise ApiError(404, "not_found", f"{NO_MATCH} No body was given.")
            return None
        try:
            body = json.loads(data)
        except ValueError:
            raise ApiError(400, "invalid_value", "Invalid JSON in the request body") from None
        if not isinstance(body, dict | list):
            raise ApiError(400, "invalid_value", f"Invalid value {body!r}: must be object or list")
        return body

    def authenticate(self, request: Request) -> Token:
        header = request.headers.get("Authorization")
        access: str | None = None
        if header is None:
            # Legacy: `oauth_token` as a query parameter (DOC-oauth-old, podio-js thumbnails).
            access = request.args.get("oauth_token")
            if access is None:
                raise ApiError(401, "unauthorized", "invalid_request")
        else:
            scheme, _, value = header.strip().partition(" ")
            if scheme.lower() not in ("oauth2", "bearer"):
                raise ApiError(400, "invalid_request", "Invalid authorization header")
            access = value.strip()
            if not access:
                # docs/podio-api.md, Auth failures: an empty `OAuth2 ` header is a 400, not a 401.
                raise ApiError(400, "invalid_request", "Invalid authorization header")
        with self.state.lock:
            token = self.state.token(access)
        if token is None:
            # Bogus, revoked and expired tokens all answer the same (docs/podio-api.md, Auth
            # failures).
            raise ApiError(401, "unauthorized", "expired_token")
        return token

    def rate_limited_reply(self, request: Request, rate_class: str, left: int) -> Reply:
        limit = self.control.limits[rate_class]
        # The "Please wait N seconds" wording is what CODEGEN parses; the exact text is
        # UNCONFIRMED (docs/podio-api.md, Rate limits). N is the time left in the one-hour
        # window. No reset header.
        error = ApiError(
            420,
            "rate_limit",
            f"You have hit the rate limit. Please wait {left} seconds before trying again",
            propagate=True,
        )
        reply = self.error_reply(request, error)
        reply.headers.update({"X-Rate-Limit-Limit": str(limit), "X-Rate-Limit-Remaining": "0"})
        return reply

    def error_reply(self, request: Request, error: ApiError) -> Reply:
        body = error.body(request.path, request.method, request.query_string.decode("latin-1"))
        reply = Reply(status=error.status, body=body)
        if error.status == 401:
            reply.headers["WWW-Authenticate"] = 'Bearer realm="podio"'
        return reply

    def finish(
        self, request: Request, reply: Reply, rate_class: str | None, body_text: str
    ) -> Response:
        # The class a request was counted in (or refused in, for a 420).
        counted = rate_class if "X-Rate-Limit-Limit" in reply.headers else None
        self.control.record(
            LoggedRequest(
                request.method,
                request.path,
                request.query_string.decode("latin-1"),
                reply.status,
                counted,
                body_text,
            )
        )
        response = to_response(reply)
        # The sandbox's clock (tests move it), as Podio's answers carry Podio's.
        response.headers["Date"] = http_date(self.control.now())
        interval = self.control.take_trickle()
        if interval is not None:
            payload = response.get_data()
            response.response = _trickle(
                payload, interval, self.control, self.control.trickle_epoch
            )
            response.headers["Content-Length"] = str(len(payload))
        return response

    # ------------------------------------------------------------------ /_sandbox/ control

    def control_request(self, request: Request) -> Response:
        try:
            reply = self.control_dispatch(request)
        except (ValueError, TypeError, KeyError) as error:
            reply = Reply(400, {"error": "invalid_value", "error_description": str(error)})
        return to_response(reply)

    def control_dispatch(self, request: Request) -> Reply:
        control = self.control
        path = request.path[len("/_sandbox/") :].strip("/")
        data = request.get_data()
        body: dict[str, Any] = json.loads(data) if data.strip() else {}
        if request.method == "GET" and path == "requests":
            return Reply(body=[entry.__dict__ for entry in control.requests()])
        if request.method == "GET" and path == "items":
            return Reply(body=control.live_items(int(request.args["app_id"])))
        if request.method == "GET" and path == "info":
            return Reply(body={"richest_item_id": self.state.richest_item_id})
        if request.method != "POST":
            return Reply(404, {"error": "not_found", "error_description": "unknown control"})
        if path == "reset_log":
            control.reset_log()
        elif path == "latency":
            control.set_latency(float(body["seconds"]))
        elif path == "error_rate":
            control.set_error_rate(
                float(body["fraction"]), tuple(body.get("statuses", (500, 502, 503)))
            )
        elif path == "drop_rate":
            control.set_drop_rate(float(body["fraction"]))
        elif path == "rate_limit_storm":
            control.start_rate_limit_storm(body.get("count"), int(body.get("wait_seconds", 5)))
        elif path == "stop_rate_limit_storm":
            control.stop_rate_limit_storm()
        elif path == "expire_all_tokens":
            control.expire_all_tokens()
        elif path == "advance_clock":
            control.advance_clock(float(body["seconds"]))
        elif path == "reset_faults":
            control.reset_faults()
        elif path == "revoke_refresh_tokens":
            control.revoke_refresh_tokens()
        elif path == "trickle":
            control.start_trickle(float(body["byte_interval"]), body.get("count"))
        elif path == "stop_trickle":
            control.stop_trickle()
        elif path == "malformed":
            control.serve_malformed({int(k): str(v) for k, v in body["items"].items()})
        elif path == "token_v2":
            control.set_token_v2(bool(body["available"]))
        elif path == "update_answer":
            control.answer_updates_with(str(body["shape"]))
        elif path == "org_spaces":
            control.list_org_spaces(str(body["shape"]))
        elif path == "stamp_last_edit":
            control.stamp_last_edit(int(body["item_id"]), str(body["when"]))
        else:
            return Reply(404, {"error": "not_found", "error_description": "unknown control"})
        return Reply(body={"ok": True})


def _trickle(payload: bytes, interval: float, control: Control, epoch: int) -> Iterator[bytes]:
    """`payload` a byte at a time; the rest at once when the trickle is stopped meanwhile."""
    for offset in range(len(payload)):
        if control.trickle_epoch != epoch:
            yield payload[offset:]
            return
        yield payload[offset : offset + 1]
        time.sleep(interval)


def method_writes(method: str) -> bool:
    return method in ("POST", "PUT", "DELETE")


def to_response(reply: Reply) -> Response:
    if reply.raw is not None:
        payload: bytes = reply.raw
    elif reply.text is not None:
        payload = reply.text.encode("utf-8")
    elif reply.status == 204 or reply.status in (301, 302, 303, 307, 308):
        payload = b""
    else:
        payload = json.dumps(reply.body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    response = Response(payload, status=reply.status, content_type=reply.content_type)
    for key, value in reply.headers.items():
        response.headers[key] = value
    return response


_SECRET_KEYS = ("password", "client_secret", "refresh_token", "code", "app_token")


def _log_body(request: Request) -> str:
    """The request body for the log; token-endpoint secrets are masked."""
    if request.mimetype.startswith("multipart/"):
        return "<multipart>"
    data = request.get_data(cache=True)
    text = data.decode("utf-8", "replace")
    if request.path.startswith("/oauth/"):
        for key in _SECRET_KEYS:
            text = re.sub(rf'("{key}"\s*:\s*")[^"]*(")', r"\1***\2", text)
            text = re.sub(rf"({key}=)[^&]*", r"\1***", text)
    return text
