"""The session in the main window: the settings dialog, session files, and settings from a
recording. Each turns an operator's choice into one controller call and says what happened."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PyQt5 import QtWidgets

from uutrack_gui.acquisition.controller import AcquisitionController, ControllerError
from uutrack_gui.acquisition.runner import RecordingRefused
from uutrack_gui.config import ConfigError, Session
from uutrack_gui.gui import session_memory
from uutrack_gui.gui.notifier import Notifier, sentence
from uutrack_gui.gui.settings_dialog import SettingsDialog
from uutrack_gui.storage.errors import StorageError

RECORDING_FILTER = "Recordings (*.h5 *.hdf5 *.hdf);;All files (*)"
SESSION_FILTER = "Session files (*.yaml *.yml);;All files (*)"


class _Host(Protocol):
    """What the manager needs from its window (tests replace the questions)."""

    config_path: Path | None

    def choose_file(
        self, title: str, file_filter: str, key: str, save: bool = False
    ) -> Path | None: ...

    def statusBar(self) -> QtWidgets.QStatusBar: ...  # noqa: N802 - Qt API


class SessionManager:
    """Loads, saves and applies sessions for a window.

    Parameters
    ----------
    window : QMainWindow
        Provides ``choose_file`` and ``config_path``; parent of the settings dialog.
    controller : AcquisitionController
        Puts sessions in force.
    notifier : Notifier
        Says what happened.
    on_config_path : callable
        Called after the session file in use changed (the window shows it in its title).
    on_reset : callable, optional
        Called after Reset to defaults, for what the window keeps outside the session (the
        contrast), so that the window looks as at a fresh start.
    """

    def __init__(
        self,
        window: _Host,
        controller: AcquisitionController,
        notifier: Notifier,
        on_config_path: Callable[[], None],
        on_reset: Callable[[], None] | None = None,
    ) -> None:
        self._window = window
        self._controller = controller
        self._notifier = notifier
        self._on_config_path = on_config_path
        self._on_reset = on_reset
        self.dialog: SettingsDialog | None = None

    def apply(self, session: Session) -> bool:
        """Put ``session`` in force; a refusal is shown, not raised. True if applied."""
        try:
            self._controller.apply_session(session)
        except (RecordingRefused, ControllerError) as exc:
            self._notifier.error(sentence(str(exc)))
            return False
        if self.dialog is not None:
            self.dialog.load(self._controller.session)
        return True

    def reset_to_defaults(self, ask: Callable[[str, str], bool]) -> bool:
        """Forget the remembered session and put the defaults in force, if ``ask`` says yes."""
        if not ask("Reset to defaults", "Replace every setting by its default?"):
            return False
        session_memory.forget()
        if not self.apply(Session()):
            return False
        if self._on_reset is not None:
            self._on_reset()
        self._notifier.notify("Settings reset to their defaults.")
        return True

    def set_roi(self, roi: tuple[int, int, int, int] | None) -> bool:
        """Restrict the camera to ``roi`` (x0, y0, width, height on the sensor), None = full."""
        session = self._controller.session
        session.camera.roi = roi
        if not self.apply(session):
            return False
        where = "full sensor" if roi is None else "{2} x {3} at ({0}, {1})".format(*roi)
        self._notifier.notify(f"Camera ROI: {where}")
        return True

    def apply_roi_selection(self, selected: tuple[int, int, int, int] | None) -> bool:
        """Restrict the camera to a rectangle selected on the frame on screen."""
        if selected is None:
            self._notifier.notify(
                "Draw an ROI first: Camera > Select ROI, then drag the rectangle.", "warning"
            )
            return False
        return self.set_roi(self._controller.sensor_roi(selected))

    def show_settings(self) -> SettingsDialog:
        """Open the settings dialog (non-modal; camera settings locked while recording)."""
        if self.dialog is None:
            self.dialog = SettingsDialog(self._controller.session, self.apply, self._window)
        dialog = self.dialog
        dialog.load(self._controller.session)
        dialog.set_camera_locked(
            "Camera settings cannot change while a recording runs."
            if self._controller.state.writing
            else ""
        )
        dialog.show()
        dialog.raise_()
        return dialog

    def load_file(self, path: str | Path) -> bool:
        """Load a session YAML file; a bad file is reported (naming the key), not raised."""
        try:
            session = Session.load(path)
        except ConfigError as exc:
            self._notifier.error(f"Session not loaded: {exc}")
            return False
        if not self.apply(session):
            return False
        self._window.config_path = Path(path)
        self._on_config_path()
        self._report_ignored(session)
        self._notifier.notify(f"Session loaded from {path}")
        return True

    def load_text(self, text: str, source: str = "recording metadata") -> bool:
        """Load a session from YAML text (a recording's metadata, from the viewer)."""
        try:
            session = self._controller.session_from_text(text, source)
        except ConfigError as exc:
            self._notifier.error(f"Session not loaded: {exc}")
            return False
        if not self.apply(session):
            return False
        self._report_ignored(session)
        self._notifier.notify(f"Session loaded from {source}")
        return True

    def load_from_recording(self, path: str | Path) -> bool:
        """Load the session stored with the last recording of ``path``."""
        try:
            session = self._controller.session_from_recording(path)
        except (StorageError, ConfigError) as exc:
            self._notifier.error(f"Session not loaded: {exc}")
            return False
        if not self.apply(session):
            return False
        self._report_ignored(session)
        self._notifier.notify(f"Session loaded from {Path(path).name}")
        return True

    def _report_ignored(self, session: Session) -> None:
        if session.ignored_keys:
            keys = ", ".join(session.ignored_keys[:8])
            more = "…" if len(session.ignored_keys) > 8 else ""
            self._window.statusBar().showMessage(f"Unused keys ignored: {keys}{more}", 10_000)

    # --- File menu --------------------------------------------------------------------------
    def load_dialog(self) -> bool:
        """File > Load session."""
        path = self._window.choose_file("Load session", SESSION_FILTER, "session")
        return self.load_file(path) if path else False

    def save_dialog(self) -> Path | None:
        """File > Save session as."""
        path = self._window.choose_file("Save session", SESSION_FILTER, "session", save=True)
        if path is None:
            return None
        if not path.suffix:
            path = path.with_suffix(".yaml")
        try:
            self._controller.session.save(path)
        except OSError as exc:
            self._notifier.error(f"Session not saved: {exc}")
            return None
        self._window.config_path = path
        self._on_config_path()
        self._notifier.notify(f"Session saved to {path}")
        return path

    def from_recording_dialog(self) -> bool:
        """File > Session from a recording."""
        path = self._window.choose_file("Session from a recording", RECORDING_FILTER, "open")
        return self.load_from_recording(path) if path else False
