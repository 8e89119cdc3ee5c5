"""Cyclic garbage is collected on the UI thread, by a timer, even when a worker allocates."""

from __future__ import annotations

import gc
import threading
from typing import Any

import pytest

from podio_desk.ui.gc_policy import GarbageCollector

pytestmark = pytest.mark.gui


class Cycle:
    """An object in a reference cycle that records the thread that finally freed it."""

    def __init__(self, freed_on: list[str]) -> None:
        self.me = self
        self._freed_on = freed_on

    def __del__(self) -> None:
        self._freed_on.append(threading.current_thread().name)


def allocate_containers(count: int, kept: list[Any]) -> None:
    """New container objects, kept (net allocations are what the thresholds count)."""
    kept.extend([] for _ in range(count))


def test_garbage_dropped_while_a_worker_allocates_is_freed_on_the_ui_thread(qtbot):
    freed_on: list[str] = []
    kept: list[Any] = []
    collector = GarbageCollector(interval_ms=10).install()
    try:
        Cycle(freed_on)  # unreachable at once, but only a collection can free it
        worker = threading.Thread(
            target=allocate_containers, args=(5 * gc.get_threshold()[0], kept), name="worker"
        )
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: bool(freed_on), timeout=5000)
    finally:
        collector.uninstall()
    assert freed_on == [threading.current_thread().name]


def test_uninstall_gives_back_automatic_collection(qtbot):
    assert gc.isenabled()
    collector = GarbageCollector().install()
    assert not gc.isenabled()
    collector.uninstall()
    assert gc.isenabled()


def test_long_lived_objects_reach_the_oldest_generation_and_are_freed_there(qtbot):
    """Garbage that survived the young collections (it was reachable for a while) is still
    freed: the older generations are collected when their own thresholds say so."""
    freed_on: list[str] = []
    kept: list[Any] = []
    collector = GarbageCollector(interval_ms=5).install()
    try:
        held = [Cycle(freed_on)]
        # Several young collections pass while it is still referenced: it ages.
        for _ in range(3):
            allocate_containers(2 * gc.get_threshold()[0], kept)
            before = gc.get_count()[1]
            qtbot.waitUntil(lambda before=before: gc.get_count()[1] != before, timeout=5000)
        held.clear()

        # Keep giving the young generation work until the old one is due and collected.
        def freed() -> bool:
            allocate_containers(2 * gc.get_threshold()[0], kept)
            return bool(freed_on)

        qtbot.waitUntil(freed, timeout=20000)
    finally:
        collector.uninstall()
    assert freed_on == [threading.current_thread().name]
