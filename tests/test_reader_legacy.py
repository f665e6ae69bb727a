"""Reading files: this program's layout and the original UUTrack's (int16, zero padding)."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from uutrack_gui.storage import RecordingFile, StorageError
from uutrack_gui.storage.legacy_writer import write_legacy_recording
from uutrack_gui.storage.reader import parse_metadata

#: The original's serialize(): ``key: str(value)`` lines, not always valid YAML.
LEGACY_METADATA = """User:
  name: Aquiles
  measurement: beads 100nm
Camera:
  camera: dummyCamera
  exposure_time: 30
  roi_x1: 0
  binning: [1, 1]
Saving:
  directory: C:\\data\\{today}
"""


def _legacy_frames(n: int, rows: int = 40, cols: int = 30) -> list[np.ndarray]:
    rng = np.random.default_rng(4)
    frames = [rng.integers(1, 30000, size=(rows, cols), dtype=np.uint16) for _ in range(n)]
    frames[1][0, 0] = 50000  # above int16: the original clipped it to 32767
    return frames


@pytest.fixture
def legacy_file(tmp_path):
    """A file in the original layout: 7 frames in 3-frame blocks -> 9 stored, 2 zero pads."""
    path = tmp_path / "legacy.hdf5"
    frames = _legacy_frames(7)
    block_mb = 3 * frames[0].nbytes / 1024**2
    with h5py.File(path, "w") as h5:
        name = write_legacy_recording(h5, frames, LEGACY_METADATA, block_mb=block_mb)
    return path, name, frames


def test_legacy_layout_is_what_the_original_wrote(legacy_file):
    path, name, frames = legacy_file
    with h5py.File(path, "r") as h5:
        dset = h5[name]["timelapse"]
        assert dset.dtype == np.int16
        assert dset.shape == (40, 30, 9)  # zero-padded to a whole block
        assert dset.compression == "gzip"
        assert not np.any(dset[:, :, 7:])
        assert isinstance(h5[name]["metadata"][()], bytes)


def test_legacy_file_reads_as_uint16_without_padding(legacy_file):
    path, name, frames = legacy_file
    with RecordingFile(path) as f:
        assert f.names == [name]
        rec = f.recording(name)
        assert rec.legacy
        assert len(rec) == 7
        assert rec.dtype == np.uint16
        assert rec.stored_dtype == np.int16
        for i, frame in enumerate(frames):
            got = rec.frame(i)
            assert got.dtype == np.uint16
            np.testing.assert_array_equal(got, np.minimum(frame, 32767))
        assert rec.frame(1)[0, 0] == 32767  # the original's clipping, not a wrap to negative
        with pytest.raises(IndexError, match="7 frames"):
            rec.frame(7)
        assert rec.counters is None and rec.timestamps is None
        assert rec.finished_cleanly is None
        summary = rec.summary()
        assert summary.status == "unknown (legacy file)"
        meta = rec.metadata()
        assert meta["User"]["name"] == "Aquiles"
        assert meta["Camera"]["exposure_time"] == 30
        assert rec.start_time is not None  # from the group's name


def test_legacy_block_exactly_full_has_no_padding(tmp_path):
    frames = _legacy_frames(6)
    path = tmp_path / "full.h5"
    with h5py.File(path, "w") as h5:
        write_legacy_recording(h5, frames, block_mb=3 * frames[0].nbytes / 1024**2)
    with RecordingFile(path) as f:
        assert len(f.recording()) == 6


@pytest.mark.parametrize(
    "text, expected",
    [
        (b"User:\n  name: Ann\n", {"User": {"name": "Ann"}}),
        ('{"camera": {"exposure": "30ms"}}', {"camera": {"exposure": "30ms"}}),
        ("Saving:\n  directory: C:\\data\\{x}\n  max_memory: 500\n", None),
        ("", {}),
    ],
)
def test_metadata_is_read_tolerantly(tmp_path, text, expected):
    path = tmp_path / "m.h5"
    with h5py.File(path, "w") as h5:
        write_legacy_recording(h5, _legacy_frames(2), group_name="rec")
        del h5["rec"]["metadata"]
        h5["rec"].create_dataset("metadata", data=text)
    with RecordingFile(path) as f:
        meta = f.recording().metadata()
    if expected is None:  # not valid YAML: the line parser keeps what it can
        assert meta["Saving"]["max_memory"] == 500
        assert "data" in meta["Saving"]["directory"]
    else:
        assert meta == expected


def test_yaml_is_loaded_safely():
    tag = "!!python/object/apply:os.system ['echo hacked']"
    # Not executed, not constructed: kept as the text it is.
    assert parse_metadata(f"a: {tag}\n") == {"a": tag}


def test_bad_files_give_one_line_reasons(tmp_path):
    with pytest.raises(StorageError, match="no such file"):
        RecordingFile(tmp_path / "missing.h5")
    with pytest.raises(StorageError, match="is a folder"):
        RecordingFile(tmp_path)
    text = tmp_path / "text.h5"
    text.write_text("not hdf5 at all")
    with pytest.raises(StorageError, match="not an HDF5 file"):
        RecordingFile(text)
    empty = tmp_path / "empty.h5"
    with h5py.File(empty, "w") as h5:
        h5.create_dataset("something", data=[1, 2, 3])
    with pytest.raises(StorageError, match="holds no recordings"):
        RecordingFile(empty)


def test_truncated_file_is_reported_as_damaged(tmp_path):
    path = tmp_path / "trunc.h5"
    with h5py.File(path, "w") as h5:
        write_legacy_recording(h5, _legacy_frames(5), group_name="rec")
        h5.create_dataset("pad", data=np.zeros(200_000, np.uint8))
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.truncate(size // 2)
    with pytest.raises(StorageError, match="damaged|truncated"), RecordingFile(path) as f:
        f.recording().frame(0)
