"""One sync of one app in its own process, so that a test can kill -9 it mid-way.

    python -m tests.faults.sync_child URL CLIENT_ID SECRET USER PASSWORD APP_ID CACHE_DIR PAGE

Prints "<phase> <done>" after every committed page (progress comes after the page's
transaction), then "finished".
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
    url, client_id, secret, user, password, app_id, cache_dir, page = argv
    client = PodioClient(ClientCredentials(client_id, secret), base_url=url)
    cache = await Cache.open(Path(cache_dir), "faults")
    try:
        await client.session.sign_in_password(user, password)
        service = SyncService(PodioSyncApi(client), cache, page_size=int(page))

        def report(event: SyncProgress) -> None:
            print(f"{event.phase} {event.done}", flush=True)

        await service.sync_app(int(app_id), on_progress=report)
        print("finished", flush=True)
    finally:
        await cache.aclose()
        await client.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
