"""The operator's workflow in the main window (issue 11): named recordings, fixed lengths,
time-lapse, snaps, calibration, contrast and saturation, docks, and the session remembered.

Small frames (96 x 96 at 100 fps) in a ``tmp_path`` data folder. The simulated camera stamps
frame ``n`` at ``t0 + (n + 1) / fps``, so frame counts, counters and timestamps read back from
the files are exact.
"""

from __future__ import annotations

import struct
import time
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PyQt5 import QtCore, QtGui, QtWidgets
from windows import close_main_window, open_main_window

from uutrack_gui.acquisition.recording_plan import (
    Lapse,
    Length,
    RecordingPlan,
    finishing_progress,
    progress,
)
from uutrack_gui.acquisition.status import RecordingStatus, RunState
from uutrack_gui.config import Session
from uutrack_gui.gui import session_memory
from uutrack_gui.gui.app import startup_session
from uutrack_gui.gui.main_window import MainWindow
from uutrack_gui.gui.settings_dialog import exposure_warning
from uutrack_gui.gui.status_panel import NEUTRAL_FILL
from uutrack_gui.storage import RecordingFile

SIZE = 96
FPS = 100.0
WAIT_MS = 30_000  # a saver process takes ~1 s to spawn on a busy 2-core machine


@pytest.fixture
def session(tmp_path: Path) -> Session:
    s = Session()
    s.camera.width = SIZE
    s.camera.height = SIZE
    s.camera.fps = FPS
    s.camera.particles = 4
    s.camera.seed = 3
    s.saving.directory = str(tmp_path / "data")
    s.saving.max_memory = 64
    return s


@pytest.fixture
def window(qtbot, session: Session):
    w = open_main_window(qtbot, session)
    yield w
    close_main_window(qtbot, w)


def record(qtbot, window: MainWindow, plan: RecordingPlan) -> Path:
    """Record with ``plan`` set in the bar; a limited recording stops by itself."""
    window.recording_bar.set_plan(plan)
    with qtbot.waitSignal(window.bridge.recording_finished, timeout=WAIT_MS):
        assert window.start_recording()
        if plan.length is Length.UNTIL_STOP:
            qtbot.waitUntil(lambda: window.runner.recording_status().frames_written >= 3)
            window.stop_recording()
    return Path(window.last_result.path)


def today(session: Session) -> Path:
    return Path(session.saving.directory) / time.strftime("%Y-%m-%d")


# --- names, one file per recording ------------------------------------------------------------
def test_name_field_shows_the_next_file_and_recordings_count_up(qtbot, window, session):
    bar = window.recording_bar
    assert bar.name_edit.text() == session.saving.filename_video  # the default name
    day = time.strftime("%Y-%m-%d")
    assert bar.next_file.text() == f"{day}/timelapse_001.h5"  # before any Record click
    bar.name_edit.clear()
    qtbot.keyClicks(bar.name_edit, "beads run")
    assert bar.next_file.text() == f"{day}/beads_run_001.h5"  # follows the typing
    qtbot.keyClick(bar.name_edit, QtCore.Qt.Key_Return)
    assert window.session.saving.filename_video == "beads run"  # kept in the session

    first = record(qtbot, window, RecordingPlan("beads run", Length.FRAMES, 5))
    assert first == today(session) / "beads_run_001.h5"
    assert bar.next_file.text() == f"{day}/beads_run_002.h5"
    second = record(qtbot, window, RecordingPlan("beads run", Length.FRAMES, 5))
    assert second == today(session) / "beads_run_002.h5"
    # Never overwritten: each file holds exactly its own recording.
    for path in (first, second):
        with RecordingFile(path, follow=False) as recordings:
            assert len(recordings.names) == 1 and len(recordings.recording(-1)) == 5
    # After Stop the file is named in the status, and offered.
    assert str(second) in window.status_panel.text("file")
    assert any(str(second) in text for _level, text in window.notifier.messages)


