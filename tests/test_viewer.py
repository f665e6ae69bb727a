"""The timelapse viewer, driven as a user would: open, step, seek, play, follow, export."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml
from fakes import FakeClock
from live_writer import LIVE_SHAPE, LiveWriter
from PyQt5 import QtCore, QtGui
from recordings import timelapse_recording

from uutrack_gui.gui.levels import auto_levels
from uutrack_gui.gui.recent import recent_files
from uutrack_gui.gui.viewer import ViewerWindow
from uutrack_gui.storage import Hdf5Writer, RecordingFile
from uutrack_gui.storage.legacy_writer import write_legacy_recording

SHAPE = (40, 56)
SESSION = "user:\n  name: Ada\n  measurement: beads\ncamera:\n  exposure_time: 12.5\n"
T0 = 1_700_000_000.0


def write_recording(path: Path, n: int = 30, fps: float = 100.0, skip=(), seed: int = 0):
    """A finished recording of ``n`` random frames; counters skip the values in ``skip``."""
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 65535, size=(n, *SHAPE), dtype=np.uint16)
    counters = [c for c in range(n + len(skip)) if c not in skip][:n]
    writer = Hdf5Writer()
    writer.setup(path, SHAPE, "uint16", SESSION, camera="Test camera")
    for frame, counter in zip(frames, counters, strict=True):
        writer.append(frame, counter, T0 + counter / fps)
    writer.close(dropped_frames=len(skip))
    return frames


@pytest.fixture
def recording(tmp_path):
    path = tmp_path / "rec.h5"
    return path, write_recording(path, skip=(10, 11, 20))


def test_open_and_step_through_frames(viewer, recording, qtbot):
    path, frames = recording
    with qtbot.waitSignal(viewer.file_opened):
        assert viewer.open_file(path)
    assert "rec.h5" in viewer.windowTitle()
    assert viewer.frame_count == 30
    assert viewer.frame_index == 0
    assert np.array_equal(viewer.panel.frame, frames[0])
    assert viewer.slider.maximum() == 29  # file indices 0…29
    # Frames are numbered 1…30 for the operator: the frame box and the label.
    assert (viewer.spin.minimum(), viewer.spin.maximum()) == (1, 30)
    assert viewer.transport.count_label.text() == "of 30"
    assert Path(path).resolve() in recent_files()
    viewer.panel.graphics.setFocus()
    for i in range(1, 6):
        qtbot.keyClick(viewer.panel.graphics, QtCore.Qt.Key_Right)
        qtbot.waitUntil(lambda i=i: viewer.frame_index == i)
        assert np.array_equal(viewer.panel.frame, frames[i])
        assert viewer.slider.value() == i and viewer.spin.value() == i + 1
    qtbot.keyClick(viewer.panel.graphics, QtCore.Qt.Key_Left)
    qtbot.waitUntil(lambda: viewer.frame_index == 4)
    qtbot.keyClick(viewer.panel.graphics, QtCore.Qt.Key_End)
    assert viewer.frame_index == 29 and np.array_equal(viewer.panel.frame, frames[29])
    qtbot.keyClick(viewer.panel.graphics, QtCore.Qt.Key_Home)
    assert viewer.frame_index == 0
    # The label says which frame, when, and the camera's counter (gaps shift it).
    viewer.show_frame(12)
    label = viewer.frame_label.text()
    assert "Frame 13 of 30" in label and "t = 0.140 s" in label and "camera counter 14" in label
    # Values under the cursor are the file's values.
    assert viewer.panel.describe_pixel(3, 2) == f"x 3  y 2  value {frames[12][2, 3]}"


def test_slider_drag_reads_few_frames_and_shows_the_last(viewer, recording, qtbot, monkeypatch):
    path, frames = recording
    viewer.open_file(path)
    shown = []
    viewer.frame_shown.connect(shown.append)
    viewer.transport.seek_interval_ms = (
        200  # long enough that a burst of moves falls inside one interval
    )
    viewer.show_frame(0)
    shown.clear()
    for value in range(1, 26):  # a drag: many moves in a few milliseconds
        viewer.slider.setValue(value)
    qtbot.waitUntil(lambda: viewer.frame_index == 25, timeout=3000)
    assert shown[-1] == 25
    assert shown == [25]  # throttled: the frame where the slider stopped, read once
    assert np.array_equal(viewer.panel.frame, frames[25])


def test_spin_box_seeks(viewer, recording, qtbot):
    path, frames = recording
    viewer.open_file(path)
    viewer.spin.setValue(18)  # the 18th frame: index 17 in the file
    qtbot.waitUntil(lambda: viewer.frame_index == 17)
    assert np.array_equal(viewer.panel.frame, frames[17])
    assert viewer.slider.value() == 17
    assert viewer.frame_label.text().startswith("Frame 18 of 30")


def test_integrity_and_session_panels(viewer, recording, qtbot):
    path, _ = recording
    viewer.open_file(path)
    qtbot.waitUntil(lambda: viewer.report is not None)
    report = viewer.report
    assert report.frames_stored == 30 and report.dropped_total == 3
    assert [(g.index, g.missing) for g in report.gaps] == [(10, 2), (18, 1)]
    assert report.finished_cleanly is True
    assert report.camera_fps == pytest.approx(100)
    summary = viewer.details.summary.toPlainText()
    assert "Dropped frames: 3 (2 gaps in the counters)" in summary
    assert "2 missing before frame 10" in summary
    assert "Finished cleanly: yes (stopped)" in summary
    assert "Camera" in summary and "Test camera" in summary
    assert viewer.details.session_text.toPlainText() == SESSION
    assert viewer.info.recorded_fps() == pytest.approx(100)


@pytest.mark.parametrize(
    ("schedule", "rate"),
    [
        ({"interval_s": 0.5}, "one frame every 0.5 s"),
        ({"every": 5}, "one frame every 5 camera frames"),
    ],
)
def test_a_timelapse_says_its_schedule_beside_the_camera_rate(
    viewer, tmp_path, qtbot, schedule, rate
):
    path = timelapse_recording(tmp_path / "tl.h5", 6, fps=100.0, **schedule)
    viewer.open_file(path)
    qtbot.waitUntil(lambda: viewer.report is not None)
    summary = viewer.details.summary.toPlainText().splitlines()
    # The schedule, and the camera's own rate (not the rate of the frames kept).
    assert f"Frame rate: {rate} (time-lapse); camera: 100.00 fps" in summary
    assert "Dropped frames: none" in summary
    viewer.step(2)
    qtbot.waitUntil(lambda: viewer.frame_index == 2)
    counter = int(viewer.info.counters[2])
    assert counter == (100 if "interval_s" in schedule else 10)
    assert viewer.frame_label.text().endswith(
        f"   ·   camera counter {counter}   ·   {rate} (time-lapse)"
    )


def test_load_these_settings(viewer, recording, qtbot, tmp_path):
    path, _ = recording
    viewer.open_file(path)
    received = []
    viewer.load_settings_requested.connect(received.append)
    with qtbot.waitSignal(viewer.load_settings_requested) as blocker:
        viewer.details.load_button.click()
    assert yaml.safe_load(blocker.args[0]) == yaml.safe_load(SESSION)
    saved = tmp_path / "session.yaml"
    assert viewer.save_settings(saved)
    assert saved.read_text() == SESSION


def test_load_settings_without_a_main_window_says_so(qtbot, recording):
    path, _ = recording
    viewer = ViewerWindow(path)
    qtbot.addWidget(viewer)
    viewer.acts["load_settings"].trigger()
    assert "No main window" in viewer.message()
    viewer.close()


def test_play_at_recorded_rate_then_pause(viewer, recording, qtbot):
    path, _ = recording
    viewer.open_file(path)
    qtbot.waitUntil(lambda: viewer.report is not None)
    clock = FakeClock()
    viewer.player.clock = clock
    shown = []
    viewer.frame_shown.connect(shown.append)
    viewer.acts["play"].trigger()
    assert viewer.playing and viewer.acts["play"].text() == "&Pause"
    # The frames due at each moment of the recorded timestamps (100 fps, counters 10, 11 and
    # 20 missing): 55 ms in, frame 5; 125 ms in, frame 10 (counter 12, after the gap).
    clock.now = 0.055
    qtbot.waitUntil(lambda: viewer.frame_index == 5)
    clock.now = 0.125
    qtbot.waitUntil(lambda: viewer.frame_index == 10)
    clock.now = 0.305
    qtbot.waitUntil(lambda: viewer.frame_index == 27)  # 0.30 s: counter 30
    clock.now = 1.0  # past the end: the last frame, and playback stops
    qtbot.waitUntil(lambda: not viewer.playing)
    assert viewer.frame_index == 29 and shown == [5, 10, 27, 29]
    assert viewer.acts["play"].text() == "&Play"
    # Twice the speed from frame 20 (counter 23, 0.23 s): 27.5 ms later 0.285 s is due.
    viewer.speed.setCurrentIndex(viewer.speed.findText("2×"))
    viewer.show_frame(20)
    shown.clear()
    clock.now = 10.0
    viewer.play()
    clock.now = 10.0275
    qtbot.waitUntil(lambda: viewer.frame_index == 25)  # counter 28
    viewer.pause()
    assert shown == [25]
    # Every frame in turn at a chosen speed; Space pauses.
    viewer.speed.setCurrentIndex(viewer.speed.findText("Every frame"))
    viewer.show_frame(0)
    shown.clear()
    viewer.play()
    qtbot.waitUntil(lambda: viewer.frame_index >= 3, timeout=3000)
    qtbot.keyClick(viewer, QtCore.Qt.Key_Space)
    assert not viewer.playing
    assert shown == list(range(1, viewer.frame_index + 1))


def test_several_recordings_are_listed_and_chosen(viewer, tmp_path, qtbot):
    path = tmp_path / "day.h5"
    first = write_recording(path, n=8, seed=1)
    second = write_recording(path, n=5, seed=2)
    with h5py.File(path, "r") as h5:
        names = list(h5)
    viewer.open_file(path)
    assert viewer.recordings_box.isVisibleTo(viewer)
    table = viewer.recordings
    assert table.rowCount() == 2 and table.names == names
    assert [table.item(r, 1).text() for r in range(2)] == ["8", "5"]
    assert table.item(0, 2).text() == f"{SHAPE[1]} × {SHAPE[0]} uint16"
    assert table.item(0, 3).text() == "0.07 s"
    # The most recent opens first; choosing the other opens it.
    assert viewer.recording.name == names[1] and viewer.frame_count == 5
    assert np.array_equal(viewer.panel.frame, second[0])
    table.selectRow(0)
    qtbot.waitUntil(lambda: viewer.recording.name == names[0])
    assert viewer.frame_count == 8
    assert np.array_equal(viewer.panel.frame, first[0])
    assert names[0] in viewer.windowTitle()
    # Asking for a recording the file does not have: a message, nothing raised.
    assert not viewer.open_file(path, 7)
    assert "has no recording 7" in viewer.message()
    assert viewer.open_file(path, 0) and viewer.recording.name == names[0]


def test_legacy_file(viewer, tmp_path, qtbot):
    path = tmp_path / "uutrack.hdf5"
    rng = np.random.default_rng(5)
    frames = [rng.integers(0, 30000, SHAPE, dtype=np.uint16) for _ in range(7)]
    frames[2][0, 0] = 50000  # the original clipped this to 32767
    metadata = "User:\n  name: Aquiles\nCamera:\n  exposure_time: 30\n"
    block_mb = 3 * frames[0].nbytes / 1024**2  # 7 frames in blocks of 3: 2 zero frames of padding
    with h5py.File(path, "w") as h5:
        write_legacy_recording(h5, frames, metadata, block_mb=block_mb)
        assert h5[next(iter(h5))]["timelapse"].dtype == np.int16
    assert viewer.open_file(path)
    assert viewer.frame_count == 7  # the padding is not shown as frames
    for i in range(7):
        viewer.show_frame(i)
        expected = np.minimum(frames[i], 32767)
        assert viewer.panel.frame.dtype == np.uint16
        assert np.array_equal(viewer.panel.frame, expected)
    qtbot.waitUntil(lambda: viewer.report is not None)
    assert viewer.report.padding_frames == 2
    summary = viewer.details.summary.toPlainText()
    assert "Zero padding not shown: 2 frames" in summary
    assert "UUTrack" in summary and "int16 (holds uint16)" in summary
    assert viewer.details.session_text.toPlainText() == metadata
    assert "no timestamps (UUTrack file)" in viewer.frame_label.text()
    viewer.play()  # no timestamps: plays at a default rate and still ends
    qtbot.waitUntil(lambda: not viewer.playing, timeout=5000)
    assert viewer.frame_index == 6


def test_export_frame_tiff_and_png(viewer, recording, tmp_path):
    from test_integrity_export import _qimage_array  # the same independent reader (Qt)

    path, frames = recording
    viewer.open_file(path)
    viewer.show_frame(9)
    for name in ("f.tif", "f.png"):
        out = tmp_path / name
        assert viewer.export_frame(out), viewer.message()
        array, kind = _qimage_array(out)
        assert kind == QtGui.QImage.Format_Grayscale16
        assert np.array_equal(array, frames[9]), name


def test_export_range(viewer, recording, tmp_path, qtbot):
    path, frames = recording
    viewer.open_file(path)
    out = tmp_path / "part.h5"
    with qtbot.waitSignal(viewer.export_finished, timeout=10000) as done:
        assert viewer.export_range(out, 8, 22)
    assert "Exported frames 9–22 (14 frames)" in done.args[0]
    assert viewer.banner.level == "info"
    with RecordingFile(out) as f:
        rec = f.recording()
        assert len(rec) == 14 and rec.dropped_frames == 3
        for k in range(14):
            assert np.array_equal(rec.frame(k), frames[8 + k])
        assert rec.metadata_text == SESSION
    assert not viewer.export_range(out, 20, 40)  # beyond the end: refused with a message
    assert "Nothing exported" in viewer.message()


def test_drop_a_file_on_the_image(viewer, recording, qtbot):
    path, frames = recording
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
    target = viewer.panel.graphics.viewport()
    where = QtCore.QPoint(20, 20)
    enter = QtGui.QDragEnterEvent(
        where, QtCore.Qt.CopyAction, mime, QtCore.Qt.LeftButton, QtCore.Qt.NoModifier
    )
    QtCore.QCoreApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QtGui.QDropEvent(
        QtCore.QPointF(where), QtCore.Qt.CopyAction, mime, QtCore.Qt.LeftButton,
        QtCore.Qt.NoModifier,
    )  # fmt: skip
    with qtbot.waitSignal(viewer.file_opened, timeout=3000):
        QtCore.QCoreApplication.sendEvent(target, drop)
    assert viewer.frame_count == 30
    assert np.array_equal(viewer.panel.frame, frames[0])


def test_open_recent(viewer, recording, tmp_path, qtbot):
    path, frames = recording
    other = tmp_path / "other.h5"
    write_recording(other, n=4)
    viewer.open_file(path)
    viewer.open_file(other)
    viewer.recent_menu.aboutToShow.emit()  # the menu fills itself as it opens
    actions = {a.text(): a for a in viewer.recent_menu.actions()}
    assert list(actions)[:2] == [str(other.resolve()), str(path.resolve())]
    with qtbot.waitSignal(viewer.file_opened):
        actions[str(path.resolve())].trigger()
    assert viewer.frame_count == 30


def test_levels_crosshair_and_profile_are_the_shared_panel(viewer, recording):
    path, frames = recording
    viewer.open_file(path)
    viewer.show_frame(3)
    viewer.panel.set_levels(0, 10)
    viewer.acts["autolevels"].trigger()
    # Fitted to the frame on screen: its 0.1 and 99.9 percentiles.
    assert viewer.panel.levels() == auto_levels(frames[3])
    assert auto_levels(frames[3]) != auto_levels(frames[4])  # so the check tells frames apart
    viewer.acts["crosshair"].setChecked(True)  # programmatic: the handler is not called
    assert not viewer.panel._vline.isVisible()
    viewer.acts["crosshair"].setChecked(False)
    viewer.acts["crosshair"].trigger()  # a click or Ctrl+H
    assert viewer.panel._vline.isVisible()
    viewer.acts["profile"].trigger()
    assert viewer.panel.profile_plot.isVisibleTo(viewer)
    profile = viewer.panel.profile()
    row = SHAPE[0] // 2
    assert np.array_equal(profile, frames[3][row, SHAPE[1] // 4 : SHAPE[1] // 4 + len(profile)])
    viewer.acts["autolevels_continuous"].trigger()
    assert viewer.panel.auto_levels_continuous


# --- following a recording that is being written ----------------------------------------------
def test_follow_a_recording_while_it_is_written(tmp_path, qtbot):
    path = tmp_path / "live.h5"
    writer = LiveWriter(path)
    try:
        viewer = ViewerWindow()
        qtbot.addWidget(viewer)
        viewer.follow_interval_ms = 100
        assert viewer.open_file(path), viewer.message()
        assert viewer.following and viewer.rec_file.swmr
        assert "Recording in progress" in viewer.message()
        assert "recording…" in viewer.windowTitle()
        assert not viewer.acts["export_frame"].isEnabled()  # no frame yet
        assert writer.add(5) == "wrote 5"
        qtbot.waitUntil(lambda: viewer.frame_count == 5, timeout=5000)
        # The first frames enable the frame actions at once (not at the next details read).
        assert viewer.acts["export_frame"].isEnabled() and viewer.acts["play"].isEnabled()
        assert viewer.frame_index == 4  # stays on the newest frame, like tail -f
        assert np.array_equal(viewer.panel.frame, np.full(LIVE_SHAPE, 4, np.uint16))
        assert "5 frames so far" in viewer.message()
        counts = []
        viewer.frame_count_changed.connect(counts.append)
        assert writer.add(10) == "wrote 15"
        qtbot.waitUntil(lambda: viewer.frame_count == 15, timeout=5000)
        assert counts[-1] == 15
        viewer.show_frame(7)
        assert np.array_equal(viewer.panel.frame, np.full(LIVE_SHAPE, 7, np.uint16))
        # The writer is not disturbed: it finishes the file while the viewer holds it open.
        assert writer.close() == "closed"
        with qtbot.waitSignal(viewer.following_changed, timeout=10000) as stopped:
            pass
        assert stopped.args == [False]
        assert "Recording finished: 15 frames (stopped)" in viewer.message()
        assert viewer.frame_index == 7
        qtbot.waitUntil(lambda: viewer.report is not None and viewer.report.finished_cleanly)
        assert "recording…" not in viewer.windowTitle()
        viewer.close()
    finally:
        writer.kill()
    with RecordingFile(path) as f:
        rec = f.recording()
        assert len(rec) == 15 and rec.finished_cleanly


def test_a_recording_appends_to_a_file_the_viewer_holds_open(tmp_path, qtbot, recording):
    """No file lock from the viewer: a new recording can be appended to the open file."""
    path, frames = recording
    viewer = ViewerWindow(path)
    qtbot.addWidget(viewer)
    writer = LiveWriter(path)
    try:
        assert writer.add(3) == "wrote 3"
        assert writer.close() == "closed"
    finally:
        writer.kill()
    viewer.show_frame(29)
    assert np.array_equal(viewer.panel.frame, frames[29])  # what was open still reads
    viewer.reload()
    assert viewer.recordings.rowCount() == 2
    viewer.close()


def test_follow_a_saver_process(tmp_path, qtbot):
    """The program's own saver process writes; the viewer follows and sees the count grow."""
    from uutrack_gui.storage import SaverProcess

    path = tmp_path / "saver.h5"
    shape = (32, 64)
    saver = SaverProcess(path, shape, "uint16", "user:\n  name: saver\n", max_memory_mb=16)
    saver.start()
    viewer = ViewerWindow()
    qtbot.addWidget(viewer)
    viewer.follow_interval_ms = 100
    n = 0
    try:
        for n in range(3):
            saver.submit(np.full(shape, n, np.uint16), n, 1000.0 + n / 50)
        n += 1
        qtbot.waitUntil(lambda: path.exists() and viewer.open_file(path), timeout=20000)
        assert viewer.following
        seen = []
        viewer.frame_count_changed.connect(seen.append)
        # Frames paced like a 100 fps camera until the viewer has seen the count grow twice.
        while len(set(seen)) < 2 and n < 3000:
            saver.submit(np.full(shape, n, np.uint16), n, 1000.0 + n / 50)
            n += 1
            qtbot.wait(10)
        assert len(set(seen)) >= 2 and seen == sorted(seen)
    finally:
        saver.stop()
        assert saver.wait(30)
    qtbot.waitUntil(lambda: not viewer.following, timeout=10000)
    assert viewer.frame_count == n
    assert "Recording finished" in viewer.message()
    viewer.show_frame(n - 1)
    assert np.array_equal(viewer.panel.frame, np.full(shape, n - 1, np.uint16))
    viewer.close()
