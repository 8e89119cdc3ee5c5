"""Benchmark plumbing: every bench module records figures into one JSON file.

    def test_something(bench_results):
        bench_results["cache_first_page_ms"] = 12.3

Each figure is written at once to build/bench/results.json with its goal, whether it meets
it, and the commit measured (see report.py; figures of modules not run this time are kept
from the previous run), and the figures of this run are printed as a table at the end.
"""

from __future__ import annotations

import gc
import math

import pytest

from tests.bench import report

_figures: dict[str, float] = {}
_commit: list[str] = []


class BenchResults:
    """A dict-like recorder that only takes finite numbers."""

    def __setitem__(self, name: str, value: float) -> None:
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"benchmark figure {name} is not a finite number: {value!r}")
        _figures[name] = round(number, 4)
        if not _commit:
            _commit.append(report.current_commit())
        # Written at once, so a crash later in the run still leaves every figure measured.
        report.merge_and_write({name: _figures[name]}, _commit[0])

    def __getitem__(self, name: str) -> float:
        return _figures[name]

    def __contains__(self, name: object) -> bool:
        return name in _figures


@pytest.fixture(scope="session")
def bench_results() -> BenchResults:
    return BenchResults()


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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _figures:
        return
    measured = {name: entry for name, entry in report.load().items() if name in _figures}
    terminalreporter.write_sep("=", f"benchmark figures of this run (all in {report.RESULTS})")
    for line in report.table(measured):
        terminalreporter.write_line(line)
