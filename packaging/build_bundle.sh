#!/usr/bin/env bash
# Build the one-folder PyInstaller bundle of uutrack_gui and smoke-test it.
#
# Usage (from anywhere inside the repository):
#   bash packaging/build_bundle.sh              # build, then smoke-test
#   bash packaging/build_bundle.sh --no-build   # smoke-test an existing packaging/dist bundle
#
# Environment: PYTHON (default: python3) is the interpreter with PyInstaller and the program's
# dependencies; BUNDLE_BUILD_DIR / BUNDLE_DIST_DIR override packaging/build and packaging/dist
# (both git-ignored).
#
# The smoke run uses the bundle only (never the source tree):
#   uutrack --version; uutrack record smoke.h5 --frames 50 --width 256 --height 256;
#   uutrack info smoke.h5 (must report 50 frames); no process of the bundle may be left behind;
#   QT_QPA_PLATFORM=offscreen uutrack-gui --version and uutrack-gui --bundle-selftest (icons,
#   Qt svg plugins, h5py); and the window itself must start and stay up for GUI_SECONDS (8).
# The last line is "build_bundle: PASS ..." or "build_bundle: FAIL ..."; the exit status is 0
# only on PASS.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
PYTHON="${PYTHON:-python3}"
BUILD_DIR="${BUNDLE_BUILD_DIR:-$HERE/build}"
DIST_DIR="${BUNDLE_DIST_DIR:-$HERE/dist}"
APP_DIR="$DIST_DIR/uutrack_gui"
CLI="$APP_DIR/uutrack"
GUI="$APP_DIR/uutrack-gui"
SMOKE_TIMEOUT="${SMOKE_TIMEOUT:-180}"

build=1
for arg in "$@"; do
    case "$arg" in
        --no-build) build=0 ;;
        -h | --help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

