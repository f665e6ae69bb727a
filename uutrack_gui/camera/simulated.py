"""A simulated camera: a noisy background with diffusing Gaussian particles.

Every frame is a pure function of ``(seed, frame counter, settings)``, so a test can rebuild the
frame the camera produced for any counter with :meth:`SimulatedCamera.expected_frame` and compare
it bit for bit with what was saved.

Speed matters: the camera must never be the bottleneck of a recording. The noise is drawn once
into a bank slightly larger than the sensor and each frame takes a view at a per-frame offset
(one memory copy), and particles are drawn as small patches only.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import numpy as np

from uutrack_gui.camera.base import Camera, CameraError, Frame, Roi, checked_fps

if TYPE_CHECKING:
    from uutrack_gui.config import CameraSettings

#: Margin of the precomputed noise bank; each frame views it at an offset in [0, margin).
_NOISE_MARGIN = 64
#: Half width of a particle patch (the patch is 2 * half + 1 pixels square).
_PATCH_HALF = 8
#: Exposure at which intensities are as drawn; other exposures scale them linearly.
_REFERENCE_EXPOSURE_MS = 10.0
#: Frames a paced camera keeps for a late reader before it overwrites the oldest (a frame
#: grabber's buffer); frames lost that way show as gaps in the counter, as on real hardware.
_CAMERA_BUFFER_FRAMES = 16


class _Scene:
    """The simulated sample: background, noise bank and particle trajectories on the sensor."""

    def __init__(self, height: int, width: int, n_particles: int, seed: int) -> None:
        self.height = height
        self.width = width
        self.seed = seed
        rng = np.random.default_rng([seed, 0xC0FFEE])
        # Background: a uniform noise bank plus a faint sinusoidal pattern, as on a real set-up
        # with uneven illumination; stored as uint16 so one frame is one view + one copy.
        yy = np.arange(height + _NOISE_MARGIN, dtype=np.float32)[:, None]
        xx = np.arange(width + _NOISE_MARGIN, dtype=np.float32)[None, :]
        pattern = 60.0 * np.sin(xx / 97.0) * np.cos(yy / 131.0)
        noise = rng.integers(0, 400, size=(height + _NOISE_MARGIN, width + _NOISE_MARGIN))
        self.noise_bank = (800.0 + pattern + noise).astype(np.uint16)
        self.start_positions = rng.uniform((0, 0), (height, width), size=(n_particles, 2))
        # Log-uniform brightness, from faint to near saturation; the first particle is bright
        # enough that frames always hold values above 32767 (the original saver clipped those).
        self.amplitudes = np.exp(rng.uniform(np.log(1500.0), np.log(60000.0), n_particles))
        if n_particles:
            self.amplitudes[0] = 52000.0
        self.sigmas = rng.uniform(1.2, 3.0, size=(n_particles, 2))  # elliptical PSF (y, x)
        self.step_std = 0.8  # pixels per frame, Brownian
        self._positions = self.start_positions.copy()
        self._positions_counter = 0

    def positions(self, counter: int) -> np.ndarray:
        """Particle positions (y, x) at ``counter``; sequential access costs one step."""
        if counter < self._positions_counter:
            self._positions = self.start_positions.copy()
            self._positions_counter = 0
        while self._positions_counter < counter:
            self._positions_counter += 1
            step_rng = np.random.default_rng([self.seed, 1, self._positions_counter])
            self._positions += step_rng.normal(0.0, self.step_std, size=self._positions.shape)
            self._positions %= (self.height, self.width)  # wrapped Brownian steps
        return self._positions

    def render(self, counter: int, roi: Roi, gain: float) -> np.ndarray:
        """The frame for ``counter`` restricted to ``roi`` (rows, columns), uint16."""
        offset_rng = np.random.default_rng([self.seed, 2, counter])
        oy, ox = offset_rng.integers(0, _NOISE_MARGIN, size=2)
        view = self.noise_bank[
            oy + roi.y0 : oy + roi.y0 + roi.height, ox + roi.x0 : ox + roi.x0 + roi.width
        ]
        if gain == 1.0:
            frame = view.copy()
        else:
            frame = np.clip(view * gain, 0, 65535).astype(np.uint16)
        span = np.arange(-_PATCH_HALF, _PATCH_HALF + 1)
        for (py, px), amplitude, (sy, sx) in zip(
            self.positions(counter), self.amplitudes, self.sigmas, strict=True
        ):
            cy, cx = int(py), int(px)
            rows = (cy + span) % self.height - roi.y0
            cols = (cx + span) % self.width - roi.x0
            keep_r = (rows >= 0) & (rows < roi.height)
            keep_c = (cols >= 0) & (cols < roi.width)
            if not keep_r.any() or not keep_c.any():
                continue
            dy = (span - (py - cy))[keep_r, None]
            dx = (span - (px - cx))[None, keep_c]
            patch = (amplitude * gain) * np.exp(-0.5 * ((dy / sy) ** 2 + (dx / sx) ** 2))
            index = np.ix_(rows[keep_r], cols[keep_c])
            # Sum in float and clip: bright pixels saturate at 65535 instead of wrapping.
            frame[index] = np.minimum(frame[index] + patch, 65535.0).astype(np.uint16)
        return frame


class SimulatedCamera(Camera):
    """A camera that renders a diffusing-particle scene, paced or free-running.

    Parameters
    ----------
    width, height : int
        Sensor size in pixels (default 1024 x 1024).
    fps : float
        Target frame rate; 0 means free-running, as fast as frames can be rendered.
    exposure_ms : float
        Exposure time; intensities scale linearly with it (10 ms renders them as drawn).
    n_particles : int
        Number of particles in the scene.
    seed : int
        Seed of the scene: the same seed and settings give the same frames.
    """

    model = "Simulated camera"
    backend = "simulated"

    def __init__(
        self,
        width: int = 1024,
        height: int = 1024,
        fps: float = 30.0,
        exposure_ms: float = 10.0,
        n_particles: int = 40,
        seed: int = 0,
    ) -> None:
        if width < 16 or height < 16:
            raise CameraError(f"sensor must be at least 16 x 16 pixels, got {width} x {height}")
        if width > 8192 or height > 8192:
            raise CameraError(f"sensor must be at most 8192 x 8192 pixels, got {width} x {height}")
        self._scene = _Scene(height, width, n_particles, seed)
        self._roi = Roi(0, 0, width, height)
        self._opened = False
        self._running = False
        self._fps = 0.0
        self._exposure_ms = 0.0
        self.fps = fps
        self.exposure_ms = exposure_ms
        self._next_counter = 0
        self._t0_mono = 0.0
        self._t0_wall = 0.0
        # Set by stop() so that a read() waiting for the next paced frame returns at once.
        self._stopped = threading.Event()

    # --- life cycle -----------------------------------------------------------------------
    def open(self) -> None:
        self._opened = True

    def close(self) -> None:
        self.stop()
        self._opened = False

    def start(self) -> None:
        if not self._opened:
            raise CameraError("camera is not open")
        self._next_counter = 0
        self._t0_mono = time.perf_counter()
        self._t0_wall = time.time()
        self._stopped.clear()
        self._running = True

    def stop(self) -> None:
        self._running = False
        self._stopped.set()

    @property
    def running(self) -> bool:
        """Whether the camera is exposing frames."""
        return self._running

    # --- frames ---------------------------------------------------------------
    def read(self, timeout: float) -> Frame | None:
        if not self._running:
            raise CameraError("camera is not started")
        counter = self._next_counter
        if self._fps > 0:
            elapsed = time.perf_counter() - self._t0_mono
            exposed = int(elapsed * self._fps)  # frames completed so far
            if exposed - counter > _CAMERA_BUFFER_FRAMES:
                counter = exposed - _CAMERA_BUFFER_FRAMES  # the oldest were overwritten
            ready_at = (counter + 1) / self._fps
            wait = ready_at - elapsed
            # Pacing the simulated exposure; stop() interrupts the wait.
            if wait > timeout:
                self._stopped.wait(timeout)
                return None
            if wait > 0 and self._stopped.wait(wait):
                return None
            timestamp = self._t0_wall + ready_at
        else:
            timestamp = self._t0_wall + (time.perf_counter() - self._t0_mono)
        data = self.expected_frame(counter)
        self._next_counter = counter + 1
        return Frame(data=data, counter=counter, timestamp=timestamp)

    def expected_frame(self, counter: int) -> np.ndarray:
        """The frame this camera gives for ``counter`` with its current settings.

        Cheapest when called with increasing counters (as the acquisition thread does).
        """
        return self._scene.render(counter, self._roi, self._exposure_ms / _REFERENCE_EXPOSURE_MS)

    # --- settings ---------------------------------------------------------------
    @property
    def sensor_shape(self) -> tuple[int, int]:
        return (self._scene.height, self._scene.width)

    @property
    def frame_shape(self) -> tuple[int, int]:
        return (self._roi.height, self._roi.width)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.uint16)

    @property
    def fps(self) -> float:
        return self._fps

    @fps.setter
    def fps(self, value: float) -> None:
        value = checked_fps(value)
        self._refuse_while_running("the frame rate")
        self._fps = value

    @property
    def exposure_ms(self) -> float:
        return self._exposure_ms

    @exposure_ms.setter
    def exposure_ms(self, value: float) -> None:
        value = float(value)
        if not (0.001 <= value <= 60_000.0):
            raise CameraError(f"exposure must be between 0.001 and 60000 ms, got {value}")
        self._refuse_while_running("the exposure")
        self._exposure_ms = value

    @property
    def roi(self) -> Roi:
        return self._roi

    @roi.setter
    def roi(self, value: Roi | None) -> None:
        self._refuse_while_running("the ROI")
        height, width = self.sensor_shape
        value = value or Roi(0, 0, width, height)
        value.validate(width, height)
        self._roi = value


def from_settings(settings: CameraSettings) -> SimulatedCamera:
    """The simulated camera of the session's ``Camera`` section (the ``simulated`` backend).

    Raises
    ------
    CameraError
        If a setting is out of range (the ROI does not fit the sensor, ...).
    """
    camera = SimulatedCamera(
        settings.width,
        settings.height,
        settings.fps,
        settings.exposure_time,
        settings.particles,
        settings.seed,
    )
    if settings.roi is not None:
        camera.roi = Roi(*settings.roi)
    return camera
