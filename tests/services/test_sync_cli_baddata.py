"""`podio-desk sync` and `account add` with bad files and bad addresses: one sentence that
says what to do, a non-zero exit, never a traceback."""

from __future__ import annotations

import http.server
import json
import random
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from podio_desk.cli import main
from podio_desk.sandbox import Sandbox
from tests.services.test_sync_cli import add_args

PAGE = 4096
DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda data: data[: len(data) // 2],
    "random bytes": lambda data: random.Random(1).randbytes(len(data)),
    "a page overwritten mid-file": lambda data: (
        data[: len(data) // PAGE // 2 * PAGE]
        + random.Random(2).randbytes(PAGE)
        + data[len(data) // PAGE // 2 * PAGE + PAGE :]
    ),
}


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_a_damaged_cache_is_one_sentence_naming_the_rebuild_command_which_works(
    kind: str, sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    assert main(add_args(sandbox, profile)) == 0
    assert main(["sync", "--profile", str(profile)]) == 0
    capsys.readouterr()
    (path,) = (profile / "cache").glob("*.sqlite3")
    damaged = DAMAGE[kind](path.read_bytes())
    path.write_bytes(damaged)

    # Damage past the file's start is looked for when asked (or after an unclean close).
    check = ["--check"] if kind == "a page overwritten mid-file" else []
    assert main(["sync", "--profile", str(profile), *check]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"podio-desk sync: error: the cache file {path} is damaged")
    command = f"podio-desk sync --profile {profile} --rebuild-cache"
    assert err.endswith(f"build a new one from Podio with `{command}`")
    assert path.read_bytes() == damaged  # nothing is touched without being asked

    assert main(command.split()[1:]) == 0
    out = capsys.readouterr().out
    (aside,) = (profile / "cache").glob("*.sqlite3.corrupt-*")
    assert f"set aside as {aside}" in out
    assert aside.read_bytes() == damaged
    items = sum(int(app["items"]) for app in sandbox.info["apps"])
    assert f"{items} added" in out.splitlines()[-1]
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("SELECT count(*) FROM items").fetchone()[0] == items


# ------------------------------------------------------------------ bad addresses


class _NotPodio(http.server.BaseHTTPRequestHandler):
    """A server that is not Podio; the first part of the path picks how it answers."""

    seen: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append(self.path)
        mode = self.path.strip("/").split("/")[0]
        if mode == "redirect":
            self._send(301, b"", "text/plain", {"Location": "https://example.invalid/api"})
        elif mode == "page":
            self._send(200, b"<!DOCTYPE html><html><body>Welcome</body></html>", "text/html")
        elif mode == "missing":
            self._send(404, b"<html><body>Not Found</body></html>", "text/html")
        else:
            self._send(200, json.dumps({"hello": "world"}).encode(), "application/json")

    def _send(
        self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def not_podio() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    handler = type("Handler", (_NotPodio,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# (the --api-url, given the fake server's address; what the sentence must say)
BAD_ADDRESSES: dict[str, tuple[Callable[[str], str], str]] = {
    "empty": (lambda base: "", "is empty"),
    "blank": (lambda base: "  ", "is empty"),
    "remote plain http": (lambda base: "http://api.example.com", "use https://"),
    "port too large": (lambda base: "https://127.0.0.1:99999", "not a valid address"),
    "port not a number": (lambda base: "https://127.0.0.1:abc", "not a valid address"),
    "not an address": (lambda base: "api dot podio", "contains spaces"),
    "another scheme": (lambda base: "ftp://api.podio.com", "not a web address"),
    "a redirect": (lambda base: f"{base}/redirect", "redirect"),
    "a web page": (lambda base: f"{base}/page", "web page"),
    "an HTML error page": (lambda base: f"{base}/missing", "web page"),
    "JSON that is not Podio's": (lambda base: f"{base}/json", "not as Podio does"),
}


@pytest.mark.parametrize("case", sorted(BAD_ADDRESSES))
def test_a_bad_api_address_is_one_sentence_and_no_traceback(
    case: str, not_podio: tuple[str, list[str]], tmp_path: Path
) -> None:
    base, seen = not_podio
    make_url, expected = BAD_ADDRESSES[case]
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "podio_desk",
            "account",
            "add",
            "--profile",
            str(tmp_path / "p"),
            "--name",
            "Work",
            "--api-url",
            make_url(base),
            "--client-id",
            "id",
            "--client-secret",
            "secret",
            "--username",
            "me@example.com",
            "--password",
            "pw",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert process.returncode == 1
    err = process.stderr.strip()
    assert "Traceback" not in process.stderr
    assert len(err.splitlines()) == 1, err
    assert err.startswith("podio-desk account add: error: ")
    assert expected in err
    assert "check the API address" in err or "give" in err or "use https://" in err
    assert "cannot be reached" not in err  # a wrong address is not "offline"
    if not make_url(base).startswith(base):
        assert seen == []  # refused before any request


def test_a_misconfigured_address_is_not_offline() -> None:
    from podio_desk.api.errors import BadApiAddress, NotPodio, Offline
    from podio_desk.services.connectivity import ConnectivityMonitor, is_offline_error

    assert is_offline_error(Offline())
    monitor = ConnectivityMonitor()
    for error in (NotPodio(), BadApiAddress()):
        assert not is_offline_error(error)
        monitor.report_error(error)
        assert monitor.online
