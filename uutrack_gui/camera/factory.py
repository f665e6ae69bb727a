"""One way to build a camera from the session's ``Camera`` settings, for the GUI and the CLI."""

from __future__ import annotations

from uutrack_gui.camera.base import Camera, Roi
from uutrack_gui.camera.simulated import SimulatedCamera
from uutrack_gui.config import CameraSettings


def make_camera(settings: CameraSettings) -> Camera:
    """The camera described by ``settings``, with its ROI applied.

    Raises
    ------
    CameraError
        If a setting is out of the camera's range (the ROI does not fit the sensor, ...).
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


def same_sensor(a: CameraSettings, b: CameraSettings) -> bool:
    """Whether ``b`` can be applied to the camera made from ``a`` without making a new one.

    Exposure, frame rate and ROI change on an open camera; the sensor (size, scene) does not.
    """
    return (a.width, a.height, a.particles, a.seed) == (b.width, b.height, b.particles, b.seed)
