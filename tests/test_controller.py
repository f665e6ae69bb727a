"""The acquisition controller, the one front door of the GUI and the CLI, tested without Qt.

Everything is checked the way an operator would: the camera's frame size, the frames in the file
(bit-exact against what the simulated camera gives for each counter), the messages of refusals,
and the status figures, exact with a fake clock and a fixed disk.
"""

from __future__ import annotations

import multiprocessing
import threading

import numpy as np
import pytest
from fakes import FakeClock
from waiting import wait_until

from uutrack_gui.acquisition import controller as controller_module
from uutrack_gui.acquisition import runner as runner_module
from uutrack_gui.acquisition.controller import AcquisitionController
from uutrack_gui.acquisition.runner import RecordingRefused
from uutrack_gui.acquisition.status import RecordingStatus, RunState
from uutrack_gui.acquisition.throughput import Throughput, ThroughputWindow
from uutrack_gui.camera import SimulatedCamera, make_camera
from uutrack_gui.config import Session
from uutrack_gui.storage import RecordingFile

# 50 fps: the simulated camera keeps 16 frames (320 ms) for a reader slowed by a busy machine.
WIDTH, HEIGHT, FPS = 64, 48, 50.0
GIB = 1024**3


def make_session(tmp_path, **camera) -> Session:
    session = Session()
    session.saving.directory = str(tmp_path / "data")
    session.user.name = "tester"
    session.camera.width, session.camera.height, session.camera.fps = WIDTH, HEIGHT, FPS
    session.camera.particles = 5
    for key, value in camera.items():
        setattr(session.camera, key, value)
    return session


@pytest.fixture
def clock():
    return FakeClock(1000.0)


@pytest.fixture
def controller(tmp_path, clock):
    made = AcquisitionController(make_session(tmp_path), clock=clock)
    yield made
    made.close()


def wait_for_frames(controller: AcquisitionController, count: int, timeout: float = 20.0):
    """Block until the camera has delivered ``count`` more frames (an event, not a poll)."""
    seen = []
    enough = threading.Event()

    def on_frame(frame):
        seen.append(frame.counter)
        if len(seen) >= count:
            enough.set()

    controller.events.frame_ready.connect(on_frame)
    try:
        assert enough.wait(timeout), f"only {len(seen)} of {count} frames in {timeout} s"
    finally:
        controller.events.frame_ready.disconnect(on_frame)


def record_to_the_end(controller: AcquisitionController, path, **limits) -> None:
    """Start a recording that stops by itself (``max_frames``) and wait until its file is done."""
    done = threading.Event()
    controller.events.recording_finished.connect(lambda result: done.set())
    controller.start_recording(path, **limits)
    assert done.wait(30), "the recording did not finish"


def wait_for_written(controller: AcquisitionController, count: int, timeout: float = 30.0):
    """Block until the saver has written ``count`` frames (no event says so: read the status)."""

    def written() -> bool:
        recording = controller.status().recording
        return recording is not None and recording.frames_written >= count

    wait_until(written, f"{count} frames written", timeout, interval=0.02)


def read_recording(path):
    """(frames, counters, end reason, finished cleanly) of the last recording in ``path``."""
    with RecordingFile(path) as recordings:
        recording = recordings.recording(-1)
        frames = [recording.frame(i) for i in range(len(recording))]
        return frames, list(recording.counters), recording.end_reason, recording.finished_cleanly


def assert_frames_are_the_cameras(frames, counters, controller: AcquisitionController) -> None:
    """Each frame is what the session's camera gives for its counter, pixel for pixel."""
    assert len(frames) == len(counters) > 0
    # A twin of the camera (the scene advances with the counter, so the running camera is not
    # asked from this thread); counters in increasing order, as the camera renders them.
    camera = make_camera(controller.session.camera)
    for frame, counter in zip(frames, counters, strict=True):
        assert frame.dtype == np.uint16
        np.testing.assert_array_equal(frame, camera.expected_frame(int(counter)))


