"""Podio field types: definitions, typed values and what each type does with them.

For every field type a codec (registered in `_CODECS`, looked up by `FieldDef.field_type`)
knows how to

* parse the GET `values` array into a typed value (`parse_values`),
* show it in a table cell (`display_text`),
* turn it back into JSON Podio accepts on create/update (`to_input`, SPEC §3.4/§4),
* check it against the field's config (`validate`),
* give the cache a sort key, search text and filter ids,
* parse what a person typed into an inline editor (`parse_user_text`).

Values are frozen dataclasses. Numbers and money are exact `Decimal`s, never floats.
An empty field is `EMPTY` whatever its type; `to_input(fdef, EMPTY)` is `[]`, which clears
the field on update.

Fields Podio computes (calculation), separators and fields of a type we do not know are
read-only: `to_input` raises `ReadOnlyFieldError` for the first two; for an unknown type it
returns the raw GET values verbatim (useful to copy an item), but `ItemChange` never puts a
read-only field into an update body, and since PUT only touches the fields it names, Podio
keeps their content untouched. They are never dropped: `Item.raw` and `RawValue` keep the JSON.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from typing import Any, ClassVar, TypeAlias

from podio_desk.domain._json import (
    as_decimal,
    as_int,
    as_list,
    as_mapping,
    check_decimal,
    fail,
    is_int,
    opt_bool,
    opt_int,
    opt_str,
    short,
    str_or,
    str_tuple,
)
from podio_desk.domain.errors import DomainError, MalformedValueError, ReadOnlyFieldError

# ---------------------------------------------------------------------------- field types


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    PROGRESS = "progress"
    DURATION = "duration"
    CALCULATION = "calculation"
    DATE = "date"
    CATEGORY = "category"
    APP = "app"
    CONTACT = "contact"
    IMAGE = "image"
    FILE = "file"
    EMBED = "embed"
    LOCATION = "location"
    EMAIL = "email"
    PHONE = "phone"
    # SPEC §4 [CONFLICT]: today's docs call the phone field "tel", recorded items say "phone".
    # Both are handled by the phone codec; the type string of the field is kept as received.
    TEL = "tel"
    SEPARATOR = "separator"


_READ_ONLY_TYPES = frozenset({FieldType.CALCULATION, FieldType.SEPARATOR})


@dataclass(frozen=True)
class FieldDef:
    """One field of an app, as in GET /app/{id} `fields[]` or an item's `fields[]` entry.

    `type` is the type string exactly as Podio sent it (unknown types are kept as-is);
    `field_type` is the enum member, or None for a type this version does not know.
    `config` is the raw config object; `settings` is `config.settings` (empty when null).
    """

    field_id: int
    external_id: str
    type: str
    label: str
    status: str = "active"
    required: bool = False
    settings: Mapping[str, Any] = field(default_factory=dict, hash=False)
    config: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def from_api(cls, json: object) -> FieldDef:
        where = "Field definition"
        entry = as_mapping(json, where, "field definition")
        label_guess = entry.get("label")
        if isinstance(label_guess, str):
            where = f'Field "{label_guess}"'
        if "field_id" not in entry:
            fail(where, '"field_id" is missing')
        field_id = as_int(entry.get("field_id"), where, '"field_id"')
        if isinstance(label_guess, str):
            where = f'Field "{label_guess}" ({field_id})'
        else:
            where = f"Field {field_id}"
        type_name = opt_str(entry, "type", where)
        if not type_name:
            fail(where, 'the field "type" is missing')
        raw_config = entry.get("config")
        config = {} if raw_config is None else as_mapping(raw_config, where, "config")
        label = opt_str(entry, "label", where)
        if label is None:
            label = str_or(config, "label", where, default=str(field_id))
        raw_settings = config.get("settings")
        settings = {} if raw_settings is None else as_mapping(raw_settings, where, "settings")
        required = opt_bool(config, "required", where) or False
        return cls(
            field_id=field_id,
            external_id=str_or(entry, "external_id", where),
            type=type_name,
            label=label,
            # Field entries inside filter results carry no status; they are live fields.
            status=str_or(entry, "status", where, default="active"),
            required=required,
            settings=dict(settings),
            config=dict(config),
        )

    @property
    def field_type(self) -> FieldType | None:
        try:
            return FieldType(self.type)
        except ValueError:
            return None

    @property
    def is_read_only(self) -> bool:
        kind = self.field_type
        return kind is None or kind in _READ_ONLY_TYPES

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def description(self) -> str:
        """The help text under the field in Podio (`config.description`), or ""."""
        text = self.config.get("description")
        return text if isinstance(text, str) else ""

    @property
    def delta(self) -> int:
        """The field's position in the app (`config.delta`); unknown positions sort last."""
        position = self.config.get("delta")
        return position if is_int(position) else 1_000_000

    @property
    def is_hidden(self) -> bool:
        """Hidden in Podio's item view (`config.hidden`) — shown on demand, not dropped."""
        return self.config.get("hidden") is True

    @property
    def where(self) -> str:
        """How error messages name this field."""
        return f'Field "{self.label}"'


# ---------------------------------------------------------------------------- values


class TextFormat(StrEnum):
    PLAIN = "plain"
    HTML = "html"
    MARKDOWN = "markdown"


@dataclass(frozen=True)
class EmptyValue:
    """A field without a value (Podio leaves such fields out of an item's `fields`)."""


EMPTY = EmptyValue()


@dataclass(frozen=True)
class TextValue:
    text: str
    format: TextFormat = TextFormat.PLAIN

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise MalformedValueError(f"Text must be a str, got {short(self.text)}")

    @property
    def is_html(self) -> bool:
        return self.format is TextFormat.HTML

    @property
    def is_markdown(self) -> bool:
        return self.format is TextFormat.MARKDOWN


def _checked_decimal(number: object, what: str) -> Decimal:
    if not isinstance(number, Decimal):
        raise MalformedValueError(f"{what} must be a Decimal, got {short(number)}")
    return check_decimal(number, what, number)


@dataclass(frozen=True)
class NumberValue:
    value: Decimal

    def __post_init__(self) -> None:
        _checked_decimal(self.value, "Number")


@dataclass(frozen=True)
class MoneyValue:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        _checked_decimal(self.amount, "Money amount")


@dataclass(frozen=True)
class ProgressValue:
    percent: int


@dataclass(frozen=True)
class DurationValue:
    seconds: int


@dataclass(frozen=True)
class DateValue:
    """A date field value in the user's local time, plus Podio's UTC variant when known.

    `start_time is None` means an all-day date. `start_utc`/`end_utc` are what Podio sent
    as `start_utc`/`end_utc` for timed values (None for all-day values or values we built);
    they are informative only — what we send back is the local form.
    """

    start_date: date
    start_time: time | None = None
    end_date: date | None = None
    end_time: time | None = None
    start_utc: datetime | None = field(default=None, compare=False)
    end_utc: datetime | None = field(default=None, compare=False)

    @property
    def has_time(self) -> bool:
        return self.start_time is not None

    @property
    def has_end(self) -> bool:
        return self.end_date is not None

    @property
    def start(self) -> datetime:
        """Naive local start (midnight for all-day values)."""
        return datetime.combine(self.start_date, self.start_time or time())

    @property
    def end(self) -> datetime | None:
        if self.end_date is None:
            return None
        return datetime.combine(self.end_date, self.end_time or self.start_time or time())


@dataclass(frozen=True)
class CategoryOption:
    id: int
    text: str
    color: str | None = None
    status: str = "active"


@dataclass(frozen=True)
class CategoryValue:
    options: tuple[CategoryOption, ...]

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(option.id for option in self.options)


@dataclass(frozen=True)
class RelatedItem:
    """An item referenced by an app (relationship) field; only `item_id` is sent back."""

    item_id: int
    title: str = field(default="", compare=False)
    app_id: int | None = field(default=None, compare=False)
    app_item_id: int | None = field(default=None, compare=False)
    app_name: str | None = field(default=None, compare=False)
    link: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class RelationshipValue:
    items: tuple[RelatedItem, ...]

    @property
    def item_ids(self) -> tuple[int, ...]:
        return tuple(item.item_id for item in self.items)


@dataclass(frozen=True)
class ContactRef:
    """A contact (user or space contact); only `profile_id` is sent back."""

    profile_id: int
    name: str = field(default="", compare=False)
    type: str | None = field(default=None, compare=False)
    user_id: int | None = field(default=None, compare=False)
    mails: tuple[str, ...] = field(default=(), compare=False)
    phones: tuple[str, ...] = field(default=(), compare=False)
    link: str | None = field(default=None, compare=False)
    avatar_file_id: int | None = field(default=None, compare=False)
    org_id: int | None = field(default=None, compare=False)
    space_id: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ContactValue:
    contacts: tuple[ContactRef, ...]

    @property
    def profile_ids(self) -> tuple[int, ...]:
        return tuple(contact.profile_id for contact in self.contacts)


