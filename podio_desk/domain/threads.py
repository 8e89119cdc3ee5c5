"""Background threads run below the window's CPU priority.

On a busy machine (a sync in its own process, a page being parsed, a cache write) the two
cores of a laptop are shared; the UI thread measured up to 13 ms ready to run but waiting for
a CPU while the window's own worker threads used it. Linux gives each thread its own nice
value, so the workers can step back for the UI thread alone. The lower priority is mild: a
worker that holds the GIL must still get a CPU ahead of the sync process (nice 10) and
everything else in the background, or the UI thread would wait for the GIL instead.
Elsewhere this does nothing.

A thread's time slice (Linux 6.12+, the EEVDF scheduler) is chosen the same way: the UI thread
asks for short ones (ui/sched_policy.py), and threads it starts inherit them, so a worker
lowered here goes back to the kernel's default slice.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from typing import Any

# How much lower than the window a background thread of its process runs (nice increment).
BACKGROUND_THREAD_NICENESS = 5
# Linux gives each thread its own nice value; elsewhere os.nice lowers the whole process.
_PER_THREAD = sys.platform.startswith("linux")


def lower_this_thread(increment: int = BACKGROUND_THREAD_NICENESS) -> bool:
    """Lower the calling thread's CPU priority (Linux only); True if it was lowered."""
    if not _PER_THREAD:
        return False
    with contextlib.suppress(OSError):
        os.nice(increment)
        set_this_threads_slice(DEFAULT_SLICE)
        return True
    return False


# For set_this_threads_slice: the kernel's own default.
DEFAULT_SLICE = 0
_SCHED_OTHER = 0
# sched_setattr and sched_getattr system call numbers per machine (asm/unistd_64.h).
_SCHED_ATTR_CALLS = {"x86_64": (314, 315), "aarch64": (274, 275)}


def _sched_attr_calls() -> tuple[Any, type[Any], int, int] | None:
    """libc's syscall(), struct sched_attr, and the set and get call numbers (Linux)."""
    return _load_sched_attr_calls() if _PER_THREAD else None


@functools.cache
def _load_sched_attr_calls() -> tuple[Any, type[Any], int, int] | None:
    numbers = _SCHED_ATTR_CALLS.get(os.uname().machine)
    if numbers is None:
        return None
    import ctypes  # here: ~5 ms to load, and only Linux needs it

    class SchedAttr(ctypes.Structure):
        """struct sched_attr (SCHED_ATTR_SIZE_VER1, 56 bytes)."""

        _fields_ = [
            ("size", ctypes.c_uint32),
            ("sched_policy", ctypes.c_uint32),
            ("sched_flags", ctypes.c_uint64),
            ("sched_nice", ctypes.c_int32),
            ("sched_priority", ctypes.c_uint32),
            ("sched_runtime", ctypes.c_uint64),
            ("sched_deadline", ctypes.c_uint64),
            ("sched_period", ctypes.c_uint64),
            ("sched_util_min", ctypes.c_uint32),
            ("sched_util_max", ctypes.c_uint32),
        ]

    try:
        syscall = ctypes.CDLL(None, use_errno=True).syscall
    except (OSError, AttributeError):
        return None
    return syscall, SchedAttr, *numbers


def _this_threads_sched_attr() -> tuple[Any, Any, int] | None:
    """The calling thread's struct sched_attr, with libc's syscall() and the set call's
    number to change it (None where unknown)."""
    calls = _sched_attr_calls()
    if calls is None:
        return None
    import ctypes

    syscall, attr_type, set_attr, get = calls
    attr = attr_type()
    if syscall(get, 0, ctypes.byref(attr), ctypes.sizeof(attr), 0) != 0:
        return None
    return attr, syscall, set_attr


def this_threads_slice_ns() -> int | None:
    """The calling thread's time slice as the kernel reports it (None where unknown)."""
    current = _this_threads_sched_attr()
    return None if current is None else int(current[0].sched_runtime)


def set_this_threads_slice(slice_ns: int) -> bool:
    """Ask for time slices of `slice_ns` (0.1-100 ms; `DEFAULT_SLICE`: the kernel's) for the
    calling thread, keeping its nice value; True when the kernel took it. Threads on another
    policy than the normal one (real-time, idle) are someone's deliberate choice: left alone."""
    current = _this_threads_sched_attr()
    if current is None or current[0].sched_policy != _SCHED_OTHER:
        return False
    import ctypes

    attr, syscall, set_attr = current
    wanted = type(attr)(
        size=ctypes.sizeof(attr),
        sched_policy=_SCHED_OTHER,
        sched_nice=attr.sched_nice,
        sched_runtime=slice_ns,
    )
    return bool(syscall(set_attr, 0, ctypes.byref(wanted), 0) == 0)
