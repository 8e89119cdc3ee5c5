"""Orgs, spaces, apps, views, items and the things hanging off items."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from podio_desk.domain import fields as f
from podio_desk.domain.errors import MalformedValueError, ReadOnlyFieldError
from podio_desk.domain.items import (
    Comment,
    FileInfo,
    Item,
    ItemChange,
    ItemPage,
    Revision,
    RevisionDiff,
    Task,
    revision_diffs_from_api,
)
from podio_desk.domain.timestamps import format_podio_datetime, parse_podio_datetime
from podio_desk.domain.workspace import App, Org, Space, View
from tests.domain.fixture_data import ITEM_FIXTURES, load


def test_parse_podio_datetime() -> None:
    moment = parse_podio_datetime("2017-03-21 15:45:12")
    assert moment == datetime(2017, 3, 21, 15, 45, 12, tzinfo=UTC)
    assert format_podio_datetime(moment) == "2017-03-21 15:45:12"
    assert parse_podio_datetime("2017-03-21T15:45:12") == moment
    assert parse_podio_datetime("2017-03-21") == datetime(2017, 3, 21, tzinfo=UTC)
    assert parse_podio_datetime(" 2017-3-21 15:45:12") == moment
    with pytest.raises(MalformedValueError, match=r'"2017-02-30 15:45:12" is not a date'):
        parse_podio_datetime("2017-02-30 15:45:12")
    with pytest.raises(MalformedValueError, match=r'created_on: "21/03/2017" is not a date'):
        parse_podio_datetime("21/03/2017", what="created_on")
    with pytest.raises(MalformedValueError, match="expected a date and time text, got 5"):
        parse_podio_datetime(5)


@pytest.mark.parametrize(
    ("reader", "raw", "message"),
    [
        (App.from_api, {"space_id": 1}, 'App: "app_id" is missing'),
        (App.from_api, {"app_id": "12"}, "App: \"app_id\" should be a whole number, got '12'"),
        (App.from_api, {"app_id": True}, 'App: "app_id" should be a whole number, got True'),
        (App.from_api, [], "App: the app should be a JSON object, got []"),
        (Org.from_api, {"name": "x"}, 'Organization: "org_id" is missing'),
        (Space.from_api, {"space_id": 1.5}, 'Workspace: "space_id" should be a whole number'),
        (View.from_api, {"name": "All"}, 'View: "view_id" is missing'),
        (Comment.from_api, {"value": "hi"}, 'Comment: "comment_id" is missing'),
        (FileInfo.from_api, {"name": "a"}, 'File: "file_id" is missing'),
        (Revision.from_api, {}, 'Revision: "revision" is missing'),
        (Task.from_api, {"text": "t"}, 'Task: "task_id" is missing'),
        (Item.from_api, {"title": "t"}, 'Item: "item_id" is missing'),
        (Item.from_api, {"item_id": 2**63}, 'Item: "item_id" 9223372036854775808 is out of'),
        (Item.from_api, {"item_id": "x1"}, "Item: \"item_id\" should be a whole number, got 'x1'"),
    ],
)
def test_missing_or_bad_ids_are_named(reader: Any, raw: Any, message: str) -> None:
    with pytest.raises(MalformedValueError) as caught:
        reader(raw)
    assert str(caught.value).startswith(message)


def test_app_tolerates_the_small_app_objects_inside_items() -> None:
    app = App.from_api(load(ITEM_FIXTURES[1])["app"])
    assert (app.app_id, app.space_id, app.name, app.item_name) == (
        10421272,
        2720177,
        "AllFields",
        "Merge",
    )
    assert app.icon == "251.png"
    assert app.fields == ()
    assert app.title_field is None
    assert app.field("title") is None


def test_space_takes_the_org_from_its_parent() -> None:
    space = Space.from_api({"space_id": 4, "name": "S"}, org_id=9)
    assert space.org_id == 9
    assert (space.url_label, space.role) == ("", None)


def test_view_from_api_both_filter_shapes() -> None:
    view = View.from_api(
        {
            "view_id": 5,
            "name": "Open deals",
            "sort_by": 1234,
            "sort_desc": True,
            "filters": [{"key": 99, "values": [1, 2]}, {"key": "created_on", "values": {}}],
        }
    )
    assert (view.view_id, view.name, view.sort_by, view.sort_desc) == (
        5,
        "Open deals",
        "1234",
        True,
    )
    assert [(flt.key, flt.values) for flt in view.filters] == [("99", [1, 2]), ("created_on", {})]
    plain = View.from_api({"view_id": 6, "name": "x", "filters": {"status": [3]}})
    assert plain.filters[0].key == "status"
    assert plain.sort_by is None
    assert plain.sort_desc is False


def test_item_keeps_unreadable_values_without_failing() -> None:
    raw = load(ITEM_FIXTURES[0])
    money = next(e for e in raw["fields"] if e["type"] == "money")
    money["values"] = [{"value": "lots", "currency": "EUR"}]
    item = Item.from_api(raw)
    kept = item.value(money["field_id"])
    assert isinstance(kept, f.RawValue)
    assert kept.values == ({"value": "lots", "currency": "EUR"},)
    assert item.problems == ('Field "Money": the amount "lots" is not a number',)
    fdef = item.field(money["field_id"])
    assert fdef is not None
    assert f.display_text(fdef, kept) == "lots"
    with pytest.raises(ReadOnlyFieldError):
        f.to_input(fdef, kept)
    # Everything else is read as usual.
    assert len(item.values) == len(raw["fields"])


def test_item_last_edit_falls_back_to_last_event_then_created() -> None:
    base = {"item_id": 1, "created_on": "2020-01-01 00:00:00", "title": "t"}
    item = Item.from_api(dict(base, last_event_on="2021-01-01 00:00:00"), app_id=3)
    assert item.last_edit_on == datetime(2021, 1, 1, tzinfo=UTC)
    assert item.app_id == 3
    assert item.revision == 0
    assert Item.from_api(base).last_edit_on == datetime(2020, 1, 1, tzinfo=UTC)
    assert Item.from_api(base).app_id is None
    assert Item.from_api(base).value(5) is f.EMPTY


def test_item_page_needs_a_total() -> None:
    with pytest.raises(MalformedValueError, match='Filter result: "total" should be a whole'):
        ItemPage.from_api({"items": []}, 0)
    assert ItemPage.from_api({"total": 3, "items": []}, 0).filtered == 3


def _fields() -> list[f.FieldDef]:
    return [
        f.FieldDef(1, "title", "text", "Title"),
        f.FieldDef(2, "sum", "calculation", "Sum"),
        f.FieldDef(3, "holo", "hologram", "Holo"),
        f.FieldDef(4, "price", "money", "Price"),
        f.FieldDef(5, "when", "date", "When"),
    ]


def test_update_body_uses_podio_input_forms() -> None:
    change = ItemChange(
        {
            1: f.TextValue("New title"),
            4: f.MoneyValue(Decimal("12.30"), "EUR"),
            5: f.parse_user_text(_fields()[4], "2026-11-22 14:00 - 16:00"),
        }
    )
    assert change.to_update_body(_fields()) == {
        "fields": {
            "1": "New title",
            "4": {"value": "12.30", "currency": "EUR"},
            "5": {
                "start_date": "2026-11-22",
                "start_time": "14:00:00",
                "end_date": "2026-11-22",
                "end_time": "16:00:00",
            },
        }
    }


def test_update_body_clears_with_empty_list_and_sets_tags() -> None:
    body = ItemChange({4: f.EMPTY}, tags=()).to_update_body(_fields())
    assert body == {"fields": {"4": []}, "tags": []}


@pytest.mark.parametrize("field_id", [2, 3])
def test_update_body_refuses_read_only_fields(field_id: int) -> None:
    with pytest.raises(ReadOnlyFieldError, match="read-only and cannot be changed"):
        ItemChange({field_id: f.EMPTY}).to_update_body(_fields())


def test_update_body_refuses_unknown_fields() -> None:
    with pytest.raises(MalformedValueError, match="Field 99 is not a field of this app"):
        ItemChange({99: f.EMPTY}).to_update_body(_fields())


def test_update_body_refuses_a_value_of_the_wrong_kind() -> None:
    with pytest.raises(
        MalformedValueError, match='"Price" is a money field and cannot hold a Text'
    ):
        ItemChange({4: f.TextValue("12")}).to_update_body(_fields())


def test_update_body_accepts_an_app() -> None:
    app = App(app_id=1, space_id=2, name="A", fields=tuple(_fields()))
    body = ItemChange({1: f.TextValue("x")}).to_update_body(app, key="external_id")
    assert body == {"fields": {"title": "x"}}


def test_revision_diff_reads_from_and_to_values() -> None:
    raw = [
        {
            "field_id": 80608151,
            "external_id": "number",
            "type": "number",
            "label": "Number",
            "config": {"settings": {"decimals": 0}},
            "from": [{"value": "1.0000"}],
            "to": [{"value": "2.5000"}],
        },
        {"field_id": 7, "type": "text", "label": "Notes", "from": [], "to": [{"value": "hi"}]},
    ]
    first, second = revision_diffs_from_api(raw)
    assert isinstance(first, RevisionDiff)
    assert first.field.label == "Number"
    assert (first.from_value, first.to_value) == (
        f.NumberValue(Decimal(1)),
        f.NumberValue(Decimal("2.5")),
    )
    assert second.from_value is f.EMPTY
    assert second.to_value == f.TextValue("hi")


def test_task_from_api() -> None:
    task = Task.from_api(
        {
            "task_id": 9,
            "text": "Call back",
            "status": "completed",
            "due_on": "2026-11-23 08:00:00",
            "responsible": {"type": "user", "id": 4, "name": "Ann"},
            "ref": {"type": "item", "id": 350017179},
            "completed_on": "2026-11-22 10:00:00",
        }
    )
    assert (task.task_id, task.text, task.status) == (9, "Call back", "completed")
    assert task.due_on == datetime(2026, 11, 23, 8, tzinfo=UTC)
    assert task.responsible is not None
    assert task.responsible.name == "Ann"
    assert (task.ref_type, task.ref_id) == ("item", 350017179)


def test_comments_and_revisions_of_the_fixture() -> None:
    item = Item.from_api(load(ITEM_FIXTURES[1]))
    comment = item.comments[0]
    assert comment.comment_id == 89732014
    assert comment.created_on == datetime(2016, 6, 21, 15, 38, 38, tzinfo=UTC)
    assert comment.files == ()
    revision = item.revisions[0]
    assert revision.revision == 40
    assert revision.created_by is not None
    assert revision.created_by.id == 2468975
