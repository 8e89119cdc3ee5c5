"""The item editor inside the real main window, against the sandbox over HTTP: open an item
from the table, save it in the dock, edit cells in place; the row changes without a reload."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemDelegate, QAbstractItemView, QWidget

from podio_desk.domain.fields import CategoryValue, FieldDef, NumberValue
from podio_desk.services.editing import Saved
from podio_desk.services.profile import Profile
from podio_desk.ui.desk_controller import DeskController
from podio_desk.ui.editor.fields import CategoryEditor, NumberEditor
from podio_desk.ui.editor.item_editor import EditorState, ItemEditorDock
from podio_desk.ui.table import Roles
from tests.plugins.desk import Desk, open_desk
from tests.plugins.qt import run_async
from tests.ui.test_main_window import open_app, sign_in

pytestmark = [pytest.mark.gui, pytest.mark.slow]

SHOWCASE = "Showcase"


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def field(controller: DeskController, external_id: str) -> FieldDef:
    app = controller.browser.app
    assert app is not None
    return next(f for f in app.active_fields if f.external_id == external_id)


def column_of(controller: DeskController, fdef: FieldDef) -> int:
    keys = [column.key for column in controller.browser.model.columns]
    return keys.index(str(fdef.field_id))


def row_of(qtbot: Any, controller: DeskController, item_id: int) -> int:
    model = controller.browser.model
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.source.is_loaded(0), timeout=10000)
    rows = [row for row in range(model.rowCount()) if model.item_id_at(row) == item_id]
    assert rows, f"item {item_id} is not in the table"
    return rows[0]


def sandbox_values(sandbox: Any, item_id: int, fdef: FieldDef) -> list[Any]:
    return list(sandbox.state.items[item_id].values.get(fdef.field_id) or [])


def filter_calls(sandbox: Any) -> int:
    return sum(1 for entry in sandbox.control.requests() if entry.path.endswith("/filter/"))


def writes(sandbox: Any) -> list[str]:
    return [
        f"{entry.method} {entry.path}"
        for entry in sandbox.control.requests()
        if entry.method in ("POST", "PUT", "DELETE") and not entry.path.startswith("/oauth")
    ]


def cached_raw(desk: Desk, item_id: int) -> dict[str, Any]:
    workspace = desk.controller.browser.workspace
    assert workspace is not None
    records = run_async(workspace.cache.items.get_many([item_id]))
    assert records, f"item {item_id} is not in the cache"
    return dict(records[0].raw)


def raw_values(raw: dict[str, Any], fdef: FieldDef) -> list[Any]:
    for entry in raw.get("fields") or []:
        if entry.get("field_id") == fdef.field_id:
            return list(entry.get("values") or [])
    return []


def start_inline_edit(qtbot: Any, desk: Desk, index: QModelIndex) -> QWidget:
    view = desk.controller.browser.view
    view.setFocus()
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: view.state() == QAbstractItemView.State.EditingState, timeout=3000)
    editor = view.indexWidget(index)
    assert editor is not None
    return editor


def commit_inline_edit(desk: Desk, editor: QWidget) -> None:
    """What Enter or leaving the cell does: the view's delegate commits, then closes."""
    delegate = desk.controller.browser.view.cell_delegate
    delegate.commitData.emit(editor)
    delegate.closeEditor.emit(editor, delegate.EndEditHint.NoHint)


