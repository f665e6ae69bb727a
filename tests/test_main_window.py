"""The main window, driven as an operator would: clicks, keys, and what the window then shows.

Small frames (128 x 128 at 100 fps) and a ``tmp_path`` data folder keep every test fast. Each
test ends by closing the window; the conftest then checks that no camera thread, saver watcher
or saver process is left.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PyQt5 import QtCore, QtGui, QtWidgets
from windows import close_main_window, open_main_window

from uutrack_gui.acquisition.runner import RecordingStatus, RunState
from uutrack_gui.camera import SimulatedCamera
from uutrack_gui.config import Session
from uutrack_gui.gui.app import build_parser, startup_session
from uutrack_gui.gui.main_window import MainWindow
from uutrack_gui.gui.status_panel import StatusPanel
from uutrack_gui.storage import RecordingFile
from uutrack_gui.storage.saver import SaverResult
from uutrack_gui.units import format_bytes, format_clock

SIZE = 128
FPS = 100.0
WAIT_MS = 20_000  # generous: a saver process takes ~1 s to spawn on a busy 2-core machine


# --- fixtures and helpers ---------------------------------------------------------------------
@pytest.fixture
def session(tmp_path: Path) -> Session:
    s = Session()
    s.camera.width = SIZE
    s.camera.height = SIZE
    s.camera.fps = FPS
    s.camera.particles = 8
    s.camera.seed = 7
    s.saving.directory = str(tmp_path / "data")
    s.saving.max_memory = 64
    s.user.name = "tester"
    return s


@pytest.fixture
def window(qtbot, session: Session):
    w = open_main_window(qtbot, session, active=True)
    yield w
    close_main_window(qtbot, w)  # whatever the test did, as an operator would


def expected_camera(session: Session) -> SimulatedCamera:
    cam = session.camera
    return SimulatedCamera(
        cam.width, cam.height, cam.fps, cam.exposure_time, cam.particles, cam.seed
    )


def tool_button(window: MainWindow, name: str) -> QtWidgets.QToolButton:
    action = window.acts[name]
    for toolbar in window.findChildren(QtWidgets.QToolBar):
        button = toolbar.widgetForAction(action)
        if button is not None:
            return button
    raise AssertionError(f"no toolbar button for {name}")


def click(qtbot, window: MainWindow, name: str) -> None:
    qtbot.mouseClick(tool_button(window, name), QtCore.Qt.LeftButton)


def press(qtbot, window: MainWindow, key, modifier=QtCore.Qt.NoModifier) -> None:
    qtbot.keyClick(window, key, modifier)


def wait_frames_written(qtbot, window: MainWindow, n: int) -> None:
    def enough() -> bool:
        status = window.runner.recording_status()
        assert status is not None and status.frames_written >= n

    qtbot.waitUntil(enough, timeout=WAIT_MS)


def wait_idle_recorder(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(
        lambda: (
            window.runner.state not in (RunState.RECORDING, RunState.FINISHING)
            and window.last_result is not None
        ),
        timeout=WAIT_MS,
    )


def assert_frames_bit_exact(path: str | Path, session: Session, roi=None) -> int:
    """Every stored frame equals the camera's frame for its stored counter; returns the count."""
    camera = expected_camera(session)
    if roi is not None:
        from uutrack_gui.camera import Roi

        camera.roi = Roi(*roi)
    with RecordingFile(path, follow=False) as recordings:
        rec = recordings.recording(-1)
        counters = rec.counters
        assert counters is not None and len(counters) == len(rec)
        for i, counter in enumerate(counters):
            np.testing.assert_array_equal(rec.frame(i), camera.expected_frame(int(counter)))
        return len(rec)


# --- recording ---------------------------------------------------------------------------------
def test_record_stop_file_holds_exactly_the_reported_frames_bit_exact(qtbot, window, session):
    click(qtbot, window, "live")
    assert window.runner.live
    click(qtbot, window, "record")
    assert window.runner.state == RunState.RECORDING
    assert window.status_panel.text("state") == "● Recording"
    wait_frames_written(qtbot, window, 40)
    with qtbot.waitSignal(window.bridge.recording_finished, timeout=WAIT_MS):
        click(qtbot, window, "stop")
    result = window.last_result
    assert result.ok and result.end_reason == "stopped"

    # What the operator reads in the status panel ...
    panel = window.status_panel
    frames_shown = int(panel.text("frames"))
    dropped_shown = int(panel.text("dropped"))
    assert frames_shown >= 40
    assert panel.text("pending") == "0"
    assert panel.text("file").startswith(result.path)
    # ... is exactly what the file holds, frame for frame.
    # One file per recording by default, numbered from 001.
    expected_path = Path(session.saving.directory) / time.strftime("%Y-%m-%d") / "timelapse_001.h5"
    assert Path(result.path) == expected_path
    assert assert_frames_bit_exact(expected_path, session) == frames_shown
    with RecordingFile(expected_path, follow=False) as recordings:
        rec = recordings.recording(-1)
        assert rec.finished_cleanly
        assert rec.dropped_frames == dropped_shown
        # The session is the recording's metadata, and it loads back to the same settings.
        assert Session.from_yaml(rec.metadata_text).to_dict() == window.session.to_dict()
    assert window.runner.state == RunState.LIVE  # live goes on after Stop


