"""The recording path: runner -> shared-memory ring + Queue -> saver process -> HDF5."""

from __future__ import annotations

import sys
import threading

import h5py
import numpy as np
import pytest
from waiting import wait_until

from uutrack_gui.acquisition import AcquisitionRunner, RecordingRefused, RunState
from uutrack_gui.camera import SimulatedCamera
from uutrack_gui.config import Session
from uutrack_gui.storage import STOP, RecordingFile, SaverProcess
from uutrack_gui.storage import format as fmt

WAIT = 60.0  # generous: a loaded 2-core CI machine spawns slowly


def _camera(width=96, height=64, fps=0.0, seed=1):
    return SimulatedCamera(width, height, fps=fps, seed=seed)


def _assert_frames_match_camera(path, width=96, height=64, seed=1, group=-1):
    """Every stored frame equals the frame the seeded camera gave for its counter."""
    expected = SimulatedCamera(width, height, seed=seed)
    with RecordingFile(path) as f:
        rec = f.recording(group)
        counters = rec.counters
        assert len(counters) == len(rec)
        for i, counter in enumerate(counters):
            np.testing.assert_array_equal(rec.frame(i), expected.expected_frame(int(counter)))
        return rec.summary(), counters


def test_record_exact_frames_bit_for_bit(tmp_path):
    path = tmp_path / "rec.h5"
    runner = AcquisitionRunner(_camera(), max_memory_mb=64)
    finished = threading.Event()
    runner.events.recording_finished.connect(lambda result: finished.set())
    runner.start_recording(path, Session().to_yaml(), max_frames=120)
    assert finished.wait(WAIT)
    result = runner.close()
    assert result.error == ""
    assert result.frames_written + result.frames_dropped == 120
    summary, counters = _assert_frames_match_camera(path)
    assert summary.frames == result.frames_written
    assert summary.finished_cleanly is True
    assert summary.dtype == "uint16"
    assert summary.dropped_frames == result.frames_dropped
    with RecordingFile(path) as f:
        rec = f.recording()
        assert max(int(rec.frame(i).max()) for i in range(len(rec))) > 32767
        assert rec.metadata()["Camera"]["width"] == 1024  # the session given as metadata
        assert rec.end_reason == fmt.END_STOPPED
    with h5py.File(path, "r") as h5:  # plain h5py, as an analysis script would
        group = h5[list(h5)[0]]
        assert group["timelapse"].shape == (64, 96, summary.frames)
        assert group["timelapse"].chunks == (64, 96, 1)
        assert group["timelapse"].dtype == np.uint16
        assert group.attrs["axis_order"] == "y,x,t"
        assert group.attrs["format_version"] == fmt.FORMAT_VERSION


def test_saver_writes_every_frame_before_the_sentinel(tmp_path):
    path = tmp_path / "direct.h5"
    frames = [np.full((32, 48), v, dtype=np.uint16) for v in (0, 1, 40000, 65535)]
    saver = SaverProcess(path, (32, 48), np.uint16, "a: 1\n", max_memory_mb=16)
    saver.start()
    for i, frame in enumerate(frames):
        assert saver.submit(frame, counter=10 + i, timestamp=1000.0 + i)
    saver.stop()
    assert saver.submit(frames[0], 99, 0.0) is False  # nothing after the sentinel
    assert saver.wait(WAIT)
    assert not saver.alive
    assert saver.result.frames_written == 4 and saver.result.error == ""
    with RecordingFile(path) as f:
        rec = f.recording()
        assert len(rec) == 4
        for i, frame in enumerate(frames):
            np.testing.assert_array_equal(rec.frame(i), frame)
        assert rec.counters.tolist() == [10, 11, 12, 13]
        assert rec.timestamps.tolist() == [1000.0, 1001.0, 1002.0, 1003.0]
        assert rec.metadata_text == "a: 1\n"


def test_stop_sentinel_is_one_object_across_processes():
    import pickle

    assert pickle.loads(pickle.dumps(STOP)) is STOP
    assert type(STOP)() is STOP  # one object: the saver compares by identity


def test_abort_discards_the_queue_and_leaves_no_process(tmp_path):
    path = tmp_path / "abort.h5"
    frame = np.arange(64 * 64, dtype=np.uint16).reshape(64, 64)
    saver = SaverProcess(path, (64, 64), np.uint16, max_memory_mb=16)
    saver.start()
    accepted = sum(saver.submit(frame, i, float(i)) for i in range(1000))
    saver.abort()
    assert saver.wait(WAIT)
    assert not saver.alive
    result = saver.result
    assert result.end_reason == fmt.END_ABORTED
    assert result.frames_written <= accepted
    # What was not written is counted as dropped, nothing vanishes silently.
    assert result.frames_written + result.frames_dropped == 1000
    with RecordingFile(path) as f:
        rec = f.recording()
        assert len(rec) == result.frames_written
        assert rec.finished_cleanly is True  # aborted, but the file is complete and readable
        assert rec.end_reason == fmt.END_ABORTED
    # The queue was cleared and closed: a second stop is harmless.
    saver.stop()


