"""A baseline for the UI stall figures, measured in the same run: how late the machine itself
wakes a process that only sleeps.

Run as a separate process (`python machine_canary.py OUT.json`) next to the window. It asks
for real-time priority (SCHED_FIFO; allowed for root, as in CI) so that no other process of
this machine can delay it; what still delays its 2 ms sleeps is the machine itself: on a
virtual machine, the host not running the vCPUs, often without the guest seeing it as "steal"
time (measured here: 15-25 ms stalls with no steal counted). On SIGTERM it writes
{"realtime", "worst_ms", "gaps": [[start_ns, end_ns, late_ms], ...]} (CLOCK_MONOTONIC; gaps
over REPORT_MS) to OUT.json.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

SLEEP_S = 0.002
REPORT_MS = 4.0


def main(out: str) -> None:
    realtime = False
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(50))
        realtime = True
    except (AttributeError, PermissionError, OSError):
        pass
    running = True

    def stop(*_: object) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    gaps: list[tuple[int, int, float]] = []
    worst = 0.0
    print("ready", flush=True)
    last = time.monotonic_ns()
    while running:
        time.sleep(SLEEP_S)
        now = time.monotonic_ns()
        late = (now - last) / 1e6 - SLEEP_S * 1000
        worst = max(worst, late)
        if late > REPORT_MS:
            gaps.append((last, now, round(late, 2)))
        last = now
    with open(out, "w", encoding="utf-8") as file:
        json.dump({"realtime": realtime, "worst_ms": worst, "gaps": gaps}, file)


if __name__ == "__main__":
    main(sys.argv[1])
