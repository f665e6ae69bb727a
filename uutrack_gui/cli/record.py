"""``uutrack record OUT.h5``: record from the camera the session describes, headless."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

from uutrack_gui.cli.common import EXIT_FAILED, EXIT_OK, fail, number


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Declare ``record`` and its arguments."""
    record = commands.add_parser("record", help="record frames from the camera")
    record.add_argument("out", metavar="OUT.h5", type=Path, help="file to write or append to")
    length = record.add_mutually_exclusive_group()
    length.add_argument("--frames", type=number(int, 1, 10**9, "--frames"), help="frames to record")
    length.add_argument(
        "--seconds", type=number(float, 0.001, 10**7, "--seconds"), help="seconds to record"
    )
    sampling = record.add_mutually_exclusive_group()
    sampling.add_argument(
        "--interval",
        type=number(float, 0.001, 10**7, "--interval"),
        metavar="SECONDS",
        help="time-lapse: take one frame every SECONDS (by camera timestamp); "
        "--frames/--seconds then count taken frames / camera time",
    )
    sampling.add_argument(
        "--every",
        type=number(int, 1, 10**9, "--every"),
        metavar="N",
        help="time-lapse: take every N-th camera frame",
    )
    record.add_argument("--width", type=number(int, 16, 8192, "--width"), help="frame width")
    record.add_argument("--height", type=number(int, 16, 8192, "--height"), help="frame height")
    record.add_argument(
        "--fps", type=number(float, 0, 100_000, "--fps"), help="frame rate, 0 = free-running"
    )
    record.add_argument(
        "--exposure", type=number(float, 0.001, 60_000, "--exposure"), help="exposure in ms"
    )
    record.add_argument(
        "--max-memory",
        type=number(float, 16, 1_000_000, "--max-memory"),
        help="MB of frames buffered for the saver before frames are dropped",
    )
    record.add_argument("--seed", type=number(int, 0, 2**32 - 1, "--seed"), help="scene seed")
    record.add_argument("--config", type=Path, help="session YAML (flags override it)")
    record.add_argument("--quiet", action="store_true", help="no progress lines")


def session_from_args(args: argparse.Namespace):
    """The session of ``--config`` (or the defaults) with the command line's flags applied.

    Raises
    ------
    ConfigError
        The config file is missing or invalid.
    """
    from uutrack_gui.config import Session

    session = Session.load(args.config) if args.config else Session()
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
    return session


def schedule_from_args(args: argparse.Namespace):
    """The :class:`~uutrack_gui.acquisition.FrameSchedule` of ``--interval``/``--every``/
    ``--seconds``, or None when every frame is taken for a frame count or until Ctrl+C.

    ``--seconds`` becomes the schedule's duration (camera time from the first frame), so the
    runner stops the recording by itself; ``--frames`` stays the runner's ``max_frames`` and,
    in a time-lapse, counts the frames taken.
    """
    from uutrack_gui.acquisition import FrameSchedule

    interval, every, seconds = args.interval, args.every, args.seconds
    if interval is None and every is None and seconds is None:
        return None
    return FrameSchedule(interval_s=interval, every=every or 1, duration_s=seconds)


def run(args: argparse.Namespace) -> int:
    """Record, print a summary; exit 0, 1 if the saver failed, 2 for bad input."""
    from uutrack_gui.acquisition import AcquisitionRunner, RecordingRefused
    from uutrack_gui.camera import CameraError, make_camera
    from uutrack_gui.config import ConfigError

    try:
        session = session_from_args(args)
        camera = make_camera(session.camera)
    except (ConfigError, CameraError) as exc:
        return fail(str(exc))
    frames = args.frames
    if frames is None and args.seconds is None:
        frames = 100

    runner = AcquisitionRunner(camera, session.saving.max_memory)
    finished = threading.Event()
    runner.events.recording_finished.connect(lambda result: finished.set())
    t0 = time.monotonic()
    try:
        runner.start_recording(args.out, session.to_yaml(), max_frames=frames)
    except RecordingRefused as exc:
        runner.close()
        return fail(str(exc))
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
    if result.error:
        return fail(result.error, EXIT_FAILED)
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
