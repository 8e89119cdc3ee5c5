"""Client fidelity against the sandbox: token endpoints, Retry-After, learned rate classes,
updates answered without a body, spaces of orgs, bounded waits and deadlines."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

from podio_desk.api.auth import TOKEN_ENDPOINT_FORM, TOKEN_ENDPOINT_V2
from podio_desk.api.client import TokenEndpointLearned
from podio_desk.api.errors import ErrorBody, Offline, RateLimited, RateLimitPaused
from podio_desk.api.rateclass import RateClassBook, RateClassLearned, operation_key
from podio_desk.api.ratelimit import Priority, RateClass, RateLimitScheduler
from podio_desk.api.transport import TransportConfig, retry_after_seconds
from tests.api.helpers import FastClock, app_entry, info_value, make_client, run, signed_in


def token_paths(sandbox) -> list[tuple[str, int]]:
    return [(r.path, r.status) for r in sandbox.control.requests() if r.path.startswith("/oauth/")]


# ----------------------------------------------------------------------------- token endpoint


def test_sign_in_uses_the_v2_json_endpoint_and_remembers_it(sandbox) -> None:
    async def scenario() -> list[object]:
        learned: list[object] = []
        async with make_client(sandbox) as client:
            client.learned.subscribe(learned.append)
            await client.session.sign_in_password(
                info_value(sandbox.info, "username"), info_value(sandbox.info, "password")
            )
            assert client.oauth.token_endpoint == TOKEN_ENDPOINT_V2
        return learned

    learned = run(scenario())
    assert token_paths(sandbox) == [("/oauth/token/v2", 200)]
    assert learned == [TokenEndpointLearned(TOKEN_ENDPOINT_V2)]
    # A JSON body, not a form.
    body = next(r.body for r in sandbox.control.requests() if r.path == "/oauth/token/v2")
    assert body.lstrip().startswith("{")


def test_without_v2_the_form_endpoint_is_used_and_then_asked_first(sandbox) -> None:
    sandbox.control.set_token_v2(False)

    async def scenario() -> None:
        async with make_client(sandbox) as client:
            await client.session.sign_in_password(
                info_value(sandbox.info, "username"), info_value(sandbox.info, "password")
            )
            assert client.oauth.token_endpoint == TOKEN_ENDPOINT_FORM
            sandbox.control.reset_log()
            # A refresh goes straight to the endpoint that worked.
            sandbox.control.expire_all_tokens()
            assert await client.orgs()
            assert token_paths(sandbox) == [("/oauth/token", 200)]

    run(scenario())


def test_a_remembered_form_endpoint_skips_v2(sandbox) -> None:
    async def scenario() -> None:
        async with make_client(sandbox, token_endpoint=TOKEN_ENDPOINT_FORM) as client:
            await client.session.sign_in_password(
                info_value(sandbox.info, "username"), info_value(sandbox.info, "password")
            )

    run(scenario())
    assert token_paths(sandbox) == [("/oauth/token", 200)]


def test_a_refused_v2_sign_in_does_not_fall_back(sandbox) -> None:
    async def scenario() -> None:
        async with make_client(sandbox) as client:
            with pytest.raises(Exception, match=r"refused|incorrect"):
                await client.session.sign_in_password(
                    info_value(sandbox.info, "username"), "wrong password"
                )

    run(scenario())
    assert token_paths(sandbox) == [("/oauth/token/v2", 400)]


# ----------------------------------------------------------------------------- Retry-After


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    now = datetime(2026, 12, 4, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120.0
    assert retry_after_seconds("Fri, 04 Dec 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Fri, 04 Dec 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds("-5", now) is None
    assert retry_after_seconds(None, now) is None


def test_retry_after_wins_over_the_wait_text() -> None:
    body = ErrorBody(error="rate_limit", error_description="Please wait 60 seconds")
    assert RateLimited(body=body).wait_seconds == 60
    assert RateLimited(body=body, retry_after=7).wait_seconds == 7
    assert RateLimited(status=429, body=ErrorBody()).wait_seconds is None


# ----------------------------------------------------------------------------- rate classes


def test_operations_are_keyed_without_their_ids() -> None:
    assert operation_key("put", "/item/123?silent=1") == "PUT /item/{id}"
    assert operation_key("POST", "/item/app/9/filter/") == "POST /item/app/{id}/filter/"


def test_classes_are_learned_from_the_limit_header_and_reloaded() -> None:
    book = RateClassBook()
    seen: list[RateClassLearned] = []
    book.events.subscribe(seen.append)
    # Unknown writes are paced as heavy until an answer says otherwise.
    assert book.classify("POST", "/item/app/5/") is RateClass.HEAVY
    assert book.learn("POST", "/item/app/5/", 1000) is RateClass.GENERAL
    assert book.classify("POST", "/item/app/6/") is RateClass.GENERAL
    assert book.learn("GET", "/item/7", 5000) is RateClass.GENERAL
    # Below a larger limit seen on this account: the small class, even above 250.
    assert book.learn("GET", "/item/app/5/xlsx/", 1250) is RateClass.HEAVY
    assert [event.operation for event in seen] == [
        "POST /item/app/{id}/",
        "GET /item/{id}",
        "GET /item/app/{id}/xlsx/",
    ]
    again = RateClassBook(book.learned())
    assert again.classify("POST", "/item/app/1/") is RateClass.GENERAL
    assert again.classify("GET", "/item/app/1/xlsx/") is RateClass.HEAVY


def test_the_client_learns_each_operations_class_from_the_sandbox(sandbox) -> None:
    app = app_entry(sandbox, "Tickets")

    async def scenario() -> dict[str, str]:
        client = await signed_in(sandbox)
        async with client:
            page = await client.filter_items(app["app_id"], limit=1)
            item = page.items[0]
            await client.update_item(item.item_id, {}, revision=item.revision)
            return client.transport.rate_classes.learned()

    learned = run(scenario())
    # The sandbox counts filter in its 250/h class and updates in the 1 000/h one.
    assert learned["POST /item/app/{id}/filter/"] == "heavy"
    assert learned["PUT /item/{id}"] == "general"


# ----------------------------------------------------------------------------- updates


@pytest.mark.parametrize("shape", ["204", "empty", "null"])
def test_an_update_answered_without_a_revision_is_a_success(sandbox, shape: str) -> None:
    app = app_entry(sandbox, "Tickets")

    async def scenario() -> None:
        client = await signed_in(sandbox)
        async with client:
            item = (await client.filter_items(app["app_id"], limit=1)).items[0]
            title_field = next(f for f in item.fields if f.type == "text")
            sandbox.control.answer_updates_with(shape)
            fields = {str(title_field.field_id): "Answered without a body"}
            assert await client.update_item(item.item_id, fields, revision=item.revision) is None
            outcome = await client.update_item_safely(
                item.item_id,
                {str(title_field.field_id): "Again"},
                revision=item.revision + 1,
            )
            assert outcome.revision is None
            # The revision is there to read when someone needs it.
            assert (await client.item(item.item_id)).revision == item.revision + 2

    run(scenario())
    statuses = [r.status for r in sandbox.control.requests() if r.method == "PUT"]
    assert statuses == [204 if shape == "204" else 200] * 2


# ----------------------------------------------------------------------------- spaces


@pytest.mark.parametrize("shape", ["all", "none", "partial"])
def test_every_org_lists_all_its_spaces_however_org_list_nests_them(sandbox, shape) -> None:
    with sandbox.state.lock:
        expected = {
            org_id: {s.space_id for s in sandbox.state.spaces.values() if s.org_id == org_id}
            for org_id in sandbox.state.orgs
        }
    assert any(len(spaces) > 1 for spaces in expected.values())
    sandbox.control.list_org_spaces(shape)

    async def scenario() -> dict[int, set[int]]:
        client = await signed_in(sandbox)
        async with client:
            return {
                org.org_id: {space.space_id for space in org.spaces} for org in await client.orgs()
            }

    assert run(scenario()) == expected
    asked = [r.path for r in sandbox.control.requests() if r.path.startswith("/space/org/")]
    assert sorted(asked) == sorted(f"/space/org/{org_id}/" for org_id in expected)


# ----------------------------------------------------------------------------- bounds


def test_a_storm_longer_than_the_bound_pauses_the_job_and_says_so(sandbox) -> None:
    async def scenario() -> None:
        clock = FastClock(sandbox)
        scheduler = RateLimitScheduler(clock=clock, sleep=clock.sleep, max_rate_limit_waits=3)
        client = await signed_in(sandbox, scheduler=scheduler)
        async with client:
            sandbox.control.start_rate_limit_storm(count=10, wait_seconds=2)
            with pytest.raises(RateLimitPaused) as caught:
                await client.orgs(priority=Priority.BACKGROUND)
            assert "paused" in caught.value.user_message
            assert caught.value.waits == 3

    run(scenario())
    refused = [r for r in sandbox.control.requests() if r.status == 420]
    assert len(refused) == 4  # the first answer and three waits, then it stops asking


def test_a_trickling_answer_is_cut_off_at_the_deadline(sandbox) -> None:
    async def scenario() -> float:
        config = TransportConfig(
            base_url=sandbox.url, attempt_deadline=1.0, min_body_rate=1000.0, read_retries=0
        )
        client = await signed_in(sandbox, config=config)
        async with client:
            # A byte every half second: each read is quick, the answer never completes.
            sandbox.control.start_trickle(0.5)
            started = time.monotonic()
            with pytest.raises(Offline):
                await client.orgs()
            elapsed = time.monotonic() - started
            sandbox.control.stop_trickle()
            return elapsed

    assert run(scenario()) < 10


def test_a_refresh_is_one_step_of_the_attempt_not_a_retry_loop() -> None:
    """A token endpoint failing during a refresh costs one token call per attempt of the
    request, never a retry loop of its own inside each attempt."""
    import httpx

    from podio_desk.api.auth import ClientCredentials, OAuth, Session, Token
    from podio_desk.api.transport import Transport

    calls: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path.startswith("/oauth/token"):
            return httpx.Response(503, json={"error": "unavailable"})
        return httpx.Response(
            401, json={"error": "unauthorized", "error_description": "expired_token"}
        )

    async def scenario() -> None:
        http = httpx.AsyncClient(
            base_url="http://podio.test", transport=httpx.MockTransport(answer)
        )
        transport = Transport(
            TransportConfig(base_url="http://podio.test", read_retries=2), http=http,
            sleep=lambda _s: asyncio.sleep(0),
        )  # fmt: skip
        session = Session(OAuth(transport, ClientCredentials("id", "secret")))
        session.set_token(Token("access", "refresh", time.time() + 3600), persist=False)
        transport.auth = session
        try:
            with pytest.raises(Exception, match="unavailable"):
                await transport.request("GET", "/org/")
        finally:
            await transport.aclose()

    run(scenario())
    # One API call refused, then three attempts (the first and two retries) each renewing
    # the token once.
    assert calls == ["/org/", "/oauth/token/v2", "/oauth/token/v2", "/oauth/token/v2"]


def test_gather_under_a_headerless_budget_is_paced(sandbox) -> None:
    """Unit check of the scheduler against a counted budget (no rate headers at all)."""

    async def scenario() -> tuple[list[float], FastClock]:
        clock = FastClock()
        scheduler = RateLimitScheduler(clock=clock, sleep=clock.sleep, budget=(10, 10))
        sent: list[float] = []

        async def call() -> None:
            sent.append(clock.now)
            scheduler.observe_unreported(RateClass.GENERAL)
            await asyncio.sleep(0)

        await asyncio.gather(
            *(
                scheduler.run(call, priority=Priority.BACKGROUND, rate_class=RateClass.GENERAL)
                for _ in range(20)
            )
        )
        await scheduler.aclose()
        return sent, clock

    sent, clock = run(scenario())
    start = sent[0]
    within_hour = [t for t in sent if t < start + 3600]
    # At most the budget in the first hour; the rest only once the hour has passed.
    assert len(within_hour) <= 10
    assert len(sent) == 20
    assert clock.now >= start + 3600
