"""Bad files: one clear line from the reader, the viewer and ``uutrack info``; nothing breaks.

Each case is checked three ways: :class:`RecordingFile` raises :class:`StorageError` with a
one-line reason; the viewer shows that reason in its banner and stays usable (a good file opens
next in the same window); ``uutrack info`` prints one line on stderr and exits with status 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from recordings import SHAPE, good_recording

from uutrack_gui import cli
from uutrack_gui.storage import RecordingFile, StorageError


def _good_recording(path: Path, n: int = 12) -> Path:
    return good_recording(path, n)


def _missing(tmp: Path) -> Path:
    return tmp / "missing.h5"


def _folder(tmp: Path) -> Path:
    (tmp / "folder.h5").mkdir()
    return tmp / "folder.h5"


def _empty(tmp: Path) -> Path:
    (tmp / "empty.h5").write_bytes(b"")
    return tmp / "empty.h5"


def _not_hdf5(tmp: Path) -> Path:
    path = tmp / "notes.h5"
    path.write_text("Monday: beads 100 nm, 30 ms exposure\n" * 20)
    return path


def _truncated(tmp: Path) -> Path:
    path = _good_recording(tmp / "truncated.h5")
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.truncate(size // 2)
    return path


def _overwrite(path: Path, offset: int, length: int, seed: int) -> Path:
    """Overwrite ``length`` bytes of ``path`` at ``offset`` with seeded random bytes."""
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write(bytes(np.random.default_rng(seed).integers(0, 256, length, dtype=np.uint8)))
    return path


def _corrupt(tmp: Path) -> Path:
    """A real recording whose HDF5 superblock was overwritten after the signature."""
    return _overwrite(_good_recording(tmp / "corrupt.h5"), offset=8, length=40, seed=0)


def _corrupt_header(tmp: Path) -> Path:
    """A real recording whose root group header was overwritten (the superblock is intact)."""
    return _overwrite(_good_recording(tmp / "corrupt_header.h5"), offset=48, length=300, seed=1)


def _foreign(tmp: Path) -> Path:
    """HDF5 written by another program: no group with a ``timelapse`` dataset."""
    path = tmp / "foreign.h5"
    with h5py.File(path, "w") as h5:
        h5.create_dataset("images", data=np.zeros((4, 8, 8), np.uint16))
        h5.create_group("analysis").create_dataset("tracks", data=np.arange(10))
    return path


CASES = {
    "missing": (_missing, "no such file"),
    "folder": (_folder, "is a folder"),
    "empty": (_empty, "is empty (0 bytes)"),
    "not HDF5": (_not_hdf5, "is not an HDF5 file"),
    "truncated": (_truncated, "is truncated"),
    "corrupt superblock": (_corrupt, "is damaged"),
    "corrupt header": (_corrupt_header, "is damaged"),
    "no recordings": (_foreign, "holds no recordings"),
}


@pytest.fixture(params=list(CASES), ids=list(CASES))
def bad_file(request, tmp_path):
    make, reason = CASES[request.param]
    return make(tmp_path), reason


def _assert_one_line(text: str, reason: str) -> None:
    assert "\n" not in text.strip(), text
    assert reason in text, text
    assert "Traceback" not in text


def test_reader_gives_one_line_reason(bad_file):
    path, reason = bad_file
    with pytest.raises(StorageError) as caught:
        RecordingFile(path)
    _assert_one_line(str(caught.value), reason)
    assert path.name in str(caught.value)


def test_info_prints_one_line_and_exits_2(bad_file, capsys):
    path, reason = bad_file
    assert cli.main(["info", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    _assert_one_line(captured.err, reason)
    assert captured.err.startswith("uutrack: error: ")


def test_info_command_exit_status(tmp_path):
    """The installed command, in its own process: exit status 2 and one line on stderr."""
    for name in ("truncated", "corrupt superblock", "no recordings", "not HDF5"):
        make, reason = CASES[name]
        path = make(tmp_path)
        done = subprocess.run(
            [sys.executable, "-m", "uutrack_gui.cli", "info", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2, (name, done.stderr)
        _assert_one_line(done.stderr, reason)


def test_viewer_shows_the_reason_and_stays_usable(bad_file, qtbot, tmp_path):
    from uutrack_gui.gui.viewer import ViewerWindow

    path, reason = bad_file
    viewer = ViewerWindow()
    qtbot.addWidget(viewer)
    with qtbot.waitSignal(viewer.open_failed) as failed:
        assert viewer.open_file(path) is False
    _assert_one_line(failed.args[0], reason)
    assert reason in viewer.message()
    assert viewer.banner.level == "error"
    assert reason in viewer.statusBar().currentMessage()
    assert viewer.recording is None and viewer.frame_count == 0
    # Still usable: a good file opens in the same window.
    good = _good_recording(tmp_path / "good.h5")
    assert viewer.open_file(good)
    assert viewer.message() == ""
    assert viewer.frame_count == 12
    assert np.array_equal(viewer.panel.frame, np.zeros(SHAPE, np.uint16))
    viewer.close()


def test_viewer_constructed_on_a_bad_file(qtbot, tmp_path):
    """``uutrack-gui FILE`` on a bad file: the window opens and says why, no exception."""
    from uutrack_gui.gui.viewer import ViewerWindow

    viewer = ViewerWindow(_truncated(tmp_path))
    qtbot.addWidget(viewer)
    assert "is truncated" in viewer.message()
    assert viewer.acts["open"].isEnabled()
    viewer.close()


def test_bad_file_keeps_the_open_recording(qtbot, tmp_path):
    from uutrack_gui.gui.viewer import ViewerWindow

    good = _good_recording(tmp_path / "good.h5")
    viewer = ViewerWindow(good)
    qtbot.addWidget(viewer)
    viewer.show_frame(5)
    title = viewer.windowTitle()
    assert not viewer.open_file(_not_hdf5(tmp_path))
    assert "is not an HDF5 file" in viewer.message()
    assert viewer.windowTitle() == title and "good.h5" in title
    viewer.step(1)
    qtbot.waitUntil(lambda: viewer.frame_index == 6)
    assert np.array_equal(viewer.panel.frame, np.full(SHAPE, 6, np.uint16))
    viewer.close()


def test_no_read_permission_simulated(tmp_path, qtbot, capsys, deny_reading):
    from uutrack_gui.gui.viewer import ViewerWindow

    path = _good_recording(tmp_path / "secret.h5")
    deny_reading(path)
    with pytest.raises(StorageError) as caught:
        RecordingFile(path)
    _assert_one_line(str(caught.value), "permission denied")
    assert cli.main(["info", str(path)]) == 2
    _assert_one_line(capsys.readouterr().err, "permission denied")
    viewer = ViewerWindow(path)
    qtbot.addWidget(viewer)
    assert "permission denied" in viewer.message()
    viewer.close()


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0,
    reason="running as root, which reads any file whatever its mode; the simulated test "
    "(test_no_read_permission_simulated) covers this case",
)
def test_no_read_permission_for_real(tmp_path, qtbot, capsys):
    from uutrack_gui.gui.viewer import ViewerWindow

    path = _good_recording(tmp_path / "secret.h5")
    path.chmod(0)
    try:
        assert cli.main(["info", str(path)]) == 2
        _assert_one_line(capsys.readouterr().err, "permission denied")
        viewer = ViewerWindow(path)
        qtbot.addWidget(viewer)
        assert "permission denied" in viewer.message()
        viewer.close()
    finally:
        path.chmod(0o644)


def test_damaged_frame_is_reported_and_browsing_goes_on(qtbot, tmp_path, monkeypatch):
    """A frame that cannot be read (damaged chunk): a message, the other frames still show."""
    from uutrack_gui.gui.viewer import ViewerWindow
    from uutrack_gui.storage.reader import Recording

    viewer = ViewerWindow(_good_recording(tmp_path / "good.h5"))
    qtbot.addWidget(viewer)
    real_frame = Recording.frame

    def frame(self, index):
        if index == 4:
            raise StorageError("frame 4 of recording 'x' cannot be read: the file is damaged")
        return real_frame(self, index)

    monkeypatch.setattr(Recording, "frame", frame)
    assert not viewer.show_frame(4)
    assert "frame 4" in viewer.message() and viewer.banner.level == "error"
    assert viewer.show_frame(7)
    assert np.array_equal(viewer.panel.frame, np.full(SHAPE, 7, np.uint16))
    viewer.close()
