"""Recordings open where scientists analyse them: HDF5 1.10 tools, older h5py, the reading API,
OME-TIFF for Fiji, and ``uutrack export``. (napari: ``test_napari_reader.py``.)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml

from uutrack_gui.cli import main
from uutrack_gui.storage import RecordingFile, StorageError
from uutrack_gui.storage import format as fmt
from uutrack_gui.storage.export import ExportCancelled
from uutrack_gui.storage.legacy_writer import write_legacy_recording
from uutrack_gui.storage.writer import Hdf5Writer, ascii_safe_metadata

REPO = Path(__file__).resolve().parents[1]
SHAPE = (48, 64)
SESSION = {
    "User": {"name": "Jörg Müller", "measurement": "beads 100 nm, 25 °C"},
    "Camera": {"camera": "simulated", "exposure_time": 5.0, "pixel_size_um": 0.25},
}


def _frames(n: int, shape: tuple[int, int] = SHAPE, seed: int = 1) -> np.ndarray:
    """Random uint16 frames using the whole range (values above int16 included)."""
    return np.random.default_rng(seed).integers(0, 65536, size=(n, *shape), dtype=np.uint16)


def _write(
    path: Path,
    frames: np.ndarray,
    session: dict | None = None,
    interval_s: float = 0.02,
    skip_counter: int | None = None,
) -> str:
    """A finished recording of ``frames`` (counters 0.., one skipped at ``skip_counter``)."""
    writer = Hdf5Writer()
    text = yaml.safe_dump(session or SESSION, sort_keys=False, allow_unicode=True)
    name = writer.setup(path, frames.shape[1:], frames.dtype, metadata=text, camera="sim")
    counter = 0
    for i, frame in enumerate(frames):
        if counter == skip_counter:
            counter += 1
        writer.append(frame, counter, 1_700_000_000.0 + i * interval_s)
        counter += 1
    writer.close(fmt.END_STOPPED, dropped_frames=0 if skip_counter is None else 1)
    return name


@pytest.fixture
def recording(tmp_path):
    """A finished recording of 12 frames, 50 fps, calibrated 0.25 µm, non-ASCII session."""
    path = tmp_path / "rec.h5"
    frames = _frames(12)
    name = _write(path, frames)
    return path, name, frames


@pytest.fixture
def legacy(tmp_path):
    """An original UUTrack file: 5 frames in 2-frame blocks (one zero-padded frame)."""
    path = tmp_path / "legacy.hdf5"
    frames = np.random.default_rng(3).integers(1, 32768, size=(5, 30, 40), dtype=np.uint16)
    with h5py.File(path, "w") as h5:
        name = write_legacy_recording(
            h5, frames, "User:\n  name: Aquiles\n", block_mb=2 * frames[0].nbytes / 1024**2
        )
    return path, name, frames


# --- HDF5 1.10 ----------------------------------------------------------------------------------
def _h5dump() -> str:
    """The h5dump of an HDF5 older than 2.0 (the reader the files must stay readable by)."""
    exe = shutil.which("h5dump")
    if exe is None:
        pytest.skip("h5dump is not installed (Debian: apt-get install hdf5-tools)")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"Version (\d+)\.(\d+)", version)
    if match is None or int(match.group(1)) >= 2:
        pytest.skip(f"h5dump is not from HDF5 1.x ({version.strip()}): it proves nothing here")
    return exe


def _h5dump_attributes(path: Path) -> str:
    done = subprocess.run([_h5dump(), "-A", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "error" not in (done.stdout + done.stderr).lower(), done.stderr
    return done.stdout


def test_h5dump_reads_every_attribute(recording):
    path, name, _ = recording
    dumped = _h5dump_attributes(path)
    with h5py.File(path, "r") as h5:
        attrs = dict(h5[name].attrs)
    assert len(attrs) == 13  # incl. calibration and time-lapse attributes
    for key in attrs:
        assert f'ATTRIBUTE "{key}"' in dumped, f"{key} missing"
    # The values too, e.g. the enum that HDF5 2.0's newest encoding hid from HDF5 1.10-1.14.
    finished = dumped.split('ATTRIBUTE "finished_cleanly"')[1].split("ATTRIBUTE")[0]
    assert re.search(r"\(0\): TRUE", finished), finished
    frames = dumped.split('ATTRIBUTE "frames"')[1].split("ATTRIBUTE")[0]
    assert re.search(r"\(0\): 12\b", frames), frames


def test_h5dump_reads_a_recording_appended_to_a_uutrack_file(legacy):
    path, legacy_name, _ = legacy
    name = _write(path, _frames(3))
    dumped = _h5dump_attributes(path)
    assert f'GROUP "{legacy_name}"' in dumped
    section = dumped.split(f'GROUP "{name}"')[1]
    assert 'ATTRIBUTE "finished_cleanly"' in section
    assert 'ATTRIBUTE "end_reason"' in section


def test_h5dump_reads_a_file_recorded_through_the_saver_process(tmp_path):
    out = tmp_path / "saver.h5"
    done = subprocess.run(
        [sys.executable, "-m", "uutrack_gui", "record", str(out), "--frames", "5"]
        + ["--width", "64", "--height", "48", "--quiet"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    dumped = _h5dump_attributes(out)
    finished = dumped.split('ATTRIBUTE "finished_cleanly"')[1].split("ATTRIBUTE")[0]
    assert re.search(r"\(0\): TRUE", finished), finished
    assert 'ATTRIBUTE "dropped_frames"' in dumped


def test_files_still_record_in_swmr_mode_and_can_be_followed(tmp_path):
    path = tmp_path / "live.h5"
    writer = Hdf5Writer(flush_interval_s=0)
    writer.setup(path, SHAPE, np.uint16, metadata="a: 1\n")
    try:
        assert writer.swmr  # the v110 lower bound still allows SWMR
        frames = _frames(6)
        for i, frame in enumerate(frames[:4]):
            writer.append(frame, i, float(i))
        with RecordingFile(path) as follower:  # a SWMR reader, as the viewer follows
            assert follower.swmr
            rec = follower.recording()
            assert len(rec) == 4
            for i, frame in enumerate(frames[4:], 4):
                writer.append(frame, i, float(i))
            assert rec.refresh() == 6
            assert np.array_equal(rec.frame(5), frames[5])
    finally:
        writer.close()
    assert "finished_cleanly" in _h5dump_attributes(path)


# --- the oldest h5py we declare -------------------------------------------------------------------
def _declared_h5py_minimum() -> str:
    text = (REPO / "pyproject.toml").read_text()
    match = re.search(r'"h5py>=([\d.]+)"', text)
    assert match, "pyproject.toml declares no h5py minimum"
    return match.group(1)


_NETWORK_ERRORS = (
    "NewConnectionError",
    "Max retries exceeded",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "ConnectionError",
    "ReadTimeoutError",
)


@pytest.fixture(scope="module")
def old_h5py_python(tmp_path_factory):
    """A separate venv with the oldest h5py we declare (and numpy < 2); skips without PyPI."""
    version = _declared_h5py_minimum()
    folder = tmp_path_factory.mktemp("old-h5py")
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = folder / "bin" / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        + [f"h5py=={version}", "numpy<2", "PyYAML"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        if any(word in done.stderr for word in _NETWORK_ERRORS):
            pytest.skip(f"the package index cannot be reached to install h5py {version}")
        pytest.fail(f"h5py {version} does not install:\n{done.stderr[-2000:]}")
    yield python, version
    shutil.rmtree(folder, ignore_errors=True)


_OLD_READER = """
import json, sys
import h5py, numpy as np
from uutrack_gui import open_recording
from uutrack_gui.storage import RecordingFile
out = {"h5py": h5py.__version__, "hdf5": h5py.version.hdf5_version}
with h5py.File(sys.argv[1], "r") as h5:  # plain h5py, as a user's script
    out["attrs"] = sorted(h5[sys.argv[2]].attrs)
