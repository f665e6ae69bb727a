"""Which frame is due when a recording plays back at a speed factor.

Playback follows the recorded timestamps, not a nominal rate: pauses and dropped frames play as
they happened. Time since playback started, times the speed, is added to the time of the frame
playback started from; the frame due is the last one recorded at or before that moment. Files
without timestamps (legacy UUTrack) play at their recorded rate if known, else at
:data:`DEFAULT_FPS`. "Every frame" (speed None) shows each frame in turn.

The clock is injectable (``clock()`` returns seconds), so tests give exact times.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Rate assumed for files without timestamps (legacy UUTrack files).
DEFAULT_FPS = 25.0
#: Shortest tick period: no point in reading frames faster than a screen shows them.
MIN_TICK_MS = 16
#: Longest tick period: a sparse time-lapse (one frame every 5 s) still shows each frame within
#: a quarter second of when it is due; a tick that finds the same frame due reads nothing.
MAX_TICK_MS = 250
#: Tick period of "every frame" playback: as fast as is comfortable to watch.
EVERY_FRAME_TICK_MS = 30

#: Playback speeds offered, as multiples of the recorded rate; None: every frame in turn.
SPEEDS: tuple[tuple[str, float | None], ...] = (
    ("0.1×", 0.1),
    ("0.25×", 0.25),
    ("0.5×", 0.5),
    ("1× (recorded rate)", 1.0),
    ("2×", 2.0),
    ("4×", 4.0),
    ("10×", 10.0),
    ("100×", 100.0),  # a time-lapse of one frame every few seconds, watched in seconds
    ("Every frame", None),
)
#: Position of the recorded rate in :data:`SPEEDS` (the default).
RECORDED_RATE = 3


@dataclass(frozen=True)
class Step:
    """What to show at a tick: frame ``index``; ``ended`` when the last frame is reached."""

    index: int
    ended: bool = False


class PlaybackClock:
    """The playback position of one recording.

    Parameters
    ----------
    timestamps : ndarray, optional
        Per-frame times in seconds (finite, non-decreasing); None if the file has none.
    fps : float, optional
        The recorded rate, used without timestamps (default :data:`DEFAULT_FPS`).
    clock : callable, optional
        Returns the current time in seconds (default :func:`time.monotonic`).
    """

    def __init__(
        self,
        timestamps: np.ndarray | None = None,
        fps: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stamps = timestamps
        self._fps = fps or DEFAULT_FPS
        self._clock = clock
        self._speed: float | None = 1.0
        self._origin_index = 0
        self._origin_t = 0.0
        self._origin_clock = 0.0
        self._running = False

    @property
    def running(self) -> bool:
        """Whether playback is on (between :meth:`start` and :meth:`stop`)."""
        return self._running

    @property
    def speed(self) -> float | None:
        """The speed factor of the running playback (None: every frame in turn)."""
        return self._speed

    def start(self, index: int, speed: float | None) -> None:
        """(Re)start playback from frame ``index`` at ``speed``, now."""
        self._speed = speed
        self._origin_index = index
        self._origin_t = self._time_of(index)
        self._origin_clock = self._clock()
        self._running = True

    def stop(self) -> None:
        """Pause; :meth:`start` resumes from any frame."""
        self._running = False

    def period_ms(self) -> int:
        """How often to ask for the frame due: once per recorded frame at the speed, within
        [:data:`MIN_TICK_MS`, :data:`MAX_TICK_MS`] ms."""
        if self._speed is None:
            return EVERY_FRAME_TICK_MS
        rate = self._fps * self._speed
        return int(max(MIN_TICK_MS, min(MAX_TICK_MS, 1000.0 / rate)))

    def due(self, current: int, count: int) -> Step:
        """The frame to show now, given the frame on screen and the frames in the recording.

        ``ended`` is True once the last frame is due (the caller pauses, or, while following a
        recording that grows, stays on the newest frame).
        """
        if self._speed is None:
            target = current + 1
        else:
            elapsed = (self._clock() - self._origin_clock) * self._speed
            stamps = self._stamps
            if stamps is not None and len(stamps) >= count:
                due = float(stamps[0]) + self._origin_t + elapsed
                found = int(np.searchsorted(stamps, due, side="right")) - 1
                target = max(self._origin_index, found)
            else:
                target = self._origin_index + int(elapsed * self._fps)
        if target >= count - 1:
            return Step(max(0, count - 1), ended=True)
        return Step(target)

    def _time_of(self, index: int) -> float:
        """Seconds from the first frame to frame ``index`` (0 without timestamps)."""
        stamps = self._stamps
        if stamps is None or not 0 <= index < len(stamps):
            return 0.0
        return float(stamps[index] - stamps[0])
