"""Micro-Manager cameras through pymmcore-plus, and camera plug-ins by entry point.

No hardware and no device adapters: pymmcore-plus's ``UniMMCore`` runs its real core, circular
buffer and sequence acquisition with the pure-Python :class:`mm_test_camera.StampCamera`, whose
frames carry their own frame number. Tests that need real adapters skip with the reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from imports import modules_loaded

pytest.importorskip("pymmcore_plus.experimental.unicore", reason="pymmcore-plus not installed")

import mm_test_camera as stamp  # noqa: E402  (after the skip: it imports pymmcore-plus)
from pymmcore_plus.experimental.unicore import UniMMCore  # noqa: E402

from uutrack_gui.acquisition import AcquisitionRunner  # noqa: E402
from uutrack_gui.camera import CameraError, Roi, describe_yaml, make_camera  # noqa: E402
from uutrack_gui.camera.micromanager import MicroManagerCamera, release_core  # noqa: E402
from uutrack_gui.camera.mm_devices import INSTALL_HINT, adapters_installed  # noqa: E402
from uutrack_gui.camera.registry import ENTRY_POINT_GROUP, backend_names, backends  # noqa: E402
from uutrack_gui.cli import main  # noqa: E402
from uutrack_gui.config import CameraSettings, ConfigError, Session  # noqa: E402
from uutrack_gui.storage import RecordingFile  # noqa: E402

WAIT = 60.0
TESTS = Path(__file__).resolve().parent
H, W = stamp.StampCamera.HEIGHT, stamp.StampCamera.WIDTH


def _cfg(tmp_path: Path, *lines: str, name: str = "MMConfig.cfg") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def cfg(tmp_path) -> Path:
    """A config with the stamping camera (the core's camera) and a lamp (not a camera)."""
    return _cfg(
        tmp_path,
        "# a lab's Python camera, through pymmcore-plus",
        "#py pyDevice,Cam,mm_test_camera,StampCamera",
        "#py pyDevice,Lamp,mm_test_camera,Lamp",
        "#py Property,Core,Initialize,1",
        "#py Property,Core,Camera,Cam",
        "#py Property,Cam,Exposure,2.0",
    )


@pytest.fixture
def core(monkeypatch):
    """A UniMMCore the test configures itself (released at the end)."""
    # Plain events even when another test made a QApplication (Qt ones would need qtpy).
    monkeypatch.setenv("PYMM_SIGNALS_BACKEND", "psygnal")
    mmc = UniMMCore()
    yield mmc
    release_core(mmc)


def _record(camera, path: Path, max_frames: int | None, metadata: str = "", on_frame=None):
    """Record through the real runner; returns (result, errors emitted)."""
    runner = AcquisitionRunner(camera, max_memory_mb=64)
    finished = threading.Event()
    errors: list[str] = []
    runner.events.recording_finished.connect(lambda result: finished.set())
    runner.events.error.connect(errors.append)
    if on_frame is not None:
        runner.events.frame_ready.connect(lambda frame: on_frame(runner, frame))
    runner.start_recording(path, metadata, max_frames=max_frames)
    assert finished.wait(WAIT)
    return runner.close(), errors


def _check_file(path: Path, roi=None, binning: int = 1, dtype=np.uint16):
    """Every stored frame is the device's frame for its counter; returns the counters."""
    with RecordingFile(path) as f:
        rec = f.recording()
        counters = rec.counters.astype(np.int64)
        assert len(counters) == len(rec)
        for i, counter in enumerate(counters):
            frame = rec.frame(i)
            if roi is None:  # the stamp is in the sensor's first pixels
                assert stamp.stamped_number(frame) == counter  # the device's own number
            expected = stamp.expected_frame(int(counter), H, W, dtype, roi, binning)
            np.testing.assert_array_equal(frame, expected)
        return rec.summary(), counters, rec.timestamps, rec.metadata()


# --- recording ---------------------------------------------------------------------------------
def test_record_from_cfg_bit_exact_with_device_counters_and_metadata(cfg, tmp_path):
    camera = MicroManagerCamera(cfg)
    assert camera.model == "StampCam (Micro-Manager)"
    assert camera.device == "Cam"
    assert (camera.sensor_shape, camera.frame_shape, camera.dtype) == ((H, W), (H, W), np.uint16)
    assert camera.exposure_ms == 2.0  # from the config's Property line
    path = tmp_path / "mm.h5"
    t0 = time.time()
    metadata = Session().to_yaml() + describe_yaml(camera)
    result, errors = _record(camera, path, max_frames=60, metadata=metadata)
    t1 = time.time()
    assert errors == [] and result.error == ""
    assert (result.frames_written, result.frames_dropped) == (60, 0)
    summary, counters, timestamps, meta = _check_file(path)
    assert summary.frames == 60 and summary.finished_cleanly and summary.dtype == "uint16"
    assert np.all(np.diff(counters) == 1)  # no gap: nothing lost
    assert t0 - 1 <= timestamps[0] <= timestamps[-1] <= t1  # Unix seconds
    assert np.all(np.diff(timestamps) > 0)
    device = meta["CameraDevice"]
    assert device["backend"] == "micromanager" and device["device"] == "Cam"
    assert device["model"] == "StampCam (Micro-Manager)"
    assert device["library"] == "mm_test_camera" and device["device_name"] == "StampCamera"
    assert device["properties"]["Exposure"] == "2.0"
    assert device["properties"]["CameraName"] == "StampCam"
    with h5py.File(path, "r") as h5:
        assert h5[list(h5)[0]].attrs["camera"] == "StampCam (Micro-Manager)"


def test_core_object_with_load_py_device_exposure_and_roi_applied(core, tmp_path):
    core.loadPyDevice("Cam", stamp.StampCamera())
    core.initializeDevice("Cam")
    core.setCameraDevice("Cam")
    roi = Roi(8, 4, 32, 16)
    camera = MicroManagerCamera(core=core, exposure_ms=1.5, roi=roi)
    assert core.getExposure("Cam") == 1.5 and camera.exposure_ms == 1.5
    assert list(core.getROI("Cam")) == [8, 4, 32, 16] and camera.roi == roi
    assert camera.frame_shape == (16, 32) and camera.sensor_shape == (H, W)
    path = tmp_path / "roi.h5"
    result, errors = _record(camera, path, max_frames=30)
    assert errors == [] and result.frames_written == 30
    summary, counters, _, _ = _check_file(path, roi=(8, 4, 32, 16))
    assert summary.frame_shape == (16, 32)
    # The caller's core keeps its devices: the camera only releases a core it loaded.
    assert "Cam" in core.getLoadedDevices()


def test_binning_where_the_device_has_it(cfg, tmp_path):
    camera = MicroManagerCamera(cfg, binning=2)
    assert camera.sensor_shape == (H // 2, W // 2) and camera.frame_shape == (H // 2, W // 2)
    result, _ = _record(camera, tmp_path / "bin.h5", max_frames=10)
    assert result.frames_written == 10
    _check_file(tmp_path / "bin.h5", binning=2)


def test_property_set_measures_the_image_again(cfg):
    camera = MicroManagerCamera(cfg)
    camera.roi = Roi(0, 0, 16, 8)
    camera.set_property("Binning", "2")
    assert camera.sensor_shape == (H // 2, W // 2)
    assert camera.roi == Roi(0, 0, 16, 8)  # still fits the binned sensor
    camera.set_property("Exposure", "4")
    assert camera.exposure_ms == 4.0
    with pytest.raises(CameraError, match=r"^.*Binning = '3' refused: .*binning 3"):
        camera.set_property("Binning", "3")
    camera.open()
    camera.start()
    with pytest.raises(CameraError, match="while the camera is running"):
        camera.set_property("Exposure", "5")
    camera.close()


def test_8_bit_camera_records_uint8(tmp_path):
    path = _cfg(
        tmp_path,
        "#py pyDevice,Cam8,mm_test_camera,StampCamera8",
        "#py Property,Core,Initialize,1",
        "#py Property,Core,Camera,Cam8",
    )
    camera = MicroManagerCamera(path)
    assert camera.dtype == np.uint8
    result, _ = _record(camera, tmp_path / "u8.h5", max_frames=12)
    assert result.frames_written == 12
    summary, *_ = _check_file(tmp_path / "u8.h5", dtype=np.uint8)
    assert summary.dtype == "uint8"


def test_circular_buffer_overflow_is_a_counted_gap_in_the_file(core, tmp_path):
    """A reader too slow for the camera: Micro-Manager's buffer overflows, frames are lost."""
    device = stamp.StampCamera()
    core.loadPyDevice("Cam", device)
    core.initializeDevice("Cam")
    core.setCameraDevice("Cam")
    camera = MicroManagerCamera(core=core, buffer_mb=1, exposure_ms=2.0)  # 500 fps
    capacity = core.getBufferTotalCapacity()
    assert 100 < capacity < 400  # 1 MiB of 6 KiB frames

    stalled = threading.Event()

    def stall_once(runner, frame) -> None:
        # The acquisition thread holds its first recorded frame until the device has produced
        # three buffers' worth more: a reader that fell behind (a disk that stalled, a busy CPU).
        if runner.recording and not stalled.is_set():
            stalled.set()
            deadline = time.monotonic() + 30
            while device._n < frame.counter + 3 * capacity and time.monotonic() < deadline:
                time.sleep(0.001)  # the device's thread runs meanwhile (not waiting for ours)

    path = tmp_path / "overflow.h5"
    result, errors = _record(camera, path, max_frames=3 * capacity, on_frame=stall_once)
    assert errors == [] and result.error == ""
    assert result.frames_dropped >= 2 * capacity  # at least two buffers' worth were lost
    assert result.frames_written == 3 * capacity  # the frame limit counts frames received
    summary, counters, _, _ = _check_file(path)
    gaps = np.diff(counters) - 1
    assert int(gaps.sum()) == result.frames_dropped == summary.dropped_frames
    # Reported and counted by the camera too, and never restarted: the device's numbering
    # (stamped in each frame) runs on through the gap.
    assert camera.buffer_overflows >= 1
    assert camera.frames_lost >= result.frames_dropped  # also any lost after the recording
    camera.close()


def test_device_failing_mid_stream_ends_the_recording_with_a_finished_file(cfg, tmp_path):
    camera = MicroManagerCamera(cfg)
    fails_at: list[int] = []

    def unplug_soon(runner, frame) -> None:
        # 20 frames into the recording the device fails at its next frames (unplugged).
        if runner.recording and not fails_at:
            fails_at.append(frame.counter + 20)
            camera.core.setProperty("Cam", "fail_after", fails_at[0])

    out = tmp_path / "unplugged.h5"
    result, errors = _record(camera, out, max_frames=None, on_frame=unplug_soon)
    assert len(errors) == 1
    # The device's own words, and no exception left unhandled on pymmcore-plus's thread (pytest
    # would warn of it).
    assert errors[0] == f"camera stopped: {cfg}: Cam stopped streaming: camera unplugged"
    assert "\n" not in errors[0]
    assert result.error == "" and result.frames_dropped == 0
    summary, counters, _, _ = _check_file(out)
    assert summary.finished_cleanly and summary.frames == result.frames_written
    assert counters[-1] == fails_at[0] - 1 and np.all(np.diff(counters) == 1)


# --- bad input: one line, exit status 2 --------------------------------------------------------
def _cli(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _bad(capsys, tmp_path, *args: str) -> str:
    out = tmp_path / "never.h5"
    status, _, err = _cli(capsys, "record", str(out), "--frames", "5", *args)
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("uutrack: error: "), err
    assert not out.exists()
    return err.strip()


def test_missing_cfg(capsys, tmp_path):
    err = _bad(capsys, tmp_path, "--camera", "micromanager", "--mm-config", "nope.cfg")
    assert err == "uutrack: error: nope.cfg: no such Micro-Manager config file"


def test_invalid_cfg(capsys, tmp_path):
    bad = _cfg(tmp_path, "this is not, a config line at all")
    err = _bad(capsys, tmp_path, "--mm-config", str(bad))
    assert f"{bad}: Micro-Manager cannot load this config: " in err


def test_cfg_without_a_camera(capsys, tmp_path):
    lamp = _cfg(tmp_path, "#py pyDevice,Lamp,mm_test_camera,Lamp", "#py Property,Core,Initialize,1")
    err = _bad(capsys, tmp_path, "--mm-config", str(lamp))
    assert err == f"uutrack: error: {lamp}: no camera device in this config"
    status, _, err = _cli(capsys, "cameras", "--mm-config", str(lamp))
    assert status == 2 and err.strip() == f"uutrack: error: {lamp}: no camera device in this config"


def test_device_that_is_not_a_camera(capsys, tmp_path, cfg):
    err = _bad(capsys, tmp_path, "--mm-config", str(cfg), "--device", "Lamp")
    assert err == (
        f"uutrack: error: {cfg}: 'Lamp' is a GenericDevice device, not a camera (cameras: Cam)"
    )
    err = _bad(capsys, tmp_path, "--mm-config", str(cfg), "--device", "Cam2")
    assert err == f"uutrack: error: {cfg}: no device named 'Cam2' (cameras: Cam)"


def test_pixel_type_other_than_8_or_16_bit_mono_is_refused(capsys, tmp_path):
    path = _cfg(
        tmp_path,
        "#py pyDevice,Float,mm_test_camera,FloatCamera",
        "#py Property,Core,Initialize,1",
        "#py Property,Core,Camera,Float",
    )
    err = _bad(capsys, tmp_path, "--mm-config", str(path))
    assert "pixel type GRAY32 (32-bit, 4 bytes per pixel, 1 components) is not supported" in err


def test_unknown_backend_and_micromanager_without_config(capsys, tmp_path):
    err = _bad(capsys, tmp_path, "--camera", "hamamatsu")
    assert "no camera backend named 'hamamatsu' is installed" in err
    assert "(installed: simulated, micromanager" in err
    err = _bad(capsys, tmp_path, "--camera", "micromanager")
    assert err.startswith("uutrack: error: Camera.mm_config: the micromanager backend needs")


def test_pymmcore_plus_missing(capsys, tmp_path, cfg, monkeypatch):
    for name in list(sys.modules):
        if name.startswith("pymmcore_plus"):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pymmcore_plus", None)  # import fails as if not installed
    err = _bad(capsys, tmp_path, "--camera", "micromanager", "--mm-config", str(cfg))
    assert err == f"uutrack: error: {INSTALL_HINT}"
    assert 'pip install "uutrack_gui[micromanager]"' in err
    # Without it the program works as before, and still lists the backend.
    status, out, _ = _cli(capsys, "cameras")
    assert status == 0 and "simulated" in out
    line = next(line for line in out.splitlines() if line.strip().startswith("micromanager"))
    assert line.endswith(f"-- {INSTALL_HINT}")
    camera = make_camera(CameraSettings(width=32, height=32))
    assert camera.backend == "simulated"


@pytest.mark.skipif(adapters_installed(), reason="Micro-Manager adapters are installed here")
def test_cfg_needing_adapters_that_are_not_installed(capsys, tmp_path):
    demo = _cfg(
        tmp_path,
        "Device,Camera,DemoCamera,DCam",
        "Property,Core,Initialize,1",
        "Property,Core,Camera,Camera",
    )
    err = _bad(capsys, tmp_path, "--mm-config", str(demo))
    assert "Micro-Manager cannot load this config" in err
    assert "run `mmcore install` or install Micro-Manager" in err


@pytest.mark.skipif(not adapters_installed(), reason="needs Micro-Manager device adapters")
def test_demo_camera_from_a_real_installation(tmp_path):  # pragma: no cover - no adapters here
    demo = _cfg(
        tmp_path,
        "Device,Camera,DemoCamera,DCam",
        "Property,Core,Initialize,1",
        "Property,Core,Camera,Camera",
    )
    camera = MicroManagerCamera(demo, exposure_ms=5)
    result, errors = _record(camera, tmp_path / "demo.h5", max_frames=20)
    assert errors == [] and result.frames_written + result.frames_dropped == 20


# --- the command line --------------------------------------------------------------------------
def _run(*args: str) -> subprocess.CompletedProcess:
    """``uutrack`` in its own process (the saver needs a real main), finding the test devices."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), *sys.path])}
    return subprocess.run(
        [sys.executable, "-m", "uutrack_gui", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )


def test_cli_cameras_lists_backends_and_the_cameras_of_a_config(capsys, cfg):
    status, out, err = _cli(capsys, "cameras", "--mm-config", str(cfg))
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("camera backends")
    assert lines[1].split()[:2] == ["simulated", "uutrack_gui.camera.simulated:from_settings"]
    assert lines[2].split()[:2] == ["micromanager", "uutrack_gui.camera.micromanager:from_settings"]
    assert f"camera devices of {cfg} (--device):" in lines
    cam_line = next(line for line in lines if line.strip().startswith("Cam "))
    assert "mm_test_camera:StampCamera" in cam_line and "(the config's camera)" in cam_line
    assert not any(line.strip().startswith("Lamp") for line in lines)


def test_cli_record_micromanager(tmp_path, cfg):
    out = tmp_path / "cli_mm.h5"
    done = _run(
        "record", str(out), "--camera", "micromanager", "--mm-config", str(cfg), "--frames", "40"
    )
    assert done.returncode == 0, done.stderr
    assert "frames written: 40" in done.stdout
    summary, counters, _, meta = _check_file(out)
    assert summary.frames == 40 and meta["Camera"]["backend"] == "micromanager"
    assert meta["Camera"]["mm_config"] == str(cfg)


def test_cli_recording_when_the_device_fails_ends_with_a_finished_file(tmp_path):
    path = _cfg(
        tmp_path,
        "#py pyDevice,Cam,mm_test_camera,StampCamera",
        "#py Property,Core,Initialize,1",
        "#py Property,Core,Camera,Cam",
        "#py Property,Cam,Exposure,100",
        "#py Property,Cam,fail_after,50",
    )
    out = tmp_path / "cli_unplugged.h5"
    done = _run("record", str(out), "--mm-config", str(path), "--seconds", "60")
    # The device fails 5 s after it started: the recording ends there, its file finished.
    assert "frames written:" in done.stdout, done.stderr
    summary, counters, _, _ = _check_file(out)
    assert summary.finished_cleanly and summary.frames > 0 and counters[-1] == 49


def test_cli_recording_when_the_device_fails_exits_2_with_one_line(tmp_path):
    path = _cfg(
        tmp_path,
        "#py pyDevice,Cam,mm_test_camera,StampCamera",
        "#py Property,Core,Initialize,1",
        "#py Property,Core,Camera,Cam",
        "#py Property,Cam,Exposure,100",
        "#py Property,Cam,fail_after,30",
    )
    done = _run("record", str(tmp_path / "x.h5"), "--mm-config", str(path), "--seconds", "60")
    assert done.returncode == 2
    # One line naming the device's own fault: no traceback from pymmcore-plus's device thread.
    assert (
        done.stderr
        == f"uutrack: error: camera stopped: {path}: Cam stopped streaming: camera unplugged\n"
    )


def test_cfg_failing_after_a_device_loaded_exits_2_with_one_line(tmp_path):
    # The camera loads, then a later line fails: the devices already loaded must be let go
    # before exit (left to the interpreter they aborted it: "FATAL: exception not rethrown").
    path = _cfg(
        tmp_path,
        "#py pyDevice,Cam,mm_test_camera,StampCamera",
        "#py Property,Core,Initialize,1",
        "#py Property,Core,Camera,Cam",
        "Property,Cam,NoSuchProperty,1",
    )
    for command in (("record", str(tmp_path / "x.h5")), ("cameras",)):
        done = _run(*command, "--mm-config", str(path))
        assert done.returncode == 2, done.stderr
        lines = done.stderr.splitlines()
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith(f"uutrack: error: {path}: Micro-Manager cannot load this config")
        assert "line 4" in lines[0]
    assert not (tmp_path / "x.h5").exists()


# --- plug-ins by entry point -------------------------------------------------------------------
def test_registry_lists_both_builtins_from_the_package_metadata():
    from importlib.metadata import entry_points

    registered = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert registered["simulated"] == "uutrack_gui.camera.simulated:from_settings"
    assert registered["micromanager"] == "uutrack_gui.camera.micromanager:from_settings"
    assert backend_names()[:2] == ["simulated", "micromanager"]
    assert backends()["micromanager"].provider == "uutrack_gui"


_PLUGIN = """
from uutrack_gui.camera import SimulatedCamera


class FakeLabCamera(SimulatedCamera):
    model = "Fake lab camera"
    backend = "fakelab"


def from_settings(settings):
    return FakeLabCamera(48, 32, fps=0, seed=settings.seed)


def broken(settings):
    raise ValueError("the frame grabber is not powered")
"""


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """A package installed on sys.path that registers two backends in our entry-point group."""
    site = tmp_path / "site"
    (site / "fakelab_dist-1.0.dist-info").mkdir(parents=True)
    (site / "fakelab.py").write_text(_PLUGIN, encoding="utf-8")
    (site / "fakelab_dist-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fakelab-dist\nVersion: 1.0\n", encoding="utf-8"
    )
    (site / "fakelab_dist-1.0.dist-info" / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nfakelab = fakelab:from_settings\nbroken = fakelab:broken\n"
        "missing = fakelab_nowhere:make\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("fakelab", None)


def test_a_plugin_adds_a_backend_by_name(plugin, capsys, tmp_path):
    assert backends()["fakelab"].provider == "fakelab-dist"
    camera = make_camera(CameraSettings(backend="fakelab", seed=4))
    assert camera.model == "Fake lab camera" and camera.frame_shape == (32, 48)
    status, out, _ = _cli(capsys, "cameras")
    assert status == 0 and "fakelab" in out and "[fakelab-dist]" in out
    err = _bad(capsys, tmp_path, "--camera", "broken")
    assert err == (
        "uutrack: error: camera backend 'broken' failed: ValueError: the frame grabber is not "
        "powered"
    )
    err = _bad(capsys, tmp_path, "--camera", "missing")
    assert err.startswith(
        "uutrack: error: camera backend 'missing' (fakelab_nowhere:make) cannot be loaded: "
        "ModuleNotFoundError"
    )


def test_a_plugin_camera_records(plugin, tmp_path):
    camera = make_camera(CameraSettings(backend="fakelab", seed=4))
    result, errors = _record(camera, tmp_path / "plugin.h5", max_frames=8)
    assert errors == [] and result.frames_written == 8
    with RecordingFile(tmp_path / "plugin.h5") as f:
        assert f.recording().camera == "Fake lab camera"


# --- the session's Camera section --------------------------------------------------------------
def test_session_camera_section_backend_config_device():
    session = Session.from_yaml(
        "Camera:\n  backend: micromanager\n  mm_config: /lab/MMConfig.cfg\n  device: Orca\n"
        "  binning: 2\n  roi: [0, 0, 2048, 2048]\n"
    )
    cam = session.camera
    assert (cam.backend, cam.mm_config, cam.device, cam.binning) == (
        "micromanager",
        "/lab/MMConfig.cfg",
        "Orca",
        2,
    )
    assert cam.roi == (0, 0, 2048, 2048)  # checked by the camera, not against 1024 x 1024
    again = Session.from_yaml(session.to_yaml())
    assert again.camera == cam
    assert Session().camera.backend == "simulated"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("backend: 'my camera'", "config: Camera.backend: expected a camera backend name"),
        ("backend: null", "config: Camera.backend: expected a camera backend name"),
        ("binning: 0", "config: Camera.binning: must be at least 1, got 0"),
        ("binning: two", "config: Camera.binning: expected a whole number, got 'two'"),
    ],
)
def test_session_camera_section_bad_values_name_the_key(text, message):
    with pytest.raises(ConfigError) as info:
        Session.from_yaml(f"Camera:\n  {text}\n")
    assert str(info.value).startswith(message)


def test_same_sensor_includes_backend_and_device():
    from uutrack_gui.camera import same_sensor

    a = CameraSettings()
    assert same_sensor(a, CameraSettings(exposure_time=3.0, roi=(0, 0, 16, 16)))
    assert not same_sensor(a, CameraSettings(backend="micromanager", mm_config="x.cfg"))
    assert not same_sensor(
        CameraSettings(backend="micromanager", mm_config="x.cfg", device="A"),
        CameraSettings(backend="micromanager", mm_config="x.cfg", device="B"),
    )


def test_pymmcore_plus_is_imported_only_for_a_micromanager_camera():
    statements = (
        "import uutrack_gui.camera.micromanager, uutrack_gui.cli\n"
        "from uutrack_gui.camera import backend_names, make_camera\n"
        "from uutrack_gui.config import CameraSettings\n"
        "backend_names(); make_camera(CameraSettings(width=32, height=32))"
    )
    assert modules_loaded(statements, ("pymmcore", "pymmcore_plus", "PyQt5")) == []
