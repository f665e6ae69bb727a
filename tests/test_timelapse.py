"""Time-lapse and fixed-duration recordings: which frames are taken, and drops stay honest."""

from __future__ import annotations

import argparse
import threading

import numpy as np
import pytest

from uutrack_gui.acquisition import AcquisitionRunner, FrameSchedule, FrameSelector, Verdict
from uutrack_gui.acquisition.recording_plan import Lapse, Length, RecordingPlan, progress
from uutrack_gui.acquisition.status import RecordingStatus, RunState
from uutrack_gui.camera import SimulatedCamera
from uutrack_gui.cli.record import add_parser, schedule_from_args
from uutrack_gui.storage import Hdf5Writer, RecordingFile
from uutrack_gui.storage.integrity import analyze_recording

WAIT = 60.0


def _verdicts(schedule: FrameSchedule, counters, fps: float = 10.0) -> list[str]:
    selector = FrameSelector(schedule)
    return [selector.offer(c, 1_700_000_000.0 + (c + 1) / fps).value for c in counters]


def test_selector_every_kth_frame():
    assert _verdicts(FrameSchedule(every=3), range(7)) == [
        "take", "skip", "skip", "take", "skip", "skip", "take",
    ]  # fmt: skip
    # Counter 3 lost by the camera: 4 is taken in its place, and the grid is kept (6 next).
    assert _verdicts(FrameSchedule(every=3), [0, 1, 2, 4, 5, 6]) == [
        "take", "skip", "skip", "take", "skip", "take",
    ]  # fmt: skip


def test_selector_interval_by_timestamp_keeps_the_grid():
    # 10 fps, one frame every 0.25 s: frames at 0, 0.3 (first after 0.25), 0.5, 0.8, 1.0 s.
    verdicts = _verdicts(FrameSchedule(interval_s=0.25), range(11))
    taken = [c for c, v in zip(range(11), verdicts, strict=True) if v == "take"]
    assert taken == [0, 3, 5, 8, 10]
    # After a long gap (counters 2..9 missing) the grid resumes: no burst of catch-up frames.
    verdicts = _verdicts(FrameSchedule(interval_s=0.25), [0, 1, 10, 11, 12, 13])
    assert verdicts == ["take", "skip", "take", "skip", "skip", "take"]


def test_selector_duration_and_validation():
    verdicts = _verdicts(FrameSchedule(duration_s=0.5), range(8))  # 10 fps
    assert verdicts == ["take"] * 5 + ["done"] * 3
    verdicts = _verdicts(FrameSchedule(interval_s=0.2, duration_s=1.0), range(12))
    assert verdicts.count("take") == 5 and verdicts[10] == "done"
    assert FrameSchedule(interval_s=0.2, duration_s=1.0).expected_frames(10) == 5
    assert FrameSchedule(every=4, duration_s=2.0).expected_frames(10) == 5
    assert FrameSchedule(every=2).expected_frames(10) is None
    for bad in (
        {"interval_s": 0},
        {"interval_s": float("nan")},
        {"every": 0},
        {"every": 2.5},
        {"interval_s": 1.0, "every": 2},
        {"duration_s": -1},
    ):
        with pytest.raises(ValueError):
            FrameSchedule(**bad)


def _record(tmp_path, fps: float, max_frames=None, schedule=None, prebuffer_s=None):
    """Record from a paced simulated camera; return the result and the file's recording data.

    Rates stay low: the simulated camera keeps 16 frames for a late reader (as a frame grabber
    does), and a shared 2-core machine can stall the reader long enough to lose frames for real
    at 100 fps and more.
    """
    path = tmp_path / "tl.h5"
    camera = SimulatedCamera(64, 48, fps=fps, seed=3)
    runner = AcquisitionRunner(camera, max_memory_mb=32)
    finished = threading.Event()
    runner.events.recording_finished.connect(lambda result: finished.set())
    if prebuffer_s is not None:
        runner.prebuffer.enabled = True
        runner.prebuffer.capacity_s = prebuffer_s
        runner.start_live()
        filled = threading.Event()
        runner.events.frame_ready.connect(
            lambda frame: runner.prebuffer.seconds >= prebuffer_s and filled.set()
        )
        assert filled.wait(WAIT)
    runner.start_recording(path, "", max_frames=max_frames, schedule=schedule)
    assert finished.wait(WAIT)
    result = runner.close()
    assert result.error == ""
    with RecordingFile(path) as f:
        rec = f.recording()
        counters = np.asarray(rec.counters, dtype=np.int64)
        stamps = np.asarray(rec.timestamps, dtype=np.float64)
        frames = [rec.frame(i) for i in range(len(rec))]
        dropped = rec.attributes()["dropped_frames"]  # the count the recording finished with
    expected = SimulatedCamera(64, 48, seed=3)
    for counter, frame in zip(counters, frames, strict=True):
        np.testing.assert_array_equal(frame, expected.expected_frame(int(counter)))
    return result, counters, stamps, dropped