def test_open_from_the_table_save_in_the_dock_updates_the_row_without_a_reload(
    qtbot, desk, sandbox
):
    sign_in(desk, sandbox)
    controller = desk.controller
    open_app(qtbot, desk, SHOWCASE)
    model, view = controller.browser.model, controller.browser.view
    item_id = int(sandbox.info["richest_item_id"])
    row = row_of(qtbot, controller, item_id)
    quantity = field(controller, "quantity")
    column = column_of(controller, quantity)
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    filters_before = filter_calls(sandbox)

    # Ctrl+Enter on the row opens the item in the editor dock (Enter edits the cell).
    view.setFocus()
    view.setCurrentIndex(model.index(row, column))
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    dock = controller.editor_docks[controller.browser.workspace.key]
    assert isinstance(dock, ItemEditorDock)
    assert dock.isVisible()
    editor = dock.editor
    qtbot.waitUntil(
        lambda: editor.state is EditorState.READY and editor.item is not None, timeout=10000
    )
    assert editor.item is not None
    assert editor.item.item_id == item_id

    number = editor.editor(quantity.field_id)
    assert isinstance(number, NumberEditor)
    number.line.setText("77")
    task = editor.save()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=10000)
    assert task.exception() is None
    assert isinstance(editor.last_outcome, Saved)

    # The row shows the new value at once; the sandbox and the cache hold it.
    qtbot.waitUntil(lambda: "77" in str(model.index(row, column).data()), timeout=5000)
    assert sandbox_values(sandbox, item_id, quantity) == ["77"]
    assert raw_values(cached_raw(desk, item_id), quantity) == [{"value": "77.0000"}]
    shown = model.item_at(row)
    assert shown is not None
    assert shown.values[quantity.field_id] == NumberValue(Decimal(77))
    # No reload: no reset, no new filter request.
    assert resets == []
    assert filter_calls(sandbox) == filters_before


def test_double_click_on_the_title_opens_and_new_item_opens_an_empty_form(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    controller = desk.controller
    open_app(qtbot, desk, SHOWCASE)
    model, view = controller.browser.model, controller.browser.view
    row = row_of(qtbot, controller, int(sandbox.info["richest_item_id"]))
    title = model.index(row, 0)
    # The title is editable in place (F2) yet a double-click opens the item.
    assert model.flags(title) & Qt.ItemFlag.ItemIsEditable
    view.doubleClicked.emit(title)
    dock = next(iter(controller.editor_docks.values()))
    qtbot.waitUntil(lambda: dock.editor.item is not None, timeout=10000)
    assert view.state() != QAbstractItemView.State.EditingState
    assert dock.width() >= 420

    task = controller.new_item()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=10000)
    assert dock.editor.item is None
    assert dock.editor.title.text().startswith("New")


