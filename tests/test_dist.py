"""packaging/dist.py's Linux packages, built from a stub bundle and installed into temp folders.

The real bundle, the real `apt-get install` and the launch of the installed desktop entry under
Xvfb are checked by `bash packaging/dev.sh dist --check`; these tests cover the package layout
and the tarball's install.sh/uninstall.sh round trip in a second or two.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from podio_desk import APP_ID, __version__
from podio_desk.ui.resources import ICON_SIZES

ROOT = Path(__file__).resolve().parents[1]
ICON_PLACES = [f"{size}x{size}" for size in ICON_SIZES] + ["scalable"]

pytestmark = pytest.mark.skipif(
    shutil.which("dpkg-deb") is None or shutil.which("objdump") is None,
    reason="needs dpkg-deb (Debian) and objdump (binutils)",
)


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The .deb and the tarball of a bundle whose executable is /bin/echo (prints its arguments)."""
    work = tmp_path_factory.mktemp("dist")
    bundle = work / "bundle"
    (bundle / "_internal").mkdir(parents=True)
    shutil.copyfile("/bin/echo", bundle / APP_ID)
    (bundle / APP_ID).chmod(0o700)  # packaging normalises modes to 0755 / 0644
    (bundle / "_internal" / "data.txt").write_text("data\n")
    (bundle / "_internal" / "link.txt").symlink_to("data.txt")
    out = work / "out"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "packaging" / "dist.py"),
            "--bundle",
            str(bundle),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    deb = out / f"{APP_ID}_{__version__}_amd64.deb"
    tarball = out / f"{APP_ID}-{__version__}-linux-x86_64.tar.gz"
    assert sorted(path.name for path in out.iterdir()) == sorted([deb.name, tarball.name])
    return deb, tarball


def deb_contents(deb: Path) -> dict[str, str]:
    """Each path in the package's data with its `dpkg-deb -c` line."""
    listing = subprocess.run(
        ["dpkg-deb", "-c", str(deb)], check=True, capture_output=True, text=True
    ).stdout
    contents = {}
    for line in listing.splitlines():
        name = line.split(maxsplit=5)[5].split(" -> ")[0]
        contents[name.removeprefix(".").rstrip("/") or "/"] = line
    return contents


def test_the_deb_installs_the_bundle_command_entry_metainfo_and_icons(
    artefacts: tuple[Path, Path],
) -> None:
    deb, _ = artefacts
    contents = deb_contents(deb)
    assert "-rwxr-xr-x root/root" in contents[f"/opt/{APP_ID}/{APP_ID}"]
    assert "-rw-r--r-- root/root" in contents[f"/opt/{APP_ID}/_internal/data.txt"]
    assert contents[f"/opt/{APP_ID}/_internal/link.txt"].endswith("-> data.txt")
    assert contents[f"/usr/bin/{APP_ID}"].endswith(f"-> /opt/{APP_ID}/{APP_ID}")
    assert f"/usr/share/applications/{APP_ID}.desktop" in contents
    assert "/usr/share/metainfo/io.github.podio_desk.PodioDesk.metainfo.xml" in contents
    for place in ICON_PLACES:
        suffix = "svg" if place == "scalable" else "png"
        assert f"/usr/share/icons/hicolor/{place}/apps/{APP_ID}.{suffix}" in contents
    assert all("root/root" in line for line in contents.values())


