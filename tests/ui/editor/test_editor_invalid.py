"""Invalid input in every editor is refused with a message on its field and nothing is sent.

The sandbox's request log proves it: after the refused save there is no PUT/POST/DELETE.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from podio_desk.domain.fields import ContactRef, RelatedItem
from podio_desk.ui.editor import fields as widgets
from podio_desk.ui.editor.fields import categories
from podio_desk.ui.editor.item_editor import EditorState
from tests.ui.editor.conftest import EditorEnv

pytestmark = pytest.mark.gui


def _refused(env: EditorEnv, external_id: str, expected: str) -> None:
    assert env.editor.save() is None
    assert env.editor.state is EditorState.INVALID
    assert env.writes() == [], env.writes()
    fdef = env.editor.app.field(external_id) if env.editor.app else None
    assert fdef is not None
    errors = env.editor.field_errors()
    assert fdef.field_id in errors, errors
    assert expected in errors[fdef.field_id], errors[fdef.field_id]
    assert "nothing was saved" in env.editor.message


def _title_cleared(e: Any) -> None:
    e.set_text("")


def _number_letters(e: Any) -> None:
    e.line.setText("twelve")


def _number_too_precise(e: Any) -> None:
    e.line.setText("1.234")


def _money_bad(e: Any) -> None:
    e.amount.setText("12,34,5")


def _progress_too_high(e: Any) -> None:
    e.line.setText("150")


def _duration_bad(e: Any) -> None:
    e.line.setText("five hours")


def _meeting_ends_before_start(e: Any) -> None:
    e.set_range(datetime(2026, 5, 4, 14, 0), datetime(2026, 5, 3, 9, 0))


def _relationship_wrong_app(e: Any) -> None:
    e.add(RelatedItem(item_id=999, title="A ticket", app_id=34))


def _contact_wrong_kind(e: Any) -> None:
    e.add(ContactRef(profile_id=777, name="A group", type="group"))


def _location_bad_latitude(e: Any) -> None:
    e.lat.setText("95")


def _location_not_a_number(e: Any) -> None:
    e.lng.setText("east")


def _email_bad(e: Any) -> None:
    e.add_row("work", "not-an-address")


def _phone_bad(e: Any) -> None:
    e.add_row("mobile", "call me maybe")


def _embed_not_a_url(e: Any) -> None:
    e.url.setText("podio dot com")
    e.add_url()


CASES: list[tuple[str, Callable[[Any], None], str]] = [
    ("title", _title_cleared, "is required"),
    ("quantity", _number_letters, "is not a number"),
    ("quantity", _number_too_precise, "at most 2 decimal places"),
    ("price", _money_bad, "is not"),
    ("progress", _progress_too_high, "0 to 100"),
    ("duration", _duration_bad, "is not a duration"),
    ("meeting", _meeting_ends_before_start, "ends before it starts"),
    ("related", _relationship_wrong_app, "its app is not allowed"),
    ("people", _contact_wrong_kind, "is not one"),
    ("place", _location_bad_latitude, "latitude"),
    ("place", _location_not_a_number, "is not a number"),
    ("email", _email_bad, "is not an e-mail address"),
    ("phone", _phone_bad, "is not a phone number"),
    ("link", _embed_not_a_url, "is not a web address"),
]


@pytest.mark.parametrize(
    ("external_id", "edit", "expected"), CASES, ids=[f"{c[0]}-{c[1].__name__}" for c in CASES]
)
def test_invalid_input_is_refused_and_nothing_is_sent(
    env: EditorEnv, external_id: str, edit: Callable[[Any], None], expected: str
) -> None:
    env.open()
    env.sandbox.control.reset_log()
    edit(env.field(external_id))
    # The message shows as soon as the value is typed, before any save.
    fdef = env.editor.app.field(external_id) if env.editor.app else None
    assert fdef is not None
    assert fdef.field_id in env.editor.field_errors()
    _refused(env, external_id, expected)


def test_category_search_text_that_is_no_option(env: EditorEnv, monkeypatch: Any) -> None:
    # Every category with more options than MANY_OPTIONS gets a search box.
    monkeypatch.setattr(categories, "MANY_OPTIONS", 1)
    env.open()
    env.sandbox.control.reset_log()
    editor = env.field("state")
    assert isinstance(editor, widgets.CategoryEditor)
    assert editor.combo is not None
    assert editor.combo.isEditable()
    editor.combo.setEditText("Nonexistent")
    _refused(env, "state", 'there is no option "Nonexistent"')


def test_image_of_a_type_the_field_refuses_is_not_uploaded(env: EditorEnv) -> None:
    env.open()
    env.sandbox.control.reset_log()
    editor = env.field("picture")
    assert isinstance(editor, widgets.FileEditor)
    assert editor.upload_bytes("anim.gif", b"GIF89a", "image/gif") is None
    assert "image/png" in editor.status.text()
    assert env.writes() == []


def test_unreadable_file_is_reported_and_nothing_sent(env: EditorEnv, tmp_path: Any) -> None:
    env.open()
    env.sandbox.control.reset_log()
    editor = env.field("document")
    editor.upload_path(tmp_path / "missing.pdf")
    env.wait(editor.task)
    assert "Could not read missing.pdf" in editor.status.text()
    assert env.writes() == []


def test_html_is_reduced_to_podio_tags(env: EditorEnv) -> None:
    env.open()
    editor = env.field("description")
    editor.set_html('<p onclick="x()">Hi<script>alert(1)</script><img src="x.png"></p>')
    value = editor.value()
    assert value.text == "<p>Hi</p>"


def test_many_invalid_fields_are_all_marked(env: EditorEnv) -> None:
    env.open()
    env.sandbox.control.reset_log()
    env.field("quantity").line.setText("x")
    env.field("progress").line.setText("101")
    env.field("title").set_text("Fine title")
    assert env.editor.save() is None
    assert len(env.editor.field_errors()) == 2
    assert "2 fields need fixing" in env.editor.message
    assert env.writes() == []
