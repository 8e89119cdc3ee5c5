#!/bin/sh
# Remove the Podio Desk that install.sh installed: exactly the files in its manifest, then the
# folders it created, each only if nothing else is left in it. The profile (settings, cache,
# logs in ~/.local/share/podio-desk) and the keyring entries stay.
#   PREFIX/opt/podio-desk/uninstall.sh            the installed copy finds its manifest beside it
#   ./uninstall.sh [--prefix DIR]                 from the tarball (default DIR: ~/.local)
set -eu

usage() {
    echo "usage: $0 [--prefix DIR] [--quiet]" >&2
    exit "${1:-2}"
}

here=$(cd "$(dirname "$0")" && pwd)
prefix=""
quiet=""
while [ $# -gt 0 ]; do
    case "$1" in
    --prefix)
        [ $# -ge 2 ] || usage
        prefix=$2
        shift 2
        ;;
    --prefix=*)
        prefix=${1#--prefix=}
        shift
        ;;
    --quiet) quiet=1 && shift ;;
    -h | --help) usage 0 ;;
    *) usage ;;
    esac
done

if [ -n "$prefix" ]; then
    manifest="$prefix/opt/podio-desk/install-manifest.txt"
elif [ -f "$here/install-manifest.txt" ]; then
    manifest="$here/install-manifest.txt"
else
    manifest="${HOME:?HOME is not set}/.local/opt/podio-desk/install-manifest.txt"
fi
if [ ! -f "$manifest" ]; then
    echo "uninstall.sh: Podio Desk is not installed there ($manifest not found)" >&2
    exit 1
fi
data=$(sed -n 's/^data //p' "$manifest")

# Last line first: files go before the folders that hold them, inner folders before outer ones.
# awk reads the whole manifest before the first removal (the manifest is in the list too).
awk '{ line[NR] = $0 } END { for (i = NR; i > 0; i--) print line[i] }' "$manifest" |
    while IFS= read -r line; do
        path=${line#* }
        case "$line" in
        "file "*) rm -f -- "$path" ;;
        "dir "*) rmdir -- "$path" 2>/dev/null || true ;;
        esac
    done

if [ -n "$data" ]; then
    if [ -f "$data/applications/mimeinfo.cache" ] && command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$data/applications" || true
    fi
    if [ -f "$data/icons/hicolor/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t -f "$data/icons/hicolor" || true
    fi
fi
[ -n "$quiet" ] || echo "Podio Desk is uninstalled; its profile (settings, cache, logs) is kept"
