"""The routes the official clients call that the sandbox added for issue 18, over real HTTP:
tasks by id and by app, the last view, file copy, values v2, items by external id, hooks, and
the comment list without its trailing slash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from podio_desk.sandbox import Sandbox, SandboxConfig
from tests.sandbox.helpers import Api


def _other_user_id(sandbox: Sandbox) -> int:
    with Api(sandbox) as other:
        other.sign_in(sandbox.info["other_username"], sandbox.info["other_password"])
        return int(other.ok(other.get("/user/"))["user_id"])


# ----------------------------------------------------------------------------- tasks


def test_post_task_creates_a_task_on_the_item_named_in_the_body(api: Api) -> None:
    item_id = int(api.info["richest_item_id"])
    task = api.ok(
        api.post(
            "/task/",
            {
                "text": "Send the quote",
                "description": "PDF",
                "due_date": "2026-11-02",
                "due_time": "09:15",
                "ref_type": "item",
                "ref_id": item_id,
            },
        )
    )
    assert (task["ref"]["type"], task["ref"]["id"]) == ("item", item_id)
    assert task["ref"]["title"] == api.item(item_id)["title"]
    assert (task["text"], task["description"], task["due_on"]) == (
        "Send the quote",
        "PDF",
        "2026-11-02 09:15:00",
    )
    listed = api.ok(api.get("/task/", params={"reference": f"item:{item_id}"}))
    assert task["task_id"] in {t["task_id"] for t in listed}
    # A task on nothing: no reference.
    loose = api.ok(api.post("/task/", {"text": "Private to-do"}))
    assert loose["ref"] is None
    assert api.post("/task/", {"text": "x", "ref_type": "space", "ref_id": 1}).status_code == 400
    assert api.post("/task/", {"text": "x", "ref_type": "item", "ref_id": 1}).status_code == 404
    assert api.post("/task/", {"ref_type": "item", "ref_id": item_id}).status_code == 400


def test_get_put_delete_task_by_id(api: Api, sandbox: Sandbox) -> None:
    item_id = int(api.info["richest_item_id"])
    created = api.ok(
        api.post(f"/task/item/{item_id}/", {"text": "Draft", "due_date": "2026-10-01"})
    )
    task_id = created["task_id"]
    assert api.ok(api.get(f"/task/{task_id}")) == created

    other = _other_user_id(sandbox)
    changed = api.put(
        f"/task/{task_id}",
        {
            "text": "Final",
            "description": "Now with notes",
            "due_date": "2026-10-03",
            "due_time": "16:45",
            "responsible": other,
        },
    )
    assert changed.status_code == 204
    assert changed.content == b""
    task = api.ok(api.get(f"/task/{task_id}"))
    assert (task["text"], task["description"]) == ("Final", "Now with notes")
    assert (task["due_date"], task["due_time"], task["due_on"]) == (
        "2026-10-03",
        "16:45:00",
        "2026-10-03 16:45:00",
    )
    assert task["responsible"]["user_id"] == other
    # Only the keys sent change; a null due date clears date and time.
    assert api.put(f"/task/{task_id}", {"due_date": None}).status_code == 204
    task = api.ok(api.get(f"/task/{task_id}"))
    assert (task["text"], task["due_date"], task["due_time"], task["due_on"]) == (
        "Final",
        None,
        None,
        None,
    )
    for body in ({"text": ""}, {"due_time": "10:00"}, {"responsible": None}):
        assert api.put(f"/task/{task_id}", body).status_code == 400, body

    assert api.delete(f"/task/{task_id}").status_code == 204
    assert api.get(f"/task/{task_id}").status_code == 404
    assert api.delete(f"/task/{task_id}").status_code == 404
    assert api.put("/task/999999999", {"text": "x"}).status_code == 404


def test_the_tasks_of_an_app_with_the_filters_the_window_uses(api: Api, sandbox: Sandbox) -> None:
    notes = sandbox.app_id("Notes")
    items = api.filter(notes, limit=3)["items"]
    me = int(api.ok(api.get("/user/"))["user_id"])
    other = _other_user_id(sandbox)
    made = {
        "mine-early": {"text": "A", "due_date": "2026-01-05", "responsible": me},
        "theirs-late": {"text": "B", "due_date": "2026-03-01", "responsible": other},
        "mine-undated": {"text": "C"},
    }
    ids: dict[str, int] = {}
    for (name, body), item in zip(made.items(), items, strict=True):
        ids[name] = api.ok(api.post(f"/task/item/{item['item_id']}/", body))["task_id"]
    assert api.post(f"/task/{ids['mine-early']}/complete").status_code == 204

    def listed(**params: Any) -> list[int]:
        tasks = api.ok(api.get("/task/", params={"app": notes, **params}))
        return [t["task_id"] for t in tasks if t["task_id"] in ids.values()]

    # Dated first, earliest first; undated last.
    assert listed() == [ids["mine-early"], ids["theirs-late"], ids["mine-undated"]]
    assert listed(completed="false") == [ids["theirs-late"], ids["mine-undated"]]
    assert listed(completed=1) == [ids["mine-early"]]
    assert listed(responsible=str(me)) == [ids["mine-early"], ids["mine-undated"]]
    assert listed(responsible=f"{me},{other}") == listed()
    assert listed(due_date="-2026-02-01") == [ids["mine-early"]]
    assert listed(due_date="2026-02-01-") == [ids["theirs-late"]]
    assert listed(due_date="2026-01-01-2026-12-31", completed=0) == [ids["theirs-late"]]
    # Paging.
    every = api.ok(api.get("/task/", params={"app": notes}))
    second = api.ok(api.get("/task/", params={"app": notes, "limit": 1, "offset": 1}))
    assert second == every[1:2]
    # Another app's tasks are not listed.
    other_app = sandbox.app_id("Tickets")
    assert not {t["task_id"] for t in api.ok(api.get("/task/", params={"app": other_app}))} & set(
        ids.values()
    )
    for bad in ({"due_date": "soon"}, {"responsible": "me"}, {"limit": 101}, {"completed": "x"}):
        assert api.get("/task/", params={"app": notes, **bad}).status_code == 400, bad
    assert api.get("/task/").status_code == 400
    assert api.get("/task/", params={"app": 999999}).status_code == 404


# ----------------------------------------------------------------------------- views, items, files


def test_last_view_remembers_the_filter_sent_with_remember(api: Api, sandbox: Sandbox) -> None:
    notes = sandbox.app_id("Notes")
    default = api.ok(api.get(f"/view/app/{notes}/last"))
    assert (default["view_id"], default["name"]) == (None, "last")
    assert (default["sort_by"], default["sort_desc"], default["filters"]) == (
        "created_on",
        True,
        [],
    )
    # A filter without remember changes nothing; with remember it becomes the last view.
    api.filter(notes, sort_by="title", sort_desc=False)
    assert api.ok(api.get(f"/view/app/{notes}/last"))["sort_by"] == "created_on"
    api.filter(notes, sort_by="title", sort_desc=False, remember=True)
    last = api.ok(api.get(f"/view/app/{notes}/last"))
    assert (last["sort_by"], last["sort_desc"]) == ("title", False)
    assert api.put(f"/view/app/{notes}/last", {"sort_by": "last_edit_on"}).status_code == 204
    assert api.ok(api.get(f"/view/app/{notes}/last"))["sort_by"] == "last_edit_on"
    # Per user: the other user still has the default.
    with Api(sandbox) as other:
        other.sign_in(sandbox.info["other_username"], sandbox.info["other_password"])
        assert other.ok(other.get(f"/view/app/{notes}/last"))["sort_by"] == "created_on"
    assert api.get("/view/app/999999/last").status_code == 404


def test_file_copy_makes_a_new_unattached_file_with_the_same_content(api: Api) -> None:
    upload = api.ok(
        api.http.post(
            "/file/",
            headers=api.headers(),
            files={"source": ("notes.txt", b"hello", "text/plain")},
            data={"filename": "notes.txt"},
        )
    )
    copy = api.ok(api.post(f"/file/{upload['file_id']}/copy"))
    assert set(copy) == {"file_id"}
    assert copy["file_id"] != upload["file_id"]
    info = api.ok(api.get(f"/file/{copy['file_id']}"))
    assert (info["name"], info["mimetype"]) == ("notes.txt", "text/plain")
    assert api.get(f"/file/{copy['file_id']}/raw").content == b"hello"
    assert api.post("/file/999999999/copy").status_code == 404


def test_item_values_v2_are_keyed_by_external_id(api: Api) -> None:
    item_id = int(api.info["richest_item_id"])
    item = api.item(item_id)
    values = api.ok(api.get(f"/item/{item_id}/value/v2"))
    assert set(values) == {entry["external_id"] for entry in item["fields"]}
    for entry in item["fields"]:
        plain = [value.get("value", value) for value in entry["values"]]
        assert values[entry["external_id"]] == (plain[0] if len(plain) == 1 else plain)
    assert api.get("/item/999999999/value/v2").status_code == 404


def test_items_by_external_id_v2_lists_every_match(api: Api, sandbox: Sandbox) -> None:
    notes = sandbox.app_id("Notes")
    items = api.filter(notes, limit=3)["items"]
    for item in items[:2]:
        api.ok(api.put(f"/item/{item['item_id']}", {"external_id": "shared-key"}))
    found = api.ok(api.get(f"/item/app/{notes}/v2/", params={"external_id": "shared-key"}))
    assert found["filtered"] == 2
    assert found["total"] == api.filter(notes, limit=1)["total"]
    assert {i["item_id"] for i in found["items"]} == {i["item_id"] for i in items[:2]}
    none = api.ok(api.get(f"/item/app/{notes}/v2/", params={"external_id": "nobody"}))
    assert (none["filtered"], none["items"]) == (0, [])
    assert api.get(f"/item/app/{notes}/v2/").status_code == 400


def test_comment_list_answers_with_and_without_the_trailing_slash(api: Api) -> None:
    item_id = int(api.info["richest_item_id"])
    api.ok(api.post(f"/comment/item/{item_id}/", {"value": "Seen"}))
    with_slash = api.ok(api.get(f"/comment/item/{item_id}/"))
    assert api.ok(api.get(f"/comment/item/{item_id}")) == with_slash
    assert with_slash[-1]["value"] == "Seen"


def test_space_by_url_answers_the_space_of_an_app(api: Api, sandbox: Sandbox) -> None:
    app = api.ok(api.get(f"/app/{sandbox.app_id('Notes')}"))
    space = api.ok(api.get(f"/space/{app['space_id']}"))
    assert (
        api.ok(api.get("/space/url", params={"url": space["url"]}))["space_id"]
        == (space["space_id"])
    )


# ----------------------------------------------------------------------------- hooks


def test_hooks_of_an_app_register_list_and_delete(api: Api, sandbox: Sandbox) -> None:
    notes = sandbox.app_id("Notes")
    assert api.ok(api.get(f"/hook/app/{notes}/")) == []
    first = api.ok(
        api.post(f"/hook/app/{notes}/", {"url": "https://example.com/in", "type": "item.create"})
    )
    second = api.ok(
        api.post(f"/hook/app/{notes}/", {"url": "http://example.com:80/x", "type": "item.update"})
    )
    assert set(first) == {"hook_id"}
    hooks = api.ok(api.get(f"/hook/app/{notes}/"))
    assert [h["hook_id"] for h in hooks] == [first["hook_id"], second["hook_id"]]
    assert {"hook_id", "status", "type", "url", "created_on", "created_by", "created_via"} <= set(
        hooks[0]
    )
    # Never verified (the sandbox does not call the URL): inactive.
    assert (hooks[0]["url"], hooks[0]["type"], hooks[0]["status"]) == (
        "https://example.com/in",
        "item.create",
        "inactive",
    )
    assert api.get(f"/hook/app/{sandbox.app_id('Tickets')}/").json() == []
    assert api.delete(f"/hook/{first['hook_id']}").status_code == 204
    assert [h["hook_id"] for h in api.ok(api.get(f"/hook/app/{notes}/"))] == [second["hook_id"]]
    assert api.delete(f"/hook/{first['hook_id']}").status_code == 404


def test_hook_registration_errors(api: Api, sandbox: Sandbox) -> None:
    notes = sandbox.app_id("Notes")
    for body in (
        {"url": "https://example.com/in", "type": "item.explode"},
        {"url": "ftp://example.com/in", "type": "item.create"},
        {"url": "https://example.com:8443/in", "type": "item.create"},
        {"type": "item.create"},
    ):
        reply = api.post(f"/hook/app/{notes}/", body)
        assert reply.status_code == 400, body
        assert reply.json()["error"] == "invalid_value"
    for index in range(10):
        api.ok(
            api.post(
                f"/hook/app/{notes}/",
                {"url": f"https://example.com/{index}", "type": "file.change"},
            )
        )
    eleventh = api.post(f"/hook/app/{notes}/", {"url": "https://e.com/", "type": "file.change"})
    assert eleventh.status_code == 400
    assert (
        api.post("/hook/app/999999/", {"url": "https://e.com/", "type": "item.create"}).status_code
        == 404
    )


def test_an_app_token_reaches_the_tasks_and_hooks_of_its_own_app_only(sandbox: Sandbox) -> None:
    apps = {app["name"]: app for app in sandbox.info["apps"]}
    tickets, notes = apps["Tickets"], apps["Notes"]
    with Api(sandbox) as app_api:
        token = app_api.http.post(
            "/oauth/token",
            data={
                "grant_type": "app",
                "app_id": tickets["app_id"],
                "app_token": tickets["app_token"],
                "client_id": app_api.client_id,
                "client_secret": app_api.client_secret,
            },
        ).json()["access_token"]
        app_api.token = token
        assert app_api.get("/task/", params={"app": tickets["app_id"]}).status_code == 200
        assert app_api.get("/task/", params={"app": notes["app_id"]}).status_code == 403
        assert app_api.get(f"/hook/app/{tickets['app_id']}/").status_code == 200
        assert app_api.get(f"/hook/app/{notes['app_id']}/").status_code == 403
        assert app_api.get(f"/view/app/{notes['app_id']}/last").status_code == 403
        # A task on nothing belongs to people, not to an app's token.
        with Api(sandbox) as user_api:
            user_api.sign_in()
            loose = user_api.ok(user_api.post("/task/", {"text": "Private"}))
        assert app_api.get(f"/task/{loose['task_id']}").status_code == 403


def test_hooks_and_tasks_survive_a_restart(tmp_path: Path) -> None:
    data_file = str(tmp_path / "sandbox.sqlite")
    first = Sandbox(SandboxConfig(items=10, data_file=data_file)).start()
    try:
        with Api(first) as api:
            api.sign_in()
            notes = first.app_id("Notes")
            hook = api.ok(
                api.post(f"/hook/app/{notes}/", {"url": "https://e.com/h", "type": "item.delete"})
            )
            loose = api.ok(api.post("/task/", {"text": "On nothing", "due_date": "2026-05-05"}))
            assert api.put(f"/task/{loose['task_id']}", {"due_time": "07:15"}).status_code == 204
            before = api.ok(api.get(f"/hook/app/{notes}/"))
    finally:
        first.stop()
    second = Sandbox(SandboxConfig(items=10, data_file=data_file)).start()
    try:
        with Api(second) as api:
            api.sign_in()
            assert api.ok(api.get(f"/hook/app/{notes}/")) == before
            task = api.ok(api.get(f"/task/{loose['task_id']}"))
            assert (task["ref"], task["due_on"]) == (None, "2026-05-05 07:15:00")
            newer = api.ok(
                api.post(f"/hook/app/{notes}/", {"url": "https://e.com/2", "type": "item.delete"})
            )
            assert newer["hook_id"] > hook["hook_id"]
    finally:
        second.stop()