def test_live_view_updates_while_recording_and_rates_are_shown(qtbot, window):
    window.set_live(True)
    assert window.start_recording()
    wait_frames_written(qtbot, window, 10)
    first = window.panel.frame
    qtbot.waitUntil(lambda: window.panel.frame is not first, timeout=WAIT_MS)
    second = window.panel.frame
    qtbot.waitUntil(lambda: window.panel.frame is not second, timeout=WAIT_MS)

    def shown(name: str) -> float:
        # "–" until the first figure: an AssertionError, so that waitUntil tries again.
        text = window.status_panel.text(name)
        assert text.replace(".", "", 1).isdigit(), f"{name} not shown yet: {text!r}"
        return float(text)

    def rates_shown() -> None:
        panel = window.status_panel
        assert shown("camera_fps") > FPS / 2
        assert 0 < shown("display_fps") <= 61
        assert shown("saved_fps") > FPS / 2
        assert panel.text("elapsed") != "–"
        assert shown("frames") > 0
        assert panel.text("write_speed").endswith("MiB/s")
        assert panel.text("free").endswith("iB")
        assert panel.text("time_left") != "–"

    qtbot.waitUntil(rates_shown, timeout=WAIT_MS)
    with qtbot.waitSignal(window.bridge.recording_finished, timeout=WAIT_MS):
        window.stop_recording()


def test_record_refused_when_the_folder_cannot_be_written(qtbot, tmp_path, session):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the data folder should be")
    session.saving.directory = str(blocker / "data")
    w = MainWindow(session)
    qtbot.addWidget(w)
    w.show()
    click(qtbot, w, "record")  # must not raise
    assert w.runner.state != RunState.RECORDING
    assert w.banner.isVisible()
    assert "Recording refused" in w.banner.text()
    assert str(blocker) in w.banner.text()
    assert "Recording refused" in w.statusBar().currentMessage()
    w.close()
    assert w._shut_down


def test_abort_asks_then_discards_and_keeps_the_file_readable(qtbot, window, session):
    asked = []
    window.ask = lambda title, text: asked.append(text) or False
    assert window.start_recording()
    wait_frames_written(qtbot, window, 10)
    click(qtbot, window, "abort")
    assert asked and "discard" in asked[0]
    assert window.runner.state == RunState.RECORDING  # "no" keeps recording
    window.ask = lambda title, text: True
    with qtbot.waitSignal(window.bridge.recording_finished, timeout=WAIT_MS):
        click(qtbot, window, "abort")
    assert window.last_result.end_reason == "aborted"
    assert assert_frames_bit_exact(window.last_result.path, session) >= 10


def test_several_recordings_append_as_groups_or_go_to_new_files(qtbot, window, session):
    shared = window.session
    shared.saving.append = True
    assert window.sessions.apply(shared)
    for _ in range(2):
        assert window.start_recording()
        wait_frames_written(qtbot, window, 5)
        with qtbot.waitSignal(window.bridge.recording_finished, timeout=WAIT_MS):
            window.stop_recording()
    folder = window.session.folder_for()
    assert [p.name for p in folder.glob("*.h5")] == ["timelapse.h5"]
    with RecordingFile(folder / "timelapse.h5", follow=False) as recordings:
        assert len(recordings.names) == 2

    new = window.session
    new.saving.append = False
    assert window.sessions.apply(new)
    for _ in range(2):
        assert window.start_recording()
        wait_frames_written(qtbot, window, 5)
        with qtbot.waitSignal(window.bridge.recording_finished, timeout=WAIT_MS):
            window.stop_recording()
    assert len(list(folder.glob("timelapse_*.h5"))) == 2


