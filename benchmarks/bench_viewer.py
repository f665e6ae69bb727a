"""Viewer benchmark (issue 4): first frame and seek times on a recording of at least 10 GiB.

One run:

1. writes a recording of 2048 x 2048 uint16 frames in this program's format with
   :class:`~uutrack_gui.storage.writer.Hdf5Writer`, frame by frame (``--gib``, default 10 GiB,
   1280 frames), from a few precomputed ``SimulatedCamera(2048, 2048).expected_frame(i)``
   frames used in turn, and the same frames in the original UUTrack layout
   (:func:`~uutrack_gui.storage.legacy_writer.write_legacy_recording`: int16, gzip level 1,
   automatic chunks over (x, y, t), 250 MB zero-padded blocks; ``--legacy-gib``);
2. drops the page cache before each measurement (``/proc/sys/vm/drop_caches`` as root, else
   ``posix_fadvise(DONTNEED)`` on the files; the output says which worked), so that frames
   come from the disk, as they do for a recording opened for the first time;
3. measures on each file, with the real :class:`~uutrack_gui.gui.viewer.ViewerWindow` on Qt's
   offscreen platform:

   - time to first frame: ``open_file`` (open the file, list its recordings, read frame 0,
     set it in the image panel) plus a synchronous repaint of the image, window already shown;
     also the core alone (``RecordingFile`` + ``recording()`` + ``frame(0)``);
   - random seeks: ``show_frame(i)`` + repaint for ``--seeks`` distinct random frames, each read
     from the disk; median, 95th percentile and worst; and the core read alone
     (``Recording.frame``) on another random set;
   - the slider stopping: ``--drags`` simulated drags (a slider move every 16 ms for half a
     second, throttled as in the GUI), timed from the last move to the frame where the slider
     stopped being painted;

4. prints the figures against the targets (first frame < 0.5 s, seek < 50 ms) and deletes
   everything it wrote, even on failure.

Usage::

    python benchmarks/bench_viewer.py [--gib 10] [--legacy-gib 10] [--seeks 200] [--drags 20]
                                      [--dir DIR]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import h5py  # noqa: E402
import numpy as np  # noqa: E402

from uutrack_gui.camera import SimulatedCamera  # noqa: E402
from uutrack_gui.config import Session  # noqa: E402
from uutrack_gui.storage import Hdf5Writer, RecordingFile  # noqa: E402
from uutrack_gui.storage.legacy_writer import write_legacy_recording  # noqa: E402

SIDE = 2048
FRAME_BYTES = SIDE * SIDE * 2
GIB = 1024**3
FIRST_FRAME_TARGET_S = 0.5
SEEK_TARGET_S = 0.050


# --- files --------------------------------------------------------------------------------------
def precompute(k: int) -> list[np.ndarray]:
    camera = SimulatedCamera(SIDE, SIDE, fps=0)
    return [camera.expected_frame(i).copy() for i in range(k)]


def write_new(path: Path, n: int, frames: list[np.ndarray]) -> float:
    """This program's format, frame by frame; returns MiB/s to the file being closed + fsync."""
    t0 = time.perf_counter()
    writer = Hdf5Writer()
    writer.setup(path, (SIDE, SIDE), "uint16", Session().to_yaml(), camera="Simulated camera")
    start = time.time()
    for i in range(n):
        writer.append(frames[i % len(frames)], i, start + i / 50.0)
        if i % 128 == 127:
            _progress(f"  this format: {i + 1}/{n} frames")
    writer.close()
    _fsync(path)
    _progress("")
    return n * FRAME_BYTES / 2**20 / (time.perf_counter() - t0)


