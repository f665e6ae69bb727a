"""The main window: live preview, Record/Stop, and a status the operator can trust.

Thin by design. The window owns no queue, no saver and no maths:

- clicks and keys become calls on :class:`~uutrack_gui.acquisition.runner.AcquisitionRunner`;
- core events (emitted on worker threads) arrive as Qt signals through
  :class:`~uutrack_gui.gui.bridge.RunnerBridge`, so slots run on the GUI thread;
- a display timer (the session's ``GUI.refresh_time``, at most 60 Hz) shows the newest frame
  from ``runner.newest`` when it changed, so a slow screen skips frames but the file never does;
- a 4 Hz status timer reads ``runner.recording_status()`` and the rate meters into the
  :class:`~uutrack_gui.gui.status_panel.StatusPanel`.

Everything that asks the operator a question or picks a file goes through :meth:`MainWindow.ask`
and :meth:`MainWindow.choose_file`, so tests can answer without a modal dialog. Errors are
shown in an inline banner and the status bar (and, for faults, in a non-modal message box):
never in a dialog that blocks the event loop while frames are being recorded.
"""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PyQt5 import QtCore, QtGui, QtWidgets

from uutrack_gui import __version__
from uutrack_gui.acquisition.rates import RateMeter
from uutrack_gui.acquisition.runner import AcquisitionRunner, RecordingRefused, RunState
from uutrack_gui.camera import CameraError, Frame, Roi, make_camera
from uutrack_gui.config import CameraSettings, ConfigError, Session
from uutrack_gui.gui.banner import MessageBanner
from uutrack_gui.gui.bridge import RunnerBridge
from uutrack_gui.gui.cheatsheet import CheatSheet
from uutrack_gui.gui.icons import icon_or_blank
from uutrack_gui.gui.image_panel import ImagePanel
from uutrack_gui.gui.recent import add_recent_file, recent_files
from uutrack_gui.gui.settings_dialog import SettingsDialog
from uutrack_gui.gui.status_panel import StatusPanel
from uutrack_gui.storage import format as fmt
from uutrack_gui.storage.errors import StorageError
from uutrack_gui.storage.preflight import check_target, free_bytes
from uutrack_gui.storage.reader import RecordingFile, parse_metadata
from uutrack_gui.storage.saver import SaverResult
from uutrack_gui.storage.writer import Hdf5Writer

_MIB = 1024 * 1024
#: Status refresh period: fast enough to look live, slow enough to cost nothing.
STATUS_INTERVAL_MS = 250
#: Free space is looked up this often when no recording runs (the core does it while recording).
_IDLE_DISK_CHECK_S = 2.0
#: A snap needs little room, but a nearly full disk should still refuse it.
_SNAP_MIN_FREE = 16 * _MIB

RECORDING_FILTER = "Recordings (*.h5 *.hdf5 *.hdf);;All files (*)"
SESSION_FILTER = "Session files (*.yaml *.yml);;All files (*)"


def _badged_icon(name: str, badge: str, color: str) -> QtGui.QIcon:
    """A shipped icon with a small round badge (for variants such as "apply ROI")."""
    base = icon_or_blank(name)
    result = QtGui.QIcon()
    for size in (16, 24, 32, 48):
        pixmap = base.pixmap(size, size) if not base.isNull() else QtGui.QPixmap(size, size)
        if base.isNull():
            pixmap.fill(QtCore.Qt.transparent)
        painter = QtGui.QPainter(pixmap)
        painter.setRenderHint(QtGui.QPainter.Antialiasing)
        r = size * 0.5
        rect = QtCore.QRectF(size - r, size - r, r, r)
        painter.setPen(QtCore.Qt.NoPen)
        painter.setBrush(QtGui.QColor(color))
        painter.drawEllipse(rect)
        font = painter.font()
        font.setPixelSize(max(6, int(r * 0.8)))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QtGui.QColor("white"))
        painter.drawText(rect, QtCore.Qt.AlignCenter, badge)
        painter.end()
        result.addPixmap(pixmap)
    return result