def test_prebuffer_recording_starts_before_the_click(qtbot, window, session):
    press(qtbot, window, QtCore.Qt.Key_B, QtCore.Qt.ControlModifier)
    assert window.acts["buffer"].isChecked() and window.runner.prebuffer.enabled
    assert window.runner.live  # the buffer fills from the live view
    qtbot.waitUntil(lambda: window.runner.prebuffer.seconds >= 0.5, timeout=WAIT_MS)

    def shown() -> None:
        assert window.status_panel.text("prebuffer").startswith("on: ")
        assert window.status_panel.prebuffer_bar.value() > 0

    qtbot.waitUntil(shown, timeout=WAIT_MS)
    clicked_at = window.runner.newest.get()[0].counter
    press(qtbot, window, QtCore.Qt.Key_M, QtCore.Qt.ControlModifier)
    wait_frames_written(qtbot, window, 60)
    with qtbot.waitSignal(window.bridge.recording_finished, timeout=WAIT_MS):
        press(qtbot, window, QtCore.Qt.Key_N, QtCore.Qt.ControlModifier)
    with RecordingFile(window.last_result.path, follow=False) as recordings:
        counters = recordings.recording(-1).counters
    assert counters[0] <= clicked_at - 40  # at least 0.4 s before the click at 100 fps
    assert assert_frames_bit_exact(window.last_result.path, session) == len(counters)


def test_prebuffer_clear_with_ctrl_f(qtbot, window):
    window.set_prebuffer(True)
    qtbot.waitUntil(lambda: len(window.runner.prebuffer) >= 20, timeout=WAIT_MS)
    window.set_live(False)  # freeze it so the count cannot grow again
    assert len(window.runner.prebuffer) >= 20
    press(qtbot, window, QtCore.Qt.Key_F, QtCore.Qt.ControlModifier)
    assert len(window.runner.prebuffer) == 0
    window.refresh_status()
    assert window.status_panel.text("prebuffer") == "on: 0 frames, 0.0 s, 0 B"
    window.set_prebuffer(False)
    window.refresh_status()
    assert window.status_panel.text("prebuffer") == "off"


# --- keys and menus ---------------------------------------------------------------------------
EXPECTED_KEYS = {
    "F6": "live",
    "F5": "snap",
    "F7": "resume_live",
    "Ctrl+S": "save_snap",
    "Ctrl+M": "record",
    "Ctrl+N": "stop",
    "Ctrl+B": "buffer",
    "Ctrl+F": "buffer_clear",
    "Ctrl+O": "open",
    "Ctrl+Q": "quit",
    "F1": "keys",
}


def test_each_key_is_bound_exactly_once_and_every_action_has_menu_toolbar_and_icon(window):
    bound: dict[str, list[str]] = {}
    for action in window.findChildren(QtWidgets.QAction):
        for key in action.shortcuts():
            bound.setdefault(key.toString(), []).append(action.objectName())
    for shortcut in window.findChildren(QtWidgets.QShortcut):
        bound.setdefault(shortcut.key().toString(), []).append("QShortcut")
    assert all(len(names) == 1 for names in bound.values()), bound
    assert {key: names[0] for key, names in bound.items()} == {
        key: f"action_{name}" for key, name in EXPECTED_KEYS.items()
    }
    menu_actions = {
        a for menu in window.menuBar().findChildren(QtWidgets.QMenu) for a in menu.actions()
    }
    toolbar_actions = {a for bar in window.findChildren(QtWidgets.QToolBar) for a in bar.actions()}
    for name, action in window.acts.items():
        assert action in menu_actions, f"{name} is in no menu"
        assert not action.icon().isNull(), f"{name} has no icon"
    # The toolbar fits a 1024-pixel screen: the main actions are in it, secondary ones only
    # in the menus.
    for name in ("live", "snap", "save_snap", "record", "stop", "abort", "buffer", "settings"):
        assert window.acts[name] in toolbar_actions, f"{name} is in no toolbar"


