"""UI figures: jump to the end of a 100 000-item app, how late the UI thread answers during a
full sync, a full repaint of the table, start-up time against a bare PySide6 window, and memory
with a 100 000-item app open.

Run with `bash packaging/dev.sh bench` (or `pytest tests/bench/test_ui_bench.py -p no:randomly
-o addopts=""`). The sandbox runs in its own process, so its JSON work does not compete with
the window for the GIL, and at the lowest CPU priority (nice 19), as a remote server would not
compete for this machine's cores: the figures are the window's own. Rate limits are raised so the
scheduler never paces: the figures count calls and lateness, not waits.

During the full sync a heartbeat (a QTimer every 2 ms on the UI thread) notes how late each tick
comes, while a simulated user scrolls the table; the figures are the 99th percentile of that
lateness and the number of ticks more than 16 ms and 50 ms late. Beside them, from the same
interval: the same heartbeat in a separate ordinary process (machine_canary.py), how late the
machine itself wakes a process that does nothing. The late ticks of both are also written to
build/bench/late_ticks_sync.json (CLOCK_MONOTONIC spans, for tools/thread_sampler.py).

Knobs: PODIO_DESK_BENCH_ITEMS (default 100 000), PODIO_DESK_BENCH_NO_SCROLL=1 (sync without
the simulated user scrolling).
"""

from __future__ import annotations

import json
import math
import os
import resource
import statistics
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QWidget

from podio_desk.services.profile import Profile
from podio_desk.ui.login_dialog import SignInRequest
from podio_desk.ui.workspace_tree import TreeRoles
from tests.bench import machine_canary, report
from tests.bench.table_under_test import TableView, row_is_loaded
from tests.plugins.desk import Desk, open_desk
from tests.plugins.qt import run_async

N = int(os.environ.get("PODIO_DESK_BENCH_ITEMS", "100000"))
HEARTBEAT_MS = machine_canary.INTERVAL_MS
STALL_MS = 16  # a tick later than this missed a 60 Hz frame
LONG_STALL_MS = 50
SHOWN_STALLS = 20
STARTUP_RUNS = 5
REPAINT_SIZE = (1400, 900)
REPAINT_WARM_UPS = 5
REPAINT_RUNS = 60
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LATE_TICKS = report.RESULTS.parent / "late_ticks_sync.json"

pytestmark = [pytest.mark.timeout(1800), pytest.mark.gui]

SANDBOX_PROCESS = textwrap.dedent(
    """
    import json, os, sys
    # Podio's servers are not on the user's machine: the stand-in yields the two cores to
    # the window (and to the sync process) whenever they want them.
    os.nice(19)
    from podio_desk.sandbox import Sandbox, SandboxConfig
    sandbox = Sandbox(SandboxConfig(items={items}, rate_limits=(10**7, 10**7))).start()
    print(json.dumps(sandbox.info), flush=True)
    sys.stdin.read()
    sandbox.stop()
    """
)