def write_legacy(path: Path, n: int, frames: list[np.ndarray]) -> float:
    """The original UUTrack layout (gzip 1, int16, automatic chunks, 250 MB blocks)."""
    t0 = time.perf_counter()

    def source():
        for i in range(n):
            if i % 32 == 31:
                _progress(f"  UUTrack layout: {i + 1}/{n} frames")
            yield frames[i % len(frames)]

    with h5py.File(path, "w") as h5:
        write_legacy_recording(h5, source(), "User:\n  name: benchmark\n")
    _fsync(path)
    _progress("")
    return n * FRAME_BYTES / 2**20 / (time.perf_counter() - t0)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def drop_caches(paths: list[Path]) -> str:
    """Empty the page cache of ``paths``; returns how (or that it could not)."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as handle:
            handle.write("3\n")
        return "drop_caches (whole page cache)"
    except OSError:
        pass
    if not hasattr(os, "posix_fadvise"):
        return "NOT dropped (no drop_caches, no posix_fadvise): reads may come from memory"
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    return "posix_fadvise(DONTNEED) on the files"


def io_pressure() -> str:
    """The kernel's I/O pressure (share of time some task waited for I/O), if it reports it."""
    try:
        with open("/proc/pressure/io") as handle:
            some = handle.readline().split()
        return ", ".join(f"{k} {v}%" for k, v in (f.split("=") for f in some[1:4]))
    except (OSError, ValueError):
        return "not reported"


def _progress(text: str) -> None:
    if sys.stderr.isatty():
        print(f"\r{text:<60}", end="" if text else "\r", file=sys.stderr, flush=True)


# --- measurements -------------------------------------------------------------------------------
def _wait(app, condition, timeout_s: float = 30.0) -> None:
    """Run the event loop until ``condition()`` holds (no sleeping: events are processed)."""
    from PyQt5 import QtCore

    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the viewer did not get there in time")
        app.processEvents(QtCore.QEventLoop.AllEvents, 5)


def _run_for(app, seconds: float) -> None:
    from PyQt5 import QtCore

    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(max(0, int(seconds * 1000)), loop.quit)
    loop.exec_()


