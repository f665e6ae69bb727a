"""Recording files as the operator sees them: names, calibration stored, status in ``info``."""

from __future__ import annotations

import datetime as dt
import threading

import h5py
import numpy as np
import pytest

from uutrack_gui.cli import main
from uutrack_gui.config import ConfigError, Session
from uutrack_gui.storage import Hdf5Writer, RecordingFile, naming
from uutrack_gui.storage import format as fmt


# --- names -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("beads", "beads"),
        ("../../etc/passwd", "etc_passwd"),
        ("a/b\\c:d*e?f", "a_b_c_d_e_f"),
        ("60x beads, run 2", "60x_beads_run_2"),
        ("run.h5", "run"),
        (".hidden", "hidden"),
        ("", "recording"),
        ("///", "recording"),
        ("NUL", "NUL_"),
        ("Zellen-µm", "Zellen-µm"),
    ],
)
def test_names_are_sanitised(tmp_path, typed, clean):
    assert naming.sanitize_name(typed) == clean
    path = naming.reserve_recording_path(tmp_path, typed)
    assert path.parent == tmp_path  # never outside the folder it was asked for
    assert path.name == f"{clean}_001.h5"


def test_numbers_count_up_and_never_overwrite(tmp_path, monkeypatch):
    day = tmp_path / "2026-12-02"
    assert naming.next_recording_path(day, "beads") == day / "beads_001.h5"
    assert not day.exists()  # looking creates nothing
    made = [naming.reserve_recording_path(day, "beads") for _ in range(3)]
    assert [p.name for p in made] == ["beads_001.h5", "beads_002.h5", "beads_003.h5"]
    assert naming.next_recording_path(day, "beads").name == "beads_004.h5"
    assert naming.reserve_recording_path(day, "cells").name == "cells_001.h5"  # per name
    # A deleted file's number is not reused while a higher one exists.
    made[1].unlink()
    assert naming.reserve_recording_path(day, "beads").name == "beads_004.h5"
    # A file that appears after the folder was listed is not overwritten: the next is taken.
    (day / "beads_005.h5").write_bytes(b"someone else's data")
    # As if the folder had been listed just before beads_005.h5 appeared:
    monkeypatch.setattr(naming, "next_number", lambda folder, name: 5)
    assert naming.reserve_recording_path(day, "beads").name == "beads_006.h5"
    assert (day / "beads_005.h5").read_bytes() == b"someone else's data"


