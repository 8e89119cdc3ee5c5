"""OAuth contract: both token endpoints, grants, the authorize redirect, 401 shapes.

See docs/podio-api.md, Authentication and tokens.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse

import httpx
import pytest

from podio_desk.sandbox import Sandbox
from tests.sandbox.helpers import Api, fixture


def _form(info: dict[str, object], **extra: object) -> dict[str, object]:
    return {"client_id": info["client_id"], "client_secret": info["client_secret"], **extra}


def _password(info: dict[str, object]) -> dict[str, object]:
    return _form(info, grant_type="password", username=info["username"], password=info["password"])


@pytest.fixture
def web(sandbox: Sandbox):
    with httpx.Client(base_url=sandbox.url, timeout=10) as client:
        yield client


def test_password_grant_on_the_form_endpoint_gives_podios_token_shape(sandbox, web) -> None:
    reply = web.post("/oauth/token", data=_password(sandbox.info))
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "scope",
        "ref",
    }
    assert len(body["access_token"]) == 128
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 28800
    assert body["scope"] == "global:all"
    assert body["ref"] == {"type": "user", "id": 1001}
    assert "X-Rate-Limit-Limit" not in reply.headers


def test_form_endpoint_rejects_json_as_missing_client_id(sandbox, web) -> None:
    reply = web.post("/oauth/token", json=_password(sandbox.info))
    assert reply.status_code == 400
    assert reply.json() == {
        "error": "invalid_client",
        "error_detail": None,
        "error_description": "Missing parameter client_id",
    }


def test_v2_endpoint_takes_json(sandbox, web) -> None:
    reply = web.post("/oauth/token/v2", json=_password(sandbox.info))
    assert reply.status_code == 200
    assert reply.json()["ref"]["type"] == "user"


def test_v2_endpoint_rejects_form_as_null(sandbox, web) -> None:
    reply = web.post("/oauth/token/v2", data=_password(sandbox.info))
    assert reply.status_code == 400
    body = reply.json()
    assert body["error"] == "invalid_value"
    assert body["error_description"] == "Invalid value null (null): must be object"
    assert body["request"]["url"] == "/oauth/token/v2"


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/token/v2"])
def test_wrong_client_id_is_the_recorded_invalid_client(sandbox, web, path) -> None:
    params = {**_password(sandbox.info), "client_id": "nobody"}
    reply = web.post(path, data=params) if path == "/oauth/token" else web.post(path, json=params)
    assert reply.status_code == 400
    assert reply.json() == fixture("error_oauth_400_invalid_client.json")


@pytest.mark.parametrize(
    ("change", "error", "detail"),
    [
        ({"client_secret": "wrong"}, "invalid_client", "oauth.client.invalid_secret"),
        ({"username": "nobody@example.com"}, "invalid_grant", "user.invalid.username"),
        ({"password": "wrong"}, "invalid_grant", "user.invalid.password"),
    ],
)
def test_bad_credentials_name_what_was_wrong(sandbox, web, change, error, detail) -> None:
    reply = web.post("/oauth/token", data={**_password(sandbox.info), **change})
    assert reply.status_code == 400
    body = reply.json()
    assert (body["error"], body["error_detail"]) == (error, detail)


def test_app_grant_has_a_refresh_token_and_reaches_only_its_app(sandbox, web) -> None:
    apps = {app["name"]: app for app in sandbox.info["apps"]}
    tickets, books = apps["Tickets"], apps["Books"]
    reply = web.post(
        "/oauth/token",
        data=_form(
            sandbox.info,
            grant_type="app",
            app_id=tickets["app_id"],
            app_token=tickets["app_token"],
        ),
    )
    body = reply.json()
    assert reply.status_code == 200
    assert body["ref"] == {"type": "app", "id": tickets["app_id"]}
    assert body["refresh_token"]
    headers = {"Authorization": f"OAuth2 {body['access_token']}"}
    assert web.get(f"/app/{tickets['app_id']}", headers=headers).status_code == 200
    assert web.get(f"/app/{books['app_id']}", headers=headers).status_code == 403
    wrong = web.post(
        "/oauth/token",
        data=_form(sandbox.info, grant_type="app", app_id=tickets["app_id"], app_token="x"),
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"


def test_refresh_returns_the_same_refresh_token_and_a_new_access_token(sandbox, web) -> None:
    first = web.post("/oauth/token", data=_password(sandbox.info)).json()
    refreshed = web.post(
        "/oauth/token",
        data=_form(sandbox.info, grant_type="refresh_token", refresh_token=first["refresh_token"]),
    ).json()
    assert refreshed["refresh_token"] == first["refresh_token"]
    assert refreshed["access_token"] != first["access_token"]
    headers = {"Authorization": f"Bearer {refreshed['access_token']}"}
    assert web.get("/org/", headers=headers).status_code == 200
    dead = web.post(
        "/oauth/token",
        data=_form(sandbox.info, grant_type="refresh_token", refresh_token="dead"),
    )
    assert dead.status_code == 400
    assert dead.json()["error"] == "invalid_grant"


def test_authorize_redirects_with_code_and_state_and_the_code_works_once(sandbox, web) -> None:
    redirect = "http://127.0.0.1:5555/callback"
    reply = web.get(
        "/oauth/authorize",
        params={
            "client_id": sandbox.info["client_id"],
            "redirect_uri": redirect,
            "state": "xyz 1",
            "response_type": "code",
        },
    )
    assert reply.status_code == 302
    location = reply.headers["Location"]
    assert location.startswith(redirect + "?")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert query["state"] == ["xyz 1"]
    grant = _form(
        sandbox.info, grant_type="authorization_code", code=query["code"][0], redirect_uri=redirect
    )
    first = web.post("/oauth/token", data=grant)
    assert first.status_code == 200
    assert first.json()["ref"]["type"] == "user"
    again = web.post("/oauth/token", data=grant)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_no_authorization_header_is_the_recorded_401(sandbox, web) -> None:
    reply = web.get("/user/status")
    assert reply.status_code == 401
    assert reply.json() == fixture("error_401_invalid_request_no_credential.json")
    assert reply.headers["WWW-Authenticate"] == 'Bearer realm="podio"'


@pytest.mark.parametrize("scheme", ["OAuth2", "Bearer"])
def test_bogus_token_is_the_recorded_expired_token_401(sandbox, web, scheme) -> None:
    reply = web.get("/user/status", headers={"Authorization": f"{scheme} not-a-token"})
    assert reply.status_code == 401
    assert reply.json() == fixture("error_401_expired_token.json")
    assert reply.headers["WWW-Authenticate"] == 'Bearer realm="podio"'


def test_empty_oauth2_header_is_400(sandbox) -> None:
    # httpx refuses a header value with a trailing space; http.client sends it as is.
    parts = urllib.parse.urlsplit(sandbox.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", "/org/", headers={"Authorization": "OAuth2 "})
        reply = connection.getresponse()
        body = json.loads(reply.read())
    finally:
        connection.close()
    assert reply.status == 400
    assert body["error_description"] == "Invalid authorization header"


def test_tokens_expire_on_the_test_clock(sandbox_factory) -> None:
    sandbox = sandbox_factory(token_ttl=60)
    with Api(sandbox) as api:
        assert api.sign_in()["expires_in"] == 60
        assert api.get("/org/").status_code == 200
        sandbox.control.advance_clock(61)
        reply = api.get("/org/")
        assert reply.status_code == 401
        assert reply.json()["error_description"] == "expired_token"


def test_expire_all_tokens_now(api: Api) -> None:
    assert api.get("/org/").status_code == 200
    api.sandbox.control.expire_all_tokens()
    assert api.get("/org/").status_code == 401
    refreshed = api.http.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": api.refresh_token,
            "client_id": api.client_id,
            "client_secret": api.client_secret,
        },
    )
    api.token = refreshed.json()["access_token"]
    assert api.get("/org/").status_code == 200


def test_user_status_names_the_user_and_timezone(api: Api) -> None:
    body = api.ok(api.get("/user/status"))
    assert body["user"]["mail"] == api.info["username"]
    assert body["user"]["timezone"] == "Europe/Copenhagen"
    assert body["profile"]["name"] == "Sandra Sandbox"


def test_implicit_flow_puts_the_token_in_the_fragment(sandbox, web) -> None:
    reply = web.get(
        "/oauth/authorize",
        params={
            "client_id": sandbox.info["client_id"],
            "redirect_uri": "http://127.0.0.1:5555/done",
            "response_type": "token",
            "state": "s",
        },
    )
    assert reply.status_code == 302
    fragment = urllib.parse.parse_qs(urllib.parse.urlsplit(reply.headers["Location"]).fragment)
    assert set(fragment) == {
        "access_token", "token_type", "expires_in", "refresh_token", "scope", "state",
    }  # fmt: skip
    headers = {"Authorization": f"OAuth2 {fragment['access_token'][0]}"}
    assert web.get("/org/", headers=headers).status_code == 200


def test_legacy_oauth_token_query_parameter(api: Api) -> None:
    assert api.token is not None
    reply = api.http.get("/org/", params={"oauth_token": api.token})
    assert reply.status_code == 200


def test_app_token_cannot_list_orgs(sandbox, web) -> None:
    app = sandbox.info["apps"][0]
    token = web.post(
        "/oauth/token/v2",
        json=_form(
            sandbox.info, grant_type="app", app_id=app["app_id"], app_token=app["app_token"]
        ),
    ).json()["access_token"]
    reply = web.get("/org/", headers={"Authorization": f"OAuth2 {token}"})
    assert reply.status_code == 403
    assert reply.json()["error"] == "forbidden"
