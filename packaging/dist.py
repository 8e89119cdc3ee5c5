"""Build the Linux packages from the frozen bundle; with --check, install, launch and remove them.

python packaging/dist.py            freeze (packaging/build.py), then write to build/dist/ the
                                    podio-desk_VERSION_amd64.deb and the
                                    podio-desk-VERSION-linux-x86_64.tar.gz
python packaging/dist.py --check    ... then test both: the tarball's install.sh into a temporary
                                    HOME, the .deb unpacked into a temporary root and, as root,
                                    installed for real with apt-get; each installed desktop entry
                                    is launched with `gio launch` under Xvfb, the window must
                                    appear (screenshot: build/dist/launched*.png), SIGTERM must end
                                    the app with exit code 0, and uninstalling must remove every
                                    installed file
python packaging/dist.py --bundle DIR --out DIR    package another bundle (the tests use a stub)
"""

from __future__ import annotations

import argparse
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINUX = ROOT / "packaging" / "linux"
ICONS = ROOT / "resources" / "icons"
BUNDLE = ROOT / "build" / "pyinstaller" / "dist" / "podio-desk"
OUT = ROOT / "build" / "dist"

APP_ID = "podio-desk"  # the command, the desktop entry's file name, the icon name, the WM class
APP_NAME = "Podio Desk"
DESKTOP_ENTRY = LINUX / f"{APP_ID}.desktop"
INSTALL_DIR = f"/opt/{APP_ID}"
MAINTAINER = "Podio Desk developers <podio-desk@users.noreply.github.com>"
# Libraries the bundle loads from the system (PyInstaller does not ship them): libc, OpenGL/EGL
# and libdrm (Qt's GUI and widgets link them), libxcb (the X11 plugin), and what Qt on X11 and
# offscreen needs, as packaging/dev.sh installs it: some of these the bundle also ships, but
# their packages bring the data the libraries read (/etc/fonts and a font, the XKB keymaps).
# `--check` verifies that every library the bundle needs and does not ship is in one of them.
DEPENDS = [
    "libegl1",
    "libgl1",
    "libdrm2",
    "libxcb1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libfontconfig1",
    "libdbus-1-3",
    "libglib2.0-0",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
    "libxcb-xfixes0",
]
# Qt's Wayland plugin needs these (on X11, or without them, Qt uses the X11 plugin); its GTK
# theme plugin needs GTK 3 (without it Qt draws its own file dialogs).
RECOMMENDS = ["libwayland-client0", "libwayland-cursor0", "libwayland-egl1"]
SUGGESTS = ["libgtk-3-0"]
# Their libraries, for the dependency check on a system where they are not installed.
OPTIONAL_LIBRARIES = {
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
    "libgtk-3.so.0": "libgtk-3-0",
    "libgdk-3.so.0": "libgtk-3-0",
}
# The xz level: 1 packs the bundle in seconds, the default level 6 takes many times longer for
# a package about a tenth smaller.
DEB_XZ_LEVEL = "1"
TAR_GZIP_LEVEL = 6
WINDOW_TIMEOUT = 60.0
EXIT_TIMEOUT = 30.0


def log(message: str) -> None:
    print(f"[dist] {message}", flush=True)


class CheckError(Exception):
    pass