def test_after_stop_open_in_viewer_and_show_folder(qtbot, window, session, monkeypatch):
    assert not window.acts["open_last"].isEnabled()  # nothing recorded yet
    path = record(qtbot, window, RecordingPlan("cells", Length.FRAMES, 4))
    assert window.acts["open_last"].isEnabled()
    assert window.recording_bar.open_button.defaultAction() is window.acts["open_last"]
    opened, urls = [], []
    monkeypatch.setattr(window, "open_viewer", lambda p=None: opened.append(p))
    monkeypatch.setattr(QtGui.QDesktopServices, "openUrl", lambda url: urls.append(url) or True)
    window.acts["open_last"].trigger()
    window.acts["show_folder"].trigger()
    assert opened == [path]
    assert [u.toLocalFile() for u in urls] == [str(path.parent)]


def test_appending_to_one_file_stays_a_setting(qtbot, window, session):
    shared = window.session
    shared.saving.append = True
    assert window.sessions.apply(shared)
    assert window.recording_bar.next_file.text().endswith("/timelapse.h5")
    for _ in range(2):
        path = record(qtbot, window, RecordingPlan("timelapse", Length.FRAMES, 3))
    with RecordingFile(path, follow=False) as recordings:
        assert len(recordings.names) == 2


# --- lengths and time-lapse -------------------------------------------------------------------
def _read(path: Path):
    with RecordingFile(path, follow=False) as recordings:
        rec = recordings.recording(-1)
        return len(rec), rec.counters.copy(), rec.timestamps.copy(), rec.attributes()


def test_fixed_number_of_frames_stops_by_itself(qtbot, window):
    path = record(qtbot, window, RecordingPlan("n", Length.FRAMES, 37))
    n, counters, stamps, _ = _read(path)
    assert n == 37 and np.all(np.diff(counters) == 1)
    assert np.allclose(np.diff(stamps), 1 / FPS, atol=1e-6)
    assert window.runner.state == RunState.LIVE  # live goes on
    assert not window.recording_bar.progress_bar.isVisible()  # hidden once done


def test_fixed_duration_takes_the_frames_of_that_camera_time(qtbot, window):
    path = record(qtbot, window, RecordingPlan("d", Length.SECONDS, 0.3))
    n, counters, stamps, _ = _read(path)
    assert n == 30  # 0.3 s at 100 fps
    assert stamps[-1] - stamps[0] < 0.3


def test_interval_timelapse_for_a_count(qtbot, window):
    plan = RecordingPlan("lapse", Length.FRAMES, 8, Lapse.INTERVAL, 0.05)
    path = record(qtbot, window, plan)
    n, counters, stamps, attrs = _read(path)
    assert n == 8
    assert np.all(np.diff(counters) == 5)  # one frame every 0.05 s of a 100 fps camera
    assert np.allclose(np.diff(stamps), 0.05, atol=1e-6)
    assert attrs["timelapse_interval_s"] == pytest.approx(0.05)


def test_every_kth_frame_for_a_duration(qtbot, window):
    plan = RecordingPlan("kth", Length.SECONDS, 0.4, Lapse.EVERY_KTH, 4)
    path = record(qtbot, window, plan)
    n, counters, stamps, attrs = _read(path)
    assert n == plan.expected_frames(FPS) == 10
    assert np.all(np.diff(counters) == 4)
    assert attrs["timelapse_every"] == 4


