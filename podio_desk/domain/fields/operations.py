"""What callers do with a field value, each dispatched to the codec of the field's type."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from podio_desk.domain._json import as_list, short
from podio_desk.domain.errors import DomainError, MalformedValueError, ReadOnlyFieldError
from podio_desk.domain.fields.categories import _CategoryCodec
from podio_desk.domain.fields.codec import _Codec
from podio_desk.domain.fields.computed import _CalculationCodec, _SeparatorCodec
from podio_desk.domain.fields.dates import _DateCodec
from podio_desk.domain.fields.definitions import FieldDef, FieldType
from podio_desk.domain.fields.entries import _EmailCodec, _PhoneCodec
from podio_desk.domain.fields.files import _EmbedCodec, _FileListCodec, _ImageCodec
from podio_desk.domain.fields.locations import _LocationCodec
from podio_desk.domain.fields.numeric import (
    _DurationCodec,
    _MoneyCodec,
    _NumberCodec,
    _ProgressCodec,
)
from podio_desk.domain.fields.references import _ContactCodec, _RelationshipCodec
from podio_desk.domain.fields.text import _TextCodec
from podio_desk.domain.fields.values import (
    EMPTY,
    CalculationValue,
    CategoryValue,
    ContactValue,
    EmailValue,
    EmbedValue,
    EmptyValue,
    FieldValue,
    FileListValue,
    LocationValue,
    PhoneValue,
    RawValue,
    RelationshipValue,
    SortKey,
    TextValue,
    ValidationIssue,
)

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
    """JSON for this field in a create/update body. EMPTY gives [] (clears it).

    The shape per type is in docs/podio-api.md, Fields and values.
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
