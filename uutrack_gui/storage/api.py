"""The public reading API for analysis scripts: :func:`open_recording`.

A recording opens as a :class:`RecordingArray`, a read-only array-like of shape ``(t, y, x)``
(frames first, as trackpy, napari and most analysis code expect, whatever the file's own
``y, x, t`` layout). Nothing is read until it is indexed, and indexing reads only the frames
asked for, one frame (one HDF5 chunk in this program's files) at a time:

>>> with open_recording("run.h5") as rec:  # doctest: +SKIP
...     first = rec[0]  # one (y, x) frame
...     stack = rec[100:200]  # a (100, y, x) array
...     rec.timestamps, rec.counters, rec.pixel_size_um, rec.metadata

Files of the original UUTrack open too (uint16 frames without the zero padding; no counters or
timestamps: those are None).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from uutrack_gui.storage.reader import Recording, RecordingFile

#: Name of the optional recording-group attribute with the calibrated pixel size, micrometres.
PIXEL_SIZE_ATTR = "pixel_size_um"


def open_recording(
    path: str | os.PathLike[str], recording: str | int | None = None
) -> RecordingArray:
    """Open one recording of an HDF5 file (this program's or the original UUTrack's) for reading.

    Parameters
    ----------
    path : path-like
        The HDF5 file.
    recording : str or int, optional
        The recording's group name (as ``uutrack info`` lists it) or its position in the file
        (0 is the first, -1 the last). Default: the last recording of the file.

    Returns
    -------
    RecordingArray
        Keeps the file open until :meth:`RecordingArray.close` (or the end of a ``with`` block).

    Raises
    ------
    StorageError
        With a one-line reason: the file is missing, not HDF5, damaged, holds no recordings, or
        has no recording of that name.
    IndexError
        If ``recording`` is a position beyond the file's recordings.
    """
    rec_file = RecordingFile(path)
    try:
        if recording is None:
            recording = -1
        elif isinstance(recording, int) and not -len(rec_file.names) <= recording < len(
            rec_file.names
        ):
            raise IndexError(
                f"{rec_file.path} has {len(rec_file.names)} recordings; no recording {recording}"
            )
        return RecordingArray(rec_file, rec_file.recording(recording))
    except BaseException:
        rec_file.close()
        raise


def list_recordings(path: str | os.PathLike[str]) -> list[str]:
    """The names of the recordings in ``path``, in file order (see :func:`open_recording`)."""
    with RecordingFile(path) as rec_file:
        return list(rec_file.names)


class RecordingArray:
    """One recording as a lazy, read-only ``(t, y, x)`` array with its bookkeeping.

    Made by :func:`open_recording`. Supports ``len()``, ``shape``, ``dtype``, ``ndim``,
    iteration over frames and numpy-style indexing whose first index selects frames (an int,
    a slice, a list or array of ints, or ``...``) and whose other two select rows and columns
    within each frame. Only the frames selected are read. ``np.asarray(rec)`` reads every frame:
    fine for a small recording, not for a 10 GB one.

    Attributes
    ----------
    name : str
        The recording's group name (its start time).
    names : list of str
        Every recording in the file.
    path : pathlib.Path
        The file.
    recording : Recording
        The underlying reader object (:mod:`uutrack_gui.storage.reader`).
    """

    def __init__(self, rec_file: RecordingFile, recording: Recording) -> None:
        self._file = rec_file
        self.recording = recording
        self.name = recording.name
        self.names = list(rec_file.names)
        self.path = Path(rec_file.path)
        # The last frame read, kept (a private copy) because viewers read the same frame twice in
        # a row: napari reads the first frame for the contrast limits and again to show it.
        self._last: tuple[int, np.ndarray] | None = None

    # --- array-like -------------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int, int]:
        """``(frames, rows, columns)``."""
        return (len(self.recording), *self.recording.frame_shape)

    @property
    def dtype(self) -> np.dtype:
        """The camera's dtype (uint16 also for the original's int16 files)."""
        return self.recording.dtype

    @property
    def ndim(self) -> int:
        """Always 3: ``(t, y, x)``."""
        return 3

    @property
    def size(self) -> int:
        """Number of pixels in all frames."""
        return int(np.prod(self.shape))

    @property
    def nbytes(self) -> int:
        """Bytes of all frames in memory (none is held: this is what ``np.asarray`` would need)."""
        return self.size * self.dtype.itemsize

    def __len__(self) -> int:
        return len(self.recording)

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(len(self)):
            yield self.recording.frame(i)

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` (negative counts from the end) as a new ``(y, x)`` array."""
        n = len(self)
        if -n <= index < 0:
            index += n
        if self._last is not None and self._last[0] == index:
            return self._last[1].copy()
        data = self.recording.frame(index)
        self._last = (index, data.copy())
        return data

    def __getitem__(self, key: Any) -> np.ndarray:
        frames_key, pixels_key = _split_key(key)
        n = len(self)
        if isinstance(frames_key, (int, np.integer)):
            return self.frame(int(frames_key))[pixels_key]
        if isinstance(frames_key, slice):
            indices = range(*frames_key.indices(n))
            if len(indices) == 1:  # napari asks for the frame on show as data[i : i + 1]
                return self.frame(indices[0])[pixels_key][np.newaxis]
        else:
            array = np.asarray(frames_key)
            if array.dtype == bool:
                if array.shape != (n,):
                    raise IndexError(f"boolean frame index of shape {array.shape}, expected {(n,)}")
                array = np.flatnonzero(array)
            elif array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
                raise IndexError("frames are indexed by an int, a slice or a 1-D list of ints")
            indices = [int(i) for i in array]
        # The shape of one indexed frame, without reading one: index an empty stand-in.
        sub_shape = np.empty(self.recording.frame_shape, dtype=bool)[pixels_key].shape
        out = np.empty((len(indices), *sub_shape), dtype=self.dtype)
        for k, index in enumerate(indices):  # a stack: read each frame once, nothing kept
            out[k] = self.recording.frame(index)[pixels_key]
        return out

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        data = self[:]
        return data if dtype is None else data.astype(dtype, copy=False)

    # --- bookkeeping ------------------------------------------------------------------------------
    @property
    def counters(self) -> np.ndarray | None:
        """The camera's frame counter of each frame (uint64); None for original UUTrack files."""
        return self.recording.counters

    @property
    def timestamps(self) -> np.ndarray | None:
        """Read-out time of each frame, Unix seconds (float64); None for original UUTrack files."""
        return self.recording.timestamps

    @property
    def frame_interval_s(self) -> float | None:
        """Median time between frames from the timestamps, seconds; None if unknown."""
        return frame_interval_s(self.timestamps)

    @property
    def dropped_frames(self) -> int | None:
        """Frames the camera gave that are not in the file; None if the file does not say."""
        return self.recording.dropped_frames

    @property
    def finished_cleanly(self) -> bool | None:
        """Whether the recording was finalized; None for original UUTrack files."""
        return self.recording.finished_cleanly

    @property
    def legacy(self) -> bool:
        """Whether the file was written by the original UUTrack."""
        return self.recording.legacy

    @property
    def metadata(self) -> dict[str, Any]:
        """The session stored with the recording (``User``, ``Camera``, ``Saving``, ...)."""
        return self.recording.metadata()

    @property
    def metadata_text(self) -> str:
        """The session as stored (YAML; JSON or loose ``key: value`` lines in older files)."""
        return self.recording.metadata_text

    @property
    def attributes(self) -> dict[str, Any]:
        """The recording group's HDF5 attributes as plain Python values."""
        return self.recording.attributes()

    @property
    def pixel_size_um(self) -> float | None:
        """Size of one pixel in the sample, micrometres; None if the file has no calibration.

        See :func:`pixel_size_um`.
        """
        return pixel_size_um(self.recording)

    # --- life cycle -------------------------------------------------------------------------------
    def refresh(self) -> int:
        """Take in the frames a recording still being written has gained; returns the count."""
        return self.recording.refresh()

    def close(self) -> None:
        """Close the file. Safe to call twice; frames cannot be read afterwards."""
        self._file.close()

    def __enter__(self) -> RecordingArray:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        t, y, x = self.shape
        return f"<RecordingArray {self.name!r} of {self.path.name}: {t} x {y} x {x} {self.dtype}>"


