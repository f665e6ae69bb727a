"""Read recordings back: files written by this program and by the original UUTrack.

Nothing here loads a whole recording: :meth:`Recording.frame` reads one frame (one chunk in this
program's files), and the summary of a file reads only attributes and the small per-frame
datasets.

Legacy UUTrack files differ in three ways that the reader hides:

- ``timelapse`` is int16 although the camera gave uint16; frames come back as uint16 (values
  above 32767 were clipped to 32767 when the file was written and cannot be recovered);
- the last block of 250 MB was written whole, zero-padded; the padding is not counted as frames;
- ``metadata`` is bytes or str, YAML-like (``key: str(value)``) or JSON.

Files are opened without HDF5 file locks, so that a viewer holding a file open never stops a
recording from appending to it; a file being written is opened in SWMR read mode. A file whose
writer died (flagged "open for write", no writer left) has its flags cleared on the way
(:mod:`uutrack_gui.storage.repair`), so that every HDF5 program opens it again.

Files come from anywhere, so nothing in them is trusted: a recording whose ``timelapse`` is not
image data, whose per-frame datasets are not 1-D numbers, or whose attributes have the wrong
type is refused with a one-line reason (the checks are in :mod:`uutrack_gui.storage.validate`),
and a recording that cannot be read at all is listed as damaged without hiding the others.
Looking at a file reads a bounded amount: a summary reads attributes and the first and last
counters and timestamps, never a whole dataset.
"""

from __future__ import annotations

import datetime as _dt
import errno
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from uutrack_gui.storage import format as fmt
from uutrack_gui.storage import repair
from uutrack_gui.storage.errors import StorageError

# parse_metadata and the MAX_* limits are also re-exported: callers import them from here.
from uutrack_gui.storage.metadata import parse_metadata  # noqa: F401
from uutrack_gui.storage.validate import (  # noqa: F401
    DAMAGE,
    MAX_FRAME_BYTES,
    MAX_FRAMES,
    bool_attr,
    check_timelapse,
    first_line,
    int_attr,
    per_frame_dataset,
    reason_only,
    text_attr,
)

#: The original saver's block size, in MB; its zero padding lies within the last block.
_LEGACY_BLOCK_MB = 250
#: Largest metadata text read (a session is a few hundred bytes).
MAX_METADATA_BYTES = 4 * 1024**2


@dataclass(frozen=True)
class RecordingSummary:
    """What ``uutrack info`` and the viewer's recording list show of one recording."""

    name: str
    frames: int
    frame_shape: tuple[int, ...]
    dtype: str
    duration_s: float | None
    dropped_frames: int | None
    finished_cleanly: bool | None
    legacy: bool
    #: Why the recording cannot be read ("" if it can).
    damaged: str = ""
    end_reason: fmt.EndReason = fmt.EndReason.UNKNOWN

    @property
    def status(self) -> str:
        """ "finished", "aborted", "disk full", "NOT finished", "unknown (legacy file)" or
        "DAMAGED (why)"."""
        if self.damaged:
            return f"DAMAGED ({self.damaged})"
        if self.finished_cleanly is None:
            return "unknown (legacy file)"
        if self.end_reason in (fmt.EndReason.ABORTED, fmt.EndReason.DISK_FULL):
            return self.end_reason.value  # finalized, but frames were discarded or not written
        return "finished" if self.finished_cleanly else "NOT finished"


