"""The profile's OS file locks: asking whether a lock is held never makes a holder fail to take
it, inside one process (the jobs panel reading a job's state while the job starts) or across
processes (the window's panel while `podio-desk bulk run` starts)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from podio_desk.services.file_lock import FileLock, is_locked, lock_holder

HOLD_AND_WAIT = """
import sys
from pathlib import Path
from podio_desk.services.file_lock import FileLock
lock = FileLock(Path(sys.argv[1]))
assert lock.try_acquire()
print("held", flush=True)
sys.stdin.readline()
"""


def test_asking_whether_a_lock_is_held_never_stops_its_holder_from_taking_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "job-1.lock"
    first = FileLock(path)
    first.acquire()  # creates the file
    first.release()
    stop = threading.Event()
    answers: list[bool] = []

    def ask_all_the_time() -> None:
        while not stop.is_set():
            answers.append(is_locked(path))

    asker = threading.Thread(target=ask_all_the_time)
    asker.start()
    try:
        for _ in range(200):
            lock = FileLock(path)
            assert lock.try_acquire()
            lock.release()
    finally:
        stop.set()
        asker.join()
    assert answers


def test_a_lock_held_by_another_process_is_reported_with_its_process_id(tmp_path: Path) -> None:
    path = tmp_path / "job-2.lock"
    assert not is_locked(path)
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_WAIT, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        assert is_locked(path)
        assert lock_holder(path) == holder.pid
        assert not FileLock(path).try_acquire()
        holder.communicate("\n", timeout=30)
    assert not is_locked(path)
    again = FileLock(path)
    assert again.try_acquire()
    again.release()


def test_this_process_holding_a_lock_counts_as_held(tmp_path: Path) -> None:
    path = tmp_path / "job-3.lock"
    lock = FileLock(path)
    assert lock.try_acquire()
    try:
        assert is_locked(path)
    finally:
        lock.release()
    assert not is_locked(path)
