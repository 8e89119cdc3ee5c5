"""Where the profile lives on each platform, and how --profile and the env var override it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from podio_desk.services.profile import (
    PROFILE_ENV_VAR,
    ProfileError,
    default_profile_dir,
    resolve_profile,
)

HOME = Path("/home/ann")


def test_linux_uses_xdg_data_home_or_local_share() -> None:
    assert default_profile_dir("linux", {}, HOME) == HOME / ".local/share/podio-desk"
    env = {"XDG_DATA_HOME": "/data/ann"}
    assert default_profile_dir("linux", env, HOME) == Path("/data/ann/podio-desk")
    # A relative XDG_DATA_HOME is invalid per the XDG spec and ignored.
    env = {"XDG_DATA_HOME": "relative/path"}
    assert default_profile_dir("linux", env, HOME) == HOME / ".local/share/podio-desk"


def test_windows_uses_appdata() -> None:
    env = {"APPDATA": r"C:\Users\ann\AppData\Roaming"}
    assert default_profile_dir("win32", env, HOME) == Path(env["APPDATA"]) / "Podio Desk"
    assert default_profile_dir("win32", {}, HOME) == HOME / "AppData/Roaming/Podio Desk"


def test_macos_uses_application_support() -> None:
    expected = HOME / "Library/Application Support/Podio Desk"
    assert default_profile_dir("darwin", {}, HOME) == expected


def test_explicit_profile_wins_over_the_env_var_which_wins_over_the_default(
    tmp_path: Path,
) -> None:
    env = {PROFILE_ENV_VAR: str(tmp_path / "from-env"), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    assert resolve_profile(tmp_path / "explicit", env).root == tmp_path / "explicit"
    assert resolve_profile(None, env).root == tmp_path / "from-env"
    del env[PROFILE_ENV_VAR]
    assert resolve_profile(None, env).root == tmp_path / "xdg" / "podio-desk"


def test_every_test_gets_its_own_profile(isolated_profile: Path) -> None:
    assert resolve_profile().root == isolated_profile
    assert os.environ[PROFILE_ENV_VAR] == str(isolated_profile)


def test_ensure_exists_creates_the_folders(tmp_path: Path) -> None:
    profile = resolve_profile(tmp_path / "p").ensure_exists()
    assert profile.cache_dir.is_dir()
    assert profile.logs_dir.is_dir()
    assert profile.settings_path == tmp_path / "p" / "settings.ini"


def test_a_profile_path_through_a_file_gives_a_readable_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"cannot create the profile folder .*file/inner"):
        resolve_profile(blocker / "inner").ensure_exists()
