"""Create, duplicate, delete; the side panes; inline editing through the table delegate."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QMessageBox, QStyleOptionViewItem, QTableView, QWidget

from podio_desk.domain.fields import FieldDef
from podio_desk.domain.items import Item
from podio_desk.domain.workspace import App
from podio_desk.services.editing import ItemRemoved, ItemSaved, Saved
from podio_desk.ui.editor.fields import FieldEditor, NumberEditor
from podio_desk.ui.editor.item_editor import EditorState, ItemEditorDialog, ItemEditorDock
from podio_desk.ui.table import CellDelegate, InlineSaver, Roles
from tests.ui.editor.conftest import EditorEnv, run_async
from tests.ui.editor.test_editor_unsaved import answer_when_asked, wait_answered

pytestmark = pytest.mark.gui


def test_create_a_new_item(env: EditorEnv) -> None:
    env.open()
    assert env.editor.app is not None
    env.wait(env.editor.new_item(env.editor.app.app_id))
    assert env.editor.item is None
    assert env.editor.title.text().startswith("New")
    env.sandbox.control.reset_log()
    # The title is required: refused until filled, and nothing is sent.
    assert env.editor.save() is None
    assert env.writes() == []
    env.field("title").set_text("Brand new")
    env.field("quantity").line.setText("3")
    env.save()
    created = env.current_item()
    assert created is not None
    assert created.title == "Brand new"
    assert env.raw_values("quantity", created.item_id) == [{"value": "3.0000"}]
    assert any(isinstance(e, ItemSaved) and e.created for e in env.events)


def test_duplicate_copies_writable_values(env: EditorEnv) -> None:
    env.open()
    original = env.fetch()
    env.wait(env.editor.duplicate())
    copy = env.editor.item
    assert copy is not None
    assert copy.item_id != original.item_id
    assert copy.title == original.title
    for external_id in ("quantity", "price", "state", "meeting", "email", "related"):
        assert env.raw_values(external_id, copy.item_id) == env.raw_values(external_id), external_id


def test_delete_asks_first_naming_the_item(env: EditorEnv, monkeypatch: Any) -> None:
    env.open()
    asked: list[str] = []

    def answer(_parent: Any, _title: str, text: str, *args: Any) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", answer)
    env.sandbox.control.reset_log()
    env.editor.confirm_delete()
    assert asked == ['Delete "The richest item"? This cannot be undone in Podio Desk.']
    assert env.writes() == []
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    with env.qtbot.waitSignal(env.editor.item_deleted, timeout=10_000) as blocker:
        env.editor.confirm_delete()
    assert blocker.args == [env.item_id]
    assert env.writes() == [f"DELETE /item/{env.item_id}"]
    assert any(isinstance(e, ItemRemoved) for e in env.events)
    cached = run_async(env.cache.items.get(env.item_id))
    assert cached is not None
    assert cached.deleted
    assert env.editor.state is EditorState.DELETED


def test_comments_pane_reads_and_adds(env: EditorEnv) -> None:
    env.open()
    pane = env.editor.side.comments
    env.wait(pane.task)
    before = len(pane.comments)
    pane.input.setPlainText("Looks good to me")
    pane.add()
    env.wait(pane.task)
    assert len(pane.comments) == before + 1
    assert pane.comments[-1].value == "Looks good to me"
    assert "Looks good to me" in pane.list.toPlainText()
    env.sandbox.control.reset_log()
    pane.add()  # empty: refused locally
    assert "empty comments are not sent" in pane.status.text()
    assert env.writes() == []


def test_history_shows_a_readable_diff_and_reverts(env: EditorEnv, monkeypatch: Any) -> None:
    env.open()
    env.field("quantity").line.setText("99")
    env.save()
    pane = env.editor.side.history
    env.wait(pane.task)
    assert pane.revisions[0].revision == 2
    pane.list.setCurrentRow(0)
    env.wait(pane.task)
    assert pane.diff.toPlainText() == ("Quantity: 12.50 → 99.00\nTotal: 1,249.38 → 9,895.05")
    with env.qtbot.waitSignal(env.editor.item_saved, timeout=10_000):
        pane.revert(2)
        env.wait(pane.task)
    assert env.raw_values("quantity") == [{"value": "12.5000"}]
    assert env.field("quantity").line.text() == "12.50"


def test_revert_is_refused_when_someone_edited_meanwhile(env: EditorEnv) -> None:
    env.open()
    env.sandbox.edit_as_other(env.item_id, {"title": "Changed elsewhere"})
    pane = env.editor.side.history
    env.wait(pane.task)  # the history has loaded
    env.sandbox.control.reset_log()
    pane.revert(1)
    env.wait(pane.task)
    assert "Someone changed the item" in pane.status.text()
    assert env.writes() == []


def test_tasks_and_files_panes(env: EditorEnv) -> None:
    env.open()
    tasks = env.editor.side.tasks
    env.wait(tasks.task)
    assert tasks.list.count() == len(tasks.tasks)
    files = env.editor.side.files
    before = len(files.files)
    run_async(files.attach("notes.txt", b"hello", "text/plain"))
    assert len(files.files) == before + 1
    assert files.files[-1].name == "notes.txt"


def test_dock_and_dialog_open_an_item(env: EditorEnv) -> None:
    dock = ItemEditorDock(env.service, env.runner)
    env.qtbot.addWidget(dock)
    env.wait(dock.open_item(None, env.item_id))
    assert dock.editor.title.text() == "The richest item"
    dialog = ItemEditorDialog(env.service, env.runner)
    env.qtbot.addWidget(dialog)
    env.wait(dialog.open_item(None, env.item_id))
    assert dialog.windowTitle() == "The richest item"
    # A linked item opens in the same editor.
    related: Any = dialog.editor.editor_by_external_id("related")
    related.linked.setCurrentRow(0)
    related._on_activated(related.linked.item(0))
    env.wait(dialog.editor.task)
    assert dialog.editor.title.text() == "Acme Robotics"


def _table(env: EditorEnv, app: App, item: Item, external_id: str) -> tuple[Any, ...]:
    fdef = app.field(external_id)
    assert isinstance(fdef, FieldDef)
    model = QStandardItemModel(1, 1)
    cell = QStandardItem("")
    cell.setData((fdef, item.value(fdef.field_id)), Roles.FIELD_VALUE)
    model.setItem(0, 0, cell)
    view = QTableView()
    env.qtbot.addWidget(view)
    view.setModel(model)
    saver = InlineSaver(env.service, env.runner, lambda _index: (app, item))
    delegate = CellDelegate(view)
    delegate.commit = saver
    view.setItemDelegate(delegate)
    return model, view, saver, delegate, fdef


def test_inline_edit_saves_through_the_delegate(env: EditorEnv) -> None:
    env.open()
    app, item = env.editor.app, env.editor.item
    assert app is not None
    assert item is not None
    model, _view, saver, delegate, _fdef = _table(env, app, item, "quantity")
    index = model.index(0, 0)
    parent = QWidget()
    env.qtbot.addWidget(parent)
    editor = delegate.createEditor(parent, QStyleOptionViewItem(), index)
    assert isinstance(editor, NumberEditor)
    delegate.setEditorData(editor, index)
    assert editor.value() == item.value(_fdef.field_id)
    editor.line.setText("42")
    with env.qtbot.waitSignal(saver.saved, timeout=10_000) as blocker:
        delegate.setModelData(editor, model, index)
    assert isinstance(blocker.args[0], Saved)
    assert env.raw_values("quantity") == [{"value": "42.0000"}]


def test_inline_edit_refuses_invalid_values(env: EditorEnv) -> None:
    env.open()
    app, item = env.editor.app, env.editor.item
    assert app is not None
    assert item is not None
    model, _view, _saver, delegate, _fdef = _table(env, app, item, "progress")
    index = model.index(0, 0)
    parent = QWidget()
    env.qtbot.addWidget(parent)
    editor: Any = delegate.createEditor(parent, QStyleOptionViewItem(), index)
    delegate.setEditorData(editor, index)
    editor.line.setText("250")
    env.sandbox.control.reset_log()
    with env.qtbot.waitSignal(delegate.refused) as blocker:
        delegate.setModelData(editor, model, index)
    assert "0 to 100" in blocker.args[0]
    assert env.writes() == []
    # Types that are edited in the form only get no inline editor of ours.
    model2, _v, _s, delegate2, _f = _table(env, app, item, "description")
    other = delegate2.createEditor(parent, QStyleOptionViewItem(), model2.index(0, 0))
    assert not isinstance(other, FieldEditor)


def test_leaving_unsaved_changes_asks_first(env: EditorEnv, monkeypatch: Any) -> None:
    env.open()
    env.field("title").set_text("Unsaved")
    asked = answer_when_asked(QMessageBox.StandardButton.Cancel)
    assert env.editor.open_item(None, env.item_id) is None
    wait_answered(env.qtbot, asked)
    assert env.field("title").line.text() == "Unsaved"
    asked = answer_when_asked(QMessageBox.StandardButton.Discard)
    assert env.editor.open_item(None, env.item_id) is None
    wait_answered(env.qtbot, asked)
    env.wait(env.editor.task)
    assert env.field("title").line.text() == "The richest item"
