"""Render resources/icons/podio-desk.svg to the PNG sizes and a multi-size .ico (run by hand).

The PNGs and the .ico are committed, so neither the app nor the build needs to render them;
run this again after changing the SVG: `.venv/bin/python packaging/render_icons.py`.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, b"PNG")
    buffer.close()
    return bytes(data.data())


def write_ico(path: Path, images: dict[int, bytes]) -> None:
    """An .ico whose entries are PNGs (valid since Windows Vista, read by every toolkit)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    directory = b""
    payload = b""
    for size, data in sorted(images.items()):
        edge = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        directory += struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(data), offset)
        payload += data
        offset += len(data)
    path.write_bytes(header + directory + payload)


def main() -> int:
    app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "podio-desk.svg"))
    if not renderer.isValid():
        print("podio-desk.svg is not a valid SVG", file=sys.stderr)
        return 1
    rendered = {size: png_bytes(render(renderer, size)) for size in SIZES}
    for size, data in rendered.items():
        (ICONS / f"podio-desk-{size}.png").write_bytes(data)
    write_ico(ICONS / "podio-desk.ico", {size: rendered[size] for size in ICO_SIZES})
    print(f"wrote {len(rendered)} PNGs and podio-desk.ico to {ICONS}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
