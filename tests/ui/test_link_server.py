"""A second `podio-desk PODIO_LINK` on the same profile hands its link to the open window and
exits; the window opens the item (a real second process, the sandbox over HTTP)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from podio_desk.services.link_server import (
    LinkServer,
    hand_over_link,
    listen_for_links,
    socket_path,
)
from podio_desk.services.profile import Profile
from podio_desk.ui.editor.item_editor import EditorState
from tests.plugins.desk import Desk, open_desk
from tests.plugins.qt import run_async
from tests.ui.test_main_window import sign_in

pytestmark = [pytest.mark.gui, pytest.mark.slow]


@pytest.fixture
def desk(qtbot: Any, qloop: Any, profile: Profile) -> Iterator[Desk]:
    with open_desk(profile) as opened:
        yield opened


@pytest.fixture
def listening(desk: Desk, profile: Profile) -> Iterator[LinkServer]:
    """The window listens as app.py makes it listen once the accounts are ready."""
    server = run_async(listen_for_links(profile.root, desk.controller.take_link))
    assert server is not None
    yield server
    run_async(server.aclose())


def start_second(profile: Profile, link: str) -> subprocess.Popen[str]:
    # No display at all: a start that built any Qt application here would abort.
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    return subprocess.Popen(
        [sys.executable, "-m", "podio_desk", "--profile", str(profile.root), link],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_a_second_start_with_a_link_opens_it_in_the_running_window(
    qtbot, desk, sandbox, profile, listening
):
    sign_in(desk, sandbox)
    state = sandbox.state
    item_id = state.live_items(sandbox.app_id("Books"))[2]
    link = state.item_link(state.items[item_id])
    second = start_second(profile, link)
    qtbot.waitUntil(lambda: second.poll() is not None, timeout=60000)
    out, err = second.communicate()
    assert second.returncode == 0, err
    assert (out, err) == ("", "")
    # No second window: the first one opened the item.
    qtbot.waitUntil(lambda: bool(desk.controller.editor_docks), timeout=15000)
    [dock] = desk.controller.editor_docks.values()
    qtbot.waitUntil(lambda: dock.editor.state is EditorState.READY, timeout=15000)
    assert dock.editor.item is not None
    assert dock.editor.item.item_id == item_id
    browser = desk.controller.browser
    books = sandbox.app_id("Books")
    qtbot.waitUntil(lambda: browser.app is not None and browser.app.app_id == books, timeout=15000)


def test_text_handed_over_is_checked_like_a_command_line_link(qtbot, desk, profile, listening):
    second = start_second(profile, "https://podio.com/acme/sales/apps/leads")
    qtbot.waitUntil(lambda: second.poll() is not None, timeout=60000)
    _out, err = second.communicate()
    assert second.returncode == 0, err
    # Without an account the window says what to do with it.
    qtbot.waitUntil(
        lambda: (
            desk.window.statusBar().currentMessage()
            == "Sign in to the Podio account this link belongs to, then open the link again."
        ),
        timeout=10000,
    )
    desk.controller.take_link("https://example.com/a/b/apps/c")
    assert desk.window.statusBar().currentMessage() == (
        "“https://example.com/a/b/apps/c” is not a Podio link."
    )


def test_one_window_per_profile_listens(desk, profile, listening):
    assert listening.path == socket_path(profile.root)
    assert run_async(listen_for_links(profile.root, lambda _text: None)) is None


def test_with_no_window_listening_the_link_is_not_taken(qloop, tmp_path):
    path = socket_path(tmp_path)
    assert path is not None
    assert hand_over_link(path, "https://podio.com/a/b/apps/c", 0.5) is False
    # A socket file left by a crashed window is not a listener either.
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as left_over:
        left_over.bind(str(path))
    assert path.exists()
    assert hand_over_link(path, "https://podio.com/a/b/apps/c", 0.5) is False
    # The next window replaces it, and removes its own when it closes.
    server = LinkServer(path, lambda _text: None)
    assert run_async(server.start()) is True
    run_async(server.aclose())
    assert not path.exists()


def test_the_socket_lives_in_a_folder_only_this_user_can_enter(tmp_path):
    private = tmp_path / "runtime"
    private.mkdir(mode=0o700)
    path = socket_path(tmp_path, {"XDG_RUNTIME_DIR": str(private)})
    assert path is not None
    assert path.parent == private
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    assert socket_path(tmp_path, {"XDG_RUNTIME_DIR": str(shared)}) is None


def test_the_answer_comes_after_the_window_handled_the_link(qloop, tmp_path):
    """ "ok" means handled: a window whose handling fails answers so, and the second start
    runs as if nothing listened."""
    path = socket_path(tmp_path)
    assert path is not None
    taken: list[str] = []

    def take(text: str) -> None:
        if "broken" in text:
            raise RuntimeError("cannot open it")
        taken.append(text)

    server = LinkServer(path, take)
    assert run_async(server.start()) is True
    try:
        handed = run_async(asyncio.to_thread(hand_over_link, path, "https://podio.com/a/b/apps/c"))
        assert handed is True
        assert taken == ["https://podio.com/a/b/apps/c"]
        broken = run_async(asyncio.to_thread(hand_over_link, path, "https://podio.com/broken"))
        assert broken is False
    finally:
        run_async(server.aclose())