class Recording:
    """One recording (a group with a ``timelapse`` dataset) of an open file."""

    def __init__(self, group: h5py.Group) -> None:
        self._group = group
        self.name = group.name.lstrip("/")
        #: The file the recording is in.
        self.file_path = Path(group.file.filename)
        self._frames = group[fmt.TIMELAPSE]
        attrs = group.attrs
        self.legacy = text_attr(attrs, "format", self.name) != fmt.FORMAT_NAME
        self.format_version = int_attr(attrs, "format_version", 0, self.name)
        if not self.legacy:  # check now what the properties read later
            int_attr(attrs, "dropped_frames", 0, self.name)
            bool_attr(attrs, "finished_cleanly", self.name)
            text_attr(attrs, "end_reason", self.name)
        check_timelapse(self._frames, self.name)
        # Kept open: under SWMR, refresh() updates the Dataset object it is called on, and a
        # dataset opened afresh from the group would still show the size it had at open.
        self._per_frame = {
            name: per_frame_dataset(group, name, self.name)
            for name in (fmt.COUNTERS, fmt.TIMESTAMPS)
            if name in group
        }
        self._count = self._measure()

    def _measure(self) -> int:
        """Frames that are really in the file.

        Legacy: without the zero padding. Unfinished recordings (still being written, or the
        saver died): only frames up to the last flush, which the counters mark; beyond it the
        dataset's extent may have reached the disk before the frame's chunk did.
        """
        if self.legacy:
            return _legacy_frame_count(self._frames)
        n = int(self._frames.shape[-1])
        counters = self._per_frame.get(fmt.COUNTERS)
        if counters is not None and not bool_attr(self._group.attrs, "finished_cleanly", ""):
            n = min(n, int(counters.shape[0]))
        return n

    # --- shape ---------------------------------------------------------------
    def __len__(self) -> int:
        return self._count

    @property
    def padding_frames(self) -> int:
        """Zero frames at the end of a legacy recording (the original's block padding), else 0."""
        return int(self._frames.shape[-1]) - self._count if self.legacy else 0

    @property
    def frame_shape(self) -> tuple[int, int]:
        """(rows, columns) of one frame."""
        return tuple(int(n) for n in self._frames.shape[:2])

    @property
    def dtype(self) -> np.dtype:
        """Dtype of the frames as the camera gave them (uint16 for legacy int16 files)."""
        stored = self._frames.dtype
        return np.dtype(np.uint16) if self.legacy and stored == np.int16 else stored

    @property
    def stored_dtype(self) -> np.dtype:
        """Dtype of the dataset as stored."""
        return self._frames.dtype

    @property
    def frame_nbytes(self) -> int:
        """Bytes of one frame in memory."""
        rows, cols = self.frame_shape
        return rows * cols * self.dtype.itemsize

    # --- frames ---------------------------------------------------------------
    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` (negative counts from the end), read from disk alone."""
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"frame {index} out of range: the recording has {n} frames")
        try:
            data = self._frames[:, :, index]
        except (OSError, RuntimeError, KeyError, ValueError) as exc:
            raise StorageError(
                f"frame {index} of recording {self.name!r} cannot be read: the file is "
                f"damaged ({first_line(exc)})"
            ) from exc
        if data.dtype != self.dtype:
            # Legacy int16 holding uint16 values: the original clipped at 32767 on writing, so
            # no value is negative and the conversion is exact.
            data = data.astype(self.dtype)
        return data

    # --- per-frame data -------------------------------------------------------------------------
    @property
    def counters(self) -> np.ndarray | None:
        """The camera's frame counter of each stored frame, or None (legacy files)."""
        return self._small_dataset(fmt.COUNTERS)

    @property
    def timestamps(self) -> np.ndarray | None:
        """Read-out time of each stored frame, Unix seconds, or None (legacy files)."""
        return self._small_dataset(fmt.TIMESTAMPS)

    def _small_dataset(self, name: str) -> np.ndarray | None:
        dset = self._per_frame.get(name)
        return None if dset is None else dset[: len(self)]

    def _first_and_last(self, name: str) -> tuple[float, float] | None:
        """The first and last stored value of a per-frame dataset (two reads, whatever its size)."""
        dset = self._per_frame.get(name)
        n = min(len(self), 0 if dset is None else int(dset.shape[0]))
        if n == 0:
            return None
        try:
            return dset[0].item(), dset[n - 1].item()
        except DAMAGE as exc:
            raise StorageError(
                f"recording {self.name!r}: {name} cannot be read ({first_line(exc)})"
            ) from None

    # --- attributes ---------------------------------------------------------------
    @property
    def dropped_frames(self) -> int | None:
        """Frames lost during the recording; None if the file does not say (legacy)."""
        if self.legacy:
            return None
        stored = int_attr(self._group.attrs, "dropped_frames", 0, self.name)
        ends = self._first_and_last(fmt.COUNTERS)
        n = min(len(self), int(self._per_frame[fmt.COUNTERS].shape[0])) if ends else 0
        if ends is not None and n > 1 and not self.is_timelapse:
            # As Python ints: counters are uint64 and a damaged file may hold a smaller last one.
            gaps = int(ends[1]) - int(ends[0]) + 1 - n
            # An unfinished recording has no final count yet: the gaps are the best figure.
            return max(stored, gaps)
        return stored

    @property
    def finished_cleanly(self) -> bool | None:
        """Whether the saver finalized the recording; None for legacy files (they do not say)."""
        if self.legacy:
            return None
        return bool_attr(self._group.attrs, "finished_cleanly", self.name)

    @property
    def end_reason(self) -> str:
        """How the recording ended: stopped, aborted, failed, or still recording."""
        value = text_attr(self._group.attrs, "end_reason", self.name)
        return ("unknown" if self.legacy else "") if value is None else value

    @property
    def start_time(self) -> _dt.datetime | None:
        """When the recording started, from the attribute or (legacy) from the group's name."""
        stamp = self._group.attrs.get("start_time")
        try:
            return _dt.datetime.fromtimestamp(float(stamp))
        except (TypeError, ValueError, OverflowError, OSError):
            pass  # absent, or not a time: fall back on the name
        try:
            return _dt.datetime.fromisoformat(self.name)
        except ValueError:
            return None

    @property
    def duration_s(self) -> float | None:
        """Time from the first to the last frame; None if there are no timestamps."""
        ends = self._first_and_last(fmt.TIMESTAMPS)
        if ends is None:
            return None
        duration = float(ends[1]) - float(ends[0])
        return duration if math.isfinite(duration) else None  # exports of legacy files: NaN

    @property
    def pixel_size_um(self) -> float | None:
        """Micrometres per pixel stored with the recording; None if not calibrated."""
        try:
            value = float(self._group.attrs.get(fmt.PIXEL_SIZE_UM, math.nan))
        except (TypeError, ValueError):  # a foreign file's attribute of another kind
            return None
        return value if math.isfinite(value) and value > 0 else None

    @property
    def timelapse_schedule(self) -> tuple[float | None, int]:
        """(one frame every that many seconds or None, every that many camera frames)."""
        return fmt.timelapse_schedule(self._group.attrs)

    @property
    def is_timelapse(self) -> bool:
        """Whether frames were skipped on purpose (then counter gaps are not drops)."""
        interval, every = self.timelapse_schedule
        return interval is not None or every > 1

    @property
    def camera(self) -> str:
        """The camera model stored with the recording ("" if none)."""
        value = self._group.attrs.get("camera", "")
        return value.decode(errors="replace") if isinstance(value, bytes) else str(value)

    def attributes(self) -> dict[str, Any]:
        """The recording group's attributes as plain Python values (bytes decoded)."""
        result: dict[str, Any] = {}
        for key, value in self._group.attrs.items():
            if isinstance(value, bytes):
                value = value.decode("utf-8", errors="replace")
            elif isinstance(value, np.generic):
                value = value.item()
            result[key] = value
        return result

    @property
    def metadata_text(self) -> str:
        """The stored session as text (decoded if it was stored as bytes)."""
        if fmt.METADATA not in self._group:
            return ""
        dset = self._group[fmt.METADATA]
        if not isinstance(dset, h5py.Dataset) or dset.dtype.kind not in "SUO":
            return ""  # not text: nothing this program can show as a session
        if dset.size * max(1, dset.dtype.itemsize) > MAX_METADATA_BYTES:
            return ""  # bounded reading: a session is small; this is something else
        value = dset[()]
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")
        if isinstance(value, np.ndarray):  # some writers stored an array of strings
            value = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in value.flat)
            return value.decode("utf-8", errors="replace")
        return str(value)

    def metadata(self) -> dict[str, Any]:
        """The stored session parsed into a dict (tolerant of the original's YAML-ish text)."""
        return parse_metadata(self.metadata_text)

    def summary(self) -> RecordingSummary:
        """The figures shown for this recording in lists.

        Raises
        ------
        StorageError
            A per-frame dataset cannot be read (the file is damaged there).
        """
        return RecordingSummary(
            name=self.name,
            frames=len(self),
            frame_shape=self.frame_shape,
            dtype=str(self.dtype),
            duration_s=self.duration_s,
            dropped_frames=self.dropped_frames,
            finished_cleanly=self.finished_cleanly,
            legacy=self.legacy,
            end_reason=fmt.EndReason.parse(self.end_reason),
        )

    def refresh(self) -> int:
        """Re-read the size of a recording that is still growing (SWMR); returns the frame count."""
        self._frames.refresh()
        for dset in self._per_frame.values():
            dset.refresh()
        self._count = self._measure()
        return self._count


class RecordingFile:
    """An HDF5 file opened read-only, listing its recordings.

    Parameters
    ----------
    path : path-like
        The file.
    follow : bool
        Kept for compatibility. A file that is being written (or whose writer stopped without
        closing it) is always opened in SWMR read mode, the only way to read it; such a file
        can be followed with :meth:`Recording.refresh`, and :attr:`swmr` is then True.

    Raises
    ------
    StorageError
        With a one-line reason: missing, a folder, unreadable, not HDF5, damaged, or no
        recordings in it.
    """

    def __init__(self, path: str | os.PathLike[str], follow: bool = True) -> None:
        self.path = Path(path)
        self.swmr = False
        self._file = _open_read_only(self.path, follow)
        self.swmr = bool(getattr(self._file, "swmr_mode", False))
        try:
            self.names = self._recording_names()
        except Exception:
            self._file.close()
            raise
        if not self.names:
            self._file.close()
            raise StorageError(
                f"{self.path} holds no recordings (no group with a 'timelapse' dataset)"
            )

    def _recording_names(self) -> list[str]:
        """Recordings in file order: groups with a ``timelapse``, and those that are damaged.

        A top-level object that cannot be read is listed (in :attr:`damaged` too): it may well
        be a recording, and one damaged recording must not hide the others.
        """
        self.damaged: dict[str, str] = {}
        names = []
        try:
            keys = list(self._file.keys())
        except DAMAGE as exc:
            raise StorageError(f"{self.path} is damaged: {first_line(exc)}") from exc
        for name in keys:
            try:
                item = self._file[name]
                if isinstance(item, h5py.Group) and isinstance(
                    item.get(fmt.TIMELAPSE), h5py.Dataset
                ):
                    names.append(name)
            except DAMAGE as exc:
                names.append(name)
                self.damaged[name] = first_line(exc)
        return names

    def recording(self, name: str | int = -1) -> Recording:
        """A recording by name or by position in :attr:`names` (default: the last one)."""
        if isinstance(name, int):
            name = self.names[name]
        if name not in self.names:
            raise StorageError(f"{self.path} has no recording named {name!r}")
        if name in self.damaged:
            raise StorageError(
                f"recording {name!r} of {self.path} is damaged: {self.damaged[name]}"
            )
        try:
            return Recording(self._file[name])
        except StorageError:
            raise  # already says what is wrong with it
        except DAMAGE as exc:
            raise StorageError(
                f"recording {name!r} of {self.path} is damaged: {first_line(exc)}"
            ) from exc

    def summaries(self) -> list[RecordingSummary]:
        """A summary of each recording, in file order; damaged ones say so in ``damaged``."""
        result = []
        for name in self.names:
            try:
                result.append(self.recording(name).summary())
            except StorageError as exc:
                reason = self.damaged.get(name) or reason_only(str(exc), name)
                result.append(
                    RecordingSummary(name, 0, (), "-", None, None, None, False, damaged=reason)
                )
        return result

    def close(self) -> None:
        """Close the file. Safe to call twice."""
        if self._file.id.valid:
            self._file.close()

    def __enter__(self) -> RecordingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_read_only(path: Path, follow: bool) -> h5py.File:
    """Open ``path`` for reading or raise :class:`StorageError` saying why not."""
    if not path.exists():
        raise StorageError(f"{path}: no such file")
    if path.is_dir():
        raise StorageError(f"{path} is a folder, not a recording file")
    try:
        with open(path, "rb") as handle:
            handle.read(8)
    except PermissionError as exc:
        raise StorageError(f"{path}: permission denied (cannot read the file)") from exc
    except OSError as exc:
        raise StorageError(
            f"{path}: cannot be read ({os.strerror(exc.errno or errno.EIO)})"
        ) from exc
    if path.stat().st_size == 0:
        raise StorageError(f"{path} is empty (0 bytes), not a recording file")
    if not h5py.is_hdf5(path):
        raise StorageError(f"{path} is not an HDF5 file")
    del follow  # see RecordingFile: a file being written is opened in SWMR mode either way
    # Without file locks: a reader's lock makes a recording that appends to this file fail to
    # open it. Within one process HDF5 refuses to mix locking modes on a file (a writer opened
    # it here, as tests do): then with the default locking.
    text = ""
    for locking in ({"locking": False}, {}):
        # A plain open first: unlike SWMR read mode, it checks the file's length against the
        # length its header records, so a truncated file is caught here, not read as zeros.
        try:
            return h5py.File(path, "r", **locking)
        except OSError as exc:
            text = first_line(exc)
        except ValueError as exc:  # an HDF5 library too old for the locking option
            text = first_line(exc)
            continue
        if "locking flag" in text:
            continue
        if "already open for" not in text:
            break
        if repair.clear_if_abandoned(path):  # its writer died: readable by anyone again
            try:
                return h5py.File(path, "r", **locking)
            except OSError as exc:
                text = first_line(exc)
                break
        # Being written, or its writer died without closing it: SWMR read mode reads it.
        try:
            return h5py.File(path, "r", swmr=True, libver="latest", **locking)
        except OSError as exc:
            text = first_line(exc)
            break
    truncated = re.search(r"truncated file: eof = (\d+).*stored_eof = (\d+)", text)
    if truncated:
        actual, expected = (int(n) for n in truncated.groups())
        raise StorageError(
            f"{path} is truncated: only {actual:,} of its {expected:,} bytes are there "
            "(an interrupted copy or a full disk?)"
        )
    if "unable to lock" in text.lower():
        raise StorageError(f"{path} is being written by another program and cannot be opened now")
    raise StorageError(f"{path} is damaged (corrupt HDF5): {text}")


def _legacy_frame_count(dset: h5py.Dataset) -> int:
    """Frames in a legacy timelapse, not counting the zero padding of its last block.

    The padding is a run of all-zero frames at the end, shorter than one 250 MB block; a binary
    search over that last block finds where it starts in a few frame reads. (A real frame that is
    entirely zero inside the last block could end the count early; a camera never gives one.)
    """
    total = int(dset.shape[-1])
    if total == 0:
        return 0
    frame_bytes = int(np.prod(dset.shape[:2])) * 2  # the original's block size assumed uint16
    block = max(1, int(_LEGACY_BLOCK_MB / frame_bytes * 1024 * 1024))

    def is_padding(i: int) -> bool:
        return not np.any(dset[:, :, i])

    if not is_padding(total - 1):
        return total
    lo, hi = max(0, total - block), total - 1  # hi is padding; find the first padding frame
    while lo < hi:
        mid = (lo + hi) // 2
        if is_padding(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo
