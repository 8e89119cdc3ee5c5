"""Text fields (plain, HTML, markdown), and the text content of Podio's HTML."""

from __future__ import annotations

import html
import re
from typing import Any

from podio_desk.domain._json import fail, short
from podio_desk.domain.fields.codec import _Codec, _elements, _settings_str, _sub_value
from podio_desk.domain.fields.definitions import FieldDef
from podio_desk.domain.fields.values import EMPTY, FieldValue, TextFormat, TextValue

_BLOCK_TAG = re.compile(
    r"</?(?:p|br|div|li|ul|ol|h[1-6]|blockquote|tr|td|th|table|hr|pre)\b[^>]*>", re.IGNORECASE
)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")


def strip_html(text: str) -> str:
    """Text content of a Podio HTML value: tags removed, entities decoded, spaces collapsed.

    Block tags (paragraphs, line breaks, list items, headings) separate words; inline tags
    (bold, links, ...) do not, so "<b>filled</b>." stays "filled." rather than "filled .".
    """
    separated = _BLOCK_TAG.sub(" ", text)
    return _SPACES.sub(" ", html.unescape(_TAG.sub("", separated))).strip()


class _TextCodec(_Codec):
    kind_name = "text"
    value_class = TextValue

    def _format(self, fdef: FieldDef) -> TextFormat:
        name = _settings_str(fdef, "format")
        try:
            return TextFormat(name or "plain")
        except ValueError:
            return TextFormat.PLAIN

    def parse(self, fdef: FieldDef, values: list[Any]) -> FieldValue:
        texts = []
        for element in _elements(fdef, values):
            content = _sub_value(fdef, element)
            if not isinstance(content, str):
                fail(fdef.where, f"a text value should be text, got {short(content)}")
            texts.append(content)
        if not texts:
            return EMPTY
        # Podio holds one text per text field; should several come, keep them all.
        return TextValue("\n".join(texts), self._format(fdef))

    def display(self, fdef: FieldDef, value: TextValue) -> str:
        if value.is_html:
            return strip_html(value.text)
        return _SPACES.sub(" ", value.text).strip()

    def to_input(self, fdef: FieldDef, value: TextValue) -> Any:
        return value.text

    def search_text(self, fdef: FieldDef, value: TextValue) -> str:
        return strip_html(value.text) if value.is_html else value.text

    def parse_user_text(self, fdef: FieldDef, text: str) -> FieldValue:
        return TextValue(text, self._format(fdef))
