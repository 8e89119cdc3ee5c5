"""The X server goes away under a running window: the app shuts down in order (every closer
within its time: caches, the demo's sandbox) and quietly: one warning, no traceback."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 120.0

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb"),
    pytest.mark.skipif(sys.platform == "win32", reason="X11 only"),
]


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """An X server on a display number it picks itself (never one another test uses)."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1200x800x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as numbers:
        display = numbers.readline().strip()
    assert display, "Xvfb did not start"
    return server, f":{display}"


def wait_for_line(log: Path, text: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not (log.exists() and text in log.read_text(encoding="utf-8", errors="replace")):
        assert time.monotonic() < deadline, f"{text!r} never appeared in {log}"
        time.sleep(0.2)


def test_a_lost_display_ends_the_app_quietly_and_in_order(tmp_path: Path) -> None:
    server, display = start_xvfb()
    profile = tmp_path / "profile"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", PYTHONPATH=str(ROOT))
    app = subprocess.Popen(
        [sys.executable, "-m", "podio_desk", "--demo", "--profile", str(profile)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        log = profile / "logs" / "podio-desk.log"
        wait_for_line(log, "Demo started")
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=DEADLINE)
        _out, err = app.communicate(timeout=DEADLINE)
    finally:
        for process in (app, server):
            if process.poll() is None:
                process.kill()
                process.wait()
    assert app.returncode == 0, err
    assert "Traceback" not in err, err
    assert err.count("The X11 connection broke") == 1, err
    text = log.read_text(encoding="utf-8")
    assert "Shutting down" in text
    assert "Exited with code 0" in text