def test_the_keys_work(qtbot, window, session, monkeypatch):
    data = Path(session.saving.directory)
    press(qtbot, window, QtCore.Qt.Key_F6)  # live on
    assert window.runner.live and window.acts["live"].isChecked()
    qtbot.waitUntil(lambda: window.panel.frame is not None, timeout=WAIT_MS)

    press(qtbot, window, QtCore.Qt.Key_F5)  # snap: while live, the newest frame
    snap = window.controller.last_snap
    assert snap is not None and "Snapped frame" in window.statusBar().currentMessage()
    # Ctrl+S asks where (a save dialog prefilled with the next name); HDF5 is offered.
    monkeypatch.setattr(
        window, "choose_file", lambda *a, suggested=None, **k: suggested.with_suffix(".h5")
    )
    press(qtbot, window, QtCore.Qt.Key_S, QtCore.Qt.ControlModifier)  # save it
    saved = list(data.rglob(f"{session.saving.filename_photo}_*.h5"))
    assert len(saved) == 1 and str(saved[0]) in window.statusBar().currentMessage()
    with RecordingFile(saved[0], follow=False) as recordings:
        rec = recordings.recording(-1)
        assert len(rec) == 1
        np.testing.assert_array_equal(rec.frame(0), snap.data)
        np.testing.assert_array_equal(
            rec.frame(0), expected_camera(session).expected_frame(snap.counter)
        )

    press(qtbot, window, QtCore.Qt.Key_M, QtCore.Qt.ControlModifier)  # record
    assert window.runner.state == RunState.RECORDING
    assert not window.acts["record"].isEnabled() and window.acts["stop"].isEnabled()
    wait_frames_written(qtbot, window, 5)
    with qtbot.waitSignal(window.bridge.recording_finished, timeout=WAIT_MS):
        press(qtbot, window, QtCore.Qt.Key_N, QtCore.Qt.ControlModifier)  # stop
    assert window.acts["record"].isEnabled() and not window.acts["stop"].isEnabled()

    press(qtbot, window, QtCore.Qt.Key_B, QtCore.Qt.ControlModifier)
    assert window.runner.prebuffer.enabled
    press(qtbot, window, QtCore.Qt.Key_B, QtCore.Qt.ControlModifier)
    assert not window.runner.prebuffer.enabled

    press(qtbot, window, QtCore.Qt.Key_F1)  # cheat sheet
    sheet = window._cheat_sheet
    assert sheet is not None and sheet.isVisible()
    assert {key for key, _, _ in sheet.rows} == set(EXPECTED_KEYS)

    chosen = []
    monkeypatch.setattr(window, "choose_file", lambda *a, **k: chosen.append(a) or None)
    press(qtbot, window, QtCore.Qt.Key_O, QtCore.Qt.ControlModifier)  # open: asks for a file
    assert chosen and chosen[0][0] == "Open a timelapse"

    press(qtbot, window, QtCore.Qt.Key_F6)  # live off
    assert not window.runner.live and not window.acts["live"].isChecked()

    press(qtbot, window, QtCore.Qt.Key_Q, QtCore.Qt.ControlModifier)  # quit
    qtbot.waitUntil(lambda: window._shut_down and not window.isVisible(), timeout=WAIT_MS)


# --- faults ---------------------------------------------------------------------------------
def test_saver_killed_is_reported_within_a_second_and_live_goes_on(qtbot, window, session):
    window.set_live(True)
    assert window.start_recording()
    wait_frames_written(qtbot, window, 30)
    qtbot.waitUntil(lambda: window.runner.saver.frames_flushed >= 30, timeout=WAIT_MS)
    flushed = window.runner.saver.frames_flushed
    killed_at = time.monotonic()
    window.runner.saver._process.kill()
    qtbot.waitUntil(
        lambda: window.banner.isVisible() and window.banner.level == "error", timeout=1000
    )
    assert time.monotonic() - killed_at < 1.0
    assert "saver process died" in window.banner.text()
    assert any(box.isVisible() for box in window.findChildren(QtWidgets.QMessageBox))
    qtbot.waitUntil(lambda: window.runner.state == RunState.LIVE, timeout=WAIT_MS)
    assert window.status_panel.text("state") == "Live"
    assert window.acts["record"].isEnabled()
    # The live view goes on.
    before = window.live_view.shown_counter
    qtbot.waitUntil(lambda: window.live_view.shown_counter > before + 10, timeout=WAIT_MS)
    # The frames already written stay readable, bit for bit.
    path = window.last_result.path
    with RecordingFile(path) as recordings:
        rec = recordings.recording(-1)
        counters = rec.counters
        n = min(len(rec), len(counters))
        assert n >= flushed
        camera = expected_camera(session)
        for i in range(n):
            np.testing.assert_array_equal(rec.frame(i), camera.expected_frame(int(counters[i])))


