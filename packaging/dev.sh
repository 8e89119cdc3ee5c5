#!/usr/bin/env bash
# One entry point for developers and CI: sets up everything it needs, then runs, tests or benchmarks.
#   bash packaging/dev.sh run [podio-desk args]   set up, then start the app (the demo without an account)
#   bash packaging/dev.sh test                     set up, then lint, type-check, layer-check, test, freeze
#   bash packaging/dev.sh bench                    set up, then run tests/bench and write build/bench/results.json
#   bash packaging/dev.sh dist [--check]           set up, freeze, then build the .deb and the tarball in
#                                                  build/dist/; --check installs, launches and removes them
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv"
py="$venv/bin/python"

# Debian packages Qt needs offscreen and under Xvfb (and Xvfb itself, for a machine with no display).
system_packages=(
    libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
    fonts-dejavu-core xvfb x11-utils libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-xfixes0
    binutils  # objdump: PyInstaller reads shared-library dependencies with it
)

# What `dist` needs besides (dpkg-deb comes with dpkg): the validators and the tools that launch
# the installed desktop entry under Xvfb, find its window and photograph it.
dist_packages=(desktop-file-utils appstream libglib2.0-bin xdotool imagemagick)

log() { printf '\033[1m[podio-desk]\033[0m %s\n' "$*" >&2; }

# Run one named stage of the test command and report how long it took.
stage_times=()
stage() {
    local name="$1"
    shift
    log "$name"
    local started=$SECONDS
    "$@"
    stage_times+=("$(printf '%-22s %4d s' "$name" $((SECONDS - started)))")
}

ensure_system_packages() {
    command -v dpkg-query >/dev/null 2>&1 || return 0
    local missing=()
    for pkg in "${system_packages[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        log "missing Debian packages (install them as root): ${missing[*]}"
        return 0
    fi
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

find_python() {
    for candidate in python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    log "Python 3.11 or newer is required"
    return 1
}

ensure_venv() {
    local extras="$1"
    if [ ! -x "$py" ]; then
        log "creating the virtual environment in .venv"
        "$(find_python)" -m venv "$venv"
        "$py" -m pip install -q --upgrade pip
    fi
    # Reinstall only when pyproject.toml or the wanted extras changed.
    local stamp="$venv/.podio-desk-installed"
    local want
    want="$(sha256sum pyproject.toml | cut -d' ' -f1) $extras"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        log "installing podio-desk[$extras] into .venv"
        "$py" -m pip install -q -e ".[$extras]"
        echo "$want" >"$stamp"
    fi
}

# One set of extras for every command, so that switching between run and test never reinstalls.
extras="test,package"

cmd="${1:-run}"
shift || true
case "$cmd" in
run)
    ensure_system_packages
    ensure_venv "$extras"
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
        # No screen on this machine: start a virtual one so the window really opens.
        export DISPLAY="${PODIO_DESK_DISPLAY:-:99}"
        if ! xdpyinfo -display "$DISPLAY" >/dev/null 2>&1; then
            Xvfb "$DISPLAY" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
            for _ in $(seq 50); do xdpyinfo -display "$DISPLAY" >/dev/null 2>&1 && break; sleep 0.1; done
        fi
        log "no display found: running on the virtual screen $DISPLAY"
        log "screenshot: import -window root -display $DISPLAY shot.png"
    fi
    # A new user (no account yet) gets the demo instead of the sign-in dialog.
    exec "$venv/bin/podio-desk" --demo-if-no-account "$@"
    ;;
test)
    started=$SECONDS
    stage "set-up" ensure_system_packages
    stage "virtualenv" ensure_venv "$extras"
    export QT_QPA_PLATFORM=offscreen
    stage "ruff check" "$venv/bin/ruff" check podio_desk tests packaging tools
    stage "ruff format --check" "$venv/bin/ruff" format --check podio_desk tests packaging tools
    stage "mypy" "$venv/bin/mypy"
    stage "mypy packaging" "$venv/bin/mypy" packaging/build.py packaging/dist.py packaging/entry.py \
        packaging/render_icons.py
    stage "lint-imports" "$venv/bin/lint-imports"
    stage "pytest" "$py" -m pytest "$@"
    stage "freeze + smoke test" "$py" packaging/build.py --smoke-test
    log "all stages passed in $((SECONDS - started)) s:"
    printf '    %s\n' "${stage_times[@]}" >&2
    ;;
bench)
    ensure_system_packages
    ensure_venv "$extras"
    export QT_QPA_PLATFORM=offscreen
    mkdir -p build/bench
    # One process per module: memory and start-up figures are then each module's own.
    for module in tests/bench/test_*.py; do
        "$py" -m pytest "$module" -p no:randomly -o addopts="" -q "$@"
    done
    "$py" -m tests.bench.report
    ;;
dist)
    ensure_system_packages "${dist_packages[@]}"
    ensure_venv "$extras"
    "$py" packaging/dist.py "$@"
    ;;
*)
    echo "usage: bash packaging/dev.sh {run|test|bench|dist} [args]" >&2
    exit 2
    ;;
esac
