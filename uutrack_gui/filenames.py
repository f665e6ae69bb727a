"""Names of recording files: ``<data dir>/<YYYY-MM-DD>/<name>_<NNN>.h5``, the rules only.

One file per recording is the safe default: a crash damages one recording's file, not a whole
day's. ``NNN`` counts up from 001 per name and folder and is never reused: the next number is one
above the highest one present, so deleting ``run_002.h5`` does not make the next recording take
its name while ``run_003.h5`` exists.

This module only *looks* (cleaning a typed name, listing a folder): it is what the session shows
beside the Record button and in the settings preview, so it sits below
:mod:`uutrack_gui.config`. *Taking* a name at Record time creates a file, which is storage's
work: see :func:`uutrack_gui.storage.naming.reserve_recording_path`.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

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
    :func:`uutrack_gui.storage.naming.reserve_recording_path` when recording.
    """
    clean = sanitize_name(name)
    return Path(folder) / recording_file_name(clean, next_number(folder, clean))
