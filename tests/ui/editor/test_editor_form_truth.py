"""What was written is what is shown: a new item starts empty (no currency or date carried
over), a refused link says why, Ctrl+B/I/U format rich text, messages never move the form,
and text from Podio is never read as markup in the editor's labels."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from podio_desk.domain.fields import EMPTY
from podio_desk.ui.editor.item_editor import EditorState
from tests.ui.editor.conftest import EditorEnv

pytestmark = pytest.mark.gui


def test_a_new_item_starts_empty(env: EditorEnv) -> None:
    env.open()
    price = env.field("price")
    price.currency.setCurrentText("DKK")
    price.amount.setText("12")
    meeting = env.field("meeting")
    item = env.editor.item
    assert item is not None
    assert item.app_id is not None
    env.editor.discard()
    env.wait(env.editor.new_item(item.app_id))
    assert env.editor.item is None
    assert price.amount.text() == ""
    assert price.currency.currentText() == "EUR"  # the field's first currency
    assert not meeting.has_date.isChecked()
    meeting.has_date.setChecked(True)
    shown = meeting.value()
    assert shown.start_time is None or (shown.start_time.hour, shown.start_time.minute) == (0, 0)
    for field_id, row in env.editor.rows.items():
        if not row.editor.read_only and field_id != meeting.fdef.field_id:
            assert row.editor.value() == EMPTY, row.fdef.label


def test_a_refused_link_says_why(env: EditorEnv) -> None:
    env.open()
    description = env.field("description")
    description.link_url.show()
    description.link_url.setText("javascript:alert(1)")
    description._apply_link()
    assert not description.link_problem.isHidden()
    assert "Not linked" in description.link_problem.text()
    assert "javascript" not in description.rich.toHtml()


def test_ctrl_b_i_u_format_rich_text(env: EditorEnv) -> None:
    env.open()
    env.editor.show()
    description = env.field("description")
    rich = description.rich
    rich.setPlainText("word")
    rich.selectAll()
    rich.setFocus()
    env.qtbot.waitUntil(rich.hasFocus, timeout=3000)
    env.qtbot.keyClick(rich, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    env.qtbot.keyClick(rich, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    env.qtbot.keyClick(rich, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    value = description.value()
    assert "<b>" in value.text or "<strong>" in value.text
    assert "<i>" in value.text or "<em>" in value.text
    assert "<u>" in value.text
    assert rich.currentCharFormat().fontWeight() == QFont.Weight.Bold


def test_a_message_does_not_move_the_form(env: EditorEnv) -> None:
    env.open()
    env.editor.show()
    env.qtbot.waitExposed(env.editor)
    top = env.editor.pages.mapTo(env.editor, env.editor.pages.rect().topLeft()).y()
    assert env.editor.message == ""
    env.field("title").set_text("")
    env.editor.save()  # refused: the title is required
    assert env.editor.state is EditorState.INVALID
    assert env.editor.message
    banner, pages = env.editor.banner, env.editor.pages
    # Laid out: the banner sits above the form.
    env.qtbot.waitUntil(
        lambda: banner.isVisible() and 0 < banner.geometry().bottom() < pages.geometry().top(),
        timeout=3000,
    )
    assert pages.mapTo(env.editor, pages.rect().topLeft()).y() == top


def test_titles_and_messages_are_plain_text(env: EditorEnv) -> None:
    env.open()
    env.field("title").set_text("<b>Bold?</b> No")
    env.save()
    item = env.editor.item
    assert item is not None
    # Whatever Podio made the title, the label shows it character for character.
    assert env.editor.title.text() == item.title
    for label in (env.editor.title, env.editor.subtitle, env.editor.banner_text):
        assert label.textFormat() == Qt.TextFormat.PlainText
    assert env.field("title").line.text() == "<b>Bold?</b> No"
