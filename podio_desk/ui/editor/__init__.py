"""The item editor: one editor per Podio field type, a conflict view, side panes, inline editing.

Public names: ItemEditor, ItemEditorDock, ItemEditorDialog (item_editor.py); FieldEditDelegate,
InlineSaver, FIELD_VALUE_ROLE (delegate.py); ConflictView (conflict.py); create_editor and the
per-type editors (the fields package).
"""

from podio_desk.ui.editor.conflict import ConflictView
from podio_desk.ui.editor.delegate import FIELD_VALUE_ROLE, FieldEditDelegate, InlineSaver
from podio_desk.ui.editor.item_editor import (
    EditorState,
    ItemEditor,
    ItemEditorDialog,
    ItemEditorDock,
)

__all__ = [
    "FIELD_VALUE_ROLE",
    "ConflictView",
    "EditorState",
    "FieldEditDelegate",
    "InlineSaver",
    "ItemEditor",
    "ItemEditorDialog",
    "ItemEditorDock",
]
