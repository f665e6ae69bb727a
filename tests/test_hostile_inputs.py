"""Hostile and odd inputs: every kind gets exit status 2 and one line on stderr.

Table-driven, one row per kind of input a user (or a colleague's script) can hand the program:
odd recordings (``uutrack info`` and the reader), bad session files (``uutrack record
--config``) and bad output paths (``uutrack record``). For each: exit status 2, exactly one line
on stderr naming the problem, no traceback, nothing printed as if a recording happened, the
command returns within its timeout, and nothing on disk changed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import h5py
import numpy as np
import pytest
from recordings import good_recording

from uutrack_gui import cli
from uutrack_gui.storage import RecordingFile, StorageError


def _good(path: Path, n: int = 6) -> Path:
    return good_recording(path, n)


def _one_group(tmp: Path, change) -> Path:
    """A good recording, then ``change(group)`` applied to it with plain h5py."""
    path = _good(tmp / "odd.h5")
    with h5py.File(path, "r+") as f:
        change(f[list(f)[0]])
    return path


def _replace(name: str, **dataset):
    def change(group: h5py.Group) -> None:
        del group[name]
        group.create_dataset(name, **dataset)

    return change


def _set_attr(key: str, value):
    def change(group: h5py.Group) -> None:
        group.attrs[key] = value

    return change


def _declared_timelapse(shape: tuple[int, int, int]):
    """A ``timelapse`` that declares ``shape`` and stores nothing (no chunk is written)."""
    return _replace("timelapse", shape=shape, dtype=np.uint16, chunks=(16, 16, 1))


def _damaged_among_good(tmp: Path) -> Path:
    """Three recordings; the middle one's object header is overwritten (checksum error)."""
    path = tmp / "day.h5"
    for _ in range(3):
        _good(path)
    with h5py.File(path, "r") as f:
        names = list(f)
        address = h5py.h5o.get_info(f[names[1]].id).addr
    with open(path, "r+b") as handle:
        handle.seek(address + 6)  # keep "OHDR" and its version: the checksum catches the rest
        handle.write(bytes(range(40)))
    return path


COMPOUND = np.dtype([("a", np.uint16), ("b", np.float32)])

#: kind -> (make the file, what the one line must say)
FILES = {
    "string timelapse": (
        lambda t: _one_group(t, _replace("timelapse", data=np.array([[["a"]]], dtype=object))),
        "timelapse holds text",
    ),
    "fixed-string timelapse": (
        lambda t: _one_group(t, _replace("timelapse", data=np.zeros((2, 2, 2), "S4"))),
        "timelapse holds text",
    ),
    "compound timelapse": (
        lambda t: _one_group(t, _replace("timelapse", data=np.zeros((2, 2, 2), COMPOUND))),
        "timelapse holds compound records",
    ),
    "string frame_counter": (
        lambda t: _one_group(t, _replace("frame_counter", data=np.array(["1", "2"], "S1"))),
        "frame_counter is 1-D text",
    ),
    "2-D timestamps": (
        lambda t: _one_group(t, _replace("timestamps", data=np.zeros((6, 2)))),
        "timestamps is 2-D float64 values",
    ),
    "format_version text": (
        lambda t: _one_group(t, _set_attr("format_version", "abc")),
        "attribute format_version is 'abc', expected a whole number",
    ),
    "dropped_frames text": (
        lambda t: _one_group(t, _set_attr("dropped_frames", "many")),
        "attribute dropped_frames is 'many', expected a whole number",
    ),
    "format a list": (
        lambda t: _one_group(t, _set_attr("format", [1, 2, 3])),
        "attribute format is [1, 2, 3], expected text",
    ),
    "60000 x 60000 frames": (
        lambda t: _one_group(t, _declared_timelapse((60000, 60000, 2))),
        "larger than this program reads",
    ),
    "10^12 frames": (
        lambda t: _one_group(t, _declared_timelapse((16, 16, 10**12))),
        "declares 1,000,000,000,000 frames",
    ),
    "damaged among good": (_damaged_among_good, "1 of 3 recordings damaged"),
}

CONFIGS = {
    "deep list": ("Camera:\n  roi: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 20"),
    "deep map": ("".join(" " * i + f"k{i}:\n" for i in range(500)), "nested more than 20"),
    "alias bomb": (
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "anchors (&name) are not allowed",
    ),
    "alias alone": ("Camera:\n  width: *w\n", "aliases (*name) are not allowed"),
    "syntax error": ("Camera:\n  width: [64, 32\n  fps: 3\n", "not valid YAML at line 3"),
    "tab indent": ("Camera:\n\twidth: 64\n", "not valid YAML at line 2"),
    "too large": ("# " + "x" * (2 * 1024**2) + "\n", "more than a session file can be"),
}


