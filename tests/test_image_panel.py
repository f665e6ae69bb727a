"""The shared image panel as the operator uses it: contrast, saturation, calibration, tools.

Colours are read from the rendered widget (``grab()``), levels from the boxes the operator
types into, positions in frame pixels.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PyQt5 import QtCore, QtGui, QtWidgets
from PyQt5.QtTest import QTest

from uutrack_gui.gui.image_panel import SATURATION_COLOUR, ImagePanel

RED = SATURATION_COLOUR


@pytest.fixture
def panel(qtbot):
    widget = ImagePanel()
    qtbot.addWidget(widget)
    widget.resize(700, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _ramp(rows: int = 64, cols: int = 100, top: int = 1000) -> np.ndarray:
    """Columns from 0 to ``top``: pixel (x, y) has the value round(x * top / (cols - 1))."""
    row = np.rint(np.linspace(0, top, cols)).astype(np.uint16)
    return np.repeat(row[None, :], rows, axis=0)


def _widget_point(panel: ImagePanel, x: float, y: float) -> QtCore.QPoint:
    """Where frame pixel coordinates (x, y) are on the image widget's viewport."""
    scene = panel.view.mapViewToScene(QtCore.QPointF(x, y))
    return panel.graphics.mapFromScene(scene)


def _colour(panel: ImagePanel, x: int, y: int) -> tuple[int, int, int]:
    """The rendered colour of frame pixel (x, y)."""
    image = panel.graphics.viewport().grab().toImage()
    colour = image.pixelColor(_widget_point(panel, x + 0.5, y + 0.5))
    return colour.red(), colour.green(), colour.blue()


def _drag(widget: QtWidgets.QAbstractScrollArea, start: QtCore.QPoint, end: QtCore.QPoint):
    """A left-button drag with the mouse, as pyqtgraph's scene sees one.

    pyqtgraph ignores mouse moves less than 10 ms apart (its ``mouseRateLimit``); these moves
    come back to back, so the limit is off while they are delivered.
    """
    viewport = widget.viewport()
    limit = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOption("mouseRateLimit", 0)
    try:
        QTest.mousePress(viewport, QtCore.Qt.LeftButton, QtCore.Qt.NoModifier, start)
        for i in range(1, 9):
            point = QtCore.QPointF(start) + QtCore.QPointF(end - start) * (i / 8)
            move = QtGui.QMouseEvent(
                QtCore.QEvent.MouseMove, point, QtCore.Qt.NoButton, QtCore.Qt.LeftButton,
                QtCore.Qt.NoModifier,
            )  # fmt: skip
            QtWidgets.QApplication.sendEvent(viewport, move)
        QTest.mouseRelease(viewport, QtCore.Qt.LeftButton, QtCore.Qt.NoModifier, end)
    finally:
        pg.setConfigOption("mouseRateLimit", limit)


def _type(qtbot, box: QtWidgets.QAbstractSpinBox, text: str) -> None:
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, QtCore.Qt.Key_Return)


# --- levels ------------------------------------------------------------------------------------
def test_levels_typed_are_read_back_and_shown(panel, qtbot):
    panel.set_frame(_ramp())
    panel.set_auto_levels_continuous(True)
    _type(qtbot, panel.max_box, "800")
    assert panel.levels()[1] == 800
    assert not panel.auto_levels_continuous  # typed levels are not overwritten by the next frame
    _type(qtbot, panel.min_box, "200")
    assert panel.levels() == (200.0, 800.0)
    assert panel.histogram.item.getLevels() == pytest.approx((200.0, 800.0))  # the handles
    # x = 20 has 202, x = 50 has 505, x = 80 has 808: black, mid grey, white.
    assert _colour(panel, 20, 10)[0] < 3
    assert 120 < _colour(panel, 50, 10)[0] < 135
    assert _colour(panel, 80, 10) == (255, 255, 255)
    panel.set_frame(_ramp(top=2000))  # the live path keeps the levels
    assert panel.levels() == (200.0, 800.0)