def test_the_deb_declares_the_system_libraries_and_its_version(
    artefacts: tuple[Path, Path],
) -> None:
    deb, _ = artefacts
    fields = subprocess.run(
        ["dpkg-deb", "--field", str(deb), "Package", "Version", "Architecture", "Depends"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert f"Package: {APP_ID}\n" in fields
    assert f"Version: {__version__}\n" in fields
    assert "Architecture: amd64\n" in fields
    depends = fields.split("Depends: ", 1)[1].split(", ")
    assert depends[0].startswith("libc6 (>= 2.")
    for library in ("libegl1", "libgl1", "libxkbcommon-x11-0", "libfontconfig1", "libxcb-cursor0"):
        assert library in depends


def test_the_maintainer_scripts_never_fail_even_when_the_cache_tools_do(
    artefacts: tuple[Path, Path], tmp_path: Path
) -> None:
    deb, _ = artefacts
    subprocess.run(["dpkg-deb", "-e", str(deb), str(tmp_path / "DEBIAN")], check=True)
    failing_tools = tmp_path / "bin"
    failing_tools.mkdir()
    for tool in ("update-desktop-database", "gtk-update-icon-cache"):
        (failing_tools / tool).write_text("#!/bin/sh\nexit 1\n")
        (failing_tools / tool).chmod(0o755)
    without_tools = tmp_path / "empty"
    without_tools.mkdir()
    for path in (f"{failing_tools}:/usr/bin:/bin", str(without_tools)):
        for script, argument in (
            ("postinst", "configure"),
            ("postrm", "remove"),
            ("postrm", "purge"),
        ):
            result = subprocess.run(
                ["/bin/sh", str(tmp_path / "DEBIAN" / script), argument],
                env={"PATH": path},
                capture_output=True,
                text=True,
                check=False,
            )
            assert result.returncode == 0, (script, argument, path, result.stderr)


def unpack(tarball: Path, into: Path) -> Path:
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
        assert all(member.uid == 0 and member.gid == 0 for member in archive.getmembers()), (
            "owned by root"
        )
        archive.extractall(into, filter="tar")
    top = f"{APP_ID}-{__version__}-linux-x86_64"
    assert {f"{top}/install.sh", f"{top}/uninstall.sh", f"{top}/{APP_ID}/{APP_ID}"} <= set(names)
    return into / top


def run_script(script: Path, *args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        ["sh", str(script), *args], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def everything_under(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def test_install_sh_installs_for_one_user_and_uninstall_sh_removes_exactly_that(
    artefacts: tuple[Path, Path], tmp_path: Path
) -> None:
    _, tarball = artefacts
    unpacked = unpack(tarball, tmp_path / "unpacked")
    home = tmp_path / "home"
    prefix = home / 'odd $prefix `with` "quotes"'  # the desktop entry must quote this path
    (home / ".local" / "share" / "applications").mkdir(parents=True)
    (home / ".local" / "share" / "applications" / "other.desktop").write_text("[Desktop Entry]\n")
    before = everything_under(home)
    env = {"HOME": str(home), "PATH": os.environ["PATH"]}  # no XDG_DATA_HOME: PREFIX/share

    run_script(unpacked / "install.sh", "--prefix", str(prefix), env=env)
    # Installing again replaces the first install instead of failing or doubling it.
    output = run_script(unpacked / "install.sh", f"--prefix={prefix}", env=env)
    assert "is installed" in output

    app = prefix / "opt" / APP_ID
    command = prefix / "bin" / APP_ID
    assert (
        subprocess.run([str(command), "hello"], capture_output=True, text=True, check=True).stdout
        == "hello\n"
    )
    assert (app / "_internal" / "link.txt").read_text() == "data\n"
    entry_path = prefix / "share" / "applications" / f"{APP_ID}.desktop"
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(entry_path, encoding="utf-8")
    # Desktop-entry quoting: \ before " ` $ inside the quotes, then every \ doubled.
    quoted = "".join("\\\\" + char if char in '"`$' else char for char in str(app / APP_ID))
    assert entry["Desktop Entry"]["Exec"] == f'"{quoted}" %u'
    if shutil.which("desktop-file-validate"):
        validation = subprocess.run(
            ["desktop-file-validate", str(entry_path)], capture_output=True, text=True, check=False
        )
        assert validation.returncode == 0, validation.stdout
    for place in ICON_PLACES:
        assert any((prefix / "share" / "icons" / "hicolor" / place / "apps").glob(f"{APP_ID}.*"))

    run_script(app / "uninstall.sh", env=env)
    assert everything_under(home) == before


def test_install_sh_puts_the_menu_entry_in_xdg_data_home(
    artefacts: tuple[Path, Path], tmp_path: Path
) -> None:
    _, tarball = artefacts
    unpacked = unpack(tarball, tmp_path / "unpacked")
    home = tmp_path / "home"
    data = tmp_path / "data"
    home.mkdir()
    env = {"HOME": str(home), "XDG_DATA_HOME": str(data), "PATH": os.environ["PATH"]}

    run_script(unpacked / "install.sh", env=env)

    assert (data / "applications" / f"{APP_ID}.desktop").is_file()
    assert (home / ".local" / "bin" / APP_ID).is_symlink()
    assert not (data / APP_ID).exists()  # that is the app's profile folder, not the install
    run_script(unpacked / "uninstall.sh", env=env)  # from the tarball: finds ~/.local's manifest
    assert everything_under(home) == set()
    assert not data.exists()


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None or shutil.which("appstreamcli") is None,
    reason="needs desktop-file-utils and appstream (`bash packaging/dev.sh dist` installs them)",
)
def test_the_desktop_entry_and_the_metainfo_pass_the_validators() -> None:
    linux = ROOT / "packaging" / "linux"
    for command in (
        ["desktop-file-validate", str(linux / f"{APP_ID}.desktop")],
        ["appstreamcli", "validate", "--no-net", *map(str, linux.glob("*.metainfo.xml"))],
    ):
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_desktop_entry_passes_one_podio_link_and_names_an_installed_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(ROOT / "packaging" / "linux" / f"{APP_ID}.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Exec"] == f"{APP_ID} %u"
    assert (ROOT / "resources" / "icons" / f"{section['Icon']}.svg").is_file()
