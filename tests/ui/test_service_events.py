"""The one bridge of service events into the UI: every event of a hub reaches the slots on the
UI thread, at once from the UI thread and queued from any other thread, until forgotten."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread

from podio_desk.api.events import EventHub
from podio_desk.ui.service_events import ServiceEvents

pytestmark = pytest.mark.gui


def test_events_reach_the_ui_thread_in_order_under_the_hub_key(qtbot):
    bridge = ServiceEvents()
    hub: EventHub[str] = EventHub()
    other: EventHub[str] = EventHub()
    bridge.listen("first", hub)
    bridge.listen("second", other)
    received: list[tuple[str, object, bool]] = []
    ui_thread = QThread.currentThread()
    bridge.received.connect(
        lambda key, event: received.append((key, event, QThread.currentThread() is ui_thread))
    )

    hub.emit("saved")  # from the UI thread: delivered before emit returns
    assert received == [("first", "saved", True)]

    def from_a_worker() -> None:
        for number in range(3):
            other.emit(f"progress {number}")

    worker = threading.Thread(target=from_a_worker)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(received) == 4, timeout=2000)
    assert received[1:] == [
        ("second", "progress 0", True),
        ("second", "progress 1", True),
        ("second", "progress 2", True),
    ]


def test_a_forgotten_hub_is_no_longer_heard(qtbot):
    bridge = ServiceEvents()
    kept: EventHub[str] = EventHub()
    dropped: EventHub[str] = EventHub()
    bridge.listen("kept", kept)
    bridge.listen("dropped", dropped)
    received: list[tuple[str, object]] = []
    bridge.received.connect(lambda key, event: received.append((key, event)))

    bridge.forget("dropped")
    dropped.emit("lost")
    kept.emit("heard")
    assert received == [("kept", "heard")]
    bridge.forget_all()
    kept.emit("after")
    assert received == [("kept", "heard")]
