"""Parsing figure: the largest recorded app definition (1 522 fields) read into an `App`.

Figure (context, no goal): app_definition_parse_ms, the median of 5 parses.
Run with `bash packaging/dev.sh bench` (or `pytest tests/bench/test_parse_bench.py -p
no:randomly -o addopts=""`).
"""

from __future__ import annotations

import statistics
import time

from podio_desk.domain.workspace import App
from tests.domain.fixture_data import load


def test_the_big_app_definition_parse_time(bench_results) -> None:
    raw = load("get_app_large_leads_clients.json")
    durations = []
    for _ in range(5):
        started = time.perf_counter()
        app = App.from_api(raw)
        durations.append(time.perf_counter() - started)
        assert len(app.fields) == 1522
    bench_results["app_definition_parse_ms"] = statistics.median(durations) * 1000
