"""Micro-Manager image numbers to frame counters: every lost frame stays a gap (no pymmcore)."""

from __future__ import annotations

from uutrack_gui.camera.mm_numbering import ImageNumbering


def test_gaps_restarts_and_missing_numbers():
    numbering = ImageNumbering()
    asked = []

    def capacity() -> int:
        asked.append(True)
        return 10

    got = [numbering.counter(n, capacity) for n in (0, 1, 2, 5)]
    assert got == [(0, 0), (1, 0), (2, 0), (5, 2)]  # 3 and 4 lost
    assert asked == []  # the buffer's size is asked only after a restart
    # The core numbered anew after clearing a full buffer of 10: those 10 are lost.
    assert numbering.counter(0, capacity) == (16, 10)
    assert numbering.counter(1, capacity) == (17, 0)
    assert numbering.counter(None, capacity) == (18, 0)  # no number: assumed the next
    numbering.reset()
    assert numbering.counter(0, capacity) == (0, 0)
