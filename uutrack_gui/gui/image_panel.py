"""The image display shared by the live view and the timelapse viewer.

One widget, used in both windows: a pyqtgraph image with a histogram and exact contrast
controls (black/white levels typed or dragged, gamma, log histogram, auto levels ignoring a
settable fraction of extreme pixels, once or continuously), saturated pixels in a warning colour,
zoom and pan, the pixel value under the cursor, a crosshair, a line profile (cross-cut) drawn by
dragging, a rectangle for choosing an ROI, and a scale bar once a calibration is set.

Large frames are shown strided (every 2nd or 4th pixel) so that painting stays far below the
display period; the readout, profile and ROI always use the full-resolution frame, in sensor
pixel coordinates. The saturation overlay is computed on the strided image too (about 1 ms for a
2048 x 2048 frame), so a lone saturated pixel between two shown ones is not marked.

The histogram is this widget's own (:class:`~uutrack_gui.gui.histogram_display.HistogramDisplay`:
a strided subsample, rate-limited), not pyqtgraph's per-image one. Its value axis is steady from
frame to frame, widens at once to take in new values and shrinks back once the data and levels
have stayed in a much smaller range for a few seconds; a new frame size, :meth:`clear` or
:meth:`reset_histogram_range` start it afresh.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt5 import QtCore, QtGui, QtWidgets

from uutrack_gui.gui import levels as lv
from uutrack_gui.gui.contrast_column import ContrastColumn
from uutrack_gui.gui.histogram_display import HistogramDisplay
from uutrack_gui.gui.mask_overlay import MaskOverlay
from uutrack_gui.gui.profile_tool import DragViewBox, ProfileTool
from uutrack_gui.gui.roi_tool import RoiTool
from uutrack_gui.gui.scale_bar import ScaleBar

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)

#: Frames larger than this (pixels per side) are shown strided.
MAX_DISPLAY_SIDE = 1024
#: Colour of saturated pixels (opaque red, as Fiji's HiLo and Micro-Manager show them).
SATURATION_COLOUR = (255, 0, 0)
#: Entries of the display lookup table (gamma and colour map).
_LUT_SIZE = 512
#: Contrast of a fresh start (and of :meth:`ImagePanel.reset_contrast`).
DEFAULT_GAMMA = 1.0
DEFAULT_CLIP_PERCENT = 0.1


class ImagePanel(QtWidgets.QWidget):
    """Shows 2-D frames with exact contrast, saturation, readout, profile, ROI and scale bar.

    Signals
    -------
    pixel_info(str)
        Text describing the pixel under the cursor (position and value), "" when outside.
    levels_changed(float, float)
        The black and white levels after any change (typed, dragged or automatic).
    auto_levels_continuous_changed(bool)
        Continuous auto levels switched on or off (also when the operator sets levels by hand).
    """

    pixel_info = QtCore.pyqtSignal(str)
    levels_changed = QtCore.pyqtSignal(float, float)
    auto_levels_continuous_changed = QtCore.pyqtSignal(bool)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame: np.ndarray | None = None
        self._shown: np.ndarray | None = None
        self._step = 1
        self._levels = (0.0, 1.0)
        self._levels_set = False
        self._auto_continuous = False
        self._clip_percent = DEFAULT_CLIP_PERCENT
        self._gamma = DEFAULT_GAMMA
        self._saturation_shown = False
        self._saturation_value: float | None = None  # None: from the dtype / bit depth
        self._bit_depth: int | None = None
        self._pixel_size: float | None = None
        self._cursor: tuple[int, int] | None = None
        self._programmatic = False  # levels being set by code, not by the operator

        self._build_image()
        self._build_contrast_column()
        self._build_overlays()
        self._build_layout()
        self._apply_lookup_table()

    # --- construction -------------------------------------------------------------------------
    def _build_image(self) -> None:
        self.graphics = pg.GraphicsLayoutWidget()
        self.view = DragViewBox(lockAspect=True, invertY=True)
        self.graphics.addItem(self.view)
        self.view.setMenuEnabled(True)
        self.image_item = pg.ImageItem()
        self.view.addItem(self.image_item)
        # Saturated pixels: painted over the image, transparent except where saturated.
        self.saturation_item = MaskOverlay(SATURATION_COLOUR)
        self.saturation_item.setZValue(1)
        self.saturation_item.setVisible(False)
        self.view.addItem(self.saturation_item, ignoreBounds=True)
        self._scale_bar: ScaleBar | None = None

    def _build_contrast_column(self) -> None:
        # The histogram and its level handles; the image is not linked to it (levels, lookup
        # table and histogram are set here), so pyqtgraph never recomputes a histogram per frame.
        self.contrast_column = ContrastColumn()
        column = self.contrast_column
        self.histogram = column.histogram
        self.max_box, self.min_box = column.max_box, column.min_box
        self.gamma_box, self.clip_box = column.gamma_box, column.clip_box
        self.log_check, self.saturation_check = column.log_check, column.saturation_check
        item = self.histogram.item
        item.sigLevelsChanged.connect(self._on_region_moved)
        item.sigLookupTableChanged.connect(self._apply_lookup_table)
        self.max_box.valueChanged.connect(lambda value: self._typed_level(high=value))
        self.min_box.valueChanged.connect(lambda value: self._typed_level(low=value))
        self.gamma_box.valueChanged.connect(self.set_gamma)
        self.clip_box.setValue(self._clip_percent)
        self.clip_box.valueChanged.connect(self.set_auto_levels_clip)
        self.log_check.toggled.connect(self.set_log_histogram)
        self.saturation_check.toggled.connect(self.set_saturation_visible)
        self.histogram_display = HistogramDisplay(item, self)

    def _build_overlays(self) -> None:
        pen = pg.mkPen((255, 200, 0), width=1)
        self._vline = pg.InfiniteLine(angle=90, movable=False, pen=pen)
        self._hline = pg.InfiniteLine(angle=0, movable=False, pen=pen)
        for line in (self._vline, self._hline):
            line.setVisible(False)
            line.setZValue(10)
            self.view.addItem(line, ignoreBounds=True)

        self.profile_tool = ProfileTool(self.view)
        self.profile_line, self.profile_plot = self.profile_tool.line, self.profile_tool.plot
        self.roi_tool = RoiTool(self.view)
        self.roi_rect, self.roi_label = self.roi_tool.rect, self.roi_tool.label

    def _build_layout(self) -> None:
        self.readout = QtWidgets.QLabel(" ")
        self.readout.setObjectName("pixelReadout")
        self.readout.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)

        top = QtWidgets.QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.graphics, 1)
        top.addWidget(self.contrast_column)
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
        previous = self._frame
        first = previous is None or previous.shape != frame.shape
        if first or previous.dtype != frame.dtype:
            self.histogram_display.reset(frame.dtype)  # a new kind of frame: a fresh axis
            self._configure_level_boxes(frame.dtype)
        self._frame = self.profile_tool.frame = self.roi_tool.frame = frame
        step = max(1, math.ceil(max(frame.shape) / MAX_DISPLAY_SIDE))
        shown = frame[::step, ::step] if step > 1 else frame
        self._shown = shown
        if step != self._step or first:
            self._step = step
            transform = QtGui.QTransform.fromScale(step, step)
            self.image_item.setTransform(transform)
            self.saturation_item.setTransform(transform)
        if not self._levels_set or self._auto_continuous:
            self._set_levels(*self._fit_levels(frame), by_operator=False)
        self.image_item.setImage(shown, autoLevels=False, levels=self._levels)
        self._update_saturation()
        if first:
            self.view.autoRange(padding=0)
        self.histogram_display.set_frame(frame)
        if self.profile_tool.visible:
            self.profile_tool.update()
        if self._cursor is not None:
            self._show_pixel(*self._cursor)

    def clear(self) -> None:
        """Show nothing; the next frame starts a new histogram axis."""
        self._frame = self.profile_tool.frame = self.roi_tool.frame = None
        self._shown = None
        self.histogram_display.clear()
        self.image_item.clear()
        self.saturation_item.set_mask(None)
        self.readout.setText(" ")

    # --- levels -------------------------------------------------------------------------------
    def levels(self) -> tuple[float, float]:
        """Current (black, white) levels."""
        return self._levels

    def set_levels(self, low: float, high: float) -> None:
        """Set the levels by hand (continuous auto levels is switched off).

        A white level at or below the black one is moved just above it.
        """
        self.set_auto_levels_continuous(False)
        self._set_levels(low, high, by_operator=False)

    def auto_levels_once(self) -> None:
        """Fit the levels to the current frame, ignoring the extreme pixels, once."""
        if self._frame is not None:
            self._set_levels(*self._fit_levels(self._frame), by_operator=False)

    def reset_contrast(self) -> None:
        """The contrast controls as at a fresh start: continuous auto levels off, linear grey,
        default clipping, linear histogram, no saturation marks, levels fitted once."""
        self.set_auto_levels_continuous(False)
        self.set_gamma(DEFAULT_GAMMA)
        self.set_auto_levels_clip(DEFAULT_CLIP_PERCENT)
        self.set_log_histogram(False)
        self.set_saturation_visible(False)
        self.histogram.item.gradient.loadPreset("grey")  # pyqtgraph's own default map
        self._levels_set = False  # without a frame yet, the next one is fitted (as at start)
        self.auto_levels_once()

    def set_auto_levels_continuous(self, enabled: bool) -> None:
        """Refit the levels on every frame while ``enabled``."""
        enabled = bool(enabled)
        if enabled == self._auto_continuous:
            return
        self._auto_continuous = enabled
        self.auto_levels_continuous_changed.emit(enabled)

    @property
    def auto_levels_continuous(self) -> bool:
        """Whether levels are refitted on every frame."""
        return self._auto_continuous

    def set_auto_levels_clip(self, percent: float) -> None:
        """Auto levels ignore ``percent`` % of the darkest and of the brightest pixels (0-25)."""
        self._clip_percent = min(25.0, max(0.0, float(percent)))
        _quietly(self.clip_box.setValue, self._clip_percent)

    @property
    def auto_levels_clip(self) -> float:
        """Percentage of pixels auto levels ignore at each end (0.1 by default)."""
        return self._clip_percent

    def set_gamma(self, gamma: float) -> None:
        """Display gamma: shown brightness = (scaled value) ** gamma; 1 is linear."""
        self._gamma = min(5.0, max(0.1, float(gamma)))
        _quietly(self.gamma_box.setValue, self._gamma)
        self._apply_lookup_table()

    @property
    def gamma(self) -> float:
        """The display gamma (1 = linear)."""
        return self._gamma

    def _fit_levels(self, frame: np.ndarray) -> tuple[float, float]:
        return lv.auto_levels(frame, self._clip_percent, 100.0 - self._clip_percent)

    def _set_levels(self, low: float, high: float, by_operator: bool) -> None:
        """The one place levels change: image, histogram handles, boxes and signal agree."""
        low, high = float(low), float(high)
        if self._integer_levels:
            low, high = float(round(low)), float(round(high))  # what the boxes show is exact
        if high <= low:
            high = low + (1.0 if self._integer_levels else max(abs(low) * 1e-6, 1e-9))
        if not by_operator:
            self._programmatic = True
            try:
                self.histogram.item.setLevels(low, high)  # calls _on_region_moved
            finally:
                self._programmatic = False
        self._levels = (low, high)
        self._levels_set = True
        self.image_item.setLevels(self._levels)
        _quietly(self.min_box.setValue, low)
        _quietly(self.max_box.setValue, high)
        self.histogram_display.set_levels(low, high)
        self.levels_changed.emit(low, high)

    def _on_region_moved(self) -> None:
        """The histogram's handles moved (dragged by the operator, or set by code)."""
        if self._programmatic:
            return
        self.set_auto_levels_continuous(False)  # a hand on the handles takes over
        low, high = (float(v) for v in self.histogram.item.getLevels())
        self._set_levels(low, high, by_operator=True)

    def _typed_level(self, low: float | None = None, high: float | None = None) -> None:
        current_low, current_high = self._levels
        self.set_levels(current_low if low is None else low, current_high if high is None else high)

    @property
    def _integer_levels(self) -> bool:
        return self._frame is not None and self._frame.dtype.kind in "ui"

    def _configure_level_boxes(self, dtype: np.dtype) -> None:
        if dtype.kind in "ui":
            info = np.iinfo(dtype)
            low, high, decimals = float(info.min), float(info.max), 0
        else:
            low, high, decimals = -1e12, 1e12, 3
        for box in (self.min_box, self.max_box):
            _quietly(box.setDecimals, decimals)
            _quietly(box.setRange, low, high)
        _quietly(self.min_box.setValue, self._levels[0])
        _quietly(self.max_box.setValue, self._levels[1])

    # --- lookup table -------------------------------------------------------------------------
    def _apply_lookup_table(self) -> None:
        """Gamma, then the histogram's colour map (grey unless the operator picked another)."""
        gradient = self.histogram.item.gradient
        base = None if gradient.isLookupTrivial() else gradient.getLookupTable(_LUT_SIZE)
        self.image_item.setLookupTable(lv.gamma_lut(base, self._gamma, _LUT_SIZE))

    # --- histogram ----------------------------------------------------------------------------
    def set_log_histogram(self, enabled: bool) -> None:
        """Show the histogram's heights on a log scale."""
        _quietly(self.log_check.setChecked, bool(enabled))
        self.histogram_display.set_log(enabled)

    @property
    def log_histogram(self) -> bool:
        """Whether the histogram's heights are on a log scale."""
        return self.histogram_display.log

    def reset_histogram_range(self) -> None:
        """Fit the histogram's value axis to the current frame (e.g. for a new recording)."""
        display = self.histogram_display
        display.reset(None if self._frame is None else self._frame.dtype)  # levels are kept
        if self._frame is not None:
            display.set_frame(self._frame)

    def histogram_range(self) -> tuple[float, float] | None:
        """The value range the histogram's axis covers (None before the first frame)."""
        return self.histogram_display.axis.range

    def histogram_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The histogram as drawn: bin centres and heights (log10(1 + count) in log mode)."""
        return self.histogram_display.data()

    # --- saturation ---------------------------------------------------------------------------
    def set_saturation_visible(self, visible: bool) -> None:
        """Draw pixels at or above :attr:`saturation_value` in :data:`SATURATION_COLOUR`."""
        self._saturation_shown = bool(visible)
        _quietly(self.saturation_check.setChecked, self._saturation_shown)
        self._update_saturation()

    @property
    def saturation_visible(self) -> bool:
        """Whether saturated pixels are marked."""
        return self._saturation_shown

    def set_saturation_value(self, value: float | None) -> None:
        """The value the camera saturates at; None: ``2**bit_depth - 1`` or the dtype's maximum.

        E.g. 4095 for a 12-bit camera delivering uint16, 32767 for a legacy UUTrack file (its
        saver clipped at 32767).
        """
        self._saturation_value = None if value is None else float(value)
        self._update_saturation()

    def set_bit_depth(self, bits: int | None) -> None:
        """The camera's bit depth, for the default saturation value (None: the dtype's)."""
        self._bit_depth = None if bits is None else int(bits)
        self._update_saturation()

    @property
    def saturation_value(self) -> float | None:
        """The value pixels are marked saturated at (None: unknown, e.g. float frames)."""
        if self._saturation_value is not None:
            return self._saturation_value
        if self._frame is None:
            return None
        return lv.default_saturation(self._frame.dtype, self._bit_depth)

    def _update_saturation(self) -> None:
        value = self.saturation_value
        mask = None
        if self._saturation_shown and self._shown is not None and value is not None:
            mask = lv.saturation_mask(self._shown, value)
        self.saturation_item.set_mask(mask)

    # --- calibration --------------------------------------------------------------------------
    def set_pixel_size(self, um_per_px: float | None) -> None:
        """Micrometres per sensor pixel (None: not calibrated).

        Calibrated, the view shows a scale bar and the profile, ROI and readout give µm too.
        """
        if um_per_px is not None and not (math.isfinite(um_per_px) and um_per_px > 0):
            raise ValueError(f"pixel size must be a positive number of µm, got {um_per_px!r}")
        self._pixel_size = None if um_per_px is None else float(um_per_px)
        if self._pixel_size is None:
            if self._scale_bar is not None:
                self._scale_bar.setVisible(False)
        elif self._scale_bar is None:
            self._scale_bar = ScaleBar(self._pixel_size)
            self._scale_bar.setParentItem(self.view)
        else:
            self._scale_bar.set_pixel_size(self._pixel_size)
            self._scale_bar.setVisible(True)
        self.profile_tool.set_pixel_size(self._pixel_size)
        self.roi_tool.set_pixel_size(self._pixel_size)

    @property
    def pixel_size(self) -> float | None:
        """Micrometres per pixel, None if not calibrated."""
        return self._pixel_size

    @property
    def scale_bar(self) -> ScaleBar | None:
        """The scale bar shown while calibrated (None or hidden otherwise)."""
        bar = self._scale_bar
        return bar if bar is not None and bar.isVisible() else None

    # --- overlays -----------------------------------------------------------------------------
    def set_crosshair_visible(self, visible: bool) -> None:
        """Show a crosshair that follows the cursor."""
        self._vline.setVisible(visible)
        self._hline.setVisible(visible)

    def set_profile_visible(self, visible: bool) -> None:
        """Profile mode: drag anywhere on the image to draw the line; values plotted below.

        Panning is then on the middle button (and the wheel zooms, as always).
        """
        self.profile_tool.set_visible(visible)

    def set_profile_line(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        """Place the profile line from ``start`` to ``end`` (x, y in frame pixels)."""
        self.profile_tool.set_line(start, end)

    def profile_endpoints(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The profile line's ends (x, y) in frame pixels."""
        return self.profile_tool.endpoints()

    def profile_length(self) -> tuple[float, float | None]:
        """Length of the profile line in pixels and in µm (None if not calibrated)."""
        return self.profile_tool.length()

    def profile(self) -> np.ndarray:
        """Values of the full-resolution frame along the profile line (nearest pixel)."""
        return self.profile_tool.values()

    def set_roi_selector_visible(self, visible: bool) -> None:
        """Show the ROI rectangle (drag and resize it, then read :meth:`selected_roi`)."""
        self.roi_tool.set_visible(visible)

    def selected_roi(self) -> tuple[int, int, int, int] | None:
        """The ROI rectangle as (x0, y0, width, height) in frame pixels, clipped to the frame."""
        return self.roi_tool.selected()

    def roi_text(self) -> str:
        """ "x 16  y 32  64 × 48 px" (and the size in µm when calibrated), "" without an ROI."""
        return self.roi_tool.text()

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
        """ "x 12  y 34  value 5678" for a pixel of the frame (and µm when calibrated)."""
        frame = self._frame
        if frame is None or not (0 <= y < frame.shape[0] and 0 <= x < frame.shape[1]):
            return ""
        text = f"x {x}  y {y}  value {frame[y, x]}"
        if self._pixel_size is not None:
            text += f"  ({x * self._pixel_size:.2f}, {y * self._pixel_size:.2f} µm)"
        return text


def _quietly(setter, *args) -> None:
    """Call a widget setter without its change signal (to mirror a state, not change it)."""
    widget = setter.__self__
    blocked = widget.blockSignals(True)
    try:
        setter(*args)
    finally:
        widget.blockSignals(blocked)
