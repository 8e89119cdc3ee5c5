"""Where a profile lives: settings, cache and logs of one Podio Desk user, resolved without Qt.

The default folder follows each platform's convention for per-user application data (what
Qt's QStandardPaths.AppDataLocation would give, but computed here so the Qt-free core and
the command line agree on it before any QApplication exists).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Honoured before the per-user default: the tests give every test its own profile through it,
# and it lets a user keep a second, separate profile without typing --profile every time.
PROFILE_ENV_VAR = "PODIO_DESK_PROFILE"
PROFILE_FOLDER_NAME = "podio-desk"
SETTINGS_FILE_NAME = "settings.ini"


class ProfileError(Exception):
    """The profile folder cannot be used; the message says which path and why."""


@dataclass(frozen=True)
class Profile:
    """One user's folder: settings.ini, cache/ (SQLite) and logs/ live inside `root`."""

    root: Path

    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_FILE_NAME

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    @property
    def journal_dir(self) -> Path:
        """Writes waiting to go (bulk jobs, the outbox): beside the cache, never inside it."""
        return self.root / "journal"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    def ensure_exists(self) -> Profile:
        """Create the folders; raise ProfileError with a readable reason when that fails."""
        for folder in (self.root, self.cache_dir, self.logs_dir):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                reason = error.strerror or str(error)
                raise ProfileError(
                    f"cannot create the profile folder {folder}: {reason}"
                ) from error
        if not os.access(self.root, os.W_OK):
            raise ProfileError(f"the profile folder {self.root} is not writable")
        return self


def default_profile_dir(
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Path:
    """The per-user data folder for Podio Desk on `platform` (defaults: this machine)."""
    platform = sys.platform if platform is None else platform
    environ = os.environ if environ is None else environ
    home = Path.home() if home is None else home
    if platform.startswith("win"):
        appdata = environ.get("APPDATA")
        base = Path(appdata) if appdata else home / "AppData" / "Roaming"
        return base / "Podio Desk"
    if platform == "darwin":
        return home / "Library" / "Application Support" / "Podio Desk"
    # XDG: a relative XDG_DATA_HOME is invalid per the spec and must be ignored.
    xdg_data_home = environ.get("XDG_DATA_HOME", "")
    base = Path(xdg_data_home) if os.path.isabs(xdg_data_home) else home / ".local" / "share"
    return base / PROFILE_FOLDER_NAME


def resolve_profile(
    explicit: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Profile:
    """The profile to use: `--profile DIR`, else $PODIO_DESK_PROFILE, else the per-user default.

    Nothing is created here; call `Profile.ensure_exists()` once the choice is final.
    """
    environ = os.environ if environ is None else environ
    if explicit is not None and str(explicit).strip():
        chosen = Path(explicit)
    elif environ.get(PROFILE_ENV_VAR, "").strip():
        chosen = Path(environ[PROFILE_ENV_VAR])
    else:
        chosen = default_profile_dir(environ=environ)
    return Profile(chosen.expanduser().absolute())