def test_closing_while_recording_asks_then_leaves_a_complete_file_and_nothing_running(
    qtbot, window, session
):
    assert window.start_recording()
    wait_frames_written(qtbot, window, 20)
    questions = []
    window.ask = lambda title, text: questions.append(text) or False
    window.close()
    assert questions and window.isVisible()  # "no": keep recording
    assert window.runner.state == RunState.RECORDING

    window.ask = lambda title, text: True
    window.close()
    qtbot.waitUntil(lambda: window._shut_down and not window.isVisible(), timeout=WAIT_MS)
    assert multiprocessing.active_children() == []
    path = window.last_result.path
    n = assert_frames_bit_exact(path, session)
    with RecordingFile(path, follow=False) as recordings:
        rec = recordings.recording(-1)
        assert rec.finished_cleanly and rec.end_reason == "stopped"
        assert n == window.last_result.frames_written >= 20


def test_bad_config_is_reported_naming_the_key_not_raised(qtbot, window, tmp_path):
    bad_value = tmp_path / "bad.yaml"
    bad_value.write_text("Camera:\n  width: many\n")
    assert not window.sessions.load_file(bad_value)
    assert "Camera.width" in window.banner.text()
    assert window.session.camera.width == SIZE  # nothing changed

    malformed = tmp_path / "malformed.yaml"
    malformed.write_text("Camera: [width: 3\n  oops")
    assert not window.sessions.load_file(malformed)
    assert "not valid YAML" in window.banner.text()

    # At start-up: the program starts with defaults and says why.
    session, messages = startup_session(bad_value, None)
    assert session == Session() and messages[0][0] == "error" and "Camera.width" in messages[0][1]
    window.report(messages)
    assert "Camera.width" in window.banner.text()


def test_camera_changes_are_refused_while_recording_with_a_reason(qtbot, window, session):
    window.set_live(True)
    assert window.start_recording()
    assert not window.sessions.set_roi((0, 0, 64, 64))
    assert "Cannot change the ROI while recording" in window.banner.text()
    changed = window.session
    changed.camera.exposure_time = 20.0
    assert not window.sessions.apply(changed)
    assert "while recording" in window.banner.text()
    dialog = window.sessions.show_settings()
    assert not dialog.exposure_box.isEnabled() and "while a recording" in dialog.camera_note.text()
    assert window.session.camera.exposure_time == session.camera.exposure_time
    with qtbot.waitSignal(window.bridge.recording_finished, timeout=WAIT_MS):
        window.stop_recording()


def test_roi_from_the_image_restricts_the_camera_and_is_recorded(qtbot, window, session):
    window.set_live(True)
    qtbot.waitUntil(lambda: window.panel.frame is not None, timeout=WAIT_MS)
    click(qtbot, window, "roi_select")
    window.panel.roi_rect.setPos((16, 32))
    window.panel.roi_rect.setSize((64, 48))
    click(qtbot, window, "roi_apply")
    assert window.runner.camera.frame_shape == (48, 64)
    assert window.session.camera.roi == (16, 32, 64, 48)
    qtbot.waitUntil(lambda: window.panel.frame.shape == (48, 64), timeout=WAIT_MS)
    camera_line = window.status_panel.fields["camera"].text()
    assert f"64 × 48 (ROI of {SIZE} × {SIZE} at (16, 32)), 16-bit" in camera_line
    assert window.start_recording()
    wait_frames_written(qtbot, window, 5)
    with qtbot.waitSignal(window.bridge.recording_finished, timeout=WAIT_MS):
        window.stop_recording()
    assert assert_frames_bit_exact(window.last_result.path, session, roi=(16, 32, 64, 48)) >= 5
    click(qtbot, window, "roi_full")
    assert window.runner.camera.frame_shape == (SIZE, SIZE)
    assert f"{SIZE} × {SIZE} (full sensor)" in window.status_panel.fields["camera"].text()


# --- session and settings -------------------------------------------------------------------
def test_settings_dialog_sets_data_folder_and_camera(qtbot, window, tmp_path):
    dialog = window.sessions.show_settings()
    new_folder = tmp_path / "elsewhere"
    dialog.directory.setText(str(new_folder))
    dialog.exposure_box.setValue(25.0)
    dialog.width_box.setValue(96)  # a new sensor size: a new camera
    dialog.buttons.button(QtWidgets.QDialogButtonBox.Apply).click()
    assert dialog.message.text() == ""
    assert window.session.saving.directory == str(new_folder)
    assert window.runner.camera.exposure_ms == 25.0
    assert window.runner.camera.frame_shape == (SIZE, 96)
    assert str(window.session.video_path()).startswith(str(new_folder))

    dialog.filename_video.setText("bad/name")
    dialog.buttons.button(QtWidgets.QDialogButtonBox.Ok).click()
    assert dialog.isVisible() and "Saving.filename_video" in dialog.message.text()
    dialog.reject()


