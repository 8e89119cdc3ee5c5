"""What opening a Podio link asks of the sandbox: the space by its web address, the apps of
the space with their url_label, and the item by its number within the app (UNCONFIRMED
shapes, docs/podio-api.md, Web links)."""

from __future__ import annotations

from typing import Any

from tests.sandbox.helpers import Api


def _notes(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    app = api.ok(api.get(f"/app/{api.sandbox.app_id('Notes')}"))
    space = api.ok(api.get(f"/space/{app['space_id']}"))
    return app, space


def test_space_by_url_answers_the_space_for_either_form_of_its_address(api: Api) -> None:
    app, space = _notes(api)
    org = api.ok(api.get(f"/org/{space['org_id']}"))
    org_label, space_label = org["url_label"], space["url_label"]
    addresses = [
        space["url"],
        f"{space['url']}/",
        f"https://www.podio.com/{org_label}/{space_label}",
        f"https://{org_label}.podio.com/{space_label}/",
        f"https://PODIO.com/{org_label.upper()}/{space_label}",
    ]
    for address in addresses:
        found = api.ok(api.get("/space/url", params={"url": address}))
        assert found == space, address
    by_slugs = api.get("/space/url", params={"org_slug": org_label, "space_slug": space_label})
    assert api.ok(by_slugs) == space
    assert app["link"].startswith(f"{space['url']}/apps/{app['url_label']}")


def test_space_by_url_of_no_space_is_not_found(api: Api) -> None:
    _app, space = _notes(api)
    for address in (
        f"{space['url']}-gone",
        "https://podio.com/nobody/nothing",
        "https://example.com/x/y",
        f"{space['url']}/apps/notes",
        "not an address",
    ):
        missing = api.get("/space/url", params={"url": address})
        assert missing.status_code == 404, address
        assert missing.json()["error"] == "not_found"
    assert api.get("/space/url").status_code == 400


def test_space_by_url_needs_a_signed_in_user(api: Api) -> None:
    _app, space = _notes(api)
    assert api.http.get("/space/url", params={"url": space["url"]}).status_code == 401


def test_apps_of_a_space_carry_the_url_label_of_their_link(api: Api) -> None:
    app, space = _notes(api)
    listed = api.ok(api.get(f"/app/space/{space['space_id']}/"))
    assert app["app_id"] in [entry["app_id"] for entry in listed]
    for entry in listed:
        assert entry["url_label"]
        assert entry["link"] == f"{space['url']}/apps/{entry['url_label']}"


def test_an_item_is_found_by_its_number_in_the_app(api: Api) -> None:
    app, _space = _notes(api)
    first = api.filter(app["app_id"], limit=1)["items"][0]
    item = api.item(first["item_id"])
    by_number = api.ok(api.get(f"/app/{app['app_id']}/item/{item['app_item_id']}"))
    assert by_number["item_id"] == item["item_id"]
    assert by_number["link"] == f"{app['link']}/items/{item['app_item_id']}"
    missing = api.get(f"/app/{app['app_id']}/item/999999999")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
