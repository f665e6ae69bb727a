"""Small recordings written directly with the writer, for tests that damage or read them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from uutrack_gui.storage import Hdf5Writer

#: Frame shape of :func:`good_recording` (rows, columns).
SHAPE = (32, 48)


def good_recording(path: Path, n: int) -> Path:
    """A finished recording of ``n`` frames; frame ``i`` is all ``i``, counter ``i``, 50 fps."""
    writer = Hdf5Writer()
    writer.setup(path, SHAPE, "uint16", "user:\n  name: t\n")
    for i in range(n):
        writer.append(np.full(SHAPE, i, np.uint16), i, 1000.0 + i / 50)
    writer.close()
    return path
