"""Export from an open recording: a frame range to a new HDF5 recording, a frame to a TIFF.

- :func:`export_range` copies frames ``[start, stop)`` into a recording of this program's
  format with :class:`~uutrack_gui.storage.writer.Hdf5Writer`, one frame at a time (memory stays
  at one frame whatever the range), with the session metadata, the frame counters and the
  timestamps of the copied frames.
- :func:`write_tiff` writes one frame as a baseline, uncompressed, grayscale TIFF (16-bit for
  uint16 frames, 8-bit for uint8) that any image program reads, with no dependency. 16-bit PNG
  is written by the GUI with Qt (``QImage.Format_Grayscale16``).
- :func:`session_yaml` gives a recording's session as YAML text, for "load these settings".
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import yaml

from uutrack_gui import __version__
from uutrack_gui.config_yaml import ConfigError, load_yaml
from uutrack_gui.storage import format as fmt
from uutrack_gui.storage.errors import StorageError
from uutrack_gui.storage.reader import Recording, parse_metadata
from uutrack_gui.storage.writer import Hdf5Writer

#: ``progress(done, total)``; return False to cancel the export.
ProgressCallback = Callable[[int, int], bool | None]


class ExportCancelled(StorageError):
    """The export was cancelled by its progress callback; the partial recording is marked so."""


@dataclass(frozen=True)
class ExportResult:
    """Where an exported frame range went."""

    path: Path
    group: str
    frames: int
    dropped_frames: int


def export_range(
    recording: Recording,
    path: str | os.PathLike[str],
    start: int,
    stop: int,
    progress: ProgressCallback | None = None,
) -> ExportResult:
    """Copy frames ``start`` to ``stop - 1`` of ``recording`` into a new recording in ``path``.

    The new recording (appended if ``path`` exists) is in this program's format, whatever the
    source: a legacy UUTrack source gives uint16 frames without padding, counters equal to the
    frames' positions in the source and unknown (NaN) timestamps. The new group is named by the
    time of its first frame and records where it came from (``source_file``,
    ``source_recording``, ``source_frames`` attributes).

    Parameters
    ----------
    recording : Recording
        The source, open for reading.
    path : path-like
        The HDF5 file to write; must not be the source's file.
    start, stop : int
        The range, as in Python slicing (``stop`` excluded).
    progress : callable, optional
        Called as ``progress(done, total)`` after each frame; returning False cancels.

    Returns
    -------
    ExportResult

    Raises
    ------
    ValueError
        If the range is empty or outside the recording.
    ExportCancelled
        If ``progress`` returned False; the partial recording is closed as aborted.
    StorageError
        If the file cannot be written (the message says why).
    """
    n = len(recording)
    if not 0 <= start < stop <= n:
        raise ValueError(f"frame range {start}..{stop - 1} is not within 0..{n - 1}")
    path = Path(path)
    source = Path(recording.file_path)
    if path.exists() and path.resolve() == source.resolve():
        raise StorageError(f"cannot export into {path}: it is the file being read")
    total = stop - start
    # Per-frame bookkeeping of the range only: small next to the frames (16 bytes a frame).
    counters = _range_of(recording.counters, start, stop)
    stamps = _range_of(recording.timestamps, start, stop)
    if counters is None:
        counters = np.arange(start, stop, dtype=np.uint64)  # the positions in the source
    if stamps is None:
        stamps = np.full(total, np.nan)
    first_time = _start_time(recording, stamps)

    writer = Hdf5Writer()
    group = writer.setup(
        path,
        recording.frame_shape,
        recording.dtype,
        metadata=recording.metadata_text,
        camera=recording.camera,
        start=first_time,
    )
    dropped = _dropped_between(counters)
    end_reason = fmt.END_FAILED
    try:
        for k, index in enumerate(range(start, stop)):
            frame = np.ascontiguousarray(recording.frame(index))
            writer.append(frame, int(counters[k]), float(stamps[k]))
            if progress is not None and progress(k + 1, total) is False:
                end_reason = fmt.END_ABORTED
                raise ExportCancelled(f"export to {path} cancelled after {k + 1} of {total} frames")
        end_reason = fmt.END_STOPPED
    finally:
        frames = writer.frames_written
        writer.close(end_reason, dropped_frames=dropped if end_reason == fmt.END_STOPPED else 0)
        _mark_source(path, group, recording, start, start + frames)
    return ExportResult(path=path, group=group, frames=frames, dropped_frames=dropped)


def _range_of(values: np.ndarray | None, start: int, stop: int) -> np.ndarray | None:
    if values is None or len(values) < stop:
        return None  # absent, or shorter than the frames (a file cut short): not trusted
    return np.asarray(values[start:stop])


def _start_time(recording: Recording, stamps: np.ndarray) -> _dt.datetime:
    if len(stamps) and math.isfinite(float(stamps[0])):
        return _dt.datetime.fromtimestamp(float(stamps[0]))
    return recording.start_time or _dt.datetime.now()


def _dropped_between(counters: np.ndarray) -> int:
    """Frames missing between the first and last counter of the range."""
    if len(counters) < 2:
        return 0
    steps = np.diff(np.asarray(counters, dtype=np.int64))
    return int((steps[steps > 1] - 1).sum())


def _mark_source(path: Path, group: str, recording: Recording, start: int, stop: int) -> None:
    """Note in the new recording which frames of which file it holds."""
    with h5py.File(path, "a") as h5:
        attrs = h5[group].attrs
        attrs["source_file"] = str(Path(recording.file_path).resolve())
        attrs["source_recording"] = recording.name
        attrs["source_frames"] = np.array([start, stop], dtype=np.int64)  # stop excluded
        attrs["exported_by"] = f"uutrack_gui {__version__}"


# --- TIFF ---------------------------------------------------------------------------------------
_SHORT, _LONG, _RATIONAL, _ASCII = 3, 4, 5, 2


def write_tiff(path: str | os.PathLike[str], frame: np.ndarray, description: str = "") -> None:
    """Write ``frame`` as a baseline uncompressed grayscale TIFF (little-endian, one strip).

    Parameters
    ----------
    path : path-like
        The file to write (replaced if it exists).
    frame : 2-D array of uint16 or uint8
        Written bit for bit: 16 bits per pixel for uint16, 8 for uint8.
    description : str
        Stored as the ImageDescription tag (ASCII; other characters become "?").

    Raises
    ------
    ValueError
        If ``frame`` is not 2-D, not uint8/uint16, or larger than a baseline TIFF can hold.
    """
    frame = np.asarray(frame)
    if frame.ndim != 2:
        raise ValueError(f"a TIFF frame must be 2-D, got shape {frame.shape}")
    if frame.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"TIFF export takes uint8 or uint16 frames, got {frame.dtype}")
    rows, cols = frame.shape
    pixels = np.ascontiguousarray(frame, dtype=frame.dtype.newbyteorder("<")).tobytes()
    if len(pixels) > 2**32 - 4096:
        raise ValueError("frame too large for a baseline TIFF (4 GiB)")
    text = (description.encode("ascii", "replace") + b"\0") if description else b""
    software = f"uutrack_gui {__version__}".encode() + b"\0"

    # Layout: header (8) | IFD | description | software | x-res | y-res | pixels.
    entries: list[tuple[int, int, int, int | bytes]] = [
        (256, _LONG, 1, cols),  # ImageWidth
        (257, _LONG, 1, rows),  # ImageLength
        (258, _SHORT, 1, frame.dtype.itemsize * 8),  # BitsPerSample
        (259, _SHORT, 1, 1),  # Compression: none
        (262, _SHORT, 1, 1),  # PhotometricInterpretation: BlackIsZero
    ]
    if text:
        entries.append((270, _ASCII, len(text), text))  # ImageDescription
    entries += [
        (273, _LONG, 1, 0),  # StripOffsets, filled in below
        (277, _SHORT, 1, 1),  # SamplesPerPixel
        (278, _LONG, 1, rows),  # RowsPerStrip: the whole image in one strip
        (279, _LONG, 1, len(pixels)),  # StripByteCounts
        (282, _RATIONAL, 1, struct.pack("<II", 1, 1)),  # XResolution
        (283, _RATIONAL, 1, struct.pack("<II", 1, 1)),  # YResolution
        (296, _SHORT, 1, 1),  # ResolutionUnit: none
        (305, _ASCII, len(software), software),  # Software
        (339, _SHORT, 1, 1),  # SampleFormat: unsigned integer
    ]
    ifd_size = 2 + 12 * len(entries) + 4
    offset = 8 + ifd_size
    extra = bytearray()
    values: list[int | bytes] = []
    for _tag, _kind, _count, value in entries:
        if isinstance(value, bytes) and len(value) > 4:
            values.append(offset + len(extra))
            extra += value
            if len(extra) % 2:
                extra += b"\0"  # values start on a word boundary
        else:
            values.append(value)
    data_offset = offset + len(extra)
    ifd = bytearray(struct.pack("<H", len(entries)))
    for (tag, kind, count, _), value in zip(entries, values, strict=True):
        if tag == 273:
            value = data_offset
        if isinstance(value, bytes):  # fits in the entry (short ASCII)
            field_bytes = value.ljust(4, b"\0")
        elif kind == _SHORT and count == 1:
            field_bytes = struct.pack("<HH", value, 0)  # left-justified in the 4 bytes
        else:
            field_bytes = struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, kind, count) + field_bytes
    ifd += struct.pack("<I", 0)  # no next IFD
    with open(path, "wb") as handle:
        handle.write(b"II" + struct.pack("<HI", 42, 8))
        handle.write(ifd)
        handle.write(extra)
        handle.write(pixels)


# --- settings -----------------------------------------------------------------------------------
def session_yaml(recording: Recording) -> str:
    """The recording's stored session as YAML text ("" if it has none).

    Text that is already a YAML mapping is returned as stored; the original UUTrack's
    ``key: str(value)`` lines and PyNTA's JSON are parsed tolerantly and written out as YAML.
    """
    text = recording.metadata_text
    if not text.strip():
        return ""
    try:
        # Bounded: a hostile file's metadata (an alias bomb, deep nesting) must not hang export.
        if isinstance(load_yaml(text, "metadata"), dict) and not text.lstrip().startswith("{"):
            return text
    except ConfigError:
        pass
    return yaml.safe_dump(parse_metadata(text), sort_keys=False, allow_unicode=True)
