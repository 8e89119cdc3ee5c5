"""Podio Desk: a desktop client for Podio."""

__version__ = "0.1.0"
APP_NAME = "Podio Desk"
APP_ID = "podio-desk"
