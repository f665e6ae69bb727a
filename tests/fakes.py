"""Stand-ins the Qt-free tests share."""

from __future__ import annotations


class FakeClock:
    """Monotonic seconds that move only when a test says so (``clock.now += 2.0``)."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now