@dataclass(frozen=True)
class FileRef:
    """An uploaded file (image field, file field, embed thumbnail); only `file_id` is sent."""

    file_id: int
    name: str = field(default="", compare=False)
    mimetype: str | None = field(default=None, compare=False)
    size: int | None = field(default=None, compare=False)
    link: str | None = field(default=None, compare=False)
    thumbnail_link: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class FileListValue:
    """The value of an image or file field."""

    files: tuple[FileRef, ...]

    @property
    def file_ids(self) -> tuple[int, ...]:
        return tuple(item.file_id for item in self.files)


@dataclass(frozen=True)
class EmbedRef:
    """A link created with POST /embed/; only `embed_id` (and the thumbnail file id) is sent."""

    embed_id: int
    url: str = field(default="", compare=False)
    title: str | None = field(default=None, compare=False)
    description: str | None = field(default=None, compare=False)
    original_url: str | None = field(default=None, compare=False)
    resolved_url: str | None = field(default=None, compare=False)
    hostname: str | None = field(default=None, compare=False)
    type: str | None = field(default=None, compare=False)
    file: FileRef | None = None


@dataclass(frozen=True)
class EmbedValue:
    embeds: tuple[EmbedRef, ...]


@dataclass(frozen=True)
class Place:
    """One location value. `value` is the address as typed; the rest is Podio's geocoding."""

    value: str | None = None
    formatted: str | None = None
    street_number: str | None = None
    street_name: str | None = None
    street_address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    lat: Decimal | None = None
    lng: Decimal | None = None
    map_in_sync: bool | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        if self.formatted:
            return self.formatted
        if self.value:
            return self.value
        parts = [
            self.street_address or " ".join(p for p in (self.street_name, self.street_number) if p),
            " ".join(p for p in (self.postal_code, self.city) if p),
            self.state,
            self.country,
        ]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class LocationValue:
    places: tuple[Place, ...]


@dataclass(frozen=True)
class TypedEntry:
    """One e-mail address or phone number with its kind ("work", "home", "mobile", …)."""

    type: str
    value: str


@dataclass(frozen=True)
class EmailValue:
    entries: tuple[TypedEntry, ...]


@dataclass(frozen=True)
class PhoneValue:
    entries: tuple[TypedEntry, ...]


@dataclass(frozen=True)
class CalculationValue:
    """A computed value: a number, a date, or text, per `settings.return_type`."""

    number: Decimal | None = None
    date: DateValue | None = None
    text: str | None = None


@dataclass(frozen=True)
class RawValue:
    """Values we cannot interpret, kept verbatim (unknown field type, or unreadable JSON).

    `problem` says why a value of a known type was not understood; such a value is shown
    read-only and never sent back.
    """

    values: tuple[Any, ...]
    problem: str | None = None


FieldValue: TypeAlias = (
    EmptyValue
    | TextValue
    | NumberValue
    | MoneyValue
    | ProgressValue
    | DurationValue
    | DateValue
    | CategoryValue
    | RelationshipValue
    | ContactValue
    | FileListValue
    | EmbedValue
    | LocationValue
    | EmailValue
    | PhoneValue
    | CalculationValue
    | RawValue
)

SortKey: TypeAlias = str | int | Decimal | None


@dataclass(frozen=True)
class ValidationIssue:
    field_id: int
    field_label: str
    message: str

    def __str__(self) -> str:
        return self.message


# ---------------------------------------------------------------------------- helpers

_BLOCK_TAG = re.compile(
    r"</?(?:p|br|div|li|ul|ol|h[1-6]|blockquote|tr|td|th|table|hr|pre)\b[^>]*>", re.IGNORECASE
)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")


def strip_html(text: str) -> str:
    """Text content of a Podio HTML value: tags removed, entities decoded, spaces collapsed.

    Block tags (paragraphs, line breaks, list items, headings) separate words; inline tags
    (bold, links, ...) do not, so "<b>filled</b>." stays "filled." rather than "filled .".
    """
    separated = _BLOCK_TAG.sub(" ", text)
    return _SPACES.sub(" ", html.unescape(_TAG.sub("", separated))).strip()


def _decimal_places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def format_decimal(number: Decimal, decimals: int | None = None) -> str:
    """1234.5 -> "1,234.5"; with `decimals` rounded half-up to that many places."""
    with localcontext() as ctx:
        ctx.prec = 120
        if decimals is not None:
            number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
            return f"{number:,.{decimals}f}"
        places = _decimal_places(number)
        return f"{number:,.{places}f}"


def plain_decimal(number: Decimal) -> str:
    """A decimal as Podio accepts it in input: no exponent, no thousands separators."""
    with localcontext() as ctx:
        ctx.prec = 120
        return f"{number:f}"


CURRENCY_SYMBOLS: Mapping[str, str] = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


def _settings_int(fdef: FieldDef, key: str) -> int | None:
    value = fdef.settings.get(key)
    if value is None:
        return None
    if not is_int(value) or not 0 <= value <= 20:
        fail(fdef.where, f'the setting "{key}" should be a small whole number, got {short(value)}')
    return int(value)


def _settings_str(fdef: FieldDef, key: str) -> str | None:
    return opt_str(fdef.settings, key, fdef.where)


def _settings_strs(fdef: FieldDef, key: str) -> tuple[str, ...]:
    return str_tuple(fdef.settings, key, fdef.where)


def _settings_multiple(fdef: FieldDef) -> bool:
    return opt_bool(fdef.settings, "multiple", fdef.where) or False


def _elements(fdef: FieldDef, values: list[Any]) -> list[Mapping[str, Any]]:
    return [as_mapping(element, fdef.where, "value entry") for element in values]


