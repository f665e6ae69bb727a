"""Checks made before a recording starts, so that a bad target is refused with a reason."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import h5py

from uutrack_gui.storage.errors import StorageError

#: Refuse to start a recording when less than this is free on the target disk.
MIN_FREE_BYTES = 1 * 1024**3


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
        not writable, or the disk is nearly full.
    """
    path = Path(path)
    folder = path.parent
    if path.is_dir():
        raise StorageError(f"cannot record to {path}: it is a folder")
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
    free = free_bytes(folder)
    if free < min_free:
        raise StorageError(
            f"cannot record to {path}: only {free / 1024**2:.0f} MiB free on that disk "
            f"(at least {min_free / 1024**2:.0f} MiB needed)"
        )
    return free
