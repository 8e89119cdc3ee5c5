"""A bulk job's writes go over connections the account's client keeps open: against a server
that keeps connections alive (as Podio does), consecutive writes use one connection. The
sandbox cannot show it (its werkzeug server closes each connection after its answer), so a
minimal HTTP/1.1 server stands in, counting the connections it accepts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from collections.abc import Iterator

import pytest

from podio_desk.api.ratelimit import Priority
from podio_desk.api.transport import Transport, TransportConfig


class KeepAliveServer:
    """Answers every request with 200 and a small JSON body, keeping the connection open."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.accepted = 0
        self.answered = 0
        self._threads: list[threading.Thread] = []
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            self._open.append(connection)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")
        with connection, reader:
            while True:
                try:
                    request_line = reader.readline()
                except OSError:
                    return
                if not request_line:
                    return
                length = 0
                while (line := reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                reader.read(length)
                self.answered += 1
                body = json.dumps({"revision": self.answered}).encode()
                head = (
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n"
                ).encode()
                connection.sendall(head + body)

    def close(self) -> None:
        self.listener.close()
        for connection in self._open:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)


@pytest.fixture
def keep_alive_server() -> Iterator[KeepAliveServer]:
    server = KeepAliveServer()
    yield server
    server.close()


def test_consecutive_writes_reuse_one_connection(keep_alive_server: KeepAliveServer) -> None:
    async def writes() -> list[int]:
        transport = Transport(
            TransportConfig(base_url=f"http://127.0.0.1:{keep_alive_server.port}")
        )
        try:
            revisions = []
            for item_id in range(1, 31):
                answer = await transport.request(
                    "PUT",
                    f"/item/{item_id}",
                    json={"fields": {"title": "x"}, "revision": 1},
                    priority=Priority.USER_JOB,
                )
                revisions.append(int(answer.json()["revision"]))
            return revisions
        finally:
            await transport.aclose()

    assert asyncio.run(writes()) == list(range(1, 31))
    assert keep_alive_server.accepted == 1
