"""The only module that talks to keyring.

Tokens and client secrets live here and nowhere else: never in the profile JSON, never in the
cache, never in a log line. Every keyring call runs in a worker thread (``asyncio.to_thread``)
because real backends (Secret Service over D-Bus, macOS Keychain, Windows Credential Manager)
can block for seconds, e.g. while an unlock prompt is shown.

Backend choice follows keyring's own rules, so ``PYTHON_KEYRING_BACKEND`` is honoured natively.
When no usable backend exists (keyring's ``fail`` or ``null`` backend, or ``NoKeyringError``),
secrets are kept in memory for this run only and :attr:`SecretStore.warning` says so; nothing is
ever written to disk in plaintext.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import fail as fail_backend
from keyring.backends import null as null_backend
from keyring.compat import properties

from podio_desk.domain.redaction import remember_secret

log = logging.getLogger(__name__)

SERVICE_PREFIX = "podio-desk"

NO_KEYRING_WARNING = (
    "No system keyring is available: sign-ins are kept in memory for this session only "
    "and you will have to sign in again after restarting Podio Desk."
)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-memory keyring backend for tests and for runs without a system keyring.

    Usable via ``PYTHON_KEYRING_BACKEND=podio_desk.secrets.MemoryKeyring``. Each instance has its
    own storage, so two stores built from the environment never see each other's secrets.
    """

    priority = 0.1

    @properties.classproperty
    def viable(cls) -> bool:  # noqa: N805 - a class property: its argument is the class
        # Never auto-selected, not even on a machine without a keychain: there keyring must fall
        # back to its `fail` backend so that SecretStore shows the "kept in memory" warning. It is
        # used only when named explicitly (PYTHON_KEYRING_BACKEND, the tests).
        return False

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._values: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self._values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            self._values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            if self._values.pop((service, username), None) is None:
                raise keyring.errors.PasswordDeleteError("no such secret")


def _is_unusable(backend: keyring.backend.KeyringBackend) -> bool:
    return isinstance(backend, (fail_backend.Keyring, null_backend.Keyring))


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def _default_backend() -> keyring.backend.KeyringBackend:
    # keyring picks its backend once per process and honours PYTHON_KEYRING_BACKEND when it
    # does; the tests replace the global backend with a fresh MemoryKeyring for each test.
    return keyring.get_keyring()


class SecretStore:
    """Async access to per-account secrets (tokens, client secrets) in the keyring.

    Secrets are addressed by ``(account_key, name)``; the keyring service name is
    ``podio-desk:<account_key>`` and the keyring user name is ``name``.
    """

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        chosen = backend if backend is not None else _default_backend()
        self._fallback_lock = threading.Lock()
        self._fallback: MemoryKeyring | None = None
        self._warning: str | None = None
        if _is_unusable(chosen):
            self._use_fallback(f"no usable keyring backend ({type(chosen).__name__})")
        self._backend = chosen

    @property
    def is_persistent(self) -> bool:
        """True when secrets survive a restart (a real keyring backend is in use)."""
        return self._fallback is None

    @property
    def warning(self) -> str | None:
        """A user-facing message when secrets are only kept in memory, else None."""
        return self._warning

    @property
    def backend_name(self) -> str:
        active = self._fallback if self._fallback is not None else self._backend
        return f"{type(active).__module__}.{type(active).__name__}"

    def _use_fallback(self, reason: str) -> MemoryKeyring:
        with self._fallback_lock:  # keyring calls run in worker threads
            if self._fallback is None:
                log.warning("Secrets kept in memory only: %s", reason)
                self._fallback = MemoryKeyring()
                self._warning = NO_KEYRING_WARNING
            return self._fallback

    def _active(self) -> keyring.backend.KeyringBackend:
        return self._fallback if self._fallback is not None else self._backend

    @staticmethod
    def _service(account_key: str) -> str:
        return f"{SERVICE_PREFIX}:{account_key}"

    # Any keyring failure (no backend, locked, D-Bus/Keychain init errors) switches this store
    # to memory for the rest of the run, with the warning shown; it never crashes a sign-in.

    # Every value read or written is registered with the log redaction: whatever prints it
    # later (ours, a library, a future's repr), the log shows REDACTED.

    def _get_sync(self, account_key: str, name: str) -> str | None:
        try:
            value = self._active().get_password(self._service(account_key), name)
        except keyring.errors.KeyringError as exc:
            value = self._use_fallback(_reason(exc)).get_password(self._service(account_key), name)
        remember_secret(value)
        return value

    def _set_sync(self, account_key: str, name: str, value: str) -> None:
        remember_secret(value)
        try:
            self._active().set_password(self._service(account_key), name, value)
        except keyring.errors.KeyringError as exc:
            self._use_fallback(_reason(exc)).set_password(self._service(account_key), name, value)

    def _delete_sync(self, account_key: str, name: str) -> None:
        try:
            self._active().delete_password(self._service(account_key), name)
        except keyring.errors.PasswordDeleteError:
            pass  # already gone: deleting is idempotent for callers
        except keyring.errors.KeyringError as exc:
            fallback = self._use_fallback(_reason(exc))
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                fallback.delete_password(self._service(account_key), name)

    async def get(self, account_key: str, name: str) -> str | None:
        return await asyncio.to_thread(self._get_sync, account_key, name)

    async def set(self, account_key: str, name: str, value: str) -> None:
        await asyncio.to_thread(self._set_sync, account_key, name, value)

    async def delete(self, account_key: str, name: str) -> None:
        await asyncio.to_thread(self._delete_sync, account_key, name)


def describe_keyring_backend() -> str:
    """One line for `--smoke-test`: the backend keyring picks, and the backend plugins it sees.

    The plugin list proves a frozen bundle kept keyring's entry-point metadata; without it
    keyring silently falls back to its `fail` backend.
    """
    from importlib.metadata import entry_points  # only the smoke test needs it

    backend = _default_backend()
    plugins = sorted(point.name for point in entry_points(group="keyring.backends"))
    backend_name = f"{type(backend).__module__}.{type(backend).__name__}"
    return f"{backend_name} (backend plugins: {', '.join(plugins) or 'none'})"