def measure(app, path: Path, n: int, frames: list[np.ndarray], args) -> dict[str, object]:
    from uutrack_gui.gui.viewer import ViewerWindow

    rng = np.random.default_rng(12345)
    out: dict[str, object] = {"pressure_before": io_pressure()}

    def expected(i: int) -> np.ndarray:
        return frames[i % len(frames)]

    # Core alone: open, pick the recording, read frame 0.
    out["cache"] = drop_caches([path])
    t0 = time.perf_counter()
    with RecordingFile(path) as rec_file:
        rec = rec_file.recording()
        first = rec.frame(0)
        out["core_first"] = time.perf_counter() - t0
        out["frames"] = len(rec)
        out["legacy"] = rec.legacy
    assert out["frames"] == n, (out["frames"], n)
    assert np.array_equal(first, np.minimum(expected(0), 32767) if out["legacy"] else expected(0))

    # The viewer: window up first (its cost does not depend on the file), then open + paint.
    drop_caches([path])
    t0 = time.perf_counter()
    window = ViewerWindow()
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    out["window"] = time.perf_counter() - t0
    viewport = window.panel.graphics.viewport()
    t0 = time.perf_counter()
    assert window.open_file(path), window.message()
    viewport.repaint()
    out["viewer_first"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    _wait(app, lambda: window.report is not None)
    out["details"] = time.perf_counter() - t1

    # Random seeks through the viewer, each frame read from the disk once.
    drop_caches([path])
    picks = rng.choice(n, size=min(args.seeks, n), replace=False)
    times = []
    for i in picks:
        t0 = time.perf_counter()
        window.show_frame(int(i))
        viewport.repaint()
        times.append(time.perf_counter() - t0)
    out["seek"] = np.array(times)
    shown = window.panel.frame
    last = int(picks[-1])
    assert np.array_equal(
        shown, np.minimum(expected(last), 32767) if out["legacy"] else expected(last)
    )

    # The core read alone, on another random set.
    drop_caches([path])
    times = []
    for i in rng.choice(n, size=min(args.seeks, n), replace=False):
        t0 = time.perf_counter()
        window.recording.frame(int(i))
        times.append(time.perf_counter() - t0)
    out["read"] = np.array(times)

    # Slider drags: a move every 16 ms for half a second, then stop; time to the final frame.
    drop_caches([path])
    latencies = []
    for _ in range(args.drags):
        start, target = (int(v) for v in rng.choice(n, size=2, replace=False))
        if abs(target - start) < 64:
            target = (start + n // 2) % n
        moves = np.linspace(start, target, 31).round().astype(int)
        moves = moves[np.r_[True, np.diff(moves) != 0]]  # each move changes the frame
        window.show_frame(start)
        for value in moves[:-1]:
            window.slider.setValue(int(value))
            _run_for(app, 0.016)
        t0 = time.perf_counter()
        window.slider.setValue(int(moves[-1]))
        _wait(app, lambda t=target: window.frame_index == t and window._pending is None)
        viewport.repaint()
        latencies.append(time.perf_counter() - t0)
    out["drag"] = np.array(latencies)
    out["pressure_after"] = io_pressure()
    window.close()
    app.processEvents()
    return out


# --- report -------------------------------------------------------------------------------------
def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _verdict(value: float, target: float) -> str:
    return "PASS" if value < target else "FAIL"


def report(new: dict, legacy: dict | None, args, writes: dict[str, float]) -> None:
    print()
    print("| figure | this format | UUTrack layout | target | verdict (this format) |")
    print("|---|---|---|---|---|")

    def row(name: str, key: str, stat=None, target: float | None = None) -> None:
        def get(result):
            if result is None:
                return None
            value = result[key]
            return float(stat(value)) if stat is not None else float(value)

        ours, theirs = get(new), get(legacy)
        cells = [
            name,
            _ms(ours),
            _ms(theirs) if theirs is not None else "-",
            f"< {_ms(target)}" if target else "",
            _verdict(ours, target) if target else "",
        ]
        print("| " + " | ".join(cells) + " |")

    row("first frame on screen (viewer: open_file + paint)", "viewer_first",
        target=FIRST_FRAME_TARGET_S)  # fmt: skip
    row("first frame, core only (open + frame(0))", "core_first")
    row("integrity/session panels ready after the first frame", "details")
    row(f"seek + paint, median of {args.seeks}", "seek", np.median, SEEK_TARGET_S)
    row("seek + paint, 95th percentile", "seek", lambda a: np.percentile(a, 95), SEEK_TARGET_S)
    row("seek + paint, worst", "seek", np.max, SEEK_TARGET_S)
    row("frame read alone (Recording.frame), median", "read", np.median)
    row("frame read alone (Recording.frame), worst", "read", np.max)
    row(f"slider stops -> frame painted, median of {args.drags} drags", "drag", np.median,
        SEEK_TARGET_S)  # fmt: skip
    row("slider stops -> frame painted, worst", "drag", np.max, SEEK_TARGET_S)

    def over(result, key: str) -> str:
        values = result[key]
        return f"{int(np.sum(values >= SEEK_TARGET_S))} of {len(values)}"

    for key, what in (("seek", "seeks"), ("read", "reads alone"), ("drag", "slider stops")):
        print(
            f"| {what} at or over 50 ms | {over(new, key)} | "
            f"{over(legacy, key) if legacy else '-'} | | |"
        )
    print()
    print(
        "I/O pressure (/proc/pressure/io 'some': time any task, this one included, waited for"
        " I/O), before / after measuring:"
        f" this format {new['pressure_before']} / {new['pressure_after']}"
        + (
            f"; UUTrack layout {legacy['pressure_before']} / {legacy['pressure_after']}"
            if legacy
            else ""
        )
    )
    print(f"window construction (not file-dependent): {_ms(new['window'])}")
    print(
        f"write rates (for information): this format {writes['new']:.0f} MiB/s, "
        + (f"UUTrack layout {writes['legacy']:.0f} MiB/s" if "legacy" in writes else "")
    )


def _df(folder: Path) -> str:
    try:
        done = subprocess.run(["df", "-h", str(folder)], capture_output=True, text=True, check=True)
        return done.stdout.strip().splitlines()[-1]
    except (OSError, subprocess.CalledProcessError):
        return "?"


def choose_folder(requested: Path | None, need: int) -> Path:
    candidates = [requested] if requested else [Path("/work"), Path(tempfile.gettempdir())]
    for folder in candidates:
        if folder.is_dir() and shutil.disk_usage(folder).free > need:
            return Path(tempfile.mkdtemp(prefix="bench_viewer_", dir=folder))
    raise SystemExit(
        f"bench_viewer: need {need / GIB:.1f} GiB free in one of "
        f"{', '.join(str(c) for c in candidates)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=10.0, help="size of the recording (GiB)")
    parser.add_argument(
        "--legacy-gib", type=float, default=10.0, help="UUTrack layout (GiB); 0: skip"
    )
    parser.add_argument("--seeks", type=int, default=200, help="random frames to seek (>= 100)")
    parser.add_argument("--drags", type=int, default=20, help="simulated slider drags")
    parser.add_argument("--distinct", type=int, default=8, help="precomputed frames used in turn")
    parser.add_argument("--dir", type=Path, help="folder for the files (default /work or /tmp)")
    args = parser.parse_args()

    n = math.ceil(args.gib * GIB / FRAME_BYTES)
    n_legacy = math.ceil(args.legacy_gib * GIB / FRAME_BYTES) if args.legacy_gib > 0 else 0
    need = (n + n_legacy) * FRAME_BYTES + GIB  # the legacy file is compressed: this is generous
    folder = choose_folder(args.dir, need)
    print(f"# Viewer benchmark, {time.strftime('%Y-%m-%d %H:%M')}")
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, h5py {h5py.version.version} "
        f"(HDF5 {h5py.version.hdf5_version})"
    )
    print(f"folder: {folder} on {_df(folder)}")
    print(
        f"recording: {n} frames of {SIDE} x {SIDE} uint16 = {n * FRAME_BYTES / GIB:.2f} GiB; "
        f"UUTrack layout: {n_legacy} frames = {n_legacy * FRAME_BYTES / GIB:.2f} GiB of frames"
        + (" (smaller than the recording, see --legacy-gib)" if 0 < n_legacy < n else "")
    )

    from PyQt5 import QtCore, QtWidgets

    # The viewer remembers recent files in QSettings: keep them away from the user's settings.
    QtCore.QSettings.setDefaultFormat(QtCore.QSettings.IniFormat)
    QtCore.QSettings.setPath(QtCore.QSettings.IniFormat, QtCore.QSettings.UserScope, str(folder))
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["bench_viewer"])
    app.setOrganizationName("uutrack-bench")
    app.setApplicationName("bench_viewer")

    writes: dict[str, float] = {}
    try:
        frames = precompute(args.distinct)
        new_path = folder / "recording.h5"
        t0 = time.perf_counter()
        writes["new"] = write_new(new_path, n, frames)
        print(f"wrote {new_path.name}: {new_path.stat().st_size / GIB:.2f} GiB on disk "
              f"in {time.perf_counter() - t0:.0f} s")  # fmt: skip
        legacy_path = folder / "uutrack_layout.hdf5"
        if n_legacy:
            t0 = time.perf_counter()
            writes["legacy"] = write_legacy(legacy_path, n_legacy, frames)
            print(f"wrote {legacy_path.name}: {legacy_path.stat().st_size / GIB:.2f} GiB on disk "
                  f"(gzip 1) in {time.perf_counter() - t0:.0f} s")  # fmt: skip
        print(
            "load average before measuring (other programs compete for the 2 cores and the "
            f"disk): {', '.join(f'{v:.2f}' for v in os.getloadavg())}"
        )
        new = measure(app, new_path, n, frames, args)
        print(f"page cache before each measurement: {new['cache']}")
        legacy = measure(app, legacy_path, n_legacy, frames, args) if n_legacy else None
        report(new, legacy, args, writes)
        ok = (
            new["viewer_first"] < FIRST_FRAME_TARGET_S
            and float(np.max(new["seek"])) < SEEK_TARGET_S
            and float(np.max(new["drag"])) < SEEK_TARGET_S
        )
        print(f"\ntargets (first frame < 0.5 s, every seek < 50 ms): {'MET' if ok else 'NOT MET'}")
        return 0 if ok else 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        print(f"deleted {folder}")


if __name__ == "__main__":
    sys.exit(main())
