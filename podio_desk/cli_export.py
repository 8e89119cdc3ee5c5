"""Headless `export`: an app, a saved view or a filter to CSV or XLSX, from the cache.

    podio-desk export --app ID [--view ID | --filter JSON] --format csv|xlsx -o FILE
        [--columns A,B,C] [--time-zone NAME] [--raw] [--no-formula-guard] [--json]

A synced app is exported from the cache with no API call (reading a saved view's definition
costs one); otherwise the items are read from Podio at background priority and kept in the
cache. Prints the rows written and the API calls used (`--json`: one JSON object).

Choices (as the window's table shows the app, without Qt):
* Columns: `--columns` picks them (names or ids); else the app's table layout the window
  saved in the profile's settings (visible columns in screen order); else every column in
  Podio's field order.
* Times: in the Podio user's time zone, as the window shows them by default: the zone the
  window learnt for the account (kept in the settings), else asked from Podio once (`GET
  /user/`, one API call, counted); `--time-zone NAME` shows them in another zone. Offline
  with no zone known, created and last edit are in this computer's zone and date fields in
  Podio's local values. The output says which zone and where it came from.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from podio_desk.api.client import PodioClient
    from podio_desk.domain.export import ExportFormat
    from podio_desk.domain.time_rule import TimeRule
    from podio_desk.domain.workspace import App
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
    export.add_argument(
        "--columns",
        metavar="A,B,C",
        help="the columns, in this order: field external ids, field ids or labels, title, "
        "created, last_edit (default: the app's table layout saved by the window, else "
        "every column in Podio's order)",
    )
    export.add_argument(
        "--time-zone",
        metavar="NAME",
        help="show times in this zone, e.g. Europe/Paris or UTC (default: your Podio time "
        "zone, as the window shows them)",
    )
    export.add_argument(
        "--no-formula-guard",
        dest="formula_guard",
        action="store_false",
        help="CSV: write text cells starting with =, +, -, @, tab or CR exactly as they are "
        "(by default they get a leading ' so spreadsheets do not run them as formulas; "
        "numbers, dates and raw columns are never changed)",
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
    from podio_desk.cli_sync import CommandError, no_keyring_message, pick_account
    from podio_desk.secrets import SecretStore
    from podio_desk.services.accounts import AccountService
    from podio_desk.services.export import ExportError, ExportRequest, ExportService
    from podio_desk.services.export_settings import read_settings
    from podio_desk.services.paging import PageQuery
    from podio_desk.services.profile import resolve_profile
    from podio_desk.services.queries import QueryService

    path = Path(args.output)
    fmt = _format(args, path)
    filters = _filters(args.filter)
    override = _zone_option(args.time_zone)
    profile = resolve_profile(getattr(args, "profile", None)).ensure_exists()
    settings = read_settings(profile.settings_path)
    secrets = SecretStore()
    if not secrets.is_persistent:
        raise CommandError(no_keyring_message("export"))
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
            app, app_calls = await service.app(args.app)
            columns, columns_from = _columns(args.columns, app, settings)
            podio_zone, zone_calls = await _podio_zone(settings, account.key, client)
            zone = _Zone.of(podio_zone, override)
            request = ExportRequest(
                query,
                path,
                format=fmt,
                columns=columns,
                raw=args.raw,
                rule=zone.rule,
                formula_guard=args.formula_guard,
            )
            extra = calls + app_calls + zone_calls
            try:
                result = await service.export(request, progress, extra_calls=extra)
            except ExportError as error:
                raise CommandError(str(error)) from error
            finally:
                progress.end()
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
            await cache.aclose()
    finally:
        await accounts.aclose()
    _print(result, fmt, args.json, out, columns_from, zone)


def _zone_option(name: str | None) -> tuple[str, tzinfo] | None:
    from podio_desk.cli_sync import CommandError

    if name is None:
        return None
    found = _zone_named(name.strip())
    if found is None:
        raise CommandError(f"--time-zone: unknown time zone {name!r} (e.g. Europe/Paris, UTC)")
    return name.strip(), found


def _zone_named(name: str) -> tzinfo | None:
    import zoneinfo

    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _columns(
    names: str | None, app: App, settings: dict[str, str]
) -> tuple[tuple[str, ...] | None, str]:
    """The columns to export and where they came from (for the output)."""
    from podio_desk.cli_sync import CommandError
    from podio_desk.domain.export import column_keys_named, layout_column_keys
    from podio_desk.services.export_settings import saved_layout

    if names is not None:
        wanted = [name for name in names.split(",") if name.strip()]
        if not wanted:
            raise CommandError("--columns names no column")
        try:
            return tuple(column_keys_named(app, wanted)), "--columns"
        except ValueError as error:
            raise CommandError(f"--columns: {error}") from error
    layout = saved_layout(settings, app.app_id)
    if layout is not None and layout.order:
        return tuple(layout_column_keys(app, layout.order, layout.hidden)), "window"
    return None, "podio"


async def _podio_zone(
    settings: dict[str, str], account_key: str, client: PodioClient
) -> tuple[tuple[str, str] | None, int]:
    """The account's Podio zone and where it came from ("window" or "podio"), and the API
    calls it took; None when neither knows it (offline before the window ever learnt it)."""
    from podio_desk.api.errors import PodioError
    from podio_desk.api.ratelimit import Priority
    from podio_desk.services.export_settings import saved_podio_zone

    remembered = saved_podio_zone(settings, account_key)
    if _zone_named(remembered) is not None:
        return (remembered, "window"), 0
    try:
        asked = await client.user_timezone(priority=Priority.USER_JOB)
    except PodioError:
        return None, 1
    if asked is not None and _zone_named(asked) is not None:
        return (asked, "podio"), 1
    return None, 1


@dataclass(frozen=True)
class _Zone:
    """The time rule of the export and the sentence that says which zone it shows."""

    rule: TimeRule
    name: str
    source: str  # "--time-zone", "window", "podio" or "computer"

    @classmethod
    def of(cls, podio: tuple[str, str] | None, override: tuple[str, tzinfo] | None) -> _Zone:
        from podio_desk.domain.time_rule import TimeRule

        podio_name, podio_source = podio if podio is not None else ("", "")
        podio_zone = _zone_named(podio_name)
        if override is not None:
            name, zone = override
            rule = TimeRule(podio_zone, podio_name, zone, name, use_machine=True)
            return cls(rule, name, "--time-zone")
        computer = datetime.now().astimezone().tzinfo or UTC
        rule = TimeRule(podio_zone, podio_name, computer, str(computer))
        if podio_zone is None:
            return cls(rule, str(computer), "computer")
        return cls(rule, podio_name, podio_source)

    def describe(self) -> str:
        if self.source == "--time-zone":
            return f"times in {self.name} (--time-zone)"
        if self.source == "window":
            return f"times in {self.name}, your Podio time zone (as the window last learnt it)"
        if self.source == "podio":
            return f"times in {self.name}, your Podio time zone (asked from Podio)"
        return (
            f"your Podio time zone is not known: created and last edit in this computer's "
            f"zone ({self.name}), date fields in Podio's local values"
        )


async def _direct(pending: Any) -> Any:
    return await pending


_COLUMNS_FROM = {
    "--columns": "the columns given",
    "window": "the columns as the window's table shows them",
    "podio": "every column in Podio's order",
}


def _print(
    result: ExportResult,
    fmt: ExportFormat,
    as_json: bool,
    out: TextIO,
    columns_from: str,
    zone: _Zone,
) -> None:
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
                    "columns_from": columns_from,
                    "time_zone": zone.name,
                    "time_zone_from": zone.source,
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
    columns = _COLUMNS_FROM[columns_from]
    print(f"{columns[0].upper()}{columns[1:]}; {zone.describe()}.", file=out)