def test_dragging_a_handle_moves_one_level_and_the_box_follows(panel, qtbot):
    panel.set_frame(_ramp())
    panel.set_levels(200, 800)
    item = panel.histogram.item
    middle_x = item.vb.viewRect().center().x()

    def on_histogram(level: float) -> QtCore.QPoint:
        return panel.histogram.mapFromScene(item.vb.mapViewToScene(QtCore.QPointF(middle_x, level)))

    _drag(panel.histogram, on_histogram(800), on_histogram(600))
    low, high = panel.levels()
    assert low == 200 and high == pytest.approx(600, abs=15)  # one screen pixel of histogram
    assert (panel.min_box.value(), panel.max_box.value()) == (low, high)
    # Dragging the band between the handles moves neither: never both levels at once.
    _drag(panel.histogram, on_histogram(400), on_histogram(300))
    assert panel.levels() == (low, high)


def test_auto_levels_ignore_the_extreme_pixels_settably(panel, qtbot):
    rng = np.random.default_rng(1)
    frame = rng.integers(1000, 1101, size=(400, 400)).astype(np.uint16)
    frame[::4, ::4][rng.random((100, 100)) < 0.0005] = 60000  # 0.05 % hot pixels
    frame[::4, ::4][rng.random((100, 100)) < 0.0005] = 5  # 0.05 % dead pixels
    panel.set_frame(frame)
    low, high = panel.levels()
    assert 1000 <= low < 1010 and 1090 < high <= 1100
    _type(qtbot, panel.clip_box, "0")
    assert panel.auto_levels_clip == 0
    panel.auto_levels_once()
    assert panel.levels() == (5.0, 60000.0)


@pytest.mark.parametrize("value", [32767, 65535, 1])
def test_a_flat_bright_frame_shows_white(panel, value):
    panel.set_frame(np.full((64, 64), value, np.uint16))  # e.g. the 2017 file: all 32767
    assert panel.levels()[1] == value
    assert _colour(panel, 30, 30) == (255, 255, 255)


def test_a_flat_zero_frame_shows_black(panel):
    panel.set_frame(np.zeros((64, 64), np.uint16))
    assert _colour(panel, 30, 30) == (0, 0, 0)


def test_gamma(panel, qtbot):
    panel.set_frame(_ramp())
    panel.set_levels(0, 1000)
    linear = _colour(panel, 25, 5)[0]  # value 253: a quarter of the way
    assert 60 < linear < 70
    _type(qtbot, panel.gamma_box, "0.5")
    assert panel.gamma == 0.5
    assert 124 < _colour(panel, 25, 5)[0] < 132  # sqrt(1/4): brighter
    panel.set_gamma(2.0)
    assert 13 < _colour(panel, 25, 5)[0] < 20  # (1/4)**2: darker


# --- histogram ---------------------------------------------------------------------------------
def test_log_histogram(panel, qtbot):
    frame = np.full((100, 100), 100, np.uint16)
    frame[:10] = 110  # 10 % at 110, 90 % at 100
    panel.set_frame(frame)
    x, linear = panel.histogram_data()
    at = {round(v): h for v, h in zip(x, linear, strict=True) if h}
    assert at[100] == 9 * at[110]
    qtbot.mouseClick(panel.log_check, QtCore.Qt.LeftButton)
    assert panel.log_histogram
    x, heights = panel.histogram_data()
    logged = {round(v): h for v, h in zip(x, heights, strict=True) if h}
    assert logged[100] == pytest.approx(np.log10(1 + at[100]))
    assert logged[110] == pytest.approx(np.log10(1 + at[110]))


def _shown_axis(panel: ImagePanel) -> tuple[float, float]:
    """The value range the histogram's plot shows (its vertical axis), as the operator sees it."""
    low, high = panel.histogram.item.vb.viewRange()[1]
    return low, high


