"""Podio web links read into a PodioLink, and everything else refused with a sentence."""

from __future__ import annotations

import pytest

from podio_desk.domain.links import PodioLinkError, parse_podio_link, same_label
from tests.domain.fixture_data import all_item_json, load


@pytest.mark.parametrize(
    ("text", "org", "space", "app", "number", "space_url"),
    [
        # The `link` of recorded GET /item and GET /app answers.
        (
            "https://podio.com/podio/sandbox-4fcx2i/apps/allfields/items/3",
            "podio", "sandbox-4fcx2i", "allfields", 3,
            "https://podio.com/podio/sandbox-4fcx2i",
        ),
        (
            "https://podio.com/test-org-u8ykii9fyr/demospace/apps/leads-clients",
            "test-org-u8ykii9fyr", "demospace", "leads-clients", None,
            "https://podio.com/test-org-u8ykii9fyr/demospace",
        ),
        # The organization as a sub-domain (older spaces' `url`).
        (
            "https://copenhagenjs.podio.com/theconference/apps/talks/items/12",
            "copenhagenjs", "theconference", "talks", 12,
            "https://copenhagenjs.podio.com/theconference",
        ),
        (
            "https://copenhagenjs.podio.com/theconference/apps/talks/",
            "copenhagenjs", "theconference", "talks", None,
            "https://copenhagenjs.podio.com/theconference",
        ),
        # www, http, upper case host, trailing slash, query, fragment, spaces around.
        (
            "  https://www.podio.com/acme/sales/apps/leads/items/7/?ref=mail#comments  ",
            "acme", "sales", "leads", 7, "https://podio.com/acme/sales",
        ),
        (
            "http://PODIO.COM/acme/sales/apps/leads",
            "acme", "sales", "leads", None, "https://podio.com/acme/sales",
        ),
        (
            "https://podio.com:443/acme/sales/apps/leads/items/123456789",
            "acme", "sales", "leads", 123456789, "https://podio.com/acme/sales",
        ),
    ],
)  # fmt: skip
def test_podio_links_name_the_org_space_app_and_item_number(
    text: str, org: str, space: str, app: str, number: int | None, space_url: str
) -> None:
    link = parse_podio_link(text)
    assert (link.org_label, link.space_label, link.app_label) == (org, space, app)
    assert link.app_item_id == number
    assert link.is_item is (number is not None)
    assert link.space_url == space_url
    assert link.text == text.strip()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "not a web link"),
        ("sync", "not a web link"),
        ("garbage://", "not a web link"),
        ("podio.com/acme/sales/apps/leads", "not a web link"),
        ("ftp://podio.com/acme/sales/apps/leads", "not a web link"),
        ("mailto:someone@podio.com", "not a web link"),
        ("https://example.com/acme/sales/apps/leads/items/1", "not a Podio link"),
        ("https://evilpodio.com/acme/sales/apps/leads", "not a Podio link"),
        ("https://podio.com.example.net/acme/sales/apps/leads", "not a Podio link"),
        ("https://a.b.podio.com/sales/apps/leads", "not a Podio link"),
        ("https://podio.com@example.com/acme/sales/apps/leads", "not a Podio link"),
        ("https://user:pw@podio.com/acme/sales/apps/leads", "not a Podio link"),
        ("https://podio.com:8080/acme/sales/apps/leads", "not a Podio link"),
        ("http://127.0.0.1:8000/acme/sales/apps/leads", "not a Podio link"),
        ("https://podio.com:notaport/acme", "not a valid web link"),
        ("https://api.podio.com/item/123", "no app or item"),
        ("https://files.podio.com/195174666", "no app or item"),
        ("https://podio.com/", "no app or item"),
        ("https://podio.com/acme", "no app or item"),
        ("https://podio.com/acme/sales", "not to an app or an item"),
        ("https://podio.com/users/1337749", "not to an app or an item"),
        ("https://podio.com/acme/sales/apps", "not to an app or an item"),
        ("https://podio.com/acme/sales/apps/leads/items", "not to an app or an item"),
        ("https://podio.com/acme/sales/apps/leads/items/7/edit", "not to an app or an item"),
        ("https://podio.com/acme/sales/apps/leads/item/7", "not to an app or an item"),
        ("https://podio.com/acme/sales/tasks/leads", "not to an app or an item"),
        ("https://podio.com/acme/sales/apps/leads/items/abc", "names no item number"),
        ("https://podio.com/acme/sales/apps/leads/items/-1", "names no item number"),
        ("https://podio.com/acme/sales/apps/leads/items/0", "names no item number"),
        ("https://podio.com/acme/sa%20les/apps/leads", "not a Podio link"),
        ("https://podio.com/acme/sales%0A/apps/leads%0A/items/7", "not a Podio link"),
        ("https://podio.com/acme/sales/apps/leads/items/7%0A", "names no item number"),
    ],
)
def test_other_text_is_refused_with_a_sentence_that_says_why(text: str, says: str) -> None:
    with pytest.raises(PodioLinkError) as refused:
        parse_podio_link(text)
    message = str(refused.value)
    assert says in message
    assert message.endswith(".")


