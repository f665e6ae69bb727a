"""Faults, with the real CLI and real processes: signals, killed processes, full disks.

Every test ends as an operator would check: the file opens in plain ``h5py.File(path, "r")``
(no h5clear), it says how the recording ended, its frame count matches what the CLI printed,
and no process of the recording is left.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from waiting import DEADLINE, wait_until

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None,
    reason="needs root and unshare(1) to mount a private tmpfs (CI runs as root)",
)


# --- helpers ---------------------------------------------------------------------------------
def _session_processes(sid: int) -> dict[int, str]:
    """Live (not zombie) processes of session ``sid``: pid -> command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, session = fields[0], int(fields[3])
        if session == sid and state != "Z":
            found[int(entry.name)] = cmdline
    return found


class Recorder:
    """``uutrack record`` in a session (and process group) of its own, as from a terminal."""

    def __init__(self, path: Path, *args: str) -> None:
        self.path = path
        self.ring: Path | None = None  # the shared-memory frame ring, once the saver maps it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uutrack_gui", "record", str(path), "--quiet", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.pid = self.process.pid
        self.err_head = ""  # stderr read by read_stderr_until(), before finish()

    def saver_pid(self) -> int | None:
        for pid, cmdline in _session_processes(self.pid).items():
            if "spawn_main" in cmdline and "resource_tracker" not in cmdline:
                return pid
        return None

    def wait_until_writing(self, nbytes: int = 4 * 1024**2) -> None:
        """Until the saver runs and the file holds some frames (its size grows with them)."""
        wait_until(
            lambda: (
                self.saver_pid() is not None
                and self.path.exists()
                and self.path.stat().st_size > nbytes
            ),
            "the recording to write frames",
        )
        maps = Path(f"/proc/{self.saver_pid()}/maps").read_text()
        rings = {line.split()[-1] for line in maps.splitlines() if "/dev/shm/psm_" in line}
        assert len(rings) == 1, maps
        self.ring = Path(rings.pop())

    def read_stderr_until(self, text: str) -> None:
        """Read stderr line by line until ``text`` was printed (the process must print it)."""
        while text not in self.err_head:
            line = self.process.stderr.readline()
            assert line, f"stderr closed before {text!r}: {self.err_head!r}"
            self.err_head += line

    def flushed_frames(self) -> int:
        """Frames the saver has flushed (counters on disk), read as a following viewer does."""
        try:
            with h5py.File(self.path, "r", swmr=True, libver="latest", locking=False) as f:
                return int(f[list(f)[-1]]["frame_counter"].shape[0])
        except (OSError, KeyError, IndexError):
            return 0  # not created, or between the file's creation and the group's

    def finish(self) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=DEADLINE)
        return self.process.returncode, out, self.err_head + err

    def assert_nothing_left(self) -> None:
        wait_until(lambda: not _session_processes(self.pid), "every process to exit")
        assert self.ring is None or not self.ring.exists(), f"{self.ring} left behind"
        reserve = self.path.with_name(f".{self.path.name}.reserve")  # of a full disk
        assert not reserve.exists(), f"{reserve} left behind"

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.pid, signal.SIGKILL)
            self.process.communicate()


@pytest.fixture
def recorder(tmp_path):
    started: list[Recorder] = []

    def start(*args: str, name: str = "rec.h5") -> Recorder:
        rec = Recorder(tmp_path / name, *args)
        started.append(rec)
        return rec

    yield start
    for rec in started:
        rec.kill()
        for pid in _session_processes(rec.pid):
            os.kill(pid, signal.SIGKILL)


def _written(stdout: str) -> int:
    return int(stdout.split("frames written:")[1].split()[0])


def _plain_open(path: Path) -> dict:
    """What plain h5py (no SWMR, no h5clear) reads of the file's last recording."""
    with h5py.File(path, "r") as f:
        group = f[list(f)[-1]]
        return {
            "end_reason": group.attrs["end_reason"],
            "finished_cleanly": bool(group.attrs["finished_cleanly"]),
            "frames": int(group["timelapse"].shape[-1]),
            "counters": int(group["frame_counter"].shape[0]),
            "recordings": len(f),
        }


