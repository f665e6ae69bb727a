"""Interop benchmark (issue 12): napari on a large recording, and OME-TIFF export against the disk.

One run:

1. writes a recording of 2048 x 2048 uint16 frames (8 MiB each) in this program's format with
   :class:`~uutrack_gui.storage.writer.Hdf5Writer` (``--gib``, default 10 GiB = 1280 frames),
   from a few precomputed simulated-camera frames used in turn, calibrated (``pixel_size_um``);
2. napari: evicts the file from the page cache (``posix_fadvise(DONTNEED)`` on the file only:
   the machine is shared), then times

   - the reader alone: :func:`~uutrack_gui.napari.reader.read_recordings` (open the file, make
     the lazy layer, read the first frame for its contrast limits);
   - napari's own ``ViewerModel.open(path, plugin="uutrack_gui")`` up to the layer with its
     first slice (napari without its Qt/OpenGL canvas; skipped, saying so, without napari),
     after a warm-up on a one-frame file so that plugin imports are not counted;
   - ``--steps`` slider steps to random frames (``dims.set_current_step``; each frame comes from
     the disk): median, 95th percentile, worst;

3. the disk: ``dd if=/dev/zero of=DIR/dd.bin bs=8M oflag=direct`` of the size of the export;
4. OME-TIFF export of the first ``--export-gib`` GiB of the recording with
   :func:`~uutrack_gui.storage.ome_tiff.export_ome_tiff` (source evicted from the page cache
   first), timed to the output's ``fsync`` so that both figures are "on the disk"; the peak
   resident memory of the process before and after shows that the export holds one frame;
5. prints everything, and deletes every file it wrote, even on failure.

Usage::

    python benchmarks/bench_interop.py [--gib 10] [--export-gib 2] [--steps 50] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import _common
import numpy as np

from uutrack_gui.camera import SimulatedCamera
from uutrack_gui.config import Session
from uutrack_gui.storage import Hdf5Writer, RecordingFile
from uutrack_gui.storage.ome_tiff import export_ome_tiff

SIDE = 2048
FRAME_BYTES = SIDE * SIDE * 2
GIB = 1024**3
MIB = 1024**2


def write_recording(path: Path, n: int, frames: list[np.ndarray]) -> float:
    """``n`` frames in this program's format, calibrated; returns MiB/s to fsync."""
    t0 = time.perf_counter()
    writer = Hdf5Writer()
    name = writer.setup(path, (SIDE, SIDE), "uint16", Session().to_yaml(), camera="Simulated")
    start = time.time()
    for i in range(n):
        writer.append(frames[i % len(frames)], i, start + i / 50.0)
        if i % 64 == 63:
            _progress(f"  writing: {i + 1}/{n} frames")
    writer.close()
    import h5py

    with h5py.File(path, "a") as h5:  # the calibration napari's scale comes from
        h5[name].attrs["pixel_size_um"] = 0.1
    _common.fsync_file(path)
    _progress("")
    return n * FRAME_BYTES / MIB / (time.perf_counter() - t0)


def evict(path: Path) -> None:
    """Drop ``path`` (only) from the page cache, so that its frames come from the disk."""
    os.sync()
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def _progress(text: str) -> None:
    if sys.stderr.isatty():
        print(f"\r{text:<60}", end="" if text else "\r", file=sys.stderr, flush=True)


def _stats(values: list[float]) -> str:
    ms = np.asarray(values) * 1000
    return (
        f"median {np.median(ms):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms, "
        f"worst {ms.max():.1f} ms ({len(ms)} steps)"
    )


