"""The item editor: one editor per Podio field type, a conflict view, side panes.

Public names: ItemEditor, ItemEditorDock, ItemEditorDialog (item_editor.py); ConflictView
(conflict.py); create_editor and the per-type editors (the fields package, also used by the item
table's in-place editing, `ui/table/delegate.py`).
"""

from podio_desk.ui.editor.conflict import ConflictView
from podio_desk.ui.editor.item_editor import (
    EditorState,
    ItemEditor,
    ItemEditorDialog,
    ItemEditorDock,
)

__all__ = [
    "ConflictView",
    "EditorState",
    "ItemEditor",
    "ItemEditorDialog",
    "ItemEditorDock",
]
