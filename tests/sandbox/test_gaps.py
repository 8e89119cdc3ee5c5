"""Contract of the three late endpoints: item clone, task writes on an item and the space
contacts list (UNCONFIRMED, after the PHP/RB clients).

See docs/podio-api.md, Writing items; Comments and tasks; Contacts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from podio_desk.sandbox import Sandbox, SandboxConfig
from tests.sandbox.helpers import Api


def _fields(item: dict[str, Any]) -> dict[str, list[Any]]:
    return {entry["external_id"]: entry["values"] for entry in item["fields"]}


# ----------------------------------------------------------------------------- clone


def test_clone_copies_values_and_tags_as_a_new_created_item(api: Api) -> None:
    source_id = int(api.info["richest_item_id"])
    source = api.item(source_id)
    assert source["revision"] > 0
    api.ok(api.post(f"/comment/item/{source_id}/", {"value": "only on the original"}))
    reply = api.post(f"/item/{source_id}/clone", params={"silent": "1", "hook": "false"})
    body = api.ok(reply)
    assert set(body) == {"item_id"}
    clone = api.item(body["item_id"])
    assert clone["item_id"] != source_id
    assert clone["app"]["app_id"] == source["app"]["app_id"]
    assert clone["app_item_id"] > source["app_item_id"]
    assert clone["revision"] == 0
    assert clone["current_revision"]["type"] == "creation"
    assert clone["title"] == source["title"]
    assert sorted(clone["tags"]) == sorted(source["tags"])
    assert _fields(clone) == _fields(source)
    assert api.ok(api.get(f"/comment/item/{clone['item_id']}/")) == []
    revisions = api.ok(api.get(f"/item/{clone['item_id']}/revision/"))
    assert [entry["revision"] for entry in revisions] == [0]
    # The clone is a real item of its own: editing it leaves the original alone.
    api.ok(api.put(f"/item/{clone['item_id']}", {"fields": {"title": "The copy"}}))
    assert api.item(source_id)["title"] == source["title"]
    assert api.item(clone["item_id"])["revision"] == 1


def test_clone_of_a_deleted_or_missing_item(api: Api) -> None:
    notes = api.sandbox.app_id("Notes")
    victim = api.filter(notes, limit=1)["items"][0]["item_id"]
    assert api.delete(f"/item/{victim}").status_code == 204
    gone = api.post(f"/item/{victim}/clone")
    assert gone.status_code == 410
    assert gone.json()["error"] == "gone"
    missing = api.post("/item/999999999/clone")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    assert api.post(f"/item/{victim}/clone", params={"silent": "maybe"}).status_code == 400


def test_clone_is_counted_and_logged_as_one_write(api: Api) -> None:
    source_id = int(api.info["richest_item_id"])
    api.sandbox.control.reset_log()
    api.ok(api.post(f"/item/{source_id}/clone"))
    log = api.sandbox.control.requests()
    assert [(entry.method, entry.path, entry.rate_class) for entry in log] == [
        ("POST", f"/item/{source_id}/clone", "general")
    ]


# ----------------------------------------------------------------------------- tasks


def test_create_a_task_on_an_item_then_complete_and_reopen_it(api: Api) -> None:
    item_id = int(api.info["richest_item_id"])
    before = api.ok(api.get(f"/task/item/{item_id}/"))
    users = api.ok(api.get("/user/"))
    task = api.ok(
        api.post(
            f"/task/item/{item_id}/",
            {
                "text": "  Call the customer ",
                "description": "About the invoice",
                "due_date": "2026-12-24",
                "due_time": "14:30",
                "responsible": {"type": "user", "id": users["user_id"]},
            },
        )
    )
    assert task["text"] == "Call the customer"
    assert task["status"] == "active"
    assert task["description"] == "About the invoice"
    assert task["due_date"] == "2026-12-24"
    assert task["due_time"] == "14:30:00"
    assert task["due_on"] == "2026-12-24 14:30:00"
    assert (task["ref"]["type"], task["ref"]["id"]) == ("item", item_id)
    assert task["ref"]["title"] == api.item(item_id)["title"]
    assert task["responsible"]["user_id"] == users["user_id"]
    assert task["completed_on"] is None
    listed = api.ok(api.get(f"/task/item/{item_id}/"))
    assert len(listed) == len(before) + 1
    assert api.ok(api.get("/task/", params={"reference": f"item:{item_id}"})) == listed

    task_id = task["task_id"]
    assert api.post(f"/task/{task_id}/complete").status_code == 204
    # Completing twice is harmless.
    assert api.post(f"/task/{task_id}/complete").status_code == 204
    done = next(t for t in api.ok(api.get(f"/task/item/{item_id}/")) if t["task_id"] == task_id)
    assert done["status"] == "completed"
    assert done["completed_on"]
    assert api.post(f"/task/{task_id}/incomplete").status_code == 204
    reopened = next(t for t in api.ok(api.get(f"/task/item/{item_id}/")) if t["task_id"] == task_id)
    assert reopened["status"] == "active"
    assert reopened["completed_on"] is None


def test_minimal_task_defaults_to_the_caller(api: Api) -> None:
    item_id = int(api.info["richest_item_id"])
    task = api.ok(api.post(f"/task/item/{item_id}/", {"text": "Just this"}))
    me = api.ok(api.get("/user/"))
    assert task["responsible"]["user_id"] == me["user_id"]
    assert task["created_by"]["user_id"] == me["user_id"]
    assert task["due_date"] is None
    assert task["due_on"] is None
    assert task["due_time"] is None


def test_task_errors(api: Api) -> None:
    item_id = int(api.info["richest_item_id"])
    missing = api.post("/task/item/999999999/", {"text": "x"})
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    for body in (
        {"text": ""},
        {"text": 5},
        {"description": "no text"},
        {"text": "x", "due_date": "24.12.2026"},
        {"text": "x", "due_date": "2026-02-30"},
        {"text": "x", "due_time": "10:00"},
        {"text": "x", "due_date": "2026-12-24", "due_time": "25:00"},
        {"text": "x", "responsible": 424242},
    ):
        reply = api.post(f"/task/item/{item_id}/", body)
        assert reply.status_code == 400, body
        assert reply.json()["error"] == "invalid_value"
    # No body at all: Podio's "No matching operation" not_found (FIX-error-nobody).
    assert api.post(f"/task/item/{item_id}/").status_code == 404
    # Trailing slashes matter.
    assert api.post(f"/task/item/{item_id}", {"text": "x"}).status_code == 404
    assert api.post("/task/999999999/complete").status_code == 404
    assert api.post("/task/999999999/incomplete").status_code == 404
    notes = api.sandbox.app_id("Notes")
    victim = api.filter(notes, limit=1)["items"][0]["item_id"]
    api.delete(f"/item/{victim}")
    assert api.post(f"/task/item/{victim}/", {"text": "x"}).status_code == 410


# ----------------------------------------------------------------------------- contacts


def _space_of(api: Api, app_name: str) -> int:
    app = api.ok(api.get(f"/app/{api.sandbox.app_id(app_name)}"))
    return int(app["space_id"])


def test_space_contacts_are_the_members_and_the_space_contacts(api: Api) -> None:
    sales = _space_of(api, "Companies")
    everyone = api.ok(api.get(f"/contact/space/{sales}/"))
    kinds = {entry["type"] for entry in everyone}
    assert kinds == {"user", "space"}
    names = [entry["name"] for entry in everyone]
    assert names == sorted(names, key=str.casefold)
    for entry in everyone:
        assert {"profile_id", "user_id", "name", "type", "mail"} <= set(entry)
        assert isinstance(entry["mail"], list)
        if entry["type"] == "space":
            assert entry["space_id"] == sales
            assert entry["user_id"] is None
    # Another space has the members but not Sales' space contacts.
    delivery = _space_of(api, "Showcase")
    assert delivery != sales
    there = api.ok(api.get(f"/contact/space/{delivery}"))
    assert {entry["type"] for entry in there} == {"user"}


def test_space_contacts_filter_by_name_case_insensitively(api: Api) -> None:
    sales = _space_of(api, "Companies")
    found = api.ok(api.get(f"/contact/space/{sales}/", params={"name": "JENS"}))
    assert [entry["name"] for entry in found] == ["Alma Jensen"]
    assert found[0]["type"] == "space"
    users = api.ok(api.get(f"/contact/space/{sales}/", params={"name": "sand"}))
    assert [(entry["name"], entry["type"]) for entry in users] == [("Sandra Sandbox", "user")]
    assert api.ok(api.get(f"/contact/space/{sales}/", params={"name": "nobody here"})) == []
    limited = api.ok(api.get(f"/contact/space/{sales}/", params={"name": "a", "limit": 2}))
    assert len(limited) == 2
    rest = api.ok(api.get(f"/contact/space/{sales}/", params={"name": "a", "offset": 2}))
    every = api.ok(api.get(f"/contact/space/{sales}/", params={"name": "a"}))
    assert limited + rest == every


def test_space_contacts_errors(api: Api) -> None:
    assert api.get("/contact/space/999999/").status_code == 404
    assert api.get("/contact/space/21/", params={"limit": "many"}).status_code == 400
    assert api.get("/contact/space/21/", params={"limit": 501}).status_code == 400


# ----------------------------------------------------------------------------- persistence


def test_clones_and_task_writes_survive_a_restart(tmp_path: Path) -> None:
    data_file = str(tmp_path / "sandbox.sqlite")
    first = Sandbox(SandboxConfig(items=5, data_file=data_file)).start()
    try:
        with Api(first) as api:
            api.sign_in()
            item_id = int(api.info["richest_item_id"])
            clone_id = api.ok(api.post(f"/item/{item_id}/clone"))["item_id"]
            task = api.ok(
                api.post(
                    f"/task/item/{item_id}/",
                    {"text": "Kept", "due_date": "2026-12-24", "due_time": "08:00"},
                )
            )
            assert api.post(f"/task/{task['task_id']}/complete").status_code == 204
            completed_on = next(
                t
                for t in api.ok(api.get(f"/task/item/{item_id}/"))
                if t["task_id"] == task["task_id"]
            )["completed_on"]
    finally:
        first.stop()
    second = Sandbox(SandboxConfig(items=5, data_file=data_file)).start()
    try:
        with Api(second) as api:
            api.sign_in()
            assert api.item(clone_id)["revision"] == 0
            kept = next(
                t
                for t in api.ok(api.get(f"/task/item/{item_id}/"))
                if t["task_id"] == task["task_id"]
            )
            assert kept["status"] == "completed"
            assert kept["due_time"] == "08:00:00"
            assert kept["completed_on"] == completed_on
    finally:
        second.stop()
