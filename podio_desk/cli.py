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
        "--smoke-test",
        action="store_true",
        help="start offscreen with a temporary profile, build the window, touch the keyring",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from podio_desk.app import run_gui

        return run_gui(args)
    parser.error(f"unknown command {args.command!r}")
    return 2  # pragma: no cover - parser.error exits


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
