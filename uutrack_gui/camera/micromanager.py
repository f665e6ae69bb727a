"""Micro-Manager cameras through pymmcore-plus: one :class:`Camera` for hundreds of devices.

A :class:`MicroManagerCamera` drives one camera device of a Micro-Manager core
(``pymmcore_plus.CMMCorePlus`` or a subclass), built from a hardware configuration file with
:func:`~uutrack_gui.camera.mm_devices.load_config` (plain configs and pymmcore-plus Python devices).

Streaming uses Micro-Manager's continuous sequence acquisition: the device fills the core's
circular buffer on its own thread, and :meth:`MicroManagerCamera.read` pops frames from it.
Each frame's counter is the image number Micro-Manager puts in its metadata, so a frame the
circular buffer lost (it overflowed because frames were popped too slowly) is a gap in the
counters (:mod:`~uutrack_gui.camera.mm_numbering`), which the runner counts as dropped and
writes into the file; the overflow is also logged and counted (never silently restarted).

pymmcore-plus is optional (``pip install "uutrack_gui[micromanager]"``) and imported only when
a Micro-Manager camera is made.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from uutrack_gui.camera import mm_thread_faults
from uutrack_gui.camera.base import Camera, CameraError, Frame, Roi, checked_fps

# Loading configs and reading devices is its own module (``uutrack cameras`` uses it alone).
from uutrack_gui.camera.mm_devices import (  # noqa: F401
    ADAPTERS_HINT,
    INSTALL_HINT,
    DeviceProperty,
    adapters_installed,
    camera_devices,
    first_line,
    load_config,
    read_device_identity,
    read_property_info,
    read_property_values,
    release_core,
)
from uutrack_gui.camera.mm_numbering import ImageNumbering

if TYPE_CHECKING:
    from uutrack_gui.config import CameraSettings

log = logging.getLogger(__name__)

#: Micro-Manager's metadata keys (MMDevice's g_Keyword_Metadata_*).
_KEY_IMAGE_NUMBER = "ImageNumber"
_KEY_TIME_IN_CORE = "TimeReceivedByCore"
#: Bounds of the wait between two looks at an empty circular buffer. Micro-Manager has no
#: blocking pop (the C++ core offers no callback for sequence frames), so read() waits on an
#: Event (that stop() sets) for a quarter of the frame interval (the longer of the exposure
#: and the interval measured between frames), within these bounds: it adds at most this
#: latency to a frame and costs nothing in throughput, as frames already in the buffer are
#: popped back to back without waiting; and a camera whose read-out is slower than its
#: exposure is not polled thousands of times a second.
_POLL_MIN_S = 0.0002
_POLL_MAX_S = 0.005
#: Seconds between two log warnings of buffer overflows.
_WARN_EVERY_S = 1.0


class MicroManagerCamera(Camera):
    """A Micro-Manager camera device, streamed through the core's circular buffer.

    Parameters
    ----------
    config : str or Path, optional
        A Micro-Manager hardware configuration file, loaded with pymmcore-plus's ``UniMMCore``.
        The camera then owns that core and unloads its devices in :meth:`close`.
    core : CMMCorePlus, optional
        An already configured core instead of ``config`` (the caller keeps owning it).
    device : str
        Label of the camera device; empty means the core's current camera (or the config's
        only camera).
    exposure_ms : float, optional
        Exposure to set; None keeps the device's.
    roi : Roi, optional
        Region of interest to set; None means the full sensor.
    binning : int, optional
        Binning to set where the device has a settable ``Binning`` property; None keeps it.
    fps : float
        Frame rate asked of the sequence (Micro-Manager's interval); 0, the default, lets the
        camera run at the rate its exposure and read-out give. Most devices ignore it.
    buffer_mb : int, optional
        Size of Micro-Manager's circular buffer in MB; None keeps the core's.

    Raises
    ------
    CameraError
        Every problem with the config, the device or a setting, as one line.
    """

    model = "Micro-Manager camera"
    backend = "micromanager"

    def __init__(
        self,
        config: str | Path | None = None,
        *,
        core: Any = None,
        device: str = "",
        exposure_ms: float | None = None,
        roi: Roi | None = None,
        binning: int | None = None,
        fps: float = 0.0,
        buffer_mb: int | None = None,
    ) -> None:
        if (config is None) == (core is None):
            raise CameraError("give a Micro-Manager config file or a core, not both or neither")
        self._config = str(config) if config is not None else ""
        self._owns_core = core is None
        self._core = load_config(config) if core is None else core
        self._running = False
        self._opened = False
        self._stopped = threading.Event()
        self._fps = 0.0
        # Image numbers -> counters: see read().
        self._numbering = ImageNumbering()
        #: Times Micro-Manager's circular buffer overflowed since start(), and the frames lost.
        self.buffer_overflows = 0
        self.frames_lost = 0
        self._last_warning = -_WARN_EVERY_S
        self._interval_s = 0.0  # measured between frames, for the wait in read()
        self._last_mono = 0.0
        try:
            self._device = self._choose_device(device)
            self._core.setCameraDevice(self._device)
            self._dtype = self._pixel_dtype()
            if buffer_mb is not None:
                self._core.setCircularBufferMemoryFootprint(int(buffer_mb))
            if binning is not None:
                self._set_binning(int(binning))
            self._sensor = self._measure_sensor()
            self._read_exposure()
            self.fps = fps
            if exposure_ms is not None:
                self.exposure_ms = exposure_ms
            self.roi = roi
        except CameraError:
            self._release()
            raise
        except Exception as exc:  # the device refused something: one line, core released
            self._release()
            raise CameraError(f"{self._where()}: {first_line(exc)}") from None
        self.model = self._model_name()

    # --- set-up ---------------------------------------------------------------------------
    def _where(self) -> str:
        name = getattr(self, "_device", "") or "camera"
        return f"{self._config}: {name}" if self._config else name

    def _choose_device(self, device: str) -> str:
        core = self._core
        cameras = camera_devices(core)
        source = self._config or "the Micro-Manager core"
        if not cameras:
            raise CameraError(f"{source}: no camera device in this config")
        listed = ", ".join(cameras)
        if device:
            if device not in [str(d) for d in core.getLoadedDevices()]:
                raise CameraError(f"{source}: no device named {device!r} (cameras: {listed})")
            if device not in cameras:
                kind = getattr(core.getDeviceType(device), "name", "other")
                raise CameraError(
                    f"{source}: {device!r} is a {kind} device, not a camera (cameras: {listed})"
                )
            return device
        current = str(core.getCameraDevice())
        if current:
            return current
        if len(cameras) == 1:
            return cameras[0]
        raise CameraError(f"{source}: several cameras and none chosen: name one of {listed}")

    def _pixel_dtype(self) -> np.dtype:
        """uint8 or uint16 from the device's bytes per pixel; anything else is refused."""
        core = self._core
        components = int(core.getNumberOfComponents())
        nbytes = int(core.getBytesPerPixel())
        bits = int(core.getImageBitDepth())
        if components == 1 and nbytes in (1, 2):
            return np.dtype(np.uint8 if nbytes == 1 else np.uint16)
        pixel_type = self._property("PixelType") or (
            f"{'GRAY' if components == 1 else 'RGB'}{8 * nbytes * max(components, 1)}"
        )
        raise CameraError(
            f"{self._where()}: pixel type {pixel_type} ({bits}-bit, {nbytes} bytes per pixel, "
            f"{components} components) is not supported: only 8- and 16-bit monochrome"
        )

    def _property(self, name: str) -> str:
        core = self._core
        with contextlib.suppress(Exception):
            if core.hasProperty(self._device, name):
                return str(core.getProperty(self._device, name))
        return ""

    def _set_binning(self, binning: int) -> None:
        core, device = self._core, self._device
        has = bool(core.hasProperty(device, "Binning"))
        if has and not core.isPropertyReadOnly(device, "Binning"):
            core.setProperty(device, "Binning", str(binning))
        elif binning != int(float(self._property("Binning") or 1)):
            raise CameraError(f"{self._where()}: this camera has no settable binning")

    def _measure_sensor(self) -> tuple[int, int]:
        """The full sensor (height, width) in pixels as binned: the image with no ROI."""
        core = self._core
        core.clearROI()
        return int(core.getImageHeight()), int(core.getImageWidth())

    def _model_name(self) -> str:
        core, device = self._core, self._device
        name = self._property("CameraName")
        with contextlib.suppress(Exception):
            name = name or f"{core.getDeviceLibrary(device)} {core.getDeviceName(device)}"
        return f"{name or device} (Micro-Manager)"

    # --- life cycle -----------------------------------------------------------------------
    @property
    def core(self) -> Any:
        """The pymmcore-plus core (for a property browser; change settings only when stopped)."""
        return self._core

    @property
    def device(self) -> str:
        """Label of the camera device."""
        return self._device

    @property
    def config_path(self) -> str:
        """The configuration file this camera was loaded from ('' if given a core)."""
        return self._config

    @property
    def running(self) -> bool:
        """Whether the sequence acquisition runs."""
        return self._running

    def open(self) -> None:
        if self._core is None:
            raise CameraError(f"{self._where()}: the camera was closed")
        self._opened = True

    def close(self) -> None:
        self.stop()
        self._opened = False
        self._release()

    def _release(self) -> None:
        """Unload the devices of a core we loaded (never those of a caller's core)."""
        core = self._core
        if core is None or not self._owns_core:
            return
        self._core = None
        release_core(core)

    def start(self) -> None:
        if not self._opened:
            raise CameraError("camera is not open")
        if self._running:
            return
        core = self._core
        self._numbering.reset()
        self.buffer_overflows = 0
        self.frames_lost = 0
        self._interval_s = 0.0
        self._last_mono = 0.0
        self._stopped.clear()
        mm_thread_faults.install()  # a Python device's fault: its message, not a traceback
        mm_thread_faults.take_fault(self._device)  # forget one of an earlier run
        try:
            if str(core.getCameraDevice()) != self._device:
                core.setCameraDevice(self._device)  # a shared core may have switched camera
            interval_ms = 1000.0 / self._fps if self._fps > 0 else 0.0
            core.startContinuousSequenceAcquisition(interval_ms)
        except Exception as exc:
            raise CameraError(
                f"{self._where()}: cannot start streaming: {first_line(exc)}"
            ) from None
        self._running = True

    def stop(self) -> None:
        self._stopped.set()  # a read() waiting for a frame returns at once
        if not self._running:
            return
        self._running = False
        with contextlib.suppress(Exception):  # a device that is gone cannot be stopped either
            self._core.stopSequenceAcquisition()

    # --- frames ---------------------------------------------------------------------------
    def read(self, timeout: float) -> Frame | None:
        """The next frame from the circular buffer; None if none came within ``timeout``.

        Raises
        ------
        CameraError
            The camera is not started, or it stopped streaming by itself (a device fault, a
            camera unplugged): the runner then ends the recording with a finished file.
        """
        if not self._running:
            raise CameraError("camera is not started")
        core = self._core
        deadline = time.monotonic() + timeout
        poll = min(max(self._poll_s, _POLL_MIN_S), _POLL_MAX_S)
        while True:
            try:
                if core.getRemainingImageCount() > 0:
                    popped = self._pop()
                    if popped is not None:
                        return self._frame(*popped)
                running = core.isSequenceRunning()
                if not running and core.getRemainingImageCount() == 0:
                    if self._stopped.is_set():
                        return None  # stop() meanwhile
                    cause = mm_thread_faults.take_fault(self._device)
                    raise CameraError(
                        f"{self._where()} stopped streaming: {cause}"
                        if cause
                        else f"{self._where()} stopped streaming (device fault or disconnected?)"
                    )
            except CameraError:
                raise
            except Exception as exc:
                if self._stopped.is_set():
                    return None
                raise CameraError(f"{self._where()}: {first_line(exc)}") from None
            left = deadline - time.monotonic()
            if left <= 0 or self._stopped.wait(min(poll, left)):
                return None

    def _pop(self) -> tuple[np.ndarray, Any] | None:
        """The oldest frame and its metadata; None if an overflow emptied the buffer meanwhile.

        Between counting the frames and popping one, the device may have overwritten the whole
        buffer to make room for its newest frame (or cleared it, as C++ adapters do on
        overflow): that is no fault, the lost frames show as a gap in the image numbers.
        """
        core = self._core
        try:
            return core.popNextImageAndMD()
        except Exception:
            if core.getRemainingImageCount() == 0 and core.isSequenceRunning():
                return None
            raise

    @property
    def _poll_s(self) -> float:
        return max(self._exposure_cache_ms / 1000.0, self._interval_s) / 4.0

    def _frame(self, data: np.ndarray, md: Any) -> Frame:
        """A :class:`Frame` from a popped image and its Micro-Manager metadata."""
        now = time.time()
        mono = time.monotonic()
        if self._last_mono:
            # Frame interval, smoothed (a burst from the buffer pulls it down only slowly).
            self._interval_s += 0.1 * (mono - self._last_mono - self._interval_s)
        self._last_mono = mono
        try:
            number: int | None = int(md[_KEY_IMAGE_NUMBER])
        except (KeyError, ValueError, TypeError):
            number = None  # no image number: gaps cannot be seen
        counter, lost = self._numbering.counter(number, self._capacity)
        if lost:
            self._overflowed(lost)
        timestamp = now
        with contextlib.suppress(KeyError, ValueError, TypeError, OverflowError):
            # Local time of the frame's arrival in the core, to the microsecond.
            timestamp = _dt.datetime.fromisoformat(str(md[_KEY_TIME_IN_CORE])).timestamp()
        if data.ndim != 2 or data.dtype != self._dtype:
            raise CameraError(
                f"{self._where()}: got a {data.dtype} image of shape {data.shape}, expected "
                f"{self._dtype} {self.frame_shape}"
            )
        return Frame(data=data, counter=counter, timestamp=timestamp)

    def _capacity(self) -> int:
        with contextlib.suppress(Exception):
            return int(self._core.getBufferTotalCapacity())
        return 0

    def _overflowed(self, lost: int) -> None:
        self.buffer_overflows += 1
        self.frames_lost += lost
        now = time.monotonic()
        if now - self._last_warning >= _WARN_EVERY_S:  # a reader that stays too slow: no flood
            self._last_warning = now
            log.warning(
                "%s: Micro-Manager's circular buffer overflowed: %d frames lost "
                "(%d in %d overflows since the camera started)",
                self._where(),
                lost,
                self.frames_lost,
                self.buffer_overflows,
            )

    # --- settings -------------------------------------------------------------------------
    @property
    def sensor_shape(self) -> tuple[int, int]:
        return self._sensor

    @property
    def frame_shape(self) -> tuple[int, int]:
        return self._frame_shape

    @property
    def dtype(self) -> np.dtype:
        return self._dtype

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
        return self._exposure_cache_ms

    @exposure_ms.setter
    def exposure_ms(self, value: float) -> None:
        value = float(value)
        if not (0.0 < value <= 3_600_000.0):
            raise CameraError(f"exposure must be positive, got {value} ms")
        self._refuse_while_running("the exposure")
        try:
            self._core.setExposure(self._device, value)
        except Exception as exc:
            raise CameraError(
                f"{self._where()}: exposure {value:g} ms refused: {first_line(exc)}"
            ) from None
        self._read_exposure()

    def _read_exposure(self) -> None:
        # Cached: read() uses it for every wait, and the device may round what was set.
        self._exposure_cache_ms = float(self._core.getExposure(self._device))

    @property
    def roi(self) -> Roi:
        return self._roi

    @roi.setter
    def roi(self, value: Roi | None) -> None:
        self._refuse_while_running("the ROI")
        height, width = self._sensor
        core, device = self._core, self._device
        try:
            if value is None or value == Roi(0, 0, width, height):
                core.clearROI()
            else:
                value.validate(width, height)
                core.setROI(device, value.x0, value.y0, value.width, value.height)
        except CameraError:
            raise
        except Exception as exc:
            raise CameraError(
                f"{self._where()}: ROI {value.width} x {value.height} at ({value.x0}, "
                f"{value.y0}) refused: {first_line(exc)}"
            ) from None
        x, y, w, h = (int(v) for v in core.getROI(device))
        self._roi = Roi(x, y, w, h)
        self._frame_shape = (int(core.getImageHeight()), int(core.getImageWidth()))

    # --- device properties ----------------------------------------------------------------
    def property_info(self) -> list[DeviceProperty]:
        """Every property of the device: value, whether it can be set, allowed values, limits."""
        return read_property_info(self._core, self._device)

    def set_property(self, name: str, value: str) -> None:
        """Set a device property (camera stopped); sizes and exposure are read again after.

        Raises
        ------
        CameraError
            While running, or the device refuses the value (one line, naming the property).
        """
        self._refuse_while_running(f"{name}")
        try:
            self._core.setProperty(self._device, name, value)
            dtype = self._pixel_dtype()
        except CameraError:
            raise
        except Exception as exc:
            raise CameraError(
                f"{self._where()}: {name} = {value!r} refused: {first_line(exc)}"
            ) from None
        # Binning, pixel type or a read-out mode may change the image: measure it again, and
        # keep the ROI if it still fits the sensor.
        roi, (old_height, old_width) = self._roi, self._sensor
        was_full = roi == Roi(0, 0, old_width, old_height)
        self._dtype = dtype
        self._sensor = self._measure_sensor()
        self._read_exposure()
        height, width = self._sensor
        fits = roi.x0 + roi.width <= width and roi.y0 + roi.height <= height
        self.roi = roi if fits and not was_full else None

    # --- description ----------------------------------------------------------------------
    def properties(self) -> dict[str, str]:
        """Every Micro-Manager property of the device, as text, as the device reports it now."""
        return read_property_values(self._core, self._device)

    def describe(self) -> dict[str, Any]:
        """The backend, model, device, config file, library, and every device property."""
        info = super().describe()
        core, device = self._core, self._device
        info.update({"device": device, "config": self._config})
        info.update(read_device_identity(core, device))
        info["roi"] = [self._roi.x0, self._roi.y0, self._roi.width, self._roi.height]
        info["bit_depth"] = int(core.getImageBitDepth())
        info["properties"] = self.properties()
        return info


def from_settings(settings: CameraSettings) -> MicroManagerCamera:
    """The ``micromanager`` backend: the camera of the session's ``Camera`` section.

    Uses ``mm_config``, ``device``, ``exposure_time``, ``roi``, ``binning`` and ``fps``.

    Raises
    ------
    CameraError
        No config file given, pymmcore-plus missing, or anything :class:`MicroManagerCamera`
        refuses.
    """
    if not settings.mm_config:
        raise CameraError(
            "Camera.mm_config: the micromanager backend needs a Micro-Manager config file "
            "(.cfg; --mm-config on the command line)"
        )
    return MicroManagerCamera(
        settings.mm_config,
        device=settings.device,
        exposure_ms=settings.exposure_time,
        roi=Roi(*settings.roi) if settings.roi is not None else None,
        binning=settings.binning,
        fps=settings.fps,
    )
