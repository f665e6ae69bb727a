"""The viewer's logic without Qt: recordings table, facts, playback clock, following, export."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import h5py
import numpy as np
import pytest
from fakes import FakeClock
from imports import modules_loaded
from live_writer import LIVE_SHAPE, LiveWriter

from uutrack_gui.browse.export import (
    Outcome,
    RangeExport,
    range_problem,
    suggested_frame_path,
    suggested_range_path,
)
from uutrack_gui.browse.follow import Follower, FollowState
from uutrack_gui.browse.model import (
    Tone,
    list_recordings,
    load_details,
    open_recordings,
    recording_facts,
    same_file,
    verdict,
)
from uutrack_gui.browse.notice import Level
from uutrack_gui.browse.playback import (
    DEFAULT_FPS,
    EVERY_FRAME_TICK_MS,
    MAX_TICK_MS,
    MIN_TICK_MS,
    PlaybackClock,
)
from uutrack_gui.storage import Hdf5Writer, RecordingFile, StorageError
from uutrack_gui.storage.legacy_writer import write_legacy_recording

SHAPE = (40, 56)
SESSION = "user:\n  name: Ada\n"
T0 = 1_700_000_000.0
START = _dt.datetime.fromtimestamp(T0)


def write_recording(path: Path, n: int = 30, skip=(), seed: int = 0, start=START) -> np.ndarray:
    """A finished recording at 100 fps; counters skip the values in ``skip``."""
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 65535, size=(n, *SHAPE), dtype=np.uint16)
    counters = [c for c in range(n + len(skip)) if c not in skip][:n]
    writer = Hdf5Writer()
    writer.setup(path, SHAPE, "uint16", SESSION, camera="Test camera", start=start)
    for frame, counter in zip(frames, counters, strict=True):
        writer.append(frame, counter, T0 + counter / 100)
    writer.close(dropped_frames=len(skip))
    return frames


def test_browse_imports_no_qt():
    imports = (
        "import uutrack_gui.browse.model, uutrack_gui.browse.playback\n"
        "import uutrack_gui.browse.follow, uutrack_gui.browse.export"
    )
    assert modules_loaded(imports, ("PyQt5", "pyqtgraph")) == []


# --- the recording model ----------------------------------------------------------------------
def test_rows_of_a_file_with_two_recordings(tmp_path):
    path = tmp_path / "day.h5"
    write_recording(path, n=8, seed=1)
    write_recording(path, n=5, seed=2, start=START + _dt.timedelta(minutes=1))
    with RecordingFile(path) as rec_file:
        listing = list_recordings(rec_file)
        names = list(rec_file.names)
    assert listing.names == tuple(names) and listing.openable == tuple(names)
    assert [row.cells for row in listing.rows] == [
        (f"{START:%Y-%m-%d %H:%M:%S}", "8", "56 × 40 uint16", "0.07 s", "finished"),
        (
            f"{START + _dt.timedelta(minutes=1):%Y-%m-%d %H:%M:%S}",
            "5",
            "56 × 40 uint16",
            "0.04 s",
            "finished",
        ),
    ]
    assert listing.problem() == ""
    assert listing.choose(None) == names[1]  # the newest by default
    assert listing.choose(0) == names[0] and listing.choose(-1) == names[1]
    assert listing.choose(names[0]) == names[0]
    assert listing.choose(7) is None and listing.choose("nope") is None


def test_open_recordings_chooses_or_says_why_not(tmp_path):
    path = tmp_path / "two.h5"
    write_recording(path, n=3, seed=1)
    write_recording(path, n=4, seed=2, start=START + _dt.timedelta(minutes=1))
    rec_file, listing, name = open_recordings(path)
    try:
        assert name == rec_file.names[1] and len(listing.rows) == 2
    finally:
        rec_file.close()
    rec_file, _, name = open_recordings(path, 0)
    rec_file.close()
    assert name == listing.names[0]
    with pytest.raises(StorageError, match=f"{path} has no recording 7"):
        open_recordings(path, 7)
    not_hdf5 = tmp_path / "notes.h5"
    not_hdf5.write_text("not a recording")
    with pytest.raises(StorageError, match="is not an HDF5 file"):
        open_recordings(not_hdf5)
    assert same_file(path, tmp_path / "." / "two.h5") and not same_file(path, not_hdf5)


def test_a_file_whose_recordings_hold_no_frames_says_so(tmp_path):
    path = tmp_path / "empty.h5"
    writer = Hdf5Writer()
    writer.setup(path, SHAPE, "uint16", SESSION)
    writer.close()
    with RecordingFile(path) as rec_file:
        listing = list_recordings(rec_file)
    assert listing.openable == ()
    assert listing.problem() == "its recordings hold no frames"
    assert listing.choose(None) is None


def test_facts_details_and_frame_label(tmp_path):
    path = tmp_path / "rec.h5"
    write_recording(path, skip=(10, 11, 20))
    with RecordingFile(path) as rec_file:
        rec = rec_file.recording()
        details = load_details(path, rec)
        stop_time = rec.attributes()["stop_time"]
    facts = dict(details.facts)
    assert list(facts) == [
        "File", "Recording", "Format", "Frames", "Frame size", "Data type", "Recording size",
        "Started", "Stopped", "Camera", "End",
    ]  # fmt: skip
    assert facts["File"] == str(path) and facts["Format"] == "uutrack_gui v1"
    assert facts["Frames"] == "30" and facts["Frame size"] == "56 × 40 pixels"
    assert facts["Data type"] == "uint16"
    assert facts["Recording size"] == "131 KiB"  # 30 × 40 × 56 × 2 bytes
    assert facts["Started"] == f"{START:%Y-%m-%d %H:%M:%S}"
    assert facts["Stopped"] == f"{_dt.datetime.fromtimestamp(stop_time):%H:%M:%S}"
    assert facts["Camera"] == "Test camera" and facts["End"] == "stopped"
    assert details.session_text == SESSION and details.loadable and details.error == ""
    assert details.gap_indices == [10, 18]
    assert details.report.dropped_total == 3
    assert details.recorded_fps() == pytest.approx(100)
    assert details.frame_time(12) == pytest.approx(0.14)
    clock = _dt.datetime.fromtimestamp(T0 + 0.14)
    assert details.describe_frame(12, 30) == (
        f"Frame 13 of 30   ·   t = 0.140 s ({clock:%H:%M:%S}.{clock.microsecond // 1000:03d})"
        "   ·   camera counter 14   ·   recorded at 100 fps"
    )
    assert verdict(details.report) == ("Check this recording", Tone.BAD)


def test_legacy_recording_rows_and_facts(tmp_path):
    path = tmp_path / "uutrack.hdf5"
    frames = [np.full(SHAPE, i + 1, np.uint16) for i in range(7)]
    block_mb = 3 * frames[0].nbytes / 1024**2  # blocks of 3: 2 zero frames of padding
    with h5py.File(path, "w") as h5:
        write_legacy_recording(h5, frames, "User:\n  name: Aquiles\n", block_mb=block_mb)
    with RecordingFile(path) as rec_file:
        listing = list_recordings(rec_file)
        rec = rec_file.recording()
        details = load_details(path, rec)
        facts = dict(recording_facts(path, rec))
    (row,) = listing.rows
    assert row.cells[1:] == ("7", "56 × 40 uint16", "–", "unknown (legacy file) (UUTrack)")
    assert facts["Format"] == "UUTrack (original layout)"
    assert facts["Data type"] == "int16 (holds uint16)"
    assert "End" not in facts
    assert details.report.padding_frames == 2
    assert details.describe_frame(3, 7) == "Frame 4 of 7   ·   no timestamps (UUTrack file)"
    assert verdict(details.report) == (
        "UUTrack file: no counters or timestamps to check",
        Tone.CAUTION,
    )


# --- the playback clock -------------------------------------------------------------------------
# 30 frames at 100 fps whose counters skip 10, 11 and 20: frame 10 was taken at 0.12 s.
STAMPS = T0 + np.array([c for c in range(33) if c not in (10, 11, 20)], dtype=np.float64) / 100


def test_playback_follows_the_timestamps_at_the_speed():
    clock = FakeClock()
    play = PlaybackClock(STAMPS, fps=100.0, clock=clock)
    play.start(0, 1.0)
    assert play.running and play.period_ms() == MIN_TICK_MS  # 10 ms a frame: screen-limited
    assert play.due(0, 30).index == 0
    clock.now = 0.055
    assert play.due(0, 30).index == 5
    clock.now = 0.115  # inside the gap: the last frame before it stays on screen
    assert play.due(5, 30).index == 9
    clock.now = 0.125
    assert play.due(9, 30).index == 10
    clock.now = 0.305
    step = play.due(10, 30)
    assert (step.index, step.ended) == (27, False)  # 0.30 s is counter 30, frame 27
    clock.now = 5.0
    step = play.due(27, 30)
    assert (step.index, step.ended) == (29, True)
    # Twice the speed from frame 20 (counter 23, 0.23 s): 0.0275 s later 0.285 s is due.
    clock.now = 10.0
    play.start(20, 2.0)
    clock.now = 10.0275
    assert play.due(20, 30).index == 25  # counter 28
    # A tenth of the speed: one recorded frame per 100 ms of wall time.
    clock.now = 20.0
    play.start(0, 0.1)
    assert play.period_ms() == 100
    clock.now = 20.35
    assert play.due(0, 30).index == 3


def test_pausing_and_resuming_from_another_frame():
    clock = FakeClock()
    play = PlaybackClock(STAMPS, fps=100.0, clock=clock)
    play.start(0, 1.0)
    clock.now = 0.055
    assert play.due(0, 30).index == 5
    play.stop()
    assert not play.running
    clock.now = 60.0  # the pause does not count as playing time
    play.start(5, 1.0)
    assert play.due(5, 30).index == 5
    clock.now = 60.02
    assert play.due(5, 30).index == 7


def test_every_frame_and_no_timestamps():
    clock = FakeClock()
    play = PlaybackClock(None, fps=None, clock=clock)
    play.start(4, None)
    assert play.period_ms() == EVERY_FRAME_TICK_MS
    assert play.due(4, 10).index == 5
    assert play.due(8, 10).ended and play.due(8, 10).index == 9
    # Without timestamps: the default rate (25 fps), 40 ms a frame.
    play.start(0, 1.0)
    assert play.period_ms() == int(1000 / DEFAULT_FPS)
    clock.now = 0.2
    assert play.due(0, 100).index == 5
    play.start(0, 0.01)
    assert play.period_ms() == MAX_TICK_MS  # never slower than 4 ticks a second
    # Timestamps that lag the frame count (a growing file): the rate is used.
    follow = PlaybackClock(STAMPS[:5], fps=50.0, clock=clock)
    clock.now = 1.0
    follow.start(0, 1.0)
    clock.now = 1.1
    assert follow.due(0, 30).index == 5


# --- following a growing recording -----------------------------------------------------------
def test_follow_a_recording_until_it_is_finished(tmp_path):
    path = tmp_path / "live.h5"
    writer = LiveWriter(path)
    clock = FakeClock()
    try:
        rec_file = RecordingFile(path)
        assert rec_file.swmr
        follower = Follower(
            rec_file, rec_file.recording(), still_checks_before_reopen=2, clock=clock
        )
        update = follower.check()
        assert (update.before, update.frames, update.grew) == (0, 0, False)
        assert writer.add(5) == "wrote 5"
        clock.now = 1.0
        update = follower.check()
        assert (update.before, update.frames, update.grew, update.state) == (
            0, 5, True, FollowState.WRITING,
        )  # fmt: skip
        assert update.notice.text == (
            "Recording in progress: 5 frames so far (read-only, following)"
        )
        assert update.notice.level is Level.LIVE
        assert writer.add(10) == "wrote 15"
        update = follower.check()
        assert (update.before, update.frames) == (5, 15)
        assert np.array_equal(follower.recording.frame(14), np.full(LIVE_SHAPE, 14, np.uint16))
        # Still for a while: a warning, and a reopen that finds it still being written.
        clock.now = 12.5
        update = follower.check()
        assert not update.reopened and update.idle_s == pytest.approx(11.5)
        assert update.notice.level is Level.WARNING
        assert "No new frames for 12 s" in update.notice.text
        update = follower.check()
        assert update.reopened and update.state is FollowState.WRITING and update.frames == 15
        assert writer.close() == "closed"
        update = follower.check()  # one still look...
        assert update.state is FollowState.WRITING and not update.reopened
        update = follower.check()  # ...and the second reopens: finished
        assert update.reopened and update.state is FollowState.FINISHED
        assert not update.following and update.frames == 15
        assert update.notice.text == "Recording finished: 15 frames (stopped)."
        assert follower.recording.finished_cleanly and len(follower.recording) == 15
        follower.rec_file.close()
    finally:
        writer.kill()


def test_a_writer_that_dies_is_followed_with_a_warning(tmp_path):
    path = tmp_path / "dies.h5"
    writer = LiveWriter(path)
    clock = FakeClock()
    try:
        assert writer.add(4) == "wrote 4"
        rec_file = RecordingFile(path)
        follower = Follower(
            rec_file, rec_file.recording(), still_checks_before_reopen=1, clock=clock
        )
        assert follower.frames == 4
    finally:
        writer.kill()
    clock.now = 30.0
    update = follower.check()
    # The writer is dead: reopening clears the "being written" flag it left (no writer holds
    # the file), and the recording shows as what it is, unfinished, with its frames kept.
    assert update.reopened and update.state is FollowState.UNFINISHED and update.frames == 4
    assert update.notice.level is Level.WARNING
    assert update.notice.text == (
        "The recording ended without being finished cleanly: 4 frames are in the file."
    )
    follower.rec_file.close()


# --- export jobs ----------------------------------------------------------------------------
@pytest.fixture
def source(tmp_path):
    path = tmp_path / "rec.h5"
    frames = write_recording(path, skip=(10, 11, 20))
    rec_file = RecordingFile(path)
    yield rec_file.recording(), frames
    rec_file.close()


def test_export_a_range(source, tmp_path):
    rec, frames = source
    out = tmp_path / "part.h5"
    progress = []
    job = RangeExport(rec, out, 8, 22, on_progress=lambda d, t: progress.append((d, t)))
    job.start()
    report = job.wait(30)
    assert report.outcome is Outcome.DONE and report.frames == 14
    assert report.notice.level is Level.INFO
    assert report.notice.text.startswith(f"Exported frames 9–22 (14 frames) to {out} [")
    assert progress == [(8, 14), (14, 14)]  # every 8 frames and the last
    with RecordingFile(out) as f:
        part = f.recording()
        assert len(part) == 14 and part.dropped_frames == 3
        for k in range(14):
            assert np.array_equal(part.frame(k), frames[8 + k])
        assert part.metadata_text == SESSION


def test_cancel_keeps_exactly_the_frames_exported(source, tmp_path):
    rec, frames = source
    out = tmp_path / "cut.h5"
    done = []
    job: RangeExport

    def on_progress(n: int, total: int) -> None:
        if n == 5:
            job.cancel()

    job = RangeExport(rec, out, 3, 30, on_progress, on_done=done.append, progress_every=1)
    job.start()
    report = job.wait(30)
    assert done == [report]
    assert report.outcome is Outcome.CANCELLED and report.frames == 5
    assert report.notice.level is Level.WARNING
    assert "cancelled after 5 of 27 frames" in report.notice.text
    with h5py.File(out, "r") as h5:  # plain h5py: the partial file is closed and readable
        (group,) = h5.values()
        assert group["timelapse"].shape[-1] == 5
        assert group.attrs["end_reason"] == "aborted"
    with RecordingFile(out) as f:
        part = f.recording()
        assert [int(c) for c in part.counters] == [3, 4, 5, 6, 7]
        for k in range(5):
            assert np.array_equal(part.frame(k), frames[3 + k])


def test_export_failure_and_range_checks(source, tmp_path):
    rec, _ = source
    job = RangeExport(rec, rec.file_path, 0, 3)  # into the file being read: refused
    job.start()
    report = job.wait(30)
    assert report.outcome is Outcome.FAILED and report.notice.level is Level.ERROR
    assert "it is the file being read" in report.notice.text
    assert range_problem(5, 5, 30) == "Nothing exported: the last frame is before the first."
    assert range_problem(20, 40, 30) == "Nothing exported: frames 21–40 are not in 1–30."
    assert range_problem(0, 30, 30) == ""
    source_path = Path("/data/rec.h5")
    assert suggested_range_path(source_path) == Path("/data/rec_export.h5")
    assert suggested_frame_path(source_path, 42) == Path("/data/rec_000042.tif")
