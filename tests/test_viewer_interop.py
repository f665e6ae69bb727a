"""The viewer as an operator checks it against the main window and other programs: the same keys,
F1 listing both windows' keys and gestures, frames numbered 1…N, OME-TIFF export that Fiji and
napari read, the recording's calibration and saturation, and a time-lapse played at its rate."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import tifffile
from fakes import FakeClock
from PyQt5 import QtCore, QtGui, QtWidgets

from uutrack_gui.gui.cheatsheet import GESTURES, CheatSheet, Window, info_rows
from uutrack_gui.gui.main_actions import main_window_action_table
from uutrack_gui.gui.viewer.actions import SAME_AS_MAIN, viewer_action_table
from uutrack_gui.gui.viewer.export import ExportRangeDialog
from uutrack_gui.storage import Hdf5Writer
from uutrack_gui.storage.legacy_writer import write_legacy_recording

SHAPE = (40, 56)
T0 = 1_700_000_000.0


def write_recording(
    path: Path, n: int = 30, interval_s: float = 0.01, pixel_size_um: float | None = None
) -> np.ndarray:
    """A finished recording of ``n`` random frames, one every ``interval_s`` seconds."""
    frames = np.random.default_rng(1).integers(0, 65535, size=(n, *SHAPE), dtype=np.uint16)
    writer = Hdf5Writer()
    writer.setup(path, SHAPE, "uint16", "user:\n  name: Ada\n", pixel_size_um=pixel_size_um)
    for i, frame in enumerate(frames):
        writer.append(frame, i, T0 + i * interval_s)
    writer.close(dropped_frames=0)
    return frames


def _portable(key: str) -> str:
    return QtGui.QKeySequence(key).toString(QtGui.QKeySequence.PortableText)


# --- keys ------------------------------------------------------------------------------------
def test_a_key_bound_in_both_windows_means_the_same():
    main = {_portable(i.shortcut): i.key for i in main_window_action_table() if i.shortcut}
    viewer = {_portable(i.shortcut): i.key for i in viewer_action_table() if i.shortcut}
    shared = set(main) & set(viewer)
    assert {"Ctrl+O", "Ctrl+S", "F1"} <= shared
    for key in shared:
        assert SAME_AS_MAIN.get(viewer[key]) == main[key], f"{key} differs between the windows"
    assert main["Ctrl+S"] == "save_snap" and viewer["Ctrl+S"] == "export_frame"
    assert main["F5"] == "snap" and "F5" not in viewer  # no other meaning for F5 in the viewer


def test_the_viewer_binds_the_keys_of_its_table(viewer):
    table = {i.key: _portable(i.shortcut) for i in viewer_action_table() if i.shortcut}
    bound = {
        key: action.shortcut().toString(QtGui.QKeySequence.PortableText)
        for key, action in viewer.acts.items()
        if not action.shortcut().isEmpty()
    }
    assert bound == table
    keys = list(bound.values())
    assert len(keys) == len(set(keys)), "a key bound to two actions"


def test_f1_in_a_viewer_opened_alone_lists_both_windows_keys_and_the_gestures(viewer, qtbot):
    qtbot.keyClick(viewer, QtCore.Qt.Key_F1)
    sheet = viewer.findChild(CheatSheet)
    assert sheet is not None and sheet.isVisible()
    own = {key: name for key, name, _ in sheet.rows}
    assert own[_native("Ctrl+S")] == "Save this frame" and own[_native("Space")] == "Play"
    assert own[_native("F1")] == "Keys and mouse"
    other = {key: name for key, name, _ in sheet.other_rows}
    assert other[_native("F5")] == "Snap" and other[_native("Ctrl+M")] == "Record"
    assert other[_native("F6")] == "Live" and other[_native("Ctrl+S")] == "Save snap"
    assert sheet.other_rows == info_rows(main_window_action_table())
    gestures = [row[0] for row in sheet.gestures]
    wanted = {
        "Wheel on the image", "Left drag on the image", "Left drag in Line profile mode",
        "Move over the image", "Drag the ROI rectangle or its corner handles",
        "Drag the timeline slider",
    }  # fmt: skip
    assert wanted <= set(gestures)
    html = sheet.findChild(QtWidgets.QLabel, "cheatSheetTable").text()
    assert "Keys: main window" in html and "Keys: timelapse viewer" in html and "Mouse" in html
    assert "crosshair follows the cursor" in html


def test_the_main_windows_f1_sheet_lists_the_viewers_keys_too(qtbot):
    sheet = CheatSheet([], None, Window.MAIN)
    qtbot.addWidget(sheet)
    assert sheet.other_rows == info_rows(viewer_action_table())
    other = {key: name for key, name, _ in sheet.other_rows}
    assert other[_native("Ctrl+S")] == "Save this frame" and other[_native("End")] == "Last frame"
    assert len(sheet.gestures) == len(GESTURES)


def _native(key: str) -> str:
    return QtGui.QKeySequence(key).toString(QtGui.QKeySequence.NativeText)


# --- frames 1…N ---------------------------------------------------------------------------
def test_the_range_dialog_numbers_frames_from_1(qtbot, tmp_path):
    dialog = ExportRangeDialog(30, current=4, frame_nbytes=100, suggested=tmp_path / "x.h5")
    qtbot.addWidget(dialog)
    assert (dialog.first.minimum(), dialog.first.maximum()) == (1, 30)
    assert (dialog.first.value(), dialog.last.value()) == (1, 30)
    dialog.findChildren(QtWidgets.QPushButton, "")[0].click()  # first = the current frame
    assert dialog.first.value() == 5  # index 4 is the 5th frame
    assert dialog.choice() == (tmp_path / "x.h5", 4, 30)  # 0-based, stop excluded
    assert dialog.size_label.text().startswith("26 frames")


# --- OME-TIFF --------------------------------------------------------------------------------
def test_export_ome_tiff_from_the_viewer_reads_back_bit_exact(viewer, tmp_path, qtbot):
    frames = write_recording(tmp_path / "rec.h5", pixel_size_um=0.25)
    assert viewer.open_file(tmp_path / "rec.h5")
    menu = viewer.menuBar().findChild(QtWidgets.QMenu, "menu_export")
    assert viewer.acts["export_ome"] in menu.actions()
    assert viewer.acts["export_ome"].text() == "&OME-TIFF…"
    out = tmp_path / "rec.ome.tif"
    with qtbot.waitSignal(viewer.export_finished, timeout=10000) as done:
        assert viewer.exporter.export_ome_tiff(out, 5, 20)
        assert viewer.exporter.progress.isVisible()  # with a cancel button beside it
        assert viewer.exporter.cancel_button.isVisible()
    assert done.args[0].startswith("Exported frames 6–20 (15 frames) as OME-TIFF to")
    assert not viewer.exporter.progress.isVisible()
    with tifffile.TiffFile(out) as tif:
        assert tif.is_ome and tif.series[0].axes == "TYX"
        data = tif.asarray()
        ome = tif.ome_metadata
    assert data.dtype == np.uint16 and np.array_equal(data, frames[5:20])
    assert 'PhysicalSizeX="0.25"' in ome


def test_ome_tiff_export_can_be_cancelled(viewer, tmp_path, qtbot):
    write_recording(tmp_path / "rec.h5", n=200)
    viewer.open_file(tmp_path / "rec.h5")
    out = tmp_path / "rec.ome.tif"
    with qtbot.waitSignal(viewer.export_finished, timeout=10000) as done:
        # The Cancel button's slot, run on the export thread at its first progress report
        # (a direct connection), so that the export cannot finish first.
        viewer.exporter._progress.connect(
            lambda *_: viewer.exporter.cancel(), QtCore.Qt.DirectConnection
        )
        assert viewer.exporter.export_ome_tiff(out, 0, 200)
    assert done.args[0].startswith("Export cancelled")
    assert not out.exists()  # the partial file is removed


# --- calibration and saturation -------------------------------------------------------------
def test_scale_bar_and_micrometres_from_a_calibrated_recording(viewer, tmp_path):
    write_recording(tmp_path / "cal.h5", pixel_size_um=0.5)
    write_recording(tmp_path / "plain.h5")
    assert viewer.open_file(tmp_path / "cal.h5")
    assert viewer.panel.pixel_size == 0.5 and viewer.panel.scale_bar is not None
    viewer.panel.set_profile_visible(True)
    viewer.panel.set_profile_line((10, 5), (40, 5))
    assert viewer.panel.profile_length() == (30.0, 15.0)  # 30 px = 15 µm
    assert viewer.panel.describe_pixel(4, 2).endswith("(2.00, 1.00 µm)")
    assert viewer.open_file(tmp_path / "plain.h5")  # not calibrated: no bar, pixels only
    assert viewer.panel.pixel_size is None and viewer.panel.scale_bar is None


def test_the_2017_uutrack_file_of_all_32767_shows_saturated_white(viewer, tmp_path, qtbot):
    path = tmp_path / "uutrack_2017.hdf5"
    with h5py.File(path, "w") as h5:
        write_legacy_recording(h5, [np.full(SHAPE, 32767, np.uint16)] * 3, "User: {}\n")
    assert viewer.open_file(path)
    panel = viewer.panel
    assert panel.saturation_value == 32767  # the original saver clipped there, not at 65535
    assert panel.describe_pixel(3, 3) == "x 3  y 3  value 32767"
    qtbot.waitExposed(viewer)
    assert _colour(panel, 28, 20) == (255, 255, 255)  # white, not black
    panel.set_saturation_visible(True)  # marked in the warning colour: every pixel saturated
    assert _colour(panel, 28, 20) == _colour(panel, 2, 2) == (255, 0, 0)


def _colour(panel, x: float, y: float) -> tuple[int, int, int]:
    """The rendered colour of frame pixel (x, y)."""
    image = panel.graphics.viewport().grab().toImage()
    point = panel.view.mapViewToScene(QtCore.QPointF(x + 0.5, y + 0.5))
    colour = image.pixelColor(panel.graphics.mapFromScene(point))
    return colour.red(), colour.green(), colour.blue()


# --- time-lapse playback ---------------------------------------------------------------------
def test_a_timelapse_plays_at_its_recorded_rate_and_faster(viewer, tmp_path, qtbot):
    write_recording(tmp_path / "tl.h5", n=10, interval_s=5.0)  # one frame every 5 s
    viewer.open_file(tmp_path / "tl.h5")
    qtbot.waitUntil(lambda: viewer.report is not None)
    clock = FakeClock()
    viewer.player.clock = clock
    shown: list[int] = []
    viewer.frame_shown.connect(shown.append)
    viewer.play()  # ×1, the recorded rate
    assert viewer.player._timer.interval() <= 250  # a frame is at most 1/4 s late
    ticks: list[int] = []
    viewer.player._timer.timeout.connect(lambda: ticks.append(1))
    clock.now = 4.9
    qtbot.waitUntil(lambda: len(ticks) >= 3)  # ticks pass; nothing is due yet
    assert viewer.frame_index == 0 and shown == []
    clock.now = 5.0
    qtbot.waitUntil(lambda: viewer.frame_index == 1)
    clock.now = 14.9
    qtbot.waitUntil(lambda: viewer.frame_index == 2)
    viewer.pause()
    assert shown == [1, 2]
    # ×100: the 45 s still to come play in 0.45 s.
    viewer.speed.setCurrentIndex(viewer.speed.findText("100×"))
    clock.now = 100.0
    viewer.play()
    clock.now = 100.05  # 5 s of recording
    qtbot.waitUntil(lambda: viewer.frame_index == 3)
    clock.now = 100.45
    qtbot.waitUntil(lambda: not viewer.playing)
    assert viewer.frame_index == 9
    assert viewer.speed.findText("10×") >= 0
