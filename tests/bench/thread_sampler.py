"""A debugging aid for the UI bench (PODIO_DESK_BENCH_STALL_TRACE=threads): every thread of
the window's process, its child processes and the sandbox, sampled from outside.

An in-process sampler needs the GIL, so it cannot see what the UI thread waits for while
another thread holds it. This one is a separate process that reads, about every millisecond,
each thread's /proc schedstat (time on a CPU, time waiting for one), its state and, for the
window's own threads, the system call it is in (202 is futex on x86-64: waiting for the GIL
or another lock; 7 is poll: the event loop idle). `describe()` turns the samples into one
block per late tick: which threads ran, which waited for a CPU, and what the UI thread did.

Run: `python thread_sampler.py OUT.json PID [OTHER_PID...]`; SIGTERM writes OUT.json.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence

INTERVAL_S = 0.0008
# A sample: (monotonic ns, pid, tid, ns on a CPU, ns waiting for a CPU, state, syscall).
Sample = tuple[int, int, int, int, int, str, str]


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as file:
            return [int(child) for child in file.read().split()]
    except OSError:
        return []


def main(out: str, pid: int, others: Sequence[int]) -> None:
    running = True

    def stop(*_: object) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    files: dict[tuple[int, int], tuple[int, int, int]] = {}
    samples: list[Sample] = []
    looked = 0.0
    print("ready", flush=True)
    while running and os.path.exists(f"/proc/{pid}"):
        if time.monotonic() - looked > 0.2:  # new threads and processes
            looked = time.monotonic()
            for process in (pid, *others, *_children(pid)):
                try:
                    tids = [int(tid) for tid in os.listdir(f"/proc/{process}/task")]
                except OSError:
                    continue
                for tid in tids:
                    if (process, tid) in files:
                        continue
                    base = f"/proc/{process}/task/{tid}"
                    try:
                        files[(process, tid)] = (
                            os.open(f"{base}/schedstat", os.O_RDONLY),
                            os.open(f"{base}/stat", os.O_RDONLY),
                            os.open(f"{base}/syscall", os.O_RDONLY) if process == pid else -1,
                        )
                    except OSError:
                        continue
        now = time.monotonic_ns()
        gone = []
        for (process, tid), (schedstat, stat, syscall) in files.items():
            try:
                on_cpu, waiting = os.pread(schedstat, 128, 0).split()[:2]
                status = os.pread(stat, 512, 0)
                call = os.pread(syscall, 64, 0).split(None, 1)[0] if syscall >= 0 else b""
            except (OSError, ValueError):
                gone.append((process, tid))
                continue
            state = status[status.rfind(b")") + 2 : status.rfind(b")") + 3].decode()
            samples.append((now, process, tid, int(on_cpu), int(waiting), state, call.decode()))
        for key in gone:
            for fd in files.pop(key):
                if fd >= 0:
                    os.close(fd)
        time.sleep(INTERVAL_S)
    with open(out, "w", encoding="utf-8") as file:
        json.dump(samples, file)


def describe(
    samples: Sequence[Sample], spans: Sequence[tuple[int, int]], names: dict[int, str], pid: int
) -> str:
    """One block per span (a late tick): each thread that ran or waited 0.5 ms or more."""
    series: dict[tuple[int, int], list[Sample]] = defaultdict(list)
    for sample in samples:
        series[(sample[1], sample[2])].append(sample)
    lines = []
    for start, end in spans:
        lines.append(f"--- late tick of {(end - start) / 1e6 - 2:.1f} ms")
        for (process, tid), taken in sorted(series.items()):
            before = [s for s in taken if s[0] <= start]
            inside = [s for s in taken if start < s[0] <= end]
            if not before or not inside:
                continue
            ran = (inside[-1][3] - before[-1][3]) / 1e6
            waited = (inside[-1][4] - before[-1][4]) / 1e6
            if ran < 0.5 and waited < 0.5:
                continue
            who = names.get(tid, f"thread {tid}") if process == pid else f"process {process}"
            calls = Counter(s[6] for s in inside if s[6])
            lines.append(
                f"  {who:28s} ran {ran:5.1f} ms, waited for a CPU {waited:5.1f} ms, "
                f"{len(inside)} samples" + (f", in {dict(calls)}" if calls else "")
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), [int(other) for other in sys.argv[3:]])
