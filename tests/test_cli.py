"""``uutrack``: record and info, and one clear line with exit status 2 for bad input."""

from __future__ import annotations

import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

from uutrack_gui import __version__
from uutrack_gui.camera import SimulatedCamera
from uutrack_gui.cli import main
from uutrack_gui.storage import RecordingFile
from uutrack_gui.storage.legacy_writer import write_legacy_recording


def _run(*args: str) -> subprocess.CompletedProcess:
    """The installed command, as a user runs it (a real process: spawn needs a real main)."""
    return subprocess.run(
        [sys.executable, "-m", "uutrack_gui", *args],
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_record_then_info(tmp_path):
    out = tmp_path / "cli.h5"
    done = _run(
        "record",
        str(out),
        "--frames",
        "40",
        "--width",
        "64",
        "--height",
        "48",
        "--fps",
        "0",
        "--seed",
        "9",
    )
    assert done.returncode == 0, done.stderr
    assert "frames written:" in done.stdout and "MiB/s" in done.stdout
    written = int(done.stdout.split("frames written:")[1].split()[0])
    dropped = int(done.stdout.split("frames dropped:")[1].split()[0])
    assert written + dropped == 40
    camera = SimulatedCamera(64, 48, seed=9)
    with RecordingFile(out) as f:
        rec = f.recording()
        assert len(rec) == written
        for i, counter in enumerate(rec.counters):
            np.testing.assert_array_equal(rec.frame(i), camera.expected_frame(int(counter)))
    info = _run("info", str(out))
    assert info.returncode == 0, info.stderr
    assert f"{written}" in info.stdout and "64 x 48" in info.stdout
    assert "finished" in info.stdout and "uint16" in info.stdout


def test_record_seconds_with_pacing(tmp_path):
    out = tmp_path / "paced.h5"
    done = _run(
        "record", str(out), "--seconds", "1", "--fps", "40", "--width", "32", "--height", "32"
    )
    assert done.returncode == 0, done.stderr
    with RecordingFile(out) as f:
        rec = f.recording()
        assert 30 <= len(rec) <= 45
        assert rec.duration_s == pytest.approx((len(rec) - 1) / 40, rel=0.05)


def test_info_lists_legacy_files(tmp_path, capsys):
    path = tmp_path / "old.hdf5"
    frames = [np.full((20, 10), i + 1, np.uint16) for i in range(3)]
    with h5py.File(path, "w") as h5:
        write_legacy_recording(h5, frames, "User:\n  name: x\n", block_mb=0.001)
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "(UUTrack)" in out and "unknown (legacy file)" in out and " 3 " in out


def test_version():
    done = _run("--version")
    assert done.returncode == 0 and __version__ in done.stdout


def _assert_one_line_error(capsys, argv, pattern):
    with pytest.raises(SystemExit) as exit_info:
        status = main(argv)
        raise SystemExit(status)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert pattern in lines[0], lines[0]


def test_info_bad_files(tmp_path, capsys):
    _assert_one_line_error(capsys, ["info", str(tmp_path / "nope.h5")], "no such file")
    text = tmp_path / "t.h5"
    text.write_text("hello")
    _assert_one_line_error(capsys, ["info", str(text)], "not an HDF5 file")
    empty = tmp_path / "e.h5"
    with h5py.File(empty, "w") as h5:
        h5["x"] = 1
    _assert_one_line_error(capsys, ["info", str(empty)], "holds no recordings")
    _assert_one_line_error(capsys, ["info", str(tmp_path)], "is a folder")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_info_unreadable_file(tmp_path, capsys):
    path = tmp_path / "secret.h5"
    with h5py.File(path, "w") as h5:
        h5["x"] = 1
    path.chmod(0)
    _assert_one_line_error(capsys, ["info", str(path)], "permission denied")


def test_info_unreadable_file_even_as_root(tmp_path, capsys, deny_reading):
    path = tmp_path / "secret.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    deny_reading(path)
    _assert_one_line_error(capsys, ["info", str(path)], "permission denied")


@pytest.mark.parametrize(
    "args, pattern",
    [
        (["--frames", "0"], "--frames must be between 1"),
        (["--frames", "ten"], "--frames must be a number"),
        (["--seconds", "nan"], "--seconds must be"),
        (["--width", "4"], "--width must be between 16"),
        (["--fps", "-1"], "--fps must be between 0"),
        (["--max-memory", "1"], "--max-memory must be between 16"),
        (["--frames", "3", "--seconds", "2"], "not allowed with argument"),
    ],
)
def test_record_bad_numbers(tmp_path, capsys, args, pattern):
    _assert_one_line_error(capsys, ["record", str(tmp_path / "x.h5"), *args], pattern)
    assert not (tmp_path / "x.h5").exists()


def test_record_bad_targets(tmp_path, capsys):
    _assert_one_line_error(
        capsys, ["record", str(tmp_path / "no" / "x.h5"), "--frames", "2"], "does not exist"
    )
    text = tmp_path / "notes.h5"
    text.write_text("my notes")
    _assert_one_line_error(capsys, ["record", str(text), "--frames", "2"], "not an HDF5 file")
    assert text.read_text() == "my notes"  # untouched
    _assert_one_line_error(capsys, ["record", str(tmp_path), "--frames", "2"], "is a folder")
    bad_config = tmp_path / "bad.yaml"
    bad_config.write_text("Camera:\n  fps: fast\n")
    _assert_one_line_error(
        capsys,
        ["record", str(tmp_path / "y.h5"), "--config", str(bad_config)],
        "Camera.fps",
    )


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_record_unwritable_folder(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    _assert_one_line_error(
        capsys, ["record", str(folder / "x.h5"), "--frames", "2"], "not writable"
    )


def test_record_unwritable_folder_even_as_root(tmp_path, capsys, monkeypatch):
    import tempfile

    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", deny)
    _assert_one_line_error(
        capsys, ["record", str(tmp_path / "x.h5"), "--frames", "2"], "not writable"
    )


def test_record_honours_the_session_roi(tmp_path):
    """``--config`` with an ROI: the file's frames have the ROI's size and the ROI's pixels."""
    config = tmp_path / "roi.yaml"
    config.write_text("Camera: {width: 128, height: 96, roi: [8, 16, 64, 32], fps: 0, seed: 4}\n")
    out = tmp_path / "roi.h5"
    done = _run("record", str(out), "--frames", "5", "--config", str(config))
    assert done.returncode == 0, done.stderr
    with RecordingFile(out) as f:
        rec = f.recording()
        assert rec.frame_shape == (32, 64)
        full = SimulatedCamera(128, 96, seed=4)
        counter = int(rec.counters[0])
        np.testing.assert_array_equal(rec.frame(0), full.expected_frame(counter)[16:48, 8:72])


def test_record_interval_is_a_timelapse_with_spaced_timestamps_and_no_drops(tmp_path):
    """``--interval 0.2 --frames 4``: four frames 0.2 s apart, marked as a time-lapse."""
    out = tmp_path / "lapse.h5"
    done = _run(
        "record", str(out), "--interval", "0.2", "--frames", "4",
        "--width", "64", "--height", "48", "--fps", "20",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with RecordingFile(out) as f:
        rec = f.recording()
        assert len(rec) == 4 and rec.is_timelapse
        steps = np.diff(rec.timestamps)
        assert np.all(np.abs(steps - 0.2) < 0.05 + 1e-9), steps  # within one camera period
        assert rec.dropped_frames == 0
    with h5py.File(out, "r") as f:
        assert f[list(f)[0]].attrs["timelapse_interval_s"] == 0.2
