"""Domain layer of Podio Desk (see DESIGN.md): pure Python, no I/O.

The main names are re-exported here; the modules are `fields` (field types and values),
`workspace` (orgs, spaces, apps, views), `items` (items and what hangs off them),
`timestamps` and `errors`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from podio_desk.domain.lazy import lazy_exports

if TYPE_CHECKING:
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

# Which module defines each public name: the names load on first use (PEP 562), so that
# importing one module of the package (e.g. at start-up) does not import all of them.
_SOURCES: dict[str, str] = {
    "DomainError": "errors",
    "MalformedValueError": "errors",
    "ReadOnlyFieldError": "errors",
    "EMPTY": "fields",
    "FieldDef": "fields",
    "FieldType": "fields",
    "FieldValue": "fields",
    "ValidationIssue": "fields",
    "display_text": "fields",
    "filter_keys": "fields",
    "is_empty": "fields",
    "parse_user_text": "fields",
    "parse_values": "fields",
    "search_text": "fields",
    "sort_key": "fields",
    "to_get_values": "fields",
    "to_input": "fields",
    "validate": "fields",
    "Comment": "items",
    "FileInfo": "items",
    "Item": "items",
    "ItemChange": "items",
    "ItemPage": "items",
    "Revision": "items",
    "RevisionDiff": "items",
    "Task": "items",
    "format_podio_datetime": "timestamps",
    "parse_podio_datetime": "timestamps",
    "App": "workspace",
    "Org": "workspace",
    "Space": "workspace",
    "View": "workspace",
}


__getattr__, __dir__ = lazy_exports(__name__, _SOURCES, __all__)
