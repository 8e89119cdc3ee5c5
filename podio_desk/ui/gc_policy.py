"""Python's cyclic garbage collector runs on the UI thread only, in small steps.

Podio Desk runs Python code on worker threads (building items from JSON, the sync). The
cyclic collector runs in whichever thread happens to allocate when a threshold is crossed;
if that is a worker thread and the garbage holds Qt objects (a closed dialog, a replaced
model), their C++ destructors run on the wrong thread: Qt warns "Timers cannot be stopped
from another thread" and may crash. So automatic collection is switched off and a timer on
the UI thread collects instead (the approach of calibre's GarbageCollector).

A collection walks every object of the generations it collects, and a sync promotes tens of
thousands of young objects per second: a plain gen-1 collection then takes 20-90 ms, a full
one a few hundred. So after each small collection the survivors are frozen (`gc.freeze`,
excluded from later walks): every tick only walks what was allocated since the last one.
The frozen objects are unfrozen and walked in one full collection when the application is
idle (no input for a while, no job running), at most once a minute.

Input is noticed by an event filter on the application, installed only while a full
collection is due and no job runs: an application-wide filter in Python makes every event
of the window (timers, sockets, paints) cross into Python and take the GIL, and while a
worker thread holds it, each of those events waits (py-spy showed the UI thread waiting for
the GIL inside this filter during a sync).
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

CHECK_INTERVAL_MS = 50
# The full collection (every object) runs only when idle, and at most this often.
FULL_COLLECTION_EVERY_S = 60.0
IDLE_AFTER_INPUT_S = 5.0
# Worker threads hand the GIL back this often (Python's default is 5 ms): the UI thread waits
# at most about this long for it while a worker parses a page.
SWITCH_INTERVAL_S = 0.0002

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
    }
)


class MainThreadGarbageCollector(QObject):
    """Install once per application (`install()`); `uninstall()` restores automatic GC.

    `busy()` (optional) says whether background work is running; the full collection waits
    until it is not.
    """

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        interval_ms: int = CHECK_INTERVAL_MS,
        busy: Callable[[], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._watching_input = False
        self._busy = busy or (lambda: False)
        self._was_enabled = gc.isenabled()
        self._switch_interval = sys.getswitchinterval()
        self._last_full = time.monotonic()
        self._last_input = time.monotonic()
        self._last_young = time.monotonic()
        self.longest_ms = 0.0
        self.full_collections = 0

    def install(self) -> MainThreadGarbageCollector:
        gc.disable()
        gc.collect()
        gc.freeze()
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self._last_full = time.monotonic()
        self._timer.start()
        return self

    def uninstall(self) -> None:
        self._timer.stop()
        self._watch_input(False)
        gc.unfreeze()
        gc.collect()
        sys.setswitchinterval(self._switch_interval)
        if self._was_enabled:
            gc.enable()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Reimplements QObject.eventFilter: notes the time of the last user input (only
        while a full collection waits for the user to pause)."""
        if event.type() in _INPUT_EVENTS:
            self._last_input = time.monotonic()
        return False

    def _watch_input(self, watch: bool) -> None:
        if watch == self._watching_input:
            return
        app = QApplication.instance()
        if app is None:
            return
        self._watching_input = watch
        if watch:
            self._last_input = time.monotonic()  # not idle until a pause is seen
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)

    def check(self) -> None:
        """Collect what was allocated since the last tick, freeze the survivors; when idle,
        now and then, everything."""
        now = time.monotonic()
        started = time.perf_counter()
        full_due = now - self._last_full >= FULL_COLLECTION_EVERY_S and not self._busy()
        self._watch_input(full_due)
        if full_due and now - self._last_input >= IDLE_AFTER_INPUT_S:
            self._watch_input(False)
            self.collect_all()
            self.full_collections += 1
        elif gc.get_count()[0] > gc.get_threshold()[0]:
            gc.collect(1)
            gc.freeze()
            self._last_young = now
        else:
            return
        elapsed = (time.perf_counter() - started) * 1000
        self.longest_ms = max(self.longest_ms, elapsed)
        if elapsed > 50:
            log.debug("Garbage collection took %.0f ms", elapsed)

    def collect_all(self) -> None:
        """Unfreeze and collect every generation (at idle, and at uninstall)."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._last_full = time.monotonic()
