"""Freeze Podio Desk with PyInstaller into build/pyinstaller/dist/podio-desk and smoke-test it.

    python packaging/build.py                 build (skipped when nothing changed since the last)
    python packaging/build.py --smoke-test    build, then run the bundle's `--smoke-test`
    python packaging/build.py --force         rebuild even if nothing changed

The smoke test runs the frozen executable offscreen with a throw-away HOME and profile and
fails on a non-zero exit, a missing "smoke test ok" line, keyring backends that were not
bundled, or anything unexpected on stderr (a missing resource or hidden import shows up there).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "podio_desk.spec"
OUT = ROOT / "build" / "pyinstaller"
WORK = OUT / "build"
DIST = OUT / "dist"
BUNDLE = DIST / "podio-desk"
EXECUTABLE = BUNDLE / ("podio-desk.exe" if sys.platform == "win32" else "podio-desk")
FINGERPRINT = OUT / "fingerprint.txt"
SMOKE_TIMEOUT = 120
# Lines on stderr that are not our problem; every other line fails the smoke test.
STDERR_ALLOWED: list[re.Pattern[str]] = []
INPUTS = ("podio_desk", "resources", "packaging/podio_desk.spec", "packaging/entry.py")


def log(message: str) -> None:
    print(f"[build] {message}", flush=True)


def fingerprint() -> str:
    """A hash of everything that goes into the bundle: our files, the Python and its packages."""
    digest = hashlib.sha256()
    digest.update(sys.version.encode())
    for dist in sorted(metadata.distributions(), key=lambda d: d.metadata["Name"] or ""):
        digest.update(f"{dist.metadata['Name']}=={dist.version}\n".encode())
    for name in (*INPUTS, "pyproject.toml"):
        path = ROOT / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(str(file.relative_to(ROOT)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


def folder_size(path: Path) -> int:
    # PyInstaller links some libraries twice by symlink: count each file once.
    return sum(
        file.stat().st_size for file in path.rglob("*") if file.is_file() and not file.is_symlink()
    )


def build(force: bool) -> None:
    wanted = fingerprint()
    if (
        not force
        and EXECUTABLE.exists()
        and FINGERPRINT.exists()
        and FINGERPRINT.read_text().strip() == wanted
    ):
        log(f"bundle is up to date: {BUNDLE.relative_to(ROOT)} (use --force to rebuild)")
        return
    FINGERPRINT.unlink(missing_ok=True)
    started = time.monotonic()
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--workpath",
        str(WORK),
        "--distpath",
        str(DIST),
        str(SPEC),
    ]
    log("running PyInstaller")
    subprocess.run(command, cwd=ROOT, check=True)
    FINGERPRINT.write_text(wanted + "\n")
    log(f"built in {time.monotonic() - started:.1f} s")


def smoke_test() -> None:
    with tempfile.TemporaryDirectory(prefix="podio-desk-smoke-home-") as home:
        env = {
            key: value
            for key, value in os.environ.items()
            # Nothing may reach the developer's real keychain, profile or display.
            if key not in {"DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY"}
            and not key.startswith(("PODIO_DESK_", "XDG_", "PYTHON"))
        }
        env |= {
            "HOME": home,
            "XDG_DATA_HOME": str(Path(home) / ".local" / "share"),
            "XDG_CONFIG_HOME": str(Path(home) / ".config"),
            "XDG_CACHE_HOME": str(Path(home) / ".cache"),
            "XDG_RUNTIME_DIR": home,
            "QT_QPA_PLATFORM": "offscreen",
        }
        started = time.monotonic()
        result = subprocess.run(
            [str(EXECUTABLE), "--smoke-test"],
            env=env,
            cwd=home,
            capture_output=True,
            text=True,
            timeout=SMOKE_TIMEOUT,
            check=False,
        )
        elapsed = time.monotonic() - started
    problems = []
    if result.returncode != 0:
        problems.append(f"exit code {result.returncode}")
    ok_lines = [line for line in result.stdout.splitlines() if line.startswith("smoke test ok:")]
    if not ok_lines:
        problems.append('no "smoke test ok" line on stdout')
    elif "SecretService" not in ok_lines[0]:
        problems.append("keyring's backends were not bundled (no SecretService plugin listed)")
    unexpected = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and not any(pattern.search(line) for pattern in STDERR_ALLOWED)
    ]
    if unexpected:
        problems.append("unexpected output on stderr")
    if problems:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        raise SystemExit(f"[build] frozen smoke test FAILED: {'; '.join(problems)}")
    log(f"{ok_lines[0]} (frozen run took {elapsed:.1f} s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke-test", action="store_true", help="run the bundle's smoke test")
    parser.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    args = parser.parse_args()
    if shutil.which("objdump") is None and sys.platform.startswith("linux"):
        log("note: objdump not found (binutils); PyInstaller needs it on Linux")
    started = time.monotonic()
    build(args.force)
    log(f"bundle: {BUNDLE.relative_to(ROOT)}, {folder_size(BUNDLE) / 1e6:.1f} MB")
    if args.smoke_test:
        smoke_test()
    log(f"total {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
