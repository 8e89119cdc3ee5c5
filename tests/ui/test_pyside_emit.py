"""PySide6 6.12.0 lost a reference to True on every emit from Python: catch it coming back."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    ping = Signal(int)


def test_emitting_a_signal_does_not_leak_references_to_true(qapp) -> None:
    emitter = _Emitter()
    received: list[int] = []
    emitter.ping.connect(received.append)
    before = sys.getrefcount(True)
    for number in range(200):
        emitter.ping.emit(number)
    assert len(received) == 200
    # A few references may come and go elsewhere; the bug took exactly one per emit.
    assert before - sys.getrefcount(True) < 50


def test_reading_none_from_a_python_model_does_not_lose_references(qapp) -> None:
    """PySide6 6.12.0 also released a reference to None each time C++ read None from data()."""
    from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

    class NoData(QAbstractListModel):
        def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
            return 1

        def data(
            self,
            index: QModelIndex | QPersistentModelIndex,
            role: int = Qt.ItemDataRole.DisplayRole,
        ) -> object:
            return None

    model = NoData()
    index = model.index(0)
    before = sys.getrefcount(None)
    for _ in range(200):
        index.data()
    assert before - sys.getrefcount(None) < 50
