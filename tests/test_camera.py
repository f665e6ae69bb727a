"""The simulated camera: deterministic frames, counters, pacing, settings."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from uutrack_gui.camera import CameraError, Roi, SimulatedCamera


def _read(cam: SimulatedCamera, n: int):
    return [cam.read(timeout=2.0) for _ in range(n)]


def test_frames_are_uint16_and_reach_above_32767():
    cam = SimulatedCamera(256, 256, fps=0, seed=3)
    cam.open()
    cam.start()
    frames = _read(cam, 5)
    cam.close()
    for frame in frames:
        assert frame.data.dtype == np.uint16
        assert frame.data.shape == (256, 256)
        assert frame.data.max() > 32767  # the original saver clipped these
    assert [f.counter for f in frames] == [0, 1, 2, 3, 4]
    assert all(b.timestamp > a.timestamp for a, b in zip(frames, frames[1:], strict=False))


def test_same_seed_predicts_every_frame_and_seeds_differ():
    cam = SimulatedCamera(128, 96, fps=0, seed=11)
    cam.open()
    cam.start()
    frames = _read(cam, 20)
    cam.close()
    fresh = SimulatedCamera(128, 96, seed=11)
    for frame in frames:
        np.testing.assert_array_equal(fresh.expected_frame(frame.counter), frame.data)
    # Out of order too (the scene replays particle steps).
    np.testing.assert_array_equal(fresh.expected_frame(7), frames[7].data)
    other = SimulatedCamera(128, 96, seed=12)
    assert not np.array_equal(other.expected_frame(0), frames[0].data)
    # Particles move: consecutive frames differ.
    assert not np.array_equal(frames[0].data, frames[1].data)


@pytest.mark.parametrize("size", [512, 1024, 2048])
def test_large_frames_render_fast(size):
    cam = SimulatedCamera(size, size, fps=0)
    cam.open()
    cam.start()
    cam.read(1.0)
    t0 = time.perf_counter()
    frames = _read(cam, 10)
    per_frame = (time.perf_counter() - t0) / 10
    cam.close()
    assert frames[-1].data.shape == (size, size)
    # Generous bound for a loaded CI machine; the benchmark measures the real figure (~3 ms).
    assert per_frame < 0.05


def test_paced_camera_keeps_its_rate():
    cam = SimulatedCamera(64, 64, fps=100)
    cam.open()
    cam.start()
    frames = _read(cam, 30)
    cam.close()
    span = frames[-1].timestamp - frames[0].timestamp
    assert span == pytest.approx(29 / 100, rel=0.02)  # timestamps are the exposure schedule
    assert [f.counter for f in frames] == list(range(30))


def test_roi_crops_the_sensor_and_is_refused_while_running():
    cam = SimulatedCamera(200, 100, fps=0, seed=5)
    full = cam.expected_frame(0)
    cam.roi = Roi(10, 20, 50, 30)
    assert cam.frame_shape == (30, 50)
    np.testing.assert_array_equal(cam.expected_frame(0), full[20:50, 10:60])
    cam.open()
    cam.start()
    with pytest.raises(CameraError, match="while the camera is running"):
        cam.roi = None
    cam.close()
    cam.roi = None
    assert cam.frame_shape == (100, 200)


@pytest.mark.parametrize(
    "roi, message",
    [(Roi(0, 0, 0, 10), "positive"), (Roi(-1, 0, 5, 5), "negative"), (Roi(190, 0, 20, 5), "fit")],
)
def test_bad_roi_is_refused(roi, message):
    cam = SimulatedCamera(200, 100)
    with pytest.raises(CameraError, match=message):
        cam.roi = roi


def test_bad_settings_are_refused():
    with pytest.raises(CameraError, match="at least 16"):
        SimulatedCamera(8, 8)
    cam = SimulatedCamera(64, 64)
    with pytest.raises(CameraError, match="frame rate"):
        cam.fps = -1
    with pytest.raises(CameraError, match="exposure"):
        cam.exposure_ms = 0


def test_stop_interrupts_a_paced_read():
    cam = SimulatedCamera(64, 64, fps=0.5)  # the first frame is due in 2 s
    cam.open()
    cam.start()
    outcome: list[object] = []

    def reader() -> None:
        try:
            outcome.append(cam.read(timeout=5.0))
        except CameraError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=reader)
    t0 = time.perf_counter()
    thread.start()
    cam.stop()
    thread.join(timeout=5.0)
    assert not thread.is_alive()
    assert time.perf_counter() - t0 < 1.0  # not the 2 s until the frame was due
    # Either the wait was cut short (None) or stop came first and read refused at once.
    assert len(outcome) == 1 and (outcome[0] is None or isinstance(outcome[0], CameraError))
    cam.close()
