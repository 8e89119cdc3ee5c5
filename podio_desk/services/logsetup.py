"""Where the log goes, at which levels, and how big it may grow: for the window and the CLI.

Every handler redacts (services.logredact): records of any logger, any level, pass through it,
so a secret printed by a library is caught as surely as one printed by us. Verbosity:

- 0: the file gets INFO and up, stderr WARNING and up; httpx and httpcore only warnings.
- 1 (`-v`): our loggers (podio_desk.*, qt.*) at DEBUG, on stderr too; every other logger
  (httpx, httpcore, asyncio, qasync, keyring, urllib3, PIL, …) stays at INFO.
- 2 (`-vv`): every logger at DEBUG, third-party ones included.

The file is `<profile>/logs/podio-desk.log`, rotated while running once it reaches
LOG_FILE_BYTES, with LOG_FILE_BACKUPS older files kept.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from podio_desk.services.logredact import install_redaction

LOG_FILE_NAME = "podio-desk.log"
LOG_FILE_BYTES = 2_000_000
LOG_FILE_BACKUPS = 5

OUR_LOGGERS = ("podio_desk", "qt")
# Chatty at INFO (a line per request): quiet unless asked for with -v.
_REQUEST_LOGGERS = ("httpx", "httpcore")


class RotatingLogFile(logging.FileHandler):
    """A log file that moves itself aside (`.1`, `.2`, …) whenever it reaches `max_bytes`.

    Not logging.handlers.RotatingFileHandler: that module imports socket, pickle and queue
    before the window can show. Another process writing the same file (the window and a CLI
    sync) may rotate it too; each keeps writing where its file handle points until its own
    next check, so no line is lost, at worst one file overshoots by a few lines.
    """

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        self.max_bytes = max_bytes
        self.backups = backups
        rotate_log_file(path, max_bytes, backups)
        super().__init__(path, encoding="utf-8")

    def emit(self, record: logging.LogRecord) -> None:
        super().emit(record)
        stream = self.stream
        try:
            if stream is None or stream.tell() < self.max_bytes:
                return
        except (OSError, ValueError):
            return
        # handle() holds the handler's lock here; emit() reopens the stream on the next record.
        self.stream = None
        stream.close()
        rotate_log_file(Path(self.baseFilename), self.max_bytes, self.backups)


def rotate_log_file(path: Path, max_bytes: int, backups: int) -> None:
    """Move `path` to `path.1` (`.1` to `.2`, …, dropping the oldest) if it is `max_bytes` or
    larger; a file that cannot be moved is left to grow (logging must not stop the app)."""
    try:
        if not path.exists() or path.stat().st_size < max_bytes:
            return
        for number in range(backups - 1, 0, -1):
            older = path.with_name(f"{path.name}.{number}")
            if older.exists():
                os.replace(older, path.with_name(f"{path.name}.{number + 1}"))
        os.replace(path, path.with_name(f"{path.name}.1"))
    except OSError as error:
        sys.stderr.write(f"podio-desk: cannot rotate the log file {path}: {error}\n")


def setup_logging(
    logs_dir: Path,
    verbosity: int,
    *,
    max_bytes: int = LOG_FILE_BYTES,
    backups: int = LOG_FILE_BACKUPS,
) -> list[logging.Handler]:
    """stderr plus the profile's log file, both redacting, at the levels of `verbosity`.

    Returns the handlers so that a caller with a short-lived profile (the smoke test, a test)
    can remove and close them with `teardown_logging`.
    """
    verbosity = max(0, int(verbosity))
    formatter = logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    stderr_handler = logging.StreamHandler(sys.stderr)
    stderr_handler.setLevel(logging.DEBUG if verbosity else logging.WARNING)
    file_handler = RotatingLogFile(logs_dir / LOG_FILE_NAME, max_bytes, backups)
    file_handler.setLevel(logging.DEBUG if verbosity else logging.INFO)
    handlers: list[logging.Handler] = [stderr_handler, file_handler]
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbosity >= 2 else logging.INFO)
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbosity else logging.NOTSET)
    for name in _REQUEST_LOGGERS:
        level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
        logging.getLogger(name).setLevel(level)
    for handler in handlers:
        handler.setFormatter(formatter)
        install_redaction(handler)
        root.addHandler(handler)
    return handlers


def teardown_logging(handlers: list[logging.Handler]) -> None:
    root = logging.getLogger()
    for handler in handlers:
        root.removeHandler(handler)
        handler.close()
