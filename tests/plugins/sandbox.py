"""pytest fixtures: a running sandbox (a local Podio over real HTTP on 127.0.0.1).

    def test_something(sandbox):                 # fresh server per test, small seed
        sandbox.url, sandbox.info, sandbox.control, sandbox.state

    def test_big(sandbox_factory):               # special configuration
        sb = sandbox_factory(items=5000, rate_limits=(10, 5))

Both stop every server they started at teardown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from podio_desk.sandbox import Sandbox, SandboxConfig

# Items in the large app ("Tickets") for the default fixture: enough to page, fast to build.
DEFAULT_TEST_ITEMS = 60


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    started: list[Sandbox] = []

    def make(**config: Any) -> Sandbox:
        config.setdefault("items", DEFAULT_TEST_ITEMS)
        sandbox = Sandbox(SandboxConfig(**config)).start()
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in reversed(started):
        sandbox.close()


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    return sandbox_factory()
