"""The status bar: rate budget gauges, online/offline, a 420 wait notice, running jobs.

It shows one account's connectivity: `show_state` with where it stands now, then each of its
`StatusEvent`s (`show_event`, fed by the window from the account session's events). Budgets
and queue lengths are repainted at most every `REPAINT_MS`, so a burst of queue events during
a sync costs one repaint, not hundreds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from PySide6.QtCore import QLocale, QRectF, QSize, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QStatusBar,
    QToolButton,
    QWidget,
)

from podio_desk.domain.rate_wait import PODIO_RATE_LIMIT
from podio_desk.services.connectivity import (
    BudgetChanged,
    ConnectivityState,
    OnlineChanged,
    QueueLength,
    RateLimitResumed,
    RateLimitWaiting,
    StatusEvent,
)
from podio_desk.ui.theme import Tone, set_tone

REPAINT_MS = 150
GREEN = QColor("#3a9d4a")
AMBER = QColor("#d89b1d")
RED = QColor("#c8372d")
GREY = QColor("#9a9a9a")
CLASS_LABELS = {"general": "API", "heavy": "Heavy"}


def gauge_colour(fraction: float | None) -> QColor:
    """Green with plenty left, amber below half, red below 15 %; grey when unknown."""
    if fraction is None:
        return GREY
    if fraction < 0.15:
        return RED
    if fraction < 0.5:
        return AMBER
    return GREEN


def local_time(moment: datetime) -> str:
    local = moment.astimezone()
    return QLocale().toString(
        QTime(local.hour, local.minute, local.second), QLocale.FormatType.ShortFormat
    )


class RateGauge(QWidget):
    """remaining/limit of one rate class as a small bar with text."""

    def __init__(self, rate_class: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rate_class = rate_class
        self.setObjectName(f"rateGauge_{rate_class}")
        self.budget: BudgetChanged | None = None
        self.queue: QueueLength | None = None
        self.waiting = False
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._update_tooltip()

    def text(self) -> str:
        label = CLASS_LABELS.get(self.rate_class, self.rate_class)
        budget = self.budget
        if budget is None or budget.limit is None or budget.remaining is None:
            return f"{label} ?/?"
        return f"{label} {budget.remaining}/{budget.limit}"

    def colour(self) -> QColor:
        if self.waiting:
            return RED
        return gauge_colour(self.budget.fraction_left if self.budget is not None else None)

    def set_budget(self, budget: BudgetChanged) -> None:
        self.budget = budget
        self._update_tooltip()
        self.update()

    def set_queue(self, queue: QueueLength) -> None:
        self.queue = queue
        self._update_tooltip()

    def set_waiting(self, waiting: bool) -> None:
        self.waiting = waiting
        self.update()

    def sizeHint(self) -> QSize:
        """Reimplements QWidget.sizeHint."""
        metrics = self.fontMetrics()
        return QSize(metrics.horizontalAdvance("Heavy 1000/1000") + 16, metrics.height() + 6)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Reimplements QWidget.paintEvent: a rounded bar filled by the share left."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 2, -1, -2)
        palette = self.palette()
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(rect, 4, 4)
        fraction = self.budget.fraction_left if self.budget is not None else None
        if fraction is not None and fraction > 0:
            filled = QRectF(rect.left(), rect.top(), rect.width() * fraction, rect.height())
            colour = self.colour()
            colour.setAlpha(150)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(filled, 4, 4)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), self.text())
        painter.end()

    def _update_tooltip(self) -> None:
        label = "general calls (1 000/h)" if self.rate_class == "general" else "heavy calls (250/h)"
        lines = [f"Podio rate budget for {label}"]
        budget = self.budget
        if budget is None or budget.limit is None:
            lines.append("No answer from Podio yet.")
        else:
            lines.append(f"{budget.remaining} of {budget.limit} calls left this hour")
            lines.append(f"Last update: {local_time(budget.updated_at)}")
            if budget.window_ends_at is not None:
                lines.append(f"Budget estimated to refill at {local_time(budget.window_ends_at)}")
        queue = self.queue
        queued = queue.queued if queue is not None else 0
        in_flight = queue.in_flight if queue is not None else 0
        lines.append(f"Queue: {queued} waiting, {in_flight} in flight")
        self.setToolTip("\n".join(lines))


# What the ✕ of a job says unless the job says otherwise (a bulk job pauses).
CANCEL_TIP = "Cancel (what is synced so far stays in the local copy)"


@dataclass
class _Job:
    name: str
    label: str
    done: int = 0
    total: int | None = None
    started: float = field(default_factory=time.monotonic)
    on_cancel: Callable[[], None] | None = None
    cancel_tip: str = CANCEL_TIP
    eta: float | None = None  # the job's own estimate, as last reported
    # The time left as shown, and when: while items arrive it only counts down (a new
    # estimate replaces it only when lower), so it never grows as the work advances.
    shown_eta: float | None = None
    shown_at: float = 0.0
    waiting_for: str | None = None  # "another process (pid 123)", while the job waits
    paused: bool = False  # paused by the user: no time left is counted down

    def estimate(self, now: float) -> float | None:
        if self.eta is not None:
            return self.eta
        if self.total is None or self.done <= 0 or self.done >= self.total:
            return None
        rate = self.done / max(0.001, now - self.started)
        return (self.total - self.done) / rate if rate > 0 else None

    def advance(self, done: int, total: int | None, eta: float | None, now: float) -> None:
        moved = done > self.done
        self.done, self.total, self.eta = done, total, eta
        fresh = self.estimate(now)
        if fresh is None:
            self.shown_eta = None
            return
        left = self.eta_seconds(now)
        if left is None or left <= 0 or not moved or fresh < left:
            self.shown_eta, self.shown_at = fresh, now

    def eta_seconds(self, now: float) -> float | None:
        if self.shown_eta is None:
            return None
        return max(0.0, self.shown_eta - (now - self.shown_at))


def format_wait(seconds: int) -> str:
    """'45 s', '3 min 05 s', '60 min'."""
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{(seconds + 59) // 60} min"


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return f"{seconds} s left"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s left"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min left"


# The progress bar is sized for this text up front (a sync of up to 999 999 items with an ETA
# in minutes), and for longer texts when they come.
WIDEST_USUAL_PROGRESS = "999,999/999,999 · 59 min 59 s left"
# The style's frame and chunk margins around the text.
PROGRESS_TEXT_PADDING = 24
# Longer job labels are cut (the tooltip has them whole): they never widen the window.
LABEL_MAX_WIDTH = 360
# Below their natural width the status bar's labels and the progress bar shrink to this
# (labels elided, the bar showing its share only): the window stays as wide as the user set.
SHRUNK_LABEL_WIDTH = 48
SHRUNK_BAR_WIDTH = 56


class ElidedLabel(QLabel):
    """A one-line label that may shrink below its text's width, eliding it (`text()` stays
    whole; the tooltip says it whole when cut)."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), SHRUNK_LABEL_WIDTH), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        room = self.contentsRect()
        metrics = self.fontMetrics()
        if metrics.horizontalAdvance(self.text()) <= room.width():
            super().paintEvent(event)
            return
        elided = metrics.elidedText(self.text(), Qt.TextElideMode.ElideRight, room.width())
        painter = QPainter(self)
        self.style().drawItemText(
            painter,
            room,
            int(self.alignment()),
            self.palette(),
            self.isEnabled(),
            elided,
            self.foregroundRole(),
        )


