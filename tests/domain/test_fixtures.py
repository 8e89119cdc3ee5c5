"""Every recorded Podio response the domain reads parses into the right objects."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from podio_desk.domain import fields as f
from podio_desk.domain.items import Item, ItemPage, files_from_api
from podio_desk.domain.timestamps import parse_podio_datetime
from podio_desk.domain.workspace import App, orgs_from_api
from tests.domain.fixture_data import ITEM_FIXTURES, all_item_json, load


def test_the_big_app_definition_parses() -> None:
    # Its speed is a benchmark figure (tests/bench/test_parse_bench.py).
    app = App.from_api(load("get_app_large_leads_clients.json"))
    assert app.app_id == 8954362
    assert app.space_id == 2501464
    assert app.name == "Leads & Clients"  # Podio sends it HTML-escaped
    assert app.item_name == "Lead or client"
    assert app.icon == "55.png"
    assert len(app.fields) == 1522
    assert len(app.active_fields) == 56
    assert app.title_field is not None
    assert app.title_field.external_id == "company-name"
    status = app.field("lead-status")
    assert status is not None
    assert status.field_type is f.FieldType.CATEGORY
    assert app.field(status.field_id) is status
    assert app.field(str(status.field_id)) is status
    assert [o.text for o in f.category_options(status)] == ["Cold lead", "Hot lead", "Sale closed"]
    relationship = app.field(99906105)
    assert relationship is not None
    assert 8954362 in f.referenced_app_ids(relationship)
    assert app.raw["token"].startswith("REDACTED")


def test_every_field_definition_of_the_big_app_has_a_known_type() -> None:
    app = App.from_api(load("get_app_large_leads_clients.json"))
    assert all(fdef.field_type is not None for fdef in app.fields)
    assert {fdef.status for fdef in app.fields} == {"active", "deleted"}


def test_every_fixture_item_parses_without_problems() -> None:
    for raw in all_item_json():
        item = Item.from_api(raw, app_id=1)
        assert item.problems == ()
        assert item.item_id == raw["item_id"]
        assert set(item.values) == {entry["field_id"] for entry in raw["fields"]}
        assert not any(isinstance(v, f.RawValue) for v in item.values.values())
        assert item.raw is raw


def test_get_item_reads_times_counts_and_revision() -> None:
    item = Item.from_api(load("get_item_350017179.json"))
    assert item.app_id == 10421272
    assert item.app_item_id == 4
    assert item.title == "incom"
    assert item.revision == 40
    assert item.created_on == datetime(2015, 11, 26, 12, 38, 29, tzinfo=UTC)
    # The last edit is the current revision's time (docs/podio-api.md, Reading one item).
    assert item.last_edit_on == datetime(2017, 3, 21, 15, 45, 12, tzinfo=UTC)
    assert item.comment_count == 5
    assert item.file_count == 1
    assert item.comments[0].value == "abc123456789abc123"
    assert item.comments[0].created_by is not None
    assert item.comments[0].created_by.name == "Brian Stengaard"
    assert item.files[0].name == "10.jpg"
    assert item.revisions[0].revision == 40


def test_each_fixture_field_type_gets_its_value_class() -> None:
    seen: dict[str, type] = {}
    for raw in all_item_json():
        item = Item.from_api(raw, app_id=1)
        for fdef in item.fields:
            seen[fdef.type] = type(item.value(fdef.field_id))
    assert seen == {
        "text": f.TextValue,
        "category": f.CategoryValue,
        "date": f.DateValue,
        "contact": f.ContactValue,
        "number": f.NumberValue,
        "money": f.MoneyValue,
        "embed": f.EmbedValue,
        "phone": f.PhoneValue,
        "email": f.EmailValue,
        "calculation": f.CalculationValue,
        "app": f.RelationshipValue,
        "image": f.FileListValue,
        "progress": f.ProgressValue,
        "location": f.LocationValue,
        "duration": f.DurationValue,
    }


def test_fixture_values_are_read_exactly() -> None:
    first = Item.from_api(load(ITEM_FIXTURES[0]))
    by_label = {fdef.label: first.value(fdef.field_id) for fdef in first.fields}
    assert by_label["Number"] == f.NumberValue(Decimal("6513.51"))
    assert by_label["Money"] == f.MoneyValue(Decimal("541.987"), "EUR")
    date = by_label["Date"]
    assert isinstance(date, f.DateValue)
    assert (date.start_date.isoformat(), str(date.start_time)) == ("2014-12-11", "23:00:00")
    assert date.start_utc == datetime(2014, 12, 11, 22, 0, tzinfo=UTC)
    assert date.end_date is None
    category = by_label["Category"]
    assert category == f.CategoryValue((f.CategoryOption(2, "B", "DCEBD8", "active"),))
    contact = by_label["Contact"]
    assert isinstance(contact, f.ContactValue)
    assert contact.contacts[0].profile_id == 140798621
    assert contact.contacts[0].name == "Brian Stengaard"
    assert contact.contacts[0].type == "user"

    third = Item.from_api(load(ITEM_FIXTURES[2]))
    location = next(v for v in third.values.values() if isinstance(v, f.LocationValue))
    place = location.places[0]
    assert (place.city, place.postal_code, place.country) == ("Paris", "75007", "France")
    assert place.lat == Decimal("48.8583701")
    assert place.lng == Decimal("2.2944813")


def test_filter_result_page() -> None:
    raw = load("post_item_filter_result.json")
    app = App(app_id=77, space_id=None, name="PodioApp")
    page = ItemPage.from_api(raw, offset=30, app=app)
    assert (page.total, page.filtered, page.offset) == (5, 1, 30)
    (item,) = page.items
    assert item.app_id == 77
    assert item.title == "Another"
    assert item.comment_count == 0
    assert item.file_count == 0
    assert item.revision == 117
    assert item.last_edit_on == parse_podio_datetime("2017-03-24 19:15:23")
    # Field entries in filter results carry no status: they count as active.
    assert all(fdef.status == "active" for fdef in item.fields)


def test_item_uses_the_apps_full_field_definitions() -> None:
    raw = load("post_item_filter_result.json")["items"][0]
    status_entry = next(e for e in raw["fields"] if e["external_id"] == "status")
    full = dict(status_entry, config=dict(status_entry["config"], required=True))
    app = App(app_id=1, space_id=None, name="x", fields=(f.FieldDef.from_api(full),))
    item = Item.from_api(raw, app)
    fdef = item.field(status_entry["field_id"])
    assert fdef is not None
    assert fdef.required is True


def test_files_list_parses() -> None:
    files = files_from_api(load("get_files_list.json"))
    assert len(files) == 3
    first = files[0]
    assert first.file_id == 323317004
    assert first.mimetype == "application/pdf"
    assert first.context_type == "item"
    assert first.context_title == "Another"
    assert first.created_on == datetime(2017, 4, 11, 2, 14, 34, tzinfo=UTC)


def test_org_list_parses_with_spaces() -> None:
    (org,) = orgs_from_api(load("get_org_list_UNVERIFIED_SOURCE.json"))
    assert org.org_id == 44315
    assert org.name == "CopenhagenJS"
    assert org.url_label == "copenhagenjs"
    assert len(org.spaces) == 3
    space = org.spaces[0]
    assert (space.space_id, space.org_id, space.name) == (191599, 44315, "ColdFront Conference")
    assert space.role == "admin"
    assert space.url_label == "theconference"


def test_field_definition_conveniences() -> None:
    app = App.from_api(load("get_app_large_leads_clients.json"))
    status = app.field("lead-status")
    assert status is not None
    assert status.description == "What is the status of this lead?"
    assert status.delta == 4
    assert status.is_hidden is False
    assert [fdef.delta for fdef in app.active_fields] == sorted(
        fdef.delta for fdef in app.active_fields
    )
    bare = f.FieldDef(1, "", "text", "Bare")
    assert (bare.description, bare.delta, bare.is_hidden) == ("", 1_000_000, False)
