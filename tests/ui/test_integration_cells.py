"""Dates in table cells: the user's locale when it has a readable format, ISO otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from PySide6.QtCore import QLocale

from podio_desk.domain.fields import DateValue
from podio_desk.ui.table.columns import RANGE_DASH, format_date_value, has_sensible_format

C_LOCALE = QLocale(QLocale.Language.C)
GERMAN = QLocale(QLocale.Language.German, QLocale.Country.Germany)
AMERICAN = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


def day(year: int, month: int, number: int) -> DateValue:
    return DateValue(start_date=date(year, month, number))


def wall_time(moment: datetime) -> DateValue:
    """A timed value without its UTC variant: shown as the wall time Podio gave."""
    return DateValue(start_date=moment.date(), start_time=moment.time())


def test_the_c_locale_falls_back_to_iso() -> None:
    assert not has_sensible_format(C_LOCALE)
    assert format_date_value(day(2025, 12, 30), C_LOCALE) == "2025-12-30"
    assert format_date_value(wall_time(datetime(2025, 12, 30, 13, 0)), C_LOCALE) == (
        "2025-12-30 13:00"
    )


@pytest.mark.parametrize(
    ("locale", "expected"),
    [(GERMAN, "30.12.25"), (AMERICAN, "12/30/25")],
    ids=["de_DE", "en_US"],
)
def test_a_real_locale_is_used(locale: QLocale, expected: str) -> None:
    assert has_sensible_format(locale)
    assert format_date_value(day(2025, 12, 30), locale) == expected
    timed = format_date_value(wall_time(datetime(2025, 12, 30, 13, 0)), locale)
    assert timed.startswith(expected)
    assert "13:00" in timed or "1:00" in timed


def test_a_range_reads_start_dash_end() -> None:
    value = DateValue(start_date=date(2025, 12, 30), end_date=date(2026, 1, 2))
    assert format_date_value(value, C_LOCALE) == "2025-12-30 \u2013 2026-01-02"
    assert RANGE_DASH == " \u2013 "


def test_utc_values_are_shown_in_the_machine_time_zone() -> None:
    moment = datetime(2025, 12, 30, 12, 0, tzinfo=UTC)
    value = DateValue(start_date=date(2025, 12, 30), start_time=time(12, 0), start_utc=moment)
    local = moment.astimezone()
    assert format_date_value(value, C_LOCALE) == local.strftime("%Y-%m-%d %H:%M")
