"""The napari reader contribution: found by npe2 through the installed entry point, one lazy
``(t, y, x)`` image layer per recording, with scale and metadata; deciding whether a file is a
recording only looks. napari itself is optional: the tests that open files the ways napari does
(``ViewerModel.open``, a drop on its window with its "Choose reader" dialog, its remembered
reader per pattern) skip without it."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata, resources
from types import SimpleNamespace

import h5py
import numpy as np
import pytest
import yaml
from imports import modules_loaded
from recordings import good_recording

from uutrack_gui.napari.reader import SUFFIXES, get_reader, read_recordings
from uutrack_gui.storage import format as fmt
from uutrack_gui.storage.errors import StorageError
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
    # Offered the files this program's viewer opens, no others (not HDF-EOS5's .he5).
    assert reader.filename_patterns == [f"*{suffix}" for suffix in SUFFIXES]
    assert SUFFIXES == (".h5", ".hdf5", ".hdf")
    assert not reader.accepts_directories
    points = metadata.entry_points(group="napari.manifest")
    assert [p.value for p in points if p.name == "uutrack_gui"] == [
        "uutrack_gui.napari:napari.yaml"
    ]


def test_the_reader_module_does_not_import_napari():
    loaded = modules_loaded("import uutrack_gui.napari.reader", ("napari", "PyQt5", "vispy"))
    assert loaded == []


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
    for path in (plain, text, tiff, tmp_path, tmp_path / "missing.h5"):
        assert get_reader(str(path)) is None, path


def test_a_truncated_recording_is_taken_and_the_reason_given(tmp_path):
    """Not refused like a file of someone else's: napari shows the reader's own reason."""
    path = good_recording(tmp_path / "cut.h5", 200)
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 2)
    assert get_reader(str(path)) is read_recordings
    with pytest.raises(StorageError, match="is truncated"):
        read_recordings(str(path))


#: An HDF5 writer of another program that dies in SWMR mode: its file stays marked as being
#: written. argv: the file, and whether it writes a group that looks like a recording.
_DEAD_WRITER = """
import os, sys, h5py, numpy as np
h5 = h5py.File(sys.argv[1], "w", libver="latest")
h5.create_dataset("run/timelapse" if sys.argv[2] == "1" else "images", data=np.ones((4, 4, 2)))
h5.swmr_mode = True
h5.flush()
os._exit(0)
"""


@pytest.mark.parametrize("looks_like_a_recording", [False, True])
def test_deciding_never_changes_the_file(tmp_path, looks_like_a_recording):
    """napari may hand the reader any .h5 file: deciding only looks, even at a file a dead writer
    left marked as being written (opening it as a recording clears that mark)."""
    path = tmp_path / "theirs.h5"
    args = [sys.executable, "-c", _DEAD_WRITER, str(path), str(int(looks_like_a_recording))]
    subprocess.run(args, check=True, timeout=60)
    before = path.read_bytes()
    with pytest.raises(OSError, match="already open for write"):
        h5py.File(path, "r")
    found = get_reader(str(path))
    assert found is (read_recordings if looks_like_a_recording else None)
    assert path.read_bytes() == before


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
NO_NAPARI = "napari is not installed (pip install 'uutrack_gui[napari]')"


@pytest.fixture
def napari_settings(tmp_path, monkeypatch):
    """napari's settings in the test's own file (never the user's), and its plug-ins found."""
    pytest.importorskip("napari", reason=NO_NAPARI)
    from napari import settings
    from napari.plugins import _initialize_plugins

    mine = settings.NapariSettings(config_path=tmp_path / "napari-settings.yaml")
    monkeypatch.setattr(settings, "_SETTINGS", mine)  # what get_settings() returns
    _initialize_plugins()  # as napari does on start-up
    return mine


@pytest.fixture
def plain_h5(tmp_path):
    path = tmp_path / "plain.h5"
    with h5py.File(path, "w") as h5:
        h5["images"] = np.zeros((3, 4, 5), np.uint16)
    return path


def _assert_ours(layers, names, frames):
    assert [type(layer).__name__ for layer in layers] == ["Image", "Image"]
    assert [layer.data.shape for layer in layers] == [f.shape for f in frames]  # (t, y, x)
    assert [layer.name for layer in layers] == [f"beads [{name}]" for name in names]
    assert list(layers[0].scale) == [1.0, 0.5, 0.5]  # pixel_size_um
    assert list(layers[1].scale) == [1.0, 1.0, 1.0]  # not calibrated
    assert [layer.metadata["recording"] for layer in layers] == names
    assert layers[0].metadata["session"]["User"] == {"name": "Ana"}
    assert all(layer.source.reader_plugin == "uutrack_gui" for layer in layers)


def test_napari_opens_the_recording_as_layers(two_recordings, timelapse_reads, napari_settings):
    from napari.components import ViewerModel  # the viewer without its Qt/OpenGL canvas

    path, names, frames = two_recordings
    viewer = ViewerModel()
    layers = viewer.open(path, plugin="uutrack_gui")
    _assert_ours(layers, names, frames)
    # Opening reads two frames per layer (the first, for contrast, and the one shown, the middle
    # of the slider), never the recording.
    assert viewer.dims.current_step[0] == 3
    assert timelapse_reads == [_one_frame(0), _one_frame(0), _one_frame(3), _one_frame(3)]
    timelapse_reads.clear()
    viewer.dims.set_current_step(0, 1)  # one slider step: one frame read per layer
    assert timelapse_reads == [_one_frame(1), _one_frame(1)]
    np.testing.assert_array_equal(layers[0]._slice.image.raw, frames[0][1])
    np.testing.assert_array_equal(layers[1]._slice.image.raw, frames[1][1])


def test_napari_asks_for_h5_files_until_a_reader_is_remembered(two_recordings, napari_settings):
    """``plugin=None`` is what napari's window and command line pass (plain ``viewer.open(path)``
    means napari's own reader): napari picks by filename pattern only, so with its own reader
    also claiming *.h5 it needs the user's choice, remembered in plugins.extension2reader."""
    from napari.components import ViewerModel
    from napari.errors import MultipleReaderError

    path, names, frames = two_recordings
    viewer = ViewerModel()
    with pytest.raises(MultipleReaderError) as asked:
        viewer.open(path, plugin=None)
    assert set(asked.value.available_plugins) == {"napari", "uutrack_gui"}
    assert not viewer.layers

    # The README's recipe (what the dialog's "Remember this choice" stores), saved at once.
    settings = napari_settings.plugins
    settings.extension2reader = {**settings.extension2reader, "*.h5": "uutrack_gui"}
    saved = yaml.safe_load(napari_settings.config_path.read_text())
    assert saved["plugins"]["extension2reader"] == {"*.h5": "uutrack_gui"}
    _assert_ours(viewer.open(path, plugin=None), names, frames)


def test_a_plain_hdf5_file_is_refused_by_name_when_ours_is_remembered(plain_h5, napari_settings):
    from napari.components import ViewerModel
    from napari.errors import ReaderPluginError

    napari_settings.plugins.extension2reader = {"*.h5": "uutrack_gui"}
    viewer = ViewerModel()
    with pytest.raises(ReaderPluginError, match="refused the file") as refused:
        viewer.open(plain_h5, plugin=None)
    assert refused.value.reader_plugin == "uutrack_gui"
    with pytest.raises(ValueError, match=r"Reader 'uutrack_gui' .* refused the file"):
        viewer.open(plain_h5, plugin="uutrack_gui")
    assert not viewer.layers


@pytest.fixture
def reader_dialog(napari_settings, monkeypatch):
    """napari's "Choose reader" dialog answered without a screen: each showing is recorded as
    ``{"text", "readers", "selected", "remember"}``; ``answer`` says OK (with "Remember this
    choice" ticked or not) or Cancel."""
    from napari._qt.dialogs.qt_reader_dialog import QtReaderDialog
    from qtpy.QtWidgets import QDialog, QLabel

    answers = SimpleNamespace(shown=[], answer={"ok": True, "remember": True})

    def exec_(dialog):
        buttons = dialog.reader_btn_group.buttons()
        answers.shown.append({
            "text": "\n".join(label.text() for label in dialog.findChildren(QLabel)),
            "readers": [button.text() for button in buttons],
            "selected": dialog.reader_btn_group.checkedButton().text(),
            "remember": dialog.persist_checkbox.text(),
        })  # fmt: skip
        dialog.persist_checkbox.setChecked(answers.answer["remember"])
        return QDialog.Accepted if answers.answer["ok"] else QDialog.Rejected

    monkeypatch.setattr(QtReaderDialog, "exec_", exec_)
    return answers


def _drop(viewer, path) -> None:
    """What napari runs for a file dropped on its window (and for ``napari FILE``): its
    QtViewer._qt_open, on a hidden widget standing in for the QtViewer (no OpenGL canvas)."""
    from napari._qt.qt_viewer import QtViewer
    from qtpy.QtWidgets import QWidget

    stand_in = QWidget()
    stand_in.viewer = viewer
    try:
        QtViewer._qt_open(stand_in, [str(path)], stack=False)
    finally:
        stand_in.deleteLater()


def test_dropping_recordings_on_napari(qapp, two_recordings, plain_h5, reader_dialog):
    from napari.components import ViewerModel

    path, names, frames = two_recordings
    viewer = ViewerModel()
    # The first drop of a .h5 file: napari asks, this reader preselected; OK, remembered.
    _drop(viewer, path)
    (shown,) = reader_dialog.shown
    assert shown["readers"] == ["UUTrack and uutrack_gui recordings", "napari builtins"]
    assert shown["selected"] == "UUTrack and uutrack_gui recordings"
    assert shown["remember"] == "Remember this choice for files with a .h5 extension"
    assert "Choose reader for" in shown["text"]
    _assert_ours(list(viewer.layers), names, frames)
    assert napari_settings_now() == {"*.h5": "uutrack_gui"}

    # From then on a drop opens without asking.
    viewer.layers.clear()
    _drop(viewer, path)
    assert len(reader_dialog.shown) == 1
    _assert_ours(list(viewer.layers), names, frames)

    # An HDF5 file that is not a recording: this reader says no; napari says so and offers the
    # other readers (here: cancelled). Nothing is raised, nothing opened.
    viewer.layers.clear()
    reader_dialog.answer = {"ok": False, "remember": False}
    _drop(viewer, plain_h5)
    refused = reader_dialog.shown[-1]
    assert refused["readers"] == ["napari builtins"]
    assert "Tried opening with uutrack_gui, but failed." in refused["text"]
    assert "refused the file" in refused["text"]
    assert not viewer.layers


def napari_settings_now() -> dict:
    """The remembered readers, as napari reads them."""
    from napari.settings import get_settings

    return dict(get_settings().plugins.extension2reader)
