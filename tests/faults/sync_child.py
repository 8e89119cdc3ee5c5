"""One sync of one app in its own process, so that a test can kill -9 it mid-way.

    python -m tests.faults.sync_child URL CLIENT_ID SECRET USER PASSWORD APP_ID CACHE_DIR PAGE \
        [NAME]

Prints "<phase> <done>" after every committed page (progress comes after the page's
transaction), then "finished". The cache is NAME (`CACHE_NAME` when left out) in CACHE_DIR:
an account's key syncs into the cache a window has open. `start` runs it.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient
from podio_desk.cache.cache import Cache
from podio_desk.sandbox import Sandbox
from podio_desk.services.sync import PodioSyncApi, SyncProgress, SyncService

ROOT = Path(__file__).resolve().parents[2]
CACHE_NAME = "acct"


def start(
    sandbox: Sandbox, app_id: int, cache_dir: Path, page: int, cache_name: str = CACHE_NAME
) -> subprocess.Popen[str]:
    """The child, syncing `app_id` of `sandbox` into `cache_dir`; its lines on stdout."""
    info = sandbox.info
    return subprocess.Popen(
        [
            sys.executable, "-m", "tests.faults.sync_child", sandbox.url, str(info["client_id"]),
            str(info["client_secret"]), str(info["username"]), str(info["password"]),
            str(app_id), str(cache_dir), str(page), cache_name,
        ],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


def end(child: subprocess.Popen[str]) -> None:
    """Kill the child if it still runs, and close its pipes."""
    if child.poll() is None:
        child.kill()
        child.wait()
    for stream in (child.stdout, child.stderr):
        if stream is not None:
            stream.close()


async def main(argv: list[str]) -> None:
    url, client_id, secret, user, password, app_id, cache_dir, page, *name = argv
    client = PodioClient(ClientCredentials(client_id, secret), base_url=url)
    cache = await Cache.open(Path(cache_dir), name[0] if name else CACHE_NAME)
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
