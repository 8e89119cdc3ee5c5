"""Gateway accounts against the sandbox's gateway mode, over real HTTP: the path prefix, the
Bearer key and extra headers, no rate headers, 429 with Retry-After, and a whole sync."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from podio_desk.api.client import PodioClient
from podio_desk.api.errors import BadRequest, GatewayKeyRefused, SignInRequired
from podio_desk.api.ratelimit import RateLimitScheduler, RateLimitWait
from podio_desk.api.transport import TransportConfig
from podio_desk.cache.cache import Cache
from podio_desk.sandbox import Sandbox
from podio_desk.sandbox.gateway import GatewayConfig
from podio_desk.secrets import SecretStore
from podio_desk.services.accounts import AccountService
from podio_desk.services.sync import PodioSyncApi
from podio_desk.services.sync_process import SyncJob, sync_in_child_process
from tests.api.helpers import FastClock, no_wait, run
from tests.faults.rig import assert_cache_equals_sandbox, sandbox_items
from tests.secret_scan import find_secrets, secrets_used

API_KEY = "gw-key-5b1f0c2e9a7d"
CONNECTION = ("Maton-Connection", "conn-7f3e9b21c4")


def gateway_sandbox(sandbox_factory, **config) -> Sandbox:
    config.setdefault("api_key", API_KEY)
    config.setdefault("required_headers", dict([CONNECTION]))
    items = config.pop("items", 60)
    sandbox: Sandbox = sandbox_factory(items=items, gateway=GatewayConfig(**config))
    return sandbox


def gateway_client(sandbox: Sandbox, **kwargs) -> PodioClient:
    kwargs.setdefault("headers", dict([CONNECTION]))
    kwargs.setdefault("sleep", no_wait)
    return PodioClient.for_gateway(
        kwargs.pop("api_key", API_KEY),
        config=TransportConfig(base_url=sandbox.gateway_url, read_timeout=30.0),
        **kwargs,
    )


def direct_call(sandbox: Sandbox, path: str) -> int:
    """One request to the gateway from outside the app (another user of the same key)."""
    request = urllib.request.Request(
        sandbox.gateway_url + path,
        headers={"Authorization": f"Bearer {API_KEY}", CONNECTION[0]: CONNECTION[1]},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert "X-Rate-Limit-Limit" not in reply.headers
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_requests_go_under_the_prefix_with_the_key_and_headers(sandbox_factory) -> None:
    sandbox = gateway_sandbox(sandbox_factory)

    async def scenario() -> None:
        async with gateway_client(sandbox) as client:
            orgs = await client.orgs()
            assert orgs
            assert all(org.spaces for org in orgs)
            tickets = sandbox.app_id("Tickets")
            page = await client.filter_items(tickets, limit=5)
            assert len(page.items) == 5
            # No rate headers came back, so the budget is the configured one, counted here.
            state = client.scheduler.state(client.transport.rate_classes.classify("GET", "/org/"))
            assert state.unreported
            assert state.limit == 1000

    run(scenario())
    # The sandbox behind the gateway saw Podio's own paths.
    paths = [r.path for r in sandbox.control.requests()]
    assert "/org/" in paths
    assert not any(path.startswith("/podio") for path in paths)


def test_a_refused_key_says_so_and_never_asks_to_sign_in_to_podio(sandbox_factory) -> None:
    sandbox = gateway_sandbox(sandbox_factory)

    async def scenario() -> GatewayKeyRefused:
        async with gateway_client(sandbox, api_key="not-the-key") as client:
            with pytest.raises(GatewayKeyRefused) as caught:
                await client.orgs()
            return caught.value

    error = run(scenario())
    assert not isinstance(error, SignInRequired)
    assert "gateway refused" in error.user_message
    assert "sign in" not in error.user_message.lower()
    assert [r.status for r in sandbox.control.requests()] == [401]  # asked once, no refresh


def test_the_extra_headers_are_sent(sandbox_factory) -> None:
    sandbox = gateway_sandbox(sandbox_factory)

    async def scenario() -> None:
        async with gateway_client(sandbox, headers={}) as client:
            with pytest.raises(BadRequest):
                await client.scope()
        async with gateway_client(sandbox) as client:
            assert await client.scope()

    run(scenario())


def test_a_429_is_waited_out_for_its_retry_after(sandbox_factory) -> None:
    sandbox = gateway_sandbox(sandbox_factory, limit=3, window=3600.0)
    assert [direct_call(sandbox, "/org/") for _ in range(3)] == [200, 200, 200]

    async def scenario() -> list[RateLimitWait]:
        clock = FastClock(sandbox)
        scheduler = RateLimitScheduler(clock=clock, sleep=clock.sleep)
        waits: list[RateLimitWait] = []

        def note(event: object) -> None:
            if isinstance(event, RateLimitWait):
                waits.append(event)

        scheduler.events.subscribe(note)
        async with gateway_client(sandbox, scheduler=scheduler) as client:
            assert await client.scope()
        return waits

    waits = run(scenario())
    assert len(waits) == 1
    # Retry-After is the rest of the gateway's hour, not a guessed backoff.
    assert 3500 < waits[0].seconds <= 3601
    assert [r.status for r in sandbox.control.requests() if r.path.startswith("/podio")] == [429]


def test_gateway_account_syncs_an_app_with_no_429_beyond_the_first(
    sandbox_factory, tmp_path: Path
) -> None:
    """Done when (issue 18): a gateway account syncs an app through the gateway mode, with
    no rate headers and 429s, and is refused only once. The gateway allows 10 calls an hour;
    someone else spent 3 of this hour before the sync started, which the app cannot know."""
    sandbox = gateway_sandbox(sandbox_factory, items=200, limit=10, window=3600.0)
    tickets = sandbox.app_id("Tickets")
    for _ in range(3):
        assert direct_call(sandbox, "/oauth/scope") == 200
    sandbox.control.reset_log()
    clock = FastClock(sandbox)  # the hours of waiting are simulated, the sandbox's clock too

    def gateway_factory(account, api_key, headers):
        return PodioClient.for_gateway(
            api_key,
            headers=headers,
            base_url=account.api_url,
            scheduler=RateLimitScheduler(clock=clock, sleep=clock.sleep),
            sleep=no_wait,
        )

    async def scenario() -> tuple[int, int, dict[str, Any]]:
        accounts = AccountService(
            tmp_path / "profile", SecretStore(), gateway_factory=gateway_factory
        )
        try:
            await accounts.load()
            account = await accounts.add_gateway(
                name="Through the gateway",
                api_url=sandbox.gateway_url,
                api_key=API_KEY,
                headers=dict([CONNECTION]),
                rate_limit=(10, 10),
            )
            client = await accounts.client(account.key)
            cache = await Cache.open(tmp_path / "cache", account.key)
            try:
                result = await sync_in_child_process(
                    PodioSyncApi(client),
                    SyncJob(cache.path, tickets, page_size=10),
                    budget=client.scheduler,
                )
                await assert_cache_equals_sandbox(sandbox, cache, tickets)
                stored = len(sandbox_items(sandbox, tickets))
            finally:
                await cache.aclose()
            await accounts.flush()
            saved = json.loads((tmp_path / "profile" / "accounts.json").read_text())
            return result.added, stored, saved["accounts"][0]
        finally:
            await accounts.aclose()

    added, stored, saved = run(scenario())
    assert added == stored == 200
    statuses = [r.status for r in sandbox.control.requests() if r.path.startswith("/podio")]
    assert statuses.count(429) == 1, statuses
    # More than one hour's budget was needed: the pacing, not luck, kept the gateway happy.
    assert clock.slept > 3600
    # The settings reached the client, and the secrets stayed out of the profile.
    assert saved["rate_limit"] == [10, 10]
    assert saved["header_names"] == [CONNECTION[0]]
    leaks = find_secrets(tmp_path, secrets_used(sandbox, api_key=API_KEY, connection=CONNECTION[1]))
    assert leaks == []
