"""The main window: live preview, Record/Stop, and a status the operator can trust.

Composition and Qt wiring only. The acquisition controller owns the session, the camera and the
recordings; this window turns clicks into calls on it and shows what its events and its
``status()`` say. Actions are declared once (:mod:`~uutrack_gui.gui.main_actions`), core events
arrive as Qt signals through the :class:`~uutrack_gui.gui.bridge.EventBridge`, the live view has
its own display timer, and small managers (sessions, notifier, close guard) do the rest.
Questions and file choices go through :meth:`MainWindow.ask` and :meth:`MainWindow.choose_file`,
so tests can answer without a modal dialog.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

from PyQt5 import QtCore, QtGui, QtWidgets

from uutrack_gui import __version__
from uutrack_gui.acquisition.controller import AcquisitionController, ControllerError
from uutrack_gui.acquisition.runner import AcquisitionRunner, RecordingRefused
from uutrack_gui.acquisition.status import RunState
from uutrack_gui.camera import Frame
from uutrack_gui.config import Session
from uutrack_gui.gui import dialogs, session_memory
from uutrack_gui.gui.actions import ActionRegistry
from uutrack_gui.gui.banner import MessageBanner
from uutrack_gui.gui.bridge import EventBridge
from uutrack_gui.gui.camera_manager import CameraManager
from uutrack_gui.gui.cheatsheet import CheatSheet
from uutrack_gui.gui.close_guard import CloseGuard
from uutrack_gui.gui.image_panel import ImagePanel
from uutrack_gui.gui.live_view import LiveView
from uutrack_gui.gui.main_actions import lay_out, main_window_actions
from uutrack_gui.gui.notifier import Level, Notifier, sentence
from uutrack_gui.gui.recent import add_recent_file, fill_recent_menu
from uutrack_gui.gui.recording_bar import RecordingBar
from uutrack_gui.gui.recording_flow import RecordingFlow
from uutrack_gui.gui.session_manager import RECORDING_FILTER, SessionManager
from uutrack_gui.gui.snaps import SnapFlow
from uutrack_gui.gui.status_panel import StatusPanel
from uutrack_gui.gui.viewer_windows import ViewerWindows
from uutrack_gui.storage import format as fmt
from uutrack_gui.storage.saver import SaverResult

#: Status refresh period: fast enough to look live, slow enough to cost nothing.
STATUS_INTERVAL_MS = 250


class MainWindow(QtWidgets.QMainWindow):
    """The acquisition window: live view, recording controls, status, settings.

    Parameters
    ----------
    session : Session, optional
        The session to start with; defaults to :class:`Session`.
    config_path : Path, optional
        The file the session came from (shown in the window title).
    parent : QWidget, optional
        Qt parent (normally none).

    Attributes
    ----------
    controller : AcquisitionController
        Session, camera and recordings.
    acts : ActionRegistry
        Every action by key (``live``, ``snap``, ``record``, ``stop``, ...).
    live_view : LiveView
        The live image and its display timer.
    status_panel : StatusPanel
        Rates, recording figures, disk and pre-record buffer.
    notifier : Notifier
        Status bar, banner and fault boxes; ``notifier.messages`` lists what was shown.
    sessions : SessionManager
        Settings dialog and session files.
    """

    def __init__(
        self,
        session: Session | None = None,
        config_path: Path | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self.config_path = config_path
        self._cheat_sheet: CheatSheet | None = None
        self._shut_down = False

        self.controller = AcquisitionController(session)
        self.bridge = EventBridge(self.controller.events, self)
        self.live_view = LiveView(lambda: self.controller.runner.newest)
        self.banner = MessageBanner()
        self.notifier = Notifier(self, self.banner)
        self.sessions = SessionManager(
            self, self.controller, self.notifier, self._update_title, self.panel.reset_contrast
        )
        self.viewers = ViewerWindows(self.sessions.load_text)
        # Looked up at each question, so that tests can answer in the window's place.
        self.close_guard = CloseGuard(self, self.controller, lambda *q: self.ask(*q))
        self._build_layout()
        c, n, choose = self.controller, self.notifier, lambda *a, **k: self.choose_file(*a, **k)
        viewer = lambda path: self.open_viewer(path)  # noqa: E731 - looked up when called
        self.recording = RecordingFlow(c, self.recording_bar, n, self.sessions.apply, viewer)
        self.snaps = SnapFlow(
            c, self.live_view, n, lambda *a: choose(*a[:3], save=True, suggested=a[3])
        )
        self.cameras = CameraManager(self, c, self.sessions, n, choose)
        self.acts = ActionRegistry(self, main_window_actions(self))
        self.recent_menu = QtWidgets.QMenu("Open &recent", self)
        self.recent_menu.aboutToShow.connect(
            lambda: fill_recent_menu(self.recent_menu, self.open_viewer)
        )
        self.toolbars = lay_out(self, (self.status_dock, self.cameras.dock))
        self._connect_events()
        dialogs.restore_geometry(self, "main", (1400, 900))

        self.live_view.set_refresh_ms(self.controller.session.gui.refresh_time)
        self.status_timer = QtCore.QTimer(self)
        self.status_timer.setInterval(STATUS_INTERVAL_MS)
        self.status_timer.timeout.connect(self.refresh_status)
        self.status_timer.start()
        self._on_state_changed(self.controller.state)
        self._on_settings_changed(self.controller.session)
        self.set_auto_levels_continuous(session_memory.remembered_auto_levels(False))
        self.recording.set_prebuffer_seconds(self.recording_bar.prebuffer_seconds.value())

    def _build_layout(self) -> None:
        central = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        self.recording_bar = RecordingBar()
        layout.addWidget(self.recording_bar)
        layout.addWidget(self.live_view, 1)
        self.setCentralWidget(central)
        self.status_panel = StatusPanel()
        self.status_dock = dialogs.scrolling_dock(self, "Status", "statusDock", self.status_panel)
        self.frame_label = QtWidgets.QLabel("")
        self.frame_label.setObjectName("frameLabel")
        self.state_label = QtWidgets.QLabel("")
        self.statusBar().addPermanentWidget(self.frame_label)
        self.statusBar().addPermanentWidget(self.state_label)

    def _connect_events(self) -> None:
        bridge = self.bridge
        bridge.state_changed.connect(self._on_state_changed)
        bridge.recording_started.connect(self._on_recording_started)
        bridge.recording_finished.connect(self._on_recording_finished)
        bridge.frames_dropped.connect(self.status_panel.set_dropped)
        bridge.error.connect(lambda message: self.notify(message, Level.ERROR, box=True))
        bridge.settings_changed.connect(self._on_settings_changed)
        bridge.prebuffer_changed.connect(lambda _on: self.acts.refresh())
        # Levels set by hand or a reset switch continuous auto levels off: the toggle follows.
        self.panel.auto_levels_continuous_changed.connect(lambda _on: self.acts.refresh())
        self.panel.saturation_check.toggled.connect(lambda _on: self.acts.refresh())

    # ==== what the window shows =============================================================
    @property
    def session(self) -> Session:
        """A copy of the session in force."""
        return self.controller.session

    @property
    def runner(self) -> AcquisitionRunner:
        """The controller's runner (replaced when the sensor changes)."""
        return self.controller.runner

    @property
    def panel(self) -> ImagePanel:
        """The live image panel."""
        return self.live_view.panel

    @property
    def last_result(self) -> SaverResult | None:
        """How the last recording ended."""
        return self.controller.last_result

    def notify(self, text: str, level: Level | str = Level.INFO, box: bool = False) -> None:
        """Tell the operator (see :class:`~uutrack_gui.gui.notifier.Notifier`)."""
        self.notifier.notify(text, level, box)

    def report(self, messages: Sequence[tuple[str, str]]) -> None:
        """Show messages collected before the window existed (e.g. a bad ``--config``)."""
        for level, text in messages:
            self.notify(text, level, box=level == Level.ERROR)

    def ask(self, title: str, question: str) -> bool:
        """Ask a yes/no question (modal); True for yes."""
        return dialogs.ask(self, title, question)

    def choose_file(
        self,
        title: str,
        file_filter: str,
        key: str,
        save: bool = False,
        suggested: Path | None = None,
    ) -> Path | None:
        """Let the operator pick a file (``suggested`` prefills a save dialog). None if cancelled.

        ``key`` names the remembered folder.
        """
        folder = dialogs.last_folder(key) or self.controller.session.saving.directory
        start = str(suggested) if suggested is not None else folder
        return dialogs.choose_file(self, title, file_filter, key, start, save)

    # ==== acquisition =========================================================================
    def set_live(self, on: bool = True) -> bool:
        """Start or stop the camera; stopping while recording asks, then finishes the file."""
        c = self.controller
        self.snaps.resume()  # Live shows live frames, also after a snap
        if on:
            try:
                c.start_live()
            except (RecordingRefused, ControllerError) as exc:
                self.notify(sentence(str(exc)), Level.ERROR)
        elif c.live and (
            c.state != RunState.RECORDING
            or self.ask(
                "Stop live view",
                "A recording is running. Stopping the live view stops the recording "
                "(the file is finished). Stop?",
            )
        ):
            c.stop_live()
        self.acts.refresh()
        return c.live == on

    def start_recording(self) -> bool:
        """Record as the recording bar says (name, length, time-lapse); refusals are shown."""
        self.banner.clear()
        self.snaps.resume()
        return self.recording.start()

    def stop_recording(self) -> None:
        """Stop recording: the saver writes what is left, the window stays responsive."""
        saver = self.controller.stop_recording()
        if saver is not None:
            self.notify(f"Stopping: writing the last {saver.frames_pending} frames…")

    def abort_recording(self) -> bool:
        """Ask, then stop now and discard the frames not written yet."""
        status = self.controller.status().recording
        if status is None or not self.ask(
            "Abort recording",
            f"Abort the recording and discard the {status.frames_pending} frames not written "
            "yet? The frames already written stay in the file.",
        ):
            return False
        self.controller.abort_recording()
        self.notify("Recording aborted: frames not yet written are discarded.", Level.WARNING)
        return True

    def set_prebuffer(self, on: bool) -> None:
        """Ctrl+B: keep the last seconds of frames for the next recording."""
        self.recording.set_prebuffer(on)

    def snap(self) -> Frame | None:
        """F5: one frame (the newest live one while live), kept on screen until live resumes."""
        frame = self.snaps.snap()
        self.acts.refresh()
        return frame

    def save_snap(self, path: Path | None = None) -> Path | None:
        """Ctrl+S: save the snap (16-bit TIFF by default) where the save dialog says."""
        return self.snaps.save(path)

    def set_auto_levels_continuous(self, on: bool) -> None:
        """Refit the levels on every displayed frame while ``on``."""
        self.panel.set_auto_levels_continuous(on)
        if on:
            self.panel.auto_levels_once()

    # ==== viewer and help ===================================================================
    def open_timelapse(self) -> QtWidgets.QWidget | None:
        """Ctrl+O: pick a recording and open it in a timelapse viewer window."""
        path = self.choose_file("Open a timelapse", RECORDING_FILTER, "open")
        return self.open_viewer(path) if path else None

    def open_viewer(self, path: str | Path | None = None) -> QtWidgets.QWidget | None:
        """Open ``path`` in a new viewer window (kept until the main window closes)."""
        return self.viewers.open(path)

    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if dialogs.dropped_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:  # noqa: N802 - Qt API
        for path in dialogs.dropped_paths(event):
            if path.suffix.lower() in (".yaml", ".yml"):
                self.sessions.load_file(path)
            else:
                self.open_viewer(path)
        event.acceptProposedAction()

    def show_cheat_sheet(self) -> CheatSheet:
        """F1: the keys, listed from the actions themselves."""
        if self._cheat_sheet is None:
            self._cheat_sheet = CheatSheet(self.acts.values(), self)
        self._cheat_sheet.show()
        self._cheat_sheet.raise_()
        return self._cheat_sheet

    def show_about(self) -> None:
        """Help > About (non-modal)."""
        dialogs.about(
            self,
            f"<b>uutrack_gui {__version__}</b><br>Live camera preview, loss-free HDF5 recording "
            "through a saver process, and a timelapse viewer.<br>Recordings go to "
            f"<code>{self.controller.session.folder_for()}</code>.",
        )

    # ==== core events (GUI thread) ==========================================================
    def _on_state_changed(self, state: RunState) -> None:
        self.cameras.set_recording(state.writing)
        self.status_panel.set_state(state)
        self.state_label.setText(state.value)
        self._update_title()
        self.acts.refresh()

    def _on_settings_changed(self, session: Session) -> None:
        self.live_view.set_refresh_ms(session.gui.refresh_time)
        self.status_panel.show_session(session, self.controller.camera.summary())
        self.panel.set_pixel_size(session.camera.pixel_size_um)  # the scale bar follows
        self.cameras.camera_changed(session)
        self.recording.settings_changed(session)
        self.refresh_status()

    def _update_title(self) -> None:
        title = f"uutrack_gui — {self.status_panel.state_label.text()}"
        if self.config_path is not None:
            title += f" — {self.config_path.name}"
        self.setWindowTitle(title)

    def _on_recording_started(self, path: str, group: str) -> None:
        self.statusBar().showMessage(f"Recording to {path} [{group}]")

    def _on_recording_finished(self, result: SaverResult) -> None:
        self.recording.finished(result)
        self.status_panel.show_result(result)
        if result.group:
            add_recent_file(result.path)
        if not result.error:
            dropped = f", {result.frames_dropped} dropped" if result.frames_dropped else ""
            warn = result.frames_dropped or result.end_reason == fmt.EndReason.ABORTED
            self.notify(
                f"Recording {result.end_reason}: {result.frames_written} frames{dropped} "
                f"in {result.path}",
                Level.WARNING if warn else Level.INFO,
            )
        self.acts.refresh()
        self.close_guard.recording_finished()

    def refresh_status(self) -> None:
        """Status timer: rates, the recording's figures, disk space, pre-record buffer."""
        status = self.controller.status()
        self.status_panel.show_status(status, self.live_view.display_rate.rate())
        if self.live_view.shown_counter is not None:
            self.frame_label.setText(f"frame {self.live_view.shown_counter}")
        self.close_guard.show_progress(status.recording)
        self.recording.show(status)

    # ==== closing ============================================================================
    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 - Qt API
        """Ask while recording; then let the saver finish (window responsive) and release all."""
        if self._shut_down or self.close_guard.may_close(event):
            self.shutdown()
            event.accept()

    def shutdown(self) -> None:
        """Stop the timers, close the viewers and dialogs, release the camera. Idempotent."""
        if self._shut_down:
            return
        self._shut_down = True
        self.live_view.stop()
        self.status_timer.stop()
        self.close_guard.close_dialog()
        self.viewers.close_all()
        for window in (self.sessions.dialog, self._cheat_sheet):
            if window is not None:
                with contextlib.suppress(RuntimeError):  # already deleted by Qt
                    window.close()
        dialogs.save_geometry(self, "main")
        QtCore.QSettings().setValue("folders/data", self.controller.session.saving.directory)
        session_memory.remember(self.controller.session, self.panel.auto_levels_continuous)
        try:
            self.controller.close()
        finally:
            self.bridge.detach()