def test_progress_shows_frames_and_time_left(qtbot, window):
    status = RecordingStatus(
        path="x.h5", elapsed_s=2.0, frames_written=20, frames_dropped=0, frames_pending=5,
        buffer_fill=0.0, bytes_written=0, write_bytes_s=0.0, saved_fps=0.0, free_bytes=None,
        finishing=False, camera_s=3.0,  # 2 s after Record, with 1 s of pre-record frames
    )  # fmt: skip
    lapse = RecordingPlan("p", Length.FRAMES, 100, Lapse.INTERVAL, 2.0)
    shown = progress(lapse, status, FPS)
    assert (
        shown.fraction == pytest.approx(0.25) and shown.text == "25 / 100 frames, 2 min 30 s left"
    )
    timed = progress(RecordingPlan("p", Length.SECONDS, 10), status, FPS)  # camera time
    assert timed.fraction == pytest.approx(0.3) and timed.text == "25 frames, 7 s left"
    assert progress(RecordingPlan("p"), status, FPS) is None
    # After Stop, while the saver writes the rest: how much is written, until the file is done.
    after = finishing_progress(replace(status, finishing=True))
    assert (
        after.fraction == pytest.approx(0.8)
        and after.text == "20 frames, finishing: 5 left to write"
    )
    done = finishing_progress(replace(status, frames_pending=0, finishing=True))
    assert done.fraction == 1.0 and done.text == "20 frames, closing the file"
    window.recording.plan_in_use = None  # any recording, limited or not
    window.recording.show(
        replace(window.controller.status(), state=RunState.FINISHING, recording=status)
    )
    assert window.recording_bar.progress_bar.isVisible()
    assert window.recording_bar.progress_bar.format() == "20 frames, finishing: 5 left to write"
    # In the window: the bar shows it while a limited recording runs.
    window.recording_bar.set_plan(RecordingPlan("p", Length.SECONDS, 30))
    assert window.start_recording()
    qtbot.waitUntil(lambda: window.recording_bar.progress_bar.isVisible(), timeout=WAIT_MS)
    assert "left" in window.recording_bar.progress_bar.format()
    assert not window.recording_bar.name_edit.isEnabled()  # locked while it runs
    with qtbot.waitSignal(window.bridge.recording_finished, timeout=WAIT_MS):
        window.stop_recording()
    assert window.recording_bar.name_edit.isEnabled()


def test_bad_timelapse_is_refused_with_a_message(qtbot, window, session):
    window.recording_bar.set_plan(RecordingPlan("x", Length.SECONDS, 0.5, Lapse.INTERVAL, 1))
    window.recording_bar.lapse_value.setMinimum(0)
    window.recording_bar.lapse_value.setValue(0)
    assert not window.start_recording()
    assert "interval must be > 0" in window.notifier.messages[-1][1]
    assert not today(session).exists() or not list(today(session).glob("*.h5"))


def test_prebuffer_sized_in_seconds_shown_in_seconds_and_mb(qtbot, window):
    window.recording_bar.prebuffer_seconds.setValue(0.5)
    assert window.runner.prebuffer.capacity_s == 0.5
    # 0.5 s at 100 fps: 51 frames of 96 x 96 x 2 bytes = 0.94 MB.
    assert window.recording_bar.prebuffer_size.text() == "= 0.5 s, 1 MB"
    window.set_prebuffer(True)
    qtbot.waitUntil(lambda: window.runner.prebuffer.seconds >= 0.5, timeout=WAIT_MS)
    assert window.runner.prebuffer.seconds <= 0.5 + 1e-6  # never more than asked

    def full() -> None:
        window.refresh_status()
        # Full once it holds the 0.5 s asked (0.9 MB), not at 0.2 % of its 32 MB memory cap.
        assert window.status_panel.prebuffer_bar.value() == 100
        assert window.status_panel.text("prebuffer").startswith("on: 51 frames, 0.5 s")

    qtbot.waitUntil(full, timeout=WAIT_MS)
    colour = window.status_panel.prebuffer_bar.property("fillColor")
    assert colour == NEUTRAL_FILL  # full is its normal state: no alarm colour


def test_prebuffer_asking_more_than_fits_in_memory_says_so(qtbot, session):
    session.camera.width = session.camera.height = 448  # 392 kB frames
    session.saving.max_memory = 16  # MB: the pre-record buffer holds up to 8 MB, 20 frames
    window = open_main_window(qtbot, session)
    try:
        window.recording_bar.prebuffer_seconds.setValue(5.0)
        # 20 frames at 100 fps span 0.19 s.
        assert window.recording_bar.prebuffer_size.text() == "5.0 s asked, 0.2 s fit in 8 MB"
        window.set_prebuffer(True)

        def full() -> None:
            window.refresh_status()
            assert window.status_panel.prebuffer_bar.value() == 100
            text = window.status_panel.text("prebuffer")
            assert text.startswith("on: 20 frames, 0.2 s, ")
            assert text.endswith("(all that fits in memory; 5.0 s asked)")

        qtbot.waitUntil(full, timeout=WAIT_MS)
    finally:
        close_main_window(qtbot, window)


