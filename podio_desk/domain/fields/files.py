"""Image, file and link (embed) fields: references to uploaded files and embeds."""

from __future__ import annotations

from typing import Any

from podio_desk.domain._json import as_int, as_mapping, fail, opt_int, opt_str, short, str_or
from podio_desk.domain.fields.codec import (
    _Codec,
    _elements,
    _id_or_object,
    _settings_strs,
    _sub_value,
)
from podio_desk.domain.fields.definitions import FieldDef
from podio_desk.domain.fields.values import (
    EMPTY,
    EmbedRef,
    EmbedValue,
    FieldValue,
    FileListValue,
    FileRef,
    SortKey,
)


def _parse_file_ref(fdef: FieldDef, raw: object) -> FileRef:
    entry = as_mapping(raw, fdef.where, "file")
    where = fdef.where + " (file)"
    if "file_id" not in entry:
        fail(where, f'"file_id" is missing in {short(entry)}')
    return FileRef(
        file_id=as_int(entry["file_id"], where, '"file_id"'),
        name=str_or(entry, "name", where),
        mimetype=opt_str(entry, "mimetype", where),
        size=opt_int(entry, "size", where),
        link=opt_str(entry, "link", where),
        thumbnail_link=opt_str(entry, "thumbnail_link", where),
    )


class _FileListCodec(_Codec):
    kind_name = "file"
    value_class = FileListValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        files = []
        for element in _elements(fdef, values):
            files.append(
                _parse_file_ref(fdef, _id_or_object(fdef, _sub_value(fdef, element), "file_id"))
            )
        return FileListValue(tuple(files)) if files else EMPTY

    def display(self, fdef: FieldDef, value: FileListValue) -> str:
        return ", ".join(item.name or f"#{item.file_id}" for item in value.files)

    def to_input(self, fdef: FieldDef, value: FileListValue) -> Any:
        return list(value.file_ids)

    def validate(self, fdef: FieldDef, value: FileListValue) -> list[str]:
        allowed = _settings_strs(fdef, "allowed_mimetypes")
        issues = []
        for item in value.files:
            if allowed and item.mimetype and not _mimetype_allowed(item.mimetype, allowed):
                issues.append(
                    f'"{fdef.label}" accepts {", ".join(allowed)}; '
                    f'"{item.name or item.file_id}" is {item.mimetype}'
                )
        return issues


class _ImageCodec(_FileListCodec):
    kind_name = "image"


def _mimetype_allowed(mimetype: str, allowed: tuple[str, ...]) -> bool:
    for pattern in allowed:
        if pattern == mimetype or (pattern.endswith("/*") and mimetype.startswith(pattern[:-1])):
            return True
    return False


class _EmbedCodec(_Codec):
    kind_name = "link"
    value_class = EmbedValue

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        embeds = []
        for element in _elements(fdef, values):
            raw_embed = element.get("embed")
            if raw_embed is None:
                raw_embed = element.get("value")
            where = fdef.where + " (link)"
            embed = _id_or_object(fdef, raw_embed, "embed_id")
            if "embed_id" not in embed:
                fail(where, f'"embed_id" is missing in {short(element)}')
            raw_file = element.get("file")
            file = (
                None
                if raw_file is None
                else _parse_file_ref(fdef, _id_or_object(fdef, raw_file, "file_id"))
            )
            embeds.append(
                EmbedRef(
                    embed_id=as_int(embed["embed_id"], where, '"embed_id"'),
                    url=str_or(embed, "url", where),
                    title=opt_str(embed, "title", where),
                    description=opt_str(embed, "description", where),
                    original_url=opt_str(embed, "original_url", where),
                    resolved_url=opt_str(embed, "resolved_url", where),
                    hostname=opt_str(embed, "hostname", where),
                    type=opt_str(embed, "type", where),
                    file=file,
                )
            )
        return EmbedValue(tuple(embeds)) if embeds else EMPTY

    def display(self, fdef: FieldDef, value: EmbedValue) -> str:
        return ", ".join(
            embed.title or embed.url or embed.original_url or f"#{embed.embed_id}"
            for embed in value.embeds
        )

    def to_input(self, fdef: FieldDef, value: EmbedValue) -> Any:
        body = []
        for embed in value.embeds:
            entry: dict[str, Any] = {"embed": embed.embed_id}
            if embed.file is not None:
                entry["file"] = embed.file.file_id
            body.append(entry)
        return body

    def validate(self, fdef: FieldDef, value: EmbedValue) -> list[str]:
        return []

    def sort_key(self, fdef: FieldDef, value: EmbedValue) -> SortKey:
        first = value.embeds[0] if value.embeds else None
        return (first.url or first.title or "").casefold() or None if first else None

    def search_text(self, fdef: FieldDef, value: EmbedValue) -> str:
        return " ".join(
            " ".join(p for p in (embed.title, embed.url, embed.description) if p)
            for embed in value.embeds
        )
