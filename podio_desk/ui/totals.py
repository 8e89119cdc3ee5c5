"""The totals footer under the item table: count, sum and average of the number, money,
duration and calculation columns over the current filter and search.

The figures come from the cache (one SQL aggregate on the cache's reader thread, see
`QueryService.totals`); when the app is not fully synced they cover only the cached items,
and the footer says "partial". The footer is a plain widget that paints each column's figures
at the column's place in the table's header (`sectionViewportPosition`) and repaints when a
column is resized, moved or scrolled, so it stays aligned with the columns without a second
table to keep in step.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QLocale, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QTableView, QToolTip, QWidget

from podio_desk.domain.fields import FieldDef, FieldType
from podio_desk.services.queries import TOTAL_TYPES, ColumnTotals, FieldTotal

_PADDING = 4


def format_figure(fdef: FieldDef, value: float, locale: QLocale) -> str:
    """A sum or an average as the column shows its values."""
    kind = fdef.field_type
    if kind is FieldType.DURATION:
        seconds = round(value)
        hours, rest = divmod(abs(seconds), 3600)
        minutes, secs = divmod(rest, 60)
        sign = "-" if seconds < 0 else ""
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    # Cents matter in small figures; in large sums they only push the digits out of sight.
    decimals = 2 if abs(value) < 100_000 else 0
    text = locale.toString(value, "f", decimals)
    if decimals and text.endswith(locale.decimalPoint() + "00"):
        text = text[:-3]
    if kind is FieldType.MONEY:
        currencies = [
            c for c in fdef.settings.get("allowed_currencies") or [] if isinstance(c, str)
        ]
        if len(currencies) == 1:
            return f"{text} {currencies[0]}"
    return text


def describe_total(fdef: FieldDef, total: FieldTotal, locale: QLocale) -> tuple[str, str]:
    """(two lines for the footer cell, a tooltip)."""
    if total.count == 0 or total.average is None:
        return "Σ —", f"{fdef.label}: no item here has a number"
    line_sum = f"Σ {format_figure(fdef, total.total, locale)}"
    line_avg = f"⌀ {format_figure(fdef, total.average, locale)}"
    line_count = f"n {total.count:,}"
    tip = (
        f"{fdef.label}: sum {format_figure(fdef, total.total, locale)}, average "
        f"{format_figure(fdef, total.average, locale)} over the {total.count:,} items "
        "with a value"
    )
    currencies = fdef.settings.get("allowed_currencies") or []
    if fdef.field_type is FieldType.MONEY and len(currencies) != 1:
        tip += " (amounts are added whatever their currency)"
    return f"{line_sum}\n{line_avg}\n{line_count}", tip


def describe_scope(totals: ColumnTotals) -> tuple[str, str]:
    """The first column's cell: what the figures cover."""
    if totals.cached == 0:
        return (
            "No totals yet:\nnothing of this app\nis in the local copy",
            "Totals are counted in the local copy: sync the app to see them.",
        )
    if totals.partial:
        of = f" of {totals.app_total:,}" if totals.app_total is not None else ""
        return (
            f"Partial: {totals.matched:,} items\nin the {totals.cached:,} cached{of}\n"
            "(sync for all)",
            "Totals of the cached items only: sync the app for totals over all of it.",
        )
    return (
        f"Totals of {totals.matched:,}\nitems: sum,\naverage, count",
        "Totals over every item of the filter.",
    )


class TotalsFooter(QWidget):
    """See the module docstring."""

    def __init__(self, view: QTableView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("totalsFooter")
        self._view = view
        self._cells: dict[int, tuple[str, str]] = {}  # logical column -> (text, tooltip)
        self.totals: ColumnTotals | None = None
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.setAutoFillBackground(True)
        self.setMouseTracking(True)
        header = view.horizontalHeader()
        header.sectionResized.connect(lambda *_: self.update())
        header.sectionMoved.connect(lambda *_: self.update())
        header.geometriesChanged.connect(self.update)
        view.horizontalScrollBar().valueChanged.connect(lambda _value: self.update())

    def sizeHint(self) -> QSize:
        return QSize(100, self.fontMetrics().lineSpacing() * 3 + 2 * _PADDING)

    def clear(self) -> None:
        self.totals = None
        self._cells = {}
        self.update()

    def show_totals(
        self, totals: ColumnTotals, columns: Sequence[tuple[int, FieldDef]], locale: QLocale
    ) -> None:
        """`columns` pairs each totalled column (logical index) with its field."""
        self.totals = totals
        by_field = {total.field_id: total for total in totals.fields}
        cells = {0: describe_scope(totals)}
        for column, fdef in columns:
            total = by_field.get(fdef.field_id)
            if total is not None and fdef.field_type in TOTAL_TYPES:
                cells[column] = describe_total(fdef, total, locale)
        self._cells = cells
        self.update()

    def text_for(self, column: int) -> str:
        return self._cells.get(column, ("", ""))[0]

    def cell_rect(self, column: int) -> QRect:
        """Where a column's figures are drawn, in the footer's coordinates: under the column."""
        header = self._view.horizontalHeader()
        left = self._viewport_left()
        x = left + header.sectionViewportPosition(column)
        return QRect(x, 0, header.sectionSize(column), self.height())

    def _viewport_left(self) -> int:
        """Where the table's cells begin, in the footer's coordinates (after the row
        numbers and the frame)."""
        return self.mapFromGlobal(self._view.viewport().mapToGlobal(QPoint(0, 0))).x()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawLine(0, 0, self.width(), 0)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        header = self._view.horizontalHeader()
        viewport = self._view.viewport()
        left = self._viewport_left()
        painter.setClipRect(QRect(left, 0, viewport.width(), self.height()))
        metrics = self.fontMetrics()
        for column, (text, _tip) in self._cells.items():
            if header.isSectionHidden(column):
                continue
            rect = self.cell_rect(column).adjusted(_PADDING, _PADDING, -_PADDING, -_PADDING)
            if rect.right() < left or rect.left() > left + viewport.width():
                continue
            lines = [
                metrics.elidedText(line, Qt.TextElideMode.ElideRight, rect.width())
                for line in text.split("\n")
            ]
            align = Qt.AlignmentFlag.AlignLeft if column == 0 else Qt.AlignmentFlag.AlignRight
            painter.drawText(rect, int(align | Qt.AlignmentFlag.AlignTop), "\n".join(lines))
        painter.end()

    def event(self, event: QEvent) -> bool:
        if isinstance(event, QHelpEvent) and event.type() == QEvent.Type.ToolTip:
            for column, (_text, tip) in self._cells.items():
                if self.cell_rect(column).contains(event.pos()):
                    QToolTip.showText(event.globalPos(), tip, self)
                    return True
            QToolTip.hideText()
            event.ignore()
            return True
        return super().event(event)
