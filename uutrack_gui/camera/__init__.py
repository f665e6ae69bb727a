"""Cameras: the interface a driver implements, the built-in simulated camera, the factory."""

from uutrack_gui.camera.base import Camera, CameraError, Frame, Roi
from uutrack_gui.camera.factory import make_camera, same_sensor
from uutrack_gui.camera.simulated import SimulatedCamera

__all__ = ["Camera", "CameraError", "Frame", "Roi", "SimulatedCamera", "make_camera", "same_sensor"]
