"""Category fields: the options a field offers and the ones a value picks."""

from __future__ import annotations

from typing import Any

from podio_desk.domain._json import (
    as_int,
    as_list,
    as_mapping,
    fail,
    is_int,
    opt_str,
    short,
    str_or,
)
from podio_desk.domain.fields.codec import _Codec, _elements, _settings_multiple, _sub_value
from podio_desk.domain.fields.definitions import FieldDef
from podio_desk.domain.fields.values import EMPTY, CategoryOption, CategoryValue, FieldValue


def _parse_option(fdef: FieldDef, raw: object) -> CategoryOption:
    option = as_mapping(raw, fdef.where, "category option")
    if "id" not in option:
        fail(fdef.where, f'a category option has no "id": {short(option)}')
    return CategoryOption(
        id=as_int(option["id"], fdef.where, "a category option id"),
        text=str_or(option, "text", fdef.where),
        color=opt_str(option, "color", fdef.where),
        status=str_or(option, "status", fdef.where, default="active"),
    )


def category_options(fdef: FieldDef) -> tuple[CategoryOption, ...]:
    """The options a category field offers (`settings.options`), deleted ones included."""
    raw = fdef.settings.get("options")
    if raw is None:
        return ()
    return tuple(_parse_option(fdef, entry) for entry in as_list(raw, fdef.where, "options"))


class _CategoryCodec(_Codec):
    kind_name = "category"
    value_class = CategoryValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        options = []
        for element in _elements(fdef, values):
            content = _sub_value(fdef, element)
            if is_int(content):
                # An id without its option (hand-made JSON): fill in from the settings.
                known = {option.id: option for option in category_options(fdef)}
                options.append(known.get(content, CategoryOption(content, str(content))))
            else:
                options.append(_parse_option(fdef, content))
        return CategoryValue(tuple(options)) if options else EMPTY

    def display(self, fdef: FieldDef, value: CategoryValue) -> str:
        return ", ".join(option.text for option in value.options)

    def to_input(self, fdef: FieldDef, value: CategoryValue) -> Any:
        return list(value.ids)

    def validate(self, fdef: FieldDef, value: CategoryValue) -> list[str]:
        issues = []
        known = {option.id: option for option in category_options(fdef)}
        for option in value.options:
            current = known.get(option.id)
            name = option.text or str(option.id)
            if current is None:
                issues.append(f'"{fdef.label}" has no option "{name}"')
            elif current.status != "active":
                issues.append(f'"{fdef.label}": the option "{name}" is no longer available')
        if len(value.options) > 1 and not _settings_multiple(fdef):
            issues.append(f'"{fdef.label}" takes only one option')
        if len(set(value.ids)) != len(value.ids):
            issues.append(f'"{fdef.label}" lists an option twice')
        return issues

    def filter_keys(self, fdef: FieldDef, value: CategoryValue) -> list[int | str]:
        return list(value.ids)

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        options = [option for option in category_options(fdef) if option.status == "active"]
        by_text = {option.text.strip().casefold(): option for option in options}
        wanted = text.strip().casefold()
        if wanted in by_text:
            return CategoryValue((by_text[wanted],))
        chosen = []
        for piece in text.split(","):
            option = by_text.get(piece.strip().casefold())
            if option is None:
                choices = ", ".join(f'"{option.text}"' for option in options) or "none"
                fail(fdef.where, f'there is no option "{piece.strip()}"; the options are {choices}')
            chosen.append(option)
        if len(chosen) > 1 and not _settings_multiple(fdef):
            fail(fdef.where, f'"{text}" names several options but the field takes only one')
        return CategoryValue(tuple(chosen))
