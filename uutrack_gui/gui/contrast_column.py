"""The contrast controls beside the image: histogram with level handles, exact numbers, toggles.

Widgets only; :class:`~uutrack_gui.gui.image_panel.ImagePanel` connects them to its state.
"""

from __future__ import annotations

import pyqtgraph as pg
from PyQt5 import QtWidgets


def _spin(tip: str, prefix: str = "", suffix: str = "") -> QtWidgets.QDoubleSpinBox:
    box = QtWidgets.QDoubleSpinBox()
    box.setKeyboardTracking(False)  # one change on Enter, not one per digit typed
    box.setPrefix(prefix)
    box.setSuffix(suffix)
    box.setToolTip(tip)
    box.setAccelerated(True)
    return box


class ContrastColumn(QtWidgets.QWidget):
    """White level box, histogram, black level box, gamma, auto-level clipping, toggles.

    Attributes
    ----------
    histogram : pyqtgraph.HistogramLUTWidget
        Its handles are the levels, one at a time: dragging the band between them does
        nothing (pyqtgraph would move both levels at once). Its value axis is not draggable.
    max_box, min_box : QDoubleSpinBox
        The white and black levels as numbers to type.
    gamma_box, clip_box : QDoubleSpinBox
        Display gamma; percentage of pixels auto levels ignore at each end.
    log_check, saturation_check : QCheckBox
        Log-scale histogram; saturated pixels marked.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.histogram = pg.HistogramLUTWidget()
        self.histogram.setMinimumWidth(110)
        item = self.histogram.item
        item.vb.setMouseEnabled(x=False, y=False)  # the axis is the panel's: steady
        item.region.movable = False  # the band; its two lines stay movable one by one
        item.region.setAcceptHoverEvents(False)

        self.max_box = _spin("White level: pixels at or above it are white", "max ")
        self.min_box = _spin("Black level: pixels at or below it are black", "min ")
        for box in (self.max_box, self.min_box):
            box.setRange(-1e12, 1e12)
            box.setDecimals(0)
        self.gamma_box = _spin("Gamma: below 1 brightens faint features, above 1 darkens", "γ ")
        self.gamma_box.setRange(0.1, 5.0)
        self.gamma_box.setDecimals(2)
        self.gamma_box.setSingleStep(0.05)
        self.gamma_box.setValue(1.0)
        self.clip_box = _spin(
            "Auto levels ignore this percentage of the darkest and of the brightest pixels",
            "auto ",
            " %",
        )
        self.clip_box.setRange(0.0, 25.0)
        self.clip_box.setDecimals(2)
        self.clip_box.setSingleStep(0.05)
        self.log_check = QtWidgets.QCheckBox("log histogram")
        self.log_check.setToolTip("Histogram heights on a log scale (rare values stay visible)")
        self.saturation_check = QtWidgets.QCheckBox("saturation")
        self.saturation_check.setToolTip("Show pixels at the camera's maximum in red")

        column = QtWidgets.QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.max_box)
        column.addWidget(self.histogram, 1)
        for widget in (
            self.min_box,
            self.gamma_box,
            self.clip_box,
            self.log_check,
            self.saturation_check,
        ):
            column.addWidget(widget)
        self.setMaximumWidth(150)
