"""``uutrack``: the recording core from the command line.

Commands::

    uutrack record OUT.h5 [--frames N | --seconds S] [--width W] [--height H] [--fps F]
                          [--max-memory MB] [--exposure MS] [--seed N] [--config FILE]
    uutrack info FILE
    uutrack gui [GUI OPTIONS]

Bad input (missing or unreadable file, not HDF5, no recordings, an output folder that does not
exist or cannot be written, bad numbers) prints one line on stderr and exits with status 2.
A recording whose saver failed exits with status 1.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from uutrack_gui import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _number(kind: type, minimum: float, maximum: float, what: str):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number, got {text!r}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{what} must be finite, got {text!r}")
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(
                f"{what} must be between {minimum:g} and {maximum:g}, got {text}"
            )
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The ``uutrack`` argument parser."""
    parser = _Parser(
        prog="uutrack",
        description="Record from the simulated camera to HDF5 and inspect recordings.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    record = commands.add_parser("record", help="record frames from the simulated camera")
    record.add_argument("out", metavar="OUT.h5", type=Path, help="file to write or append to")
    length = record.add_mutually_exclusive_group()
    length.add_argument(
        "--frames", type=_number(int, 1, 10**9, "--frames"), help="frames to record"
    )
    length.add_argument(
        "--seconds", type=_number(float, 0.001, 10**7, "--seconds"), help="seconds to record"
    )
    record.add_argument("--width", type=_number(int, 16, 8192, "--width"), help="frame width")
    record.add_argument("--height", type=_number(int, 16, 8192, "--height"), help="frame height")
    record.add_argument(
        "--fps", type=_number(float, 0, 100_000, "--fps"), help="frame rate, 0 = free-running"
    )
    record.add_argument(
        "--exposure", type=_number(float, 0.001, 60_000, "--exposure"), help="exposure in ms"
    )
    record.add_argument(
        "--max-memory",
        type=_number(float, 16, 1_000_000, "--max-memory"),
        help="MB of frames buffered for the saver before frames are dropped",
    )
    record.add_argument("--seed", type=_number(int, 0, 2**32 - 1, "--seed"), help="scene seed")
    record.add_argument("--config", type=Path, help="session YAML (flags override it)")
    record.add_argument("--quiet", action="store_true", help="no progress lines")

    info = commands.add_parser("info", help="list the recordings of a file")
    info.add_argument("file", type=Path, help="HDF5 file (this program's or UUTrack's)")

    commands.add_parser(
        "gui", help="open the main window (options as for uutrack-gui)", add_help=False
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``uutrack``; returns the exit status."""
    multiprocessing.freeze_support()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["gui"]:
        from uutrack_gui.gui.app import main as gui_main

        return gui_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "record":
        return _record(args)
    if args.command == "info":
        return _info(args.file)
    parser.print_help()
    return EXIT_USAGE


def _fail(message: str, status: int = EXIT_USAGE) -> int:
    print(f"uutrack: error: {message}", file=sys.stderr)
    return status


# --- record -----------------------------------------------------------------------------------
def _record(args: argparse.Namespace) -> int:
    from uutrack_gui.acquisition import AcquisitionRunner, RecordingRefused
    from uutrack_gui.camera import SimulatedCamera
    from uutrack_gui.config import ConfigError, Session

    try:
        session = Session.load(args.config) if args.config else Session()
    except ConfigError as exc:
        return _fail(str(exc))
    cam = session.camera
    for flag, attr in (
        ("width", "width"),
        ("height", "height"),
        ("fps", "fps"),
        ("exposure", "exposure_time"),
        ("seed", "seed"),
    ):
        value = getattr(args, flag)
        if value is not None:
            setattr(cam, attr, value)
    if args.width is not None or args.height is not None:
        cam.roi = None  # a new sensor size makes an ROI from the config meaningless
    if args.max_memory is not None:
        session.saving.max_memory = args.max_memory
    frames = args.frames
    if frames is None and args.seconds is None:
        frames = 100

    camera = SimulatedCamera(
        cam.width, cam.height, cam.fps, cam.exposure_time, cam.particles, cam.seed
    )
    runner = AcquisitionRunner(camera, session.saving.max_memory)
    finished = threading.Event()
    runner.events.recording_finished.connect(lambda result: finished.set())
    t0 = time.monotonic()
    try:
        saver = runner.start_recording(args.out, session.to_yaml(), max_frames=frames)
    except RecordingRefused as exc:
        runner.close()
        return _fail(str(exc))
    show = not args.quiet and sys.stderr.isatty()
    try:
        if args.seconds is not None:
            deadline = t0 + args.seconds
            while not finished.wait(min(1.0, max(0.0, deadline - time.monotonic()))):
                if time.monotonic() >= deadline:
                    break
                _progress(runner, show)
            runner.stop_recording()
        while not finished.wait(1.0):
            _progress(runner, show)
    except KeyboardInterrupt:
        print("\nuutrack: stopping, finishing the file...", file=sys.stderr)
        runner.stop_recording()
        finished.wait()
    result = runner.close()
    if show:
        print(file=sys.stderr)
    seconds = max(result.seconds, 1e-9)
    mib = result.bytes_written / 1024**2
    print(f"file:           {args.out} [{result.group}]")
    print(f"frames written: {result.frames_written}")
    print(f"frames dropped: {result.frames_dropped}")
    print(f"MiB written:    {mib:.1f}")
    print(f"MiB/s:          {mib / seconds:.1f} (over {seconds:.2f} s, saver start to finish)")
    del saver
    if result.error:
        return _fail(result.error, EXIT_FAILED)
    return EXIT_OK


def _progress(runner, show: bool) -> None:
    if not show:
        return
    status = runner.recording_status()
    if status is None:
        return
    state = "finishing" if status.finishing else "recording"
    print(
        f"\r{state}: {status.frames_written} written, {status.frames_dropped} dropped, "
        f"{status.frames_pending} pending, {status.write_mib_s:.0f} MiB/s   ",
        end="",
        file=sys.stderr,
        flush=True,
    )


# --- info -------------------------------------------------------------------------------------
def format_duration(seconds: float | None) -> str:
    """``12.3 s``, ``4 min 05 s`` or ``-`` for unknown."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def _info(path: Path) -> int:
    from uutrack_gui.storage import RecordingFile, StorageError

    try:
        with RecordingFile(path, follow=False) as rec_file:
            summaries = rec_file.summaries()
    except StorageError as exc:
        return _fail(str(exc))
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
                format_duration(s.duration_s),
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
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