def test_reservations_in_parallel_get_distinct_files(tmp_path):
    paths: list = []
    lock = threading.Lock()

    def reserve():
        for _ in range(10):
            path = naming.reserve_recording_path(tmp_path, "race")
            with lock:
                paths.append(path.name)

    threads = [threading.Thread(target=reserve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(paths) == [f"race_{n:03d}.h5" for n in range(1, 41)]


def test_reserved_file_takes_a_recording_and_unused_ones_are_released(tmp_path):
    path = naming.reserve_recording_path(tmp_path, "run")
    writer = Hdf5Writer()
    writer.setup(path, (16, 24), np.uint16, "a: 1\n")
    assert writer.swmr  # created as a new-format file: a viewer can follow it
    writer.append(np.full((16, 24), 7, np.uint16), counter=0, timestamp=1.0)
    writer.close()
    assert naming.release_unused(path) is False  # holds a recording: kept
    with RecordingFile(path) as f:
        assert len(f.recording()) == 1
    spare = naming.reserve_recording_path(tmp_path, "run")
    assert spare.name == "run_002.h5"
    assert naming.release_unused(spare) is True and not spare.exists()


def test_session_paths_per_recording_or_appended(tmp_path):
    session = Session()
    session.saving.directory = str(tmp_path)
    now = dt.datetime(2026, 11, 25, 9, 30, 5)
    session.saving.append = True
    assert session.video_path(now) == tmp_path / "2026-11-25" / "timelapse.h5"
    assert session.video_path(now, name="beads 1") == tmp_path / "2026-11-25" / "beads_1.h5"
    session.saving.append = False
    assert session.video_path(now) == tmp_path / "2026-11-25" / "timelapse_001.h5"
    today = session.folder_for()
    first = naming.reserve_video_path(session, "beads")
    second = naming.reserve_video_path(session, "beads")
    assert (first, second) == (today / "beads_001.h5", today / "beads_002.h5")
    assert session.video_path(name="beads") == today / "beads_003.h5"


# --- calibration -------------------------------------------------------------------------------
def test_calibration_in_the_session_and_presets(tmp_path):
    session = Session.from_yaml(
        "Camera:\n  pixel_size_um: 0.108\n"
        "Calibration:\n  objectives:\n    60x water: 0.1075\n    100x: 0.0645\n"
    )
    assert session.camera.pixel_size_um == pytest.approx(0.108)
    assert session.calibration.objectives["60x water"] == pytest.approx(0.1075)
    assert session.calibration.objectives["100x"] == pytest.approx(0.0645)  # overrides default
    assert "10x" in session.calibration.objectives  # shipped presets stay
    assert session.use_objective("60x water") == pytest.approx(0.1075)
    assert session.camera.pixel_size_um == pytest.approx(0.1075)
    with pytest.raises(ConfigError, match="no preset '63x'.*60x water"):
        session.use_objective("63x")
    again = Session.from_yaml(session.to_yaml())
    assert again.to_dict() == session.to_dict()
    assert Session().camera.pixel_size_um is None  # not calibrated unless said
    assert Session.from_yaml("Camera:\n  pixel_size_um: null\n").camera.pixel_size_um is None


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Camera:\n  pixel_size_um: -0.1\n", "Camera.pixel_size_um"),
        ("Camera:\n  pixel_size_um: 0\n", "Camera.pixel_size_um"),
        ("Camera:\n  pixel_size_um: wide\n", "Camera.pixel_size_um"),
        ("Camera:\n  pixel_size_um: .nan\n", "Camera.pixel_size_um"),
        ("Calibration:\n  objectives: [1, 2]\n", "Calibration.objectives"),
        ("Calibration:\n  objectives:\n    20x: zero\n", "Calibration.objectives.20x"),
        ("Calibration:\n  objectives:\n    20x: null\n", "Calibration.objectives.20x"),
    ],
)
def test_bad_calibration_names_its_key(text, key):
    with pytest.raises(ConfigError, match=rf"config: {key}:"):
        Session.from_yaml(text)


def test_calibration_is_stored_with_the_recording(tmp_path):
    path = tmp_path / "cal.h5"
    for size in (0.1625, None):
        writer = Hdf5Writer()
        writer.setup(path, (16, 16), np.uint16, "", pixel_size_um=size)
        writer.append(np.zeros((16, 16), np.uint16), 0, 1.0)
        writer.close()
    with RecordingFile(path) as f:
        calibrated, uncalibrated = (f.recording(name) for name in f.names)
        assert calibrated.pixel_size_um == pytest.approx(0.1625)
        assert uncalibrated.pixel_size_um is None
    with h5py.File(path, "r") as h5:  # as an analysis script reads it
        first, second = (h5[name] for name in h5)
        assert first.attrs["pixel_size_um"] == pytest.approx(0.1625)
        assert np.isnan(second.attrs["pixel_size_um"])


# --- status in ``uutrack info`` ------------------------------------------------------------------
def test_info_says_aborted_for_an_aborted_recording(tmp_path, capsys):
    path = tmp_path / "ends.h5"
    reasons = (fmt.EndReason.STOPPED, fmt.EndReason.ABORTED, fmt.EndReason.FAILED)
    for i, reason in enumerate(reasons):
        writer = Hdf5Writer()
        writer.setup(path, (16, 16), np.uint16, "", start=dt.datetime(2026, 12, 2, 10, i))
        writer.append(np.zeros((16, 16), np.uint16), 0, 1.0)
        writer.close(reason)
    assert main(["info", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()[2:]
    assert [line.split()[-1] if "NOT" not in line else "NOT finished" for line in lines] == [
        "finished",
        "aborted",
        "NOT finished",
    ]
