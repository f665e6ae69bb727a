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
    assert figures.megabytes == pytest.approx(59 * frame_nbytes / 2**20)  # the setting's MB
    buffer.capacity_s = 1.0
    figures = buffer.size_when_full(frame_nbytes, fps=30.0)
    assert (figures.frames, figures.limited_by_memory) == (31, False)
    assert figures.seconds == pytest.approx(1.0)
    assert figures.megabytes == pytest.approx(31 * frame_nbytes / 2**20)
    # A free-running camera whose rate is not known yet: only the memory figures.
    unknown = buffer.size_when_full(frame_nbytes, fps=0.0)
    assert unknown.seconds == 0.0 and unknown.frames == 59


def test_without_seconds_the_memory_cap_alone_applies():
    buffer = PreRecordBuffer(capacity_bytes=5000)
    for frame in _frames(20, fps=1000.0):
        buffer.add(frame)
    assert len(buffer) == 5 and buffer.capacity_s is None


# --- how full it is, and what the operator reads --------------------------------------------
def test_full_when_it_holds_the_seconds_asked_far_below_the_memory_cap():
    # 0.5 s of 18 kB frames in a 500 MB cap: full at 0.9 MB, not at 0.2 % of the cap.
    buffer = PreRecordBuffer(capacity_bytes=500 * 2**20, capacity_s=0.5)
    frames = _frames(100, fps=100.0, nbytes=18_432)
    for frame in frames[:26]:
        buffer.add(frame)
    assert not buffer.full and buffer.fill() == pytest.approx(0.5)  # 0.25 s of 0.5 s
    for frame in frames[26:]:
        buffer.add(frame)
    assert buffer.seconds == pytest.approx(0.5) and buffer.nbytes < 0.002 * buffer.capacity_bytes
    assert buffer.full and buffer.fill() == 1.0 and not buffer.limited_by_memory
    buffer.capacity_s = 1.0  # asked for more: no longer full, and says how far it is
    assert not buffer.full and buffer.fill() == pytest.approx(0.5)
    buffer.take()
    assert buffer.fill() == 0.0 and not buffer.full


def test_full_when_the_memory_cap_stops_it_short_of_the_seconds_asked():
    buffer = PreRecordBuffer(capacity_bytes=30_000, capacity_s=10.0)
    for frame in _frames(30, fps=25.0, nbytes=1000):
        buffer.add(frame)
    assert not buffer.full and buffer.fill() == pytest.approx(1.0)  # 30 frames: no room left
    buffer.add(_frames(1, fps=25.0, nbytes=1000, start=30)[0])
    assert buffer.full and buffer.limited_by_memory and buffer.fill() == 1.0
    assert buffer.seconds == pytest.approx(29 / 25)  # 1.2 s of the 10 s asked


def test_text_says_when_the_seconds_asked_do_not_fit():
    frame_nbytes = 2048 * 2048 * 2  # 8 MB (2**20 bytes) a frame
    buffer = PreRecordBuffer(capacity_bytes=500 * 2**20, capacity_s=5.0)  # 1000 MB setting
    size = buffer.size_when_full(frame_nbytes, fps=30.0)
    assert size.text == "5.0 s asked, 2.0 s fit in 500 MB"  # 62 frames: 61 / 30 s
    buffer.capacity_s = 1.0
    assert buffer.size_when_full(frame_nbytes, fps=30.0).text == "= 1.0 s, 248 MB"
    assert buffer.size_when_full(frame_nbytes, fps=0.0).text == (
        "1.0 s asked, at most 500 MB (frame rate not known yet)"
    )
    buffer.capacity_s = None  # as much as memory allows
    assert buffer.size_when_full(frame_nbytes, fps=30.0).text == "= 2.0 s, 496 MB (memory limit)"
