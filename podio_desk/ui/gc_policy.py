"""Python's cyclic garbage collector runs on the UI thread, from a timer.

The collector runs in whichever thread allocates when a threshold is crossed. If that is a
worker thread (a page being parsed) and the garbage holds Qt objects (a closed dialog, a
replaced model), their C++ destructors run on the wrong thread: Qt warns and may crash. So
automatic collection is off, and a timer on the UI thread collects what the thresholds say
is due when the event loop gets to it (the approach of calibre's GarbageCollector).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_INTERVAL_MS = 100


class GarbageCollector(QObject):
    """`install()` turns automatic collection off and starts the timer; `uninstall()` undoes it."""

    def __init__(
        self, parent: QObject | None = None, *, interval_ms: int = CHECK_INTERVAL_MS
    ) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._was_enabled = gc.isenabled()

    def install(self) -> GarbageCollector:
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()
        return self

    def uninstall(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()

    def collect_due(self) -> None:
        """Collect the oldest generation whose count is over its threshold (and the younger
        ones with it), as Python's automatic collection would have."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        due = [generation for generation in range(3) if counts[generation] > thresholds[generation]]
        if due:
            gc.collect(due[-1])
