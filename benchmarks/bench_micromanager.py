"""Micro-Manager path benchmark (issue 10): a UniMMCore Python camera, 2048 x 2048 uint16.

The camera is ``tests/mm_test_camera.StampCamera`` loaded into pymmcore-plus's ``UniMMCore``
(its real circular buffer and sequence acquisition), producing frames as fast as it can copy
them (each frame: one of four precomputed patterns, stamped with its frame number). Three
measurements, each for ``--seconds``:

1. pymmcore-plus alone: ``startContinuousSequenceAcquisition`` and a loop that pops every frame
   (``popNextImageAndMD``) and discards it: the pop rate, and the frames the camera made;
2. our recording: ``MicroManagerCamera`` + ``AcquisitionRunner`` + saver process to HDF5 in
   ``--dir``, the camera free-running: frames written per second (saver start to finish);
3. the same recording with the camera paced at 80 % of rate 2 (its own frame clock): dropped
   frames, and the file read back (counters without gaps, sampled frames bit-exact).

Targets: zero drops when paced; rate 2 within 10 % of rate 1.

Usage::

    python benchmarks/bench_micromanager.py [--seconds 10] [--dir DIR] [--max-memory 1000]

Prints a Markdown table and deletes the files it wrote, even on failure.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import mm_test_camera as stamp  # noqa: E402
from pymmcore_plus.experimental.unicore import UniMMCore  # noqa: E402

from uutrack_gui.acquisition import AcquisitionRunner  # noqa: E402
from uutrack_gui.camera.micromanager import MicroManagerCamera, release_core  # noqa: E402
from uutrack_gui.storage import RecordingFile  # noqa: E402

_MIB = 1024 * 1024
_PACED_FRACTION = 0.8
_TARGET_RATIO = 0.9


def _core(height: int, width: int, buffer_mb: int) -> tuple[UniMMCore, stamp.StampCamera]:
    core = UniMMCore()
    device = stamp.StampCamera(height, width)
    device.set_property_value("paced", 0)
    core.loadPyDevice("Cam", device)
    core.initializeDevice("Cam")
    core.setCameraDevice("Cam")
    core.setCircularBufferMemoryFootprint(buffer_mb)
    return core, device


def pop_rate(height: int, width: int, seconds: float, buffer_mb: int) -> dict[str, float]:
    """pymmcore-plus alone: pop and discard every frame for ``seconds``."""
    core, device = _core(height, width, buffer_mb)
    try:
        core.startContinuousSequenceAcquisition(0)
        popped = lost = 0
        last = -1
        t0 = time.perf_counter()
        while (elapsed := time.perf_counter() - t0) < seconds:
            if core.getRemainingImageCount():
                try:
                    _, md = core.popNextImageAndMD()
                except IndexError:  # an overflow emptied the buffer meanwhile
                    continue
                number = int(md["ImageNumber"])
                lost += max(0, number - last - 1)
                last = number
                popped += 1
            else:
                time.sleep(0.0002)  # the same short wait MicroManagerCamera.read() uses
        made = device._n
        core.stopSequenceAcquisition()
    finally:
        release_core(core)
    return {"fps": popped / elapsed, "made_fps": made / elapsed, "lost": lost, "popped": popped}


def camera_read_rate(height: int, width: int, seconds: float, buffer_mb: int) -> dict:
    """Our camera layer alone: ``MicroManagerCamera.read()`` in a loop, frames discarded."""
    core, device = _core(height, width, buffer_mb)
    try:
        camera = MicroManagerCamera(core=core)
        camera.open()
        camera.start()
        count = 0
        t0 = time.perf_counter()
        while (elapsed := time.perf_counter() - t0) < seconds:
            if camera.read(1.0) is not None:
                count += 1
        made = device._n
        camera.close()
    finally:
        release_core(core)
    return {"fps": count / elapsed, "made_fps": made / elapsed, "lost": camera.frames_lost}


def record(
    height: int,
    width: int,
    seconds: float,
    folder: Path,
    max_memory: float,
    buffer_mb: int,
    fps: float = 0.0,
) -> dict[str, float]:
    """Our recording for ``seconds``; ``fps`` > 0 paces the camera's own frame clock."""
    core, device = _core(height, width, buffer_mb)
    path = folder / f"mm_{'paced' if fps else 'free'}.h5"
    try:
        camera = MicroManagerCamera(core=core)
        if fps:
            device.set_property_value("paced", 1)
            camera.exposure_ms = 1000.0 / fps
        runner = AcquisitionRunner(camera, max_memory)
        finished = threading.Event()
        errors: list[str] = []
        runner.events.recording_finished.connect(lambda result: finished.set())
        runner.events.error.connect(errors.append)
        runner.start_live()
        runner.ring_ready.wait(60)  # as in the GUI: live view first, the ring warm
        saver = runner.start_recording(path, "")
        # Steady state: frames written from 1 s after the start (the saver process is up) to
        # the end of the recording window; the whole-recording figure is reported beside it.
        time.sleep(1.0)
        w0, t0 = saver.frames_written, time.perf_counter()
        time.sleep(max(seconds - 1.0, 0.5))  # the benchmark's recording length
        w1, t1 = saver.frames_written, time.perf_counter()
        runner.stop_recording()
        finished.wait(600)
        result = runner.close()
        check = _check(path)
        path.unlink(missing_ok=True)
    finally:
        release_core(core)
        path.unlink(missing_ok=True)
    seconds_run = max(result.seconds, 1e-9)
    return {
        "fps": (w1 - w0) / (t1 - t0),
        "fps_whole": result.frames_written / seconds_run,
        "mib_s": result.bytes_written / _MIB / seconds_run,
        "written": result.frames_written,
        "dropped": result.frames_dropped,
        "overflows": camera.buffer_overflows,
        "errors": "; ".join(errors) or result.error,
        "check": check,
    }


