"""Money in several currencies: the totals footer sums each currency apart (one SQL
aggregate grouped by currency), never one plain sum of amounts in different currencies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from podio_desk.domain.fields import FieldDef
from podio_desk.services.profile import Profile
from podio_desk.services.queries import CurrencyTotal, FieldTotal
from podio_desk.ui.totals import describe_total
from tests.plugins.desk import Desk, open_desk
from tests.ui.test_integration import column_of, field
from tests.ui.test_main_window import open_app, sign_in

PRICE = FieldDef.from_api(
    {
        "field_id": 7,
        "type": "money",
        "label": "Price",
        "external_id": "price",
        "config": {"settings": {"allowed_currencies": ["EUR", "USD", "DKK"]}},
    }
)


def _total(*groups: tuple[str | None, int, float]) -> FieldTotal:
    currencies = tuple(CurrencyTotal(*group) for group in groups)
    count = sum(group.count for group in currencies)
    total = sum(group.total for group in currencies)
    return FieldTotal(7, count, total, total / count, currencies)


def test_two_currencies_are_summed_apart_side_by_side() -> None:
    text, tip = describe_total(PRICE, _total(("EUR", 2, 1200.0), ("USD", 1, 300.0)))
    assert text.split("\n") == ["Σ €1,200.00 + $300.00", "⌀ €600.00 + $300.00", "n 3"]
    assert "EUR: sum €1,200.00, average €600.00 over 2 items" in tip
    assert "USD: sum $300.00, average $300.00 over 1 item" in tip
    assert "1,500" not in text + tip  # never one sum across currencies


def test_more_currencies_show_the_most_used_and_how_many_more() -> None:
    text, tip = describe_total(PRICE, _total(("EUR", 3, 90.0), ("DKK", 2, 1000.0), ("USD", 1, 5.5)))
    assert text.split("\n")[0] == "Σ €90.00 +2 currencies"
    assert tip.splitlines()[1:] == [
        "EUR: sum €90.00, average €30.00 over 3 items",
        "DKK: sum 1,000.00 DKK, average 500.00 DKK over 2 items",
        "USD: sum $5.50, average $5.50 over 1 item",
    ]


def test_one_currency_of_several_allowed_shows_that_currency() -> None:
    text, _tip = describe_total(PRICE, _total(("USD", 2, 10.0)))
    assert text.split("\n")[:2] == ["Σ $10.00", "⌀ $5.00"]


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


def _item_titled(qtbot: Any, desk: Desk, title: str) -> int:
    model = desk.controller.browser.model
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.source.is_loaded(0), timeout=10000)
    rows = [row for row in range(model.rowCount()) if model.index(row, 0).data() == title]
    assert rows, title
    item_id = model.item_id_at(rows[0])
    assert item_id is not None
    return int(item_id)


@pytest.mark.gui
@pytest.mark.slow
def test_the_footer_sums_each_currency_of_a_money_column(qtbot, desk, sandbox) -> None:
    sign_in(desk, sandbox)
    controller = desk.controller
    open_app(qtbot, desk, "Showcase")
    footer = controller.browser.totals
    price = field(controller, "price")
    column = column_of(controller, price)
    # The richest item costs €99.95; two samples get a price, one in euros, one in dollars.
    euros = _item_titled(qtbot, desk, "Showcase sample 1")
    dollars = _item_titled(qtbot, desk, "Showcase sample 2")
    sandbox.edit_directly(euros, {"price": [{"value": "1100.05", "currency": "EUR"}]})
    sandbox.edit_directly(dollars, {"price": [{"value": "300", "currency": "USD"}]})
    task = controller.sync_current_app()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=30000)
    qtbot.waitUntil(
        lambda: footer.text_for(column).startswith("Σ €1,200.00 + $300.00"), timeout=10000
    )
    assert footer.text_for(column).split("\n")[1:] == ["⌀ €600.00 + $300.00", "n 3"]
    tip = footer.tip_for(column)
    assert "EUR: sum €1,200.00, average €600.00 over 2 items" in tip
    assert "USD: sum $300.00, average $300.00 over 1 item" in tip
    # Filtered (a search), the same aggregate runs over the matching items only.
    controller.browser.filter_bar.search.setText("sample")
    qtbot.waitUntil(
        lambda: footer.text_for(column).startswith("Σ €1,100.05 + $300.00"), timeout=10000
    )
