"""The sync's child process runs below the window's CPU priority."""

from __future__ import annotations

import multiprocessing
import os
import sys
from multiprocessing.connection import Connection

import pytest

from podio_desk.services.sync import SYNC_PROCESS_NICENESS, _start_below_the_window

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no nice values on Windows")


def report_niceness(to_parent: Connection) -> None:
    policy = os.sched_getscheduler(0) if hasattr(os, "sched_getscheduler") else None
    to_parent.send((os.nice(0), policy))
    to_parent.close()


def test_the_child_runs_below_the_window_from_its_start_up_on() -> None:
    before = os.nice(0)
    context = multiprocessing.get_context("spawn")
    from_child, to_parent = context.Pipe(duplex=False)
    process = context.Process(target=report_niceness, args=(to_parent,), daemon=True)
    _start_below_the_window(process)
    to_parent.close()
    try:
        assert from_child.poll(30)
        niceness, policy = from_child.recv()
        assert niceness == min(19, before + SYNC_PROCESS_NICENESS)
        if hasattr(os, "SCHED_IDLE"):
            assert policy == os.SCHED_IDLE  # Linux: only CPU time nothing else wants
    finally:
        process.join(10)
        from_child.close()
    assert os.nice(0) == before  # the caller's thread keeps its priority