with RecordingFile(sys.argv[1]) as f:
    out["status"] = [s.status for s in f.summaries()]
with open_recording(sys.argv[1]) as rec:
    out.update(
        frames=len(rec), sum=int(rec[:].astype(np.int64).sum()), dropped=rec.dropped_frames,
        counters=rec.counters.tolist(), user=rec.metadata["User"]["name"],
        pixel=rec.pixel_size_um, finished=rec.finished_cleanly,
    )
print(json.dumps(out))
"""


def test_oldest_declared_h5py_reads_our_files(old_h5py_python, tmp_path):
    import json

    python, version = old_h5py_python
    path = tmp_path / "rec.h5"
    frames = _frames(6)
    name = _write(path, frames, skip_counter=2)
    done = subprocess.run(
        [str(python), "-c", _OLD_READER, str(path), name],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["h5py"].split(".")[:2] == version.split(".")[:2]
    assert not got["hdf5"].startswith("2."), "the old environment must run an older HDF5"
    assert len(got["attrs"]) == 13  # incl. calibration and time-lapse attributes
    assert got["status"] == ["finished"]
    assert got["frames"] == 6
    assert got["sum"] == int(frames.astype(np.int64).sum())
    assert got["dropped"] == 1
    assert got["counters"] == [0, 1, 3, 4, 5, 6]
    assert got["user"] == "Jörg Müller"
    assert got["pixel"] == 0.25
    assert got["finished"] is True


_OLD_WRITER = """
import sys
import numpy as np
from uutrack_gui.storage.writer import Hdf5Writer
w = Hdf5Writer()
w.setup(sys.argv[1], (32, 40), "uint16", metadata="User:\\n  name: old\\n")
for i in range(3):
    w.append(np.full((32, 40), 1000 * i + 7, np.uint16), i, 10.0 + i)
