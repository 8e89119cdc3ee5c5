"""Items contract: filter, shapes, both input shapes, 409, delete.

See docs/podio-api.md: Items and filters, Writing items, Fields and values, Errors, and
Revisions and conflicts (409).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from podio_desk.sandbox import Sandbox, SandboxConfig
from tests.sandbox.helpers import Api, fixture


def field_ids(api: Api, app_id: int) -> dict[str, int]:
    app = api.ok(api.get(f"/app/{app_id}"))
    return {entry["external_id"]: entry["field_id"] for entry in app["fields"]}


def first_value(item: dict[str, Any], external_id: str) -> Any:
    for entry in item["fields"]:
        if entry["external_id"] == external_id:
            return entry["values"][0]
    return None


# ----------------------------------------------------------------------------- filter


def test_filter_defaults_and_the_light_item_shape(api: Api) -> None:
    tickets = api.sandbox.app_id("Tickets")
    page = api.filter(tickets)
    assert page["total"] == page["filtered"] == 60
    assert len(page["items"]) == 30
    recorded = fixture("post_item_filter_result.json")["items"][0]
    item = page["items"][0]
    assert set(item) == set(recorded)
    for entry in item["fields"]:
        assert "status" not in entry
        assert set(entry["config"]) == {"settings", "mapping", "label"}
    assert item["current_revision"]["created_on"]


def test_filter_pages_cover_every_item_once_and_cap_the_limit(api: Api) -> None:
    tickets = api.sandbox.app_id("Tickets")
    seen: list[int] = []
    for offset in range(0, 60, 25):
        seen += [item["item_id"] for item in api.filter(tickets, limit=25, offset=offset)["items"]]
    assert len(seen) == len(set(seen)) == 60
    assert len(api.filter(tickets, limit=500)["items"]) == 60
    too_many = api.post(f"/item/app/{tickets}/filter/", {"limit": 501})
    assert too_many.status_code == 400
    assert too_many.json()["error"] == "invalid_value"


def _amount(item: dict[str, Any]) -> float | None:
    value = first_value(item, "amount")
    return float(value["value"]) if value else None


@pytest.mark.parametrize("desc", [False, True])
def test_sort_by_a_field_with_empty_values_last(api: Api, desc: bool) -> None:
    tickets = api.sandbox.app_id("Tickets")
    ids = field_ids(api, tickets)
    page = api.filter(tickets, sort_by=str(ids["price"]), sort_desc=desc, limit=500)
    prices = [first_value(item, "price") for item in page["items"]]
    present = [float(price["value"]) for price in prices if price]
    assert present == sorted(present, reverse=desc)
    first_empty = prices.index(None)
    assert all(price is None for price in prices[first_empty:])
    by_external = api.filter(tickets, sort_by="price", sort_desc=desc, limit=500)
    assert [i["item_id"] for i in by_external["items"]] == [i["item_id"] for i in page["items"]]


@pytest.mark.parametrize("key", ["created_on", "last_edit_on", "item_id", "app_item_id", "title"])
def test_sort_by_built_in_keys(api: Api, key: str) -> None:
    tickets = api.sandbox.app_id("Tickets")
    items = api.filter(tickets, sort_by=key, sort_desc=False, limit=500)["items"]
    values = {
        "created_on": [item["created_on"] for item in items],
        "last_edit_on": [item["current_revision"]["created_on"] for item in items],
        "item_id": [item["item_id"] for item in items],
        "app_item_id": [item["app_item_id"] for item in items],
        "title": [item["title"].casefold() for item in items],
    }[key]
    assert values == sorted(values)


def test_filters_by_type(api: Api) -> None:
    tickets = api.sandbox.app_id("Tickets")
    ids = field_ids(api, tickets)
    everything = api.filter(tickets, limit=500)["items"]

    def matching(filters: dict[str, Any]) -> set[int]:
        page = api.filter(tickets, filters=filters, limit=500)
        assert page["total"] == 60
        assert page["filtered"] == len(page["items"])
        return {item["item_id"] for item in page["items"]}

    def expect(predicate: Any) -> set[int]:
        return {item["item_id"] for item in everything if predicate(item)}

    def option(item: dict[str, Any], external_id: str) -> int | None:
        value = first_value(item, external_id)
        return value["value"]["id"] if value else None

    assert matching({str(ids["status"]): [1, 2]}) == expect(lambda i: option(i, "status") in (1, 2))
    assert matching({"priority": [None]}) == expect(lambda i: option(i, "priority") is None)
    assert matching({"priority": [4, None]}) == expect(lambda i: option(i, "priority") in (4, None))
    assert matching({"amount": {"from": 20000, "to": 60000}}) == expect(
        lambda i: _amount(i) is not None and 20000 <= (_amount(i) or 0) <= 60000
    )
    assert matching({"amount": {"from": 50000}}) == expect(lambda i: (_amount(i) or 0) >= 50000)
    customers = {
        first_value(i, "customer")["value"]["item_id"]
        for i in everything
        if first_value(i, "customer")
    }
    one_customer = min(customers)
    assert matching({"customer": [one_customer]}) == expect(
        lambda i: (
            bool(first_value(i, "customer"))
            and first_value(i, "customer")["value"]["item_id"] == one_customer
        )
    )
    assert matching({"assignee": [2001]}) == expect(
        lambda i: (
            bool(first_value(i, "assignee"))
            and first_value(i, "assignee")["value"]["profile_id"] == 2001
        )
    )
    dues = sorted(first_value(i, "due")["start_date"] for i in everything if first_value(i, "due"))
    low, high = dues[len(dues) // 4], dues[3 * len(dues) // 4]
    assert matching({"due": {"from": low, "to": high}}) == expect(
        lambda i: bool(first_value(i, "due")) and low <= first_value(i, "due")["start_date"] <= high
    )
    created = sorted(i["created_on"] for i in everything)
    middle = created[30][:10]
    assert matching({"created_on": {"from": middle}}) == expect(lambda i: i["created_on"] >= middle)
    assert matching({"created_by": [{"type": "user", "id": 1001}]}) == expect(lambda i: True)
    assert matching({"app_item_id": [1, 2, 3]}) == expect(lambda i: i["app_item_id"] in (1, 2, 3))
    # Text fields cannot be filtered: silently ignored.
    assert matching({"title": ["nothing matches this"]}) == expect(lambda i: True)
    unknown = api.post(f"/item/app/{tickets}/filter/", {"filters": {"no-such-field": [1]}})
    assert unknown.status_code == 400


def test_filter_by_view_and_count(api: Api) -> None:
    tickets = api.sandbox.app_id("Tickets")
    views = api.ok(api.get(f"/view/app/{tickets}/"))
    open_view = next(view for view in views if view["name"] == "Open tickets")
    assert isinstance(open_view["filters"], list)
    page = api.ok(api.post(f"/item/app/{tickets}/filter/{open_view['view_id']}/", {"limit": 500}))
    statuses = {first_value(item, "status")["value"]["id"] for item in page["items"]}
    assert statuses <= {1, 2, 3}
    assert page["filtered"] == open_view["items"]
    assert api.ok(api.get(f"/item/app/{tickets}/count")) == {"count": 60}
    assert api.ok(api.get(f"/item/app/{tickets}/count/")) == {"count": 60}
    counted = api.ok(
        api.get(f"/item/app/{tickets}/count", params={"view_id": open_view["view_id"]})
    )
    assert counted == {"count": page["filtered"]}


def test_trailing_slashes_matter(api: Api) -> None:
    assert api.get("/org/").status_code == 200
    missing = api.get("/org")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    tickets = api.sandbox.app_id("Tickets")
    assert api.post(f"/item/app/{tickets}/filter", {}).status_code == 404
    assert api.get(f"/app/space/{23}").status_code == 404


# ----------------------------------------------------------------------------- shapes


def test_orgs_spaces_and_apps(api: Api) -> None:
    orgs = api.ok(api.get("/org/"))
    assert len(orgs) >= 2
    assert all(org["spaces"] for org in orgs)
    space = orgs[0]["spaces"][0]
    assert api.ok(api.get(f"/org/{orgs[0]['org_id']}"))["name"] == orgs[0]["name"]
    assert api.ok(api.get(f"/org/{orgs[0]['org_id']}/space/")) == orgs[0]["spaces"]
    assert api.ok(api.get(f"/space/org/{orgs[0]['org_id']}/")) == orgs[0]["spaces"]
    assert api.ok(api.get(f"/space/{space['space_id']}"))["name"] == space["name"]
    apps = api.ok(api.get(f"/app/space/{space['space_id']}/"))
    assert apps
    app = api.ok(api.get(f"/app/{apps[0]['app_id']}"))
    recorded = fixture("get_app_large_leads_clients.json")
    assert set(recorded) <= set(app)
    assert set(recorded["config"]) <= set(app["config"])
    assert set(recorded["fields"][0]) == set(app["fields"][0])
    assert set(recorded["fields"][0]["config"]) <= set(app["fields"][0]["config"])


def test_every_field_type_is_seeded_and_the_richest_item_has_them_all(api: Api) -> None:
    types: set[str] = set()
    for app in api.sandbox.info["apps"]:
        types |= {f["type"] for f in api.ok(api.get(f"/app/{app['app_id']}"))["fields"]}
    expected = {
        "text", "number", "money", "progress", "duration", "calculation", "date", "category",
        "app", "contact", "image", "file", "embed", "location", "email", "phone", "separator",
    }  # fmt: skip
    assert expected <= types
    richest = api.item(api.sandbox.info["richest_item_id"])
    assert expected - {"separator"} <= {entry["type"] for entry in richest["fields"]}


def test_get_item_shape_and_values_as_podio(api: Api) -> None:
    richest = api.item(api.sandbox.info["richest_item_id"])
    recorded = fixture("get_item_350017179.json")
    assert set(recorded) <= set(richest)
    assert set(recorded["fields"][0]) == set(richest["fields"][0])
    assert first_value(richest, "quantity") == {"value": "12.5000"}
    assert first_value(richest, "price") == {"currency": "EUR", "value": "99.9500"}
    assert first_value(richest, "total") == {"value": "1249.3750"}
    assert first_value(richest, "progress") == {"value": 70}
    assert first_value(richest, "duration") == {"value": 93784}
    assert first_value(richest, "state")["value"] == {
        "status": "active", "text": "Active", "id": 2, "color": "F7D1D0",
    }  # fmt: skip
    related = first_value(richest, "related")["value"]
    assert {"item_id", "app_item_id", "title", "link", "app", "space"} <= set(related)
    assert {"app_id", "name", "item_name"} <= set(related["app"])
    person = first_value(richest, "people")["value"]
    assert {"profile_id", "user_id", "type", "name", "mail"} <= set(person)
    picture = first_value(richest, "picture")["value"]
    recorded_image = next(f for f in recorded["fields"] if f["type"] == "image")
    assert set(picture) == set(recorded_image["values"][0]["value"])
    embed = first_value(richest, "link")
    assert set(embed) == {"embed", "file"}
    assert embed["file"]["file_id"]
    place = first_value(richest, "place")
    assert {"value", "formatted", "city", "country", "lat", "lng"} <= set(place)
    assert first_value(richest, "email") == {"type": "work", "value": "sandra@sandbox.example.com"}
    assert first_value(richest, "phone")["type"] == "mobile"
    basic = api.ok(api.get(f"/item/{richest['item_id']}/basic"))
    assert "comments" not in basic
    assert basic["fields"] == richest["fields"]


def test_dates_have_local_and_utc_variants(api: Api) -> None:
    showcase = api.sandbox.app_id("Showcase")
    created = api.ok(
        api.post(
            f"/item/app/{showcase}/",
            {
                "fields": {
                    "title": "Dates",
                    # Local time of the user (Europe/Copenhagen, summer: UTC+2).
                    "meeting": {"start": "2026-07-01 10:00:00", "end": "2026-07-01 11:30:00"},
                    "holiday": {"start_date": "2026-12-24", "end_date": "2026-12-26"},
                }
            },
        )
    )
    meeting = first_value(created, "meeting")
    assert meeting == {
        "start": "2026-07-01 10:00:00",
        "start_date": "2026-07-01",
        "start_time": "10:00:00",
        "start_utc": "2026-07-01 08:00:00",
        "start_date_utc": "2026-07-01",
        "start_time_utc": "08:00:00",
        "end": "2026-07-01 11:30:00",
        "end_date": "2026-07-01",
        "end_time": "11:30:00",
        "end_utc": "2026-07-01 09:30:00",
        "end_date_utc": "2026-07-01",
        "end_time_utc": "09:30:00",
    }
    holiday = first_value(created, "holiday")
    assert holiday["start"] == "2026-12-24 00:00:00"
    assert holiday["start_time"] is None
    assert holiday["start_utc"] == "2026-12-24"
    assert holiday["end_date"] == "2026-12-26"
    # Winter time (UTC+1), given as UTC.
    api.ok(
        api.put(
            f"/item/{created['item_id']}",
            {"fields": {"meeting": {"start_utc": "2026-01-15 09:00:00"}}},
        )
    )
    winter = api.values(created["item_id"], "meeting")[0]
    assert (winter["start"], winter["start_utc"]) == ("2026-01-15 10:00:00", "2026-01-15 09:00:00")
    assert "end" not in winter


# ----------------------------------------------------------------------------- create


@pytest.mark.parametrize(
    "quantity",
    [[{"value": 5}], [5], {"value": 5}, 5, "5", "5.0000"],
    ids=["list-of-objects", "list-of-values", "object", "value", "string", "4-decimal-string"],
)
def test_four_value_forms(api: Api, quantity: Any) -> None:
    showcase = api.sandbox.app_id("Showcase")
    created = api.ok(
        api.post(f"/item/app/{showcase}/", {"fields": {"title": "Forms", "quantity": quantity}})
    )
    assert first_value(created, "quantity") == {"value": "5.0000"}


def test_both_fields_container_shapes(api: Api) -> None:
    showcase = api.sandbox.app_id("Showcase")
    ids = field_ids(api, showcase)
    as_object = api.ok(
        api.post(
            f"/item/app/{showcase}/",
            {
                "fields": {
                    "title": "Object shape",
                    str(ids["state"]): 3,
                    "tags": [1, {"value": 2}],
                    "price": {"value": 12.5, "currency": "USD"},
                }
            },
        )
    )
    as_list = api.ok(
        api.post(
            f"/item/app/{showcase}/",
            {
                "fields": [
                    {"external_id": "title", "values": [{"value": "List shape"}]},
                    {"field_id": ids["state"], "values": [{"value": 3}]},
                    {"external_id": "tags", "values": [{"value": 1}, {"value": 2}]},
                    {"external_id": "price", "values": [{"value": "12.5", "currency": "USD"}]},
                ]
            },
        )
    )
    for created in (as_object, as_list):
        assert first_value(created, "state")["value"]["id"] == 3
        tags = [v["value"]["id"] for v in api.field(created, "tags")["values"]]  # type: ignore[index]
        assert tags == [1, 2]
        assert first_value(created, "price") == {"currency": "USD", "value": "12.5000"}
        assert created["revision"] == 0
        assert created["item_id"]
        assert created["title"]


def test_create_references_contacts_files_embeds(api: Api) -> None:
    showcase = api.sandbox.app_id("Showcase")
    companies = api.filter(api.sandbox.app_id("Companies"), limit=2)["items"]
    embed = api.ok(api.post("/embed/", {"url": "https://example.org/page"}))
    upload = api.ok(
        api.post(
            "/file/",
            files={"source": ("pic.png", b"\x89PNG fake", "image/png")},
            data={"filename": "pic.png"},
        )
    )
    created = api.ok(
        api.post(
            f"/item/app/{showcase}/",
            {
                "fields": {
                    "title": "Links",
                    "related": [c["item_id"] for c in companies],
                    "people": [{"value": 2101}],
                    "picture": upload["file_id"],
                    "link": {"embed": embed["embed_id"]},
                    "place": "Nørrebrogade 1, Copenhagen",
                    "email": [{"type": "home", "value": "a@b.example"}],
                    "phone": "+45 1234",
                }
            },
        )
    )
    related = api.field(created, "related")
    assert related is not None
    assert [v["value"]["item_id"] for v in related["values"]] == [c["item_id"] for c in companies]
    assert first_value(created, "people")["value"]["profile_id"] == 2101
    assert first_value(created, "picture")["value"]["file_id"] == upload["file_id"]
    assert first_value(created, "link")["embed"]["url"] == "https://example.org/page"
    assert first_value(created, "place")["value"] == "Nørrebrogade 1, Copenhagen"
    assert first_value(created, "phone") == {"type": "other", "value": "+45 1234"}


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"title": "x", "no-such-field": 1}, "no-such-field"),
        ({"quantity": 3}, "Title"),
        ({"title": "x", "state": 99}, "state"),
        ({"title": "x", "state": [1, 2]}, "State"),
        ({"title": "x", "total": 5}, "Total"),
        ({"title": "x", "progress": 101}, "progress"),
        ({"title": "x", "quantity": "many"}, "quantity"),
        ({"title": "x", "price": {"value": 1, "currency": "GBP"}}, "price"),
        ({"title": "x", "related": [999999999]}, "related"),
        ({"title": "x", "meeting": {"value": "2026-01-01"}}, "meeting"),
    ],
)
def test_invalid_input_is_400_naming_the_field(
    api: Api, fields: dict[str, Any], named: str
) -> None:
    showcase = api.sandbox.app_id("Showcase")
    reply = api.post(f"/item/app/{showcase}/", {"fields": fields})
    assert reply.status_code == 400, reply.text
    body = reply.json()
    assert body["error"] == "invalid_value"
    assert named in body["error_description"] or named in str(body["error_parameters"])
    assert set(body) == {
        "error", "error_detail", "error_description", "error_parameters", "error_propagate",
        "request",
    }  # fmt: skip
    assert api.ok(api.get(f"/item/app/{showcase}/count"))["count"] == 6


# ----------------------------------------------------------------------------- update


def test_partial_update_bumps_revision_and_last_edit_on_the_test_clock(api: Api) -> None:
    item_id = api.sandbox.info["richest_item_id"]
    before = api.item(item_id)
    api.sandbox.control.advance_clock(3600)
    reply = api.ok(
        api.put(
            f"/item/{item_id}",
            {"fields": {"progress": 80}, "revision": before["revision"]},
            params={"silent": "true", "hook": "0"},
        )
    )
    assert reply == {"revision": before["revision"] + 1, "title": "The richest item"}
    after = api.item(item_id)
    assert first_value(after, "progress") == {"value": 80}
    assert after["current_revision"]["revision"] == before["revision"] + 1
    assert after["current_revision"]["created_on"] > before["current_revision"]["created_on"]
    assert after["current_revision"]["created_on"][:4] >= "2026"
    assert after["last_event_on"] == after["current_revision"]["created_on"]
    unchanged = [f for f in after["fields"] if f["external_id"] != "progress"]
    assert unchanged == [f for f in before["fields"] if f["external_id"] != "progress"]
    # Nothing changed, nothing recorded (a choice: a no-op write makes no new revision).
    same = api.ok(api.put(f"/item/{item_id}", {"fields": {"progress": 80}}))
    assert same["revision"] == before["revision"] + 1
    bad_flag = api.put(f"/item/{item_id}", {"fields": {}}, params={"silent": "maybe"})
    assert bad_flag.status_code == 400


def test_stale_revision_is_409_conflict(api: Api) -> None:
    item_id = api.sandbox.info["richest_item_id"]
    revision = api.item(item_id)["revision"]
    api.sandbox.edit_as_other(item_id, {"progress": 10})
    other = api.item(item_id)
    assert other["revision"] == revision + 1
    assert other["current_revision"]["created_by"]["name"] == "Oskar Other"
    reply = api.put(f"/item/{item_id}", {"fields": {"progress": 20}, "revision": revision})
    assert reply.status_code == 409
    body = reply.json()
    assert body["error"] == "conflict"
    assert body["request"] == {"url": f"/item/{item_id}", "method": "PUT", "query_string": ""}
    assert set(body) == {
        "error", "error_detail", "error_description", "error_parameters", "error_propagate",
        "request",
    }  # fmt: skip
    assert api.values(item_id, "progress") == [{"value": 10}]


def test_empty_list_clears_and_tags_replace(api: Api) -> None:
    item_id = api.sandbox.info["richest_item_id"]
    api.ok(api.put(f"/item/{item_id}", {"fields": {"email": [], "tags": []}, "tags": ["x", "y"]}))
    item = api.item(item_id)
    assert api.field(item, "email") is None
    assert api.field(item, "tags") is None
    assert item["tags"] == ["x", "y"]
    api.ok(api.put(f"/item/{item_id}", {"tags": ["z"]}))
    assert api.item(item_id)["tags"] == ["z"]


def test_single_field_value_update(api: Api) -> None:
    item_id = api.sandbox.info["richest_item_id"]
    ids = field_ids(api, api.sandbox.app_id("Showcase"))
    revision = api.item(item_id)["revision"]
    assert api.ok(api.put(f"/item/{item_id}/value/quantity", {"value": 7})) == {
        "revision": revision + 1
    }
    assert api.ok(api.put(f"/item/{item_id}/value/{ids['state']}", [3])) == {
        "revision": revision + 2
    }
    item = api.item(item_id)
    assert first_value(item, "quantity") == {"value": "7.0000"}
    assert first_value(item, "state")["value"]["id"] == 3


# ----------------------------------------------------------------------------- delete


def test_delete_then_gone(api: Api) -> None:
    tickets = api.sandbox.app_id("Tickets")
    victim = api.filter(tickets, limit=1)["items"][0]["item_id"]
    reply = api.delete(f"/item/{victim}", params={"silent": "1"})
    assert reply.status_code == 204
    assert reply.content == b""
    gone = api.get(f"/item/{victim}")
    assert gone.status_code == 410
    assert gone.json()["error"] == "gone"
    assert api.put(f"/item/{victim}", {"fields": {"title": "x"}}).status_code == 410
    page = api.filter(tickets, limit=500)
    assert page["total"] == page["filtered"] == 59
    assert victim not in {item["item_id"] for item in page["items"]}
    assert api.get("/item/424242424").status_code == 404


def test_bulk_delete_by_ids_and_by_filter(api: Api) -> None:
    tickets = api.sandbox.app_id("Tickets")
    ids = [item["item_id"] for item in api.filter(tickets, limit=3)["items"]]
    reply = api.ok(api.post(f"/item/app/{tickets}/delete", {"item_ids": ids}))
    assert reply == {"deleted": ids, "pending": []}
    by_filter = api.ok(api.post(f"/item/app/{tickets}/delete", {"filters": {"status": [4]}}))
    assert api.ok(api.get(f"/item/app/{tickets}/count"))["count"] == 57 - len(by_filter["deleted"])
    assert api.sandbox.control.requests()[-2].rate_class == "heavy"


# ----------------------------------------------------------------------------- revisions


def test_revisions_list_diff_and_revert(api: Api) -> None:
    item_id = api.sandbox.info["richest_item_id"]
    revisions = api.ok(api.get(f"/item/{item_id}/revision/"))
    assert [r["revision"] for r in revisions] == list(range(len(revisions)))
    assert revisions[0]["type"] == "creation"
    assert {"item_revision_id", "created_on", "created_by", "type", "app_revision"} <= set(
        revisions[1]
    )
    top = revisions[-1]["revision"]
    api.ok(api.put(f"/item/{item_id}", {"fields": {"quantity": 99, "title": "Renamed"}}))
    diff = api.ok(api.get(f"/item/{item_id}/revision/{top}/{top + 1}"))
    changed = {entry["external_id"]: entry for entry in diff}
    assert set(changed) == {"quantity", "title", "total"}
    assert changed["quantity"]["from"] == [{"value": "12.5000"}]
    assert changed["quantity"]["to"] == [{"value": "99.0000"}]
    one = api.ok(api.get(f"/item/{item_id}/revision/{top + 1}"))
    assert one["revision"] == top + 1
    reverted = api.ok(api.delete(f"/item/{item_id}/revision/{top + 1}"))
    assert reverted == {"revision": top + 2}
    item = api.item(item_id)
    assert item["title"] == "The richest item"
    assert first_value(item, "quantity") == {"value": "12.5000"}


# ----------------------------------------------------------------------------- other endpoints


def test_comments_list_add_and_the_no_body_error(api: Api) -> None:
    item_id = api.sandbox.info["richest_item_id"]
    comments = api.ok(api.get(f"/comment/item/{item_id}/"))
    assert len(comments) == 2
    recorded = fixture("get_item_350017179.json")["comments"][0]
    assert set(recorded) <= set(comments[0])
    added = api.ok(api.post(f"/comment/item/{item_id}/", {"value": "Hello"}))
    assert added["value"] == "Hello"
    assert len(api.ok(api.get(f"/comment/item/{item_id}/"))) == 3
    assert api.item(item_id)["comments"][-1]["comment_id"] == added["comment_id"]
    empty = api.post(f"/comment/item/{item_id}/")
    assert empty.status_code == 404
    expected = fixture("error_not_found_no_body.json")
    body = empty.json()
    assert {k: body[k] for k in expected if k != "request"} == {
        k: v for k, v in expected.items() if k != "request"
    }


def test_files_upload_download_attach_and_list(api: Api) -> None:
    companies = api.sandbox.app_id("Companies")
    content = bytes(range(256)) * 10
    for path in ("/file/", "/file/v2/", "/file"):
        uploaded = api.ok(
            api.post(
                path,
                files={"source": ("data.bin", content, "application/octet-stream")},
                data={"filename": "report.csv"},
            )
        )
        assert uploaded["name"] == "report.csv"
        assert uploaded["size"] == len(content)
        assert set(fixture("get_files_list.json")[0]) - {"context"} <= set(uploaded)
    raw = api.get(f"/file/{uploaded['file_id']}/raw")
    assert raw.status_code == 200
    assert raw.content == content
    assert "report.csv" in raw.headers["Content-Disposition"]
    assert api.ok(api.get(f"/file/{uploaded['file_id']}"))["file_id"] == uploaded["file_id"]
    item_id = api.filter(companies, limit=1)["items"][0]["item_id"]
    attach = api.post(
        f"/file/{uploaded['file_id']}/attach", {"ref_type": "item", "ref_id": item_id}
    )
    assert attach.status_code == 204
    assert uploaded["file_id"] in [f["file_id"] for f in api.item(item_id)["files"]]
    listed = api.ok(api.get(f"/file/app/{companies}/", params={"limit": 100}))
    mine = next(f for f in listed if f["file_id"] == uploaded["file_id"])
    assert mine["context"]["id"] == item_id
    logo = api.values(item_id, "logo")[0]["value"]
    png = api.get(f"/file/{logo['file_id']}/raw")
    assert png.content.startswith(b"\x89PNG")
    assert png.headers["Content-Type"] == "image/png"


def test_search_tasks_find_and_embed(api: Api) -> None:
    tickets = api.sandbox.app_id("Tickets")
    hits = api.ok(api.post(f"/search/app/{tickets}/", {"query": "printer", "limit": 50}))
    assert 0 < len(hits) <= 20
    assert all("printer" in hit["title"].casefold() for hit in hits)
    assert {"type", "id", "rank", "title", "link", "app"} <= set(hits[0])
    projects = api.sandbox.app_id("Projects")
    first = api.filter(projects, sort_by="app_item_id", sort_desc=False, limit=1)["items"][0]
    tasks = api.ok(api.get("/task/", params={"reference": f"item:{first['item_id']}"}))
    assert tasks
    assert tasks == api.ok(api.get(f"/task/item/{first['item_id']}/"))
    client = field_ids(api, projects)["client"]
    found = api.ok(api.get(f"/item/field/{client}/find", params={"text": "acme"}))
    assert [entry["title"] for entry in found] == ["Acme Robotics"]
    embed = api.ok(api.post("/embed/", {"url": "https://example.com/a"}))
    assert embed["embed_id"]
    assert embed["url"] == "https://example.com/a"


def test_cached_sort_orders_follow_writes(api: Api) -> None:
    tickets = api.sandbox.app_id("Tickets")
    # Build the cached orders first, then change, add and delete items.
    api.filter(tickets, sort_by="amount", limit=500)
    api.filter(tickets, sort_by="last_edit_on", limit=500)
    items = api.filter(tickets, sort_by="item_id", sort_desc=False, limit=500)["items"]
    for index, item in enumerate(items[:8]):
        api.ok(
            api.put(
                f"/item/{item['item_id']}",
                {"fields": {"amount": [] if index == 0 else 1000 * index}},
            )
        )
    api.ok(api.post(f"/item/app/{tickets}/", {"fields": {"title": "Fresh", "amount": 4321.5}}))
    assert api.delete(f"/item/{items[9]['item_id']}").status_code == 204
    page = api.filter(tickets, sort_by="amount", limit=500)["items"]
    amounts = [_amount(item) for item in page]
    present = [a for a in amounts if a is not None]
    assert present == sorted(present)
    assert amounts[len(present) :] == [None] * (len(amounts) - len(present))
    assert len(page) == 60
    by_edit = api.filter(tickets, sort_by="last_edit_on", sort_desc=True, limit=8)["items"]
    assert {item["title"] for item in by_edit[:1]} == {"Fresh"}
    edited = [item["current_revision"]["created_on"] for item in by_edit]
    assert edited == sorted(edited, reverse=True)


def test_calculations_follow_their_inputs(api: Api) -> None:
    item_id = api.sandbox.info["richest_item_id"]
    assert api.values(item_id, "total") == [{"value": "1249.3750"}]
    api.ok(api.put(f"/item/{item_id}", {"fields": {"quantity": 2}}))
    assert api.values(item_id, "total") == [{"value": "199.9000"}]
    api.ok(api.put(f"/item/{item_id}", {"fields": {"price": []}}))
    assert api.values(item_id, "total") == []
    revisions = api.ok(api.get(f"/item/{item_id}/revision/"))
    last = revisions[-1]["revision"]
    diff = api.ok(api.get(f"/item/{item_id}/revision/{last - 1}/{last}"))
    assert {entry["external_id"] for entry in diff} == {"price", "total"}


def test_references_in_and_out_follow_deletes(api: Api) -> None:
    companies = api.sandbox.app_id("Companies")
    projects = api.sandbox.app_id("Projects")
    acme = api.filter(companies, filters={}, sort_by="title", sort_desc=False, limit=1)["items"][0]
    refs = api.item(acme["item_id"])["refs"]
    by_app = {ref["app"]["app_id"]: ref for ref in refs}
    assert by_app[projects]["count"] >= 1
    assert by_app[projects]["field"]["external_id"] == "client"
    referring = api.filter(projects, filters={"client": [acme["item_id"]]}, limit=500)["items"]
    assert referring
    assert api.delete(f"/item/{acme['item_id']}").status_code == 204
    after = api.item(referring[0]["item_id"])
    assert api.field(after, "client") is None
    light = next(
        i for i in api.filter(projects, limit=500)["items"] if i["item_id"] == after["item_id"]
    )
    assert "client" not in [entry["external_id"] for entry in light["fields"]]


def test_get_by_app_item_id_and_external_id(api: Api) -> None:
    showcase = api.sandbox.app_id("Showcase")
    created = api.ok(
        api.post(f"/item/app/{showcase}/", {"external_id": "ext-1", "fields": {"title": "Ext"}})
    )
    by_number = api.ok(api.get(f"/app/{showcase}/item/{created['app_item_id']}"))
    assert by_number["item_id"] == created["item_id"]
    by_external = api.ok(api.get(f"/item/app/{showcase}/external_id/ext-1"))
    assert by_external["item_id"] == created["item_id"]
    assert api.get(f"/item/app/{showcase}/external_id/nope").status_code == 404


def test_incremental_sync_by_last_edit_on(api: Api) -> None:
    """What a syncing client does: ask for items edited since its last sync."""
    tickets = api.sandbox.app_id("Tickets")
    api.sandbox.control.advance_clock(600)
    since = api.item(api.sandbox.info["richest_item_id"])  # any request; the clock moved
    assert since
    mark = api.sandbox.state.clock.now_text()
    edited = api.filter(tickets, limit=2)["items"]
    for item in edited:
        api.ok(api.put(f"/item/{item['item_id']}", {"fields": {"progress": 99}}))
    page = api.filter(
        tickets, filters={"last_edit_on": {"from": mark}}, sort_by="last_edit_on", limit=500
    )
    assert {item["item_id"] for item in page["items"]} == {item["item_id"] for item in edited}
    assert all(item["current_revision"]["created_on"] >= mark for item in page["items"])


@pytest.fixture(scope="module")
def read_only_api() -> Iterator[Api]:
    """One sandbox for the tests below: bad input changes nothing, so they can share it."""
    with Sandbox(SandboxConfig(items=60)) as sandbox, Api(sandbox) as client:
        client.sign_in()
        yield client


MALFORMED_CREATES = [
    [],
    {"fields": "title"},
    {"fields": [{"values": ["no key"]}]},
    {"fields": {"title": {"value": None}}},
    {"fields": {"title": 5}},
    {"fields": {"title": "x", "meeting": [{"start": 5}]}},
    {"fields": {"title": "x", "meeting": {"start": "2026-13-45 25:00:00"}}},
    {"fields": {"title": "x", "meeting": {"start": "2026-02-01", "end": "2026-01-01"}}},
    {"fields": {"title": "x", "related": [{"value": "abc"}]}},
    {"fields": {"title": "x", "people": [{"value": {"type": "user", "id": "x"}}]}},
    {"fields": {"title": "x", "people": [424242]}},
    {"fields": {"title": "x", "email": {"type": 5, "value": "a@b"}}},
    {"fields": {"title": "x", "email": {"type": "work", "value": "a" * 300}}},
    {"fields": {"title": "x", "place": {"value": 5}}},
    {"fields": {"title": "x", "link": {"embed": None}}},
    {"fields": {"title": "x", "link": {"embed": 999999}}},
    {"fields": {"title": "x", "picture": [999999]}},
    {"fields": {"title": "x", "price": {"value": None, "currency": "EUR"}}},
    {"fields": {"title": "x", "price": 5}},
    {"fields": {"title": "x", "state": {"value": {"id": None}}}},
    {"fields": {"title": "x", "duration": -1}},
    {"fields": {"title": "x", "quantity": True}},
    {"fields": {"title": "x"}, "tags": [1]},
    {"fields": {"title": "x"}, "file_ids": ["x"]},
    {"fields": {"title": "x"}, "external_id": 5},
]


@pytest.mark.parametrize("body", MALFORMED_CREATES)
def test_malformed_create_is_a_clear_400(read_only_api: Api, body: Any) -> None:
    api = read_only_api
    showcase = api.sandbox.app_id("Showcase")
    reply = api.post(f"/item/app/{showcase}/", body)
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"] == "invalid_value"
    assert reply.json()["error_description"]


MALFORMED_FILTERS = [
    [],
    {"filters": "status"},
    {"filters": {"amount": [1]}},
    {"filters": {"due": {"from": 5}}},
    {"filters": {"due": {"from": "yesterday"}}},
    {"filters": {"status": {"from": 1}}},
    {"filters": {"customer": ["x"]}},
    {"sort_by": "no-such-field"},
    {"sort_by": ["title"]},
    {"sort_desc": "yes"},
    {"limit": "10"},
    {"limit": -1},
    {"offset": -5},
    {"offset": 1.5},
]


@pytest.mark.parametrize("body", MALFORMED_FILTERS)
def test_malformed_filter_is_a_clear_400(read_only_api: Api, body: Any) -> None:
    api = read_only_api
    tickets = api.sandbox.app_id("Tickets")
    reply = api.post(f"/item/app/{tickets}/filter/", body)
    assert reply.status_code == 400, reply.text
    assert reply.json()["error_description"]


def test_malformed_update_is_a_clear_400(api: Api) -> None:
    item_id = api.sandbox.info["richest_item_id"]
    bodies: list[Any] = [[1], {"revision": "3"}, {"fields": {"title": []}}, {"fields": {"nope": 1}}]
    for body in bodies:
        reply = api.put(f"/item/{item_id}", body)
        assert reply.status_code == 400, (body, reply.text)
    not_json = api.http.put(
        f"/item/{item_id}",
        headers={**api.headers(), "Content-Type": "application/json"},
        content=b"{oops",
    )
    assert not_json.status_code == 400


def test_a_field_named_like_a_built_in_filter_key_wins(api: Api) -> None:
    showcase = api.sandbox.app_id("Showcase")
    page = api.filter(showcase, filters={"tags": [4]}, limit=500)
    assert [item["item_id"] for item in page["items"]] == [api.sandbox.info["richest_item_id"]]
    projects = api.sandbox.app_id("Projects")
    tagged = api.filter(projects, filters={"tags": ["q1"]}, limit=500)
    assert tagged["filtered"] == 3
