"""The napari reader contribution: found by npe2 through the installed entry point, one lazy
``(t, y, x)`` image layer per recording, with scale and metadata. napari itself is optional:
the test that runs napari's own ``ViewerModel.open`` skips without it."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata, resources

import h5py
import numpy as np
import pytest
import yaml

from uutrack_gui.napari.reader import get_reader, read_recordings
from uutrack_gui.storage import format as fmt
from uutrack_gui.storage.legacy_writer import write_legacy_recording
from uutrack_gui.storage.writer import Hdf5Writer

SHAPE = (40, 56)


def _write(path, frames, pixel_size_um=0.5, interval_s=0.01) -> str:
    session = {"User": {"name": "Ana"}, "Camera": {"pixel_size_um": pixel_size_um}}
    writer = Hdf5Writer()
    name = writer.setup(path, frames.shape[1:], frames.dtype, metadata=yaml.safe_dump(session))
    for i, frame in enumerate(frames):
        writer.append(frame, i, 1_700_000_000.0 + i * interval_s)
    writer.close(fmt.END_STOPPED)
    return name


def _frames(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(100, 60000, size=(n, *SHAPE), dtype=np.uint16)


@pytest.fixture
def two_recordings(tmp_path):
    path = tmp_path / "beads.h5"
    first, second = _frames(7, 1), _frames(4, 2)
    names = [_write(path, first), _write(path, second, pixel_size_um=None)]
    return path, names, [first, second]


@pytest.fixture
def timelapse_reads(monkeypatch):
    """The selections read from any ``timelapse`` dataset, in order."""
    reads = []
    real_getitem = h5py.Dataset.__getitem__

    def counting(self, key, *args, **kwargs):
        if self.name.endswith("/" + fmt.TIMELAPSE):
            reads.append(key)
        return real_getitem(self, key, *args, **kwargs)

    monkeypatch.setattr(h5py.Dataset, "__getitem__", counting)
    return reads


def _one_frame(i: int) -> tuple:
    return (slice(None), slice(None), i)


# --- the manifest and its entry point -----------------------------------------------------------
def test_manifest_is_shipped_and_declared_as_the_entry_point():
    npe2 = pytest.importorskip("npe2", reason="npe2 is not installed (pip install -e '.[test]')")
    manifest_file = resources.files("uutrack_gui.napari") / "napari.yaml"
    manifest = npe2.PluginManifest.from_file(str(manifest_file))
    assert manifest.name == "uutrack_gui"
    (reader,) = manifest.contributions.readers
    (command,) = manifest.contributions.commands
    assert reader.command == command.id
    assert command.python_name == "uutrack_gui.napari.reader:get_reader"
    assert "*.h5" in reader.filename_patterns and "*.hdf5" in reader.filename_patterns
    points = metadata.entry_points(group="napari.manifest")
    assert [p.value for p in points if p.name == "uutrack_gui"] == [
        "uutrack_gui.napari:napari.yaml"
    ]


def test_the_reader_module_does_not_import_napari():
    code = (
        "import sys, uutrack_gui.napari.reader\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('napari', 'PyQt5', 'vispy')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- through npe2, as napari calls it -----------------------------------------------------------
def test_npe2_finds_the_reader_and_gives_one_layer_per_recording(two_recordings):
    npe2 = pytest.importorskip("npe2", reason="npe2 is not installed (pip install -e '.[test]')")
    path, names, frames = two_recordings
    manager = npe2.PluginManager.instance()
    manager.discover()
    readers = [r.command for r in manager.iter_compatible_readers([str(path)])]
    assert "uutrack_gui.get_reader" in readers
    layers = npe2.read([str(path)], stack=False, plugin_name="uutrack_gui")
    assert len(layers) == 2
    for (data, kwargs, kind), name, expected in zip(layers, names, frames, strict=True):
        assert kind == "image"
        assert data.shape == expected.shape and data.ndim == 3  # (t, y, x)
        assert data.dtype == np.uint16
        assert np.array_equal(data[:], expected)
        assert kwargs["name"] == f"beads [{name}]"
        assert kwargs["metadata"]["recording"] == name
        assert kwargs["metadata"]["frame_interval_s"] == pytest.approx(0.01)
        assert kwargs["metadata"]["session"]["User"] == {"name": "Ana"}
        assert kwargs["metadata"]["timestamps"].shape == (len(expected),)
        first = expected[0]
        assert kwargs["contrast_limits"] == [float(first.min()), float(first.max())]
    assert layers[0][1]["scale"] == (1.0, 0.5, 0.5)  # calibrated: micrometres
    assert layers[1][1]["scale"] == (1.0, 1.0, 1.0)  # not calibrated: pixels
    assert layers[1][1]["metadata"]["pixel_size_um"] is None


def test_the_reader_declines_files_that_are_not_recordings(tmp_path):
    plain = tmp_path / "plain.h5"
    with h5py.File(plain, "w") as h5:
        h5["images"] = np.zeros((3, 4, 5))
    text = tmp_path / "notes.h5"
    text.write_text("not HDF5")
    tiff = tmp_path / "x.tif"
    tiff.write_bytes(b"II*\0")
    for path in (plain, text, tiff, tmp_path):
        assert get_reader(str(path)) is None, path


def test_layers_are_lazy_one_frame_per_slider_step(two_recordings, timelapse_reads):
    path, _, frames = two_recordings
    assert get_reader(str(path)) is read_recordings
    (data, _, _), _ = read_recordings(str(path))
    # Each recording's first frame, for its contrast limits: nothing else.
    assert timelapse_reads == [_one_frame(0), _one_frame(0)]
    timelapse_reads.clear()
    assert np.array_equal(data[5], frames[0][5])
    assert timelapse_reads == [_one_frame(5)]
    assert data.recording._frames.chunks == (*SHAPE, 1)  # one frame, one chunk


def test_a_uutrack_file_opens_as_a_layer(tmp_path):
    path = tmp_path / "old.hdf5"
    frames = np.random.default_rng(5).integers(1, 32767, size=(3, 20, 24), dtype=np.uint16)
    with h5py.File(path, "w") as h5:
        write_legacy_recording(h5, frames, "User:\n  name: Aquiles\n", block_mb=0.002)
    assert get_reader(str(path)) is read_recordings
    ((data, kwargs, kind),) = read_recordings(str(path))
    assert kind == "image" and data.shape == (3, 20, 24) and data.dtype == np.uint16
    assert np.array_equal(data[:], frames)
    assert kwargs["scale"] == (1.0, 1.0, 1.0)
    assert kwargs["metadata"]["legacy_uutrack"] is True


# --- in napari itself ---------------------------------------------------------------------------
def test_napari_opens_the_recording_as_layers(two_recordings, timelapse_reads):
    pytest.importorskip(
        "napari", reason="napari is not installed (pip install 'uutrack_gui[napari]')"
    )
    from napari.components import ViewerModel  # the viewer without its Qt/OpenGL canvas
    from napari.plugins import _initialize_plugins

    _initialize_plugins()
    path, names, frames = two_recordings
    viewer = ViewerModel()
    layers = viewer.open(path, plugin="uutrack_gui")
    assert [type(layer).__name__ for layer in layers] == ["Image", "Image"]
    assert [layer.data.shape for layer in layers] == [(7, *SHAPE), (4, *SHAPE)]
    assert list(layers[0].scale) == [1.0, 0.5, 0.5]
    assert layers[0].metadata["recording"] == names[0]
    # Opening reads two frames per layer (the first, for contrast, and the one shown, the middle
    # of the slider), never the recording.
    assert viewer.dims.current_step[0] == 3
    assert timelapse_reads == [_one_frame(0), _one_frame(0), _one_frame(3), _one_frame(3)]
    timelapse_reads.clear()
    viewer.dims.set_current_step(0, 1)  # one slider step: one frame read per layer
    assert timelapse_reads == [_one_frame(1), _one_frame(1)]
    np.testing.assert_array_equal(layers[0]._slice.image.raw, frames[0][1])
    np.testing.assert_array_equal(layers[1]._slice.image.raw, frames[1][1])
