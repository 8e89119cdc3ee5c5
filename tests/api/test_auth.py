"""Token handling and the loopback listener, without a server."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from podio_desk.api.auth import (
    APP_AUTH_LABEL,
    AuthMode,
    BrowserSignInDenied,
    ClientCredentials,
    OAuth,
    Token,
    authorize_base_for,
    browser_sign_in,
)
from podio_desk.api.errors import NotPodio
from podio_desk.api.transport import Transport, TransportConfig


def test_token_from_response_and_json_roundtrip() -> None:
    token = Token.from_response(
        {
            "access_token": "a" * 128,
            "token_type": "bearer",
            "expires_in": 28800,
            "refresh_token": "r" * 32,
            "scope": "global:all",
            "ref": {"type": "user", "id": 7},
        },
        now=1000.0,
    )
    assert token.expires_at == 29800.0
    assert token.ref_type == "user"
    assert token.ref_id == 7
    assert not token.expires_within(300, now=1000.0)
    assert token.expires_within(300, now=29600.0)
    assert Token.from_json(token.to_json()) == token
    assert "a" * 16 not in repr(token)
    assert "r" * 16 not in repr(token)


def test_token_without_access_token_is_rejected() -> None:
    with pytest.raises(NotPodio, match="check the API address"):
        Token.from_response({"error": "nope"}, now=0.0)


def test_client_secret_is_hidden_from_repr() -> None:
    assert "s3cr3t" not in repr(ClientCredentials("id", "s3cr3t"))


def test_app_mode_is_labelled() -> None:
    assert APP_AUTH_LABEL in AuthMode.APP.label
    assert APP_AUTH_LABEL == "acts as the app"


@pytest.mark.parametrize(
    ("api", "browser"),
    [
        ("https://api.podio.com", "https://podio.com"),
        ("https://api.podio.com/", "https://podio.com"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
    ],
)
def test_authorize_base(api: str, browser: str) -> None:
    assert authorize_base_for(api) == browser


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_denied_in_the_browser() -> None:
    async def scenario() -> None:
        transport = Transport(TransportConfig(base_url=f"http://127.0.0.1:{_unused_port()}"))
        oauth = OAuth(transport, ClientCredentials("id", "secret"))

        async def deny(url: str) -> None:
            params = httpx.URL(url).params
            async with httpx.AsyncClient() as browser:
                reply = await browser.get(
                    params["redirect_uri"],
                    params={
                        "error": "access_denied",
                        "error_description": "No thanks",
                        "state": params["state"],
                    },
                )
                assert reply.status_code == 200

        try:
            with pytest.raises(BrowserSignInDenied, match="No thanks"):
                await browser_sign_in(oauth, deny, timeout_seconds=10)
        finally:
            await transport.aclose()

    asyncio.run(scenario())
