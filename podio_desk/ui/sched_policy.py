"""The UI thread asks the kernel for short time slices, so that it gets a CPU first when it wakes.

Linux 6.12 and later (the EEVDF scheduler) let a thread choose the length of its time slice:
`sched_setattr` with `sched_runtime` for an ordinary (SCHED_OTHER) thread, from 0.1 to 100 ms,
no privilege needed. A thread with shorter slices gets earlier deadlines, so when it wakes up
it preempts a thread running a longer slice instead of queueing behind it. Its share of the
CPU does not change (that is what nice values set); what changes is how long the UI thread
waits for a CPU when a timer or a socket wakes it while the sync process, the page parser and
everything else keep both cores of a laptop busy. Threads started later inherit the slice;
the background ones go back to the default when they lower themselves
(domain/threads.py). Older kernels ignore the slice or refuse the call, and nothing
changes; other systems have no such call, and this does nothing there.
"""

from __future__ import annotations

import logging

from podio_desk.domain.threads import set_this_threads_slice

log = logging.getLogger(__name__)

# The kernel's default is 0.7 ms times (1 + log2(CPUs)): 1.4 ms on two cores. The window's
# work comes in bursts of a few ms (a repaint, a page of rows), which short slices split
# without delaying: the thread stays eligible because it uses far less than its share.
UI_SLICE_NS = 300_000


def respond_first(slice_ns: int = UI_SLICE_NS) -> bool:
    """Ask short time slices for the calling thread (the UI thread), keeping its nice value;
    True when the kernel took the request."""
    taken = set_this_threads_slice(slice_ns)
    log.debug("UI thread time slice %s ns: %s", slice_ns, taken)
    return taken
