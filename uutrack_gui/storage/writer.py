"""Write one recording into an HDF5 file: ``setup`` / ``append`` / ``close``.

The writer hides the file format (see :mod:`uutrack_gui.storage.format`) from the saver loop.
Each frame is one chunk, written with ``write_direct_chunk`` (no filter, so the chunk's bytes
are the frame's bytes): the fastest path h5py has, and any frame reads back with one chunk read.

The file is put in SWMR mode after the datasets are made, so that a viewer can follow a
recording while it grows and so that a crash leaves the file readable up to the last flush.
Files written by older programs (HDF5 superblock < 3) cannot do SWMR; recordings appended to
them are written without it, flushed just as often.
"""

from __future__ import annotations

import datetime as _dt
import os
import time
from pathlib import Path

import h5py
import numpy as np

from uutrack_gui.storage import format as fmt
from uutrack_gui.storage.errors import StorageError

#: Seconds between flushes: bounds what a crash can lose and how stale a following reader is.
FLUSH_INTERVAL_S = 0.25


def unique_group_name(h5: h5py.File, start: _dt.datetime) -> str:
    """``str(start)`` as the original program named groups, made unique within ``h5``."""
    name = str(start)
    suffix = 2
    while name in h5:
        name = f"{start} ({suffix})"
        suffix += 1
    return name


