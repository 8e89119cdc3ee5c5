"""The command line: --version, --help, a bad profile, --smoke-test and a clean exit on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from podio_desk import __version__
from podio_desk.cli import main

SUBPROCESS_TIMEOUT = 60


def run_podio_desk(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "podio_desk", *args],
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        env=env,
        check=False,
    )


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"podio-desk {__version__}"


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--profile", "--demo", "--smoke-test", "--version"):
        assert option in out


def test_a_profile_that_is_a_file_is_refused_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("keep me", encoding="utf-8")
    assert main(["--profile", str(not_a_folder)]) == 2
    err = capsys.readouterr().err
    assert f"cannot create the profile folder {not_a_folder}" in err
    assert not_a_folder.read_text(encoding="utf-8") == "keep me"


def test_smoke_test_builds_the_window_touches_the_keyring_and_exits_cleanly() -> None:
    # The env (set by tests/plugins/profile.py) keeps the keyring in memory in the child too.
    assert os.environ["PYTHON_KEYRING_BACKEND"].endswith("MemoryKeyring")
    result = run_podio_desk("--smoke-test")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"smoke test ok: Podio Desk {__version__}, Qt ")
    assert "keyring podio_desk.secrets.MemoryKeyring" in lines[0]
    assert "SecretService" in lines[0]  # keyring's entry points were found
    assert result.stderr == ""


def test_the_app_quits_cleanly_on_sigterm(tmp_path: Path) -> None:
    profile = tmp_path / "own-profile"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen(
        [sys.executable, "-m", "podio_desk", "--profile", str(profile)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    log_file = profile / "logs" / "podio-desk.log"
    try:
        deadline = time.monotonic() + SUBPROCESS_TIMEOUT
        # "Main window shown" is logged once the quit signals are handled: a SIGTERM before
        # that would end the process the default way.
        while not (log_file.exists() and "Main window shown" in log_file.read_text()):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=SUBPROCESS_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    log = log_file.read_text(encoding="utf-8")
    assert "Shutting down" in log
    assert "Exited with code 0" in log
    assert (profile / "settings.ini").exists()


# ----------------------------------------------------------------------------- links


def _gui_args(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """What the window would be started with (the GUI itself is not started here)."""
    import podio_desk.app

    started: list[object] = []

    def fake_run_gui(args: object) -> int:
        started.append(args)
        return 0

    monkeypatch.setattr(podio_desk.app, "run_gui", fake_run_gui)
    return started


@pytest.mark.parametrize(
    "argv",
    [
        ["https://podio.com/acme/sales/apps/leads/items/7"],
        ["--profile", "/tmp/p", "https://podio.com/acme/sales/apps/leads/items/7"],
        ["-v", "https://podio.com/acme/sales/apps/leads/items/7", "--demo"],
        # What the bookmarklet of the opt-in registration hands over (docs/architecture.md).
        ["podio-desk:https://podio.com/acme/sales/apps/leads/items/7"],
        ["podio-desk:https%3A%2F%2Fpodio.com%2Facme%2Fsales%2Fapps%2Fleads%2Fitems%2F7"],
    ],
)
def test_a_podio_link_starts_the_window_with_that_item(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _gui_args(monkeypatch)
    assert main(argv) == 0
    [args] = started
    link = getattr(args, "link", None)
    assert link is not None
    assert (link.app_label, link.app_item_id) == ("leads", 7)


def test_without_a_link_the_window_starts_with_none(monkeypatch: pytest.MonkeyPatch) -> None:
    started = _gui_args(monkeypatch)
    assert main(["--profile", "https://odd-but-a-folder-name"]) == 0
    assert getattr(started[-1], "link", "missing") is None
    assert main([]) == 0
    assert getattr(started[-1], "link", "missing") is None


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["https://example.com/acme/sales/apps/leads"], "is not a Podio link"),
        (["https://podio.com/acme/sales"], "not to an app or an item"),
        (["ftp://podio.com/acme/sales/apps/leads"], "not a web link"),
        (
            ["https://podio.com/acme/sales/apps/leads", "sync"],
            "a link opens the window; give it without a command",
        ),
    ],
)
def test_a_link_that_cannot_be_opened_is_refused_before_the_window_starts(
    argv: list[str], says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started = _gui_args(monkeypatch)
    assert main(argv) == 2
    assert says in capsys.readouterr().err
    assert started == []


def test_an_unknown_word_is_still_an_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started = _gui_args(monkeypatch)
    with pytest.raises(SystemExit) as exit_info:
        main(["podio.com/acme/sales/apps/leads"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
    assert started == []


def test_the_commands_still_parse_beside_the_link(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["sync", "--help"], ["account", "add", "--help"], ["sandbox", "--help"]):
        with pytest.raises(SystemExit) as exit_info:
            main(command)
        assert exit_info.value.code == 0
        assert "usage: podio-desk" in capsys.readouterr().out


def test_help_names_the_link(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "PODIO_LINK" in out
    assert "https://podio.com/ORG/SPACE/apps/APP[/items/N]" in out