def pixel_size_um(recording: Recording) -> float | None:
    """The calibrated size of one pixel of ``recording`` in micrometres, or None.

    From the recording group's ``pixel_size_um`` attribute, else from ``Camera.pixel_size_um``
    in the stored session. Zero, negative or non-numeric values count as no calibration.
    """
    value = _positive(recording.attributes().get(PIXEL_SIZE_ATTR))
    if value is not None:
        return value
    metadata = recording.metadata()
    for section in ("Camera", "camera"):  # this program's and UUTrack's; PyNTA's lower case
        camera = metadata.get(section)
        if isinstance(camera, dict):
            value = _positive(camera.get(PIXEL_SIZE_ATTR))
            if value is not None:
                return value
    return None


def frame_interval_s(timestamps: np.ndarray | None) -> float | None:
    """Median time between consecutive ``timestamps``, seconds; None if it cannot be told.

    The median, not the mean: a dropped frame (a gap of two intervals) does not bias it.
    """
    if timestamps is None or len(timestamps) < 2:
        return None
    steps = np.diff(np.asarray(timestamps, dtype=np.float64))
    steps = steps[np.isfinite(steps)]
    if steps.size == 0:
        return None
    # To the microsecond: Unix-time float64 stamps carry ~0.2 µs of rounding noise today.
    median = round(float(np.median(steps)), 6)
    return median if median > 0 else None


def _split_key(key: Any) -> tuple[Any, tuple[Any, ...]]:
    """Split a numpy-style key into (frames part, (rows, columns) part)."""
    if not isinstance(key, tuple):
        key = (key,)
    if any(k is None for k in key):
        raise IndexError("np.newaxis is not supported: index the frames you read instead")
    ellipses = sum(1 for k in key if k is Ellipsis)
    if ellipses > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if ellipses:
        at = next(i for i, k in enumerate(key) if k is Ellipsis)
        fill = 3 - (len(key) - 1)
        if fill < 0:
            raise IndexError(f"too many indices for a 3-D recording: {len(key) - 1}")
        key = key[:at] + (slice(None),) * fill + key[at + 1 :]
    if len(key) > 3:
        raise IndexError(f"too many indices for a 3-D recording: {len(key)}")
    key = key + (slice(None),) * (3 - len(key))
    return key[0], key[1:]


def _positive(value: Any) -> float | None:
    """``value`` as a positive finite float, else None."""
    if isinstance(value, (bytes, str)):
        try:
            value = float(value)
        except ValueError:
            return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None