def bench_napari(path: Path, small: Path, n: int, steps: int) -> list[str]:
    """First frame and slider steps, through the reader and through napari if installed."""
    from uutrack_gui.napari.reader import read_recordings

    lines = []
    read_recordings(small)  # imports done, as in a napari session that opened a file before
    evict(path)
    t0 = time.perf_counter()
    ((data, kwargs, _),) = read_recordings(path)
    reader_s = time.perf_counter() - t0
    lines.append(
        f"reader alone, first frame:      {reader_s * 1000:8.1f} ms  "
        f"(layer {data.shape} {data.dtype}, {data.nbytes / GIB:.1f} GiB, "
        f"scale {kwargs['scale']})"
    )
    rng = np.random.default_rng(7)
    picks, others = rng.choice(n, size=(2, min(steps, n // 2)), replace=False)
    # The read alone, for comparison: frames from the disk, no napari.
    evict(path)
    times = []
    for i in others:
        t0 = time.perf_counter()
        data.recording.frame(int(i))
        times.append(time.perf_counter() - t0)
    lines.append(f"reader alone, one cold frame:   {_stats(times)}")
    try:
        from napari.components import ViewerModel
        from napari.plugins import _initialize_plugins
    except ImportError:
        lines.append("napari: not installed (pip install 'uutrack_gui[napari]'), skipped")
        return lines
    import napari

    _initialize_plugins()
    ViewerModel().open(small, plugin="uutrack_gui")  # warm-up: plugin and layer imports
    evict(path)
    viewer = ViewerModel()
    t0 = time.perf_counter()
    (layer,) = viewer.open(path, plugin="uutrack_gui")
    open_s = time.perf_counter() - t0
    assert layer.data.shape == (n, SIDE, SIDE)
    lines.append(
        f"napari {napari.__version__} open, first slice: {open_s * 1000:8.1f} ms  "
        f"(ViewerModel.open; shows frame {viewer.dims.current_step[0]})"
    )
    for label in ("cold frame", "frame in page cache"):
        times = []
        for i in picks:
            t0 = time.perf_counter()
            viewer.dims.set_current_step(0, int(i))
            times.append(time.perf_counter() - t0)
            assert layer._slice.image.raw.shape == (SIDE, SIDE)
            viewer.dims.set_current_step(0, int(i) + 1 if i + 1 < n else 0)  # move off it
        lines.append(f"napari slider step ({label}): {_stats(times)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=10.0, help="recording size (default 10)")
    parser.add_argument("--export-gib", type=float, default=2.0, help="OME-TIFF export size")
    parser.add_argument("--steps", type=int, default=50, help="random slider steps")
    parser.add_argument("--dir", type=Path, default=None, help="folder on the disk to test")
    args = parser.parse_args(argv)
    n = max(2, int(args.gib * GIB / FRAME_BYTES))
    n_export = max(1, min(n, int(args.export_gib * GIB / FRAME_BYTES)))
    workdir = Path(tempfile.mkdtemp(prefix="bench-interop-", dir=args.dir))
    need = (n + n_export) * FRAME_BYTES * 1.1
    if shutil.disk_usage(workdir).free < need:
        shutil.rmtree(workdir)
        print(f"not enough free space in {workdir.parent}: {need / GIB:.1f} GiB needed")
        return 2
    print(f"# Interop benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {platform.node()}")
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}, folder {workdir}")
    try:
        camera = SimulatedCamera(SIDE, SIDE, fps=0)
        frames = [camera.expected_frame(i).copy() for i in range(8)]
        path, small = workdir / "large.h5", workdir / "small.h5"
        write_recording(small, 1, frames)
        rate = write_recording(path, n, frames)
        print(
            f"recording: {n} frames of {SIDE} x {SIDE} uint16, {n * FRAME_BYTES / GIB:.1f} GiB "
            f"(written at {rate:.0f} MiB/s)"
        )
        for line in bench_napari(path, small, n, args.steps):
            print(line)

        nbytes = n_export * FRAME_BYTES
        dd = _common.run_dd(workdir, nbytes).mib_s
        print(f"disk, dd bs=8M oflag=direct, {nbytes / GIB:.1f} GiB: {dd:8.0f} MiB/s")
        out = workdir / "export.ome.tif"
        evict(path)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with RecordingFile(path) as rec_file:
            t0 = time.perf_counter()
            result = export_ome_tiff(rec_file.recording(), out, 0, n_export)
            _common.fsync_file(out)
            export_s = time.perf_counter() - t0
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rate = nbytes / MIB / export_s
        print(
            f"OME-TIFF export, {n_export} frames ({nbytes / GIB:.1f} GiB, read from the disk, "
            f"to fsync): {rate:8.0f} MiB/s = {rate / dd:.0%} of dd "
            f"(BigTIFF: {result.bigtiff}; TIFF {out.stat().st_size / GIB:.2f} GiB)"
        )
        print(f"peak RSS before / after the export: {rss_before:.0f} / {rss_after:.0f} MiB")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