def test_histogram_axis_is_steady_and_starts_afresh(panel, qtbot):
    panel.set_frame(_ramp(top=1000))
    assert panel.histogram_range() == (0.0, 1000.0)
    before = panel.histogram_data()[1].copy()
    panel.set_frame((_ramp(top=400) + 200).astype(np.uint16))  # values 200..600: inside
    qtbot.waitUntil(lambda: not np.array_equal(panel.histogram_data()[1], before), timeout=3000)
    assert panel.histogram_range() == (0.0, 1000.0)  # the axis did not jump
    panel.set_frame(_ramp(top=3000))
    qtbot.waitUntil(lambda: panel.histogram_range()[1] >= 3000.0, timeout=3000)  # at once
    panel.set_frame((_ramp(rows=32, cols=50, top=100) + 500).astype(np.uint16))  # new size
    # Afresh: the new frame and the levels (kept from before: they are still set).
    low, high = panel.levels()
    assert panel.histogram_range() == (min(500.0, low), max(600.0, high))
    panel.set_levels(510, 590)
    panel.set_frame(_ramp(rows=32, cols=50, top=50))
    panel.reset_histogram_range()  # e.g. a new recording of the same size
    assert panel.histogram_range() == (0.0, 590.0)  # the frame and the handles, exactly


def test_histogram_axis_shrinks_back_after_a_saturated_frame(panel, qtbot):
    """A bright transient widens the axis at once; once normal frames have been on screen for
    the hold, the axis is back around them and their histogram spreads over the plot again,
    even if the frame on screen then stays (no new frames: a paused viewer)."""
    panel.histogram_display.axis.hold_s = 0.5  # 3 s in use; shorter for the test
    rng = np.random.default_rng(0)
    normal = lambda: rng.integers(900, 1100, (128, 128)).astype(np.uint16)  # noqa: E731
    panel.set_frame(normal())
    panel.set_levels(900, 1100)
    bright = normal()
    bright[:20, :20] = 65535  # a saturated patch
    panel.set_frame(bright)
    qtbot.waitUntil(lambda: panel.histogram_range()[1] == 65535.0, timeout=3000)
    assert _shown_axis(panel)[1] > 65535 * 0.99
    x, heights = panel.histogram_data()
    assert np.count_nonzero(heights[x < 1100]) <= 4  # the normal pixels: a sliver
    panel.set_frame(normal())  # and it stays on screen

    def back() -> None:
        low, high = panel.histogram_range()
        assert 880 <= low <= 900 and 1099 <= high <= 1120
        assert _shown_axis(panel)[1] < 1200
        x, heights = panel.histogram_data()
        assert np.count_nonzero(heights) > 100  # the normal frame's histogram, spread out

    qtbot.waitUntil(back, timeout=3000)
    settled = panel.histogram_range()
    for _ in range(6):  # noisy frames go on: the axis stays put
        before = panel.histogram_data()[1].copy()
        panel.set_frame(normal())
        qtbot.waitUntil(
            lambda b=before: not np.array_equal(panel.histogram_data()[1], b), timeout=3000
        )
        assert panel.histogram_range() == settled


# --- saturation --------------------------------------------------------------------------------
def test_saturated_pixels_in_red(panel, qtbot):
    frame = np.full((64, 64), 1000, np.uint16)
    frame[10:20, 10:20] = 65535
    frame[40:50, 40:50] = 4095
    panel.set_frame(frame)
    panel.set_levels(0, 5000)
    assert _colour(panel, 15, 15) == (255, 255, 255)
    qtbot.mouseClick(panel.saturation_check, QtCore.Qt.LeftButton)
    assert panel.saturation_visible and panel.saturation_value == 65535  # uint16 by default
    assert _colour(panel, 15, 15) == RED
    assert _colour(panel, 45, 45) != RED and _colour(panel, 5, 5) != RED
    panel.set_bit_depth(12)  # a 12-bit camera: 4095 is its maximum
    assert panel.saturation_value == 4095
    assert _colour(panel, 45, 45) == RED and _colour(panel, 15, 15) == RED
    panel.set_saturation_value(32767)  # a legacy UUTrack file clipped at 32767
    assert _colour(panel, 45, 45) != RED and _colour(panel, 15, 15) == RED
    qtbot.mouseClick(panel.saturation_check, QtCore.Qt.LeftButton)
    assert _colour(panel, 15, 15) == (255, 255, 255)


