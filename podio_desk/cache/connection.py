"""The connection class the cache's workers use: a place for per-connection caches."""

from __future__ import annotations

import sqlite3
from typing import Any


class CacheConnection(sqlite3.Connection):
    """sqlite3.Connection plus what is worth remembering between jobs on it: the compression
    dictionaries already read, and (on the read-only connection) each app's live item count
    with the `PRAGMA data_version` it was counted at — the count stays valid until another
    connection commits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dictionaries: dict[int, bytes] = {}
        self.read_only = False
        self.totals: dict[int, tuple[int, int]] = {}
