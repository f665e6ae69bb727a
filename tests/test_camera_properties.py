"""The camera property browser: device properties, editable, edits refused while recording."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("pymmcore_plus.experimental.unicore", reason="pymmcore-plus not installed")

WAIT = 60.0


@pytest.fixture
def camera(tmp_path):
    from uutrack_gui.camera.micromanager import MicroManagerCamera

    cfg = tmp_path / "MMConfig.cfg"
    cfg.write_text(
        "#py pyDevice,Cam,mm_test_camera,StampCamera\n"
        "#py Property,Core,Initialize,1\n"
        "#py Property,Core,Camera,Cam\n",
        encoding="utf-8",
    )
    cam = MicroManagerCamera(cfg)
    yield cam
    cam.close()


def _widget(qtbot, apply):
    from uutrack_gui.gui.camera_properties import CameraPropertiesWidget

    widget = CameraPropertiesWidget(apply)
    qtbot.addWidget(widget)
    return widget


def test_lists_the_device_properties_editable_where_the_device_allows(qtbot, camera):
    from PyQt5 import QtCore, QtWidgets

    widget = _widget(qtbot, lambda change: change(camera))
    widget.set_camera(camera)
    names = {widget.table.item(r, 0).text() for r in range(widget.table.rowCount())}
    assert {"Exposure", "Binning", "CameraName", "paced", "fail_after"} <= names
    assert widget.value_of("CameraName") == "StampCam"
    assert "'Cam'" in widget.note.text()
    exposure = widget.table.item(widget.row_of("Exposure"), 1)
    assert exposure.flags() & QtCore.Qt.ItemIsEditable
    name = widget.table.item(widget.row_of("CameraName"), 1)
    assert not name.flags() & QtCore.Qt.ItemIsEditable  # read-only
    combo = widget.table.cellWidget(widget.row_of("paced"), 1)
    assert isinstance(combo, QtWidgets.QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == ["0", "1"]


def test_an_edit_sets_the_device_through_apply(qtbot, camera):
    calls: list[object] = []

    def apply(change) -> None:
        calls.append(change)
        change(camera)

    widget = _widget(qtbot, apply)
    widget.set_camera(camera)
    item = widget.table.item(widget.row_of("Exposure"), 1)
    with qtbot.waitSignal(widget.property_changed) as changed:
        item.setText("7.5")
    assert changed.args == ["Exposure", "7.5"]
    assert len(calls) == 1 and camera.exposure_ms == 7.5
    assert camera.core.getExposure("Cam") == 7.5


def test_a_refused_edit_is_announced_and_the_value_restored(qtbot, camera):
    widget = _widget(qtbot, lambda change: change(camera))
    widget.set_camera(camera)
    item = widget.table.item(widget.row_of("Binning"), 1)
    with qtbot.waitSignal(widget.error) as error:
        item.setText("3")
    assert error.args[0].startswith("Binning not set: ")
    assert "binning 3 not supported" in error.args[0]
    assert widget.value_of("Binning") == "1"


def test_edits_are_refused_while_recording(qtbot, camera, tmp_path):
    from uutrack_gui.acquisition import AcquisitionRunner

    runner = AcquisitionRunner(camera, max_memory_mb=32)
    widget = _widget(qtbot, lambda change: runner.reconfigure(change, "camera properties"))
    widget.set_camera(camera)
    finished = threading.Event()
    runner.events.recording_finished.connect(lambda result: finished.set())
    before = widget.value_of("Exposure")
    runner.start_recording(tmp_path / "rec.h5")
    try:
        item = widget.table.item(widget.row_of("Exposure"), 1)
        with qtbot.waitSignal(widget.error) as error:
            item.setText("9")
        assert error.args[0] == (
            "Exposure not set: cannot change camera properties while recording"
        )
        assert widget.value_of("Exposure") == before
        assert camera.exposure_ms == float(before)
        runner.stop_recording()
        assert finished.wait(WAIT)
        # Once the file is finished, the same edit goes through (live restarted around it).
        item = widget.table.item(widget.row_of("Exposure"), 1)
        with qtbot.waitSignal(widget.property_changed):
            item.setText("9")
        assert camera.exposure_ms == 9.0 and runner.live
    finally:
        runner.close()


def test_a_camera_without_device_properties(qtbot):
    from uutrack_gui.camera import SimulatedCamera

    widget = _widget(qtbot, lambda change: None)
    widget.set_camera(SimulatedCamera(32, 32))
    assert widget.table.rowCount() == 0
    assert widget.note.text() == "Simulated camera has no device properties."
    widget.set_camera(None)
    assert widget.note.text() == "No camera."
