"""The contrast histogram's value axis: steady from frame to frame, yet following the data.

Qt-free, with a fake clock: frames' value ranges and level handles go in, the axis comes out.
"""

from __future__ import annotations

import numpy as np
import pytest

from uutrack_gui.gui.histogram_axis import SHRINK_BELOW, HistogramAxis

UINT16 = (0.0, 65535.0)


def _normal_frames(axis: HistogramAxis, start: float, seconds: float, rng, every: float = 0.25):
    """Noisy frames 900..1100 (each frame's extremes differ by a few levels), 4 a second."""
    t = start
    while t < start + seconds:
        low, high = 900 + rng.integers(0, 8), 1100 - rng.integers(0, 8)
        axis.show_data(low, high, t)
        axis.settle(t)
        t += every
    return t


def test_first_frame_sets_the_axis_exactly():
    axis = HistogramAxis(limits=UINT16)
    axis.show_levels(910, 1090, 0.0)  # auto levels come before the histogram
    assert axis.show_data(900, 1100, 0.0)
    assert axis.range == (900.0, 1100.0)


def test_noise_does_not_move_the_axis():
    axis = HistogramAxis(limits=UINT16)
    axis.show_data(900, 1100, 0.0)
    axis.show_data(899, 1102, 0.25)  # a little beyond: widened once, with headroom
    settled = axis.range
    assert settled[0] < 899 and settled[1] > 1102
    rng = np.random.default_rng(1)
    seen = set()
    t = 0.5
    for _ in range(400):  # 100 s of frames whose extremes wander by a few levels
        axis.show_data(899 + rng.integers(0, 6), 1102 - rng.integers(0, 6), t)
        axis.settle(t)
        seen.add(axis.range)
        t += 0.25
    assert seen == {settled}  # steady: not one change


def test_bright_transient_widens_at_once_and_shrinks_back_after_the_hold():
    axis = HistogramAxis(hold_s=3.0, limits=UINT16)
    rng = np.random.default_rng(2)
    t = _normal_frames(axis, 0.0, 2.0, rng)
    normal = axis.range
    assert axis.show_data(900, 65535, t)  # one saturated frame
    assert axis.range == (normal[0], 65535.0)  # only the side that grew moves (headroom clipped)
    transient_at = t
    t = _normal_frames(axis, t + 0.25, 2.5, rng)  # within the hold: still wide
    assert axis.range[1] == 65535.0
    t = _normal_frames(axis, t, 1.0, rng)  # the saturated frame left the screen > 3 s ago
    assert t - transient_at > 3.0
    low, high = axis.range
    assert 890 <= low < 900 and 1100 < high <= 1111  # back to the data, with a little headroom
    shrunk = axis.range
    _normal_frames(axis, t, 30.0, rng)
    assert axis.range == shrunk  # and steady again


def test_a_moderately_smaller_range_does_not_move_the_axis():
    axis = HistogramAxis(hold_s=1.0)
    axis.show_data(0, 1000, 0.0)
    for k in range(1, 40):  # 10 s at 0..600: 60 % of the axis, above SHRINK_BELOW
        axis.show_data(0, 600, k * 0.25)
        axis.settle(k * 0.25)
    assert SHRINK_BELOW * 1000 < 600 and axis.range == (0.0, 1000.0)


def test_the_axis_follows_data_that_move_away():
    axis = HistogramAxis(hold_s=1.0, limits=UINT16)
    axis.show_data(100, 200, 0.0)
    axis.show_data(5000, 5100, 0.25)  # the lamp is switched on: widened at once
    assert axis.range[0] == 100 and axis.range[1] > 5100
    for k in range(2, 12):
        axis.show_data(5000, 5100, k * 0.25)
        axis.settle(k * 0.25)
    low, high = axis.range
    assert 4990 <= low < 5000 and 5100 < high <= 5110


def test_levels_stay_on_the_axis_and_hold_it_while_they_move():
    axis = HistogramAxis(hold_s=1.0, limits=UINT16)
    axis.show_data(900, 1100, 0.0)
    axis.show_levels(0, 20000, 0.0)  # typed far out: the handle must be visible
    assert axis.range[0] <= 0 and axis.range[1] >= 20000
    axis.show_levels(900, 1100, 0.5)  # dragged back in
    axis.show_data(900, 1100, 0.75)
    assert not axis.settle(1.4)  # the far level was shown less than a hold ago
    assert axis.settle(1.5)
    low, high = axis.range
    assert 880 <= low < 900 and 1100 < high <= 1120


def test_a_frame_left_on_screen_counts_as_shown_without_new_frames():
    axis = HistogramAxis(hold_s=3.0, limits=UINT16)
    axis.show_data(900, 1100, 0.0)
    axis.show_data(900, 65535, 1.0)
    axis.show_data(900, 1100, 2.0)  # then nothing new: a paused viewer
    assert axis.settle_in(2.0) == pytest.approx(3.0)  # due hold_s after the bright frame left
    assert not axis.settle(4.9)
    assert axis.settle(5.0)
    assert axis.range[1] < 1200 and axis.settle_in(5.0) is None


def test_reset_starts_afresh_with_the_levels_kept():
    axis = HistogramAxis(limits=UINT16)
    axis.show_levels(0, 3000, 0.0)
    axis.show_data(0, 65535, 0.0)
    axis.reset(limits=(0.0, 255.0))  # a new kind of frame (uint8)
    assert axis.range is None and axis.settle_in(0.0) is None
    axis.show_data(10, 20, 1.0)
    assert axis.range == (0.0, 255.0)  # the levels (0..3000) are still shown, within uint8
