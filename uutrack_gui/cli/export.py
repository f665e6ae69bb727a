"""``uutrack export FILE --to OUT``: a recording, or a frame range, to OME-TIFF or to HDF5.

The format follows OUT's name: ``.ome.tif`` / ``.ome.tiff`` (or plain ``.tif`` / ``.tiff``)
writes a multi-page OME-TIFF for Fiji / ImageJ; ``.h5`` / ``.hdf5`` copies the frames into a
recording of this program's format (appended if OUT exists). A progress line on stderr shows
how far it got when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from uutrack_gui.cli.common import EXIT_FAILED, EXIT_OK, fail

_TIFF_SUFFIXES = (".tif", ".tiff")
_HDF5_SUFFIXES = (".h5", ".hdf5")
#: Seconds between updates of the progress line.
_PROGRESS_INTERVAL_S = 0.2


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Declare ``export`` and its arguments."""
    export = commands.add_parser(
        "export",
        help="export a recording or a frame range to OME-TIFF or HDF5",
        description="Export a recording, or a range of its frames, to a multi-page OME-TIFF "
        "(OUT.ome.tif) for Fiji/ImageJ or to a new recording in an HDF5 file (OUT.h5).",
    )
    export.add_argument("file", type=Path, help="HDF5 file (this program's or UUTrack's)")
    export.add_argument(
        "--recording",
        metavar="NAME",
        help="recording name, or its number as `uutrack info` lists it (default: the last)",
    )
    export.add_argument(
        "--frames",
        metavar="A:B",
        type=_frame_range,
        default=(None, None),
        help="frames A to B-1, counted from 0 (B excluded, as in Python; A: or :B allowed)",
    )
    export.add_argument(
        "--to",
        dest="out",
        metavar="OUT",
        type=Path,
        required=True,
        help="OUT.ome.tif for OME-TIFF, OUT.h5 for HDF5",
    )
    export.add_argument(
        "--overwrite", action="store_true", help="replace OUT if it is an existing TIFF"
    )
    export.add_argument("--quiet", action="store_true", help="no progress line")


def _frame_range(text: str) -> tuple[int | None, int | None]:
    match = re.fullmatch(r"\s*(\d*)\s*:\s*(\d*)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"--frames must be A:B with whole numbers, got {text!r}")
    start, stop = (int(g) if g else None for g in match.groups())
    if start is not None and stop is not None and stop <= start:
        raise argparse.ArgumentTypeError(f"--frames {text}: B must be greater than A")
    return start, stop


def run(args: argparse.Namespace) -> int:
    """Export as asked; 0 when written, 2 for bad input, 1 if writing failed."""
    from uutrack_gui.storage import RecordingFile, StorageError
    from uutrack_gui.storage.export import export_range
    from uutrack_gui.storage.ome_tiff import export_ome_tiff

    out: Path = args.out
    kind = _kind_of(out)
    if kind is None:
        return fail(f"cannot tell the format of {out} from its name: use OUT.ome.tif or OUT.h5")
    if not out.parent.is_dir():
        return fail(f"cannot write {out}: the folder {out.parent} does not exist")
    if out.exists() and args.file.exists() and out.resolve() == args.file.resolve():
        return fail(f"cannot export into {out}: it is the file being read")
    if kind == "tiff" and out.exists() and not args.overwrite:
        return fail(f"{out} exists; choose another name or pass --overwrite")
    try:
        rec_file = RecordingFile(args.file, follow=False)
    except StorageError as exc:
        return fail(str(exc))
    with rec_file:
        name = _recording_name(rec_file.names, args.recording)
        if name is None:
            return fail(
                f"{args.file} has no recording {args.recording!r} "
                f"(it has {len(rec_file.names)}: see `uutrack info {args.file}`)"
            )
        try:
            recording = rec_file.recording(name)
        except StorageError as exc:
            return fail(str(exc))
        n = len(recording)
        start, stop = args.frames
        start = 0 if start is None else start
        stop = n if stop is None else stop
        if n == 0:
            return fail(f"recording {name!r} has no frames to export")
        if not 0 <= start < stop <= n:
            return fail(f"--frames {start}:{stop} is outside the recording's frames 0:{n}")
        line = _ProgressLine(enabled=not args.quiet and sys.stderr.isatty())
        try:
            if kind == "tiff":
                result = export_ome_tiff(recording, out, start, stop, progress=line.update)
                where = f"{out}"
            else:
                result = export_range(recording, out, start, stop, progress=line.update)
                where = f"{out} [{result.group}]"
        except KeyboardInterrupt:
            line.end()
            return fail(f"export interrupted; {out} is incomplete or removed", EXIT_FAILED)
        except (StorageError, OSError) as exc:  # the disk filled up, ...
            line.end()
            return fail(str(exc), EXIT_FAILED)
        line.end()
    print(f"exported frames {start}:{stop} ({result.frames} frames) of {name} to {where}")
    return EXIT_OK


def _kind_of(out: Path) -> str | None:
    suffix = out.suffix.lower()
    if suffix in _TIFF_SUFFIXES:
        return "tiff"
    if suffix in _HDF5_SUFFIXES:
        return "hdf5"
    return None


def _recording_name(names: list[str], wanted: str | None) -> str | None:
    """The recording ``wanted`` names: exact name, or 1-based number as ``uutrack info`` shows."""
    if wanted is None:
        return names[-1]
    if wanted in names:
        return wanted
    if wanted.isdigit() and 1 <= int(wanted) <= len(names):
        return names[int(wanted) - 1]
    return None


class _ProgressLine:
    """``exporting: 120/500 frames (24 %)`` redrawn in place on stderr, a few times a second."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._last = 0.0
        self._shown = False

    def update(self, done: int, total: int) -> bool:
        now = time.monotonic()
        if self._enabled and (done == total or now - self._last >= _PROGRESS_INTERVAL_S):
            self._last = now
            self._shown = True
            sys.stderr.write(f"\rexporting: {done}/{total} frames ({100 * done // total} %)")
            sys.stderr.flush()
        return True

    def end(self) -> None:
        if self._shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
