"""Podio's timestamp format: "YYYY-MM-DD HH:MM:SS" in UTC, no "T", no offset (see
docs/podio-api.md, Conventions). The one parser and formatter of these texts: item dates from
the API, the sync's watermarks and the cache's own stamps all use it."""

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
    if len(candidate) == 19 and candidate[10] == " " and candidate[13] == candidate[16] == ":":
        # The usual shape: fromisoformat reads it as strptime would, many times faster (an
        # export parses two per item). Anything else, or a bad date, takes the loop below.
        try:
            return datetime.fromisoformat(candidate).replace(tzinfo=UTC)
        except ValueError:
            pass
    for pattern in (PODIO_DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(candidate, pattern)
        except ValueError:
            continue
        return parsed.replace(tzinfo=UTC)
    raise MalformedValueError(
        f'{what}: "{text}" is not a date and time of the form YYYY-MM-DD HH:MM:SS'
    )


def podio_datetime_or_none(text: str | None) -> datetime | None:
    """`parse_podio_datetime`, for stored texts that may be missing or unreadable (a sync
    watermark, the time of the last sync): None instead of an error."""
    if not text:
        return None
    try:
        return parse_podio_datetime(text)
    except MalformedValueError:
        return None


def format_podio_datetime(moment: datetime) -> str:
    """The inverse of `parse_podio_datetime`: aware datetimes are converted to UTC first."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime(PODIO_DATETIME_FORMAT)


def podio_now() -> str:
    """The current time as Podio writes it."""
    return format_podio_datetime(datetime.now(UTC))
