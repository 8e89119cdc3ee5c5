"""Property tests: random values of each type round-trip; garbage gives our own clear error.

Round trip: value -> to_input -> JSON text -> Podio's rendering (podio_render.py) ->
parse_values gives the same value, compared in full (titles, names, links too).
Garbage: random JSON as a values array, a field definition, settings, an item, an app…
either parses or raises MalformedValueError; never KeyError/TypeError/AttributeError/
decimal errors. Whatever parses can be shown, sorted, searched, validated and sent.
"""

from __future__ import annotations

import contextlib
import json
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podio_desk.domain import fields as f
from podio_desk.domain.errors import MalformedValueError, ReadOnlyFieldError
from podio_desk.domain.items import Comment, FileInfo, Item, ItemPage, Revision, RevisionDiff, Task
from podio_desk.domain.workspace import App, Org, View
from tests.domain.podio_render import Known, get_values_for, render_as_get

# No example database: the suite runs from a fresh clone and writes nothing into the tree.
FAST = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
ROUND_TRIP = settings(FAST, max_examples=200)

ids = st.integers(min_value=1, max_value=2**53)
texts = st.text(max_size=30)
opt_texts = st.none() | texts
words = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != "")
whole_seconds = st.times().map(lambda t: t.replace(microsecond=0, fold=0))
exact = st.decimals(
    min_value=Decimal(-(10**15)),
    max_value=Decimal(10**15),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)


def _fdef(kind: str, settings: dict[str, Any] | None = None) -> f.FieldDef:
    return f.FieldDef(11, "prop", kind, "Prop", settings=settings or {})


def _unique_by(key: str) -> Any:
    return lambda items: len({getattr(i, key) for i in items}) == len(items)


file_refs = st.builds(
    f.FileRef,
    file_id=ids,
    name=texts,
    mimetype=opt_texts,
    size=st.none() | st.integers(min_value=0, max_value=2**40),
    link=opt_texts,
    thumbnail_link=opt_texts,
)


@st.composite
def date_values(draw: st.DrawFn) -> f.DateValue:
    start = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)))
    start_time = draw(st.none() | whole_seconds)
    if not draw(st.booleans()):
        return f.DateValue(start, start_time)
    end = draw(st.dates(min_value=start, max_value=date(2200, 12, 31)))
    end_time = draw(st.none() | whole_seconds) if start_time is not None else None
    return f.DateValue(start, start_time, end, end_time)


@st.composite
def places(draw: st.DrawFn) -> f.Place:
    lat = draw(st.none() | st.floats(min_value=-90, max_value=90))
    lng = draw(st.none() | st.floats(min_value=-180, max_value=180))
    return f.Place(
        value=draw(words),
        formatted=draw(opt_texts),
        street_number=draw(opt_texts),
        street_name=draw(opt_texts),
        street_address=draw(opt_texts),
        postal_code=draw(opt_texts),
        city=draw(opt_texts),
        state=draw(opt_texts),
        country=draw(opt_texts),
        lat=None if lat is None else Decimal(repr(lat)),
        lng=None if lng is None else Decimal(repr(lng)),
        # Podio's geocoding state: in sync when it has coordinates (see podio_render.py).
        map_in_sync=lat is not None and lng is not None,
    )


