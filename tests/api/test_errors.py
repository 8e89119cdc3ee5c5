"""The typed error hierarchy built from status + Podio's error body."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from podio_desk.api.errors import (
    AuthError,
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    InvalidClient,
    InvalidGrant,
    NotFound,
    PodioError,
    RateLimited,
    ServerError,
    TokenExpired,
    Unavailable,
    error_from_response,
    parse_wait_seconds,
)

# Recorded Podio error bodies (provenance in that folder's README.md).
FIXTURES = Path(__file__).resolve().parents[1] / "sandbox" / "fixtures"


def body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (400, "invalid_value", BadRequest),
        (400, "invalid_grant", InvalidGrant),
        (400, "invalid_client", InvalidClient),
        (401, "unauthorized", AuthError),
        (403, "forbidden", Forbidden),
        (404, "not_found", NotFound),
        (409, "conflict", Conflict),
        (410, "gone", Gone),
        (420, "rate_limit", RateLimited),
        (500, "server_error", ServerError),
        (502, "unavailable", Unavailable),
        (503, "unavailable", Unavailable),
        (504, "unavailable", Unavailable),
    ],
)
def test_status_maps_to_class(status: int, error: str, expected: type[PodioError]) -> None:
    exc = error_from_response(
        status, body(error=error, error_description="x"), method="GET", path="/x"
    )
    assert type(exc) is expected
    assert exc.status == status
    assert exc.error == error
    assert exc.user_message


def test_invalid_grant_is_a_bad_request() -> None:
    exc = error_from_response(400, body(error="invalid_grant"))
    assert isinstance(exc, BadRequest)


def test_expired_token_fixture_is_token_expired() -> None:
    content = (FIXTURES / "error_401_expired_token.json").read_bytes()
    exc = error_from_response(401, content, method="GET", path="/user/status")
    assert isinstance(exc, TokenExpired)
    no_credential = (FIXTURES / "error_401_invalid_request_no_credential.json").read_bytes()
    assert type(error_from_response(401, no_credential)) is AuthError


def test_invalid_client_fixture() -> None:
    exc = error_from_response(400, (FIXTURES / "error_oauth_400_invalid_client.json").read_bytes())
    assert isinstance(exc, InvalidClient)
    assert exc.error_detail == "oauth.client.invalid_id"


def test_user_message_uses_description_only_when_propagated() -> None:
    shown = error_from_response(
        400,
        body(error="invalid_value", error_description="Title is too long", error_propagate=True),
    )
    hidden = error_from_response(
        400, body(error="invalid_value", error_description="internal: x", error_propagate=False)
    )
    assert shown.user_message == "Title is too long"
    assert hidden.user_message == BadRequest.default_message
    assert "internal: x" in str(hidden)  # kept for the log, not for the user


@pytest.mark.parametrize(
    "content", [b"<html>502 Bad Gateway</html>", b"", b"[1, 2]", b"\xff\xfe", None]
)
def test_broken_bodies_map_cleanly(content: bytes | None) -> None:
    exc = error_from_response(502, content, method="GET", path="/org/")
    assert isinstance(exc, Unavailable)
    assert exc.user_message == Unavailable.default_message
    assert exc.error == ""


def test_rate_limited_wait_hint() -> None:
    exc = error_from_response(
        420,
        body(
            error="rate_limit",
            error_description=(
                "You have hit the rate limit. Please wait 312 seconds before trying again"
            ),
        ),
    )
    assert isinstance(exc, RateLimited)
    assert exc.wait_seconds == 312
    assert error_from_response(420, b"oops").wait_seconds is None  # type: ignore[attr-defined]
    assert parse_wait_seconds("please WAIT 1 second") == 1


def test_unknown_status_is_still_a_podio_error() -> None:
    assert type(error_from_response(418, b"{}")) is PodioError
    assert type(error_from_response(507, b"{}")) is ServerError
