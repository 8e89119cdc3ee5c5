"""Command line: `podio-desk [options]` starts the window; subcommands run headless jobs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from podio_desk import APP_NAME, __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="podio-desk",
        description=f"{APP_NAME}: a desktop client for Podio.",
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
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # `account add` and `sync` (headless cache prefetch); each sets args.handler.
    from podio_desk import cli_sync

    cli_sync.add_subcommands(subcommands)
    # `sandbox`: a local Podio for the demo and the tests (podio_desk/sandbox/command.py).
    from podio_desk.sandbox.command import add_parser as add_sandbox_parser

    add_sandbox_parser(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
