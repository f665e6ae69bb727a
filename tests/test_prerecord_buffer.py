"""The pre-record buffer sized in seconds, with its memory cap, and its figures for display."""

from __future__ import annotations

import numpy as np
import pytest

from uutrack_gui.acquisition import PreRecordBuffer
from uutrack_gui.camera.base import Frame

_MB = 10**6


def _frames(n: int, fps: float, nbytes: int = 1000, start: int = 0) -> list[Frame]:
    data = np.zeros(nbytes, dtype=np.uint8)
    return [Frame(data, start + i, 1_700_000_000.0 + (start + i) / fps) for i in range(n)]


def test_capacity_in_seconds_keeps_the_newest_span():
    buffer = PreRecordBuffer(capacity_bytes=10 * _MB, capacity_s=2.0)
    for frame in _frames(200, fps=25.0):
        buffer.add(frame)
    held = buffer.take()
    # 2 s at 25 fps: 51 frames spanning exactly 2 s, the newest ones, contiguous.
    assert len(held) == 51
    assert [f.counter for f in held] == list(range(149, 200))
    assert held[-1].timestamp - held[0].timestamp == pytest.approx(2.0)


def test_memory_cap_wins_over_seconds():
    buffer = PreRecordBuffer(capacity_bytes=30_000, capacity_s=10.0)
    for frame in _frames(100, fps=25.0, nbytes=1000):
        buffer.add(frame)
    assert len(buffer) == 30 and buffer.nbytes == 30_000
    assert buffer.seconds == pytest.approx(29 / 25)
    figures = buffer.size_when_full(frame_nbytes=1000, fps=25.0)
    assert figures.frames == 30 and figures.limited_by_memory
    assert figures.seconds == pytest.approx(29 / 25) and figures.nbytes == 30_000


def test_figures_for_display():
    # 2048 x 2048 uint16 (8.4 MB a frame) at 30 fps, 3 s asked, 500 MB cap.
    frame_nbytes = 2048 * 2048 * 2
    buffer = PreRecordBuffer(capacity_bytes=500 * _MB, capacity_s=3.0)
    figures = buffer.size_when_full(frame_nbytes, fps=30.0)
    assert figures.frames == 59 and figures.limited_by_memory  # 500 MB hold 59 frames, not 91
    assert figures.seconds == pytest.approx(58 / 30)
    assert figures.megabytes == pytest.approx(59 * frame_nbytes / 1e6)
    buffer.capacity_s = 1.0
    figures = buffer.size_when_full(frame_nbytes, fps=30.0)
    assert (figures.frames, figures.limited_by_memory) == (31, False)
    assert figures.seconds == pytest.approx(1.0)
    assert figures.megabytes == pytest.approx(31 * frame_nbytes / 1e6)
    # A free-running camera whose rate is not known yet: only the memory figures.
    unknown = buffer.size_when_full(frame_nbytes, fps=0.0)
    assert unknown.seconds == 0.0 and unknown.frames == 59


def test_without_seconds_the_memory_cap_alone_applies():
    buffer = PreRecordBuffer(capacity_bytes=5000)
    for frame in _frames(20, fps=1000.0):
        buffer.add(frame)
    assert len(buffer) == 5 and buffer.capacity_s is None
