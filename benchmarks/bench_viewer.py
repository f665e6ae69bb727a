"""Viewer benchmark (issue 4): first frame and seek times on a recording of at least 10 GiB.

One run:

1. writes a recording of 2048 x 2048 uint16 frames in this program's format with
   :class:`~uutrack_gui.storage.writer.Hdf5Writer`, frame by frame (``--gib``, default 10 GiB,
   1280 frames), from a few precomputed ``SimulatedCamera(2048, 2048).expected_frame(i)``
   frames used in turn, and the same frames in the original UUTrack layout
   (:func:`~uutrack_gui.storage.legacy_writer.write_legacy_recording`: int16, gzip level 1,
   automatic chunks over (x, y, t), 250 MB zero-padded blocks), of the same size unless
   ``--legacy-gib`` says otherwise (0: no legacy file);
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

    python benchmarks/bench_viewer.py [--gib 10] [--legacy-gib GIB] [--seeks 200] [--drags 20]
                                      [--dir DIR]

A quick check that it runs: ``--gib 0.05 --seeks 10 --drags 2``.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # always: the figures are Qt-offscreen

import _common  # noqa: E402
import h5py  # noqa: E402
import numpy as np  # noqa: E402
from _common import GIB  # noqa: E402

from uutrack_gui.config import Session  # noqa: E402
from uutrack_gui.storage import Hdf5Writer, RecordingFile  # noqa: E402
from uutrack_gui.storage.legacy_writer import write_legacy_recording  # noqa: E402

SIDE = 2048
FRAME_BYTES = SIDE * SIDE * 2
FIRST_FRAME_TARGET_S = 0.5
SEEK_TARGET_S = 0.050


# --- files --------------------------------------------------------------------------------------
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
    _common.fsync_file(path)
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
    _common.fsync_file(path)
    _progress("")
    return n * FRAME_BYTES / 2**20 / (time.perf_counter() - t0)


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
    if not _common.process_events_until(app, condition, timeout_s):
        raise TimeoutError("the viewer did not get there in time")


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
    out["cache"] = _common.drop_caches([path])
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
    _common.drop_caches([path])
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
    _common.drop_caches([path])
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
    _common.drop_caches([path])
    times = []
    for i in rng.choice(n, size=min(args.seeks, n), replace=False):
        t0 = time.perf_counter()
        window.recording.frame(int(i))
        times.append(time.perf_counter() - t0)
    out["read"] = np.array(times)

    # Slider drags: a move every 16 ms for half a second, then stop; time to the final frame.
    _common.drop_caches([path])
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
        _wait(app, lambda t=target: window.frame_index == t and window.transport.pending is None)
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
    rows: list[list[str]] = []

    def row(name: str, key: str, stat=None, target: float | None = None) -> None:
        def get(result):
            if result is None:
                return None
            value = result[key]
            return float(stat(value)) if stat is not None else float(value)

        ours, theirs = get(new), get(legacy)
        rows.append(
            [
                name,
                _ms(ours),
                _ms(theirs) if theirs is not None else "-",
                f"< {_ms(target)}" if target else "",
                _verdict(ours, target) if target else "",
            ]
        )

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
        theirs = over(legacy, key) if legacy else "-"
        rows.append([f"{what} at or over 50 ms", over(new, key), theirs, "", ""])
    print()
    header = ["figure", "this format", "UUTrack layout", "target", "verdict (this format)"]
    _common.print_table(header, rows)
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


def choose_parent(requested: Path | None, need: int) -> Path:
    """The first candidate folder with ``need`` bytes free."""
    candidates = [requested] if requested else [Path("/work"), Path(tempfile.gettempdir())]
    for folder in candidates:
        if folder.is_dir() and shutil.disk_usage(folder).free > need:
            return folder
    raise SystemExit(
        f"bench_viewer: need {need / GIB:.1f} GiB free in one of "
        f"{', '.join(str(c) for c in candidates)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=10.0, help="size of the recording (GiB)")
    parser.add_argument(
        "--legacy-gib",
        type=float,
        default=None,
        help="size of the UUTrack-layout file (GiB; default: the same as --gib); 0: skip it",
    )
    parser.add_argument("--seeks", type=int, default=200, help="random frames to seek (>= 100)")
    parser.add_argument("--drags", type=int, default=20, help="simulated slider drags")
    parser.add_argument("--distinct", type=int, default=8, help="precomputed frames used in turn")
    parser.add_argument("--dir", type=Path, help="folder for the files (default /work or /tmp)")
    args = parser.parse_args(argv)
    legacy_gib = args.gib if args.legacy_gib is None else args.legacy_gib

    n = math.ceil(args.gib * GIB / FRAME_BYTES)
    n_legacy = math.ceil(legacy_gib * GIB / FRAME_BYTES) if legacy_gib > 0 else 0
    need = (n + n_legacy) * FRAME_BYTES + GIB  # the legacy file is compressed: this is generous
    with _common.scratch_folder("bench_viewer_", choose_parent(args.dir, need)) as folder:
        print(f"# Viewer benchmark, {time.strftime('%Y-%m-%d %H:%M')}")
        print(f"machine: {_common.machine_description()}")
        print(f"folder: {folder} on {_common.disk_description(folder)}")
        print(
            f"recording: {n} frames of {SIDE} x {SIDE} uint16 = {n * FRAME_BYTES / GIB:.2f} GiB; "
            f"UUTrack layout: {n_legacy} frames = {n_legacy * FRAME_BYTES / GIB:.2f} GiB of frames"
        )
        # The viewer remembers recent files in QSettings: kept in the scratch folder.
        app = _common.qt_app("bench_viewer", folder)
        return _run(app, folder, n, n_legacy, args)


def _run(app, folder: Path, n: int, n_legacy: int, args) -> int:
    """Write the files, measure the viewer on each, print the report; 0 if the targets are met."""
    writes: dict[str, float] = {}
    frames = _common.simulated_frames(SIDE, SIDE, args.distinct)
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


if __name__ == "__main__":
    sys.exit(main())
