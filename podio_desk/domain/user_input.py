"""Text the user types into the editor and the filter bar, read as Podio values, and Podio's
numbers written back as text to edit: exact, never rounded."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from podio_desk.domain.errors import MalformedValueError
from podio_desk.domain.fields import FieldDef, plain_decimal


def editable_decimal(number: Decimal, decimals: int | None) -> str:
    """The exact number as typed text: Podio's padding zeros removed down to `decimals`
    places (12.5000 with 2 decimals -> "12.50"); never rounded."""
    text = plain_decimal(number)
    if "." not in text:
        return text
    whole, fraction = text.split(".", 1)
    keep = max(decimals or 0, len(fraction.rstrip("0")))
    return f"{whole}.{fraction[:keep]}" if keep else whole


def parse_coordinate(fdef: FieldDef, text: str, what: str) -> Decimal | None:
    """A typed latitude/longitude ("55.69"), None when blank."""
    if not text.strip():
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise MalformedValueError(f'"{fdef.label}": the {what} "{text}" is not a number') from None


def check_link_url(url: str) -> str | None:
    """Why `url` cannot be a link (None when it can): Podio embeds need a web address."""
    text = url.strip()
    if not text:
        return "enter a web address"
    if not re.match(r"(?i)^https?://[^\s/$.?#][^\s]*$", text):
        return f'"{text}" is not a web address; it should start with https:// or http://'
    return None


def parse_range_bound(text: str) -> int | float | None:
    """One end of a number range filter as typed ("1,200", "99.5"; None when blank), in the
    JSON number Podio's filter takes; raises MalformedValueError for anything else."""
    cleaned = text.strip().replace(",", "")
    if not cleaned:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise MalformedValueError(f'"{text}" is not a number') from None
    if not number.is_finite():
        raise MalformedValueError(f'"{text}" is not a number')
    return int(number) if number == number.to_integral() else float(number)