class Hdf5Writer:
    """Writes the frames of one recording into a group of an HDF5 file.

    Examples
    --------
    >>> w = Hdf5Writer()
    >>> w.setup("out.h5", (512, 512), "uint16", metadata="user: {}\\n")  # doctest: +SKIP
    >>> w.append(frame, counter=0, timestamp=time.time())  # doctest: +SKIP
    >>> w.close(fmt.END_STOPPED, dropped_frames=0)  # doctest: +SKIP
    """

    def __init__(self, flush_interval_s: float = FLUSH_INTERVAL_S) -> None:
        self._flush_interval_s = flush_interval_s
        self._file: h5py.File | None = None
        self._group: h5py.Group | None = None
        self._frames: h5py.Dataset | None = None
        self._n = 0
        self._n_meta_written = 0
        self._pending_counters: list[int] = []
        self._pending_timestamps: list[float] = []
        self._last_flush = 0.0
        self.path: Path | None = None
        self.group_name = ""
        self.swmr = False
        self.frame_nbytes = 0

    @property
    def frames_written(self) -> int:
        """Frames appended so far."""
        return self._n

    @property
    def frames_flushed(self) -> int:
        """Frames a crash can no longer lose: in the file as of the last flush."""
        return self._n_meta_written

    def setup(
        self,
        path: str | os.PathLike[str],
        frame_shape: tuple[int, int],
        dtype: np.dtype | str,
        metadata: str,
        camera: str = "",
        start: _dt.datetime | None = None,
    ) -> str:
        """Create the recording's group in ``path`` (appending if the file exists).

        Returns
        -------
        str
            The name of the new group.

        Raises
        ------
        StorageError
            If the file cannot be created or opened for appending.
        """
        self.path = Path(path)
        start = start or _dt.datetime.now()
        dtype = np.dtype(dtype)
        try:
            self._file = h5py.File(self.path, "a", libver="latest")
        except OSError as exc:
            raise StorageError(_explain_open_error(self.path, exc)) from exc
        h5 = self._file
        self.group_name = unique_group_name(h5, start)
        g = h5.create_group(self.group_name)
        rows, cols = frame_shape
        self._frames = g.create_dataset(
            fmt.TIMELAPSE,
            shape=(rows, cols, 0),
            maxshape=(rows, cols, None),
            chunks=(rows, cols, 1),
            dtype=dtype,
        )
        self.frame_nbytes = rows * cols * dtype.itemsize
        g.create_dataset(fmt.METADATA, data=metadata)
        for name, kind in ((fmt.COUNTERS, np.uint64), (fmt.TIMESTAMPS, np.float64)):
            g.create_dataset(name, shape=(0,), maxshape=(None,), chunks=(4096,), dtype=kind)
        g[fmt.TIMESTAMPS].attrs["units"] = "s since 1970-01-01 UTC"
        attrs = g.attrs
        attrs["format"] = fmt.FORMAT_NAME
        attrs["format_version"] = fmt.FORMAT_VERSION
        attrs["axis_order"] = fmt.AXIS_ORDER
        attrs["camera"] = camera
        attrs["start_time"] = start.timestamp()
        attrs["stop_time"] = np.nan
        attrs["frames"] = np.int64(0)
        attrs["dropped_frames"] = np.int64(0)
        attrs["finished_cleanly"] = False
        attrs["end_reason"] = fmt.END_RECORDING
        self._group = g
        h5.flush()
        try:
            h5.swmr_mode = True
            self.swmr = True
        except (RuntimeError, ValueError, OSError):
            self.swmr = False  # an older file: no SWMR, same flushing
        self._last_flush = time.monotonic()
        return self.group_name

    def append(self, frame: np.ndarray, counter: int, timestamp: float) -> None:
        """Write ``frame`` as the next frame of the recording.

        ``frame`` must have the shape and dtype given to :meth:`setup` and be C-contiguous.
        """
        assert self._frames is not None, "setup() first"
        if frame.shape != self._frames.shape[:2] or frame.dtype != self._frames.dtype:
            raise StorageError(
                f"frame {frame.shape} {frame.dtype} does not match the recording "
                f"{self._frames.shape[:2]} {self._frames.dtype}"
            )
        i = self._n
        self._frames.resize(i + 1, axis=2)
        # A (rows, cols, 1) chunk in C order has exactly the bytes of the frame in C order.
        self._frames.id.write_direct_chunk((0, 0, i), np.ascontiguousarray(frame).data)
        self._n = i + 1
        self._pending_counters.append(counter)
        self._pending_timestamps.append(timestamp)
        if time.monotonic() - self._last_flush >= self._flush_interval_s:
            self.flush()

    def flush(self) -> None:
        """Write the pending counters and timestamps and flush the file to the OS."""
        g = self._group
        if g is None:
            return
        n = self._n
        if n > self._n_meta_written:
            for name, values in (
                (fmt.COUNTERS, self._pending_counters),
                (fmt.TIMESTAMPS, self._pending_timestamps),
            ):
                dset = g[name]
                dset.resize((n,))
                dset[self._n_meta_written : n] = values
                values.clear()
            self._n_meta_written = n
        g.attrs.modify("frames", np.int64(n))
        self._file.flush()
        self._last_flush = time.monotonic()

    def close(self, end_reason: str = fmt.END_STOPPED, dropped_frames: int = 0) -> None:
        """Finalize the recording's attributes and close the file. Safe to call twice.

        ``finished_cleanly`` becomes True unless ``end_reason`` is :data:`format.END_FAILED`.
        """
        if self._file is None:
            return
        try:
            if self._group is not None:
                self.flush()
                attrs = self._group.attrs
                attrs.modify("dropped_frames", np.int64(dropped_frames))
                attrs.modify("stop_time", time.time())
                attrs.modify("end_reason", end_reason)
                attrs.modify("finished_cleanly", end_reason != fmt.END_FAILED)
                self._file.flush()
        finally:
            self._file.close()
            self._file = None
            self._group = None
            self._frames = None


def _explain_open_error(path: Path, exc: OSError) -> str:
    """Turn h5py's open error into one sentence for the operator."""
    text = str(exc)
    if not path.parent.exists():
        return f"cannot write {path}: the folder {path.parent} does not exist"
    if not os.access(path.parent, os.W_OK) or "Permission denied" in text:
        return f"cannot write {path}: permission denied"
    if "lock" in text.lower():
        return f"cannot write {path}: the file is open in another program"
    if path.exists() and "signature" in text.lower():
        return f"cannot append to {path}: it exists and is not an HDF5 file"
    return f"cannot write {path}: {text}"