def test_timelapse_interval_recording(tmp_path):
    fps, interval = 25.0, 0.2
    result, counters, stamps, dropped = _record(
        tmp_path, fps, max_frames=6, schedule=FrameSchedule(interval_s=interval)
    )
    assert result.frames_written == 6 and len(counters) == 6
    assert result.frames_dropped == 0 and dropped == 0  # the skipped frames are not drops
    # Every 5th camera frame at 25 fps; timestamps on the 0.2 s grid within one frame period.
    np.testing.assert_array_equal(np.diff(counters), [5] * 5)
    offsets = (stamps - stamps[0]) - interval * np.arange(6)
    assert np.all(offsets > -1e-6) and np.all(offsets < 1 / fps)
    # The viewer's summary: the schedule, and the rate the camera ran at.
    with RecordingFile(tmp_path / "tl.h5") as f:
        lines = analyze_recording(f.recording()).lines()
    assert "Frame rate: one frame every 0.2 s (time-lapse); camera: 25.00 fps" in lines


def test_timelapse_every_kth_frame_recording(tmp_path):
    result, counters, _, dropped = _record(
        tmp_path, 25.0, max_frames=5, schedule=FrameSchedule(every=4)
    )
    assert result.frames_written == 5 and result.frames_dropped == 0 and dropped == 0
    np.testing.assert_array_equal(counters - counters[0], [0, 4, 8, 12, 16])


def test_fixed_duration_recording(tmp_path):
    fps = 20.0
    result, counters, stamps, dropped = _record(
        tmp_path, fps, schedule=FrameSchedule(duration_s=0.5)
    )
    assert result.frames_written == 10 and result.frames_dropped == 0 and dropped == 0
    np.testing.assert_array_equal(np.diff(counters), [1] * 9)  # every frame, none lost
    assert stamps[-1] - stamps[0] == pytest.approx(0.5 - 1 / fps, abs=1e-6)


def test_timelapse_from_the_prerecord_buffer(tmp_path):
    # The buffered second goes through the schedule too: one frame every 0.2 s from its start.
    result, counters, stamps, dropped = _record(
        tmp_path,
        25.0,
        schedule=FrameSchedule(interval_s=0.2, duration_s=1.5),
        prebuffer_s=1.0,
    )
    assert result.frames_written == 8 and dropped == 0
    np.testing.assert_array_equal(np.diff(counters), [5] * 7)
    assert np.diff(stamps) == pytest.approx([0.2] * 7, abs=1e-6)


# --- progress of a recording with a duration ----------------------------------------------------
def test_time_left_agrees_with_the_frame_that_ends_the_duration():
    schedule = FrameSchedule(interval_s=0.2, duration_s=1.0)
    selector = FrameSelector(schedule)
    t0 = 1_700_000_000.0
    for counter in range(30):  # 10 fps, stamped as a camera does (t0 + n / fps: rounding)
        stamp = t0 + counter / 10.0
        left = schedule.time_left(stamp - t0)
        verdict = selector.offer(counter, stamp)
        assert (verdict is Verdict.DONE) == (left == 0.0), counter
        if verdict is Verdict.DONE:
            break
    assert counter == 10 and schedule.time_left(0.95) == pytest.approx(0.05)
    assert FrameSchedule(every=2).time_left(5.0) is None


def _status(elapsed_s: float, camera_s: float | None) -> RecordingStatus:
    return RecordingStatus(
        path="x.h5", elapsed_s=elapsed_s, frames_written=8, frames_dropped=0, frames_pending=0,
        buffer_fill=0.0, bytes_written=0, write_bytes_s=0.0, saved_fps=0.0, free_bytes=None,
        finishing=False, camera_s=camera_s,
    )  # fmt: skip


def test_progress_of_a_duration_counts_camera_time_not_the_wall_clock():
    plan = RecordingPlan("p", Length.SECONDS, 10.0, Lapse.INTERVAL, 0.5)
    # 1 s after Record with 5 s of pre-record frames: 6 s of the 10 s are in the recording.
    shown = progress(plan, _status(elapsed_s=1.0, camera_s=6.0), 25.0)
    assert shown.fraction == pytest.approx(0.6) and shown.text == "8 frames, 4 s left"
    assert progress(plan, _status(elapsed_s=0.1, camera_s=None), 25.0).fraction == 0.0
    done = progress(plan, _status(elapsed_s=5.0, camera_s=10.0 - 1e-7), 25.0)  # stops on it
    assert done.fraction == 1.0 and done.text == "8 frames, 0 s left"


