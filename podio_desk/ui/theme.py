"""Light and dark: the window's colours come from the palette, never from fixed values.

`apply_dark_mode` switches the application between the style's own palette (which follows
the system where the platform theme does) and a dark Fusion palette. The few colours that
carry a meaning (an error, a warning, "online") are `Tone`s: a pair of shades chosen by the
palette's lightness, so they stay readable on either background. A widget marked with
`set_tone` is re-coloured whenever the mode changes.
"""

from __future__ import annotations

import enum
from typing import ClassVar

from PySide6.QtCore import QTimer
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

_TONE_PROPERTY = "podioTone"


class Tone(enum.Enum):
    """(shade on a light background, shade on a dark one)."""

    ERROR = ("#b02a20", "#ff8a80")
    WARNING = ("#8a5a00", "#ffcc66")
    OK = ("#2e7d32", "#81c784")
    ACCENT = ("#1a5fb4", "#8ab4f8")


# A panel that asks for attention (the offline banner): background, border.
_WARNING_PANEL = (("#fff4ce", "#e0c060"), ("#4a3b10", "#a08030"))


# Message banners (the editor's): info, ok, error, warn; (light, dark) backgrounds.
_BANNERS = {
    "info": ("#e8f0fe", "#233350"),
    "ok": ("#e6f4ea", "#1f3a28"),
    "error": ("#fce8e6", "#4a2424"),
    "warn": ("#fef7e0", "#45391a"),
}


def banner_background(kind: str, palette: QPalette | None = None) -> str:
    """A banner's background for this palette; the palette's own text reads on it."""
    light, dark = _BANNERS.get(kind, _BANNERS["info"])
    return dark if is_dark(palette) else light


def is_dark(palette: QPalette | None = None) -> bool:
    chosen = palette if palette is not None else QGuiApplication.palette()
    return chosen.color(QPalette.ColorRole.Window).lightness() < 128


def tone_color(tone: Tone, palette: QPalette | None = None) -> QColor:
    light, dark = tone.value
    return QColor(dark if is_dark(palette) else light)


def warning_panel(palette: QPalette | None = None) -> tuple[QColor, QColor]:
    """(background, border) of a warning panel for this palette."""
    background, border = _WARNING_PANEL[1 if is_dark(palette) else 0]
    return QColor(background), QColor(border)


def set_tone(widget: QWidget, tone: Tone | None) -> None:
    """Colour a widget's text with a tone (None: the palette's own text colour again)."""
    widget.setProperty(_TONE_PROPERTY, None if tone is None else tone.name)
    _paint_tone(widget)


def set_warning_panel(widget: QWidget) -> None:
    """Fill a widget with the warning panel's background, its text readable on it."""
    widget.setProperty(_TONE_PROPERTY, "PANEL")
    widget.setAutoFillBackground(True)
    _paint_tone(widget)


def _paint_tone(widget: QWidget) -> None:
    name = widget.property(_TONE_PROPERTY)
    palette = QPalette(QGuiApplication.palette())
    if name == "PANEL":
        background, _border = warning_panel()
        palette.setColor(QPalette.ColorRole.Window, background)
        text = QColor("#202020") if background.lightness() >= 128 else QColor("#f0f0f0")
        palette.setColor(QPalette.ColorRole.WindowText, text)
    elif isinstance(name, str) and name in Tone.__members__:
        palette.setColor(QPalette.ColorRole.WindowText, tone_color(Tone[name]))
        palette.setColor(QPalette.ColorRole.Text, tone_color(Tone[name]))
    widget.setPalette(palette)


def dark_palette() -> QPalette:
    """Fusion's palette roles with dark shades (the usual dark Fusion set)."""
    palette = QPalette()
    window, base, text = QColor(45, 45, 48), QColor(30, 30, 32), QColor(230, 230, 230)
    disabled = QColor(128, 128, 128)
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor(40, 40, 43),
        QPalette.ColorRole.ToolTipBase: QColor(60, 60, 64),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor(150, 150, 150),
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor(55, 55, 58),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor(255, 80, 80),
        QPalette.ColorRole.Light: QColor(75, 75, 78),
        QPalette.ColorRole.Midlight: QColor(62, 62, 65),
        # Also read as a muted text colour ("palette(mid)" in style sheets): light enough.
        QPalette.ColorRole.Mid: QColor(125, 125, 130),
        QPalette.ColorRole.Dark: QColor(25, 25, 27),
        QPalette.ColorRole.Shadow: QColor(10, 10, 10),
        QPalette.ColorRole.Link: QColor(138, 180, 248),
        QPalette.ColorRole.LinkVisited: QColor(190, 160, 250),
        QPalette.ColorRole.Highlight: QColor(53, 110, 190),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
    }
    for role, colour in roles.items():
        palette.setColor(role, colour)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


_light_palette: QPalette | None = None
_light_style: str | None = None


def apply_dark_mode(dark: bool) -> None:
    """Switch the running application to the dark palette, or back to the style's own."""
    global _light_palette, _light_style
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    if _light_palette is None:
        _light_palette = QPalette(app.palette())
        _light_style = app.style().name()
    if dark:
        app.setStyle(QStyleFactory.create("Fusion"))
        app.setPalette(dark_palette())
    else:
        if _light_style:
            app.setStyle(QStyleFactory.create(_light_style))
        app.setPalette(_light_palette)
    table_brushes.refresh(dark)
    for widget in app.allWidgets():
        if widget.property(_TONE_PROPERTY) is not None:
            _paint_tone(widget)
    # Once the new palette has reached the widgets (posted events), those with a style sheet
    # of their own are polished again: else they keep the palette they were polished with,
    # dark text on dark grey.
    QTimer.singleShot(0, _repolish_styled_widgets)


def _repolish_styled_widgets() -> None:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    for widget in app.allWidgets():
        if widget.styleSheet():
            style = widget.style()
            style.unpolish(widget)
            style.polish(widget)
            widget.update()


class TableBrushes:
    """The table model's own shades (rows still loading, rows that failed, links), kept as
    ready brushes: `data()` reads attributes, and `apply_dark_mode` refreshes them."""

    _SHADES: ClassVar[dict[str, tuple[str, str]]] = {
        "placeholder_background": ("#f3e9f2", "#3a2f39"),
        "failed_background": ("#f6e3e0", "#4a2c28"),
        "placeholder_foreground": ("#8a7f89", "#b0a4af"),
        "link_foreground": Tone.ACCENT.value,
    }

    def __init__(self) -> None:
        self.dark: bool | None = None
        self.placeholder_background = QBrush()
        self.failed_background = QBrush()
        self.placeholder_foreground = QBrush()
        self.link_foreground = QBrush()

    def refresh(self, dark: bool | None = None) -> TableBrushes:
        chosen = is_dark() if dark is None else dark
        if chosen != self.dark:
            self.dark = chosen
            for name, (light, dark_shade) in self._SHADES.items():
                setattr(self, name, QBrush(QColor(dark_shade if chosen else light)))
        return self


table_brushes = TableBrushes()