@pytest.fixture(scope="module")
def remote_sandbox() -> Iterator[dict[str, Any]]:
    """A 100 000-item sandbox in a child process; its info (url, credentials)."""
    process = subprocess.Popen(
        [sys.executable, "-c", SANDBOX_PROCESS.format(items=N)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    assert process.stdin is not None
    info = json.loads(process.stdout.readline())
    info["pid"] = process.pid
    yield info
    process.stdin.close()
    process.wait(timeout=60)
    process.stdout.close()


def control(info: dict[str, Any], path: str) -> Any:
    url = f"{info['url']}/_sandbox/{path}"
    data = b"{}" if path != "requests" else None
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=30) as reply:
        return json.loads(reply.read())


def api_calls(info: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry for entry in control(info, "requests") if entry.get("rate_class")]


@pytest.fixture
def desk(qtbot, qloop, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile, shutdown_timeout=60) as opened:
        yield opened


def sign_in(desk: Desk, info: dict[str, Any]) -> str:
    request = SignInRequest(
        "password",
        name="Bench",
        api_url=info["url"],
        client_id=info["client_id"],
        client_secret=info["client_secret"],
        username=info["username"],
        password=info["password"],
    )
    run_async(desk.controller.start())
    account = run_async(desk.controller.sign_in(request), timeout=60)
    return account.key


def load_tree_until_app(qtbot, desk: Desk, name: str) -> int:
    model = desk.controller.tree_model

    def search() -> int | None:
        stack = [model.index(row, 0) for row in range(model.rowCount())]
        while stack:
            index = stack.pop()
            if model.canFetchMore(index):
                model.fetchMore(index)
            app_id = model.data(index, TreeRoles.APP_ID)
            if app_id and str(model.data(index)).startswith(name):
                return int(app_id)
            stack.extend(model.index(row, 0, index) for row in range(model.rowCount(index)))
        return None

    found: list[int | None] = [None]

    def ready() -> bool:
        found[0] = search()
        return found[0] is not None and not model.is_loading()

    qtbot.waitUntil(ready, timeout=30000)
    assert found[0] is not None
    return found[0]


class Heartbeat:
    """A QTimer every HEARTBEAT_MS on the UI thread; each tick notes how late it came: the time
    since the previous tick beyond the interval (on CLOCK_MONOTONIC, as the canary does)."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)
        self.ticks: list[tuple[int, float]] = []  # (CLOCK_MONOTONIC ns, lateness ms)
        self.last = 0

    def start(self) -> None:
        self.last = time.monotonic_ns()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.monotonic_ns()
        self.ticks.append((now, (now - self.last) / 1e6 - HEARTBEAT_MS))
        self.last = now


def percentile(ordered: Sequence[float], percent: int) -> float:
    """The nearest-rank percentile of sorted values."""
    return ordered[math.ceil(percent / 100 * len(ordered)) - 1]


@dataclass(frozen=True)
class Lateness:
    """How late a heartbeat's ticks came within one interval."""

    ticks: int
    p99_ms: float
    over_16ms: int
    over_50ms: int
    minutes: float
    late: list[tuple[int, int, float]]  # ticks over STALL_MS late: (start ns, end ns, ms late)


def lateness_within(ticks: Sequence[Sequence[float]], since_ns: int, until_ns: int) -> Lateness:
    """The figures of the ticks (CLOCK_MONOTONIC ns, lateness ms) that came in the interval."""
    inside = [(int(at), float(late)) for at, late in ticks if since_ns < at <= until_ns]
    assert inside, "the heartbeat did not tick during the sync"
    latenesses = sorted(late for _, late in inside)
    late = [
        (at - round((ms + HEARTBEAT_MS) * 1e6), at, round(ms, 1))
        for at, ms in inside
        if ms > STALL_MS
    ]
    return Lateness(
        ticks=len(inside),
        p99_ms=percentile(latenesses, 99),
        over_16ms=len(late),
        over_50ms=sum(1 for ms in latenesses if ms > LONG_STALL_MS),
        minutes=(until_ns - since_ns) / 60e9,
        late=late,
    )


def rss_mb(kind: str = "VmRSS") -> float:
    """Resident memory in MB: all of it (VmRSS), or only RssAnon / RssFile (mapped files,
    e.g. the SQLite cache opened with mmap)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{kind}:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def start_canary(out: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, str(HERE / "machine_canary.py"), str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


def stop_canary(process: subprocess.Popen[str]) -> None:
    """Ends the canary; it writes its ticks to its file first."""
    process.terminate()
    process.wait(timeout=60)
    if process.stdout is not None:
        process.stdout.close()


def test_jump_to_end_cold_cache_and_full_sync_lateness(
    qtbot, desk, remote_sandbox, bench_results, tmp_path
):
    info = remote_sandbox
    account_key = sign_in(desk, info)
    app_id = load_tree_until_app(qtbot, desk, "Tickets")
    browser = desk.controller.browser
    model = browser.model

    # Jump to the end of a 100 000-item app with a cold cache: first page, then the last.
    control(info, "reset_log")
    started = time.perf_counter()
    desk.controller.open_app(account_key, app_id)
    qtbot.waitUntil(lambda: model.rowCount() == N, timeout=60000)
    browser.view.scrollToBottom()
    qtbot.waitUntil(lambda: row_is_loaded(model, N - 1), timeout=60000)
    elapsed_ms = (time.perf_counter() - started) * 1000
    qtbot.waitUntil(lambda: not model.is_loading, timeout=60000)
    calls = api_calls(info)
    bench_results["jump_to_end_calls"] = len(calls)
    bench_results["jump_to_end_ms"] = elapsed_ms
    print("jump to end:", [f"{c['method']} {c['path']}" for c in calls])
    assert model.data(model.index(N - 1, 0)) != ""
    # Memory with the 100 000-item app open and browsed: a few jumps through it.
    for row in (N // 2, N // 4, 3 * N // 4, 10):
        browser.view.scrollTo(model.index(row, 0))
        qtbot.waitUntil(lambda row=row: row_is_loaded(model, row), timeout=60000)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=60000)
    bench_results["rss_mb_100k"] = rss_mb()

    # Full sync of the 100 000 items while the heartbeat watches the UI thread and the canary,
    # an ordinary process with the same heartbeat, watches the machine.
    canary_file = tmp_path / "canary.json"
    canary = start_canary(canary_file)
    heartbeat = Heartbeat()
    heartbeat.start()
    # Keep scrolling meanwhile, as a user would.
    steps = iter(range(0, N, 997))

    def scroll() -> None:
        row = next(steps, None)
        if row is not None:
            browser.view.scrollTo(model.index(row, 0))

    scroller = QTimer()
    scroller.setInterval(50)
    scroller.timeout.connect(scroll)
    sync_started = time.monotonic_ns()
    task = desk.controller.sync_current_app(full=True)
    assert task is not None
    if not os.environ.get("PODIO_DESK_BENCH_NO_SCROLL"):
        scroller.start()
    try:
        qtbot.waitUntil(task.done, timeout=1_500_000)
        sync_ended = time.monotonic_ns()
    finally:
        scroller.stop()
        heartbeat.stop()
        stop_canary(canary)
    assert task.exception() is None
    bench_results["ui_full_sync_s"] = (sync_ended - sync_started) / 1e9

    window = lateness_within(heartbeat.ticks, sync_started, sync_ended)
    canary_ticks = json.loads(canary_file.read_text(encoding="utf-8"))["ticks"]
    machine = lateness_within(canary_ticks, sync_started, sync_ended)
    bench_results["ui_p99_lateness_ms_sync"] = window.p99_ms
    bench_results["ui_stalls_over_50ms_sync"] = window.over_50ms
    bench_results["ui_stalls_over_16ms_per_min_sync"] = window.over_16ms / window.minutes
    bench_results["machine_p99_lateness_ms_sync"] = machine.p99_ms
    bench_results["machine_stalls_over_50ms_sync"] = machine.over_50ms
    bench_results["machine_stalls_over_16ms_per_min_sync"] = machine.over_16ms / machine.minutes
    for name, seen in (("window", window), ("machine", machine)):
        print(
            f"{name}: {seen.ticks} ticks in {seen.minutes * 60:.1f} s, p99 {seen.p99_ms:.2f} ms "
            f"late, {seen.over_16ms} over 16 ms, {seen.over_50ms} over 50 ms"
        )
    worst = sorted(window.late, key=lambda tick: tick[2], reverse=True)[:SHOWN_STALLS]
    print(
        f"the {len(worst)} latest window ticks (s since sync start, ms late, and how late the "
        f"canary was meanwhile, 0 if not over {STALL_MS} ms):",
        [
            (
                round((end - sync_started) / 1e9, 2),
                ms,
                max((m for s, e, m in machine.late if s < end and e > start), default=0),
            )
            for start, end, ms in sorted(worst)
        ],
    )
    LATE_TICKS.parent.mkdir(parents=True, exist_ok=True)
    LATE_TICKS.write_text(
        json.dumps({"pid": os.getpid(), "ui": window.late, "machine": machine.late}) + "\n",
        encoding="utf-8",
    )

    # Memory once the whole app has also been synced into the cache (the sync's churn of
    # 200 pages of 500 items leaves the allocator's high-water mark behind).
    browser.view.scrollToTop()
    qtbot.waitUntil(lambda: row_is_loaded(model, 0), timeout=60000)
    bench_results["rss_mb_100k_after_sync"] = rss_mb()
    bench_results["rss_file_mb_100k_after_sync"] = rss_mb("RssFile")


def repaint_timings(widget: QWidget) -> list[float]:
    """`widget.repaint()` (a synchronous paint), REPAINT_RUNS times, in ms, sorted."""
    timings = []
    for _ in range(REPAINT_RUNS):
        started = time.perf_counter()
        widget.repaint()
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


def test_table_repaint_of_loaded_rows(qtbot, desk, remote_sandbox, bench_results):
    """A full repaint of a 1400x900 table whose visible rows are loaded, timed around
    `viewport().repaint()` (a synchronous paint); the app's own model, opened on the app as a
    user opens it, shown in a table view of its own."""
    info = remote_sandbox
    account_key = sign_in(desk, info)
    app_id = load_tree_until_app(qtbot, desk, "Tickets")
    desk.controller.open_app(account_key, app_id)
    model = desk.controller.browser.model
    qtbot.waitUntil(lambda: model.rowCount() == N, timeout=60000)

    view = TableView()
    qtbot.addWidget(view)
    view.resize(*REPAINT_SIZE)
    view.setModel(model)
    view.show()
    qtbot.waitExposed(view)
    view.setCurrentIndex(model.index(2, 1))  # a selected row and a current cell, as in use
    viewport = view.viewport()
    last = view.rowAt(viewport.height() - 1)
    rows = range(view.rowAt(0), (last if last >= 0 else model.rowCount() - 1) + 1)
    columns = range(model.columnCount())
    qtbot.waitUntil(lambda: all(row_is_loaded(model, row) for row in rows), timeout=60000)
    qtbot.waitUntil(lambda: not model.is_loading, timeout=60000)
    for row in rows:  # every visible cell asked for once, as the first paint does
        for column in columns:
            model.data(model.index(row, column))
    for _ in range(REPAINT_WARM_UPS):
        viewport.repaint()
        qtbot.wait(20)  # lets rows finished off the UI thread arrive before the timed runs

    timings = repaint_timings(viewport)
    bench_results["table_repaint_ms_p95"] = percentile(timings, 95)
    bench_results["table_repaint_ms_median"] = statistics.median(timings)
    print(
        f"table repaint: {len(rows)} rows x {len(columns)} columns in a "
        f"{viewport.width()}x{viewport.height()} viewport, {REPAINT_RUNS} runs: "
        f"median {statistics.median(timings):.2f} ms, worst {timings[-1]:.2f} ms"
    )
    assert all(row_is_loaded(model, row) for row in rows)


BARE_WINDOW = textwrap.dedent(
    """
    import sys, time
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow
    app = QApplication(sys.argv)
    window = QMainWindow()
    window.resize(1200, 760)
    def shown():
        print(time.time(), flush=True)
        app.quit()
    QTimer.singleShot(0, shown)
    window.show()
    app.exec()
    """
)


def _time_bare(env: dict[str, str]) -> float:
    """Seconds from spawning a bare PySide6 window until its first event-loop turn."""
    started = time.time()
    result = subprocess.run(
        [sys.executable, "-c", BARE_WINDOW],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    return float(result.stdout.split()[-1]) - started


def _time_desk(env: dict[str, str], profile: Path) -> float:
    """Seconds from spawning `python -m podio_desk` (the installed command's own path: command
    line, profile, log files, window) until it logs "Main window shown", which it does once
    Qt has processed the events of `show()` (the first paint), as the bare window prints on
    its first event-loop turn. The process is then ended with SIGTERM, untimed."""
    log_file = profile / "logs" / "podio-desk.log"
    started = time.time()
    process = subprocess.Popen(
        [sys.executable, "-m", "podio_desk", "--profile", str(profile)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if log_file.exists():
                for line in log_file.read_text(encoding="utf-8").splitlines():
                    if "Main window shown" in line:
                        stamp = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
                        return stamp.timestamp() - started
            assert process.poll() is None, "podio-desk ended before showing its window"
            time.sleep(0.002)
        raise AssertionError("podio-desk did not show its window within 60 s")
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_startup_ratio_against_a_bare_pyside6_window(tmp_path, bench_results):
    """Cold start to a shown main window ÷ a bare PySide6 window, both as fresh processes,
    both timed from the spawn until the events of `show()` have been processed.

    The desk is started as a user starts it (`python -m podio_desk`, what the `podio-desk`
    script runs), with a new profile each time and no account: the first-run window.
    """
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    # Both children start with compiled bytecode, as an installed Podio Desk does (a wheel or
    # the bundle ships .pyc files, and so does PySide6 here). A checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would otherwise compile every podio_desk module on every
    # start, a cost no user pays. The caches go to a temporary directory, not the tree.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pycache")
    _time_bare(env)  # warm-up: writes the bytecode caches
    _time_desk(env, tmp_path / "profile-warm-up")
    bare = min(_time_bare(env) for _ in range(STARTUP_RUNS))
    best = min(_time_desk(env, tmp_path / f"profile{run}") for run in range(STARTUP_RUNS))
    bench_results["startup_bare_s"] = bare
    bench_results["startup_desk_s"] = best
    bench_results["startup_ratio"] = best / bare