RECORD = ("--seconds", "120", "--width", "512", "--height", "512", "--fps", "50")


# --- signals ---------------------------------------------------------------------------------
def test_ctrl_c_to_the_process_group_finishes_the_file(recorder):
    rec = recorder(*RECORD)
    rec.wait_until_writing()
    os.killpg(rec.pid, signal.SIGINT)  # what a terminal does on Ctrl+C
    status, out, err = rec.finish()
    assert status == 130, err
    assert "SIGINT: stopping, finishing the file" in err
    assert "Traceback" not in err
    stored = _plain_open(rec.path)
    assert stored["end_reason"] == "interrupted" and stored["finished_cleanly"]
    assert stored["frames"] == stored["counters"] == _written(out) > 0
    rec.assert_nothing_left()


def test_second_ctrl_c_aborts_with_a_readable_file(recorder):
    rec = recorder(*RECORD)
    rec.wait_until_writing()
    os.killpg(rec.pid, signal.SIGINT)
    rec.read_stderr_until("stopping")  # two signals sent at once would arrive as one
    os.killpg(rec.pid, signal.SIGINT)
    status, out, err = rec.finish()
    assert status == 130, err
    assert "again: aborting" in err and "Traceback" not in err
    stored = _plain_open(rec.path)
    # "interrupted" only if the saver had written everything before the second one came.
    assert stored["end_reason"] in ("aborted", "interrupted")
    assert stored["frames"] == stored["counters"] == _written(out) > 0
    rec.assert_nothing_left()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_term_and_hangup_finish_the_file_with_a_message(recorder, signum):
    rec = recorder(*RECORD)
    rec.wait_until_writing()
    os.kill(rec.pid, signum)
    status, out, err = rec.finish()
    assert status == 130, err
    assert f"{signum.name}: stopping, finishing the file" in err
    assert f"recording ended by {signum.name}: interrupted" in err
    stored = _plain_open(rec.path)
    assert stored["end_reason"] == "interrupted" and stored["finished_cleanly"]
    assert stored["frames"] == _written(out) > 0
    rec.assert_nothing_left()


def test_hangup_of_the_whole_group_finishes_the_file(recorder):
    """A closed terminal: SIGHUP to every process of the group, the saver included."""
    rec = recorder(*RECORD)
    rec.wait_until_writing()
    os.killpg(rec.pid, signal.SIGHUP)
    status, out, err = rec.finish()
    assert status == 130, err
    stored = _plain_open(rec.path)
    assert stored["end_reason"] == "interrupted"
    assert stored["frames"] == _written(out) > 0
    rec.assert_nothing_left()


# --- deaths ----------------------------------------------------------------------------------
def test_killed_recorder_leaves_a_finished_file_and_no_process(recorder):
    rec = recorder(*RECORD)
    rec.wait_until_writing()
    saver = rec.saver_pid()
    os.kill(rec.pid, signal.SIGKILL)
    killed = time.monotonic()
    rec.finish()
    wait_until(
        lambda: (
            not Path(f"/proc/{saver}/cmdline").exists() or saver not in _session_processes(rec.pid)
        ),
        "the saver to finish on its own",
    )
    took = time.monotonic() - killed
    stored = _plain_open(rec.path)
    assert stored["end_reason"] == "recorder died" and stored["finished_cleanly"]
    assert stored["frames"] == stored["counters"] > 0
    rec.assert_nothing_left()
    print(f"saver finished and exited {took:.2f} s after its recorder was killed")


def test_killed_saver_is_reported_and_the_file_takes_the_next_recording(recorder):
    rec = recorder(*RECORD)
    rec.wait_until_writing()
    wait_until(lambda: rec.flushed_frames() >= 5, "a flush of the counters")
    os.kill(rec.saver_pid(), signal.SIGKILL)
    status, out, err = rec.finish()
    assert status == 1
    assert "the saver process died" in err and "Traceback" not in err
    stored = _plain_open(rec.path)  # no "already open for write": the flags were cleared
    assert stored["end_reason"] == "recording" and not stored["finished_cleanly"]
    assert stored["counters"] >= 5
    rec.assert_nothing_left()
    again = recorder("--frames", "5", "--width", "512", "--height", "512", name="rec.h5")
    status, out, err = again.finish()
    assert status == 0, err
    stored = _plain_open(again.path)
    assert stored["recordings"] == 2 and stored["frames"] == _written(out)
    again.assert_nothing_left()


