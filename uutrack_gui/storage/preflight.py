"""Checks made before a recording starts, so that a bad target is refused with a reason.

Two questions: can this path take a recording (:func:`check_target`: a regular HDF5 file of
recordings, or a new file in a writable folder), and is there room for it (:func:`check_space`
with :func:`space_needed`: what the recording will write when its length is known, the frame
buffer when it is open-ended, since that much can be waiting when the disk fills).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import h5py
import numpy as np

from uutrack_gui.storage import repair
from uutrack_gui.storage.errors import StorageError

#: Refuse to start any recording when less than this is free on the target disk (room for the
#: file's own structures); what the frames need comes on top (:func:`check_space`).
MIN_FREE_BYTES = 16 * 1024**2
#: File space per frame beside its pixels: counter, timestamp, chunk index entry.
_PER_FRAME_OVERHEAD = 64
_MIB = 1024**2


def space_needed(
    frame_shape: tuple[int, int],
    dtype: np.dtype | str,
    frames: int | None,
    buffer_bytes: int,
) -> int:
    """Disk space a recording needs before it starts.

    Parameters
    ----------
    frame_shape, dtype
        The camera's frames.
    frames : int or None
        The recording's length if it is known (``--frames``), None if it is open-ended.
    buffer_bytes : int
        The frame buffer: an open-ended recording needs at least this much, which is what can
        be waiting to be written when the disk fills up.

    Returns
    -------
    int
        Bytes, including :data:`MIN_FREE_BYTES` for the file's structures.
    """
    frame_nbytes = int(np.prod(frame_shape)) * np.dtype(dtype).itemsize
    if frames is None:
        return MIN_FREE_BYTES + int(buffer_bytes)
    return MIN_FREE_BYTES + int(frames) * (frame_nbytes + _PER_FRAME_OVERHEAD)


def check_space(path: str | os.PathLike[str], free: int, needed: int, what: str = "") -> None:
    """Refuse a recording that cannot fit: ``free`` bytes on the disk, ``needed`` by it.

    Raises
    ------
    StorageError
        Naming both figures.
    """
    if free < needed:
        raise StorageError(
            f"cannot record to {path}: only {free / _MIB:.0f} MiB free on that disk, "
            f"{needed / _MIB:.0f} MiB needed{what}"
        )


def free_bytes(folder: str | os.PathLike[str]) -> int:
    """Free bytes on the disk holding ``folder`` (or its nearest existing parent)."""
    path = Path(folder)
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


def check_target(
    path: str | os.PathLike[str], create_folder: bool = False, min_free: int = MIN_FREE_BYTES
) -> int:
    """Make sure a recording can be written to ``path``; return the free bytes there.

    Parameters
    ----------
    path : path-like
        The HDF5 file that will be written or appended to.
    create_folder : bool
        Create the file's folder (e.g. today's date folder) if it does not exist.
    min_free : int
        Fewer free bytes than this on the disk refuses the recording.

    Raises
    ------
    StorageError
        The folder does not exist (and may not be created) or cannot be written, the file is
        not writable, not a regular file, not a file of recordings, or the disk is nearly full.
    """
    try:
        return _check_target(Path(path), create_folder, min_free)
    except OSError as exc:  # a name too long, a loop of links, ...: say it, no traceback
        raise StorageError(f"cannot record to {path}: {exc.strerror or exc}") from None


def _check_target(path: Path, create_folder: bool, min_free: int) -> int:
    folder = path.parent
    if path.is_symlink() and not path.exists():
        raise StorageError(
            f"cannot record to {path}: it is a link to {os.readlink(path)}, which does not exist"
        )
    if path.is_dir():
        raise StorageError(f"cannot record to {path}: it is a folder")
    if path.exists() and not path.is_file():
        raise StorageError(f"cannot record to {path}: it is not a regular file (a device?)")
    if not folder.exists():
        if not create_folder:
            raise StorageError(f"cannot record to {path}: the folder {folder} does not exist")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the folder {folder}: {exc.strerror}") from None
    if not folder.is_dir():
        raise StorageError(f"cannot record to {path}: {folder} is not a folder")
    try:
        # os.access lies on some network shares and for root; creating a file does not.
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise StorageError(
            f"cannot record to {path}: the folder {folder} is not writable ({exc.strerror})"
        ) from None
    if path.exists():
        if not os.access(path, os.W_OK):
            raise StorageError(f"cannot record to {path}: the file is read-only")
        if path.stat().st_size and not h5py.is_hdf5(path):
            raise StorageError(f"cannot record to {path}: it exists and is not an HDF5 file")
        if path.stat().st_size:
            _check_existing_hdf5(path)
    free = free_bytes(folder)
    if free < min_free:
        raise StorageError(
            f"cannot record to {path}: only {free / 1024**2:.0f} MiB free on that disk "
            f"(at least {min_free / 1024**2:.0f} MiB needed)"
        )
    return free


def _check_existing_hdf5(path: Path) -> None:
    """An HDF5 file is appended to only if it holds recordings and reads as a whole.

    Appending to a truncated or damaged file would fail later with a misleading reason, and
    writing into someone else's HDF5 file (no recordings) would change data that is not ours.
    A file whose writer died is made readable again first (its recordings are all kept).
    """
    from uutrack_gui.storage.naming import is_reservation
    from uutrack_gui.storage.reader import RecordingFile  # the reader imports this module's peers

    repair.clear_if_abandoned(path)
    with contextlib.suppress(OSError), h5py.File(path, "r") as h5:
        if is_reservation(h5):
            return  # reserved for this recording by the program itself: empty, and ours
    block = repair.read_superblock(path)
    if block is not None and block.open_for_write:  # a writer that is alive, or may be
        raise StorageError(
            f"cannot record to {path}: another recording is writing it now (wait for it to "
            "finish, or record to another file)"
        )
    try:
        with RecordingFile(path, follow=False):
            pass
    except StorageError as exc:
        raise StorageError(f"cannot record to {path}: {_without_path(str(exc), path)}") from None


def _without_path(message: str, path: Path) -> str:
    """The reader's message with its leading file name as "the file" (ours already names it)."""
    text = str(path)
    if not message.startswith(text):
        return message
    rest = message[len(text) :]
    return "the file" + rest if rest.startswith(" ") else "the file" + rest.removeprefix(":")
