"""One frame as an image file for Fiji and friends: TIFF (default) or PNG, in the camera's dtype.

A snapped 16-bit frame stays 16-bit (no scaling to 8 bits): Fiji, ImageJ and napari open both
formats with the camera's own values. The frame's counter and timestamp go into the TIFF's
description. PNG is written here with ``zlib`` (a 16-bit greyscale PNG needs nothing more),
so no imaging library is needed.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

#: Image suffixes :func:`write_image` writes (lower case).
IMAGE_SUFFIXES = (".tif", ".tiff", ".png")


def write_image(path: str | Path, data: np.ndarray, description: str = "") -> Path:
    """Write the 2-D frame ``data`` to ``path`` as TIFF or PNG, chosen by the suffix.

    Raises
    ------
    ValueError
        Not a 2-D 8/16-bit unsigned frame, or a suffix other than :data:`IMAGE_SUFFIXES`.
    OSError
        The file cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if data.ndim != 2 or data.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"only 2-D uint8/uint16 frames are saved as images, got {data.dtype}")
    if suffix in (".tif", ".tiff"):
        import tifffile

        tifffile.imwrite(path, data, description=description or None, metadata=None)
    elif suffix == ".png":
        path.write_bytes(_png(data))
    else:
        raise ValueError(f"{path.name}: image files are {', '.join(IMAGE_SUFFIXES)}")
    return path


def _png(data: np.ndarray) -> bytes:
    """A greyscale PNG of ``data`` (8 or 16 bits; PNG stores 16-bit samples big-endian)."""
    height, width = data.shape
    bits = 8 * data.dtype.itemsize
    rows = np.ascontiguousarray(data.astype(data.dtype.newbyteorder(">"), copy=False))
    raw = b"".join(b"\x00" + rows[y].tobytes() for y in range(height))  # filter 0 per row

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, bits, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )
