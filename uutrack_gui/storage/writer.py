"""Write one recording into an HDF5 file: ``setup`` / ``append`` / ``close``.

The writer hides the file format (see :mod:`uutrack_gui.storage.format`) from the saver loop.
Each frame is one chunk, stored unfiltered (the chunk's bytes are the frame's bytes), so any
frame reads back with one chunk read.

The file is put in SWMR mode after the datasets are made, so that a viewer can follow a
recording while it grows and so that a crash leaves the file readable up to the last flush.
Files written by older programs (HDF5 superblock < 3) cannot do SWMR; recordings appended to
them are written without it, flushed just as often.

How the pixels reach the disk. Where it can (Linux, frame size a multiple of 4 KiB), HDF5 only
*allocates* each frame's chunk (early allocation, no fill, 4 KiB-aligned through the file's
alignment property) and the pixels go to that chunk's file offset with ``pwrite`` on a second
descriptor opened with ``O_DIRECT``; HDF5 keeps writing its own metadata (chunk index, counters,
attributes) through its usual buffered path, and the two never touch the same bytes. Elsewhere
(other systems, file systems that refuse ``O_DIRECT``, other frame sizes) frames go through
h5py's ``write_direct_chunk``, into the page cache.

Why: a buffered write copies every frame into the page cache and leaves the kernel to write it
back later. On the 2-core development VM that copy cost the saver 17 ms of kernel CPU per 8 MiB
frame (84 % of its time in ``copy_folio_from_iter_atomic`` by ``perf``: fresh page-cache pages
are slow to fault in there), which capped recording at about 400 MiB/s, a quarter of the disk's
rate, with the saver at 90 % of a core. With ``O_DIRECT`` the saver needs about 1 ms of CPU per
frame (0.45 ms of it in the kernel), recording runs at the disk's rate, and each frame is on the
disk when :meth:`Hdf5Writer.append` returns (``benchmarks/bench_recording.py``, ``BENCHMARKS.md``).

When the disk fills up. The frame count, chunk index, counters and timestamps reach the file only
at a flush, and a flush needs a little free space, exactly what a full disk no longer has (see
:mod:`uutrack_gui.storage.reserve` for what happened without it). So the writer keeps a few MiB
in reserve in a ballast file beside the recording from :meth:`Hdf5Writer.setup` on, and flushes
once right after the first frame (a crash before the first periodic flush keeps that frame). A
write that fails for lack of space raises :class:`~uutrack_gui.storage.errors.DiskFull`; the
frame that failed is not counted, and every frame before it was written in full (each ``append``
returns only when all of a frame's bytes were accepted by the OS). The caller then calls
:meth:`Hdf5Writer.end_on_full_disk`, which deletes the ballast and commits those frames, their
counters and timestamps and the end reason "disk full" into the space it gave back; later frames
are counted as dropped through :meth:`Hdf5Writer.close`, which only updates fixed-size
attributes in place.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import mmap
import os
import time
from pathlib import Path

import h5py
import numpy as np
import yaml

from uutrack_gui.storage import format as fmt
from uutrack_gui.storage.errors import DiskFull, StorageError, is_disk_full
from uutrack_gui.storage.reserve import (
    FLUSH_ROOM,
    RESERVE_BYTES,
    DiskReserve,
    reserve_path,
    room_left,
)

#: Seconds between flushes: bounds what a crash can lose and how stale a following reader is.
FLUSH_INTERVAL_S = 0.25
#: HDF5 format bounds of every file we write. The lower bound v110 keeps each object and
#: attribute readable by HDF5 1.10 and later (h5dump, MATLAB, HDFView, Fiji, older h5py) and is
#: the oldest that allows SWMR. With ``"latest"`` as the lower bound, HDF5 2.0 (h5py >= 3.16)
#: stores e.g. the boolean ``finished_cleanly`` (an enum) in a datatype message version that
#: HDF5 1.10 - 1.14 cannot parse, hiding every attribute of the recording from them.
LIBVER = ("v110", "latest")
#: Alignment of offsets, lengths and buffers that ``O_DIRECT`` needs (a page; any disk's block).
_DIRECT_ALIGN = 4096


def unique_group_name(h5: h5py.File, start: _dt.datetime) -> str:
    """``str(start)`` as the original program named groups, made unique within ``h5``."""
    name = str(start)
    suffix = 2
    while name in h5:
        name = f"{start} ({suffix})"
        suffix += 1
    return name


def ascii_safe_metadata(text: str) -> str:
    """``text`` with only ASCII characters, meaning the same to a YAML reader.

    The original UUTrack decoded the ``metadata`` dataset as ASCII, so a user name such as
    "Jörg" would break its loader. YAML text is re-written with YAML's own escapes (``"J\\xF6rg"``),
    which any YAML reader (ours included) turns back into the same characters. Text that is not
    YAML keeps Python's backslash escapes (readable, not decoded back).
    """
    if text.isascii():
        return text
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        value = None
    if isinstance(value, (dict, list)):
        escaped = yaml.safe_dump(value, sort_keys=False, allow_unicode=False)
        if yaml.safe_load(escaped) == value:
            return escaped
    return text.encode("ascii", "backslashreplace").decode("ascii")


class Hdf5Writer:
    """Writes the frames of one recording into a group of an HDF5 file.

    Parameters
    ----------
    flush_interval_s : float
        Seconds between flushes of the counters, timestamps and frame count.
    direct_io : bool
        Write frames with ``O_DIRECT`` where possible (see the module notes); False always
        writes them through HDF5. :attr:`direct_io` tells which one a recording uses.
    reserve_bytes : int
        Disk space held in reserve from :meth:`setup` on, given back to finish the file when the
        disk is full (see :mod:`~uutrack_gui.storage.reserve`); 0 keeps none.

    Examples
    --------
    >>> w = Hdf5Writer()
    >>> w.setup("out.h5", (512, 512), "uint16", metadata="user: {}\\n")  # doctest: +SKIP
    >>> w.append(frame, counter=0, timestamp=time.time())  # doctest: +SKIP
    >>> w.close(fmt.END_STOPPED, dropped_frames=0)  # doctest: +SKIP
    """

    def __init__(
        self,
        flush_interval_s: float = FLUSH_INTERVAL_S,
        direct_io: bool = True,
        reserve_bytes: int = RESERVE_BYTES,
    ) -> None:
        self._flush_interval_s = flush_interval_s
        self._direct_wanted = direct_io
        self._reserve_bytes = int(reserve_bytes)
        self._reserve: DiskReserve | None = None
        self._ended = False  # end_on_full_disk() has finished the recording's attributes
        self._direct_fd: int | None = None  # O_DIRECT descriptor of the file, in direct mode
        self._bounce: mmap.mmap | None = None  # aligned copy of a frame that is not aligned
        self._frame_shape: tuple[int, int] = (0, 0)
        self._frame_dtype = np.dtype(np.uint16)
        self._file: h5py.File | None = None
        self._group: h5py.Group | None = None
        self._frames: h5py.Dataset | None = None
        self._n = 0
        self._n_meta_written = 0  # frames whose counters and timestamps HDF5 has been given
        self._n_flushed = 0  # ... and flushed to the OS
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
    def direct_io(self) -> bool:
        """Whether frames bypass the page cache (``O_DIRECT``)."""
        return self._direct_fd is not None

    @property
    def frames_flushed(self) -> int:
        """Frames a crash can no longer lose: in the file as of the last flush."""
        return self._n_flushed

    def setup(
        self,
        path: str | os.PathLike[str],
        frame_shape: tuple[int, int],
        dtype: np.dtype | str,
        metadata: str,
        camera: str = "",
        start: _dt.datetime | None = None,
        pixel_size_um: float | None = None,
        timelapse_interval_s: float | None = None,
        timelapse_every: int = 1,
    ) -> str:
        """Create the recording's group in ``path`` (appending if the file exists).

        ``pixel_size_um`` (µm per pixel, None if not calibrated) and the time-lapse's frame
        selection (one frame every ``timelapse_interval_s`` seconds, or every
        ``timelapse_every``-th frame) are stored as group attributes (see :mod:`format`).

        Returns
        -------
        str
            The name of the new group.

        Raises
        ------
        StorageError
            If the file cannot be created or opened for appending.
        DiskFull
            If the disk has no room for the reserve or for the recording's structures.
        """
        self.path = Path(path)
        if self._reserve_bytes > 0:
            try:
                self._reserve = DiskReserve(reserve_path(self.path), self._reserve_bytes)
            except OSError:  # (DiskFull, no room for it, is not caught: nor is there for frames)
                self._reserve = None  # cannot make one here: record without (as before)
        try:
            return self._create(
                frame_shape,
                dtype,
                metadata,
                camera,
                start,
                pixel_size_um,
                timelapse_interval_s,
                timelapse_every,
            )
        except Exception as exc:
            self._abandon_setup()
            if is_disk_full(exc):
                raise DiskFull(
                    f"the disk is full: cannot start a recording in {self.path}"
                ) from exc
            raise

    def _create(
        self,
        frame_shape: tuple[int, int],
        dtype: np.dtype | str,
        metadata: str,
        camera: str,
        start: _dt.datetime | None,
        pixel_size_um: float | None,
        timelapse_interval_s: float | None,
        timelapse_every: int,
    ) -> str:
        """The body of :meth:`setup`, once the reserve is made."""
        start = start or _dt.datetime.now()
        dtype = np.dtype(dtype)
        rows, cols = frame_shape
        self._frame_shape = (int(rows), int(cols))
        self._frame_dtype = dtype
        self.frame_nbytes = rows * cols * dtype.itemsize
        direct = (
            self._direct_wanted
            and hasattr(os, "O_DIRECT")
            and self.frame_nbytes % _DIRECT_ALIGN == 0
        )
        # In direct mode every allocation of a frame's size or more starts on a 4 KiB boundary.
        align = {"alignment_threshold": self.frame_nbytes, "alignment_interval": _DIRECT_ALIGN}
        try:
            self._file = h5py.File(self.path, "a", libver=LIBVER, **(align if direct else {}))
        except OSError as exc:
            raise StorageError(_explain_open_error(self.path, exc)) from exc
        if direct:
            try:
                self._direct_fd = os.open(self.path, os.O_WRONLY | os.O_DIRECT)
            except OSError:
                self._direct_fd = None  # e.g. tmpfs: no direct I/O there
        h5 = self._file
        self.group_name = unique_group_name(h5, start)
        g = h5.create_group(self.group_name)
        options = {}
        if self._direct_fd is not None:
            # Chunks get file space when the extent grows, and nothing is written into them.
            dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
            dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
            options = {"dcpl": dcpl, "fill_time": "never"}
        self._frames = g.create_dataset(
            fmt.TIMELAPSE,
            shape=(rows, cols, 0),
            maxshape=(rows, cols, None),
            chunks=(rows, cols, 1),
            dtype=dtype,
            **options,
        )
        g.create_dataset(fmt.METADATA, data=ascii_safe_metadata(metadata))
        for name, kind in ((fmt.COUNTERS, np.uint64), (fmt.TIMESTAMPS, np.float64)):
            g.create_dataset(name, shape=(0,), maxshape=(None,), chunks=(4096,), dtype=kind)
        g[fmt.TIMESTAMPS].attrs["units"] = "s since 1970-01-01 UTC"
        attrs = g.attrs
        attrs["format"] = fmt.FORMAT_NAME
        attrs["format_version"] = fmt.FORMAT_VERSION
        attrs["axis_order"] = fmt.AXIS_ORDER
        attrs["camera"] = camera
        attrs[fmt.PIXEL_SIZE_UM] = np.nan if pixel_size_um is None else float(pixel_size_um)
        interval = np.nan if timelapse_interval_s is None else float(timelapse_interval_s)
        attrs[fmt.TIMELAPSE_INTERVAL_S] = interval
        attrs[fmt.TIMELAPSE_EVERY] = np.int64(timelapse_every)
        attrs["start_time"] = start.timestamp()
        attrs["stop_time"] = np.nan
        attrs["frames"] = np.int64(0)
        attrs["dropped_frames"] = np.int64(0)
        attrs["finished_cleanly"] = False
        attrs["end_reason"] = fmt.EndReason.RECORDING.value
        self._group = g
        h5.flush()
        try:
            h5.swmr_mode = True
            self.swmr = True
        except (RuntimeError, ValueError, OSError):
            self.swmr = False  # an older file: no SWMR, same flushing
        self._last_flush = time.monotonic()
        return self.group_name

    def _abandon_setup(self) -> None:
        """After a failed :meth:`setup`: give the reserve back and close what was opened."""
        self._release_reserve()  # first: closing may need its room
        with contextlib.suppress(Exception):  # the setup's own error is the one to report
            self._close_file()

    def append(self, frame: np.ndarray, counter: int, timestamp: float) -> None:
        """Write ``frame`` as the next frame of the recording.

        ``frame`` must have the shape and dtype given to :meth:`setup` and be C-contiguous.
        """
        assert self._frames is not None, "setup() first"
        # Shape and dtype as set up: asking h5py costs a library call each (5 % of the saver).
        if frame.shape != self._frame_shape or frame.dtype != self._frame_dtype:
            raise StorageError(
                f"frame {frame.shape} {frame.dtype} does not match the recording "
                f"{self._frame_shape} {self._frame_dtype}"
            )
        if self._ended:
            raise DiskFull(f"the disk is full: the recording in {self.path} has ended")
        i = self._n
        try:
            # In direct mode, growing the extent allocates the new chunk's file space.
            self._frames.id.set_extent((*self._frame_shape, i + 1))
            if self._direct_fd is None or not self._write_direct(frame, i):
                # A (rows, cols, 1) chunk in C order has exactly the bytes of the frame in C order.
                self._frames.id.write_direct_chunk((0, 0, i), np.ascontiguousarray(frame).data)
        except Exception as exc:
            if is_disk_full(exc):  # this frame is not counted: some of its bytes are missing
                raise DiskFull(
                    f"the disk is full: frame {i} could not be written to {self.path}"
                ) from exc
            raise
        self._n = i + 1
        self._pending_counters.append(counter)
        self._pending_timestamps.append(timestamp)
        # The first flush right after the first frame: a crash or a full disk before the
        # first periodic flush must not leave an empty recording.
        if i == 0 or time.monotonic() - self._last_flush >= self._flush_interval_s:
            # HDF5 cannot repeat a flush that failed half-way (HDF5 2.0: "slist already
            # enabled"), so a flush is not tried on a disk that has almost no room left: the
            # end is declared first, and made with the reserve's room. The frame is complete.
            if self._reserve is not None and room_left(self.path.parent) < FLUSH_ROOM:
                raise DiskFull(f"the disk is full: no room left to flush {self.path}")
            try:
                self.flush()
            except Exception as exc:
                if is_disk_full(exc):  # another program took the last room meanwhile
                    raise DiskFull(f"the disk is full: flushing {self.path} failed") from exc
                raise

    def _write_direct(self, frame: np.ndarray, i: int) -> bool:
        """Write frame ``i`` into its chunk with ``O_DIRECT``; False if it must go through HDF5.

        Raises
        ------
        OSError
            The write failed (disk full, I/O error).
        """
        info = self._frames.id.get_chunk_info_by_coord((0, 0, i))
        offset = info.byte_offset
        if offset is None or offset % _DIRECT_ALIGN or info.size != self.frame_nbytes:
            return False  # not allocated as expected: let HDF5 write it
        array = np.ascontiguousarray(frame)
        with memoryview(array).cast("B") as source:
            if array.ctypes.data % _DIRECT_ALIGN == 0:
                buffer = source  # e.g. a slot of the shared-memory ring: page-aligned
            else:
                if self._bounce is None:
                    self._bounce = mmap.mmap(-1, self.frame_nbytes)  # page-aligned
                self._bounce[:] = source
                buffer = memoryview(self._bounce)
            try:
                done = 0
                while done < len(buffer):
                    done += os.pwrite(self._direct_fd, buffer[done:], offset + done)
            except OSError as exc:
                if exc.errno != errno.EINVAL or i > 0:
                    raise
                # The file system refused direct I/O after all: write through HDF5 from now on.
                os.close(self._direct_fd)
                self._direct_fd = None
                return False
            finally:
                if buffer is not source:
                    buffer.release()
        return True

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
            # Cleared only once both are written: a flush that failed (a full disk) is then
            # repeated whole, writing the same values again.
            self._pending_counters.clear()
            self._pending_timestamps.clear()
            self._n_meta_written = n
        g.attrs.modify("frames", np.int64(n))
        self._file.flush()
        self._n_flushed = n
        self._last_flush = time.monotonic()

    def end_on_full_disk(self, dropped_frames: int) -> int:
        """Finish the recording after :meth:`append` raised :class:`DiskFull`.

        Gives the reserve back to the disk, then commits every frame appended so far (all
        written in full) with its counter and timestamp, and the end: ``end_reason``
        "disk full", ``finished_cleanly`` True (the file is complete and consistent; the
        frames it could not take are in ``dropped_frames``), the stop time. The file stays
        open: :meth:`close` later counts the frames that came after and closes it.

        Parameters
        ----------
        dropped_frames : int
            Frames of the recording not in the file so far (the one that failed included).

        Returns
        -------
        int
            Frames in the file.

        Raises
        ------
        Exception
            The commit failed too (no room even so: another program took it); the file then
            holds what its last successful flush committed.
        """
        self._release_reserve()
        try:
            self._finish(fmt.EndReason.DISK_FULL, dropped_frames)
        except Exception:
            # A flush that failed half-way cannot be repeated, but closing the file still
            # writes all that is pending; the dropped count then stays as of now.
            self._close_file()  # if this fails too, the caller reports the failure
            self._n_flushed = self._n
        self._ended = True
        return self._n

    def _finish(self, reason: fmt.EndReason, dropped_frames: int) -> None:
        """Commit the frames and the end attributes (one flush)."""
        if self._frames is not None and self._frames.shape[2] > self._n:
            self._frames.resize(self._n, axis=2)  # a frame whose write failed
        if self._group is None:
            return
        attrs = self._group.attrs
        attrs.modify("dropped_frames", np.int64(dropped_frames))
        attrs.modify("stop_time", time.time())
        attrs.modify("end_reason", reason.value)
        attrs.modify("finished_cleanly", reason != fmt.EndReason.FAILED)
        self.flush()

    def _release_reserve(self) -> None:
        if self._reserve is not None:
            self._reserve.release()
            self._reserve = None

    def close(
        self, end_reason: fmt.EndReason | str = fmt.EndReason.STOPPED, dropped_frames: int = 0
    ) -> None:
        """Finalize the recording's attributes and close the file. Safe to call twice.

        ``finished_cleanly`` becomes True unless ``end_reason`` is :data:`format.END_FAILED`.
        After :meth:`end_on_full_disk` the end is already written: only ``dropped_frames`` and
        ``stop_time`` are updated (in place: fixed-size values need no new space).
        """
        # First: the final flush may need the reserve's room, and a closed writer keeps none.
        self._release_reserve()
        try:
            if self._ended and self._group is not None:
                attrs = self._group.attrs
                attrs.modify("dropped_frames", np.int64(dropped_frames))
                attrs.modify("stop_time", time.time())
                self._file.flush()
            elif self._file is not None:
                self._finish(fmt.EndReason(end_reason), dropped_frames)
        finally:
            self._close_file()

    def _close_file(self) -> None:
        """Close the file and the descriptors that go with it (each once)."""
        try:
            if self._file is not None:
                self._file.close()
        finally:
            self._file = None
            self._group = None
            self._frames = None
            if self._direct_fd is not None:
                os.close(self._direct_fd)
                self._direct_fd = None
            if self._bounce is not None:
                self._bounce.close()
                self._bounce = None


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