def project_version() -> str:
    # Read, not imported: from packaging/ `import podio_desk` may find another checkout.
    text = (ROOT / "podio_desk" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise SystemExit("no __version__ in podio_desk/__init__.py")
    return match.group(1)


def metainfo_file() -> Path:
    (path,) = LINUX.glob("*.metainfo.xml")
    return path


def icon_files() -> dict[str, Path]:
    """Icon files by their place in the hicolor theme: '16x16' ... '256x256', 'scalable'."""
    sizes = sorted(
        int(size)
        for path in ICONS.glob(f"{APP_ID}-*.png")
        if (size := path.stem.rsplit("-", 1)[1]).isdigit()
    )
    icons = {f"{size}x{size}": ICONS / f"{APP_ID}-{size}.png" for size in sizes}
    svg = ICONS / f"{APP_ID}.svg"
    if svg.exists():
        icons["scalable"] = svg
    return icons


def deb_name(version: str) -> str:
    return f"{APP_ID}_{version}_amd64.deb"


def tarball_name(version: str) -> str:
    return f"{APP_ID}-{version}-linux-x86_64.tar.gz"


def copy_bundle(bundle: Path, target: Path) -> None:
    """Copy with normal permissions (0755 for folders and executables, 0644 for the rest)."""
    shutil.copytree(bundle, target, symlinks=True)
    for folder, _subfolders, files in os.walk(target):
        os.chmod(folder, 0o755)
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink():
                path.chmod(0o755 if path.stat().st_mode & 0o111 else 0o644)


def install_file(source: Path, target: Path, mode: int = 0o644) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(mode)


def share_tree(share: Path) -> None:
    """The files under /usr/share (or ~/.local/share): desktop entry, metainfo, icons."""
    install_file(DESKTOP_ENTRY, share / "applications" / DESKTOP_ENTRY.name)
    install_file(metainfo_file(), share / "metainfo" / metainfo_file().name)
    for place, source in icon_files().items():
        install_file(
            source, share / "icons" / "hicolor" / place / "apps" / f"{APP_ID}{source.suffix}"
        )


def folder_kib(path: Path) -> int:
    total = sum(
        file.lstat().st_size for file in path.rglob("*") if file.is_file() or file.is_symlink()
    )
    return (total + 1023) // 1024


def control_file(version: str, installed_kib: int, glibc: str) -> str:
    description = (
        "desktop client for Podio\n"
        " Podio Desk shows every Podio organization, space and app in one tree, opens any app\n"
        " as a fast table, edits each field with the right editor, keeps working from a local\n"
        " cache when the network is gone and paces its requests under Podio's rate limits.\n"
        " .\n"
        " Podio is a trademark of its owner; this application is not affiliated with it."
    )
    depends = ", ".join([f"libc6 (>= {glibc})", *DEPENDS])
    return (
        f"Package: {APP_ID}\n"
        f"Version: {version}\n"
        "Architecture: amd64\n"
        f"Maintainer: {MAINTAINER}\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {depends}\n"
        f"Recommends: {', '.join(RECOMMENDS)}\n"
        f"Suggests: {', '.join(SUGGESTS)}\n"
        "Section: net\n"
        "Priority: optional\n"
        f"Description: {description}\n"
    )


def elf_files(bundle: Path) -> list[Path]:
    found = []
    for path in sorted(bundle.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as file:
                if file.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def glibc_needed(bundle: Path) -> str:
    """The newest GLIBC_x.y symbol version any binary of the bundle asks for."""
    versions: set[tuple[int, ...]] = set()
    for path in elf_files(bundle):
        symbols = subprocess.run(
            ["objdump", "-T", str(path)], capture_output=True, text=True, check=False
        ).stdout
        versions.update(
            tuple(int(part) for part in found.split("."))
            for found in re.findall(r"GLIBC_(\d+(?:\.\d+)+)", symbols)
        )
    if not versions:
        raise SystemExit("objdump found no GLIBC symbol versions in the bundle (binutils missing?)")
    return ".".join(str(part) for part in max(versions))


def libraries_from_system(bundle: Path) -> dict[str, list[str]]:
    """Each library the bundle's binaries need and do not ship, with the files that need it."""
    shipped = {path.name for path in bundle.rglob("*")}
    needed: dict[str, list[str]] = {}
    for path in elf_files(bundle):
        headers = subprocess.run(
            ["objdump", "-p", str(path)], capture_output=True, text=True, check=True
        ).stdout
        for library in re.findall(r"^\s+NEEDED\s+(\S+)", headers, re.MULTILINE):
            if library not in shipped:
                needed.setdefault(library, []).append(str(path.relative_to(bundle)))
    return needed


def build_deb(bundle: Path, out: Path, version: str) -> Path:
    stage = out / "stage" / "deb"
    shutil.rmtree(stage, ignore_errors=True)
    copy_bundle(bundle, stage / INSTALL_DIR.lstrip("/"))
    # An absolute link: Debian policy wants links between top-level folders absolute.
    (stage / "usr" / "bin").mkdir(parents=True)
    (stage / "usr" / "bin" / APP_ID).symlink_to(f"{INSTALL_DIR}/{APP_ID}")
    share_tree(stage / "usr" / "share")
    control = stage / "DEBIAN"
    control.mkdir()
    (control / "control").write_text(
        control_file(version, folder_kib(stage), glibc_needed(bundle)), encoding="utf-8"
    )
    for script in ("postinst", "postrm"):
        install_file(LINUX / "deb" / script, control / script, 0o755)
    os.chmod(stage, 0o755)
    target = out / deb_name(version)
    subprocess.run(
        [
            "dpkg-deb",
            "--root-owner-group",
            "-Zxz",
            f"-z{DEB_XZ_LEVEL}",
            "--build",
            str(stage),
            str(target),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.rmtree(stage)
    return target


def root_owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def build_tarball(bundle: Path, out: Path, version: str) -> Path:
    top = f"{APP_ID}-{version}-linux-x86_64"
    stage = out / "stage" / top
    shutil.rmtree(stage, ignore_errors=True)
    copy_bundle(bundle, stage / APP_ID)
    share_tree(stage / "share")
    for script in ("install.sh", "uninstall.sh"):
        install_file(LINUX / script, stage / script, 0o755)
    os.chmod(stage, 0o755)
    target = out / tarball_name(version)
    with tarfile.open(target, "w:gz", compresslevel=TAR_GZIP_LEVEL) as archive:
        archive.add(stage, arcname=top, filter=root_owned)
    shutil.rmtree(stage)
    return target


def build(bundle: Path, out: Path) -> tuple[Path, Path]:
    version = project_version()
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    deb = build_deb(bundle, out, version)
    log(f"{deb.name}: {deb.stat().st_size / 1e6:.1f} MB ({time.monotonic() - started:.1f} s)")
    started = time.monotonic()
    tarball = build_tarball(bundle, out, version)
    elapsed = time.monotonic() - started
    log(f"{tarball.name}: {tarball.stat().st_size / 1e6:.1f} MB ({elapsed:.1f} s)")
    shutil.rmtree(out / "stage", ignore_errors=True)
    return deb, tarball


# ---------------------------------------------------------------------------------------------
# --check


def run(command: list[str], env: Mapping[str, str] | None = None) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CheckError(
            f"{' '.join(command)} exited with {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result.stdout


def require_tools(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        raise CheckError(
            f"missing tools: {', '.join(missing)} (`bash packaging/dev.sh dist` installs them)"
        )


def validate_entry_and_metainfo(entry: Path, metainfo: Path) -> None:
    run(["desktop-file-validate", str(entry)])
    run(["appstreamcli", "validate", "--no-net", str(metainfo)])


def clean_env(home: Path) -> dict[str, str]:
    """The environment of a new user's desktop session with HOME in a temporary folder."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}
        and not key.startswith(("PODIO_DESK_", "XDG_", "PYTHON", "VIRTUAL_ENV"))
    }
    env |= {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_DIRS": "/usr/local/share:/usr/share",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
    }
    return env


@contextmanager
def virtual_screen() -> Iterator[str]:
    """Xvfb on a free display number; yields the DISPLAY value."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    try:
        if not number:
            raise CheckError("Xvfb did not start")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def become_subreaper() -> None:
    """Adopt orphaned descendants: `gio launch` exits at once, the app it starts becomes our
    child, and its exit code can then be read with waitpid."""
    pr_set_child_subreaper = 36
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def wait_for(predicate_command: list[str], env: Mapping[str, str], timeout: float) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = subprocess.run(
            predicate_command, env=env, capture_output=True, text=True, check=False
        )
        if result.returncode == 0 and result.stdout.strip():
            return result.stdout.strip()
        time.sleep(0.2)
    return None


def wait_for_exit(pid: int, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.1)
    return None


def launch_entry(entry: Path, env: dict[str, str], executable: Path, screenshot: Path) -> None:
    """Start the desktop entry as a desktop does, see its window, photograph it, close it."""
    become_subreaper()
    with virtual_screen() as display:
        env = env | {"DISPLAY": display}
        log_path = screenshot.with_suffix(".log")
        with log_path.open("w") as output:
            started = time.monotonic()
            launcher = subprocess.run(
                ["gio", "launch", str(entry)], env=env, stdout=output, stderr=output, check=False
            )
        if launcher.returncode != 0:
            raise CheckError(f"gio launch {entry} failed: {log_path.read_text()}")
        window = wait_for(
            ["xdotool", "search", "--onlyvisible", "--name", APP_NAME], env, WINDOW_TIMEOUT
        )
        if window is None:
            raise CheckError(
                f"no window named {APP_NAME!r} within {WINDOW_TIMEOUT:.0f} s: "
                f"{log_path.read_text()}"
            )
        window_id = window.splitlines()[0]
        title = run(["xdotool", "getwindowname", window_id], env).strip()
        pid = int(run(["xdotool", "getwindowpid", window_id], env))
        log(f"window {title!r} (pid {pid}) after {time.monotonic() - started:.1f} s")
        started_from = Path(os.readlink(f"/proc/{pid}/exe"))
        if started_from.resolve() != executable.resolve():
            raise CheckError(f"the window belongs to {started_from}, not to {executable}")
        # The window is mapped; give Qt a moment to paint it before the screenshot.
        time.sleep(1.5)
        run(["import", "-window", "root", str(screenshot)], env)
        log(f"screenshot: {screenshot}")
        os.kill(pid, signal.SIGTERM)
        code = wait_for_exit(pid, EXIT_TIMEOUT)
        if code is None:
            os.kill(pid, signal.SIGKILL)
            raise CheckError(f"the app did not exit within {EXIT_TIMEOUT:.0f} s of SIGTERM")
        if code != 0:
            raise CheckError(f"the app exited with {code} after SIGTERM: {log_path.read_text()}")
        log("SIGTERM: the app exited with code 0")
        problems = [
            line
            for line in log_path.read_text().splitlines()
            if "Traceback" in line or "Error" in line
        ]
        if problems:
            raise CheckError(f"the app's output has errors: {log_path.read_text()}")


def all_paths(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def check_tarball(tarball: Path, out: Path) -> None:
    log(f"check: {tarball.name} installed with install.sh into a temporary HOME")
    with tempfile.TemporaryDirectory(prefix="podio-desk-tarball-") as temp:
        unpacked = Path(temp) / "unpacked"
        with tarfile.open(tarball) as archive:
            archive.extractall(unpacked, filter="tar")
        (top,) = unpacked.iterdir()
        home = Path(temp) / "home"
        home.mkdir()
        before = all_paths(home)
        env = clean_env(home)
        log(run(["sh", str(top / "install.sh")], env).strip().replace("\n", "; "))
        app = home / ".local" / "opt" / APP_ID
        manifest = app / "install-manifest.txt"
        installed = [
            Path(line.split(" ", 1)[1])
            for line in manifest.read_text().splitlines()
            if line.startswith(("file ", "dir "))
        ]
        data = home / ".local" / "share"
        entry = data / "applications" / DESKTOP_ENTRY.name
        validate_entry_and_metainfo(entry, data / "metainfo" / metainfo_file().name)
        for place in icon_files():
            if not any((data / "icons" / "hicolor" / place / "apps").glob(f"{APP_ID}.*")):
                raise CheckError(f"no {place} icon installed")
        log(f"installed {len(installed)} paths; desktop entry and metainfo validate")
        launch_entry(entry, env, app / APP_ID, out / "launched-tarball.png")
        run(["sh", str(app / "uninstall.sh")], env)
        # The app's own profile, settings and caches stay, and so do the folders that hold them.
        own = (data / APP_ID, home / ".config", home / ".cache")
        left = [
            path
            for path in installed
            if (path.exists() or path.is_symlink()) and not any(path in f.parents for f in own)
        ]
        if left:
            raise CheckError(f"uninstall.sh left {len(left)} installed paths, e.g. {left[:5]}")
        strays = sorted(
            path
            for path in all_paths(home) - before
            if not any(path == folder or folder in path.parents for folder in own)
            and not any(path in folder.parents for folder in own)
        )
        if strays:
            raise CheckError(f"left behind after uninstall.sh: {strays}")
        log(f"uninstall.sh removed all {len(installed)} installed paths")


def check_deb_unpacked(deb: Path, bundle: Path) -> None:
    log(f"check: {deb.name} unpacked with dpkg -x into a temporary root")
    fields = run(["dpkg-deb", "--field", str(deb)])
    log(
        "control: "
        + "; ".join(line for line in fields.splitlines() if line.startswith(("Version", "Depends")))
    )
    depends = re.findall(r"([a-z0-9][a-z0-9.+-]+)", fields.split("Depends:", 1)[1].splitlines()[0])
    with tempfile.TemporaryDirectory(prefix="podio-desk-deb-") as temp:
        root = Path(temp)
        run(["dpkg", "-x", str(deb), str(root)])
        link = root / "usr" / "bin" / APP_ID
        if os.readlink(link) != f"{INSTALL_DIR}/{APP_ID}":
            raise CheckError(f"/usr/bin/{APP_ID} points to {os.readlink(link)}")
        if not (root / INSTALL_DIR.lstrip("/") / APP_ID).is_file():
            raise CheckError(f"no {INSTALL_DIR}/{APP_ID} in the package")
        share = root / "usr" / "share"
        validate_entry_and_metainfo(
            share / "applications" / DESKTOP_ENTRY.name, share / "metainfo" / metainfo_file().name
        )
        for place in icon_files():
            if not any((share / "icons" / "hicolor" / place / "apps").glob(f"{APP_ID}.*")):
                raise CheckError(f"no {place} icon in the package")
    uncovered = {}
    for library, users in libraries_from_system(bundle).items():
        owners = subprocess.run(
            ["dpkg", "-S", f"*/{library}"], capture_output=True, text=True, check=False
        ).stdout
        packages = {line.split(":", 1)[0] for line in owners.splitlines()}
        if library in OPTIONAL_LIBRARIES:
            packages.add(OPTIONAL_LIBRARIES[library])
        if not packages & {*depends, *RECOMMENDS, *SUGGESTS}:
            uncovered[library] = (sorted(packages), users[:3])
    if uncovered:
        raise CheckError(
            f"libraries the bundle needs that no declared package provides: {uncovered}"
        )
    log("every library the bundle needs and does not ship comes from a declared package")


def check_deb_installed(deb: Path, out: Path) -> None:
    """apt-get install, launch from the menu entry, apt-get purge: on this (disposable) system."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        log("not root (or no apt-get): the real install of the .deb is skipped")
        return
    status = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", APP_ID], capture_output=True, text=True, check=False
    )
    if "installed" in status.stdout.split():
        raise CheckError(f"{APP_ID} is already installed; remove it first (apt-get purge {APP_ID})")
    log(f"check: apt-get install {deb.name} on this system")
    apt_env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends", str(deb.resolve())], apt_env)
    try:
        files = [Path(line) for line in run(["dpkg", "-L", APP_ID]).splitlines() if line.strip()]
        log(f"installed {len(files)} paths")
        with tempfile.TemporaryDirectory(prefix="podio-desk-home-") as home:
            env = clean_env(Path(home))
            which = shutil.which(APP_ID, path=env["PATH"])
            if which is None:
                raise CheckError(f"{APP_ID} is not on the PATH after the install")
            version = run([which, "--version"], env | {"QT_QPA_PLATFORM": "offscreen"}).strip()
            log(f"`{APP_ID} --version` on the PATH: {version}")
            launch_entry(
                Path("/usr/share/applications") / DESKTOP_ENTRY.name,
                env,
                Path(INSTALL_DIR) / APP_ID,
                out / "launched.png",
            )
    finally:
        run(["apt-get", "remove", "--purge", "-y", "-q", APP_ID], apt_env)
    left = [path for path in files if (path.exists() or path.is_symlink()) and not path.is_dir()]
    left_dirs = [
        path for path in files if path.is_dir() and Path(INSTALL_DIR) in (path, *path.parents)
    ]
    if left or left_dirs:
        raise CheckError(f"apt-get remove --purge left {left + left_dirs}")
    log(f"apt-get remove --purge removed all {len(files)} files of the package")


def check(deb: Path, tarball: Path, bundle: Path, out: Path) -> None:
    require_tools(
        "desktop-file-validate", "appstreamcli", "gio", "Xvfb", "xdotool", "import", "objdump"
    )
    validate_entry_and_metainfo(DESKTOP_ENTRY, metainfo_file())
    log("packaging/linux: desktop-file-validate and appstreamcli validate --no-net pass")
    check_deb_unpacked(deb, bundle)
    check_tarball(tarball, out)
    check_deb_installed(deb, out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="install, launch and remove both")
    parser.add_argument("--bundle", type=Path, help="package this bundle instead of freezing")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: build/dist)")
    args = parser.parse_args()
    started = time.monotonic()
    bundle: Path = args.bundle or BUNDLE
    if args.bundle is None:
        subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py")], check=True)
    deb, tarball = build(bundle.resolve(), args.out.resolve())
    if args.check:
        try:
            check(deb, tarball, bundle, args.out.resolve())
        except CheckError as failure:
            log(f"check FAILED: {failure}")
            return 1
        log("check passed")
    log(f"total {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