def test_session_saves_and_reloads_from_yaml_and_from_a_recording(qtbot, window, tmp_path):
    target = tmp_path / "session.yaml"
    window.choose_file = lambda *a, **k: target
    assert window.sessions.save_dialog() == target
    assert Session.load(target).to_dict() == window.session.to_dict()

    assert window.start_recording()
    wait_frames_written(qtbot, window, 3)
    with qtbot.waitSignal(window.bridge.recording_finished, timeout=WAIT_MS):
        window.stop_recording()
    recorded = window.session.to_dict()

    changed = Session.load(target)
    changed.user.name = "someone else"
    changed.camera.exposure_time = 3.0
    changed.save(target)
    assert window.sessions.load_file(target)
    assert window.session.user.name == "someone else"
    assert window.runner.camera.exposure_ms == 3.0

    window.choose_file = lambda *a, **k: Path(window.last_result.path)
    assert window.sessions.from_recording_dialog()
    assert window.session.to_dict() == recorded


def test_viewer_opens_and_its_load_settings_request_is_applied(qtbot, window, tmp_path):
    from uutrack_gui.gui.viewer import ViewerWindow
    from uutrack_gui.storage.writer import Hdf5Writer

    # A recording made elsewhere, with another session (another sensor size).
    other = Session()
    other.user.name = "from the viewer"
    other.saving.directory = str(tmp_path / "viewer_data")
    other.camera.width = other.camera.height = 64
    recording = tmp_path / "some.h5"
    frames = np.arange(3 * 64 * 64, dtype=np.uint16).reshape(3, 64, 64)
    writer = Hdf5Writer()
    writer.setup(recording, (64, 64), np.uint16, other.to_yaml(), "simulated")
    for counter, frame in enumerate(frames):
        writer.append(frame, counter, 1000.0 + counter)
    writer.close()

    window.choose_file = lambda *a, **k: recording
    viewer = window.open_timelapse()  # Ctrl+O
    assert isinstance(viewer, ViewerWindow) and viewer.isVisible()
    assert viewer.path == recording and len(viewer.recording) == 3
    np.testing.assert_array_equal(viewer.panel.frame, frames[0])
    viewer.request_load_settings()  # the viewer's "Load these settings"
    assert window.session.user.name == "from the viewer"
    assert window.session.saving.directory == other.saving.directory
    assert window.runner.camera.frame_shape == (64, 64)
    window.close()
    assert not viewer.isVisible()  # viewers close with the main window


def test_window_layout_persists(qtbot, session):
    first = MainWindow(session)
    qtbot.addWidget(first)
    first.resize(1111, 777)
    first.status_dock.setFloating(True)
    first.close()
    second = MainWindow(session)
    qtbot.addWidget(second)
    assert second.size() == QtCore.QSize(1111, 777)
    assert second.status_dock.isFloating()
    second.close()


# --- pieces ---------------------------------------------------------------------------------
def test_status_panel_shows_finishing_pending_and_dropped_in_red(qtbot):
    panel = StatusPanel()
    qtbot.addWidget(panel)
    status = RecordingStatus(
        path="/data/x.h5",
        elapsed_s=75.2,
        frames_written=1000,
        frames_dropped=3,
        frames_pending=250,
        buffer_fill=0.8,
        bytes_written=2**30,
        write_bytes_s=400.0 * 2**20,
        saved_fps=50.0,
        free_bytes=100 * 2**30,
        finishing=True,
    )
    panel.show_recording(status)
    assert panel.text("pending") == "250"
    assert panel.text("elapsed") == "1:15"
    assert "finishing" in panel.recording_box.title()
    assert "d62c1a" in panel.fields["dropped"].styleSheet()
    assert panel.buffer_bar.value() == 80 and "d62c1a" in panel.buffer_bar.styleSheet()
    assert panel.text("time_left") == "4 min"
    panel.show_result(SaverResult("/data/x.h5", "g", 1250, 0, 2**30, "stopped", "", 10.0))
    assert panel.text("dropped") == "0" and panel.fields["dropped"].styleSheet() == ""
    assert format_bytes(1.5 * 2**30) == "1.5 GiB" and format_clock(3725) == "1:02:05"


