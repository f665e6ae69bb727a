"""The line profile (cross-cut) of the image panel: a line drawn by dragging, values plotted below.

Kept apart from :mod:`uutrack_gui.gui.image_panel` so that the panel only composes its tools.
The profile always reads the full-resolution frame, in sensor pixel coordinates, and gives
distances in µm once a calibration is set.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt5 import QtCore


class DragViewBox(pg.ViewBox):
    """A ViewBox whose left-button drags can be taken over (to draw a line profile)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        #: Called with each drag event instead of panning, while set.
        self.drag_handler = None

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 - pyqtgraph's name
        if self.drag_handler is not None and ev.button() == QtCore.Qt.LeftButton:
            ev.accept()
            self.drag_handler(ev)
            return
        super().mouseDragEvent(ev, axis)


class ProfileTool:
    """The profile line on ``view`` and its plot.

    The owner sets :attr:`frame` to the full-resolution frame on screen (None if none): a
    plain attribute rather than a callback into the owner, so the tool holds no reference back
    to the widget that owns it (no cycle for the garbage collector to break at teardown).

    Parameters
    ----------
    view : DragViewBox
        The image's view; in profile mode its left drags draw the line.
    """

    def __init__(self, view: DragViewBox) -> None:
        self._view = view
        #: The full-resolution frame on screen, set by the owner.
        self.frame: np.ndarray | None = None
        self._pixel_size: float | None = None
        self.line = pg.LineSegmentROI([[10, 10], [100, 100]], pen=pg.mkPen("c", width=2))
        self.line.setZValue(11)
        self.line.setVisible(False)
        view.addItem(self.line)
        self.line.sigRegionChanged.connect(self.update)

        self.plot = pg.PlotWidget()
        self.plot.setLabel("left", "value")
        self.plot.setMaximumHeight(170)
        self.plot.setVisible(False)
        self._curve = self.plot.plot(pen=pg.mkPen("c"))
        self._label_axis()

    @property
    def visible(self) -> bool:
        """Whether profile mode is on."""
        return self.line.isVisible()

    def set_visible(self, visible: bool) -> None:
        """Profile mode on or off (see :meth:`ImagePanel.set_profile_visible`)."""
        frame = self.frame
        if visible and frame is not None and not self.line.isVisible():
            rows, cols = frame.shape
            self.set_line((cols * 0.25, rows * 0.5), (cols * 0.75, rows * 0.5))
        self.line.setVisible(visible)
        self.plot.setVisible(visible)
        self._view.drag_handler = self._draw if visible else None
        if visible:
            self.update()

    def set_pixel_size(self, um_per_px: float | None) -> None:
        """Micrometres per pixel for the distance axis (None: pixels)."""
        self._pixel_size = um_per_px
        self._label_axis()
        if self.visible:  # hidden, it is redrawn when shown (set_visible)
            self.update()

    def set_line(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        """Place the line from ``start`` to ``end`` (x, y in frame pixels)."""
        line = self.line
        line.setPos((0, 0))
        for handle, (x, y) in zip(line.getHandles(), (start, end), strict=True):
            line.movePoint(handle, QtCore.QPointF(x, y), finish=False, coords="parent")
        line.sigRegionChangeFinished.emit(line)

    def endpoints(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The line's ends (x, y) in frame pixels."""
        line = self.line
        start, end = (line.mapToParent(h.pos()) for h in line.getHandles())
        return (start.x(), start.y()), (end.x(), end.y())

    def length(self) -> tuple[float, float | None]:
        """Length of the line in pixels and in µm (None if not calibrated)."""
        (x0, y0), (x1, y1) = self.endpoints()
        pixels = math.hypot(x1 - x0, y1 - y0)
        return pixels, (None if self._pixel_size is None else pixels * self._pixel_size)

    def values(self) -> np.ndarray:
        """Values of the full-resolution frame along the line (nearest pixel)."""
        frame = self.frame
        if frame is None:
            return np.empty(0)
        (x0, y0), (x1, y1) = self.endpoints()
        n = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
        rows, cols = frame.shape
        xs = np.clip(np.rint(np.linspace(x0, x1, n)).astype(int), 0, cols - 1)
        ys = np.clip(np.rint(np.linspace(y0, y1, n)).astype(int), 0, rows - 1)
        return frame[ys, xs]

    def update(self) -> None:
        """Redraw the plot from the frame on screen and the line."""
        values = self.values()
        pixels, um = self.length()
        scale = (um / pixels if pixels else 0.0) if um is not None else 1.0
        distance = np.linspace(0.0, pixels * scale, values.size)
        self._curve.setData(distance, values)
        if um is None:
            title = f"length {pixels:.1f} px"
        else:
            title = f"length {pixels:.1f} px = {um:.2f} µm"
        self.plot.setTitle(title, size="9pt")

    def _draw(self, ev) -> None:
        """A left drag on the image in profile mode: the line follows from press to cursor."""
        start = self._view.mapSceneToView(ev.buttonDownScenePos())
        end = self._view.mapSceneToView(ev.scenePos())
        self.set_line((start.x(), start.y()), (end.x(), end.y()))

    def _label_axis(self) -> None:
        unit = "µm" if self._pixel_size is not None else "px"
        self.plot.setLabel("bottom", f"distance along the line ({unit})")