# --- full disk, small shared memory (private tmpfs mounts) ---------------------------------
CHECK = textwrap.dedent(
    """
    import json, os, shutil, subprocess, sys
    import h5py
    done = subprocess.run(
        [sys.executable, "-m", "uutrack_gui", "record", *sys.argv[1:]],
        capture_output=True, text=True, timeout=300,
    )
    stored = {}
    try:
        with h5py.File(sys.argv[1], "r") as f:
            group = f[list(f)[-1]]
            stored = {"frames": int(group["timelapse"].shape[-1]),
                      "counters": int(group["frame_counter"].shape[0]),
                      "dropped": int(group.attrs["dropped_frames"]),
                      "finished_cleanly": bool(group.attrs["finished_cleanly"]),
                      "end_reason": group.attrs["end_reason"]}
    except (OSError, IndexError) as exc:
        stored = {"error": str(exc)}
    if os.environ.get("COPY_TO") and os.path.exists(sys.argv[1]):
        shutil.copy(sys.argv[1], os.environ["COPY_TO"])  # the mount goes with this process
    print(json.dumps({"status": done.returncode, "out": done.stdout, "err": done.stderr,
                      "stored": stored, "files": sorted(os.listdir(os.path.dirname(sys.argv[1])))}))
    """
)
#: A saver fed a known number of camera frames at once, on a disk too small for them: ``PATH COPY
#: N``. The frames are made before the saver starts, so all N are handed over (a memory copy
#: each) long before the spawned saver has opened the file and can fill the disk.
SAVER_ON_SMALL_DISK = textwrap.dedent(
    """
    import json, os, shutil, sys
    from uutrack_gui.camera import SimulatedCamera
    from uutrack_gui.storage import SaverProcess
    path, copy, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    camera = SimulatedCamera(2048, 2048, seed=3)
    frames = [camera.expected_frame(c) for c in range(n)]
    saver = SaverProcess(path, (2048, 2048), "uint16", max_memory_mb=9 * n)
    ended = []
    saver.on_ended(lambda: ended.append(True))
    saver.start()
    accepted = sum(saver.submit(f, c, 1000.0 + c) for c, f in enumerate(frames))
    saver.stop()
    assert saver.wait(120)
    shutil.copy(path, copy)
    r = saver.result
    print(json.dumps({"accepted": accepted, "ended": len(ended), "written": r.frames_written,
                      "dropped": r.frames_dropped, "end_reason": r.end_reason, "error": r.error,
                      "files": sorted(os.listdir(os.path.dirname(path)))}))
    """
)
#: The controller (the GUI's front door) recording into the session's folder ``DIR``, as Record
#: does, at full speed on a small disk: what the GUI is told (its ``error`` and ``state_changed``
#: events become Qt signals one to one) and what the file holds.
CONTROLLER_ON_SMALL_DISK = textwrap.dedent(
    """
    import json, os, sys, threading
    from uutrack_gui.acquisition.controller import AcquisitionController
    from uutrack_gui.config import Session
    session = Session()
    session.camera.width = session.camera.height = 2048
    session.camera.fps = 0
    session.saving.max_memory = 16
    session.saving.directory = sys.argv[1]
    controller = AcquisitionController(session)
    errors, states, finished = [], [], threading.Event()
    controller.events.error.connect(errors.append)
    controller.events.state_changed.connect(lambda state: states.append(state.value))
    controller.events.recording_finished.connect(lambda result: finished.set())
    controller.start_recording()
    assert finished.wait(120)
    after, seen = controller.state.value, list(states)  # before close() stops the camera
    result = controller.close()
    files = sorted(os.path.relpath(os.path.join(d, f), sys.argv[1])
                   for d, _, names in os.walk(sys.argv[1]) for f in names)
    print(json.dumps({"errors": errors, "states": seen, "after": after, "files": files,
                      "end_reason": result.end_reason, "written": result.frames_written}))
    """
)
MIB = 1024**2
#: Bytes of one 2048 x 2048 uint16 frame.
FRAME_2048 = 2048 * 2048 * 2


