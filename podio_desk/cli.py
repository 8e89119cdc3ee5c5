"""Command line: `podio-desk [options] [PODIO_LINK]` starts the window (opening the app or
item a Podio link names, once the account is ready); subcommands run headless jobs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from podio_desk import APP_NAME, __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="podio-desk",
        usage="%(prog)s [options] [PODIO_LINK]\n       %(prog)s [options] COMMAND ...",
        description=f"{APP_NAME}: a desktop client for Podio. With a PODIO_LINK (the address "
        "of a Podio app or item, https://podio.com/ORG/SPACE/apps/APP[/items/N]) the window "
        "opens that app or item.",
    )
    parser.add_argument("--version", action="version", version=f"podio-desk {__version__}")
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="profile directory for settings, cache and logs (default: the per-user data folder)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the built-in sandbox (a local Podio) and sign into it; no account needed",
    )
    parser.add_argument(
        "--demo-if-no-account",
        action="store_true",
        help="start the demo when no account is configured (the README's run command); "
        "with an account, open it as usual",
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="start offscreen with a temporary profile, build the window, touch the keyring",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log Podio Desk's debug messages to stderr and the log file; -vv adds the "
        "libraries' own (httpx, asyncio, keyring, …), which stay at INFO otherwise. "
        "Secrets are redacted either way",
    )
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # `account add` and `sync` (headless cache prefetch); each sets args.handler.
    _add_headless_commands(subcommands)
    # `bulk`: plan, run, status and undo bulk edits (podio_desk/cli_bulk_args.py).
    from podio_desk.cli_bulk_args import add_parser as add_bulk_parser

    add_bulk_parser(subcommands)
    # `sandbox`: a local Podio for the demo and the tests (podio_desk/sandbox/command.py).
    from podio_desk.sandbox.command import add_parser as add_sandbox_parser

    add_sandbox_parser(subcommands)
    return parser


# The parser is built on every start of the window too: the commands' own modules (httpx,
# sqlite3, keyring) are imported only when one of them runs.
def _add_headless_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `account` and `sync` on the main parser's subcommands."""
    profile_help = "profile directory (overrides the one given before the command)"

    # `account add | list | remove | login` (podio_desk/cli_account.py).
    from podio_desk.cli_account import add_account_parser

    add_account_parser(subparsers, profile_help)

    sync = subparsers.add_parser(
        "sync",
        help="bring the local cache up to date",
        description="Bring the local cache up to date: a full copy of apps never synced (it "
        "resumes where an interrupted run stopped), then only what changed.",
    )
    sync.add_argument("--account", metavar="NAME", help="the account (needed if several)")
    sync.add_argument(
        "--app",
        metavar="APP_ID",
        type=int,
        action="append",
        help="sync only this app (repeatable; default: every app of the account)",
    )
    sync.add_argument("--full", action="store_true", help="re-read everything, not just changes")
    sync.add_argument(
        "--rebuild-cache",
        action="store_true",
        help="set the account's cache file aside (as <name>.corrupt-<time>) and build a new one "
        "from Podio: the way out of a damaged cache",
    )
    sync.add_argument(
        "--check",
        action="store_true",
        help="read the whole cache file first to find damage (otherwise done only when the "
        "last close of the cache was not clean)",
    )
    sync.add_argument(
        "--no-wait",
        action="store_true",
        help="fail at once when another process is syncing the same app (default: wait for it)",
    )
    details = sync.add_mutually_exclusive_group()
    details.add_argument(
        "--with-details",
        dest="with_details",
        action="store_const",
        const=True,
        default=None,
        help="from now on also keep the comments and file lists of the synced apps' items, "
        "for opening them offline (one call per item that has any; remembered per app, the "
        'window\'s "Sync with comments and files")',
    )
    details.add_argument(
        "--without-details",
        dest="with_details",
        action="store_const",
        const=False,
        help="from now on keep only the items of the synced apps (remembered per app)",
    )
    sync.add_argument("--profile", metavar="DIR", default=argparse.SUPPRESS, help=profile_help)
    sync.set_defaults(handler=_run_sync)

    # `export`: CSV or XLSX from the cache (podio_desk/cli_export.py, light to import).
    from podio_desk.cli_export import add_parser as add_export_parser

    add_export_parser(subparsers)


def _run_sync(args: argparse.Namespace) -> int:
    from podio_desk.cli_sync import run_sync

    return run_sync(args)


# Options of the main parser that take a value: the word after them is never the link.
_VALUE_OPTIONS = frozenset({"--profile"})


def split_link(argv: Sequence[str]) -> tuple[list[str], str | None]:
    """Take the link out of `argv` when it stands where a command would (`podio-desk [options]
    LINK`); argparse cannot have an optional positional beside subcommands."""
    words = list(argv)
    after_value_option = False
    for position, word in enumerate(words):
        if after_value_option:
            after_value_option = False
            continue
        if word in _VALUE_OPTIONS:
            after_value_option = True
            continue
        if word.startswith("-"):
            continue
        if "://" in word or word.lower().startswith("podio-desk:"):
            return words[:position] + words[position + 1 :], word
        break  # a command (or an unknown word, which argparse refuses)
    return words, None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    words, link_text = split_link(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(words)
    args.link = None
    if link_text is not None:
        from podio_desk.domain.links import PodioLinkError, parse_podio_link

        try:
            args.link = parse_podio_link(link_text)
        except PodioLinkError as error:
            parser.print_usage(sys.stderr)
            sys.stderr.write(f"podio-desk: error: {error}\n")
            return 2
        if args.command is not None:
            parser.print_usage(sys.stderr)
            sys.stderr.write(
                "podio-desk: error: a link opens the window; give it without a command\n"
            )
            return 2
    if args.command is None:
        from podio_desk.app import run_gui

        return run_gui(args)
    handler = getattr(args, "handler", None)
    if handler is not None:
        result: int = handler(args)
        return result
    if args.command == "sandbox":
        from podio_desk.sandbox.command import run as run_sandbox

        return run_sandbox(args)
    # Not parser.error(): it never returns, which ruff's RET503 cannot see and mypy's
    # warn_unreachable would flag on any `return` after it.
    parser.print_usage(sys.stderr)
    sys.stderr.write(f"podio-desk: error: unknown command {args.command!r}\n")
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
