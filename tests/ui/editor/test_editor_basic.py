"""Smoke: the editor opens the sandbox's richest item with one editor per field."""

from __future__ import annotations

from podio_desk.domain.fields import FieldType
from podio_desk.domain.items import Item
from podio_desk.ui.editor.fields import (
    CategoryEditor,
    DateEditor,
    ReadOnlyView,
    RichTextEditor,
    SeparatorHeading,
)
from tests.ui.editor.conftest import EditorEnv


def test_opens_richest_item_with_an_editor_per_field(env: EditorEnv) -> None:
    env.open()
    editor = env.editor
    assert editor.app is not None
    kinds = {row.fdef.field_type for row in editor.rows.values()}
    assert FieldType.TEXT in kinds
    assert isinstance(editor.editor_by_external_id("description"), RichTextEditor)
    assert isinstance(editor.editor_by_external_id("meeting"), DateEditor)
    assert isinstance(editor.editor_by_external_id("state"), CategoryEditor)
    assert isinstance(editor.editor_by_external_id("total"), ReadOnlyView)
    assert isinstance(editor.editor_by_external_id("more"), SeparatorHeading)
    assert not editor.has_changes()


def test_an_item_that_could_not_be_read_fully_says_so(env: EditorEnv) -> None:
    env.open()
    editor = env.editor
    assert editor.app is not None
    assert editor.item is not None
    assert "could not be read fully" not in editor.subtitle.text()
    raw = {**editor.item.raw, "tags": [None, "kept"], "revision": "three"}
    odd = Item.from_api(raw, editor.app)
    editor.show_item(editor.app, odd)
    assert "could not be read fully" in editor.subtitle.text()
    assert '"tags" should hold texts' in editor.subtitle.toolTip()
    assert editor.tags.text() == "kept"
