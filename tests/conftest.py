"""Test-wide settings: offscreen Qt, an isolated profile and keyring, no network but loopback."""

from __future__ import annotations

import os

# Before anything imports Qt: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PODIO_DESK_TESTING", "1")

# Shared fixtures live in plugins, one owner each:
#   tests/plugins/sandbox.py  - a running sandbox (a local Podio over real HTTP on 127.0.0.1)
#   tests/plugins/qt.py       - the qasync loop fixture, pending-task check, offscreen guards
#   tests/plugins/profile.py  - temporary profile directory and in-memory keyring for every test
pytest_plugins = ["tests.plugins.sandbox", "tests.plugins.qt", "tests.plugins.profile"]
