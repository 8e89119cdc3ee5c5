"""The mouse wheel changes a value only in the field that has the keyboard focus.

Spin boxes, combo boxes, date and time edits and sliders change their value on a wheel
turn even without focus, so scrolling the form (or the table) past them would silently
change what the user typed. `guard_wheel` gives them `Qt.StrongFocus` (a wheel turn no
longer takes the focus) and passes a wheel turn over an unfocused one on to the parent,
which scrolls instead. The form's field editors, the conflict view's and the table's
in-place editors all come from `create_editor`, which applies it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QComboBox, QWidget

WHEEL_SENSITIVE = (QAbstractSpinBox, QComboBox, QAbstractSlider)


class _WheelOnlyWithFocus(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Wheel
            and isinstance(watched, QWidget)
            and not watched.hasFocus()
        ):
            event.ignore()  # the parent (a scroll area, the table) scrolls instead
            return True
        return False


def guard_wheel(widget: QWidget) -> None:
    """Apply the rule to `widget` and to every wheel-sensitive widget inside it."""
    targets = [widget] if isinstance(widget, WHEEL_SENSITIVE) else []
    for kind in WHEEL_SENSITIVE:
        targets.extend(widget.findChildren(kind))
    for target in targets:
        if target.property("wheelGuarded"):
            continue
        target.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        target.installEventFilter(_WheelOnlyWithFocus(target))
        target.setProperty("wheelGuarded", True)
