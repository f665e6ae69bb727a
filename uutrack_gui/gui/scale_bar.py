"""A scale bar in micrometres for an image whose view coordinates are sensor pixels."""

from __future__ import annotations

import math

import pyqtgraph as pg

#: The bar aims at about this fraction of the visible width, rounded to 1, 2 or 5 x 10^n µm.
TARGET_FRACTION = 0.2


def nice_length(target: float) -> float:
    """The largest 1, 2 or 5 x 10^n not above ``target`` (``target`` > 0)."""
    exponent = math.floor(math.log10(target))
    for mantissa in (5, 2, 1):
        value = mantissa * 10.0**exponent
        if value <= target * (1 + 1e-9):
            return value
    return 10.0**exponent


def format_length(um: float) -> str:
    """ "500 nm", "20 µm", "1 mm": the bar's label."""
    if um >= 1000:
        return f"{um / 1000:g} mm"
    if um < 1:
        return f"{um * 1000:g} nm"
    return f"{um:g} µm"


class ScaleBar(pg.ScaleBar):
    """pyqtgraph's scale bar, sized in µm from a calibration and kept readable when zooming.

    Parameters
    ----------
    um_per_px : float
        Micrometres per sensor pixel (one unit of the view's coordinates).
    """

    def __init__(self, um_per_px: float) -> None:
        super().__init__(size=1.0, width=6, brush=(255, 255, 255, 220), offset=(-18, -18))
        self.um_per_px = float(um_per_px)
        self.length_um = 0.0

    def set_pixel_size(self, um_per_px: float) -> None:
        """Change the calibration and redraw."""
        self.um_per_px = float(um_per_px)
        self.updateBar()

    def updateBar(self) -> None:
        """Pick a round length for the visible width, then let pyqtgraph draw it."""
        view = self.parentItem()
        if view is None:
            return
        (x0, x1), _ = view.viewRange()
        visible_um = abs(x1 - x0) * self.um_per_px
        if visible_um > 0:
            self.length_um = nice_length(visible_um * TARGET_FRACTION)
            self.size = self.length_um / self.um_per_px  # in view units: pixels
            self.text.setText(format_length(self.length_um))
        super().updateBar()