def _check(path: Path) -> str:
    with RecordingFile(path) as f:
        rec = f.recording()
        counters = rec.counters.astype(np.int64)
        gaps = int(np.sum(np.diff(counters) - 1)) if len(counters) > 1 else 0
        exact = True
        h, w = rec.frame(0).shape
        for i in sorted({0, len(rec) // 2, len(rec) - 1}):
            number = int(counters[i])
            exact &= bool(np.array_equal(rec.frame(i), stamp.expected_frame(number, h, w)))
        steps = np.diff(counters) - 1
        where = np.nonzero(steps)[0]
        times = rec.timestamps
        located = ", ".join(
            f"{times[i + 1] - times[0]:.2f} s: {int(steps[i])}" for i in where[:8]
        ) + (" ..." if len(where) > 8 else "")
        return (
            f"{len(rec)} frames, counter gaps {gaps}, dropped attribute "
            f"{rec.summary().dropped_frames}, sampled frames {'bit-exact' if exact else 'DIFFER'}"
            + (f"; gaps at (s after the first frame: frames) {located}" if gaps else "")
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--dir", type=Path, default=None, help="where the recordings go")
    parser.add_argument("--max-memory", type=float, default=1000.0, help="saver ring, MB")
    # UniMMCore's own default, a whole number of 8 MiB frames: pymmcore-plus 0.18.1's Python
    # circular buffer (SequenceBuffer) drops every unread frame when its write position wraps
    # around a pool that is not a whole number of frames (with 500 MB, ~1 frame per wrap).
    parser.add_argument("--buffer-mb", type=int, default=1024, help="Micro-Manager buffer, MB")
    parser.add_argument("--size", type=int, default=2048)
    args = parser.parse_args(argv)
    base = args.dir or (Path("/work") if os.access("/work", os.W_OK) else None)
    folder = Path(tempfile.mkdtemp(prefix="bench_mm_", dir=base))
    size = args.size
    try:
        alone = pop_rate(size, size, args.seconds, args.buffer_mb)
        reader = camera_read_rate(size, size, args.seconds, args.buffer_mb)
        free = record(size, size, args.seconds, folder, args.max_memory, args.buffer_mb)
        paced_fps = _PACED_FRACTION * free["fps"]
        paced = record(
            size, size, args.seconds, folder, args.max_memory, args.buffer_mb, fps=paced_fps
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    load = os.getloadavg()
    print(f"# Micro-Manager path, {size} x {size} uint16 ({size * size * 2 / _MIB:.0f} MiB frames)")
    print()
    print(
        f"{_dt.datetime.now():%Y-%m-%d %H:%M}, {platform.node() or 'vm'}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {args.seconds:g} s per measurement, "
        f"Micro-Manager buffer {args.buffer_mb} MB, saver ring {args.max_memory:g} MB, "
        f"recordings in {folder.parent}"
    )
    print(f"load average at the end: {load[0]:.1f} (1 min), {load[1]:.1f} (5 min)")
    print()
    ratio = free["fps"] / alone["fps"] if alone["fps"] else 0.0
    rows = [
        (
            "pymmcore-plus alone: pop + discard (fps)",
            f"{alone['fps']:.1f} (camera made {alone['made_fps']:.1f} fps, "
            f"{alone['lost']} lost in the buffer)",
            "",
        ),
        (
            "our camera alone: MicroManagerCamera.read + discard (fps)",
            f"{reader['fps']:.1f} (camera made {reader['made_fps']:.1f} fps, "
            f"{reader['lost']} lost in the buffer)",
            f">= {_TARGET_RATIO:.0%} of pop rate: {reader['fps'] / alone['fps']:.0%} "
            f"{'ok' if reader['fps'] >= _TARGET_RATIO * alone['fps'] else 'MISSED'}",
        ),
        (
            "our recording, camera free-running: steady fps (whole recording fps, MiB/s)",
            f"{free['fps']:.1f} ({free['fps_whole']:.1f}, {free['mib_s']:.0f}; "
            f"{free['written']} written, {free['dropped']} dropped)",
            f">= {_TARGET_RATIO:.0%} of pop rate: {ratio:.0%} "
            f"{'ok' if ratio >= _TARGET_RATIO else 'MISSED'}",
        ),
        ("  file", free["check"], ""),
        (
            f"our recording, camera paced at {paced_fps:.1f} fps (80 %)",
            f"{paced['fps']:.1f} fps steady, {paced['written']} written, "
            f"{paced['dropped']} dropped, "
            f"{paced['overflows']} buffer overflows",
            f"0 dropped: {'ok' if paced['dropped'] == 0 else 'MISSED'}",
        ),
        ("  file", paced["check"], ""),
    ]
    print("| figure | measured | target |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    for name, run in (("free-running", free), ("paced", paced)):
        if run["errors"]:
            print(f"\nerrors ({name}): {run['errors']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
