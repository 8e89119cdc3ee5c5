"""Rate limits as Podio: headers, 420 once spent, per user per client, hourly window.

See docs/podio-api.md, Rate limits (420/429, headers).
"""

from __future__ import annotations

import re

from tests.sandbox.helpers import Api


def test_every_authenticated_answer_carries_the_headers(api: Api) -> None:
    first = api.get("/org/")
    second = api.get("/org/")
    assert first.headers["X-Rate-Limit-Limit"] == "1000"
    assert int(second.headers["X-Rate-Limit-Remaining"]) == (
        int(first.headers["X-Rate-Limit-Remaining"]) - 1
    )
    missing = api.get("/item/999999999")
    assert missing.status_code == 404
    assert "X-Rate-Limit-Remaining" in missing.headers


def test_filter_is_in_the_heavy_class(api: Api) -> None:
    tickets = api.sandbox.app_id("Tickets")
    general = api.get("/org/")
    heavy = api.post(f"/item/app/{tickets}/filter/", {})
    assert heavy.headers["X-Rate-Limit-Limit"] == "250"
    assert heavy.headers["X-Rate-Limit-Remaining"] == "249"
    assert general.headers["X-Rate-Limit-Limit"] == "1000"
    log = api.sandbox.control.requests()
    assert [entry.rate_class for entry in log[-2:]] == ["general", "heavy"]


def test_420_once_spent_then_recovery_after_the_hour(sandbox_factory) -> None:
    sandbox = sandbox_factory(rate_limits=(3, 2))
    with Api(sandbox) as api:
        api.sign_in()
        remaining = [api.get("/org/").headers["X-Rate-Limit-Remaining"] for _ in range(3)]
        assert remaining == ["2", "1", "0"]
        refused = api.get("/org/")
        assert refused.status_code == 420
        assert refused.headers["X-Rate-Limit-Limit"] == "3"
        assert refused.headers["X-Rate-Limit-Remaining"] == "0"
        assert not [name for name in refused.headers if "reset" in name.lower()]
        assert "Retry-After" not in refused.headers
        body = refused.json()
        assert body["error"] == "rate_limit"
        wait = re.search(r"Please wait (\d+) seconds", body["error_description"])
        assert wait is not None
        assert 3500 <= int(wait.group(1)) <= 3600
        # The heavy class has its own budget.
        tickets = sandbox.app_id("Tickets")
        assert api.post(f"/item/app/{tickets}/filter/", {}).status_code == 200
        sandbox.control.advance_clock(1800)
        later = api.get("/org/").json()["error_description"]
        assert int(re.findall(r"\d+", later)[0]) <= 1800
        sandbox.control.advance_clock(1801)
        again = api.get("/org/")
        assert again.status_code == 200
        assert again.headers["X-Rate-Limit-Remaining"] == "2"


def test_limits_are_per_user_per_client(sandbox_factory) -> None:
    sandbox = sandbox_factory(rate_limits=(2, 2))
    with Api(sandbox) as first, Api(sandbox, sandbox.info["second_client_id"]) as second:
        first.sign_in()
        second.sign_in()
        assert first.get("/org/").status_code == 200
        assert first.get("/org/").status_code == 200
        assert first.get("/org/").status_code == 420
        assert second.get("/org/").status_code == 200
        with Api(sandbox) as other_user:
            other_user.sign_in(sandbox.info["other_username"], sandbox.info["other_password"])
            assert other_user.get("/org/").status_code == 200


def test_storm_answers_420_to_the_next_requests(api: Api) -> None:
    control = api.sandbox.control
    control.start_rate_limit_storm(2)
    assert [api.get("/org/").status_code for _ in range(3)] == [420, 420, 200]
    control.start_rate_limit_storm()
    assert api.get("/org/").status_code == 420
    control.stop_rate_limit_storm()
    assert api.get("/org/").status_code == 200


def test_storm_asks_for_a_short_wait_not_the_rest_of_the_hour(api: Api) -> None:
    control = api.sandbox.control
    control.start_rate_limit_storm(1)
    default = api.get("/org/")
    control.start_rate_limit_storm(1, wait_seconds=42)
    configured = api.get("/org/")
    assert default.status_code == configured.status_code == 420
    assert "Please wait 5 seconds" in default.json()["error_description"]
    assert "Please wait 42 seconds" in configured.json()["error_description"]
