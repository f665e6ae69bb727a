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

import numpy as np

from uutrack_gui.storage.api import RecordingArray, frame_interval_s, pixel_size_um
from uutrack_gui.storage.errors import StorageError
from uutrack_gui.storage.reader import RecordingFile

#: ``(data, layer keyword arguments, layer type)``, as napari's readers return.
LayerData = tuple[Any, dict[str, Any], str]
PathLike = str | os.PathLike[str]


def get_reader(path: PathLike | Sequence[PathLike]) -> Callable[..., list[LayerData]] | None:
    """napari's reader hook: a reader for ``path`` if it holds recordings, else None.

    None lets napari try its other readers (an HDF5 file that is not a recording, a folder).
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
    """Whether ``path`` is a readable HDF5 file with at least one recording."""
    if Path(path).suffix.lower() not in (".h5", ".hdf5", ".hdf", ".he5"):
        return False
    try:
        with RecordingFile(path):
            return True
    except StorageError:
        return False
