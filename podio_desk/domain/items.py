"""Items and what hangs off them: pages of items, changes, comments, files, revisions, tasks.

`Item.raw` keeps the JSON Podio sent, so nothing is lost even where the typed view is
partial. A field value that cannot be read does not fail the whole item: it is kept as a
`RawValue` carrying the problem (listed in `Item.problems`), shown read-only and never
written back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from podio_desk.domain._json import (
    as_int,
    as_list,
    as_mapping,
    fail,
    is_int,
    opt_int,
    opt_str,
    short,
    str_or,
    str_tuple,
)
from podio_desk.domain.errors import MalformedValueError, ReadOnlyFieldError
from podio_desk.domain.fields import (
    EMPTY,
    FieldDef,
    FieldValue,
    RawValue,
    ValidationIssue,
    is_empty,
    parse_values,
    to_get_values,
    to_input,
    validate,
)
from podio_desk.domain.timestamps import format_podio_datetime, parse_podio_datetime
from podio_desk.domain.workspace import App


def _opt_time(obj: Mapping[str, Any], key: str, where: str) -> datetime | None:
    value = obj.get(key)
    if value is None:
        return None
    return parse_podio_datetime(value, what=f'{where}: "{key}"')


def _req_time(obj: Mapping[str, Any], key: str, where: str) -> datetime:
    value = _opt_time(obj, key, where)
    if value is None:
        fail(where, f'"{key}" is missing')
    return value


# Podio's ids, revisions and counts are 64-bit signed integers.
MAX_ID = 2**63 - 1
# A new item made offline is kept, until Podio makes it, under a negative id (Podio's are
# positive; Qt's signals carry 32-bit ids) with this key set in its JSON (services/outbox.py).
PLACEHOLDER_KEY = "podio_desk_placeholder"
_T = TypeVar("_T")


def _id(value: object, where: str, what: str) -> int:
    number = as_int(value, where, what)
    if not 0 <= number <= MAX_ID:
        fail(where, f"{what} {number} is out of range")
    return number


def _digits_id(value: object, where: str, what: str, problems: list[str]) -> int | None:
    """An id or revision that may have come as a text of digits: read, and noted."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        problems.append(f"{where}: {what} should be a whole number, got {short(value)}")
        value = int(value.strip())
    return _id(value, where, what)


def item_id_of(entry: Mapping[str, Any]) -> int:
    """The item's id: a whole number (or a text of digits) from 1 to 2**63 - 1.

    MalformedValueError otherwise: an item without a usable id cannot be stored or found."""
    value = entry.get("item_id")
    if value is None:
        fail("Item", '"item_id" is missing')
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        value = int(value.strip())
    number = as_int(value, "Item", '"item_id"')
    if number < 0 and entry.get(PLACEHOLDER_KEY) is True:
        return number
    if not 1 <= number <= MAX_ID:
        fail("Item", f'"item_id" {number} is out of range')
    return number


@dataclass(frozen=True)
class Actor:
    """Who did something: a user, an app, … (`created_by` objects)."""

    type: str
    id: int | None
    name: str

    @classmethod
    def from_api(cls, json: object, where: str = "created_by") -> Actor | None:
        if json is None:
            return None
        entry = as_mapping(json, where, "created_by")
        return cls(
            type=str_or(entry, "type", where, default="user"),
            id=opt_int(entry, "id", where),
            name=str_or(entry, "name", where),
        )


@dataclass(frozen=True)
class FileInfo:
    file_id: int
    name: str
    mimetype: str | None = None
    size: int | None = None
    link: str | None = None
    thumbnail_link: str | None = None
    description: str | None = None
    created_on: datetime | None = None
    created_by: Actor | None = None
    context_type: str | None = None
    context_title: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False, repr=False)

    @classmethod
    def from_api(cls, json: object) -> FileInfo:
        entry = as_mapping(json, "File", "file")
        if entry.get("file_id") is None:
            fail("File", '"file_id" is missing')
        file_id = as_int(entry["file_id"], "File", '"file_id"')
        where = f"File {file_id}"
        context = entry.get("context")
        context_json = as_mapping(context, where, "context") if context is not None else {}
        return cls(
            file_id=file_id,
            name=str_or(entry, "name", where),
            mimetype=opt_str(entry, "mimetype", where),
            size=opt_int(entry, "size", where),
            link=opt_str(entry, "link", where),
            thumbnail_link=opt_str(entry, "thumbnail_link", where),
            description=opt_str(entry, "description", where),
            created_on=_opt_time(entry, "created_on", where),
            created_by=Actor.from_api(entry.get("created_by"), where),
            context_type=opt_str(context_json, "type", where),
            context_title=opt_str(context_json, "title", where),
            raw=entry,
        )