def test_full_buffer_drops_are_counted_and_recorded(tmp_path):
    path = tmp_path / "drops.h5"
    # A tiny buffer (2 frames of 1 MiB... minimum slots) and a free-running camera overflow it.
    runner = AcquisitionRunner(_camera(1024, 1024), max_memory_mb=1)
    finished = threading.Event()
    drops: list[int] = []
    runner.events.frames_dropped.connect(drops.append)
    runner.events.recording_finished.connect(lambda result: finished.set())
    saver = runner.start_recording(path, max_frames=150)
    assert saver.buffer_slots == 2
    assert finished.wait(WAIT)
    result = runner.close()
    assert result.frames_dropped > 0
    assert drops and drops[-1] == result.frames_dropped
    assert result.frames_written + result.frames_dropped == 150
    summary, counters = _assert_frames_match_camera(path, 1024, 1024)
    assert summary.dropped_frames == result.frames_dropped
    gaps = int(np.sum(np.diff(counters.astype(np.int64)) - 1))
    assert gaps <= result.frames_dropped  # drops inside the run show as counter gaps


def test_two_recordings_append_to_one_file(tmp_path):
    path = tmp_path / "two.h5"
    runner = AcquisitionRunner(_camera(), max_memory_mb=32)
    for n in (30, 45):
        finished = threading.Event()
        handler = runner.events.recording_finished.connect(lambda result, done=finished: done.set())
        runner.start_recording(path, max_frames=n)
        assert finished.wait(WAIT)
        runner.events.recording_finished.disconnect(handler)
    runner.close()
    with RecordingFile(path) as f:
        assert len(f.names) == 2
        counts = [s.frames + (s.dropped_frames or 0) for s in f.summaries()]
        assert counts == [30, 45]
    for group in (0, 1):
        _assert_frames_match_camera(path, group=group)


def test_runner_states_and_refusals(tmp_path):
    runner = AcquisitionRunner(_camera(fps=200), max_memory_mb=32)
    states: list[RunState] = []
    runner.events.state_changed.connect(states.append)
    assert runner.state is RunState.IDLE
    runner.start_live()
    assert runner.state is RunState.LIVE
    with pytest.raises(RecordingRefused, match="does not exist"):
        runner.start_recording(tmp_path / "missing" / "x.h5")
    (tmp_path / "not_hdf5.h5").write_text("hello")
    with pytest.raises(RecordingRefused, match="not an HDF5 file"):
        runner.start_recording(tmp_path / "not_hdf5.h5")
    finished = threading.Event()
    runner.events.recording_finished.connect(lambda result: finished.set())
    runner.start_recording(tmp_path / "ok.h5")
    assert runner.state is RunState.RECORDING
    with pytest.raises(RecordingRefused, match="already running"):
        runner.start_recording(tmp_path / "other.h5")
    with pytest.raises(RecordingRefused, match="while recording"):
        runner.reconfigure(lambda cam: setattr(cam, "fps", 10), "the frame rate")
    runner.stop_recording()
    assert finished.wait(WAIT)
    assert runner.state is RunState.LIVE
    runner.close()
    assert runner.state is RunState.IDLE
    assert states[0] is RunState.LIVE and RunState.RECORDING in states
    assert RunState.FINISHING in states or states.count(RunState.LIVE) >= 2


def test_killed_saver_is_reported_and_live_goes_on(tmp_path):
    path = tmp_path / "killed.h5"
    runner = AcquisitionRunner(_camera(fps=100), max_memory_mb=32)
    errors: list[str] = []
    finished = threading.Event()
    runner.events.error.connect(errors.append)
    runner.events.recording_finished.connect(lambda result: finished.set())
    saver = runner.start_recording(path)
    # Wait until some frames are flushed to disk, then kill the saver.
    wait_until(lambda: saver.frames_flushed >= 20, "20 frames flushed")
    flushed = saver.frames_flushed
    saver._process.kill()
    assert finished.wait(WAIT)
    assert errors and "died" in errors[0]
    assert runner.state is RunState.LIVE
    acquired = runner.frames_acquired
    wait_until(lambda: runner.frames_acquired > acquired + 10, "the camera to go on")
    runner.close()
    # What was flushed before the kill is readable (SWMR keeps the file consistent).
    with RecordingFile(path) as f:
        rec = f.recording()
        assert rec.finished_cleanly is False
        assert len(rec) >= flushed
    _assert_frames_match_camera(path)  # and every kept frame is intact


def test_prerecord_buffer_starts_the_recording_in_the_past(tmp_path):
    path = tmp_path / "pre.h5"
    runner = AcquisitionRunner(_camera(fps=200), max_memory_mb=32)
    runner.prebuffer.enabled = True
    runner.start_live()
    waiter = threading.Event()
    while len(runner.prebuffer) < 20 and not waiter.wait(0.02):
        pass
    first_buffered = runner.prebuffer.take()[0].counter  # peek, then refill
    while len(runner.prebuffer) < 20 and not waiter.wait(0.02):
        pass
    finished = threading.Event()
    runner.events.recording_finished.connect(lambda result: finished.set())
    live_counter = runner.newest.get()[0].counter
    runner.start_recording(path, max_frames=40)
    assert finished.wait(WAIT)
    runner.close()
    summary, counters = _assert_frames_match_camera(path)
    assert counters[0] < live_counter  # frames from before the click
    assert counters[0] > first_buffered
    # 40 frames taken; any the camera lost in between (a busy machine) are counted, not hidden.
    assert summary.frames <= 40 and summary.frames >= 30
    assert summary.frames + summary.dropped_frames == int(counters[-1] - counters[0]) + 1


