"""The napari reader: each recording of a file becomes one lazy ``(t, y, x)`` image layer.

napari calls :func:`get_reader` with a path; if the file is an HDF5 file with recordings (this
program's or the original UUTrack's) it gets back a function that returns layer data. The
layer's data is a :class:`~uutrack_gui.storage.api.RecordingArray`: napari reads one frame from
disk per slider step, so a 10 GB recording opens at once. The contrast limits come from the
first frame, so napari does not read frames across the recording to guess them.

Qt-free and napari-free: only napari's data conventions (``LayerData`` tuples) are used.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from uutrack_gui.storage import format as fmt
from uutrack_gui.storage.api import RecordingArray, frame_interval_s, pixel_size_um
from uutrack_gui.storage.reader import RecordingFile
from uutrack_gui.storage.validate import DAMAGE

#: ``(data, layer keyword arguments, layer type)``, as napari's readers return.
LayerData = tuple[Any, dict[str, Any], str]
PathLike = str | os.PathLike[str]

#: The file suffixes the reader is offered: those of the manifest's ``filename_patterns``, the
#: ones this program's viewer opens. Not ``.he5`` (HDF-EOS5): no reader but this one would claim
#: it, so napari would hand every such file to it unasked, only to be refused.
SUFFIXES = (".h5", ".hdf5", ".hdf")


def get_reader(path: PathLike | Sequence[PathLike]) -> Callable[..., list[LayerData]] | None:
    """napari's reader hook: a reader for ``path`` if it holds recordings, else None.

    None is the hook's "not mine": npe2 then tries the other readers, or, when the user made
    this reader napari's choice for ``*.h5``, napari says it "refused the file" and (in its
    window) offers the other readers. Deciding opens the file read-only and looks at its
    top-level objects, nothing more: milliseconds, whatever the size of the file's data.
    """
    paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    if not paths or not all(_holds_recordings(p) for p in paths):
        return None
    return read_recordings


def read_recordings(path: PathLike | Sequence[PathLike]) -> list[LayerData]:
    """One image layer per recording of each file in ``path``, in file order.

    Raises
    ------
    StorageError
        If a file cannot be opened (napari shows the message).
    """
    paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    layers: list[LayerData] = []
    for one in paths:
        rec_file = RecordingFile(one)
        try:
            for name in rec_file.names:
                layers.append(recording_layer(RecordingArray(rec_file, rec_file.recording(name))))
        except BaseException:
            rec_file.close()
            raise
        # The file stays open as long as the layers hold their data; h5py closes it with them.
    return layers


def recording_layer(data: RecordingArray) -> LayerData:
    """The napari image layer of one recording: lazy data, scale, contrast and metadata."""
    recording = data.recording
    pixel_um = pixel_size_um(recording)
    interval = frame_interval_s(recording.timestamps)
    several = len(data.names) > 1
    name = f"{data.path.stem} [{data.name}]" if several else data.path.stem
    kwargs: dict[str, Any] = {
        "name": name,
        # Time stays in frames (one slider step per frame); y and x in micrometres if calibrated.
        "scale": (1.0, pixel_um or 1.0, pixel_um or 1.0),
        "contrast_limits": _first_frame_limits(data),
        "metadata": {
            "path": str(data.path),
            "recording": data.name,
            "frames": len(data),
            "legacy_uutrack": data.legacy,
            "pixel_size_um": pixel_um,
            "frame_interval_s": interval,
            "finished_cleanly": data.finished_cleanly,
            "dropped_frames": data.dropped_frames,
            "attributes": data.attributes,
            "session": recording.metadata(),
            "timestamps": data.timestamps,
            "frame_counter": data.counters,
        },
    }
    return data, kwargs, "image"


def _first_frame_limits(data: RecordingArray) -> list[float]:
    """Contrast limits from the first frame (the dtype's range for an empty or flat one)."""
    if len(data):
        frame = data[0]
        low, high = float(frame.min()), float(frame.max())
        if high > low:
            return [low, high]
    if np.issubdtype(data.dtype, np.integer):
        info = np.iinfo(data.dtype)
        return [float(info.min), float(info.max)]
    return [0.0, 1.0]


def _holds_recordings(path: PathLike) -> bool:
    """Whether ``path`` is an HDF5 file with a recording: a top-level group with a timelapse.

    The test :class:`RecordingFile` makes (an object that cannot be read counts: it may be a
    damaged recording, which the reader then names), but only looking: RecordingFile also
    clears the "open for write" mark a dead writer left, right for a recording, not for any
    HDF5 file napari shows this reader. Without file locks, so a recording still being written
    can be opened (as RecordingFile does).
    """
    if Path(path).suffix.lower() not in SUFFIXES or not os.path.isfile(path):
        return False
    try:
        if not h5py.is_hdf5(path):
            return False
    except OSError:  # not readable
        return False
    for options in _LOOKS:
        try:
            with h5py.File(path, "r", **options) as h5:
                return any(_may_be_recording(h5, name) for name in h5)
        except DAMAGE:
            continue  # marked as being written, locked, or damaged: the next way, else no
    return False


#: How :func:`_holds_recordings` opens a file, in turn: plainly; in SWMR read mode (being
#: written, or its writer died); and both again with file locks, for an HDF5 library without
#: the option or a file this process holds open with them.
_LOOKS: tuple[dict[str, Any], ...] = (
    {"locking": False},
    {"locking": False, "swmr": True, "libver": "latest"},
    {},
    {"swmr": True, "libver": "latest"},
)


def _may_be_recording(h5: h5py.File, name: str) -> bool:
    try:
        item = h5[name]
        return isinstance(item, h5py.Group) and isinstance(item.get(fmt.TIMELAPSE), h5py.Dataset)
    except DAMAGE:
        return True
