"""Integrity analysis and export (core, no window): figures a user would check, round trips."""

from __future__ import annotations

import struct

import h5py
import numpy as np
import pytest
import yaml

from uutrack_gui.storage import Hdf5Writer, RecordingFile, StorageError
from uutrack_gui.storage import format as fmt
from uutrack_gui.storage.export import (
    ExportCancelled,
    export_range,
    session_yaml,
    write_tiff,
)
from uutrack_gui.storage.integrity import analyze, analyze_recording
from uutrack_gui.storage.legacy_writer import write_legacy_recording

SESSION = "user:\n  name: Ada\n  measurement: beads\ncamera:\n  exposure_time: 12.5\n"


def make_recording(path, counters, shape=(48, 64), period=0.02, dropped_attr=None, seed=1):
    """Write a recording with the given counters; return its frames and timestamps."""
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 65535, size=(len(counters), *shape), dtype=np.uint16)
    t0 = 1_700_000_000.0
    stamps = [t0 + c * period for c in counters]
    writer = Hdf5Writer()
    writer.setup(path, shape, "uint16", SESSION, camera="Test camera")
    for frame, counter, stamp in zip(frames, counters, stamps, strict=True):
        writer.append(frame, counter, stamp)
    gaps = int(np.sum(np.maximum(np.diff(counters) - 1, 0))) if len(counters) > 1 else 0
    writer.close(fmt.END_STOPPED, dropped_frames=gaps if dropped_attr is None else dropped_attr)
    return frames, np.array(stamps)


# --- integrity ----------------------------------------------------------------------------------
def test_gaps_are_counted_and_located():
    counters = np.array([0, 1, 2, 5, 6, 7, 10], dtype=np.uint64)
    stamps = counters * 0.01 + 100.0
    report = analyze(
        counters, stamps, dropped_attribute=6, finished_cleanly=True, end_reason="stopped"
    )
    assert report.frames_stored == 7
    assert report.dropped_in_gaps == 4
    assert report.dropped_total == 6  # the attribute knows 2 more than the counters show
    assert report.dropped_not_located == 2
    assert [(g.index, g.first_missing, g.missing) for g in report.gaps] == [(3, 3, 2), (6, 8, 2)]
    assert report.gaps[0].time_s == pytest.approx(0.02)
    text = "\n".join(report.lines())
    assert "Dropped frames: 6 (2 gaps" in text
    assert "2 missing before frame 3 at 0.020 s (counters 3-4)" in text
    assert "2 not located" in text
    assert not report.ok


def test_jitter_and_rates_use_consecutive_frames_only():
    counters = np.array([0, 1, 2, 3, 10, 11, 12])
    rng = np.random.default_rng(0)
    stamps = counters * 0.005 + rng.normal(0, 1e-5, len(counters))
    report = analyze(counters, stamps, dropped_attribute=6, finished_cleanly=True)
    consecutive = np.diff(stamps)[np.diff(counters) == 1]
    assert report.jitter_s == pytest.approx(np.std(consecutive))
    assert report.interval_median_s == pytest.approx(np.median(consecutive))
    assert report.camera_fps == pytest.approx(200, rel=0.01)
    assert report.effective_fps == pytest.approx(6 / (stamps[-1] - stamps[0]))
    assert report.duration_s == pytest.approx(stamps[-1] - stamps[0])


def test_clean_recording_is_ok():
    counters = np.arange(100)
    report = analyze(counters, counters / 50.0, dropped_attribute=0, finished_cleanly=True,
                     end_reason="stopped")  # fmt: skip
    assert report.ok
    assert report.dropped_total == 0 and report.gaps == ()
    assert "Dropped frames: none" in report.lines()
    assert "Finished cleanly: yes (stopped)" in report.lines()


def test_counter_errors_and_unfinished_endings():
    report = analyze(np.array([0, 1, 1, 0, 2]), None, finished_cleanly=False, end_reason="failed")
    assert report.counter_errors == 2
    assert any("Counter errors: 2" in line for line in report.lines())
    assert "Finished cleanly: NO (end: failed)" in report.lines()
    crashed = analyze(np.arange(3), None, finished_cleanly=False, end_reason=fmt.END_RECORDING)
    assert crashed.in_progress
    assert "Finished cleanly: not yet (recording in progress)" in crashed.lines()
    assert "Timing: unknown (the file has no timestamps)" in crashed.lines()