@st.composite
def typed_values(draw: st.DrawFn) -> tuple[f.FieldDef, f.FieldValue]:
    """A field definition and a non-empty value that fits it."""
    kind = draw(
        st.sampled_from([k for k in f.FieldType if k.value not in ("calculation", "separator")])
    )
    if kind is f.FieldType.TEXT:
        fmt = draw(st.sampled_from(list(f.TextFormat)))
        return _fdef("text", {"format": fmt.value}), f.TextValue(draw(words), fmt)
    if kind is f.FieldType.NUMBER:
        return _fdef("number"), f.NumberValue(draw(exact))
    if kind is f.FieldType.MONEY:
        currency = draw(st.sampled_from(["EUR", "USD", "DKK", "GBP"]))
        return _fdef("money"), f.MoneyValue(draw(exact), currency)
    if kind is f.FieldType.PROGRESS:
        return _fdef("progress"), f.ProgressValue(draw(st.integers(0, 100)))
    if kind is f.FieldType.DURATION:
        return _fdef("duration"), f.DurationValue(draw(st.integers(0, 10**9)))
    if kind is f.FieldType.DATE:
        return _fdef("date"), draw(date_values())
    if kind is f.FieldType.CATEGORY:
        options = draw(
            st.lists(
                st.builds(
                    f.CategoryOption,
                    id=ids,
                    text=texts,
                    color=st.none() | st.sampled_from(["DCEBD8", "F7D1D0"]),
                    status=st.just("active"),
                ),
                min_size=1,
                max_size=6,
                unique_by=lambda o: o.id,
            )
        )
        chosen = draw(st.lists(st.sampled_from(options), min_size=1, unique_by=lambda o: o.id))
        settings = {
            "multiple": True,
            "options": [
                {"id": o.id, "text": o.text, "color": o.color, "status": o.status} for o in options
            ],
        }
        return _fdef("category", settings), f.CategoryValue(tuple(chosen))
    if kind is f.FieldType.APP:
        item = st.builds(
            f.RelatedItem,
            item_id=ids,
            title=texts,
            app_id=st.none() | ids,
            app_item_id=st.none() | ids,
            app_name=opt_texts,
            link=opt_texts,
        )
        items = draw(st.lists(item, min_size=1, max_size=4, unique_by=lambda i: i.item_id))
        return _fdef("app", {"multiple": True}), f.RelationshipValue(tuple(items))
    if kind is f.FieldType.CONTACT:
        contact = st.builds(
            f.ContactRef,
            profile_id=ids,
            name=texts,
            type=st.none() | st.sampled_from(["user", "space"]),
            user_id=st.none() | ids,
            mails=st.lists(texts, max_size=2).map(tuple),
            phones=st.lists(texts, max_size=2).map(tuple),
            link=opt_texts,
            avatar_file_id=st.none() | ids,
            org_id=st.none() | ids,
            space_id=st.none() | ids,
        )
        contacts = draw(st.lists(contact, min_size=1, max_size=3, unique_by=lambda c: c.profile_id))
        return _fdef("contact"), f.ContactValue(tuple(contacts))
    if kind in (f.FieldType.IMAGE, f.FieldType.FILE):
        refs = draw(st.lists(file_refs, min_size=1, max_size=3, unique_by=lambda r: r.file_id))
        return _fdef(kind.value), f.FileListValue(tuple(refs))
    if kind is f.FieldType.EMBED:
        embed = st.builds(
            f.EmbedRef,
            embed_id=ids,
            url=texts,
            title=opt_texts,
            description=opt_texts,
            original_url=opt_texts,
            resolved_url=opt_texts,
            hostname=opt_texts,
            type=st.none() | st.just("link"),
            file=st.none() | file_refs,
        )
        embeds = draw(st.lists(embed, min_size=1, max_size=3, unique_by=lambda e: e.embed_id))
        file_ids = [e.file.file_id for e in embeds if e.file is not None]
        if len(set(file_ids)) != len(file_ids):
            embeds = [embeds[0]]
        return _fdef("embed"), f.EmbedValue(tuple(embeds))
    if kind is f.FieldType.LOCATION:
        return _fdef("location"), f.LocationValue(
            tuple(draw(st.lists(places(), min_size=1, max_size=2)))
        )
    entry_types = ["work", "home", "other", "mobile", "main"]
    entries = draw(
        st.lists(
            st.builds(f.TypedEntry, type=st.sampled_from(entry_types), value=texts),
            min_size=1,
            max_size=3,
        )
    )
    if kind is f.FieldType.EMAIL:
        return _fdef("email"), f.EmailValue(tuple(entries))
    return _fdef(kind.value), f.PhoneValue(tuple(entries))


