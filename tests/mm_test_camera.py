"""pymmcore-plus Python devices for the Micro-Manager tests and benchmark (no hardware needed).

:class:`StampCamera` gives frames that a test can rebuild from the frame number alone: one of a
few precomputed patterns, with the device's own frame number written into the first four
pixels (16 bits each). A test reads a recording back and checks every frame bit for bit and
that the counter the file holds is the number the device stamped.

Loaded from a config file (``#py pyDevice,Cam,mm_test_camera,StampCamera``) or with
``UniMMCore.loadPyDevice``. Pacing: with ``Paced`` on, frame ``n`` is ready ``(n + 1)`` exposures
after the sequence started (a camera's own frame clock); off, frames come as fast as they are
copied. ``FailAfter`` >= 0 makes the device fail after that many frames, as an unplugged camera.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np
from pymmcore_plus.experimental.unicore import GenericDevice, SimpleCameraDevice, pymm_property

#: Patterns a frame is drawn from (frame n uses pattern n % _PATTERNS).
_PATTERNS = 4


def stamp_patterns(height: int, width: int, dtype: np.dtype) -> np.ndarray:
    """The precomputed patterns of a ``height`` x ``width`` sensor (deterministic)."""
    rng = np.random.default_rng([height, width, 7])
    top = np.iinfo(dtype).max
    return rng.integers(0, top, size=(_PATTERNS, height, width), dtype=dtype, endpoint=True)


def stamp(frame: np.ndarray, number: int) -> None:
    """Write ``number`` into the first four pixels of ``frame`` (16 bits each, low first)."""
    bits = 8 * frame.dtype.itemsize
    for i in range(4):
        frame.flat[i] = (number >> (bits * i)) & ((1 << bits) - 1)


def stamped_number(frame: np.ndarray) -> int:
    """The frame number :func:`stamp` wrote into ``frame``."""
    bits = 8 * frame.dtype.itemsize
    return sum(int(frame.flat[i]) << (bits * i) for i in range(4))


def expected_frame(
    number: int, height: int, width: int, dtype=np.uint16, roi=None, binning: int = 1
) -> np.ndarray:
    """The frame :class:`StampCamera` of that sensor gives for ``number`` (``roi`` x, y, w, h)."""
    frame = stamp_patterns(height // binning, width // binning, np.dtype(dtype))[
        number % _PATTERNS
    ].copy()
    stamp(frame, number)
    if roi is not None:
        x, y, w, h = roi
        frame = frame[y : y + h, x : x + w]
    return frame


class StampCamera(SimpleCameraDevice):
    """A camera whose frames carry their own frame number; see the module docstring."""

    HEIGHT = 48
    WIDTH = 64
    DTYPE = np.uint16

    def __init__(self, height: int | None = None, width: int | None = None) -> None:
        super().__init__()
        self._height = height or self.HEIGHT
        self._width = width or self.WIDTH
        self._exposure = 1.0
        self._binning = 1
        self._paced = True
        self._fail_after = -1
        self._patterns = stamp_patterns(self._height, self._width, np.dtype(self.DTYPE))
        self._n = 0
        self._t0 = 0.0

    # --- the sensor -------------------------------------------------------------------------
    def sensor_shape(self) -> tuple[int, int]:
        return (self._height // self._binning, self._width // self._binning)

    def dtype(self) -> np.dtype:
        return np.dtype(self.DTYPE)

    def get_exposure(self) -> float:
        return self._exposure

    def set_exposure(self, exposure: float) -> None:
        self._exposure = float(exposure)

    def get_binning(self) -> int:
        return self._binning

    def set_binning(self, value: int) -> None:
        value = int(value)
        if value not in (1, 2):
            raise ValueError(f"binning {value} not supported (1 or 2)")
        self._binning = value
        self._roi = None
        self._patterns = stamp_patterns(*self.sensor_shape(), np.dtype(self.DTYPE))

    def get_camera_name(self) -> str:
        return "StampCam"

    @pymm_property(allowed_values=[0, 1])
    def paced(self) -> int:
        """1: frames come at one per exposure; 0: as fast as they are copied."""
        return int(self._paced)

    @paced.setter
    def paced(self, value: int) -> None:
        self._paced = bool(int(value))

    @pymm_property(limits=(-1, 1_000_000))
    def fail_after(self) -> int:
        """Frames after which the device fails (-1: never)."""
        return self._fail_after

    @fail_after.setter
    def fail_after(self, value: int) -> None:
        self._fail_after = int(value)

    # --- frames -----------------------------------------------------------------------------
    def start_sequence(
        self, n: int | None, get_buffer: Callable[[Sequence[int], np.dtype], np.ndarray]
    ) -> Iterator[Mapping]:
        self._n = 0
        self._t0 = time.perf_counter()
        yield from super().start_sequence(n, get_buffer)

    def snap(self, buffer: np.ndarray) -> Mapping:
        number = self._n
        if 0 <= self._fail_after <= number:
            raise RuntimeError("camera unplugged")
        if self._paced:
            # The camera's frame clock: frame n is read out (n + 1) exposures after the start.
            wait = self._t0 + (number + 1) * self._exposure / 1000.0 - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        buffer[:] = self._patterns[number % _PATTERNS]
        stamp(buffer, number)
        self._n = number + 1
        return {"StampNumber": str(number)}


class StampCamera8(StampCamera):
    """An 8-bit :class:`StampCamera`."""

    DTYPE = np.uint8


class FloatCamera(StampCamera):
    """A camera with 32-bit float pixels (which recordings refuse)."""

    DTYPE = np.float32

    def __init__(self) -> None:
        SimpleCameraDevice.__init__(self)
        self._height, self._width = self.HEIGHT, self.WIDTH
        self._exposure, self._binning, self._paced, self._fail_after = 1.0, 1, True, -1
        self._patterns = np.zeros((_PATTERNS, self._height, self._width), np.float32)


class Lamp(GenericDevice):
    """A device that is not a camera."""

    @pymm_property(limits=(0, 100))
    def intensity(self) -> float:
        return 50.0
