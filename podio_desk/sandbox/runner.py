"""Start and stop a sandbox from Python: `Sandbox(SandboxConfig(...)).start()`."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import urllib.parse
import urllib.request
import weakref
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from podio_desk.sandbox import replay
from podio_desk.sandbox import seed as seed_module
from podio_desk.sandbox.control import Control
from podio_desk.sandbox.gateway import GatewayApp, GatewayConfig, WsgiApp
from podio_desk.sandbox.model import JSON
from podio_desk.sandbox.persist import Persistence
from podio_desk.sandbox.records import Clock
from podio_desk.sandbox.server import DEFAULT_HEAVY_OPERATIONS, SandboxApp
from podio_desk.sandbox.state import State

# Lets a second socket bind the listener's address while it still listens (Linux, BSDs).
_REUSE_PORT: int | None = getattr(socket, "SO_REUSEPORT", None)
# Apps at least this big get their sort orders built in the background after start().
WARM_UP_MIN_ITEMS = 5000


@dataclass(frozen=True)
class SandboxConfig:
    seed: int = 1
    # Size of the large app ("Tickets").
    items: int = 200
    token_ttl: int = 28800
    # (general, heavy) calls per hour per user (or app) per client (docs/podio-api.md, Rate limits).
    rate_limits: tuple[int, int] = (1000, 250)
    # SQLite file that keeps the state across restarts; None keeps everything in memory.
    data_file: str | None = None
    host: str = "127.0.0.1"
    port: int = 0
    heavy_operations: tuple[str, ...] = DEFAULT_HEAVY_OPERATIONS
    timezone: str = "Europe/Copenhagen"
    # Gateway mode (sandbox/gateway.py): the API also answers under the gateway's prefix.
    gateway: GatewayConfig | None = None


class _QuietHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        return


class _Server(ThreadedWSGIServer):
    """Werkzeug's threaded server, remembering open connections so stop() can close them."""

    def __init__(self, host: str, port: int, app: WsgiApp, fd: int) -> None:
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(host, port, app, _QuietHandler, fd=fd)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Client resets are normal in fault tests; everything else is reported by the app.
        return


