"""Headless `export`: an app, a saved view or a filter to CSV or XLSX, from the cache.

    podio-desk export --app ID [--view ID | --filter JSON] --format csv|xlsx -o FILE

A synced app is exported from the cache with no API call (reading a saved view's definition
costs one); otherwise the items are read from Podio at background priority and kept in the
cache. Prints the rows written and the API calls used (`--json`: one JSON object).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from podio_desk.domain.export import ExportFormat
    from podio_desk.domain.time_rule import TimeRule
    from podio_desk.services.export import ExportProgress, ExportResult

# The parser is built on every start of the window: what an export needs (httpx, sqlite3,
# openpyxl, keyring) is imported only when it runs.
FORMATS = ("csv", "xlsx")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = subparsers.add_parser(
        "export",
        help="export an app, a view or a filter to CSV or XLSX",
        description="Export the items of an app (or of one of its saved views, or matching a "
        "filter) to CSV or XLSX, with no row limit. A synced app is read from the local "
        "cache without API calls; otherwise the items are fetched from Podio and cached.",
    )
    export.add_argument("--account", metavar="NAME", help="the account (needed if several)")
    export.add_argument("--app", metavar="APP_ID", type=int, required=True, help="the app")
    which = export.add_mutually_exclusive_group()
    which.add_argument("--view", metavar="VIEW_ID", type=int, help="a saved Podio view")
    which.add_argument(
        "--filter",
        metavar="JSON",
        help="a filter in Podio's grammar: keys are field ids or external ids; a category "
        'field takes option ids or option texts (any case), e.g. \'{"status": ["Active", '
        '2]}\'; other fields as Podio takes them, e.g. \'{"amount": {"from": 10}}\'',
    )
    export.add_argument(
        "--format",
        choices=FORMATS,
        help="the file format (default: from the file name, else csv)",
    )
    export.add_argument("-o", "--output", metavar="FILE", required=True, help="the file")
    export.add_argument(
        "--raw",
        action="store_true",
        help="add raw values next to each column (ids, ISO dates, numbers, money as amount "
        "and currency)",
    )
    export.add_argument("--json", action="store_true", help="print the outcome as JSON")
    export.add_argument(
        "--profile", metavar="DIR", default=argparse.SUPPRESS, help="profile directory"
    )
    export.set_defaults(handler=run_export)


def run_export(
    args: argparse.Namespace, out: TextIO | None = None, progress_stream: TextIO | None = None
) -> int:
    from podio_desk.cli_sync import _logged, _run

    args.output = os.path.expanduser(args.output)
    return _run(
        "export",
        lambda: _logged(args, _export(args, out or sys.stdout, progress_stream or sys.stderr)),
    )


def _format(args: argparse.Namespace, path: Path) -> ExportFormat:
    from podio_desk.domain.export import ExportFormat

    if args.format:
        return ExportFormat(args.format)
    return ExportFormat.XLSX if path.suffix.lower() == ".xlsx" else ExportFormat.CSV


def _filters(text: str | None) -> dict[str, Any]:
    from podio_desk.cli_sync import CommandError

    if text is None:
        return {}
    try:
        value = json.loads(text)
    except ValueError as error:
        raise CommandError(f"--filter is not JSON: {error}") from error
    if not isinstance(value, dict):
        raise CommandError('--filter takes a JSON object, such as \'{"status": ["Active"]}\'')
    return value


class _ProgressLines:
    """A line on stderr every few seconds (and on a terminal, one line redrawn)."""

    def __init__(self, stream: TextIO, interval: float = 5.0) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._interval = interval
        self._last = time.monotonic()

    def __call__(self, event: ExportProgress) -> None:
        now = time.monotonic()
        if event.phase == "done" or (not self._tty and now - self._last < self._interval):
            return
        self._last = now
        total = "?" if event.total is None else f"{event.total:,}"
        text = f"export: {event.phase} {event.done:,}/{total} rows"
        if self._tty:
            self._stream.write("\r\x1b[2K" + text)
        else:
            self._stream.write(text + "\n")
        self._stream.flush()

    def end(self) -> None:
        if self._tty:
            self._stream.write("\r\x1b[2K")
            self._stream.flush()


async def _export(args: argparse.Namespace, out: TextIO, progress_stream: TextIO) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from podio_desk.cache.cache import Cache
    from podio_desk.cache.db import CacheCorruptError
    from podio_desk.cli_sync import NO_PERSISTENT_KEYRING, CommandError, pick_account
    from podio_desk.secrets import SecretStore
    from podio_desk.services.accounts import AccountService
    from podio_desk.services.export import ExportError, ExportRequest, ExportService
    from podio_desk.services.paging import PageQuery
    from podio_desk.services.profile import resolve_profile
    from podio_desk.services.queries import QueryService

    path = Path(args.output)
    fmt = _format(args, path)
    filters = _filters(args.filter)
    profile = resolve_profile(getattr(args, "profile", None)).ensure_exists()
    secrets = SecretStore()
    if not secrets.is_persistent:
        raise CommandError(NO_PERSISTENT_KEYRING)
    accounts = AccountService(profile.root, secrets)
    progress = _ProgressLines(progress_stream)
    try:
        account = pick_account(await accounts.load(), args.account)
        if not await accounts.restore(account.key):
            raise CommandError(
                f"{account.name!r} is not signed in; sign in from the window, or remove and "
                "add the account again"
            )
        client = await accounts.client(account.key)
        try:
            cache = await Cache.open(profile.cache_dir, account.key)
        except CacheCorruptError as error:
            raise CommandError(
                f"{error}; build a new one with `podio-desk sync --rebuild-cache`"
            ) from error
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="podio-desk-export")
        try:
            service = ExportService(client, cache, QueryService(cache), executor, call=_direct)
            query = PageQuery(app_id=args.app, filters=PageQuery.freeze_filters(filters))
            calls = 0
            if args.view is not None:
                query, calls = await service.query_for_view(args.app, args.view)
            request = ExportRequest(
                query,
                path,
                format=fmt,
                raw=args.raw,
                rule=_time_rule(),
            )
            try:
                result = await service.export(request, progress, extra_calls=calls)
            except ExportError as error:
                raise CommandError(str(error)) from error
            finally:
                progress.end()
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
            await cache.aclose()
    finally:
        await accounts.aclose()
    _print(result, fmt, args.json, out)


def _time_rule() -> TimeRule:
    """The table's default rule, as far as the command line knows it: date fields in
    Podio's local values (the Podio user's zone); created and last edit in this computer's
    zone (the Podio zone is learnt by the window, not asked here: no API call)."""
    from podio_desk.domain.time_rule import TimeRule

    zone = datetime.now().astimezone().tzinfo or UTC
    return TimeRule(machine_zone=zone, machine_zone_name=str(zone))


async def _direct(pending: Any) -> Any:
    return await pending


def _print(result: ExportResult, fmt: ExportFormat, as_json: bool, out: TextIO) -> None:
    if as_json:
        print(
            json.dumps(
                {
                    "path": str(result.path),
                    "format": fmt.value,
                    "rows": result.rows,
                    "api_calls": result.api_calls,
                    "source": result.source,
                    "seconds": round(result.seconds, 3),
                }
            ),
            file=out,
        )
        return
    calls = "1 API call" if result.api_calls == 1 else f"{result.api_calls} API calls"
    where = "the local cache" if result.source == "cache" else "Podio"
    print(
        f"Exported {result.rows:,} rows to {result.path} ({fmt.value}, from {where}); "
        f"{calls} in {result.seconds:.1f} s.",
        file=out,
    )
