"""Fixtures for the sandbox contract tests: a signed-in HTTP client against a fresh sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from podio_desk.sandbox import Sandbox
from tests.sandbox.helpers import Api


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[Api]:
    with Api(sandbox) as client:
        client.sign_in()
        yield client
