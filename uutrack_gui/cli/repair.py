"""``uutrack repair FILE``: make a file whose writer died open everywhere again, and say how."""

from __future__ import annotations

import argparse
from pathlib import Path

from uutrack_gui.cli.common import EXIT_OK, fail


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Declare ``repair`` and its arguments."""
    repair = commands.add_parser(
        "repair",
        help="clear the 'open for write' mark a crashed recorder left on a file",
        description=(
            "A recorder that died leaves its file marked 'open for write': HDF5 programs "
            "(h5py, h5dump, MATLAB, HDFView) refuse it. This clears the mark, like h5clear -s, "
            "once no program is writing the file, then lists its recordings. Frames are not "
            "changed: an unfinished recording keeps the frames flushed before the crash."
        ),
    )
    repair.add_argument("file", type=Path, help="HDF5 file written by this program")


def run(args: argparse.Namespace) -> int:
    """Clear the flags if they are set; exit 2 if the file is not one we can repair."""
    from uutrack_gui.storage import RecordingFile, StorageError
    from uutrack_gui.storage.repair import (
        can_tell_writers,
        clear_write_flags,
        read_superblock,
        writer_holds,
    )

    path: Path = args.file
    if not path.is_file():
        return fail(f"{path}: no such file" if not path.exists() else f"{path} is not a file")
    try:
        block = read_superblock(path)
        if block is None:
            return fail(f"{path} is not an HDF5 file")
        # Where writers cannot be seen (no flock, no /proc: Windows), the operator decides.
        if block.open_for_write and writer_holds(path) and can_tell_writers():
            return fail(f"{path} is being written by a running program; stop it first")
        cleared = clear_write_flags(path)
        with RecordingFile(path, follow=False) as rec_file:
            summaries = rec_file.summaries()
    except OSError as exc:
        return fail(f"{path}: cannot be read ({exc.strerror or exc})")
    except StorageError as exc:
        return fail(str(exc))
    if cleared:
        print(f"{path}: cleared the 'open for write' mark left by a recorder that died")
    else:
        print(f"{path}: nothing to repair (no program left it open for write)")
    for s in summaries:
        print(f"  {s.name}: {s.frames} frames, {s.status}")
    damaged = [s.name for s in summaries if s.damaged]
    if damaged:
        return fail(f"{path}: {len(damaged)} recordings are damaged and cannot be repaired")
    return EXIT_OK