@ROUND_TRIP
@given(typed_values())
def test_random_values_round_trip(pair: tuple[f.FieldDef, f.FieldValue]) -> None:
    fdef, value = pair
    sent = json.loads(json.dumps(f.to_input(fdef, value)))
    original_get = get_values_for(fdef, value)
    assert f.parse_values(fdef, original_get) == value
    stored = json.loads(json.dumps(f.to_get_values(fdef, value)))
    assert repr(f.parse_values(fdef, stored)) == repr(value)
    again = f.parse_values(fdef, render_as_get(fdef, sent, Known.from_get(fdef, original_get)))
    assert again == value
    assert repr(again) == repr(value)
    # Everything else about a parsed value works and is typed as promised.
    assert isinstance(f.display_text(fdef, again), str)
    assert isinstance(f.search_text(fdef, again), str)
    assert isinstance(f.sort_key(fdef, again), (str, int, Decimal, type(None)))
    assert all(isinstance(k, (int, str)) for k in f.filter_keys(fdef, again))
    assert all(isinstance(i, f.ValidationIssue) for i in f.validate(fdef, again))


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["1.5", "NaN", "-Infinity", "1e999999", "2026-11-22", "12:00", "24:00:00"])
)
json_garbage = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)
VALUE_KEYS = [
    "value",
    "currency",
    "start",
    "start_date",
    "start_time",
    "start_utc",
    "start_date_utc",
    "start_time_utc",
    "end",
    "end_date",
    "end_time",
    "end_utc",
    "embed",
    "file",
    "type",
    "lat",
    "lng",
    "id",
    "text",
    "item_id",
    "profile_id",
    "file_id",
    "embed_id",
    "title",
    "name",
    "app",
    "mail",
    "image",
]
shaped_garbage = st.dictionaries(st.sampled_from(VALUE_KEYS), json_garbage, max_size=6)
nested_shaped = st.dictionaries(
    st.sampled_from(VALUE_KEYS),
    json_garbage | shaped_garbage,
    max_size=6,
)
values_garbage = json_garbage | st.lists(nested_shaped | json_garbage, max_size=3)
SETTING_KEYS = [
    "format",
    "decimals",
    "allowed_currencies",
    "fields",
    "end",
    "time",
    "multiple",
    "options",
    "referenced_apps",
    "valid_types",
    "allowed_mimetypes",
    "possible_types",
    "return_type",
    "unit",
]
settings_garbage = st.dictionaries(
    st.sampled_from(SETTING_KEYS),
    json_garbage | st.lists(shaped_garbage, max_size=2),
    max_size=4,
)
all_types = st.sampled_from([k.value for k in f.FieldType] + ["mystery"])


def _exercise(fdef: f.FieldDef, value: f.FieldValue) -> None:
    """Use a parsed value every way there is; only our own errors may come out."""
    for use in (f.display_text, f.search_text, f.sort_key, f.filter_keys, f.validate):
        with contextlib.suppress(MalformedValueError):
            use(fdef, value)
    with contextlib.suppress(MalformedValueError, ReadOnlyFieldError):
        json.dumps(f.to_input(fdef, value))


@FAST
@given(all_types, values_garbage)
def test_garbage_values_give_our_error(kind: str, garbage: Any) -> None:
    fdef = _fdef(kind)
    try:
        value = f.parse_values(fdef, garbage)
    except MalformedValueError as error:
        message = str(error)
    else:
        _exercise(fdef, value)
        return
    assert message.startswith('Field "Prop"')


@FAST
@given(all_types, settings_garbage, values_garbage)
def test_garbage_settings_give_our_error(kind: str, settings: Any, garbage: Any) -> None:
    entry = {"field_id": 3, "type": kind, "label": "Prop", "config": {"settings": settings}}
    fdef = f.FieldDef.from_api(entry)
    try:
        value = f.parse_values(fdef, garbage)
    except MalformedValueError:
        return
    _exercise(fdef, value)


@FAST
@given(all_types, settings_garbage, st.text(max_size=30))
def test_typed_text_gives_a_value_or_our_error(kind: str, settings: Any, text: str) -> None:
    fdef = f.FieldDef(3, "p", kind, "Prop", settings=settings)
    try:
        value = f.parse_user_text(fdef, text)
    except MalformedValueError as error:
        message = str(error)
    else:
        _exercise(fdef, value)
        return
    assert "Prop" in message


field_entries = json_garbage | st.fixed_dictionaries(
    {},
    optional={
        "field_id": json_garbage | ids,
        "type": json_garbage | all_types,
        "label": json_garbage,
        "external_id": json_garbage,
        "status": json_garbage,
        "config": json_garbage
        | st.dictionaries(
            st.sampled_from(["settings", "label", "required", "delta"]), json_garbage
        ),
        "values": values_garbage,
    },
)


