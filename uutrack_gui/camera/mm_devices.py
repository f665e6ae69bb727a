"""Finding and loading Micro-Manager devices through pymmcore-plus (no streaming here).

A hardware configuration file is loaded with ``UniMMCore`` (:func:`load_config`), which reads
plain Micro-Manager configs and also ``#py pyDevice,...`` lines that bring in pymmcore-plus
Python devices; :func:`camera_devices` lists its cameras, :func:`read_property_info` what a
device offers, and :func:`release_core` lets the devices go again. ``uutrack cameras`` uses
these to list what a config offers; :class:`~uutrack_gui.camera.micromanager.MicroManagerCamera`
uses them to open one. pymmcore-plus is optional and imported only inside these functions.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uutrack_gui.camera.base import CameraError

#: What to tell a user who asks for a Micro-Manager camera without pymmcore-plus.
INSTALL_HINT = 'Micro-Manager cameras need pymmcore-plus: pip install "uutrack_gui[micromanager]"'
#: What to tell a user whose config needs device adapters that are not installed.
ADAPTERS_HINT = (
    "no Micro-Manager device adapters were found: run `mmcore install` or install Micro-Manager"
)
#: Micro-Manager's device type number of a camera (MM::CameraDevice).
CAMERA_TYPE = 2


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


@contextlib.contextmanager
def _quiet_pymmcore() -> Iterator[None]:
    """Keep pymmcore-plus's own error log off stderr: we report one line of our own."""
    logger = logging.getLogger("pymmcore-plus")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def _plain_core_events() -> Iterator[None]:
    """Have a core made now use psygnal events, even in the GUI.

    With a Qt application running, pymmcore-plus makes Qt signals for the core's events, which
    needs qtpy (not one of our dependencies); we use none of those events. A user's own
    ``PYMM_SIGNALS_BACKEND`` is respected.
    """
    key = "PYMM_SIGNALS_BACKEND"
    if key in os.environ:
        yield
        return
    os.environ[key] = "psygnal"
    try:
        yield
    finally:
        os.environ.pop(key, None)


def _unicore_class() -> type:
    """``UniMMCore``, imported now; :class:`CameraError` with the install hint if missing."""
    try:
        from pymmcore_plus.experimental.unicore import UniMMCore
    except ImportError:
        raise CameraError(INSTALL_HINT) from None
    return UniMMCore


def adapters_installed() -> bool:
    """Whether pymmcore-plus finds a Micro-Manager installation with device adapters."""
    try:
        from pymmcore_plus import find_micromanager
    except ImportError:
        return False
    with _quiet_pymmcore():
        return bool(find_micromanager())


def load_config(path: str | Path) -> Any:
    """A new ``UniMMCore`` with the Micro-Manager hardware configuration ``path`` loaded.

    Raises
    ------
    CameraError
        pymmcore-plus is missing, the file does not exist, or Micro-Manager cannot load it
        (a bad line, a device adapter that is not installed, a device that fails to start).
    """
    unicore = _unicore_class()
    path = Path(path).expanduser()
    if not path.is_file():
        raise CameraError(f"{path}: no such Micro-Manager config file")
    with _quiet_pymmcore(), _plain_core_events():
        core = unicore()
        try:
            core.loadSystemConfiguration(str(path))
        except Exception as exc:  # MM raises RuntimeError, ValueError, ImportError, ...
            # Devices loaded before the bad line must be let go now: left to the interpreter's
            # exit, they aborted it ("FATAL: exception not rethrown", see release_core).
            release_core(core)
            hint = "" if adapters_installed() else f" ({ADAPTERS_HINT})"
            raise CameraError(
                f"{path}: Micro-Manager cannot load this config: {first_line(exc)}{hint}"
            ) from None
    return core


def release_core(core: Any) -> None:
    """Unload every device of ``core`` (a camera stays claimed until its core lets it go).

    The core's event callback is unregistered first: with it, unloading made the C++ core call
    back into Python later, and the interpreter aborted at exit about one run in two
    ("FATAL: exception not rethrown", pymmcore 12.5 / pymmcore-plus 0.18; see
    pymmcore-plus issue #570). The core sends no more events afterwards.
    """
    from pymmcore_plus import CMMCorePlus

    with contextlib.suppress(Exception):
        super(CMMCorePlus, core).registerCallback(None)
    with contextlib.suppress(Exception):
        core.unloadAllDevices()


def camera_devices(core: Any) -> list[str]:
    """Labels of the camera devices loaded in ``core``."""
    return [str(label) for label in core.getLoadedDevicesOfType(CAMERA_TYPE)]


@dataclass(frozen=True)
class DeviceProperty:
    """One Micro-Manager property of a device, as the property browser shows it."""

    name: str
    value: str
    read_only: bool
    allowed: tuple[str, ...]  #: the values it takes, if the device lists them (else empty)
    limits: tuple[float, float] | None  #: (low, high) if the device gives limits


def read_property_info(core: Any, device: str) -> list[DeviceProperty]:
    """Every property of ``device``: value, whether it can be set, allowed values, limits."""
    info = []
    for name in core.getDevicePropertyNames(device):
        name = str(name)
        try:
            value = str(core.getProperty(device, name))
            read_only = bool(core.isPropertyReadOnly(device, name))
            allowed = tuple(str(v) for v in core.getAllowedPropertyValues(device, name))
            limits = None
            if core.hasPropertyLimits(device, name):
                limits = (
                    float(core.getPropertyLowerLimit(device, name)),
                    float(core.getPropertyUpperLimit(device, name)),
                )
        except Exception:  # a property the device cannot report now: leave it out
            continue
        info.append(DeviceProperty(name, value, read_only, allowed, limits))
    return info


def read_property_values(core: Any, device: str) -> dict[str, str]:
    """Every property of ``device`` as text, as the device reports it now."""
    values: dict[str, str] = {}
    for name in core.getDevicePropertyNames(device):
        with contextlib.suppress(Exception):
            values[str(name)] = str(core.getProperty(device, name))
    return values


def read_device_identity(core: Any, device: str) -> dict[str, str]:
    """``library``, ``device_name`` and ``description`` of ``device`` (empty if unknown)."""
    info: dict[str, str] = {}
    with contextlib.suppress(Exception):
        info["library"] = str(core.getDeviceLibrary(device))
        info["device_name"] = str(core.getDeviceName(device))
        info["description"] = str(core.getDeviceDescription(device))
    return info
