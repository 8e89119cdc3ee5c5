"""Entry script for the frozen bundle (PyInstaller needs a file, not a console_scripts name)."""

from __future__ import annotations

import sys

from podio_desk.cli import main

if __name__ == "__main__":
    sys.exit(main())
