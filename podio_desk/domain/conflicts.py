"""An edit made on an older revision of an item than Podio's current one (a 409 on save):
field by field, the value the edit started from, mine and theirs, and the change that
results from the user's choices."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from podio_desk.domain.fields import EMPTY, CategoryOption, FieldDef, FieldType, FieldValue
from podio_desk.domain.items import Item, ItemChange, Revision
from podio_desk.domain.workspace import App

# "both": keep what I added and what they added, drop what either removed (lists only).
Choice: TypeAlias = Literal["mine", "theirs", "both"] | FieldValue

# The pseudo field ids under which a conflict reports the item's tags and attached files.
TAGS_KEY = -1
FILES_KEY = -2


def combine_lists(
    base: Sequence[Hashable], mine: Sequence[Hashable], theirs: Sequence[Hashable]
) -> tuple[Hashable, ...]:
    """Both sides of a list edit: theirs, plus what I added, minus what I removed."""
    removed = {entry for entry in base if entry not in mine}
    combined = [entry for entry in theirs if entry not in removed]
    combined += [entry for entry in mine if entry not in base and entry not in combined]
    return tuple(combined)


def _list_of(value: FieldValue) -> tuple[str, tuple[object, ...]] | None:
    """(attribute, entries) of a multi-valued value (categories, relationships, contacts,
    files, embeds, places, e-mails, phones), or None for a single value."""
    fields = dataclasses.fields(value)
    if len(fields) != 1:
        return None
    entries = getattr(value, fields[0].name)
    return (fields[0].name, entries) if isinstance(entries, tuple) else None


def _entry_key(entry: object) -> Hashable:
    # Category options are one option whatever their colour or text; the other entries
    # compare by their id already (RelatedItem, ContactRef, FileRef, …).
    if isinstance(entry, CategoryOption):
        return entry.id
    assert isinstance(entry, Hashable)
    return entry


def can_combine(fdef: FieldDef, entry: FieldConflict) -> bool:
    """Whether "keep both" makes sense for this field: a list both sides changed."""
    if fdef.field_type is FieldType.CATEGORY and not fdef.settings.get("multiple"):
        return False
    if entry.mine is None or not entry.theirs_changed:
        return False
    shapes = [_list_of(value) for value in (entry.base, entry.mine, entry.theirs)]
    present = [shape for shape in shapes if shape is not None]
    return bool(present) and all(
        shape is not None or value == EMPTY
        for shape, value in zip(shapes, (entry.base, entry.mine, entry.theirs), strict=True)
    )


def combine_values(entry: FieldConflict) -> FieldValue:
    """Mine and theirs together (`can_combine` must hold): their entries, plus those I
    added, minus those I removed."""
    sides = (entry.base, entry.mine if entry.mine is not None else EMPTY, entry.theirs)
    template = next(value for value in sides if _list_of(value) is not None)
    shape = _list_of(template)
    assert shape is not None
    name = shape[0]
    lists = []
    for value in sides:
        found = _list_of(value)
        lists.append(found[1] if found is not None else ())
    base, mine, theirs = lists
    by_key: dict[Hashable, object] = {}
    for entry_value in (*base, *theirs, *mine):
        by_key.setdefault(_entry_key(entry_value), entry_value)
    keys = combine_lists(
        [_entry_key(e) for e in base],
        [_entry_key(e) for e in mine],
        [_entry_key(e) for e in theirs],
    )
    if not keys:
        return EMPTY
    replacement: dict[str, Any] = {name: tuple(by_key[key] for key in keys)}
    combined: FieldValue = dataclasses.replace(template, **replacement)
    return combined


@dataclass(frozen=True)
class ListConflict:
    """A list outside the fields that Podio replaces whole on write: the item's tags
    (`TAGS_KEY`, entries are the tags) or its attached files (`FILES_KEY`, file ids).
    `names` gives each entry's display name."""

    key: int
    label: str
    base: tuple[Hashable, ...]
    mine: tuple[Hashable, ...] | None  # None: I did not touch this list
    theirs: tuple[Hashable, ...]
    names: Mapping[Hashable, str] = dataclasses.field(default_factory=dict, compare=False)

    @property
    def mine_changed(self) -> bool:
        return self.mine is not None

    @property
    def theirs_changed(self) -> bool:
        return tuple(self.theirs) != tuple(self.base)

    def name(self, entry: Hashable) -> str:
        return self.names.get(entry, str(entry))

    def text(self, entries: Sequence[Hashable] | None) -> str:
        return ", ".join(self.name(entry) for entry in entries or ())

    def combined(self) -> tuple[Hashable, ...]:
        return combine_lists(self.base, self.mine or self.base, self.theirs)

    def resolved(self, choice: object) -> tuple[Hashable, ...] | None:
        """The list to send for `choice` ("mine", "theirs", "both"), or None to leave it."""
        if self.mine is None or choice == "theirs":
            return None
        chosen = self.combined() if choice == "both" else tuple(self.mine)
        return None if chosen == tuple(self.theirs) else chosen


