"""Text field editors: plain or markdown text, and HTML with a small toolbar."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QFont,
    QKeySequence,
    QPalette,
    QShortcut,
    QTextCharFormat,
    QTextListFormat,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QStackedWidget,
    QTextEdit,
    QToolButton,
    QWidget,
)

from podio_desk.domain.fields import EMPTY, FieldDef, FieldValue, TextFormat, TextValue
from podio_desk.domain.podio_html import sanitize_podio_html
from podio_desk.domain.user_input import check_link_url
from podio_desk.ui.editor.context import EditorContext
from podio_desk.ui.editor.fields.base import (
    ERROR_COLOR,
    FieldEditor,
    _settings_text,
    _TextBackedEditor,
    _vbox,
)


class PlainTextEditor(_TextBackedEditor):
    """Plain text: one line for `size: small`, several for `size: large`; markdown as source."""

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        layout = _vbox(self)
        multi_line = (
            _settings_text(fdef, "size", "small") == "large"
            or _settings_text(fdef, "format", "plain") == "markdown"
        )
        self.line: QLineEdit | None = None
        self.area: QPlainTextEdit | None = None
        if multi_line:
            self.area = QPlainTextEdit(self)
            self.area.setTabChangesFocus(True)
            self.area.setMinimumHeight(60)
            self.area.setMaximumHeight(100)
            self.area.textChanged.connect(self._emit_changed)
            if _settings_text(fdef, "format", "plain") == "markdown":
                self.area.setPlaceholderText("Markdown")
                self.area.setFont(QFont("monospace"))
            layout.addWidget(self.area)
        else:
            self.line = QLineEdit(self)
            self.line.textChanged.connect(self._emit_changed)
            layout.addWidget(self.line)

    def _show(self, value: FieldValue) -> None:
        text = value.text if isinstance(value, TextValue) else ""
        if self.line is not None:
            self.line.setText(text)
        if self.area is not None:
            self.area.setPlainText(text)
        self._remember_text(self._current_text())

    def _current_text(self) -> str:
        if self.line is not None:
            return self.line.text()
        assert self.area is not None
        return self.area.toPlainText()

    def set_text(self, text: str) -> None:
        if self.line is not None:
            self.line.setText(text)
        elif self.area is not None:
            self.area.setPlainText(text)


class RichTextEditor(FieldEditor):
    """HTML text: a rich-text editor whose output is reduced to the tags Podio uses.

    A "Source" switch shows the HTML as plain text for what the toolbar cannot do.
    """

    def __init__(self, fdef: FieldDef, context: EditorContext, parent: QWidget | None = None):
        super().__init__(fdef, context, parent)
        layout = _vbox(self)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(2)
        self.rich = QTextEdit(self)
        self.rich.setAcceptRichText(True)
        self.rich.setTabChangesFocus(True)
        self.rich.setMinimumHeight(80)
        self.rich.setMaximumHeight(130)
        self.source = QPlainTextEdit(self)
        self.source.setFont(QFont("monospace"))
        self.source.setMinimumHeight(80)
        self.source.setMaximumHeight(130)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.rich)
        self.pages.addWidget(self.source)
        self.pages.setMaximumHeight(130)
        self._buttons: list[QToolButton] = []
        for label, tip, action in (
            ("B", "Bold", self._bold),
            ("I", "Italic", self._italic),
            ("U", "Underline", self._underline),
            ("S", "Strike through", self._strike),
            ("•", "Bulleted list", lambda: self._list(QTextListFormat.Style.ListDisc)),
            ("1.", "Numbered list", lambda: self._list(QTextListFormat.Style.ListDecimal)),
            ("H", "Heading", self._heading),
            ("Link", "Link the selected text", self._link),
        ):
            button = QToolButton(self)
            button.setText(label)
            button.setToolTip(tip)
            button.setAutoRaise(True)
            button.clicked.connect(action)
            bar.addWidget(button)
            self._buttons.append(button)
        self.source_toggle = QCheckBox("Source", self)
        self.source_toggle.setToolTip("Edit the HTML as text")
        self.source_toggle.toggled.connect(self._toggle_source)
        bar.addStretch(1)
        bar.addWidget(self.source_toggle)
        layout.addLayout(bar)
        layout.addWidget(self.pages)
        self.link_url = QLineEdit(self)
        self.link_url.setPlaceholderText("https://… then press Enter to link the selection")
        self.link_url.hide()
        self.link_url.returnPressed.connect(self._apply_link)
        layout.addWidget(self.link_url)
        self.link_problem = QLabel(self)
        self.link_problem.setObjectName("link-problem")
        self.link_problem.setStyleSheet(f"color: {ERROR_COLOR};")
        self.link_problem.setWordWrap(True)
        self.link_problem.hide()
        layout.addWidget(self.link_problem)
        # Ctrl+B/I/U in the text itself (the platform's keys when it names them).
        for keys, fallback, action in (
            (QKeySequence.StandardKey.Bold, "Ctrl+B", self._bold),
            (QKeySequence.StandardKey.Italic, "Ctrl+I", self._italic),
            (QKeySequence.StandardKey.Underline, "Ctrl+U", self._underline),
        ):
            bindings = QKeySequence.keyBindings(keys)
            sequence = bindings[0] if bindings else QKeySequence(fallback)
            shortcut = QShortcut(sequence, self.rich)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(action)
        self._touched = False
        self.rich.textChanged.connect(self._on_edit)
        self.source.textChanged.connect(self._on_edit)
        # The text box is capped; keep the whole editor from taking more room than it shows.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def _on_edit(self) -> None:
        if not self._loading:
            self._touched = True
            self.changed.emit()

    def _show(self, value: FieldValue) -> None:
        text = value.text if isinstance(value, TextValue) else ""
        self.rich.setHtml(text)
        self.source.setPlainText(text)
        self._touched = False

    def _read(self) -> FieldValue:
        if not self._touched:
            return self._shown_value
        if self.source_toggle.isChecked():
            cleaned = sanitize_podio_html(self.source.toPlainText())
        else:
            if not self.rich.document().toPlainText().strip():
                return EMPTY
            cleaned = sanitize_podio_html(self.rich.toHtml())
        if not cleaned.strip():
            return EMPTY
        return TextValue(cleaned, TextFormat.HTML)

    def set_html(self, text: str) -> None:
        self.rich.setHtml(text)

    # -- formatting actions
    def _merge(self, fmt: QTextCharFormat) -> None:
        cursor = self.rich.textCursor()
        if not cursor.hasSelection():
            cursor.select(cursor.SelectionType.WordUnderCursor)
        cursor.mergeCharFormat(fmt)
        self.rich.mergeCurrentCharFormat(fmt)

    def _bold(self) -> None:
        fmt = QTextCharFormat()
        bold = self.rich.fontWeight() < QFont.Weight.Bold
        fmt.setFontWeight(QFont.Weight.Bold if bold else QFont.Weight.Normal)
        self._merge(fmt)

    def _italic(self) -> None:
        fmt = QTextCharFormat()
        fmt.setFontItalic(not self.rich.fontItalic())
        self._merge(fmt)

    def _underline(self) -> None:
        fmt = QTextCharFormat()
        fmt.setFontUnderline(not self.rich.fontUnderline())
        self._merge(fmt)

    def _strike(self) -> None:
        fmt = QTextCharFormat()
        fmt.setFontStrikeOut(not self.rich.currentCharFormat().fontStrikeOut())
        self._merge(fmt)

    def _list(self, style: QTextListFormat.Style) -> None:
        cursor = self.rich.textCursor()
        fmt = QTextListFormat()
        fmt.setStyle(style)
        cursor.createList(fmt)

    def _heading(self) -> None:
        cursor = self.rich.textCursor()
        block = cursor.blockFormat()
        block.setHeadingLevel(0 if block.headingLevel() else 2)
        cursor.setBlockFormat(block)
        fmt = QTextCharFormat()
        fmt.setFontWeight(QFont.Weight.Bold if block.headingLevel() else QFont.Weight.Normal)
        cursor.select(cursor.SelectionType.BlockUnderCursor)
        cursor.mergeCharFormat(fmt)
        self._on_edit()

    def _link(self) -> None:
        self.link_url.setVisible(not self.link_url.isVisible())
        if self.link_url.isVisible():
            self.link_url.setFocus()

    def _apply_link(self) -> None:
        url = self.link_url.text().strip()
        problem = check_link_url(url)
        if problem:
            self.link_url.setToolTip(problem)
            self.link_url.setStyleSheet(f"border: 1px solid {ERROR_COLOR};")
            self.link_problem.setText(f"Not linked: {problem}")
            self.link_problem.show()
            return
        self.link_url.setStyleSheet("")
        self.link_problem.hide()
        fmt = QTextCharFormat()
        fmt.setAnchor(True)
        fmt.setAnchorHref(url)
        fmt.setFontUnderline(True)
        fmt.setForeground(self.palette().color(QPalette.ColorRole.Link))
        self._merge(fmt)
        self.link_url.clear()
        self.link_url.hide()

    def _toggle_source(self, on: bool) -> None:
        was_loading = self._loading
        self._loading = True
        try:
            if on:
                self.source.setPlainText(
                    sanitize_podio_html(self.rich.toHtml())
                    if self._touched
                    else self.source.toPlainText()
                )
                self.pages.setCurrentWidget(self.source)
            else:
                self.rich.setHtml(sanitize_podio_html(self.source.toPlainText()))
                self.pages.setCurrentWidget(self.rich)
        finally:
            self._loading = was_loading
        for button in self._buttons:
            button.setEnabled(not on)
