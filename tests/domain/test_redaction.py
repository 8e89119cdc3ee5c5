"""What the cache and the log leave out: secret-named keys, tokens in URLs, known secret values."""

from __future__ import annotations

import copy

import pytest

from podio_desk.domain.redaction import (
    REDACTED,
    redact_known_secrets,
    remember_secret,
    strip_secrets,
    strip_url_secrets,
)


def test_secret_named_keys_are_dropped_at_any_depth() -> None:
    app = {
        "app_id": 7,
        "token": "app-t0ken-value",
        "config": {"name": "Leads", "API_Key": "k3y-value"},
        "hooks": [{"url": "https://example.com/hook", "client_secret": "s3cret-value"}],
        "auth": {"Authorization": "OAuth2 abc", "password": "pa55word", "refresh_token": "r"},
        "token_type": "bearer",
    }
    before = copy.deepcopy(app)
    clean = strip_secrets(app)
    assert clean == {
        "app_id": 7,
        "config": {"name": "Leads"},
        "hooks": [{"url": "https://example.com/hook"}],
        "auth": {},
    }
    assert app == before  # the caller's payload is left alone


def test_a_payload_without_secrets_is_returned_as_is() -> None:
    item = {"item_id": 1, "fields": [{"values": [{"value": "text"}]}], "link": "https://x/1"}
    assert strip_secrets(item) is item


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://files.example.com/a.png?token=abc123", "https://files.example.com/a.png"),
        ("https://f.example.com/a?access_token=abc&dl=1", "https://f.example.com/a?dl=1"),
        ("https://f.example.com/a?dl=1&oauth_token=abc#top", "https://f.example.com/a?dl=1#top"),
        ("https://f.example.com/a?size=2&X-Api-Key=abc&w=3", "https://f.example.com/a?size=2&w=3"),
        ("https://f.example.com/a?size=2", "https://f.example.com/a?size=2"),
        ("see https://f.example.com/a?token=abc.", "see https://f.example.com/a"),
    ],
)
def test_tokens_leave_urls(url: str, expected: str) -> None:
    assert strip_url_secrets(url) == expected
    assert strip_secrets({"link": url}) == {"link": expected}


def test_what_a_user_typed_is_kept_as_typed() -> None:
    item = {"fields": [{"values": [{"value": "see https://x.example.com/?token=abc"}]}]}
    assert strip_secrets(item) is item


def test_plain_text_about_tokens_is_kept() -> None:
    text = "token_type=bearer expires_in=28800; 3 tokens left"
    assert strip_url_secrets(text) == text


def test_known_secret_values_are_replaced_wherever_they_appear() -> None:
    secret = "Zq9-client/secret+value"
    remember_secret(secret, None, "12345")  # None and short values are ignored
    assert redact_known_secrets(f"result: {secret!r}") == f"result: '{REDACTED}'"
    # As it travels in a form body or a URL path, too.
    assert secret not in redact_known_secrets("client_secret=Zq9-client%2Fsecret%2Bvalue")
    assert "Zq9-client%2Fsecret%2Bvalue" not in redact_known_secrets(
        "x Zq9-client%2Fsecret%2Bvalue"
    )
    assert redact_known_secrets("ids 12345 and 67890") == "ids 12345 and 67890"
    assert strip_secrets({"note": f"pasted {secret}"}) == {"note": f"pasted {REDACTED}"}
