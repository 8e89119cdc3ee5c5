"""Bulk edit, the pure part: change operations per field and the preview of one item.

An `Operation` says what to do to one field of every chosen item (set, clear, add, remove,
replace, shift, increment, copy, from a CSV column) or to delete the item. `plan_item`
applies a list of them to one item as the cache holds it and says, per field, old → new,
with the value validated exactly as the editor validates it (`domain.fields`); the item is a
change, a no-op, invalid, read-only or a delete. Nothing here reads a file, a clock or the
network: the planner (`services/bulk_plan.py`) feeds items in and writes the plan out.

The command-line syntax of an operation (`parse_operation`) is documented in the README,
"Bulk edit": `--set F=V`, `--clear F`, `--add F=V`, `--remove F=V`, `--replace F=OLD/NEW`,
`--shift F=+3d`, `--increment F=N`, `--copy F=G`, `--from-column F=COLUMN`, `--delete`.
`F` is a field's external id or its label; `tags` names the item's tags.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from podio_desk.domain.errors import DomainError, MalformedValueError
from podio_desk.domain.fields import (
    EMPTY,
    CategoryValue,
    ContactRef,
    ContactValue,
    DateValue,
    DurationValue,
    FieldDef,
    FieldType,
    FieldValue,
    MoneyValue,
    NumberValue,
    ProgressValue,
    RawValue,
    RelatedItem,
    RelationshipValue,
    TextValue,
    category_options,
    display_text,
    is_empty,
    parse_user_text,
    parse_values,
    to_get_values,
    to_input,
    validate,
)
from podio_desk.domain.items import PLACEHOLDER_KEY, Item
from podio_desk.domain.workspace import App

OperationKind = Literal[
    "set", "clear", "add", "remove", "replace", "shift", "increment", "copy", "column", "delete"
]
OPERATION_KINDS: tuple[str, ...] = (
    "set", "clear", "add", "remove", "replace", "shift", "increment", "copy", "column", "delete",
)  # fmt: skip
# The pseudo-field of an item's tags.
TAGS = "tags"

ItemStatus = Literal["change", "noop", "invalid", "read_only", "delete", "create", "missing"]


class BulkSpecError(DomainError):
    """An operation cannot be understood or does not fit its field; the message says why."""


@dataclass(frozen=True)
class Operation:
    """One change to one field of every chosen item (or `delete`, which has no field).

    `field` is what the user wrote (external id or label); `argument` the rest: the value to
    set or add, "OLD/NEW" for replace, "+3d" for shift, "5" for increment, the other field
    for copy, the CSV column for column."""

    kind: OperationKind
    field: str = ""
    argument: str = ""

    def as_json(self) -> dict[str, str]:
        return {"op": self.kind, "field": self.field, "argument": self.argument}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Operation:
        kind = str(data.get("op", ""))
        if kind not in OPERATION_KINDS:
            raise BulkSpecError(f"{kind!r} is not a bulk operation")
        return cls(kind, str(data.get("field", "")), str(data.get("argument", "")))  # type: ignore[arg-type]

    def describe(self) -> str:
        words = {
            "set": f"set {self.field} to {self.argument!r}",
            "clear": f"clear {self.field}",
            "add": f"add {self.argument!r} to {self.field}",
            "remove": f"remove {self.argument!r} from {self.field}",
            "replace": f"replace in {self.field}: {self.argument!r}",
            "shift": f"shift {self.field} by {self.argument}",
            "increment": f"add {self.argument} to {self.field}",
            "copy": f"set {self.field} from {self.argument}",
            "column": f"set {self.field} from the column {self.argument!r}",
            "delete": "delete the items",
        }
        return words[self.kind]


_SPLIT = {"set", "add", "remove", "replace", "shift", "increment", "copy", "column"}


def parse_operation(kind: str, text: str = "") -> Operation:
    """An operation from its command-line form: `parse_operation("set", "status=Closed")`."""
    if kind not in OPERATION_KINDS:
        raise BulkSpecError(f"{kind!r} is not a bulk operation")
    if kind == "delete":
        return Operation("delete")
    if kind == "clear":
        name = text.strip()
        if not name:
            raise BulkSpecError("--clear needs a field")
        return Operation("clear", name)
    name, sep, argument = text.partition("=")
    if not sep or not name.strip():
        raise BulkSpecError(f"--{kind} takes FIELD=VALUE, got {text!r}")
    if kind == "replace" and "/" not in argument:
        raise BulkSpecError(f"--replace takes FIELD=OLD/NEW, got {text!r}")
    return Operation(kind, name.strip(), argument)  # type: ignore[arg-type]


def resolve_field(app: App, name: str) -> FieldDef:
    """A field of `app` by external id, then by label (case-insensitive), then by id."""
    found = app.field(name)
    if found is not None and found.is_active:
        return found
    wanted = name.strip().casefold()
    matches = [fdef for fdef in app.active_fields if fdef.label.strip().casefold() == wanted]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise BulkSpecError(
            f'{len(matches)} fields of "{app.name}" are labelled "{name}"; use the external id'
        )
    known = ", ".join(fdef.external_id for fdef in app.active_fields)
    raise BulkSpecError(f'"{app.name}" has no field "{name}" (fields: {known})')


_ADDABLE = (FieldType.NUMBER, FieldType.MONEY, FieldType.PROGRESS, FieldType.DURATION)

# The field types each operation applies to (None: every writable field), with what is said
# when a field of another type is given. The tags take set, clear, add and remove.
OPERATION_FIELD_TYPES: dict[str, frozenset[FieldType] | None] = {
    "set": None,
    "clear": None,
    "add": frozenset({FieldType.CATEGORY, FieldType.APP, FieldType.CONTACT}),
    "remove": frozenset({FieldType.CATEGORY, FieldType.APP, FieldType.CONTACT}),
    "replace": frozenset({FieldType.TEXT}),
    "shift": frozenset({FieldType.DATE}),
    "increment": frozenset(_ADDABLE),
    "copy": None,
    "column": None,
    "delete": frozenset(),
}
_NOT_FOR_TYPE = {
    "add": "add and remove work on category, relationship and contact fields and on tags",
    "remove": "add and remove work on category, relationship and contact fields and on tags",
    "replace": "find and replace works on text fields only",
    "shift": "only dates can be shifted",
    "increment": "only number, money, progress and duration fields can be added to",
}
TAG_OPERATIONS = frozenset({"set", "clear", "add", "remove"})


def operation_applies_to(kind: str, fdef: FieldDef) -> bool:
    """Whether `kind` can change `fdef` at all (its type, and whether it can be written)."""
    if fdef.is_read_only or not fdef.is_active:
        return False
    types = OPERATION_FIELD_TYPES.get(kind)
    return types is None or fdef.field_type in types


def fields_for_operation(app: App, kind: str) -> list[tuple[str, str]]:
    """(label, external id) of the fields of `app` that `kind` applies to, tags last where
    they fit: what the window offers for one line of a change."""
    fields = [
        (fdef.label or fdef.external_id, fdef.external_id)
        for fdef in app.active_fields
        if operation_applies_to(kind, fdef)
    ]
    if kind in TAG_OPERATIONS:
        fields.append(("Tags", TAGS))
    return fields


def validate_operation(app: App, op: Operation) -> str | None:
    """Why `op` can never be valid for its field, whatever the item (a value that is not a
    number, an option the field lacks, a bad duration, an operation the field's type does
    not take, nothing typed where something is needed), or None. A value to set is read and
    validated as the editor does. What depends on the item (an empty amount has no currency)
    is left to the plan of each item. The one check of an operation: the command line runs it
    (`check_operations`) and the window runs it per line as the user types."""
    if op.kind == "delete":
        return None
    if not op.field.strip():
        return "choose a field"
    argument = op.argument.strip()
    try:
        if op.field.strip().casefold() == TAGS:
            if op.kind not in TAG_OPERATIONS:
                return f"tags can be set, cleared, added to or removed from, not {op.kind}"
            if op.kind in ("add", "remove") and not argument:
                return f"no tags given to {op.kind} (separate them with commas)"
            return None
        fdef = resolve_field(app, op.field)
        if fdef.is_read_only:
            return f"{fdef.where} is read-only (Podio computes it)"
        if not operation_applies_to(op.kind, fdef):
            return f"{fdef.where}: {_NOT_FOR_TYPE.get(op.kind, f'cannot take {op.kind}')}"
        if op.kind == "set":
            if not argument:
                return f'nothing to set "{fdef.label}" to (to empty it, clear it instead)'
            problems = validate(fdef, _from_text(fdef, op.argument))
            if problems:
                return "; ".join(str(problem) for problem in problems)
        elif op.kind == "copy":
            if not argument:
                return "no field given to copy from"
            resolve_field(app, op.argument)
        elif op.kind in ("add", "remove"):
            if not argument:
                what = "options" if fdef.field_type is FieldType.CATEGORY else "ids"
                return f"no {what} given to {op.kind} (separate them with commas)"
            _add_remove(fdef, op, EMPTY)
        elif op.kind == "replace":
            find, slash, _put = op.argument.partition("/")
            if not slash or not find:
                return (
                    "find and replace takes the text to find, a slash, then its replacement "
                    "(for example Slow/SLOW)"
                )
        elif op.kind == "shift":
            parse_shift(op.argument)
        elif op.kind == "increment":
            try:
                amount = Decimal(argument.replace(",", ""))
            except InvalidOperation:
                return (
                    f"{op.argument!r} is not a number to add (such as 5 or -2.5)"
                    if argument
                    else "no number to add (such as 5 or -2.5)"
                )
            if not amount.is_finite():
                return f"{op.argument!r} is not a number to add"
            if fdef.field_type is FieldType.PROGRESS and amount != amount.to_integral_value():
                return "progress moves by whole percents"
        elif op.kind == "column" and not argument:
            return "no file column given to take the values from"
    except (DomainError, MalformedValueError) as error:
        return str(error)
    return None


def operation_warning(app: App, op: Operation) -> str | None:
    """What to say before a valid `op` runs: clearing a required field makes every item
    invalid (Podio refuses to empty it)."""
    if op.kind != "clear" or op.field.strip().casefold() == TAGS:
        return None
    try:
        fdef = resolve_field(app, op.field)
    except BulkSpecError:
        return None
    if fdef.required:
        return (
            f"{fdef.where} is required: Podio refuses to empty it, so every item would be invalid"
        )
    return None


def check_operations(app: App, operations: Sequence[Operation]) -> list[str]:
    """What is wrong with the operations as a whole, before any item is looked at: one
    sentence per problem (`validate_operation` for each, then the mix of them)."""
    problems: list[str] = []
    deletes = [op for op in operations if op.kind == "delete"]
    if deletes and len(deletes) != len(operations):
        problems.append("deleting the items cannot be combined with field changes")
    if not operations:
        problems.append("no change given (--set, --clear, --add, … or --delete)")
    seen: set[int | str] = set()
    for op in operations:
        if op.kind == "delete":
            continue
        problem = validate_operation(app, op)
        if problem is not None:
            problems.append(problem)
            continue
        key: int | str = (
            TAGS if op.field.strip().casefold() == TAGS else resolve_field(app, op.field).field_id
        )
        if key in seen and op.kind in ("set", "clear", "copy", "column"):
            problems.append(f"{op.field} is changed twice")
        seen.add(key)
    return problems


# ------------------------------------------------------------------ the preview of one item


@dataclass(frozen=True)
class FieldChange:
    """One field of one item: old → new as shown and as Podio's input JSON.

    `field_id` 0 stands for the tags. `issue` is set when the new value is invalid."""

    field_id: int
    external_id: str
    label: str
    old_text: str
    new_text: str
    old_input: Any
    new_input: Any
    issue: str | None = None
    # The values as GET /item answers them, to keep the cached copy right after the write.
    old_values: Any = None
    new_values: Any = None

    @property
    def changed(self) -> bool:
        return self.issue is None and self.old_input != self.new_input

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "field_id": self.field_id,
            "external_id": self.external_id,
            "label": self.label,
            "old": self.old_text,
            "new": self.new_text,
            "old_input": self.old_input,
            "new_input": self.new_input,
        }
        if self.issue is not None:
            data["issue"] = self.issue
        if self.field_id:
            data["old_values"] = self.old_values
            data["new_values"] = self.new_values
        return data

    def swapped(self) -> FieldChange:
        """The change that undoes this one."""
        return replace(
            self,
            old_text=self.new_text,
            new_text=self.old_text,
            old_input=self.new_input,
            new_input=self.old_input,
            old_values=self.new_values,
            new_values=self.old_values,
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FieldChange:
        return cls(
            field_id=int(data.get("field_id", 0)),
            external_id=str(data.get("external_id", "")),
            label=str(data.get("label", "")),
            old_text=str(data.get("old", "")),
            new_text=str(data.get("new", "")),
            old_input=data.get("old_input"),
            new_input=data.get("new_input"),
            issue=data.get("issue") if isinstance(data.get("issue"), str) else None,
            old_values=data.get("old_values"),
            new_values=data.get("new_values"),
        )


@dataclass(frozen=True)
class ItemPlan:
    """What the job will do to one item (or, for `create`, one new item)."""

    item_id: int | None
    title: str
    revision: int | None
    status: ItemStatus
    changes: tuple[FieldChange, ...] = ()
    issues: tuple[str, ...] = ()
    # The CSV/XLSX row this item came from (1 = the first data row), when it came from one.
    row: int | None = None

    @property
    def changed_fields(self) -> tuple[FieldChange, ...]:
        return tuple(change for change in self.changes if change.changed)

    def update_body(self) -> dict[str, Any]:
        """The PUT /item/{id} body of the change (without the revision): only changed fields."""
        body: dict[str, Any] = {"fields": {}}
        for change in self.changed_fields:
            if change.field_id == 0:
                body["tags"] = list(change.new_input or [])
            else:
                body["fields"][str(change.field_id)] = change.new_input
        return body

    def restore_body(self) -> dict[str, Any]:
        """The body that puts the old values back (undo)."""
        body: dict[str, Any] = {"fields": {}}
        for change in self.changed_fields:
            if change.field_id == 0:
                body["tags"] = list(change.old_input or [])
            else:
                body["fields"][str(change.field_id)] = change.old_input
        return body

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "item_id": self.item_id,
            "title": self.title,
            "revision": self.revision,
            "status": self.status,
            "changes": [change.as_json() for change in self.changes],
        }
        if self.issues:
            data["issues"] = list(self.issues)
        if self.row is not None:
            data["row"] = self.row
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ItemPlan:
        status = str(data.get("status", "change"))
        if status not in ("change", "noop", "invalid", "read_only", "delete", "create", "missing"):
            raise BulkSpecError(f"{status!r} is not an item status of a plan")
        item_id = data.get("item_id")
        revision = data.get("revision")
        row = data.get("row")
        return cls(
            item_id=int(item_id) if item_id is not None else None,
            title=str(data.get("title", "")),
            revision=int(revision) if revision is not None else None,
            status=status,  # type: ignore[arg-type]
            changes=tuple(FieldChange.from_json(c) for c in data.get("changes") or []),
            issues=tuple(str(issue) for issue in data.get("issues") or []),
            row=int(row) if row is not None else None,
        )


def item_is_read_only(item: Item) -> bool:
    """Podio lists what the user may do with an item in `rights`; without "update" the item
    cannot be changed. Items read without `rights` (filter pages) are taken as writable."""
    rights = item.raw.get("rights")
    return isinstance(rights, list) and bool(rights) and "update" not in rights


def plan_item(
    app: App,
    item: Item,
    operations: Sequence[Operation],
    row: Mapping[str, str] | None = None,
    row_number: int | None = None,
) -> ItemPlan:
    """What `operations` do to `item`: per field old → new, validated as the editor does."""
    base = ItemPlan(item.item_id, item.title, item.revision, "change", row=row_number)
    if item.raw.get(PLACEHOLDER_KEY) is True:
        # Made offline, still in the outbox: Podio has no such item to write to yet.
        return replace(
            base,
            status="read_only",
            issues=("not in Podio yet (waiting in the outbox): change it after it is sent",),
        )
    if any(op.kind == "delete" for op in operations):
        rights = item.raw.get("rights")
        if isinstance(rights, list) and rights and "delete" not in rights:
            return replace(base, status="read_only", issues=("you may not delete this item",))
        return replace(base, status="delete")
    if item_is_read_only(item):
        return replace(base, status="read_only", issues=("you may not change this item",))
    values: dict[int | str, Any] = {}
    order: list[int | str] = []
    issues: list[str] = []
    failed: list[FieldChange] = []
    for op in operations:
        try:
            key, new = _apply(app, item, op, values, row)
        except (DomainError, MalformedValueError) as error:
            refused = _refused_change(app, item, op, row, str(error))
            if refused is None:
                issues.append(str(error))
            else:
                failed.append(refused)
            continue
        if key not in values:
            order.append(key)
        values[key] = new
    changes = [_field_change(app, item, key, values[key]) for key in order]
    changes.extend(c for c in failed if c.field_id not in set(order))
    # An empty field left empty (a date shift, a replace, a clear of nothing) is no change
    # at all: not shown as "" → "".
    changes = [c for c in changes if c.changed or c.issue or c.old_text or c.new_text]
    issues.extend(change.issue for change in changes if change.issue is not None)
    if issues:
        return replace(base, status="invalid", changes=tuple(changes), issues=tuple(issues))
    status: ItemStatus = "change" if any(c.changed for c in changes) else "noop"
    return replace(base, status=status, changes=tuple(changes))


def plan_new_item(
    app: App, operations: Sequence[Operation], row: Mapping[str, str], row_number: int
) -> ItemPlan:
    """A row that matched no item, to be created (only when the user asked for it)."""
    empty = Item(0, app.app_id, None, "", 0, None, None)
    planned = plan_item(app, empty, operations, row, row_number)
    title = next((c.new_text for c in planned.changes if c.new_text), f"row {row_number}")
    missing = [
        f'"{fdef.label}" is required'
        for fdef in app.active_fields
        if fdef.required
        and not fdef.is_read_only
        and not any(c.field_id == fdef.field_id and c.changed for c in planned.changes)
    ]
    issues = planned.issues + tuple(missing)
    status: ItemStatus = "invalid" if issues else "create"
    return replace(planned, item_id=None, revision=None, title=title, status=status, issues=issues)


def _current(item: Item, key: int | str, values: Mapping[int | str, Any]) -> Any:
    if key in values:
        return values[key]
    if key == TAGS:
        return item.tags
    assert isinstance(key, int)
    return item.value(key)


def _apply(
    app: App,
    item: Item,
    op: Operation,
    values: Mapping[int | str, Any],
    row: Mapping[str, str] | None,
) -> tuple[int | str, Any]:
    if op.field.strip().casefold() == TAGS:
        return TAGS, _apply_tags(op, tuple(_current(item, TAGS, values)))
    fdef = resolve_field(app, op.field)
    if fdef.is_read_only:
        raise BulkSpecError(f"{fdef.where} is read-only")
    old: FieldValue = _current(item, fdef.field_id, values)
    if isinstance(old, RawValue):
        raise BulkSpecError(f"{fdef.where}: the current value could not be read, so it is left")
    return fdef.field_id, _apply_value(app, item, fdef, op, old, values, row)


def _apply_tags(op: Operation, tags: tuple[str, ...]) -> tuple[str, ...]:
    given = tuple(t.strip() for t in op.argument.split(",") if t.strip())
    if op.kind == "clear":
        return ()
    if op.kind == "set":
        return given
    if op.kind == "add":
        return tags + tuple(t for t in given if t not in tags)
    if op.kind == "remove":
        return tuple(t for t in tags if t not in given)
    raise BulkSpecError(f"tags cannot be changed by {op.kind}")


def _apply_value(
    app: App,
    item: Item,
    fdef: FieldDef,
    op: Operation,
    old: FieldValue,
    values: Mapping[int | str, Any],
    row: Mapping[str, str] | None,
) -> FieldValue:
    kind = fdef.field_type
    if op.kind == "clear":
        return EMPTY
    if op.kind == "set":
        return _from_text(fdef, op.argument)
    if op.kind == "column":
        if row is None:
            raise BulkSpecError(
                f"{fdef.where}: the column {op.argument!r} needs a CSV or XLSX file"
            )
        if op.argument not in row:
            raise BulkSpecError(f"the file has no column {op.argument!r}")
        if not row[op.argument].strip():
            return old  # an empty cell leaves the field as it is (--clear empties it)
        return _from_text(fdef, row[op.argument])
    if op.kind == "copy":
        source = resolve_field(app, op.argument)
        value: FieldValue = _current(item, source.field_id, values)
        if is_empty(value):
            return EMPTY
        if source.type == fdef.type:
            return value
        return _from_text(fdef, display_text(source, value))
    if op.kind in ("add", "remove"):
        return _add_remove(fdef, op, old)
    if op.kind == "replace":
        if kind is not FieldType.TEXT:
            raise BulkSpecError(f"{fdef.where}: find and replace works on text fields only")
        find, _, put = op.argument.partition("/")
        if not find:
            raise BulkSpecError("find and replace needs the text to find before the /")
        if is_empty(old):
            return old
        assert isinstance(old, TextValue)
        return TextValue(old.text.replace(find, put), old.format)
    if op.kind == "shift":
        return _shift(fdef, old, op.argument)
    if op.kind == "increment":
        return _increment(fdef, old, op.argument)
    raise BulkSpecError(f"{op.kind} is not a change of a field")


def _from_text(fdef: FieldDef, text: str) -> FieldValue:
    kind = fdef.field_type
    if kind is FieldType.APP:
        ids = _ids(fdef, text)
        return RelationshipValue(tuple(RelatedItem(i) for i in ids)) if ids else EMPTY
    if kind is FieldType.CONTACT:
        ids = _ids(fdef, text)
        return ContactValue(tuple(ContactRef(i) for i in ids)) if ids else EMPTY
    return parse_user_text(fdef, text)


def _ids(fdef: FieldDef, text: str) -> list[int]:
    ids = []
    for piece in re.split(r"[,;\s]+", text.strip()):
        if not piece:
            continue
        if not piece.isdigit():
            raise BulkSpecError(
                f"{fdef.where}: give ids separated by commas (item ids for a relationship, "
                f"profile ids for a contact), got {piece!r}"
            )
        ids.append(int(piece))
    return ids


def _add_remove(fdef: FieldDef, op: Operation, old: FieldValue) -> FieldValue:
    kind = fdef.field_type
    adding = op.kind == "add"
    if kind is FieldType.CATEGORY:
        wanted = {p.strip().casefold() for p in op.argument.split(",") if p.strip()}
        options = [o for o in category_options(fdef) if o.text.strip().casefold() in wanted]
        if len(options) != len(wanted):
            known = ", ".join(f'"{o.text}"' for o in category_options(fdef))
            raise BulkSpecError(f"{fdef.where}: no option {op.argument!r} (options: {known})")
        current = old.options if isinstance(old, CategoryValue) else ()
        ids = {o.id for o in options}
        if adding:
            chosen = current + tuple(o for o in options if o.id not in {c.id for c in current})
        else:
            chosen = tuple(o for o in current if o.id not in ids)
        return CategoryValue(chosen) if chosen else EMPTY
    if kind is FieldType.APP:
        given = _ids(fdef, op.argument)
        items = old.items if isinstance(old, RelationshipValue) else ()
        have = {i.item_id for i in items}
        if adding:
            items = items + tuple(RelatedItem(i) for i in given if i not in have)
        else:
            items = tuple(i for i in items if i.item_id not in given)
        return RelationshipValue(items) if items else EMPTY
    if kind is FieldType.CONTACT:
        given = _ids(fdef, op.argument)
        contacts = old.contacts if isinstance(old, ContactValue) else ()
        have = {c.profile_id for c in contacts}
        if adding:
            contacts = contacts + tuple(ContactRef(i) for i in given if i not in have)
        else:
            contacts = tuple(c for c in contacts if c.profile_id not in given)
        return ContactValue(contacts) if contacts else EMPTY
    raise BulkSpecError(
        f"{fdef.where}: add and remove work on category, relationship and contact fields and "
        "on tags"
    )


_SHIFT = re.compile(r"^\s*([+-]?)\s*(\d+)\s*(w|d|h|m|min)?\s*$", re.IGNORECASE)


def parse_shift(text: str) -> timedelta:
    """ "+3d", "-2w", "+4h", "30m" (minutes); a bare number counts days."""
    match = _SHIFT.match(text)
    if match is None:
        raise BulkSpecError(f"{text!r} is not a duration such as +3d, -1w, +2h or 30m")
    sign = -1 if match.group(1) == "-" else 1
    amount = int(match.group(2)) * sign
    unit = (match.group(3) or "d").lower()
    if unit == "w":
        return timedelta(weeks=amount)
    if unit == "d":
        return timedelta(days=amount)
    if unit == "h":
        return timedelta(hours=amount)
    return timedelta(minutes=amount)


def _shift(fdef: FieldDef, old: FieldValue, text: str) -> FieldValue:
    if fdef.field_type is not FieldType.DATE:
        raise BulkSpecError(f"{fdef.where}: only dates can be shifted")
    delta = parse_shift(text)
    if is_empty(old):
        return old
    assert isinstance(old, DateValue)
    if delta % timedelta(days=1) and not old.has_time:
        raise BulkSpecError(f"{fdef.where}: an all-day date shifts by whole days only")
    start = old.start + delta
    end = old.end + delta if old.end is not None else None
    return DateValue(
        start_date=start.date(),
        start_time=start.time() if old.start_time is not None else None,
        end_date=end.date() if end is not None else None,
        end_time=end.time() if end is not None and old.end_time is not None else None,
    )


def _increment(fdef: FieldDef, old: FieldValue, text: str) -> FieldValue:
    try:
        amount = Decimal(text.strip().replace(",", ""))
    except InvalidOperation as error:
        raise BulkSpecError(f"{text!r} is not a number to add") from error
    kind = fdef.field_type
    if kind is FieldType.NUMBER:
        base = old.value if isinstance(old, NumberValue) else Decimal(0)
        return NumberValue(base + amount)
    if kind is FieldType.MONEY:
        if not isinstance(old, MoneyValue):
            raise BulkSpecError(f"{fdef.where}: an empty amount has no currency to add to")
        return MoneyValue(old.amount + amount, old.currency)
    if kind is FieldType.PROGRESS:
        base_percent = old.percent if isinstance(old, ProgressValue) else 0
        if amount != amount.to_integral_value():
            raise BulkSpecError("progress moves by whole percents")
        return ProgressValue(base_percent + int(amount))
    if kind is FieldType.DURATION:
        base_seconds = old.seconds if isinstance(old, DurationValue) else 0
        return DurationValue(base_seconds + int(amount))
    raise BulkSpecError(
        f"{fdef.where}: only number, money, progress and duration fields can be added to"
    )


def _refused_change(
    app: App, item: Item, op: Operation, row: Mapping[str, str] | None, issue: str
) -> FieldChange | None:
    """A field whose new value could not be read, as a change carrying the issue and the
    text that was given (a file's cell, a typed value), so the preview shows it and lets the
    user type another; None when the field itself is unknown or read-only."""
    if op.kind == "delete" or op.field.strip().casefold() == TAGS:
        return None
    try:
        fdef = resolve_field(app, op.field)
    except BulkSpecError:
        return None
    if fdef.is_read_only:
        return None
    if op.kind == "column":
        given = (row or {}).get(op.argument, "")
    elif op.kind == "set":
        given = op.argument
    else:
        given = ""
    current = item.value(fdef.field_id)
    if isinstance(current, RawValue):
        return None
    unchanged = _field_change(app, item, fdef.field_id, current)
    return replace(unchanged, new_text=given, new_input=None, new_values=None, issue=issue)


def _field_change(app: App, item: Item, key: int | str, new: Any) -> FieldChange:
    if key == TAGS:
        old_tags = list(item.tags)
        new_tags = list(new)
        return FieldChange(
            0, TAGS, "Tags", ", ".join(old_tags), ", ".join(new_tags), old_tags, new_tags
        )
    assert isinstance(key, int)
    fdef = app.field(key)
    assert fdef is not None
    old = item.value(key)
    old_input = to_input(fdef, old)
    issue: str | None = None
    try:
        new_input = _new_input(fdef, old, new, old_input)
        problems = validate(fdef, new)
        if problems:
            issue = "; ".join(str(p) for p in problems)
    except DomainError as error:
        new_input, issue = None, str(error)
    new_text = display_text(fdef, new) if issue is None else ""
    return FieldChange(
        fdef.field_id,
        fdef.external_id,
        fdef.label,
        display_text(fdef, old),
        new_text,
        old_input,
        new_input,
        issue,
        old_values=to_get_values(fdef, old),
        new_values=to_get_values(fdef, new) if issue is None else None,
    )


def _new_input(fdef: FieldDef, old: FieldValue, new: FieldValue, old_input: Any) -> Any:
    """`new`'s input, or `old_input` when the two values are the same: Podio's "1234.5000"
    and a typed "1,234.50" differ as input text but are one amount, so no change to send."""
    return old_input if new == old else to_input(fdef, new)


def _old_value(fdef: FieldDef, change: FieldChange) -> FieldValue | None:
    if change.old_values is None:
        return None  # a plan written before the values were kept
    try:
        return parse_values(fdef, change.old_values)
    except (DomainError, MalformedValueError):
        return None


def fix_change(app: App, change: FieldChange, text: str) -> FieldChange:
    """`change` with its new value typed again by the user (a `fix` in an edited plan),
    read and validated as the editor reads and validates it."""
    if change.field_id == 0:
        tags = [t.strip() for t in text.split(",") if t.strip()]
        return replace(change, new_text=", ".join(tags), new_input=tags, issue=None)
    fdef = app.field(change.field_id)
    if fdef is None or not fdef.is_active:
        return replace(change, issue=f"the field {change.label!r} is no longer in the app")
    try:
        value = _from_text(fdef, text)
        old = _old_value(fdef, change)
        new_input = (
            to_input(fdef, value) if old is None else _new_input(fdef, old, value, change.old_input)
        )
        problems = validate(fdef, value)
    except (DomainError, MalformedValueError) as error:
        return replace(change, issue=str(error))
    if problems:
        return replace(change, issue="; ".join(str(p) for p in problems))
    return replace(
        change,
        new_text=display_text(fdef, value),
        new_input=new_input,
        new_values=to_get_values(fdef, value),
        issue=None,
    )


def with_fixes(app: App, item: ItemPlan, fixes: Mapping[int, str]) -> ItemPlan:
    """`item` with some of its field changes typed again (field id → text; 0 for the tags)
    and its status worked out anew: what the preview's "fix this value" does."""
    changes = tuple(
        fix_change(app, change, fixes[change.field_id]) if change.field_id in fixes else change
        for change in item.changes
    )
    issues = tuple(change.issue for change in changes if change.issue is not None)
    status: ItemStatus
    if issues:
        status = "invalid"
    elif item.status in ("create", "delete"):
        status = item.status
    else:
        status = "change" if any(change.changed for change in changes) else "noop"
    return replace(item, changes=changes, issues=issues, status=status)


# ------------------------------------------------------------------ sums and estimates


@dataclass(frozen=True)
class PlanCounts:
    planned: int = 0
    changed: int = 0
    unchanged: int = 0
    invalid: int = 0
    read_only: int = 0
    deletes: int = 0
    creates: int = 0
    missing: int = 0

    @property
    def writes(self) -> int:
        """Items the job will send a request for: one each."""
        return self.changed + self.deletes + self.creates

    def as_json(self) -> dict[str, int]:
        return {
            "planned": self.planned,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "invalid": self.invalid,
            "read_only": self.read_only,
            "deletes": self.deletes,
            "creates": self.creates,
            "missing": self.missing,
        }


def count_plan(items: Sequence[ItemPlan]) -> PlanCounts:
    by_status = dict.fromkeys(ItemStatus.__args__, 0)  # type: ignore[attr-defined]
    for item in items:
        by_status[item.status] += 1
    return PlanCounts(
        planned=len(items),
        changed=by_status["change"],
        unchanged=by_status["noop"],
        invalid=by_status["invalid"],
        read_only=by_status["read_only"],
        deletes=by_status["delete"],
        creates=by_status["create"],
        missing=by_status["missing"],
    )


@dataclass(frozen=True)
class Budget:
    """The rate budget a job's writes count against, as last seen (None: not known yet).
    `rate_class` names it ("general" or "heavy"); `reported` is False while no answer of
    Podio has given the limit (it is then the configured or default one)."""

    limit: int | None = None
    remaining: int | None = None
    seconds_left_in_window: float | None = None
    rate_class: str = "general"
    reported: bool = True

    @property
    def hourly_limit(self) -> int:
        """The limit, else Podio's default for the class (docs/podio-api.md, Rate limits)."""
        if self.limit:
            return self.limit
        return HEAVY_HOURLY_LIMIT if self.rate_class == "heavy" else DEFAULT_HOURLY_LIMIT


DEFAULT_HOURLY_LIMIT = 1000
HEAVY_HOURLY_LIMIT = 250


def describe_cost(calls: int, budget: Budget, seconds: float) -> str:
    """ "742 calls, about 1 h 38 min (heavy budget: 250/h, 250 left now)" — the budget
    named is the one the writes count against, so the figures can be checked. `seconds`
    comes from the one estimator (services/bulk_budget.py `estimate_seconds`)."""
    if calls <= 0:
        return "no calls"
    limit = budget.hourly_limit
    if budget.reported and budget.remaining is not None:
        known = f"{_count(budget.remaining)} left now"
    else:
        known = "assumed: Podio has not said it yet"
    return (
        f"{_calls(calls)}, about {describe_duration(seconds)} "
        f"({budget.rate_class} budget: {_count(limit)}/h, {known})"
    )


def describe_duration(seconds: float) -> str:
    if seconds < 1.5:
        return "1 second"
    if seconds < 90:
        return f"{round(seconds)} seconds"
    minutes = round(seconds / 60)
    if minutes < 120:
        return f"{minutes} minutes"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _count(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def count_of(number: int, word: str, plural: str | None = None) -> str:
    """ "1 item", "2 items", "1,234 items": a count and the word in its number."""
    return f"{number:,} {word if number == 1 else plural or word + 's'}"


def _calls(number: int) -> str:
    return "1 call" if number == 1 else f"{_count(number)} calls"


def workflow_warning(silent: bool, hook: bool, writes: int) -> str | None:
    """Podio runs its workflow automations and webhooks once per changed item, and throttles
    them; a large job with hooks on can queue them for hours (docs/podio-api.md)."""
    if writes == 0:
        return None
    parts = []
    if hook:
        parts.append(
            "webhooks and workflow automations run for "
            + ("the item" if writes == 1 else f"each of the {_count(writes)} items")
            + "; "
            "Podio throttles them, so they may lag for a long time (--no-hook turns them off)"
        )
    if not silent:
        parts.append("followers are notified of each change (--silent turns that off)")
    return "; ".join(parts) or None


__all__ = [
    "OPERATION_FIELD_TYPES",
    "TAGS",
    "TAG_OPERATIONS",
    "Budget",
    "BulkSpecError",
    "FieldChange",
    "ItemPlan",
    "Operation",
    "PlanCounts",
    "check_operations",
    "count_of",
    "count_plan",
    "describe_cost",
    "fields_for_operation",
    "fix_change",
    "item_is_read_only",
    "operation_applies_to",
    "operation_warning",
    "parse_operation",
    "parse_shift",
    "plan_item",
    "plan_new_item",
    "resolve_field",
    "validate_operation",
    "with_fixes",
    "workflow_warning",
]
