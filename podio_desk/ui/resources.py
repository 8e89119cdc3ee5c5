"""Files shipped in `resources/`: next to the source tree, inside a frozen bundle, or installed."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


class MissingResourceError(FileNotFoundError):
    """A file that ships with Podio Desk is not where it should be (a broken install/bundle)."""


def resources_dir() -> Path:
    """The `resources/` folder: PyInstaller unpacks it under sys._MEIPASS; in a source tree it
    is at the top; a wheel (pip, pipx) installs it as <prefix>/share/podio-desk/resources."""
    bundle_root = getattr(sys, "_MEIPASS", None)
    if bundle_root is not None:
        return Path(bundle_root) / "resources"
    source_tree = Path(__file__).resolve().parents[2] / "resources"
    installed = Path(sys.prefix) / "share" / "podio-desk" / "resources"
    return installed if not source_tree.is_dir() and installed.is_dir() else source_tree


def resource_path(*parts: str) -> Path:
    """Path of a shipped file; raises MissingResourceError naming the path when it is absent."""
    path = resources_dir().joinpath(*parts)
    if not path.exists():
        raise MissingResourceError(f"missing resource file: {path}")
    return path


def app_icon() -> QIcon:
    """The application icon: the SVG for any size plus pre-rendered PNGs for crisp small sizes."""
    icon = QIcon()
    for size in ICON_SIZES:
        png = resource_path("icons", f"podio-desk-{size}.png")
        icon.addFile(str(png), QSize(size, size))
    icon.addFile(str(resource_path("icons", "podio-desk.svg")))
    if icon.isNull():
        raise MissingResourceError(f"the application icon in {resources_dir()} could not be loaded")
    return icon
