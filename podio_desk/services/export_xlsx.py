"""The XLSX writer of an export, in a child process of its own.

openpyxl builds every cell as a Python object and its XML in pure Python: for a large export
that costs as much as reading and parsing the items. In a child process (spawned, never
forked from a process running Qt) it runs on the other core while the export reads the next
pages, and never competes with the window for the GIL. Rows cross one pipe as pickled batches
(one per page); the pipe's buffer bounds what is in flight.

A cell given as a (number, number format) pair is written as that number in that format.
Messages to the child: ("rows", [row, ...]), then ("finish",) or ("discard",); the child
answers ("ok",) or ("error", text) to "finish", and ("error", text) as soon as it fails.
This module imports nothing of ours, so the child starts with openpyxl alone.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import re
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Characters XML 1.0 cannot carry; openpyxl refuses them.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
STOP_SECONDS = 10.0


class XlsxWriterError(Exception):
    """The writer process failed (its message says why)."""


def sheet_title(name: str) -> str:
    return _SHEET_NAME_FORBIDDEN.sub(" ", name).strip()[:31] or "Items"


class XlsxProcess:
    """The parent's side: start the writer, send rows, finish or discard. Blocking calls:
    run them on a worker thread (the account's executor)."""

    def __init__(self, path: Path, headers: Sequence[str], sheet: str) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe(duplex=True)
        self._process = context.Process(
            target=writer_main,
            args=(child, str(path), sheet_title(sheet)),
            name="podio-desk-xlsx",
            daemon=True,
        )
        self._process.start()
        child.close()
        self.send_rows([list(headers)])

    def send_rows(self, rows: list[list[Any]]) -> None:
        try:
            self._connection.send(("rows", rows))
        except OSError as error:  # a broken pipe: the child failed or ended
            raise XlsxWriterError(self._child_error() or str(error)) from error

    def finish(self) -> None:
        try:
            self._connection.send(("finish",))
            answer = self._connection.recv()
        except (OSError, EOFError) as error:
            raise XlsxWriterError(self._child_error() or "the XLSX writer stopped") from error
        finally:
            self._stop()
        if answer[0] != "ok":
            raise XlsxWriterError(str(answer[1]))

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self._connection.send(("discard",))
        self._stop()

    def _child_error(self) -> str | None:
        try:
            if self._connection.poll(1.0):
                answer = self._connection.recv()
                if answer[0] == "error":
                    return str(answer[1])
        except (OSError, EOFError):
            pass
        return None

    def _stop(self) -> None:
        self._process.join(STOP_SECONDS)
        if self._process.is_alive():
            log.warning("the XLSX writer did not stop; ending it")
            self._process.kill()
            self._process.join(STOP_SECONDS)
        self._connection.close()


def writer_main(connection: Connection, path: str, sheet: str) -> None:
    """The child: append the rows it is sent, save on "finish", clean up otherwise."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)

    def cells(row: list[Any]) -> list[Any]:
        for position, value in enumerate(row):
            if isinstance(value, str) and value:
                if ILLEGAL_XML.search(value):
                    value = row[position] = ILLEGAL_XML.sub("", value)
                if value.startswith("="):
                    # Text, never a formula: the cell keeps what the item says.
                    cell = WriteOnlyCell(worksheet, value=value)
                    cell.data_type = "s"
                    row[position] = cell
            elif isinstance(value, tuple):
                cell = WriteOnlyCell(worksheet, value=value[0])
                cell.number_format = value[1]
                row[position] = cell
        return row

    try:
        while True:
            message = connection.recv()
            if message[0] == "rows":
                for row in message[1]:
                    worksheet.append(cells(row))
            elif message[0] == "finish":
                workbook.save(path)
                connection.send(("ok",))
                return
            else:
                break
    except EOFError:
        pass  # the parent is gone: nothing to save
    except Exception as error:
        with contextlib.suppress(OSError):
            connection.send(("error", f"{type(error).__name__}: {error}"))
    # Not saved: remove openpyxl's temporary file of the sheet.
    writer = getattr(worksheet, "_writer", None)
    if writer is not None:
        try:
            worksheet.close()
            writer.cleanup()
        except (OSError, ValueError, KeyError):
            pass
