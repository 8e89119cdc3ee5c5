"""Strict readers for Podio JSON: every failure becomes a MalformedValueError naming `where`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn, TypeGuard

from podio_desk.domain.errors import MalformedValueError

# Numbers with more than this many digits before the point are not something Podio stores;
# refusing them keeps formatting and arithmetic bounded.
MAX_DECIMAL_MAGNITUDE = 40
# Tiny values are harmless (coordinates from floats go down to 5e-324) until their plain
# form grows absurdly long.
MIN_DECIMAL_EXPONENT = -400


def fail(where: str, problem: str) -> NoReturn:
    raise MalformedValueError(f"{where}: {problem}")


def short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_mapping(value: object, where: str, what: str = "value") -> Mapping[str, Any]:
    if type(value) is dict:  # the common case, without the slower ABC check
        return value
    if not isinstance(value, Mapping):
        fail(where, f"the {what} should be a JSON object, got {short(value)}")
    return value


def as_list(value: object, where: str, what: str = "values") -> list[Any]:
    if type(value) is list:
        return value
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        fail(where, f"the {what} should be a JSON list, got {short(value)}")
    return list(value)


def is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def as_int(value: object, where: str, what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    fail(where, f"{what} should be a whole number, got {short(value)}")


def opt_int(obj: Mapping[str, Any], key: str, where: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    return as_int(value, where, f'"{key}"')


def opt_str(obj: Mapping[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        fail(where, f'"{key}" should be text, got {short(value)}')
    return value


def str_or(obj: Mapping[str, Any], key: str, where: str, default: str = "") -> str:
    value = opt_str(obj, key, where)
    return default if value is None else value


def opt_bool(obj: Mapping[str, Any], key: str, where: str) -> bool | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        fail(where, f'"{key}" should be true or false, got {short(value)}')
    return value


def str_tuple(obj: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = obj.get(key)
    if value is None:
        return ()
    items = as_list(value, where, f'"{key}" list')
    for entry in items:
        if not isinstance(entry, str):
            fail(where, f'"{key}" should hold texts, got {short(entry)}')
    return tuple(items)


def check_decimal(number: Decimal, where: str, shown: object) -> Decimal:
    if not number.is_finite():
        fail(where, f"{short(shown)} is not a finite number")
    if number and not MIN_DECIMAL_EXPONENT <= number.adjusted() <= MAX_DECIMAL_MAGNITUDE:
        fail(where, f"{short(shown)} is too large or too small for a Podio number")
    return number


def as_decimal(value: object, where: str, what: str = "number") -> Decimal:
    """Read a JSON number or numeric string exactly (floats through their shortest repr)."""
    if isinstance(value, bool) or value is None:
        fail(where, f"the {what} should be a number, got {short(value)}")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            fail(where, f"the {what} {short(value)} is not a finite number")
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except (InvalidOperation, ValueError):
            fail(where, f'the {what} "{value}" is not a number')
    else:
        fail(where, f"the {what} should be a number, got {short(value)}")
    return check_decimal(number, where, value)
