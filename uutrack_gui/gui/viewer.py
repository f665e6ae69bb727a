"""The timelapse viewer: reopen saved recordings, browse, play, check and export them.

Whatever the size of the recording, the viewer reads only the frame on screen
(:meth:`Recording.frame`, one chunk of this program's files) plus the small per-frame counters
and timestamps, so the first frame is up at once and any frame follows a slider move at once.
Slider moves are throttled: at most one frame read every :attr:`ViewerWindow.seek_interval_ms`,
and always the one where the slider stops.

A file that is still being recorded (by this program in another window or process) opens in
SWMR read mode without file locks: the recording is not disturbed. A timer re-reads its size;
when it stops growing the file is reopened, which shows the final attributes once the writer
has closed it.

Bad files (missing, unreadable, not HDF5, truncated, corrupt, no recordings) get a one-line
message in the window's banner and status bar; the window stays usable.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
import threading
from pathlib import Path

import numpy as np
from PyQt5 import QtCore, QtGui, QtWidgets

from uutrack_gui.gui.banner import MessageBanner
from uutrack_gui.gui.icons import icon_or_blank
from uutrack_gui.gui.image_panel import ImagePanel
from uutrack_gui.gui.recent import add_recent_file, recent_files
from uutrack_gui.gui.viewer_widgets import (
    DetailsPanel,
    ExportRangeDialog,
    RecordingsTable,
    TimelineSlider,
    save_png16,
)
from uutrack_gui.storage import format as fmt
from uutrack_gui.storage.errors import StorageError
from uutrack_gui.storage.export import ExportCancelled, export_range, session_yaml, write_tiff
from uutrack_gui.storage.integrity import IntegrityReport, analyze_recording
from uutrack_gui.storage.reader import Recording, RecordingFile
from uutrack_gui.units import format_duration

RECORDING_FILTER = "Recordings (*.h5 *.hdf5 *.hdf);;All files (*)"
FRAME_FILTER = "16-bit TIFF (*.tif *.tiff);;16-bit PNG (*.png)"
#: Playback speeds offered, as multiples of the recorded rate; None: every frame in turn.
SPEEDS: tuple[tuple[str, float | None], ...] = (
    ("0.1×", 0.1),
    ("0.25×", 0.25),
    ("0.5×", 0.5),
    ("1× (recorded rate)", 1.0),
    ("2×", 2.0),
    ("4×", 4.0),
    ("10×", 10.0),
    ("Every frame", None),
)
#: Rate assumed for files without timestamps (legacy UUTrack files).
DEFAULT_FPS = 25.0
#: Shortest playback timer period: no point in reading frames faster than the screen shows them.
MIN_TICK_MS = 16


class ViewerWindow(QtWidgets.QMainWindow):
    """A window that shows one recording of an HDF5 file.

    Parameters
    ----------
    path : Path, optional
        A file to open at once (a bad file gives a message in the window, not an exception).
    parent : QWidget, optional
        Qt parent (normally none).

    Signals
    -------
    load_settings_requested(str)
        The YAML text of the open recording's session ("Load these settings").
    frame_shown(int)
        A frame was put on screen (its index).
    file_opened(str)
        A file was opened (its path).
    open_failed(str)
        A file could not be opened (the message shown).
    frame_count_changed(int)
        The number of frames changed (a recording that is still being written grew).
    following_changed(bool)
        Following a growing recording started or stopped.
    export_finished(str)
        A frame-range export ended (the message shown: done, cancelled or failed).
    """

    load_settings_requested = QtCore.pyqtSignal(str)
    frame_shown = QtCore.pyqtSignal(int)
    file_opened = QtCore.pyqtSignal(str)
    open_failed = QtCore.pyqtSignal(str)
    frame_count_changed = QtCore.pyqtSignal(int)
    following_changed = QtCore.pyqtSignal(bool)
    export_finished = QtCore.pyqtSignal(str)
    _export_progress = QtCore.pyqtSignal(int, int)
    _export_done = QtCore.pyqtSignal(str, str)

    def __init__(self, path: Path | None = None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewerWindow")
        self.setAttribute(QtCore.Qt.WA_DeleteOnClose, False)
        self.setAcceptDrops(True)
        self.resize(1280, 820)

        #: Milliseconds between frame reads while the slider moves (the last one always shows).
        self.seek_interval_ms = 30
        #: Milliseconds between size checks of a recording that is being written.
        self.follow_interval_ms = 500
        #: Checks without growth before the file is reopened to see whether it was finished.
        self.still_checks_before_reopen = 3

        self.path: Path | None = None
        self.rec_file: RecordingFile | None = None
        self.recording: Recording | None = None
        self.report: IntegrityReport | None = None
        self.messages: list[tuple[str, str]] = []
        self._index = -1  # frame on screen
        self._count = 0
        self._timestamps: np.ndarray | None = None
        self._counters: np.ndarray | None = None
        self._pending: int | None = None
        self._since_shown = QtCore.QElapsedTimer()
        self._play_clock = QtCore.QElapsedTimer()
        self._play_origin = (0, 0.0)  # (frame index, its time) when playback (re)started
        self._following = False
        self._still_checks = 0
        self._reopen_failures = 0
        self._follow_target = ("", -1)  # recording and frame to come back to after a reopen
        self._last_growth = QtCore.QElapsedTimer()
        self._details_clock = QtCore.QElapsedTimer()
        self._export_thread: threading.Thread | None = None
        self._export_cancel = threading.Event()

        self._build_ui()
        self._build_actions()
        self._update_enabled()
        self._update_title()

        self._seek_timer = QtCore.QTimer(self, singleShot=True)
        self._seek_timer.timeout.connect(self._show_pending)
        self._play_timer = QtCore.QTimer(self)
        self._play_timer.setTimerType(QtCore.Qt.PreciseTimer)
        self._play_timer.timeout.connect(self._play_tick)
        self._follow_timer = QtCore.QTimer(self)
        self._follow_timer.timeout.connect(self._follow_tick)
        self._export_progress.connect(self._on_export_progress)
        self._export_done.connect(self._on_export_done)

        if path is not None:
            self.open_file(path)
        else:
            self.statusBar().showMessage("Open a recording: File > Open (Ctrl+O), or drop a file")

    # ==== building ===========================================================================
    def _build_ui(self) -> None:
        self.banner = MessageBanner()
        self.panel = ImagePanel()

        self.slider = TimelineSlider()
        self.slider.setObjectName("frameSlider")
        self.slider.setTracking(True)
        self.slider.setFocusPolicy(QtCore.Qt.StrongFocus)
        self.slider.valueChanged.connect(self.request_frame)
        self.slider.sliderPressed.connect(self.pause)
        self.slider.sliderReleased.connect(lambda: self.request_frame(self.slider.value()))

        self.spin = QtWidgets.QSpinBox()
        self.spin.setObjectName("frameSpin")
        self.spin.setKeyboardTracking(False)  # seek on Enter, not on every digit typed
        self.spin.setAccelerated(True)
        self.spin.valueChanged.connect(self.request_frame)
        self.count_label = QtWidgets.QLabel("of 0")

        self.play_button = QtWidgets.QToolButton()
        self.play_button.setObjectName("playButton")
        self.speed = QtWidgets.QComboBox()
        self.speed.setObjectName("speedCombo")
        for text, value in SPEEDS:
            self.speed.addItem(text, value)
        self.speed.setCurrentIndex(3)
        self.speed.setToolTip("Playback speed, relative to the rate the frames were recorded at")
        self.speed.currentIndexChanged.connect(self._on_speed_changed)

        self.frame_label = QtWidgets.QLabel(" ")
        self.frame_label.setObjectName("frameLabel")
        self.frame_label.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)

        transport = QtWidgets.QHBoxLayout()
        transport.setContentsMargins(4, 0, 4, 0)
        self._transport_buttons: dict[str, QtWidgets.QToolButton] = {}
        for name in ("first", "previous"):
            transport.addWidget(self._make_button(name))
        transport.addWidget(self.play_button)
        for name in ("next", "last"):
            transport.addWidget(self._make_button(name))
        transport.addWidget(self.slider, 1)
        transport.addWidget(self.spin)
        transport.addWidget(self.count_label)
        transport.addWidget(self.speed)

        info_row = QtWidgets.QHBoxLayout()
        info_row.setContentsMargins(8, 0, 8, 0)
        info_row.addWidget(self.frame_label, 1)

        central = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.banner)
        layout.addWidget(self.panel, 1)
        layout.addLayout(transport)
        layout.addLayout(info_row)
        self.setCentralWidget(central)

        self.recordings = RecordingsTable()
        self.recordings.itemSelectionChanged.connect(self._on_recording_chosen)
        self.recordings_box = QtWidgets.QGroupBox("Recordings in this file")
        box_layout = QtWidgets.QVBoxLayout(self.recordings_box)
        box_layout.setContentsMargins(4, 4, 4, 4)
        box_layout.addWidget(self.recordings)
        self.recordings_box.setVisible(False)

        self.details = DetailsPanel()
        self.details.load_clicked.connect(self.request_load_settings)
        self.details.save_clicked.connect(self.save_settings)
        side = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        side.addWidget(self.recordings_box)
        side.addWidget(self.details)
        side.setStretchFactor(1, 1)
        self.dock = QtWidgets.QDockWidget("Recording", self)
        self.dock.setObjectName("recordingDock")
        self.dock.setWidget(side)
        self.dock.setFeatures(
            QtWidgets.QDockWidget.DockWidgetMovable | QtWidgets.QDockWidget.DockWidgetClosable
        )
        self.addDockWidget(QtCore.Qt.RightDockWidgetArea, self.dock)
        self.resizeDocks([self.dock], [400], QtCore.Qt.Horizontal)

        self.progress = QtWidgets.QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setVisible(False)
        self.cancel_export_button = QtWidgets.QPushButton("Cancel export")
        self.cancel_export_button.setVisible(False)
        self.cancel_export_button.clicked.connect(self.cancel_export)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_export_button)

    def _make_button(self, name: str) -> QtWidgets.QToolButton:
        button = QtWidgets.QToolButton()
        button.setObjectName(f"{name}Button")
        button.setAutoRaise(True)
        self._transport_buttons[name] = button
        return button

    def _build_actions(self) -> None:
        acts: dict[str, QtWidgets.QAction] = {}

        def make(name, text, slot, shortcut=None, icon_name=None, checkable=False, tip=""):
            action = QtWidgets.QAction(
                icon_or_blank(icon_name) if icon_name else QtGui.QIcon(), text, self
            )
            if shortcut:
                action.setShortcut(QtGui.QKeySequence(shortcut))
            action.setCheckable(checkable)
            if tip:
                action.setToolTip(tip)
                action.setStatusTip(tip)
            (action.toggled if checkable else action.triggered).connect(slot)
            self.addAction(action)  # shortcuts work whichever child has the focus
            acts[name] = action
            return action

        make("open", "&Open…", self.choose_and_open, QtGui.QKeySequence.Open, "open",
             tip="Open a recording file (Ctrl+O)")  # fmt: skip
        make("reload", "&Reload", self.reload, "F5", tip="Reopen the file (shows new frames)")
        make("export_frame", "Export &frame…", self.export_frame, "Ctrl+E", "export",
             tip="Save the frame on screen as a 16-bit TIFF or PNG (Ctrl+E)")  # fmt: skip
        # Ctrl+S saved the image in the original UUTrack: the same key here.
        acts["export_frame"].setShortcuts([QtGui.QKeySequence("Ctrl+E"), QtGui.QKeySequence.Save])
        make("export_range", "Export frame &range…", self.choose_export_range, "Ctrl+Shift+E",
             tip="Copy a range of frames into a new HDF5 recording")  # fmt: skip
        make("close", "&Close window", self.close, QtGui.QKeySequence.Close)
        make("play", "&Play", self.toggle_play, "Space", "play", tip="Play / pause (Space)")
        make("next", "&Next frame", lambda: self.step(1), "Right", tip="Next frame (→)")
        make("previous", "P&revious frame", lambda: self.step(-1), "Left",
             tip="Previous frame (←)")  # fmt: skip
        make("forward", "Forward 10 frames", lambda: self.step(10), "Shift+Right")
        make("back", "Back 10 frames", lambda: self.step(-10), "Shift+Left")
        make("first", "&First frame", lambda: self.show_frame(0), "Home", tip="First frame (Home)")
        make("last", "&Last frame", lambda: self.show_frame(self._count - 1), "End",
             tip="Last frame (End)")  # fmt: skip
        make("autolevels", "&Auto levels", self.panel.auto_levels_once, "Ctrl+L", "autolevels",
             tip="Fit black and white levels to this frame (Ctrl+L)")  # fmt: skip
        make("autolevels_continuous", "Auto levels on &every frame",
             self.panel.set_auto_levels_continuous, checkable=True)  # fmt: skip
        make("crosshair", "&Crosshair", self.panel.set_crosshair_visible, "Ctrl+H", "crosshair",
             checkable=True, tip="Crosshair that follows the cursor (Ctrl+H)")  # fmt: skip
        make("profile", "Line &profile", self.panel.set_profile_visible, "Ctrl+P", "profile",
             checkable=True, tip="Values along a line you can drag (Ctrl+P)")  # fmt: skip
        make("load_settings", "&Load these settings", self.request_load_settings,
             icon_name="settings",
             tip="Use the recording's session (camera, saving) in the main window")  # fmt: skip
        make("save_settings", "&Save settings as YAML…", self.save_settings)
        acts["details"] = self.dock.toggleViewAction()
        acts["details"].setIcon(icon_or_blank("info"))
        acts["details"].setText("&Details panel")
        acts["details"].setToolTip("Integrity summary and session (show / hide)")
        self.acts = acts

        for name in ("first", "previous", "next", "last"):
            self._transport_buttons[name].setDefaultAction(acts[name])
        self.play_button.setDefaultAction(acts["play"])
        self.play_button.setAutoRaise(True)
        arrows = {
            "first": QtWidgets.QStyle.SP_MediaSkipBackward,
            "previous": QtWidgets.QStyle.SP_MediaSeekBackward,
            "next": QtWidgets.QStyle.SP_MediaSeekForward,
            "last": QtWidgets.QStyle.SP_MediaSkipForward,
        }
        for name, pixmap in arrows.items():
            acts[name].setIcon(self.style().standardIcon(pixmap))
        if acts["play"].icon().isNull():
            acts["play"].setIcon(self.style().standardIcon(QtWidgets.QStyle.SP_MediaPlay))
        self._play_icon = acts["play"].icon()
        pause = icon_or_blank("pause")
        self._pause_icon = (
            pause
            if not pause.isNull()
            else self.style().standardIcon(QtWidgets.QStyle.SP_MediaPause)
        )

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(acts["open"])
        self.recent_menu = file_menu.addMenu(icon_or_blank("open"), "Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addAction(acts["reload"])
        file_menu.addSeparator()
        file_menu.addAction(acts["export_frame"])
        file_menu.addAction(acts["export_range"])
        file_menu.addSeparator()
        file_menu.addAction(acts["close"])
        view_menu = bar.addMenu("&View")
        for name in ("autolevels", "autolevels_continuous", "crosshair", "profile", "details"):
            view_menu.addAction(acts[name])
        play_menu = bar.addMenu("&Playback")
        for name in ("play", "next", "previous", "forward", "back", "first", "last"):
            play_menu.addAction(acts[name])
        rec_menu = bar.addMenu("&Recording")
        rec_menu.addAction(acts["load_settings"])
        rec_menu.addAction(acts["save_settings"])

        toolbar = self.addToolBar("Viewer")
        toolbar.setObjectName("viewerToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(QtCore.Qt.ToolButtonTextBesideIcon)
        toolbar.setIconSize(QtCore.QSize(22, 22))
        for name in ("open", "export_frame", None, "autolevels", "crosshair", "profile", None):
            if name is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(acts[name])
        toolbar.addAction(acts["details"])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = recent_files()
        if not files:
            self.recent_menu.addAction("(none)").setEnabled(False)
            return
        for path in files:
            action = self.recent_menu.addAction(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_file(p))

    # ==== opening ============================================================================
    def choose_and_open(self) -> bool:
        """Ctrl+O: pick a file and open it."""
        start = str(self.path.parent) if self.path else ""
        name, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Open a recording", start, RECORDING_FILTER
        )
        return self.open_file(Path(name)) if name else False

    def open_file(self, path: str | Path, recording: str | int | None = None) -> bool:
        """Open ``path`` and show the first frame of a recording (the last one by default).

        Never raises: a file that cannot be opened gives a one-line message in the window's
        banner and status bar, and whatever was open before stays open (unless it was the
        same file, which is closed before it is opened again).

        Parameters
        ----------
        path : path-like
            The HDF5 file.
        recording : str or int, optional
            Which recording (name or position); by default the most recent.

        Returns
        -------
        bool
            True if a recording is on screen.
        """
        path = Path(path)
        if self.path is not None and _same_file(path, self.path):
            # Closed first: reopening a file this process holds open would give the old
            # handle's state (SWMR mode, cached attributes) instead of what is on disk now.
            self._close_file()
            self._show_nothing()
        try:
            rec_file = RecordingFile(path, follow=True)
        except StorageError as exc:
            return self._open_failed(path, str(exc))
        except Exception as exc:  # noqa: BLE001 - anything h5py throws at a strange file
            return self._open_failed(path, f"{path}: cannot be opened ({exc})")
        rows, openable = self._describe_recordings(rec_file)
        if not openable:
            rec_file.close()
            return self._open_failed(path, rows[0][1][-1] if rows else "no readable recording")
        if recording is None:
            name = openable[-1]
        elif isinstance(recording, int) and -len(rec_file.names) <= recording < len(rec_file.names):
            name = rec_file.names[recording]
        elif recording in rec_file.names:
            name = recording
        else:
            rec_file.close()
            return self._open_failed(path, f"{path} has no recording {recording!r}")
        self._close_file()
        self.rec_file = rec_file
        self.path = path
        self.recordings.set_rows(rows)
        self.recordings_box.setVisible(len(rows) > 1)
        self.recordings_box.setTitle(f"Recordings in this file ({len(rows)})")
        shown = self.select_recording(name)
        if shown:
            add_recent_file(path)
            self.file_opened.emit(str(path))
        return shown

    def _open_failed(self, path: Path, message: str) -> bool:
        self.show_message(f"Cannot open {path.name}: {message}", "error")
        self.open_failed.emit(message)
        return False

    def _describe_recordings(
        self, rec_file: RecordingFile
    ) -> tuple[list[tuple[str, tuple[str, ...], bool]], list[str]]:
        """Table rows for every recording, and the names of those that can be opened."""
        rows, openable = [], []
        for name in rec_file.names:
            try:
                rec = rec_file.recording(name)
                start = rec.start_time
                rows_, cols = rec.frame_shape
                status = rec.summary().status
                if rec.finished_cleanly is False and rec.end_reason == fmt.END_RECORDING:
                    status = "recording…" if rec_file.swmr else status
                cells = (
                    start.strftime("%Y-%m-%d %H:%M:%S") if start else name,
                    f"{len(rec):,}",
                    f"{cols} × {rows_} {rec.dtype}",
                    format_duration(rec.duration_s),
                    status + (" (UUTrack)" if rec.legacy else ""),
                )
                rows.append((name, cells, len(rec) > 0 or rec_file.swmr))
                if len(rec) > 0 or rec_file.swmr:
                    openable.append(name)
            except (StorageError, OSError, RuntimeError, KeyError, ValueError) as exc:
                rows.append((name, (name, "-", "-", "-", f"damaged: {exc}"), False))
        if rows and not openable:
            empty = all(cells[1] == "0" for _, cells, _ in rows)
            reason = "its recordings hold no frames" if empty else rows[-1][1][-1]
            rows[0] = (rows[0][0], (*rows[0][1][:-1], reason), False)
        return rows, openable

    def select_recording(self, name: str) -> bool:
        """Show recording ``name`` of the open file from its first frame."""
        if self.rec_file is None:
            return False
        self._stop_following()
        self.pause()
        try:
            rec = self.rec_file.recording(name)
        except StorageError as exc:
            self.show_message(str(exc), "error")
            return False
        self.recording = rec
        self._timestamps = self._counters = None
        self.report = None
        self._index = -1
        self.panel.clear()
        self.recordings.select_name(name)
        self._set_count(len(rec))
        self.clear_message()
        if self._count:
            self.show_frame(0)
            self.panel.auto_levels_once()  # a new recording: levels fitted to it, not the last one
        else:
            self.frame_label.setText("No frames yet")
        self._update_title()
        self._update_enabled()
        # The first frame is on screen; the rest (integrity, session, timestamps) follows.
        QtCore.QTimer.singleShot(0, self._load_details)
        if self.rec_file.swmr and rec.finished_cleanly is False:
            self._start_following()
        return True

    def _on_recording_chosen(self) -> None:
        rows = self.recordings.selectionModel().selectedRows()
        if rows and self.recording is not None:
            name = self.recordings.names[rows[0].row()]
            if name != self.recording.name:
                self.select_recording(name)

    def reload(self) -> bool:
        """Reopen the file, keeping the recording and the frame on screen."""
        if self.path is None:
            return False
        name = self.recording.name if self.recording else None
        index = self._index
        if not self.open_file(self.path, name):
            return False
        if index > 0:
            self.show_frame(min(index, self._count - 1))
        return True

    def _show_nothing(self) -> None:
        self.path = None
        self.panel.clear()
        self._index = -1
        self._set_count(0)
        self.recordings.set_rows([])
        self.recordings_box.setVisible(False)
        self.details.set_summary(None, [])
        self.details.set_session("", False)
        self.frame_label.setText(" ")
        self._update_title()
        self._update_enabled()

    def _close_file(self) -> None:
        self._finish_export()  # it reads from this file
        self._stop_following()
        self.pause()
        self._seek_timer.stop()
        self._pending = None
        self.recording = None
        if self.rec_file is not None:
            self.rec_file.close()
            self.rec_file = None

    def _load_details(self) -> None:
        """Integrity summary, attributes and session of the recording on screen."""
        rec = self.recording
        if rec is None:
            return
        try:
            self._timestamps = _usable(rec.timestamps)
            self._counters = rec.counters
            self.report = analyze_recording(rec)
            error = ""
        except (StorageError, OSError, RuntimeError, KeyError) as exc:
            self.report = None
            error = f"Cannot read the recording's bookkeeping: {exc}"
        self.slider.set_marks([g.index for g in self.report.gaps] if self.report else [])
        self.details.set_summary(self.report, self._facts(rec), error)
        text = ""
        with contextlib.suppress(StorageError, OSError, RuntimeError, KeyError):
            text = rec.metadata_text
        self.details.set_session(text, bool(text.strip()))
        self._details_clock.start()
        self._update_frame_label()
        self._update_enabled()

    def _facts(self, rec: Recording) -> list[tuple[str, str]]:
        rows, cols = rec.frame_shape
        stored = f"{rec.stored_dtype}" + (
            " (holds uint16)" if rec.stored_dtype != rec.dtype else ""
        )
        attrs = {}
        with contextlib.suppress(OSError, RuntimeError):
            attrs = rec.attributes()
        start = rec.start_time
        stop = attrs.get("stop_time")
        facts = [
            ("File", str(self.path)),
            ("Recording", rec.name),
            (
                "Format",
                "UUTrack (original layout)" if rec.legacy else f"uutrack_gui v{rec.format_version}",
            ),  # fmt: skip
            ("Frames", f"{len(rec):,}"),
            ("Frame size", f"{cols} × {rows} pixels"),
            ("Data type", stored),
            ("Recording size", _mib(len(rec) * rec.frame_nbytes)),
            ("Started", start.strftime("%Y-%m-%d %H:%M:%S") if start else "unknown"),
        ]
        if isinstance(stop, float) and math.isfinite(stop):
            facts.append(("Stopped", _dt.datetime.fromtimestamp(stop).strftime("%H:%M:%S")))
        if rec.camera:
            facts.append(("Camera", rec.camera))
        if not rec.legacy:
            facts.append(("End", rec.end_reason or "unknown"))
        if "source_file" in attrs:
            first, stop_ = (int(v) for v in attrs.get("source_frames", (0, 0)))
            facts.append(("Exported from", f"{attrs['source_file']} frames {first}–{stop_ - 1}"))
        if self.rec_file is not None and self.rec_file.swmr:
            facts.append(("Opened", "read-only, following (SWMR)"))
        return facts

    # ==== frames =============================================================================
    @property
    def frame_index(self) -> int:
        """Index of the frame on screen (-1 if none)."""
        return self._index

    @property
    def frame_count(self) -> int:
        """Frames in the recording as far as the viewer knows (grows while following)."""
        return self._count

    @property
    def following(self) -> bool:
        """Whether the viewer is following a recording that is being written."""
        return self._following

    def request_frame(self, index: int) -> None:
        """Show frame ``index`` soon: reads start at most every :attr:`seek_interval_ms`, and
        the last request always wins (slider drags and held arrow keys read only what can be
        shown)."""
        if self.recording is None or (index == self._index and self._pending is None):
            return
        self._pending = int(index)
        if self._seek_timer.isActive():
            return
        elapsed = self._since_shown.elapsed() if self._since_shown.isValid() else 10**9
        if elapsed >= self.seek_interval_ms:
            self._show_pending()
        else:
            self._seek_timer.start(self.seek_interval_ms - elapsed)

    def _show_pending(self) -> None:
        index, self._pending = self._pending, None
        if index is not None and index != self._index:
            self.show_frame(index)

    def show_frame(self, index: int) -> bool:
        """Read frame ``index`` and put it on screen now (no throttling)."""
        rec = self.recording
        if rec is None or self._count == 0:
            return False
        index = max(0, min(int(index), self._count - 1))
        # From the start of the read: a slow read already used up part of the interval, so the
        # frame where the slider stops waits at most seek_interval_ms in all.
        self._since_shown.start()
        try:
            frame = rec.frame(index)
        except (StorageError, IndexError) as exc:
            self.show_message(str(exc), "error")
            return False
        self.panel.set_frame(frame)
        self._index = index
        for widget in (self.slider, self.spin):
            widget.blockSignals(True)
            widget.setValue(index)
            widget.blockSignals(False)
        self._update_frame_label()
        self.frame_shown.emit(index)
        return True

    def step(self, delta: int) -> None:
        """Move ``delta`` frames (arrow keys), pausing playback."""
        if self.recording is None or not self._count:
            return
        self.pause()
        base = self._pending if self._pending is not None else self._index
        self.request_frame(max(0, min(base + delta, self._count - 1)))

    def frame_time(self, index: int) -> float | None:
        """Seconds from the first frame to frame ``index`` (None without timestamps)."""
        stamps = self._timestamps
        if stamps is None or not 0 <= index < len(stamps):
            return None
        return float(stamps[index] - stamps[0])

    def recorded_fps(self) -> float | None:
        """The camera's rate from the timestamps (median interval), None if unknown."""
        if self.report is not None and self.report.camera_fps:
            return self.report.camera_fps
        stamps = self._timestamps
        if stamps is not None and len(stamps) > 1:
            interval = float(np.median(np.diff(stamps)))
            return 1.0 / interval if interval > 0 else None
        return None

    def _set_count(self, n: int) -> None:
        self._count = n
        top = max(0, n - 1)
        for widget in (self.slider, self.spin):
            widget.blockSignals(True)
            widget.setRange(0, top)
            widget.blockSignals(False)
        self.slider.setPageStep(max(1, n // 20))
        self.count_label.setText(f"of {n:,}")
        self.frame_count_changed.emit(n)

    def _update_frame_label(self) -> None:
        if self.recording is None or self._index < 0:
            self.frame_label.setText(" ")
            return
        i = self._index
        parts = [f"Frame {i:,} of {self._count:,}"]
        t = self.frame_time(i)
        if t is not None:
            clock = _dt.datetime.fromtimestamp(float(self._timestamps[i]))
            parts.append(f"t = {t:.3f} s ({clock:%H:%M:%S}.{clock.microsecond // 1000:03d})")
        elif self.recording.legacy:
            parts.append("no timestamps (UUTrack file)")
        if self._counters is not None and i < len(self._counters):
            parts.append(f"camera counter {int(self._counters[i]):,}")
        fps = self.recorded_fps()
        if fps:
            parts.append(f"recorded at {fps:.2f} fps")
        self.frame_label.setText("   ·   ".join(parts))

    # ==== playback ===========================================================================
    @property
    def playing(self) -> bool:
        """Whether playback is running."""
        return self._play_timer.isActive()

    def toggle_play(self) -> None:
        """Play or pause (Space)."""
        if self.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        """Play from the frame on screen (from the start if at the end)."""
        if self.recording is None or self._count < 2:
            return
        if self._index >= self._count - 1 and not self._following:
            self.show_frame(0)
        self._restart_playback()
        self.acts["play"].setText("&Pause")
        self.acts["play"].setIcon(self._pause_icon)

    def pause(self) -> None:
        """Stop playback, keeping the frame on screen."""
        self._play_timer.stop()
        if hasattr(self, "acts"):
            self.acts["play"].setText("&Play")
            self.acts["play"].setIcon(self._play_icon)

    def _speed(self) -> float | None:
        return self.speed.currentData()

    def _restart_playback(self) -> None:
        """(Re)start the playback clock from the frame on screen, at the chosen speed."""
        if self.recording is None:
            return
        t = self.frame_time(self._index)
        self._play_origin = (self._index, t if t is not None else 0.0)
        self._play_clock.start()
        speed = self._speed()
        if speed is None:
            period = 30  # every frame in turn, as fast as is comfortable to watch
        else:
            fps = (self.recorded_fps() or DEFAULT_FPS) * speed
            period = int(max(MIN_TICK_MS, min(1000.0, 1000.0 / fps)))
        self._play_timer.start(period)

    def _on_speed_changed(self) -> None:
        if self.playing:
            self._restart_playback()  # from the frame on screen, at the new speed

    def _play_tick(self) -> None:
        """Show the frame due now: real time (from the timestamps) times the speed."""
        speed = self._speed()
        origin, origin_t = self._play_origin
        if speed is None:
            target = self._index + 1
        else:
            elapsed = self._play_clock.elapsed() / 1000.0 * speed
            stamps = self._timestamps
            if stamps is not None and len(stamps) >= self._count:
                # Timestamps, not a nominal rate: pauses and drops play as they happened.
                due = float(stamps[0]) + origin_t + elapsed
                target = max(origin, int(np.searchsorted(stamps, due, side="right")) - 1)
            else:
                target = origin + int(elapsed * (self.recorded_fps() or DEFAULT_FPS))
        if target >= self._count - 1:
            target = self._count - 1
            if not self._following:
                self.show_frame(target)
                self.pause()
                return
        if target != self._index:
            self.show_frame(target)

    # ==== following a recording that is being written ==========================================
    def _start_following(self) -> None:
        self._following = True
        self._still_checks = 0
        self._last_growth.start()
        self._follow_timer.start(self.follow_interval_ms)
        self._show_following_banner()
        self._update_title()
        self.following_changed.emit(True)

    def _stop_following(self) -> None:
        self._follow_timer.stop()
        if self._following:
            self._following = False
            self._update_title()
            self.following_changed.emit(False)

    def _show_following_banner(self) -> None:
        idle = self._last_growth.elapsed() / 1000.0
        text = f"Recording in progress: {self._count:,} frames so far (read-only, following)"
        if idle > 10:
            text = (
                f"Recording in progress? No new frames for {idle:.0f} s, but the file is still "
                "marked as being written: the recording may be paused, or its writer stopped "
                "without closing the file."
            )
            self.show_message(text, "warning")
        else:
            self.show_message(text, "live")

    def _follow_tick(self) -> None:
        rec = self.recording
        if rec is None:
            self._check_finished()  # the last reopen failed: try again
            return
        before = self._count
        try:
            n = rec.refresh()
        except (StorageError, OSError, RuntimeError, KeyError, ValueError) as exc:
            self._stop_following()
            self.show_message(f"Stopped following the recording: {exc}", "error")
            return
        if n != before:
            self._on_growth(before, n)
            return
        self._still_checks += 1
        if self._still_checks >= self.still_checks_before_reopen:
            self._still_checks = 0
            self._check_finished()
        if self._following:
            self._show_following_banner()

    def _on_growth(self, before: int, n: int) -> None:
        at_end = self._index >= before - 1
        self._set_count(n)
        self._still_checks = 0
        self._last_growth.start()
        if at_end and not self.playing:
            self.show_frame(n - 1)  # like tail -f: stay on the newest frame
        if self._details_clock.elapsed() > 2000:
            self._load_details()
        else:
            self._update_frame_label()
        self._show_following_banner()

    def _check_finished(self) -> None:
        """Reopen the file: once the writer has closed it, the final attributes show.

        The old handle is closed first: within one process HDF5 hands a new open of a file
        that is still open the old handle's state (SWMR mode, cached attributes).
        """
        if self.path is None:
            self._stop_following()
            return
        if self._export_thread is not None:
            return  # an export reads from the open handle: check again after it
        if self.recording is not None:
            self._follow_target = (self.recording.name, self._index)
        name, index = self._follow_target
        before = self._count
        self.recording = None
        if self.rec_file is not None:
            self.rec_file.close()
            self.rec_file = None
        try:
            fresh = RecordingFile(self.path, follow=True)
            rec = fresh.recording(name)
        except StorageError as exc:
            # The writer may be closing the file at this very moment: try again next time.
            self._reopen_failures += 1
            if self._reopen_failures >= 5:
                self._stop_following()
                self.show_message(f"Cannot reopen the recording: {exc}", "error")
            return
        self._reopen_failures = 0
        self.rec_file, self.recording = fresh, rec
        rows, _ = self._describe_recordings(fresh)
        self.recordings.set_rows(rows)
        self.recordings.select_name(name)
        self.recordings_box.setVisible(len(rows) > 1)
        self._set_count(len(rec))
        if self._count:
            self.show_frame(self._count - 1 if index >= before - 1 else min(index, self._count - 1))
        self._load_details()
        if fresh.swmr and rec.finished_cleanly is False:
            return  # still being written (or its writer died): keep following
        self._stop_following()
        if rec.finished_cleanly:
            self.show_message(
                f"Recording finished: {self._count:,} frames ({rec.end_reason}).", "info"
            )
        else:
            self.show_message(
                f"The recording ended without being finished cleanly: {self._count:,} frames "
                "are in the file.",
                "warning",
            )

    # ==== settings ===========================================================================
    def request_load_settings(self) -> None:
        """Emit :attr:`load_settings_requested` with the recording's session as YAML."""
        if self.recording is None:
            return
        text = session_yaml(self.recording)
        if not text:
            self.show_message("This recording has no stored session to load.", "warning")
            return
        if self.receivers(self.load_settings_requested) == 0:
            self.show_message(
                "No main window to load the settings into: use Recording > Save settings as "
                "YAML, then load that file in the main window.",
                "warning",
            )
            return
        self.load_settings_requested.emit(text)
        self.statusBar().showMessage("Settings sent to the main window", 5000)

    def save_settings(self, path: str | Path | None = None) -> bool:
        """Write the recording's session as a YAML file (asks where if ``path`` is None)."""
        if self.recording is None:
            return False
        text = session_yaml(self.recording)
        if not text:
            self.show_message("This recording has no stored session to save.", "warning")
            return False
        if not path:
            suggested = str(self.path.with_suffix(".yaml")) if self.path else ""
            name, _ = QtWidgets.QFileDialog.getSaveFileName(
                self, "Save settings", suggested, "Session files (*.yaml *.yml)"
            )
            if not name:
                return False
            path = name
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            self.show_message(f"Cannot write {path}: {exc.strerror or exc}", "error")
            return False
        self.statusBar().showMessage(f"Settings saved to {path}", 5000)
        return True

    # ==== export =============================================================================
    def export_frame(self, path: str | Path | None = None) -> bool:
        """Save the frame on screen as a 16-bit TIFF or PNG (by the suffix; asks if no path)."""
        frame = self.panel.frame
        if self.recording is None or frame is None:
            return False
        if not path:
            stem = self.path.stem if self.path else "frame"
            suggested = str(
                (self.path.parent if self.path else Path()) / f"{stem}_{self._index:06d}.tif"
            )
            name, chosen = QtWidgets.QFileDialog.getSaveFileName(
                self, "Export frame", suggested, FRAME_FILTER
            )
            if not name:
                return False
            path = Path(name)
            if not path.suffix:
                path = path.with_suffix(".png" if "PNG" in chosen else ".tif")
        path = Path(path)
        description = f"frame {self._index} of {self.recording.name} in {self.path}"
        try:
            if path.suffix.lower() == ".png":
                save_png16(path, frame)
            else:
                write_tiff(path, frame, description)
        except (OSError, ValueError) as exc:
            self.show_message(f"Frame not exported: {exc}", "error")
            return False
        self.statusBar().showMessage(f"Frame {self._index} saved to {path}", 5000)
        return True

    def choose_export_range(self) -> None:
        """Ask for a frame range and a file, then export."""
        if self.recording is None or not self._count:
            return
        suggested = self.path.with_name(f"{self.path.stem}_export.h5") if self.path else Path()
        dialog = ExportRangeDialog(
            self._count, max(0, self._index), self.recording.frame_nbytes, suggested, self
        )
        if dialog.exec_() != QtWidgets.QDialog.Accepted:
            return
        path, start, stop = dialog.choice()
        if stop <= start:
            self.show_message("Nothing exported: the last frame is before the first.", "error")
            return
        if path.exists():
            answer = QtWidgets.QMessageBox.question(
                self,
                "Export frame range",
                f"{path.name} exists. Add the frames to it as a new recording?",
            )
            if answer != QtWidgets.QMessageBox.Yes:
                return
        self.export_range(path, start, stop)

    def export_range(self, path: str | Path, start: int, stop: int) -> bool:
        """Copy frames ``start`` to ``stop - 1`` to a new recording in ``path``, in the
        background (frame by frame); :attr:`export_finished` reports the end.

        Returns
        -------
        bool
            False if the export could not start (another one running, no recording, bad range).
        """
        if self.recording is None:
            return False
        if self._export_thread is not None and self._export_thread.is_alive():
            self.show_message("An export is already running.", "warning")
            return False
        if not 0 <= start < stop <= self._count:
            self.show_message(
                f"Nothing exported: frames {start}–{stop - 1} are not in 0–{self._count - 1}.",
                "error",
            )
            return False
        recording = self.recording
        path = Path(path)
        self._export_cancel.clear()
        self.progress.setRange(0, stop - start)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_export_button.setVisible(True)

        def progress(done: int, total: int) -> bool:
            if done == total or done % 8 == 0:
                self._export_progress.emit(done, total)
            return not self._export_cancel.is_set()

        def run() -> None:
            try:
                result = export_range(recording, path, start, stop, progress)
            except ExportCancelled as exc:
                self._export_done.emit(f"Export cancelled: {exc}", "warning")
            except (StorageError, OSError, ValueError, RuntimeError) as exc:
                self._export_done.emit(f"Export failed: {exc}", "error")
            else:
                self._export_done.emit(
                    f"Exported frames {start}–{stop - 1} ({result.frames:,} frames) to "
                    f"{result.path} [{result.group}]",
                    "info",
                )

        # A thread, so that the window stays responsive; h5py serialises the file access.
        self._export_thread = threading.Thread(target=run, name="viewer-export", daemon=True)
        self._export_thread.start()
        return True

    def cancel_export(self) -> None:
        """Stop a running export after the frame being copied."""
        self._export_cancel.set()

    def _on_export_progress(self, done: int, total: int) -> None:
        self.progress.setValue(done)
        self.statusBar().showMessage(f"Exporting: {done:,} of {total:,} frames")

    def _on_export_done(self, message: str, level: str) -> None:
        if self._export_thread is not None:
            self._export_thread.join()
            self._export_thread = None
        self.progress.setVisible(False)
        self.cancel_export_button.setVisible(False)
        self.show_message(message, level)
        self.export_finished.emit(message)

    # ==== messages, title, state ===============================================================
    def show_message(self, text: str, level: str = "error") -> None:
        """Show ``text`` in the banner and the status bar; ``level``: info, live, warning, error."""
        self.messages.append((level, text))
        self.banner.show_message(text, level)
        self.statusBar().showMessage(text.splitlines()[0] if text else "", 15000)

    def clear_message(self) -> None:
        """Hide the banner."""
        self.banner.clear()

    def message(self) -> str:
        """The message in the banner ("" if none)."""
        return self.banner.text()

    def _update_title(self) -> None:
        if self.path is None or self.recording is None:
            self.setWindowTitle("Timelapse viewer – uutrack_gui")
            return
        live = " (recording…)" if self._following else ""
        self.setWindowTitle(
            f"{self.path.name} – {self.recording.name}{live} – Timelapse viewer – uutrack_gui"
        )

    def _update_enabled(self) -> None:
        has = self.recording is not None and self._count > 0
        for name in ("reload", "export_frame", "export_range", "play", "next", "previous",
                     "forward", "back", "first", "last", "autolevels"):  # fmt: skip
            self.acts[name].setEnabled(has if name != "reload" else self.path is not None)
        loadable = False
        if self.recording is not None:
            with contextlib.suppress(StorageError, OSError, RuntimeError, KeyError):
                loadable = bool(self.recording.metadata_text.strip())
        self.acts["load_settings"].setEnabled(loadable)
        self.acts["save_settings"].setEnabled(loadable)
        for widget in (self.slider, self.spin, self.speed):
            widget.setEnabled(has)

    # ==== drag and drop ========================================================================
    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if _dropped_path(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QtGui.QDragMoveEvent) -> None:  # noqa: N802 - Qt API
        self.dragEnterEvent(event)

    def dropEvent(self, event: QtGui.QDropEvent) -> None:  # noqa: N802 - Qt API
        path = _dropped_path(event.mimeData())
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        # After the drop returns: the drag source is not kept waiting while the file opens.
        QtCore.QTimer.singleShot(0, lambda: self.open_file(path))

    # ==== closing ==============================================================================
    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the timers, cancel an export and close the file. Idempotent."""
        self._seek_timer.stop()
        self._play_timer.stop()
        self._follow_timer.stop()
        self._following = False
        self._close_file()

    def _finish_export(self) -> None:
        """Cancel a running export and wait for it (it stops after the frame being copied)."""
        if self._export_thread is not None:
            self._export_cancel.set()
            self._export_thread.join()
            self._export_thread = None
            self.progress.setVisible(False)
            self.cancel_export_button.setVisible(False)


def _usable(stamps: np.ndarray | None) -> np.ndarray | None:
    """Timestamps if all are finite (exports of legacy files hold NaN), else None."""
    if stamps is None or not len(stamps) or not np.all(np.isfinite(stamps)):
        return None
    return np.asarray(stamps, dtype=np.float64)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _mib(n: int) -> str:
    return f"{n / 1024**3:,.2f} GiB" if n >= 1024**3 else f"{n / 1024**2:,.1f} MiB"


def _dropped_path(mime: QtCore.QMimeData) -> Path | None:
    """The first local file of a drag, or None."""
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile():
            return Path(url.toLocalFile())
    return None
