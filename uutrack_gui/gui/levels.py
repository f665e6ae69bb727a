"""Display levels from a frame, fast enough to run on every displayed frame.

``np.histogram`` of a full 2048 x 2048 frame costs about 40 ms; a ``bincount`` of a strided
subsample costs about 1 ms and gives the same percentiles to within a grey level or two.
"""

from __future__ import annotations

import numpy as np

#: Subsample stride for level estimation.
_STRIDE = 4


def auto_levels(
    frame: np.ndarray, low_pct: float = 0.1, high_pct: float = 99.9
) -> tuple[float, float]:
    """Black and white levels at the given percentiles of ``frame``'s pixel values."""
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
    if hi <= lo:
        hi = lo + 1
    return float(lo), float(hi)