# --- snaps ------------------------------------------------------------------------------------
def _png_pixels(path: Path) -> np.ndarray:
    data = path.read_bytes()
    width, height, bits = struct.unpack(">IIB", data[16:25])
    raw = zlib.decompress(data[data.index(b"IDAT") + 4 : data.index(b"IEND") - 8])
    rows = np.frombuffer(raw, np.uint8).reshape(height, -1)[:, 1:]  # drop the filter byte
    return rows.copy().view(">u2" if bits == 16 else "u1").reshape(height, width)


def test_snap_stays_on_screen_and_saves_16_bit_tiff(qtbot, window, monkeypatch):
    window.set_live(True)
    qtbot.waitUntil(lambda: window.live_view.shown_counter is not None, timeout=WAIT_MS)
    frame = window.snap()
    assert window.live_view.frozen and window.acts["resume_live"].isEnabled()
    newest = lambda: window.runner.newest.get()[0].counter  # noqa: E731
    qtbot.waitUntil(lambda: newest() > frame.counter + 5, timeout=WAIT_MS)
    window.live_view.refresh()
    assert window.live_view.shown_counter == frame.counter  # not overwritten by live frames
    assert np.array_equal(window.panel.frame, frame.data)

    asked = []

    def answer(title, file_filter, key, save=False, suggested=None):
        asked.append((file_filter, save, suggested))
        return suggested

    monkeypatch.setattr(window, "choose_file", answer)
    saved = window.save_snap()
    file_filter, save, suggested = asked[0]
    assert save and file_filter.startswith("16-bit TIFF") and "PNG" in file_filter
    assert saved == suggested and saved.suffix == ".tif"
    image = tifffile.imread(saved)
    assert image.dtype == np.uint16 and np.array_equal(image, frame.data)

    png = window.save_snap(saved.with_suffix(".png"))
    assert np.array_equal(_png_pixels(png), frame.data)

    window.acts["resume_live"].trigger()
    qtbot.waitUntil(lambda: window.live_view.shown_counter > frame.counter, timeout=WAIT_MS)


# --- seeing the image -------------------------------------------------------------------------
def test_saturation_contrast_and_scale_bar_are_wired(qtbot, window):
    window.acts["saturation"].trigger()
    assert window.panel.saturation_visible
    window.panel.saturation_check.setChecked(False)  # the panel's own check box ...
    assert not window.acts["saturation"].isChecked()  # ... and the action agree
    window.acts["contrast"].trigger()
    assert not window.panel.contrast_column.isVisible()
    window.acts["contrast"].trigger()
    assert window.panel.contrast_column.isVisible()

    calibrated = window.session
    calibrated.use_objective("40x")
    assert window.sessions.apply(calibrated)
    assert window.panel.pixel_size == pytest.approx(0.1625)  # the scale bar follows the session


def test_settings_dialog_calibration_and_exposure_warning(qtbot, window):
    dialog = window.sessions.show_settings()
    dialog.fps_box.setValue(100)
    dialog.exposure_box.setValue(5)
    assert dialog.exposure_warning.text() == ""
    dialog.exposure_box.setValue(20)
    assert "longer than the frame interval (10 ms at 100 fps)" in dialog.exposure_warning.text()
    assert exposure_warning(20, 0) == ""  # free-running: no interval to exceed
    dialog.exposure_box.setValue(5)

    dialog.objective.setCurrentIndex(dialog.objective.findText("60x", QtCore.Qt.MatchStartsWith))
    dialog.objective.activated.emit(dialog.objective.currentIndex())
    assert dialog.pixel_size.value() == pytest.approx(0.1083)
    assert dialog.apply()
    assert window.session.camera.pixel_size_um == pytest.approx(0.1083)
    assert window.panel.pixel_size == pytest.approx(0.1083)
    dialog.close()


# --- the window -------------------------------------------------------------------------------
def test_main_actions_labelled_and_toolbar_fits_1024(qtbot, window):
    window.resize(1024, 700)
    toolbars = [t for t in window.findChildren(QtWidgets.QToolBar) if t.isVisible()]
    assert len(toolbars) == 1
    assert toolbars[0].sizeHint().width() <= 1024
    for key, text in (("live", "Live"), ("snap", "Snap"), ("record", "Record"), ("stop", "Stop")):
        button = toolbars[0].widgetForAction(window.acts[key])
        assert button.toolButtonStyle() == QtCore.Qt.ToolButtonTextBesideIcon
        assert button.text().replace("&", "") == text
    icons = {window.acts[k].icon().cacheKey() for k in ("settings", "load_session", "save_session")}
    assert len(icons) == 3  # no look-alike gears


