"""Shared helpers for the api integration tests (plain asyncio, real HTTP to the sandbox)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from podio_desk.api.auth import ClientCredentials
from podio_desk.api.client import PodioClient
from podio_desk.api.ratelimit import RateLimitScheduler
from podio_desk.api.transport import TransportConfig

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def info_value(info: Any, name: str) -> Any:
    return info[name] if isinstance(info, dict) else getattr(info, name)


def first_app(sandbox: Any) -> dict[str, Any]:
    apps = info_value(sandbox.info, "apps")
    entry = apps[0]
    return entry if isinstance(entry, dict) else dict(vars(entry))


def app_entry(sandbox: Any, name: str) -> dict[str, Any]:
    for entry in info_value(sandbox.info, "apps"):
        data = entry if isinstance(entry, dict) else dict(vars(entry))
        if data.get("name") == name:
            return data
    raise LookupError(name)


def credentials(sandbox: Any) -> ClientCredentials:
    return ClientCredentials(
        info_value(sandbox.info, "client_id"), info_value(sandbox.info, "client_secret")
    )


async def no_wait(_seconds: float) -> None:
    await asyncio.sleep(0)


def make_client(
    sandbox: Any,
    *,
    scheduler: RateLimitScheduler | None = None,
    config: TransportConfig | None = None,
    **kwargs: Any,
) -> PodioClient:
    config = config or TransportConfig(base_url=sandbox.url, read_timeout=30.0)
    kwargs.setdefault("sleep", no_wait)  # transport retry backoff: no need to really wait
    return PodioClient(credentials(sandbox), config=config, scheduler=scheduler, **kwargs)


async def signed_in(sandbox: Any, **kwargs: Any) -> PodioClient:
    client = make_client(sandbox, **kwargs)
    await client.session.sign_in_password(
        info_value(sandbox.info, "username"), info_value(sandbox.info, "password")
    )
    return client


class FastClock:
    """Simulated time for the scheduler: sleeping moves the clock (and the sandbox's) at once."""

    def __init__(self, sandbox: Any | None = None) -> None:
        self.now = 10_000.0
        self.sandbox = sandbox
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.now += seconds
        self.slept += seconds
        if self.sandbox is not None and seconds:
            self.sandbox.control.advance_clock(seconds)
        await asyncio.sleep(0)
