"""Scan a profile for secrets: every file as bytes, the cache's compressed item JSON inflated.

Used after a session against the sandbox (tests/ui/test_profile_secrets.py); any test that runs
a realistic session can end with `assert find_secrets(profile_root, secrets_used(sandbox)) == []`.
"""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

from podio_desk.sandbox import Sandbox


def secrets_used(sandbox: Sandbox, **extra: str) -> dict[str, str]:
    """Every secret of a session with `sandbox`: the API key's secret, the users' passwords,
    the app tokens, each access and refresh token it issued, and `extra` (name: value)."""
    info = sandbox.info
    state = sandbox.state
    used = {
        "client secret": str(info["client_secret"]),
        "password": str(info["password"]),
        "other user's password": str(info["other_password"]),
        "second client secret": str(info["second_client_secret"]),
        **extra,
    }
    for app in info["apps"]:
        used[f"app token of {app['name']}"] = str(app["app_token"])
    with state.lock:
        for number, token in enumerate(state.tokens.values()):
            used[f"access token {number}"] = token.access_token
            used[f"refresh token {number}"] = token.refresh_token
        for number, refresh in enumerate(state.refresh_grants):
            used[f"refresh grant {number}"] = refresh
    return used


def profile_contents(root: Path) -> dict[str, bytes]:
    """Every file under the profile as bytes; for a cache, its compressed item JSON too."""
    contents = {
        str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()
    }
    for path in root.rglob("*.sqlite3"):
        connection = sqlite3.connect(path)
        try:
            dictionaries = dict(connection.execute("SELECT dict_id, data FROM raw_dicts"))
            inflated = []
            for dict_id, blob in connection.execute("SELECT dict_id, raw FROM item_raw"):
                if dict_id is None:
                    inflated.append(zlib.decompress(blob))
                else:
                    inflater = zlib.decompressobj(zdict=dictionaries[dict_id])
                    inflated.append(inflater.decompress(blob) + inflater.flush())
        finally:
            connection.close()
        contents[f"{path.name} (item JSON, decompressed)"] = b"\n".join(inflated)
    return contents


def find_secrets(root: Path, secrets: dict[str, str]) -> list[str]:
    """ "<secret> in <file>" for each secret found in a file under `root`."""
    contents = profile_contents(root)
    return [
        f"{what} in {name}"
        for what, secret in secrets.items()
        for name, data in contents.items()
        if secret.encode() in data
    ]
