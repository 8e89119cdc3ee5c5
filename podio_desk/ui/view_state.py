"""What the browser remembers per app: column order, widths, hidden columns, sort, last view.

Stored as one JSON value per app in the profile's QSettings (`tables/<app_id>`), keyed by the
columns' stable keys (field ids), so a field added or removed in Podio does not scramble the
rest. Unknown or broken values are ignored, never fatal.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QHeaderView

log = logging.getLogger(__name__)


@dataclass
class TableLayout:
    order: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    widths: dict[str, int] = field(default_factory=dict)
    sort_by: str | None = None
    sort_desc: bool = False
    # Leading columns frozen (the title) and the horizontal scroll position, per app.
    frozen: int = 1
    scroll_x: int = 0

    def to_json(self) -> str:
        return json.dumps(
            {
                "order": self.order,
                "hidden": self.hidden,
                "widths": self.widths,
                "sort_by": self.sort_by,
                "sort_desc": self.sort_desc,
                "frozen": self.frozen,
                "scroll_x": self.scroll_x,
            }
        )

    @classmethod
    def from_json(cls, text: object) -> TableLayout:
        if not isinstance(text, str) or not text:
            return cls()
        try:
            data = json.loads(text)
        except ValueError:
            log.warning("Ignoring an unreadable table layout in the settings")
            return cls()
        if not isinstance(data, dict):
            return cls()
        widths = data.get("widths")
        sort_by = data.get("sort_by")
        frozen = data.get("frozen", 1)
        scroll_x = data.get("scroll_x", 0)
        return cls(
            order=[str(key) for key in data.get("order", []) if isinstance(key, (str, int))],
            hidden=[str(key) for key in data.get("hidden", []) if isinstance(key, (str, int))],
            widths={
                str(key): int(value)
                for key, value in (widths.items() if isinstance(widths, dict) else [])
                if isinstance(value, int) and 10 <= value <= 2000
            },
            sort_by=str(sort_by) if isinstance(sort_by, (str, int)) else None,
            sort_desc=bool(data.get("sort_desc", False)),
            frozen=frozen if isinstance(frozen, int) and 0 <= frozen <= 50 else 1,
            scroll_x=scroll_x if isinstance(scroll_x, int) and scroll_x >= 0 else 0,
        )


class ViewState:
    """Per-app table layouts and the last app, in the profile's settings."""

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    def layout(self, app_id: int) -> TableLayout:
        return TableLayout.from_json(self._settings.value(f"tables/{app_id}", ""))

    def save_layout(self, app_id: int, layout: TableLayout) -> None:
        self._settings.setValue(f"tables/{app_id}", layout.to_json())

    def capture(self, header: QHeaderView, keys: Sequence[str], layout: TableLayout) -> TableLayout:
        """The header's current order, widths and hidden sections as a layout."""
        visual = sorted(range(len(keys)), key=header.visualIndex)
        return TableLayout(
            order=[keys[logical] for logical in visual],
            hidden=[
                keys[logical] for logical in range(len(keys)) if header.isSectionHidden(logical)
            ],
            widths={
                keys[logical]: header.sectionSize(logical)
                for logical in range(len(keys))
                if not header.isSectionHidden(logical) and header.sectionSize(logical) > 0
            },
            sort_by=layout.sort_by,
            sort_desc=layout.sort_desc,
            frozen=layout.frozen,
            scroll_x=layout.scroll_x,
        )

    @staticmethod
    def apply(
        header: QHeaderView,
        keys: Sequence[str],
        layout: TableLayout,
        default_widths: Sequence[int] = (),
    ) -> None:
        """Put the header's sections in the remembered order, widths and visibility
        (`default_widths` for columns never resized by the user)."""
        position = {key: number for number, key in enumerate(keys)}
        for number, default in enumerate(default_widths):
            if number < len(keys) and keys[number] not in layout.widths:
                header.resizeSection(number, default)
        target = 0
        for key in layout.order:
            found = position.get(key)
            if found is None:
                continue
            current = header.visualIndex(found)
            if current != target:
                header.moveSection(current, target)
            target += 1
        for key, logical in position.items():
            header.setSectionHidden(logical, key in layout.hidden and key != keys[0])
            remembered = layout.widths.get(key)
            if remembered is not None:
                header.resizeSection(logical, remembered)
