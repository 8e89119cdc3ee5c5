"""Nothing secret survives in an api log line."""

from __future__ import annotations

import logging

import pytest

from podio_desk.api.redact import REDACTED, get_logger, redact_mapping, redact_text


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: OAuth2 s3cr3tt0ken",
        "headers={'Authorization': 'Bearer s3cr3tt0ken'}",
        "grant_type=refresh_token&refresh_token=s3cr3tt0ken&client_secret=s3cr3tt0ken",
        '{"access_token": "s3cr3tt0ken", "token_type": "bearer"}',
        "password=s3cr3tt0ken&username=a@b.c",
        "app_token=s3cr3tt0ken",
        "/callback?code=s3cr3tt0ken&state=abc",
    ],
)
def test_redact_text(text: str) -> None:
    cleaned = redact_text(text)
    assert "s3cr3tt0ken" not in cleaned
    assert REDACTED in cleaned


def test_redact_keeps_harmless_words() -> None:
    assert redact_text("token_type=bearer expires_in=28800") == "token_type=bearer expires_in=28800"


def test_redact_mapping() -> None:
    clean = redact_mapping(
        {"Authorization": "OAuth2 x", "client_id": "id", "nested": {"password": "p"}}
    )
    assert clean == {"Authorization": REDACTED, "client_id": "id", "nested": {"password": REDACTED}}


def test_logger_filter_redacts_arguments(caplog: pytest.LogCaptureFixture) -> None:
    log = get_logger("podio_desk.api.test_redact_probe")
    with caplog.at_level(logging.DEBUG, logger="podio_desk.api.test_redact_probe"):
        log.debug("sending %s", {"Authorization": "OAuth2 s3cr3tt0ken"})
        log.info("body %s", "refresh_token=s3cr3tt0ken")
    assert "s3cr3tt0ken" not in caplog.text
    assert len(caplog.records) == 2
