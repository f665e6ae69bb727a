"""Display levels, histogram and saturation from a frame, fast enough for every displayed frame.

``np.histogram`` of a full 2048 x 2048 frame costs about 40 ms; a ``bincount`` of a strided
subsample costs about 1 ms and gives the same percentiles to within a grey level or two.

No Qt here: the arithmetic of :class:`~uutrack_gui.gui.image_panel.ImagePanel`, testable alone.
"""

from __future__ import annotations

import math

import numpy as np

#: Subsample stride for level estimation.
_STRIDE = 4
#: Most pixels a histogram is computed from (a strided subsample of the frame).
HISTOGRAM_SAMPLE_PIXELS = 256 * 1024
#: Most bins of the histogram display.
HISTOGRAM_BINS = 256


def auto_levels(
    frame: np.ndarray, low_pct: float = 0.1, high_pct: float = 99.9
) -> tuple[float, float]:
    """Black and white levels at the given percentiles of ``frame``'s pixel values.

    A flat frame (every pixel the same, or the percentiles equal: a saturated frame) has no
    contrast to stretch; it is shown as what it is: bright (white) for a positive value, so an
    all-32767 frame does not come out black, and black for 0 or less.
    """
    sample = frame[::_STRIDE, ::_STRIDE]
    if sample.size == 0:
        return 0.0, 1.0
    if sample.dtype.kind in "ui" and sample.dtype.itemsize <= 2:
        offset = int(sample.min())
        counts = np.bincount((sample.ravel() - offset).astype(np.intp, copy=False))
        cumulative = np.cumsum(counts)
        total = cumulative[-1]
        lo = int(np.searchsorted(cumulative, total * low_pct / 100.0)) + offset
        hi = int(np.searchsorted(cumulative, total * high_pct / 100.0)) + offset
    else:
        lo, hi = (float(v) for v in np.nanpercentile(sample, (low_pct, high_pct)))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 0.0, 1.0
    if hi <= lo:
        return flat_levels(lo)
    return float(lo), float(hi)


def flat_levels(value: float) -> tuple[float, float]:
    """Levels for a frame whose pixels all equal ``value``: white if positive, else black."""
    value = float(value)
    if value > 0:
        return min(0.0, value - 1.0), value
    return value, value + 1.0


def histogram_sample(frame: np.ndarray) -> np.ndarray:
    """A strided view of ``frame`` with at most about :data:`HISTOGRAM_SAMPLE_PIXELS` pixels."""
    step = max(1, math.ceil(math.sqrt(frame.size / HISTOGRAM_SAMPLE_PIXELS)))
    return frame[::step, ::step]


def histogram(
    sample: np.ndarray, value_range: tuple[float, float], log: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Bin centres and heights of ``sample``'s histogram over ``value_range``.

    Integer data get bins of whole grey levels (no aliasing stripes) when the range is narrow.
    With ``log`` the heights are ``log10(1 + count)``: rare values (hot pixels, saturated
    particles) stay visible beside the background's peak.
    """
    lo, hi = value_range
    bins = HISTOGRAM_BINS
    if sample.dtype.kind in "ui":
        width = int(hi) - int(lo) + 1
        bins = max(1, min(bins, width))
        hi = lo + width if width <= HISTOGRAM_BINS else hi
    counts, edges = np.histogram(sample, bins=bins, range=(lo, hi if hi > lo else lo + 1))
    heights = np.log10(1.0 + counts) if log else counts.astype(np.float64)
    return (edges[:-1] + edges[1:]) / 2.0, heights


def gamma_lut(base: np.ndarray | None, gamma: float, size: int = 512) -> np.ndarray | None:
    """A lookup table applying ``gamma`` (output = input ** gamma) before the colour map ``base``.

    ``base`` is a colour map of ``size`` entries (None: grey). Returns None for a trivial table
    (gamma 1 and grey), which lets pyqtgraph take its fastest path.
    """
    if base is None and gamma == 1.0:
        return None
    if base is None:
        # One channel: pyqtgraph then paints a greyscale image, as fast as without a table
        # (an RGB table would make it paint RGB: twice the cost of a live frame).
        base = np.rint(np.linspace(0.0, 255.0, size)).astype(np.uint8)
    n = len(base)
    index = np.rint(np.linspace(0.0, 1.0, n) ** gamma * (n - 1)).astype(np.intp)
    return base[index]


def saturation_mask(shown: np.ndarray, saturation_value: float) -> np.ndarray | None:
    """Boolean mask of the pixels of ``shown`` at or above ``saturation_value``; None if none."""
    mask = shown >= saturation_value
    return mask if mask.any() else None


def default_saturation(dtype: np.dtype, bit_depth: int | None = None) -> float | None:
    """The value a camera saturates at: ``2**bit_depth - 1``, else the dtype's maximum.

    None for float data without a bit depth (no natural maximum).
    """
    if bit_depth is not None:
        return float(2**bit_depth - 1)
    dtype = np.dtype(dtype)
    if dtype.kind in "ui":
        return float(np.iinfo(dtype).max)
    return None
