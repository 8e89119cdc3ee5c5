"""A thin synchronous HTTP client for the sandbox contract tests (httpx, real loopback HTTP)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from podio_desk.sandbox import Sandbox

# The error bodies live here; the recorded items and app live with the domain tests.
FIXTURE_DIRS = (
    Path(__file__).resolve().parent / "fixtures",
    Path(__file__).resolve().parents[1] / "domain" / "fixtures",
)


def fixture(name: str) -> Any:
    for folder in FIXTURE_DIRS:
        if (folder / name).exists():
            return json.loads((folder / name).read_text(encoding="utf-8"))
    raise FileNotFoundError(name)


class Api:
    """httpx.Client bound to one sandbox, with a token once signed in."""

    def __init__(self, sandbox: Sandbox, client_id: str | None = None) -> None:
        self.sandbox = sandbox
        self.info = sandbox.info
        self.client_id = client_id or self.info["client_id"]
        self.client_secret = (
            self.info["client_secret"]
            if self.client_id == self.info["client_id"]
            else self.info["second_client_secret"]
        )
        self.http = httpx.Client(base_url=sandbox.url, timeout=10)
        self.token: str | None = None
        self.refresh_token: str | None = None

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.http.close()

    def sign_in(self, username: str | None = None, password: str | None = None) -> dict[str, Any]:
        reply = self.http.post(
            "/oauth/token",
            data={
                "grant_type": "password",
                "username": username or self.info["username"],
                "password": password or self.info["password"],
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
        )
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        self.token = body["access_token"]
        self.refresh_token = body["refresh_token"]
        return body

    def headers(self) -> dict[str, str]:
        assert self.token is not None
        return {"Authorization": f"OAuth2 {self.token}"}

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, headers=self.headers(), **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        if body is not None:
            kwargs["json"] = body
        return self.http.post(path, headers=self.headers(), **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return self.http.put(path, headers=self.headers(), json=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.delete(path, headers=self.headers(), **kwargs)

    # -------------------------------------------------------------- shortcuts

    def ok(self, reply: httpx.Response, status: int = 200) -> Any:
        assert reply.status_code == status, reply.text
        return reply.json() if reply.content else None

    def item(self, item_id: int) -> dict[str, Any]:
        data: dict[str, Any] = self.ok(self.get(f"/item/{item_id}"))
        return data

    def filter(self, app_id: int, **body: Any) -> dict[str, Any]:
        data: dict[str, Any] = self.ok(self.post(f"/item/app/{app_id}/filter/", body))
        return data

    def field(self, item: dict[str, Any], external_id: str) -> dict[str, Any] | None:
        for entry in item["fields"]:
            if entry["external_id"] == external_id:
                return dict(entry)
        return None

    def values(self, item_id: int, external_id: str) -> list[Any]:
        entry = self.field(self.item(item_id), external_id)
        return list(entry["values"]) if entry else []


def app_id(sandbox: Sandbox, name: str) -> int:
    return sandbox.app_id(name)
