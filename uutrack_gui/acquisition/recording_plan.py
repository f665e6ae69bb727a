"""What the operator asked the next recording to be, and how far a running one has come.

Qt-free: the recording bar fills a :class:`RecordingPlan`; the window turns it into the
controller's ``max_frames`` and :class:`~uutrack_gui.acquisition.timelapse.FrameSchedule`, and
:func:`progress` turns a recording's status into the bar's fraction and "time left" text.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from uutrack_gui.acquisition.status import RecordingStatus
from uutrack_gui.acquisition.timelapse import FrameSchedule
from uutrack_gui.units import format_countdown


class Length(enum.Enum):
    """When a recording stops by itself."""

    UNTIL_STOP = "until Stop"
    FRAMES = "frames"
    SECONDS = "seconds"


class Lapse(enum.Enum):
    """Which camera frames a recording takes."""

    EVERY_FRAME = "every frame"
    INTERVAL = "every k s"
    EVERY_KTH = "every k-th"


@dataclass(frozen=True)
class RecordingPlan:
    """The next recording as set in the recording bar.

    Attributes
    ----------
    name : str
        The recording name (the file is ``<name>_<NNN>.h5``).
    length, length_value : Length, float
        Stop after ``length_value`` frames or seconds (ignored for ``UNTIL_STOP``).
    lapse, lapse_value : Lapse, float
        Take one frame every ``lapse_value`` seconds or every ``lapse_value``-th frame.
    """

    name: str
    length: Length = Length.UNTIL_STOP
    length_value: float = 0.0
    lapse: Lapse = Lapse.EVERY_FRAME
    lapse_value: float = 1.0

    @property
    def max_frames(self) -> int | None:
        """The frame-count limit (frames taken), or None."""
        return int(self.length_value) if self.length is Length.FRAMES else None

    @property
    def schedule(self) -> FrameSchedule | None:
        """The time-lapse and/or duration, or None for every frame until Stop / N frames.

        Raises
        ------
        ValueError
            A value out of range (the message names it).
        """
        duration = self.length_value if self.length is Length.SECONDS else None
        interval = self.lapse_value if self.lapse is Lapse.INTERVAL else None
        every = int(self.lapse_value) if self.lapse is Lapse.EVERY_KTH else 1
        if duration is None and interval is None and every == 1:
            return None
        return FrameSchedule(interval_s=interval, every=every, duration_s=duration)

    def frame_rate(self, camera_fps: float) -> float:
        """Frames per second the recording takes from a camera running at ``camera_fps``."""
        if self.lapse is Lapse.INTERVAL:
            return 1.0 / self.lapse_value
        if self.lapse is Lapse.EVERY_KTH:
            return camera_fps / max(1, int(self.lapse_value))
        return camera_fps

    def expected_frames(self, camera_fps: float) -> int | None:
        """Frames the recording will take (None until Stop)."""
        if self.length is Length.FRAMES:
            return int(self.length_value)
        schedule = self.schedule
        return schedule.expected_frames(camera_fps) if schedule is not None else None


@dataclass(frozen=True)
class Progress:
    """How far a limited recording has come: ``fraction`` in [0, 1] and a line of text."""

    fraction: float
    text: str


def progress(plan: RecordingPlan, status: RecordingStatus, camera_fps: float) -> Progress | None:
    """The progress of a running recording made with ``plan`` (None for one until Stop).

    Frames taken are those written, waiting or dropped: the limit counts them all. A duration
    is camera time, as the recording's schedule stops it: the span of the frames offered so far
    (``status.camera_s``, pre-record frames included), not the wall clock since Record. So the
    bar is full exactly when the frame that ends the recording arrives.
    """
    taken = status.frames_written + status.frames_pending + status.frames_dropped
    rate = plan.frame_rate(camera_fps)
    if plan.length is Length.SECONDS:
        total_s = plan.length_value
        schedule = FrameSchedule(duration_s=total_s) if total_s > 0 else None
        covered = status.camera_s or 0.0  # None: no frame yet
        left = schedule.time_left(covered) if schedule is not None else 0.0
        fraction = 1.0 - left / total_s if total_s > 0 else 1.0
        text = f"{taken} frames, {format_countdown(left)} left"
    elif plan.length is Length.FRAMES:
        total = max(1, int(plan.length_value))
        fraction = taken / total
        left = (total - taken) / rate if rate > 0 else math.nan
        when = f", {format_countdown(left)} left" if math.isfinite(left) else ""
        text = f"{taken} / {total} frames{when}"
    else:
        return None
    return Progress(min(1.0, max(0.0, fraction)), text)


def finishing_progress(status: RecordingStatus) -> Progress:
    """After Stop (or a limit), while the saver writes what is left: how much of it is written.

    The bar stays up until the file is finished, so the operator sees the end of a limited
    recording (full) and the frames still being written of any recording.
    """
    written, pending = status.frames_written, status.frames_pending
    fraction = written / (written + pending) if written + pending > 0 else 1.0
    text = (
        f"{written} frames, finishing: {pending} left to write"
        if pending
        else f"{written} frames, closing the file"
    )
    return Progress(min(1.0, max(0.0, fraction)), text)
