"""The totals footer says what the column says: money with its currency and cents, durations
in the field's units; it counts an in-place save at once; its figures sit under their own
column or nowhere (never under a frozen one); with no local copy it says what is missing."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from podio_desk.domain.fields import FieldDef
from podio_desk.services.profile import Profile
from podio_desk.services.queries import ColumnTotals
from podio_desk.ui.editor.fields import NumberEditor
from podio_desk.ui.totals import describe_scope, format_figure
from tests.plugins.desk import Desk, open_desk
from tests.ui.test_integration import (
    column_of,
    commit_inline_edit,
    field,
    row_of,
    start_inline_edit,
)
from tests.ui.test_main_window import open_app, sign_in


def _field(kind: str, **settings: Any) -> FieldDef:
    return FieldDef.from_api(
        {
            "field_id": 7,
            "type": kind,
            "label": "F",
            "external_id": "f",
            "config": {"settings": settings},
        }
    )


def test_figures_are_formatted_like_the_column() -> None:
    price = _field("money", allowed_currencies=["EUR"])
    assert format_figure(price, 24358000.0) == "€24,358,000.00"
    mixed = _field("money", allowed_currencies=["EUR", "USD"])
    assert format_figure(mixed, 1234.5) == "1,234.50"
    number = _field("number", decimals=0)
    assert format_figure(number, 166576363.0) == "166,576,363"
    assert format_figure(number, 55804.4812, average=True) == "55,804.48"
    effort = _field("duration", fields=["hours", "minutes"])
    assert format_figure(effort, 10710 * 3600 + 30 * 60) == "10710h 30m"


def test_with_no_local_copy_the_footer_says_what_is_missing() -> None:
    text, tip = describe_scope(ColumnTotals(0, 0, 40, True, ()))
    assert "sync this app" in text
    assert "nothing of this app" not in text
    assert "Sync" in tip


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


@pytest.mark.gui
@pytest.mark.slow
def test_totals_follow_an_in_place_save_and_stay_under_their_columns(qtbot, desk, sandbox):
    sign_in(desk, sandbox)
    controller = desk.controller
    browser = controller.browser
    open_app(qtbot, desk, "Showcase")
    model, view, footer = browser.model, browser.view, browser.totals
    item_id = int(sandbox.info["richest_item_id"])
    row = row_of(qtbot, controller, item_id)
    quantity = field(controller, "quantity")
    column = column_of(controller, quantity)
    # The app's items in the local copy, so the totals count all of them.
    task = controller.sync_current_app()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=30000)
    qtbot.waitUntil(lambda: footer.text_for(column).startswith("Σ "), timeout=10000)
    qtbot.waitUntil(lambda: "—" not in footer.text_for(column), timeout=10000)
    before = footer.text_for(column)
    shown = model.item_at(row)
    assert shown is not None
    old = shown.values[quantity.field_id].value
    sum_before = Decimal(before.split("\n")[0][2:].replace(",", ""))

    editor = start_inline_edit(qtbot, desk, model.index(row, column))
    assert isinstance(editor, NumberEditor)
    editor.line.setText(str(old + 1000))
    commit_inline_edit(desk, editor)
    qtbot.waitUntil(lambda: footer.text_for(column) != before, timeout=10000)
    sum_after = Decimal(footer.text_for(column).split("\n")[0][2:].replace(",", ""))
    assert sum_after == sum_before + 1000

    # Scrolled under the frozen title, a column's figures are not drawn there.
    frozen = view.frozen
    assert frozen.is_frozen(0)
    assert footer.is_shown(column)
    header = view.horizontalHeader()
    view.horizontalScrollBar().setValue(
        header.sectionViewportPosition(column) + 5 + header.offset()
    )
    qtbot.waitUntil(lambda: header.sectionViewportPosition(column) < frozen.frozen_width())
    assert not footer.is_shown(column)
    # The frozen title's cell stays where the frozen column is on screen.
    assert footer.is_shown(0)
    left = footer.mapFromGlobal(
        frozen.viewport().mapToGlobal(frozen.visualRect(model.index(0, 0)).topLeft())
    ).x()
    assert footer.cell_rect(0).x() == left
