"""Small recordings written directly with the writer, for tests that damage or read them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from uutrack_gui.acquisition import FrameSchedule, FrameSelector, Verdict
from uutrack_gui.storage import Hdf5Writer

#: Frame shape of :func:`good_recording` (rows, columns).
SHAPE = (32, 48)


def good_recording(path: Path, n: int) -> Path:
    """A finished recording of ``n`` frames; frame ``i`` is all ``i``, counter ``i``, 50 fps."""
    writer = Hdf5Writer()
    writer.setup(path, SHAPE, "uint16", "user:\n  name: t\n")
    for i in range(n):
        writer.append(np.full(SHAPE, i, np.uint16), i, 1000.0 + i / 50)
    writer.close()
    return path


def timelapse_recording(
    path: Path, n: int, fps: float, interval_s: float | None = None, every: int = 1
) -> Path:
    """A finished time-lapse of ``n`` frames, chosen by the recorder's own frame selector.

    The camera runs on at ``fps`` (counter ``c`` stamped ``1000 + (c + 1) / fps``, as the
    simulated camera stamps them); the schedule is written as the runner writes it.
    """
    selector = FrameSelector(FrameSchedule(interval_s=interval_s, every=every))
    writer = Hdf5Writer()
    writer.setup(
        path, SHAPE, "uint16", "user:\n  name: t\n", camera="Simulated",
        timelapse_interval_s=interval_s, timelapse_every=every,
    )  # fmt: skip
    counter = taken = 0
    while taken < n:
        stamp = 1000.0 + (counter + 1) / fps
        if selector.offer(counter, stamp) is Verdict.TAKE:
            writer.append(np.full(SHAPE, taken, np.uint16), counter, stamp)
            taken += 1
        counter += 1
    writer.close()
    return path