def test_recording_status_reports_progress(tmp_path):
    runner = AcquisitionRunner(_camera(fps=100), max_memory_mb=32)
    assert runner.recording_status() is None
    saver = runner.start_recording(tmp_path / "s.h5")
    waiter = threading.Event()
    while saver.frames_written < 10 and not waiter.wait(0.05):
        pass
    status = runner.recording_status()
    assert status.frames_written >= 10
    assert 0.0 <= status.buffer_fill <= 1.0
    assert status.free_bytes > 0
    assert status.path.endswith("s.h5")
    runner.close()


def test_a_saver_stands_by_while_live_and_each_recording_takes_it(tmp_path):
    """Record hands the job to a saver process spawned ahead (no spawn while frames pile up)."""
    runner = AcquisitionRunner(_camera(fps=100), max_memory_mb=16)
    runner.start_live()
    standby = runner._ready._standby
    assert standby is not None and standby.pid is not None
    spawned = [standby.pid]
    for name in ("a.h5", "b.h5"):
        finished = threading.Event()
        handler = runner.events.recording_finished.connect(lambda result, done=finished: done.set())
        saver = runner.start_recording(tmp_path / name, max_frames=20)
        assert saver._process.pid == spawned[-1]  # the process that stood by writes the file
        assert runner._ready._standby is None  # taken
        assert finished.wait(WAIT)
        runner.events.recording_finished.disconnect(handler)
        assert saver.result.error == ""
        # The next one stands by as soon as this recording is finished.
        assert runner._ready._standby is not None
        spawned.append(runner._ready._standby.pid)
    assert len(set(spawned)) == 3
    # A new frame size needs a new ring: the saver standing by for the old one is let go.
    old = runner._ready._standby
    runner.reconfigure(lambda camera: setattr(camera, "roi", _half_roi(camera)))
    assert runner._ready._standby is not None and runner._ready._standby is not old
    assert old.pid is None  # discarded, its process joined
    runner.close()
    assert runner._ready._standby is None
    for name in ("a.h5", "b.h5"):
        summary, _ = _assert_frames_match_camera(tmp_path / name)
        assert summary.frames + summary.dropped_frames == 20 and summary.finished_cleanly


def test_a_standby_saver_that_died_is_replaced_at_record(tmp_path):
    """A standby killed while waiting (OOM killer, kill -9): Record spawns a saver as before."""
    import os
    import signal

    runner = AcquisitionRunner(_camera(fps=100), max_memory_mb=16)
    runner.start_live()
    standby = runner._ready._standby
    os.kill(standby.pid, signal.SIGKILL)
    wait_until(lambda: not standby._channels.process.is_alive(), "the standby to die")
    finished = threading.Event()
    runner.events.recording_finished.connect(lambda result: finished.set())
    saver = runner.start_recording(tmp_path / "after.h5", max_frames=20)
    assert saver._process.pid != standby.pid
    assert finished.wait(WAIT)
    assert saver.result.error == ""
    runner.close()
    summary, _ = _assert_frames_match_camera(tmp_path / "after.h5")
    assert summary.frames + summary.dropped_frames == 20 and summary.finished_cleanly


def _half_roi(camera):
    from uutrack_gui.camera import Roi

    height, width = camera.sensor_shape
    return Roi(0, 0, width // 2, height // 2)


def test_frame_ring_is_warmed_while_live_and_reused_by_each_recording(tmp_path):
    runner = AcquisitionRunner(_camera(fps=100), max_memory_mb=16)
    runner.start_live()
    if sys.platform.startswith("linux"):
        assert runner.ring_ready.wait(WAIT)  # mapped in the background while live
    rings = []
    for name in ("a.h5", "b.h5"):
        finished = threading.Event()
        handler = runner.events.recording_finished.connect(lambda result, done=finished: done.set())
        saver = runner.start_recording(tmp_path / name, max_frames=30)
        rings.append(saver._ring)
        assert finished.wait(WAIT)
        runner.events.recording_finished.disconnect(handler)
        assert saver.result.error == ""
    assert rings[0] is rings[1] is runner._ready.ring  # one ring, reset between recordings
    runner.close()
    assert runner._ready.ring is None
    for name in ("a.h5", "b.h5"):
        summary, counters = _assert_frames_match_camera(tmp_path / name)
        # 30 frames taken; frames the camera lost in between are counted as dropped.
        assert 20 <= summary.frames <= 30
        assert summary.frames + summary.dropped_frames == int(counters[-1] - counters[0]) + 1
