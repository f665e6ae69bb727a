"""Taking a recording file's name: create ``<name>_<NNN>.h5`` exclusively, never overwriting.

The naming rules (cleaning a typed name, the next free number) are in
:mod:`uutrack_gui.filenames`, which only *looks*. Here are the two steps that touch the disk:

- :func:`reserve_recording_path` *takes* the name at Record time: it creates the file
  exclusively (``O_EXCL``), so that two programs recording into the same folder, or a file
  copied in between two calls, can never end up sharing or overwriting one file. The file it
  creates is a valid, empty HDF5 file that the writer then opens for appending.
- :func:`release_unused` removes such a file again when the recording was refused.

Appending every recording of a day to one file, as separate groups (UUTrack's behaviour), stays
available through the session's ``Saving.append``; :func:`reserve_video_path` chooses between
the two.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import h5py

# Re-exported: the rules are part of this module's vocabulary (and ``next_number`` is looked up
# here at call time, so a test can replace it).
from uutrack_gui.filenames import (
    COUNTER_DIGITS,
    FALLBACK_NAME,
    MAX_NAME_LENGTH,
    SUFFIX,
    next_number,
    next_recording_path,
    recording_file_name,
    sanitize_name,
)
from uutrack_gui.storage import format as fmt

if TYPE_CHECKING:
    from uutrack_gui.config import Session

__all__ = [
    "COUNTER_DIGITS",
    "FALLBACK_NAME",
    "MAX_NAME_LENGTH",
    "SUFFIX",
    "next_number",
    "next_recording_path",
    "recording_file_name",
    "release_unused",
    "reserve_recording_path",
    "reserve_video_path",
    "sanitize_name",
]


def reserve_video_path(session: Session, name: str | None = None) -> Path:
    """The file for a recording starting now, created exclusively unless appending.

    Without ``Saving.append`` the new ``<name>_<NNN>.h5`` is created at once (see
    :func:`reserve_recording_path`), so no other recording can take or overwrite it; with
    ``append`` the day's shared file is returned as is.

    Parameters
    ----------
    session : Session
        Gives the folder (``Saving.directory``, date subfolder) and the default name.
    name : str, optional
        The recording name; ``Saving.filename_video`` if omitted.

    Raises
    ------
    OSError
        The date folder cannot be created or written.
    """
    if session.saving.append:
        return session.video_path(name=name)
    stem = session.saving.filename_video if name is None else name
    return reserve_recording_path(session.folder_for(), stem)


def reserve_recording_path(
    folder: str | os.PathLike[str], name: str, create_folder: bool = True
) -> Path:
    """Create the next ``<name>_<NNN>.h5`` in ``folder`` exclusively and return its path.

    The file is created with ``O_EXCL`` (HDF5's ``ACC_EXCL``): if another program created that
    name since the folder was listed, the next number is tried, so no file is ever overwritten
    or shared. The new file is an empty HDF5 file (no recording yet) that
    :class:`~uutrack_gui.storage.writer.Hdf5Writer` opens for appending. If the recording then
    cannot start, :func:`release_unused` removes it.

    Parameters
    ----------
    folder : path-like
        Where the file goes (e.g. ``<data dir>/<YYYY-MM-DD>``).
    name : str
        The recording name the operator typed; it is cleaned with :func:`sanitize_name`.
    create_folder : bool
        Create ``folder`` (and its parents) if it does not exist.

    Raises
    ------
    OSError
        The folder does not exist (and may not be created) or is not writable.
    """
    folder = Path(folder)
    if create_folder:
        folder.mkdir(parents=True, exist_ok=True)
    clean = sanitize_name(name)
    number = next_number(folder, clean)
    while True:
        path = folder / recording_file_name(clean, number)
        try:
            _create_empty_hdf5(path)
        except FileExistsError:
            number += 1  # taken between listing the folder and now: try the next one
            continue
        return path


def _create_empty_hdf5(path: Path) -> None:
    """Create ``path`` as an empty HDF5 file, failing with FileExistsError if it exists.

    ``O_EXCL`` is checked by the operating system, so the check and the creation are one step.
    The HDF5 superblock is written with a v110 lower bound: readable by HDF5 1.10 and later,
    and able to switch to SWMR when the writer appends the recording.
    """
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        # The name is ours now (an empty file); make it an HDF5 file in place.
        with h5py.File(path, "w", libver=("v110", "v110")) as h5:
            h5.attrs[fmt.RESERVED] = fmt.FORMAT_NAME  # ours: the recorder may write into it
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def is_reservation(h5: h5py.File) -> bool:
    """Whether an open file is an empty reservation made by :func:`reserve_recording_path`."""
    marker = h5.attrs.get(fmt.RESERVED)
    if isinstance(marker, bytes):
        marker = marker.decode("utf-8", "replace")
    return len(h5) == 0 and marker == fmt.FORMAT_NAME and set(h5.attrs) == {fmt.RESERVED}


def release_unused(path: str | os.PathLike[str]) -> bool:
    """Remove a reserved file that holds no recording; True if it was removed.

    For a recording that was refused after :func:`reserve_recording_path`: leaves no empty file
    behind. A file with any content (a recording started after all) is never touched.
    """
    path = Path(path)
    try:
        with h5py.File(path, "r") as h5:
            if not is_reservation(h5):
                return False
    except (OSError, ValueError):
        return False  # not ours to delete: gone already, or not an HDF5 file
    path.unlink(missing_ok=True)
    return True
