"""OAuth against the sandbox over real HTTP: every way in, refresh, and the sign-in-again state."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
import pytest

from podio_desk.api.auth import (
    BrowserSignInTimeout,
    SessionState,
    SessionStateChanged,
    TokenChanged,
)
from podio_desk.api.errors import InvalidClient, InvalidGrant, SignInRequired
from podio_desk.api.redact import REDACTED
from podio_desk.sandbox import LoggedRequest
from tests.api.helpers import first_app, info_value, make_client, run, signed_in


def token_calls(sandbox) -> list[LoggedRequest]:
    return [r for r in sandbox.control.requests() if r.path.startswith("/oauth/token")]


def test_password_sign_in(sandbox) -> None:
    async def scenario() -> None:
        async with make_client(sandbox) as client:
            events: list[object] = []
            client.session.events.subscribe(events.append)
            token = await client.session.sign_in_password(
                info_value(sandbox.info, "username"), info_value(sandbox.info, "password")
            )
            assert token.ref_type == "user"
            assert not token.acts_as_app
            assert token.expires_at > time.time() + 3600
            assert client.session.state is SessionState.SIGNED_IN
            assert any(isinstance(e, TokenChanged) and e.token == token for e in events)
            orgs = await client.orgs()
            assert orgs

    run(scenario())


def test_wrong_password_is_invalid_grant(sandbox) -> None:
    async def scenario() -> None:
        async with make_client(sandbox) as client:
            with pytest.raises(InvalidGrant) as caught:
                await client.session.sign_in_password(info_value(sandbox.info, "username"), "nope")
            assert caught.value.user_message
            assert client.session.state is SessionState.SIGNED_OUT

    run(scenario())


def test_wrong_client_secret_is_invalid_client(sandbox) -> None:
    async def scenario() -> None:
        async with make_client(sandbox) as client:
            client.oauth.credentials = type(client.oauth.credentials)(
                info_value(sandbox.info, "client_id"), "wrong-secret"
            )
            with pytest.raises(InvalidClient):
                await client.session.sign_in_password(
                    info_value(sandbox.info, "username"), info_value(sandbox.info, "password")
                )

    run(scenario())


def test_app_sign_in_acts_as_the_app(sandbox) -> None:
    app = first_app(sandbox)

    async def scenario() -> None:
        async with make_client(sandbox) as client:
            token = await client.session.sign_in_app(app["app_id"], app["app_token"])
            assert token.acts_as_app
            assert token.ref_id == app["app_id"]
            definition = await client.app(app["app_id"])
            assert definition.app_id == app["app_id"]
            page = await client.filter_items(app["app_id"], limit=5)
            assert len(page.items) == min(5, page.filtered)

    run(scenario())


def test_browser_sign_in_with_loopback_listener(sandbox) -> None:
    async def scenario() -> None:
        opened: list[str] = []
        refused: list[int] = []

        async def open_browser(url: str) -> None:
            opened.append(url)
            async with httpx.AsyncClient() as browser:
                authorize = await browser.get(url)
                assert authorize.status_code == 302
                location = authorize.headers["location"]
                # Someone else's callback (wrong state) is refused and does not end the flow.
                forged = location.split("?")[0] + "?code=forged&state=not-ours"
                refused.append((await browser.get(forged)).status_code)
                callback = await browser.get(location)
                assert callback.status_code == 200

        async with make_client(sandbox) as client:
            token = await client.session.sign_in_browser(open_browser, timeout_seconds=20)
            assert token.ref_type == "user"
            assert client.session.state is SessionState.SIGNED_IN
            assert await client.orgs()
        assert opened[0].startswith(f"{sandbox.url}/oauth/authorize?")
        assert "state=" in opened[0]
        assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in opened[0]
        assert refused == [400]
        grants = [r for r in token_calls(sandbox) if "authorization_code" in r.body]
        assert len(grants) == 1

    run(scenario())


def test_browser_sign_in_times_out_and_closes_listener(sandbox) -> None:
    async def scenario() -> None:
        urls: list[str] = []
        async with make_client(sandbox) as client:
            with pytest.raises(BrowserSignInTimeout):
                await client.session.sign_in_browser(urls.append, timeout_seconds=0.2)
        redirect = httpx.URL(urls[0]).params["redirect_uri"]
        with pytest.raises(httpx.ConnectError):
            async with httpx.AsyncClient() as browser:
                await browser.get(redirect)

    run(scenario())


def test_browser_sign_in_can_be_cancelled(sandbox) -> None:
    async def scenario() -> None:
        async with make_client(sandbox) as client:
            task = asyncio.create_task(client.session.sign_in_browser(lambda url: None))
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert client.session.state is SessionState.SIGNED_OUT

    run(scenario())


def test_proactive_refresh_before_expiry(sandbox) -> None:
    async def scenario() -> None:
        now = [time.time()]
        client = await signed_in(sandbox, clock=lambda: now[0])
        async with client:
            old = client.session.token
            assert old is not None
            sandbox.control.reset_log()
            now[0] = old.expires_at - 60  # inside the 5-minute margin
            await client.orgs()
            paths = [(r.method, r.path, r.status) for r in sandbox.control.requests()]
            assert paths[:2] == [("POST", "/oauth/token/v2", 200), ("GET", "/org/", 200)]
            new = client.session.token
            assert new is not None
            assert new.access_token != old.access_token
            assert new.refresh_token == old.refresh_token
            assert client.session.refresh_count == 1

    run(scenario())


def test_401_refresh_is_single_flight(sandbox) -> None:
    async def scenario() -> None:
        client = await signed_in(sandbox)
        async with client:
            await client.orgs()
            sandbox.control.expire_all_tokens()
            sandbox.control.reset_log()
            results = await asyncio.gather(*(client.orgs() for _ in range(10)))
            assert all(results)
            log = sandbox.control.requests()
            refreshes = [r for r in log if r.path.startswith("/oauth/token")]
            assert len(refreshes) == 1
            assert "refresh_token" in refreshes[0].body
            assert client.session.refresh_count == 1
            ok = [r for r in log if r.path == "/org/" and r.status == 200]
            assert len(ok) == 10
            assert all(r.status in (200, 401) for r in log)

    run(scenario())


def test_revoked_refresh_token_ends_in_sign_in_required(sandbox) -> None:
    async def scenario() -> None:
        client = await signed_in(sandbox)
        async with client:
            states: list[SessionStateChanged] = []
            client.session.events.subscribe(
                lambda e: states.append(e) if isinstance(e, SessionStateChanged) else None
            )
            with sandbox.state.lock:
                sandbox.state.refresh_grants.clear()
            sandbox.control.expire_all_tokens()
            sandbox.control.reset_log()
            outcomes = await asyncio.gather(
                *(client.orgs() for _ in range(5)), return_exceptions=True
            )
            assert all(isinstance(o, SignInRequired) for o in outcomes)
            assert client.session.state is SessionState.SIGN_IN_REQUIRED
            assert client.session.sign_in_required
            assert client.session.token is None
            assert [s.state for s in states] == [SessionState.SIGN_IN_REQUIRED]
            assert "sign in again" in states[0].message.lower()
            assert len(token_calls(sandbox)) == 1  # one attempt, no loop
            # Further requests fail fast without touching the network.
            sandbox.control.reset_log()
            with pytest.raises(SignInRequired):
                await client.orgs()
            assert sandbox.control.requests() == []
            # Signing in again recovers.
            await client.session.sign_in_password(
                info_value(sandbox.info, "username"), info_value(sandbox.info, "password")
            )
            assert await client.orgs()

    run(scenario())


def test_no_secret_in_logs(sandbox, caplog: pytest.LogCaptureFixture) -> None:
    secrets_seen: list[str] = [
        info_value(sandbox.info, "password"),
        info_value(sandbox.info, "client_secret"),
    ]

    async def scenario() -> None:
        with caplog.at_level(logging.DEBUG):
            client = await signed_in(sandbox)
            async with client:
                token = client.session.token
                assert token is not None
                assert token.refresh_token is not None
                secrets_seen.extend([token.access_token, token.refresh_token])
                await client.orgs()
                sandbox.control.expire_all_tokens()
                await client.orgs()  # 401 -> refresh -> retry
                token = client.session.token
                assert token is not None
                secrets_seen.append(token.access_token)
                repr(token)
                logging.getLogger("tests").debug("token object: %r", token)
                app = first_app(sandbox)
                await client.filter_items(app["app_id"], limit=2)

    run(scenario())
    assert caplog.records
    # The api layer really logged the traffic at DEBUG (so the check below means something).
    assert "-> POST /oauth/token" in caplog.text
    assert "Refreshing the access token" in caplog.text
    assert REDACTED in caplog.text
    text = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    for secret in secrets_seen:
        assert secret not in text
