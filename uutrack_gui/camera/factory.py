"""One way to build a camera from the session's ``Camera`` settings, for the GUI and the CLI."""

from __future__ import annotations

from uutrack_gui.camera.base import Camera
from uutrack_gui.camera.registry import create_camera
from uutrack_gui.config import CameraSettings


def make_camera(settings: CameraSettings) -> Camera:
    """The camera described by ``settings``: its ``backend`` builds it, with its ROI applied.

    Raises
    ------
    CameraError
        Unknown backend, a device that cannot be opened, or a setting out of the camera's
        range (the ROI does not fit the sensor, ...); the message is one line.
    """
    return create_camera(settings)


def same_sensor(a: CameraSettings, b: CameraSettings) -> bool:
    """Whether ``b`` can be applied to the camera made from ``a`` without making a new one.

    Exposure, frame rate and ROI change on an open camera; the backend, the device and the
    sensor (size, scene, binning) do not.
    """

    def sensor(s: CameraSettings) -> tuple:
        return (s.backend, s.mm_config, s.device, s.binning, s.width, s.height, s.particles, s.seed)

    return sensor(a) == sensor(b)
