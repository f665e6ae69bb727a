"""The ROI rectangle of the image panel, with its x, y, width, height label shown while dragged.

Kept apart from :mod:`uutrack_gui.gui.image_panel` so that the panel only composes its tools.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg


class RoiTool:
    """A draggable, resizable rectangle on ``view`` and its label.

    The owner sets :attr:`frame` to the full-resolution frame on screen (None if none): a
    plain attribute rather than a callback into the owner, so the tool holds no reference back
    to the widget that owns it (no cycle for the garbage collector to break at teardown).

    Parameters
    ----------
    view : pg.ViewBox
        The image's view.
    """

    def __init__(self, view: pg.ViewBox) -> None:
        #: The full-resolution frame on screen, set by the owner.
        self.frame: np.ndarray | None = None
        self._pixel_size: float | None = None
        self.rect = pg.RectROI([0, 0], [100, 100], pen=pg.mkPen("m", width=2))
        self.rect.addScaleHandle([0, 0], [1, 1])
        self.rect.setZValue(12)
        self.rect.setVisible(False)
        view.addItem(self.rect)
        self.label = pg.TextItem(color=(255, 120, 255), anchor=(0, 1), fill=(0, 0, 0, 150))
        self.label.setZValue(13)
        self.label.setVisible(False)
        view.addItem(self.label, ignoreBounds=True)
        self.rect.sigRegionChanged.connect(self.update_label)

    def set_visible(self, visible: bool) -> None:
        """Show the rectangle (the middle half of the frame when first shown)."""
        frame = self.frame
        if visible and frame is not None and not self.rect.isVisible():
            rows, cols = frame.shape
            self.rect.setPos((cols // 4, rows // 4))
            self.rect.setSize((cols // 2, rows // 2))
        self.rect.setVisible(visible)
        self.label.setVisible(visible)
        self.update_label()

    def set_pixel_size(self, um_per_px: float | None) -> None:
        """Micrometres per pixel for the label (None: pixels only)."""
        self._pixel_size = um_per_px
        self.update_label()

    def selected(self) -> tuple[int, int, int, int] | None:
        """The rectangle as (x0, y0, width, height) in frame pixels, clipped to the frame."""
        frame = self.frame
        if frame is None or not self.rect.isVisible():
            return None
        rows, cols = frame.shape
        x, y = self.rect.pos()
        w, h = self.rect.size()
        x0, y0 = max(0, int(round(x))), max(0, int(round(y)))
        x1, y1 = min(cols, int(round(x + w))), min(rows, int(round(y + h)))
        if x1 - x0 < 1 or y1 - y0 < 1:
            return None
        return (x0, y0, x1 - x0, y1 - y0)

    def text(self) -> str:
        """ "x 16  y 32  64 × 48 px" (and the size in µm when calibrated), "" without an ROI."""
        roi = self.selected()
        if roi is None:
            return ""
        x, y, w, h = roi
        text = f"x {x}  y {y}  {w} × {h} px"
        if self._pixel_size is not None:
            text += f"  ({w * self._pixel_size:.2f} × {h * self._pixel_size:.2f} µm)"
        return text

    def update_label(self) -> None:
        """Put the label's text and position in step with the rectangle."""
        if not self.rect.isVisible():
            return
        self.label.setText(self.text())
        self.label.setPos(*self.rect.pos())
