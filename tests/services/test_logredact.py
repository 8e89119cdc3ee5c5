"""Secrets never reach a log: headers, OAuth bodies, JSON tokens, passwords, tracebacks."""

from __future__ import annotations

import io
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podio_desk.services.logredact import REDACTED, RedactingFilter, install_redaction, redact

SECRET = "s3cr3t-T0ken.value_42"


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: OAuth2 {SECRET}",
        f"{{'Authorization': 'Bearer {SECRET}', 'Accept': 'application/json'}}",
        f'{{"authorization": "OAuth2 {SECRET}"}}',
        f"grant_type=refresh_token&refresh_token={SECRET}&client_id=desk",
        f"client_id=desk&client_secret={SECRET}",
        f'{{"access_token": "{SECRET}", "token_type": "bearer", "expires_in": 28800}}',
        f"username=ann@example.com&password={SECRET}",
        f"https://api.podio.com/item/1?access_token={SECRET}",
        f"header was oauth2 {SECRET}",
        f"app_token={SECRET}",
        f"GET /oauth/authorize/callback?code={SECRET}&state=xyz",
    ],
)
def test_secrets_are_replaced(text: str) -> None:
    cleaned = redact(text)
    assert SECRET not in cleaned
    assert REDACTED in cleaned
    assert redact(cleaned) == cleaned


def test_harmless_text_is_kept() -> None:
    text = (
        "token_type=bearer expires_in=28800 grant_type=refresh_token item_id=42 tokens: 3 "
        'status_code=500 {"error_code": "not_found"}'
    )
    assert redact(text) == text


@given(st.text(alphabet=st.characters(codec="ascii", exclude_characters="\r"), max_size=80))
def test_redact_never_fails_and_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


def test_the_filter_redacts_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = install_redaction(logging.StreamHandler(stream))
    install_redaction(handler)
    assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    logger = logging.getLogger("tests.logredact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("sending %s", {"Authorization": f"OAuth2 {SECRET}"})
        try:
            raise RuntimeError(f"refused refresh_token={SECRET}")
        except RuntimeError:
            logger.exception("refresh failed")
        logger.warning("bad format %s %s", "only one")  # must not crash or leak
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    output = stream.getvalue()
    assert SECRET not in output
    assert "sending {'Authorization': 'OAuth2 [REDACTED]'}" in output
    assert "RuntimeError: refused refresh_token=[REDACTED]" in output
    assert "bad format %s %s (unformattable arguments dropped)" in output
