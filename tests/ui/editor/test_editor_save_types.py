"""For every field type: change the value through its widget, save, and read the sandbox back.

Each test opens the sandbox's richest item (every field type filled), edits one field the way a
user would, saves, and checks the JSON the sandbox serves over HTTP. The PUT body is checked too:
only the changed field is sent, with the item's revision.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from podio_desk.domain.fields import RelationshipValue
from podio_desk.services.editing import ItemSaved
from podio_desk.ui.editor import fields as widgets
from tests.ui.editor.conftest import EditorEnv, run_async

pytestmark = pytest.mark.gui


def _only_field_sent(env: EditorEnv, external_id: str) -> dict[str, Any]:
    bodies = env.sent_bodies("PUT")
    assert len(bodies) == 1, bodies
    body: dict[str, Any] = bodies[0]
    assert body["revision"] == 1
    fdef = env.editor.app.field(external_id) if env.editor.app else None
    assert fdef is not None
    assert list(body["fields"]) == [str(fdef.field_id)]
    return body


def _edit(env: EditorEnv, external_id: str) -> Any:
    env.open()
    env.sandbox.control.reset_log()
    return env.field(external_id)


def test_plain_text_title(env: EditorEnv) -> None:
    editor = _edit(env, "title")
    editor.set_text("A better title")
    env.save()
    assert env.raw_values("title") == [{"value": "A better title"}]
    _only_field_sent(env, "title")
    assert env.editor.title.text() == "A better title"
    saved = [event for event in env.events if isinstance(event, ItemSaved)]
    assert saved[-1].item.title == "A better title"
    # The cache holds the new revision, so the table row can refresh without a reload.
    cached = run_async(env.cache.items.get(env.item_id))
    assert cached is not None
    assert cached.title == "A better title"
    assert cached.revision == 2


def test_plain_text_large_keeps_line_breaks(env: EditorEnv) -> None:
    editor = _edit(env, "plain-notes")
    editor.set_text("first line\nsecond line")
    env.save()
    assert env.raw_values("plain-notes") == [{"value": "first line\nsecond line"}]


def test_html_text_is_sent_as_podio_html(env: EditorEnv) -> None:
    editor = _edit(env, "description")
    assert isinstance(editor, widgets.RichTextEditor)
    editor.set_html(
        "<p>Hello <b>bold</b> and <i>italic</i> <a href='https://podio.com'>link</a></p>"
        "<ul><li>one</li><li>two</li></ul><script>alert(1)</script>"
    )
    env.save()
    (value,) = env.raw_values("description")
    assert value["value"] == (
        '<p>Hello <strong>bold</strong> and <em>italic</em> <a href="https://podio.com">link</a>'
        "</p><ul><li>one</li><li>two</li></ul>"
    )


def test_untouched_html_is_not_sent(env: EditorEnv) -> None:
    _edit(env, "description")
    env.field("title").set_text("Only the title")
    env.save()
    _only_field_sent(env, "title")


def test_number(env: EditorEnv) -> None:
    editor = _edit(env, "quantity")
    editor.line.setText("1,234.5")
    env.save()
    assert env.raw_values("quantity") == [{"value": "1234.5000"}]
    _only_field_sent(env, "quantity")


def test_money_amount_and_currency(env: EditorEnv) -> None:
    editor = _edit(env, "price")
    editor.amount.setText("12.3")
    editor.currency.setCurrentText("USD")
    env.save()
    assert env.raw_values("price") == [{"value": "12.3000", "currency": "USD"}]


def test_progress(env: EditorEnv) -> None:
    editor = _edit(env, "progress")
    editor.slider.setValue(35)
    assert editor.line.text() == "35"
    env.save()
    assert env.raw_values("progress") == [{"value": 35}]


def test_duration(env: EditorEnv) -> None:
    editor = _edit(env, "duration")
    editor.line.setText("2h 30m")
    env.save()
    assert env.raw_values("duration") == [{"value": 9000}]


def test_date_with_time_and_end(env: EditorEnv) -> None:
    editor = _edit(env, "meeting")
    assert "UTC+" in editor.zone.text() or "time zone" in editor.zone.text()
    editor.set_range(datetime(2026, 5, 4, 14, 0), datetime(2026, 5, 4, 15, 30))
    env.save()
    (value,) = env.raw_values("meeting")
    assert value["start"] == "2026-05-04 14:00:00"
    assert value["end"] == "2026-05-04 15:30:00"
    assert value["start_date"] == "2026-05-04"
    # Copenhagen is UTC+2 in May: the UTC variant follows the local value.
    assert value["start_utc"] == "2026-05-04 12:00:00"


def test_date_without_time(env: EditorEnv) -> None:
    editor = _edit(env, "holiday")
    assert not editor.start_time.isVisible() or not editor.start_time.isEnabled()
    editor.set_range(date(2026, 8, 1), date(2026, 8, 3))
    env.save()
    (value,) = env.raw_values("holiday")
    assert value["start_date"] == "2026-08-01"
    assert value["end_date"] == "2026-08-03"
    assert value.get("start_time") in (None, "")


def test_date_cleared(env: EditorEnv) -> None:
    editor = _edit(env, "holiday")
    editor.has_date.setChecked(False)
    env.save()
    assert env.raw_values("holiday") == []


def test_category_single(env: EditorEnv) -> None:
    editor = _edit(env, "state")
    editor.choose("Planned")
    env.save()
    (value,) = env.raw_values("state")
    assert value["value"]["text"] == "Planned"
    assert value["value"]["id"] == 1
    body = _only_field_sent(env, "state")
    assert list(body["fields"].values()) == [[1]]


def test_category_multiple(env: EditorEnv) -> None:
    editor = _edit(env, "tags")
    editor.choose("Client")
    env.save()
    assert [v["value"]["text"] for v in env.raw_values("tags")] == ["Client"]


def test_relationship_search_add_and_remove(env: EditorEnv) -> None:
    editor = _edit(env, "related")
    assert isinstance(editor, widgets.RelationshipEditor)
    before = editor.value()
    assert isinstance(before, RelationshipValue)
    editor.linked.setCurrentRow(0)
    editor.remove_selected()
    editor.search.setText("a")
    editor._search_now()
    env.wait(editor.search_task)
    assert editor.found, editor.status.text()
    candidate = next(c for c in editor.found if c.item_id not in before.item_ids)
    editor.add(candidate)
    env.save()
    linked = [v["value"]["item_id"] for v in env.raw_values("related")]
    assert linked == [*before.item_ids[1:], candidate.item_id]


def test_contact_search_from_the_cache(env: EditorEnv) -> None:
    editor = _edit(env, "people")
    assert isinstance(editor, widgets.ContactEditor)
    assert env.editor.app is not None
    env.fill_cache(env.editor.app.app_id)
    editor.linked.setCurrentRow(1)
    editor.remove_selected()
    editor.search.setText("Alma")
    editor._search_now()
    env.wait(editor.search_task)
    assert [c.name for c in editor.found] == ["Alma Jensen"]
    editor.linked.setCurrentRow(0)
    editor.remove_selected()
    editor.add_result(0)
    env.save()
    assert [v["value"]["name"] for v in env.raw_values("people")] == ["Alma Jensen"]


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_image_upload_replaces_picture(env: EditorEnv) -> None:
    editor = _edit(env, "picture")
    assert isinstance(editor, widgets.FileEditor)
    editor.files.setCurrentRow(0)
    editor.remove_selected()
    env.wait(editor.upload_bytes("dot.png", PNG, "image/png"))
    env.save()
    (value,) = env.raw_values("picture")
    assert value["value"]["name"] == "dot.png"
    assert env.download(value["value"]["file_id"]) == PNG


def test_file_download_and_remove(env: EditorEnv, tmp_path: Any) -> None:
    editor = _edit(env, "document")
    (ref,) = editor.value().files
    env.wait(editor.download_to(ref, tmp_path / "copy.pdf"))
    assert (tmp_path / "copy.pdf").read_bytes()
    editor.remove_selected()
    env.save()
    assert env.raw_values("document") == []


def test_embed_link(env: EditorEnv) -> None:
    editor = _edit(env, "link")
    editor.remove_selected()
    editor.url.setText("https://example.com/page")
    editor.add_url()
    env.wait(editor.add_task)
    env.save()
    (value,) = env.raw_values("link")
    assert value["embed"]["original_url"] == "https://example.com/page" or value["embed"][
        "url"
    ] == ("https://example.com/page")


def test_location(env: EditorEnv) -> None:
    editor = _edit(env, "place")
    editor.address.setText("Nørrebrogade 10, 2200 København N")
    editor.lat.setText("55.6900")
    editor.lng.setText("12.5500")
    env.save()
    (value,) = env.raw_values("place")
    assert value["value"] == "Nørrebrogade 10, 2200 København N"
    assert float(value["lat"]) == pytest.approx(55.69)
    assert float(value["lng"]) == pytest.approx(12.55)


def test_email_list(env: EditorEnv) -> None:
    editor = _edit(env, "email")
    editor.add_row("other", "new@example.org")
    env.save()
    values = env.raw_values("email")
    assert values[-1] == {"type": "other", "value": "new@example.org"}
    assert len(values) == 3


def test_phone_list(env: EditorEnv) -> None:
    editor = _edit(env, "phone")
    combo, line, _holder = editor.rows[0]
    combo.setCurrentText("home")
    line.setText("+45 11 22 33 44")
    env.save()
    assert env.raw_values("phone")[0] == {"type": "home", "value": "+45 11 22 33 44"}


def test_calculation_is_read_only_and_never_sent(env: EditorEnv) -> None:
    editor = _edit(env, "total")
    assert editor.read_only
    assert not editor.isEnabled() or editor.text.text() == "1,249.38"
    before = env.raw_values("total")
    env.field("quantity").line.setText("2")
    env.save()
    _only_field_sent(env, "quantity")
    # Podio computes it from the new quantity; the editor shows Podio's result.
    assert before == [{"value": "1249.3750"}]
    assert env.raw_values("total") == [{"value": "199.9000"}]
    assert env.field("total").text.text() == "199.90"


def test_separator_is_a_heading_and_never_sent(env: EditorEnv) -> None:
    editor = _edit(env, "more")
    assert editor.heading.text() == "More"
    env.field("title").set_text("x")
    env.save()
    _only_field_sent(env, "title")


def test_item_tags(env: EditorEnv) -> None:
    _edit(env, "title")
    env.editor.tags.setText("demo, new-tag")
    env.save()
    assert list(env.fetch().tags) == ["demo", "new-tag"]


_POLL_CONFIG = {"label": "Poll", "required": False, "delta": 1, "settings": {"options": []}}
_TITLE_CONFIG = {
    "label": "Title",
    "required": True,
    "delta": 0,
    "settings": {"format": "plain", "size": "small"},
}
RECORDED_APP: dict[str, Any] = {
    "app_id": 900,
    "space_id": 901,
    "status": "active",
    "link": "https://podio.com/rec/space/apps/quiz",
    "config": {"name": "Quiz", "item_name": "Question"},
    "fields": [
        {"field_id": 9001, "type": "text", "external_id": "title", "label": "Title",
         "status": "active", "config": _TITLE_CONFIG},
        {"field_id": 9002, "type": "question", "external_id": "poll", "label": "Poll",
         "status": "active", "config": _POLL_CONFIG},
    ],
}  # fmt: skip
RECORDED_ITEM: dict[str, Any] = {
    "item_id": 90001,
    "app": {"app_id": 900, "name": "Quiz", "space_id": 901},
    "app_item_id": 1,
    "title": "Q1",
    "revision": 0,
    "created_on": "2026-01-01 10:00:00",
    "link": "https://podio.com/rec/space/apps/quiz/items/1",
    "current_revision": {"revision": 0, "created_on": "2026-01-01 10:00:00"},
    "fields": [
        {"field_id": 9001, "type": "text", "external_id": "title", "label": "Title",
         "config": _TITLE_CONFIG, "values": [{"value": "Q1"}]},
        {"field_id": 9002, "type": "question", "external_id": "poll", "label": "Poll",
         "config": _POLL_CONFIG, "values": [{"value": {"id": 1, "text": "Yes"}}]},
    ],
}  # fmt: skip


def test_unknown_field_type_is_shown_read_only_and_kept(env: EditorEnv) -> None:
    env.sandbox.load_recorded_app(RECORDED_APP)
    item_id = env.sandbox.load_recorded_item(RECORDED_ITEM)
    env.open(item_id)
    poll = env.field("poll")
    assert isinstance(poll, widgets.ReadOnlyView)
    assert poll.text.text() == "Yes"
    assert "kept unchanged" in poll.note.text()
    env.sandbox.control.reset_log()
    env.field("title").set_text("Q1 edited")
    env.save()
    (body,) = env.sent_bodies("PUT")
    assert list(body["fields"]) == ["9001"]
    assert env.raw_values("poll", item_id) == [{"value": {"id": 1, "text": "Yes"}}]
    assert env.raw_values("title", item_id) == [{"value": "Q1 edited"}]


def test_silent_and_hook_choices_are_sent(env: EditorEnv) -> None:
    env.open()
    env.sandbox.control.reset_log()
    env.editor.silent_box.setChecked(True)
    env.editor.hook_box.setChecked(False)
    env.field("title").set_text("Quietly")
    env.save()
    (put,) = [r for r in env.sandbox.control.requests() if r.method == "PUT"]
    assert "silent=true" in put.query
    assert "hook=false" in put.query


def test_typing_in_a_search_box_searches_once_after_a_pause(env: EditorEnv) -> None:
    editor = _edit(env, "related")
    for text in ("W", "We", "Web"):
        editor.search.setText(text)
        editor.search.textEdited.emit(text)  # as typing does
    env.wait(editor.search_task)
    finds = [r for r in env.sandbox.control.requests() if "/find" in r.path]
    assert len(finds) == 1
    assert "text=Web" in finds[0].query
    assert [item.title for item in editor.found] == ["Website relaunch"]
