"""The baseline for the UI lateness figures, measured over the same interval: how late this
machine wakes an ordinary process that does nothing but the heartbeat (sleep INTERVAL_MS, note
how late it woke, again).

Run as a separate process (`python machine_canary.py OUT.json`) next to the window, at normal
priority like the window itself. What delays it is the machine: other processes on its cores
(the sync process, the sandbox, anything else running) and, on a virtual machine, the host not
running the vCPUs. On SIGTERM it writes {"ticks": [[CLOCK_MONOTONIC ns, lateness ms], ...]}
to OUT.json.
"""

from __future__ import annotations

import json
import signal
import sys
import time

INTERVAL_MS = 2


def main(out: str) -> None:
    running = True

    def stop(*_: object) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    ticks: list[tuple[int, float]] = []
    print("ready", flush=True)
    last = time.monotonic_ns()
    while running:
        time.sleep(INTERVAL_MS / 1000)
        now = time.monotonic_ns()
        ticks.append((now, round((now - last) / 1e6 - INTERVAL_MS, 3)))
        last = now
    with open(out, "w", encoding="utf-8") as file:
        json.dump({"ticks": ticks}, file)


if __name__ == "__main__":
    main(sys.argv[1])