def test_progress_is_full_exactly_when_the_duration_stops_the_recording(tmp_path):
    """1 s of pre-record frames, then a 1.5 s time-lapse: it stops about 0.5 s after Record,
    and the progress says so all along (measured from Record, it showed about a third)."""
    fps = 25.0
    runner = AcquisitionRunner(SimulatedCamera(64, 48, fps=fps, seed=3), max_memory_mb=32)
    runner.prebuffer.enabled = True
    runner.prebuffer.capacity_s = 1.0
    filled, finished = threading.Event(), threading.Event()
    runner.events.frame_ready.connect(
        lambda frame: runner.prebuffer.seconds >= 1.0 and filled.set()
    )
    runner.events.recording_finished.connect(lambda result: finished.set())
    at_stop: list[RecordingStatus] = []
    runner.events.state_changed.connect(
        lambda state: state is RunState.FINISHING and at_stop.append(runner.recording_status())
    )
    plan = RecordingPlan("p", Length.SECONDS, 1.5, Lapse.INTERVAL, 0.2)
    try:
        runner.start_live()
        assert filled.wait(WAIT)
        runner.start_recording(tmp_path / "p.h5", "", schedule=plan.schedule)
        started = progress(plan, runner.recording_status(), fps)
        assert started.fraction >= 1.0 / 1.5 - 1e-6  # the buffered second is in it at once
        assert finished.wait(WAIT)
    finally:
        result = runner.close()
    assert result.error == "" and result.frames_written == 8
    stop = at_stop[0]  # the status as the duration stopped it (on the camera thread)
    assert stop.camera_s >= 1.5 - 1e-6 and stop.elapsed_s < 1.5  # the wall clock is short of it
    shown = progress(plan, stop, fps)
    assert shown.fraction == 1.0 and shown.text == "8 frames, 0 s left"


def test_cli_flags_make_the_schedule():
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())

    def schedule(*flags):
        return schedule_from_args(parser.parse_args(["record", "x.h5", *flags]))

    assert schedule() is None
    assert schedule("--frames", "10") is None
    assert schedule("--interval", "2.5", "--frames", "10") == FrameSchedule(interval_s=2.5)
    assert schedule("--every", "3", "--seconds", "60") == FrameSchedule(every=3, duration_s=60)
    assert schedule("--seconds", "5") == FrameSchedule(duration_s=5)
    with pytest.raises(SystemExit):
        parser.parse_args(["record", "x.h5", "--interval", "1", "--every", "2"])
    with pytest.raises(SystemExit):
        parser.parse_args(["record", "x.h5", "--interval", "0"])
    assert Verdict.TAKE.value == "take"


def test_a_timelapse_file_does_not_count_its_gaps_as_drops(tmp_path):
    path = tmp_path / "gaps.h5"
    for every in (5, 1):  # a time-lapse, then a plain recording with the same counters
        writer = Hdf5Writer()
        writer.setup(path, (16, 16), np.uint16, "", timelapse_every=every)
        for i in range(4):
            writer.append(np.zeros((16, 16), np.uint16), counter=5 * i, timestamp=0.5 * i)
        writer.close(dropped_frames=0)
    with RecordingFile(path) as f:
        timelapse, plain = (f.recording(name) for name in f.names)
        assert timelapse.is_timelapse and not plain.is_timelapse
        assert timelapse.dropped_frames == 0
        assert plain.dropped_frames == 12  # the same gaps without the time-lapse mark: lost
        report = analyze_recording(timelapse)
        assert report.dropped_total == 0 and report.gaps == () and report.ok
        assert report.interval_median_s == pytest.approx(0.5)
        assert "Dropped frames: none" in report.lines()
        assert any(line.startswith("Time-lapse:") for line in report.lines())
        assert analyze_recording(plain).dropped_total == 12


def test_a_recorded_timelapse_is_marked_in_the_file(tmp_path):
    _record(tmp_path, 50.0, max_frames=3, schedule=FrameSchedule(every=5))
    with RecordingFile(tmp_path / "tl.h5") as f:
        rec = f.recording()
        assert rec.is_timelapse and rec.dropped_frames == 0


@pytest.mark.parametrize(
    ("interval", "every", "schedule"),
    [(np.inf, np.inf, (None, 1)), (-1.0, 0, (None, 1)), (0.5, 1, (0.5, 1)), ("x", 3, (None, 1))],
)
def test_a_foreign_schedule_attribute_reads_as_every_frame(tmp_path, interval, every, schedule):
    import h5py

    from uutrack_gui.storage import format as fmt

    path = tmp_path / "foreign.h5"
    writer = Hdf5Writer()
    name = writer.setup(path, (16, 16), np.uint16, "", timelapse_every=5)
    for i in range(3):
        writer.append(np.zeros((16, 16), np.uint16), counter=5 * i, timestamp=0.5 * i)
    writer.close(dropped_frames=0)
    with h5py.File(path, "a") as h5:
        h5[name].attrs[fmt.TIMELAPSE_INTERVAL_S] = interval
        h5[name].attrs[fmt.TIMELAPSE_EVERY] = every
    with RecordingFile(path) as f:
        rec = f.recording()
        assert rec.timelapse_schedule == schedule
        lines = analyze_recording(rec).lines()  # inf once raised OverflowError here
    if schedule == (None, 1):
        assert "Dropped frames: 8 (2 gaps in the counters)" in lines
    else:
        assert "Frame rate: one frame every 0.5 s (time-lapse); camera: 10.00 fps" in lines
