"""A second `podio-desk PODIO_LINK` hands its link to the window already running on the same
profile, over a local socket, and exits instead of starting a second window.

The running app listens once its accounts are ready (a link must find an account); until
then, and when nothing listens, the second start runs as before. One line per connection:
the link's text out, "ok" back once the window has handled it (brought itself to the front and
started opening it, or said in its status bar why it cannot), "failed" back when handling it
failed; the second start then opens its own window, as when nothing listens.

The socket is a Unix domain socket in a folder only this user can enter ($XDG_RUNTIME_DIR, or
a private folder in the temp directory), named after the profile folder. Python's own
sockets on the app's asyncio loop, so the frozen bundle needs no Qt network module. Where
there are no Unix sockets (Windows), every start opens its own window.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
import stat
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from podio_desk import APP_ID

log = logging.getLogger(__name__)

HAND_OVER_TIMEOUT = 3.0
ACK = b"ok\n"
FAILED = b"failed\n"
MAX_LINE = 8192


def socket_path(profile_root: Path, environ: Mapping[str, str] | None = None) -> Path | None:
    """Where the window on this profile listens; None without Unix sockets or a private
    folder to put one in."""
    if not hasattr(socket, "AF_UNIX") or not hasattr(os, "getuid"):
        return None
    env = os.environ if environ is None else environ
    digest = hashlib.sha256(str(profile_root.resolve()).encode("utf-8")).hexdigest()[:20]
    runtime = env.get("XDG_RUNTIME_DIR")
    folder = Path(runtime) if runtime else Path(tempfile.gettempdir()) / f"{APP_ID}-{os.getuid()}"
    if not _private_folder(folder, create=not runtime):
        return None
    return folder / f"{APP_ID}-{digest}.sock"


def hand_over_link(path: Path | None, text: str, timeout: float = HAND_OVER_TIMEOUT) -> bool:
    """Send `text` to the window listening at `path`; True once it has handled it.

    Blocking, and only called before this process builds a window of its own.
    """
    if path is None or not path.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(timeout)
            client.connect(str(path))
            client.sendall(text.encode("utf-8") + b"\n")
            received = b""
            while not received.endswith(b"\n") and len(received) < len(FAILED):
                chunk = client.recv(64)
                if not chunk:
                    break
                received += chunk
            return received == ACK
    except OSError:
        return False  # nobody listens (a file left by a crash), or no answer in time


class LinkServer:
    """Listens at `path` and calls `on_link(text)` on the loop for each link handed over."""

    def __init__(self, path: Path, on_link: Callable[[str], None]) -> None:
        self.path = path
        self._on_link = on_link
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> bool:
        """Listen; a socket file left by a crashed run is replaced. False (logged) when
        another window on this profile already listens or the socket cannot be made."""
        if await asyncio.to_thread(hand_over_link, self.path, "", 0.5):
            log.info("Another window listens for links on this profile; this one does not")
            return False
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        try:
            self._server = await asyncio.start_unix_server(
                self._serve, path=str(self.path), limit=MAX_LINE
            )
        except OSError as error:
            log.warning("Cannot listen for links at %s: %s", self.path, error)
            return False
        return True

    async def aclose(self) -> None:
        if self._server is None:
            return
        self._server.close()
        await self._server.wait_closed()
        self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), HAND_OVER_TIMEOUT)
            text = line.decode("utf-8", errors="replace").strip()
            answer = ACK if not text or self._handled(text) else FAILED  # empty: the probe
            writer.write(answer)
            await writer.drain()
        except (OSError, ValueError, TimeoutError) as error:
            log.info("A link hand-over failed: %s", error)
        finally:
            writer.close()

    def _handled(self, text: str) -> bool:
        try:
            self._on_link(text)
        except Exception:
            log.exception("The window could not take the link handed over")
            return False
        return True


async def listen_for_links(profile_root: Path, on_link: Callable[[str], None]) -> LinkServer | None:
    """A listening LinkServer for this profile calling `on_link`, or None (see start)."""
    path = socket_path(profile_root)
    if path is None:
        return None
    server = LinkServer(path, on_link)
    return server if await server.start() else None


def _private_folder(folder: Path, *, create: bool) -> bool:
    """True when `folder` exists (made if asked) and is this user's alone."""
    try:
        if create:
            folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.stat()
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IRWXG | stat.S_IRWXO)