def test_every_dock_can_be_shown_again_from_the_view_menu(qtbot, window):
    view = window.menuBar().findChild(QtWidgets.QMenu, "menu_view")
    for dock in (window.status_dock, window.cameras.dock):
        toggles = [a for a in view.actions() if a is dock.toggleViewAction()]
        assert toggles, f"{dock.windowTitle()} is not in the View menu"
        dock.show()
        dock.close()
        assert not dock.isVisible()
        toggles[0].trigger()
        assert dock.isVisible()


def test_last_session_comes_back_at_the_next_launch_and_resets(qtbot, session):
    first = open_main_window(qtbot, session)
    changed = first.session
    changed.user.name = "Ada"
    changed.camera.exposure_time = 4.5
    changed.saving.filename_video = "embryo"
    assert first.sessions.apply(changed)
    first.acts["auto_continuous"].trigger()
    assert first.panel.auto_levels_continuous
    close_main_window(qtbot, first)

    restored, _ = startup_session(None, None, None, session_memory.remembered_session())
    second = open_main_window(qtbot, restored)
    try:
        s = second.session
        assert (s.user.name, s.camera.exposure_time) == ("Ada", 4.5)
        assert s.saving.directory == session.saving.directory
        assert second.recording_bar.name_edit.text() == "embryo"
        assert second.panel.auto_levels_continuous  # the levels mode too
        assert second.acts["reset_defaults"].isEnabled()
        second.acts["reset_defaults"].trigger()
        assert second.session.to_dict() == Session().to_dict()
        assert second.recording_bar.name_edit.text() == "timelapse"
        assert session_memory.remembered_session() is None
    finally:
        close_main_window(qtbot, second)


def contrast_controls(window: MainWindow) -> dict:
    """The contrast controls as the operator sees them."""
    panel = window.panel
    return {
        "continuous": window.acts["auto_continuous"].isChecked(),
        "gamma": panel.gamma_box.text(),
        "clip": panel.clip_box.text(),
        "log": panel.log_check.isChecked(),
        "saturation": panel.saturation_check.isChecked(),
        "grey": panel.histogram.item.gradient.isLookupTrivial(),
    }


def test_reset_to_defaults_gives_the_contrast_of_a_fresh_start(qtbot, window):
    from uutrack_gui.gui.levels import auto_levels

    panel = window.panel
    fresh = contrast_controls(window)
    assert fresh == {
        "continuous": False,
        "gamma": "γ 1.00",
        "clip": "auto 0.10 %",
        "log": False,
        "saturation": False,
        "grey": True,
    }
    window.set_live(True)
    qtbot.waitUntil(lambda: panel.frame is not None, timeout=WAIT_MS)
    window.acts["auto_continuous"].trigger()
    panel.gamma_box.setValue(0.5)
    panel.clip_box.setValue(2.0)
    panel.log_check.setChecked(True)
    window.acts["saturation"].trigger()
    panel.histogram.item.gradient.loadPreset("viridis")
    assert contrast_controls(window) == {
        "continuous": True,
        "gamma": "γ 0.50",
        "clip": "auto 2.00 %",
        "log": True,
        "saturation": True,
        "grey": False,
    }
    window.set_live(False)
    last = window.runner.newest.get()[0]
    qtbot.waitUntil(lambda: window.live_view.shown_counter == last.counter, timeout=WAIT_MS)

    window.acts["reset_defaults"].trigger()
    assert contrast_controls(window) == fresh
    # Levels fitted once to the frame on screen, as a fresh start fits its first frame ...
    fitted = auto_levels(panel.frame)
    assert panel.levels() == fitted
    # ... and kept: the next frames (other fits) leave them where they are.
    window.set_live(True)
    qtbot.waitUntil(lambda: auto_levels(panel.frame) != fitted, timeout=WAIT_MS)
    assert panel.levels() == fitted
    close_main_window(qtbot, window)
    assert not session_memory.remembered_auto_levels(default=True)  # the next launch: off
