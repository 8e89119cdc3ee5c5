"""A keyring backend kept in one JSON file, shared by the processes of a test.

The in-memory keyring the tests use lives and dies with one process; a test that runs
`podio-desk account add` and then `podio-desk sync` as separate processes needs the sign-in
to outlive the first. Selected with PYTHON_KEYRING_BACKEND=tests.services.file_keyring.FileKeyring
and the file named by $PODIO_DESK_TEST_KEYRING (the child must run from the repository root).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend
import keyring.errors
from keyring.compat import properties

from podio_desk.services.file_lock import FileLock

KEYRING_FILE_ENV = "PODIO_DESK_TEST_KEYRING"
BACKEND = "tests.services.file_keyring.FileKeyring"


class FileKeyring(keyring.backend.KeyringBackend):
    priority = 0.1

    @properties.classproperty
    def viable(cls) -> bool:  # noqa: N805 - a class property
        return False  # only when named explicitly

    def __init__(self) -> None:
        super().__init__()
        self._path = Path(os.environ[KEYRING_FILE_ENV])

    def _change(self, service: str, username: str, password: str | None) -> bool:
        with FileLock(self._path.with_suffix(".lock")):
            values = self.values()
            existed = values.pop(f"{service}\n{username}", None) is not None
            if password is not None:
                values[f"{service}\n{username}"] = password
            self._path.write_text(json.dumps(values), encoding="utf-8")
        return existed

    def values(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return data

    def get_password(self, service: str, username: str) -> str | None:
        with FileLock(self._path.with_suffix(".lock")):
            return self.values().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        self._change(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        if not self._change(service, username, None):
            raise keyring.errors.PasswordDeleteError("no such secret")


def keyring_services(path: Path) -> set[str]:
    """The keyring services (`podio-desk:<account key>`) that hold a secret in `path`."""
    if not path.exists():
        return set()
    return {key.split("\n", 1)[0] for key in json.loads(path.read_text(encoding="utf-8"))}
