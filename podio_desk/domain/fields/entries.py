"""E-mail and phone fields: lists of addresses or numbers, each with its kind."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from podio_desk.domain._json import fail, opt_str, short
from podio_desk.domain.fields.codec import _Codec, _elements, _settings_strs, _sub_value
from podio_desk.domain.fields.definitions import FieldDef
from podio_desk.domain.fields.values import EMPTY, EmailValue, FieldValue, PhoneValue, TypedEntry


def _parse_entries(fdef: FieldDef, values: list[Any]) -> tuple[TypedEntry, ...]:
    entries = []
    for element in _elements(fdef, values):
        content = _sub_value(fdef, element)
        if not isinstance(content, str):
            fail(fdef.where, f"an entry should be text, got {short(content)}")
        kind = opt_str(element, "type", fdef.where) or "other"
        entries.append(TypedEntry(kind, content))
    return tuple(entries)


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_PHONE_CHARS = re.compile(r"[0-9+()\-./ x#*]+", re.IGNORECASE)


class _TypedEntriesCodec(_Codec):
    max_length: ClassVar[int] = 0
    noun: ClassVar[str] = ""

    def _make(self, entries: tuple[TypedEntry, ...]) -> FieldValue:
        raise NotImplementedError

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        entries = _parse_entries(fdef, values)
        return self._make(entries) if entries else EMPTY

    def display(self, fdef: FieldDef, value: EmailValue | PhoneValue) -> str:
        return ", ".join(entry.value for entry in value.entries)

    def to_input(self, fdef: FieldDef, value: EmailValue | PhoneValue) -> Any:
        return [{"type": entry.type, "value": entry.value} for entry in value.entries]

    def _check_one(self, fdef: FieldDef, entry: TypedEntry) -> list[str]:
        return []

    def validate(self, fdef: FieldDef, value: EmailValue | PhoneValue) -> list[str]:
        possible = _settings_strs(fdef, "possible_types")
        issues = []
        for entry in value.entries:
            if not entry.value.strip():
                issues.append(f'"{fdef.label}" has an empty {self.noun}')
                continue
            if len(entry.value) > self.max_length:
                issues.append(
                    f'"{fdef.label}": "{entry.value[:40]}…" is longer than '
                    f"{self.max_length} characters"
                )
            if possible and entry.type not in possible:
                issues.append(f'"{fdef.label}": "{entry.type}" is not one of {", ".join(possible)}')
            issues.extend(self._check_one(fdef, entry))
        return issues

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        possible = _settings_strs(fdef, "possible_types")
        default_type = possible[0] if possible else self.default_type
        entries = []
        for piece in re.split(r"[;,\n]", text):
            piece = piece.strip()
            if not piece:
                continue
            kind, sep, rest = piece.partition(":")
            if sep and kind.strip().lower() in (possible or self.known_types):
                entries.append(TypedEntry(kind.strip().lower(), rest.strip()))
            else:
                entries.append(TypedEntry(default_type, piece))
        return self._make(tuple(entries)) if entries else EMPTY

    default_type: ClassVar[str] = "other"
    known_types: ClassVar[tuple[str, ...]] = ()


class _EmailCodec(_TypedEntriesCodec):
    kind_name = "e-mail"
    value_class = EmailValue
    max_length = 254
    noun = "address"
    default_type = "work"
    known_types = ("work", "home", "other")

    def _make(self, entries: tuple[TypedEntry, ...]) -> FieldValue:
        return EmailValue(entries)

    def _check_one(self, fdef: FieldDef, entry: TypedEntry) -> list[str]:
        if not _EMAIL.fullmatch(entry.value.strip()):
            return [f'"{fdef.label}": "{entry.value[:60]}" is not an e-mail address']
        return []


class _PhoneCodec(_TypedEntriesCodec):
    kind_name = "phone"
    value_class = PhoneValue
    max_length = 50
    noun = "phone number"
    default_type = "work"
    known_types = ("mobile", "work", "home", "main", "work_fax", "private_fax", "other")

    def _make(self, entries: tuple[TypedEntry, ...]) -> FieldValue:
        return PhoneValue(entries)

    def _check_one(self, fdef: FieldDef, entry: TypedEntry) -> list[str]:
        if not _PHONE_CHARS.fullmatch(entry.value.strip()):
            return [f'"{fdef.label}": "{entry.value[:50]}" is not a phone number']
        return []
