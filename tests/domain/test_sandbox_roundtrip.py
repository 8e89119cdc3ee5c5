"""Our create/update input, sent over real HTTP to the sandbox (an independent local Podio
written from docs/podio-api.md, not from this code), comes back as the same values.

The sandbox's seeded "richest item" holds every field type. This checks the wire format of
`to_input`/`ItemChange` against a second reading of the API docs; the recorded fixtures and
podio_render.py check it against the recordings.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from podio_desk.domain import fields as f
from podio_desk.domain.items import Item, ItemChange
from podio_desk.domain.workspace import App
from podio_desk.sandbox import Sandbox


class _Wire:
    def __init__(self, sandbox: Sandbox) -> None:
        self.base = sandbox.url
        info = sandbox.info
        self.token = sandbox.token_for(str(info["username"]), str(info["password"]))

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Authorization": f"OAuth2 {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            text = reply.read()
        return json.loads(text) if text else None


def _local(value: f.FieldValue) -> f.FieldValue:
    if isinstance(value, f.DateValue):
        return dataclasses.replace(value, start_utc=None, end_utc=None)
    return value


@pytest.fixture
def wire(sandbox: Sandbox) -> _Wire:
    return _Wire(sandbox)


def _richest(wire: _Wire, sandbox: Sandbox) -> tuple[App, Item]:
    raw = wire.call("GET", f"/item/{sandbox.info['richest_item_id']}")
    app = App.from_api(wire.call("GET", f"/app/{raw['app']['app_id']}"))
    return app, Item.from_api(raw, app)


def test_every_field_type_written_back_unchanged_reads_the_same(
    wire: _Wire, sandbox: Sandbox
) -> None:
    app, item = _richest(wire, sandbox)
    assert item.problems == ()
    kinds = {fdef.field_type for fdef in item.fields}
    assert kinds >= {k for k in f.FieldType if k not in (f.FieldType.TEL, f.FieldType.SEPARATOR)}
    writable = {fd.field_id: item.value(fd.field_id) for fd in item.fields if not fd.is_read_only}
    body = ItemChange(writable).to_update_body(app, revision=item.revision)
    answer = wire.call("PUT", f"/item/{item.item_id}", body)
    # Nothing changed, so Podio may keep the revision; it must not refuse it (409).
    assert answer["revision"] in (item.revision, item.revision + 1)
    again = Item.from_api(wire.call("GET", f"/item/{item.item_id}"), app)
    for fdef in item.fields:
        before, after = item.value(fdef.field_id), again.value(fdef.field_id)
        assert after == before, fdef.label
        assert repr(_local(after)) == repr(_local(before)), fdef.label


def test_typed_text_creates_an_item_the_sandbox_accepts(wire: _Wire, sandbox: Sandbox) -> None:
    app, _ = _richest(wire, sandbox)
    typed = {
        "text": "Hello",
        "number": "1,234.5",
        "money": "12.30 EUR",
        "progress": "42%",
        "duration": "1h 30m",
        "email": "a@b.com; home: c@d.org",
        "phone": "+45 1234",
    }
    values: dict[int, f.FieldValue] = {}
    for fdef in app.active_fields:
        if fdef.type in typed:
            values[fdef.field_id] = f.parse_user_text(fdef, typed[fdef.type])
        elif fdef.type == "category":
            values[fdef.field_id] = f.parse_user_text(fdef, f.category_options(fdef)[-1].text)
        elif fdef.type == "date":
            has_time = fdef.settings.get("time") != "disabled"
            text = "2026-11-22 14:00 - 16:00" if has_time else "2026-11-22 - 2026-11-24"
            values[fdef.field_id] = f.parse_user_text(fdef, text)
    change = ItemChange(values, tags=("typed",))
    assert change.validate(app) == []
    created = wire.call("POST", f"/item/app/{app.app_id}/", change.to_update_body(app))
    item = Item.from_api(wire.call("GET", f"/item/{created['item_id']}"), app)
    assert item.tags == ("typed",)
    for field_id, value in values.items():
        assert item.value(field_id) == value, field_id


def test_the_sandbox_refuses_what_validate_refuses(wire: _Wire, sandbox: Sandbox) -> None:
    app, item = _richest(wire, sandbox)
    required = [fdef for fdef in app.active_fields if fdef.required and not fdef.is_read_only]
    assert required
    change = ItemChange({fdef.field_id: f.EMPTY for fdef in required})
    issues = change.validate(app)
    assert [issue.message for issue in issues] == [f'"{fd.label}" is required' for fd in required]
    with pytest.raises(urllib.error.HTTPError) as caught:
        wire.call("PUT", f"/item/{item.item_id}", change.to_update_body(app))
    caught.value.close()  # the error holds the open response
    assert caught.value.code == 400
