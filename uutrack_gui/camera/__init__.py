"""Cameras: the interface a driver implements, the built-in simulated camera, the factory."""

from uutrack_gui.camera.base import Camera, CameraError, Frame, Roi, describe_yaml
from uutrack_gui.camera.factory import make_camera, same_sensor
from uutrack_gui.camera.registry import ENTRY_POINT_GROUP, backend_names
from uutrack_gui.camera.simulated import SimulatedCamera

__all__ = [
    "ENTRY_POINT_GROUP",
    "Camera",
    "CameraError",
    "Frame",
    "Roi",
    "SimulatedCamera",
    "backend_names",
    "describe_yaml",
    "make_camera",
    "same_sensor",
]
