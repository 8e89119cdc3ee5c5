"""Keeping both sides of a conflict: lists (tags, attached files, multi-valued fields)
combine as theirs, plus what I added, minus what I removed; single values cannot."""

from __future__ import annotations

from podio_desk.domain.conflicts import (
    FILES_KEY,
    TAGS_KEY,
    FieldConflict,
    ListConflict,
    can_combine,
    combine_lists,
    combine_values,
)
from podio_desk.domain.fields import (
    EMPTY,
    CategoryOption,
    CategoryValue,
    ContactRef,
    ContactValue,
    RelatedItem,
    RelationshipValue,
    TextValue,
)
from tests.domain.test_changes import _fdef


def test_combine_lists_keeps_additions_of_both_and_removals_of_both() -> None:
    assert combine_lists([1, 2, 3], [1, 3, 4], [1, 2, 3, 5]) == (1, 3, 5, 4)
    assert combine_lists([], ["a"], ["b"]) == ("b", "a")


def test_list_conflict_resolution() -> None:
    files = ListConflict(FILES_KEY, "Files", (1, 2), (1,), (1, 2, 3), {3: "theirs.txt"})
    assert files.resolved("both") == (1, 3)
    assert files.resolved("mine") == (1,)
    assert files.resolved("theirs") is None
    assert files.text(files.theirs) == "1, 2, theirs.txt"
    untouched = ListConflict(TAGS_KEY, "Tags", ("a",), None, ("a", "b"))
    assert untouched.resolved("both") is None


def test_keep_both_in_multi_valued_fields() -> None:
    multi = _fdef(20, "colours", "category", multiple=True)
    red, green, blue = (CategoryOption(i, name) for i, name in enumerate(("R", "G", "B"), 1))
    entry = FieldConflict(
        multi,
        CategoryValue((red,)),
        CategoryValue((red, green)),
        CategoryValue((blue,)),
        theirs_changed=True,
    )
    assert can_combine(multi, entry)
    assert combine_values(entry) == CategoryValue((blue, green))

    related = _fdef(21, "related", "app")
    one, two = RelatedItem(1, "One"), RelatedItem(2, "Two")
    entry = FieldConflict(
        related, EMPTY, RelationshipValue((one,)), RelationshipValue((two,)), theirs_changed=True
    )
    assert can_combine(related, entry)
    assert combine_values(entry) == RelationshipValue((two, one))

    people = _fdef(22, "people", "contact")
    ann, bob = ContactRef(7, "Ann"), ContactRef(8, "Bob")
    entry = FieldConflict(
        people, ContactValue((ann, bob)), ContactValue((bob,)), ContactValue((ann,)), True
    )
    assert combine_values(entry) == EMPTY  # I removed Ann, they removed Bob


def test_single_values_cannot_be_combined() -> None:
    single = _fdef(23, "status", "category", multiple=False)
    entry = FieldConflict(
        single,
        EMPTY,
        CategoryValue((CategoryOption(1, "Open"),)),
        CategoryValue((CategoryOption(2, "Done"),)),
        theirs_changed=True,
    )
    assert not can_combine(single, entry)
    text = _fdef(24, "notes")
    assert not can_combine(text, FieldConflict(text, EMPTY, TextValue("a"), TextValue("b"), True))
