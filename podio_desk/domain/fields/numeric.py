"""Number, money, progress and duration fields: exact decimals, typed and shown."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from podio_desk.domain._json import as_decimal, fail, opt_str, short
from podio_desk.domain.errors import MalformedValueError
from podio_desk.domain.fields.codec import (
    _Codec,
    _elements,
    _only,
    _settings_int,
    _settings_strs,
    _sub_value,
)
from podio_desk.domain.fields.definitions import FieldDef
from podio_desk.domain.fields.values import (
    EMPTY,
    DurationValue,
    FieldValue,
    MoneyValue,
    NumberValue,
    ProgressValue,
    SortKey,
)


def _decimal_places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def format_decimal(number: Decimal, decimals: int | None = None) -> str:
    """1234.5 -> "1,234.5"; with `decimals` rounded half-up to that many places."""
    with localcontext() as ctx:
        ctx.prec = 120
        if decimals is not None:
            number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
            return f"{number:,.{decimals}f}"
        places = _decimal_places(number)
        return f"{number:,.{places}f}"


def plain_decimal(number: Decimal) -> str:
    """A decimal as Podio accepts it in input: no exponent, no thousands separators."""
    with localcontext() as ctx:
        ctx.prec = 120
        return f"{number:f}"


CURRENCY_SYMBOLS: Mapping[str, str] = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


_NUMBER_TEXT = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?$")


def _parse_number_text(fdef: FieldDef, text: str, example: str = "1,234.5") -> Decimal:
    cleaned = text.strip()
    if not cleaned or not _NUMBER_TEXT.match(cleaned) or not any(c.isdigit() for c in cleaned):
        fail(
            fdef.where,
            f'"{text}" is not a number. Use "." for decimals and, if you like, "," between '
            f"thousands, e.g. {example}",
        )
    return as_decimal(cleaned.replace(",", ""), fdef.where)


class _NumberCodec(_Codec):
    kind_name = "number"
    value_class = NumberValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        elements = _elements(fdef, values)
        if not elements:
            return EMPTY
        return NumberValue(as_decimal(_sub_value(fdef, _only(fdef, elements)), fdef.where))

    def display(self, fdef: FieldDef, value: NumberValue) -> str:
        return format_decimal(value.value, _settings_int(fdef, "decimals"))

    def to_input(self, fdef: FieldDef, value: NumberValue) -> Any:
        # A numeric string keeps every digit; Podio accepts it
        # (docs/podio-api.md, Fields and values).
        return plain_decimal(value.value)

    def validate(self, fdef: FieldDef, value: NumberValue) -> list[str]:
        decimals = _settings_int(fdef, "decimals")
        if decimals is not None and _decimal_places(value.value) > decimals:
            if decimals == 0:
                return [f'"{fdef.label}" takes whole numbers only']
            return [f'"{fdef.label}" allows at most {decimals} decimal places']
        return []

    def sort_key(self, fdef: FieldDef, value: NumberValue) -> SortKey:
        return value.value

    def search_text(self, fdef: FieldDef, value: NumberValue) -> str:
        return plain_decimal(value.value)

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        return NumberValue(_parse_number_text(fdef, text))


_MONEY_TEXT = re.compile(
    r"^\s*([+-]?)\s*([A-Za-z]{3}|[€$£¥])?\s*([^A-Za-z€$£¥]*?)\s*([A-Za-z]{3})?\s*$"
)


class _MoneyCodec(_Codec):
    kind_name = "money"
    value_class = MoneyValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        elements = _elements(fdef, values)
        if not elements:
            return EMPTY
        element = _only(fdef, elements)
        currency = opt_str(element, "currency", fdef.where)
        if not currency:
            fail(fdef.where, f"a money value has no currency: {short(element)}")
        return MoneyValue(as_decimal(_sub_value(fdef, element), fdef.where, "amount"), currency)

    def display(self, fdef: FieldDef, value: MoneyValue) -> str:
        amount = format_decimal(abs(value.amount), 2)
        sign = "-" if value.amount < 0 else ""
        symbol = CURRENCY_SYMBOLS.get(value.currency)
        if symbol:
            return f"{sign}{symbol}{amount}"
        return f"{sign}{amount} {value.currency}"

    def to_input(self, fdef: FieldDef, value: MoneyValue) -> Any:
        return {"value": plain_decimal(value.amount), "currency": value.currency}

    def validate(self, fdef: FieldDef, value: MoneyValue) -> list[str]:
        issues = []
        allowed = _settings_strs(fdef, "allowed_currencies")
        if allowed and value.currency not in allowed:
            issues.append(
                f'"{fdef.label}" accepts {", ".join(allowed)}, '
                f"not {value.currency or 'no currency'}"
            )
        elif not re.fullmatch(r"[A-Z]{3}", value.currency):
            issues.append(f'"{fdef.label}": "{value.currency}" is not a currency code like EUR')
        # Podio keeps money to 4 places (recorded values like "541.9870"); more would be cut.
        if _decimal_places(value.amount) > 4:
            issues.append(f'"{fdef.label}" allows at most 4 decimal places')
        return issues

    def sort_key(self, fdef: FieldDef, value: MoneyValue) -> SortKey:
        # Sorted by amount alone: Podio has no exchange rates, nor do we.
        return value.amount

    def search_text(self, fdef: FieldDef, value: MoneyValue) -> str:
        return f"{plain_decimal(value.amount)} {value.currency}"

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        match = _MONEY_TEXT.match(text)
        allowed = _settings_strs(fdef, "allowed_currencies")
        example = f"12.30 {allowed[0] if allowed else 'EUR'}"
        if not match or (match.group(2) and match.group(4)):
            fail(fdef.where, f'"{text}" is not an amount of money; write e.g. {example}')
        sign, prefix, number, suffix = match.groups()
        if sign and number.lstrip()[:1] in ("+", "-"):
            fail(fdef.where, f'"{text}" is not an amount of money; write e.g. {example}')
        currency = suffix or prefix
        if currency and len(currency) == 1:
            currency = next(code for code, sym in CURRENCY_SYMBOLS.items() if sym == currency)
        if not currency:
            if len(allowed) != 1:
                fail(fdef.where, f'"{text}" has no currency; write e.g. {example}')
            currency = allowed[0]
        amount = _parse_number_text(fdef, sign + number, example)
        return MoneyValue(amount, currency.upper())


class _ProgressCodec(_Codec):
    kind_name = "progress"
    value_class = ProgressValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        elements = _elements(fdef, values)
        if not elements:
            return EMPTY
        raw = _sub_value(fdef, _only(fdef, elements))
        number = as_decimal(raw, fdef.where, "progress")
        if number != number.to_integral_value():
            fail(fdef.where, f"progress should be a whole percentage, got {short(raw)}")
        return ProgressValue(int(number))

    def display(self, fdef: FieldDef, value: ProgressValue) -> str:
        return f"{value.percent}%"

    def to_input(self, fdef: FieldDef, value: ProgressValue) -> Any:
        return value.percent

    def validate(self, fdef: FieldDef, value: ProgressValue) -> list[str]:
        if not 0 <= value.percent <= 100:
            return [f'"{fdef.label}" must be between 0 and 100 %, not {value.percent}']
        return []

    def sort_key(self, fdef: FieldDef, value: ProgressValue) -> SortKey:
        return value.percent

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        match = re.fullmatch(r"\s*(\d{1,3})\s*%?\s*", text)
        if not match or int(match.group(1)) > 100:
            fail(fdef.where, f'"{text}" is not a percentage from 0 to 100, e.g. 42 or 42%')
        return ProgressValue(int(match.group(1)))


_DURATION_UNITS: tuple[tuple[str, str, int], ...] = (
    ("days", "d", 86400),
    ("hours", "h", 3600),
    ("minutes", "m", 60),
    ("seconds", "s", 1),
)
_DURATION_PART = re.compile(r"(\d+)\s*([dhms])", re.IGNORECASE)


class _DurationCodec(_Codec):
    kind_name = "duration"
    value_class = DurationValue

    def _units(self, fdef: FieldDef) -> list[tuple[str, str, int]]:
        enabled = set(_settings_strs(fdef, "fields"))
        units = [unit for unit in _DURATION_UNITS if unit[0] in enabled]
        return units or list(_DURATION_UNITS)

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        elements = _elements(fdef, values)
        if not elements:
            return EMPTY
        raw = _sub_value(fdef, _only(fdef, elements))
        number = as_decimal(raw, fdef.where, "duration")
        if number != number.to_integral_value():
            fail(fdef.where, f"a duration should be whole seconds, got {short(raw)}")
        return DurationValue(int(number))

    def display(self, fdef: FieldDef, value: DurationValue) -> str:
        units = self._units(fdef)
        smallest = units[-1][2]
        # Round to the smallest unit shown first, so 59.5 minutes never reads "60m".
        remaining = (abs(value.seconds) + smallest // 2) // smallest * smallest
        parts = []
        for _, suffix, size in units:
            count, remaining = divmod(remaining, size)
            if count:
                parts.append(f"{count}{suffix}")
        text = " ".join(parts) or f"0{units[-1][1]}"
        return f"-{text}" if value.seconds < 0 else text

    def to_input(self, fdef: FieldDef, value: DurationValue) -> Any:
        return value.seconds

    def validate(self, fdef: FieldDef, value: DurationValue) -> list[str]:
        if value.seconds < 0:
            return [f'"{fdef.label}" cannot be negative']
        smallest = self._units(fdef)[-1]
        if value.seconds % smallest[2]:
            return [f'"{fdef.label}" counts in whole {smallest[0]}']
        return []

    def sort_key(self, fdef: FieldDef, value: DurationValue) -> SortKey:
        return value.seconds

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        cleaned = text.strip()
        clock = re.fullmatch(r"(\d+):([0-5]\d)(?::([0-5]\d))?", cleaned)
        if clock:
            hours, minutes, seconds = clock.groups()
            return DurationValue(int(hours) * 3600 + int(minutes) * 60 + int(seconds or 0))
        if cleaned and _DURATION_PART.sub("", cleaned).strip() == "":
            total = 0
            for count, unit in _DURATION_PART.findall(cleaned):
                size = next(s for _, suffix, s in _DURATION_UNITS if suffix == unit.lower())
                total += int(count) * size
            return DurationValue(total)
        raise MalformedValueError(
            f'{fdef.where}: "{text}" is not a duration; '
            'write e.g. "1d 2h 3m 4s", "90m" or "2:03:04"'
        )
