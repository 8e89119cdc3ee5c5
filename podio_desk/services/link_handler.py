"""Opt-in registration of Podio Desk as the handler of its own `podio-desk:` links (Linux/XDG).

No desktop standard lets an app take only the https links of one host, and taking every
https link would take the browser's place. So Podio Desk claims only its own scheme: a hidden
desktop entry, `$XDG_DATA_HOME/applications/podio-desk-links.desktop`, that runs
`podio-desk %u` for `x-scheme-handler/podio-desk`, made that scheme's default in
`$XDG_CONFIG_HOME/mimeapps.list`. A bookmarklet sends the Podio page shown in the browser as
`podio-desk:https://podio.com/…`; the browser hands it to the desktop, which starts Podio Desk
with it. Nothing is written until the user agrees (ui/link_registration.py), and
`unregister` removes exactly what `register` wrote. No mimeinfo.cache is written: gio and
xdg-open read the default from mimeapps.list and find the entry by its name. See
docs/architecture.md, "Podio links".
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from podio_desk import APP_ID, APP_NAME
from podio_desk.domain.links import APP_SCHEME

LINKS_ENTRY_NAME = f"{APP_ID}-links.desktop"
SCHEME_MIME_TYPE = f"x-scheme-handler/{APP_SCHEME}"
DEFAULTS_SECTION = "[Default Applications]"
# On a Podio page it opens that page in Podio Desk; elsewhere it says what it is for.
BOOKMARKLET = (
    "javascript:(function(){if(/(^|\\.)podio\\.com$/.test(location.hostname))"
    f"{{location.href='{APP_SCHEME}:'+location.href}}"
    "else{alert('Open a Podio app or item first, then this bookmark.')}})()"
)
# Characters that make a desktop entry's Exec argument need quotes (Desktop Entry spec).
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def is_xdg_desktop(platform: str = sys.platform) -> bool:
    """Desktops that follow the XDG specifications (Linux and the BSDs)."""
    return platform.startswith(("linux", "freebsd", "openbsd", "netbsd"))


@dataclass(frozen=True)
class XdgPlaces:
    """Where the user's desktop entries and default-application choices live."""

    data_home: Path
    config_home: Path

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> XdgPlaces:
        env = os.environ if environ is None else environ
        home = Path(env.get("HOME") or Path.home())
        data = env.get("XDG_DATA_HOME") or str(home / ".local" / "share")
        config = env.get("XDG_CONFIG_HOME") or str(home / ".config")
        return cls(Path(data), Path(config))

    @property
    def applications(self) -> Path:
        return self.data_home / "applications"

    @property
    def entry(self) -> Path:
        return self.applications / LINKS_ENTRY_NAME

    @property
    def mimeapps(self) -> Path:
        return self.config_home / "mimeapps.list"


def launch_command() -> list[str]:
    """The command that starts this Podio Desk: the frozen bundle's executable, the
    `podio-desk` on the PATH, or this Python running the package."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    on_path = shutil.which(APP_ID)
    if on_path:
        # As found (say /usr/bin/podio-desk), not resolved: a package may move its target.
        return [str(Path(on_path).absolute())]
    return [sys.executable, "-m", "podio_desk"]


def exec_line(command: Sequence[str]) -> str:
    """`command` plus the link as a desktop entry's Exec value (quoted per the spec)."""
    words = []
    for word in command:
        escaped = word.replace("%", "%%")
        if any(char in _RESERVED for char in word):
            for char in ("\\", '"', "`", "$"):
                escaped = escaped.replace(char, f"\\{char}")
            escaped = f'"{escaped}"'
        words.append(escaped)
    return " ".join([*words, "%u"])


def desktop_entry(command: Sequence[str]) -> str:
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={APP_NAME} (Podio links)\n"
        f"Comment=Opens {APP_SCHEME}: links (the {APP_NAME} bookmarklet) in {APP_NAME}\n"
        f"Exec={exec_line(command)}\n"
        f"Icon={APP_ID}\n"
        "Terminal=false\n"
        "NoDisplay=true\n"
        f"MimeType={SCHEME_MIME_TYPE};\n"
    )


def is_registered(places: XdgPlaces) -> bool:
    """True when the entry exists and is the default for `podio-desk:` links."""
    return places.entry.is_file() and _default_line() in _read_lines(places.mimeapps)


def register(places: XdgPlaces, command: Sequence[str] | None = None) -> list[Path]:
    """Write the hidden entry and make it the default for `podio-desk:` links (nothing
    else in mimeapps.list changes); returns the files written."""
    places.applications.mkdir(parents=True, exist_ok=True)
    places.entry.write_text(desktop_entry(command or launch_command()), encoding="utf-8")
    lines = [line for line in _read_lines(places.mimeapps) if not _is_our_default(line)]
    places.config_home.mkdir(parents=True, exist_ok=True)
    _write_lines(places.mimeapps, _with_default(lines))
    return [places.entry, places.mimeapps]


def unregister(places: XdgPlaces) -> list[Path]:
    """Remove the entry and its default line; returns the files changed or removed."""
    changed = []
    if places.entry.exists():
        places.entry.unlink()
        changed.append(places.entry)
    lines = _read_lines(places.mimeapps)
    kept = [line for line in lines if not _is_our_default(line)]
    if kept != lines:
        if [line.strip() for line in kept if line.strip()] in ([], [DEFAULTS_SECTION]):
            places.mimeapps.unlink()  # it held only what `register` wrote
        else:
            _write_lines(places.mimeapps, kept)
        changed.append(places.mimeapps)
    return changed


def _default_line() -> str:
    return f"{SCHEME_MIME_TYPE}={LINKS_ENTRY_NAME};"


def _is_our_default(line: str) -> bool:
    return line.split("=", 1)[0].strip() == SCHEME_MIME_TYPE


def _with_default(lines: list[str]) -> list[str]:
    """`lines` with our default added at the end of [Default Applications] (made if absent)."""
    sections = [n for n, line in enumerate(lines) if line.strip().startswith("[")]
    start = next((n for n in sections if lines[n].strip() == DEFAULTS_SECTION), None)
    if start is None:
        gap = [""] if lines and lines[-1].strip() else []
        return [*lines, *gap, DEFAULTS_SECTION, _default_line()]
    end = next((n for n in sections if n > start), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return [*lines[:end], _default_line(), *lines[end:]]


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []


def _write_lines(path: Path, lines: list[str]) -> None:
    temporary = path.with_name(f".{path.name}.{APP_ID}.tmp")
    temporary.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    os.replace(temporary, path)
