"""The fault matrix: every test here records a row; the session writes build/faults/matrix.md.

    def test_x(fault_row):
        fault_row.start("420 storm", "waits, then completes; cache exact")
        ...
        fault_row.figures(calls=..., bound=...)

The row's "observed" column is the test's outcome (passed, or why it failed or is expected to
fail), filled in by the report hook below, so the table never claims more than was run.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MATRIX_FILE = ROOT / "build" / "faults" / "matrix.md"


@dataclass
class FaultRow:
    fault: str = ""
    expected: str = ""
    observed: str = ""
    calls: int | None = None
    bound: int | None = None
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0

    def start(self, fault: str, expected: str) -> None:
        self.fault, self.expected = fault, expected
        self.started = time.monotonic()

    def figures(self, *, calls: int, bound: int, note: str = "") -> None:
        self.calls, self.bound = calls, bound
        if note:
            self.notes.append(note)


_ROWS: list[FaultRow] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report = outcome.get_result()
    row = getattr(item, "fault_row", None)
    if row is None or report.when != "call":
        return
    row.seconds = time.monotonic() - row.started
    failure = ""
    if call.excinfo is not None:
        lines = call.excinfo.exconly().strip().splitlines()
        failure = " ".join(lines[0].split())[:160] if lines else call.excinfo.typename
    if hasattr(report, "wasxfail"):
        reason = report.wasxfail.removeprefix("reason: ")
        if report.skipped:
            row.observed = f"not yet ({reason}); today: {failure}"
        else:
            row.observed = "XPASS"
    elif report.passed:
        row.observed = "as expected"
    else:  # a strict xfail that passed has no exception: its report says XPASS(strict)
        row.observed = f"FAILED: {failure or ' '.join(str(report.longrepr).split())[:160]}"


@pytest.fixture
def fault_row(request: pytest.FixtureRequest) -> Iterator[FaultRow]:
    row = FaultRow()
    request.node.fault_row = row
    yield row
    if row.fault:
        _ROWS.append(row)


def matrix_markdown(rows: list[FaultRow]) -> str:
    lines = [
        "| fault | expected | observed | API calls (bound) | seconds |",
        "|---|---|---|---|---|",
    ]
    for row in sorted(rows, key=lambda r: r.fault):
        calls = "-" if row.calls is None else f"{row.calls} (<= {row.bound})"
        notes = f"; {'; '.join(row.notes)}" if row.notes else ""
        lines.append(
            f"| {row.fault} | {row.expected} | {row.observed}{notes} | {calls} "
            f"| {row.seconds:.1f} |"
        )
    return "\n".join(lines) + "\n"


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not _ROWS:
        return
    MATRIX_FILE.parent.mkdir(parents=True, exist_ok=True)
    MATRIX_FILE.write_text(matrix_markdown(_ROWS), encoding="utf-8")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _ROWS:
        terminalreporter.write_sep("-", f"fault matrix (also in {MATRIX_FILE})")
        terminalreporter.write(matrix_markdown(_ROWS))
