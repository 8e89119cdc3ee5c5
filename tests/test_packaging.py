"""What the bundle and the Linux desktop integration ship: icons, desktop entry, metainfo."""

from __future__ import annotations

import configparser
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from podio_desk import APP_ID, APP_NAME, __version__
from podio_desk.ui.resources import ICON_SIZES, app_icon, resources_dir

ROOT = Path(__file__).resolve().parents[1]
LINUX = ROOT / "packaging" / "linux"


def test_resources_are_found_next_to_the_source_tree() -> None:
    assert resources_dir() == ROOT / "resources"


def test_every_icon_size_is_a_square_png_of_that_size(qapp: QApplication) -> None:
    assert QSvgRenderer(str(ROOT / "resources/icons/podio-desk.svg")).isValid()
    for size in ICON_SIZES:
        image = QImage(str(ROOT / f"resources/icons/podio-desk-{size}.png"))
        assert image.size() == QSize(size, size), size
        assert image.hasAlphaChannel()
    icon = app_icon()
    assert QSize(16, 16) in icon.availableSizes()
    assert QSize(256, 256) in icon.availableSizes()


def test_the_windows_icon_holds_every_size() -> None:
    data = (ROOT / "resources/icons/podio-desk.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    sizes = []
    for entry in range(count):
        width, _height, _colors, _zero, _planes, _bits, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * entry
        )
        assert data[offset : offset + 8] == b"\x89PNG\r\n\x1a\n"
        assert offset + length <= len(data)
        sizes.append(width or 256)
    assert sorted(sizes) == sorted(ICON_SIZES)


def test_the_desktop_entry_starts_podio_desk_with_its_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(LINUX / "podio-desk.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Name"] == APP_NAME
    assert section["Exec"].split()[0] == APP_ID
    assert section["Icon"] == APP_ID
    assert section["StartupWMClass"] == APP_ID  # matches QApplication.setDesktopFileName
    assert section["Categories"].endswith(";")


def test_the_metainfo_names_the_desktop_entry_and_this_version() -> None:
    (path,) = LINUX.glob("*.metainfo.xml")
    component = ET.parse(path).getroot()
    assert component.get("type") == "desktop-application"
    assert path.name == f"{component.findtext('id')}.metainfo.xml"
    assert component.findtext("name") == APP_NAME
    assert component.findtext("launchable") == "podio-desk.desktop"
    releases = component.findall("releases/release")
    assert releases[0].get("version") == __version__
