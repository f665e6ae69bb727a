"""Write speed of a recording over a sliding window, from samples of its counters."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Throughput:
    """Frames and bytes per second written over the last window."""

    frames_per_s: float
    bytes_per_s: float


class ThroughputWindow:
    """Samples of (time, frames written, bytes written), about ``window_s`` seconds of them.

    One thread :meth:`add` s samples (the camera thread, a few times a second); any thread reads
    :meth:`rates` without changing anything, so a status can be read as often as one likes.
    """

    def __init__(self, window_s: float = 1.0, min_interval_s: float = 0.1) -> None:
        self.window_s = window_s
        self.min_interval_s = min_interval_s
        self._samples: deque[tuple[float, int, int]] = deque()
        self._lock = threading.Lock()

    def due(self, now: float) -> bool:
        """Whether a sample taken at ``now`` would be kept (cheap check before reading counters)."""
        samples = self._samples
        return not samples or now - samples[-1][0] >= self.min_interval_s

    def add(self, now: float, frames: int, nbytes: int) -> None:
        """Keep a sample; samples older than the window (but the last one before it) go."""
        with self._lock:
            if not self.due(now):
                return
            samples = self._samples
            samples.append((now, frames, nbytes))
            while len(samples) > 2 and now - samples[1][0] >= self.window_s:
                samples.popleft()

    def rates(self, now: float, frames: int, nbytes: int) -> Throughput:
        """Rates from the oldest kept sample to the current counters at ``now``."""
        with self._lock:
            if not self._samples:
                return Throughput(0.0, 0.0)
            t0, f0, b0 = self._samples[0]
        span = now - t0
        if span <= 0:
            return Throughput(0.0, 0.0)
        return Throughput((frames - f0) / span, (nbytes - b0) / span)

    def clear(self) -> None:
        """Forget every sample (a new recording)."""
        with self._lock:
            self._samples.clear()