@dataclass(frozen=True)
class FieldConflict:
    """One field in a conflict: the value I started from, mine, and theirs now."""

    field: FieldDef
    base: FieldValue
    mine: FieldValue | None  # None: I did not touch this field
    theirs: FieldValue
    theirs_changed: bool  # named in the revision diff since my revision

    @property
    def mine_changed(self) -> bool:
        return self.mine is not None

    @property
    def clashes(self) -> bool:
        """Both sides changed the field, to different values: the user must choose."""
        return self.mine is not None and self.theirs_changed and self.mine != self.theirs


@dataclass(frozen=True)
class ItemConflict:
    """Podio has a newer revision than the one the edit started from (409)."""

    base: Item
    current: Item
    change: ItemChange
    fields: tuple[FieldConflict, ...]
    their_revisions: tuple[Revision, ...] = ()
    # The tags and the attached files, when either side changed them.
    lists: tuple[ListConflict, ...] = ()
    # The attached files I meant to keep (removing or attaching one), or None.
    file_ids: tuple[int, ...] | None = None

    def list_conflict(self, key: int) -> ListConflict | None:
        return next((entry for entry in self.lists if entry.key == key), None)

    @property
    def clashing(self) -> tuple[FieldConflict, ...]:
        return tuple(entry for entry in self.fields if entry.clashes)

    def resolve(
        self, choices: Mapping[int, Choice] | None = None, *, default: str = "mine"
    ) -> ItemChange:
        """The change to send on top of `current`: per field "mine", "theirs" or an edited value.

        Fields without a choice follow `default`. Fields only they changed are left out, so
        their edit stays. Choosing "theirs" everywhere gives an empty change.
        """
        choices = choices or {}
        values: dict[int, FieldValue] = {}
        for entry in self.fields:
            if entry.mine is None:
                continue
            choice = choices.get(entry.field.field_id, default)
            if choice == "theirs":
                continue
            value: FieldValue
            if choice == "both" and can_combine(entry.field, entry):
                value = combine_values(entry)
            elif choice == "mine" or choice == "both":
                value = entry.mine
            else:
                assert not isinstance(choice, str)
                value = choice
            if value != entry.theirs:
                values[entry.field.field_id] = value
        tags = self.change.tags
        tag_list = self.list_conflict(TAGS_KEY)
        if tags is not None and tag_list is not None:
            chosen = tag_list.resolved(choices.get(TAGS_KEY, default))
            tags = None if chosen is None else tuple(str(tag) for tag in chosen)
        if tags is not None and tuple(tags) == self.current.tags:
            tags = None
        return ItemChange(values=values, tags=tags)

    def resolve_files(
        self, choices: Mapping[int, Choice] | None = None, *, default: str = "mine"
    ) -> tuple[int, ...] | None:
        """The attached files to send on top of `current`, or None to leave theirs."""
        files = self.list_conflict(FILES_KEY)
        if files is None:
            return None
        chosen = files.resolved((choices or {}).get(FILES_KEY, default))
        return None if chosen is None else tuple(int(str(file_id)) for file_id in chosen)


def build_conflict(
    app: App,
    base: Item,
    current: Item,
    change: ItemChange,
    their_fields: set[int] | None,
    revisions: Sequence[Revision],
    *,
    file_ids: Sequence[int] | None = None,
) -> ItemConflict:
    """Field by field: base, mine (if I changed it), theirs (and whether they changed it).

    `their_fields` are the fields named in the revision diff; without it (diff unavailable)
    a field counts as changed by them when its value differs from the base.
    """
    entries: list[FieldConflict] = []
    for fdef in app.active_fields:
        fid = fdef.field_id
        base_value = base.value(fid)
        theirs = current.value(fid)
        changed = (fid in their_fields) if their_fields is not None else theirs != base_value
        # A diff entry that leaves the value as it was is not a change worth showing.
        changed = changed and theirs != base_value
        mine = change.values.get(fid)
        if mine is None and not changed:
            continue
        entries.append(FieldConflict(fdef, base_value, mine, theirs, changed))
    lists: list[ListConflict] = []
    if change.tags is not None or current.tags != base.tags:
        lists.append(ListConflict(TAGS_KEY, "Tags", base.tags, change.tags, current.tags))
    base_files = tuple(info.file_id for info in base.files)
    their_files = tuple(info.file_id for info in current.files)
    if file_ids is not None or their_files != base_files:
        names: dict[Hashable, str] = {
            info.file_id: info.name for info in (*base.files, *current.files)
        }
        mine_files = tuple(file_ids) if file_ids is not None else None
        lists.append(ListConflict(FILES_KEY, "Files", base_files, mine_files, their_files, names))
    return ItemConflict(
        base,
        current,
        change,
        tuple(entries),
        tuple(revisions),
        tuple(lists),
        tuple(file_ids) if file_ids is not None else None,
    )
