"""The conflict view: someone else saved the item while I was editing it (409).

Field by field it shows the value I started from, mine, and theirs (from the revision diff),
and lets me keep mine, take theirs, or edit a new value. Nothing is saved until I say so.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from podio_desk.domain.conflicts import (
    Choice,
    FieldConflict,
    ItemConflict,
    ListConflict,
    can_combine,
)
from podio_desk.domain.errors import DomainError
from podio_desk.domain.fields import FieldValue, display_text, validate
from podio_desk.ui.editor.context import EditorContext
from podio_desk.ui.editor.fields import ERROR_COLOR, FieldEditor, create_editor
from podio_desk.ui.filters.flow_layout import FlowArea
from podio_desk.ui.time_zone import current_rule

MINE, THEIRS, EDIT, BOTH = 0, 1, 2, 3
VALUE_MIN_WIDTH = 60


def _value_label(text: str, *, strong: bool = False) -> QLabel:
    label = QLabel(text or "—")
    # Values are shown as typed: a "<b>" in plain text is text, never markup.
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    # Wrapped to the dock's width; a long unbroken value is cut rather than widen the view.
    label.setMinimumWidth(VALUE_MIN_WIDTH)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    if strong:
        label.setStyleSheet("font-weight: 600;")
    return label


class _ConflictRow:
    """The widgets of one field in the conflict grid."""

    def __init__(self, entry: FieldConflict, context: EditorContext, parent: QWidget) -> None:
        self.entry = entry
        self.group = QButtonGroup(parent)
        self.mine_button = QRadioButton("Keep mine", parent)
        self.theirs_button = QRadioButton("Take theirs", parent)
        self.edit_button = QRadioButton("Edit", parent)
        self.both_button = QRadioButton("Keep both", parent)
        self.both_button.setToolTip("Their entries, plus those you added, minus those you removed")
        self.combinable = can_combine(entry.field, entry)
        buttons = (self.mine_button, self.theirs_button, self.edit_button, self.both_button)
        for index, button in enumerate(buttons):
            self.group.addButton(button, index)
            # Fields only they changed offer no choice: their value stays.
            button.setVisible(entry.mine_changed)
        self.both_button.setVisible(entry.mine_changed and self.combinable)
        self.editor: FieldEditor | None = None
        self.error = QLabel(parent)
        self.error.setStyleSheet(f"color: {ERROR_COLOR};")
        self.error.setWordWrap(True)
        self.error.hide()
        if entry.mine_changed:
            self.mine_button.setChecked(True)
            self.editor = create_editor(entry.field, context, parent)
            start: FieldValue = entry.mine if entry.mine is not None else entry.theirs
            self.editor.set_value(start)
            self.editor.setVisible(False)
            self.edit_button.toggled.connect(self.editor.setVisible)

    def choice(self) -> Choice | None:
        """ "mine", "theirs", an edited value, or None for fields I did not change."""
        if not self.entry.mine_changed:
            return None
        checked = self.group.checkedId()
        if checked == THEIRS:
            return "theirs"
        if checked == EDIT and self.editor is not None:
            return self.editor.value()
        if checked == BOTH:
            return "both"
        return "mine"

    @property
    def buttons(self) -> tuple[QRadioButton, ...]:
        both = (self.both_button,) if self.combinable else ()
        return (self.mine_button, self.theirs_button, *both, self.edit_button)


class _ListRow:
    """The item's tags or attached files in the conflict grid (Keep mine / theirs / both)."""

    def __init__(self, entry: ListConflict, parent: QWidget) -> None:
        self.entry = entry
        self.group = QButtonGroup(parent)
        self.mine_button = QRadioButton("Keep mine", parent)
        self.theirs_button = QRadioButton("Take theirs", parent)
        self.both_button = QRadioButton("Keep both", parent)
        self.both_button.setToolTip("Theirs, plus what you added, minus what you removed")
        self.buttons = (self.mine_button, self.theirs_button, self.both_button)
        for index, button in zip((MINE, THEIRS, BOTH), self.buttons, strict=True):
            self.group.addButton(button, index)
        if entry.mine_changed:
            # Keeping both loses nobody's work, so it is the starting choice.
            (self.both_button if entry.theirs_changed else self.mine_button).setChecked(True)

    def choice(self) -> Choice | None:
        if not self.entry.mine_changed:
            return None
        checked = self.group.checkedId()
        return "theirs" if checked == THEIRS else "both" if checked == BOTH else "mine"


