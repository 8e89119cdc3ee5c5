"""The benchmark figures: their goals, build/bench/results.json and the table printed from it.

results.json maps each figure to a record:

    "startup_ratio": {"value": 1.31, "goal": "<= 1.5", "pass": true, "commit": "1cc21c1"}

`goal` and `pass` are null for figures given as context (a baseline, a duration). `commit` is
the commit measured (with "+dirty" if the worktree had changes): figures of modules not run
this time are kept from an earlier run and keep the commit they were measured at.

`python -m tests.bench.report` prints the table of the whole file (what `packaging/dev.sh
bench` does after the last module).
"""

from __future__ import annotations

import json
import operator
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RESULTS = ROOT / "build" / "bench" / "results.json"
RESULTS = Path(os.environ.get("PODIO_DESK_BENCH_RESULTS", DEFAULT_RESULTS))

# The goals of issue 14 ("Figures"): figure -> (comparison, threshold).
GOALS: dict[str, tuple[str, float]] = {
    "ui_p99_lateness_ms_sync": ("<", 8),
    "ui_stalls_over_50ms_sync": ("<=", 0),
    "ui_stalls_over_16ms_per_min_sync": ("<=", 2),
    "table_repaint_ms_p95": ("<", 16),
    "jump_to_end_calls": ("<=", 2),
    "cache_first_page_ms": ("<", 150),
    "fts_search_p95_ms": ("<", 50),
    "startup_ratio": ("<=", 1.5),
    "rss_mb_100k": ("<", 300),
    "sync_full_calls_ratio": ("<=", 1.02),  # within 2 % of ceil(N / 500) calls
    "sync_idle_calls": ("==", 1),
    # Issue 17: the outbox sends each waiting write with one call (plus one read a conflict).
    "outbox_replay_calls_per_edit": ("==", 1.0),
    # Issue 16, bulk edit (tests/bench/test_bulk_bench.py).
    "bulk_calls_per_changed_item": ("<=", 1.0),
    "bulk_lost": ("==", 0),
    "bulk_applied_twice": ("==", 0),
    "bulk_items_wrong": ("==", 0),
    "bulk_requests_during_420_wait": ("==", 0),
    "bulk_undo_restored": ("==", 1.0),
    "bulk_ui_p99_lateness_ms": ("<", 8),  # measured with the window (the bulk GUI's bench)
    # Issue 17: export from the cache of a synced 100 000-item app.
    "export_100k_csv_ratio": ("<=", 1.5),
    "export_100k_xlsx_ratio": ("<=", 1.5),
    "export_api_calls": ("==", 0),
    "export_rss_peak_mb": ("<", 300),
}

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
}

Record = dict[str, Any]


def goal_text(name: str) -> str | None:
    goal = GOALS.get(name)
    return None if goal is None else f"{goal[0]} {goal[1]:g}"


def meets_goal(name: str, value: float) -> bool | None:
    goal = GOALS.get(name)
    return None if goal is None else _COMPARE[goal[0]](value, goal[1])


def record(name: str, value: float, commit: str) -> Record:
    return {
        "value": value,
        "goal": goal_text(name),
        "pass": meets_goal(name, value),
        "commit": commit,
    }


def current_commit() -> str:
    """The commit of the checkout measured, "+dirty" if it has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}+dirty" if changes else head


def load(path: Path = RESULTS) -> dict[str, Record]:
    """The figures of an earlier run; a damaged or missing file gives none. Files written
    before figures had goals (figure -> number) are read too."""
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return {}
    if not isinstance(previous, dict):
        return {}
    records: dict[str, Record] = {}
    for name, entry in previous.items():
        if isinstance(entry, (int, float)):
            records[name] = record(name, float(entry), "unknown")
        elif isinstance(entry, dict) and isinstance(entry.get("value"), (int, float)):
            # The goal and verdict follow today's goals; the value and commit stay as measured.
            records[name] = record(name, float(entry["value"]), str(entry.get("commit")))
    return records


def merge_and_write(figures: Mapping[str, float], commit: str, path: Path = RESULTS) -> None:
    records = load(path)
    records.update({name: record(name, value, commit) for name, value in figures.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(records, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    temporary.replace(path)


def table(records: Mapping[str, Record]) -> list[str]:
    """One line per figure: name, value, goal, and "pass" or "FAIL" for figures with a goal;
    figures with a goal first."""
    names = sorted(records, key=lambda name: (name not in GOALS, name))
    if not names:
        return []
    width = max(len(name) for name in names)
    lines = [f"  {'figure':<{width}}  {'value':>14}  {'goal':<8}  result  commit"]
    for name in names:
        entry = records[name]
        verdict = {True: "pass", False: "FAIL", None: ""}[entry["pass"]]
        lines.append(
            f"  {name:<{width}}  {entry['value']:>14,.4f}  {entry['goal'] or '':<8}  "
            f"{verdict:<6}  {entry['commit']}"
        )
    return lines


def main() -> int:
    records = load()
    if not records:
        print(f"no figures in {RESULTS}", file=sys.stderr)
        return 1
    print(f"benchmark figures ({RESULTS}):")
    print("\n".join(table(records)))
    failed = sorted(name for name, entry in records.items() if entry["pass"] is False)
    if failed:
        print(f"not meeting their goal: {', '.join(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
