"""An edit made on an older revision of an item than Podio's current one (a 409 on save):
field by field, the value the edit started from, mine and theirs, and the change that
results from the user's choices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

from podio_desk.domain.fields import FieldDef, FieldValue
from podio_desk.domain.items import Item, ItemChange, Revision
from podio_desk.domain.workspace import App

Choice: TypeAlias = Literal["mine", "theirs"] | FieldValue


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
            value = entry.mine if choice == "mine" else choice
            assert not isinstance(value, str)
            if value != entry.theirs:
                values[entry.field.field_id] = value
        tags = self.change.tags
        if tags is not None and choices.get(TAGS_KEY, default) == "theirs":
            tags = None
        if tags is not None and tuple(tags) == self.current.tags:
            tags = None
        return ItemChange(values=values, tags=tags)


# The pseudo field id under which a conflict view reports the item's tags.
TAGS_KEY = -1


def build_conflict(
    app: App,
    base: Item,
    current: Item,
    change: ItemChange,
    their_fields: set[int] | None,
    revisions: Sequence[Revision],
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
    return ItemConflict(base, current, change, tuple(entries), tuple(revisions))
