"""Bulk change operations on one item: old → new per field, validated as the editor does;
no-ops, invalid values and read-only items flagged; the cost of a job at a budget."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from podio_desk.domain.bulk import (
    Budget,
    BulkSpecError,
    FieldChange,
    ItemPlan,
    Operation,
    check_operations,
    count_plan,
    describe_cost,
    fields_for_operation,
    fix_change,
    operation_warning,
    parse_operation,
    parse_shift,
    plan_item,
    plan_new_item,
    validate_operation,
    with_fixes,
)
from podio_desk.domain.fields import FieldDef
from podio_desk.domain.items import PLACEHOLDER_KEY, Item
from podio_desk.domain.workspace import App


def _fdef(field_id: int, external_id: str, kind: str, label: str, **config: Any) -> FieldDef:
    required = config.pop("required", False)
    return FieldDef.from_api(
        {
            "field_id": field_id,
            "external_id": external_id,
            "type": kind,
            "label": label,
            "config": {"required": required, "settings": config or None, "label": label},
        }
    )


OPTIONS = [
    {"id": 1, "text": "Open", "status": "active", "color": "DCEBD8"},
    {"id": 2, "text": "Closed", "status": "active", "color": "FFD5C2"},
    {"id": 3, "text": "Urgent", "status": "active", "color": "F7D1D0"},
]
APP = App(
    app_id=1,
    space_id=None,
    name="Deals",
    fields=(
        _fdef(10, "title", "text", "Title", required=True),
        _fdef(11, "amount", "number", "Amount", decimals=2),
        _fdef(12, "status", "category", "Status", options=OPTIONS, multiple=True),
        _fdef(13, "due", "date", "Due", time="enabled", end="disabled"),
        _fdef(14, "customer", "app", "Customer", referenced_apps=[{"app_id": 2}], multiple=True),
        _fdef(15, "owner", "contact", "Owner", type="space_users"),
        _fdef(16, "price", "money", "Price", allowed_currencies=["EUR"]),
        _fdef(17, "score", "calculation", "Score"),
        _fdef(18, "notes", "text", "Notes", format="plain"),
        _fdef(19, "day", "date", "Day", time="disabled", end="disabled"),
    ),
)


def _item(**overrides: Any) -> Item:
    fields = [
        {"field_id": 10, "external_id": "title", "type": "text", "label": "Title",
         "values": [{"value": "Big deal"}]},
        {"field_id": 11, "external_id": "amount", "type": "number", "label": "Amount",
         "values": [{"value": "10.5"}]},
        {"field_id": 12, "external_id": "status", "type": "category", "label": "Status",
         "values": [{"value": OPTIONS[0]}]},
        {"field_id": 13, "external_id": "due", "type": "date", "label": "Due",
         "values": [{"start_date": "2026-03-30", "start_time": "09:00:00"}]},
        {"field_id": 14, "external_id": "customer", "type": "app", "label": "Customer",
         "values": [{"value": {"item_id": 500, "title": "Acme"}}]},
        {"field_id": 18, "external_id": "notes", "type": "text", "label": "Notes",
         "values": [{"value": "call Bob, then Bob again"}]},
        {"field_id": 19, "external_id": "day", "type": "date", "label": "Day",
         "values": [{"start_date": "2026-01-31"}]},
    ]  # fmt: skip
    raw: dict[str, Any] = {
        "item_id": 7,
        "title": "Big deal",
        "revision": 3,
        "created_on": "2026-01-01 10:00:00",
        "tags": ["a"],
        "fields": fields,
        **overrides,
    }
    return Item.from_api(raw, APP)


def plan(*operations: tuple[str, str], item: Item | None = None) -> ItemPlan:
    return plan_item(APP, item or _item(), [parse_operation(k, t) for k, t in operations])


def only(result: ItemPlan) -> FieldChange:
    (change,) = result.changes
    return change


def test_set_reads_values_as_the_editor_does_and_flags_no_ops() -> None:
    result = plan(("set", "amount=1,234.5"))
    assert result.status == "change"
    change = only(result)
    assert (change.old_text, change.new_text, change.new_input) == ("10.50", "1,234.50", "1234.5")
    assert result.update_body() == {"fields": {"11": "1234.5"}}
    assert result.restore_body() == {"fields": {"11": "10.5"}}
    assert plan(("set", "Amount=10.5")).status == "noop"  # by label; the same value
    assert plan(("set", "status=Closed, Urgent")).changes[0].new_input == [2, 3]


def test_invalid_values_and_read_only_items_are_flagged_not_sent() -> None:
    bad = plan(("set", "amount=lots"))
    assert bad.status == "invalid"
    assert "Amount" in bad.issues[0]
    required = plan(("clear", "title"))
    assert required.status == "invalid"
    assert plan(("set", "status=Maybe")).status == "invalid"
    locked = plan(("set", "amount=1"), item=_item(rights=["view", "comment"]))
    assert locked.status == "read_only"
    assert check_operations(APP, [parse_operation("set", "score=1")]) == [
        'Field "Score" is read-only (Podio computes it)'
    ]
    assert "no field" in check_operations(APP, [parse_operation("set", "nope=1")])[0]
    assert check_operations(APP, [Operation("delete"), parse_operation("clear", "notes")])


def test_an_item_made_offline_and_not_yet_sent_is_flagged_not_sent() -> None:
    waiting = _item(item_id=-3, revision=0, **{PLACEHOLDER_KEY: True})
    for operations in ((("set", "amount=1"),), (("delete", ""),)):
        planned = plan(*operations, item=waiting)
        assert planned.status == "read_only"
        assert "not in Podio yet" in planned.issues[0]


def test_add_and_remove_options_relations_contacts_and_tags() -> None:
    assert only(plan(("add", "status=Urgent"))).new_input == [1, 3]
    assert plan(("add", "status=Open")).status == "noop"
    assert only(plan(("remove", "status=Open"))).new_input == []
    assert only(plan(("add", "customer=501, 502"))).new_input == [500, 501, 502]
    assert only(plan(("remove", "customer=500"))).new_input == []
    assert only(plan(("add", "owner=42"))).new_input == [42]
    tags = only(plan(("add", "tags=b, a")))
    assert (tags.old_input, tags.new_input) == (["a"], ["a", "b"])
    assert plan(("add", "tags=b")).update_body() == {"fields": {}, "tags": ["a", "b"]}
    assert only(plan(("remove", "tags=a"))).new_input == []
    assert plan(("add", "amount=1")).status == "invalid"


def test_replace_shift_increment_and_copy() -> None:
    assert only(plan(("replace", "notes=Bob/Ann"))).new_text == "call Ann, then Ann again"
    assert plan(("replace", "amount=1/2")).status == "invalid"  # text only
    shifted = only(plan(("shift", "due=+3d")))
    assert shifted.new_input == {"start_date": "2026-04-02", "start_time": "09:00:00"}
    assert only(plan(("shift", "due=-2h"))).new_input["start_time"] == "07:00:00"
    assert only(plan(("shift", "day=+1w"))).new_input == {"start_date": "2026-02-07"}
    assert plan(("shift", "day=+2h")).status == "invalid"  # all-day: whole days only
    assert Decimal(only(plan(("increment", "amount=-0.5"))).new_input) == 10
    assert only(plan(("copy", "notes=title"))).new_text == "Big deal"
    assert only(plan(("copy", "notes=amount"))).new_text == "10.50"
    assert parse_shift("30m").total_seconds() == 1800
    with pytest.raises(BulkSpecError):
        parse_shift("soon")


def test_several_operations_on_one_field_compose_in_order() -> None:
    result = plan(("increment", "amount=1"), ("increment", "amount=1"))
    assert Decimal(only(result).new_input) == Decimal("12.5")
    both = plan(("set", "title=New"), ("set", "amount=3"))
    assert [c.external_id for c in both.changed_fields] == ["title", "amount"]


def test_rows_from_a_file_and_new_items() -> None:
    row = {"Deal": "Small deal", "Sum": "3"}
    ops = [parse_operation("column", "title=Deal"), parse_operation("column", "amount=Sum")]
    changed = plan_item(APP, _item(), ops, row, 4)
    assert changed.row == 4
    assert [c.new_text for c in changed.changes] == ["Small deal", "3.00"]
    created = plan_new_item(APP, ops, row, 5)
    assert (created.status, created.title, created.item_id) == ("create", "Small deal", None)
    untitled = plan_new_item(APP, [parse_operation("column", "amount=Sum")], row, 6)
    assert untitled.status == "invalid"  # the required title is missing
    assert plan_item(APP, _item(), [parse_operation("column", "amount=Nope")], row).issues
    blank = plan_item(APP, _item(), ops, {"Deal": "", "Sum": " "}, 7)
    assert blank.status == "noop"  # empty cells leave the fields as they are


def test_delete_and_a_fix_typed_into_an_edited_plan() -> None:
    assert plan(("delete", "")).status == "delete"
    assert plan(("delete", ""), item=_item(rights=["view", "update"])).status == "read_only"
    assert plan(("delete", ""), item=_item(rights=["view", "delete"])).status == "delete"
    change = only(plan(("set", "amount=1")))
    fixed = fix_change(APP, change, "2.25")
    assert (fixed.new_text, fixed.new_input, fixed.issue) == ("2.25", "2.25", None)
    assert fix_change(APP, change, "two").issue
    item = plan(("set", "amount=1"))
    assert with_fixes(APP, item, {11: "10.5"}).status == "noop"  # back to the old value
    broken = with_fixes(APP, item, {11: "ten"})
    assert broken.status == "invalid"
    assert broken.issues


def test_plans_round_trip_and_count() -> None:
    items = [plan(("set", "amount=1")), plan(("set", "amount=10.5")), plan(("set", "amount=x"))]
    assert [ItemPlan.from_json(i.as_json()) for i in items] == items
    counts = count_plan(items)
    assert (counts.planned, counts.changed, counts.unchanged, counts.invalid) == (3, 1, 1, 1)


def test_the_cost_names_the_budget_the_writes_are_in() -> None:
    heavy = Budget(250, None, None, rate_class="heavy", reported=False)
    text = describe_cost(400, heavy, 6120.0)
    assert text == (
        "400 calls, about 102 minutes (heavy budget: 250/h, assumed: Podio has not said it yet)"
    )
    assert describe_cost(742, Budget(1000, 400, 1800), 60.0).endswith(
        " (general budget: 1 000/h, 400 left now)"
    )
    assert describe_cost(0, heavy, 0.0) == "no calls"
    # A budget not known at all is the class's default.
    assert Budget(rate_class="heavy").hourly_limit == 250
    assert Budget().hourly_limit == 1000


def test_one_check_per_operation_says_what_is_missing_or_wrong_before_any_item() -> None:
    def problem(kind: str, field: str = "", argument: str = "") -> str | None:
        return validate_operation(APP, Operation.from_json({"op": kind, "field": field,
                                                            "argument": argument}))  # fmt: skip

    assert problem("delete") is None
    assert problem("set", "", "1") == "choose a field"
    assert problem("set", "amount", "") is not None  # clearing is its own operation
    assert problem("set", "amount", "lots") is not None
    assert problem("set", "amount", "10.5") is None
    assert problem("set", "status", "Maybe") is not None
    assert problem("increment", "amount", "abc") == (
        "'abc' is not a number to add (such as 5 or -2.5)"
    )
    assert problem("increment", "title", "1") is not None
    assert problem("replace", "title", "") is not None
    assert problem("replace", "title", "Slow") is not None  # no slash: nothing to put instead
    assert problem("replace", "title", "Slow/") is None
    assert problem("shift", "due", "soon") is not None
    assert problem("shift", "due", "+1d") is None
    assert problem("add", "status", "") is not None
    assert problem("add", "status", "Nope") is not None
    assert problem("add", "customer", "x") is not None
    assert problem("add", "tags", "") is not None
    assert problem("copy", "title", "") is not None
    assert problem("column", "title", "") is not None
    assert problem("column", "title", "Name") is None
    # No message speaks the command line's language (the window shows them as they are).
    for kind, field, argument in (("replace", "title", ""), ("add", "tags", ""),
                                  ("set", "amount", ""), ("increment", "title", "1")):  # fmt: skip
        assert "--" not in (problem(kind, field, argument) or "")


def test_clearing_a_required_field_warns_and_fields_follow_the_operation() -> None:
    app = App(
        7,
        1,
        "Jobs",
        "Job",
        fields=(
            FieldDef(1, "title", "text", "Title", required=True),
            FieldDef(2, "hours", "number", "Hours"),
        ),
    )
    clear_title = Operation("clear", "title")
    assert validate_operation(app, clear_title) is None
    warning = operation_warning(app, clear_title)
    assert warning is not None
    assert "required" in warning
    assert validate_operation(app, Operation("clear", "hours")) is None
    assert operation_warning(app, Operation("clear", "hours")) is None
    assert fields_for_operation(app, "increment") == [("Hours", "hours")]
    assert fields_for_operation(app, "replace") == [("Title", "title")]
    assert ("Tags", "tags") in fields_for_operation(app, "add")


def test_the_same_amount_written_differently_is_no_change() -> None:
    """A retry planned "1 to change: 1,234.50 → 1,234.50": Podio's "1234.5000" and the typed
    "1,234.50" are one amount (money and numbers), so nothing is sent, nor after a fix."""
    stored = _item(
        fields=[
            {"field_id": 11, "external_id": "amount", "type": "number", "label": "Amount",
             "values": [{"value": "1234.5000"}]},
            {"field_id": 16, "external_id": "price", "type": "money", "label": "Price",
             "values": [{"value": "1234.5000", "currency": "EUR"}]},
        ]
    )  # fmt: skip
    assert plan(("set", "price=1,234.50"), item=stored).status == "noop"
    assert plan(("set", "price=€1,234.50"), item=stored).status == "noop"
    assert plan(("set", "amount=1,234.50"), item=stored).status == "noop"
    changed = plan(("set", "price=1,234.51"), item=stored)
    assert changed.status == "change"
    assert with_fixes(APP, changed, {16: "1234.50 EUR"}).status == "noop"
