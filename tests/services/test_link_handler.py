"""The opt-in `podio-desk:` link registration writes a hidden desktop entry and one default
line, keeps everything else the user had, and undoes exactly that."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from podio_desk.services.link_handler import (
    BOOKMARKLET,
    XdgPlaces,
    desktop_entry,
    exec_line,
    is_registered,
    is_xdg_desktop,
    launch_command,
    register,
    unregister,
)

USER_MIMEAPPS = """\
# chosen by the user
[Default Applications]
x-scheme-handler/https=firefox.desktop;
x-scheme-handler/http=firefox.desktop;

[Added Associations]
text/plain=org.gnome.TextEditor.desktop;
"""


@pytest.fixture
def places(tmp_path: Path) -> XdgPlaces:
    return XdgPlaces(tmp_path / "data", tmp_path / "config")


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_register_writes_the_entry_and_the_default_for_the_app_scheme_only(
    places: XdgPlaces,
) -> None:
    places.config_home.mkdir(parents=True)
    places.mimeapps.write_text(USER_MIMEAPPS, encoding="utf-8")
    assert not is_registered(places)
    written = register(places, ["/opt/podio-desk/podio-desk"])
    assert written == [places.entry, places.mimeapps]
    assert is_registered(places)
    entry = places.entry.read_text(encoding="utf-8")
    assert "Exec=/opt/podio-desk/podio-desk %u\n" in entry
    assert "MimeType=x-scheme-handler/podio-desk;\n" in entry
    assert "NoDisplay=true\n" in entry
    mimeapps = places.mimeapps.read_text(encoding="utf-8")
    # The browser stays the default for web links; only our own scheme is added.
    assert mimeapps == USER_MIMEAPPS.replace(
        "x-scheme-handler/http=firefox.desktop;\n",
        "x-scheme-handler/http=firefox.desktop;\n"
        "x-scheme-handler/podio-desk=podio-desk-links.desktop;\n",
    )
    assert "https" not in entry


def test_register_twice_keeps_one_line_and_unregister_restores_the_file(
    places: XdgPlaces,
) -> None:
    places.config_home.mkdir(parents=True)
    places.mimeapps.write_text(USER_MIMEAPPS, encoding="utf-8")
    register(places, ["podio-desk"])
    register(places, ["podio-desk"])
    text = places.mimeapps.read_text(encoding="utf-8")
    assert text.count("x-scheme-handler/podio-desk=") == 1
    assert unregister(places) == [places.entry, places.mimeapps]
    assert places.mimeapps.read_text(encoding="utf-8") == USER_MIMEAPPS
    assert not places.entry.exists()
    assert not is_registered(places)
    assert unregister(places) == []


def test_register_without_a_mimeapps_list_makes_one(places: XdgPlaces) -> None:
    register(places, ["podio-desk"])
    assert places.mimeapps.read_text(encoding="utf-8") == (
        "[Default Applications]\nx-scheme-handler/podio-desk=podio-desk-links.desktop;\n"
    )
    assert files_under(places.data_home) == ["applications/podio-desk-links.desktop"]
    unregister(places)
    assert files_under(places.data_home) == []
    assert files_under(places.config_home) == []


def test_nothing_is_written_until_register_is_called(places: XdgPlaces) -> None:
    assert not is_registered(places)
    assert not places.data_home.exists()
    assert not places.config_home.exists()


def test_places_follow_the_xdg_variables_or_the_home_folder(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "d")}
    places = XdgPlaces.from_environment(env)
    assert places.entry == tmp_path / "d" / "applications" / "podio-desk-links.desktop"
    assert places.mimeapps == tmp_path / ".config" / "mimeapps.list"


def test_exec_quotes_arguments_as_the_desktop_entry_spec_says() -> None:
    assert exec_line(["/usr/bin/podio-desk"]) == "/usr/bin/podio-desk %u"
    assert exec_line(["/home/a b/py", "-m", "podio_desk"]) == '"/home/a b/py" -m podio_desk %u'
    assert exec_line(['/x/"$q`\\']) == '"/x/\\"\\$q\\`\\\\" %u'
    assert exec_line(["/x/100%"]) == "/x/100%% %u"
    assert launch_command()  # this test run's Python, or a podio-desk on the PATH


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="no desktop-file-utils")
def test_the_entry_passes_desktop_file_validate(tmp_path: Path) -> None:
    path = tmp_path / "podio-desk-links.desktop"
    path.write_text(desktop_entry(["/home/a b/python", "-m", "podio_desk"]), encoding="utf-8")
    result = subprocess.run(
        ["desktop-file-validate", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_the_bookmarklet_sends_only_podio_pages_in_the_app_scheme() -> None:
    assert BOOKMARKLET.startswith("javascript:")
    assert "location.href='podio-desk:'+location.href" in BOOKMARKLET
    assert "podio\\.com$" in BOOKMARKLET


@pytest.mark.skipif(shutil.which("gio") is None, reason="no gio (libglib2.0-bin)")
def test_a_desktop_hands_a_podio_desk_link_to_the_registered_command(
    places: XdgPlaces, tmp_path: Path
) -> None:
    """`gio open` (what Firefox and GNOME use) starts the registered command with the link."""
    received = tmp_path / "received"
    recorder = tmp_path / "record link"
    recorder.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{received}"\n', encoding="utf-8")
    recorder.chmod(0o755)
    register(places, [str(recorder)])
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(places.data_home),
        "XDG_CONFIG_HOME": str(places.config_home),
    }
    link = "podio-desk:https://podio.com/acme/sales/apps/leads/items/7"
    subprocess.run(["gio", "open", link], env=env, check=True, timeout=30, capture_output=True)
    deadline = time.monotonic() + 20
    while not received.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert received.read_text(encoding="utf-8") == link


def test_only_xdg_desktops_offer_the_registration() -> None:
    assert is_xdg_desktop("linux")
    assert is_xdg_desktop("freebsd14")
    assert not is_xdg_desktop("win32")
    assert not is_xdg_desktop("darwin")
