"""The one rule for the time zone dates and times are shown and typed in.

Podio sends a date field's local values (`start_date`, `start_time`) in the Podio user's
own time zone, with the UTC moment beside them, and reads local values it is sent in that
same zone (docs/podio-api.md, "Dates and time zones"). By default the app shows and takes
times in that zone, so what is typed is stored as shown. The user may choose this
computer's zone instead (a setting); then timed values are converted both ways. Dates
without a time are days, never converted.

The zones are `tzinfo` objects made outside the domain (ui/time_zone.py), with their names.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo

from podio_desk.domain.fields import DateValue


@dataclass(frozen=True)
class TimeRule:
    """Which zone times are shown and typed in: Podio's (default) or this computer's."""

    podio_zone: tzinfo | None = None
    podio_zone_name: str = ""
    machine_zone: tzinfo | None = None
    machine_zone_name: str = ""
    use_machine: bool = False

    @property
    def converts(self) -> bool:
        """Whether shown times differ from Podio's local ones."""
        return (
            self.use_machine
            and self.podio_zone is not None
            and self.machine_zone is not None
            and self.podio_zone_name != self.machine_zone_name
        )

    @property
    def shown_zone_name(self) -> str:
        if self.use_machine:
            return self.machine_zone_name or "this computer's time zone"
        return self.podio_zone_name or "your Podio time zone"

    def describe(self) -> str:
        """The rule in one line, for the editor and the settings."""
        if self.use_machine:
            return (
                f"Times are shown and typed in this computer's time zone "
                f"({self.machine_zone_name or 'local time'})."
            )
        zone = f" ({self.podio_zone_name})" if self.podio_zone_name else ""
        return f"Times are shown and typed in your Podio time zone{zone}."

    def wall_time(self, moment: datetime) -> datetime:
        """An aware moment (created on, last edited) as the clock in the shown zone reads."""
        zone = self.machine_zone if self.use_machine else self.podio_zone or self.machine_zone
        return moment.astimezone(zone).replace(tzinfo=None)

    def shown(self, value: DateValue) -> DateValue:
        """A value as Podio sent it (local in the Podio zone) → as the user sees it."""
        if not self.converts or value.start_time is None:
            return value
        assert self.podio_zone is not None
        assert self.machine_zone is not None
        start = _moment(value.start_date, value.start_time, value.start_utc, self.podio_zone)
        start_shown = start.astimezone(self.machine_zone)
        end_date, end_time = value.end_date, value.end_time
        if value.end_date is not None and value.end_time is not None:
            end = _moment(value.end_date, value.end_time, value.end_utc, self.podio_zone)
            end_shown = end.astimezone(self.machine_zone)
            end_date, end_time = end_shown.date(), end_shown.time().replace(tzinfo=None)
        return dataclasses.replace(
            value,
            start_date=start_shown.date(),
            start_time=start_shown.time().replace(tzinfo=None),
            end_date=end_date,
            end_time=end_time,
        )

    def entered(self, value: DateValue) -> DateValue:
        """A value as the user typed it → local in the Podio zone, as Podio reads it."""
        if not self.converts or value.start_time is None:
            return value
        assert self.podio_zone is not None
        assert self.machine_zone is not None
        start = datetime.combine(value.start_date, value.start_time, tzinfo=self.machine_zone)
        start_podio = start.astimezone(self.podio_zone)
        end_date, end_time, end_utc = value.end_date, value.end_time, None
        if value.end_date is not None and value.end_time is not None:
            end = datetime.combine(value.end_date, value.end_time, tzinfo=self.machine_zone)
            end_podio = end.astimezone(self.podio_zone)
            end_date, end_time = end_podio.date(), end_podio.time().replace(tzinfo=None)
            end_utc = end.astimezone(UTC)
        return DateValue(
            start_podio.date(),
            start_podio.time().replace(tzinfo=None),
            end_date,
            end_time,
            start.astimezone(UTC),
            end_utc,
        )


def _moment(day: date, moment: time, utc: datetime | None, zone: tzinfo) -> datetime:
    if utc is not None:
        return utc if utc.tzinfo is not None else utc.replace(tzinfo=UTC)
    return datetime.combine(day, moment, tzinfo=zone)
