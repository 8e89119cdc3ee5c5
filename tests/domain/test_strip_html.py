"""Plain text from Podio's HTML: what table cells, search and sort keys see."""

from __future__ import annotations

import pytest

from podio_desk.domain.fields import strip_html


@pytest.mark.parametrize(
    ("html", "text"),
    [
        (
            "<p>Every field type, <strong>filled</strong>.</p><ul><li>one</li><li>two</li></ul>",
            "Every field type, filled. one two",
        ),
        ('a<br/>b<br>c &amp; <a href="https://x.test">link</a>!', "a b c & link!"),
        ("<h1>Title</h1><p>Body <em>text</em></p>", "Title Body text"),
        ("plain   text\nover lines", "plain text over lines"),
        ("", ""),
    ],
)
def test_inline_tags_join_words_and_block_tags_separate_them(html: str, text: str) -> None:
    assert strip_html(html) == text