def _in_private_tmpfs(
    mount_point: str, size: str, *args: str, script: str = CHECK, copy_to: Path | None = None
) -> dict:
    """Run ``script`` (by default ``uutrack record ARGS``) with a tmpfs of ``size`` mounted at
    ``mount_point``, privately; ``copy_to`` receives a copy of the file (``COPY_TO``)."""
    mount = f"mount -t tmpfs -o size={size} tmpfs {mount_point}"
    return _in_private_mount(mount, *args, script=script, copy_to=copy_to)


def _in_private_mount(
    mount: str, *args: str, script: str = CHECK, copy_to: Path | None = None
) -> dict:
    """Run ``script ARGS`` in a mount namespace of its own after the shell command ``mount``."""
    command = f'{mount} && exec "$0" -c "$1" "${{@:2}}"'
    env = dict(os.environ, COPY_TO=str(copy_to or ""))
    done = subprocess.run(
        ["unshare", "-m", "bash", "-c", command, sys.executable, script, *args],
        capture_output=True,
        text=True,
        timeout=DEADLINE * 5,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _cli_camera(width: int, height: int, seed: int):
    """The simulated camera ``uutrack record --width --height --seed`` makes, rebuilt."""
    from uutrack_gui.camera.simulated import from_settings
    from uutrack_gui.config import Session

    settings = Session().camera
    settings.width, settings.height, settings.seed = width, height, seed
    return from_settings(settings)


def _dropped(stdout: str) -> int:
    return int(stdout.split("frames dropped:")[1].split()[0])


def _assert_one_line_disk_full(err: str) -> None:
    """What the operator reads: one line, no traceback."""
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("uutrack: error: the disk is full: recording stopped; "), err


@needs_root
def test_disk_full_mid_recording_keeps_a_readable_file(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    result = _in_private_tmpfs(
        str(disk),
        "48m",
        str(disk / "full.h5"),
        # Paced, so that the disk fills over about 1.5 s and several flushes happen first.
        "--seconds", "120", "--width", "512", "--height", "512", "--fps", "60",
        "--max-memory", "16",
    )  # fmt: skip
    assert result["status"] == 1, result
    _assert_one_line_disk_full(result["err"])
    # Plain h5py opens it, finished: every frame written before the disk filled is in it, and
    # it counts the frames after as dropped, as the recorder does.
    stored = result["stored"]
    assert stored["frames"] == stored["counters"] == _written(result["out"]) > 60, result
    # None, if the disk was found full with the last frame whole and STOP came before the next.
    assert stored["dropped"] == _dropped(result["out"])
    assert stored["end_reason"] == "disk full" and stored["finished_cleanly"]
    assert result["files"] == ["full.h5"]  # its reserve of disk space was given back


@needs_root
def test_disk_full_before_the_first_flush_keeps_every_whole_frame(tmp_path):
    """Free-running 2048 x 2048 frames fill 48 MiB in a few tens of milliseconds, long before
    the saver's first periodic flush (0.25 s): every frame written in full is kept, bit for bit."""
    from uutrack_gui.storage.reserve import RESERVE_BYTES

    disk = tmp_path / "disk"
    disk.mkdir()
    copy = tmp_path / "copy.h5"
    size = ("--width", "2048", "--height", "2048", "--seed", "7")
    result = _in_private_tmpfs(
        str(disk), "48m", str(disk / "full.h5"),
        "--seconds", "60", "--fps", "0", "--max-memory", "16", *size,
        copy_to=copy,
    )  # fmt: skip
    assert result["status"] == 1, result
    _assert_one_line_disk_full(result["err"])
    written, dropped = _written(result["out"]), _dropped(result["out"])
    # The disk less the reserve holds 5 frames and 4 MiB: the 6th found it full when written
    # (so it is dropped), the rest came after.
    assert written == (48 * MIB - RESERVE_BYTES) // FRAME_2048 == 5, result
    assert dropped >= 1
    assert result["files"] == ["full.h5"]
    camera = _cli_camera(2048, 2048, seed=7)
    with h5py.File(copy, "r") as f:
        group = f[list(f)[-1]]
        attrs = group.attrs
        assert attrs["end_reason"] == "disk full" and attrs["finished_cleanly"]
        assert attrs["frames"] == group["timelapse"].shape[-1] == written
        assert attrs["dropped_frames"] == dropped  # the recorder's count, in the file
        counters = group["frame_counter"][:].astype(np.int64)
        stamps = group["timestamps"][:]
        assert len(counters) == len(stamps) == written
        # Frames lost before the disk filled (the 2-frame buffer overflows while the saver
        # starts) are counter gaps, and counted; so is at least the frame that found it full.
        gaps = int(np.sum(np.diff(counters) - 1))
        assert (np.diff(counters) >= 1).all() and gaps + 1 <= dropped
        assert np.isfinite(stamps).all() and (np.diff(stamps) > 0).all()
        for i, counter in enumerate(counters):
            np.testing.assert_array_equal(
                group["timelapse"][..., i], camera.expected_frame(counter)
            )


@pytest.fixture
def ext4_image(tmp_path) -> Path:
    """A 64 MiB ext4 file system in a file, if this machine can loop-mount one (else skip)."""
    if os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("mkfs.ext4")):
        pytest.skip("needs root, unshare(1) and mkfs.ext4 to loop-mount a small ext4 disk")
    image = tmp_path / "ext4.img"
    with image.open("wb") as f:
        f.truncate(64 * MIB)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", str(image)], check=True, timeout=DEADLINE)
    probe = tmp_path / "probe"
    probe.mkdir()
    tried = subprocess.run(
        ["unshare", "-m", "bash", "-c", f"mount -o loop {image} {probe} && umount {probe}"],
        capture_output=True,
        timeout=DEADLINE,
    )
    if tried.returncode != 0:
        pytest.skip(f"cannot loop-mount here: {tried.stderr.decode().strip()}")
    return image


@needs_root
def test_disk_full_with_direct_io_on_ext4_keeps_every_whole_frame(tmp_path, ext4_image):
    """On a real file system the frames bypass the page cache (O_DIRECT, see the writer):
    the same guarantee when that write finds the disk full."""
    disk = tmp_path / "disk"
    disk.mkdir()
    copy = tmp_path / "copy.h5"
    result = _in_private_mount(
        f"mount -o loop {ext4_image} {disk}", str(disk / "full.h5"),
        "--seconds", "60", "--fps", "0", "--max-memory", "16",
        "--width", "2048", "--height", "2048", "--seed", "5",
        copy_to=copy,
    )  # fmt: skip
    assert result["status"] == 1, result
    _assert_one_line_disk_full(result["err"])
    written, dropped = _written(result["out"]), _dropped(result["out"])
    assert written >= 4, result
    assert sorted(result["files"]) == ["full.h5", "lost+found"]
    camera = _cli_camera(2048, 2048, seed=5)
    with h5py.File(copy, "r") as f:
        group = f[list(f)[-1]]
        assert group.attrs["end_reason"] == "disk full" and group.attrs["finished_cleanly"]
        assert group.attrs["frames"] == group["timelapse"].shape[-1] == written
        assert group.attrs["dropped_frames"] == dropped
        frames = group["timelapse"]
        for i, counter in enumerate(group["frame_counter"][:]):
            # 4 KiB-aligned chunks: written with O_DIRECT (HDF5 alone does not align them).
            assert frames.id.get_chunk_info(i).byte_offset % 4096 == 0
            np.testing.assert_array_equal(frames[..., i], camera.expected_frame(int(counter)))


@needs_root
def test_disk_full_counts_every_frame_handed_to_the_saver(tmp_path):
    """12 frames handed over at once, room for 5: 5 in the file, bit for bit, 7 counted."""
    from uutrack_gui.camera import SimulatedCamera

    disk = tmp_path / "disk"
    disk.mkdir()
    copy = tmp_path / "copy.h5"
    n = 12
    args = (str(disk / "full.h5"), str(copy), str(n))
    result = _in_private_tmpfs(str(disk), "48m", *args, script=SAVER_ON_SMALL_DISK)
    assert result["accepted"] == n, result  # all handed over before the disk filled
    assert result["end_reason"] == "disk full" and result["ended"] == 1
    assert result["error"].startswith("the disk is full: recording stopped; "), result
    assert result["written"] == 5 and result["written"] + result["dropped"] == n
    assert result["files"] == ["full.h5"]
    camera = SimulatedCamera(2048, 2048, seed=3)
    with h5py.File(copy, "r") as f:
        group = f[list(f)[-1]]
        assert group.attrs["end_reason"] == "disk full" and group.attrs["finished_cleanly"]
        assert group.attrs["dropped_frames"] == n - 5
        assert group["frame_counter"][:].tolist() == [0, 1, 2, 3, 4]
        assert group["timestamps"][:].tolist() == [1000.0, 1001.0, 1002.0, 1003.0, 1004.0]
        for i in range(5):
            np.testing.assert_array_equal(group["timelapse"][..., i], camera.expected_frame(i))


@needs_root
def test_disk_full_is_one_message_and_live_view_goes_on(tmp_path):
    """What the GUI shows: one error message of one line; the camera stays live."""
    disk = tmp_path / "disk"
    disk.mkdir()
    result = _in_private_tmpfs(str(disk), "48m", str(disk), script=CONTROLLER_ON_SMALL_DISK)
    assert len(result["errors"]) == 1, result
    message = result["errors"][0]
    assert "\n" not in message and message.startswith("the disk is full: recording stopped; ")
    assert f"keeps the {result['written']} frames written before" in message
    assert result["states"] == ["live", "recording", "finishing", "live"], result
    assert result["after"] == "live"
    assert result["end_reason"] == "disk full" and result["written"] > 0
    assert len(result["files"]) == 1 and result["files"][0].endswith(".h5"), result


@needs_root
def test_small_dev_shm_gives_a_smaller_buffer_and_says_so(tmp_path):
    out = tmp_path / "shm.h5"
    args = ("--frames", "60", "--width", "512", "--height", "512", "--fps", "0")
    result = _in_private_tmpfs("/dev/shm", "64m", str(out), *args)
    assert result["status"] == 0, result
    assert "instead of the 1000 MiB asked for: /dev/shm has only 64 MiB free" in result["err"]
    written = _written(result["out"])
    dropped = int(result["out"].split("frames dropped:")[1].split()[0])
    assert written + dropped == 60 and result["stored"]["frames"] == written


@needs_root
def test_tiny_dev_shm_is_refused_in_one_line(tmp_path):
    out = tmp_path / "tiny.h5"
    result = _in_private_tmpfs("/dev/shm", "1m", str(out), "--frames", "5")
    assert result["status"] == 2, result
    assert result["err"].count("\n") == 1
    assert "not enough shared memory for the frame buffer: /dev/shm has 1 MiB free" in result["err"]
    assert not out.exists()


# --- a saver standing by (live, before Record) ------------------------------------------------
#: A live runner with its saver standing by, as a window between recordings.
STANDBY = textwrap.dedent(
    """
    import os, sys
    from uutrack_gui.acquisition import AcquisitionRunner
    from uutrack_gui.camera import SimulatedCamera

    runner = AcquisitionRunner(SimulatedCamera(256, 256, fps=50), max_memory_mb=16)
    runner.start_live()
    print(runner._ready._standby.pid, runner._ready.ring.layout.name, flush=True)
    try:
        sys.stdin.readline()
    except KeyboardInterrupt:
        os._exit(130)  # gone without closing anything, as a crash would
    """
)


@pytest.mark.parametrize(
    ("signum", "group"),
    [(signal.SIGKILL, False), (signal.SIGINT, True)],
    ids=["kill -9 of the recorder", "Ctrl+C to the group"],
)
def test_a_saver_standing_by_exits_with_its_recorder_and_frees_the_ring(signum, group):
    live = subprocess.Popen(
        [sys.executable, "-c", STANDBY],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        standby_pid, ring_name = live.stdout.readline().split()
        ring = Path("/dev/shm") / ring_name
        assert int(standby_pid) in _session_processes(live.pid) and ring.exists()
        if group:
            os.killpg(live.pid, signum)
        else:
            os.kill(live.pid, signum)
        _, err = live.communicate(timeout=DEADLINE)
        wait_until(lambda: not _session_processes(live.pid), "every process to exit")
        assert not ring.exists(), f"{ring} left behind"
        assert "Traceback" not in err, err  # the saver ignores the terminal's Ctrl+C
    finally:
        if live.poll() is None:
            os.killpg(live.pid, signal.SIGKILL)
            live.communicate()


# --- the GUI, started from a terminal -------------------------------------------------------
#: ``uutrack-gui`` as a user starts it, recording from the start (as if Record were clicked).
GUI = textwrap.dedent(
    """
    import sys
    from uutrack_gui.gui import app, main_window

    def set_live(self, on, _original=main_window.MainWindow.set_live):
        shown = _original(self, on)
        print("recording" if self.start_recording() else "refused", flush=True)
        return shown

    main_window.MainWindow.set_live = set_live
    sys.exit(app.main(["--data-dir", sys.argv[1]]))
    """
)


@pytest.mark.parametrize(
    ("signum", "group", "reason", "status"),
    [
        (signal.SIGINT, True, "interrupted", 130),
        (signal.SIGHUP, True, "interrupted", 130),
        (signal.SIGTERM, False, "interrupted", 130),
        (signal.SIGKILL, False, "recorder died", -signal.SIGKILL),
    ],
    ids=["Ctrl+C", "terminal closed", "SIGTERM", "kill -9"],
)
def test_gui_signals_finish_the_file(tmp_path, signum, group, reason, status):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))
    gui = subprocess.Popen(
        [sys.executable, "-c", GUI, str(tmp_path / "data")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        assert gui.stdout.readline().strip() == "recording"
        files = lambda: list((tmp_path / "data").rglob("*.h5"))  # noqa: E731
        wait_until(lambda: files() and files()[0].stat().st_size > 4 * 1024**2, "frames")
        if group:
            os.killpg(gui.pid, signum)
        else:
            os.kill(gui.pid, signum)
        _, err = gui.communicate(timeout=DEADLINE)
        assert gui.returncode == status, err
        assert "Traceback" not in err, err
        wait_until(lambda: not _session_processes(gui.pid), "every process to exit")
        stored = _plain_open(files()[0])
        assert stored["end_reason"] == reason and stored["finished_cleanly"]
        assert stored["frames"] == stored["counters"] > 0
    finally:
        if gui.poll() is None:
            os.killpg(gui.pid, signal.SIGKILL)
            gui.communicate()


# --- a file whose writer died, written by another program -----------------------------------
#: A bare SWMR writer (no lock of this program's saver): writes, flushes, then waits or dies.
BARE_WRITER = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    from uutrack_gui.storage import Hdf5Writer

    writer = Hdf5Writer()
    writer.setup(sys.argv[1], (32, 64), "uint16", "")
    for i in range(7):
        writer.append(np.full((32, 64), i, np.uint16), i, 1000.0 + i)
    writer.flush()
    print("flushed", flush=True)
    if sys.argv[2] == "die":
        os.kill(os.getpid(), 9)
    sys.stdin.readline()  # "live": keep the file open for write until told
    writer.close()
    """
)


def _bare_writer(path: Path, mode: str) -> subprocess.Popen:
    writer = subprocess.Popen(
        [sys.executable, "-c", BARE_WRITER, str(path), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout.readline().strip() == "flushed"
    return writer


def _uutrack(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "uutrack_gui", *args],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )


def _flags(path: Path) -> int:
    from uutrack_gui.storage.repair import read_superblock

    return read_superblock(path).flags


def test_info_clears_the_mark_of_a_dead_writer(tmp_path):
    path = tmp_path / "dead.h5"
    writer = _bare_writer(path, "die")
    writer.wait()
    assert _flags(path) != 0
    with pytest.raises(OSError, match="already open for write"):
        h5py.File(path, "r")
    done = _uutrack("info", str(path))
    assert done.returncode == 0, done.stderr
    assert " 7 " in done.stdout and "NOT finished" in done.stdout
    with h5py.File(path, "r") as f:  # plain h5py now
        assert f[list(f)[0]]["timelapse"].shape[-1] == 7
    appended = _uutrack("record", str(path), "--frames", "3", "--width", "64", "--height", "32")
    assert appended.returncode == 0, appended.stderr
    assert "2 recordings" in _uutrack("info", str(path)).stdout


def test_repair_says_what_it_did_and_leaves_a_live_writer_alone(tmp_path):
    dead = tmp_path / "dead.h5"
    _bare_writer(dead, "die").wait()
    before = dead.read_bytes()
    done = _uutrack("repair", str(dead))
    assert done.returncode == 0, done.stderr
    assert "cleared the 'open for write' mark" in done.stdout and "7 frames" in done.stdout
    after = dead.read_bytes()
    # Only the flags byte and the superblock checksum changed, as with h5clear -s.
    assert [i for i in range(len(before)) if before[i] != after[i]] <= [11, 44, 45, 46, 47]
    assert "nothing to repair" in _uutrack("repair", str(dead)).stdout

    live = tmp_path / "live.h5"
    writer = _bare_writer(live, "live")
    try:
        refused = _uutrack("repair", str(live))
        assert refused.returncode == 2
        assert "is being written by a running program" in refused.stderr
        assert _uutrack("info", str(live)).returncode == 0  # read in SWMR mode, not cleared
        assert _flags(live) != 0
    finally:
        writer.communicate("close\n", timeout=DEADLINE)
    assert _flags(live) == 0


@needs_root
def test_small_disk_takes_a_short_recording_and_refuses_a_long_one(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    size = ("--width", "512", "--height", "512", "--fps", "0")
    short = _in_private_tmpfs(str(disk), "40m", str(disk / "s.h5"), "--frames", "5", *size)
    assert short["status"] == 0, short
    assert short["stored"]["frames"] + int(short["out"].split("dropped:")[1].split()[0]) == 5
    long = _in_private_tmpfs(str(disk), "40m", str(disk / "l.h5"), "--frames", "500", *size)
    assert long["status"] == 2, long
    assert "only 40 MiB free on that disk, 266 MiB needed" in long["err"]
    open_ended = _in_private_tmpfs(str(disk), "40m", str(disk / "o.h5"), "--seconds", "9", *size)
    assert open_ended["status"] == 2
    assert "1016 MiB needed" in open_ended["err"]  # the 1000 MB frame buffer


def test_a_file_being_written_is_refused_in_one_line(tmp_path):
    """Another program is writing the file: refused at once, no recording summary."""
    live = tmp_path / "busy.h5"
    writer = _bare_writer(live, "live")
    try:
        done = _uutrack("record", str(live), "--frames", "3", "--width", "64", "--height", "32")
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "another recording is writing it now" in done.stderr
        assert "frames written" not in done.stdout
    finally:
        writer.communicate("close\n", timeout=DEADLINE)
    with h5py.File(live, "r") as f:
        assert len(f) == 1  # the writer's own recording only


# --- the signal handling itself ---------------------------------------------------------------
def test_interrupts_stop_then_abort_then_restore_the_handlers(capfd):
    from uutrack_gui.interrupts import Interrupts, Request

    calls: list[str] = []
    done = threading.Event()

    def record(what: str):
        def work() -> None:
            calls.append(what)
            if what == "abort":
                done.set()

        return work

    before = signal.getsignal(signal.SIGTERM)
    with Interrupts(record("stop"), record("abort"), dispatch=lambda work: work()) as handler:
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)  # a third: the abort is under way already
        assert done.wait(DEADLINE)
        assert handler.request is Request.ABORT and handler.signal_name == "SIGTERM"
    assert calls == ["stop", "abort"]
    assert signal.getsignal(signal.SIGTERM) is before
    err = capfd.readouterr().err
    assert "uutrack: SIGTERM: stopping, finishing the file (Ctrl+C again to abort)" in err
    assert "uutrack: SIGINT again: aborting" in err