def test_unknowns_are_said_not_guessed():
    report = analyze(None, None, frames_stored=7, padding_frames=2, legacy=True)
    lines = report.lines()
    assert lines[0] == "Frames stored: 7"
    assert any("Zero padding not shown: 2 frames" in line for line in lines)
    assert "Dropped frames: unknown (the file has no frame counters)" in lines
    assert "Timing: unknown (the file has no timestamps)" in lines
    assert "Finished cleanly: unknown (UUTrack files do not say)" in lines
    nan = analyze(np.arange(3), np.array([1.0, np.nan, 3.0]))
    assert nan.duration_s is None and nan.jitter_s is None


def test_analyze_recording_from_a_file(tmp_path):
    path = tmp_path / "rec.h5"
    counters = [0, 1, 2, 3, 7, 8, 9]
    make_recording(path, counters, dropped_attr=5)
    with RecordingFile(path) as f:
        report = analyze_recording(f.recording())
    assert report.frames_stored == 7
    assert report.dropped_in_gaps == 3 and report.dropped_attribute == 5
    assert [(g.index, g.missing) for g in report.gaps] == [(4, 3)]
    assert report.finished_cleanly is True and report.end_reason == "stopped"
    assert report.camera_fps == pytest.approx(50)


def test_analyze_legacy_file(tmp_path):
    path = tmp_path / "legacy.hdf5"
    frames = [np.full((20, 30), 40000 if i == 1 else i + 1, np.uint16) for i in range(5)]
    with h5py.File(path, "w") as h5:
        write_legacy_recording(h5, frames, "User:\n  name: x\n", block_mb=3 * 1200 / 1024**2)
    with RecordingFile(path) as f:
        report = analyze_recording(f.recording())
    assert report.frames_stored == 5 and report.padding_frames == 1
    assert report.legacy and report.dropped_total is None
    assert any("clipped to 32767" in line for line in report.lines())


# --- export of a frame range ---------------------------------------------------------------------
def test_export_range_round_trip(tmp_path):
    src = tmp_path / "src.h5"
    counters = list(range(0, 10)) + list(range(12, 30))  # 2 dropped before frame 10
    frames, stamps = make_recording(src, counters)
    out = tmp_path / "out.h5"
    with RecordingFile(src) as f:
        rec = f.recording()
        calls = []
        original = rec.frame

        def spy(index):
            calls.append(index)
            return original(index)

        rec.frame = spy  # the export must read frame by frame, in order, each once
        result = export_range(rec, out, 5, 20)
        source_name = rec.name
    assert calls == list(range(5, 20))
    assert result.frames == 15 and result.dropped_frames == 2
    with RecordingFile(out) as f:
        assert f.names == [result.group]
        copy = f.recording()
        assert len(copy) == 15
        for k in range(15):
            assert np.array_equal(copy.frame(k), frames[5 + k])
        assert list(copy.counters) == counters[5:20]
        assert np.array_equal(copy.timestamps, stamps[5:20])
        assert copy.metadata_text == SESSION
        assert copy.camera == "Test camera"
        assert copy.finished_cleanly is True and copy.dropped_frames == 2
        attrs = copy.attributes()
        assert attrs["source_recording"] == source_name
        assert attrs["source_file"] == str(src.resolve())
        assert list(attrs["source_frames"]) == [5, 20]
        report = analyze_recording(copy)
    assert report.dropped_in_gaps == 2 and report.gaps[0].index == 5


def test_export_range_from_legacy_file(tmp_path):
    src = tmp_path / "legacy.hdf5"
    rng = np.random.default_rng(3)
    frames = [rng.integers(0, 30000, (16, 24), dtype=np.uint16) for _ in range(7)]
    with h5py.File(src, "w") as h5:
        write_legacy_recording(h5, frames, "User:\n  name: Aquiles\n", block_mb=0.003)
    out = tmp_path / "from_legacy.h5"
    with RecordingFile(src) as f:
        result = export_range(f.recording(), out, 2, 7)
    with RecordingFile(out) as f:
        rec = f.recording()
        assert not rec.legacy and rec.dtype == np.uint16 and len(rec) == 5
        for k in range(5):
            assert np.array_equal(rec.frame(k), frames[2 + k])
        assert list(rec.counters) == [2, 3, 4, 5, 6]  # positions in the source
        assert np.all(np.isnan(rec.timestamps)) and rec.duration_s is None
        assert "Timing: unknown" in " ".join(analyze_recording(rec).lines())
    assert result.dropped_frames == 0


