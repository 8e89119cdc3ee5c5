"""Transport behaviour that needs no sandbox: unreachable servers and what is retried."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta

import pytest

from podio_desk.api.errors import Offline, WriteOutcomeUnknown
from podio_desk.api.transport import Transport, TransportConfig


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_server_is_offline_after_retries() -> None:
    sleeps: list[float] = []

    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    async def scenario() -> None:
        config = TransportConfig(base_url=f"http://127.0.0.1:{_unused_port()}", read_retries=3)
        transport = Transport(config, sleep=record, jitter=lambda: 1.0)
        try:
            with pytest.raises(Offline) as caught:
                await transport.request("GET", "/org/")
            assert not isinstance(caught.value, WriteOutcomeUnknown)
            assert caught.value.user_message == Offline.default_message
        finally:
            await transport.aclose()

    asyncio.run(scenario())
    assert sleeps == [0.25, 0.5, 1.0]  # capped exponential backoff (jitter pinned to 1.0)


def test_write_that_never_left_is_plain_offline_and_not_retried() -> None:
    sleeps: list[float] = []

    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    async def scenario() -> None:
        config = TransportConfig(base_url=f"http://127.0.0.1:{_unused_port()}")
        transport = Transport(config, sleep=record)
        try:
            with pytest.raises(Offline) as caught:
                await transport.request("PUT", "/item/1", json={"fields": {}})
            # Connection refused: nothing was sent, so the outcome is known (not applied).
            assert not isinstance(caught.value, WriteOutcomeUnknown)
        finally:
            await transport.aclose()

    asyncio.run(scenario())
    assert sleeps == []


def test_a_body_read_cancelled_between_chunks_closes_its_stream_in_its_own_task() -> None:
    """`_read_body` turns the loop between network reads; after a cancel landing there the
    stream must still end in the task that read it (not later, by the garbage collector in
    another task, where httpcore cannot release its locks)."""
    import httpx

    from podio_desk.api.transport import _read_body

    closed_in: list[asyncio.Task[object] | None] = []
    first_chunk = asyncio.Event()

    async def body():
        try:
            yield b"x" * 65536
            first_chunk.set()
            for _ in range(100):
                yield b"y" * 65536
        finally:
            closed_in.append(asyncio.current_task())

    async def scenario() -> None:
        response = httpx.Response(200, content=body())
        reader = asyncio.create_task(_read_body(response))
        await first_chunk.wait()
        reader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reader
        assert closed_in == [reader]

    asyncio.run(scenario())


def test_a_body_is_read_whole() -> None:
    import httpx

    from podio_desk.api.transport import _read_body

    async def body():
        for part in (b"ab", b"", b"cd" * 40000):
            yield part

    assert asyncio.run(_read_body(httpx.Response(200, content=body()))) == b"ab" + b"cd" * 40000


def test_server_now_follows_the_date_of_the_latest_answer_and_not_this_machines_clock() -> None:
    import httpx

    dates = iter(
        ["Wed, 01 Jan 2020 12:00:00 GMT", None, "not a date", "Thu, 02 Jan 2020 08:30:00 +0100"]
    )

    def answer(request: httpx.Request) -> httpx.Response:
        date = next(dates)
        headers = {"Date": date} if date is not None else {}
        return httpx.Response(200, json={}, headers=headers)

    async def scenario() -> list[datetime | None]:
        http = httpx.AsyncClient(
            base_url="http://podio.test", transport=httpx.MockTransport(answer)
        )
        transport = Transport(TransportConfig(base_url="http://podio.test"), http=http)
        try:
            seen = [transport.server_now()]
            for _ in range(4):
                await transport.request("GET", "/org/")
                seen.append(transport.server_now())
            return seen
        finally:
            await transport.aclose()

    before, first, missing, garbage, last = asyncio.run(scenario())
    assert before is None
    assert first is not None
    assert missing is not None
    assert garbage is not None
    assert last is not None
    noon = datetime(2020, 1, 1, 12, tzinfo=UTC)
    # Advanced by the time elapsed since the answer came in (a test's worth of seconds).
    assert noon <= first < noon + timedelta(minutes=1)
    # Answers without a usable Date leave the last one in place.
    assert first <= missing <= garbage < noon + timedelta(minutes=1)
    seven_thirty = datetime(2020, 1, 2, 7, 30, tzinfo=UTC)
    assert seven_thirty <= last < seven_thirty + timedelta(minutes=1)
    assert last.utcoffset() == timedelta(0)