@FAST
@given(field_entries)
def test_garbage_field_definitions_give_our_error(entry: Any) -> None:
    try:
        fdef = f.FieldDef.from_api(entry)
    except MalformedValueError:
        return
    assert isinstance(fdef.field_id, int)


timestamps = st.datetimes(min_value=datetime(2000, 1, 1)).map(
    lambda d: d.strftime("%Y-%m-%d %H:%M:%S")
)
item_garbage = json_garbage | st.fixed_dictionaries(
    {},
    optional={
        "item_id": json_garbage | ids,
        "app": json_garbage | st.fixed_dictionaries({"app_id": json_garbage | ids}),
        "app_item_id": json_garbage,
        "title": json_garbage,
        "revision": json_garbage | st.integers(0, 9),
        "created_on": json_garbage | timestamps,
        "last_event_on": json_garbage | timestamps,
        "current_revision": json_garbage
        | st.fixed_dictionaries({"created_on": json_garbage | timestamps}),
        "tags": json_garbage,
        "fields": st.lists(field_entries, max_size=3) | json_garbage,
        "comments": json_garbage,
        "files": json_garbage,
        "comment_count": json_garbage,
    },
)


@FAST
@given(item_garbage)
def test_garbage_items_give_our_error(raw: Any) -> None:
    try:
        item = Item.from_api(raw)
    except MalformedValueError:
        return
    for fdef in item.fields:
        _exercise(fdef, item.value(fdef.field_id))


@FAST
@given(
    json_garbage
    | st.fixed_dictionaries({}, optional={"total": json_garbage, "items": json_garbage})
)
def test_garbage_pages_give_our_error(raw: Any) -> None:
    with contextlib.suppress(MalformedValueError):
        ItemPage.from_api(raw, 0)


workspace_garbage = json_garbage | st.dictionaries(
    st.sampled_from(
        [
            "app_id",
            "org_id",
            "space_id",
            "view_id",
            "id",
            "name",
            "config",
            "fields",
            "spaces",
            "sort_by",
            "sort_desc",
            "filters",
            "comment_id",
            "file_id",
            "task_id",
            "revision",
            "created_on",
            "created_by",
            "ref",
            "context",
            "due_on",
            "responsible",
            "from",
            "to",
            "type",
            "field_id",
        ]
    ),
    json_garbage | ids,
    max_size=8,
)


@FAST
@given(workspace_garbage)
def test_garbage_workspace_objects_give_our_error(raw: Any) -> None:
    for reader in (
        App.from_api,
        Org.from_api,
        View.from_api,
        Comment.from_api,
        FileInfo.from_api,
        Revision.from_api,
        RevisionDiff.from_api,
        Task.from_api,
    ):
        with contextlib.suppress(MalformedValueError):
            reader(raw)


@FAST
@given(st.dates(), st.none() | whole_seconds)
def test_date_user_text_round_trips_through_display(day: date, moment: time | None) -> None:
    fdef = _fdef("date")
    value = f.DateValue(day, moment)
    assert f.parse_user_text(fdef, f.display_text(fdef, value)) == value


@FAST
@given(exact)
def test_number_user_text_round_trips_through_display(number: Decimal) -> None:
    fdef = _fdef("number")
    value = f.NumberValue(number)
    assert f.parse_user_text(fdef, f.display_text(fdef, value)) == value


@FAST
@given(exact, st.sampled_from(["EUR", "USD", "DKK"]))
def test_money_user_text_round_trips_through_display(amount: Decimal, currency: str) -> None:
    fdef = _fdef("money")
    value = f.MoneyValue(amount.quantize(Decimal("0.01")), currency)
    assert f.parse_user_text(fdef, f.display_text(fdef, value)) == value


@FAST
@given(st.integers(0, 10**7))
def test_duration_user_text_round_trips_through_display(seconds: int) -> None:
    fdef = _fdef("duration")
    value = f.DurationValue(seconds)
    assert f.parse_user_text(fdef, f.display_text(fdef, value)) == value
