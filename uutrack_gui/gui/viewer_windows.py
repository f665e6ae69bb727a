"""The viewer windows a main window opened: kept while open, handed to Qt once closed."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from PyQt5 import QtWidgets, sip

from uutrack_gui.gui.recent import add_recent_file


def dispose(window: QtWidgets.QWidget) -> None:
    """Hand a closed window to Qt, which deletes it from the event loop.

    A window without a Qt parent belongs to its Python wrapper. Dropped, the wrapper lives on
    in reference cycles until Python's collector runs, and that deletes the C++ window
    wherever the collector happens to start: also inside a pyqtgraph method Qt is calling for
    that very window (a scene's queued update), which then reads freed items (a segfault).
    """
    with contextlib.suppress(RuntimeError):  # already deleted by Qt
        sip.transferto(window, None)
        window.deleteLater()


class ViewerWindows(list):
    """The open viewer windows (a list, oldest first).

    Parameters
    ----------
    load_settings : callable
        Connected to each viewer's ``load_settings_requested(str, str)`` (text, source).
    """

    def __init__(self, load_settings: Callable[[str, str], object]) -> None:
        super().__init__()
        self._load_settings = load_settings

    def open(self, path: str | Path | None = None) -> QtWidgets.QWidget:
        """Open ``path`` (or an empty viewer) in a new window; closed ones are disposed of."""
        from uutrack_gui.gui.viewer import ViewerWindow  # the viewer loads only when asked for

        for old in [v for v in self if not v.isVisible()]:
            self.remove(old)
            dispose(old)
        viewer = ViewerWindow(Path(path) if path is not None else None)
        viewer.load_settings_requested.connect(self._load_settings)
        self.append(viewer)
        viewer.show()
        if path is not None:
            add_recent_file(path)
        return viewer

    def close_all(self) -> None:
        """Close every viewer and hand it to Qt."""
        for viewer in self:
            with contextlib.suppress(RuntimeError):  # already deleted by Qt
                viewer.close()
            dispose(viewer)
        self.clear()
