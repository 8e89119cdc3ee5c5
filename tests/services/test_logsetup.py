"""The log: every record of every logger redacted by value, third-party loggers quiet with -v,
rotated while running, no line longer than a cap."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from podio_desk.cli import build_parser
from podio_desk.domain.redaction import remember_secret
from podio_desk.services.logsetup import LOG_FILE_NAME, setup_logging, teardown_logging

CLIENT_SECRET = "Zk41-client-secret-of-this-run"  # no key name will give it away
THIRD_PARTY = ("httpx", "httpcore", "asyncio", "qasync.QThreadExecutor", "keyring", "urllib3")


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    for name in ("podio_desk", "qt", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.NOTSET)
    logging.getLogger().setLevel(logging.WARNING)


def logged(logs: Path) -> str:
    return (logs / LOG_FILE_NAME).read_text(encoding="utf-8")


def test_a_known_secret_is_redacted_whatever_logger_prints_it(logs: Path) -> None:
    remember_secret(CLIENT_SECRET)
    handlers = setup_logging(logs, 2)  # -vv: every logger at DEBUG
    try:
        logging.getLogger("qasync.QThreadExecutor").debug(
            "Setting Future result: %s", CLIENT_SECRET
        )
        logging.getLogger("some.library").warning("config=%r", {"x": CLIENT_SECRET})
        try:
            raise ValueError(f"bad {CLIENT_SECRET}")
        except ValueError:
            logging.getLogger("asyncio").exception("Task exception was never retrieved")
    finally:
        teardown_logging(handlers)
    text = logged(logs)
    assert CLIENT_SECRET not in text
    assert "Setting Future result: [REDACTED]" in text
    assert "config={'x': '[REDACTED]'}" in text
    assert "ValueError: bad [REDACTED]" in text


def test_with_v_only_our_debug_lines_are_written_with_vv_the_libraries_too(logs: Path) -> None:
    for verbosity in (1, 2):
        handlers = setup_logging(logs, verbosity)
        try:
            logging.getLogger("podio_desk.services.probe").debug("ours at -v%d", verbosity)
            for name in THIRD_PARTY:
                logging.getLogger(name).debug("%s debug at -v%d", name, verbosity)
                logging.getLogger(name).info("%s info at -v%d", name, verbosity)
        finally:
            teardown_logging(handlers)
    text = logged(logs)
    assert "ours at -v1" in text
    for name in THIRD_PARTY:
        assert f"{name} debug at -v1" not in text
        assert f"{name} info at -v1" in text
        assert f"{name} debug at -v2" in text
    help_text = build_parser().format_help()
    assert "-vv" in help_text


def test_without_v_the_file_gets_info_and_no_request_lines(logs: Path) -> None:
    handlers = setup_logging(logs, 0)
    try:
        logging.getLogger("podio_desk.probe").debug("a debug line")
        logging.getLogger("podio_desk.probe").info("an info line")
        logging.getLogger("httpx").info("HTTP Request: GET https://api.podio.com/org/")
    finally:
        teardown_logging(handlers)
    text = logged(logs)
    assert "an info line" in text
    assert "a debug line" not in text
    assert "HTTP Request" not in text


def test_the_file_is_rotated_while_running(logs: Path) -> None:
    handlers = setup_logging(logs, 0, max_bytes=20_000, backups=3)
    try:
        for number in range(2_000):
            logging.getLogger("podio_desk.probe").info("line %05d %s", number, "x" * 80)
    finally:
        teardown_logging(handlers)
    sizes = {path.name: path.stat().st_size for path in logs.iterdir()}
    assert set(sizes) == {
        LOG_FILE_NAME,
        f"{LOG_FILE_NAME}.1",
        f"{LOG_FILE_NAME}.2",
        f"{LOG_FILE_NAME}.3",
    }
    line = 150  # one record, formatted
    assert all(size < 20_000 + line for size in sizes.values()), sizes
    assert "line 01999" in logged(logs)  # the newest lines are in the current file


def test_a_long_record_is_cut(logs: Path) -> None:
    page = repr([{"item_id": n, "title": f"Item {n}"} for n in range(5_000)])
    handlers = setup_logging(logs, 1)
    try:
        logging.getLogger("podio_desk.probe").debug("page: %s", page)
    finally:
        teardown_logging(handlers)
    (line,) = logged(logs).splitlines()
    assert len(line) < 2_200
    assert line.endswith(f"… ({len('page: ') + len(page) - 2_000} chars cut)")
