"""Names of recording files: ``<data dir>/<YYYY-MM-DD>/<name>_<NNN>.h5``, never overwriting.

One file per recording is the safe default: a crash damages one recording's file, not a whole
day's. ``NNN`` counts up from 001 per name and folder and is never reused: the next number is one
above the highest one present, so deleting ``run_002.h5`` does not make the next recording take
its name while ``run_003.h5`` exists.

Two functions, for two moments:

- :func:`next_recording_path` only *looks*: what the next recording would be called (shown
  beside the Record button, in the settings preview). It creates nothing.
- :func:`reserve_recording_path` *takes* the name at Record time: it creates the file
  exclusively (``O_EXCL``), so that two programs recording into the same folder, or a file
  copied in between two calls, can never end up sharing or overwriting one file. The file it
  creates is a valid, empty HDF5 file that the writer then opens for appending.

Appending every recording of a day to one file, as separate groups (UUTrack's behaviour), stays
available through the session's ``Saving.append``; :meth:`uutrack_gui.config.Session.video_path`
chooses between the two.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import h5py

#: Digits of the counter; more recordings than this in one folder keep counting (1000, ...).
COUNTER_DIGITS = 3
#: The file extension of recordings.
SUFFIX = ".h5"
#: The name used when a requested name has nothing usable left after cleaning.
FALLBACK_NAME = "recording"
#: Longest name kept (file systems allow 255 bytes for the whole file name).
MAX_NAME_LENGTH = 120

# Anything but letters, digits, "-", "_", "." and "+" becomes "_": no path separators, no
# characters Windows refuses (<>:"/\|?*), no control characters, no spaces that scripts split on.
_UNSAFE = re.compile(r"[^\w.+-]+")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{i}" for p in ("com", "lpt") for i in "123456789"
}


def sanitize_name(name: str) -> str:
    """A recording name that is safe as part of a file name on every system.

    Path separators, characters that Windows forbids, control characters and whitespace become
    ``_``; leading dots and separators go (no hidden files, no ``..``); a trailing ``.h5`` is
    dropped (it is added again); an empty result becomes :data:`FALLBACK_NAME`.

    Examples
    --------
    >>> sanitize_name("../beads 60x/run")
    'beads_60x_run'
    >>> sanitize_name("  ")
    'recording'
    """
    text = unicodedata.normalize("NFC", str(name)).strip()
    for suffix in (".h5", ".hdf5", ".H5", ".HDF5"):
        text = text.removesuffix(suffix)
    text = _UNSAFE.sub("_", text)
    text = text.strip("._-+")[:MAX_NAME_LENGTH].rstrip("._-+")
    if not text:
        return FALLBACK_NAME
    if text.lower() in _WINDOWS_RESERVED:
        text = f"{text}_"
    return text


def _numbered(name: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(name)}_(\d{{{COUNTER_DIGITS},}}){re.escape(SUFFIX)}")


def recording_file_name(name: str, number: int) -> str:
    """``<name>_<NNN>.h5`` for an already sanitized ``name``."""
    return f"{name}_{number:0{COUNTER_DIGITS}d}{SUFFIX}"


def next_number(folder: str | os.PathLike[str], name: str) -> int:
    """One above the highest ``NNN`` of ``<name>_<NNN>.h5`` in ``folder`` (1 if none)."""
    pattern = _numbered(sanitize_name(name))
    highest = 0
    try:
        entries = os.listdir(folder)
    except FileNotFoundError:
        return 1
    for entry in entries:
        match = pattern.fullmatch(entry)
        if match:
            highest = max(highest, int(match.group(1)))
    return highest + 1


def next_recording_path(folder: str | os.PathLike[str], name: str) -> Path:
    """The file the next recording named ``name`` would get in ``folder``; creates nothing.

    For display only: another program may take this name before the recording starts; use
    :func:`reserve_recording_path` when recording.
    """
    clean = sanitize_name(name)
    return Path(folder) / recording_file_name(clean, next_number(folder, clean))


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
        with h5py.File(path, "w", libver=("v110", "v110")):
            pass
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def release_unused(path: str | os.PathLike[str]) -> bool:
    """Remove a reserved file that holds no recording; True if it was removed.

    For a recording that was refused after :func:`reserve_recording_path`: leaves no empty file
    behind. A file with any content (a recording started after all) is never touched.
    """
    path = Path(path)
    try:
        with h5py.File(path, "r") as h5:
            if len(h5) or len(h5.attrs):
                return False
    except (OSError, ValueError):
        return False  # not ours to delete: gone already, or not an HDF5 file
    path.unlink(missing_ok=True)
    return True
