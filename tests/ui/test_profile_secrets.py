"""After a realistic session, no file of the profile holds a secret used in it.

The window (sign-in with a password, an app opened, items with files opened, a full sync, a
token expiry) and then the CLI (`-v account add` with an app token, `-v sync`), all with -v
logging, against the sandbox over HTTP. Then every file under the profile (settings,
accounts.json, cache databases with their WAL, logs) is read as bytes, the cache's compressed
item JSON decompressed too, and searched for each secret: the client secret, the password,
every access and refresh token the sandbox issued, every app token, a token in a file link.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import zlib
from pathlib import Path
from typing import Any

import pytest

from podio_desk.app import setup_logging, teardown_logging
from podio_desk.cli import main
from podio_desk.sandbox import Sandbox
from podio_desk.sandbox.model import Embed
from podio_desk.services.profile import Profile
from tests.plugins.desk import open_desk
from tests.plugins.qt import run_async
from tests.ui.test_main_window import open_app, sign_in

pytestmark = [pytest.mark.gui, pytest.mark.slow]

FILE_LINK_TOKEN = "f1le-l1nk-T0KEN-5ecret"


def add_link_with_a_token(sandbox: Sandbox, item_id: int) -> None:
    """Give the richest item a link whose URL carries a token, as shared file links do."""
    state = sandbox.state
    url = f"https://files.example.com/report.pdf?access_token={FILE_LINK_TOKEN}&dl=1"
    with state.lock:
        embed_id = state.new_embed_id()
        state.embeds[embed_id] = Embed(embed_id, url, "Report", None, "files.example.com")
    sandbox.edit_directly(item_id, {"link": [{"embed": embed_id}]})


def secrets_used(sandbox: Sandbox) -> dict[str, str]:
    info = sandbox.info
    state = sandbox.state
    used = {
        "client secret": str(info["client_secret"]),
        "password": str(info["password"]),
        "file link token": FILE_LINK_TOKEN,
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


def run_cli(arguments: list[str]) -> int:
    """`podio-desk ARGS` in this process, on a thread of its own: this one runs the Qt loop."""
    codes: list[int] = []
    worker = threading.Thread(target=lambda: codes.append(main(arguments)), name="cli")
    worker.start()
    worker.join(timeout=120)
    assert codes, f"podio-desk {' '.join(arguments[:4])} did not finish"
    return codes[0]


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


def test_no_profile_file_holds_a_secret_after_a_full_session(
    qtbot: Any, qloop: Any, profile: Profile, sandbox: Sandbox
) -> None:
    richest = int(sandbox.info["richest_item_id"])
    add_link_with_a_token(sandbox, richest)
    handlers = setup_logging(profile, 1)  # -v
    try:
        with open_desk(profile) as desk:
            sign_in(desk, sandbox)
            controller = desk.controller
            app_id = open_app(qtbot, desk, "Showcase")
            session = controller.browser.workspace
            assert session is not None
            task = controller.open_item(session, app_id, richest)
            assert task is not None
            qtbot.waitUntil(task.done, timeout=15000)
            sandbox.control.expire_all_tokens()  # the next call refreshes
            sync = controller.sync_current_app(full=True)
            assert sync is not None
            qtbot.waitUntil(sync.done, timeout=30000)
            assert sync.exception() is None
            run_async(controller.start())  # restore from the keyring, as a restart does
        # A library's DEBUG line with a secret in it (qasync logs an executor's results).
        logging.getLogger("qasync.QThreadExecutor").debug(
            "Setting Future result: %s", sandbox.info["client_secret"]
        )
    finally:
        teardown_logging(handlers)

    # The CLI, on the same profile: an app-token account, then syncs, all with -v.
    tickets = next(app for app in sandbox.info["apps"] if app["name"] == "Tickets")
    root = str(profile.root)
    info = sandbox.info
    add_app_account = [
        "-v", "--profile", root, "account", "add", "--name", "Tickets app",
        "--api-url", sandbox.url, "--client-id", str(info["client_id"]),
        "--client-secret", str(info["client_secret"]),
        "--app-id", str(tickets["app_id"]), "--app-token", str(tickets["app_token"]),
    ]  # fmt: skip
    assert run_cli(add_app_account) == 0
    assert run_cli(["-v", "--profile", root, "sync", "--account", "Tickets app"]) == 0
    assert run_cli(["-v", "--profile", root, "sync", "--account", "Sandbox", "--full"]) == 0

    contents = profile_contents(profile.root)
    names = set(contents)
    assert any(name.startswith("logs/") for name in names), names
    assert any(name.endswith(".sqlite3") for name in names), names
    log_text = b"".join(data for name, data in contents.items() if name.startswith("logs/"))
    assert b"DEBUG" in log_text  # -v reached the file
    found = [
        f"{what} in {name}"
        for what, secret in secrets_used(sandbox).items()
        for name, data in contents.items()
        if secret.encode() in data
    ]
    assert found == []
