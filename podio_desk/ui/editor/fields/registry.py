"""Which editor a field gets, by its type and settings."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from podio_desk.domain.errors import DomainError
from podio_desk.domain.fields import FieldDef, FieldType, is_empty
from podio_desk.ui.editor.context import EditorContext
from podio_desk.ui.editor.fields.base import FieldEditor, _settings_text
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
from podio_desk.ui.editor.fields.text import PlainTextEditor, RichTextEditor
from podio_desk.ui.editor.fields.wheel import guard_wheel


def editor_class_for(fdef: FieldDef) -> type[FieldEditor]:
    kind = fdef.field_type
    if kind is FieldType.TEXT:
        return (
            RichTextEditor if _settings_text(fdef, "format", "plain") == "html" else PlainTextEditor
        )
    table: dict[FieldType, type[FieldEditor]] = {
        FieldType.NUMBER: NumberEditor,
        FieldType.MONEY: MoneyEditor,
        FieldType.PROGRESS: ProgressEditor,
        FieldType.DURATION: DurationEditor,
        FieldType.DATE: DateEditor,
        FieldType.CATEGORY: CategoryEditor,
        FieldType.APP: RelationshipEditor,
        FieldType.CONTACT: ContactEditor,
        FieldType.EMAIL: TypedListEditor,
        FieldType.PHONE: TypedListEditor,
        FieldType.TEL: TypedListEditor,
        FieldType.LOCATION: LocationEditor,
        FieldType.EMBED: EmbedEditor,
        FieldType.IMAGE: FileEditor,
        FieldType.FILE: FileEditor,
        FieldType.SEPARATOR: SeparatorHeading,
    }
    if kind is None:
        return ReadOnlyView
    return table.get(kind, ReadOnlyView)


def create_editor(
    fdef: FieldDef, context: EditorContext, parent: QWidget | None = None
) -> FieldEditor:
    editor = editor_class_for(fdef)(fdef, context, parent)
    guard_wheel(editor)
    return editor


def editor_is_empty(editor: FieldEditor) -> bool:
    try:
        return is_empty(editor.value())
    except DomainError:
        return False