class MainWindow(QtWidgets.QMainWindow):
    """The acquisition window: live view, recording controls, status, settings.

    Parameters
    ----------
    session : Session, optional
        The session (user, camera, saving, display settings); defaults to :class:`Session`.
        The window keeps its own copy; :attr:`session` returns a copy of it.
    config_path : Path, optional
        The file the session came from (shown in the window title).
    parent : QWidget, optional
        Qt parent (normally none).

    Attributes
    ----------
    runner : AcquisitionRunner
        The acquisition core; replaced when the sensor size changes.
    panel : ImagePanel
        The live image.
    status_panel : StatusPanel
        Rates, recording figures, disk and pre-record buffer.
    acts : dict of str to QAction
        Every action by name (``live``, ``snap``, ``record``, ``stop``, ...).
    messages : list of (str, str)
        Every ``(level, text)`` shown to the operator, oldest first.
    """

    def __init__(
        self,
        session: Session | None = None,
        config_path: Path | None = None,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self._session = copy.deepcopy(session) if session is not None else Session()
        self.config_path = config_path
        self.messages: list[tuple[str, str]] = []
        self.viewers: list[QtWidgets.QWidget] = []
        self.display_rate = RateMeter()
        self.last_snap: Frame | None = None
        self.last_result: SaverResult | None = None
        self._display_serial = -1
        self._shown_counter: int | None = None
        self._closing = False  # waiting for the saver before closing
        self._shut_down = False
        self._finish_dialog: QtWidgets.QProgressDialog | None = None
        self._settings_dialog: SettingsDialog | None = None
        self._cheat_sheet: CheatSheet | None = None
        self._idle_disk: tuple[float, int | None] = (-1e9, None)

        self.setWindowTitle("uutrack_gui")
        self.setAcceptDrops(True)
        self.runner = AcquisitionRunner(
            make_camera(self._session.camera), self._session.saving.max_memory
        )
        self.bridge = self._connect_runner(self.runner)

        self._build_widgets()
        self._build_actions()
        self._build_menus_and_toolbars()
        self._restore_layout()

        self.display_timer = QtCore.QTimer(self)
        self.display_timer.setTimerType(QtCore.Qt.PreciseTimer)
        self.display_timer.setInterval(self._session.gui.refresh_time)
        self.display_timer.timeout.connect(self.refresh_display)
        self.display_timer.start()
        self.status_timer = QtCore.QTimer(self)
        self.status_timer.setInterval(STATUS_INTERVAL_MS)
        self.status_timer.timeout.connect(self.refresh_status)
        self.status_timer.start()
        self._on_state_changed(self.runner.state)
        self._show_session()
        self.refresh_status()

    @property
    def session(self) -> Session:
        """A copy of the session in force (change it with :meth:`apply_session`)."""
        return copy.deepcopy(self._session)

    # ==== construction =========================================================================
    def _connect_runner(self, runner: AcquisitionRunner) -> RunnerBridge:
        bridge = RunnerBridge(runner, self)
        bridge.state_changed.connect(self._on_state_changed)
        bridge.recording_started.connect(self._on_recording_started)
        bridge.recording_finished.connect(self._on_recording_finished)
        bridge.frames_dropped.connect(self._on_frames_dropped)
        bridge.error.connect(self._on_error)
        return bridge

    def _build_widgets(self) -> None:
        self.panel = ImagePanel()
        self.banner = MessageBanner()
        central = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addWidget(self.panel, 1)
        self.setCentralWidget(central)

        self.status_panel = StatusPanel()
        scroll = QtWidgets.QScrollArea()
        scroll.setWidget(self.status_panel)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarAlwaysOff)
        self.status_dock = QtWidgets.QDockWidget("Status", self)
        self.status_dock.setObjectName("statusDock")
        self.status_dock.setWidget(scroll)
        self.status_dock.setMinimumWidth(300)
        self.addDockWidget(QtCore.Qt.RightDockWidgetArea, self.status_dock)

        bar = self.statusBar()
        self.frame_label = QtWidgets.QLabel("")
        self.frame_label.setObjectName("frameLabel")
        self.state_label = QtWidgets.QLabel("")
        bar.addPermanentWidget(self.frame_label)
        bar.addPermanentWidget(self.state_label)

    def _add_action(
        self,
        name: str,
        text: str,
        icon: QtGui.QIcon,
        slot: Callable[..., object],
        shortcut: str | None = None,
        tip: str = "",
        checkable: bool = False,
    ) -> QtWidgets.QAction:
        action = QtWidgets.QAction(icon, text, self)
        action.setObjectName(f"action_{name}")
        if shortcut:
            action.setShortcut(QtGui.QKeySequence(shortcut))
            # Shortcuts work in the whole window, also while a dock has the focus.
            action.setShortcutContext(QtCore.Qt.WindowShortcut)
        tip = tip or text.replace("&", "").rstrip("…")
        action.setStatusTip(tip)
        key = f" ({action.shortcut().toString(QtGui.QKeySequence.NativeText)})" if shortcut else ""
        action.setToolTip(f"{tip}{key}")
        action.setCheckable(checkable)
        # triggered, not toggled: programmatic setChecked() (state sync) must not call the slot.
        action.triggered.connect(lambda checked=False, s=slot: s(checked) if checkable else s())
        self.acts[name] = action
        return action

    def _build_actions(self) -> None:
        self.acts: dict[str, QtWidgets.QAction] = {}
        a = self._add_action
        # File
        a(
            "open",
            "&Open timelapse…",
            icon_or_blank("open"),
            self.open_timelapse,
            "Ctrl+O",
            "Open a recording in the timelapse viewer",
        )
        a(
            "save_snap",
            "&Save snap",
            icon_or_blank("save"),
            self.save_snap,
            "Ctrl+S",
            "Save the snapped frame to the data folder (snaps one first if needed)",
        )
        a(
            "load_session",
            "&Load session…",
            _badged_icon("settings", "↓", "#1a4f8a"),
            self.load_session_dialog,
            tip="Load user, camera and saving settings from a YAML file",
        )
        a(
            "save_session",
            "Save session &as…",
            _badged_icon("settings", "↑", "#1a4f8a"),
            self.save_session_dialog,
            tip="Save the session (user, camera, saving) to a YAML file",
        )
        a(
            "session_from_recording",
            "Session from a &recording…",
            _badged_icon("viewer", "↓", "#1a4f8a"),
            self.session_from_recording_dialog,
            tip="Load the settings stored in a recording's metadata",
        )
        a(
            "quit",
            "&Quit",
            icon_or_blank("quit"),
            self.close,
            "Ctrl+Q",
            "Quit (finishes a recording first)",
        )
        # Acquisition
        a(
            "live",
            "&Live",
            icon_or_blank("live"),
            self.set_live,
            "F6",
            "Start or stop the live view",
            checkable=True,
        )
        a(
            "snap",
            "S&nap",
            icon_or_blank("snap"),
            self.snap,
            "F5",
            "Take one frame (the newest live frame while live)",
        )
        a(
            "record",
            "&Record",
            icon_or_blank("record"),
            self.start_recording,
            "Ctrl+M",
            "Start recording every frame to the data folder",
        )
        a(
            "stop",
            "S&top recording",
            icon_or_blank("stop"),
            self.stop_recording,
            "Ctrl+N",
            "Stop recording; the frames still in memory are written first",
        )
        a(
            "abort",
            "A&bort recording…",
            icon_or_blank("abort"),
            self.abort_recording,
            tip="Stop now and discard the frames not written yet",
        )
        a(
            "buffer",
            "Pre-record &buffer",
            icon_or_blank("buffer"),
            self.set_prebuffer,
            "Ctrl+B",
            "Keep the last frames so a recording can start before the click",
            checkable=True,
        )
        a(
            "buffer_clear",
            "&Clear pre-record buffer",
            icon_or_blank("buffer-clear"),
            self.clear_prebuffer,
            "Ctrl+F",
            "Drop the frames held by the pre-record buffer",
        )
        # View
        a(
            "autolevels",
            "&Auto levels",
            icon_or_blank("autolevels"),
            self.panel.auto_levels_once,
            tip="Fit the levels to the current frame, once",
        )
        a(
            "auto_continuous",
            "Auto levels (&continuous)",
            _badged_icon("autolevels", "∞", "#2e8b57"),
            self.set_auto_levels_continuous,
            tip="Refit the levels on every frame",
            checkable=True,
        )
        a(
            "crosshair",
            "C&rosshair",
            icon_or_blank("crosshair"),
            self.panel.set_crosshair_visible,
            tip="A crosshair that follows the cursor",
            checkable=True,
        )
        a(
            "profile",
            "Line &profile",
            icon_or_blank("profile"),
            self.panel.set_profile_visible,
            tip="Values along a line you drag on the image",
            checkable=True,
        )
        # Camera
        a(
            "roi_select",
            "Select &ROI",
            icon_or_blank("roi"),
            self.set_roi_selector,
            tip="Show a rectangle to choose a region of interest",
            checkable=True,
        )
        a(
            "roi_apply",
            "&Apply ROI to camera",
            _badged_icon("roi", "✓", "#2e8b57"),
            self.apply_roi_selection,
            tip="Restrict the camera to the rectangle (not while recording)",
        )
        a(
            "roi_full",
            "&Full sensor",
            _badged_icon("roi", "✕", "#9b1c12"),
            self.full_sensor,
            tip="Use the whole sensor again (not while recording)",
        )
        a(
            "settings",
            "&Settings…",
            icon_or_blank("settings"),
            self.show_settings,
            tip="Camera, saving, user and display settings",
        )
        # Help
        a(
            "keys",
            "&Keyboard shortcuts",
            icon_or_blank("help"),
            self.show_cheat_sheet,
            "F1",
            "List the keyboard shortcuts",
        )
        a("about", "&About", icon_or_blank("info"), self.show_about, tip="About uutrack_gui")

    def _build_menus_and_toolbars(self) -> None:
        acts = self.acts
        menus = {
            "&File": [
                "open",
                "recent",
                None,
                "save_snap",
                None,
                "load_session",
                "save_session",
                "session_from_recording",
                None,
                "quit",
            ],
            "&Acquisition": [
                "live",
                "snap",
                None,
                "record",
                "stop",
                "abort",
                None,
                "buffer",
                "buffer_clear",
            ],
            "&View": ["autolevels", "auto_continuous", None, "crosshair", "profile"],
            "&Camera": ["roi_select", "roi_apply", "roi_full", None, "settings"],
            "&Help": ["keys", "about"],
        }
        bar = self.menuBar()
        for title, names in menus.items():
            menu = bar.addMenu(title)
            for name in names:
                if name is None:
                    menu.addSeparator()
                elif name == "recent":
                    self.recent_menu = menu.addMenu(icon_or_blank("open"), "Open &recent")
                    self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
                else:
                    menu.addAction(acts[name])
        toolbars = {
            "Acquisition": [
                "live",
                "snap",
                "save_snap",
                None,
                "record",
                "stop",
                "abort",
                None,
                "buffer",
                "buffer_clear",
            ],
            "View": [
                "autolevels",
                "auto_continuous",
                "crosshair",
                "profile",
                None,
                "roi_select",
                "roi_apply",
                "roi_full",
            ],
            "File": [
                "open",
                "load_session",
                "save_session",
                "session_from_recording",
                "settings",
                None,
                "keys",
                "about",
                "quit",
            ],
        }
        for title, names in toolbars.items():
            toolbar = self.addToolBar(title)
            toolbar.setObjectName(f"toolbar{title}")
            toolbar.setIconSize(QtCore.QSize(24, 24))
            for name in names:
                if name is None:
                    toolbar.addSeparator()
                else:
                    toolbar.addAction(acts[name])
        # The main actions carry their words too: an operator must find Record at a glance.
        acquisition = self.findChild(QtWidgets.QToolBar, "toolbarAcquisition")
        for name in ("live", "record", "stop"):
            button = acquisition.widgetForAction(acts[name])
            if isinstance(button, QtWidgets.QToolButton):
                button.setToolButtonStyle(QtCore.Qt.ToolButtonTextBesideIcon)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = recent_files()
        if not files:
            self.recent_menu.addAction("(none)").setEnabled(False)
        for path in files:
            action = self.recent_menu.addAction(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_viewer(p))

    # ==== persistence ========================================================================
    def _restore_layout(self) -> None:
        settings = QtCore.QSettings()
        geometry = settings.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        state = settings.value("main/state")
        if state is not None:
            self.restoreState(state)

    def _save_layout(self) -> None:
        settings = QtCore.QSettings()
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/state", self.saveState())
        settings.setValue("folders/data", self._session.saving.directory)

    @staticmethod
    def _last_folder(key: str) -> str:
        return str(QtCore.QSettings().value(f"folders/{key}", "") or "")

    @staticmethod
    def _remember_folder(key: str, path: Path) -> None:
        QtCore.QSettings().setValue(f"folders/{key}", str(Path(path).parent))

    # ==== operator dialogs (tests replace these) ===========================================
    def ask(self, title: str, question: str) -> bool:
        """Ask a yes/no question (modal); True for yes."""
        answer = QtWidgets.QMessageBox.question(
            self,
            title,
            question,
            QtWidgets.QMessageBox.Yes | QtWidgets.QMessageBox.No,
            QtWidgets.QMessageBox.No,
        )
        return answer == QtWidgets.QMessageBox.Yes

    def choose_file(
        self, title: str, file_filter: str, key: str, save: bool = False
    ) -> Path | None:
        """Let the operator pick a file; ``key`` names the remembered folder. None if cancelled."""
        folder = self._last_folder(key) or self._session.saving.directory
        if save:
            name, _ = QtWidgets.QFileDialog.getSaveFileName(self, title, folder, file_filter)
        else:
            name, _ = QtWidgets.QFileDialog.getOpenFileName(self, title, folder, file_filter)
        if not name:
            return None
        self._remember_folder(key, Path(name))
        return Path(name)

    def notify(self, text: str, level: str = "info", box: bool = False) -> None:
        """Tell the operator: status bar always, banner for warnings and errors.

        Parameters
        ----------
        text : str
            The message, one or two sentences.
        level : str
            "info", "warning" or "error".
        box : bool
            Also show a non-modal message box (for faults that must not go unseen).
        """
        self.messages.append((level, text))
        self.statusBar().showMessage(text, 0 if level == "error" else 10_000)
        if level in ("warning", "error"):
            self.banner.show_message(text, level)
        if box:
            icon = (
                QtWidgets.QMessageBox.Critical
                if level == "error"
                else QtWidgets.QMessageBox.Warning
            )
            message = QtWidgets.QMessageBox(
                icon, "uutrack_gui", text, QtWidgets.QMessageBox.Ok, self
            )
            message.setObjectName("faultMessage")
            message.setModal(False)  # never block the event loop while frames flow
            message.setAttribute(QtCore.Qt.WA_DeleteOnClose)
            message.show()

    # ==== live view =========================================================================
    def set_live(self, on: bool = True) -> bool:
        """Start or stop the camera; stopping while recording asks, then finishes the file."""
        runner = self.runner
        if on:
            try:
                runner.start_live()
            except CameraError as exc:
                self.notify(f"The camera did not start: {exc}", "error")
        elif runner.live:
            if runner.recording and not self.ask(
                "Stop live view",
                "A recording is running. Stopping the live view stops the recording "
                "(the file is finished). Stop?",
            ):
                self._sync_actions()
                return False
            runner.stop_live()
        self._sync_actions()
        return runner.live == on

    def refresh_display(self) -> None:
        """Display timer: show the newest frame if it is new (frames in between are skipped)."""
        frame, serial = self.runner.newest.get()
        if frame is None or serial == self._display_serial:
            return
        self._display_serial = serial
        self.panel.set_frame(frame.data)
        self.display_rate.tick()
        self._shown_counter = frame.counter

    def set_auto_levels_continuous(self, on: bool) -> None:
        """Refit the levels on every displayed frame while ``on``."""
        self.panel.set_auto_levels_continuous(on)
        if on:
            self.panel.auto_levels_once()

    # ==== recording ===========================================================================
    def start_recording(self) -> bool:
        """Start recording to the session's file; a refusal is shown, not raised."""
        path = self._session.video_path()
        try:
            self.runner.start_recording(path, self._session.to_yaml(), create_folder=True)
        except RecordingRefused as exc:
            self.notify(f"Recording refused: {exc}", "error")
            return False
        except (CameraError, StorageError, OSError) as exc:
            self.notify(f"Recording could not start: {exc}", "error")
            return False
        self.banner.clear()
        self.notify(f"Recording to {path}")
        self._sync_actions()
        return True

    def stop_recording(self) -> None:
        """Stop recording: the saver writes what is left, the window stays responsive."""
        saver = self.runner.stop_recording()
        if saver is not None:
            self.notify(f"Stopping: writing the last {saver.frames_pending} frames…")
        self._sync_actions()

    def abort_recording(self) -> bool:
        """Ask, then stop now and discard the frames not written yet."""
        status = self.runner.recording_status()
        if status is None:
            return False
        if not self.ask(
            "Abort recording",
            f"Abort the recording and discard the {status.frames_pending} frames not written "
            "yet? The frames already written stay in the file.",
        ):
            return False
        self.runner.abort_recording()
        self.notify("Recording aborted: frames not yet written are discarded.", "warning")
        self._sync_actions()
        return True

    def set_prebuffer(self, on: bool) -> None:
        """Ctrl+B: keep the last frames (up to half of ``max_memory``) for the next recording."""
        prebuffer = self.runner.prebuffer
        prebuffer.enabled = bool(on)
        if on:
            if not self.runner.live:
                self.set_live(True)  # the buffer fills from the live frames
            self.notify(
                f"Pre-record buffer on: the last {prebuffer.capacity_bytes / _MIB:.0f} MB of "
                "frames are kept and a recording will start with them."
            )
        else:
            # Held frames must not leak into a much later recording.
            prebuffer.clear()
            self.notify("Pre-record buffer off.")
        self._sync_actions()

    def clear_prebuffer(self) -> None:
        """Ctrl+F: drop the frames held by the pre-record buffer."""
        self.runner.prebuffer.clear()
        self.notify("Pre-record buffer cleared.")

    # ==== snap ===============================================================================
    def snap(self) -> Frame | None:
        """F5: one frame. While live it is the newest live frame (nothing is refused)."""
        try:
            frame = self.runner.snap()
        except CameraError as exc:
            self.notify(f"Snap failed: {exc}", "error")
            return None
        self.last_snap = frame
        if not self.runner.live:
            self.refresh_display()
        self.notify(f"Snapped frame {frame.counter}; Ctrl+S saves it.")
        return frame

    def save_snap(self) -> Path | None:
        """Ctrl+S: write the snapped frame (snap one first if none) to the session's photo path."""
        frame = self.last_snap or self.snap()
        if frame is None:
            return None
        path = self._session.photo_path()
        try:
            check_target(path, create_folder=True, min_free=_SNAP_MIN_FREE)
            writer = Hdf5Writer()
            writer.setup(
                path,
                frame.data.shape,
                frame.data.dtype,
                self._session.to_yaml(),
                camera=self.runner.camera.model,
            )
            try:
                writer.append(frame.data, frame.counter, frame.timestamp)
            finally:
                writer.close(fmt.END_STOPPED)
        except (StorageError, OSError) as exc:
            self.notify(f"The snap was not saved: {exc}", "error")
            return None
        self.notify(f"Snap saved to {path}")
        return path

    # ==== core events (GUI thread) ==========================================================
    def _on_state_changed(self, state: RunState) -> None:
        self.status_panel.set_state(state)
        self.state_label.setText(state.value)
        self._update_title()
        self._sync_actions()

    def _update_title(self) -> None:
        title = f"uutrack_gui — {self.status_panel.state_label.text()}"
        if self.config_path is not None:
            title += f" — {self.config_path.name}"
        self.setWindowTitle(title)

    def _on_recording_started(self, path: str, group: str) -> None:
        self.statusBar().showMessage(f"Recording to {path} [{group}]")

    def _on_frames_dropped(self, total: int) -> None:
        self.status_panel.set_dropped(total)

    def _on_error(self, message: str) -> None:
        self.notify(message, "error", box=True)

    def _on_recording_finished(self, result: SaverResult) -> None:
        self.last_result = result
        self.status_panel.show_result(result)
        if result.group:
            add_recent_file(result.path)
        if not result.error:
            dropped = f", {result.frames_dropped} dropped" if result.frames_dropped else ""
            self.notify(
                f"Recording {result.end_reason}: {result.frames_written} frames{dropped} "
                f"in {result.path}",
                "warning"
                if result.frames_dropped or result.end_reason == fmt.END_ABORTED
                else "info",
            )
        self._sync_actions()
        self._continue_closing()

    def _sync_actions(self) -> None:
        runner = self.runner
        state = runner.state
        acts = self.acts
        acts["live"].setChecked(runner.live)
        acts["record"].setEnabled(state != RunState.RECORDING)
        acts["stop"].setEnabled(state == RunState.RECORDING)
        acts["abort"].setEnabled(state in (RunState.RECORDING, RunState.FINISHING))
        acts["buffer"].setChecked(runner.prebuffer.enabled)

    # ==== status =============================================================================
    def refresh_status(self) -> None:
        """Status timer: rates, the recording's figures, disk space, pre-record buffer."""
        runner = self.runner
        status = runner.recording_status()
        camera_fps = runner.camera_rate.rate() if runner.live else None
        self.status_panel.set_rates(
            camera_fps, self.display_rate.rate(), status.saved_fps if status else None
        )
        folder = self._session.folder_for()
        self.status_panel.set_path("folder", str(folder))
        if status is not None:
            self.status_panel.show_recording(status)
        else:
            now = time.monotonic()
            checked, free = self._idle_disk
            if now - checked > _IDLE_DISK_CHECK_S:
                try:
                    free = free_bytes(folder)
                except OSError:
                    free = None
                self._idle_disk = (now, free)
            rows, cols = runner.camera.frame_shape
            data_rate = (
                (camera_fps or runner.camera.fps) * rows * cols * runner.camera.dtype.itemsize
            )
            left = free / data_rate if free is not None and data_rate > 0 else None
            self.status_panel.show_disk(free, left)
        prebuffer = runner.prebuffer
        self.status_panel.show_prebuffer(
            prebuffer.enabled,
            len(prebuffer),
            prebuffer.seconds,
            prebuffer.nbytes,
            prebuffer.capacity_bytes,
            recording=runner.recording,
        )
        if self._shown_counter is not None:
            self.frame_label.setText(f"frame {self._shown_counter}")
        # Setting levels by hand switches continuous auto levels off: keep the toggle truthful.
        self.acts["auto_continuous"].setChecked(self.panel.auto_levels_continuous)
        self._update_finish_dialog(status)
        self._continue_closing()

    # ==== camera settings ===================================================================
    def set_roi_selector(self, on: bool) -> None:
        """Show the ROI rectangle on the image (apply it with "Apply ROI to camera")."""
        self.panel.set_roi_selector_visible(on)

    def apply_roi_selection(self) -> bool:
        """Restrict the camera to the ROI rectangle; refused while recording."""
        selected = self.panel.selected_roi()
        if selected is None:
            self.notify(
                "Draw an ROI first: Camera > Select ROI, then drag the rectangle.", "warning"
            )
            return False
        offset = self.runner.camera.roi  # the frame on screen is already cut to this ROI
        x0, y0, width, height = selected
        if self.set_camera_roi((offset.x0 + x0, offset.y0 + y0, width, height)):
            self.acts["roi_select"].setChecked(False)
            self.panel.set_roi_selector_visible(False)
            return True
        return False

    def full_sensor(self) -> bool:
        """Use the whole sensor again; refused while recording."""
        return self.set_camera_roi(None)

    def set_camera_roi(self, roi: tuple[int, int, int, int] | None) -> bool:
        """Restrict the camera to ``roi`` (x0, y0, width, height on the sensor), None = full."""
        session = copy.deepcopy(self._session)
        session.camera.roi = roi
        if not self.apply_session(session):
            return False
        self.notify(
            "Camera ROI: "
            + ("full sensor" if roi is None else "{2} x {3} at ({0}, {1})".format(*roi))
        )
        return True

    def apply_session(self, session: Session) -> bool:
        """Put ``session`` in force; camera changes are refused while a recording runs.

        Returns
        -------
        bool
            True if applied; False if refused (the reason is shown).
        """
        if session.camera != self._session.camera and not self._apply_camera(session.camera):
            return False
        memory = session.saving.max_memory
        if memory != self.runner.max_memory_mb:
            # Takes effect with the next recording; a running one keeps its buffer.
            self.runner.max_memory_mb = memory
            self.runner.prebuffer.capacity_bytes = int(memory * _MIB / 2)
        self.display_timer.setInterval(session.gui.refresh_time)
        self._session = copy.deepcopy(session)
        self._show_session()
        if self._settings_dialog is not None:
            self._settings_dialog.load(self._session)
        self.refresh_status()
        return True

    def _show_session(self) -> None:
        cam, user = self._session.camera, self._session.user
        rate = f"{cam.fps:g} fps" if cam.fps > 0 else "free-running"
        roi = "full sensor" if cam.roi is None else "ROI {2} × {3} at ({0}, {1})".format(*cam.roi)
        who = " — ".join(part for part in (user.name, user.measurement) if part)
        self.status_panel.show_session(
            f"{cam.width} × {cam.height}, {rate}, {cam.exposure_time:g} ms, {roi}", who
        )

    def _apply_camera(self, settings: CameraSettings) -> bool:
        runner = self.runner
        current = self._session.camera
        same_sensor = (settings.width, settings.height, settings.particles, settings.seed) == (
            current.width,
            current.height,
            current.particles,
            current.seed,
        )
        if runner.state in (RunState.RECORDING, RunState.FINISHING):
            what = "the ROI" if same_sensor and settings.roi != current.roi else "camera settings"
            self.notify(
                f"Cannot change {what} while recording: stop the recording (and let the "
                "file finish) first.",
                "error",
            )
            return False
        try:
            if same_sensor:
                roi = Roi(*settings.roi) if settings.roi is not None else None

                def change(camera) -> None:
                    camera.fps = settings.fps
                    camera.exposure_ms = settings.exposure_time
                    camera.roi = roi

                runner.reconfigure(change, "camera settings")
            else:
                self._replace_camera(make_camera(settings))
        except RecordingRefused as exc:
            self.notify(f"Refused: {exc}", "error")
            return False
        except CameraError as exc:
            self.notify(f"Camera settings not applied: {exc}", "error")
            return False
        self._display_serial = -1
        return True

    def _replace_camera(self, camera) -> None:
        """A new sensor: a new runner around the new camera (only when nothing is recorded)."""
        old = self.runner
        was_live, buffering = old.live, old.prebuffer.enabled
        old.close()
        self.bridge.detach()
        self.bridge.deleteLater()
        self.runner = AcquisitionRunner(camera, self._session.saving.max_memory)
        self.bridge = self._connect_runner(self.runner)
        self.runner.prebuffer.enabled = buffering
        self.display_rate.reset()
        if was_live:
            self.runner.start_live()
        self._on_state_changed(self.runner.state)

    # ==== session ============================================================================
    def show_settings(self) -> SettingsDialog:
        """Open the settings dialog (non-modal)."""
        if self._settings_dialog is None:
            self._settings_dialog = SettingsDialog(self._session, self.apply_session, self)
        dialog = self._settings_dialog
        dialog.load(self._session)
        dialog.set_camera_locked(
            "Camera settings cannot change while a recording runs."
            if self.runner.state in (RunState.RECORDING, RunState.FINISHING)
            else ""
        )
        dialog.show()
        dialog.raise_()
        return dialog

    def load_session_file(self, path: str | Path) -> bool:
        """Load a session YAML file; a bad file is reported (naming the key), not raised."""
        try:
            session = Session.load(path)
        except ConfigError as exc:
            self.notify(f"Session not loaded: {exc}", "error")
            return False
        if not self.apply_session(session):
            return False
        self.config_path = Path(path)
        self._update_title()
        self._report_ignored(session)
        self.notify(f"Session loaded from {path}")
        return True

    def load_session_text(self, text: str, source: str = "recording metadata") -> bool:
        """Load a session from YAML text (e.g. a recording's metadata, from the viewer)."""
        try:
            data = parse_metadata(text)
            if not data or set(data) == {"raw"}:
                raise ConfigError(f"{source}: no session settings found")
            session = Session.from_dict(data, source)
        except ConfigError as exc:
            self.notify(f"Session not loaded: {exc}", "error")
            return False
        if not self.apply_session(session):
            return False
        self._report_ignored(session)
        self.notify(f"Session loaded from {source}")
        return True

    def _report_ignored(self, session: Session) -> None:
        if session.ignored_keys:
            keys = ", ".join(session.ignored_keys[:8])
            more = "…" if len(session.ignored_keys) > 8 else ""
            self.statusBar().showMessage(f"Unused keys ignored: {keys}{more}", 10_000)

    def load_session_dialog(self) -> bool:
        """File > Load session."""
        path = self.choose_file("Load session", SESSION_FILTER, "session")
        return self.load_session_file(path) if path else False

    def save_session_dialog(self) -> Path | None:
        """File > Save session as."""
        path = self.choose_file("Save session", SESSION_FILTER, "session", save=True)
        if path is None:
            return None
        if not path.suffix:
            path = path.with_suffix(".yaml")
        try:
            self._session.save(path)
        except OSError as exc:
            self.notify(f"Session not saved: {exc}", "error")
            return None
        self.config_path = path
        self._update_title()
        self.notify(f"Session saved to {path}")
        return path

    def session_from_recording_dialog(self) -> bool:
        """File > Session from a recording: the settings stored with its last recording."""
        path = self.choose_file("Session from a recording", RECORDING_FILTER, "open")
        return self.load_session_from_recording(path) if path else False

    def load_session_from_recording(self, path: str | Path) -> bool:
        """Load the session stored in the metadata of the last recording of ``path``."""
        try:
            with RecordingFile(path) as recordings:
                recording = recordings.recording(-1)
                text, name = recording.metadata_text, recording.name
        except StorageError as exc:
            self.notify(f"Session not loaded: {exc}", "error")
            return False
        return self.load_session_text(text, f"{Path(path).name} [{name}]")

    # ==== viewer =============================================================================
    def open_timelapse(self) -> QtWidgets.QWidget | None:
        """Ctrl+O: pick a recording and open it in a timelapse viewer window."""
        path = self.choose_file("Open a timelapse", RECORDING_FILTER, "open")
        return self.open_viewer(path) if path else None

    def open_viewer(self, path: str | Path | None = None) -> QtWidgets.QWidget | None:
        """Open ``path`` in a new viewer window (kept until the main window closes)."""
        try:
            from uutrack_gui.gui.viewer import ViewerWindow  # written separately; loaded lazily
        except Exception as exc:  # noqa: BLE001 - any failure to load it is reported the same
            self.notify(f"The timelapse viewer is not available: {exc}", "error")
            return None
        self.viewers = [v for v in self.viewers if v.isVisible()]
        viewer = ViewerWindow(Path(path) if path is not None else None)
        viewer.load_settings_requested.connect(self.load_session_text)
        self.viewers.append(viewer)
        viewer.show()
        if path is not None:
            add_recent_file(path)
        return viewer

    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if self._dropped_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:  # noqa: N802 - Qt API
        for path in self._dropped_paths(event):
            if path.suffix.lower() in (".yaml", ".yml"):
                self.load_session_file(path)
            else:
                self.open_viewer(path)
        event.acceptProposedAction()

    @staticmethod
    def _dropped_paths(event: QtGui.QDropEvent) -> list[Path]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        suffixes = {".h5", ".hdf5", ".hdf", ".yaml", ".yml"}
        paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
        return [p for p in paths if p.suffix.lower() in suffixes]

    # ==== help ===============================================================================
    def show_cheat_sheet(self) -> CheatSheet:
        """F1: the keys, listed from the actions themselves."""
        if self._cheat_sheet is None:
            self._cheat_sheet = CheatSheet(self.acts.values(), self)
        self._cheat_sheet.show()
        self._cheat_sheet.raise_()
        return self._cheat_sheet

    def show_about(self) -> None:
        """Help > About (non-modal)."""
        box = QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Information,
            "About uutrack_gui",
            f"<b>uutrack_gui {__version__}</b><br>Live camera preview, loss-free HDF5 recording "
            "through a saver process, and a timelapse viewer.<br>Recordings go to "
            f"<code>{self._session.folder_for()}</code>.",
            QtWidgets.QMessageBox.Ok,
            self,
        )
        box.setModal(False)
        box.setAttribute(QtCore.Qt.WA_DeleteOnClose)
        box.show()

    # ==== closing ============================================================================
    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 - Qt API
        """Ask while recording; then let the saver finish (window responsive) and release all."""
        if self._shut_down:
            event.accept()
            return
        runner = self.runner
        if runner.state == RunState.RECORDING:
            if not self.ask(
                "Recording in progress",
                "A recording is running. Stop it, finish the file and quit?",
            ):
                event.ignore()
                return
            runner.stop_recording()
        if runner.state == RunState.FINISHING:
            # Not a nested event loop: ignore this close, close again once the saver is done.
            self._closing = True
            self._show_finish_dialog()
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def _continue_closing(self) -> None:
        if self._closing and self.runner.state not in (RunState.RECORDING, RunState.FINISHING):
            self._closing = False
            self._close_finish_dialog()
            QtCore.QTimer.singleShot(0, self.close)

    def _show_finish_dialog(self) -> None:
        if self._finish_dialog is not None:
            return
        dialog = QtWidgets.QProgressDialog(
            "Finishing the recording…", "Discard the rest", 0, 1, self
        )
        dialog.setObjectName("finishDialog")
        dialog.setWindowTitle("Closing")
        dialog.setWindowModality(QtCore.Qt.WindowModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(0)
        dialog.canceled.connect(self._discard_on_close)
        self._finish_dialog = dialog
        self._update_finish_dialog(self.runner.recording_status())
        dialog.show()

    def _update_finish_dialog(self, status) -> None:
        dialog = self._finish_dialog
        if dialog is None or status is None:
            return
        total = max(dialog.maximum(), status.frames_pending, 1)
        dialog.setMaximum(total)
        dialog.setValue(total - status.frames_pending)
        dialog.setLabelText(
            f"Finishing the recording: {status.frames_pending} frames left to write to\n"
            f"{status.path}"
        )

    def _discard_on_close(self) -> None:
        if self.runner.state == RunState.FINISHING and self.ask(
            "Discard", "Discard the frames not written yet and quit now?"
        ):
            self.runner.abort_recording()

    def _close_finish_dialog(self) -> None:
        dialog, self._finish_dialog = self._finish_dialog, None
        if dialog is not None:
            dialog.canceled.disconnect(self._discard_on_close)  # closing emits canceled
            dialog.close()
            dialog.deleteLater()

    def shutdown(self) -> None:
        """Stop the timers, close the viewers, stop the camera and release it. Idempotent.

        Called when the window closes (after any recording is finished); also safe at exit.
        """
        if self._shut_down:
            return
        self._shut_down = True
        self.display_timer.stop()
        self.status_timer.stop()
        self._close_finish_dialog()
        for viewer in self.viewers:
            with contextlib.suppress(RuntimeError):  # already deleted by Qt
                viewer.close()
        self.viewers = []
        for dialog in (self._settings_dialog, self._cheat_sheet):
            if dialog is not None:
                dialog.close()
        self._save_layout()
        runner = self.runner
        try:
            runner.close()
            saver = runner.saver
            if saver is not None:
                saver.wait(10.0)  # includes the watcher thread's last callbacks
        finally:
            self.bridge.detach()

    # ==== startup messages ===================================================================
    def report(self, messages: Sequence[tuple[str, str]]) -> None:
        """Show messages collected before the window existed (e.g. a bad ``--config``)."""
        for level, text in messages:
            self.notify(text, level, box=level == "error")
