"""Export a recording (or a frame range of it) as a multi-page OME-TIFF, for Fiji / ImageJ / OMERO.

One TIFF page per frame, ``(t, y, x)`` in the camera's dtype (uint16 stays uint16), written with
tifffile one frame at a time, the next one read meanwhile: memory holds two frames whatever the
length. The OME-XML in the
first page says the axes (``TYX``), the pixel size in micrometres (when the recording is
calibrated), the time between frames (when the recording has timestamps), the recording's name,
and the session as its description. Files larger than a classic TIFF can address (4 GiB) are
written as BigTIFF, which Fiji (Bio-Formats) and tifffile read.

Qt-free: the viewer's Export menu and ``uutrack export`` both call :func:`export_ome_tiff`. It
may run in a worker thread while the viewer keeps reading the same open file (h5py serialises
access); ``progress`` is then called in that worker thread.
"""

from __future__ import annotations

import concurrent.futures
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from uutrack_gui import __version__
from uutrack_gui.storage.api import RecordingArray, frame_interval_s, pixel_size_um
from uutrack_gui.storage.errors import StorageError
from uutrack_gui.storage.export import ExportCancelled, ProgressCallback
from uutrack_gui.storage.reader import Recording

#: A classic TIFF addresses 4 GiB; past this many bytes of frames, BigTIFF. The margin covers
#: the page headers (a few hundred bytes a frame) and the OME-XML.
BIGTIFF_THRESHOLD = 2**32 - 2**25

#: File name endings of an OME-TIFF.
OME_TIFF_SUFFIXES = (".ome.tif", ".ome.tiff")


@dataclass(frozen=True)
class OmeTiffResult:
    """What :func:`export_ome_tiff` wrote."""

    path: Path
    frames: int
    bigtiff: bool
    pixel_size_um: float | None
    frame_interval_s: float | None


def needs_bigtiff(frame_bytes: int) -> bool:
    """Whether ``frame_bytes`` of pixels need a BigTIFF (a classic TIFF stops at 4 GiB)."""
    return frame_bytes > BIGTIFF_THRESHOLD


def export_ome_tiff(
    recording: Recording | RecordingArray,
    path: str | os.PathLike[str],
    start: int = 0,
    stop: int | None = None,
    progress: ProgressCallback | None = None,
    *,
    bigtiff: bool | None = None,
) -> OmeTiffResult:
    """Write frames ``start`` to ``stop - 1`` of ``recording`` as a multi-page OME-TIFF.

    Parameters
    ----------
    recording : Recording or RecordingArray
        The source, open for reading (the viewer's :class:`~uutrack_gui.storage.reader.Recording`
        or what :func:`uutrack_gui.open_recording` returns).
    path : path-like
        The file to write, replaced if it exists; name it ``*.ome.tif`` so that Fiji and
        other readers look for the OME metadata.
    start, stop : int
        The frame range, as in Python slicing (``stop`` excluded; None: to the end).
    progress : callable, optional
        Called as ``progress(done, total)`` after each frame is written; returning False
        cancels the export, and the partial file is deleted.
    bigtiff : bool, optional
        Force BigTIFF (True) or classic TIFF (False); default: BigTIFF only above 4 GiB.

    Returns
    -------
    OmeTiffResult

    Raises
    ------
    ValueError
        If the range is empty or outside the recording, or the frames are not integers of
        at most 16 bits or float32 (what TIFF readers take).
    ExportCancelled
        If ``progress`` returned False.
    StorageError
        If the file cannot be written (the message says why); the partial file is deleted.
    """
    source = recording.recording if isinstance(recording, RecordingArray) else recording
    n = len(source)
    stop = n if stop is None else stop
    if not 0 <= start < stop <= n:
        raise ValueError(f"frame range {start}..{stop - 1} is not within 0..{n - 1}")
    dtype = np.dtype(source.dtype)
    if dtype not in (np.uint8, np.uint16, np.int8, np.int16, np.float32):
        raise ValueError(f"OME-TIFF export takes 8/16-bit integer or float32 frames, not {dtype}")
    tifffile = _import_tifffile()
    path = Path(path)
    if path.exists() and path.resolve() == Path(source.file_path).resolve():
        raise StorageError(f"cannot export into {path}: it is the file being read")
    total = stop - start
    rows, cols = source.frame_shape
    if bigtiff is None:
        bigtiff = needs_bigtiff(total * rows * cols * dtype.itemsize)
    pixel_um = pixel_size_um(source)
    interval = frame_interval_s(source.timestamps)
    metadata: dict[str, Any] = {"axes": "TYX", "Name": source.name}
    description = _session_text(source)
    if description:
        metadata["Description"] = description
    options: dict[str, Any] = {}
    if pixel_um is not None:
        metadata.update(
            PhysicalSizeX=pixel_um,
            PhysicalSizeXUnit="µm",
            PhysicalSizeY=pixel_um,
            PhysicalSizeYUnit="µm",
        )
        # The baseline resolution tags too, for readers that ignore OME (pixels per cm).
        options.update(resolution=(1e4 / pixel_um, 1e4 / pixel_um), resolutionunit="CENTIMETER")
    if interval is not None:
        metadata.update(TimeIncrement=interval, TimeIncrementUnit="s")

    def read(index: int) -> np.ndarray:
        return np.ascontiguousarray(source.frame(index))

    def frames() -> Iterator[np.ndarray]:
        # The next frame is read on a second thread while tifffile writes this one (both
        # release the GIL in their I/O): two frames in memory, whatever the length.
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="export-read") as ahead:
            pending = ahead.submit(read, start)
            for k, index in enumerate(range(start, stop)):
                frame = pending.result()
                if index + 1 < stop:
                    pending = ahead.submit(read, index + 1)
                yield frame
                if progress is not None and progress(k + 1, total) is False:
                    raise ExportCancelled(
                        f"export to {path} cancelled after {k + 1} of {total} frames"
                    )

    try:
        with tifffile.TiffWriter(path, bigtiff=bigtiff, ome=True) as tif:
            tif.write(
                frames(),
                shape=(total, rows, cols),
                dtype=dtype,
                photometric="minisblack",
                metadata=metadata,
                software=f"uutrack_gui {__version__}",
                **options,
            )
    except BaseException as exc:
        path.unlink(missing_ok=True)  # a partial TIFF would look like a short recording
        if isinstance(exc, OSError):
            raise StorageError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise
    return OmeTiffResult(
        path=path,
        frames=total,
        bigtiff=bool(bigtiff),
        pixel_size_um=pixel_um,
        frame_interval_s=interval,
    )


def _session_text(recording: Recording) -> str:
    """The session as readable YAML: OME-XML is UTF-8, so the file's ASCII escapes are undone."""
    session = recording.metadata()
    if not session or set(session) == {"raw"}:
        return recording.metadata_text.strip()
    return yaml.safe_dump(session, sort_keys=False, allow_unicode=True).strip()


def _import_tifffile() -> Any:
    try:
        import tifffile
    except ImportError as exc:  # a dependency; only a broken install lacks it
        raise StorageError(
            "OME-TIFF export needs the tifffile package: pip install tifffile"
        ) from exc
    return tifffile
