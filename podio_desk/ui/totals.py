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
from decimal import Decimal

from PySide6.QtCore import QEvent, QLocale, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QHelpEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QTableView, QToolTip, QWidget

from podio_desk.domain.fields import (
    DurationValue,
    FieldDef,
    FieldType,
    MoneyValue,
    display_text,
    format_decimal,
)
from podio_desk.services.queries import TOTAL_TYPES, ColumnTotals, FieldTotal
from podio_desk.ui.table.frozen import FrozenColumns
from podio_desk.ui.table.view import ItemTableView

_PADDING = 4


def format_figure(
    fdef: FieldDef, value: float, *, average: bool = False, currency: str | None = None
) -> str:
    """A sum or an average as the column shows its values: money with its currency and
    cents, numbers with the field's decimals, durations in the field's units."""
    kind = fdef.field_type
    if kind is FieldType.DURATION:
        return display_text(fdef, DurationValue(round(value)))
    number = Decimal(repr(value))
    if kind is FieldType.MONEY:
        if currency is None:
            currencies = _currencies(fdef)
            currency = currencies[0] if len(currencies) == 1 else None
        if currency is not None:
            return display_text(fdef, MoneyValue(number, currency))
        return format_decimal(number, 2)
    decimals = fdef.settings.get("decimals")
    places = decimals if isinstance(decimals, int) and decimals >= 0 else 2
    if average:
        places = max(places, 2)
    return format_decimal(number, places)


def _currencies(fdef: FieldDef) -> list[str]:
    return [c for c in fdef.settings.get("allowed_currencies") or [] if isinstance(c, str)]


def describe_total(fdef: FieldDef, total: FieldTotal) -> tuple[str, str]:
    """(two lines for the footer cell, a tooltip)."""
    if total.count == 0 or total.average is None:
        return "Σ —", f"{fdef.label}: no item here has a number"
    if len(total.currencies) > 1:
        return _describe_currencies(fdef, total)
    only = total.currencies[0].currency if total.currencies else None
    total_text = format_figure(fdef, total.total, currency=only)
    average_text = format_figure(fdef, total.average, average=True, currency=only)
    line_sum = f"Σ {total_text}"
    line_avg = f"⌀ {average_text}"
    line_count = f"n {total.count:,}"
    tip = f"{fdef.label}: sum {total_text}, average {average_text} over " + (
        "the one item with a value"
        if total.count == 1
        else f"the {total.count:,} items with a value"
    )
    if total.currencies and only is None:
        tip += f" ({UNKNOWN_CURRENCY}: stored by an older Podio Desk; sync again)"
    return f"{line_sum}\n{line_avg}\n{line_count}", tip


UNKNOWN_CURRENCY = "currency not known"


def _describe_currencies(fdef: FieldDef, total: FieldTotal) -> tuple[str, str]:
    """Money in several currencies: each summed apart (amounts of different currencies are
    never added). The cell shows the currency most items hold, and the second one or how
    many more; the tooltip lists each."""
    sums: list[str] = []
    averages: list[str] = []
    lines: list[str] = []
    for group in total.currencies:
        average = group.total / group.count if group.count else 0.0
        sum_text = _money(fdef, group.total, group.currency)
        average_text = _money(fdef, average, group.currency)
        sums.append(sum_text)
        averages.append(average_text)
        name = group.currency or UNKNOWN_CURRENCY
        lines.append(
            f"{name}: sum {sum_text}, average {average_text} over {group.count:,} "
            f"item{'' if group.count == 1 else 's'}"
        )
    tip = (
        f"{fdef.label}: {_items(total.count)} with a value in {len(total.currencies)} "
        "currencies, each summed apart:\n" + "\n".join(lines)
    )
    return (
        f"Σ {_first_and_more(sums)}\n⌀ {_first_and_more(averages)}\nn {total.count:,}",
        tip,
    )


def _items(count: int) -> str:
    return f"{count:,} item{'' if count == 1 else 's'}"


def _money(fdef: FieldDef, value: float, currency: str | None) -> str:
    if currency is None:
        return f"{format_decimal(Decimal(repr(value)), 2)} ({UNKNOWN_CURRENCY})"
    return format_figure(fdef, value, currency=currency)


def _first_and_more(texts: list[str]) -> str:
    if len(texts) == 2:
        return f"{texts[0]} + {texts[1]}"
    return f"{texts[0]} +{len(texts) - 1} currencies"


def describe_scope(totals: ColumnTotals) -> tuple[str, str]:
    """The first column's cell: what the figures cover."""
    if totals.cached == 0:
        # The rows may well be on screen, read from Podio: what is missing is the local copy.
        return (
            "Totals need the\nitems in the local\ncache: sync this app",
            "Totals are counted over the items kept on this computer; none of this app's "
            "are kept yet. Sync the app (File ▸ Sync this app) to see them.",
        )
    if totals.partial:
        of = f" of {totals.app_total:,}" if totals.app_total is not None else ""
        return (
            f"Partial: {_items(totals.matched)}\nin the {totals.cached:,} cached{of}\n"
            "(sync for all)",
            "Totals of the cached items only: sync the app for totals over all of it.",
        )
    return (
        f"Totals of {totals.matched:,}\n{'item' if totals.matched == 1 else 'items'}: sum,\n"
        "average, count",
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
                cells[column] = describe_total(fdef, total)
        self._cells = cells
        self.update()

    def text_for(self, column: int) -> str:
        return self._cells.get(column, ("", ""))[0]

    def tip_for(self, column: int) -> str:
        return self._cells.get(column, ("", ""))[1]

    def cell_rect(self, column: int) -> QRect:
        """Where a column's figures are drawn, in the footer's coordinates: under the column
        as it is on screen (a frozen column where the frozen view shows it)."""
        header = self._view.horizontalHeader()
        left = self._viewport_left()
        frozen = self._frozen()
        if frozen is not None and frozen.is_frozen(column):
            x = left + frozen.horizontalHeader().sectionViewportPosition(column)
        else:
            x = left + header.sectionViewportPosition(column)
        return QRect(x, 0, header.sectionSize(column), self.height())

    def is_shown(self, column: int) -> bool:
        """Whether a column's figures are drawn: not for a hidden column, nor for one
        scrolled under the frozen columns or out of sight (its figures would sit under
        another column's header)."""
        if column not in self._cells or self._view.horizontalHeader().isSectionHidden(column):
            return False
        rect = self.cell_rect(column)
        left = self._viewport_left()
        frozen = self._frozen()
        if frozen is not None and frozen.is_frozen(column):
            return True
        start = left + (frozen.frozen_width() if frozen is not None else 0)
        return rect.left() >= start and rect.left() < left + self._view.viewport().width()

    def _frozen(self) -> FrozenColumns | None:
        view = self._view
        return view.frozen if isinstance(view, ItemTableView) else None

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
        viewport = self._view.viewport()
        left = self._viewport_left()
        painter.setClipRect(QRect(left, 0, viewport.width(), self.height()))
        metrics = self.fontMetrics()
        for column, (text, _tip) in self._cells.items():
            if not self.is_shown(column):
                continue
            rect = self.cell_rect(column).adjusted(_PADDING, _PADDING, -_PADDING, -_PADDING)
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
                if self.is_shown(column) and self.cell_rect(column).contains(event.pos()):
                    QToolTip.showText(event.globalPos(), tip, self)
                    return True
            QToolTip.hideText()
            event.ignore()
            return True
        return super().event(event)
