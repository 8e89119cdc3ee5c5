"""`--data FILE` persistence across restarts, and fixture replay (recorded fixtures served back)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from podio_desk.sandbox import Sandbox, SandboxConfig
from tests.sandbox.helpers import Api, fixture

RECORDED_ITEMS = ["get_item_225607452.json", "get_item_350017179.json", "get_item_582709679.json"]


def test_edits_survive_a_restart(tmp_path: Path) -> None:
    data_file = str(tmp_path / "sandbox.sqlite")
    first = Sandbox(SandboxConfig(items=30, data_file=data_file)).start()
    try:
        with Api(first) as api:
            api.sign_in()
            refresh = api.refresh_token
            item_id = first.info["richest_item_id"]
            api.ok(api.put(f"/item/{item_id}", {"fields": {"title": "Edited before restart"}}))
            showcase = first.app_id("Showcase")
            created = api.ok(api.post(f"/item/app/{showcase}/", {"fields": {"title": "New one"}}))
            api.ok(api.post(f"/comment/item/{item_id}/", {"value": "kept"}))
            upload = api.ok(
                api.post(
                    "/file/",
                    files={"source": ("a.txt", b"bytes kept", "text/plain")},
                    data={"filename": "a.txt"},
                )
            )
            victim = api.filter(first.app_id("Tickets"), limit=1)["items"][0]["item_id"]
            assert api.delete(f"/item/{victim}").status_code == 204
            before = api.item(item_id)
        first_url = first.url
    finally:
        first.stop()
    # A different seed and size: the file wins over seeding.
    second = Sandbox(SandboxConfig(items=5, seed=7, data_file=data_file)).start()
    try:
        with Api(second) as api:
            # The refresh token survives, so a signed-in demo stays signed in.
            reply = api.http.post(
                "/oauth/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": refresh,
                    "client_id": api.client_id,
                    "client_secret": api.client_secret,
                },
            )
            api.token = api.ok(reply)["access_token"]
            after = api.item(item_id)
            assert after["title"] == "Edited before restart"
            assert after["revision"] == before["revision"]
            # File links point at the running server, whose port changed.
            assert _without_base(after["fields"], second.url) == _without_base(
                before["fields"], first_url
            )
            assert after["comments"][-1]["value"] == "kept"
            assert api.item(created["item_id"])["title"] == "New one"
            assert api.get(f"/file/{upload['file_id']}/raw").content == b"bytes kept"
            assert api.get(f"/item/{victim}").status_code == 410
            assert api.filter(second.app_id("Tickets"))["total"] == 29
            revisions = api.ok(api.get(f"/item/{item_id}/revision/"))
            assert revisions[-1]["revision"] == after["revision"]
            # New ids do not collide with old ones.
            newer = api.ok(api.post(f"/item/app/{showcase}/", {"fields": {"title": "After"}}))
            assert newer["item_id"] > created["item_id"]
    finally:
        second.stop()


def _without_base(data: Any, base: str) -> Any:
    return json.loads(json.dumps(data).replace(base, "BASE"))


@pytest.mark.parametrize("name", RECORDED_ITEMS)
def test_recorded_items_are_served_back_field_by_field(sandbox_factory, name: str) -> None:
    sandbox = sandbox_factory(items=5)
    recorded = fixture(name)
    item_id = sandbox.load_recorded_item(recorded)
    with Api(sandbox) as api:
        api.sign_in()
        served = api.item(item_id)
        assert len(served["fields"]) == len(recorded["fields"])
        for mine, theirs in zip(served["fields"], recorded["fields"], strict=True):
            assert mine == theirs, theirs["external_id"]
        for key in ("item_id", "app_item_id", "title", "revision", "tags", "external_id", "link"):
            assert served[key] == recorded[key], key
        assert served["app"] == recorded["app"]
        # The replayed item takes part in filters like any other.
        page = api.filter(recorded["app"]["app_id"])
        assert item_id in [item["item_id"] for item in page["items"]]


def test_recorded_filter_item_is_served_back(sandbox_factory) -> None:
    sandbox = sandbox_factory(items=5)
    recorded = fixture("post_item_filter_result.json")["items"][0]
    with_app = {
        **recorded,
        "app": {
            "app_id": 17912486,
            "space_id": 5188236,
            "name": "PodioApp",
            "link": recorded["link"].rsplit("/items/", 1)[0],
        },
    }
    item_id = sandbox.load_recorded_item(with_app)
    with Api(sandbox) as api:
        api.sign_in()
        served = api.filter(17912486)["items"][0]
        assert served["item_id"] == item_id
        assert served["fields"] == recorded["fields"]
        assert served["title"] == recorded["title"]


def test_recorded_app_definition_is_served_back(sandbox_factory) -> None:
    sandbox = sandbox_factory(items=5)
    recorded = fixture("get_app_large_leads_clients.json")
    app_id = sandbox.load_recorded_app(recorded)
    with Api(sandbox) as api:
        api.sign_in()
        served = api.ok(api.get(f"/app/{app_id}"))
        assert served == recorded
        assert (
            api.ok(api.get(f"/app/{app_id}/field/{recorded['fields'][0]['field_id']}"))
            == recorded["fields"][0]
        )
        created = api.ok(
            api.post(
                f"/item/app/{app_id}/",
                {"fields": {"company-name": "Replayed Ltd", "lead-status": 2}},
            )
        )
        assert created["title"] == "Replayed Ltd"


def _wait_for_line(process: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
    assert process.stdout is not None
    started = time.monotonic()
    line = process.stdout.readline()
    assert time.monotonic() - started < timeout
    return dict(json.loads(line))


def test_command_line_prints_one_json_line_and_stops_on_sigterm(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "podio_desk", "sandbox", "--items", "50", "--seed", "3",
         "--rate-limit", "100,10", "--token-ttl", "600", "--data", str(tmp_path / "s.sqlite")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        info = _wait_for_line(process, 30)
        assert {"url", "client_id", "client_secret", "username", "password", "apps"} <= set(info)
        assert {"app_id", "app_token", "name", "items"} == set(info["apps"][0])
        assert {app["name"]: app["items"] for app in info["apps"]}["Tickets"] == 50
        import httpx

        with httpx.Client(base_url=info["url"], timeout=10) as client:
            token = client.post(
                "/oauth/token",
                data={
                    "grant_type": "password",
                    "username": info["username"],
                    "password": info["password"],
                    "client_id": info["client_id"],
                    "client_secret": info["client_secret"],
                },
            ).json()
            assert token["expires_in"] == 600
            reply = client.get(
                "/org/", headers={"Authorization": f"OAuth2 {token['access_token']}"}
            )
            assert reply.headers["X-Rate-Limit-Limit"] == "100"
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert (tmp_path / "s.sqlite").exists()


def test_command_line_with_exit_with_stdin_stops_when_its_input_closes() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "podio_desk", "sandbox", "--items", "5", "--exit-with-stdin"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdin is not None
        assert process.stderr is not None
        try:
            info = _wait_for_line(process, 30)
            assert info["url"].startswith("http://127.0.0.1:")
            process.stdin.close()  # what a parent's exit, even a SIGKILL, does to the pipe
            assert process.wait(timeout=30) == 0, process.stderr.read()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
