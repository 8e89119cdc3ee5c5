"""The one way events of the services reach the window.

Services publish plain events on `EventHub`s (an account session's hub carries connectivity,
rate-limit, editing and sync events). `ServiceEvents` subscribes to such hubs and re-emits
every event as its Qt signal `received(key, event)`. Qt delivers a signal emitted on another
thread on the receiver's thread (a queued connection), so slots connected to `received` always
run on the UI thread, and at once when the event is emitted there (the asyncio loop's thread
under qasync, where the services run).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from podio_desk.api.events import EventHub


class ServiceEvents(QObject):
    """See the module docstring.

    Signals:
        received(str, object): the key the hub was listened to under, and the event.
    """

    received = Signal(str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: dict[str, list[Callable[[], None]]] = {}

    def listen(self, key: str, hub: EventHub[Any]) -> None:
        """Re-emit every event of `hub` as `received(key, event)` until `forget(key)`."""
        unsubscribe = hub.subscribe(functools.partial(self._emit, key))
        self._unsubscribe.setdefault(key, []).append(unsubscribe)

    def forget(self, key: str) -> None:
        """Stop re-emitting the hubs listened to under `key`."""
        for unsubscribe in self._unsubscribe.pop(key, []):
            unsubscribe()

    def forget_all(self) -> None:
        for key in list(self._unsubscribe):
            self.forget(key)

    def _emit(self, key: str, event: object) -> None:
        self.received.emit(key, event)