def test_export_range_cancel_and_refusals(tmp_path):
    src = tmp_path / "src.h5"
    make_recording(src, list(range(20)))
    with RecordingFile(src) as f:
        rec = f.recording()
        with pytest.raises(ExportCancelled, match="after 3 of 10"):
            export_range(rec, tmp_path / "c.h5", 0, 10, progress=lambda done, total: done < 3)
        with pytest.raises(StorageError, match="it is the file being read"):
            export_range(rec, src, 0, 2)
        for start, stop in ((5, 5), (-1, 3), (0, 21)):
            with pytest.raises(ValueError, match="not within"):
                export_range(rec, tmp_path / "r.h5", start, stop)
    with RecordingFile(tmp_path / "c.h5") as f:
        partial = f.recording()
        assert len(partial) == 3 and partial.end_reason == fmt.END_ABORTED


# --- frame to TIFF ------------------------------------------------------------------------------
def _tiff_tags(data: bytes) -> dict[int, tuple[int, int, int]]:
    assert data[:4] == b"II*\0"
    (ifd,) = struct.unpack_from("<I", data, 4)
    (n,) = struct.unpack_from("<H", data, ifd)
    tags = {}
    for k in range(n):
        tag, kind, count, value = struct.unpack_from("<HHII", data, ifd + 2 + 12 * k)
        if kind == 3 and count == 1:
            value &= 0xFFFF
        tags[tag] = (kind, count, value)
    return tags


def _qimage_array(path) -> tuple[np.ndarray, int]:
    from PyQt5 import QtGui

    image = QtGui.QImage(str(path))
    assert not image.isNull(), f"Qt cannot read {path}"
    kind = {QtGui.QImage.Format_Grayscale16: np.uint16, QtGui.QImage.Format_Grayscale8: np.uint8}
    dtype = kind[image.format()]
    bits = image.constBits()
    bits.setsize(image.sizeInBytes())
    per_line = image.bytesPerLine() // np.dtype(dtype).itemsize
    array = np.frombuffer(bits, dtype).reshape(image.height(), per_line)[:, : image.width()]
    return array.copy(), image.format()


@pytest.mark.parametrize("dtype", [np.uint16, np.uint8])
def test_tiff_reads_back_bit_exact(tmp_path, qapp, dtype):
    rng = np.random.default_rng(7)
    frame = rng.integers(0, np.iinfo(dtype).max, size=(37, 53), dtype=dtype, endpoint=True)
    frame[0, 0], frame[-1, -1] = 0, np.iinfo(dtype).max
    path = tmp_path / "frame.tif"
    write_tiff(path, frame, "frame 3 of a test")
    data = path.read_bytes()
    tags = _tiff_tags(data)
    bits = np.dtype(dtype).itemsize * 8
    assert tags[256][2] == 53 and tags[257][2] == 37 and tags[258][2] == bits
    assert tags[259][2] == 1 and tags[262][2] == 1 and tags[277][2] == 1
    offset, size = tags[273][2], tags[279][2]
    assert np.array_equal(
        np.frombuffer(data[offset : offset + size], f"<u{bits // 8}").reshape(37, 53), frame
    )
    array, _ = _qimage_array(path)  # an independent reader: Qt's TIFF plugin
    assert array.dtype == dtype and np.array_equal(array, frame)


def test_tiff_refuses_what_it_cannot_write(tmp_path):
    with pytest.raises(ValueError, match="2-D"):
        write_tiff(tmp_path / "a.tif", np.zeros((2, 3, 4), np.uint16))
    with pytest.raises(ValueError, match="uint8 or uint16"):
        write_tiff(tmp_path / "a.tif", np.zeros((2, 3), np.float32))


# --- settings ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "stored, expected",
    [
        (SESSION, yaml.safe_load(SESSION)),
        ("User:\n  name: Aquiles\nSaving:\n  directory: C:\\data\\{today}\n",
         {"User": {"name": "Aquiles"}, "Saving": {"directory": "C:\\data\\{today}"}}),
        ('{"user": {"name": "P"}, "camera": {"exposure": "30ms"}}',
         {"user": {"name": "P"}, "camera": {"exposure": "30ms"}}),
    ],
)  # fmt: skip
def test_session_yaml_is_yaml(tmp_path, stored, expected):
    path = tmp_path / "legacy.hdf5"
    with h5py.File(path, "w") as h5:
        write_legacy_recording(h5, [np.ones((8, 8), np.uint16)], stored, block_mb=0.001)
    with RecordingFile(path) as f:
        text = session_yaml(f.recording())
    assert yaml.safe_load(text) == expected
    if stored == SESSION:
        assert text == SESSION  # kept as stored when it already is YAML


def test_session_yaml_empty(tmp_path):
    path = tmp_path / "legacy.hdf5"
    with h5py.File(path, "w") as h5:
        write_legacy_recording(h5, [np.ones((8, 8), np.uint16)], "", block_mb=0.001)
    with RecordingFile(path) as f:
        assert session_yaml(f.recording()) == ""
