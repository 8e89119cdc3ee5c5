"""File contents: kept after the first download, capped in size, opened again offline."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from podio_desk.sandbox import Sandbox
from podio_desk.services.editing import EditingService, NotCachedError
from podio_desk.services.file_cache import FileCache
from tests.services.test_outbox import signed_in


def test_the_folder_keeps_the_files_used_last_within_its_cap(tmp_path: Path) -> None:
    cache = FileCache(tmp_path / "files", cap_bytes=250)

    async def scenario() -> list[bytes | None]:
        await cache.put(1, b"a" * 100)
        await cache.put(2, b"b" * 100)
        os.utime(tmp_path / "files" / "2", (1, 1))  # 2 used long ago
        await cache.get(1)
        await cache.put(3, b"c" * 100)  # 300 > 250: the one used longest ago goes
        await cache.put(4, b"d" * 1000)  # larger than the cap: not kept
        return [await cache.get(n) for n in (1, 2, 3, 4)]

    assert asyncio.run(scenario()) == [b"a" * 100, None, b"c" * 100, None]


def test_a_file_opened_once_opens_again_offline(sandbox: Sandbox, tmp_path: Path) -> None:
    file_ids = sorted(sandbox.state.files)[:2]
    assert len(file_ids) == 2
    online = [True]

    async def scenario() -> tuple[bytes, bytes]:
        client = await signed_in(sandbox)
        service = EditingService(client, is_online=lambda: online[0])
        service.files = FileCache(tmp_path / "files")
        try:
            first = await service.download(file_ids[0])
            sandbox.control.set_drop_rate(1.0)
            online[0] = False
            again = await service.download(file_ids[0])
            with pytest.raises(NotCachedError):
                await service.download(file_ids[1])
            return first, again
        finally:
            await client.aclose()

    first, again = asyncio.run(scenario())
    assert first == again
    assert first
