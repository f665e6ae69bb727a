"""Cameras: the interface a driver implements, and the built-in simulated camera."""

from uutrack_gui.camera.base import Camera, CameraError, Frame, Roi
from uutrack_gui.camera.simulated import SimulatedCamera

__all__ = ["Camera", "CameraError", "Frame", "Roi", "SimulatedCamera"]
