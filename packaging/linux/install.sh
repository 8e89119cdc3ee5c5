#!/bin/sh
# Install Podio Desk for the current user from the unpacked tarball this script is in.
#   ./install.sh [--prefix DIR]
# The app goes to PREFIX/opt/podio-desk, the command to PREFIX/bin/podio-desk (PREFIX defaults to
# ~/.local), the menu entry and icons to ${XDG_DATA_HOME:-PREFIX/share}. Not under
# ~/.local/share/podio-desk: that folder is the app's profile (settings, cache, logs).
# Every file and folder it creates is listed in PREFIX/opt/podio-desk/install-manifest.txt;
# PREFIX/opt/podio-desk/uninstall.sh removes exactly those. Installing again replaces the last install.
set -eu

usage() {
    echo "usage: $0 [--prefix DIR]   (default DIR: ~/.local)" >&2
    exit "${1:-2}"
}

here=$(cd "$(dirname "$0")" && pwd)
prefix="${HOME:?HOME is not set}/.local"
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
    -h | --help) usage 0 ;;
    *) usage ;;
    esac
done

case "$prefix" in
*'
'*)
    echo "install.sh: the prefix may not contain a line break" >&2
    exit 2
    ;;
esac
case "$prefix" in
/*) ;;
*) prefix="$PWD/$prefix" ;;
esac
data=${XDG_DATA_HOME:-}
case "$data" in
/*) ;;
*) data="$prefix/share" ;; # the XDG spec says to ignore a relative XDG_DATA_HOME
esac

app="$prefix/opt/podio-desk"
command_link="$prefix/bin/podio-desk"
entry="$data/applications/podio-desk.desktop"

if [ -f "$app/install-manifest.txt" ]; then
    echo "replacing the Podio Desk installed in $app"
    sh "$app/uninstall.sh" --quiet
fi
for path in "$app" "$entry"; do
    if [ -e "$path" ]; then
        echo "install.sh: $path exists and was not installed by this script; remove it first" >&2
        exit 1
    fi
done
if [ -e "$command_link" ] || [ -L "$command_link" ]; then
    echo "install.sh: $command_link exists and was not installed by this script; remove it first" >&2
    exit 1
fi

manifest=$(mktemp)
trap 'rm -f "$manifest"' EXIT
echo "data $data" >>"$manifest"

# mkdir -p that lists the folders it creates (parents first), so that uninstall can remove them.
make_dir() {
    missing=""
    dir=$1
    while [ ! -d "$dir" ]; do
        missing="$dir
$missing"
        dir=$(dirname "$dir")
    done
    mkdir -p "$1"
    printf '%s' "$missing" | while IFS= read -r created; do
        [ -z "$created" ] || echo "dir $created" >>"$manifest"
    done
}

install_file() { # SOURCE TARGET MODE
    make_dir "$(dirname "$2")"
    cp "$1" "$2"
    chmod "$3" "$2"
    echo "file $2" >>"$manifest"
}

# The bundle, file by file (folders before their contents).
make_dir "$(dirname "$app")"
cp -R "$here/podio-desk" "$app"
(cd "$app" && find . -print) | while IFS= read -r path; do
    path="$app${path#.}"
    if [ -d "$path" ] && [ ! -L "$path" ]; then
        echo "dir $path" >>"$manifest"
    else
        echo "file $path" >>"$manifest"
    fi
done

make_dir "$(dirname "$command_link")"
ln -s "$app/podio-desk" "$command_link"
echo "file $command_link" >>"$manifest"

# The menu entry starts the installed executable by its absolute path, so it works whether or
# not PREFIX/bin is on the PATH. Desktop-entry quoting: escape " ` $ \ inside the quotes, then
# double every backslash (string escaping), and write % as %%.
quoted=$(printf '%s' "$app/podio-desk" | sed -e 's/[\\"`$]/\\&/g' -e 's/\\/\\\\/g' -e 's/%/%%/g')
make_dir "$(dirname "$entry")"
EXEC_LINE="Exec=\"$quoted\" %u" awk '/^Exec=/ { print ENVIRON["EXEC_LINE"]; next } { print }' \
    "$here/share/applications/podio-desk.desktop" >"$entry"
chmod 644 "$entry"
echo "file $entry" >>"$manifest"

(cd "$here/share" && find icons metainfo -type f) | while IFS= read -r path; do
    install_file "$here/share/$path" "$data/$path" 644
done

install_file "$here/uninstall.sh" "$app/uninstall.sh" 755
echo "file $app/install-manifest.txt" >>"$manifest"
cp "$manifest" "$app/install-manifest.txt"
chmod 644 "$app/install-manifest.txt"

# Refresh the menu and icon caches only where they already exist: a desktop without them scans
# the folders itself, and a cache created here would outlive the uninstall.
if [ -f "$data/applications/mimeinfo.cache" ] && command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$data/applications" || true
fi
if [ -f "$data/icons/hicolor/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -t -f "$data/icons/hicolor" || true
fi
touch "$data/icons/hicolor" 2>/dev/null || true # the icon theme rescans when its folder changes

echo "Podio Desk is installed: \"Podio Desk\" in the applications menu, or $command_link"
case ":${PATH:-}:" in
*":$prefix/bin:"*) ;;
*) echo "note: $prefix/bin is not on your PATH; the menu entry works without it" ;;
esac
echo "to uninstall: $app/uninstall.sh"
