"""The window's process keeps the memory it frees (glibc on Linux), so big buffers are reused.

By default glibc gives every block of 128 KB or more (a threshold that adapts, up to 32 MB)
its own mapping and hands it back to the kernel when it is freed, and it trims the heap as
soon as 128 KB at its top are free. A page of items is a 2.6 MB body, joined from network
reads, pickled for the sync process, parsed: each of those buffers then comes from fresh
pages, and the first touch of a page costs a page fault. On a virtual machine that can be
very slow: joining 2.6 MB took 14 ms from fresh memory and 0.5 ms from memory the process
had kept (measured on the Firecracker VMs this project is tested on). Copies like these run
with the GIL held, so the window waited for them: stalls of 17-33 ms during a full sync.

Keeping up to `KEEP_FREED_BYTES` of freed memory per heap costs at most that much resident
memory (the benchmark's `rss_mb_100k` shows it); blocks above `OWN_MAPPING_BYTES` still get
their own mapping. On other C libraries and systems this does nothing.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

# mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

# glibc's largest allowed mmap threshold on 64-bit systems (HEAP_MAX_SIZE / 2).
OWN_MAPPING_BYTES = 32 * 1024 * 1024
KEEP_FREED_BYTES = 64 * 1024 * 1024


def keep_freed_memory() -> bool:
    """Tune glibc's allocator for this process; True when it took the settings."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success; musl's stub returns 0 and changes nothing.
    applied = bool(mallopt(_M_MMAP_THRESHOLD, OWN_MAPPING_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, KEEP_FREED_BYTES)
    )
    log.debug("Allocator keeps freed memory: %s", applied)
    return applied
