"""``uutrack info FILE``: the recordings of a file, one line each."""

from __future__ import annotations

import argparse
from pathlib import Path

from uutrack_gui.cli.common import EXIT_OK, fail
from uutrack_gui.units import format_duration


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Declare ``info`` and its arguments."""
    info = commands.add_parser("info", help="list the recordings of a file")
    info.add_argument("file", type=Path, help="HDF5 file (this program's or UUTrack's)")


def run(args: argparse.Namespace) -> int:
    """Print a table of the recordings in ``args.file``; exit 2 for a file that is not one."""
    from uutrack_gui.storage import RecordingFile, StorageError

    path: Path = args.file
    try:
        with RecordingFile(path, follow=False) as rec_file:
            summaries = rec_file.summaries()
    except StorageError as exc:
        return fail(str(exc))
    print(f"{path}: {len(summaries)} recording{'s' if len(summaries) != 1 else ''}")
    header = ("#", "recording", "frames", "frame", "dtype", "duration", "dropped", "status")
    rows = [header]
    for i, s in enumerate(summaries, 1):
        shape = " x ".join(str(n) for n in s.frame_shape[::-1])  # width x height
        rows.append(
            (
                str(i),
                s.name + (" (UUTrack)" if s.legacy else ""),
                str(s.frames),
                shape,
                s.dtype,
                "-" if s.duration_s is None else format_duration(s.duration_s),
                "-" if s.dropped_frames is None else str(s.dropped_frames),
                s.status,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    right = {0, 2, 5, 6}
    for row in rows:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
    damaged = [f"{s.name} ({s.damaged})" for s in summaries if s.damaged]
    if damaged:  # listed above with the others; the status says the file is not sound
        count = f"{len(damaged)} of {len(summaries)} recordings damaged"
        return fail(f"{path}: {count}: " + "; ".join(damaged))
    return EXIT_OK
