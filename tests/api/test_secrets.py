"""SecretStore: keyring off the loop thread, in-memory fallback with a visible warning."""

from __future__ import annotations

import asyncio
import threading

import keyring
import keyring.backend
from keyring.backends import fail, null

from podio_desk.secrets import MemoryKeyring, SecretStore


def test_roundtrip_through_the_configured_backend(
    memory_keyring: keyring.backend.KeyringBackend,
) -> None:
    async def scenario() -> None:
        store = SecretStore()
        assert store.is_persistent
        assert store.warning is None
        await store.set("acct", "token", "value-1")
        assert await store.get("acct", "token") == "value-1"
        assert await store.get("other", "token") is None
        await store.delete("acct", "token")
        await store.delete("acct", "token")  # idempotent
        assert await store.get("acct", "token") is None

    assert isinstance(memory_keyring, MemoryKeyring)
    asyncio.run(scenario())


def test_keyring_calls_leave_the_loop_thread() -> None:
    seen: list[int] = []

    class Spy(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            seen.append(threading.get_ident())
            return super().get_password(service, username)

    async def scenario() -> None:
        await SecretStore(Spy()).get("a", "b")

    asyncio.run(scenario())
    assert seen
    assert seen[0] != threading.get_ident()


def test_fail_backend_falls_back_to_memory_with_warning() -> None:
    async def scenario() -> SecretStore:
        store = SecretStore(fail.Keyring())
        await store.set("a", "token", "t")
        assert await store.get("a", "token") == "t"
        return store

    store = asyncio.run(scenario())
    assert not store.is_persistent
    assert store.warning
    assert "memory" in store.warning


def test_null_backend_is_not_persistent() -> None:
    store = SecretStore(null.Keyring())
    assert not store.is_persistent
    assert store.warning


def test_no_keyring_error_at_use_time_falls_back() -> None:
    class Broken(MemoryKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            raise keyring.errors.NoKeyringError("locked away")

    async def scenario() -> SecretStore:
        store = SecretStore(Broken())
        assert store.is_persistent
        await store.set("a", "token", "t")
        assert await store.get("a", "token") == "t"
        return store

    store = asyncio.run(scenario())
    assert not store.is_persistent
    assert store.warning


def test_memory_keyring_is_selectable_by_environment(monkeypatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "podio_desk.secrets.MemoryKeyring")
    backend = keyring.core.load_env()
    assert isinstance(backend, MemoryKeyring)


def test_locked_keyring_falls_back_instead_of_failing() -> None:
    class Locked(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise keyring.errors.KeyringLocked("user declined to unlock")

    async def scenario() -> SecretStore:
        store = SecretStore(Locked())
        assert await store.get("a", "token") is None
        await store.set("a", "token", "t")
        assert await store.get("a", "token") == "t"
        return store

    store = asyncio.run(scenario())
    assert not store.is_persistent
    assert store.warning
