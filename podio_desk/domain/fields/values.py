"""Typed field values: frozen dataclasses, one per field type, and `EMPTY`.

Numbers and money are exact `Decimal`s, never floats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeAlias

from podio_desk.domain._json import check_decimal, short
from podio_desk.domain.errors import MalformedValueError


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
