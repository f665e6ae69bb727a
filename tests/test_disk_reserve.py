"""The writer's side of a full disk, without root: its reserve file and how a recording ends.

The real thing (a small tmpfs filled by the saver) is in ``test_faults.py`` and needs root;
here the disk is made "full" by telling the writer that no room is left.
"""

from __future__ import annotations

import errno

import h5py
import numpy as np
import pytest

from uutrack_gui.storage import RecordingFile
from uutrack_gui.storage import format as fmt
from uutrack_gui.storage import writer as writer_module
from uutrack_gui.storage.errors import DiskFull, StorageError, is_disk_full
from uutrack_gui.storage.reserve import RESERVE_BYTES, reserve_path
from uutrack_gui.storage.writer import Hdf5Writer

SHAPE = (32, 64)


def _frame(i: int) -> np.ndarray:
    return (np.arange(SHAPE[0] * SHAPE[1], dtype=np.uint16).reshape(SHAPE) * 7 + i * 1000) % 65521


def test_the_reserve_is_held_while_recording_and_given_back(tmp_path):
    path = tmp_path / "rec.h5"
    writer = Hdf5Writer()
    writer.setup(path, SHAPE, "uint16", "")
    reserve = reserve_path(path)
    assert reserve.name == ".rec.h5.reserve"
    # Real blocks, not a sparse file: deleting it must free that much.
    assert reserve.stat().st_size == RESERVE_BYTES
    assert reserve.stat().st_blocks * 512 >= RESERVE_BYTES
    writer.append(_frame(0), 0, 1.0)
    writer.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec.h5"]


def test_no_reserve_when_asked_for_none(tmp_path):
    writer = Hdf5Writer(reserve_bytes=0)
    writer.setup(tmp_path / "rec.h5", SHAPE, "uint16", "")
    assert not reserve_path(tmp_path / "rec.h5").exists()
    writer.close()


def test_the_first_frame_is_flushed_at_once(tmp_path):
    """A crash before the first periodic flush still leaves the first frame in the file."""
    writer = Hdf5Writer(flush_interval_s=3600.0)
    writer.setup(tmp_path / "rec.h5", SHAPE, "uint16", "")
    writer.append(_frame(0), 0, 1.0)
    assert writer.frames_flushed == 1
    writer.append(_frame(1), 1, 2.0)
    assert writer.frames_flushed == 1  # the next ones wait for the interval
    writer.close()


def test_no_room_to_flush_ends_the_recording_with_every_frame(tmp_path, monkeypatch):
    path = tmp_path / "full.h5"
    writer = Hdf5Writer(flush_interval_s=0.0)  # a flush after every frame
    writer.setup(path, SHAPE, "uint16", "a: 1\n")
    for i in range(3):
        writer.append(_frame(i), 10 + i, 100.0 + i)
    monkeypatch.setattr(writer_module, "room_left", lambda path: 0)
    with pytest.raises(DiskFull, match="the disk is full"):
        writer.append(_frame(3), 13, 103.0)
    # The frame itself was written in full before the flush was refused: it is kept.
    assert writer.frames_written == 4 and writer.frames_flushed == 3
    assert writer.end_on_full_disk(dropped_frames=1) == 4
    assert not reserve_path(path).exists()  # given back for the commit
    with pytest.raises(DiskFull):
        writer.append(_frame(4), 14, 104.0)  # the recording has ended
    writer.close(fmt.END_DISK_FULL, dropped_frames=6)  # 5 more came before STOP
    with h5py.File(path, "r") as f:  # plain h5py
        group = f[list(f)[0]]
        assert group.attrs["end_reason"] == "disk full" and group.attrs["finished_cleanly"]
        assert group.attrs["frames"] == 4 and group.attrs["dropped_frames"] == 6
        assert group["frame_counter"][:].tolist() == [10, 11, 12, 13]
        assert group["timestamps"][:].tolist() == [100.0, 101.0, 102.0, 103.0]
        for i in range(4):
            np.testing.assert_array_equal(group["timelapse"][..., i], _frame(i))
    with RecordingFile(path) as f:
        rec = f.recording()
        assert len(rec) == 4
        assert rec.summary().status == "disk full"
        assert rec.end_reason == fmt.END_DISK_FULL


def test_no_room_for_the_reserve_refuses_the_recording(tmp_path, monkeypatch):
    def full(fd, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer_module.os, "posix_fallocate", full, raising=False)
    writer = Hdf5Writer()
    with pytest.raises(DiskFull, match="the disk is full: no room for the 4 MiB"):
        writer.setup(tmp_path / "rec.h5", SHAPE, "uint16", "")
    assert list(tmp_path.iterdir()) == []  # neither the reserve nor the file


def test_a_reserve_that_cannot_be_made_otherwise_is_done_without(tmp_path, monkeypatch):
    def refused(fd, offset, length):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(writer_module.os, "posix_fallocate", refused, raising=False)
    writer = Hdf5Writer()
    writer.setup(tmp_path / "rec.h5", SHAPE, "uint16", "")
    writer.append(_frame(0), 0, 1.0)
    writer.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec.h5"]


@pytest.mark.parametrize(
    ("error", "full"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), True),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), True),
        # A metadata write that failed: only HDF5's message says why.
        (RuntimeError("Unable to flush file (file write failed: ..., errno = 28, ...)"), True),
        (DiskFull("the disk is full"), True),
        (OSError(errno.EIO, "Input/output error"), False),
        (StorageError("cannot write x: permission denied"), False),
    ],
)
def test_what_counts_as_a_full_disk(error, full):
    assert is_disk_full(error) is full


def test_a_full_disk_is_found_behind_a_chained_error():
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as exc:
            raise RuntimeError("Can't write data") from exc
    except RuntimeError as exc:
        assert is_disk_full(exc)
