"""The viewer's "Load these settings" and "Save settings as YAML" for the open recording."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PyQt5 import QtWidgets

from uutrack_gui.browse.notice import Level
from uutrack_gui.storage.export import session_yaml

if TYPE_CHECKING:
    from uutrack_gui.gui.viewer.window import ViewerWindow


class SessionActions:
    """Send the open recording's session to the main window, or save it as a YAML file."""

    def __init__(self, window: ViewerWindow) -> None:
        self._window = window

    def _session(self, verb: str) -> str:
        """The recording's session as YAML ("" with a warning if it has none)."""
        recording = self._window.recording
        if recording is None:
            return ""
        text = session_yaml(recording)
        if not text:
            self._window.show_message(
                f"This recording has no stored session to {verb}.", Level.WARNING
            )
        return text

    def request_load(self) -> None:
        """Emit the window's ``load_settings_requested`` with the session as YAML."""
        window = self._window
        text = self._session("load")
        if not text:
            return
        if window.receivers(window.load_settings_requested) == 0:
            window.show_message(
                "No main window to load the settings into: use Recording > Save settings as "
                "YAML, then load that file in the main window.",
                Level.WARNING,
            )
            return
        window.load_settings_requested.emit(text)
        window.statusBar().showMessage("Settings sent to the main window", 5000)

    def save(self, path: str | Path | None = None) -> bool:
        """Write the session as a YAML file (asks where if ``path`` is None)."""
        window = self._window
        text = self._session("save")
        if not text:
            return False
        if not path:
            suggested = str(window.path.with_suffix(".yaml")) if window.path else ""
            path, _ = QtWidgets.QFileDialog.getSaveFileName(
                window, "Save settings", suggested, "Session files (*.yaml *.yml)"
            )
            if not path:
                return False
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            window.show_message(f"Cannot write {path}: {exc.strerror or exc}", Level.ERROR)
            return False
        window.statusBar().showMessage(f"Settings saved to {path}", 5000)
        return True
