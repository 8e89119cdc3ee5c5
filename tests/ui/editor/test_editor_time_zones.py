"""Time zones: one rule, stated in the editor. Dates and times are shown and typed in the
Podio user's zone (here New York) or, if the user chooses, this computer's (here Tokyo,
through TZ), the same in the table's cells and the form; a time typed into an empty date
field is stored as shown."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QLocale

from podio_desk.domain.fields import DateValue
from podio_desk.sandbox import Sandbox
from podio_desk.ui.table.columns import format_date_value
from podio_desk.ui.time_zone import TimeZoneSetting
from tests.ui.editor.conftest import EditorEnv, run_async

pytestmark = pytest.mark.gui

PODIO_ZONE = "America/New_York"
MACHINE_ZONE = "Asia/Tokyo"


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    return sandbox_factory(timezone=PODIO_ZONE)


@pytest.fixture
def zones(env: EditorEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[TimeZoneSetting]:
    monkeypatch.setenv("TZ", MACHINE_ZONE)
    time.tzset()
    setting = TimeZoneSetting(None)
    setting.changed.connect(env.editor.time_rule_changed)
    env.editor.set_time_zone_setting(setting)
    run_async(setting.learn_podio_zone("test", env.service.user_time_zone))
    yield setting
    setting.reset()
    monkeypatch.delenv("TZ")
    time.tzset()


def stored_date(env: EditorEnv, item_id: int, external_id: str) -> dict[str, Any]:
    (value,) = env.raw_values(external_id, item_id)
    return dict(value)


def new_item_with_meeting(env: EditorEnv, when: datetime) -> int:
    showcase = env.sandbox.app_id("Showcase")
    env.wait(env.editor.new_item(showcase))
    env.field("title").set_text("Zone test")
    env.field("meeting").set_range(when)
    env.save()
    assert env.editor.item is not None
    return env.editor.item.item_id


def cell_text(value: Any) -> str:
    assert isinstance(value, DateValue)
    return format_date_value(value, QLocale.c())


def test_a_time_typed_into_an_empty_date_field_is_stored_as_shown(
    env: EditorEnv, zones: TimeZoneSetting
) -> None:
    assert PODIO_ZONE in env.editor.zone_rule.text()
    assert "Podio time zone" in env.editor.zone_rule.text()
    item_id = new_item_with_meeting(env, datetime(2026, 1, 15, 9, 30))
    stored = stored_date(env, item_id, "meeting")
    assert stored["start"] == "2026-01-15 09:30:00"  # New York, as typed
    assert stored["start_utc"] == "2026-01-15 14:30:00"
    meeting = env.field("meeting")
    assert meeting.start_time.time().toString("HH:mm") == "09:30"
    assert PODIO_ZONE in meeting.zone.text()
    # The table shows the same time as the form (not Tokyo's 23:30).
    assert cell_text(env.fetch(item_id).value(meeting.fdef.field_id)) == "2026-01-15 09:30"


def test_the_machine_zone_when_chosen_is_used_both_ways(
    env: EditorEnv, zones: TimeZoneSetting
) -> None:
    item_id = new_item_with_meeting(env, datetime(2026, 1, 15, 9, 30))
    env.editor.machine_zone_box.setChecked(True)
    assert MACHINE_ZONE in env.editor.zone_rule.text()
    meeting = env.field("meeting")
    # 09:30 in New York is 23:30 in Tokyo: the form and the table say so alike.
    assert meeting.start_time.time().toString("HH:mm") == "23:30"
    field_id = meeting.fdef.field_id
    assert cell_text(env.fetch(item_id).value(field_id)) == "2026-01-15 23:30"
    # Typed in Tokyo's time, stored as the same moment in Podio's zone.
    meeting.set_range(datetime(2026, 1, 16, 10, 0))
    env.save()
    stored = stored_date(env, item_id, "meeting")
    assert stored["start"] == "2026-01-15 20:00:00"
    assert stored["start_utc"] == "2026-01-16 01:00:00"
    assert meeting.start_time.time().toString("HH:mm") == "10:00"
    assert meeting.start_date.date().toString("yyyy-MM-dd") == "2026-01-16"
    # Back to Podio's zone: the untouched form is shown again in it.
    env.editor.machine_zone_box.setChecked(False)
    assert meeting.start_time.time().toString("HH:mm") == "20:00"
    assert not env.editor.is_modified()


def test_comment_times_follow_the_same_rule_as_the_rest(
    env: EditorEnv, zones: TimeZoneSetting
) -> None:
    env.open()
    env.editor.show()
    pane = env.editor.side.comments
    env.qtbot.waitUntil(lambda: pane.task is not None and pane.task.done(), timeout=10_000)
    pane.input.setPlainText("When was this?")
    before = len(pane.comments)
    pane.add()
    env.qtbot.waitUntil(lambda: len(pane.comments) == before + 1, timeout=10_000)
    posted = pane.comments[-1].created_on
    assert posted is not None
    new_york = posted.astimezone(ZoneInfo(PODIO_ZONE))
    assert f"{new_york:%Y-%m-%d %H:%M}" in pane.list.toPlainText()
    assert f"{posted:%Y-%m-%d %H:%M}" not in pane.list.toPlainText()
