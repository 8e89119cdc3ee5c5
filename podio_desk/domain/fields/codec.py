"""The codec base class and the helpers every codec uses to read JSON and settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from podio_desk.domain._json import as_mapping, fail, is_int, opt_bool, opt_str, short, str_tuple
from podio_desk.domain.errors import MalformedValueError, ReadOnlyFieldError
from podio_desk.domain.fields.definitions import FieldDef
from podio_desk.domain.fields.values import EmptyValue, FieldValue, SortKey


def _settings_int(fdef: FieldDef, key: str) -> int | None:
    value = fdef.settings.get(key)
    if value is None:
        return None
    if not is_int(value) or not 0 <= value <= 20:
        fail(fdef.where, f'the setting "{key}" should be a small whole number, got {short(value)}')
    return int(value)


def _settings_str(fdef: FieldDef, key: str) -> str | None:
    return opt_str(fdef.settings, key, fdef.where)


def _settings_strs(fdef: FieldDef, key: str) -> tuple[str, ...]:
    return str_tuple(fdef.settings, key, fdef.where)


def _settings_multiple(fdef: FieldDef) -> bool:
    return opt_bool(fdef.settings, "multiple", fdef.where) or False


def _elements(fdef: FieldDef, values: list[Any]) -> list[Mapping[str, Any]]:
    return [as_mapping(element, fdef.where, "value entry") for element in values]


def _only(fdef: FieldDef, elements: list[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The one value of a single-valued field; more would be lost on save, so refuse them."""
    if len(elements) > 1:
        fail(fdef.where, f"holds {len(elements)} values where a {fdef.type} field holds one")
    return elements[0]


def _sub_value(fdef: FieldDef, element: Mapping[str, Any]) -> Any:
    if "value" not in element:
        fail(fdef.where, f'a value entry has no "value": {short(element)}')
    return element["value"]


class _Codec:
    """What one field type does. Subclasses override what differs."""

    kind_name: ClassVar[str] = "field"
    value_class: ClassVar[type] = EmptyValue
    read_only: ClassVar[bool] = False

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        raise NotImplementedError

    def display(self, fdef: FieldDef, value: Any) -> str:
        raise NotImplementedError

    def to_input(self, fdef: FieldDef, value: Any) -> Any:
        raise ReadOnlyFieldError(f"{fdef.where} is computed by Podio and cannot be written")

    def validate(self, fdef: FieldDef, value: Any) -> list[str]:
        return []

    def sort_key(self, fdef: FieldDef, value: Any) -> SortKey:
        return self.display(fdef, value).casefold() or None

    def search_text(self, fdef: FieldDef, value: Any) -> str:
        return self.display(fdef, value)

    def filter_keys(self, fdef: FieldDef, value: Any) -> list[int | str]:
        return []

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        raise MalformedValueError(
            f"{fdef.where}: a {self.kind_name} field cannot be typed in; use its editor"
        )


def _id_or_object(fdef: FieldDef, content: object, key: str) -> Mapping[str, Any]:
    """Expanded objects come as dicts; hand-made JSON sometimes has just the id."""
    if is_int(content):
        return {key: content}
    return as_mapping(content, fdef.where)
