"""The UI thread asks for short time slices (Linux 6.12+), keeping its nice value; threads
on another scheduling policy are left alone, and lowered workers go back to the default."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from podio_desk.domain.threads import lower_this_thread, this_threads_slice_ns
from podio_desk.ui.sched_policy import UI_SLICE_NS, respond_first

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux threads")
A_MILLISECOND = 1_000_000


def in_a_thread(body: Callable[[], Any]) -> Any:
    """`body`'s result, run in a new thread (its scheduling ends with it)."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(body()))
    thread.start()
    thread.join(timeout=10)
    return result[0]


def this_threads_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.fixture
def slices() -> None:
    if not in_a_thread(lambda: respond_first(A_MILLISECOND)):
        pytest.skip("this kernel has no per-thread time slices (sched_setattr)")


@linux_only
def test_the_ui_thread_gets_short_slices_and_keeps_its_nice_value(slices) -> None:
    def body() -> tuple[bool, int | None, int, int]:
        respond_first(A_MILLISECOND)  # whatever this thread inherited
        os.nice(3)  # Linux: this thread only
        nice = this_threads_nice()
        return respond_first(), this_threads_slice_ns(), nice, this_threads_nice()

    taken, slice_ns, nice_before, nice_after = in_a_thread(body)
    assert taken
    assert slice_ns == UI_SLICE_NS
    assert nice_after == nice_before


@linux_only
def test_a_worker_started_by_the_ui_thread_goes_back_to_the_default_slice(slices) -> None:
    def body() -> tuple[int | None, int | None, int | None]:
        respond_first()
        inherited = in_a_thread(this_threads_slice_ns)

        def worker() -> int | None:
            lower_this_thread()
            return this_threads_slice_ns()

        return this_threads_slice_ns(), inherited, in_a_thread(worker)

    ui, inherited, lowered = in_a_thread(body)
    assert ui == inherited == UI_SLICE_NS
    assert lowered is not None
    assert lowered > UI_SLICE_NS


@linux_only
def test_a_thread_on_another_policy_is_left_alone() -> None:
    def body() -> tuple[bool, int]:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        return respond_first(), os.sched_getscheduler(0)

    taken, policy = in_a_thread(body)
    assert not taken
    assert policy == os.SCHED_IDLE


def test_elsewhere_it_does_nothing(monkeypatch) -> None:
    from podio_desk.domain import threads

    monkeypatch.setattr(threads, "_PER_THREAD", False)
    assert respond_first() is False
    assert this_threads_slice_ns() is None
