"""The timelapse viewer window: composition and Qt wiring over :mod:`uutrack_gui.browse`.

The viewer reads only the frame on screen plus the small per-frame counters and timestamps,
so the first frame is up at once and any frame follows a slider move at once. What the window
shows and decides comes from the browse modules: the recordings table and details
(:mod:`~uutrack_gui.browse.model`), the frame due while playing
(:mod:`~uutrack_gui.browse.playback`), what changed in a file still being written
(:mod:`~uutrack_gui.browse.follow`) and range exports (:mod:`~uutrack_gui.browse.export`).
Bad files get a one-line message in the banner and status bar; the window stays usable.
"""

from __future__ import annotations

from pathlib import Path

from PyQt5 import QtCore, QtGui, QtWidgets

from uutrack_gui.browse.export import ExportReport, range_problem, suggested_range_path
from uutrack_gui.browse.follow import Follower
from uutrack_gui.browse.model import FileListing, empty_details, list_recordings, load_details
from uutrack_gui.browse.notice import Level, Notice
from uutrack_gui.browse.playback import PlaybackClock
from uutrack_gui.gui.banner import MessageBanner
from uutrack_gui.gui.icons import icon_or_blank
from uutrack_gui.gui.image_panel import ImagePanel
from uutrack_gui.gui.recent import add_recent_file, recent_files
from uutrack_gui.gui.viewer.actions import ACTIONS, Needs, build_actions, build_menus
from uutrack_gui.gui.viewer.details import RecordingDock
from uutrack_gui.gui.viewer.export import ExportRunner, ask_range, export_frame
from uutrack_gui.gui.viewer.settings import SessionActions
from uutrack_gui.gui.viewer.transport import TransportBar
from uutrack_gui.storage.errors import StorageError
from uutrack_gui.storage.integrity import IntegrityReport
from uutrack_gui.storage.reader import RecordingFile

