"""`podio-desk sandbox`: run a sandbox until killed, announcing itself with one JSON line."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import threading
    from types import FrameType


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help="run a local Podio (the sandbox) on 127.0.0.1 until killed",
        description="Run a local Podio over HTTP. Prints one JSON line with the URL and "
        "credentials once it is listening, then serves until SIGINT/SIGTERM (or, with "
        "--exit-with-stdin, until its standard input closes).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    parser.add_argument("--items", type=int, default=200, help="items in the large app")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated data")
    parser.add_argument("--data", metavar="FILE", help="SQLite file keeping the state")
    parser.add_argument(
        "--token-ttl",
        type=int,
        default=28800,
        metavar="SECONDS",
        help="lifetime of access tokens (Podio: 28800)",
    )
    parser.add_argument(
        "--rate-limit",
        default="1000,250",
        metavar="GENERAL,HEAVY",
        help="calls per hour per user per client, general and heavy class",
    )
    parser.add_argument(
        "--gateway",
        action="store_true",
        help="also act as an API gateway in front of it: Podio's paths under /podio, a "
        "Bearer API key (printed as gateway_api_key), no X-Rate-Limit-* headers, 429 with "
        "Retry-After past the gateway's own limit",
    )
    parser.add_argument(
        "--gateway-key", metavar="KEY", help="the gateway's API key (default: a random one)"
    )
    parser.add_argument(
        "--gateway-limit",
        default="1000,3600",
        metavar="CALLS,SECONDS",
        help="the gateway's own rate limit: CALLS per SECONDS (default 1000,3600)",
    )
    parser.add_argument(
        "--exit-with-stdin",
        action="store_true",
        help="also stop when standard input closes: a parent holding the other end of a pipe "
        "takes the sandbox down with it, even when the parent is killed",
    )


def _limits(text: str, option: str, form: str) -> tuple[int, int]:
    first, _, second = text.partition(",")
    try:
        limits = (int(first), int(second))
    except ValueError:
        raise SystemExit(f"{option} wants {form} (two whole numbers), got {text!r}") from None
    if min(limits) < 1:
        raise SystemExit(f"{option} values must be at least 1")
    return limits


def _set_at_end_of_input(stop: threading.Event) -> None:
    """Read standard input to its end, then set `stop`: the parent closed it or died."""
    import os

    try:
        descriptor = sys.stdin.fileno()
        while os.read(descriptor, 4096):
            pass
    except (AttributeError, OSError, ValueError):
        pass  # no or an unreadable stdin counts as closed
    stop.set()


def run(args: argparse.Namespace) -> int:
    # The server's imports: not when `podio-desk` only builds its command line.
    import json
    import signal
    import sqlite3
    import threading

    from podio_desk.sandbox.runner import Sandbox, SandboxConfig

    if args.items < 0:
        raise SystemExit("--items must be 0 or more")
    gateway = None
    if args.gateway:
        import secrets

        from podio_desk.sandbox.gateway import GatewayConfig

        calls, seconds = _limits(args.gateway_limit, "--gateway-limit", "CALLS,SECONDS")
        gateway = GatewayConfig(
            api_key=args.gateway_key or secrets.token_urlsafe(24), limit=calls, window=seconds
        )
    config = SandboxConfig(
        gateway=gateway,
        seed=args.seed,
        items=args.items,
        token_ttl=args.token_ttl,
        rate_limits=_limits(args.rate_limit, "--rate-limit", "GENERAL,HEAVY"),
        data_file=args.data,
        host=args.host,
        port=args.port,
    )
    stop = threading.Event()
    if args.exit_with_stdin:
        # Watched from the start: a parent that dies while the data is seeded ends us too.
        threading.Thread(
            target=_set_at_end_of_input, args=(stop,), daemon=True, name="sandbox-stdin"
        ).start()
    try:
        sandbox = Sandbox(config)
    except sqlite3.DatabaseError as error:
        raise SystemExit(f"--data {args.data}: not a sandbox data file ({error})") from None
    if stop.is_set():
        return 0

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        sandbox.start()
    except OSError as error:
        raise SystemExit(f"cannot listen on {args.host}:{args.port}: {error}") from None
    try:
        # "Ready" means sorted pages answer fast: wait for the warm-up of large apps.
        sandbox.wait_until_warm()
        sys.stdout.write(json.dumps(sandbox.info) + "\n")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
    return 0
