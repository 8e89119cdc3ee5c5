"""Podio field types: definitions, typed values and what each type does with them.

For every field type a codec (registered in `operations._CODECS`, looked up by
`FieldDef.field_type`) knows how to

* parse the GET `values` array into a typed value (`parse_values`),
* show it in a table cell (`display_text`),
* turn it back into JSON Podio accepts on create/update (`to_input`; docs/podio-api.md,
  Fields and values),
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

The modules: `definitions` (FieldType, FieldDef), `values` (the value classes), `codec` (the
codec base and its JSON helpers), one module per family of types (`text`, `numeric`, `dates`,
`categories`, `references`, `files`, `locations`, `entries`, `computed`), `operations` (the
functions below, dispatched to the codecs) and `get_shape` (`to_get_values`). Names with a
leading underscore are shared between these modules only; callers import from this package.
"""

from podio_desk.domain.fields.categories import category_options
from podio_desk.domain.fields.dates import EN_DASH
from podio_desk.domain.fields.definitions import FieldDef, FieldType
from podio_desk.domain.fields.get_shape import to_get_values
from podio_desk.domain.fields.numeric import CURRENCY_SYMBOLS, format_decimal, plain_decimal
from podio_desk.domain.fields.operations import (
    display_text,
    filter_keys,
    is_empty,
    parse_user_text,
    parse_values,
    search_text,
    sort_key,
    to_input,
    validate,
    value_class_for,
)
from podio_desk.domain.fields.references import referenced_app_ids
from podio_desk.domain.fields.text import strip_html
from podio_desk.domain.fields.values import (
    EMPTY,
    CalculationValue,
    CategoryOption,
    CategoryValue,
    ContactRef,
    ContactValue,
    DateValue,
    DurationValue,
    EmailValue,
    EmbedRef,
    EmbedValue,
    EmptyValue,
    FieldValue,
    FileListValue,
    FileRef,
    LocationValue,
    MoneyValue,
    NumberValue,
    PhoneValue,
    Place,
    ProgressValue,
    RawValue,
    RelatedItem,
    RelationshipValue,
    SortKey,
    TextFormat,
    TextValue,
    TypedEntry,
    ValidationIssue,
)

__all__ = [
    "CURRENCY_SYMBOLS",
    "EMPTY",
    "EN_DASH",
    "CalculationValue",
    "CategoryOption",
    "CategoryValue",
    "ContactRef",
    "ContactValue",
    "DateValue",
    "DurationValue",
    "EmailValue",
    "EmbedRef",
    "EmbedValue",
    "EmptyValue",
    "FieldDef",
    "FieldType",
    "FieldValue",
    "FileListValue",
    "FileRef",
    "LocationValue",
    "MoneyValue",
    "NumberValue",
    "PhoneValue",
    "Place",
    "ProgressValue",
    "RawValue",
    "RelatedItem",
    "RelationshipValue",
    "SortKey",
    "TextFormat",
    "TextValue",
    "TypedEntry",
    "ValidationIssue",
    "category_options",
    "display_text",
    "filter_keys",
    "format_decimal",
    "is_empty",
    "parse_user_text",
    "parse_values",
    "plain_decimal",
    "referenced_app_ids",
    "search_text",
    "sort_key",
    "strip_html",
    "to_get_values",
    "to_input",
    "validate",
    "value_class_for",
]