# --- settings ----------------------------------------------------------------------------------
def test_same_sensor_is_reconfigured_a_new_size_replaces_the_camera(controller, tmp_path):
    announced = []
    controller.events.settings_changed.connect(announced.append)
    camera = controller.camera

    faster = make_session(tmp_path, fps=120.0, exposure_time=5.0)
    controller.apply_session(faster)
    assert controller.camera is camera  # the open camera took the new settings
    assert (camera.fps, camera.exposure_ms) == (120.0, 5.0)

    bigger = make_session(tmp_path, width=96, height=80)
    controller.apply_session(bigger)
    assert controller.camera is not camera
    assert controller.camera.sensor_shape == (80, 96) == controller.camera.frame_shape
    assert controller.session == bigger
    assert announced == [faster, bigger]


def test_camera_changes_are_refused_while_recording(controller, tmp_path):
    controller.start_recording(tmp_path / "rec.h5")
    try:
        before = controller.session
        with pytest.raises(RecordingRefused) as roi_refused:
            controller.set_roi((8, 8, 32, 32))
        assert str(roi_refused.value) == (
            "cannot change the ROI while recording: stop the recording (and let the file "
            "finish) first"
        )
        with pytest.raises(RecordingRefused) as fps_refused:
            controller.apply_session(make_session(tmp_path, fps=25.0))
        assert str(fps_refused.value) == (
            "cannot change camera settings while recording: stop the recording (and let the "
            "file finish) first"
        )
        assert controller.session == before
        assert controller.camera.frame_shape == (HEIGHT, WIDTH)
    finally:
        controller.stop_recording()
        assert controller.wait_recording(30)


def test_the_roi_sets_the_size_of_the_recorded_frames(controller, tmp_path):
    controller.set_roi((8, 16, 32, 24))
    assert controller.camera.frame_shape == (24, 32)
    assert controller.session.camera.roi == (8, 16, 32, 24)
    # A selection on the frame on screen is relative to the ROI shown.
    assert controller.sensor_roi((2, 3, 10, 5)) == (10, 19, 10, 5)

    path = tmp_path / "roi.h5"
    record_to_the_end(controller, path, max_frames=6)
    frames, counters, _, _ = read_recording(path)
    assert [frame.shape for frame in frames] == [(24, 32)] * 6
    # The ROI is that window of the full sensor, pixel for pixel.
    full = SimulatedCamera(WIDTH, HEIGHT, FPS, n_particles=5)
    for frame, counter in zip(frames, counters, strict=True):
        np.testing.assert_array_equal(frame, full.expected_frame(int(counter))[16:40, 8:40])

    controller.set_roi(None)
    assert controller.camera.frame_shape == (HEIGHT, WIDTH)


def test_pre_record_buffer_on_and_off(controller):
    changes = []
    controller.events.prebuffer_changed.connect(changes.append)
    controller.set_prebuffer(True)
    assert controller.prebuffer_enabled and controller.live  # it fills from live frames
    wait_for_frames(controller, 5)
    held = controller.status().prebuffer
    assert held.enabled and held.frames >= 4 and held.nbytes == held.frames * WIDTH * HEIGHT * 2

    controller.set_prebuffer(False)
    empty = controller.status().prebuffer
    assert (empty.enabled, empty.frames, empty.nbytes) == (False, 0, 0)
    assert changes == [True, False]


def test_pre_record_buffer_is_full_when_it_holds_the_seconds_asked(controller):
    # 0.1 s at 50 fps: 6 frames of 6 kB, a sliver of the 500 MB memory cap, and yet full.
    size = controller.set_prebuffer_seconds(0.1)
    assert (size.frames, size.limited_by_memory, size.asked_s) == (6, False, 0.1)
    controller.set_prebuffer(True)
    wait_for_frames(controller, 8)  # 6 held, the oldest dropped since: full
    held = controller.status().prebuffer
    assert held.frames == 6 and held.seconds == pytest.approx(0.1, abs=1e-6)
    assert held.nbytes < 1e-4 * held.capacity_bytes
    assert held.fill == 1.0 and not held.limited_by_memory and held.capacity_s == 0.1