class JobBar(QProgressBar):
    """The job's progress bar: as wide as its text when there is room; narrower (down to
    SHRUNK_BAR_WIDTH) it shows the share done only, the whole text in its tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._wanted = SHRUNK_BAR_WIDTH
        self._full_format = ""
        self._eta = ""
        self.setMinimumWidth(SHRUNK_BAR_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def set_text(self, text: str, eta: str = "") -> None:
        """`text` whole when it fits; else the share done with `eta`, else the share alone."""
        self._full_format = text
        self._eta = eta
        self._choose_format()

    def full_text(self) -> str:
        return self._full_format

    def want_width(self, width: int) -> None:
        """Prefer `width`; the preference never narrows while jobs run, so progress updates
        do not lay the status bar out again."""
        if width > self._wanted:
            self._wanted = width
            self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(self._wanted, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(SHRUNK_BAR_WIDTH, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._choose_format()

    def _choose_format(self) -> None:
        if not self._full_format:
            self.setFormat("")
            return
        share = f"{self.value() * 100 // max(self.maximum(), 1)}%"
        # (what is shown, the bar's format for it): `%p` is the bar's own percentage.
        candidates = [(self._full_format, self._full_format)]
        if self._eta:
            candidates.append((f"{share} · {self._eta}", f"%p% · {self._eta}"))
        room = self.width() - PROGRESS_TEXT_PADDING
        metrics = self.fontMetrics()
        fitting = (fmt for text, fmt in candidates if metrics.horizontalAdvance(text) <= room)
        self.setFormat(next(fitting, "%p%"))


class JobsWidget(QWidget):
    """The running jobs: the newest one's label, a progress bar with ETA, a cancel button.

    It sits at the right end of the status bar (a permanent widget, so a status message
    never hides it), the cancel button last: the button stays where the pointer is while
    progress arrives. The label says what a job waits for (Podio's rate limit, another
    process).

    Signals:
        cancel_requested(name): the user cancelled a job.
        cancelled(name, text): the same, with a sentence saying what was kept.
    """

    cancel_requested = Signal(str)
    cancelled = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobs")
        self._jobs: dict[str, _Job] = {}
        # job-name prefix -> (end of a 420/429 wait, whose limit it is)
        self._rate_waits: dict[str, tuple[datetime, str]] = {}
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.label = ElidedLabel(self)
        self.label.setObjectName("jobLabel")
        self.label.setMaximumWidth(LABEL_MAX_WIDTH)
        self.bar = JobBar(self)
        self.bar.setMaximumHeight(16)
        self.bar.setTextVisible(True)
        self._fit_bar_to(WIDEST_USUAL_PROGRESS)
        self.cancel_button = QToolButton(self)
        self.cancel_button.setObjectName("jobCancel")
        self.cancel_button.setText("✕")
        self.cancel_button.setToolTip(CANCEL_TIP)
        self.cancel_button.setAutoRaise(True)
        self.cancel_button.clicked.connect(self._cancel_current)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.refresh)
        self.setVisible(False)

    def start(
        self,
        name: str,
        label: str,
        on_cancel: Callable[[], None] | None = None,
        *,
        cancel_tip: str = CANCEL_TIP,
    ) -> None:
        """`cancel_tip`: what the ✕ does for this job (its tooltip)."""
        self._jobs[name] = _Job(name, label, on_cancel=on_cancel, cancel_tip=cancel_tip)
        self.refresh()

    def progress(
        self,
        name: str,
        done: int,
        total: int | None,
        *,
        eta: float | None = None,
        waiting_for: str | None = None,
    ) -> None:
        """`eta`: the job's own estimate in seconds (it knows the rate budget); else ours.
        `waiting_for`: what the job waits for before it can go on, if anything."""
        job = self._jobs.get(name)
        if job is None:
            return
        job.advance(done, total, eta, time.monotonic())
        job.waiting_for = waiting_for
        self.refresh()

    def set_rate_wait(
        self, prefix: str, until: datetime | None, limit_name: str = PODIO_RATE_LIMIT
    ) -> None:
        """Jobs whose name starts with `prefix` wait for a rate limit (`limit_name`, such as
        "the gateway's rate limit") until `until` (None: they go on)."""
        if until is None:
            self._rate_waits.pop(prefix, None)
        else:
            self._rate_waits[prefix] = (until, limit_name)
        self.refresh()

    def set_paused(self, name: str, paused: bool) -> None:
        """The job is paused (shown as such, without a time left) or goes on."""
        job = self._jobs.get(name)
        if job is not None:
            job.paused = paused
            job.shown_eta = None
            self.refresh()

    def finish(self, name: str) -> None:
        self._jobs.pop(name, None)
        self.refresh()

    def names(self) -> list[str]:
        return list(self._jobs)

    def current_text(self) -> str:
        return f"{self.label.text()} {self.bar.full_text() if self.bar.isVisible() else ''}".strip()

    def waiting_text(self, job: _Job) -> str | None:
        if job.paused:
            return "paused"
        for prefix, (until, limit_name) in self._rate_waits.items():
            if job.name.startswith(prefix):
                left = max(0, int((until - self.now()).total_seconds() + 0.999))
                return f"waiting for {limit_name}, {format_wait(left)}"
        if job.waiting_for:
            return f"waiting for {job.waiting_for}"
        return None

    def refresh(self) -> None:
        if not self._jobs:
            self._tick.stop()
            self.setVisible(False)
            return
        job = list(self._jobs.values())[-1]
        more = f" (+{len(self._jobs) - 1} more)" if len(self._jobs) > 1 else ""
        waiting = self.waiting_text(job)
        text = f"{job.label}{more}" + (f": {waiting}" if waiting else "")
        self.label.setText(text)
        self.label.setToolTip(text)
        if job.total:
            self.bar.setRange(0, job.total)
            self.bar.setValue(min(job.done, job.total))
            eta = "" if waiting else format_eta(job.eta_seconds(time.monotonic()))
            text = f"{job.done:,}/{job.total:,}" + (f" · {eta}" if eta else "")
            self._fit_bar_to(text)
            self.bar.set_text(text, eta)
            self.bar.setToolTip(f"{job.label}: {job.done:,} of {job.total:,}. {eta}")
        else:
            self.bar.setRange(0, 0)
            self.bar.set_text("")
        self.cancel_button.setToolTip(job.cancel_tip)
        self.cancel_button.setVisible(job.on_cancel is not None)
        self.setVisible(True)
        if not self._tick.isActive():
            self._tick.start()  # the countdowns move between progress reports

    def _fit_bar_to(self, text: str) -> None:
        """Prefer a bar wide enough to show `text` whole (it shrinks when the window has no
        room: the status bar never widens the window)."""
        self.bar.want_width(self.bar.fontMetrics().horizontalAdvance(text) + PROGRESS_TEXT_PADDING)

    def _cancel_current(self) -> None:
        if not self._jobs:
            return
        job = list(self._jobs.values())[-1]
        kept = describe_kept(job.label, job.done, job.total)
        if job.on_cancel is not None:
            job.on_cancel()
        self.finish(job.name)
        self.cancel_requested.emit(job.name)
        if job.cancel_tip == CANCEL_TIP:  # a job whose ✕ does something else says so itself
            self.cancelled.emit(job.name, kept)


def describe_kept(label: str, done: int, total: int | None) -> str:
    """What a cancelled sync leaves: each page is stored with its place, so the items
    handled so far stay and the next sync goes on from there."""
    what = f"{done:,} of {total:,} items" if total else f"{done:,} items"
    return (
        f"{label} cancelled: {what} handled so far are kept in the local copy; "
        "the next sync goes on from there."
    )


class StatusIndicators(QWidget):
    """The right-hand side of the status bar: data source, 420 wait, gauges, online state.

    `install(status_bar)` puts it (and the jobs widget, on the left) into any QStatusBar, so
    the main window keeps its own status bar and its messages.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusIndicators")
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.jobs = JobsWidget()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(8)
        self.source_label = ElidedLabel(self)
        self.source_label.setObjectName("dataSource")
        self.wait_label = ElidedLabel(self)
        self.wait_label.setObjectName("rateWait")
        set_tone(self.wait_label, Tone.ERROR)
        self.wait_label.setStyleSheet("QLabel { font-weight: bold; }")
        self.wait_label.setVisible(False)
        self.online_label = ElidedLabel(self)
        self.online_label.setObjectName("onlineState")
        # Writes waiting in the outbox (hidden when none): a click opens the outbox.
        self.outbox_button = QToolButton(self)
        self.outbox_button.setObjectName("outboxButton")
        self.outbox_button.setAutoRaise(True)
        self.outbox_button.setVisible(False)
        self.gauges = {name: RateGauge(name, self) for name in ("general", "heavy")}
        self._layout = layout
        layout.addWidget(self.outbox_button)
        layout.addWidget(self.source_label)
        layout.addWidget(self.wait_label)
        for gauge in self.gauges.values():
            layout.addWidget(gauge)
        layout.addWidget(self.online_label)
        self._online = True
        self._offline_since: datetime | None = None
        self._waiting: RateLimitWaiting | None = None
        self._pending: list[StatusEvent] = []
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(REPAINT_MS)
        self._repaint.timeout.connect(self._apply_pending)
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._update_wait_label)
        self._show_online()

    def install(self, status_bar: QStatusBar) -> None:
        status_bar.addPermanentWidget(self)
        # Rightmost and permanent: status messages never hide it, and its cancel button
        # does not move while the indicators on its left change.
        status_bar.addPermanentWidget(self.jobs)

    # ------------------------------------------------------------------ public

    def show_state(self, state: ConnectivityState) -> None:
        """Show an account's connectivity as it stands (another account's is replaced)."""
        self._pending = list(state.budgets)
        self._apply_pending()
        for gauge in self.gauges.values():
            gauge.set_queue(state.queue)
        self._set_online(state.online, state.offline_since)
        self._set_waiting(state.waiting)

    def set_outbox(self, waiting: int, conflicts: int, failed: int = 0) -> None:
        """How many writes wait to be sent, and how many need the user."""
        parts = []
        if waiting:
            parts.append(f"{waiting} waiting")
        if conflicts:
            parts.append(f"{conflicts} conflict{'s' if conflicts != 1 else ''}")
        if failed:
            parts.append(f"{failed} refused")
        self.outbox_button.setText("Outbox: " + ", ".join(parts) if parts else "")
        self.outbox_button.setToolTip(
            "Changes made while Podio could not be reached; they are sent by themselves "
            "when it answers. Click to see them."
        )
        self.outbox_button.setVisible(bool(parts))

    def outbox_text(self) -> str:
        return self.outbox_button.text() if self.outbox_button.isVisible() else ""

    def set_data_source(self, text: str) -> None:
        """Where the table's rows come from and who sorts them ("sorted by Podio", …)."""
        self.source_label.setText(text)

    @property
    def online(self) -> bool:
        return self._online

    def wait_text(self) -> str:
        return self.wait_label.text() if self.wait_label.isVisible() else ""

    def online_text(self) -> str:
        return self.online_label.text()

    # ------------------------------------------------------------------ events

    def show_event(self, event: StatusEvent) -> None:
        """What changed since `show_state` (or the last event) for the account shown."""
        # Online changes and 420 waits are news: show them now. Budgets and queue lengths
        # arrive in bursts: coalesce them.
        if isinstance(event, OnlineChanged):
            self._set_online(event.online, None if event.online else event.since)
            return
        if isinstance(event, RateLimitWaiting):
            self._set_waiting(event)
            return
        if isinstance(event, RateLimitResumed):
            self._set_waiting(None)
            return
        self._pending.append(event)
        if not self._repaint.isActive():
            self._repaint.start()

    def _apply_pending(self) -> None:
        pending, self._pending = self._pending, []
        latest_queue: QueueLength | None = None
        for event in pending:
            if isinstance(event, BudgetChanged):
                gauge = self.gauges.get(event.rate_class)
                if gauge is None:
                    gauge = RateGauge(event.rate_class, self)
                    self.gauges[event.rate_class] = gauge
                    self._layout.insertWidget(self._layout.count() - 1, gauge)
                gauge.set_budget(event)
            elif isinstance(event, QueueLength):
                latest_queue = event
        if latest_queue is not None:
            for gauge in self.gauges.values():
                gauge.set_queue(latest_queue)

    def _set_online(self, online: bool, since: datetime | None) -> None:
        self._online = online
        self._offline_since = since
        self._show_online()

    def _show_online(self) -> None:
        if self._online:
            self.online_label.setText("● Online")
            self._bold_online(False)
            set_tone(self.online_label, Tone.OK)
            self.online_label.setToolTip("Podio answers; changes go out at once.")
        else:
            since = f" since {local_time(self._offline_since)}" if self._offline_since else ""
            self.online_label.setText(f"● Offline{since}")
            self._bold_online(True)
            set_tone(self.online_label, Tone.ERROR)
            self.online_label.setToolTip(
                "Podio cannot be reached. You are working from the local cache; "
                "Podio Desk reconnects by itself."
            )

    def _bold_online(self, bold: bool) -> None:
        # A font, not a style sheet: clearing a style sheet brings back the palette it was
        # set over (Offline's red), so "Online" came back red.
        font = self.online_label.font()
        font.setBold(bold)
        self.online_label.setFont(font)

    def _set_waiting(self, waiting: RateLimitWaiting | None) -> None:
        self._waiting = waiting
        for gauge in self.gauges.values():
            gauge.set_waiting(waiting is not None)
        if waiting is None:
            self._countdown.stop()
            self.wait_label.setVisible(False)
            self.wait_label.setText("")
            return
        self._update_wait_label()
        self.wait_label.setVisible(True)
        self._countdown.start()

    def _update_wait_label(self) -> None:
        waiting = self._waiting
        if waiting is None:
            return
        left = max(0, int((waiting.until - self.now()).total_seconds() + 0.999))
        self.wait_label.setText(f"Rate limit (420): waiting {format_wait(left)} — {waiting.reason}")
        self.wait_label.setToolTip(
            "Podio answered 420 (too many requests). Every request waits and nothing is lost; "
            f"they resume at {local_time(waiting.until)}."
        )