def test_inline_category_edit_saves_the_option_id(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    controller = desk.controller
    open_app(qtbot, desk, SHOWCASE)
    model = controller.browser.model
    item_id = int(sandbox.info["richest_item_id"])
    row = row_of(qtbot, controller, item_id)
    state = field(controller, "state")
    index = model.index(row, column_of(controller, state))
    assert model.flags(index) & Qt.ItemFlag.ItemIsEditable
    fdef, value = index.data(Roles.FIELD_VALUE)
    assert fdef == state
    assert isinstance(value, CategoryValue)
    assert value.ids == (2,)
    # The same item is open, untouched, in the dock: it follows the inline save.
    workspace = controller.browser.workspace
    assert workspace is not None
    opening = controller.open_item(workspace, None, item_id)
    assert opening is not None
    qtbot.waitUntil(opening.done, timeout=10000)
    dock_editor = controller.editor_docks[workspace.key].editor
    assert dock_editor.item is not None
    revision_before = dock_editor.item.revision
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    filters_before = filter_calls(sandbox)

    editor = start_inline_edit(qtbot, desk, index)
    assert isinstance(editor, CategoryEditor)
    assert editor.combo is not None
    editor.combo.setCurrentIndex(editor.combo.findData(3))
    commit_inline_edit(desk, editor)
    qtbot.waitUntil(lambda: sandbox_values(sandbox, item_id, state) != [2], timeout=10000)
    # The sandbox keeps a category value as the chosen option ids.
    assert sandbox_values(sandbox, item_id, state) == [3]
    qtbot.waitUntil(
        lambda: (
            (model.item_at(row) is not None)
            and model.item_at(row).values[state.field_id].ids == (3,)
        ),
        timeout=5000,
    )
    assert resets == []
    assert filter_calls(sandbox) == filters_before
    qtbot.waitUntil(
        lambda: dock_editor.item is not None and dock_editor.item.revision > revision_before,
        timeout=5000,
    )
    assert dock_editor.editor(state.field_id).value().ids == (3,)


def test_inline_invalid_number_is_refused_and_nothing_is_sent(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    controller = desk.controller
    open_app(qtbot, desk, SHOWCASE)
    model = controller.browser.model
    item_id = int(sandbox.info["richest_item_id"])
    row = row_of(qtbot, controller, item_id)
    quantity = field(controller, "quantity")
    index = model.index(row, column_of(controller, quantity))
    before = sandbox_values(sandbox, item_id, quantity)
    editor = start_inline_edit(qtbot, desk, index)
    assert isinstance(editor, NumberEditor)
    editor.line.setText("twelve")
    sandbox.control.reset_log()
    delegate = controller.browser.view.cell_delegate  # the table's one delegate
    with qtbot.waitSignal(delegate.refused, timeout=5000) as refused:
        commit_inline_edit(desk, editor)
    assert refused.args[0]
    assert controller.window.statusBar().currentMessage().startswith("Not saved:")
    # The editor stays open with what was typed; Esc cancels it.
    view = controller.browser.view
    assert view.state() == QAbstractItemView.State.EditingState
    assert editor.line.text() == "twelve"
    view.cell_delegate.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.RevertModelCache)
    assert view.state() != QAbstractItemView.State.EditingState
    # A refused value never reaches the saver: nothing was queued to be sent.
    assert writes(sandbox) == []
    assert sandbox_values(sandbox, item_id, quantity) == before


def test_deleting_in_the_dock_strikes_the_row_through_without_a_reload(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    controller = desk.controller
    open_app(qtbot, desk, SHOWCASE)
    model = controller.browser.model
    item_id = int(sandbox.info["richest_item_id"])
    row = row_of(qtbot, controller, item_id)
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    workspace = controller.browser.workspace
    assert workspace is not None
    task = controller.open_item(workspace, None, item_id)
    assert task is not None
    qtbot.waitUntil(task.done, timeout=10000)
    editor = controller.editor_docks[workspace.key].editor
    deleting = editor.delete()
    assert deleting is not None
    qtbot.waitUntil(deleting.done, timeout=10000)
    assert sandbox.state.items[item_id].deleted
    qtbot.waitUntil(lambda: model.is_removed(row), timeout=5000)
    font = model.data(model.index(row, 0), Qt.ItemDataRole.FontRole)
    assert font is not None
    assert font.strikeOut()
    # A deleted row is neither editable nor opened again.
    assert not model.flags(model.index(row, 1)) & Qt.ItemFlag.ItemIsEditable
    assert resets == []


def test_the_in_place_date_editor_stays_on_its_row(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    controller = desk.controller
    open_app(qtbot, desk, SHOWCASE)
    model, view = controller.browser.model, controller.browser.view
    row = row_of(qtbot, controller, int(sandbox.info["richest_item_id"]))
    meeting = field(controller, "meeting")
    index = model.index(row, column_of(controller, meeting))
    view.scrollTo(index)
    editor = start_inline_edit(qtbot, desk, index)
    qtbot.waitUntil(editor.isVisible, timeout=3000)
    cell = view.visualRect(index)
    # One line, over its own cell: nothing lies over the row below.
    assert editor.geometry().top() == cell.top()
    assert editor.height() <= cell.height() + 2
    zone_note: Any = editor
    assert not zone_note.zone.isVisible()
    view.cell_delegate.closeEditor.emit(editor, view.cell_delegate.EndEditHint.RevertModelCache)


def test_the_comment_box_and_its_button_stay_in_sight_in_the_dock(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    controller = desk.controller
    desk.window.resize(1400, 900)
    open_app(qtbot, desk, SHOWCASE)
    workspace = controller.browser.workspace
    assert workspace is not None
    opening = controller.open_item(workspace, None, int(sandbox.info["richest_item_id"]))
    assert opening is not None
    qtbot.waitUntil(opening.done, timeout=10000)
    dock = controller.editor_docks[workspace.key]
    pane = dock.editor.side.comments
    pane.say("A status line long enough to wrap " * 6)  # a word-wrapped label in the pane
    qtbot.keyClicks(pane.input, "typed")

    def in_sight(widget: QWidget) -> bool:
        top_left = widget.mapTo(dock, widget.rect().topLeft())
        bottom = top_left.y() + widget.height()
        return widget.isVisible() and top_left.y() >= 0 and bottom <= dock.height()

    qtbot.waitUntil(lambda: in_sight(pane.add_button) and in_sight(pane.input), timeout=3000)
