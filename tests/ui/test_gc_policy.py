"""The UI thread's garbage collector: small steps, a full collection only when the user pauses,
and no application-wide event filter the rest of the time."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit

from podio_desk.ui import gc_policy
from podio_desk.ui.gc_policy import MainThreadGarbageCollector

pytestmark = pytest.mark.gui


def test_input_is_watched_only_while_a_full_collection_waits_for_a_pause(qtbot, monkeypatch):
    monkeypatch.setattr(gc_policy, "FULL_COLLECTION_EVERY_S", 0.4)
    monkeypatch.setattr(gc_policy, "IDLE_AFTER_INPUT_S", 1.0)
    editor = QLineEdit()
    qtbot.addWidget(editor)
    editor.show()
    collector = MainThreadGarbageCollector(interval_ms=10).install()
    try:
        qtbot.wait(150)
        # Nothing due: every event of the window stays in C++ (no filter in Python).
        assert not collector._watching_input
        qtbot.waitUntil(lambda: collector._watching_input, timeout=3000)
        # The user types: the full collection waits.
        for _ in range(8):
            QTest.keyClick(editor, Qt.Key.Key_A)
            qtbot.wait(100)
        assert collector.full_collections == 0
        # A pause: it runs, and the filter goes away.
        qtbot.waitUntil(lambda: collector.full_collections == 1, timeout=5000)
        assert not collector._watching_input
    finally:
        collector.uninstall()