class _Block(QFrame):
    """One field's part of the conflict view: its lines stacked top to bottom."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.lines = QVBoxLayout(self)
        self.lines.setContentsMargins(8, 6, 8, 6)
        self.lines.setSpacing(4)


class ConflictView(QWidget):
    """Shows an `ItemConflict` and lets the user decide.

    Signals:
        resolved(dict): field id -> "mine" | "theirs" | edited value; the user pressed Save.
        cancelled(): back to my edit without saving.
    """

    resolved = Signal(object)
    cancelled = Signal()

    def __init__(self, context: EditorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.conflict: ItemConflict | None = None
        self.rows: dict[int, _ConflictRow] = {}
        self.list_rows: dict[int, _ListRow] = {}
        layout = QVBoxLayout(self)
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-size: 14px; font-weight: 600;")
        layout.addWidget(self.heading)
        self.explain = QLabel(
            "Choose for each field you changed: keep your value, take theirs, or edit a new one. "
            "Fields only they changed keep their value.",
            self,
        )
        self.explain.setWordWrap(True)
        layout.addWidget(self.explain)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        layout.addWidget(self.scroll_area, 1)
        self.message = QLabel(self)
        self.message.setStyleSheet(f"color: {ERROR_COLOR};")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        self.all_mine_button = QPushButton("Keep all mine", self)
        self.all_theirs_button = QPushButton("Take all theirs", self)
        self.save_button = QPushButton("Save my choices", self)
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton("Back to my edit", self)
        self.all_mine_button.clicked.connect(lambda: self.choose_all(MINE))
        self.all_theirs_button.clicked.connect(lambda: self.choose_all(THEIRS))
        self.save_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(lambda: self.cancelled.emit())
        # The buttons wrap onto a second line in a narrow dock instead of widening it.
        self.button_row = FlowArea(self)
        for button in (
            self.all_mine_button,
            self.all_theirs_button,
            self.cancel_button,
            self.save_button,
        ):
            self.button_row.flow.addWidget(button)
        layout.addWidget(self.button_row)

    def show_conflict(self, conflict: ItemConflict) -> None:
        self.conflict = conflict
        self.rows = {}
        self.list_rows = {}
        self.message.hide()
        who = ""
        last = conflict.their_revisions[-1] if conflict.their_revisions else None
        if last is not None and last.created_by is not None and last.created_by.name:
            who = f" by {last.created_by.name}"
        when = ""
        if last is not None and last.created_on is not None:
            rule = current_rule()
            moment = rule.wall_time(last.created_on)
            when = f" on {moment:%Y-%m-%d %H:%M} ({rule.shown_zone_name})"
        self.heading.setText(
            f'"{conflict.current.title or conflict.base.title}" was changed{who}{when} while you '
            f"were editing it (revision {conflict.base.revision} → {conflict.current.revision})."
        )
        # One block per field, stacked: its name, then before / yours / theirs, then the
        # choice, each line wrapping, so a dock a third of a 1 000-pixel window shows them all
        # without scrolling sideways.
        body = QWidget()
        blocks = QVBoxLayout(body)
        blocks.setContentsMargins(0, 0, 0, 0)
        blocks.setSpacing(10)
        for entry in conflict.fields:
            fdef = entry.field
            block, values = self._block(body, fdef.label, clashes=entry.clashes)
            mine_text = (
                display_text(fdef, entry.mine) if entry.mine is not None else "(not changed)"
            )
            self._add_values(
                values,
                display_text(fdef, entry.base),
                (mine_text, entry.mine_changed),
                (display_text(fdef, entry.theirs), entry.theirs_changed),
            )
            row = _ConflictRow(entry, self.context, block)
            self.rows[fdef.field_id] = row
            if entry.mine_changed:
                buttons = [row.mine_button, row.theirs_button, row.both_button, row.edit_button]
                self._add_choices(block, buttons)
                if row.editor is not None:
                    block.lines.addWidget(row.editor)
                block.lines.addWidget(row.error)
            else:
                self._add_kept(block)
            blocks.addWidget(block)
        for list_entry in conflict.lists:
            blocks.addWidget(self._list_block(body, list_entry))
        blocks.addStretch(1)
        self.scroll_area.setWidget(body)

    @staticmethod
    def _block(body: QWidget, label: str, *, clashes: bool) -> tuple[_Block, QGridLayout]:
        block = _Block(body)
        name = QLabel(label, block)
        name.setWordWrap(True)
        name.setStyleSheet("font-weight: 600;" if clashes else "")
        block.lines.addWidget(name)
        values = QGridLayout()
        values.setHorizontalSpacing(8)
        values.setVerticalSpacing(2)
        values.setColumnStretch(1, 1)
        block.lines.addLayout(values)
        return block, values

    @staticmethod
    def _add_values(
        values: QGridLayout, before: str, mine: tuple[str, bool], theirs: tuple[str, bool]
    ) -> None:
        theirs_text, theirs_changed = theirs
        if not theirs_changed:
            theirs_text += "  (unchanged)" if theirs_text else "(unchanged)"
        lines = (
            ("Before:", before, False),
            ("Yours:", mine[0], mine[1]),
            ("Theirs now:", theirs_text, theirs_changed),
        )
        top = Qt.AlignmentFlag.AlignTop
        for index, (title, text, strong) in enumerate(lines):
            header = QLabel(title)
            header.setStyleSheet("color: palette(mid);")
            values.addWidget(header, index, 0, top)
            values.addWidget(_value_label(text, strong=strong), index, 1, top)

    @staticmethod
    def _add_choices(block: _Block, buttons: list[QRadioButton]) -> None:
        # The choices wrap onto more lines in a narrow dock.
        choices = FlowArea(block)
        for button in buttons:
            button.setParent(choices)
            choices.flow.addWidget(button)
        block.lines.addWidget(choices)

    @staticmethod
    def _add_kept(block: _Block) -> None:
        kept = QLabel("Their change stays", block)
        kept.setStyleSheet("color: palette(mid);")
        block.lines.addWidget(kept)

    def _list_block(self, body: QWidget, entry: ListConflict) -> _Block:
        clashes = entry.mine_changed and entry.theirs_changed
        block, values = self._block(body, entry.label, clashes=clashes)
        mine_text = entry.text(entry.mine) if entry.mine is not None else "(not changed)"
        self._add_values(
            values,
            entry.text(entry.base),
            (mine_text, entry.mine_changed),
            (entry.text(entry.theirs), entry.theirs_changed),
        )
        row = _ListRow(entry, block)
        self.list_rows[entry.key] = row
        if entry.mine_changed:
            self._add_choices(block, list(row.buttons))
            if not entry.theirs_changed:
                row.both_button.hide()
        else:
            self._add_kept(block)
        return block

    def choose_all(self, which: int) -> None:
        for row in self.rows.values():
            if row.entry.mine_changed:
                (row.mine_button if which == MINE else row.theirs_button).setChecked(True)
        for list_row in self.list_rows.values():
            if list_row.entry.mine_changed:
                button = list_row.mine_button if which == MINE else list_row.theirs_button
                button.setChecked(True)

    def choose(self, field_id: int, which: int) -> None:
        """Pick MINE, THEIRS, EDIT or BOTH for a field (or TAGS_KEY / FILES_KEY)."""
        if field_id in self.list_rows:
            list_row = self.list_rows[field_id]
            buttons = {MINE: list_row.mine_button, THEIRS: list_row.theirs_button}
            buttons[BOTH] = list_row.both_button
            buttons[which].setChecked(True)
            return
        row = self.rows[field_id]
        (row.mine_button, row.theirs_button, row.edit_button, row.both_button)[which].setChecked(
            True
        )

    def choices(self) -> dict[int, Choice] | None:
        """The user's choices, or None (with messages shown) if an edited value is invalid."""
        chosen: dict[int, Choice] = {}
        bad = False
        for field_id, row in self.rows.items():
            row.error.hide()
            try:
                choice = row.choice()
            except DomainError as exc:
                row.error.setText(str(exc))
                row.error.show()
                bad = True
                continue
            if choice is None:
                continue
            if not isinstance(choice, str):
                issues = validate(row.entry.field, choice)
                if issues:
                    row.error.setText("\n".join(issue.message for issue in issues))
                    row.error.show()
                    bad = True
                    continue
            chosen[field_id] = choice
        for key, list_row in self.list_rows.items():
            list_choice = list_row.choice()
            if list_choice is not None:
                chosen[key] = list_choice
        if bad:
            self.message.setText("Fix the values marked in red first; nothing was saved.")
            self.message.show()
            return None
        return chosen

    def submit(self) -> None:
        chosen = self.choices()
        if chosen is not None:
            self.resolved.emit(chosen)
