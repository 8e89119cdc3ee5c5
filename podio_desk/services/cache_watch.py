"""Noticing what another process wrote to an account's cache file (`podio-desk sync` in a
terminal, a second window), so the window shows it without being asked.

The check is `PRAGMA data_version` of the cache's writer connection, run on the writer
thread every `WATCH_SECONDS`: it moves with every commit of another connection to the file
and never with the writer's own, so the window's own saves do not count. The window's own
sync runs in a child process, so its commits do count; the caller skips an app that the
window is syncing itself (it reloads when that sync ends)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from podio_desk.cache.db import CacheBusyError
from podio_desk.cache.worker import WorkerClosedError
from podio_desk.services.session import AccountSession

log = logging.getLogger(__name__)

# How often the file is checked: a sync in a terminal shows in the window within this time.
WATCH_SECONDS = 2.0


async def watch_cache(
    session: AccountSession,
    on_change: Callable[[], object],
    interval: float = WATCH_SECONDS,
) -> None:
    """Call `on_change` after another process committed to the session's cache file; runs
    until cancelled or until the cache is closed."""
    database = session.cache.db
    try:
        seen = await database.external_version()
        while True:
            await asyncio.sleep(interval)
            try:
                version = await database.external_version()
            except CacheBusyError:
                continue
            if version != seen:
                seen = version
                on_change()
    except WorkerClosedError:
        log.debug("cache of %s closed: no longer watched", session.key)