def test_a_long_refused_text_is_shortened_in_the_message() -> None:
    text = "https://example.com/" + "x" * 500
    with pytest.raises(PodioLinkError) as refused:
        parse_podio_link(text)
    assert len(str(refused.value)) < 160


def test_labels_compare_without_case_and_never_match_empty() -> None:
    assert same_label("Leads-Clients", "leads-clients")
    assert not same_label("", "")
    assert not same_label("leads", "lead")


@pytest.mark.parametrize(
    "text",
    [
        "podio-desk:https://podio.com/acme/sales/apps/leads/items/7",
        "PODIO-DESK:https://podio.com/acme/sales/apps/leads/items/7",
        "podio-desk://https://podio.com/acme/sales/apps/leads/items/7",
        "podio-desk:https%3A%2F%2Fpodio.com%2Facme%2Fsales%2Fapps%2Fleads%2Fitems%2F7",
        "podio-desk:http%3A%2F%2Fpodio.com%2Facme%2Fsales%2Fapps%2Fleads%2Fitems%2F7",
    ],
)
def test_the_app_scheme_wraps_a_podio_link(text: str) -> None:
    """What the bookmarklet of the opt-in registration sends (podio-desk:ADDRESS)."""
    link = parse_podio_link(text)
    assert (link.org_label, link.space_label, link.app_label, link.app_item_id) == (
        "acme", "sales", "leads", 7,
    )  # fmt: skip


@pytest.mark.parametrize(
    "text",
    ["podio-desk:", "podio-desk:https://example.com/a/b/apps/c", "podio-desk:sync"],
)
def test_the_app_scheme_around_anything_else_is_refused(text: str) -> None:
    with pytest.raises(PodioLinkError):
        parse_podio_link(text)


def test_every_recorded_item_link_names_its_app_label_and_number() -> None:
    """The `link` of the recorded items (FIX-item, FIX-filter) and app (FIX-app)."""
    items = [item for item in all_item_json() if item.get("link")]
    assert len(items) >= 3
    for item in items:
        link = parse_podio_link(item["link"])
        assert link.app_item_id == item["app_item_id"]
        if "app" in item:  # filter results carry no app object
            assert same_label(link.app_label, item["app"]["url_label"])
    app = load("get_app_large_leads_clients.json")
    link = parse_podio_link(app["link"])
    assert link.app_item_id is None
    assert same_label(link.app_label, app["url_label"])


def test_recorded_space_addresses_give_the_space_url_of_their_links() -> None:
    """FIX-org (indicative): spaces' `url` in the sub-domain form, labels matching."""
    for org in load("get_org_list_UNVERIFIED_SOURCE.json"):
        for space in org.get("spaces") or []:
            link = parse_podio_link(f"{space['url']}apps/some-app")
            assert link.space_url == space["url"].rstrip("/")
            assert same_label(link.space_label, space["url_label"])
