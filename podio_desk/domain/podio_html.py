"""The HTML of Podio's rich text fields: any HTML (Qt's rich-text dialect included) reduced to
the tag set Podio's own editor produces (see docs/podio-api.md, Fields and values, text)."""

from __future__ import annotations

import html
from html.parser import HTMLParser

# The tags Podio's own editor produces; anything else is unwrapped (text kept, tag dropped).
_PODIO_TAGS = frozenset(
    {"p", "br", "strong", "em", "u", "s", "a", "ul", "ol", "li", "h1", "h2", "h3", "blockquote"}
)
_TAG_ALIASES = {
    "b": "strong",
    "i": "em",
    "strike": "s",
    "del": "s",
    "h4": "h3",
    "h5": "h3",
    "h6": "h3",
    "div": "p",
}
_SKIPPED_CONTENT = frozenset({"head", "style", "script", "title", "template"})
_BLOCKS = frozenset({"p", "li", "h1", "h2", "h3", "blockquote"})
_SAFE_LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:", "callto:")


def _style_map(style: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for part in style.split(";"):
        name, sep, value = part.partition(":")
        if sep:
            result[name.strip().lower()] = value.strip().lower()
    return result


def _inline_tags_for_style(style: dict[str, str], *, in_heading: bool, in_link: bool) -> list[str]:
    tags: list[str] = []
    weight = style.get("font-weight", "")
    if not in_heading and (weight == "bold" or (weight.isdigit() and int(weight) >= 600)):
        tags.append("strong")
    if style.get("font-style") == "italic":
        tags.append("em")
    decoration = style.get("text-decoration", "")
    # Qt underlines every link; that underline is the link's look, not the user's markup.
    if "underline" in decoration and not in_link:
        tags.append("u")
    if "line-through" in decoration:
        tags.append("s")
    return tags


class _PodioHtmlSanitizer(HTMLParser):
    """Rewrites any HTML (including Qt's rich-text dialect) into the tag set Podio uses."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        # (source tag, closing tags this element emitted, innermost first)
        self._stack: list[tuple[str, list[str]]] = []
        self._skip_depth = 0

    # -- helpers
    def _open_names(self) -> list[str]:
        return [closer for _tag, closers in self._stack for closer in closers]

    def _inside(self, *names: str) -> bool:
        open_names = self._open_names()
        return any(name in open_names for name in names)

    def _in_block(self) -> bool:
        return any(name in _BLOCKS for name in self._open_names())

    # -- HTMLParser interface
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_CONTENT:
            self._skip_depth += 1
            return
        if self._skip_depth:
            return
        attributes = {name: value or "" for name, value in attrs}
        style = _style_map(attributes.get("style", ""))
        name = _TAG_ALIASES.get(tag, tag)
        if name == "br":
            self.out.append("<br>")
            return
        emitted: list[str] = []
        if (
            name == "p"
            and style.get("margin-left") == "40px"
            and style.get("margin-right") == "40px"
        ):
            # Qt renders <blockquote> as an indented paragraph and writes it back that way.
            name = "blockquote"
        if name == "a":
            href = attributes.get("href", "").strip()
            if href.lower().startswith(_SAFE_LINK_SCHEMES):
                self.out.append(f'<a href="{html.escape(href, quote=True)}">')
                emitted.append("a")
        elif name in _PODIO_TAGS:
            self.out.append(f"<{name}>")
            emitted.append(name)
        in_heading = self._inside("h1", "h2", "h3") or name in {"h1", "h2", "h3"}
        for inline in _inline_tags_for_style(
            style, in_heading=in_heading, in_link=self._inside("a") or name == "a"
        ):
            if inline not in emitted:
                self.out.append(f"<{inline}>")
                emitted.append(inline)
        self._stack.append((tag, list(reversed(emitted))))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag != "br" and tag not in _SKIPPED_CONTENT:
            self.handle_endtag(tag)
        elif tag in _SKIPPED_CONTENT:
            self._skip_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_CONTENT:
            self._skip_depth = max(0, self._skip_depth - 1)
            return
        if self._skip_depth or tag == "br":
            return
        if not any(open_tag == tag for open_tag, _ in self._stack):
            return
        while self._stack:
            open_tag, closers = self._stack.pop()
            self.out.extend(f"</{closer}>" for closer in closers)
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if not self._in_block() and not data.strip():
            return  # whitespace between blocks (Qt puts newlines there)
        self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        self.close()
        while self._stack:
            _tag, closers = self._stack.pop()
            self.out.extend(f"</{closer}>" for closer in closers)
        return "".join(self.out)


def sanitize_podio_html(source: str) -> str:
    """Return `source` reduced to the HTML Podio's text fields use; text is always kept.

    Qt's rich-text output (spans with font-weight/font-style/text-decoration styles, indented
    paragraphs for quotes) is rewritten to the equivalent plain tags.
    """
    parser = _PodioHtmlSanitizer()
    parser.feed(source)
    return parser.result()
