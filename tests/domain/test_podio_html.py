"""Any HTML, Qt's rich-text dialect included, becomes the HTML of Podio's text fields."""

from __future__ import annotations

import pytest

from podio_desk.domain.podio_html import sanitize_podio_html

QT_HTML = (
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.0//EN"><html><head><meta name="qrichtext" '
    'content="1" /><style type="text/css">p, li { white-space: pre-wrap; }</style></head>'
    "<body style=\" font-family:'Sans Serif';\">\n"
    '<p style=" margin-top:12px;">Hello <span style=" font-weight:700;">bold</span> '
    '<span style=" font-style:italic;">it</span> <span style=" text-decoration: underline;">u'
    '</span> <span style=" text-decoration: line-through;">s</span> <a href="http://x.com">'
    '<span style=" text-decoration: underline; color:#0000ff;">link</span></a></p>\n'
    '<ul style="margin-top: 0px;">\n<li style=" margin-top:12px;">one</li></ul>\n'
    '<h2 style=" margin-top:16px;"><span style=" font-size:x-large; font-weight:700;">Head'
    "</span></h2>\n"
    '<p style=" margin-top:12px; margin-left:40px; margin-right:40px;">quote</p>\n'
    '<p style=" margin-top:12px;">x<br />y &amp; &lt;z&gt;</p></body></html>'
)


def test_qt_rich_text_becomes_podio_html() -> None:
    assert sanitize_podio_html(QT_HTML) == (
        "<p>Hello <strong>bold</strong> <em>it</em> <u>u</u> <s>s</s> "
        '<a href="http://x.com">link</a></p><ul><li>one</li></ul><h2>Head</h2>'
        "<blockquote>quote</blockquote><p>x<br>y &amp; &lt;z&gt;</p>"
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>plain</p>", "<p>plain</p>"),
        ("<b>b</b><i>i</i><strike>s</strike>", "<strong>b</strong><em>i</em><s>s</s>"),
        ('<p onclick="x()">Hi<script>alert(1)</script></p>', "<p>Hi</p>"),
        ('<a href="javascript:alert(1)">x</a>', "x"),
        ("<h5>deep</h5><div>block</div>", "<h3>deep</h3><p>block</p>"),
        ("<table><tr><td>cell</td></tr></table>", "cell"),
        ("<p>unclosed <strong>bold", "<p>unclosed <strong>bold</strong></p>"),
        ("text & more", "text &amp; more"),
    ],
)
def test_sanitizer_keeps_text_and_podio_tags_only(source: str, expected: str) -> None:
    assert sanitize_podio_html(source) == expected
