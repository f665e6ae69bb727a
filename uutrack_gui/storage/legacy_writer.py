"""The original UUTrack saver's file layout, reimplemented (not its code) for two uses.

Tests write legacy files with it to prove the reader opens them, and the throughput benchmark
uses it as the baseline. The recording path of this program never calls it.

What the original did, defects included: the dataset is int16 although frames are uint16 (values
above 32767 are clipped to 32767), gzip level 1, automatic chunks spanning frames, frames
gathered in blocks of 250 MB and each block written whole, so the last block is zero-padded and
the true frame count is stored nowhere; metadata stored as ASCII bytes.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

import h5py
import numpy as np


def write_legacy_recording(
    h5: h5py.File,
    frames: Iterable[np.ndarray],
    metadata: str = "",
    block_mb: float = 250,
    group_name: str | None = None,
) -> str:
    """Append one recording in the original layout to an open file; return the group name."""
    name = group_name or str(_dt.datetime.now())
    group = h5.create_group(name)
    group.create_dataset("metadata", data=metadata.encode("ascii", "ignore"))
    dset = None
    block = None
    filled = 0  # frames in the current block
    offset = 0  # frames written in earlier blocks
    for frame in frames:
        if dset is None:
            rows, cols = frame.shape
            per_block = max(1, int(block_mb / frame.nbytes * 1024 * 1024))
            block = np.zeros((rows, cols, per_block), dtype=np.uint16)
            dset = group.create_dataset(
                "timelapse",
                (rows, cols, per_block),
                maxshape=(rows, cols, None),
                compression="gzip",
                compression_opts=1,
                dtype="i2",
            )
        if filled == block.shape[2]:
            _write_block(dset, block, offset)
            offset += filled
            dset.resize(offset + block.shape[2], axis=2)
            block[:] = 0
            filled = 0
        block[:, :, filled] = frame
        filled += 1
    if dset is not None:
        _write_block(dset, block, offset)  # the whole block, zero padding and all
    return name


def _write_block(dset: h5py.Dataset, block: np.ndarray, offset: int) -> None:
    # uint16 -> int16 with saturation, as HDF5's conversion did for the original.
    dset[:, :, offset : offset + block.shape[2]] = np.minimum(block, 32767).astype(np.int16)