def files_from_api(json: object) -> tuple[FileInfo, ...]:
    """A list of files (GET /file/app/{id}/, an item's `files`)."""
    return tuple(FileInfo.from_api(entry) for entry in as_list(json, "File list", "list"))


@dataclass(frozen=True)
class Comment:
    comment_id: int
    value: str
    created_on: datetime | None = None
    created_by: Actor | None = None
    rich_value: str | None = None
    external_id: str | None = None
    files: tuple[FileInfo, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False, repr=False)

    @classmethod
    def from_api(cls, json: object) -> Comment:
        entry = as_mapping(json, "Comment", "comment")
        if entry.get("comment_id") is None:
            fail("Comment", '"comment_id" is missing')
        comment_id = as_int(entry["comment_id"], "Comment", '"comment_id"')
        where = f"Comment {comment_id}"
        raw_files = entry.get("files")
        return cls(
            comment_id=comment_id,
            value=str_or(entry, "value", where),
            created_on=_opt_time(entry, "created_on", where),
            created_by=Actor.from_api(entry.get("created_by"), where),
            rich_value=opt_str(entry, "rich_value", where),
            external_id=opt_str(entry, "external_id", where),
            files=() if raw_files is None else files_from_api(raw_files),
            raw=entry,
        )


@dataclass(frozen=True)
class Revision:
    revision: int
    item_revision_id: int | None = None
    created_on: datetime | None = None
    created_by: Actor | None = None
    type: str | None = None
    app_revision: int | None = None

    @classmethod
    def from_api(cls, json: object) -> Revision:
        entry = as_mapping(json, "Revision", "revision")
        if entry.get("revision") is None:
            fail("Revision", '"revision" is missing')
        revision = as_int(entry["revision"], "Revision", '"revision"')
        where = f"Revision {revision}"
        return cls(
            revision=revision,
            item_revision_id=opt_int(entry, "item_revision_id", where),
            created_on=_opt_time(entry, "created_on", where),
            created_by=Actor.from_api(entry.get("created_by"), where),
            type=opt_str(entry, "type", where),
            app_revision=opt_int(entry, "app_revision", where),
        )


@dataclass(frozen=True)
class RevisionDiff:
    """One field's change between two revisions (GET /item/{id}/revision/{from}/{to})."""

    field: FieldDef
    from_value: FieldValue
    to_value: FieldValue

    @classmethod
    def from_api(cls, json: object) -> RevisionDiff:
        entry = as_mapping(json, "Revision difference", "difference")
        fdef = FieldDef.from_api(entry)
        return cls(
            field=fdef,
            from_value=parse_values(fdef, entry.get("from") or []),
            to_value=parse_values(fdef, entry.get("to") or []),
        )


def revision_diffs_from_api(json: object) -> tuple[RevisionDiff, ...]:
    return tuple(RevisionDiff.from_api(entry) for entry in as_list(json, "Revision diff", "list"))


@dataclass(frozen=True)
class Task:
    task_id: int
    text: str
    status: str = "active"
    description: str | None = None
    due_on: datetime | None = None
    responsible: Actor | None = None
    ref_type: str | None = None
    ref_id: int | None = None
    created_on: datetime | None = None
    completed_on: datetime | None = None
    link: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False, repr=False)

    @classmethod
    def from_api(cls, json: object) -> Task:
        entry = as_mapping(json, "Task", "task")
        if entry.get("task_id") is None:
            fail("Task", '"task_id" is missing')
        task_id = as_int(entry["task_id"], "Task", '"task_id"')
        where = f"Task {task_id}"
        ref = entry.get("ref")
        ref_json = as_mapping(ref, where, "ref") if ref is not None else {}
        return cls(
            task_id=task_id,
            text=str_or(entry, "text", where),
            status=str_or(entry, "status", where, default="active"),
            description=opt_str(entry, "description", where),
            due_on=_opt_time(entry, "due_on", where),
            responsible=Actor.from_api(entry.get("responsible"), where),
            ref_type=opt_str(ref_json, "type", where),
            ref_id=opt_int(ref_json, "id", where),
            created_on=_opt_time(entry, "created_on", where),
            completed_on=_opt_time(entry, "completed_on", where),
            link=opt_str(entry, "link", where),
            raw=entry,
        )


@dataclass(frozen=True)
class Item:
    item_id: int
    app_id: int | None
    app_item_id: int | None
    title: str
    revision: int
    # None only for an item whose JSON lacks a readable date (see `problems`).
    created_on: datetime | None
    last_edit_on: datetime | None
    tags: tuple[str, ...] = ()
    fields: tuple[FieldDef, ...] = ()
    values: Mapping[int, FieldValue] = field(default_factory=dict, hash=False)
    raw: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False, repr=False)
    comment_count: int = 0
    file_count: int = 0
    external_id: str | None = None
    link: str | None = None
    problems: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, json: object, app: App | None = None, *, app_id: int | None = None) -> Item:
        """Read GET /item/{id}, GET /item/{id}/basic, or one item of a filter result.

        Field definitions come from the item's own field entries; where `app` knows the
        field, its full definition (settings complete) is used instead. Filter results
        name no app, so pass `app` or `app_id` for them.

        Only an item without a usable item_id raises (MalformedValueError): any other part
        that cannot be read is left at its default and named in `problems`, so one odd item
        never costs the rest of a page.
        """
        entry = as_mapping(json, "Item", "item")
        item_id = item_id_of(entry)
        where = f"Item {item_id}"
        problems: list[str] = []
        if not is_int(entry.get("item_id")):
            shown = short(entry["item_id"])
            problems.append(f'{where}: "item_id" should be a whole number, got {shown}')

        def read(what: Callable[[], _T], default: _T) -> _T:
            try:
                return what()
            except MalformedValueError as exc:
                problems.append(str(exc))
                return default

        app_json = entry.get("app")
        if app_json is not None:
            app_id = read(
                lambda: _id(as_mapping(app_json, where, "app").get("app_id"), where, "app_id"),
                app.app_id if app is not None else app_id,
            )
        elif app is not None:
            app_id = app.app_id
        created_on = read(lambda: _req_time(entry, "created_on", where), None)
        current = entry.get("current_revision")
        current_json: Mapping[str, Any] = read(
            lambda: as_mapping(current, where, "current_revision") if current else {}, {}
        )
        last_edit_on = (
            read(lambda: _opt_time(current_json, "created_on", where + " current_revision"), None)
            or read(lambda: _opt_time(entry, "last_event_on", where), None)
            or created_on
        )
        raw_fields = entry.get("fields")
        field_entries: list[Any] = read(
            lambda: [] if raw_fields is None else as_list(raw_fields, where, "fields"), []
        )
        fdefs: list[FieldDef] = []
        values: dict[int, FieldValue] = {}
        for field_entry in field_entries:
            try:
                field_json = as_mapping(field_entry, where, "field entry")
                field_id = field_json.get("field_id")
                known = app.field(field_id) if app is not None and is_int(field_id) else None
                if known is None or known.type != field_json.get("type"):
                    known = FieldDef.from_api(field_json)
            except MalformedValueError as exc:
                problems.append(str(exc))
                continue
            fdef = known
            if fdef.field_id in values:
                problems.append(f"{fdef.where} is listed twice; the first is shown")
                continue
            fdefs.append(fdef)
            raw_values = field_json.get("values")
            try:
                values[fdef.field_id] = parse_values(fdef, [] if raw_values is None else raw_values)
            except MalformedValueError as exc:
                problems.append(str(exc))
                kept = tuple(raw_values) if isinstance(raw_values, list) else (raw_values,)
                values[fdef.field_id] = RawValue(kept, problem=str(exc))
        comments = entry.get("comments")
        files = entry.get("files")
        revision = entry.get("revision")
        if revision is None:
            revision = current_json.get("revision", 0)
        tags = entry.get("tags")
        if isinstance(tags, list) and not all(isinstance(tag, str) for tag in tags):
            problems.append(f'{where}: "tags" should hold texts, got {short(tags)}')
            tags_read = tuple(tag for tag in tags if isinstance(tag, str))
        else:
            tags_read = read(lambda: str_tuple(entry, "tags", where), ())
        return cls(
            item_id=item_id,
            app_id=app_id,
            app_item_id=read(
                lambda: _digits_id(entry.get("app_item_id"), where, '"app_item_id"', problems),
                None,
            ),
            title=read(lambda: str_or(entry, "title", where), ""),
            revision=read(lambda: _digits_id(revision, where, '"revision"', problems) or 0, 0),
            created_on=created_on,
            last_edit_on=last_edit_on,
            tags=tags_read,
            fields=tuple(fdefs),
            values=values,
            raw=entry,
            comment_count=read(lambda: _count(entry, "comment_count", comments, where), 0),
            file_count=read(lambda: _count(entry, "file_count", files, where), 0),
            external_id=read(lambda: opt_str(entry, "external_id", where), None),
            link=read(lambda: opt_str(entry, "link", where), None),
            problems=tuple(problems),
        )

    def with_json(self) -> Item:
        """This item with its GET-shaped JSON in `raw`: the grid keeps items without it
        (`raw` empty, to save memory), and whatever is kept for later (the outbox's base,
        the cache row) is read back from that JSON."""
        if "item_id" in self.raw:
            return self
        fields = []
        for fdef in self.fields:
            value = self.values.get(fdef.field_id, EMPTY)
            if is_empty(value):
                continue
            if isinstance(value, RawValue):
                values: list[Any] = list(value.values)
            else:
                values = to_get_values(fdef, value)
            fields.append(
                {
                    "field_id": fdef.field_id,
                    "type": fdef.type,
                    "external_id": fdef.external_id,
                    "label": fdef.label,
                    "status": fdef.status,
                    "config": dict(fdef.config),
                    "values": values,
                }
            )
        raw: dict[str, Any] = {
            "item_id": self.item_id,
            "app_item_id": self.app_item_id,
            "title": self.title,
            "revision": self.revision,
            "tags": list(self.tags),
            "fields": fields,
            "comment_count": self.comment_count,
            "file_count": self.file_count,
            "external_id": self.external_id,
            "link": self.link,
        }
        if self.app_id is not None:
            raw["app"] = {"app_id": self.app_id}
        if self.created_on is not None:
            raw["created_on"] = format_podio_datetime(self.created_on)
        if self.last_edit_on is not None:
            raw["last_event_on"] = format_podio_datetime(self.last_edit_on)
        return replace(self, raw=raw)

    def value(self, field_id: int) -> FieldValue:
        return self.values.get(field_id, EMPTY)

    def field(self, field_id: int) -> FieldDef | None:
        for fdef in self.fields:
            if fdef.field_id == field_id:
                return fdef
        return None

    def with_change(self, change: ItemChange, app: App | None = None) -> Item:
        """This item as it reads once `change` is saved; `raw` is updated to match.

        The revision stays as it is (Podio assigns the next one). Emptied fields leave
        `fields`, `values` and `raw["fields"]`, as Podio leaves empty fields out of items.
        For keeping an edit in the cache before, or without, the server's answer.
        """
        known = {fdef.field_id: fdef for fdef in self.fields}
        if app is not None:
            for app_field in app.fields:
                known.setdefault(app_field.field_id, app_field)
        values = dict(self.values)
        fdefs = {fdef.field_id: fdef for fdef in self.fields}
        raw_fields = {
            entry["field_id"]: dict(entry)
            for entry in self.raw.get("fields") or []
            if isinstance(entry, Mapping) and "field_id" in entry
        }
        for field_id, value in change.values.items():
            fdef = known.get(field_id)
            if fdef is None:
                raise MalformedValueError(f"Field {field_id} is not a field of item {self.item_id}")
            if is_empty(value):
                values.pop(field_id, None)
                fdefs.pop(field_id, None)
                raw_fields.pop(field_id, None)
                continue
            entry = raw_fields.get(field_id) or {
                "field_id": fdef.field_id,
                "type": fdef.type,
                "external_id": fdef.external_id,
                "label": fdef.label,
                "status": fdef.status,
                "config": dict(fdef.config),
            }
            entry["values"] = to_get_values(fdef, value)
            raw_fields[field_id] = entry
            values[field_id] = value
            fdefs[field_id] = fdef
        raw = dict(self.raw)
        raw["fields"] = list(raw_fields.values())
        tags = self.tags
        if change.tags is not None:
            tags = change.tags
            raw["tags"] = list(tags)
        return replace(self, fields=tuple(fdefs.values()), values=values, raw=raw, tags=tags)

    @property
    def comments(self) -> tuple[Comment, ...]:
        raw = self.raw.get("comments")
        return () if raw is None else tuple(Comment.from_api(c) for c in as_list(raw, "Item"))

    @property
    def files(self) -> tuple[FileInfo, ...]:
        raw = self.raw.get("files")
        return () if raw is None else files_from_api(raw)

    @property
    def revisions(self) -> tuple[Revision, ...]:
        raw = self.raw.get("revisions")
        return () if raw is None else tuple(Revision.from_api(r) for r in as_list(raw, "Item"))


