"""The Camera menu (issue 10): switch to a Micro-Manager config and back, the property browser,
refusal while recording, and a bad config that leaves the current camera in place.

The Micro-Manager camera is pymmcore-plus's ``UniMMCore`` with the pure-Python
:class:`mm_test_camera.StampCamera` (no hardware, no device adapters).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt5 import QtWidgets

pytest.importorskip("pymmcore_plus.experimental.unicore", reason="pymmcore-plus not installed")

import mm_test_camera as stamp  # noqa: E402  (after the skip: it imports pymmcore-plus)
from windows import close_main_window, open_main_window  # noqa: E402

from uutrack_gui.camera.mm_devices import adapters_installed  # noqa: E402
from uutrack_gui.config import Session  # noqa: E402
from uutrack_gui.gui.main_window import MainWindow  # noqa: E402

WAIT_MS = 30_000


@pytest.fixture
def cfg(tmp_path) -> Path:
    path = tmp_path / "MMConfig.cfg"
    path.write_text(
        "\n".join(
            (
                "#py pyDevice,Cam,mm_test_camera,StampCamera",
                "#py Property,Core,Initialize,1",
                "#py Property,Core,Camera,Cam",
                "#py Property,Cam,Exposure,2.0",
            )
        )
        + "\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    # Plain pymmcore-plus events (Qt ones would need qtpy).
    monkeypatch.setenv("PYMM_SIGNALS_BACKEND", "psygnal")
    session = Session()
    session.camera.width = session.camera.height = 64
    session.camera.fps = 100.0
    session.saving.directory = str(tmp_path / "data")
    session.saving.max_memory = 64
    w = open_main_window(qtbot, session)
    yield w
    close_main_window(qtbot, w)


def camera_menu(window: MainWindow) -> QtWidgets.QMenu:
    return window.menuBar().findChild(QtWidgets.QMenu, "menu_camera")


def test_switch_to_a_micromanager_config_and_back(qtbot, window, cfg, monkeypatch):
    menu = camera_menu(window).actions()
    cams = window.cameras
    assert cams.backend_actions["simulated"] in menu and cams.config_action in menu
    assert cams.properties_action in menu
    assert cams.backend_actions["simulated"].isChecked()
    monkeypatch.setattr(window, "choose_file", lambda *a, **k: cfg)
    window.set_live(True)

    cams.config_action.trigger()
    session = window.session.camera
    assert (session.backend, session.mm_config) == ("micromanager", str(cfg))
    assert window.controller.camera.frame_shape == (
        stamp.StampCamera.HEIGHT,
        stamp.StampCamera.WIDTH,
    )
    assert cams.backend_actions["micromanager"].isChecked()
    assert window.runner.live  # live view goes on with the new camera
    # The status panel shows the device as it is, not the session's simulated sensor.
    h, w = stamp.StampCamera.HEIGHT, stamp.StampCamera.WIDTH
    camera_line = window.status_panel.fields["camera"].text()
    assert camera_line.startswith(f"StampCam (Micro-Manager): {w} × {h} (full sensor), 16-bit")
    qtbot.waitUntil(lambda: window.live_view.shown_counter is not None, timeout=WAIT_MS)
    # The property browser shows the device's properties, and an exposure set there is the
    # session's exposure (it goes into the metadata).
    props = cams.properties
    assert props.camera is window.controller.camera
    row = props.row_of("Exposure")
    assert row >= 0
    props.table.item(row, 1).setText("3.5")
    qtbot.waitUntil(lambda: window.session.camera.exposure_time == 3.5, timeout=WAIT_MS)
    assert window.controller.camera.exposure_ms == pytest.approx(3.5)
    qtbot.waitUntil(
        lambda: "3.5 ms" in window.status_panel.fields["camera"].text(), timeout=WAIT_MS
    )

    cams.backend_actions["simulated"].trigger()
    assert window.session.camera.backend == "simulated"
    assert window.controller.camera.frame_shape == (64, 64)
    assert props.camera is window.controller.camera
    assert "no device properties" in props.note.text()


def test_camera_switch_refused_while_recording(qtbot, window, cfg):
    assert window.start_recording()
    cams = window.cameras
    assert not cams.config_action.isEnabled()
    assert not cams.backend_actions["micromanager"].isEnabled()
    model = window.controller.camera.model
    assert not cams.choose_mm_config(cfg)  # even when asked directly
    assert "while recording" in window.notifier.messages[-1][1]
    assert window.controller.camera.model == model
    assert cams.backend_actions["simulated"].isChecked()  # the check mark did not move
    with qtbot.waitSignal(window.bridge.recording_finished, timeout=WAIT_MS):
        window.stop_recording()
    qtbot.waitUntil(lambda: cams.config_action.isEnabled(), timeout=WAIT_MS)


#: Hostile configs for the Camera menu: (id, lines of the .cfg or None for no file, what the
#: one-line message must say).
BAD_CONFIGS = [
    ("missing file", None, "no such Micro-Manager config file"),
    (
        "not a config",
        ["this is not, a config line at all"],
        "Micro-Manager cannot load this config",
    ),
    (
        "no camera in it",
        ["#py pyDevice,Lamp,mm_test_camera,Lamp", "#py Property,Core,Initialize,1"],
        "no camera device in this config",
    ),
    (
        "a line failing after the camera loaded",
        [
            "#py pyDevice,Cam,mm_test_camera,StampCamera",
            "#py Property,Core,Initialize,1",
            "#py Property,Core,Camera,Cam",
            "Property,Cam,NoSuchProperty,1",
        ],
        "at line 4",
    ),
    (
        "a 32-bit float camera",
        [
            "#py pyDevice,Float,mm_test_camera,FloatCamera",
            "#py Property,Core,Initialize,1",
            "#py Property,Core,Camera,Float",
        ],
        "pixel type GRAY32",
    ),
    (
        "adapters that are not installed",
        ["Device,Camera,DemoCamera,DCam", "Property,Core,Initialize,1"],
        "Micro-Manager cannot load this config",
    ),
]


_NO_ADAPTERS = pytest.mark.skipif(
    adapters_installed(), reason="Micro-Manager adapters are installed here: DemoCamera loads"
)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        pytest.param(*case[1:], id=case[0], marks=_NO_ADAPTERS if "adapters" in case[0] else ())
        for case in BAD_CONFIGS
    ],
)
def test_a_bad_config_keeps_the_current_camera_and_says_why(
    qtbot, window, tmp_path, lines, message
):
    bad = tmp_path / "broken.cfg"
    if lines is not None:
        bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    window.set_live(True)
    model = window.controller.camera.model
    assert not window.cameras.choose_mm_config(bad)
    level, text = window.notifier.messages[-1]
    assert level == "error" and "broken.cfg" in text and message in text
    assert "\n" not in text and "Traceback" not in text  # one line for the operator
    # The window goes on with the camera it had, and the simulated camera stays selectable.
    assert window.controller.camera.model == model
    assert window.session.camera.backend == "simulated"
    assert window.cameras.backend_actions["simulated"].isChecked()
    assert window.cameras.backend_actions["simulated"].isEnabled()
    assert window.runner.live
    shown = window.live_view.shown_counter
    qtbot.waitUntil(lambda: window.live_view.shown_counter != shown, timeout=WAIT_MS)


def test_pymmcore_plus_missing_is_one_line_with_the_way_to_get_it(qtbot, window, cfg, monkeypatch):
    import sys

    for name in list(sys.modules):
        if name.startswith("pymmcore_plus"):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pymmcore_plus", None)  # import fails as if not installed
    assert not window.cameras.choose_mm_config(cfg)
    level, text = window.notifier.messages[-1]
    assert level == "error" and 'pip install "uutrack_gui[micromanager]"' in text
    assert window.session.camera.backend == "simulated"


def test_a_device_failing_mid_recording_names_its_cause_and_the_file_is_finished(
    qtbot, window, tmp_path
):
    failing = tmp_path / "failing.cfg"
    failing.write_text(
        "#py pyDevice,Cam,mm_test_camera,StampCamera\n#py Property,Core,Initialize,1\n"
        "#py Property,Core,Camera,Cam\n#py Property,Cam,Exposure,5\n",
        encoding="utf-8",
    )
    assert window.cameras.choose_mm_config(failing)
    window.set_live(True)
    assert window.start_recording()
    qtbot.waitUntil(
        lambda: window.controller.status().recording.frames_written >= 10, timeout=WAIT_MS
    )
    with qtbot.waitSignal(window.bridge.recording_finished, timeout=WAIT_MS):
        window.controller.camera.core.setProperty("Cam", "fail_after", 0)  # unplugged now
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=WAIT_MS)
    assert window.banner.text() == (
        f"camera stopped: {failing}: Cam stopped streaming: camera unplugged"
    )
    result = window.last_result
    assert result.error == "" and result.frames_written >= 10
    from uutrack_gui.storage import RecordingFile

    with RecordingFile(result.path) as f:
        rec = f.recording()
        assert rec.finished_cleanly and len(rec) == result.frames_written
    # The window is alive and the simulated camera is one click away.
    window.cameras.backend_actions["simulated"].trigger()
    assert window.session.camera.backend == "simulated"
    window.set_live(True)
    qtbot.waitUntil(lambda: window.runner.live, timeout=WAIT_MS)
