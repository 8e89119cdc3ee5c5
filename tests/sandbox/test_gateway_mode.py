"""The sandbox's gateway mode and its answer-shape switches, over raw HTTP."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from podio_desk.sandbox import Sandbox
from podio_desk.sandbox.gateway import GatewayConfig

KEY = "sandbox-gateway-key"


@pytest.fixture
def gateway(sandbox_factory) -> Sandbox:
    sandbox: Sandbox = sandbox_factory(
        items=10,
        gateway=GatewayConfig(
            api_key=KEY, required_headers={"Maton-Connection": "c1"}, limit=3, window=60.0
        ),
    )
    return sandbox


def gateway_http(sandbox: Sandbox, **headers: str) -> httpx.Client:
    return httpx.Client(
        base_url=sandbox.gateway_url,
        headers={"Authorization": f"Bearer {KEY}", "Maton-Connection": "c1", **headers},
        timeout=10,
    )


def test_podio_paths_under_the_prefix_without_rate_headers(gateway: Sandbox) -> None:
    with gateway_http(gateway) as http:
        reply = http.get("/org/")
    assert reply.status_code == 200
    assert reply.json()[0]["spaces"]
    assert not [name for name in reply.headers if name.lower().startswith("x-rate-limit")]
    # Without the prefix there is no Podio here.
    assert httpx.get(f"{gateway.url}/org/", timeout=10).status_code == 404


def test_the_key_and_the_required_header_are_checked(gateway: Sandbox) -> None:
    with gateway_http(gateway, Authorization="Bearer wrong") as http:
        assert http.get("/org/").status_code == 401
    with gateway_http(gateway, **{"Maton-Connection": "other"}) as http:
        assert http.get("/org/").status_code == 400


def test_past_its_limit_it_answers_429_with_retry_after(gateway: Sandbox) -> None:
    with gateway_http(gateway) as http:
        assert [http.get("/oauth/scope").status_code for _ in range(3)] == [200] * 3
        refused = http.get("/oauth/scope")
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        gateway.control.advance_clock(61)
        assert http.get("/oauth/scope").status_code == 200
    # The control paths stay outside the gateway.
    assert httpx.get(f"{gateway.url}/_sandbox/requests", timeout=10).status_code == 200


def test_command_line_gateway_mode_prints_its_address_and_key() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "podio_desk", "sandbox", "--items", "5", "--gateway",
         "--gateway-key", KEY, "--gateway-limit", "50,60", "--exit-with-stdin"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:  # fmt: skip
        assert process.stdin is not None
        assert process.stdout is not None
        try:
            info = json.loads(process.stdout.readline())
            assert info["gateway_url"] == info["url"] + "/podio"
            assert info["gateway_api_key"] == KEY
            reply = httpx.get(
                info["gateway_url"] + "/org/",
                headers={"Authorization": f"Bearer {KEY}"},
                timeout=10,
            )
            assert reply.status_code == 200
            process.stdin.close()
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


# ----------------------------------------------------------------------------- answer shapes


def _token(sandbox: Sandbox, path: str) -> httpx.Response:
    info = sandbox.info
    params = {
        "grant_type": "password",
        "username": info["username"],
        "password": info["password"],
        "client_id": info["client_id"],
        "client_secret": info["client_secret"],
    }
    if path.endswith("/v2"):
        return httpx.post(sandbox.url + path, json=params, timeout=10)
    return httpx.post(sandbox.url + path, data=params, timeout=10)


def test_token_v2_can_be_made_absent(sandbox: Sandbox) -> None:
    assert _token(sandbox, "/oauth/token/v2").status_code == 200
    httpx.post(f"{sandbox.url}/_sandbox/token_v2", json={"available": False}, timeout=10)
    missing = _token(sandbox, "/oauth/token/v2")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    assert _token(sandbox, "/oauth/token").status_code == 200


@pytest.mark.parametrize(("shape", "status", "body"), [("204", 204, b""), ("empty", 200, b""),
                                                       ("null", 200, b"null")])  # fmt: skip
def test_updates_can_answer_without_a_body(
    sandbox: Sandbox, shape: str, status: int, body: bytes
) -> None:
    token = _token(sandbox, "/oauth/token").json()["access_token"]
    item_id = sandbox.state.richest_item_id
    assert item_id is not None
    httpx.post(f"{sandbox.url}/_sandbox/update_answer", json={"shape": shape}, timeout=10)
    reply = httpx.put(
        f"{sandbox.url}/item/{item_id}",
        json={"tags": ["answered"]},
        headers={"Authorization": f"OAuth2 {token}"},
        timeout=10,
    )
    assert (reply.status_code, reply.content) == (status, body)
    assert "answered" in sandbox.state.items[item_id].tags


@pytest.mark.parametrize("shape", ["none", "partial"])
def test_org_list_can_leave_spaces_out(sandbox: Sandbox, shape: str) -> None:
    token = _token(sandbox, "/oauth/token").json()["access_token"]
    headers = {"Authorization": f"OAuth2 {token}"}
    full = httpx.get(f"{sandbox.url}/org/", headers=headers, timeout=10).json()
    httpx.post(f"{sandbox.url}/_sandbox/org_spaces", json={"shape": shape}, timeout=10)
    shaped = httpx.get(f"{sandbox.url}/org/", headers=headers, timeout=10).json()
    for before, after in zip(full, shaped, strict=True):
        if shape == "none":
            assert "spaces" not in after
        else:
            assert after["spaces"] == before["spaces"][:1]
    # The org's own list still has them all.
    org_id = full[0]["org_id"]
    listed = httpx.get(f"{sandbox.url}/space/org/{org_id}/", headers=headers, timeout=10).json()
    assert len(listed) == len(full[0]["spaces"])
