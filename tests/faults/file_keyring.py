"""A keyring backend kept in one JSON file ($PODIO_DESK_TEST_KEYRING), for CLI subprocesses.

The in-memory keyring of the other tests dies with its process; `podio-desk account add` in
one subprocess and `podio-desk sync` in another need a keyring they share. Test use only.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import keyring.backend
from keyring.compat import properties

ENV_VAR = "PODIO_DESK_TEST_KEYRING"


class FileKeyring(keyring.backend.KeyringBackend):
    priority = 0.1

    @properties.classproperty
    def viable(cls) -> bool:  # noqa: N805 - a class property: its argument is the class
        return False  # used only when named in PYTHON_KEYRING_BACKEND

    @contextmanager
    def _secrets(self) -> Iterator[dict[str, Any]]:
        path = Path(os.environ[ENV_VAR])
        with open(path.with_suffix(".lock"), "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
            before = json.dumps(data, sort_keys=True)
            yield data
            if json.dumps(data, sort_keys=True) != before:
                path.write_text(json.dumps(data))

    def get_password(self, service: str, username: str) -> str | None:
        with self._secrets() as data:
            value = data.get(f"{service}\n{username}")
            return value if isinstance(value, str) else None

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._secrets() as data:
            data[f"{service}\n{username}"] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._secrets() as data:
            data.pop(f"{service}\n{username}", None)
