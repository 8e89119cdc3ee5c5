"""File contents read from Podio, kept in a size-capped folder of the profile.

Sync keeps an item's files *list*; a file's bytes are fetched only when the user opens or
saves one, and then kept here (`<profile>/files/<account>/<file_id>`), so a file opened once
opens again offline. When the folder grows past its cap the files used longest ago go first
(their modification time is touched on every use). Blocking file work runs in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_CAP_BYTES = 256 * 1024 * 1024


class FileCache:
    def __init__(self, folder: Path, cap_bytes: int = DEFAULT_CAP_BYTES) -> None:
        self.folder = folder
        self.cap_bytes = cap_bytes

    def _path(self, file_id: int) -> Path:
        return self.folder / str(int(file_id))

    async def get(self, file_id: int) -> bytes | None:
        return await asyncio.to_thread(self._get, file_id)

    async def put(self, file_id: int, content: bytes) -> None:
        await asyncio.to_thread(self._put, file_id, content)

    def _get(self, file_id: int) -> bytes | None:
        path = self._path(file_id)
        try:
            content = path.read_bytes()
        except OSError:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: the last to go when the folder is trimmed
        return content

    def _put(self, file_id: int, content: bytes) -> None:
        if len(content) > self.cap_bytes:
            return  # larger than the whole folder may hold: not kept
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # Written aside, then renamed: a reader never sees half a file.
            fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".part-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            os.replace(temporary, self._path(file_id))
        except OSError as error:
            log.warning("Could not keep file %s for offline use: %s", file_id, error)
            return
        self._trim()

    def _trim(self) -> None:
        entries = []
        for path in self.folder.iterdir():
            if path.name.startswith(".part-"):
                continue
            with contextlib.suppress(OSError):
                status = path.stat()
                entries.append((status.st_mtime, status.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.cap_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size