class Sandbox:
    """A local Podio over real HTTP on `config.host`, serving from a daemon thread."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.clock = Clock()
        self.state = State(self.clock, self.config.token_ttl)
        self.state.timezone = self.config.timezone
        self.persistence: Persistence | None = None
        if self.config.data_file:
            self.persistence = Persistence(self.config.data_file)
            if not self.persistence.load(self.state):
                seed_module.seed(self.state, self.config.seed, self.config.items)
                self.persistence.save_all(self.state)
        else:
            seed_module.seed(self.state, self.config.seed, self.config.items)
        self.control = Control(self.state, self.clock, self.config.rate_limits, self.config.seed)
        self.app = SandboxApp(self.state, self.control, self.config.heavy_operations, self._flush)
        self.gateway: GatewayApp | None = None
        served: WsgiApp = self.app
        if self.config.gateway is not None:
            self.gateway = GatewayApp(
                self.app, self.config.gateway, self.state, self.control, seed_module.CLIENT_ID
            )
            served = self.gateway
        self._served = served
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._warm_thread: threading.Thread | None = None
        self._warm_stop = threading.Event()
        # Set while the listener was opened with SO_REUSEPORT; see `_hold_address`.
        self._reuse_port: int | None = None
        # Frees the address a stopped sandbox holds (see `stop`).
        self._release_on_collect: weakref.finalize[Any, Any] | None = None

    def _flush(self) -> None:
        if self.persistence is not None:
            self.persistence.flush(self.state)
        else:
            self.state.dirty_items.clear()
            self.state.dirty_files.clear()
            self.state.dirty_meta = False

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Sandbox:
        """Listen and serve; returns once the socket is listening."""
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        self.release_address()
        # Bind here rather than in werkzeug, which prints and exits when the port is taken;
        # this way a busy port is an ordinary OSError.
        family = socket.AF_INET6 if ":" in self.config.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as listener:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            # So that `stop` can hold the address. Only for a port the system picks: two
            # sandboxes asked for the same port must not both listen on it.
            self._reuse_port = _REUSE_PORT if self.config.port == 0 else None
            if self._reuse_port is not None:
                listener.setsockopt(socket.SOL_SOCKET, self._reuse_port, 1)
            listener.bind((self.config.host, self.config.port))
            listener.listen(128)
            port = int(listener.getsockname()[1])
            # werkzeug duplicates the descriptor; ours is closed when this block ends.
            server = _Server(self.config.host, port, self._served, listener.fileno())
        self._server = server
        self.state.base_url = f"http://{self.config.host}:{port}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            daemon=True,
            name=f"podio-sandbox-{port}",
        )
        self._thread.start()
        self._warm_stop.clear()
        self._warm_thread = threading.Thread(
            target=self._warm_up, daemon=True, name=f"podio-sandbox-warm-{port}"
        )
        self._warm_thread.start()
        return self

    def wait_until_warm(self, timeout: float | None = None) -> None:
        """Block until the background sort warm-up of large apps is done."""
        if self._warm_thread is not None:
            self._warm_thread.join(timeout)

    def _warm_up(self) -> None:
        """Sort every large app by every sortable key in the background, so that the first
        page sorted by any field answers fast. One key at a time under the state lock: a
        request waits at most for one sort."""
        state = self.state
        with state.lock:
            apps = [
                app
                for app in state.apps.values()
                if len(state.live_items(app.app_id)) >= WARM_UP_MIN_ITEMS
            ]
        for app in apps:
            for key in state.sortable_keys(app):
                if self._warm_stop.is_set():
                    return
                with state.lock:
                    state.sorted_ids(app, key)

    def stop(self) -> None:
        """Stop serving, close the listening socket and every open connection.

        The address stays bound, without listening, until `start` or `close`: a client still
        retrying is refused, as by a Podio that went away. Freed, the port could be handed to
        another server on this machine (another test's), and the client would read that
        server's answers as Podio's."""
        server = self._server
        if server is None:
            return
        self._warm_stop.set()
        self.control.stop_trickle()  # a response still trickling out ends at once
        if self._warm_thread is not None:
            self._warm_thread.join(timeout=30)
            self._warm_thread = None
        server.shutdown()
        if self._reuse_port is not None:
            self._hold_address(server.server_address)
        with server.connections_lock:
            connections = list(server.open_connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._reuse_port is None:
            self._hold_address(server.server_address)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None
        if self.persistence is not None:
            with self.state.lock:
                self.persistence.flush(self.state)
            self.persistence.close()

    def close(self) -> None:
        """Stop, and free the address."""
        self.stop()
        self.release_address()

    def release_address(self) -> None:
        """Free the address a stopped sandbox holds (nothing when it holds none)."""
        if self._release_on_collect is not None:
            self._release_on_collect()  # closes the socket, once
        self._release_on_collect = None

    def _hold_address(self, address: Any) -> None:
        """Bind a second socket, never listening, to the listener's address. With
        SO_REUSEPORT this happens while the listener is still open, so the port is never
        free in between; without it, just after the listener closed."""
        host, port = str(address[0]), int(address[1])
        hold = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        try:
            # Not SO_REUSEADDR: a port bound with it can be bound and listened on by any
            # other socket that sets it too (as most servers do).
            if self._reuse_port is not None:
                hold.setsockopt(socket.SOL_SOCKET, self._reuse_port, 1)
            hold.bind((host, port))
        except OSError:  # taken meanwhile, or closing connections linger: nothing to hold
            hold.close()
            return
        # A sandbox dropped without `close` frees its address when it is collected.
        self._release_on_collect = weakref.finalize(self, hold.close)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ facts for clients

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        return self.state.base_url

    @property
    def gateway_url(self) -> str:
        """The API's address behind the gateway (gateway mode only)."""
        if self.config.gateway is None:
            raise RuntimeError("the sandbox is not in gateway mode")
        return self.url + self.config.gateway.prefix

    @property
    def info(self) -> dict[str, JSON]:
        """What `podio-desk sandbox` prints as its one JSON line."""
        state = self.state
        with state.lock:
            apps = [
                {
                    "app_id": app.app_id,
                    "app_token": app.token,
                    "name": app.name,
                    "items": len(state.live_items(app.app_id)),
                }
                for app in state.apps.values()
            ]
            primary = state.users[state.primary_user_id]
            other = state.users[state.other_user_id]
            gateway: dict[str, JSON] = {}
            if self.config.gateway is not None:
                gateway = {
                    "gateway_url": self.gateway_url,
                    "gateway_api_key": self.config.gateway.api_key,
                    "gateway_headers": dict(self.config.gateway.required_headers),
                }
            return {
                **gateway,
                "url": self.url,
                "client_id": seed_module.CLIENT_ID,
                "client_secret": state.clients[seed_module.CLIENT_ID],
                "username": primary.mail,
                "password": primary.password,
                "apps": apps,
                "richest_item_id": state.richest_item_id,
                "other_username": other.mail,
                "other_password": other.password,
                "second_client_id": seed_module.SECOND_CLIENT_ID,
                "second_client_secret": state.clients[seed_module.SECOND_CLIENT_ID],
            }

    def app_id(self, name: str) -> int:
        """The id of a seeded app by name (e.g. "Tickets")."""
        for app in self.state.apps.values():
            if app.name == name:
                return app.app_id
        raise KeyError(name)

    # ------------------------------------------------------------------ fixture replay

    def load_recorded_app(self, data: dict[str, JSON]) -> int:
        """Serve a recorded GET /app/{id} answer back as is; returns the app id."""
        app = replay.load_app(self.state, data)
        self._flush()
        return app.app_id

    def load_recorded_item(self, data: dict[str, JSON]) -> int:
        """Serve a recorded GET /item/{id} (or filter-result item) back; returns the item id."""
        item = replay.load_item(self.state, data)
        self._flush()
        return item.item_id

    # ------------------------------------------------------------------ acting as someone else

    def edit_directly(self, item_id: int, fields: JSON, *, as_other: bool = True) -> int:
        """Change an item in the store, bypassing HTTP (no log entry, no rate budget).

        `fields` is a `fields` container in any input form Podio accepts. Returns the new
        revision. Raises the sandbox's ApiError on bad input, like the API would answer.
        """
        state = self.state
        with state.lock:
            user_id = state.other_user_id if as_other else state.primary_user_id
            state.update_item(state.item(item_id), {"fields": fields}, ("user", user_id))
            self._flush()
            return state.items[item_id].revision

    def delete_directly(self, item_id: int) -> None:
        """Delete an item in the store, bypassing HTTP."""
        state = self.state
        with state.lock:
            state.delete_item(state.item(item_id))
            self._flush()

    def token_for(self, username: str, password: str) -> str:
        """An access token for a user, obtained over HTTP like any client would."""
        data = urllib.parse.urlencode(
            {
                "grant_type": "password",
                "username": username,
                "password": password,
                "client_id": seed_module.SECOND_CLIENT_ID,
                "client_secret": self.state.clients[seed_module.SECOND_CLIENT_ID],
            }
        ).encode()
        with urllib.request.urlopen(f"{self.url}/oauth/token", data=data, timeout=10) as reply:
            return str(json.loads(reply.read())["access_token"])

    def edit_as_other(self, item_id: int, fields: JSON, revision: int | None = None) -> JSON:
        """PUT /item/{id} over HTTP as the second seeded user (a real concurrent edit).

        Uses the second API key, so it does not spend the primary user's rate budget.
        """
        other = self.state.users[self.state.other_user_id]
        token = self.token_for(other.mail, other.password)
        body: dict[str, JSON] = {"fields": fields}
        if revision is not None:
            body["revision"] = revision
        request = urllib.request.Request(
            f"{self.url}/item/{item_id}",
            data=json.dumps(body).encode(),
            method="PUT",
            headers={"Authorization": f"OAuth2 {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            result: JSON = json.loads(reply.read())
            return result
