"""Camera backends by name, found through the ``uutrack_gui.cameras`` entry-point group.

A backend is a callable that takes the session's
:class:`~uutrack_gui.config.CameraSettings` and returns a :class:`~uutrack_gui.camera.Camera`.
Another package adds one with no change to this package, in its own ``pyproject.toml``::

    [project.entry-points."uutrack_gui.cameras"]
    mycam = "mypackage.camera:from_settings"

and a session then chooses it with ``Camera.backend: mycam`` (or ``uutrack record --camera
mycam``). The built-in ``simulated`` and ``micromanager`` backends are registered the same way
in this package's ``pyproject.toml``; they are also known without that metadata (a frozen app
may ship without it), so the program always has its own cameras.

A backend's module is imported only when that backend is asked for: listing the backends
imports nothing, and pymmcore-plus is imported only for a Micro-Manager camera.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING

from uutrack_gui.camera.base import Camera, CameraError

if TYPE_CHECKING:
    from uutrack_gui.config import CameraSettings

#: The entry-point group a camera plug-in registers its backend in.
ENTRY_POINT_GROUP = "uutrack_gui.cameras"

#: The built-in backends, as registered in pyproject.toml (used when the metadata is missing).
BUILTIN_BACKENDS = {
    "simulated": "uutrack_gui.camera.simulated:from_settings",
    "micromanager": "uutrack_gui.camera.micromanager:from_settings",
}

CameraFactory = Callable[["CameraSettings"], Camera]


@dataclass(frozen=True)
class Backend:
    """One camera backend: its name and where its factory lives.

    Attributes
    ----------
    name : str
        What ``Camera.backend`` and ``--camera`` call it.
    target : str
        ``module:attribute`` of the factory.
    provider : str
        The distribution that registered it (``uutrack_gui`` for the built-ins).
    """

    name: str
    target: str
    provider: str

    def load(self) -> CameraFactory:
        """Import the factory.

        Raises
        ------
        CameraError
            The module or attribute cannot be imported (one line, naming the backend).
        """
        module_name, _, attribute = self.target.partition(":")
        try:
            obj: object = importlib.import_module(module_name.strip())
            for part in filter(None, attribute.strip().split(".")):
                obj = getattr(obj, part)
        except Exception as exc:  # a broken plug-in must not take the program down
            raise CameraError(
                f"camera backend {self.name!r} ({self.target}) cannot be loaded: "
                f"{type(exc).__name__}: {_first_line(exc)}"
            ) from None
        if not callable(obj):
            raise CameraError(f"camera backend {self.name!r} ({self.target}) is not callable")
        return obj  # type: ignore[return-value]


def backends() -> dict[str, Backend]:
    """The installed backends by name: the entry points, then any built-in they lack."""
    found: dict[str, Backend] = {}
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in found:
            continue  # two distributions claim the name: the first one found wins
        provider = entry.dist.name if entry.dist is not None else "?"
        found[entry.name] = Backend(entry.name, entry.value, provider)
    for name, target in BUILTIN_BACKENDS.items():
        found.setdefault(name, Backend(name, target, "uutrack_gui"))
    return found


def backend_names() -> list[str]:
    """Names of the installed backends, the built-ins first."""
    names = list(backends())
    return [n for n in BUILTIN_BACKENDS if n in names] + sorted(
        n for n in names if n not in BUILTIN_BACKENDS
    )


def get_backend(name: str) -> Backend:
    """The backend called ``name``.

    Raises
    ------
    CameraError
        No installed backend has that name; the message lists those that are installed.
    """
    found = backends()
    if name not in found:
        raise CameraError(
            f"Camera.backend: no camera backend named {name!r} is installed "
            f"(installed: {', '.join(backend_names())})"
        )
    return found[name]


def create_camera(settings: CameraSettings) -> Camera:
    """The camera of ``settings.backend``, built by that backend from ``settings``.

    Raises
    ------
    CameraError
        Unknown backend, a backend that cannot be loaded or fails, a setting the camera
        refuses: always one line that says what to fix.
    """
    backend = get_backend(settings.backend)
    factory = backend.load()
    try:
        camera = factory(settings)
    except CameraError:
        raise
    except Exception as exc:  # a plug-in's own error type: still one line for the operator
        raise CameraError(
            f"camera backend {backend.name!r} failed: {type(exc).__name__}: {_first_line(exc)}"
        ) from None
    if not isinstance(camera, Camera):
        raise CameraError(
            f"camera backend {backend.name!r} returned {type(camera).__name__}, not a Camera"
        )
    return camera


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
