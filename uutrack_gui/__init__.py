"""uutrack_gui: live preview, loss-free HDF5 recording and a timelapse viewer.

The core (``camera``, ``acquisition``, ``storage``, ``config``) never imports Qt;
only :mod:`uutrack_gui.gui` does.

For analysis scripts: :func:`open_recording` (see :mod:`uutrack_gui.storage.api`).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "open_recording"]


def __getattr__(name: str) -> Any:
    # Lazy, so that ``import uutrack_gui`` (the CLI, the saver process) does not load h5py.
    if name == "open_recording":
        from uutrack_gui.storage.api import open_recording

        return open_recording
    raise AttributeError(f"module 'uutrack_gui' has no attribute {name!r}")
