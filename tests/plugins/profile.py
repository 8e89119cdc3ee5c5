"""pytest fixtures: every test runs with its own temporary profile and an in-memory keyring.

Nothing a test does can reach the user's real profile folder or the system keychain: the
profile comes from $PODIO_DESK_PROFILE (honoured by services/profile.py), XDG folders point
into the test's tmp_path, and keyring uses podio_desk.secrets.MemoryKeyring both through
PYTHON_KEYRING_BACKEND (for code that asks keyring, and for subprocesses) and as keyring's
global backend (set before the first test, fresh for each test).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest

from podio_desk.domain.redaction import forget_known_secrets
from podio_desk.secrets import MemoryKeyring
from podio_desk.services.profile import PROFILE_ENV_VAR, Profile, resolve_profile

MEMORY_KEYRING = f"{MemoryKeyring.__module__}.{MemoryKeyring.__qualname__}"


def pytest_configure(config: pytest.Config) -> None:
    # Before any test or import-time code could ask keyring for the system backend.
    os.environ["PYTHON_KEYRING_BACKEND"] = MEMORY_KEYRING
    keyring.set_keyring(MemoryKeyring())


@pytest.fixture(autouse=True)
def isolated_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The test's profile folder (not created yet); also isolates XDG folders and keyring."""
    root = tmp_path / "profile"
    monkeypatch.setenv(PROFILE_ENV_VAR, str(root))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", MEMORY_KEYRING)
    fresh_keyring = MemoryKeyring()
    keyring.set_keyring(fresh_keyring)
    forget_known_secrets()  # the log redaction's secrets, like the keyring's, are per test
    yield root
    if not isinstance(keyring.get_keyring(), MemoryKeyring):
        pytest.fail("the test replaced the in-memory keyring with a real backend")
    keyring.set_keyring(MemoryKeyring())


@pytest.fixture
def profile(isolated_profile: Path) -> Profile:
    """The test's profile, created (settings.ini path, cache/ and logs/ ready)."""
    return resolve_profile().ensure_exists()


@pytest.fixture
def memory_keyring() -> keyring.backend.KeyringBackend:
    """The in-memory keyring backend this test uses (empty at the start of the test)."""
    return keyring.get_keyring()
