"""Entry script for the frozen bundle (PyInstaller needs a file, not a console_scripts name)."""

from __future__ import annotations

import multiprocessing
import sys

from podio_desk.cli import main

if __name__ == "__main__":
    # A full sync runs in a spawned child process; in a frozen bundle the child starts this same
    # executable, which must recognise that and run the child instead of the app.
    multiprocessing.freeze_support()
    sys.exit(main())
