"""Background threads run below the window's CPU priority.

On a busy machine (a sync in its own process, a page being parsed, a cache write) the two
cores of a laptop are shared; the UI thread measured up to 13 ms ready to run but waiting for
a CPU while the window's own worker threads used it. Linux gives each thread its own nice
value, so the workers can step back for the UI thread alone. The lower priority is mild: a
worker that holds the GIL must still get a CPU ahead of the sync process (nice 10) and
everything else in the background, or the UI thread would wait for the GIL instead.
Elsewhere this does nothing.
"""

from __future__ import annotations

import contextlib
import os
import sys

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
        return True
    return False