def test_saturated_flat_frame_is_red_when_marked(panel):
    panel.set_saturation_value(32767)
    panel.set_saturation_visible(True)
    panel.set_frame(np.full((64, 64), 32767, np.uint16))
    assert _colour(panel, 30, 30) == RED


def test_saturation_on_a_strided_big_frame(panel):
    frame = np.full((2048, 2048), 1000, np.uint16)
    frame[1000:1100, 600:700] = 65535
    panel.set_saturation_visible(True)
    panel.set_frame(frame)
    assert _colour(panel, 650, 1050) == RED
    assert _colour(panel, 300, 300) != RED


# --- calibration and tools ---------------------------------------------------------------------
def test_pixel_size_gives_a_scale_bar_and_micrometres(panel):
    panel.set_frame(_ramp(rows=200, cols=400))
    assert panel.scale_bar is None
    panel.set_pixel_size(0.5)
    bar = panel.scale_bar
    assert bar is not None and bar.text.textItem.toPlainText() == f"{bar.length_um:g} µm"
    assert bar.size * 0.5 == pytest.approx(bar.length_um)  # its length in pixels, calibrated
    assert 20 <= bar.length_um <= 40  # about a fifth of the 200 µm wide view, rounded
    panel.set_profile_visible(True)
    panel.set_profile_line((10, 20), (110, 20))
    assert panel.profile_length() == (pytest.approx(100.0), pytest.approx(50.0))
    assert "µm" in panel.profile_plot.getAxis("bottom").labelText
    panel.set_roi_selector_visible(True)
    panel.roi_rect.setPos((16, 32))
    panel.roi_rect.setSize((64, 48))
    assert panel.roi_label.textItem.toPlainText() == "x 16  y 32  64 × 48 px  (32.00 × 24.00 µm)"
    assert panel.describe_pixel(10, 4).endswith("(5.00, 2.00 µm)")
    panel.set_pixel_size(None)
    assert panel.scale_bar is None and panel.profile_length()[1] is None
    assert panel.roi_label.textItem.toPlainText() == "x 16  y 32  64 × 48 px"
    with pytest.raises(ValueError):
        panel.set_pixel_size(0)


def test_profile_is_drawn_by_dragging_anywhere(panel, qtbot):
    frame = _ramp(rows=200, cols=300, top=299)  # value = x
    panel.set_frame(frame)
    panel.set_profile_visible(True)
    _drag(panel.graphics, _widget_point(panel, 40.5, 150.5), _widget_point(panel, 240.5, 150.5))
    (x0, y0), (x1, y1) = panel.profile_endpoints()
    assert (x0, y0) == (pytest.approx(40.5, abs=1), pytest.approx(150.5, abs=1))
    assert (x1, y1) == (pytest.approx(240.5, abs=1), pytest.approx(150.5, abs=1))
    values = panel.profile()
    assert values[0] == pytest.approx(40, abs=1) and values[-1] == pytest.approx(240, abs=1)
    assert np.all(np.diff(values.astype(int)) >= 0)  # along the ramp
    # Out of profile mode the same drag pans the image instead.
    panel.set_profile_visible(False)
    view_before = panel.view.viewRange()
    _drag(panel.graphics, _widget_point(panel, 40.5, 50.5), _widget_point(panel, 140.5, 50.5))
    assert panel.view.viewRange() != view_before
    assert panel.profile_endpoints()[0] == (x0, y0)


def test_roi_shows_its_position_and_size_while_dragged(panel, qtbot):
    panel.set_frame(_ramp(rows=200, cols=300))
    panel.set_roi_selector_visible(True)
    assert panel.roi_label.isVisible()
    x, y, w, h = panel.selected_roi()
    start = _widget_point(panel, x + w / 2, y + h / 2)
    end = _widget_point(panel, x + w / 2 + 30, y + h / 2 + 10)
    _drag(panel.graphics, start, end)
    moved = panel.selected_roi()
    assert moved[2:] == (w, h) and moved[0] == pytest.approx(x + 30, abs=2)
    assert panel.roi_label.textItem.toPlainText() == (f"x {moved[0]}  y {moved[1]}  {w} × {h} px")
