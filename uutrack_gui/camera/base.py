"""The camera interface that the acquisition runner drives.

A real driver implements :class:`Camera`; the runner never needs anything else. Every frame
carries the camera's own frame counter and a timestamp, so that a gap in the counters can be
counted as a dropped frame downstream.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any

import numpy as np


class CameraError(RuntimeError):
    """A camera could not do what was asked (bad setting, not open, hardware fault)."""


@dataclass(frozen=True)
class Frame:
    """One image as the camera gave it.

    Attributes
    ----------
    data : numpy.ndarray
        2-D array (rows, columns) in the camera's own dtype. Treated as read-only by everyone
        downstream: the live view and the saver may hold the same array.
    counter : int
        The camera's frame counter, starting at 0 when acquisition starts and increasing by one
        per exposed frame. A gap means a frame was lost.
    timestamp : float
        Seconds since the Unix epoch at which the frame was read out.
    """

    data: np.ndarray
    counter: int
    timestamp: float


@dataclass(frozen=True)
class Roi:
    """A region of interest on the sensor, 0-indexed, ``x0``/``y0`` inclusive, size in pixels."""

    x0: int
    y0: int
    width: int
    height: int

    def validate(self, sensor_width: int, sensor_height: int) -> None:
        """Raise :class:`CameraError` if the ROI does not fit the sensor."""
        if self.width < 1 or self.height < 1:
            raise CameraError(f"ROI size must be positive, got {self.width} x {self.height}")
        if self.x0 < 0 or self.y0 < 0:
            raise CameraError(f"ROI origin must not be negative, got ({self.x0}, {self.y0})")
        if self.x0 + self.width > sensor_width or self.y0 + self.height > sensor_height:
            raise CameraError(
                f"ROI {self.width} x {self.height} at ({self.x0}, {self.y0}) does not fit the "
                f"{sensor_width} x {sensor_height} sensor"
            )


#: Highest frame rate a camera accepts, frames per second.
MAX_FPS = 100_000.0


def checked_fps(value: float) -> float:
    """``value`` as a frame rate (0 = free-running); :class:`CameraError` outside 0–100000."""
    value = float(value)
    if not 0.0 <= value <= MAX_FPS:  # also refuses NaN
        raise CameraError(f"frame rate must be between 0 and 100000 fps, got {value}")
    return value


class Camera(abc.ABC):
    """What a camera driver provides.

    The runner calls :meth:`open` once, then :meth:`start` / :meth:`read` / :meth:`stop` any
    number of times, then :meth:`close`. :meth:`read` is called from the acquisition thread only;
    settings are changed only while the camera is stopped.
    """

    #: Human-readable model name, written into every recording's metadata.
    model: str = "camera"
    #: Whether frames are being exposed (between :meth:`start` and :meth:`stop`).
    _running: bool = False

    def _refuse_while_running(self, what: str) -> None:
        """Settings change only while stopped: raise :class:`CameraError` naming ``what``."""
        if self._running:
            raise CameraError(f"cannot change {what} while the camera is running")

    #: The backend name this camera is registered under (see :mod:`~uutrack_gui.camera.registry`).
    backend: str = "camera"

    @abc.abstractmethod
    def open(self) -> None:
        """Connect to the camera."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the camera. Safe to call twice."""

    @abc.abstractmethod
    def start(self) -> None:
        """Start exposing frames; the frame counter restarts at 0."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop exposing frames. Safe to call when stopped."""

    @abc.abstractmethod
    def read(self, timeout: float) -> Frame | None:
        """Wait up to ``timeout`` seconds for the next frame; ``None`` if none came in time."""

    @property
    @abc.abstractmethod
    def sensor_shape(self) -> tuple[int, int]:
        """Full sensor size as (height, width)."""

    @property
    @abc.abstractmethod
    def frame_shape(self) -> tuple[int, int]:
        """Shape (rows, columns) of the frames :meth:`read` returns, after the ROI."""

    @property
    @abc.abstractmethod
    def dtype(self) -> np.dtype:
        """Numpy dtype of the frames."""

    @property
    @abc.abstractmethod
    def fps(self) -> float:
        """Target frame rate in frames per second; 0 means free-running (as fast as possible)."""

    @fps.setter
    @abc.abstractmethod
    def fps(self, value: float) -> None: ...

    @property
    @abc.abstractmethod
    def exposure_ms(self) -> float:
        """Exposure time in milliseconds."""

    @exposure_ms.setter
    @abc.abstractmethod
    def exposure_ms(self, value: float) -> None: ...

    @property
    @abc.abstractmethod
    def roi(self) -> Roi:
        """Current region of interest."""

    @roi.setter
    @abc.abstractmethod
    def roi(self, value: Roi | None) -> None:
        """Restrict the camera to ``value``; ``None`` means the full sensor."""

    def summary(self) -> str:
        """One line for the operator: model, frame size, ROI, bit depth, exposure, as set now.

        The camera's own figures, not the session's: a real camera reports its sensor. No frame
        rate: many devices ignore the one asked of them, and the rate measured is shown apart.
        """
        height, width = self.frame_shape
        sensor_h, sensor_w = self.sensor_shape
        where = (
            "full sensor"
            if (height, width) == (sensor_h, sensor_w)
            else f"ROI of {sensor_w} × {sensor_h} at ({self.roi.x0}, {self.roi.y0})"
        )
        bits = 8 * np.dtype(self.dtype).itemsize
        return f"{self.model}: {width} × {height} ({where}), {bits}-bit, {self.exposure_ms:g} ms"

    def describe(self) -> dict[str, Any]:
        """What this camera is, for a recording's metadata: plain, YAML-safe values.

        The default gives the backend and the model; a driver adds what identifies the device
        and its settings (:class:`~uutrack_gui.camera.micromanager.MicroManagerCamera` adds
        the device label, library, and every Micro-Manager property as read at the call).
        """
        return {
            "backend": self.backend,
            "model": self.model,
            "exposure_ms": float(self.exposure_ms),
            "frame_shape": [int(n) for n in self.frame_shape],
            "dtype": np.dtype(self.dtype).name,
        }

    def __enter__(self) -> Camera:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: The section of a recording's metadata that describes the camera (see :func:`describe_yaml`).
METADATA_SECTION = "CameraDevice"


def describe_yaml(camera: Camera) -> str:
    """``camera.describe()`` as a top-level YAML section, to append to the session's YAML.

    ``session.to_yaml() + describe_yaml(camera)`` is one YAML mapping: the session's sections
    and ``CameraDevice`` (which loading a session lists as ignored, never rejects).
    """
    import yaml

    try:
        info = camera.describe()
    except Exception as exc:  # a device that cannot say must not stop a recording
        info = {"model": str(getattr(camera, "model", "")), "error": f"{exc}"}
    return yaml.safe_dump({METADATA_SECTION: info}, sort_keys=False)
