"""The value axis of the contrast histogram: steady from frame to frame, yet following the data.

No Qt here: the policy of :class:`~uutrack_gui.gui.histogram_display.HistogramDisplay`,
testable alone with a fake clock.

Two wishes pull apart. A steady axis: the histogram must not rescale every frame (noise moves
a frame's extreme pixels by a few grey levels each time, and an axis that followed them would
make the whole plot jitter). An axis that follows the data: after a bright transient (a
saturated frame, a lamp switched on and off) the axis must not stay wide for good, with the
histogram of the normal frames squashed into one or two bins of it. The policy:

- **Widen at once**, so nothing shown is ever off the axis (a saturated frame's pixels, a level
  handle typed far out): the axis takes in the new values with a little headroom
  (:data:`HEADROOM` of the span) on the side that grew, so that the next frame's noise, a few
  levels beyond this one's, does not widen it again.
- **Shrink only after a hold and only for a real gain**: once everything shown over the last
  :attr:`HistogramAxis.hold_s` seconds (the frames' value ranges *and* the level handles) fits
  in less than :data:`SHRINK_BELOW` of the axis, the axis snaps to that range (with headroom).
  The hold keeps a brief dip or a handle being dragged from moving the axis; the factor keeps
  small changes of the data's range from ever moving it, so it cannot flip back and forth:
  after a shrink the data sit well inside the new axis.

What is shown counts for as long as it is on screen, not per update: a frame left on screen
(a paused viewer) keeps counting as "shown now", so the axis shrinks to it once the hold has
passed even if no new frame comes (the display asks :meth:`HistogramAxis.settle_in` when to
look again).
"""

from __future__ import annotations

import math
from collections import deque

#: Fraction of the span added beyond the data when the axis widens or shrinks.
HEADROOM = 0.05
#: The axis shrinks only when what was shown during the hold takes less than this of it.
SHRINK_BELOW = 0.5
#: Default seconds what is shown must stay within a smaller range before the axis shrinks.
HOLD_S = 3.0
#: Slack for comparing times: a timer due at ``t`` may fire a hair before ``t`` by float rounding.
_SLACK_S = 1e-6


class HistogramAxis:
    """The histogram's value range (see the module notes for the policy).

    Parameters
    ----------
    hold_s : float
        Seconds everything shown must stay in a smaller range before the axis shrinks to it.
    limits : (float, float) or None
        Values the axis never goes beyond (an integer dtype's range); None: unbounded.

    Notes
    -----
    Times are monotonic seconds given by the caller. Not thread-safe (the GUI thread).
    """

    def __init__(self, hold_s: float = HOLD_S, limits: tuple[float, float] | None = None) -> None:
        self.hold_s = float(hold_s)
        self._limits = limits
        self._range: tuple[float, float] | None = None
        self._data: tuple[float, float] | None = None  # the frame on screen
        self._levels: tuple[float, float] | None = None  # the level handles
        # (since, low, high): what was shown from ``since`` until the next entry (or now).
        self._shown: deque[tuple[float, float, float]] = deque()

    @property
    def range(self) -> tuple[float, float] | None:
        """(low, high) of the axis; None before anything was shown."""
        return self._range

    def reset(self, limits: tuple[float, float] | None = None) -> None:
        """Start afresh (a new kind of frame): the next frame sets the axis, with the levels.

        The levels are kept: the handles stay where they are until they are moved.
        """
        self._limits = limits
        self._range = self._data = None
        self._shown.clear()

    def show_data(self, low: float, high: float, now: float) -> bool:
        """The frame on screen from ``now`` on spans ``low``..``high``; True if the axis changed."""
        if self._data is None:
            self._range = None  # set by the levels alone so far: the first frame fits exactly
        self._data = (float(low), float(high))
        return self._note(now)

    def show_levels(self, low: float, high: float, now: float) -> bool:
        """The level handles are at ``low``, ``high`` from ``now`` on; True if the axis changed."""
        self._levels = (float(low), float(high))
        return self._note(now)

    def settle(self, now: float) -> bool:
        """Shrink the axis if what was shown during the last hold is due; True if it changed."""
        target = self._shrink_target(now)
        if target is None:
            return False
        self._range = target
        return True

    def settle_in(self, now: float) -> float | None:
        """Seconds from ``now`` until :meth:`settle` would shrink the axis if nothing new is
        shown (0: now), or None if it would not."""
        self._forget(now)
        # Entries k, k+1, ... alone count once entry k began a whole hold ago (entry k-1 was
        # replaced then). Fewer entries span a range no wider, so if k would shrink the axis,
        # every later k would too: walk back from the newest while they would (one pass: this
        # runs for every level change, 60 times a second under continuous auto levels).
        first = None
        low, high = math.inf, -math.inf
        for k in range(len(self._shown) - 1, -1, -1):
            low, high = min(low, self._shown[k][1]), max(high, self._shown[k][2])
            if self._smaller((low, high)) is None:
                break
            first = k
        if first is None:
            return None
        return max(0.0, self._shown[first][0] + self.hold_s - now)

    # --- inside ---------------------------------------------------------------------------
    def _note(self, now: float) -> bool:
        """Record what is shown from ``now``; widen at once to take it in."""
        shown = _union(self._data, self._levels)
        if shown is None:
            return False
        if not self._shown or self._shown[-1][1:] != shown:  # else: the same goes on being shown
            self._shown.append((now, *shown))
        self._forget(now)
        current = self._range
        if current is None:
            self._range = self._clip(shown if shown[1] > shown[0] else (shown[0], shown[0] + 1.0))
            return True
        low, high = current
        span = max(high, shown[1]) - min(low, shown[0])
        if shown[0] < low:
            low = shown[0] - HEADROOM * span
        if shown[1] > high:
            high = shown[1] + HEADROOM * span
        new = self._clip((low, high))
        if new == current:
            return False
        self._range = new
        return True

    def _forget(self, now: float) -> None:
        """Drop entries that stopped being shown before the hold began."""
        shown = self._shown
        while len(shown) > 1 and shown[1][0] <= now - self.hold_s + _SLACK_S:
            shown.popleft()

    def _shrink_target(self, now: float) -> tuple[float, float] | None:
        self._forget(now)
        if not self._shown or now - self._shown[0][0] < self.hold_s - _SLACK_S:
            return None  # not shown for a whole hold yet (e.g. just after a reset)
        return self._smaller(_envelope(self._shown))

    def _smaller(self, wanted: tuple[float, float]) -> tuple[float, float] | None:
        """``wanted`` with headroom if it takes less than :data:`SHRINK_BELOW` of the axis."""
        if self._range is None:
            return None
        low, high = wanted
        margin = HEADROOM * max(high - low, 1.0)
        target = self._clip((low - margin, high + margin))
        if target[1] - target[0] >= SHRINK_BELOW * (self._range[1] - self._range[0]):
            return None
        return target

    def _clip(self, value_range: tuple[float, float]) -> tuple[float, float]:
        low, high = value_range
        if self._limits is not None:
            low, high = max(low, self._limits[0]), min(high, self._limits[1])
        if not high > low:
            high = low + 1.0
        return (low, high)


def _union(
    a: tuple[float, float] | None, b: tuple[float, float] | None
) -> tuple[float, float] | None:
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), max(a[1], b[1]))


def _envelope(shown) -> tuple[float, float]:
    low, high = math.inf, -math.inf
    for _, lo, hi in shown:
        low, high = min(low, lo), max(high, hi)
    return (low, high)