failures=()
fail() {
    echo "  FAIL: $*" >&2
    failures+=("$*")
}
finish() {
    if ((${#failures[@]})); then
        echo "build_bundle: FAIL (${#failures[@]} problem(s): ${failures[0]}${failures[1]:+; ...})"
        exit 1
    fi
    echo "build_bundle: PASS ($*)"
    exit 0
}
abort() {
    fail "$*"
    finish
}

SMOKE_TMP="$(mktemp -d "${TMPDIR:-/tmp}/uutrack-smoke.XXXXXX")"
trap 'rm -rf "$SMOKE_TMP"' EXIT

# Run a bundle command with a timeout, keeping its output in $SMOKE_TMP/<label>.log.
run() {
    local label="$1"
    shift
    echo "+ $*"
    timeout --kill-after=10 "$SMOKE_TIMEOUT" "$@" >"$SMOKE_TMP/$label.log" 2>&1
    local rc=$?
    sed 's/^/    | /' "$SMOKE_TMP/$label.log"
    if ((rc == 124 || rc == 137)); then
        fail "$label: timed out after ${SMOKE_TIMEOUT}s"
    elif ((rc != 0)); then
        fail "$label: exit status $rc"
    fi
    return $rc
}

# Whether `uutrack info` output (file $1) reports $2 frames: either "frames: N" / "N frames" on
# one line, or a table whose "frames" header column holds N in a row below.
reports_frames() {
    grep -Eiv "dropped|lost|missing|skipped" "$1" |
        grep -Eiq "frames?( [a-z]+)?[^0-9a-z]{0,20}$2([^0-9]|\$)|(^|[^0-9])$2 frames?" && return 0
    awk -v want="$2" '
        !col && tolower($0) ~ /(^| )frames( |$)/ {
            col = index(tolower($0), "frames"); lo = col; hi = col + 5; next
        }
        col {
            rest = $0; off = 0
            while (match(rest, /[0-9]+/)) {
                st = off + RSTART; en = st + RLENGTH - 1
                if (substr($0, st, RLENGTH) == want && en >= lo && st <= hi) found = 1
                off = en; rest = substr($0, off + 1)
            }
        }
        END { exit !found }' "$1"
}

# Processes still running from the bundle folder (spawned saver, resource tracker, ...).
leftovers() {
    pgrep -f -- "$APP_DIR/uutrack" || true
}

cd "$REPO" || abort "cannot cd to $REPO"
version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' uutrack_gui/__init__.py)"
[[ -n "$version" ]] || abort "cannot read __version__ from uutrack_gui/__init__.py"

if ((build)); then
    [[ -f uutrack_gui/cli/__init__.py ]] || abort "uutrack_gui/cli/ does not exist yet"
    "$PYTHON" -m PyInstaller --version >/dev/null 2>&1 ||
        abort "PyInstaller is missing: $PYTHON -m pip install 'pyinstaller>=6' (or .[bundle])"
    mkdir -p "$BUILD_DIR"
    echo "building the bundle with PyInstaller $("$PYTHON" -m PyInstaller --version) ..."
    start=$(date +%s)
    "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
        --workpath "$BUILD_DIR" --distpath "$DIST_DIR" "$HERE/uutrack_gui.spec" \
        >"$BUILD_DIR/pyinstaller.log" 2>&1
    rc=$?
    build_seconds=$(($(date +%s) - start))
    grep -E "WARNING|ERROR" "$BUILD_DIR/pyinstaller.log" | grep -v "Library not found: could not resolve" |
        sed 's/^/    | /' | head -40
    ((rc == 0)) || abort "PyInstaller failed (exit $rc), see $BUILD_DIR/pyinstaller.log"
    echo "built in ${build_seconds}s"
    build_note="built in ${build_seconds}s"
else
    build_note="not rebuilt"
fi

[[ -x "$CLI" && -x "$GUI" ]] || abort "no executables $CLI and $GUI"
size="$(du -sh "$APP_DIR" | cut -f1)"
echo "bundle: $APP_DIR ($size, $(find "$APP_DIR" -type f | wc -l) files)"

# The Qt SVG plugins make the toolbar icons visible; h5py's compiled modules make files.
for plugin in imageformats/libqsvg.so iconengines/libqsvgicon.so; do
    [[ -n "$(find "$APP_DIR/_internal" -path "*/plugins/$plugin" -print -quit)" ]] ||
        fail "Qt plugin $plugin is not in the bundle"
done
[[ -n "$(find "$APP_DIR/_internal" -path '*h5py*' -name '*.so' -print -quit)" ]] ||
    fail "h5py's compiled modules are not in the bundle"
[[ -f "$APP_DIR/_internal/uutrack_gui/resources/icons/record.svg" ]] ||
    fail "the icons are not in the bundle"

already="$(leftovers)"
[[ -z "$already" ]] && already_note="" || already_note=" (ignoring already running: $already)"
echo "smoke run in $SMOKE_TMP$already_note"

# Isolate the smoke run from the source tree and from any user configuration.
export HOME="$SMOKE_TMP/home" XDG_CONFIG_HOME="$SMOKE_TMP/home/.config"
mkdir -p "$XDG_CONFIG_HOME"
cd "$SMOKE_TMP" || abort "cannot cd to $SMOKE_TMP"
unset PYTHONPATH PYTHONHOME

if run cli-version "$CLI" --version; then
    grep -q -- "$version" "$SMOKE_TMP/cli-version.log" ||
        fail "uutrack --version does not print the version $version"
fi

start_ms=$(($(date +%s%N) / 1000000))
run record "$CLI" record "$SMOKE_TMP/smoke.h5" --frames 50 --width 256 --height 256
record_ms=$(($(date +%s%N) / 1000000 - start_ms))
record_seconds="$((record_ms / 1000)).$(((record_ms % 1000) / 100))"
[[ -s "$SMOKE_TMP/smoke.h5" ]] || fail "uutrack record did not write $SMOKE_TMP/smoke.h5"

if run info "$CLI" info "$SMOKE_TMP/smoke.h5"; then
    reports_frames "$SMOKE_TMP/info.log" 50 || fail "uutrack info does not report 50 frames"
fi

# Nothing of the bundle may still run: give the saver / resource tracker a moment to exit.
for _ in $(seq 50); do
    left="$(comm -23 <(leftovers | sort) <(echo "$already" | tr ' ' '\n' | sort))"
    [[ -z "$left" ]] && break
    sleep 0.1
done
if [[ -n "$left" ]]; then
    ps -o pid,ppid,etime,args -p "$(echo "$left" | paste -sd,)" | sed 's/^/    | /'
    fail "processes left behind by the smoke run: $(echo "$left" | paste -sd' ')"
    # Only the processes this smoke run started, by their id.
    echo "$left" | xargs -r kill 2>/dev/null
fi

if QT_QPA_PLATFORM=offscreen run gui-version "$GUI" --version; then
    grep -q -- "$version" "$SMOKE_TMP/gui-version.log" ||
        fail "uutrack-gui --version does not print the version $version"
fi
QT_QPA_PLATFORM=offscreen run gui-selftest "$GUI" --bundle-selftest

# The window must come up and stay up (a missing module would end it at once).
echo "+ QT_QPA_PLATFORM=offscreen $GUI   (${GUI_SECONDS:-8} s, then SIGTERM)"
QT_QPA_PLATFORM=offscreen "$GUI" >"$SMOKE_TMP/gui-start.log" 2>&1 &
gui_pid=$!
sleep "${GUI_SECONDS:-8}"
if kill -0 "$gui_pid" 2>/dev/null; then
    kill -TERM "$gui_pid"
    wait "$gui_pid" 2>/dev/null
    echo "    | (still running after ${GUI_SECONDS:-8} s: OK)"
else
    wait "$gui_pid"
    rc=$?
    sed 's/^/    | /' "$SMOKE_TMP/gui-start.log"
    fail "uutrack-gui ended by itself right after starting (exit status $rc)"
fi
for _ in $(seq 50); do
    left="$(comm -23 <(leftovers | sort) <(echo "$already" | tr ' ' '\n' | sort))"
    [[ -z "$left" ]] && break
    sleep 0.1
done

left="$(comm -23 <(leftovers | sort) <(echo "$already" | tr ' ' '\n' | sort))"
[[ -z "$left" ]] || fail "processes left behind after the GUI runs: $(echo "$left" | paste -sd' ')"

finish "bundle $size, $build_note, 50-frame record in ${record_seconds}s"
