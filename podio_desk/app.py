"""Composition root: builds the QApplication, the qasync loop and every object, then runs."""

from __future__ import annotations

import argparse


def run_gui(args: argparse.Namespace) -> int:
    """Start the window (filled in by the app-skeleton work)."""
    raise NotImplementedError
