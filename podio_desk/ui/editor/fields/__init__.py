"""One editor widget per Podio field type, each following its field's config.

Every editor holds the value it was given (`original`) and answers `value()` with the value
it shows now, built through the domain layer (`parse_user_text`, the value classes); it
raises `MalformedValueError` with a person-readable message when what was typed cannot be
read. Validation against the field's config is the domain's `validate`, run by the form.
An editor whose text the user has not touched gives back its original value untouched, so
opening and saving an item never rewrites a value (rounded numbers, Podio's HTML).

The modules: `base` (FieldEditor and shared layout helpers), one module per family of field
types (`text`, `numeric`, `dates`, `categories`, `references`, `entries`, `locations`,
`files`, `read_only`), `registry` (which editor a field gets: `create_editor`) and
`wheel` (the mouse wheel changes only the focused field: `guard_wheel`).
"""

from podio_desk.ui.editor.fields.base import ERROR_COLOR, FieldEditor
from podio_desk.ui.editor.fields.categories import CategoryEditor
from podio_desk.ui.editor.fields.dates import DateEditor
from podio_desk.ui.editor.fields.entries import TypedListEditor
from podio_desk.ui.editor.fields.files import EmbedEditor, FileEditor
from podio_desk.ui.editor.fields.locations import LocationEditor
from podio_desk.ui.editor.fields.numeric import (
    DurationEditor,
    MoneyEditor,
    NumberEditor,
    ProgressEditor,
)
from podio_desk.ui.editor.fields.read_only import ReadOnlyView, SeparatorHeading
from podio_desk.ui.editor.fields.references import ContactEditor, RelationshipEditor
from podio_desk.ui.editor.fields.registry import create_editor, editor_class_for, editor_is_empty
from podio_desk.ui.editor.fields.text import PlainTextEditor, RichTextEditor
from podio_desk.ui.editor.fields.wheel import guard_wheel

__all__ = [
    "ERROR_COLOR",
    "CategoryEditor",
    "ContactEditor",
    "DateEditor",
    "DurationEditor",
    "EmbedEditor",
    "FieldEditor",
    "FileEditor",
    "LocationEditor",
    "MoneyEditor",
    "NumberEditor",
    "PlainTextEditor",
    "ProgressEditor",
    "ReadOnlyView",
    "RelationshipEditor",
    "RichTextEditor",
    "SeparatorHeading",
    "TypedListEditor",
    "create_editor",
    "editor_class_for",
    "editor_is_empty",
    "guard_wheel",
]
