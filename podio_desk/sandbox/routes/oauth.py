"""OAuth: the token endpoints (form and JSON), authorize, scope."""

from __future__ import annotations

import json
import secrets
import urllib.parse
from typing import TYPE_CHECKING

from podio_desk.sandbox.errors import ApiError
from podio_desk.sandbox.routes.common import reply

if TYPE_CHECKING:
    from podio_desk.sandbox.server import Ctx, Reply


def _oauth_error(error: str, description: str, detail: str | None = None) -> ApiError:
    return ApiError(400, error, description, detail=detail, oauth_shape=True)


def token_form(ctx: Ctx) -> Reply:
    """POST /oauth/token: form-encoded only; a JSON body carries no parameters.

    See docs/podio-api.md, Token endpoints.
    """
    params = {key: ctx.request.form.get(key) for key in ctx.request.form}
    return _grant(ctx, params)


def token_json(ctx: Ctx) -> Reply:
    """POST /oauth/token/v2: JSON only; a form body is 'null' to it (observed on Podio).

    See docs/podio-api.md, Token endpoints.
    """
    try:
        body = json.loads(ctx.request.get_data() or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_value", "Invalid value null (null): must be object")
    params = {key: (str(value) if value is not None else None) for key, value in body.items()}
    return _grant(ctx, params)


def _grant(ctx: Ctx, params: dict[str, str | None]) -> Reply:
    state = ctx.state
    client_id = params.get("client_id")
    if not client_id:
        raise _oauth_error("invalid_client", "Missing parameter client_id")
    if client_id not in state.clients:
        raise _oauth_error(
            "invalid_client",
            "Sorry, you've supplied an invalid client id.",
            "oauth.client.invalid_id",
        )
    if params.get("client_secret") != state.clients[client_id]:
        raise _oauth_error(
            "invalid_client",
            "Sorry, you've supplied an invalid client secret.",
            "oauth.client.invalid_secret",
        )
    grant_type = params.get("grant_type")
    with state.lock:
        if grant_type == "password":
            user = state.user_by_mail(params.get("username") or "")
            if user is None:
                raise _oauth_error(
                    "invalid_grant",
                    "Sorry, your email or password is incorrect.",
                    "user.invalid.username",
                )
            if params.get("password") != user.password:
                raise _oauth_error(
                    "invalid_grant",
                    "Sorry, your email or password is incorrect.",
                    "user.invalid.password",
                )
            body = state.issue_token("user", user.user_id, client_id, None)
        elif grant_type == "app":
            app_id = params.get("app_id") or ""
            app = state.apps.get(int(app_id)) if app_id.isdigit() else None
            if app is None or params.get("app_token") != app.token:
                raise _oauth_error("invalid_grant", "Sorry, the app id or app token is invalid.")
            body = state.issue_token("app", app.app_id, client_id, None)
        elif grant_type == "refresh_token":
            refresh = params.get("refresh_token") or ""
            grant = state.refresh_grants.get(refresh)
            if grant is None or grant.client_id != client_id:
                raise _oauth_error("invalid_grant", "Sorry, your refresh token is invalid.")
            # Refreshing returns the same refresh token with a new access token (docs/podio-api.md,
            # Token response and refresh).
            body = state.issue_token(grant.ref_type, grant.ref_id, client_id, refresh)
        elif grant_type == "authorization_code":
            code = state.auth_codes.pop(params.get("code") or "", None)
            if code is None or code.client_id != client_id:
                raise _oauth_error("invalid_grant", "Sorry, the authorization code is invalid.")
            if params.get("redirect_uri") != code.redirect_uri:
                raise _oauth_error("invalid_grant", "The redirect_uri does not match.")
            body = state.issue_token("user", code.user_id, client_id, None)
        else:
            raise _oauth_error("unsupported_grant_type", f"Unsupported grant type {grant_type!r}")
    return reply(body)


def authorize(ctx: Ctx) -> Reply:
    """GET /oauth/authorize: approves at once as the primary user and redirects.

    See docs/podio-api.md, Browser sign-in.
    """
    from podio_desk.sandbox.server import Reply

    args = ctx.request.args
    state = ctx.state
    client_id = args.get("client_id", "")
    redirect_uri = args.get("redirect_uri", "")
    if client_id not in state.clients:
        raise _oauth_error(
            "invalid_client",
            "Sorry, you've supplied an invalid client id.",
            "oauth.client.invalid_id",
        )
    if not redirect_uri:
        raise _oauth_error("invalid_request", "Missing parameter redirect_uri")
    response_type = args.get("response_type", "code")
    extra: dict[str, str] = {}
    if args.get("state") is not None:
        extra["state"] = args["state"]
    with state.lock:
        if response_type == "token":
            token = state.issue_token("user", state.primary_user_id, client_id, None)
            fragment = urllib.parse.urlencode(
                {
                    "access_token": token["access_token"],
                    "token_type": "bearer",
                    "expires_in": token["expires_in"],
                    "refresh_token": token["refresh_token"],
                    "scope": token["scope"],
                    **extra,
                }
            )
            location = f"{redirect_uri}#{fragment}"
        else:
            from podio_desk.sandbox.records import AuthCode

            code = secrets.token_hex(16)
            state.auth_codes[code] = AuthCode(code, client_id, redirect_uri, state.primary_user_id)
            separator = "&" if "?" in redirect_uri else "?"
            location = f"{redirect_uri}{separator}{urllib.parse.urlencode({'code': code, **extra})}"
    return Reply(status=302, headers={"Location": location}, content_type="text/plain")


def oauth_scope(ctx: Ctx) -> Reply:
    token = ctx.token
    assert token is not None
    return reply(
        [
            {
                "ref_type": token.ref_type,
                "ref_id": token.ref_id,
                "permissions": ["view", "update", "delete"],
                "ref_data": None,
            }
        ]
    )
