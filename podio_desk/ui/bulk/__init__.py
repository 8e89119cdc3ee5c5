"""Bulk edit in the window: the change dialog, the preview, the jobs panel, the resume offer
(`controller.py` wires them to `AccountSession.bulk`)."""
