"""The Camera menu's camera choice and the device property browser (issue 10).

Switching camera is a session change like any other: it goes through
:meth:`SessionManager.apply` to :meth:`AcquisitionController.apply_session`, so it is refused
while a recording is written, and a camera that cannot be opened leaves the current one in
place with a banner naming the problem. The simulated camera is always in the menu.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PyQt5 import QtCore, QtWidgets

from uutrack_gui.acquisition.controller import AcquisitionController
from uutrack_gui.camera import backend_names
from uutrack_gui.config import Session
from uutrack_gui.gui.camera_properties import CameraPropertiesWidget
from uutrack_gui.gui.notifier import Notifier
from uutrack_gui.gui.session_manager import SessionManager

MM_CONFIG_FILTER = "Micro-Manager configurations (*.cfg);;All files (*)"
MICROMANAGER = "micromanager"


class CameraManager:
    """Camera backends in a menu, a Micro-Manager config chooser, and the property browser.

    Parameters
    ----------
    window : QMainWindow
        Parent of the actions and the property dock; its ``choose_file`` picks the ``.cfg``.
    controller : AcquisitionController
    sessions : SessionManager
        Applies the session with the new camera.
    notifier : Notifier
        Shows what happened.
    choose_file : callable
        ``choose_file(title, filter, key)`` -> Path or None (the window's, so tests can answer).

    Attributes
    ----------
    properties : CameraPropertiesWidget
        The device properties of the camera in use.
    dock : QDockWidget
        The dock that holds them (View menu shows it again).
    backend_actions : dict of str to QAction
        One checkable action per installed backend.
    """

    def __init__(
        self,
        window: QtWidgets.QMainWindow,
        controller: AcquisitionController,
        sessions: SessionManager,
        notifier: Notifier,
        choose_file: Callable[[str, str, str], Path | None],
    ) -> None:
        self._controller = controller
        self._sessions = sessions
        self._notifier = notifier
        self._choose_file = choose_file
        # The runner is looked up at each edit: it is replaced when the camera changes.
        self.properties = CameraPropertiesWidget(
            apply=lambda change: controller.runner.reconfigure(change, "camera properties")
        )
        self.properties.error.connect(notifier.error)
        self.properties.property_changed.connect(self._property_changed)
        self.dock = QtWidgets.QDockWidget("Camera properties", window)
        self.dock.setObjectName("cameraPropertiesDock")
        self.dock.setWidget(self.properties)
        window.addDockWidget(QtCore.Qt.RightDockWidgetArea, self.dock)
        self.dock.hide()  # shown from the Camera menu; a simulated camera has no properties
        self._group = QtWidgets.QActionGroup(window)
        self.backend_actions: dict[str, QtWidgets.QAction] = {}
        for name in backend_names():
            action = QtWidgets.QAction(_backend_text(name), window)
            action.setObjectName(f"action_camera_{name}")
            action.setCheckable(True)
            action.triggered.connect(lambda _checked=False, n=name: self.choose_backend(n))
            self._group.addAction(action)
            self.backend_actions[name] = action
        self.config_action = QtWidgets.QAction("Micro-Manager &config…", window)
        self.config_action.setObjectName("action_camera_mm_config")
        self.config_action.setStatusTip("Use a camera from a Micro-Manager configuration file")
        self.config_action.triggered.connect(lambda _checked=False: self.choose_mm_config())
        self.properties_action = self.dock.toggleViewAction()
        self.properties_action.setText("Camera &properties")
        self.camera_changed(controller.session)

    def fill_menu(self, menu: QtWidgets.QMenu) -> None:
        """Add the camera choice to ``menu`` (the Camera menu)."""
        for action in self.backend_actions.values():
            menu.addAction(action)
        menu.addAction(self.config_action)
        menu.addAction(self.properties_action)

    # --- choosing ---------------------------------------------------------------------------
    def choose_backend(self, name: str) -> bool:
        """Switch to backend ``name``; Micro-Manager without a config asks for one first."""
        session = self._controller.session
        if name == MICROMANAGER and not session.camera.mm_config:
            return self.choose_mm_config()
        session.camera.backend = name
        return self._apply(session, _backend_text(name))

    def choose_mm_config(self, path: str | Path | None = None) -> bool:
        """Use the camera of a Micro-Manager ``.cfg`` (asked for when ``path`` is None)."""
        if path is None:
            path = self._choose_file("Micro-Manager configuration", MM_CONFIG_FILTER, "mmconfig")
            if path is None:
                self.camera_changed(self._controller.session)  # the check mark goes back
                return False
        session = self._controller.session
        session.camera.backend = MICROMANAGER
        session.camera.mm_config = str(path)
        session.camera.device = ""  # the config's own camera
        return self._apply(session, f"Micro-Manager camera from {Path(path).name}")

    def _apply(self, session: Session, what: str) -> bool:
        done = self._sessions.apply(session)
        if done:
            self._notifier.notify(f"Camera: {what} ({self._controller.camera.model})")
        self.camera_changed(self._controller.session)
        return done

    # --- following the session --------------------------------------------------------------
    def camera_changed(self, session: Session) -> None:
        """After every settings change: check the backend in use, show its properties."""
        action = self.backend_actions.get(session.camera.backend)
        if action is not None:
            action.setChecked(True)
        if self.properties.camera is not self._controller.camera:
            self.properties.set_camera(self._controller.camera)

    def set_recording(self, recording: bool) -> None:
        """No camera switch while a recording is written (the session refuses it anyway)."""
        for action in (*self.backend_actions.values(), self.config_action):
            action.setEnabled(not recording)

    def _property_changed(self, name: str, value: str) -> None:
        """Keep the session's exposure in step with the device's (it goes into the metadata)."""
        if name != "Exposure":
            return
        session = self._controller.session
        try:
            session.camera.exposure_time = float(value)
        except ValueError:
            return
        self._sessions.apply(session)


def _backend_text(name: str) -> str:
    return {"simulated": "&Simulated camera", MICROMANAGER: "&Micro-Manager camera"}.get(
        name, f"{name} camera"
    )
