"""The main window's smaller parts: cells by field type, filter bar, login dialog, offline
banner, column chooser and the remembered table layout."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QSettings, Qt
from PySide6.QtWidgets import QHeaderView, QTableView

from podio_desk.domain.items import Item
from podio_desk.domain.workspace import App
from podio_desk.ui.column_chooser import ColumnChooser
from podio_desk.ui.filter_bar import FilterBar, RangeDialog, describe_filter
from podio_desk.ui.login_dialog import LoginDialog, SignInRequest
from podio_desk.ui.offline_banner import OfflineBanner
from podio_desk.ui.table.columns import columns_for_app
from podio_desk.ui.view_state import TableLayout, ViewState

pytestmark = pytest.mark.gui

# The recorded items the domain tests use.
FIXTURES = Path(__file__).resolve().parents[1] / "domain" / "fixtures"


def fixture_item() -> tuple[App, Item]:
    data = json.loads((FIXTURES / "get_item_225607452.json").read_text())
    fields = [dict(entry, status="active") for entry in data["fields"]]
    app = App.from_api(
        {"app_id": data["app"]["app_id"], "config": {"name": "Demo"}, "fields": fields}
    )
    return app, Item.from_api(data, app)


def test_the_title_column_is_headed_by_the_title_fields_label():
    data = json.loads((FIXTURES / "get_item_225607452.json").read_text())
    fields = [dict(entry, status="active") for entry in data["fields"]]
    fields[0] = dict(fields[0], label="Subject")
    app = App.from_api({"app_id": 1, "config": {"name": "Tickets"}, "fields": fields})
    assert app.title_field is not None
    assert app.title_field.label == "Subject"
    # As in the form and the unsaved-changes prompt.
    assert columns_for_app(app, QLocale.c())[0].label == "Subject"


def test_columns_render_each_field_type():
    app, item = fixture_item()
    columns = columns_for_app(app, QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    assert columns[0].key == "title"
    assert columns[-2].key == "created_on"
    assert columns[-1].sort_by == "last_edit_on"
    by_kind = {column.kind: column for column in columns}
    assert "text" not in by_kind or by_kind["text"].label != "Title"  # the title is column 0
    assert columns[0].render(item).text == item.title
    category = by_kind["category"].render(item)
    assert category.text
    assert category.color is not None
    money = by_kind["money"].render(item)
    assert money.align_right
    assert money.tooltip is not None
    date = by_kind["date"].render(item)
    assert date.text
    embed = by_kind["embed"].render(item)
    assert embed.link is None or embed.link.startswith("http")
    assert by_kind["embed"].sort_by is None
    assert by_kind["number"].sort_by == str(app.field("number").field_id)  # type: ignore[union-attr]


def test_filter_bar_builds_podio_filters_and_chips(qtbot):
    app, _item = fixture_item()
    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.set_app(app)
    category = next(f for f in app.active_fields if f.type == "category")
    option = category.settings["options"][0]
    with qtbot.waitSignal(bar.filters_changed) as blocker:
        bar.set_filter(str(category.field_id), [option["id"]])
    assert blocker.args == [{str(category.field_id): [option["id"]]}]
    assert bar.chips.count() == 1
    assert option["text"] in describe_filter(category, [option["id"]])
    number = next(f for f in app.active_fields if f.type == "number")
    assert describe_filter(number, {"from": 1, "to": 5}) == f"{number.label}: 1 to 5"
    assert describe_filter(number, {"from": 3}) == f"{number.label} ≥ 3"
    with qtbot.waitSignal(bar.filters_changed) as blocker:
        bar.set_filter(str(category.field_id), None)
    assert blocker.args == [{}]
    with qtbot.waitSignal(bar.search_changed, timeout=2000) as blocker:
        qtbot.keyClicks(bar.search, "printer")
    assert blocker.args == ["printer"]
    assert {f.type for f in bar.filterable_fields()} >= {"category", "number", "money", "date"}
    bar.set_count(1234, filtered=True)
    assert bar.count_label.text() == "1,234 matching"


def test_range_dialog_checks_input_and_loses_nothing(qtbot):
    app, _item = fixture_item()
    number = next(f for f in app.active_fields if f.type == "number")
    dialog = RangeDialog(number, {"from": 2}, None)
    qtbot.addWidget(dialog)
    assert dialog.low.text() == "2"
    dialog.high.setText("abc")
    dialog._accept_if_valid()
    assert "Enter numbers" in dialog.error.text()
    assert dialog.high.text() == "abc"
    dialog.high.setText("1")
    dialog._accept_if_valid()
    assert "above the upper" in dialog.error.text()
    dialog.high.setText("1,500.5")
    assert dialog.value() == {"from": 2, "to": 1500.5}


def test_login_dialog_requests_and_keeps_input_on_error(qtbot):
    dialog = LoginDialog(first_run=True)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sign_in_requested) as blocker:
        dialog.demo_button.click()
    assert blocker.args[0] == SignInRequest("demo")
    dialog.set_busy(False)
    dialog.tabs.setCurrentIndex(1)
    dialog.client_id.setText("id")
    dialog.client_secret.setText("secret")
    dialog.username.setText("me@example.com")
    with qtbot.assertNotEmitted(dialog.sign_in_requested):
        dialog.sign_in_button.click()
    assert "password" in dialog.error.text()
    dialog.password.setText("pw")
    with qtbot.waitSignal(dialog.sign_in_requested) as blocker:
        dialog.sign_in_button.click()
    request = blocker.args[0]
    assert (request.mode, request.username, request.password) == (
        "password",
        "me@example.com",
        "pw",
    )
    dialog.show_error("Podio refused the sign-in.")
    assert dialog.username.text() == "me@example.com"
    assert dialog.sign_in_button.isEnabled()
    assert SignInRequest("app", client_id="a", client_secret="b").problem() is not None
    assert SignInRequest("password", api_url="ftp://x", client_id="a", client_secret="b").problem()


def test_offline_banner_says_since_when_data_is_stale(qtbot):
    banner = OfflineBanner()
    qtbot.addWidget(banner)
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    banner.now = lambda: now
    banner.set_offline(now - timedelta(minutes=3))
    banner.set_synced_at(now - timedelta(minutes=42))
    assert not banner.isHidden()
    assert banner.text().startswith("Offline since")
    assert "42 min old" in banner.text()
    banner.set_offline(None)
    assert banner.isHidden()


def test_table_layout_is_remembered_per_app(qtbot, tmp_path):
    from PySide6.QtGui import QStandardItemModel

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    state = ViewState(settings)
    keys = ["title", "11", "12", "13"]
    model = QStandardItemModel(0, len(keys))
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    header: QHeaderView = view.horizontalHeader()
    header.setSectionsMovable(True)
    header.moveSection(3, 1)
    header.setSectionHidden(2, True)
    header.resizeSection(1, 222)
    layout = state.capture(header, keys, TableLayout(sort_by="11", sort_desc=True))
    state.save_layout(42, layout)
    restored = ViewState(settings).layout(42)
    assert restored.order == ["title", "13", "11", "12"]
    assert restored.hidden == ["12"]
    assert restored.widths["11"] == 222
    assert (restored.sort_by, restored.sort_desc) == ("11", True)
    other = QTableView()
    qtbot.addWidget(other)
    other.setModel(QStandardItemModel(0, len(keys)))
    ViewState.apply(other.horizontalHeader(), keys, restored)
    assert other.horizontalHeader().visualIndex(3) == 1
    assert other.horizontalHeader().isSectionHidden(2)
    assert TableLayout.from_json("not json") == TableLayout()
    assert ViewState(settings).layout(7) == TableLayout()
    chooser = ColumnChooser(["Title", "A", "B", "C"], other.horizontalHeader())
    qtbot.addWidget(chooser)
    assert [logical for logical, _shown in chooser.chosen()] == [0, 3, 1, 2]
    chooser.list.item(3).setCheckState(Qt.CheckState.Checked)
    chooser.apply_to(other.horizontalHeader())
    assert not other.horizontalHeader().isSectionHidden(2)
