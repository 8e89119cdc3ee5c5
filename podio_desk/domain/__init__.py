"""Domain layer of Podio Desk (see DESIGN.md): pure Python, no I/O.

The main names are re-exported here; the modules are `fields` (field types and values),
`workspace` (orgs, spaces, apps, views), `items` (items and what hangs off them),
`timestamps` and `errors`.
"""

from podio_desk.domain.errors import DomainError, MalformedValueError, ReadOnlyFieldError
from podio_desk.domain.fields import (
    EMPTY,
    FieldDef,
    FieldType,
    FieldValue,
    ValidationIssue,
    display_text,
    filter_keys,
    is_empty,
    parse_user_text,
    parse_values,
    search_text,
    sort_key,
    to_get_values,
    to_input,
    validate,
)
from podio_desk.domain.items import (
    Comment,
    FileInfo,
    Item,
    ItemChange,
    ItemPage,
    Revision,
    RevisionDiff,
    Task,
)
from podio_desk.domain.timestamps import format_podio_datetime, parse_podio_datetime
from podio_desk.domain.workspace import App, Org, Space, View

__all__ = [
    "EMPTY",
    "App",
    "Comment",
    "DomainError",
    "FieldDef",
    "FieldType",
    "FieldValue",
    "FileInfo",
    "Item",
    "ItemChange",
    "ItemPage",
    "MalformedValueError",
    "Org",
    "ReadOnlyFieldError",
    "Revision",
    "RevisionDiff",
    "Space",
    "Task",
    "ValidationIssue",
    "View",
    "display_text",
    "filter_keys",
    "format_podio_datetime",
    "is_empty",
    "parse_podio_datetime",
    "parse_user_text",
    "parse_values",
    "search_text",
    "sort_key",
    "to_get_values",
    "to_input",
    "validate",
]
