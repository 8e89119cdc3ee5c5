"""Test control: request log, injected faults, and the same controls over /_sandbox/."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from podio_desk.sandbox import Sandbox, SandboxConfig
from tests.sandbox.helpers import Api


def test_request_log_records_method_path_status_and_class(api: Api) -> None:
    control = api.sandbox.control
    control.reset_log()
    tickets = api.sandbox.app_id("Tickets")
    api.get("/org/", params={"x": "1"})
    api.post(f"/item/app/{tickets}/filter/", {"limit": 1})
    api.get("/nowhere/")
    entries = control.requests()
    assert [(e.method, e.path, e.status, e.rate_class) for e in entries] == [
        ("GET", "/org/", 200, "general"),
        ("POST", f"/item/app/{tickets}/filter/", 200, "heavy"),
        ("GET", "/nowhere/", 404, None),
    ]
    assert entries[0].query == "x=1"
    assert entries[1].body == '{"limit":1}' or '"limit"' in entries[1].body
    control.reset_log()
    assert control.requests() == []


def test_token_endpoint_secrets_are_masked_in_the_log(sandbox) -> None:
    with Api(sandbox) as api:
        api.sign_in()
    body = sandbox.control.requests()[0].body
    assert sandbox.info["password"] not in body
    assert sandbox.info["client_secret"] not in body
    assert "password=***" in body


def test_latency(api: Api) -> None:
    api.sandbox.control.set_latency(0.2)
    started = time.perf_counter()
    assert api.get("/org/").status_code == 200
    assert time.perf_counter() - started >= 0.2
    api.sandbox.control.reset_faults()
    started = time.perf_counter()
    api.get("/org/")
    assert time.perf_counter() - started < 0.2


def test_error_rate(api: Api) -> None:
    api.sandbox.control.set_error_rate(1.0, statuses=(503,))
    reply = api.get("/org/")
    assert reply.status_code == 503
    assert reply.json()["error"] == "unavailable"
    api.sandbox.control.set_error_rate(0.5)
    statuses = {api.get("/org/").status_code for _ in range(40)}
    assert 200 in statuses
    assert statuses & {500, 502, 503}
    api.sandbox.control.set_error_rate(0.0)
    assert api.get("/org/").status_code == 200


def test_dropped_connections(api: Api) -> None:
    api.sandbox.control.set_drop_rate(1.0)
    with pytest.raises(httpx.TransportError):
        api.get("/org/")
    assert api.sandbox.control.requests()[-1].status == 0
    api.sandbox.control.set_drop_rate(0.0)
    assert api.get("/org/").status_code == 200


def test_controls_over_http(api: Api) -> None:
    base = "/_sandbox"
    http = api.http
    assert http.post(f"{base}/rate_limit_storm", json={"count": 1}).status_code == 200
    assert api.get("/org/").status_code == 420
    assert api.get("/org/").status_code == 200
    http.post(f"{base}/error_rate", json={"fraction": 1.0, "statuses": [500]})
    assert api.get("/org/").status_code == 500
    http.post(f"{base}/reset_faults")
    assert api.get("/org/").status_code == 200
    log = http.get(f"{base}/requests").json()
    assert log[-1]["path"] == "/org/"
    assert {"method", "path", "query", "status", "rate_class", "body"} == set(log[-1])
    http.post(f"{base}/reset_log")
    assert http.get(f"{base}/requests").json() == []
    http.post(f"{base}/expire_all_tokens")
    assert api.get("/org/").status_code == 401
    api.sign_in()
    http.post(f"{base}/advance_clock", json={"seconds": 28801})
    assert api.get("/org/").status_code == 401
    assert http.post(f"{base}/latency", json={"seconds": 0}).status_code == 200
    assert http.post(f"{base}/drop_rate", json={"fraction": 0}).status_code == 200
    assert http.post(f"{base}/nonsense").status_code == 404
    assert http.post(f"{base}/latency", json={}).status_code == 400


def test_editing_state_directly(api: Api) -> None:
    """Tests may change the store behind the API's back, e.g. to delete an item."""
    sandbox = api.sandbox
    item_id = sandbox.info["richest_item_id"]
    revision = api.item(item_id)["revision"]
    assert sandbox.edit_directly(item_id, {"progress": 5}) == revision + 1
    item = api.item(item_id)
    assert item["current_revision"]["created_by"]["name"] == "Oskar Other"
    assert api.values(item_id, "progress") == [{"value": 5}]
    sandbox.delete_directly(item_id)
    assert api.get(f"/item/{item_id}").status_code == 410
    other = max(sandbox.state.live_items(sandbox.app_id("Notes")))
    with sandbox.state.lock:
        sandbox.state.delete_item(sandbox.state.items[other])
    assert api.get(f"/item/{other}").status_code == 410


def test_a_busy_port_is_an_os_error(sandbox) -> None:
    port = int(sandbox.url.rsplit(":", 1)[1])
    with pytest.raises(OSError, match="in use"):
        Sandbox(SandboxConfig(items=1, port=port)).start()


def _listen_on(port: int) -> socket.socket:
    """A listener on `port` as most servers open one (SO_REUSEADDR, like http.server)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen()
    except OSError:
        server.close()
        raise
    return server


def test_a_stopped_sandbox_keeps_its_address_until_closed() -> None:
    """A client still retrying a stopped sandbox is refused: the port is not handed to
    another server (another test's), whose answers the client would read as Podio's."""
    sandbox = Sandbox(SandboxConfig(items=1)).start()
    port = int(sandbox.url.rsplit(":", 1)[1])
    try:
        sandbox.stop()
        with pytest.raises(OSError, match="in use"):
            _listen_on(port)
        with pytest.raises(httpx.ConnectError):
            httpx.post(f"http://127.0.0.1:{port}/item/app/1/filter/", json={}, timeout=10)
    finally:
        sandbox.close()
    _listen_on(port).close()  # closed, the address is free again


def test_wait_idle_returns_once_a_request_the_client_gave_up_on_is_applied(api: Api) -> None:
    sandbox = api.sandbox
    item_id = sandbox.info["richest_item_id"]
    revision = api.item(item_id)["revision"]
    sandbox.control.reset_log()
    sandbox.control.set_latency(0.5)
    with pytest.raises(httpx.ReadTimeout):
        api.put(
            f"/item/{item_id}", {"fields": {"progress": 7}}, timeout=httpx.Timeout(10, read=0.05)
        )
    sandbox.control.set_latency(0.0)
    assert sandbox.control.wait_idle()
    assert [entry.method for entry in sandbox.control.requests()] == ["PUT"]
    assert api.item(item_id)["revision"] == revision + 1