# --- snap ----------------------------------------------------------------------------------------
def test_snap_and_save_snap_write_the_frame_bit_exact(controller, tmp_path):
    frame = controller.snap()
    assert frame.data.shape == (HEIGHT, WIDTH) and controller.last_snap is frame
    path = controller.save_snap(path=tmp_path / "snaps" / "one.h5")
    assert path == tmp_path / "snaps" / "one.h5"
    frames, counters, reason, clean = read_recording(path)
    assert len(frames) == 1 and counters == [frame.counter]
    assert frames[0].dtype == frame.data.dtype
    np.testing.assert_array_equal(frames[0], frame.data)
    assert (reason, clean) == ("stopped", True)

    # Without a path: a new file in the session's folder, named after Saving.filename_photo.
    default = controller.save_snap()
    assert default.parent == controller.session.folder_for()
    assert default.name.startswith("snap_") and default.suffix == ".h5"


# --- recording ---------------------------------------------------------------------------------
def test_a_frame_limit_records_exactly_that_many_frames(controller, tmp_path):
    path = tmp_path / "limit.h5"
    record_to_the_end(controller, path, max_frames=20)
    frames, counters, reason, clean = read_recording(path)
    assert len(frames) == 20
    assert counters == list(range(counters[0], counters[0] + 20))  # none lost
    assert_frames_are_the_cameras(frames, counters, controller)
    assert (reason, clean) == ("stopped", True)
    assert controller.state is RunState.LIVE  # the camera keeps running for the live view


def test_stop_writes_every_frame_taken(controller, tmp_path):
    path = tmp_path / "stop.h5"
    controller.start_recording(path)
    assert controller.state is RunState.RECORDING
    wait_for_frames(controller, 10)
    controller.stop_recording()
    assert controller.wait_recording(30)
    result = controller.last_result
    frames, counters, reason, clean = read_recording(path)
    assert len(frames) == result.frames_written >= 10
    assert counters == list(range(counters[0], counters[0] + len(frames)))
    assert_frames_are_the_cameras(frames, counters, controller)
    assert (reason, clean) == ("stopped", True)


def test_abort_keeps_what_was_written_and_says_so(controller, tmp_path):
    path = tmp_path / "abort.h5"
    controller.start_recording(path)
    wait_for_frames(controller, 10)
    controller.abort_recording()
    assert controller.wait_recording(30)
    frames, counters, reason, _ = read_recording(path)
    assert reason == "aborted"
    assert len(frames) == controller.last_result.frames_written
    if frames:  # whatever reached the file is intact
        assert_frames_are_the_cameras(frames, counters, controller)


# --- status ------------------------------------------------------------------------------------
def test_idle_status_has_the_folder_disk_and_data_rate(controller, tmp_path, monkeypatch):
    asked = []

    def fixed_disk(folder):
        asked.append(folder)
        return 10 * GIB

    monkeypatch.setattr(controller_module, "free_bytes", fixed_disk)
    status = controller.status()
    assert status.state is RunState.IDLE and status.recording is None
    assert status.camera_fps is None  # not live
    assert status.folder == controller.session.folder_for()
    assert asked == [tmp_path]  # today's folder does not exist yet: its nearest parent
    assert status.free_bytes == 10 * GIB
    # 50 frames/s of 48 x 64 uint16 pixels
    assert status.data_rate_bytes_s == FPS * HEIGHT * WIDTH * 2 == 307_200.0
    assert status.seconds_left_on_disk == 10 * GIB / 307_200.0
    # Reading it changes nothing: the same snapshot again.
    assert controller.status() == status


def test_recording_status_rates_are_exact_with_a_fake_clock(controller, clock, tmp_path):
    monkeypatch = pytest.MonkeyPatch()
    path = tmp_path / "rates.h5"
    controller.start_recording(path)
    try:
        monkeypatch.setattr(runner_module, "free_bytes", lambda folder: 4 * GIB)
        wait_for_written(controller, 5)
        at_start = controller.status().recording
        assert at_start.path == str(path) and not at_start.finishing
        assert (at_start.saved_fps, at_start.write_bytes_s) == (0.0, 0.0)  # no time has passed
        assert at_start.seconds_left_on_disk is None  # no speed, no estimate
        assert at_start.elapsed_s == 0.0  # the recording's time is the controller's clock

        clock.now += 2.0  # the fake clock moved 2 s since the recording's first sample (0, 0)
        status = controller.status()
        rec = status.recording
        assert status.state is RunState.RECORDING
        assert rec.bytes_written == rec.frames_written * WIDTH * HEIGHT * 2
        assert rec.saved_fps == rec.frames_written / 2.0
        assert rec.write_bytes_s == rec.bytes_written / 2.0
        assert rec.free_bytes == 4 * GIB
        assert rec.elapsed_s == 2.0
        assert status.seconds_left_on_disk == 4 * GIB / rec.write_bytes_s
    finally:
        monkeypatch.undo()
        controller.stop_recording()
        assert controller.wait_recording(30)


