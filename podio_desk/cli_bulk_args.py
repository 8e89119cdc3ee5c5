"""The `podio-desk bulk` command line: its parser, light to import (the parser is built on
every start of the window too); the commands themselves are in cli_bulk.py, imported only
when one of them runs."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def _lazy(command: str) -> Callable[[argparse.Namespace], int]:
    """The handler of one bulk action: imports cli_bulk (the services) when it runs."""

    def handle(args: argparse.Namespace) -> int:
        from podio_desk import cli_bulk

        return cli_bulk.run_bulk(args, getattr(cli_bulk, command))

    return handle


# (flag, operation kind, metavar, help)
_OPERATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("--set", "set", "FIELD=VALUE", "set the field, the value typed as in the editor"),
    ("--clear", "clear", "FIELD", "empty the field"),
    ("--add", "add", "FIELD=VALUE", "add category options, related item ids, contact ids "
     "or tags (comma-separated)"),
    ("--remove", "remove", "FIELD=VALUE", "remove them"),
    ("--replace", "replace", "FIELD=OLD/NEW", "replace text in a text field"),
    ("--shift", "shift", "FIELD=+3d", "move a date by days (d), weeks (w), hours (h), minutes (m)"),
    ("--increment", "increment", "FIELD=N", "add N to a number, money, progress or duration"),
    ("--copy", "copy", "FIELD=OTHER", "set the field from another field of the item"),
    ("--from-column", "column", "FIELD=COLUMN", "set the field from a column of the --csv file"),
)  # fmt: skip


class _Operation(argparse.Action):
    """Keeps the changes in the order given on the command line."""

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(*args, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        operations = list(getattr(namespace, "operations", None) or [])
        operations.append((self.kind, "" if values is None else str(values)))
        namespace.operations = operations


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `bulk` and its actions on the main parser's subcommands."""
    profile_help = "profile directory (overrides the one given before the command)"
    bulk = subparsers.add_parser(
        "bulk",
        help="change many items at once: plan, run, status, undo",
        description="Change many items safely: plan (a preview saved as JSON), run it as a "
        "journaled, paced job that resumes after any interruption, undo it.",
    )
    actions = bulk.add_subparsers(dest="bulk_command", metavar="ACTION")
    actions.required = True

    def common(action: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
        action.add_argument("--account", metavar="NAME", help="the account (needed if several)")
        action.add_argument(
            "--profile", metavar="DIR", default=argparse.SUPPRESS, help=profile_help
        )
        if json_flag:
            action.add_argument("--json", action="store_true", help="print one JSON object")

    plan = actions.add_parser(
        "plan",
        help="preview a change and save it as a plan",
        description="Preview a change of many items and save it as PLAN.json; nothing is "
        "written to Podio. FIELD is a field's external id or label; `tags` names the tags.",
    )
    plan.add_argument("--app", type=int, required=True, metavar="APP_ID")
    which = plan.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--filter",
        metavar="JSON",
        help="the items matching Podio filters (a category takes option ids or texts)",
    )
    which.add_argument("--view", type=int, metavar="VIEW_ID", help="the items of a saved view")
    which.add_argument(
        "--ids", metavar="FILE", help="item ids or Podio item links, one a line ('-': stdin)"
    )
    which.add_argument("--csv", metavar="FILE", help="rows of a CSV or XLSX file")
    plan.add_argument(
        "--key", metavar="FIELD", default="item_id",
        help="with --csv: the column matching rows to items, item_id or a unique field",
    )  # fmt: skip
    plan.add_argument(
        "--create", action="store_true", help="with --csv --key FIELD: rows no item matches "
        "create one"
    )  # fmt: skip
    for flag, kind, metavar, text in _OPERATIONS:
        plan.add_argument(flag, action=_Operation, kind=kind, metavar=metavar, help=text)
    plan.add_argument(
        "--delete", action=_Operation, kind="delete", nargs=0, help="delete the items"
    )
    plan.add_argument("--silent", action="store_true", help="no notifications to followers")
    plan.add_argument("--no-hook", action="store_true", help="no webhooks or workflow automations")
    plan.add_argument(
        "--export", metavar="FILE", help="with --delete: first save the items to CSV or XLSX"
    )
    plan.add_argument("-o", "--output", metavar="PLAN.json", required=True)
    common(plan)
    plan.set_defaults(handler=_lazy("_plan"), operations=[])

    run = actions.add_parser(
        "run",
        help="run a plan (prints the job id); the same command resumes it",
        description="Run a plan as a journaled job. Run the same command again after an "
        "interruption (Ctrl+C, a crash, no connection) and it continues where it stopped.",
    )
    run.add_argument("plan", metavar="PLAN.json")
    run.add_argument("--log", metavar="FILE", help="write the result log (CSV or XLSX)")
    common(run)
    run.set_defaults(handler=_lazy("_run_plan"))

    status = actions.add_parser("status", help="where a job stands")
    status.add_argument("job", type=int, metavar="JOB")
    common(status)
    status.set_defaults(handler=_lazy("_status"))

    undo = actions.add_parser(
        "undo",
        help="restore what a job changed (resumable, like run)",
        description="Restore the old values of every item a job changed. Items edited by "
        "someone else since are left alone and listed. Deleted items cannot come back.",
    )
    undo.add_argument("job", type=int, metavar="JOB")
    undo.add_argument("--log", metavar="FILE", help="write the undo's result log")
    common(undo)
    undo.set_defaults(handler=_lazy("_undo"))

    retry = actions.add_parser(
        "retry", help="plan the same change again for a job's failed and conflicted items"
    )
    retry.add_argument("job", type=int, metavar="JOB")
    retry.add_argument("-o", "--output", metavar="PLAN.json", required=True)
    common(retry)
    retry.set_defaults(handler=_lazy("_retry"))

    log = actions.add_parser("log", help="write a job's result log (CSV or XLSX)")
    log.add_argument("job", type=int, metavar="JOB")
    log.add_argument("-o", "--output", metavar="FILE", required=True)
    common(log, json_flag=False)
    log.set_defaults(handler=_lazy("_log"))

    jobs = actions.add_parser("jobs", help="list the account's bulk jobs")
    common(jobs)
    jobs.set_defaults(handler=_lazy("_jobs"))

    cancel = actions.add_parser("cancel", help="cancel a job that is not running")
    cancel.add_argument("job", type=int, metavar="JOB")
    common(cancel)
    cancel.set_defaults(handler=_lazy("_cancel"))