def _long_name(tmp: Path) -> Path:
    return tmp / ("n" * 300 + ".h5")


def _truncated_target(tmp: Path) -> Path:
    path = _good(tmp / "cut.h5")
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 2)
    return path


def _foreign_target(tmp: Path) -> Path:
    path = tmp / "theirs.h5"
    with h5py.File(path, "w") as f:
        f["tracks"] = np.arange(10)
    return path


def _dangling(tmp: Path) -> Path:
    (tmp / "gone.h5").symlink_to(tmp / "nowhere" / "x.h5")
    return tmp / "gone.h5"


def _text_target(tmp: Path) -> Path:
    (tmp / "notes.h5").write_text("not a recording\n")
    return tmp / "notes.h5"


#: kind -> (make the output path, extra arguments, what the one line must say)
OUTPUTS = {
    "300-character name": (_long_name, (), "File name too long"),
    "truncated HDF5": (_truncated_target, (), "the file is truncated"),
    "foreign HDF5": (_foreign_target, (), "holds no recordings"),
    "text file": (_text_target, (), "exists and is not an HDF5 file"),
    "/dev/null": (lambda t: Path("/dev/null"), (), "not a regular file"),
    "/dev/full": (lambda t: Path("/dev/full"), (), "not a regular file"),
    "dangling symlink": (_dangling, (), "which does not exist"),
    "fps 1e-9": (lambda t: t / "slow.h5", ("--fps", "1e-9"), "--fps must be 0 (free-running)"),
}


# --- helpers ---------------------------------------------------------------------------------
def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (links not followed) with a hash of its bytes."""
    state = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            state[str(path)] = "-> " + os.readlink(path)
        elif path.is_file():
            state[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        status = cli.main(list(argv))
    except SystemExit as exc:  # argparse refusals
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def _assert_refused(status: int, out: str, err: str, reason: str) -> None:
    assert status == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith("uutrack"), err
    assert reason in err, err
    assert "Traceback" not in err + out
    assert "frames written" not in out


# --- the tables --------------------------------------------------------------------------------
@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", list(FILES))
def test_odd_recording_files(kind, tmp_path, capsys):
    make, reason = FILES[kind]
    path = make(tmp_path)
    before = _snapshot(tmp_path)
    _assert_refused(*_run(capsys, "info", str(path)), reason)
    assert _snapshot(tmp_path) == before


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", list(CONFIGS))
def test_bad_session_files(kind, tmp_path, capsys):
    text, reason = CONFIGS[kind]
    config = tmp_path / "session.yaml"
    config.write_text(text)
    before = _snapshot(tmp_path)
    out = tmp_path / "never.h5"
    _assert_refused(*_run(capsys, "record", str(out), "--config", str(config)), reason)
    assert _snapshot(tmp_path) == before and not out.exists()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", list(OUTPUTS))
def test_bad_output_paths(kind, tmp_path, capsys):
    make, extra, reason = OUTPUTS[kind]
    target = make(tmp_path)
    before = _snapshot(tmp_path)
    argv = ("record", str(target), "--frames", "3", "--width", "32", "--height", "32", *extra)
    _assert_refused(*_run(capsys, *argv), reason)
    assert _snapshot(tmp_path) == before


# --- what the reader makes of them -------------------------------------------------------------
def test_a_damaged_recording_does_not_hide_the_good_ones(tmp_path, capsys):
    path = _damaged_among_good(tmp_path)
    status, out, err = _run(capsys, "info", str(path))
    assert status == 2
    rows = [line for line in out.splitlines() if line[:1].isdigit()]
    assert len(rows) == 3
    assert [("DAMAGED" in row) for row in rows] == [False, True, False]
    assert all(" 6  32 x" not in row or "finished" in row for row in rows)
    with RecordingFile(path) as f:
        assert [len(f.recording(i)) for i in (0, 2)] == [6, 6]
        with pytest.raises(StorageError, match="is damaged"):
            f.recording(1)


def test_summaries_read_a_bounded_amount(tmp_path, monkeypatch):
    """A summary reads the first and last counters and timestamps, not the whole datasets."""
    path = _good(tmp_path / "long.h5", n=50)
    reads = []
    real = h5py.Dataset.__getitem__

    def counting(self, key):
        value = real(self, key)
        if self.name.endswith(("frame_counter", "timestamps")):
            reads.append(np.asarray(value).size)
        return value

    monkeypatch.setattr(h5py.Dataset, "__getitem__", counting)
    with RecordingFile(path) as f:
        summary = f.recording().summary()
    assert summary.frames == 50 and summary.dropped_frames == 0
    assert reads and max(reads) == 1
