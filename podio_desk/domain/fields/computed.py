"""Calculation and separator fields: shown, never written."""

from __future__ import annotations

from typing import Any

from podio_desk.domain._json import as_decimal
from podio_desk.domain.errors import MalformedValueError
from podio_desk.domain.fields.codec import (
    _Codec,
    _elements,
    _only,
    _settings_int,
    _settings_str,
    _sub_value,
)
from podio_desk.domain.fields.dates import _date_display, _date_sort_key, _parse_date_element
from podio_desk.domain.fields.definitions import FieldDef
from podio_desk.domain.fields.numeric import format_decimal
from podio_desk.domain.fields.text import strip_html
from podio_desk.domain.fields.values import EMPTY, CalculationValue, FieldValue, SortKey


class _CalculationCodec(_Codec):
    kind_name = "calculation"
    value_class = CalculationValue
    read_only = True

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        elements = _elements(fdef, values)
        if not elements:
            return EMPTY
        element = _only(fdef, elements)
        if "start" in element or "start_date" in element:
            return CalculationValue(date=_parse_date_element(fdef, element))
        content = _sub_value(fdef, element)
        return_type = _settings_str(fdef, "return_type")
        if isinstance(content, str) and return_type not in (None, "number"):
            return CalculationValue(text=content)
        if content is None:
            return EMPTY
        if isinstance(content, str):
            try:
                return CalculationValue(number=as_decimal(content, fdef.where))
            except MalformedValueError:
                return CalculationValue(text=content)
        return CalculationValue(number=as_decimal(content, fdef.where))

    def display(self, fdef: FieldDef, value: CalculationValue) -> str:
        if value.number is not None:
            text = format_decimal(value.number, _settings_int(fdef, "decimals"))
            unit = _settings_str(fdef, "unit")
            return f"{text} {unit}" if unit else text
        if value.date is not None:
            return _date_display(value.date)
        return strip_html(value.text or "")

    def sort_key(self, fdef: FieldDef, value: CalculationValue) -> SortKey:
        if value.number is not None:
            return value.number
        if value.date is not None:
            return _date_sort_key(value.date)
        return (value.text or "").casefold() or None


class _SeparatorCodec(_Codec):
    kind_name = "separator"
    read_only = True

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        return EMPTY

    def display(self, fdef: FieldDef, value: Any) -> str:
        return ""
