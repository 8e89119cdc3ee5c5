"""Podio's timestamps: "YYYY-MM-DD HH:MM:SS" in UTC, read and written by one parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from podio_desk.domain.timestamps import (
    format_podio_datetime,
    podio_datetime_or_none,
    podio_now,
)


def test_stored_stamps_read_back_as_utc_or_none() -> None:
    assert podio_datetime_or_none("2026-03-01 09:30:15") == datetime(
        2026, 3, 1, 9, 30, 15, tzinfo=UTC
    )
    assert podio_datetime_or_none(None) is None
    assert podio_datetime_or_none("") is None
    assert podio_datetime_or_none("last tuesday") is None


def test_local_times_are_written_in_utc() -> None:
    berlin_summer = timezone(timedelta(hours=2))
    moment = datetime(2026, 7, 1, 12, 0, 0, tzinfo=berlin_summer)
    assert format_podio_datetime(moment) == "2026-07-01 10:00:00"


def test_now_is_written_so_that_it_reads_back() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    stamp = podio_now()
    after = datetime.now(UTC)
    read = podio_datetime_or_none(stamp)
    assert read is not None
    assert before <= read <= after
    assert len(stamp) == len("2026-01-01 00:00:00")


@pytest.mark.parametrize("text", ["2026-03-01T09:30:15", " 2026-03-01 09:30:15 "])
def test_hand_made_variants_are_read(text: str) -> None:
    assert podio_datetime_or_none(text) == datetime(2026, 3, 1, 9, 30, 15, tzinfo=UTC)
