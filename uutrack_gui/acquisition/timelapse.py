"""Which camera frames a recording takes: all, one every k seconds, or every k-th; for how long.

A time-lapse keeps the camera running at its own rate and *selects* frames, so the file keeps the
camera's own counters and timestamps: they say exactly which frames were taken and when. The
frames between two taken ones are skipped on purpose and must not be counted as dropped, so the
runner asks the selector about every frame the camera delivers and treats a skipped frame as
seen (the next gap in the counters is measured from it). A counter gap that remains is a frame
the camera really lost.

Selection works on a grid fixed at the first frame: frame ``n`` of the time-lapse is the first
frame at or after ``start + n * step`` (``step`` in seconds of camera timestamp, or in frames of
camera counter). Taken frames therefore lie within one camera frame period of the grid, and a
late or lost frame does not shift all the following ones. After a long gap the grid resumes at
its next point rather than taking a burst of frames to catch up.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

#: Slack for comparing float timestamps with grid points: a frame stamped 1e-12 s before its
#: grid point (rounding of ``t0 + n / fps``) belongs to that point, not to the next frame.
_TIME_SLACK_S = 1e-6


class Verdict(enum.Enum):
    """What to do with one camera frame."""

    TAKE = "take"  #: write it
    SKIP = "skip"  #: skipped on purpose (between two time-lapse frames): not a lost frame
    DONE = "done"  #: the recording's duration is over: stop, do not write this frame


@dataclass(frozen=True)
class FrameSchedule:
    """Which frames a recording takes and for how long (camera time).

    Parameters
    ----------
    interval_s : float or None
        Take one frame every ``interval_s`` seconds of camera timestamps (a time-lapse).
    every : int
        Take every ``every``-th camera frame (1 = every frame). Not with ``interval_s``.
    duration_s : float or None
        Stop once ``duration_s`` seconds of camera time have passed since the first frame
        offered: frames stamped earlier than ``first + duration_s`` are taken.

    A frame-count limit is the runner's ``max_frames``; with a schedule it counts taken frames.

    Raises
    ------
    ValueError
        A value out of range, or both ``interval_s`` and ``every`` > 1.
    """

    interval_s: float | None = None
    every: int = 1
    duration_s: float | None = None

    def __post_init__(self) -> None:
        if self.interval_s is not None and not (
            math.isfinite(self.interval_s) and self.interval_s > 0
        ):
            raise ValueError(f"time-lapse interval must be > 0 s, got {self.interval_s!r}")
        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            raise ValueError(f"'every' must be a whole number >= 1, got {self.every!r}")
        if self.interval_s is not None and self.every != 1:
            raise ValueError("choose one of a time interval and every k-th frame, not both")
        if self.duration_s is not None and not (
            math.isfinite(self.duration_s) and self.duration_s > 0
        ):
            raise ValueError(f"duration must be > 0 s, got {self.duration_s!r}")

    @property
    def is_timelapse(self) -> bool:
        """Whether frames are skipped on purpose."""
        return self.interval_s is not None or self.every > 1

    def time_left(self, covered_s: float) -> float | None:
        """Camera seconds left of ``duration_s`` once the frames offered span ``covered_s``.

        0 once a frame at or past the end has been offered: the recording stops on that frame
        (the same test as :meth:`FrameSelector.offer`). None without a duration.
        """
        if self.duration_s is None:
            return None
        left = self.duration_s - covered_s
        return 0.0 if left <= _TIME_SLACK_S else left

    def expected_frames(self, fps: float) -> int | None:
        """Frames a recording of ``duration_s`` takes at ``fps`` (None without a duration).

        For progress displays; the exact count depends on the camera's timestamps.
        """
        if self.duration_s is None:
            return None
        if self.interval_s is not None:
            return math.ceil(self.duration_s / self.interval_s - _TIME_SLACK_S)
        if fps <= 0:
            return None
        return math.ceil(math.ceil(self.duration_s * fps - _TIME_SLACK_S) / self.every)


class FrameSelector:
    """Applies a :class:`FrameSchedule` to the frames of one recording, in camera order.

    Not thread-safe: one recording's feeding thread calls :meth:`offer` for each frame.

    Examples
    --------
    >>> selector = FrameSelector(FrameSchedule(every=3))
    >>> [selector.offer(c, c / 10).value for c in range(5)]
    ['take', 'skip', 'skip', 'take', 'skip']
    """

    def __init__(self, schedule: FrameSchedule) -> None:
        self.schedule = schedule
        self._t0: float | None = None  # timestamp of the first frame offered
        self._c0 = 0  # counter of the first frame offered
        self._next_due = 0.0  # grid position (seconds or frames from the start) of the next take
        self.taken = 0  #: frames taken so far
        self.skipped = 0  #: frames skipped on purpose so far

    def offer(self, counter: int, timestamp: float) -> Verdict:
        """Decide about the camera frame ``counter`` stamped ``timestamp`` (Unix seconds)."""
        schedule = self.schedule
        if self._t0 is None:
            self._t0, self._c0 = timestamp, counter
        elapsed = timestamp - self._t0
        if schedule.time_left(elapsed) == 0.0:
            return Verdict.DONE
        if schedule.interval_s is not None:
            step, position, slack = schedule.interval_s, elapsed, _TIME_SLACK_S
        else:
            step, position, slack = schedule.every, counter - self._c0, 0
        if position + slack < self._next_due:
            self.skipped += 1
            return Verdict.SKIP
        # The next grid point after this frame: after a long gap, no burst to catch up.
        self._next_due = (math.floor((position + slack) / step) + 1) * step
        self.taken += 1
        return Verdict.TAKE
