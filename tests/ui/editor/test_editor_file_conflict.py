"""Removing a file never drops one someone else attached meanwhile: the list Podio replaces
is sent with the revision it was read at, and a change in between goes to the conflict view,
which lists the files and can keep both sides."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QMessageBox

from podio_desk.domain.conflicts import FILES_KEY, TAGS_KEY
from podio_desk.ui.editor.conflict import MINE
from podio_desk.ui.editor.item_editor import EditorState
from tests.ui.editor.conftest import EditorEnv, run_async

pytestmark = pytest.mark.gui


def as_other(env: EditorEnv, method: str, path: str, body: Any) -> None:
    """A request by the second seeded user over HTTP (a real concurrent change)."""
    info = env.sandbox.info
    token = env.sandbox.token_for(str(info["other_username"]), str(info["other_password"]))
    request = urllib.request.Request(
        f"{env.sandbox.url}{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"OAuth2 {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def their_file_attached(env: EditorEnv, how: str) -> int:
    upload = run_async(env.client.upload_file("theirs.txt", b"their file", mimetype="text/plain"))
    current = env.fetch()
    if how == "list":
        ids = [info.file_id for info in current.files] + [upload.file_id]
        as_other(
            env, "PUT", f"/item/{env.item_id}", {"file_ids": ids, "revision": current.revision}
        )
    else:
        as_other(
            env,
            "POST",
            f"/file/{upload.file_id}/attach",
            {"ref_type": "item", "ref_id": env.item_id},
        )
    return upload.file_id


def opened_with_two_files(env: EditorEnv, monkeypatch: Any) -> tuple[int, int]:
    env.open()
    files = env.editor.side.files
    run_async(files.attach("mine-1.txt", b"one", "text/plain"))
    run_async(files.attach("mine-2.txt", b"two", "text/plain"))
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    first, second = files.files[-2:]
    return first.file_id, second.file_id


@pytest.mark.parametrize("how", ["list", "attach"])
def test_a_file_removed_while_another_user_attached_one_keeps_theirs(
    env: EditorEnv, monkeypatch: Any, how: str
) -> None:
    removed, kept = opened_with_two_files(env, monkeypatch)
    theirs = their_file_attached(env, how)
    files = env.editor.side.files
    files.list.setCurrentRow(len(files.files) - 2)
    env.sandbox.control.reset_log()
    files._remove_selected()
    env.qtbot.waitUntil(lambda: env.editor.state is EditorState.CONFLICT, timeout=10_000)

    # Nothing was written, their file is still there, and the view lists the files.
    assert [w for w in env.writes() if w.startswith("PUT")] in ([], [f"PUT /item/{env.item_id}"])
    now = {info.file_id for info in env.fetch().files}
    assert {removed, kept, theirs} <= now
    view = env.editor.conflict_view
    row = view.list_rows[FILES_KEY]
    assert theirs in row.entry.theirs
    assert removed not in (row.entry.mine or ())
    texts = [label.text() for label in view.findChildren(QLabel)]
    assert "Files" in texts
    assert any("theirs.txt" in text for text in texts)
    assert row.both_button.isChecked()  # keeping both is the starting choice

    # Keep both: my removal and their attachment.
    with env.qtbot.waitSignal(env.editor.item_saved, timeout=10_000):
        view.submit()
    assert env.editor.state is EditorState.SAVED, env.editor.message
    final = {info.file_id for info in env.fetch().files}
    assert theirs in final
    assert kept in final
    assert removed not in final
    shown = {info.file_id for info in env.editor.side.files.files}
    assert shown == final


def test_removing_a_file_sends_the_revision_it_was_read_at(
    env: EditorEnv, monkeypatch: Any
) -> None:
    removed, kept = opened_with_two_files(env, monkeypatch)
    files = env.editor.side.files
    revision = env.editor.side.files.item.revision  # type: ignore[union-attr]
    files.list.setCurrentRow(len(files.files) - 2)
    env.sandbox.control.reset_log()
    files._remove_selected()
    env.qtbot.waitUntil(lambda: removed not in {i.file_id for i in files.files}, timeout=10_000)
    (body,) = env.sent_bodies("PUT")
    assert body["revision"] == revision
    assert kept in body["file_ids"]
    assert removed not in body["file_ids"]


def test_keep_mine_in_a_file_conflict_removes_theirs_too(env: EditorEnv, monkeypatch: Any) -> None:
    removed, _kept = opened_with_two_files(env, monkeypatch)
    theirs = their_file_attached(env, "list")
    files = env.editor.side.files
    files.list.setCurrentRow(len(files.files) - 2)
    files._remove_selected()
    env.qtbot.waitUntil(lambda: env.editor.state is EditorState.CONFLICT, timeout=10_000)
    view = env.editor.conflict_view
    view.choose(FILES_KEY, MINE)
    with env.qtbot.waitSignal(env.editor.item_saved, timeout=10_000):
        view.submit()
    final = {info.file_id for info in env.fetch().files}
    assert theirs not in final
    assert removed not in final


def test_tags_changed_on_both_sides_are_listed_and_can_be_combined(env: EditorEnv) -> None:
    env.open()
    before = env.fetch()
    env.editor.tags.setText(", ".join((*before.tags, "mine")))
    as_other(
        env,
        "PUT",
        f"/item/{env.item_id}",
        {"tags": [*before.tags, "theirs"], "revision": before.revision},
    )
    task = env.editor.save()
    env.wait(task)
    assert env.editor.state is EditorState.CONFLICT, env.editor.message
    view = env.editor.conflict_view
    row = view.list_rows[TAGS_KEY]
    assert "theirs" in row.entry.theirs
    assert row.both_button.isChecked()
    assert "Tags" in [label.text() for label in view.findChildren(QLabel)]
    with env.qtbot.waitSignal(env.editor.item_saved, timeout=10_000):
        view.submit()
    assert {"mine", "theirs"} <= set(env.fetch().tags)