def _only(fdef: FieldDef, elements: list[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The one value of a single-valued field; more would be lost on save, so refuse them."""
    if len(elements) > 1:
        fail(fdef.where, f"holds {len(elements)} values where a {fdef.type} field holds one")
    return elements[0]


def _sub_value(fdef: FieldDef, element: Mapping[str, Any]) -> Any:
    if "value" not in element:
        fail(fdef.where, f'a value entry has no "value": {short(element)}')
    return element["value"]


# ---------------------------------------------------------------------------- codecs


class _Codec:
    """What one field type does. Subclasses override what differs."""

    kind_name: ClassVar[str] = "field"
    value_class: ClassVar[type] = EmptyValue
    read_only: ClassVar[bool] = False

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        raise NotImplementedError

    def display(self, fdef: FieldDef, value: Any) -> str:
        raise NotImplementedError

    def to_input(self, fdef: FieldDef, value: Any) -> Any:
        raise ReadOnlyFieldError(f"{fdef.where} is computed by Podio and cannot be written")

    def validate(self, fdef: FieldDef, value: Any) -> list[str]:
        return []

    def sort_key(self, fdef: FieldDef, value: Any) -> SortKey:
        return self.display(fdef, value).casefold() or None

    def search_text(self, fdef: FieldDef, value: Any) -> str:
        return self.display(fdef, value)

    def filter_keys(self, fdef: FieldDef, value: Any) -> list[int | str]:
        return []

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        raise MalformedValueError(
            f"{fdef.where}: a {self.kind_name} field cannot be typed in; use its editor"
        )


class _TextCodec(_Codec):
    kind_name = "text"
    value_class = TextValue

    def _format(self, fdef: FieldDef) -> TextFormat:
        name = _settings_str(fdef, "format")
        try:
            return TextFormat(name or "plain")
        except ValueError:
            return TextFormat.PLAIN

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        texts = []
        for element in _elements(fdef, values):
            content = _sub_value(fdef, element)
            if not isinstance(content, str):
                fail(fdef.where, f"a text value should be text, got {short(content)}")
            texts.append(content)
        if not texts:
            return EMPTY
        # Podio holds one text per text field; should several come, keep them all.
        return TextValue("\n".join(texts), self._format(fdef))

    def display(self, fdef: FieldDef, value: TextValue) -> str:
        if value.is_html:
            return strip_html(value.text)
        return _SPACES.sub(" ", value.text).strip()

    def to_input(self, fdef: FieldDef, value: TextValue) -> Any:
        return value.text

    def search_text(self, fdef: FieldDef, value: TextValue) -> str:
        return strip_html(value.text) if value.is_html else value.text

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        return TextValue(text, self._format(fdef))


_NUMBER_TEXT = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?$")


def _parse_number_text(fdef: FieldDef, text: str, example: str = "1,234.5") -> Decimal:
    cleaned = text.strip()
    if not cleaned or not _NUMBER_TEXT.match(cleaned) or not any(c.isdigit() for c in cleaned):
        fail(
            fdef.where,
            f'"{text}" is not a number. Use "." for decimals and, if you like, "," between '
            f"thousands, e.g. {example}",
        )
    return as_decimal(cleaned.replace(",", ""), fdef.where)


class _NumberCodec(_Codec):
    kind_name = "number"
    value_class = NumberValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        elements = _elements(fdef, values)
        if not elements:
            return EMPTY
        return NumberValue(as_decimal(_sub_value(fdef, _only(fdef, elements)), fdef.where))

    def display(self, fdef: FieldDef, value: NumberValue) -> str:
        return format_decimal(value.value, _settings_int(fdef, "decimals"))

    def to_input(self, fdef: FieldDef, value: NumberValue) -> Any:
        # A numeric string keeps every digit; Podio accepts it (SPEC §4).
        return plain_decimal(value.value)

    def validate(self, fdef: FieldDef, value: NumberValue) -> list[str]:
        decimals = _settings_int(fdef, "decimals")
        if decimals is not None and _decimal_places(value.value) > decimals:
            if decimals == 0:
                return [f'"{fdef.label}" takes whole numbers only']
            return [f'"{fdef.label}" allows at most {decimals} decimal places']
        return []

    def sort_key(self, fdef: FieldDef, value: NumberValue) -> SortKey:
        return value.value

    def search_text(self, fdef: FieldDef, value: NumberValue) -> str:
        return plain_decimal(value.value)

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        return NumberValue(_parse_number_text(fdef, text))


_MONEY_TEXT = re.compile(
    r"^\s*([+-]?)\s*([A-Za-z]{3}|[€$£¥])?\s*([^A-Za-z€$£¥]*?)\s*([A-Za-z]{3})?\s*$"
)


class _MoneyCodec(_Codec):
    kind_name = "money"
    value_class = MoneyValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        elements = _elements(fdef, values)
        if not elements:
            return EMPTY
        element = _only(fdef, elements)
        currency = opt_str(element, "currency", fdef.where)
        if not currency:
            fail(fdef.where, f"a money value has no currency: {short(element)}")
        return MoneyValue(as_decimal(_sub_value(fdef, element), fdef.where, "amount"), currency)

    def display(self, fdef: FieldDef, value: MoneyValue) -> str:
        amount = format_decimal(abs(value.amount), 2)
        sign = "-" if value.amount < 0 else ""
        symbol = CURRENCY_SYMBOLS.get(value.currency)
        if symbol:
            return f"{sign}{symbol}{amount}"
        return f"{sign}{amount} {value.currency}"

    def to_input(self, fdef: FieldDef, value: MoneyValue) -> Any:
        return {"value": plain_decimal(value.amount), "currency": value.currency}

    def validate(self, fdef: FieldDef, value: MoneyValue) -> list[str]:
        issues = []
        allowed = _settings_strs(fdef, "allowed_currencies")
        if allowed and value.currency not in allowed:
            issues.append(
                f'"{fdef.label}" accepts {", ".join(allowed)}, '
                f"not {value.currency or 'no currency'}"
            )
        elif not re.fullmatch(r"[A-Z]{3}", value.currency):
            issues.append(f'"{fdef.label}": "{value.currency}" is not a currency code like EUR')
        # Podio keeps money to 4 places (recorded values like "541.9870"); more would be cut.
        if _decimal_places(value.amount) > 4:
            issues.append(f'"{fdef.label}" allows at most 4 decimal places')
        return issues

    def sort_key(self, fdef: FieldDef, value: MoneyValue) -> SortKey:
        # Sorted by amount alone: Podio has no exchange rates, nor do we.
        return value.amount

    def search_text(self, fdef: FieldDef, value: MoneyValue) -> str:
        return f"{plain_decimal(value.amount)} {value.currency}"

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        match = _MONEY_TEXT.match(text)
        allowed = _settings_strs(fdef, "allowed_currencies")
        example = f"12.30 {allowed[0] if allowed else 'EUR'}"
        if not match or (match.group(2) and match.group(4)):
            fail(fdef.where, f'"{text}" is not an amount of money; write e.g. {example}')
        sign, prefix, number, suffix = match.groups()
        if sign and number.lstrip()[:1] in ("+", "-"):
            fail(fdef.where, f'"{text}" is not an amount of money; write e.g. {example}')
        currency = suffix or prefix
        if currency and len(currency) == 1:
            currency = next(code for code, sym in CURRENCY_SYMBOLS.items() if sym == currency)
        if not currency:
            if len(allowed) != 1:
                fail(fdef.where, f'"{text}" has no currency; write e.g. {example}')
            currency = allowed[0]
        amount = _parse_number_text(fdef, sign + number, example)
        return MoneyValue(amount, currency.upper())


class _ProgressCodec(_Codec):
    kind_name = "progress"
    value_class = ProgressValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        elements = _elements(fdef, values)
        if not elements:
            return EMPTY
        raw = _sub_value(fdef, _only(fdef, elements))
        number = as_decimal(raw, fdef.where, "progress")
        if number != number.to_integral_value():
            fail(fdef.where, f"progress should be a whole percentage, got {short(raw)}")
        return ProgressValue(int(number))

    def display(self, fdef: FieldDef, value: ProgressValue) -> str:
        return f"{value.percent}%"

    def to_input(self, fdef: FieldDef, value: ProgressValue) -> Any:
        return value.percent

    def validate(self, fdef: FieldDef, value: ProgressValue) -> list[str]:
        if not 0 <= value.percent <= 100:
            return [f'"{fdef.label}" must be between 0 and 100 %, not {value.percent}']
        return []

    def sort_key(self, fdef: FieldDef, value: ProgressValue) -> SortKey:
        return value.percent

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        match = re.fullmatch(r"\s*(\d{1,3})\s*%?\s*", text)
        if not match or int(match.group(1)) > 100:
            fail(fdef.where, f'"{text}" is not a percentage from 0 to 100, e.g. 42 or 42%')
        return ProgressValue(int(match.group(1)))


_DURATION_UNITS: tuple[tuple[str, str, int], ...] = (
    ("days", "d", 86400),
    ("hours", "h", 3600),
    ("minutes", "m", 60),
    ("seconds", "s", 1),
)
_DURATION_PART = re.compile(r"(\d+)\s*([dhms])", re.IGNORECASE)


class _DurationCodec(_Codec):
    kind_name = "duration"
    value_class = DurationValue

    def _units(self, fdef: FieldDef) -> list[tuple[str, str, int]]:
        enabled = set(_settings_strs(fdef, "fields"))
        units = [unit for unit in _DURATION_UNITS if unit[0] in enabled]
        return units or list(_DURATION_UNITS)

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        elements = _elements(fdef, values)
        if not elements:
            return EMPTY
        raw = _sub_value(fdef, _only(fdef, elements))
        number = as_decimal(raw, fdef.where, "duration")
        if number != number.to_integral_value():
            fail(fdef.where, f"a duration should be whole seconds, got {short(raw)}")
        return DurationValue(int(number))

    def display(self, fdef: FieldDef, value: DurationValue) -> str:
        units = self._units(fdef)
        smallest = units[-1][2]
        # Round to the smallest unit shown first, so 59.5 minutes never reads "60m".
        remaining = (abs(value.seconds) + smallest // 2) // smallest * smallest
        parts = []
        for _, suffix, size in units:
            count, remaining = divmod(remaining, size)
            if count:
                parts.append(f"{count}{suffix}")
        text = " ".join(parts) or f"0{units[-1][1]}"
        return f"-{text}" if value.seconds < 0 else text

    def to_input(self, fdef: FieldDef, value: DurationValue) -> Any:
        return value.seconds

    def validate(self, fdef: FieldDef, value: DurationValue) -> list[str]:
        if value.seconds < 0:
            return [f'"{fdef.label}" cannot be negative']
        smallest = self._units(fdef)[-1]
        if value.seconds % smallest[2]:
            return [f'"{fdef.label}" counts in whole {smallest[0]}']
        return []

    def sort_key(self, fdef: FieldDef, value: DurationValue) -> SortKey:
        return value.seconds

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        cleaned = text.strip()
        clock = re.fullmatch(r"(\d+):([0-5]\d)(?::([0-5]\d))?", cleaned)
        if clock:
            hours, minutes, seconds = clock.groups()
            return DurationValue(int(hours) * 3600 + int(minutes) * 60 + int(seconds or 0))
        if cleaned and _DURATION_PART.sub("", cleaned).strip() == "":
            total = 0
            for count, unit in _DURATION_PART.findall(cleaned):
                size = next(s for _, suffix, s in _DURATION_UNITS if suffix == unit.lower())
                total += int(count) * size
            return DurationValue(total)
        raise MalformedValueError(
            f'{fdef.where}: "{text}" is not a duration; '
            'write e.g. "1d 2h 3m 4s", "90m" or "2:03:04"'
        )


_DATE_TEXT = r"(\d{4}-\d{2}-\d{2})"
_TIME_TEXT = r"(\d{1,2}:\d{2}(?::\d{2})?)"
EN_DASH = "\u2013"
_RANGE_SEPARATOR = re.compile(r"\s+(?:-|\u2013|\u2014|to)\s+|\s*[\u2013\u2014]\s*")


def _date_from(fdef: FieldDef, text: object, what: str) -> date:
    if not isinstance(text, str):
        fail(fdef.where, f"the {what} should be a date text, got {short(text)}")
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        fail(fdef.where, f'the {what} "{text}" is not a date of the form YYYY-MM-DD')


def _time_from(fdef: FieldDef, text: object, what: str) -> time:
    if not isinstance(text, str):
        fail(fdef.where, f"the {what} should be a time text, got {short(text)}")
    pieces = text.strip().split(":")
    if all(piece.isdigit() and len(piece) <= 2 for piece in pieces):
        text = ":".join(piece.zfill(2) for piece in pieces)  # "9:00" as "09:00"
    try:
        moment = time.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is not None:
        fail(fdef.where, f'the {what} "{text}" is not a time of the form HH:MM:SS')
    return moment


def _datetime_from(fdef: FieldDef, text: object, what: str) -> datetime:
    if not isinstance(text, str):
        fail(fdef.where, f"the {what} should be a date and time, got {short(text)}")
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        fail(fdef.where, f'the {what} "{text}" is not of the form YYYY-MM-DD HH:MM:SS')


def _date_part(
    fdef: FieldDef, element: Mapping[str, Any], prefix: str
) -> tuple[date | None, time | None, datetime | None]:
    """Read `start*` or `end*` keys: local date, local time (None = all day), UTC moment."""
    local_date: date | None = None
    local_time: time | None = None
    day_text = element.get(f"{prefix}_date")
    combined = element.get(prefix)
    moment = None if combined is None else _datetime_from(fdef, combined, prefix)
    if day_text is not None:
        local_date = _date_from(fdef, day_text, f"{prefix}_date")
    elif moment is not None:
        local_date = moment.date()
    if f"{prefix}_time" in element:
        time_text = element[f"{prefix}_time"]
        local_time = None if time_text is None else _time_from(fdef, time_text, f"{prefix}_time")
    elif moment is not None and moment.time() != time():
        # Without `{prefix}_time`, Podio's "YYYY-MM-DD 00:00:00" is ambiguous: we read
        # midnight as "all day", which is how Podio renders date-only values (SPEC §4).
        local_time = moment.time()
    utc_moment: datetime | None = None
    utc_text = element.get(f"{prefix}_utc")
    if isinstance(utc_text, str) and len(utc_text.strip()) > 10:
        utc_moment = _datetime_from(fdef, utc_text, f"{prefix}_utc").replace(tzinfo=UTC)
    elif utc_text is not None and not isinstance(utc_text, str):
        fail(fdef.where, f'"{prefix}_utc" should be text, got {short(utc_text)}')
    elif element.get(f"{prefix}_date_utc") is not None and element.get(f"{prefix}_time_utc"):
        day = _date_from(fdef, element[f"{prefix}_date_utc"], f"{prefix}_date_utc")
        moment_time = _time_from(fdef, element[f"{prefix}_time_utc"], f"{prefix}_time_utc")
        utc_moment = datetime.combine(day, moment_time, tzinfo=UTC)
    if local_date is None and utc_moment is not None:
        fail(fdef.where, f"the date has only a UTC {prefix}, no local {prefix}")
    return local_date, local_time if local_date else None, utc_moment if local_time else None


def _parse_date_element(fdef: FieldDef, element: Mapping[str, Any]) -> DateValue:
    start_date, start_time, start_utc = _date_part(fdef, element, "start")
    if start_date is None:
        fail(fdef.where, f"a date value has no start: {short(element)}")
    end_date, end_time, end_utc = _date_part(fdef, element, "end")
    return DateValue(start_date, start_time, end_date, end_time, start_utc, end_utc)


def _time_text(moment: time) -> str:
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")


def _date_display(value: DateValue) -> str:
    start = value.start_date.isoformat()
    if value.start_time is not None:
        start += " " + _time_text(value.start_time)
    if value.end_date is None:
        return start
    if value.end_date == value.start_date and value.end_time is not None:
        end = _time_text(value.end_time)
    else:
        end = value.end_date.isoformat()
        if value.end_time is not None:
            end += " " + _time_text(value.end_time)
    if end == start:
        return start
    return f"{start} {EN_DASH} {end}"


def _date_sort_key(value: DateValue) -> str:
    return value.start.strftime("%Y-%m-%d %H:%M:%S")


class _DateCodec(_Codec):
    kind_name = "date"
    value_class = DateValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        elements = _elements(fdef, values)
        if not elements:
            return EMPTY
        return _parse_date_element(fdef, _only(fdef, elements))

    def display(self, fdef: FieldDef, value: DateValue) -> str:
        return _date_display(value)

    def to_input(self, fdef: FieldDef, value: DateValue) -> Any:
        # The local form, as Podio reads it in the user's own time zone — the zone its
        # local values came in — so a value read and written back stays the same.
        body: dict[str, Any] = {"start_date": value.start_date.isoformat()}
        if value.start_time is not None:
            body["start_time"] = value.start_time.strftime("%H:%M:%S")
        if value.end_date is not None:
            body["end_date"] = value.end_date.isoformat()
            if value.end_time is not None:
                body["end_time"] = value.end_time.strftime("%H:%M:%S")
        return body

    def validate(self, fdef: FieldDef, value: DateValue) -> list[str]:
        issues = []
        end_mode = _settings_str(fdef, "end") or "enabled"
        time_mode = _settings_str(fdef, "time") or "enabled"
        if end_mode == "disabled" and value.end_date is not None:
            issues.append(f'"{fdef.label}" has no end date; remove the end')
        if end_mode == "required" and value.end_date is None:
            issues.append(f'"{fdef.label}" needs an end date')
        if time_mode == "disabled" and (value.start_time or value.end_time):
            issues.append(f'"{fdef.label}" takes a date without a time')
        if time_mode == "required" and value.start_time is None:
            issues.append(f'"{fdef.label}" needs a time')
        if (
            time_mode == "required"
            and value.end_date is not None
            and value.end_time is None
            and value.start_time is not None
        ):
            issues.append(f'"{fdef.label}" needs an end time')
        if value.end_date is not None and value.end_time is not None and value.start_time is None:
            issues.append(f'"{fdef.label}" has an end time but no start time')
        end = value.end
        if end is not None and end < value.start:
            issues.append(f'"{fdef.label}" ends before it starts')
        return issues

    def sort_key(self, fdef: FieldDef, value: DateValue) -> SortKey:
        return _date_sort_key(value)

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        cleaned = text.strip()
        pieces = _RANGE_SEPARATOR.split(cleaned, maxsplit=1)
        example = f'"2026-11-22", "2026-11-22 14:00" or "2026-11-22 14:00 {EN_DASH} 16:00"'
        start = re.fullmatch(rf"{_DATE_TEXT}(?:[ T]{_TIME_TEXT})?", pieces[0])
        if not start:
            fail(fdef.where, f'"{text}" is not a date; write e.g. {example}')
        start_date = _date_from(fdef, start.group(1), "date")
        start_time = _time_from(fdef, start.group(2), "time") if start.group(2) else None
        end_date: date | None = None
        end_time: time | None = None
        if len(pieces) == 2:
            end = re.fullmatch(rf"{_DATE_TEXT}(?:[ T]{_TIME_TEXT})?|{_TIME_TEXT}", pieces[1])
            if not end:
                fail(fdef.where, f'the end of "{text}" is not a date or time; write e.g. {example}')
            if end.group(3):
                end_date = start_date
                end_time = _time_from(fdef, end.group(3), "end time")
            else:
                end_date = _date_from(fdef, end.group(1), "end date")
                end_time = _time_from(fdef, end.group(2), "end time") if end.group(2) else None
        for piece in (start_time, end_time):
            if piece is not None and start_time is None:
                fail(fdef.where, f'"{text}" has an end time but no start time')
        return DateValue(start_date, start_time, end_date, end_time)


def _parse_option(fdef: FieldDef, raw: object) -> CategoryOption:
    option = as_mapping(raw, fdef.where, "category option")
    if "id" not in option:
        fail(fdef.where, f'a category option has no "id": {short(option)}')
    return CategoryOption(
        id=as_int(option["id"], fdef.where, "a category option id"),
        text=str_or(option, "text", fdef.where),
        color=opt_str(option, "color", fdef.where),
        status=str_or(option, "status", fdef.where, default="active"),
    )


def category_options(fdef: FieldDef) -> tuple[CategoryOption, ...]:
    """The options a category field offers (`settings.options`), deleted ones included."""
    raw = fdef.settings.get("options")
    if raw is None:
        return ()
    return tuple(_parse_option(fdef, entry) for entry in as_list(raw, fdef.where, "options"))


class _CategoryCodec(_Codec):
    kind_name = "category"
    value_class = CategoryValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        options = []
        for element in _elements(fdef, values):
            content = _sub_value(fdef, element)
            if is_int(content):
                # An id without its option (hand-made JSON): fill in from the settings.
                known = {option.id: option for option in category_options(fdef)}
                options.append(known.get(content, CategoryOption(content, str(content))))
            else:
                options.append(_parse_option(fdef, content))
        return CategoryValue(tuple(options)) if options else EMPTY

    def display(self, fdef: FieldDef, value: CategoryValue) -> str:
        return ", ".join(option.text for option in value.options)

    def to_input(self, fdef: FieldDef, value: CategoryValue) -> Any:
        return list(value.ids)

    def validate(self, fdef: FieldDef, value: CategoryValue) -> list[str]:
        issues = []
        known = {option.id: option for option in category_options(fdef)}
        for option in value.options:
            current = known.get(option.id)
            name = option.text or str(option.id)
            if current is None:
                issues.append(f'"{fdef.label}" has no option "{name}"')
            elif current.status != "active":
                issues.append(f'"{fdef.label}": the option "{name}" is no longer available')
        if len(value.options) > 1 and not _settings_multiple(fdef):
            issues.append(f'"{fdef.label}" takes only one option')
        if len(set(value.ids)) != len(value.ids):
            issues.append(f'"{fdef.label}" lists an option twice')
        return issues

    def filter_keys(self, fdef: FieldDef, value: CategoryValue) -> list[int | str]:
        return list(value.ids)

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        options = [option for option in category_options(fdef) if option.status == "active"]
        by_text = {option.text.strip().casefold(): option for option in options}
        wanted = text.strip().casefold()
        if wanted in by_text:
            return CategoryValue((by_text[wanted],))
        chosen = []
        for piece in text.split(","):
            option = by_text.get(piece.strip().casefold())
            if option is None:
                choices = ", ".join(f'"{option.text}"' for option in options) or "none"
                fail(fdef.where, f'there is no option "{piece.strip()}"; the options are {choices}')
            chosen.append(option)
        if len(chosen) > 1 and not _settings_multiple(fdef):
            fail(fdef.where, f'"{text}" names several options but the field takes only one')
        return CategoryValue(tuple(chosen))


def _parse_file_ref(fdef: FieldDef, raw: object) -> FileRef:
    entry = as_mapping(raw, fdef.where, "file")
    where = fdef.where + " (file)"
    if "file_id" not in entry:
        fail(where, f'"file_id" is missing in {short(entry)}')
    return FileRef(
        file_id=as_int(entry["file_id"], where, '"file_id"'),
        name=str_or(entry, "name", where),
        mimetype=opt_str(entry, "mimetype", where),
        size=opt_int(entry, "size", where),
        link=opt_str(entry, "link", where),
        thumbnail_link=opt_str(entry, "thumbnail_link", where),
    )


def _id_or_object(fdef: FieldDef, content: object, key: str) -> Mapping[str, Any]:
    """Expanded objects come as dicts; hand-made JSON sometimes has just the id."""
    if is_int(content):
        return {key: content}
    return as_mapping(content, fdef.where)


class _RelationshipCodec(_Codec):
    kind_name = "relationship"
    value_class = RelationshipValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        items = []
        for element in _elements(fdef, values):
            entry = _id_or_object(fdef, _sub_value(fdef, element), "item_id")
            where = fdef.where + " (related item)"
            if "item_id" not in entry:
                fail(where, f'"item_id" is missing in {short(entry)}')
            app = entry.get("app")
            app_json = {} if app is None else as_mapping(app, where, "app")
            items.append(
                RelatedItem(
                    item_id=as_int(entry["item_id"], where, '"item_id"'),
                    title=str_or(entry, "title", where),
                    app_id=opt_int(app_json, "app_id", where),
                    app_item_id=opt_int(entry, "app_item_id", where),
                    app_name=opt_str(app_json, "name", where),
                    link=opt_str(entry, "link", where),
                )
            )
        return RelationshipValue(tuple(items)) if items else EMPTY

    def display(self, fdef: FieldDef, value: RelationshipValue) -> str:
        return ", ".join(item.title or f"#{item.item_id}" for item in value.items)

    def to_input(self, fdef: FieldDef, value: RelationshipValue) -> Any:
        return list(value.item_ids)

    def validate(self, fdef: FieldDef, value: RelationshipValue) -> list[str]:
        issues = []
        if len(value.items) > 1 and not _settings_multiple(fdef):
            issues.append(f'"{fdef.label}" links to one item only')
        allowed = referenced_app_ids(fdef)
        for item in value.items:
            if allowed and item.app_id is not None and item.app_id not in allowed:
                name = item.title or f"#{item.item_id}"
                issues.append(f'"{fdef.label}" cannot link to "{name}": its app is not allowed')
        return issues

    def filter_keys(self, fdef: FieldDef, value: RelationshipValue) -> list[int | str]:
        return list(value.item_ids)


def referenced_app_ids(fdef: FieldDef) -> tuple[int, ...]:
    """App ids a relationship field may point to (`settings.referenced_apps`)."""
    raw = fdef.settings.get("referenced_apps")
    ids: list[int] = []
    for entry in [] if raw is None else as_list(raw, fdef.where, "referenced_apps"):
        if is_int(entry):
            ids.append(entry)
            continue
        ref = as_mapping(entry, fdef.where, "referenced app")
        app_id = opt_int(ref, "app_id", fdef.where)
        if app_id is None and isinstance(ref.get("app"), Mapping):
            app_id = opt_int(ref["app"], "app_id", fdef.where)
        if app_id is not None:
            ids.append(app_id)
    return tuple(ids)


class _ContactCodec(_Codec):
    kind_name = "contact"
    value_class = ContactValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        contacts = []
        for element in _elements(fdef, values):
            entry = _id_or_object(fdef, _sub_value(fdef, element), "profile_id")
            where = fdef.where + " (contact)"
            if "profile_id" not in entry:
                fail(where, f'"profile_id" is missing in {short(entry)}')
            image = entry.get("image")
            avatar = None
            if isinstance(image, Mapping):
                avatar = opt_int(image, "file_id", where)
            contacts.append(
                ContactRef(
                    profile_id=as_int(entry["profile_id"], where, '"profile_id"'),
                    name=str_or(entry, "name", where),
                    type=opt_str(entry, "type", where),
                    user_id=opt_int(entry, "user_id", where),
                    mails=str_tuple(entry, "mail", where),
                    phones=str_tuple(entry, "phone", where),
                    link=opt_str(entry, "link", where),
                    avatar_file_id=avatar,
                    org_id=opt_int(entry, "org_id", where),
                    space_id=opt_int(entry, "space_id", where),
                )
            )
        return ContactValue(tuple(contacts)) if contacts else EMPTY

    def display(self, fdef: FieldDef, value: ContactValue) -> str:
        return ", ".join(contact.name or f"#{contact.profile_id}" for contact in value.contacts)

    def to_input(self, fdef: FieldDef, value: ContactValue) -> Any:
        return list(value.profile_ids)

    def validate(self, fdef: FieldDef, value: ContactValue) -> list[str]:
        valid_types = _settings_strs(fdef, "valid_types")
        issues = []
        for contact in value.contacts:
            if valid_types and contact.type is not None and contact.type not in valid_types:
                kinds = " or ".join(_CONTACT_KINDS.get(kind, kind) for kind in valid_types)
                issues.append(f'"{fdef.label}" takes {kinds}; "{contact.name}" is not one')
        return issues

    def search_text(self, fdef: FieldDef, value: ContactValue) -> str:
        return " ".join(
            " ".join((contact.name, *contact.mails, *contact.phones)).strip()
            for contact in value.contacts
        )

    def filter_keys(self, fdef: FieldDef, value: ContactValue) -> list[int | str]:
        return list(value.profile_ids)


_CONTACT_KINDS = {"user": "workspace members", "space": "workspace contacts"}


class _FileListCodec(_Codec):
    kind_name = "file"
    value_class = FileListValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        files = []
        for element in _elements(fdef, values):
            files.append(
                _parse_file_ref(fdef, _id_or_object(fdef, _sub_value(fdef, element), "file_id"))
            )
        return FileListValue(tuple(files)) if files else EMPTY

    def display(self, fdef: FieldDef, value: FileListValue) -> str:
        return ", ".join(item.name or f"#{item.file_id}" for item in value.files)

    def to_input(self, fdef: FieldDef, value: FileListValue) -> Any:
        return list(value.file_ids)

    def validate(self, fdef: FieldDef, value: FileListValue) -> list[str]:
        allowed = _settings_strs(fdef, "allowed_mimetypes")
        issues = []
        for item in value.files:
            if allowed and item.mimetype and not _mimetype_allowed(item.mimetype, allowed):
                issues.append(
                    f'"{fdef.label}" accepts {", ".join(allowed)}; '
                    f'"{item.name or item.file_id}" is {item.mimetype}'
                )
        return issues


class _ImageCodec(_FileListCodec):
    kind_name = "image"


def _mimetype_allowed(mimetype: str, allowed: tuple[str, ...]) -> bool:
    for pattern in allowed:
        if pattern == mimetype or (pattern.endswith("/*") and mimetype.startswith(pattern[:-1])):
            return True
    return False


class _EmbedCodec(_Codec):
    kind_name = "link"
    value_class = EmbedValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        embeds = []
        for element in _elements(fdef, values):
            raw_embed = element.get("embed")
            if raw_embed is None:
                raw_embed = element.get("value")
            where = fdef.where + " (link)"
            embed = _id_or_object(fdef, raw_embed, "embed_id")
            if "embed_id" not in embed:
                fail(where, f'"embed_id" is missing in {short(element)}')
            raw_file = element.get("file")
            file = (
                None
                if raw_file is None
                else _parse_file_ref(fdef, _id_or_object(fdef, raw_file, "file_id"))
            )
            embeds.append(
                EmbedRef(
                    embed_id=as_int(embed["embed_id"], where, '"embed_id"'),
                    url=str_or(embed, "url", where),
                    title=opt_str(embed, "title", where),
                    description=opt_str(embed, "description", where),
                    original_url=opt_str(embed, "original_url", where),
                    resolved_url=opt_str(embed, "resolved_url", where),
                    hostname=opt_str(embed, "hostname", where),
                    type=opt_str(embed, "type", where),
                    file=file,
                )
            )
        return EmbedValue(tuple(embeds)) if embeds else EMPTY

    def display(self, fdef: FieldDef, value: EmbedValue) -> str:
        return ", ".join(
            embed.title or embed.url or embed.original_url or f"#{embed.embed_id}"
            for embed in value.embeds
        )

    def to_input(self, fdef: FieldDef, value: EmbedValue) -> Any:
        body = []
        for embed in value.embeds:
            entry: dict[str, Any] = {"embed": embed.embed_id}
            if embed.file is not None:
                entry["file"] = embed.file.file_id
            body.append(entry)
        return body

    def validate(self, fdef: FieldDef, value: EmbedValue) -> list[str]:
        return []

    def sort_key(self, fdef: FieldDef, value: EmbedValue) -> SortKey:
        first = value.embeds[0] if value.embeds else None
        return (first.url or first.title or "").casefold() or None if first else None

    def search_text(self, fdef: FieldDef, value: EmbedValue) -> str:
        return " ".join(
            " ".join(p for p in (embed.title, embed.url, embed.description) if p)
            for embed in value.embeds
        )


_PLACE_TEXT_KEYS = (
    "value",
    "formatted",
    "street_number",
    "street_name",
    "street_address",
    "postal_code",
    "city",
    "state",
    "country",
)


def _coordinate(fdef: FieldDef, element: Mapping[str, Any], key: str) -> Decimal | None:
    raw = element.get(key)
    return None if raw is None else as_decimal(raw, fdef.where, f'"{key}"')


class _LocationCodec(_Codec):
    kind_name = "location"
    value_class = LocationValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        places = []
        for element in _elements(fdef, values):
            texts = {key: opt_str(element, key, fdef.where) for key in _PLACE_TEXT_KEYS}
            place = Place(
                **texts,
                lat=_coordinate(fdef, element, "lat"),
                lng=_coordinate(fdef, element, "lng"),
                map_in_sync=opt_bool(element, "map_in_sync", fdef.where),
            )
            places.append(place)
        return LocationValue(tuple(places)) if places else EMPTY

    def display(self, fdef: FieldDef, value: LocationValue) -> str:
        return "; ".join(place.text for place in value.places)

    def to_input(self, fdef: FieldDef, value: LocationValue) -> Any:
        body = []
        for place in value.places:
            entry: dict[str, Any] = {
                key: getattr(place, key)
                for key in _PLACE_TEXT_KEYS
                if getattr(place, key) is not None
            }
            # Coordinates are JSON numbers; a float keeps every digit Podio sent us.
            if place.lat is not None:
                entry["lat"] = float(place.lat)
            if place.lng is not None:
                entry["lng"] = float(place.lng)
            body.append(entry)
        return body

    def validate(self, fdef: FieldDef, value: LocationValue) -> list[str]:
        issues = []
        for place in value.places:
            if place.lat is not None and not -90 <= place.lat <= 90:
                issues.append(f'"{fdef.label}": latitude {place.lat} is not between -90 and 90')
            if place.lng is not None and not -180 <= place.lng <= 180:
                issues.append(f'"{fdef.label}": longitude {place.lng} is not between -180 and 180')
        return issues

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        return LocationValue((Place(value=text.strip()),))


def _parse_entries(fdef: FieldDef, values: list[Any]) -> tuple[TypedEntry, ...]:
    entries = []
    for element in _elements(fdef, values):
        content = _sub_value(fdef, element)
        if not isinstance(content, str):
            fail(fdef.where, f"an entry should be text, got {short(content)}")
        kind = opt_str(element, "type", fdef.where) or "other"
        entries.append(TypedEntry(kind, content))
    return tuple(entries)


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_PHONE_CHARS = re.compile(r"[0-9+()\-./ x#*]+", re.IGNORECASE)


class _TypedEntriesCodec(_Codec):
    max_length: ClassVar[int] = 0
    noun: ClassVar[str] = ""

    def _make(self, entries: tuple[TypedEntry, ...]) -> FieldValue:
        raise NotImplementedError

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        entries = _parse_entries(fdef, values)
        return self._make(entries) if entries else EMPTY

    def display(self, fdef: FieldDef, value: EmailValue | PhoneValue) -> str:
        return ", ".join(entry.value for entry in value.entries)

    def to_input(self, fdef: FieldDef, value: EmailValue | PhoneValue) -> Any:
        return [{"type": entry.type, "value": entry.value} for entry in value.entries]

    def _check_one(self, fdef: FieldDef, entry: TypedEntry) -> list[str]:
        return []

    def validate(self, fdef: FieldDef, value: EmailValue | PhoneValue) -> list[str]:
        possible = _settings_strs(fdef, "possible_types")
        issues = []
        for entry in value.entries:
            if not entry.value.strip():
                issues.append(f'"{fdef.label}" has an empty {self.noun}')
                continue
            if len(entry.value) > self.max_length:
                issues.append(
                    f'"{fdef.label}": "{entry.value[:40]}…" is longer than '
                    f"{self.max_length} characters"
                )
            if possible and entry.type not in possible:
                issues.append(f'"{fdef.label}": "{entry.type}" is not one of {", ".join(possible)}')
            issues.extend(self._check_one(fdef, entry))
        return issues

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        possible = _settings_strs(fdef, "possible_types")
        default_type = possible[0] if possible else self.default_type
        entries = []
        for piece in re.split(r"[;,\n]", text):
            piece = piece.strip()
            if not piece:
                continue
            kind, sep, rest = piece.partition(":")
            if sep and kind.strip().lower() in (possible or self.known_types):
                entries.append(TypedEntry(kind.strip().lower(), rest.strip()))
            else:
                entries.append(TypedEntry(default_type, piece))
        return self._make(tuple(entries)) if entries else EMPTY

    default_type: ClassVar[str] = "other"
    known_types: ClassVar[tuple[str, ...]] = ()


class _EmailCodec(_TypedEntriesCodec):
    kind_name = "e-mail"
    value_class = EmailValue
    max_length = 254
    noun = "address"
    default_type = "work"
    known_types = ("work", "home", "other")

    def _make(self, entries: tuple[TypedEntry, ...]) -> FieldValue:
        return EmailValue(entries)

    def _check_one(self, fdef: FieldDef, entry: TypedEntry) -> list[str]:
        if not _EMAIL.fullmatch(entry.value.strip()):
            return [f'"{fdef.label}": "{entry.value[:60]}" is not an e-mail address']
        return []


class _PhoneCodec(_TypedEntriesCodec):
    kind_name = "phone"
    value_class = PhoneValue
    max_length = 50
    noun = "phone number"
    default_type = "work"
    known_types = ("mobile", "work", "home", "main", "work_fax", "private_fax", "other")

    def _make(self, entries: tuple[TypedEntry, ...]) -> FieldValue:
        return PhoneValue(entries)

    def _check_one(self, fdef: FieldDef, entry: TypedEntry) -> list[str]:
        if not _PHONE_CHARS.fullmatch(entry.value.strip()):
            return [f'"{fdef.label}": "{entry.value[:50]}" is not a phone number']
        return []


class _CalculationCodec(_Codec):
    kind_name = "calculation"
    value_class = CalculationValue
    read_only = True

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        elements = _elements(fdef, values)
        if not elements:
            return EMPTY
        element = _only(fdef, elements)
        if "start" in element or "start_date" in element:
            return CalculationValue(date=_parse_date_element(fdef, element))
        content = _sub_value(fdef, element)
        return_type = _settings_str(fdef, "return_type")
        if isinstance(content, str) and return_type not in (None, "number"):
            return CalculationValue(text=content)
        if content is None:
            return EMPTY
        if isinstance(content, str):
            try:
                return CalculationValue(number=as_decimal(content, fdef.where))
            except MalformedValueError:
                return CalculationValue(text=content)
        return CalculationValue(number=as_decimal(content, fdef.where))

    def display(self, fdef: FieldDef, value: CalculationValue) -> str:
        if value.number is not None:
            text = format_decimal(value.number, _settings_int(fdef, "decimals"))
            unit = _settings_str(fdef, "unit")
            return f"{text} {unit}" if unit else text
        if value.date is not None:
            return _date_display(value.date)
        return strip_html(value.text or "")

    def sort_key(self, fdef: FieldDef, value: CalculationValue) -> SortKey:
        if value.number is not None:
            return value.number
        if value.date is not None:
            return _date_sort_key(value.date)
        return (value.text or "").casefold() or None


class _SeparatorCodec(_Codec):
    kind_name = "separator"
    read_only = True

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        return EMPTY

    def display(self, fdef: FieldDef, value: Any) -> str:
        return ""


_CODECS: Mapping[FieldType, _Codec] = {
    FieldType.TEXT: _TextCodec(),
    FieldType.NUMBER: _NumberCodec(),
    FieldType.MONEY: _MoneyCodec(),
    FieldType.PROGRESS: _ProgressCodec(),
    FieldType.DURATION: _DurationCodec(),
    FieldType.CALCULATION: _CalculationCodec(),
    FieldType.DATE: _DateCodec(),
    FieldType.CATEGORY: _CategoryCodec(),
    FieldType.APP: _RelationshipCodec(),
    FieldType.CONTACT: _ContactCodec(),
    FieldType.IMAGE: _ImageCodec(),
    FieldType.FILE: _FileListCodec(),
    FieldType.EMBED: _EmbedCodec(),
    FieldType.LOCATION: _LocationCodec(),
    FieldType.EMAIL: _EmailCodec(),
    FieldType.PHONE: _PhoneCodec(),
    FieldType.TEL: _PhoneCodec(),
    FieldType.SEPARATOR: _SeparatorCodec(),
}


def _codec(fdef: FieldDef) -> _Codec | None:
    kind = fdef.field_type
    return None if kind is None else _CODECS[kind]


def value_class_for(fdef: FieldDef) -> type | None:
    """The value class a field of this type holds (None for unknown types and separators)."""
    codec = _codec(fdef)
    if codec is None or codec.value_class is EmptyValue:
        return None
    return codec.value_class


# ---------------------------------------------------------------------------- public API


def _guarded(fdef: FieldDef, action: str, run: Callable[[], Any]) -> Any:
    """Turn any slip of a codec into a MalformedValueError naming the field."""
    try:
        return run()
    except DomainError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError, ArithmeticError, IndexError) as exc:
        raise MalformedValueError(
            f"{fdef.where}: could not {action} ({type(exc).__name__}: {exc})"
        ) from exc


def _check_value(fdef: FieldDef, codec: _Codec, value: object) -> None:
    if not isinstance(value, codec.value_class):
        raise MalformedValueError(
            f"{fdef.where} is a {codec.kind_name} field and cannot hold a {type(value).__name__}"
        )


def parse_values(fdef: FieldDef, values: object) -> FieldValue:
    """The typed value of a field from its GET `values` array ([] gives EMPTY).

    A type we do not know gives a RawValue that keeps the JSON verbatim.
    """
    items = as_list(values, fdef.where)
    codec = _codec(fdef)
    if codec is None:
        return RawValue(tuple(items)) if items else EMPTY
    result: FieldValue = _guarded(fdef, "read its value", lambda: codec.parse(fdef, items))
    return result


def is_empty(value: FieldValue | None) -> bool:
    if value is None or isinstance(value, EmptyValue):
        return True
    if isinstance(value, TextValue):
        return not value.text.strip()
    if isinstance(value, CategoryValue):
        return not value.options
    if isinstance(value, RelationshipValue):
        return not value.items
    if isinstance(value, ContactValue):
        return not value.contacts
    if isinstance(value, FileListValue):
        return not value.files
    if isinstance(value, EmbedValue):
        return not value.embeds
    if isinstance(value, LocationValue):
        return not value.places
    if isinstance(value, (EmailValue, PhoneValue)):
        return not value.entries
    if isinstance(value, CalculationValue):
        return value.number is None and value.date is None and not value.text
    if isinstance(value, RawValue):
        return not value.values
    return False


def _raw_summary(value: RawValue) -> str:
    parts = []
    for element in value.values:
        if isinstance(element, Mapping) and isinstance(element.get("value"), (str, int, float)):
            parts.append(str(element["value"]))
        elif isinstance(element, Mapping) and isinstance(element.get("value"), Mapping):
            inner = element["value"]
            label = inner.get("title") or inner.get("name") or inner.get("text")
            parts.append(str(label) if label is not None else "…")
        elif isinstance(element, (str, int, float)):
            parts.append(str(element))
        else:
            parts.append("…")
    return ", ".join(parts)


def display_text(fdef: FieldDef, value: FieldValue | None) -> str:
    """What a table cell shows for this value ("" when empty)."""
    if value is None or is_empty(value):
        return ""
    if isinstance(value, RawValue):
        return _raw_summary(value)
    codec = _codec(fdef)
    if codec is None:
        return ""
    _check_value(fdef, codec, value)
    text: str = _guarded(fdef, "show its value", lambda: codec.display(fdef, value))
    return text


def to_input(fdef: FieldDef, value: FieldValue | None) -> Any:
    """JSON for this field in a create/update body (SPEC §3.4). EMPTY gives [] (clears it).

    Raises ReadOnlyFieldError for calculation and separator fields and for values we could
    not read; for a field of unknown type returns its raw GET values verbatim.
    """
    codec = _codec(fdef)
    if isinstance(value, RawValue):
        if codec is None and value.problem is None:
            return list(value.values)
        raise ReadOnlyFieldError(f"{fdef.where} holds a value this version cannot write back")
    if codec is None:
        if value is None or isinstance(value, EmptyValue):
            return []
        raise ReadOnlyFieldError(f"{fdef.where} has the unknown type {fdef.type!r}")
    if codec.read_only:
        raise ReadOnlyFieldError(f"{fdef.where} is computed by Podio and cannot be written")
    if value is None or is_empty(value):
        return []
    _check_value(fdef, codec, value)
    return _guarded(fdef, "prepare its value for Podio", lambda: codec.to_input(fdef, value))


def validate(fdef: FieldDef, value: FieldValue | None) -> list[ValidationIssue]:
    """Problems with this value under the field's config, as messages a person understands."""

    def issue(message: str) -> ValidationIssue:
        return ValidationIssue(fdef.field_id, fdef.label, message)

    codec = _codec(fdef)
    if codec is None or codec.read_only or isinstance(value, RawValue):
        return []
    if value is None or is_empty(value):
        return [issue(f'"{fdef.label}" is required')] if fdef.required else []
    if not isinstance(value, codec.value_class):
        return [issue(f'"{fdef.label}" cannot hold a {type(value).__name__}')]
    messages: list[str] = _guarded(fdef, "check its value", lambda: codec.validate(fdef, value))
    return [issue(message) for message in messages]


def sort_key(fdef: FieldDef, value: FieldValue | None) -> SortKey:
    """What a cache sorts this field by: Decimal for numbers/money, int, casefolded text."""
    if value is None or is_empty(value):
        return None
    if isinstance(value, RawValue):
        return _raw_summary(value).casefold() or None
    codec = _codec(fdef)
    if codec is None:
        return None
    _check_value(fdef, codec, value)
    key: SortKey = _guarded(fdef, "sort its value", lambda: codec.sort_key(fdef, value))
    return key


def search_text(fdef: FieldDef, value: FieldValue | None) -> str:
    """Text for full-text search (HTML stripped, names and titles of linked things)."""
    if value is None or is_empty(value):
        return ""
    if isinstance(value, RawValue):
        return _raw_summary(value)
    codec = _codec(fdef)
    if codec is None:
        return ""
    _check_value(fdef, codec, value)
    text: str = _guarded(fdef, "index its value", lambda: codec.search_text(fdef, value))
    return text


def filter_keys(fdef: FieldDef, value: FieldValue | None) -> list[int | str]:
    """Ids a Podio filter on this field matches: option ids, item ids, profile ids."""
    codec = _codec(fdef)
    if codec is None or value is None or is_empty(value) or isinstance(value, RawValue):
        return []
    _check_value(fdef, codec, value)
    keys: list[int | str] = _guarded(
        fdef, "index its value", lambda: codec.filter_keys(fdef, value)
    )
    return keys


# ---------------------------------------------------------------------------- GET shape


def _file_json(ref: FileRef) -> dict[str, Any]:
    return {
        "file_id": ref.file_id,
        "name": ref.name,
        "mimetype": ref.mimetype,
        "size": ref.size,
        "link": ref.link,
        "thumbnail_link": ref.thumbnail_link,
    }


def _date_element(value: DateValue) -> dict[str, Any]:
    element: dict[str, Any] = {}
    parts = (
        ("start", value.start_date, value.start_time, value.start_utc),
        ("end", value.end_date, value.end_time, value.end_utc),
    )
    for prefix, day, moment, utc in parts:
        if day is None:
            continue
        clock = None if moment is None else moment.strftime("%H:%M:%S")
        element[prefix] = f"{day.isoformat()} {clock or '00:00:00'}"
        element[f"{prefix}_date"] = day.isoformat()
        element[f"{prefix}_time"] = clock
        if utc is not None:
            element[f"{prefix}_utc"] = utc.strftime("%Y-%m-%d %H:%M:%S")
            element[f"{prefix}_date_utc"] = utc.date().isoformat()
            element[f"{prefix}_time_utc"] = utc.strftime("%H:%M:%S")
    return element


def _get_text(value: TextValue) -> list[Any]:
    return [{"value": value.text}]


def _get_number(value: NumberValue) -> list[Any]:
    return [{"value": plain_decimal(value.value)}]


def _get_money(value: MoneyValue) -> list[Any]:
    return [{"value": plain_decimal(value.amount), "currency": value.currency}]


def _get_progress(value: ProgressValue) -> list[Any]:
    return [{"value": value.percent}]


def _get_duration(value: DurationValue) -> list[Any]:
    return [{"value": value.seconds}]


def _get_date(value: DateValue) -> list[Any]:
    return [_date_element(value)]


def _get_category(value: CategoryValue) -> list[Any]:
    return [
        {"value": {"id": o.id, "text": o.text, "color": o.color, "status": o.status}}
        for o in value.options
    ]


def _get_relationship(value: RelationshipValue) -> list[Any]:
    return [
        {
            "value": {
                "item_id": item.item_id,
                "title": item.title,
                "app_item_id": item.app_item_id,
                "link": item.link,
                "app": {"app_id": item.app_id, "name": item.app_name},
            }
        }
        for item in value.items
    ]


def _get_contact(value: ContactValue) -> list[Any]:
    return [
        {
            "value": {
                "profile_id": c.profile_id,
                "name": c.name,
                "type": c.type,
                "user_id": c.user_id,
                "mail": list(c.mails),
                "phone": list(c.phones),
                "link": c.link,
                "image": None if c.avatar_file_id is None else {"file_id": c.avatar_file_id},
                "org_id": c.org_id,
                "space_id": c.space_id,
            }
        }
        for c in value.contacts
    ]


def _get_files(value: FileListValue) -> list[Any]:
    return [{"value": _file_json(ref)} for ref in value.files]


def _get_embed(value: EmbedValue) -> list[Any]:
    return [
        {
            "embed": {
                "embed_id": e.embed_id,
                "url": e.url,
                "title": e.title,
                "description": e.description,
                "original_url": e.original_url,
                "resolved_url": e.resolved_url,
                "hostname": e.hostname,
                "type": e.type,
            },
            "file": None if e.file is None else _file_json(e.file),
        }
        for e in value.embeds
    ]


def _get_location(value: LocationValue) -> list[Any]:
    out = []
    for place in value.places:
        entry: dict[str, Any] = {key: getattr(place, key) for key in _PLACE_TEXT_KEYS}
        entry["lat"] = None if place.lat is None else float(place.lat)
        entry["lng"] = None if place.lng is None else float(place.lng)
        entry["map_in_sync"] = place.map_in_sync
        out.append(entry)
    return out


def _get_entries(value: EmailValue | PhoneValue) -> list[Any]:
    return [{"type": entry.type, "value": entry.value} for entry in value.entries]


def _get_calculation(value: CalculationValue) -> list[Any]:
    if value.number is not None:
        return [{"value": plain_decimal(value.number)}]
    if value.date is not None:
        return [_date_element(value.date)]
    return [{"value": value.text}]


def _get_raw(value: RawValue) -> list[Any]:
    return list(value.values)


def _get_empty(value: EmptyValue) -> list[Any]:
    return []


_GET_RENDERERS: Mapping[type, Callable[[Any], list[Any]]] = {
    EmptyValue: _get_empty,
    TextValue: _get_text,
    NumberValue: _get_number,
    MoneyValue: _get_money,
    ProgressValue: _get_progress,
    DurationValue: _get_duration,
    DateValue: _get_date,
    CategoryValue: _get_category,
    RelationshipValue: _get_relationship,
    ContactValue: _get_contact,
    FileListValue: _get_files,
    EmbedValue: _get_embed,
    LocationValue: _get_location,
    EmailValue: _get_entries,
    PhoneValue: _get_entries,
    CalculationValue: _get_calculation,
    RawValue: _get_raw,
}


def to_get_values(fdef: FieldDef, value: FieldValue | None) -> list[Any]:
    """The value in the shape of GET `values` (what `parse_values` reads back unchanged).

    For keeping a locally edited value in a cached item's JSON, e.g. while a change waits
    in the offline outbox. Numbers keep every digit (Podio itself would show 4 decimals).
    """
    if value is None:
        return []
    renderer = _GET_RENDERERS.get(type(value))
    if renderer is None:
        raise MalformedValueError(f"{fdef.where}: {type(value).__name__} is not a field value")
    codec = _codec(fdef)
    if codec is not None and not isinstance(value, (EmptyValue, RawValue)):
        _check_value(fdef, codec, value)
    rendered: list[Any] = _guarded(fdef, "store its value", lambda: renderer(value))
    return rendered


def parse_user_text(fdef: FieldDef, text: str) -> FieldValue:
    """A value from what a person typed into a cell; blank text clears the field (EMPTY).

    Rules: numbers use "." for decimals, "," optionally between thousands ("1,234.5");
    money "12.30 EUR", "EUR 12.30" or "€12.30" (no currency is fine when the field allows
    only one); progress "42" or "42%"; dates "2026-11-22", "2026-11-22 14:00", ranges with
    an en dash, " - " or " to " ("2026-11-22 14:00 - 16:00"); durations "1d 2h 3m 4s", "90m",
    "2:03:04" or "2:03" (h:mm); categories by option text, case-insensitive, several
    separated by ","; e-mail/phone entries separated by "," or ";", each optionally
    prefixed "home: "; a location is the address as typed; text as is.
    Relationship, contact, image, file and link fields are chosen in their editors.
    """
    if not isinstance(text, str):
        raise MalformedValueError(f"{fdef.where}: expected text, got {short(text)}")
    codec = _codec(fdef)
    if codec is None or codec.read_only:
        raise MalformedValueError(f"{fdef.where} is read-only")
    if not text.strip():
        return EMPTY
    result: FieldValue = _guarded(
        fdef, "read what was typed", lambda: codec.parse_user_text(fdef, text)
    )
    return result
