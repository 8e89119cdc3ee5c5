"""Podio's timestamp format: "YYYY-MM-DD HH:MM:SS" in UTC, no "T", no offset (SPEC §1)."""

from __future__ import annotations

from datetime import UTC, datetime

from podio_desk.domain.errors import MalformedValueError

PODIO_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def parse_podio_datetime(text: object, *, what: str = "timestamp") -> datetime:
    """Parse a Podio UTC timestamp into an aware datetime (tzinfo=UTC).

    `what` names the value in the error message ("created_on of item 42").
    A "T" separator and a date without time are tolerated, since hand-made JSON
    (the sandbox, old recordings) sometimes has them.
    """
    if not isinstance(text, str):
        raise MalformedValueError(f"{what}: expected a date and time text, got {text!r}")
    candidate = text.strip().replace("T", " ", 1)
    for pattern in (PODIO_DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(candidate, pattern)
        except ValueError:
            continue
        return parsed.replace(tzinfo=UTC)
    raise MalformedValueError(
        f'{what}: "{text}" is not a date and time of the form YYYY-MM-DD HH:MM:SS'
    )


def format_podio_datetime(moment: datetime) -> str:
    """The inverse of `parse_podio_datetime`: aware datetimes are converted to UTC first."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime(PODIO_DATETIME_FORMAT)
