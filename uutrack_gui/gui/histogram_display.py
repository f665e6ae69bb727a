"""The contrast histogram beside the image: its data, rate-limited, on a steady value axis.

The histogram is the image panel's own (a strided subsample, at most every
:data:`HISTOGRAM_INTERVAL_MS`), not pyqtgraph's per-image one, and its value axis follows
:class:`~uutrack_gui.gui.histogram_axis.HistogramAxis`: steady from frame to frame, widened
at once for new values, shrunk back once the data and the levels have stayed in a much smaller
range for a few seconds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PyQt5 import QtCore

from uutrack_gui.gui import levels as lv
from uutrack_gui.gui.histogram_axis import HistogramAxis

#: Shortest time between two histogram updates while frames stream in.
HISTOGRAM_INTERVAL_MS = 250


class HistogramDisplay(QtCore.QObject):
    """Feeds a pyqtgraph histogram item from the frames and levels of an image panel.

    Parameters
    ----------
    item : pyqtgraph.HistogramLUTItem
        The histogram to draw (its plot and value range are set here, nothing else).
    parent : QObject, optional
        Owner of the timers.
    clock : callable, optional
        Monotonic seconds (tests may pass their own).

    Attributes
    ----------
    axis : HistogramAxis
        The value axis policy; its ``hold_s`` is how long a smaller range must last before
        the axis shrinks to it.
    """

    def __init__(
        self,
        item: pg.HistogramLUTItem,
        parent: QtCore.QObject | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._item = item
        self._clock = clock
        self.axis = HistogramAxis()
        self._frame: np.ndarray | None = None
        self._log = False
        self._stale = False
        self._rate_timer = QtCore.QTimer(self)
        self._rate_timer.setSingleShot(True)
        self._rate_timer.setInterval(HISTOGRAM_INTERVAL_MS)
        self._rate_timer.timeout.connect(self.refresh)
        # Shrinks the axis when its hold is over, also while no new frame comes (a paused
        # viewer): the frame on screen keeps counting as shown.
        self._settle_timer = QtCore.QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.timeout.connect(self._settle)

    # --- what is shown ----------------------------------------------------------------------
    def set_frame(self, frame: np.ndarray) -> None:
        """``frame`` is on screen (after :meth:`reset` if it is of a new size or dtype)."""
        self._frame = frame
        self._stale = True
        if not self._rate_timer.isActive():
            self.refresh()

    def set_levels(self, low: float, high: float) -> None:
        """The level handles moved: the axis takes them in at once (they must stay visible)."""
        if self.axis.show_levels(low, high, self._clock()):
            self._apply_axis()
        self._schedule_settle()

    def clear(self) -> None:
        """No frame; the next one starts the axis afresh."""
        self._frame = None
        self.axis.reset()
        self._settle_timer.stop()

    def reset(self, dtype: np.dtype | None = None) -> None:
        """Start the axis afresh (kept within ``dtype``'s range for integer frames)."""
        limits = None
        if dtype is not None and np.dtype(dtype).kind in "ui":
            info = np.iinfo(dtype)
            limits = (float(info.min), float(info.max))
        self.axis.reset(limits)
        self._settle_timer.stop()
        self._rate_timer.stop()  # the new kind of frame is drawn at once

    def set_log(self, enabled: bool) -> None:
        """Heights on a log scale (redrawn now)."""
        self._log = bool(enabled)
        self._stale = True
        self.refresh()

    @property
    def log(self) -> bool:
        """Whether heights are on a log scale."""
        return self._log

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """The histogram as drawn: bin centres and heights (log10(1 + count) in log mode)."""
        x, y = self._item.plot.getData()
        return (np.empty(0), np.empty(0)) if x is None else (x, y)

    # --- drawing ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute the histogram of the frame (rate-limited, see :meth:`set_frame`)."""
        if not self._stale or self._frame is None:
            return
        self._stale = False
        sample = lv.histogram_sample(self._frame)
        finite = sample if sample.dtype.kind in "ui" else sample[np.isfinite(sample)]
        if finite.size:
            now = self._clock()
            widened = self.axis.show_data(float(finite.min()), float(finite.max()), now)
            shrunk = self.axis.settle(now)
            if widened or shrunk:
                self._item.setHistogramRange(*self.axis.range, padding=0.02)
            self._schedule_settle()
        if self.axis.range is not None:
            x, y = lv.histogram(finite, self.axis.range, self._log)
            self._item.plot.setData(x, y)
        self._rate_timer.start()  # the next update waits at least one interval

    def _apply_axis(self) -> None:
        """The axis changed: set it, and redraw the histogram's bins over it."""
        self._item.setHistogramRange(*self.axis.range, padding=0.02)
        self._stale = True
        if not self._rate_timer.isActive():
            self.refresh()

    def _settle(self) -> None:
        if self.axis.settle(self._clock()):
            self._apply_axis()
        self._schedule_settle()

    def _schedule_settle(self) -> None:
        due = self.axis.settle_in(self._clock())
        if due is None:
            self._settle_timer.stop()
        else:
            self._settle_timer.start(math.ceil(due * 1000) + 1)  # just after it is due
