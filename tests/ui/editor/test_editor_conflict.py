"""Saving without overwriting anyone: 409 conflicts, deleted items, Podio's 400s."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication

from podio_desk.ui.editor.conflict import EDIT, MINE, THEIRS
from podio_desk.ui.editor.item_editor import EditorState
from tests.ui.editor.conftest import EditorEnv, run_async

pytestmark = pytest.mark.gui


def _edit_mine_then_theirs(env: EditorEnv) -> None:
    """I change title and quantity; meanwhile the other user changes title and price."""
    env.open()
    env.field("title").set_text("My title")
    env.field("quantity").line.setText("7")
    env.sandbox.edit_as_other(
        env.item_id, {"title": "Their title", "price": {"value": "5", "currency": "EUR"}}
    )
    env.sandbox.control.reset_log()
    task = env.editor.save()
    env.wait(task)
    assert env.editor.state is EditorState.CONFLICT, env.editor.message
    puts = [w for w in env.writes() if w.startswith("PUT")]
    assert len(puts) == 1  # the refused one (409): nothing was overwritten
    view = env.editor.conflict_view
    rows = {row.entry.field.external_id: row.entry for row in view.rows.values()}
    # Their price change also changed the calculated total: shown, not choosable.
    assert set(rows) == {"title", "quantity", "price", "total"}
    assert not rows["total"].mine_changed
    assert rows["title"].clashes
    assert rows["title"].theirs_changed
    assert rows["quantity"].mine_changed
    assert not rows["quantity"].theirs_changed
    assert not rows["price"].mine_changed
    assert rows["price"].theirs_changed


def test_conflict_keep_mine(env: EditorEnv) -> None:
    _edit_mine_then_theirs(env)
    view = env.editor.conflict_view
    view.choose_all(MINE)
    env.sandbox.control.reset_log()
    with env.qtbot.waitSignal(env.editor.item_saved, timeout=10_000):
        view.submit()
    assert env.editor.state is EditorState.SAVED, env.editor.message
    item = env.fetch()
    assert item.title == "My title"
    assert env.raw_values("quantity") == [{"value": "7.0000"}]
    # Their price stays: only my fields were sent, on top of their revision.
    assert env.raw_values("price") == [{"value": "5.0000", "currency": "EUR"}]
    (body,) = env.sent_bodies("PUT")
    assert body["revision"] == 2
    assert Decimal(env.field("price").amount.text()) == 5


def test_conflict_take_theirs(env: EditorEnv) -> None:
    _edit_mine_then_theirs(env)
    view = env.editor.conflict_view
    view.choose_all(THEIRS)
    env.sandbox.control.reset_log()
    with env.qtbot.waitSignal(env.editor.item_saved, timeout=10_000):
        view.submit()
    assert env.writes() == []  # taking theirs everywhere sends nothing
    item = env.fetch()
    assert item.title == "Their title"
    assert item.revision == 2
    assert env.raw_values("quantity") == [{"value": "12.5000"}]
    # The editor now shows their version.
    assert env.editor.pages.currentWidget() is env.editor.splitter
    assert env.field("title").line.text() == "Their title"
    assert env.editor.item is not None
    assert env.editor.item.revision == 2


def test_conflict_edit_a_merged_value(env: EditorEnv) -> None:
    _edit_mine_then_theirs(env)
    view = env.editor.conflict_view
    title_id = env.field("title").fdef.field_id
    view.choose(title_id, EDIT)
    editor: Any = view.rows[title_id].editor
    assert editor is not None
    editor.set_text("Merged title")
    with env.qtbot.waitSignal(env.editor.item_saved, timeout=10_000):
        view.submit()
    assert env.fetch().title == "Merged title"
    assert env.raw_values("quantity") == [{"value": "7.0000"}]


def test_conflict_edited_value_is_validated(env: EditorEnv) -> None:
    _edit_mine_then_theirs(env)
    view = env.editor.conflict_view
    title_id = env.field("title").fdef.field_id
    view.choose(title_id, EDIT)
    editor: Any = view.rows[title_id].editor
    assert editor is not None
    editor.set_text("")
    env.sandbox.control.reset_log()
    view.submit()
    assert "is required" in view.rows[title_id].error.text()
    assert env.writes() == []


def test_saving_a_deleted_item_says_so_and_keeps_my_values(env: EditorEnv) -> None:
    env.open()
    env.field("title").set_text("Lost title")
    run_async(env.client.delete_item(env.item_id))
    env.wait(env.editor.save())
    assert env.editor.state is EditorState.DELETED
    assert "was deleted" in env.editor.message
    assert not env.editor.copy_json_button.isHidden()
    env.editor.copy_unsaved_json()
    copied = json.loads(QGuiApplication.clipboard().text())
    assert copied["fields"][0]["text"] == "Lost title"
    assert copied["fields"][0]["input"] == "Lost title"
    env.editor.copy_unsaved_text()
    assert "Title: Lost title" in QGuiApplication.clipboard().text()
    # The values are still in the form.
    assert env.field("title").line.text() == "Lost title"


def test_a_400_naming_a_field_is_shown_on_that_field(env: EditorEnv) -> None:
    env.open()
    app = env.editor.app
    assert app is not None
    # The app definition we hold is stale: it still allows GBP, which Podio no longer does.
    price = app.field("price")
    assert price is not None
    stale = dataclasses.replace(
        price, settings={**price.settings, "allowed_currencies": ["EUR", "USD", "DKK", "GBP"]}
    )
    fields = tuple(stale if f.field_id == price.field_id else f for f in app.fields)
    stale_app: Any = dataclasses.replace(app, fields=fields)
    env.editor.show_item(stale_app, env.editor.item)
    editor = env.field("price")
    editor.currency.setCurrentText("GBP")
    editor.amount.setText("10")
    env.wait(env.editor.save())
    assert env.editor.state is EditorState.REJECTED
    errors = env.editor.field_errors()
    assert "Invalid currency 'GBP'" in errors[price.field_id]
    assert env.raw_values("price") == [{"value": "99.9500", "currency": "EUR"}]


def test_back_to_my_edit_then_save_on_top_of_theirs(env: EditorEnv) -> None:
    _edit_mine_then_theirs(env)
    env.editor.conflict_view.cancel_button.click()
    assert env.editor.pages.currentWidget() is env.editor.splitter
    assert env.field("title").line.text() == "My title"
    assert env.field("price").amount.text() == "5.00"  # theirs, underneath
    env.sandbox.control.reset_log()
    env.save()
    (body,) = env.sent_bodies("PUT")
    assert body["revision"] == 2
    assert sorted(body["fields"]) == sorted(
        str(env.field(x).fdef.field_id) for x in ("title", "quantity")
    )
    assert env.fetch().title == "My title"
    assert env.raw_values("price") == [{"value": "5.0000", "currency": "EUR"}]


def test_network_failure_keeps_my_changes_for_a_retry(env: EditorEnv) -> None:
    env.open()
    env.field("title").set_text("Survives the outage")
    env.sandbox.control.set_error_rate(1.0, statuses=(503,))
    env.wait(env.editor.save())
    assert env.editor.state is EditorState.FAILED
    assert "Your changes are still here" in env.editor.message
    assert env.field("title").line.text() == "Survives the outage"
    env.sandbox.control.reset_faults()
    env.save()
    assert env.fetch().title == "Survives the outage"


def test_in_a_400_pixel_dock_mine_theirs_and_the_choice_show_without_scrolling_sideways(
    env: EditorEnv,
) -> None:
    from PySide6.QtWidgets import QLabel

    from podio_desk.ui.editor.conflict import ConflictView

    _edit_mine_then_theirs(env)
    conflict = env.editor.conflict_view.conflict
    assert conflict is not None
    # The same conflict in a view as wide as the editor dock of a 1 000-pixel window.
    view = ConflictView(env.editor.context)
    env.qtbot.addWidget(view)
    view.show_conflict(conflict)
    view.resize(400, 700)
    view.show()
    env.qtbot.waitExposed(view)
    area = view.scroll_area
    body = area.widget()
    assert body is not None
    env.qtbot.waitUntil(lambda: view.width() == 400)
    env.qtbot.waitUntil(lambda: body.width() <= area.viewport().width())
    assert area.horizontalScrollBar().maximum() == 0
    right = area.viewport().width()

    def inside(widget: Any) -> bool:
        left: int = widget.mapTo(area.viewport(), widget.rect().topLeft()).x()
        end: int = widget.mapTo(area.viewport(), widget.rect().topRight()).x()
        return left >= 0 and end <= right

    title = next(r for r in view.rows.values() if r.entry.field.external_id == "title")
    for button in (title.mine_button, title.theirs_button, title.edit_button):
        assert button.isVisible()
        assert inside(button), button.text()
    labels = [label for label in body.findChildren(QLabel) if label.isVisible()]
    for wanted in ("My title", "Their title"):
        label = next(label for label in labels if wanted in label.text())
        assert inside(label), wanted