def _count(entry: Mapping[str, Any], key: str, listed: object, where: str) -> int:
    if entry.get(key) is not None:
        return _id(entry[key], where, f'"{key}"')
    return len(listed) if isinstance(listed, list) else 0


@dataclass(frozen=True)
class ItemPage:
    """One page of POST /item/app/{app_id}/filter/: `total` in the app, `filtered` matching.

    `skipped` counts the entries of the answer that are not in `items`: an item without a
    usable item_id, or a repeat of an item already in the page. Offsets count them too."""

    total: int
    filtered: int
    offset: int
    items: tuple[Item, ...]
    skipped: int = 0

    @property
    def entries(self) -> int:
        """How many entries the answer held (the offset moves on by this many)."""
        return len(self.items) + self.skipped

    @classmethod
    def from_api(
        cls, json: object, offset: int, app: App | None = None, *, app_id: int | None = None
    ) -> ItemPage:
        where = "Filter result"
        entry = as_mapping(json, where, "result")
        raw_items = as_list(entry.get("items", []), where, "items")
        total = as_int(entry.get("total"), where, '"total"')
        filtered = entry.get("filtered")
        items: dict[int, Item] = {}
        for raw in raw_items:
            try:
                item = Item.from_api(raw, app, app_id=app_id)
            except MalformedValueError:
                continue
            items.setdefault(item.item_id, item)
        return cls(
            total=total,
            filtered=total if filtered is None else as_int(filtered, where, '"filtered"'),
            offset=offset,
            items=tuple(items.values()),
            skipped=len(raw_items) - len(items),
        )


