"""services/editing.py without Qt: HTML for Podio, conflicts, 400 mapping, saving over HTTP."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import pytest

from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient
from podio_desk.api.errors import BadRequest, ErrorBody
from podio_desk.domain.fields import EMPTY, FieldDef, NumberValue, TextValue
from podio_desk.domain.items import Item, ItemChange
from podio_desk.domain.workspace import App
from podio_desk.sandbox import Sandbox
from podio_desk.services.editing import (
    TAGS_KEY,
    Conflicted,
    Deleted,
    EditingService,
    Invalid,
    ItemSaved,
    NothingToSave,
    Saved,
    build_conflict,
    check_link_url,
    copy_change,
    editable_decimal,
    missing_required,
    problems_from_bad_request,
    sanitize_podio_html,
    unsaved_values_json,
)

QT_HTML = (
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.0//EN"><html><head><meta name="qrichtext" '
    'content="1" /><style type="text/css">p, li { white-space: pre-wrap; }</style></head>'
    "<body style=\" font-family:'Sans Serif';\">\n"
    '<p style=" margin-top:12px;">Hello <span style=" font-weight:700;">bold</span> '
    '<span style=" font-style:italic;">it</span> <span style=" text-decoration: underline;">u'
    '</span> <span style=" text-decoration: line-through;">s</span> <a href="http://x.com">'
    '<span style=" text-decoration: underline; color:#0000ff;">link</span></a></p>\n'
    '<ul style="margin-top: 0px;">\n<li style=" margin-top:12px;">one</li></ul>\n'
    '<h2 style=" margin-top:16px;"><span style=" font-size:x-large; font-weight:700;">Head'
    "</span></h2>\n"
    '<p style=" margin-top:12px; margin-left:40px; margin-right:40px;">quote</p>\n'
    '<p style=" margin-top:12px;">x<br />y &amp; &lt;z&gt;</p></body></html>'
)


def test_qt_rich_text_becomes_podio_html() -> None:
    assert sanitize_podio_html(QT_HTML) == (
        "<p>Hello <strong>bold</strong> <em>it</em> <u>u</u> <s>s</s> "
        '<a href="http://x.com">link</a></p><ul><li>one</li></ul><h2>Head</h2>'
        "<blockquote>quote</blockquote><p>x<br>y &amp; &lt;z&gt;</p>"
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>plain</p>", "<p>plain</p>"),
        ("<b>b</b><i>i</i><strike>s</strike>", "<strong>b</strong><em>i</em><s>s</s>"),
        ('<p onclick="x()">Hi<script>alert(1)</script></p>', "<p>Hi</p>"),
        ('<a href="javascript:alert(1)">x</a>', "x"),
        ("<h5>deep</h5><div>block</div>", "<h3>deep</h3><p>block</p>"),
        ("<table><tr><td>cell</td></tr></table>", "cell"),
        ("<p>unclosed <strong>bold", "<p>unclosed <strong>bold</strong></p>"),
        ("text & more", "text &amp; more"),
    ],
)
def test_sanitizer_keeps_text_and_podio_tags_only(source: str, expected: str) -> None:
    assert sanitize_podio_html(source) == expected


def test_link_urls() -> None:
    assert check_link_url("https://podio.com/x") is None
    assert check_link_url("http://a.b") is None
    assert "web address" in (check_link_url("podio.com") or "")
    assert check_link_url("") == "enter a web address"


def _fdef(field_id: int, external_id: str, kind: str = "text", **config: Any) -> FieldDef:
    required = config.pop("required", False)
    return FieldDef.from_api(
        {
            "field_id": field_id,
            "external_id": external_id,
            "type": kind,
            "label": external_id.title(),
            "config": {"required": required, "settings": config or None},
        }
    )


APP = App(
    app_id=1,
    space_id=None,
    name="Test",
    fields=(_fdef(10, "title", required=True), _fdef(11, "amount", "number", decimals=2)),
)


def _item(revision: int, title: str, amount: str) -> Item:
    return Item.from_api(
        {
            "item_id": 5,
            "title": title,
            "revision": revision,
            "created_on": "2026-01-01 10:00:00",
            "tags": ["a"],
            "fields": [
                {"field_id": 10, "external_id": "title", "type": "text", "label": "Title",
                 "values": [{"value": title}]},
                {"field_id": 11, "external_id": "amount", "type": "number", "label": "Amount",
                 "values": [{"value": amount}]},
            ],
        },
        APP,
    )  # fmt: skip


def test_conflict_fields_and_resolution() -> None:
    base, current = _item(1, "Base", "1"), _item(2, "Theirs", "1")
    change = ItemChange({10: TextValue("Mine"), 11: NumberValue(Decimal(2))}, tags=("b",))
    conflict = build_conflict(APP, base, current, change, {10}, ())
    by_id = {entry.field.field_id: entry for entry in conflict.fields}
    assert by_id[10].clashes
    assert not by_id[11].theirs_changed
    assert conflict.clashing == (by_id[10],)
    assert conflict.resolve().values == {10: TextValue("Mine"), 11: NumberValue(Decimal(2))}
    assert conflict.resolve(default="theirs").values == {}
    assert conflict.resolve(default="theirs").tags is None
    edited = conflict.resolve({10: TextValue("Merged"), 11: "theirs", TAGS_KEY: "theirs"})
    assert edited.values == {10: TextValue("Merged")}
    assert edited.tags is None


def test_bad_request_names_the_field() -> None:
    body = ErrorBody(
        error="invalid_value",
        error_description="Invalid currency 'GBP' (field 'Amount', amount)",
        error_parameters={"field_id": 11, "external_id": "amount"},
        error_propagate=True,
    )
    (problem,) = problems_from_bad_request(APP, BadRequest(status=400, body=body))
    assert problem.field_id == 11
    vague = problems_from_bad_request(
        APP, BadRequest(status=400, body=ErrorBody(error="invalid_value"))
    )
    assert vague[0].field_id is None


def test_unsaved_values_copy_and_duplicate_and_required() -> None:
    base = _item(1, "Base", "1")
    text = unsaved_values_json(APP, base, ItemChange({11: NumberValue(Decimal("2.5"))}))
    document = json.loads(text)
    assert document["fields"] == [
        {"field_id": 11, "external_id": "amount", "label": "Amount", "text": "2.50", "input": "2.5"}
    ]
    assert copy_change(APP, base).values == {10: TextValue("Base"), 11: NumberValue(Decimal(1))}
    assert [i.message for i in missing_required(APP, ItemChange())] == ['"Title" is required']
    assert missing_required(APP, ItemChange({10: TextValue("x")})) == []


# ---------------------------------------------------------------- over HTTP, against the sandbox


async def _service(sandbox: Sandbox) -> tuple[PodioClient, EditingService]:
    info = sandbox.info
    client = PodioClient(
        ClientCredentials(str(info["client_id"]), str(info["client_secret"])),
        base_url=sandbox.url,
    )
    await client.session.sign_in_password(str(info["username"]), str(info["password"]))
    return client, EditingService(client)


def test_save_conflict_and_deleted_over_http(sandbox: Sandbox) -> None:
    async def scenario() -> None:
        client, service = await _service(sandbox)
        events: list[Any] = []
        service.events.subscribe(events.append)
        try:
            item_id = int(sandbox.info["richest_item_id"])
            app, item = await service.load(item_id)
            title = app.field("title")
            assert title is not None
            # Nothing changed: nothing sent.
            same = await service.save(
                app, item, ItemChange({title.field_id: item.value(title.field_id)})
            )
            assert isinstance(same, NothingToSave)
            invalid = await service.save(app, item, ItemChange({title.field_id: EMPTY}))
            assert isinstance(invalid, Invalid)
            saved = await service.save(app, item, ItemChange({title.field_id: TextValue("One")}))
            assert isinstance(saved, Saved)
            assert saved.item.title == "One"
            assert isinstance(events[-1], ItemSaved)
            # Saving again from the old revision: a conflict, nothing overwritten.
            stale = await service.save(app, item, ItemChange({title.field_id: TextValue("Two")}))
            assert isinstance(stale, Conflicted)
            assert (await client.item(item_id)).title == "One"
            kept = await service.resolve(app, stale.conflict)
            assert isinstance(kept, Saved)
            assert kept.item.title == "Two"
            await client.delete_item(item_id)
            gone = await service.save(app, kept.item, ItemChange({title.field_id: TextValue("3")}))
            assert isinstance(gone, Deleted)
            assert json.loads(gone.unsaved_json)["fields"][0]["text"] == "3"
        finally:
            await client.aclose()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("number", "decimals", "text"),
    [
        (Decimal("12.5000"), 2, "12.50"),
        (Decimal("12.5000"), 0, "12.5"),
        (Decimal("12.0000"), 0, "12"),
        (Decimal("99.9500"), 2, "99.95"),
        (Decimal("1.23456"), 2, "1.23456"),
        (Decimal("-3.1000"), None, "-3.1"),
    ],
)
def test_editable_decimal_is_exact(number: Decimal, decimals: int | None, text: str) -> None:
    assert editable_decimal(number, decimals) == text
    assert Decimal(text) == number
