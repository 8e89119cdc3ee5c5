"""Filters, search wording and totals: the filter bar's parts on their own, then the real
window against the sandbox over HTTP."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QLocale, QPoint, Qt
from PySide6.QtWidgets import QMainWindow, QMenu

from podio_desk.domain.fields import DurationValue, FieldDef, FieldType, display_text
from podio_desk.domain.workspace import App
from podio_desk.services.profile import Profile
from podio_desk.ui.filter_bar import FilterBar, RangeDialog
from podio_desk.ui.filters.date_range import DateRangeDialog, parse_date_text
from podio_desk.ui.filters.reference_picker import ReferencePicker
from podio_desk.ui.table.cells import Roles
from podio_desk.ui.table.delegate import CellDelegate
from podio_desk.ui.totals import format_figure
from tests.plugins.desk import Desk, open_desk
from tests.plugins.qt import run_async
from tests.ui.test_main_window import open_app, sign_in

pytestmark = pytest.mark.gui

FIXTURES = Path(__file__).resolve().parents[1] / "domain" / "fixtures"


def fixture_app() -> App:
    data = json.loads((FIXTURES / "get_item_225607452.json").read_text())
    fields = [dict(entry, status="active") for entry in data["fields"]]
    for entry in fields:
        entry.setdefault("label", entry.get("label") or entry["external_id"])
    return App.from_api(
        {"app_id": data["app"]["app_id"], "config": {"name": "Demo"}, "fields": fields}
    )


def field_of(app: App, kind: FieldType):
    return next(f for f in app.active_fields if f.field_type is kind)


# ---------------------------------------------------------------- the bar's parts


def test_a_date_is_read_in_iso_and_in_the_locales_own_forms():
    locale = QLocale(QLocale.Language.German, QLocale.Country.Germany)
    assert parse_date_text("2026-03-01", locale) == QDate(2026, 3, 1)
    assert parse_date_text("01.03.2026", locale) == QDate(2026, 3, 1)
    assert parse_date_text("1.3.26", locale) == QDate(2026, 3, 1)
    us = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    assert parse_date_text("3/1/2026", us) == QDate(2026, 3, 1)
    assert parse_date_text(us.toString(QDate(2026, 3, 1), QLocale.FormatType.LongFormat), us) == (
        QDate(2026, 3, 1)
    )
    assert parse_date_text("  ", us) is None
    with pytest.raises(ValueError, match="next tuesday"):
        parse_date_text("next tuesday", us)


def test_date_filter_is_typed_or_picked_from_a_calendar_that_opens_at_today(qtbot):
    app = fixture_app()
    date_field = field_of(app, FieldType.DATE)
    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.set_app(app)
    bar.edit_filter(date_field)
    dialog = bar.open_editor
    assert isinstance(dialog, DateRangeDialog)
    # The calendar of an empty box opens at today, not at some minimum date.
    dialog.low.open_calendar()
    qtbot.waitUntil(dialog.low.menu.isVisible, timeout=2000)
    assert dialog.low.calendar.selectedDate() == QDate.currentDate()
    picked = QDate.currentDate().addDays(-3)
    dialog.low.calendar.clicked.emit(picked)
    assert dialog.low.line.text() == picked.toString("yyyy-MM-dd")
    qtbot.keyClicks(dialog.high.line, "not a date")
    dialog.accept_if_valid()
    assert "is not a date" in dialog.error.text()
    dialog.high.line.clear()
    qtbot.keyClicks(dialog.high.line, QLocale().toString(picked, QLocale.FormatType.ShortFormat))
    with qtbot.waitSignal(bar.filters_changed) as blocker:
        dialog.accept_if_valid()
    day = picked.toString("yyyy-MM-dd")
    assert blocker.args == [{str(date_field.field_id): {"from": day, "to": day}}]


def test_a_category_sub_menu_is_a_multi_select_with_a_way_to_close_it(qtbot):
    app = fixture_app()
    category = field_of(app, FieldType.CATEGORY)
    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.set_app(app)
    bar.filter_menu.aboutToShow.emit()
    sub = next(
        menu
        for action in bar.filter_menu.actions()
        if isinstance(menu := action.menu(), QMenu) and action.text() == category.label
    )
    options = [action for action in sub.actions() if action.isCheckable()]
    assert len(options) >= 2
    # Ticking two options keeps both: a multi-select, so the menu stays open for more.
    with qtbot.waitSignal(bar.filters_changed):
        options[0].setChecked(True)
    with qtbot.waitSignal(bar.filters_changed) as blocker:
        options[1].setChecked(True)
    assert len(blocker.args[0][str(category.field_id)]) == 2
    # The obvious way to close it: a plain "Done" at the bottom (triggering it closes the menus).
    done = sub.actions()[-1]
    assert done.text() == "Done"
    assert not done.isCheckable()


def test_a_chip_is_clicked_to_edit_it_and_its_cross_removes_it(qtbot):
    app = fixture_app()
    number = field_of(app, FieldType.NUMBER)
    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.set_app(app)
    bar.set_filter(str(number.field_id), {"from": 2, "to": 9})
    (chip,) = bar.chip_widgets()
    assert chip.text() == f"{number.label}: 2 to 9"
    chip.edit_button.click()
    dialog = bar.open_editor
    assert isinstance(dialog, RangeDialog)
    assert (dialog.low.text(), dialog.high.text()) == ("2", "9")
    dialog.high.setText("5")
    with qtbot.waitSignal(bar.filters_changed) as blocker:
        dialog._accept_if_valid()
    assert blocker.args == [{str(number.field_id): {"from": 2, "to": 5}}]
    (chip,) = bar.chip_widgets()
    with qtbot.waitSignal(bar.filters_changed) as blocker:
        chip.remove_button.click()
    assert blocker.args == [{}]
    qtbot.waitUntil(lambda: not bar.chip_widgets())


def test_five_chips_wrap_and_never_widen_a_1200_px_window(qtbot):
    app = fixture_app()
    window = QMainWindow()
    qtbot.addWidget(window)
    bar = FilterBar()
    window.setCentralWidget(bar)
    window.resize(1200, 300)
    window.show()
    qtbot.waitExposed(window)
    bar.set_app(app)
    for index, fdef in enumerate(bar.filterable_fields()[:5]):
        kind = fdef.field_type
        if kind is FieldType.CATEGORY:
            value: object = [o["id"] for o in fdef.settings["options"]]
            labels = None
        elif kind is FieldType.DATE:
            value, labels = {"from": "2026-01-01", "to": "2026-12-31"}, None
        elif kind in (FieldType.APP, FieldType.CONTACT):
            value, labels = [None, 7], {7: "A rather long related item name, Ltd."}
        else:
            value, labels = {"from": 1000 * index + 123456.5, "to": 987654321.25}, None
        bar.set_filter(str(fdef.field_id), value, labels)
    assert len(bar.chip_widgets()) == 5
    qtbot.waitUntil(lambda: all(chip.isVisible() for chip in bar.chip_widgets()))
    assert window.width() == 1200
    assert bar.minimumSizeHint().width() < 1200
    assert window.minimumSizeHint().width() < 1200
    # They wrap: the chips do not all sit on one line, and each lies inside the window.
    for chip in bar.chip_widgets():
        right = chip.mapTo(window, chip.rect().topRight()).x()
        assert right <= window.width()


def test_reference_picker_searches_as_you_type_and_offers_no_value(qtbot, qloop):
    relation = FieldDef.from_api(
        {"field_id": 5, "type": "app", "label": "Client", "config": {"settings": {}}}
    )
    asked: list[str] = []
    universe = [(1000 + n, f"Company {n:04d}") for n in range(5000)]

    async def search(fdef, text):
        asked.append(text)
        wanted = text.casefold()
        return [pair for pair in universe if wanted in pair[1].casefold()][:50]

    def spawn(name, coro):
        return asyncio.ensure_future(coro)

    picker = ReferencePicker(relation, [], {}, search, spawn, seen=[(1, "Seen only")])
    qtbot.addWidget(picker)
    assert picker.list.count() == 1  # "(no value)" until something is typed
    qtbot.keyClicks(picker.query, "4999")
    qtbot.waitUntil(lambda: picker.searches == 1, timeout=3000)
    texts = [picker.list.item(i).text() for i in range(picker.list.count())]
    assert texts == ["(no value)", "Company 4999"]
    picker.list.item(0).setCheckState(Qt.CheckState.Checked)
    picker.list.item(1).setCheckState(Qt.CheckState.Checked)
    assert picker.value() == [None, 5999]
    assert asked == ["4999"]


# ---------------------------------------------------------------- the real window


@pytest.fixture
def desk(qtbot, qloop, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


@pytest.mark.slow
def test_search_names_what_it_searched_and_totals_are_partial_until_synced(
    qtbot, desk, sandbox_factory
):
    sandbox = sandbox_factory(items=1200)
    sign_in(desk, sandbox)
    controller = desk.controller
    browser = controller.browser
    model = browser.model
    open_app(qtbot, desk, "Tickets")
    qtbot.waitUntil(lambda: model.source.is_loaded(0) and not model.is_loading, timeout=10000)
    session = browser.workspace
    assert session is not None
    assert browser.app is not None
    app_id = browser.app.app_id
    qtbot.waitUntil(lambda: run_async(session.queries.cached_count(app_id)) == 500, timeout=10000)
    # The first page went into the cache; a search looks through those items only, and says so.
    with qtbot.waitSignal(model.total_changed, timeout=10000):
        browser.filter_bar.search.setText("printer")
    qtbot.waitUntil(lambda: "cached" in browser.filter_bar.count_label.text(), timeout=10000)
    text = browser.filter_bar.count_label.text()
    assert text == f"{model.rowCount():,} found in the 500 cached items of 1,200 — sync for all"
    # The totals say they are partial, and name what they cover.
    qtbot.waitUntil(lambda: browser.totals.totals is not None, timeout=10000)
    assert browser.totals.text_for(0).startswith("Partial:")
    with qtbot.waitSignal(model.total_changed, timeout=10000):
        browser.filter_bar.search.setText("")

    task = controller.sync_current_app()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=60000)
    assert task.exception() is None
    qtbot.waitUntil(
        lambda: browser.mode_text().startswith("Sorted and filtered in the local cache"),
        timeout=10000,
    )
    app = browser.app
    assert app is not None
    status = next(f for f in app.active_fields if f.external_id == "status")
    amount = next(f for f in app.active_fields if f.external_id == "amount")
    effort = next(f for f in app.active_fields if f.external_id == "effort")
    option = status.settings["options"][0]["id"]
    before = browser.summary.refreshes
    with qtbot.waitSignal(model.total_changed, timeout=10000):
        browser.filter_bar.set_filter(str(status.field_id), [option])
    qtbot.waitUntil(lambda: browser.summary.refreshes > before, timeout=10000)
    matching = model.rowCount()
    assert 0 < matching < 1200
    browser.view.scrollToBottom()
    qtbot.waitUntil(lambda: model.source.is_loaded(matching - 1), timeout=10000)
    qtbot.waitUntil(lambda: model.source.is_loaded(0), timeout=10000)
    items = [model.item_at(row) for row in range(matching)]
    amounts = [i.values[amount.field_id].value for i in items if amount.field_id in i.values]
    efforts = [i.values[effort.field_id].seconds for i in items if effort.field_id in i.values]
    keys = [column.key for column in model.columns]
    footer = browser.totals
    assert footer.text_for(0) == f"Totals of {matching:,}\nitems: sum,\naverage, count"
    amount_text = footer.text_for(keys.index(str(amount.field_id)))
    expected_sum = format_figure(amount, float(sum(amounts)))
    assert amount_text.startswith(f"Σ {expected_sum}"), amount_text
    # As the column shows money: separators and cents (and the currency when there is one).
    assert re.search(r"\d,\d{3}\.\d{2}", expected_sum), expected_sum
    assert amount_text.endswith(f"\nn {len(amounts):,}")
    effort_text = footer.text_for(keys.index(str(effort.field_id)))
    # As the column shows durations (e.g. "10710h 30m"), not a clock reading.
    assert effort_text.startswith(f"Σ {display_text(effort, DurationValue(sum(efforts)))}")
    # The footer's cell sits under its column, and follows it when the column is resized.
    column = keys.index(str(amount.field_id))
    header = browser.view.horizontalHeader()

    def column_left() -> int:
        # The column's left edge on screen, as the header draws it, in the footer's terms.
        x = header.sectionViewportPosition(column)
        return int(footer.mapFromGlobal(header.viewport().mapToGlobal(QPoint(x, 0))).x())

    assert footer.cell_rect(column).x() == column_left()
    before_resize = column_left()
    header.resizeSection(0, header.sectionSize(0) + 40)
    assert column_left() == before_resize + 40
    assert footer.cell_rect(column).x() == column_left()


@pytest.mark.slow
def test_relationship_filter_finds_values_not_loaded_and_offers_no_value(
    qtbot, desk, sandbox_factory
):
    sandbox = sandbox_factory(items=600)
    sign_in(desk, sandbox)
    browser = desk.controller.browser
    model = browser.model
    open_app(qtbot, desk, "Tickets")
    qtbot.waitUntil(lambda: model.source.is_loaded(0) and not model.is_loading, timeout=10000)
    app = browser.app
    assert app is not None
    customer = next(f for f in app.active_fields if f.external_id == "customer")
    browser.filter_bar.edit_filter(customer)
    picker = browser.filter_bar.open_editor
    assert isinstance(picker, ReferencePicker)
    # Typing searches Podio (and the cache) for related items.
    qtbot.keyClicks(picker.query, "a")
    qtbot.waitUntil(lambda: picker.searches >= 1, timeout=10000)
    assert picker.list.count() > 1
    assert picker.list.item(0).text() == "(no value)"
    first = picker.list.item(1)
    first.setCheckState(Qt.CheckState.Checked)
    name, chosen_id = first.text(), first.data(Qt.ItemDataRole.UserRole)
    with qtbot.waitSignal(model.total_changed, timeout=10000):
        picker.accept()
    (chip,) = browser.filter_bar.chip_widgets()
    assert chip.text() == f"Customer: {name}"
    qtbot.waitUntil(lambda: model.source.is_loaded(0), timeout=10000)
    with_customer = model.rowCount()
    assert 0 < with_customer < 600
    assert chosen_id in model.item_at(0).values[customer.field_id].item_ids
    # "(no value)": the items without a customer.
    with qtbot.waitSignal(model.total_changed, timeout=10000):
        browser.filter_bar.set_filter(str(customer.field_id), [None])
    qtbot.waitUntil(lambda: model.source.is_loaded(0), timeout=10000)
    empty = model.rowCount()
    assert 0 < empty < 600
    unset = model.item_at(0).values.get(customer.field_id)
    assert unset is None or not unset.item_ids


@pytest.mark.slow
def test_grouping_by_a_category_shows_groups_with_counts_and_their_items(
    qtbot, desk, sandbox_factory
):
    from PySide6.QtTest import QAbstractItemModelTester

    sandbox = sandbox_factory(items=400)
    sign_in(desk, sandbox)
    controller = desk.controller
    browser = controller.browser
    open_app(qtbot, desk, "Tickets")
    task = controller.sync_current_app()
    assert task is not None
    qtbot.waitUntil(task.done, timeout=60000)
    assert task.exception() is None
    app = browser.app
    assert app is not None
    status = next(f for f in app.active_fields if f.external_id == "status")
    grouping = browser.grouping
    # A column hidden in the table stays hidden in the groups.
    table_keys = [column.key for column in browser.model.columns]
    hidden = table_keys.index(
        str(next(f for f in app.active_fields if f.external_id == "amount").field_id)
    )
    browser.view.setColumnHidden(hidden, True)
    before = grouping.refreshes
    browser.filter_bar.set_group_by(status)
    qtbot.waitUntil(lambda: grouping.refreshes > before, timeout=10000)
    assert browser.group_view.isVisible()
    assert not browser.view.isVisible()
    model = grouping.model
    assert model is not None
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    labels = model.group_labels()
    names = {o["id"]: o["text"] for o in status.settings["options"]}
    counts = [int(label.rsplit("(", 1)[1].rstrip(")").replace(",", "")) for label in labels]
    assert sum(counts) == 400
    assert counts == sorted(counts, reverse=True)
    first = model.index(0, 0)
    group_name = labels[0].rsplit(" (", 1)[0]
    browser.group_view.expand(first)
    qtbot.waitUntil(lambda: model.rowCount(first) == min(counts[0], 200), timeout=10000)
    option = next(key for key, text in names.items() if text == group_name)
    for row in range(model.rowCount(first)):
        item = model.item_at(model.index(row, 0, first))
        assert item is not None
        assert option in item.values[status.field_id].ids
    # The table's cells: the status is drawn as the table draws it (a coloured chip), by the
    # table's delegate; the hidden column is hidden here too.
    status_column = table_keys.index(str(status.field_id))
    cell = model.index(0, status_column, first).data(Roles.CELL)
    assert cell is not None
    assert cell.color
    assert isinstance(browser.group_view.itemDelegate(), CellDelegate)
    assert browser.group_view.isColumnHidden(hidden)
    assert not browser.group_view.isColumnHidden(status_column)
    # A filter regroups what it leaves.
    before = grouping.refreshes
    with qtbot.waitSignal(browser.model.total_changed, timeout=10000):
        browser.filter_bar.set_filter(str(status.field_id), [option])
    qtbot.waitUntil(lambda: grouping.refreshes > before, timeout=10000)
    assert grouping.model is not None
    assert grouping.model.group_labels() == [f"{group_name} ({counts[0]:,})"]
    browser.filter_bar.set_group_by(None)
    assert browser.view.isVisible()
