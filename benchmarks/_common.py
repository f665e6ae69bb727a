"""What the benchmark scripts share: the ``dd`` baseline, scratch folders, the machine line,
Markdown tables, simulated frames and the Qt set-up of the GUI benchmarks.

The scripts import it as a sibling module (``import _common``): they run as
``python benchmarks/<script>.py``, which puts this folder first on ``sys.path``.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MIB = 1024 * 1024
GIB = 1024 * MIB
#: Block size of the ``dd`` baseline.
DD_BLOCK = 8 * MIB


# --- the disk baseline ----------------------------------------------------------------------
@dataclass(frozen=True)
class DdRun:
    """One ``dd if=/dev/zero ... oflag=direct`` run."""

    command: str
    nbytes: int
    seconds: float

    @property
    def mib_s(self) -> float:
        """MiB per second as dd measured it."""
        return self.nbytes / MIB / self.seconds


def start_dd(folder: Path, nbytes: int) -> tuple[subprocess.Popen, Path]:
    """Start writing ``nbytes`` (rounded to 8 MiB blocks, at least one) with ``dd
    oflag=direct`` into ``folder``; :func:`finish_dd` waits for it."""
    count = max(1, round(nbytes / DD_BLOCK))
    target = folder / "dd.bin"
    command = ["dd", "if=/dev/zero", f"of={target}", "bs=8M", f"count={count}", "oflag=direct"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LC_ALL": "C"},  # dd's summary line in English, to parse it
    )
    return process, target


def finish_dd(process: subprocess.Popen, target: Path) -> DdRun:
    """Wait for a :func:`start_dd` run, delete its file and parse its summary line."""
    try:
        _, stderr = process.communicate()
    finally:
        target.unlink(missing_ok=True)
    if process.returncode != 0:
        raise RuntimeError(f"dd failed: {stderr.strip()}")
    # "4294967296 bytes (4.3 GB, 4.0 GiB) copied, 2.51 s, 1.7 GB/s"
    match = re.search(r"^(\d+) bytes .* copied, ([\d.]+) s", stderr, re.M)
    if not match:
        raise RuntimeError(f"cannot parse dd's output: {stderr.strip()}")
    return DdRun(" ".join(process.args), int(match.group(1)), float(match.group(2)))


def run_dd(folder: Path, nbytes: int) -> DdRun:
    """Write ``nbytes`` with ``dd oflag=direct`` into ``folder`` and delete the file."""
    return finish_dd(*start_dd(folder, nbytes))


# --- files and folders ----------------------------------------------------------------------
@contextlib.contextmanager
def scratch_folder(prefix: str, parent: Path | None = None) -> Iterator[Path]:
    """A new folder under ``parent`` (default: the temp folder), deleted afterwards, even on
    failure; a warning if it could not be deleted."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent)).resolve()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if folder.exists():
            print(f"warning: could not delete {folder}", file=sys.stderr)
        else:
            print(f"deleted {folder}")


def fsync_file(path: Path) -> None:
    """Flush ``path`` to the disk."""
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


def disk_description(folder: Path) -> str:
    """The device, filesystem and size holding ``folder``, from ``df``."""
    try:
        out = (
            subprocess.run(["df", "-hT", str(folder)], capture_output=True, text=True, check=True)
            .stdout.splitlines()[-1]
            .split()
        )
        return f"{out[0]} ({out[1]}, {out[2]}, {out[4]} free)"
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "unknown"


# --- reporting ------------------------------------------------------------------------------
def machine_description() -> str:
    """Host, CPUs, RAM and the versions that matter for the figures."""
    import h5py

    ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / GIB
    return (
        f"{platform.node()}, {platform.platform()}, {os.cpu_count()} CPUs, {ram:.0f} GiB RAM, "
        f"Python {platform.python_version()}, numpy {np.__version__}, h5py {h5py.__version__} "
        f"(HDF5 {h5py.version.hdf5_version})"
    )


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print a Markdown table, columns padded to line up in a terminal too."""
    cells = [list(header), *(list(row) for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(values: list[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    print(line(cells[0]))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print(line(row))


# --- frames and Qt --------------------------------------------------------------------------
def simulated_frames(width: int, height: int, count: int = 8) -> list[np.ndarray]:
    """``count`` distinct frames of the simulated camera, to be used in turn."""
    from uutrack_gui.camera import SimulatedCamera

    camera = SimulatedCamera(width, height, fps=0)
    return [camera.expected_frame(i).copy() for i in range(count)]


def qt_app(name: str, settings_folder: Path):
    """The QApplication of a GUI benchmark, its QSettings (recent files...) kept in
    ``settings_folder``, away from the user's. Offscreen when there is no display."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt5 import QtCore, QtWidgets

    QtCore.QSettings.setDefaultFormat(QtCore.QSettings.IniFormat)
    QtCore.QSettings.setPath(
        QtCore.QSettings.IniFormat, QtCore.QSettings.UserScope, str(settings_folder)
    )
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([name])
    app.setOrganizationName("uutrack-bench")
    app.setApplicationName(name)
    return app


def process_events_until(app, condition: Callable[[], bool], timeout_s: float = 30.0) -> bool:
    """Run the event loop until ``condition()`` holds or ``timeout_s`` passes (events are
    processed meanwhile, nothing sleeps); returns whether it held."""
    from PyQt5 import QtCore

    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        app.processEvents(QtCore.QEventLoop.AllEvents, 5)
    return True
