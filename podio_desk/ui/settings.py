"""User settings: a QSettings INI file inside the profile (never the platform registry)."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from podio_desk.services.profile import Profile


def open_settings(profile: Profile) -> QSettings:
    """The profile's settings.ini; every part of the UI reads and writes through this object.

    INI in the profile rather than QSettings' native store, so that `--profile DIR` and the
    tests' temporary profiles keep everything about a user in one folder.
    """
    return QSettings(str(profile.settings_path), QSettings.Format.IniFormat)