def test_command_line_and_startup_session(tmp_path):
    args = build_parser().parse_args(["--data-dir", str(tmp_path), "--config", "x.yaml", "f.h5"])
    assert args.data_dir == tmp_path and args.file == Path("f.h5")
    good = tmp_path / "good.yaml"
    s = Session()
    s.saving.directory = "/from/config"
    s.save(good)
    assert startup_session(good, None, "/remembered")[0].saving.directory == "/from/config"
    assert startup_session(good, tmp_path, "/remembered")[0].saving.directory == str(tmp_path)
    assert startup_session(None, None, "/remembered")[0].saving.directory == "/remembered"
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--version"])
    assert exit_info.value.code == 0


def test_real_viewer_opens_a_recording_and_sends_its_settings_back(qtbot, window):
    assert window.start_recording()
    wait_frames_written(qtbot, window, 5)
    with qtbot.waitSignal(window.bridge.recording_finished, timeout=WAIT_MS):
        window.stop_recording()
    recorded = window.session.to_dict()
    changed = window.session
    changed.user.name = "changed since"
    changed.camera.exposure_time = 4.0
    assert window.sessions.apply(changed)

    viewer = window.open_viewer(window.last_result.path)
    assert viewer is not None and viewer.isVisible()
    assert (
        viewer.recording is not None and len(viewer.recording) == window.last_result.frames_written
    )
    viewer.request_load_settings()
    assert window.session.to_dict() == recorded
    assert window.runner.camera.exposure_ms == recorded["Camera"]["exposure_time"]
    window.close()
    assert not viewer.isVisible()


