"""Runs one full sync in its own process so a test can kill -9 it mid-way.

    python -m tests.cache.sync_child URL CLIENT_ID CLIENT_SECRET USER PASSWORD APP_ID \
        CACHE_DIR PAGE [KEY]

KEY names the account's cache file in CACHE_DIR ("child" when left out).

Prints "committed <done>" after every page is in the cache (the progress event comes after
the page's transaction), then "finished".
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient
from podio_desk.cache.cache import Cache
from podio_desk.services.sync import PodioSyncApi, SyncProgress, SyncService


async def main(argv: list[str]) -> None:
    url, client_id, secret, user, password, app_id, cache_dir, page, *key = argv
    client = PodioClient(ClientCredentials(client_id, secret), base_url=url)
    cache = await Cache.open(Path(cache_dir), key[0] if key else "child")
    try:
        await client.session.sign_in_password(user, password)
        service = SyncService(PodioSyncApi(client), cache, page_size=int(page))

        def report(event: SyncProgress) -> None:
            if event.phase == "full":
                print(f"committed {event.done}", flush=True)

        await service.sync_app(int(app_id), on_progress=report)
        print("finished", flush=True)
    finally:
        await cache.aclose()
        await client.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
