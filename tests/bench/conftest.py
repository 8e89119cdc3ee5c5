"""Benchmark plumbing: every bench module records figures into one flat JSON object.

    def test_something(bench_results):
        bench_results["cache_first_page_ms"] = 12.3

At the end of the run the figures are merged into build/bench/results.json (figure -> number;
figures of modules not run this time are kept from the previous run) and printed as a table.
"""

from __future__ import annotations

import gc
import json
import math
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RESULTS = ROOT / "build" / "bench" / "results.json"
RESULTS = Path(os.environ.get("PODIO_DESK_BENCH_RESULTS", DEFAULT_RESULTS))

_figures: dict[str, float] = {}


class BenchResults:
    """A dict-like recorder that only takes finite numbers."""

    def __setitem__(self, name: str, value: float) -> None:
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"benchmark figure {name} is not a finite number: {value!r}")
        _figures[name] = round(number, 4)
        # Written at once, so a crash later in the run still leaves every figure measured.
        _merge_and_write()

    def __getitem__(self, name: str) -> float:
        return _figures[name]

    def __contains__(self, name: object) -> bool:
        return name in _figures


@pytest.fixture(scope="session")
def bench_results() -> BenchResults:
    return BenchResults()


def _merge_and_write() -> dict[str, float]:
    merged: dict[str, float] = {}
    if RESULTS.exists():
        try:
            previous = json.loads(RESULTS.read_text())
            if isinstance(previous, dict):
                merged.update(
                    {k: float(v) for k, v in previous.items() if isinstance(v, (int, float))}
                )
        except (ValueError, OSError):
            pass  # a damaged file is simply replaced
    merged.update(_figures)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    temporary = RESULTS.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
    temporary.replace(RESULTS)
    return merged


def pytest_configure(config: pytest.Config) -> None:
    # Benchmarks run for minutes by design; the suite's faulthandler_timeout (a hang detector
    # for normal tests) would only dump every thread's stack into the figures' output.
    inicache = getattr(config, "_inicache", None)
    if isinstance(inicache, dict):
        inicache["faulthandler_timeout"] = 0.0


_last_module: list[object] = [None]


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Between modules: collect what the previous one left (a 100 000-item sandbox is a huge
    # object graph) here on the main thread, before the next module starts Qt and threads.
    module = getattr(item, "module", None)
    if module is not _last_module[0]:
        _last_module[0] = module
        gc.collect()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _figures:
        _merge_and_write()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _figures:
        return
    terminalreporter.write_sep("=", f"benchmark figures (also in {RESULTS})")
    width = max(len(name) for name in _figures)
    for name in sorted(_figures):
        terminalreporter.write_line(f"  {name:<{width}}  {_figures[name]:>14,.4f}")