def test_help_and_version_need_no_qt():
    import subprocess

    code = (
        "import sys\n"
        "from uutrack_gui.gui.app import main\n"
        "for args in (['--help'], ['--version']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code == 0\n"
        "print('PyQt5' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "--data-dir" in done.stdout and "--config" in done.stdout
    assert done.stdout.strip().endswith("False")


def test_record_refused_when_the_disk_is_nearly_full(qtbot, window, monkeypatch):
    import uutrack_gui.acquisition.runner as runner_module
    from uutrack_gui.storage.preflight import check_target

    # A disk with less free space than a recording needs: ask for more than any disk has.
    monkeypatch.setattr(
        runner_module,
        "check_target",
        lambda path, create_folder=False: check_target(path, create_folder, min_free=2**62),
    )
    click(qtbot, window, "record")
    assert window.runner.state != RunState.RECORDING
    assert (
        "Recording refused" in window.banner.text() and "free on that disk" in window.banner.text()
    )


@pytest.fixture
def run_app(qapp, monkeypatch):
    """Run ``uutrack-gui`` in this process; the event loop returns at once with the windows."""
    from uutrack_gui.gui import app as gui_app

    shown: list[QtWidgets.QWidget] = []

    def fake_exec() -> int:
        for widget in QtWidgets.QApplication.topLevelWidgets():
            if isinstance(widget, QtWidgets.QMainWindow) and widget.isVisible():
                shown.append(widget)
        return 0

    monkeypatch.setattr(gui_app, "_install_sigint", lambda app: None)
    monkeypatch.setattr(QtWidgets.QApplication, "exec_", staticmethod(fake_exec))
    interval = sys.getswitchinterval()

    def run(args: list[str]) -> tuple[int, list[QtWidgets.QWidget]]:
        shown.clear()
        return gui_app.main(args), list(shown)

    yield run
    sys.setswitchinterval(interval)
    for widget in shown:
        widget.close()


def test_uutrack_gui_file_opens_only_the_viewer(qtbot, run_app, window):
    assert window.start_recording()
    wait_frames_written(qtbot, window, 3)
    with qtbot.waitSignal(window.bridge.recording_finished, timeout=WAIT_MS):
        window.stop_recording()
    status, windows = run_app([window.last_result.path])
    assert status == 0
    viewers = [w for w in windows if w is not window]
    assert [type(w).__name__ for w in viewers] == ["ViewerWindow"]
    assert viewers[0].recording is not None


def test_uutrack_gui_with_a_bad_config_starts_and_says_why(qtbot, run_app, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("Saving:\n  max_memory: lots\n")
    status, windows = run_app(["--config", str(bad), "--data-dir", str(tmp_path / "d")])
    assert status == 0
    (main,) = windows
    assert isinstance(main, MainWindow)
    assert "Saving.max_memory" in main.banner.text()
    assert main.session.saving.directory == str(tmp_path / "d")
    assert main.runner.live  # the program runs, with the defaults
    main.close()
    assert main._shut_down


def test_view_tools_levels_crosshair_profile_and_pixel_readout(qtbot, window):
    from uutrack_gui.gui.levels import auto_levels

    window.set_live(True)
    qtbot.waitUntil(lambda: window.panel.frame is not None, timeout=WAIT_MS)
    window.set_live(False)  # one frame stays on screen: every figure below is computed from it
    # The camera has stopped, but its last frame reaches the screen at the display's next
    # tick: wait for it (a copy taken before was replaced under the test now and then).
    last = window.controller.runner.newest.get()[0]
    qtbot.waitUntil(lambda: window.live_view.shown_counter == last.counter, timeout=WAIT_MS)
    panel = window.panel
    frame = panel.frame.copy()
    panel.set_levels(0, 10)
    click(qtbot, window, "autolevels")
    # Fitted to the frame on screen: its 0.1 and 99.9 percentiles.
    assert panel.levels() == auto_levels(frame) != (0, 10)
    click(qtbot, window, "auto_continuous")
    assert panel.auto_levels_continuous
    click(qtbot, window, "auto_continuous")
    assert not panel.auto_levels_continuous
    click(qtbot, window, "crosshair")
    assert panel._vline.isVisible() and panel._hline.isVisible()
    click(qtbot, window, "profile")
    assert panel.profile_plot.isVisible()
    # The default line runs along the middle row from a quarter of the width: those pixels.
    profile = panel.profile()
    assert profile.size > 10
    np.testing.assert_array_equal(profile, frame[SIZE // 2, SIZE // 4 : SIZE // 4 + profile.size])
    # The pixel under the cursor: position and value of the full-resolution frame, through the
    # scene's own mouse-move signal (what Qt's move events become) and the panel's rate limiter,
    # as for an operator. The limiter delivers inside the event loop, so the layout must be
    # final first: the contrast column narrows at the first layout pass after the first frame,
    # which moves the image under a fixed scene position by most of a pixel.
    qtbot.waitUntil(layout_steady(panel), timeout=WAIT_MS)
    viewport, scene = panel.graphics.viewport(), panel.graphics.scene()
    centre = viewport.rect().center()
    moves = [
        QtCore.QPointF(panel.graphics.mapToScene(centre + d))
        for d in (QtCore.QPoint(0, 0), QtCore.QPoint(12, 8))
    ]
    pixels = []
    for move in moves:
        under = panel.view.mapSceneToView(move)
        pixels.append((int(np.floor(under.x())), int(np.floor(under.y()))))
    assert pixels[0] != pixels[1] and all(0 <= c < SIZE for c in pixels[0] + pixels[1])
    assert panel.readout.text() == " "
    for move in moves:
        scene.sigMouseMoved.emit(move)
    # Rate-limited: the readout shows where the mouse is now, the newest move.
    x, y = pixels[-1]
    qtbot.waitUntil(lambda: panel.readout.text() != " ", timeout=WAIT_MS)
    assert panel.readout.text() == f"x {x}  y {y}  value {frame[y, x]}"
    # Off the image (the view's margin): the readout is blank again.
    scene.sigMouseMoved.emit(QtCore.QPointF(1, 1))
    qtbot.waitUntil(lambda: panel.readout.text() == " ", timeout=WAIT_MS)


def layout_steady(panel):
    """A ``waitUntil`` condition: the image has kept its place on screen for three polls.

    Qt applies layouts when the event loop runs, one level of nested widgets per pass.
    """
    seen = []

    def steady() -> bool:
        seen.append((panel.view.sceneBoundingRect(), panel.view.viewRange()))
        return len(seen) >= 3 and seen[-1] == seen[-2] == seen[-3]

    return steady


def test_dropping_files_opens_recordings_in_the_viewer_and_loads_sessions(
    qtbot, window, tmp_path, monkeypatch
):
    opened = []
    monkeypatch.setattr(window, "open_viewer", lambda path=None: opened.append(path))
    session_file = tmp_path / "other.yaml"
    other = window.session
    other.user.name = "dropped"
    other.save(session_file)
    mime = QtCore.QMimeData()
    mime.setUrls(
        [QtCore.QUrl.fromLocalFile(str(p)) for p in (tmp_path / "a.h5", session_file)]
        + [QtCore.QUrl.fromLocalFile(str(tmp_path / "notes.txt"))]
    )
    event = QtGui.QDropEvent(
        QtCore.QPointF(10, 10),
        QtCore.Qt.CopyAction,
        mime,
        QtCore.Qt.LeftButton,
        QtCore.Qt.NoModifier,
    )
    window.dropEvent(event)
    assert opened == [tmp_path / "a.h5"]
    assert window.session.user.name == "dropped"
