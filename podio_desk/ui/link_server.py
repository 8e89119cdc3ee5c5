"""A second `podio-desk PODIO_LINK` hands its link to the window already running on the same
profile, over a local socket, and exits instead of starting a second window.

The running app listens once its accounts are ready (a link must find an account); until
then, and when nothing listens, the second start runs as before. One line per connection:
the link's text out, "ok" back once the window has taken it.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from podio_desk import APP_ID

log = logging.getLogger(__name__)

HAND_OVER_TIMEOUT_MS = 3000
ACK = b"ok\n"
MAX_LINE = 8192


def server_name(profile_root: Path) -> str:
    """The socket's name for a profile: one running window per user and profile folder."""
    digest = hashlib.sha256(str(profile_root.resolve()).encode("utf-8")).hexdigest()[:20]
    user = os.getuid() if hasattr(os, "getuid") else 0
    return f"{APP_ID}-{user}-{digest}"


def hand_over_link(name: str, text: str, timeout_ms: int = HAND_OVER_TIMEOUT_MS) -> bool:
    """Send `text` to the window listening as `name`; True once it has taken it.

    Blocking, and only called before this process builds a window of its own.
    """
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    try:
        socket.write(text.encode("utf-8") + b"\n")
        if not socket.waitForBytesWritten(timeout_ms):
            return False
        received = b""
        while not received.endswith(b"\n") and socket.waitForReadyRead(timeout_ms):
            received += bytes(socket.readAll().data())
        return received == ACK
    finally:
        socket.abort()


class LinkServer(QObject):
    """Listens for links handed over by later starts on the same profile.

    Signals:
        link_received(str): the text of a link (not yet checked).
    """

    link_received = Signal(str)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        # Only this user may connect (the socket file lives in a shared temp folder).
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_new_connection)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        """Start listening; a socket file left by a crashed run is replaced. False (logged)
        when another window on this profile already listens or the name cannot be used."""
        probe = QLocalSocket()
        probe.connectToServer(self.name)
        if probe.waitForConnected(200):
            probe.abort()
            log.info("Another window listens for links on this profile; this one does not")
            return False
        QLocalServer.removeServer(self.name)
        if not self._server.listen(self.name):
            log.warning("Cannot listen for links: %s", self._server.errorString())
            return False
        return True

    def close(self) -> None:
        self._server.close()

    def _on_new_connection(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._buffers[socket] = b""
            socket.readyRead.connect(lambda s=socket: self._on_ready_read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))

    def _on_ready_read(self, socket: QLocalSocket) -> None:
        data = self._buffers.get(socket, b"") + bytes(socket.readAll().data())
        if b"\n" not in data:
            if len(data) > MAX_LINE:
                socket.abort()
                self._forget(socket)
            else:
                self._buffers[socket] = data
            return
        line = data.split(b"\n", 1)[0]
        self._buffers[socket] = b""
        socket.write(ACK)
        socket.flush()
        socket.disconnectFromServer()
        self.link_received.emit(line.decode("utf-8", errors="replace").strip())

    def _forget(self, socket: QLocalSocket) -> None:
        if self._buffers.pop(socket, None) is not None:
            socket.deleteLater()


def listen_for_links(
    profile_root: Path, on_link: Callable[[str], None], parent: QObject | None = None
) -> LinkServer | None:
    """A listening LinkServer for this profile calling `on_link`, or None (see listen)."""
    server = LinkServer(server_name(profile_root), parent)
    if not server.listen():
        server.deleteLater()
        return None
    server.link_received.connect(on_link)
    return server
