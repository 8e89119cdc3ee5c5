"""What every thread of a process (and of its child processes) did, sampled from outside.

A debugging aid for UI lateness: an in-process sampler needs the GIL, so it cannot see what the
UI thread waits for while another thread holds it. This one is a separate process that reads,
about every millisecond, each thread's /proc schedstat (time on a CPU, time waiting for one),
its state and, for the first process's threads, the system call it is in (202 is futex on
x86-64: waiting for the GIL or another lock; 7 is poll: the event loop idle). Linux only.

    python tools/thread_sampler.py record OUT.json PID [OTHER_PID...]   # until Ctrl+C or SIGTERM
    python tools/thread_sampler.py describe OUT.json SPANS.json

`describe` prints one block per span: which threads ran, which waited for a CPU, and which
system calls the first process's threads were in. SPANS.json is a list of [start_ns, end_ns,
...] on CLOCK_MONOTONIC, or an object whose "ui" entry is one, as the UI bench writes to
build/bench/late_ticks_sync.json (its "pid" is the process to record).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

INTERVAL_S = 0.0008
# A sample: (CLOCK_MONOTONIC ns, pid, tid, ns on a CPU, ns waiting for a CPU, state, syscall).
Sample = tuple[int, int, int, int, int, str, str]


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as file:
            return [int(child) for child in file.read().split()]
    except OSError:
        return []


def _name(process: int, tid: int) -> str:
    try:
        with open(f"/proc/{process}/task/{tid}/comm", encoding="utf-8") as file:
            return file.read().strip()
    except OSError:
        return ""


def record(out: str, pid: int, others: Sequence[int]) -> None:
    running = True

    def stop(*_: object) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    files: dict[tuple[int, int], tuple[int, int, int]] = {}
    names: dict[str, str] = {}
    samples: list[Sample] = []
    looked = 0.0
    sys.stdout.write("ready\n")
    sys.stdout.flush()
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
                    names[f"{process}/{tid}"] = _name(process, tid)
        now = time.monotonic_ns()
        gone = []
        for (process, tid), (schedstat, stat, syscall) in files.items():
            try:
                on_cpu, waiting = os.pread(schedstat, 128, 0).split()[:2]
                status = os.pread(stat, 512, 0)
                call = os.pread(syscall, 64, 0).split(None, 1)[0] if syscall >= 0 else b""
            except (OSError, ValueError, IndexError):
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
        json.dump({"pid": pid, "names": names, "samples": samples}, file)


def describe(recorded: dict[str, Any], spans: Sequence[Sequence[float]]) -> str:
    """One block per span: each thread that ran or waited for a CPU 0.5 ms or more in it."""
    pid = int(recorded["pid"])
    names: dict[str, str] = recorded["names"]
    series: dict[tuple[int, int], list[Sample]] = defaultdict(list)
    for sample in recorded["samples"]:
        now, process, tid, on_cpu, waiting, state, call = sample
        series[(process, tid)].append((now, process, tid, on_cpu, waiting, state, call))
    lines = []
    for start, end, *_ in spans:
        lines.append(f"--- span of {(end - start) / 1e6:.1f} ms")
        for (process, tid), taken in sorted(series.items()):
            before = [s for s in taken if s[0] <= start]
            inside = [s for s in taken if start < s[0] <= end]
            if not before or not inside:
                continue
            ran = (inside[-1][3] - before[-1][3]) / 1e6
            waited = (inside[-1][4] - before[-1][4]) / 1e6
            if ran < 0.5 and waited < 0.5:
                continue
            name = names.get(f"{process}/{tid}", "")
            who = f"{name} ({tid})" if process == pid else f"process {process} {name}"
            calls = Counter(s[6] for s in inside if s[6])
            lines.append(
                f"  {who:32s} ran {ran:5.1f} ms, waited for a CPU {waited:5.1f} ms, "
                f"{len(inside)} samples" + (f", in {dict(calls)}" if calls else "")
            )
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    if len(argv) >= 3 and argv[0] == "record":
        record(argv[1], int(argv[2]), [int(other) for other in argv[3:]])
        return 0
    if len(argv) == 3 and argv[0] == "describe":
        with open(argv[1], encoding="utf-8") as file:
            recorded = json.load(file)
        with open(argv[2], encoding="utf-8") as file:
            spans = json.load(file)
        if isinstance(spans, dict):
            spans = spans["ui"]
        sys.stdout.write(describe(recorded, spans) + "\n")
        return 0
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