RECORDING_FILTER = "Recordings (*.h5 *.hdf5 *.hdf);;All files (*)"


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
    file_opened(str) / open_failed(str)
        A file was opened (its path) / could not be opened (the message shown).
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

    def __init__(self, path: Path | None = None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewerWindow")
        self.setAcceptDrops(True)
        self.resize(1280, 820)
        #: Milliseconds between size checks of a recording that is being written.
        self.follow_interval_ms = 500
        #: Checks without growth before the file is reopened to see whether it was finished.
        self.still_checks_before_reopen = 3
        self.path: Path | None = None
        self.rec_file: RecordingFile | None = None
        self.recording = None
        self.info = empty_details()
        self.messages: list[tuple[str, str]] = []
        self._index, self._count = -1, 0
        self._clock = PlaybackClock()
        self._follower: Follower | None = None
        self._details_age = QtCore.QElapsedTimer()

        self.banner, self.panel = MessageBanner(), ImagePanel()
        self.transport = TransportBar()
        self.transport.frame_requested.connect(self._on_frame_requested)
        self.transport.scrub_started.connect(self.pause)
        self.transport.speed_changed.connect(self._on_speed_changed)
        self.slider, self.spin = self.transport.slider, self.transport.spin
        self.speed, self.count_label = self.transport.speed, self.transport.count_label
        self.frame_label = QtWidgets.QLabel(" ", objectName="frameLabel")
        self.frame_label.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        central = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        for widget, stretch in ((self.banner, 0), (self.panel, 1), (self.transport, 0)):
            layout.addWidget(widget, stretch)
        layout.addWidget(self.frame_label)
        self.setCentralWidget(central)
        self.dock = RecordingDock(self)
        self.dock.chosen.connect(self._on_recording_chosen)
        self.addDockWidget(QtCore.Qt.RightDockWidgetArea, self.dock)
        self.resizeDocks([self.dock], [400], QtCore.Qt.Horizontal)
        self.details, self.recordings = self.dock.details, self.dock.recordings
        self.recordings_box = self.dock.recordings_box
        self.exporter = ExportRunner(self.statusBar())
        self.exporter.finished.connect(self._on_export_done)
        self.progress, self.cancel_export_button = (
            self.exporter.progress,
            self.exporter.cancel_button,
        )
        self.session = SessionActions(self)
        self.details.load_clicked.connect(self.request_load_settings)
        self.details.save_clicked.connect(self.save_settings)
        self._build_actions()

        self._play_timer = QtCore.QTimer(self, timerType=QtCore.Qt.PreciseTimer)
        self._play_timer.timeout.connect(self._play_tick)
        self._follow_timer = QtCore.QTimer(self)
        self._follow_timer.timeout.connect(self._follow_tick)
        self._update_enabled()
        self._update_title()
        if path is not None:
            self.open_file(path)
        else:
            self.statusBar().showMessage("Open a recording: File > Open (Ctrl+O), or drop a file")

    # ==== building ===========================================================================
    def _build_actions(self) -> None:
        self.acts = build_actions(self)
        details = self.acts["details"] = self.dock.toggleViewAction()
        details.setIcon(icon_or_blank("info"))
        details.setText("&Details panel")
        details.setToolTip("Integrity summary and session (show / hide)")
        self.transport.use_actions(self.acts)
        style = self.style()
        if self.acts["play"].icon().isNull():
            self.acts["play"].setIcon(style.standardIcon(QtWidgets.QStyle.SP_MediaPlay))
        self._play_icon, pause = self.acts["play"].icon(), icon_or_blank("pause")
        self._pause_icon = pause if not pause.isNull() else style.standardIcon(style.SP_MediaPause)
        self.recent_menu = build_menus(self, self.acts)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = recent_files()
        if not files:
            self.recent_menu.addAction("(none)").setEnabled(False)
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
        """Open ``path`` and show the first frame of a recording (by name or position; the
        newest by default). Never raises: a bad file gives a one-line message and whatever was
        open stays open (unless it was the same file). True if a recording is on screen."""
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
        listing = list_recordings(rec_file)
        name = listing.choose(recording)
        if name is None or not listing.openable:
            rec_file.close()
            problem = listing.problem() or f"{path} has no recording {recording!r}"
            return self._open_failed(path, problem)
        self._close_file()
        self.rec_file, self.path = rec_file, path
        self.dock.show_listing(listing)
        shown = self.select_recording(name)
        if shown:
            add_recent_file(path)
            self.file_opened.emit(str(path))
        return shown

    def _open_failed(self, path: Path, message: str) -> bool:
        self.show_message(f"Cannot open {path.name}: {message}", Level.ERROR)
        self.open_failed.emit(message)
        return False

    def select_recording(self, name: str) -> bool:
        """Show recording ``name`` of the open file from its first frame."""
        if self.rec_file is None:
            return False
        self._stop_following()
        self.pause()
        try:
            rec = self.rec_file.recording(name)
        except StorageError as exc:
            self.show_message(str(exc), Level.ERROR)
            return False
        self.recording, self.info, self._index = rec, empty_details(rec), -1
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

    def _on_recording_chosen(self, name: str) -> None:
        if self.recording is not None and name != self.recording.name:
            self.select_recording(name)

    def reload(self) -> bool:
        """Reopen the file, keeping the recording and the frame on screen."""
        if self.path is None:
            return False
        index = self._index
        if not self.open_file(self.path, self.recording.name if self.recording else None):
            return False
        if index > 0:
            self.show_frame(min(index, self._count - 1))
        return True

    def _show_nothing(self) -> None:
        self.path, self._index, self.info = None, -1, empty_details()
        self.panel.clear()
        self._set_count(0)
        self.dock.show_listing(FileListing(()))
        self.dock.show_details(self.info)
        self.frame_label.setText(" ")
        self._update_title()
        self._update_enabled()

    def _close_file(self) -> None:
        self.exporter.stop()  # it reads from this file
        self._stop_following()
        self.pause()
        self.transport.cancel()
        self.recording = None
        if self.rec_file is not None:
            self.rec_file.close()
            self.rec_file = None

    def _load_details(self) -> None:
        """Integrity summary, facts and session of the recording on screen."""
        if self.recording is None:
            return
        self.info = load_details(self.path, self.recording, self.rec_file.swmr)
        self.slider.set_marks(self.info.gap_indices)
        self.dock.show_details(self.info)
        self._details_age.start()
        self._update_frame_label()
        self._update_enabled()

    # ==== frames =============================================================================
    @property
    def report(self) -> IntegrityReport | None:
        """The integrity report of the recording on screen (None until it is read)."""
        return self.info.report

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
        return self._follower is not None

    @property
    def seek_interval_ms(self) -> int:
        """Milliseconds between frame reads while the slider moves (the last one always shows)."""
        return self.transport.seek_interval_ms

    @seek_interval_ms.setter
    def seek_interval_ms(self, value: int) -> None:
        self.transport.seek_interval_ms = value

    def request_frame(self, index: int) -> None:
        """Show frame ``index`` soon, throttled like a slider drag (the last request wins)."""
        if self.recording is not None:
            self.transport.request(index)

    def _on_frame_requested(self, index: int) -> None:
        if index != self._index:
            self.show_frame(index)

    def show_frame(self, index: int) -> bool:
        """Read frame ``index`` and put it on screen now (no throttling)."""
        if self.recording is None or self._count == 0:
            return False
        index = max(0, min(int(index), self._count - 1))
        self.transport.read_started()
        try:
            frame = self.recording.frame(index)
        except (StorageError, IndexError) as exc:
            self.show_message(str(exc), Level.ERROR)
            return False
        self.panel.set_frame(frame)
        self._index = index
        self.transport.show_index(index)
        self._update_frame_label()
        self.frame_shown.emit(index)
        return True

    def step(self, delta: int) -> None:
        """Move ``delta`` frames (arrow keys), pausing playback."""
        if self.recording is None or not self._count:
            return
        self.pause()
        pending = self.transport.pending
        base = pending if pending is not None else self._index
        self.request_frame(max(0, min(base + delta, self._count - 1)))

    def last_frame(self) -> None:
        self.show_frame(self._count - 1)

    def frame_time(self, index: int) -> float | None:
        """Seconds from the first frame to frame ``index`` (None without timestamps)."""
        return self.info.frame_time(index)

    def recorded_fps(self) -> float | None:
        """The camera's rate from the timestamps, None if unknown."""
        return self.info.recorded_fps()

    def _set_count(self, n: int) -> None:
        self._count = n
        self.transport.set_count(n)
        self.frame_count_changed.emit(n)

    def _update_frame_label(self) -> None:
        if self.recording is None or self._index < 0:
            self.frame_label.setText(" ")
        else:
            self.frame_label.setText(self.info.describe_frame(self._index, self._count))

    # ==== playback ===========================================================================
    @property
    def playing(self) -> bool:
        """Whether playback is running."""
        return self._play_timer.isActive()

    def toggle_play(self) -> None:
        """Play or pause (Space)."""
        self.pause() if self.playing else self.play()

    def play(self) -> None:
        """Play from the frame on screen (from the start if at the end)."""
        if self.recording is None or self._count < 2:
            return
        if self._index >= self._count - 1 and not self.following:
            self.show_frame(0)
        self._restart_playback()
        self.acts["play"].setText("&Pause")
        self.acts["play"].setIcon(self._pause_icon)

    def pause(self) -> None:
        """Stop playback, keeping the frame on screen."""
        self._play_timer.stop()
        self._clock.stop()
        if hasattr(self, "acts"):
            self.acts["play"].setText("&Play")
            self.acts["play"].setIcon(self._play_icon)

    def _restart_playback(self) -> None:
        self._clock = PlaybackClock(self.info.timestamps, self.info.recorded_fps())
        self._clock.start(self._index, self.transport.speed_factor())
        self._play_timer.start(self._clock.period_ms())

    def _on_speed_changed(self) -> None:
        if self.playing:
            self._restart_playback()  # from the frame on screen, at the new speed

    def _play_tick(self) -> None:
        step = self._clock.due(self._index, self._count)
        if step.ended and not self.following:
            self.show_frame(step.index)
            self.pause()
        elif step.index != self._index:
            self.show_frame(step.index)

    # ==== following a recording that is being written ==========================================
    def _start_following(self) -> None:
        self._follower = Follower(self.rec_file, self.recording, self.still_checks_before_reopen)
        self._follow_timer.start(self.follow_interval_ms)
        self.show_message(self._follower.notice())
        self._update_title()
        self.following_changed.emit(True)

    def _stop_following(self) -> None:
        self._follow_timer.stop()
        if self._follower is not None:
            self._follower = None
            self._update_title()
            self.following_changed.emit(False)

    def _follow_tick(self) -> None:
        index, before = self._index, self._count
        update = self._follower.check(may_reopen=not self.exporter.running)
        self.rec_file, self.recording = self._follower.rec_file, self._follower.recording
        if update.reopened:
            self.dock.show_listing(list_recordings(self.rec_file), self.recording.name)
        if update.grew or update.reopened:
            self._set_count(update.frames)
            if index >= before - 1 and not self.playing:
                self.show_frame(update.frames - 1)  # like tail -f: stay on the newest frame
            elif update.reopened:
                self.show_frame(min(index, update.frames - 1))
            if update.reopened or self._details_age.elapsed() > 2000:
                self._load_details()
            self._update_frame_label()
        if update.notice is not None:
            self.show_message(update.notice)
        if not update.following:
            self._stop_following()

    # ==== settings ===========================================================================
    def request_load_settings(self) -> None:
        """Send the recording's session to the main window (:attr:`load_settings_requested`)."""
        self.session.request_load()

    def save_settings(self, path: str | Path | None = None) -> bool:
        """Write the recording's session as a YAML file (asks where if ``path`` is None)."""
        return self.session.save(path)

    # ==== export =============================================================================
    def export_frame(self, path: str | Path | None = None) -> bool:
        """Save the frame on screen as a 16-bit TIFF or PNG (by the suffix; asks if no path)."""
        frame = self.panel.frame
        if self.recording is None or frame is None:
            return False
        notice = export_frame(self, self.recording, frame, self._index, path)
        if notice is not None and notice.level is Level.INFO:
            self.statusBar().showMessage(notice.text, 5000)
        elif notice is not None:
            self.show_message(notice)
        return notice is not None and notice.level is Level.INFO

    def choose_export_range(self) -> None:
        """Ask for a frame range and a file, then export."""
        if self.recording is None or not self._count:
            return
        choice = ask_range(self, self._count, max(0, self._index), self.recording.frame_nbytes,
                           suggested_range_path(self.path))  # fmt: skip
        if choice is not None:
            self.export_range(*choice)

    def export_range(self, path: str | Path, start: int, stop: int) -> bool:
        """Copy frames ``start`` to ``stop - 1`` to a new recording in ``path`` in the
        background; :attr:`export_finished` reports the end. False if it could not start."""
        if self.recording is None:
            return False
        if self.exporter.running:
            self.show_message("An export is already running.", Level.WARNING)
            return False
        problem = range_problem(start, stop, self._count)
        if problem:
            self.show_message(problem, Level.ERROR)
            return False
        self.exporter.start(self.recording, Path(path), start, stop)
        return True

    def cancel_export(self) -> None:
        """Stop a running export after the frame being copied."""
        self.exporter.cancel()

    def _on_export_done(self, report: ExportReport) -> None:
        self.show_message(report.notice)
        self.export_finished.emit(report.notice.text)

    # ==== messages, title, state ===============================================================
    def show_message(self, text: str | Notice, level: Level = Level.ERROR) -> None:
        """Show a message (a :class:`Notice`, or text at ``level``) in the banner and status bar."""
        notice = text if isinstance(text, Notice) else Notice(text, Level(level))
        self.messages.append((notice.level.value, notice.text))
        self.banner.show_message(notice.text, notice.level.value)
        self.statusBar().showMessage(notice.text.splitlines()[0] if notice.text else "", 15000)

    def clear_message(self) -> None:
        """Hide the banner."""
        self.banner.clear()

    def message(self) -> str:
        """The message in the banner ("" if none)."""
        return self.banner.text()

    def _update_title(self) -> None:
        title = "Timelapse viewer – uutrack_gui"
        if self.path is not None and self.recording is not None:
            live = " (recording…)" if self.following else ""
            title = f"{self.path.name} – {self.recording.name}{live} – {title}"
        self.setWindowTitle(title)

    def _update_enabled(self) -> None:
        has = {
            Needs.ALWAYS: True,
            Needs.FILE: self.path is not None,
            Needs.FRAMES: self.recording is not None and self._count > 0,
            Needs.SESSION: self.recording is not None and self.info.loadable,
        }
        for spec in ACTIONS:
            self.acts[spec.key].setEnabled(has[spec.needs])
        self.transport.set_usable(has[Needs.FRAMES])

    # ==== drag and drop, closing ===============================================================
    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        event.acceptProposedAction() if _dropped_path(event.mimeData()) else event.ignore()

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

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the timers, cancel an export and close the file. Idempotent."""
        self._play_timer.stop()
        self._close_file()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _dropped_path(mime: QtCore.QMimeData) -> Path | None:
    """The first local file of a drag, or None."""
    if mime is None or not mime.hasUrls():
        return None
    return next((Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()), None)
