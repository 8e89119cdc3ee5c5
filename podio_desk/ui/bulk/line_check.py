"""One line of the bulk change dialog checked as it is typed, in words for the window.

The engine's own checks (`domain.bulk.parse_operation`, `check_operations`) speak the command
line's language ("--replace takes FIELD=OLD/NEW"); this module says the same things in the
dialog's words, and knows which fields each operation applies to so the field list offers
only those. A line is either fine, wrong (Preview stays disabled) or fine with a warning
(clearing a required field: Podio refuses the write for every item).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from podio_desk.domain.bulk import (
    TAGS,
    BulkSpecError,
    FieldChange,
    fix_change,
    parse_shift,
    resolve_field,
)
from podio_desk.domain.fields.categories import category_options
from podio_desk.domain.fields.definitions import FieldDef, FieldType
from podio_desk.domain.workspace import App

# The field types each operation applies to; None: every writable field. The tags take
# set, clear, add and remove.
FIELD_TYPES: dict[str, frozenset[FieldType] | None] = {
    "set": None,
    "clear": None,
    "add": frozenset({FieldType.CATEGORY, FieldType.APP, FieldType.CONTACT}),
    "remove": frozenset({FieldType.CATEGORY, FieldType.APP, FieldType.CONTACT}),
    "replace": frozenset({FieldType.TEXT}),
    "shift": frozenset({FieldType.DATE}),
    "increment": frozenset(
        {FieldType.NUMBER, FieldType.MONEY, FieldType.PROGRESS, FieldType.DURATION}
    ),
    "copy": None,
    "column": None,
    "delete": frozenset(),
}
TAG_KINDS = frozenset({"set", "clear", "add", "remove"})


@dataclass(frozen=True)
class LineCheck:
    """`error`: the line cannot be previewed; `warning`: it can, but says something first."""

    error: str | None = None
    warning: str | None = None


def applies_to(kind: str, fdef: FieldDef) -> bool:
    if fdef.is_read_only or not fdef.is_active:
        return False
    types = FIELD_TYPES.get(kind)
    return types is None or fdef.field_type in types


def fields_for(app: App, kind: str) -> list[tuple[str, str]]:
    """(label, external id) of the fields `kind` applies to, tags last where they fit."""
    fields = [
        (fdef.label or fdef.external_id, fdef.external_id)
        for fdef in app.active_fields
        if applies_to(kind, fdef)
    ]
    if kind in TAG_KINDS:
        fields.append(("Tags", TAGS))
    return fields


def _name(fdef: FieldDef) -> str:
    return f'"{fdef.label or fdef.external_id}"'


def check_line(app: App, kind: str, field_name: str, argument: str) -> LineCheck:
    """What is wrong with one line (operation, field, what was typed), in the dialog's words."""
    if kind == "delete":
        return LineCheck()
    if not field_name:
        return LineCheck("Choose a field.")
    text = argument.strip()
    if field_name == TAGS:
        if kind in ("add", "remove", "set") and not text and kind != "set":
            return LineCheck("Type the tags, separated by commas.")
        return LineCheck()
    try:
        fdef = resolve_field(app, field_name)
    except BulkSpecError:
        return LineCheck(f'This app has no field "{field_name}".')
    if not applies_to(kind, fdef):
        return LineCheck(f"{_name(fdef)} cannot take this change.")
    if kind == "clear":
        if fdef.required:
            return LineCheck(
                warning=f"{_name(fdef)} is required: Podio refuses to empty it, so every "
                "item would be invalid."
            )
        return LineCheck()
    if kind == "set":
        if not text:
            return LineCheck(
                f"Type the value to set {_name(fdef)} to (to empty it, choose Clear instead)."
            )
        probe = FieldChange(fdef.field_id, fdef.external_id, fdef.label, "", "", None, None)
        issue = fix_change(app, probe, argument).issue
        return LineCheck(f"Not a value for {_name(fdef)}: {issue}." if issue else None)
    if kind == "increment":
        try:
            Decimal(text.replace(",", ""))
        except InvalidOperation:
            return LineCheck(
                f'Type a number to add, such as 5 or -2.5 ("{text}" is not a number).'
                if text
                else "Type a number to add, such as 5 or -2.5."
            )
        return LineCheck()
    if kind == "shift":
        try:
            parse_shift(text)
        except BulkSpecError:
            return LineCheck(
                "Type how far to move the dates, such as +3d, -1w, +2h or 30m"
                + (f' ("{text}" is not).' if text else ".")
            )
        return LineCheck()
    if kind == "replace":
        find, slash, _put = argument.partition("/")
        if not slash or not find:
            return LineCheck(
                "Type the text to find, a slash, then its replacement (for example Slow/SLOW)."
            )
        return LineCheck()
    if kind in ("add", "remove"):
        if not text:
            return LineCheck(
                "Type the options to add or remove, separated by commas."
                if fdef.field_type is FieldType.CATEGORY
                else "Type the ids to add or remove, separated by commas."
            )
        if fdef.field_type is FieldType.CATEGORY:
            known = {o.text.strip().casefold(): o.text for o in category_options(fdef)}
            unknown = [p.strip() for p in text.split(",") if p.strip().casefold() not in known]
            if unknown:
                options = ", ".join(known.values())
                return LineCheck(f'{_name(fdef)} has no option "{unknown[0]}" ({options}).')
        elif not all(p.isdigit() for p in text.replace(",", " ").split()):
            return LineCheck("Type ids (numbers) separated by commas.")
        return LineCheck()
    if kind == "copy":
        if not text:
            return LineCheck("Type the field to copy from.")
        try:
            resolve_field(app, text)
        except BulkSpecError:
            return LineCheck(f'This app has no field "{text}" to copy from.')
        return LineCheck()
    if kind == "column" and not text:
        return LineCheck("Type the header of the file's column to take the values from.")
    return LineCheck()


__all__ = ["FIELD_TYPES", "LineCheck", "applies_to", "check_line", "fields_for"]
