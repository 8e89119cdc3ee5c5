"""Duplicate by clone, tasks added and completed in the tasks pane, contact search through
Podio's space contacts — each through the editor's widgets, checked in the sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt

from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient
from podio_desk.api.transport import TransportConfig
from podio_desk.sandbox import server
from podio_desk.services.editing import EditingService, ItemRemoved, ItemSaved
from podio_desk.ui.editor import fields as widgets
from podio_desk.ui.editor.item_editor import EditorState
from tests.ui.editor.conftest import EditorEnv, run_async

pytestmark = pytest.mark.gui


def _requests(env: EditorEnv) -> list[tuple[str, str, int]]:
    return [(r.method, r.path, r.status) for r in env.sandbox.control.requests()]


# ----------------------------------------------------------------------------- duplicate


def test_duplicate_is_one_clone_call_and_opens_the_copy(env: EditorEnv) -> None:
    env.open()
    original = env.fetch()
    env.sandbox.control.reset_log()
    env.wait(env.editor.duplicate())
    assert env.editor.state is EditorState.SAVED, env.editor.message
    assert env.writes() == [f"POST /item/{original.item_id}/clone"]
    copy = env.editor.item
    assert copy is not None
    assert copy.item_id != original.item_id
    assert copy.revision == 0
    assert copy.title == original.title
    assert env.editor.title.text() == original.title
    assert "Created a copy" in env.editor.message
    # Every value came along, read-only ones (the calculation) included.
    for external_id in ("quantity", "price", "total", "state", "meeting", "people", "related"):
        assert env.raw_values(external_id, copy.item_id) == env.raw_values(external_id)
    assert env.fetch(copy.item_id).tags == original.tags
    created = [e for e in env.events if isinstance(e, ItemSaved) and e.created]
    assert [e.item.item_id for e in created] == [copy.item_id]


def test_duplicate_recreates_the_item_when_the_api_cannot_clone(
    env: EditorEnv, monkeypatch: Any
) -> None:
    env.open()
    original = env.fetch()
    assert env.editor.app is not None
    # An API without the clone operation answers 404 "No matching operation".
    without_clone = tuple(r for r in server.ROUTES if r.operation != "item.clone")
    monkeypatch.setattr(server, "ROUTES", without_clone)
    env.sandbox.control.reset_log()
    env.wait(env.editor.duplicate())
    assert env.editor.state is EditorState.SAVED, env.editor.message
    writes = [entry for entry in _requests(env) if entry[0] == "POST"]
    assert writes == [
        ("POST", f"/item/{original.item_id}/clone", 404),
        ("POST", f"/item/app/{env.editor.app.app_id}/", 200),
    ]
    copy = env.editor.item
    assert copy is not None
    assert copy.item_id != original.item_id
    assert env.raw_values("quantity", copy.item_id) == env.raw_values("quantity")


def test_duplicating_a_deleted_item_says_so(env: EditorEnv) -> None:
    env.open()
    item_id = env.item_id
    env.sandbox.delete_directly(item_id)
    env.sandbox.control.reset_log()
    env.wait(env.editor.duplicate())
    assert env.editor.state is EditorState.DELETED
    assert "cannot be duplicated" in env.editor.message
    assert env.writes() == [f"POST /item/{item_id}/clone"]
    assert any(isinstance(e, ItemRemoved) and e.item_id == item_id for e in env.events)
    assert env.editor.unsaved_json


# ----------------------------------------------------------------------------- tasks


def test_add_a_task_in_the_pane_then_complete_and_reopen_it(env: EditorEnv) -> None:
    env.open()
    pane = env.editor.side.tasks
    env.wait(pane.task)
    before = len(pane.tasks)
    env.sandbox.control.reset_log()
    pane.new_text.setText("Ring the customer")
    pane.due_box.setChecked(True)
    pane.due_date.setDate(QDate(2026, 12, 24))
    pane.add_button.click()
    env.wait(pane.task)
    assert env.writes() == [f"POST /task/item/{env.item_id}/"]
    in_sandbox = run_async(env.client.item_tasks(env.item_id))
    added = [t for t in in_sandbox if t.text == "Ring the customer"]
    assert len(added) == 1
    task = added[0]
    assert task.raw["due_date"] == "2026-12-24"
    assert task.status == "active"
    # The pane shows Podio's list, the new task unticked; the input is cleared.
    assert len(pane.tasks) == before + 1 == pane.list.count()
    row = pane.task_row(task.task_id)
    entry = pane.list.item(row)
    assert entry.text().startswith("Ring the customer  due 2026-12-24")
    assert "00:00" not in entry.text()
    assert entry.checkState() == Qt.CheckState.Unchecked
    assert pane.new_text.text() == ""
    assert not pane.due_box.isChecked()

    entry.setCheckState(Qt.CheckState.Checked)
    env.wait(pane.task)
    done = {t.task_id: t for t in run_async(env.client.item_tasks(env.item_id))}[task.task_id]
    assert done.status == "completed"
    assert pane.list.item(pane.task_row(task.task_id)).checkState() == Qt.CheckState.Checked

    pane.list.item(pane.task_row(task.task_id)).setCheckState(Qt.CheckState.Unchecked)
    env.wait(pane.task)
    reopened = {t.task_id: t for t in run_async(env.client.item_tasks(env.item_id))}
    assert reopened[task.task_id].status == "active"
    assert env.writes()[-2:] == [
        f"POST /task/{task.task_id}/complete",
        f"POST /task/{task.task_id}/incomplete",
    ]


def test_an_empty_task_is_refused_and_nothing_is_sent(env: EditorEnv) -> None:
    env.open()
    pane = env.editor.side.tasks
    env.wait(pane.task)
    env.sandbox.control.reset_log()
    pane.new_text.setText("   ")
    pane.add_button.click()
    assert "empty tasks are not added" in pane.status.text()
    assert not pane.status.isHidden()
    assert env.writes() == []


def test_task_errors_are_shown_in_the_pane(env: EditorEnv) -> None:
    task_id = run_async(env.client.create_item_task(env.item_id, "Check the invoice")).task_id
    env.open()
    pane = env.editor.side.tasks
    env.wait(pane.task)
    assert [t.task_id for t in pane.tasks] == [task_id]
    env.sandbox.delete_directly(env.item_id)
    pane.new_text.setText("Too late")
    pane.add_button.click()
    env.wait(pane.task)
    assert "The task was not added" in pane.status.text()
    assert pane.new_text.text() == "Too late"  # nothing typed is lost
    # A task that vanished meanwhile: the box goes back to what Podio had.
    with env.sandbox.state.lock:
        del env.sandbox.state.tasks[task_id]
    pane.list.item(pane.task_row(task_id)).setCheckState(Qt.CheckState.Checked)
    env.wait(pane.task)
    assert "The task was not completed" in pane.status.text()
    assert pane.list.item(pane.task_row(task_id)).checkState() == Qt.CheckState.Unchecked


# ----------------------------------------------------------------------------- contacts

NEW_CONTACT_ID = 2999


def _add_space_contact(env: EditorEnv, space_id: int, name: str) -> None:
    """A space contact that no item uses yet (as if someone added it in Podio just now)."""
    state = env.sandbox.state
    with state.lock:
        state.profiles[NEW_CONTACT_ID] = {
            "user_id": None,
            "space_id": space_id,
            "rights": ["view", "update", "delete"],
            "url": [],
            "type": "space",
            "image": None,
            "profile_id": NEW_CONTACT_ID,
            "org_id": None,
            "phone": [],
            "link": f"https://podio.com/contacts/{NEW_CONTACT_ID}",
            "avatar": None,
            "mail": ["zelda.new@example.com"],
            "title": [],
            "external_id": None,
            "last_seen_on": None,
            "name": name,
        }


def _people_editor(env: EditorEnv) -> widgets.ContactEditor:
    env.open()
    editor = env.field("people")
    assert isinstance(editor, widgets.ContactEditor)
    return editor


def test_contact_search_finds_an_unused_space_contact_and_saves_it(env: EditorEnv) -> None:
    editor = _people_editor(env)
    app = env.editor.app
    assert app is not None
    assert app.space_id is not None
    _add_space_contact(env, app.space_id, "Zelda Newcomer")
    env.fill_cache(app.app_id)
    env.sandbox.control.reset_log()
    editor.search.setText("zelda")
    editor._search_now()
    env.wait(editor.search_task)
    assert [(c.name, c.type) for c in editor.found] == [("Zelda Newcomer", "space")]
    searches = [r for r in env.sandbox.control.requests() if r.path.startswith("/contact/")]
    assert [(r.method, r.path) for r in searches] == [("GET", f"/contact/space/{app.space_id}/")]
    assert "name=zelda" in searches[0].query
    before = env.raw_values("people")
    editor.add_result(0)
    env.save()
    saved = [value["value"]["profile_id"] for value in env.raw_values("people")]
    assert saved == [value["value"]["profile_id"] for value in before] + [NEW_CONTACT_ID]


def test_contact_search_merges_podio_and_the_cache_once_per_person(env: EditorEnv) -> None:
    editor = _people_editor(env)
    app = env.editor.app
    assert app is not None
    # Sandra is a workspace member (Podio) and already in the richest item (cache).
    env.fill_cache(app.app_id)
    editor.search.setText("Sandra")
    editor._search_now()
    env.wait(editor.search_task)
    assert [c.name for c in editor.found] == ["Sandra Sandbox"]
    # Alma is a contact of another workspace: only the cache knows her here.
    editor.search.setText("alma")
    editor._search_now()
    env.wait(editor.search_task)
    assert [c.name for c in editor.found] == ["Alma Jensen"]


def test_contact_search_offline_uses_the_cache(env: EditorEnv) -> None:
    env.open()
    app = env.editor.app
    assert app is not None
    fdef = app.field("people")
    assert fdef is not None
    env.fill_cache(app.app_id)
    info = env.sandbox.info

    async def scenario() -> tuple[list[str], list[str]]:
        config = TransportConfig(base_url=env.sandbox.url, read_retries=0)
        credentials = ClientCredentials(str(info["client_id"]), str(info["client_secret"]))
        client = PodioClient(credentials, config=config)
        await client.session.sign_in_password(str(info["username"]), str(info["password"]))
        service = EditingService(client, env.cache.items)
        try:
            env.sandbox.control.set_drop_rate(1.0)
            offline = await service.find_contacts(app, fdef, "alma")
            nothing = await service.find_contacts(app, fdef, "zzz-nobody")
        finally:
            env.sandbox.control.reset_faults()
            await client.aclose()
        return [c.name for c in offline], [c.name for c in nothing]

    offline, nothing = run_async(scenario())
    assert offline == ["Alma Jensen"]
    assert nothing == []


def test_contact_search_offers_only_the_kinds_the_field_takes(env: EditorEnv) -> None:
    projects = run_async(env.service.app(env.sandbox.app_id("Projects")))
    owner = projects.field("owner")
    assert owner is not None
    assert owner.settings.get("valid_types") == ["user"]
    assert projects.space_id is not None
    _add_space_contact(env, projects.space_id, "Zelda Newcomer")
    everyone = run_async(env.client.space_contacts(projects.space_id, "a", limit=100))
    assert {c.type for c in everyone} == {"user", "space"}
    offered = run_async(env.service.find_contacts(projects, owner, "a"))
    assert offered
    assert {c.type for c in offered} == {"user"}
    assert {c.profile_id for c in offered} == {c.profile_id for c in everyone if c.type == "user"}
