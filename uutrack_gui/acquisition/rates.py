"""Frame rates over a sliding window."""

from __future__ import annotations

import threading
import time
from collections import deque


class RateMeter:
    """Events per second over the last ``window_s`` seconds.

    Thread-safe: :meth:`tick` is called on one thread (camera, display), :attr:`rate` read on
    another.
    """

    def __init__(self, window_s: float = 1.0) -> None:
        self._window_s = window_s
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def tick(self, count: int = 1, now: float | None = None) -> None:
        """Record ``count`` events at ``now`` (default: the monotonic clock)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._times.extend([now] * count)
            self._trim(now)

    def _trim(self, now: float) -> None:
        cutoff = now - self._window_s
        while self._times and self._times[0] < cutoff:
            self._times.popleft()

    def rate(self, now: float | None = None) -> float:
        """Events per second in the window ending at ``now``."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._trim(now)
            return len(self._times) / self._window_s

    def reset(self) -> None:
        """Forget all events."""
        with self._lock:
            self._times.clear()