def test_throughput_window_gives_exact_rates_and_reading_changes_nothing():
    window = ThroughputWindow(window_s=1.0, min_interval_s=0.1)
    frame = 2048 * 2048 * 2
    window.add(10.0, 0, 0)
    window.add(10.05, 1, frame)  # too soon after the last sample: not kept
    window.add(10.5, 50, 50 * frame)
    assert window.rates(11.0, 100, 100 * frame) == Throughput(100.0, 100.0 * frame)
    assert window.rates(11.0, 100, 100 * frame) == Throughput(100.0, 100.0 * frame)
    # A sample past the window drops the oldest: rates over the last second only.
    window.add(11.6, 160, 160 * frame)
    assert window.rates(12.5, 250, 250 * frame) == Throughput(100.0, 100.0 * frame)
    assert window.rates(10.0, 0, 0) == Throughput(0.0, 0.0)  # no time span: no rate
    window.clear()
    assert window.rates(20.0, 5, 5) == Throughput(0.0, 0.0)


def test_seconds_left_on_disk():
    def status(write_bytes_s: float, free: int | None) -> RecordingStatus:
        return RecordingStatus(
            path="x.h5",
            elapsed_s=1.0,
            frames_written=1,
            frames_dropped=0,
            frames_pending=0,
            buffer_fill=0.0,
            bytes_written=1,
            write_bytes_s=write_bytes_s,
            saved_fps=1.0,
            free_bytes=free,
            finishing=False,
        )

    assert status(512 * 1024 * 1024, 10 * GIB).seconds_left_on_disk == 20.0
    assert status(512 * 1024 * 1024, 10 * GIB).write_mib_s == 512.0
    assert status(0.0, 10 * GIB).seconds_left_on_disk is None
    assert status(1.0, None).seconds_left_on_disk is None


# --- sessions and the end ----------------------------------------------------------------------
def test_session_from_recording_round_trip(controller, tmp_path):
    session = make_session(tmp_path, fps=150.0, exposure_time=7.5, roi=(4, 8, 40, 32))
    session.camera.pixel_size_um = 0.325
    session.user.name = "round trip"
    controller.apply_session(session)
    path = tmp_path / "session.h5"
    record_to_the_end(controller, path, max_frames=2)

    fresh = AcquisitionController(make_session(tmp_path))
    try:
        assert fresh.session_from_recording(path) == session
    finally:
        fresh.close()


def test_close_while_recording_finishes_the_file_and_leaves_nothing_running(tmp_path):
    controller = AcquisitionController(make_session(tmp_path))
    path = tmp_path / "closed.h5"
    controller.start_recording(path)
    wait_for_frames(controller, 5)
    result = controller.close()
    assert result is not None and result.frames_written >= 5
    assert [t.name for t in threading.enumerate() if t.name in ("camera", "saver-watcher")] == []
    assert multiprocessing.active_children() == []
    frames, counters, reason, clean = read_recording(path)
    assert len(frames) == result.frames_written
    assert (reason, clean) == ("stopped", True)


def test_default_files_are_reserved_by_name_and_count_up(controller, tmp_path):
    """No path: ``<name>_001.h5``, ``<name>_002.h5`` in today's folder, each with its recording;
    a refused start leaves no empty file behind."""
    folder = controller.session.folder_for()
    record_to_the_end(controller, None, max_frames=3, name="beads")
    record_to_the_end(controller, None, max_frames=3, name="beads")
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["beads_001.h5", "beads_002.h5"]
    for name in files:
        with RecordingFile(folder / name) as f:
            assert len(f.recording()) + f.recording().dropped_frames == 3
    controller.start_recording(None, name="busy")  # runs until stopped
    with pytest.raises(RecordingRefused, match="already running"):
        controller.start_recording(None, name="second")
    assert not (folder / "second_001.h5").exists()
    controller.stop_recording()
    assert controller.wait_recording(30)
