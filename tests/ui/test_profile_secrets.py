"""After a realistic session, no file of the profile holds a secret used in it.

The window (sign-in with a password, an app opened, items with files opened, a full sync, a
token expiry) and then the CLI (`-v account add` with an app token, `-v sync`), all with -v
logging, against the sandbox over HTTP. Then every file under the profile (settings,
accounts.json, cache databases and any WAL left, logs) is read as bytes, the cache's compressed
item JSON decompressed too, and searched for each secret: the client secret, the password,
every access and refresh token the sandbox issued, every app token, a token in a file link.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from podio_desk.app import setup_logging, teardown_logging
from podio_desk.cli import main
from podio_desk.sandbox import Sandbox
from podio_desk.sandbox.model import Embed
from podio_desk.services.profile import Profile
from tests.plugins.desk import open_desk
from tests.plugins.qt import run_async
from tests.secret_scan import find_secrets, secrets_used
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


def run_cli(arguments: list[str]) -> int:
    """`podio-desk ARGS` in this process, on a thread of its own: this one runs the Qt loop."""
    codes: list[int] = []
    worker = threading.Thread(target=lambda: codes.append(main(arguments)), name="cli")
    worker.start()
    worker.join(timeout=120)
    assert codes, f"podio-desk {' '.join(arguments[:4])} did not finish"
    return codes[0]


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

    files = {path.relative_to(profile.root).parts[0] for path in profile.root.rglob("*")}
    assert {"accounts.json", "settings.ini", "cache", "logs"} <= files, files
    used = secrets_used(sandbox, **{"file link token": FILE_LINK_TOKEN})
    assert find_secrets(profile.root, used) == []
    log_text = (profile.logs_dir / "podio-desk.log").read_text()
    assert "DEBUG" in log_text  # -v reached the file
    assert "Signed in with grant app" in log_text  # and so did the CLI's log
