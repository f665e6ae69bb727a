#!/usr/bin/env bash
# Install the desktop entry, AppStream metainfo and hicolor icons of uutrack-gui for a program
# installed with pip, so it shows up in the application menu with its icon.
#
# Usage:
#   bash packaging/install-desktop-entry.sh [PREFIX]      # default PREFIX: ~/.local/share
#   bash packaging/install-desktop-entry.sh --uninstall [PREFIX]
#
# PREFIX is a XDG data folder (it gets applications/, metainfo/ and icons/hicolor/ below it),
# e.g. ~/.local/share for one user or /usr/local/share for everybody (run as root then).
# The icons are taken from this checkout's resources/icons; if that is missing (the script was
# copied elsewhere) from the installed uutrack_gui package.
set -euo pipefail

APP_ID=org.uutrack.UUTrackGUI
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"

uninstall=0
if [[ "${1:-}" == "--uninstall" ]]; then
    uninstall=1
    shift
fi
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
fi
PREFIX="${1:-${XDG_DATA_HOME:-$HOME/.local/share}}"

desktop_src="$HERE/linux/$APP_ID.desktop"
metainfo_src="$HERE/linux/$APP_ID.metainfo.xml"
icons_src="$REPO/resources/icons/hicolor"
if [[ ! -d "$icons_src" ]]; then
    icons_src="$(python3 -c 'import pathlib, uutrack_gui.gui.icons as i; print(i.icons_dir() / "hicolor")' 2>/dev/null || true)"
fi
for f in "$desktop_src" "$metainfo_src"; do
    [[ -f "$f" ]] || { echo "error: $f not found" >&2; exit 1; }
done
[[ -n "$icons_src" && -d "$icons_src" ]] || { echo "error: icon folder (hicolor) not found" >&2; exit 1; }

refresh() {
    # Best effort: the caches are optional, desktops rescan anyway.
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$PREFIX/applications" 2>/dev/null || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [[ -f "$PREFIX/icons/hicolor/index.theme" ]]; then
        gtk-update-icon-cache -q -t -f "$PREFIX/icons/hicolor" 2>/dev/null || true
    fi
}

if (( uninstall )); then
    rm -fv "$PREFIX/applications/$APP_ID.desktop" "$PREFIX/metainfo/$APP_ID.metainfo.xml"
    rm -fv "$PREFIX"/icons/hicolor/*/apps/"$APP_ID".png "$PREFIX"/icons/hicolor/*/apps/"$APP_ID".svg
    refresh
    echo "uninstalled $APP_ID from $PREFIX"
    exit 0
fi

if ! command -v uutrack-gui >/dev/null 2>&1; then
    echo "warning: uutrack-gui is not on PATH; the menu entry will not start until it is" \
         "(pip install the package, or add its scripts folder to PATH)" >&2
fi

install -Dm644 "$desktop_src" "$PREFIX/applications/$APP_ID.desktop"
install -Dm644 "$metainfo_src" "$PREFIX/metainfo/$APP_ID.metainfo.xml"
n=0
for icon in "$icons_src"/*/apps/"$APP_ID".*; do
    size_dir="$(basename "$(dirname "$(dirname "$icon")")")"
    install -Dm644 "$icon" "$PREFIX/icons/hicolor/$size_dir/apps/$(basename "$icon")"
    n=$((n + 1))
done
(( n > 0 )) || { echo "error: no icons found in $icons_src" >&2; exit 1; }
refresh
echo "installed $APP_ID.desktop, metainfo and $n icons into $PREFIX"