def _field_lookup(app_or_fields: App | Iterable[FieldDef]) -> dict[int, FieldDef]:
    fields = app_or_fields.fields if isinstance(app_or_fields, App) else app_or_fields
    return {fdef.field_id: fdef for fdef in fields}


@dataclass(frozen=True)
class ItemChange:
    """What a person changed on one item: new field values by field id, and maybe tags.

    `tags=None` leaves the tags alone; a tuple replaces them (Podio replaces the list).
    """

    values: Mapping[int, FieldValue] = field(default_factory=dict, hash=False)
    tags: tuple[str, ...] | None = None

    def validate(self, app_or_fields: App | Iterable[FieldDef]) -> list[ValidationIssue]:
        lookup = _field_lookup(app_or_fields)
        issues: list[ValidationIssue] = []
        for field_id, value in self.values.items():
            fdef = lookup.get(field_id)
            if fdef is None:
                issues.append(ValidationIssue(field_id, str(field_id), "This field does not exist"))
                continue
            if not fdef.is_active:
                message = f'"{fdef.label}" was deleted from the app'
                issues.append(ValidationIssue(field_id, fdef.label, message))
                continue
            issues.extend(validate(fdef, value))
        return issues

    def to_update_body(
        self,
        app_or_fields: App | Iterable[FieldDef],
        *,
        revision: int | None = None,
        key: str = "field_id",
    ) -> dict[str, Any]:
        """The body for PUT /item/{id} (or POST /item/app/{id}/): only the changed fields.

        Fields are keyed by field id (as a string, JSON object keys being strings), or by
        external id with `key="external_id"`. A read-only field in the change raises
        ReadOnlyFieldError: the editor must not offer to change those.
        """
        lookup = _field_lookup(app_or_fields)
        body_fields: dict[str, Any] = {}
        for field_id, value in self.values.items():
            fdef = lookup.get(field_id)
            if fdef is None:
                raise MalformedValueError(f"Field {field_id} is not a field of this app")
            if fdef.is_read_only:
                raise ReadOnlyFieldError(f"{fdef.where} is read-only and cannot be changed")
            name = fdef.external_id if key == "external_id" and fdef.external_id else None
            body_fields[name or str(fdef.field_id)] = to_input(fdef, value)
        body: dict[str, Any] = {"fields": body_fields}
        if self.tags is not None:
            body["tags"] = list(self.tags)
        if revision is not None:
            body["revision"] = revision
        return body
