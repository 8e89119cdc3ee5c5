"""Headless bulk edit: `podio-desk bulk plan | run | status | undo | retry | log | jobs | cancel`.

    podio-desk bulk plan --app 34 --filter '{"status": ["Open"]}' --set status=Closed -o plan.json
    podio-desk bulk run plan.json          # prints the job id; run it again to resume
    podio-desk bulk status 3 --json
    podio-desk bulk undo 3

Every command prints one line on failure and exits non-zero; `--json` prints one JSON object
with the counts planned, changed, unchanged, failed, conflicts and api_calls. The syntax of
the changes is in the README, "Bulk edit".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import sys
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any, TextIO

from podio_desk.api.errors import PodioError
from podio_desk.cache.db import CacheBusyError, CacheOpenError
from podio_desk.cache.journal import JournalError
from podio_desk.cache.schema import CacheVersionError
from podio_desk.cli_sync import CommandError, pick_account
from podio_desk.domain.bulk import (
    BulkSpecError,
    Operation,
    count_of,
    describe_duration,
    parse_operation,
)
from podio_desk.secrets import SecretStore
from podio_desk.services.accounts import AccountError, AccountService
from podio_desk.services.bulk_plan import (
    BulkOptions,
    BulkPlan,
    BulkPlanError,
    OperationError,
    Selection,
    apply_fixes,
    delete_warning,
    read_plan_file,
    read_table,
    write_plan_file,
)
from podio_desk.services.bulk_run import BulkEvent, BulkProgress, BulkRunError, JobReport
from podio_desk.services.logsetup import setup_logging, teardown_logging
from podio_desk.services.profile import ProfileError, resolve_profile
from podio_desk.services.session import AccountSession, open_session

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130

# ------------------------------------------------------------------ plumbing


Command = Callable[[argparse.Namespace, AccountSession, TextIO, TextIO], Coroutine[Any, Any, int]]


def run_bulk(
    args: argparse.Namespace,
    command: Command,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    name = f"bulk {args.bulk_command}"
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        return asyncio.run(_logged(args, command, out, err))
    except KeyboardInterrupt:
        print(
            f"podio-desk {name}: interrupted; the job is kept in the journal and the same "
            "command continues it",
            file=err,
        )
        return EXIT_INTERRUPTED
    except OperationError as error:
        # One line per problem; nothing was written.
        for problem in error.problems:
            print(f"podio-desk {name}: error: {' '.join(problem.split())}", file=err)
        return EXIT_ERROR
    except (
        CommandError,
        AccountError,
        ProfileError,
        CacheOpenError,
        CacheBusyError,
        CacheVersionError,
        JournalError,
        BulkPlanError,
        BulkRunError,
        BulkSpecError,
        PodioError,
        OSError,
    ) as error:
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"podio-desk {name}: error: {message}", file=err)
        return EXIT_ERROR


async def _logged(args: argparse.Namespace, command: Command, out: TextIO, err: TextIO) -> int:
    profile = resolve_profile(getattr(args, "profile", None)).ensure_exists()
    handlers = setup_logging(profile.logs_dir, getattr(args, "verbose", 0) or 0)
    try:
        async with _session(args) as session:
            return await command(args, session, out, err)
    finally:
        teardown_logging(handlers)


@contextlib.asynccontextmanager
async def _session(args: argparse.Namespace) -> AsyncIterator[AccountSession]:
    profile = resolve_profile(getattr(args, "profile", None)).ensure_exists()
    accounts = AccountService(profile.root, SecretStore())
    try:
        known = await accounts.load()
        account = pick_account(known, args.account)
        if not await accounts.restore(account.key):
            raise CommandError(
                f"{account.name!r} is not signed in; sign in again with "
                f"`podio-desk account login {account.name}` or from the window"
            )
        session = await open_session(accounts, account, profile.cache_dir)
        try:
            yield session
        finally:
            await session.aclose()
    finally:
        await accounts.aclose()


def _emit_json(out: TextIO, data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False, sort_keys=True), file=out, flush=True)


# ------------------------------------------------------------------ plan


def _selection(args: argparse.Namespace) -> Selection:
    if args.filter is not None:
        try:
            filters = json.loads(args.filter)
        except ValueError as error:
            raise CommandError(f"--filter is not valid JSON: {error}") from error
        if not isinstance(filters, dict):
            raise CommandError('--filter takes a JSON object such as {"status": [1]}')
        return Selection(filters=filters)
    if args.view is not None:
        return Selection(view_id=args.view)
    if args.ids is not None:
        text = sys.stdin.read() if args.ids == "-" else Path(args.ids).read_text(encoding="utf-8")
        lines = tuple(word for line in text.splitlines() for word in line.replace(",", " ").split())
        if not lines:
            raise CommandError(f"{args.ids} names no item")
        return Selection(links=lines)
    table = read_table(Path(args.csv))
    return Selection(table=table, key=args.key, create_missing=args.create)


def _operations(args: argparse.Namespace) -> list[Operation]:
    return [parse_operation(kind, text) for kind, text in args.operations]


def _plan_json(plan: BulkPlan, path: Path | None = None) -> dict[str, Any]:
    data = {
        **plan.summary(),
        "failed": 0,
        "conflicts": 0,
        "plan": str(path) if path is not None else None,
    }
    return data


async def _plan(args: argparse.Namespace, session: AccountSession, out: TextIO, err: TextIO) -> int:
    if args.export and not any(kind == "delete" for kind, _ in args.operations):
        raise CommandError("--export goes with --delete")
    selection = await asyncio.to_thread(_selection, args)
    options = BulkOptions(silent=args.silent, hook=not args.no_hook)
    plan = await session.bulk.plan(args.app, selection, _operations(args), options)
    if args.export:
        exported = await session.bulk.export_deleted(plan, Path(args.export))
        # Exported now: the plan's "export them first" no longer applies.
        plan.warnings = [w for w in plan.warnings if w != delete_warning(plan.counts.deletes)]
        saved = "the item" if exported == 1 else f"the {exported:,} items"
        plan.warnings.append(
            f"{saved} to delete {'was' if exported == 1 else 'were'} saved to {args.export} "
            "(Podio cannot restore deleted items, nor can undo)"
        )
    output = Path(args.output)
    await asyncio.to_thread(write_plan_file, plan, output)
    if args.json:
        _emit_json(out, _plan_json(plan, output))
    else:
        print(plan.summary_text(), file=out)
        invalid = plan.invalid_lines()
        if invalid:
            print(f"{plan.counts.invalid} invalid (left out of the job):", file=out)
            print("\n".join(invalid), file=out)
        print(f"Plan saved to {output}; run it with `podio-desk bulk run {output}`.", file=out)
    return EXIT_OK


# ------------------------------------------------------------------ run, undo


class _ProgressLines:
    """A job's progress on stderr: redrawn in place on a terminal, a line every few seconds
    on a pipe."""

    def __init__(self, stream: TextIO, interval: float = 5.0) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._interval = interval
        self._last = -math.inf

    def __call__(self, event: BulkEvent) -> None:
        if not isinstance(event, BulkProgress):
            return
        eta = (
            ""
            if event.eta_seconds is None
            else f", about {describe_duration(event.eta_seconds)} left"
        )
        if event.pending == 0:
            eta = ""
        text = (
            f"job {event.job_id}: {event.state} {event.finished}/{event.total} "
            f"({event.done} done, {event.failed} failed, {count_of(event.conflicts, 'conflict')})"
            f"{eta}" + (f"; {event.waiting}" if event.waiting else "")
        )
        if self._tty:
            self._stream.write("\r\x1b[2K" + text)
            self._stream.flush()
            return
        now = time.monotonic()
        if now - self._last >= self._interval or event.pending == 0:
            self._last = now
            print(text, file=self._stream, flush=True)

    def end(self) -> None:
        if self._tty:
            self._stream.write("\n")
            self._stream.flush()


async def _run_job(
    session: AccountSession, job_id: int, args: argparse.Namespace, out: TextIO, err: TextIO
) -> JobReport:
    progress = _ProgressLines(err)
    unsubscribe = session.events.subscribe(progress)  # type: ignore[arg-type]
    try:
        return await session.bulk.run(job_id)
    finally:
        unsubscribe()
        progress.end()


async def _finish(
    args: argparse.Namespace,
    session: AccountSession,
    report: JobReport,
    out: TextIO,
    err: TextIO,
) -> int:
    status = await session.bulk.status(report.job_id)
    if getattr(args, "log", None):
        await session.bulk.write_log(report.job_id, Path(args.log))
    if args.json:
        _emit_json(
            out, {**status.as_json(), "reason": report.reason, "run_api_calls": report.api_calls}
        )
    else:
        print(status.text(), file=out)
        for item_id, title, why in await session.bulk.skipped_items(report.job_id):
            if report.kind == "undo":
                print(f"  skipped {item_id} {title!r}: {why}", file=out)
    if report.state == "paused" and report.reason:
        print(
            f"podio-desk bulk: job {report.job_id} stopped: {report.reason}; run the same "
            "command again to continue",
            file=err,
        )
        return EXIT_ERROR
    return EXIT_OK


async def _run_plan(
    args: argparse.Namespace, session: AccountSession, out: TextIO, err: TextIO
) -> int:
    plan, data = await asyncio.to_thread(read_plan_file, Path(args.plan))
    app = await session.app_definition(plan.app_id)
    plan = apply_fixes(app, data, plan)
    if plan.account and plan.account != session.key:
        raise CommandError(f"the plan was made for another account ({plan.account})")
    job_id = await session.bulk.start(plan)
    was = (await session.bulk.job(job_id)).state
    if not args.json and was != "cancelled":
        print(f"Job {job_id}", file=out, flush=True)
    report = await _run_job(session, job_id, args, out, err)
    code = await _finish(args, session, report, out, err)
    if was == "cancelled":
        print(
            f"podio-desk bulk run: job {job_id} was cancelled; nothing of it is sent again. "
            "Make a new plan (`podio-desk bulk plan ...`) for a new job.",
            file=err,
        )
        return EXIT_ERROR
    return code


async def _undo(args: argparse.Namespace, session: AccountSession, out: TextIO, err: TextIO) -> int:
    job_id = await session.bulk.undo(args.job)
    if not args.json:
        print(f"Undo job {job_id} (of job {args.job})", file=out, flush=True)
    report = await _run_job(session, job_id, args, out, err)
    return await _finish(args, session, report, out, err)


# ------------------------------------------------------------------ the others


async def _status(
    args: argparse.Namespace, session: AccountSession, out: TextIO, err: TextIO
) -> int:
    status = await session.bulk.status(args.job)
    if args.json:
        _emit_json(out, status.as_json())
    else:
        print(status.text(), file=out)
    return EXIT_OK


async def _retry(
    args: argparse.Namespace, session: AccountSession, out: TextIO, err: TextIO
) -> int:
    plan = await session.bulk.retry_plan(args.job)
    output = Path(args.output)
    await asyncio.to_thread(write_plan_file, plan, output)
    if args.json:
        _emit_json(out, _plan_json(plan, output))
    else:
        print(plan.summary_text(), file=out)
        print(f"Plan saved to {output}; run it with `podio-desk bulk run {output}`.", file=out)
    return EXIT_OK


async def _log(args: argparse.Namespace, session: AccountSession, out: TextIO, err: TextIO) -> int:
    rows = await session.bulk.write_log(args.job, Path(args.output))
    print(f"Wrote {rows} rows to {args.output}.", file=out)
    return EXIT_OK


async def _jobs(args: argparse.Namespace, session: AccountSession, out: TextIO, err: TextIO) -> int:
    statuses = await session.bulk.jobs()
    if args.json:
        _emit_json(out, {"jobs": [status.as_json() for status in statuses]})
    else:
        for status in statuses:
            print(status.text(), file=out)
        if not statuses:
            print("No bulk jobs yet.", file=out)
    return EXIT_OK


async def _cancel(
    args: argparse.Namespace, session: AccountSession, out: TextIO, err: TextIO
) -> int:
    report = await session.bulk.cancel(args.job)
    status = await session.bulk.status(args.job)
    reason = report.reason if report is not None else ""
    if args.json:
        _emit_json(out, {**status.as_json(), "reason": reason})
    else:
        print(status.text(), file=out)
    if status.pending:
        print(f"podio-desk bulk cancel: job {args.job} {reason}", file=err)
    return EXIT_OK