w.close()
print(w.swmr)
"""


def test_oldest_declared_h5py_writes_files_we_read(old_h5py_python, tmp_path):
    from uutrack_gui import open_recording

    python, _ = old_h5py_python
    path = tmp_path / "old-written.h5"
    done = subprocess.run(
        [str(python), "-c", _OLD_WRITER, str(path)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"  # SWMR with the v110 bound on the older HDF5 too
    with open_recording(path) as rec:
        assert rec.finished_cleanly is True
        assert [int(rec[i][0, 0]) for i in range(len(rec))] == [7, 1007, 2007]
        assert rec.metadata == {"User": {"name": "old"}}
    assert 'ATTRIBUTE "finished_cleanly"' in _h5dump_attributes(path)


# --- metadata stays ASCII for the original UUTrack loader ---------------------------------------
def test_metadata_is_stored_ascii_and_reads_back_unchanged(recording):
    path, name, _ = recording
    with h5py.File(path, "r") as h5:
        raw = h5[name][fmt.METADATA][()]
    stored = raw if isinstance(raw, bytes) else raw.encode()
    text = stored.decode("ascii")  # what the original UUTrack did; raises on non-ASCII
    assert "\\xF6" in text  # "ö" as a YAML escape
    assert yaml.safe_load(text) == SESSION

    from uutrack_gui import open_recording

    with open_recording(path) as rec:
        assert rec.metadata == SESSION
        assert rec.metadata["User"]["name"] == "Jörg Müller"


def test_ascii_safe_metadata_keeps_ascii_text_and_escapes_the_rest():
    assert ascii_safe_metadata("User:\n  name: Bob  # comment\n") == (
        "User:\n  name: Bob  # comment\n"
    )
    assert ascii_safe_metadata("not: [yaml é") == "not: [yaml \\xe9"


# --- the reading API ----------------------------------------------------------------------------
def test_open_recording_reads_frames_as_t_y_x(recording):
    from uutrack_gui import open_recording

    path, name, frames = recording
    with open_recording(path) as rec:
        assert rec.name == name
        assert len(rec) == 12
        assert rec.shape == (12, *SHAPE)
        assert rec.ndim == 3
        assert rec.dtype == np.uint16
        assert np.array_equal(rec[3], frames[3])
        assert np.array_equal(rec[-1], frames[-1])
        assert np.array_equal(rec[2:9:3], frames[2:9:3])
        assert np.array_equal(rec[[7, 1]], frames[[7, 1]])
        assert np.array_equal(rec[:, 5:9, -3:], frames[:, 5:9, -3:])
        assert np.array_equal(rec[..., 7], frames[..., 7])
        assert np.array_equal(rec[4, 10], frames[4, 10])
        assert np.array_equal(np.asarray(rec), frames)
        assert np.array_equal(np.stack(list(rec)), frames)
        assert rec.counters.tolist() == list(range(12))
        assert rec.timestamps[1] - rec.timestamps[0] == pytest.approx(0.02)
        assert rec.frame_interval_s == pytest.approx(0.02)
        assert rec.metadata == SESSION
        assert rec.pixel_size_um == 0.25
        assert rec.finished_cleanly is True
        assert rec.dropped_frames == 0
        with pytest.raises(IndexError, match="out of range: the recording has 12 frames"):
            rec[12]
    assert "12 x 48 x 64 uint16" in repr(rec)


def test_open_recording_reads_only_the_frames_asked_for(recording, monkeypatch):
    from uutrack_gui import open_recording

    path, _, frames = recording
    reads = []
    real_getitem = h5py.Dataset.__getitem__

    def counting(self, key, *args, **kwargs):
        if self.name.endswith("/timelapse"):
            reads.append(key)
        return real_getitem(self, key, *args, **kwargs)

    with open_recording(path) as rec:
        monkeypatch.setattr(h5py.Dataset, "__getitem__", counting)
        assert len(rec) == 12 and rec.shape == (12, *SHAPE)
        assert reads == []  # opening and the shape read no frame
        assert np.array_equal(rec[5:7], frames[5:7])
        assert reads == [(slice(None), slice(None), 5), (slice(None), slice(None), 6)]
        assert rec.recording._frames.chunks == (*SHAPE, 1)  # one frame, one chunk


def test_reading_a_frame_again_reads_the_disk_once_and_gives_a_fresh_array(recording, monkeypatch):
    from uutrack_gui import open_recording

    path, _, frames = recording
    reads = []
    real_frame = h5py.Dataset.__getitem__

    def counting(self, key, *args, **kwargs):
        reads.append(key)
        return real_frame(self, key, *args, **kwargs)

    with open_recording(path) as rec:
        monkeypatch.setattr(h5py.Dataset, "__getitem__", counting)
        first = rec[4]
        first[:] = 0  # the caller's to change: the next read is unaffected
        assert np.array_equal(rec[4], frames[4])
        assert np.array_equal(rec[4:5], frames[4:5])  # napari's way of asking
        assert len(reads) == 1


def test_open_recording_picks_a_recording_by_name_or_position(tmp_path):
    from uutrack_gui import open_recording
    from uutrack_gui.storage.api import list_recordings

    path = tmp_path / "two.h5"
    first, second = _frames(3, seed=1), _frames(4, seed=2)
    name1 = _write(path, first)
    name2 = _write(path, second)
    assert list_recordings(path) == [name1, name2]
    with open_recording(path) as rec:  # default: the last one
        assert rec.name == name2 and np.array_equal(rec[:], second)
        assert rec.names == [name1, name2]
    with open_recording(path, name1) as rec:
        assert np.array_equal(rec[:], first)
    with open_recording(path, 0) as rec:
        assert rec.name == name1
    with pytest.raises(StorageError, match="has no recording named 'nope'"):
        open_recording(path, "nope")
    with pytest.raises(IndexError, match="has 2 recordings; no recording 2"):
        open_recording(path, 2)


def test_open_recording_reads_a_uutrack_file(legacy):
    from uutrack_gui import open_recording

    path, name, frames = legacy
    with open_recording(path) as rec:
        assert rec.legacy
        assert rec.name == name
        assert rec.shape == (5, 30, 40)  # the zero padding is not a frame
        assert rec.dtype == np.uint16
        assert np.array_equal(rec[:], frames)
        assert rec.counters is None and rec.timestamps is None
        assert rec.frame_interval_s is None
        assert rec.pixel_size_um is None
        assert rec.finished_cleanly is None
        assert rec.metadata == {"User": {"name": "Aquiles"}}


def test_pixel_size_attribute_wins_over_the_session(tmp_path):
    from uutrack_gui import open_recording

    path = tmp_path / "cal.h5"
    name = _write(path, _frames(2), session={"Camera": {"pixel_size_um": 0.5}})
    with open_recording(path) as rec:
        assert rec.pixel_size_um == 0.5
    with h5py.File(path, "a") as h5:
        h5[name].attrs["pixel_size_um"] = 0.1
    with open_recording(path) as rec:
        assert rec.pixel_size_um == pytest.approx(0.1)
    path2 = tmp_path / "uncal.h5"
    _write(path2, _frames(2), session={"Camera": {"pixel_size_um": 0}})
    with open_recording(path2) as rec:
        assert rec.pixel_size_um is None  # 0 means "not calibrated"


def test_open_recording_says_why_a_file_does_not_open(tmp_path):
    from uutrack_gui import open_recording

    with pytest.raises(StorageError, match=r"missing\.h5: no such file"):
        open_recording(tmp_path / "missing.h5")
    text = tmp_path / "notes.h5"
    text.write_text("hello")
    with pytest.raises(StorageError, match="is not an HDF5 file"):
        open_recording(text)


def test_import_uutrack_gui_stays_light():
    code = (
        "import sys, uutrack_gui\n"
        "assert 'h5py' not in sys.modules, 'import uutrack_gui loaded h5py'\n"
        "assert callable(uutrack_gui.open_recording)\n"
        "assert 'h5py' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# --- OME-TIFF -----------------------------------------------------------------------------------
tifffile = pytest.importorskip("tifffile")


def test_ome_tiff_reads_back_bit_exact_with_axes_and_calibration(recording, tmp_path):
    from uutrack_gui import open_recording
    from uutrack_gui.storage.ome_tiff import export_ome_tiff

    path, name, frames = recording
    out = tmp_path / "range.ome.tif"
    calls = []
    with open_recording(path) as rec:
        result = export_ome_tiff(rec, out, 2, 10, progress=lambda d, t: calls.append((d, t)))
    assert result.frames == 8 and not result.bigtiff
    assert calls == [(k, 8) for k in range(1, 9)]
    with tifffile.TiffFile(out) as tif:
        assert tif.is_ome and not tif.is_bigtiff
        assert len(tif.pages) == 8
        series = tif.series[0]
        assert series.axes == "TYX"
        assert series.dtype == np.uint16
        assert np.array_equal(series.asarray(), frames[2:10])
        ome = tif.ome_metadata
    pixels = re.search(r"<Pixels [^>]*>", ome).group(0)
    assert 'PhysicalSizeX="0.25"' in pixels and 'PhysicalSizeY="0.25"' in pixels
    assert 'PhysicalSizeXUnit="µm"' in pixels
    assert 'TimeIncrement="0.02"' in pixels and 'TimeIncrementUnit="s"' in pixels
    assert f'Name="{name}"' in ome
    assert "Jörg Müller" in ome  # the session, as the image's description


def test_ome_tiff_of_a_uutrack_file_without_calibration(legacy, tmp_path):
    from uutrack_gui.storage.ome_tiff import export_ome_tiff

    path, _, frames = legacy
    out = tmp_path / "legacy.ome.tif"
    with RecordingFile(path) as f:
        result = export_ome_tiff(f.recording(), out)
    assert result.frames == 5 and result.pixel_size_um is None
    with tifffile.TiffFile(out) as tif:
        assert tif.series[0].axes == "TYX"
        assert tif.series[0].dtype == np.uint16  # not the original's int16
        assert np.array_equal(tif.series[0].asarray(), frames)
        assert "PhysicalSizeX" not in tif.ome_metadata
        assert "TimeIncrement" not in tif.ome_metadata


def test_ome_tiff_cancel_deletes_the_partial_file(recording, tmp_path):
    from uutrack_gui.storage.ome_tiff import export_ome_tiff

    path, _, _ = recording
    out = tmp_path / "cancelled.ome.tif"
    with RecordingFile(path) as f, pytest.raises(ExportCancelled, match="after 3 of 12 frames"):
        export_ome_tiff(f.recording(), out, progress=lambda done, total: done < 3)
    assert not out.exists()


def test_ome_tiff_bigtiff_above_4_gib(recording, tmp_path):
    from uutrack_gui.storage.ome_tiff import BIGTIFF_THRESHOLD, export_ome_tiff, needs_bigtiff

    assert not needs_bigtiff(2**32 - 2**26)
    assert needs_bigtiff(2**32)
    assert BIGTIFF_THRESHOLD < 2**32
    path, _, frames = recording
    out = tmp_path / "big.ome.tif"
    with RecordingFile(path) as f:
        assert export_ome_tiff(f.recording(), out, bigtiff=True).bigtiff
    with tifffile.TiffFile(out) as tif:
        assert tif.is_bigtiff and tif.is_ome
        assert np.array_equal(tif.series[0].asarray(), frames)


def test_ome_tiff_export_memory_stays_at_a_few_frames(tmp_path):
    from uutrack_gui.storage.ome_tiff import export_ome_tiff

    shape = (256, 256)  # 128 KiB a frame, 60 frames: 7.5 MiB in all
    path = tmp_path / "long.h5"
    _write(path, _frames(60, shape))
    with RecordingFile(path) as f:
        rec = f.recording()
        tracemalloc.start()
        try:
            export_ome_tiff(rec, tmp_path / "long.ome.tif")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    frame_bytes = shape[0] * shape[1] * 2
    assert peak < 6 * frame_bytes, f"peak {peak / frame_bytes:.1f} frames"


def test_ome_tiff_bad_range(recording, tmp_path):
    from uutrack_gui.storage.ome_tiff import export_ome_tiff

    path, _, _ = recording
    with (
        RecordingFile(path) as f,
        pytest.raises(ValueError, match=r"5\.\.12 is not within 0\.\.11"),
    ):
        export_ome_tiff(f.recording(), tmp_path / "x.ome.tif", 5, 13)
    assert not (tmp_path / "x.ome.tif").exists()


# --- uutrack export -----------------------------------------------------------------------------
def test_cli_export_ome_tiff_range(recording, tmp_path, capsys, monkeypatch):
    path, name, frames = recording
    out = tmp_path / "cli.ome.tif"
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # the progress line is for terminals
    status = main(["export", str(path), "--frames", "3:7", "--to", str(out)])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert captured.out == f"exported frames 3:7 (4 frames) of {name} to {out}\n"
    assert "\rexporting: 4/4 frames (100 %)" in captured.err
    with tifffile.TiffFile(out) as tif:
        assert tif.series[0].axes == "TYX"
        assert np.array_equal(tif.series[0].asarray(), frames[3:7])


def test_cli_export_hdf5_range_by_recording_number(tmp_path, capsys):
    path = tmp_path / "two.h5"
    first = _frames(5, seed=7)
    name1 = _write(path, first)
    _write(path, _frames(2, seed=8))
    out = tmp_path / "part.h5"
    status = main(["export", str(path), "--recording", "1", "--frames", "1:", "--to", str(out)])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert f"exported frames 1:5 (4 frames) of {name1} to {out} [" in captured.out
    with RecordingFile(out) as f:
        rec = f.recording()
        assert len(rec) == 4 and rec.finished_cleanly
        assert np.array_equal(np.stack([rec.frame(i) for i in range(4)]), first[1:])
        assert rec.counters.tolist() == [1, 2, 3, 4]
        name = rec.name
    if shutil.which("h5dump"):  # the export's own attributes (source_file, ...) too
        section = _h5dump_attributes(out).split(f'GROUP "{name}"')[1]
        assert 'ATTRIBUTE "source_frames"' in section
        assert 'ATTRIBUTE "finished_cleanly"' in section


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "{tmp}/out.png"], "cannot tell the format of {tmp}/out.png from its name"),
        (["--to", "{tmp}/nofolder/out.ome.tif"], "the folder {tmp}/nofolder does not exist"),
        (["--frames", "3:20", "--to", "{tmp}/o.ome.tif"], "--frames 3:20 is outside"),
        (["--recording", "x", "--to", "{tmp}/o.ome.tif"], "has no recording 'x' (it has 1"),
        (["--frames", "a:b", "--to", "{tmp}/o.tif"], "--frames must be A:B with whole numbers"),
        (["--frames", "5:5", "--to", "{tmp}/o.tif"], "B must be greater than A"),
        (["--to", "{tmp}/rec.h5"], "cannot export into {tmp}/rec.h5: it is the file being read"),
    ],
)
def test_cli_export_bad_input_exits_2_with_one_line(recording, tmp_path, capsys, args, message):
    path, _, _ = recording
    status = _status(["export", str(path), *(a.format(tmp=tmp_path) for a in args)])
    err = capsys.readouterr().err
    assert status == 2
    assert message.format(tmp=tmp_path) in err
    assert len(err.strip().splitlines()) == 1
    assert list(tmp_path.glob("o*")) == []


def test_cli_export_refuses_to_replace_a_tiff(recording, tmp_path, capsys):
    path, _, _ = recording
    out = tmp_path / "exists.ome.tif"
    out.write_bytes(b"keep me")
    assert main(["export", str(path), "--to", str(out)]) == 2
    assert f"{out} exists; choose another name or pass --overwrite" in capsys.readouterr().err
    assert out.read_bytes() == b"keep me"
    assert main(["export", str(path), "--to", str(out), "--overwrite", "--quiet"]) == 0
    with tifffile.TiffFile(out) as tif:
        assert len(tif.pages) == 12


def test_cli_export_missing_file(tmp_path, capsys):
    status = main(["export", str(tmp_path / "nope.h5"), "--to", str(tmp_path / "o.ome.tif")])
    assert status == 2
    assert capsys.readouterr().err == f"uutrack: error: {tmp_path / 'nope.h5'}: no such file\n"


def _status(argv: list[str]) -> int:
    """``uutrack ARGV``'s exit status, whether argparse exits or the command returns."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code
