"""``uutrack record OUT.h5``: record from the camera the session describes, headless."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

from uutrack_gui.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    fail,
    frame_rate,
    number,
)
from uutrack_gui.interrupts import Interrupts
from uutrack_gui.units import MIB, format_throughput

#: Seconds past ``--seconds`` after which a recording whose camera went quiet is stopped.
_STALL_GRACE_S = 5.0


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
    record.add_argument("--fps", type=frame_rate, help="frame rate, 0 = free-running")
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
    record.add_argument(
        "--camera",
        metavar="BACKEND",
        help="camera backend: simulated (default), micromanager, or a plug-in's (uutrack cameras)",
    )
    record.add_argument(
        "--mm-config", type=Path, metavar="CFG", help="Micro-Manager hardware config file (.cfg)"
    )
    record.add_argument("--device", help="Micro-Manager camera device (default: the config's)")
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
    if args.camera is not None:
        cam.backend = args.camera
    if args.mm_config is not None:
        cam.mm_config = str(args.mm_config)
        if args.camera is None:
            cam.backend = "micromanager"  # a Micro-Manager config says which camera is meant
    if args.device is not None:
        cam.device = args.device
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
    """Record, print a summary; exit 0, 1 if the saver failed, 2 for bad input or a camera that
    failed (the file is finished), 130 when a signal (Ctrl+C, SIGTERM, SIGHUP) ended the
    recording (its file is finished)."""
    from uutrack_gui.acquisition.controller import AcquisitionController
    from uutrack_gui.camera import CameraError
    from uutrack_gui.config import ConfigError
    from uutrack_gui.storage.format import EndReason

    try:
        controller = AcquisitionController(session_from_args(args))
    except (ConfigError, CameraError) as exc:
        return fail(str(exc))
    frames = args.frames
    if frames is None and args.seconds is None:
        frames = 100
    # Ctrl+C, SIGTERM, SIGHUP: stop like Stop (file finished, "interrupted"); twice: abort.
    interrupts = Interrupts(
        on_stop=lambda: controller.stop_recording(EndReason.INTERRUPTED),
        on_abort=controller.abort_recording,
    )
    with interrupts:
        return _record(args, controller, frames, interrupts)


def _record(args: argparse.Namespace, controller, frames: int | None, interrupts) -> int:
    """Record with ``interrupts`` installed; print the summary; return the exit status."""
    from uutrack_gui.acquisition.controller import ControllerError
    from uutrack_gui.acquisition.runner import RecordingRefused
    from uutrack_gui.storage.format import EndReason

    finished = threading.Event()
    controller.events.recording_finished.connect(lambda result: finished.set())
    camera_failures: list[str] = []
    controller.events.camera_failed.connect(camera_failures.append)
    t0 = time.monotonic()
    try:
        saver = controller.start_recording(
            args.out, max_frames=frames, schedule=schedule_from_args(args)
        )
    except (RecordingRefused, ControllerError) as exc:
        controller.close()
        return fail(str(exc))
    if saver.buffer_notice:
        print(f"uutrack: note: {saver.buffer_notice}", file=sys.stderr)
    if interrupts.interrupted:  # the signal came while the recording started
        controller.stop_recording(EndReason.INTERRUPTED)
    show = not args.quiet and sys.stderr.isatty()
    if args.seconds is not None:
        # The schedule stops the recording on camera time; this deadline only ends one whose
        # camera stopped sending frames.
        deadline = t0 + args.seconds + _STALL_GRACE_S
        while not finished.wait(min(1.0, max(0.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                break
            _progress(controller, show)
        controller.stop_recording()
    while not finished.wait(1.0):
        _progress(controller, show)
    result = controller.close()
    if result.error and not result.group:
        return fail(result.error)  # refused when opening the file: nothing was recorded
    if show:
        print(file=sys.stderr)
    seconds = max(result.seconds, 1e-9)
    print(f"file:           {args.out} [{result.group}]")
    print(f"frames written: {result.frames_written}")
    print(f"frames dropped: {result.frames_dropped}")
    print(f"MiB written:    {result.bytes_written / MIB:.1f}")
    print(
        f"MiB/s:          {result.bytes_written / MIB / seconds:.1f} "
        f"(over {seconds:.2f} s, saver start to finish)"
    )
    if result.error:
        return fail(result.error, EXIT_FAILED)
    if camera_failures:  # the file is finished with what came before
        return fail(camera_failures[0])
    if interrupts.interrupted:
        print(f"recording ended by {interrupts.signal_name}: {result.end_reason}", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


def _progress(controller, show: bool) -> None:
    if not show:
        return
    status = controller.status().recording
    if status is None:
        return
    state = "finishing" if status.finishing else "recording"
    print(
        f"\r{state}: {status.frames_written} written, {status.frames_dropped} dropped, "
        f"{status.frames_pending} pending, {format_throughput(status.write_bytes_s)}   ",
        end="",
        file=sys.stderr,
        flush=True,
    )
