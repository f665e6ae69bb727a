"""The image display shared by the live view and the timelapse viewer.

One widget, used in both windows: a pyqtgraph image with a histogram/LUT (manual levels), auto
levels once or continuously, zoom and pan, the pixel value under the cursor, a crosshair, a line
profile (cross-cut) and a rectangle for choosing an ROI.

Large frames are shown strided (every 2nd or 4th pixel) so that painting stays far below the
display period; the readout, profile and ROI always use the full-resolution frame, in sensor
pixel coordinates.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt5 import QtCore, QtGui, QtWidgets

from uutrack_gui.gui.levels import auto_levels

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)

#: Frames larger than this (pixels per side) are shown strided.
MAX_DISPLAY_SIDE = 1024
#: Shortest time between two histogram updates while frames stream in.
HISTOGRAM_INTERVAL_MS = 250


class ImagePanel(QtWidgets.QWidget):
    """Shows 2-D frames with levels, readout, crosshair, line profile and an ROI rectangle.

    Signals
    -------
    pixel_info(str)
        Text describing the pixel under the cursor (position and value), "" when outside.
    levels_changed(float, float)
        The black and white levels after any change (manual or automatic).
    """

    pixel_info = QtCore.pyqtSignal(str)
    levels_changed = QtCore.pyqtSignal(float, float)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame: np.ndarray | None = None
        self._step = 1
        self._levels_set = False
        self._auto_continuous = False
        self._cursor: tuple[int, int] | None = None

        self.graphics = pg.GraphicsLayoutWidget()
        self.view = self.graphics.addViewBox(lockAspect=True, invertY=True)
        self.view.setMenuEnabled(True)
        self.image_item = pg.ImageItem()
        self.view.addItem(self.image_item)

        self.histogram = pg.HistogramLUTWidget(image=self.image_item)
        self.histogram.setMinimumWidth(110)
        self.histogram.item.sigLevelsChanged.connect(self._on_levels_changed)
        # pyqtgraph recomputes and repaints the histogram on every new image: about a third of
        # the cost of showing a live frame. Nobody reads a histogram 30 times a second, so it
        # follows the image at most HISTOGRAM_INTERVAL_MS apart (a first frame shows at once).
        self.image_item.sigImageChanged.disconnect(self.histogram.item.imageChanged)
        self._histogram_stale = False
        self._histogram_timer = QtCore.QTimer(self)
        self._histogram_timer.setSingleShot(True)
        self._histogram_timer.setInterval(HISTOGRAM_INTERVAL_MS)
        self._histogram_timer.timeout.connect(self._refresh_histogram)

        pen = pg.mkPen((255, 200, 0), width=1)
        self._vline = pg.InfiniteLine(angle=90, movable=False, pen=pen)
        self._hline = pg.InfiniteLine(angle=0, movable=False, pen=pen)
        for line in (self._vline, self._hline):
            line.setVisible(False)
            line.setZValue(10)
            self.view.addItem(line, ignoreBounds=True)

        self.profile_line = pg.LineSegmentROI([[10, 10], [100, 100]], pen=pg.mkPen("c", width=2))
        self.profile_line.setZValue(11)
        self.profile_line.setVisible(False)
        self.view.addItem(self.profile_line)
        self.profile_line.sigRegionChanged.connect(self._update_profile)

        self.roi_rect = pg.RectROI([0, 0], [100, 100], pen=pg.mkPen("m", width=2))
        self.roi_rect.addScaleHandle([0, 0], [1, 1])
        self.roi_rect.setZValue(12)
        self.roi_rect.setVisible(False)
        self.view.addItem(self.roi_rect)

        self.profile_plot = pg.PlotWidget()
        self.profile_plot.setLabel("bottom", "distance along the line", units="px")
        self.profile_plot.setLabel("left", "value")
        self.profile_plot.setMaximumHeight(170)
        self.profile_plot.setVisible(False)
        self._profile_curve = self.profile_plot.plot(pen=pg.mkPen("c"))

        self.readout = QtWidgets.QLabel(" ")
        self.readout.setObjectName("pixelReadout")
        self.readout.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)

        top = QtWidgets.QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.graphics, 1)
        top.addWidget(self.histogram)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top, 1)
        layout.addWidget(self.profile_plot)
        layout.addWidget(self.readout)

        # No BSP index in our scenes: their items move all the time (crosshair, profile, the
        # image itself), so keeping an index up to date only costs, and tearing it down makes
        # Qt ask items being destroyed for their bounding rectangles.
        for view in (self.graphics, self.histogram, self.profile_plot):
            view.scene().setItemIndexMethod(QtWidgets.QGraphicsScene.NoIndex)

        # Throttled: the scene reports every mouse move, the readout needs at most ~60 a second.
        self._mouse_proxy = pg.SignalProxy(
            self.graphics.scene().sigMouseMoved, rateLimit=60, slot=self._on_mouse_moved
        )

    # --- frames -------------------------------------------------------------------------------
    @property
    def frame(self) -> np.ndarray | None:
        """The full-resolution frame on screen."""
        return self._frame

    def set_frame(self, frame: np.ndarray) -> None:
        """Show ``frame``; levels stay as they are unless continuous auto levels is on."""
        first = self._frame is None or self._frame.shape != frame.shape
        self._frame = frame
        step = max(1, math.ceil(max(frame.shape) / MAX_DISPLAY_SIDE))
        shown = frame[::step, ::step] if step > 1 else frame
        if step != self._step or first:
            self._step = step
            self.image_item.setTransform(QtGui.QTransform.fromScale(step, step))
        if not self._levels_set or self._auto_continuous:
            levels = auto_levels(frame)
            self.image_item.setImage(shown, autoLevels=False, levels=levels)
            self.histogram.item.setLevels(*levels)
            self._levels_set = True
        else:
            self.image_item.setImage(shown, autoLevels=False)
        if first:
            self.view.autoRange(padding=0)
        self._histogram_stale = True
        if not self._histogram_timer.isActive():
            self._refresh_histogram()
        if self.profile_line.isVisible():
            self._update_profile()
        if self._cursor is not None:
            self._show_pixel(*self._cursor)

    def _refresh_histogram(self) -> None:
        """Recompute the histogram of the shown image (rate-limited, see set_frame)."""
        if not self._histogram_stale:
            return
        self._histogram_stale = False
        self.histogram.item.imageChanged()
        self._histogram_timer.start()  # the next update waits at least one interval

    def clear(self) -> None:
        """Show nothing."""
        self._frame = None
        self.image_item.clear()
        self.readout.setText(" ")

    # --- levels -------------------------------------------------------------------------------
    def levels(self) -> tuple[float, float]:
        """Current (black, white) levels."""
        lo, hi = self.histogram.item.getLevels()
        return float(lo), float(hi)

    def set_levels(self, low: float, high: float) -> None:
        """Set the levels by hand (continuous auto levels is switched off)."""
        self.set_auto_levels_continuous(False)
        self.histogram.item.setLevels(low, high)
        self._levels_set = True

    def auto_levels_once(self) -> None:
        """Fit the levels to the current frame (0.1 to 99.9 percentile), once."""
        if self._frame is not None:
            lo, hi = auto_levels(self._frame)
            self.histogram.item.setLevels(lo, hi)
            self._levels_set = True

    def set_auto_levels_continuous(self, enabled: bool) -> None:
        """Refit the levels on every frame while ``enabled``."""
        self._auto_continuous = bool(enabled)

    @property
    def auto_levels_continuous(self) -> bool:
        """Whether levels are refitted on every frame."""
        return self._auto_continuous

    def _on_levels_changed(self) -> None:
        lo, hi = self.levels()
        self.levels_changed.emit(lo, hi)

    # --- overlays -----------------------------------------------------------------------------
    def set_crosshair_visible(self, visible: bool) -> None:
        """Show a crosshair that follows the cursor."""
        self._vline.setVisible(visible)
        self._hline.setVisible(visible)

    def set_profile_visible(self, visible: bool) -> None:
        """Show the line profile: a line on the image and the values along it below."""
        if visible and self._frame is not None and not self.profile_line.isVisible():
            rows, cols = self._frame.shape
            self.profile_line.setPos((0, 0))
            handles = self.profile_line.getHandles()
            handles[0].setPos(cols * 0.25, rows * 0.5)
            handles[1].setPos(cols * 0.75, rows * 0.5)
        self.profile_line.setVisible(visible)
        self.profile_plot.setVisible(visible)
        if visible:
            self._update_profile()

    def profile(self) -> np.ndarray:
        """Values of the full-resolution frame along the profile line (nearest pixel)."""
        if self._frame is None:
            return np.empty(0)
        (x0, y0), (x1, y1) = (
            (p.x(), p.y())
            for p in (
                self.profile_line.mapToParent(h.pos()) for h in self.profile_line.getHandles()
            )
        )
        n = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
        rows, cols = self._frame.shape
        xs = np.clip(np.rint(np.linspace(x0, x1, n)).astype(int), 0, cols - 1)
        ys = np.clip(np.rint(np.linspace(y0, y1, n)).astype(int), 0, rows - 1)
        return self._frame[ys, xs]

    def _update_profile(self) -> None:
        values = self.profile()
        self._profile_curve.setData(np.arange(values.size), values)

    def set_roi_selector_visible(self, visible: bool) -> None:
        """Show the ROI rectangle (drag and resize it, then read :meth:`selected_roi`)."""
        if visible and self._frame is not None and not self.roi_rect.isVisible():
            rows, cols = self._frame.shape
            self.roi_rect.setPos((cols // 4, rows // 4))
            self.roi_rect.setSize((cols // 2, rows // 2))
        self.roi_rect.setVisible(visible)

    def selected_roi(self) -> tuple[int, int, int, int] | None:
        """The ROI rectangle as (x0, y0, width, height) in frame pixels, clipped to the frame."""
        if self._frame is None or not self.roi_rect.isVisible():
            return None
        rows, cols = self._frame.shape
        x, y = self.roi_rect.pos()
        w, h = self.roi_rect.size()
        x0, y0 = max(0, int(round(x))), max(0, int(round(y)))
        x1, y1 = min(cols, int(round(x + w))), min(rows, int(round(y + h)))
        if x1 - x0 < 1 or y1 - y0 < 1:
            return None
        return (x0, y0, x1 - x0, y1 - y0)

    # --- cursor -------------------------------------------------------------------------------
    def _on_mouse_moved(self, event: tuple) -> None:
        position = event[0]
        if not self.view.sceneBoundingRect().contains(position):
            self._cursor = None
            self.readout.setText(" ")
            self.pixel_info.emit("")
            return
        point = self.view.mapSceneToView(position)
        self._vline.setPos(point.x())
        self._hline.setPos(point.y())
        self._cursor = (int(math.floor(point.x())), int(math.floor(point.y())))
        self._show_pixel(*self._cursor)

    def _show_pixel(self, x: int, y: int) -> None:
        text = self.describe_pixel(x, y)
        self.readout.setText(text or " ")
        self.pixel_info.emit(text)

    def describe_pixel(self, x: int, y: int) -> str:
        """ "x 12  y 34  value 5678" for a pixel of the frame, "" outside it."""
        frame = self._frame
        if frame is None or not (0 <= y < frame.shape[0] and 0 <= x < frame.shape[1]):
            return ""
        return f"x {x}  y {y}  value {frame[y, x]}"
