"""The timelapse viewer window: composition and Qt wiring over :mod:`uutrack_gui.browse`.

It reads only the frame on screen plus the small per-frame counters and timestamps, so the
first frame is up at once and any frame follows a slider move at once. Bad files get a one-line
message in the banner and status bar; the window stays usable.
"""

from __future__ import annotations

from pathlib import Path

from PyQt5 import QtCore, QtGui, QtWidgets

from uutrack_gui.browse.model import (
    FileListing,
    display_saturation,
    empty_details,
    load_details,
    open_recordings,
    same_file,
)
from uutrack_gui.browse.notice import Level, Notice
from uutrack_gui.browse.playback import Step
from uutrack_gui.gui.banner import MessageBanner
from uutrack_gui.gui.cheatsheet import CheatSheet, Window
from uutrack_gui.gui.image_panel import ImagePanel
from uutrack_gui.gui.recent import add_recent_file
from uutrack_gui.gui.viewer.actions import build_viewer_actions, fill_recent_menu
from uutrack_gui.gui.viewer.details import RecordingDock
from uutrack_gui.gui.viewer.drops import FileDrops
from uutrack_gui.gui.viewer.export import ExportRunner
from uutrack_gui.gui.viewer.following import Following
from uutrack_gui.gui.viewer.settings import SessionActions
from uutrack_gui.gui.viewer.transport import Player, TransportBar
from uutrack_gui.storage.errors import StorageError
from uutrack_gui.storage.integrity import IntegrityReport
from uutrack_gui.storage.reader import Recording, RecordingFile

RECORDING_FILTER = "Recordings (*.h5 *.hdf5 *.hdf);;All files (*)"


class ViewerWindow(QtWidgets.QMainWindow):
    """A window that shows one recording of an HDF5 file.

    Parameters
    ----------
    path : Path, optional
        A file to open at once (a bad file gives a message in the window, not an exception).
    parent : QWidget, optional
        Qt parent (normally none).
    """

    #: The YAML text of the open recording's session ("Load these settings").
    load_settings_requested = QtCore.pyqtSignal(str)
    #: A frame was put on screen (its index).
    frame_shown = QtCore.pyqtSignal(int)
    #: A file was opened (its path).
    file_opened = QtCore.pyqtSignal(str)
    #: A file could not be opened (the message shown).
    open_failed = QtCore.pyqtSignal(str)
    #: The number of frames changed (a recording that is still being written grew).
    frame_count_changed = QtCore.pyqtSignal(int)
    #: Following a growing recording started (True) or stopped (False).
    following_changed = QtCore.pyqtSignal(bool)
    #: A frame-range export ended (the message shown: done, cancelled or failed).
    export_finished = QtCore.pyqtSignal(str)

    def __init__(self, path: Path | None = None, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewerWindow")
        self.setAcceptDrops(True)  # handled by FileDrops
        self.resize(1280, 820)
        #: Milliseconds between size checks of a recording that is being written.
        self.follow_interval_ms = 500
        #: Checks without growth before the file is reopened to see whether it was finished.
        self.still_checks_before_reopen = 3
        self.path: Path | None = None
        self.rec_file: RecordingFile | None = None
        self.recording: Recording | None = None
        self.info = empty_details()
        #: The frame on screen (-1 if none) and the frames as far as known (grow while following).
        self.frame_index, self.frame_count = -1, 0

        self.banner, self.panel = MessageBanner(), ImagePanel()
        self.transport = TransportBar()
        self.transport.frame_requested.connect(self._on_frame_requested)
        self.transport.scrub_started.connect(self.pause)
        self.transport.speed_changed.connect(self._on_speed_changed)
        self.slider, self.spin = self.transport.slider, self.transport.spin
        self.speed = self.transport.speed
        self.frame_label = QtWidgets.QLabel(" ", objectName="frameLabel")
        self.frame_label.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        self.frame_label.setWordWrap(True)  # all of it on a 1024-pixel screen
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

        self.exporter = ExportRunner(self)
        self.follow = Following(self)
        self.follow.changed.connect(self._on_following_changed)
        self.settings_io = SessionActions(self)
        self.details.load_clicked.connect(self.request_load_settings)
        self.details.save_clicked.connect(self.save_settings)
        self._cheat_sheet: CheatSheet | None = None
        self.acts = build_viewer_actions(self, self.dock.view_action())  # + self.recent_menu
        self.transport.use_actions(self.acts)
        self.recent_menu.aboutToShow.connect(
            lambda: fill_recent_menu(self.recent_menu, self.open_file)
        )
        self.panel.auto_levels_continuous_changed.connect(lambda _on: self.acts.refresh())
        self.player = Player(self.acts["play"], lambda: (self.frame_index, self.frame_count), self)
        self.player.step.connect(self._on_play_step)
        self.drops = FileDrops(self)
        self.drops.dropped.connect(self.open_file)
        self.installEventFilter(self.drops)

        self._update_enabled()
        self._update_title()
        if path is not None:
            self.open_file(path)
        else:
            self.statusBar().showMessage("Open a recording: File > Open (Ctrl+O), or drop a file")

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
        if self.path is not None and same_file(path, self.path):
            # Closed first: reopening a file this process holds open would give the old
            # handle's state (SWMR mode, cached attributes) instead of what is on disk now.
            self._close_file()
            self._show_nothing()
        try:
            rec_file, listing, name = open_recordings(path, recording)
        except StorageError as exc:
            self.show_message(f"Cannot open {path.name}: {exc}", Level.ERROR)
            self.open_failed.emit(str(exc))
            return False
        self._close_file()
        self.rec_file, self.path = rec_file, path
        self.dock.show_listing(listing)
        shown = self.select_recording(name)
        if shown:
            add_recent_file(path)
            self.file_opened.emit(str(path))
        return shown

    def select_recording(self, name: str) -> bool:
        """Show recording ``name`` of the open file from its first frame."""
        if self.rec_file is None:
            return False
        self.follow.stop()
        self.pause()
        try:
            rec = self.rec_file.recording(name)
        except StorageError as exc:
            self.show_message(str(exc), Level.ERROR)
            return False
        self.recording, self.info, self.frame_index = rec, empty_details(rec), -1
        self.panel.clear()
        self.panel.set_pixel_size(rec.pixel_size_um)  # scale bar, profile and ROI in µm
        self.panel.set_saturation_value(display_saturation(rec))
        self.recordings.select_name(name)
        self.set_count(len(rec))
        self.clear_message()
        if self.frame_count:
            self.show_frame(0)
            self.panel.auto_levels_once()  # a new recording: levels fitted to it, not the last one
        else:
            self.frame_label.setText("No frames yet")
        self._update_title()
        self._update_enabled()
        # The first frame is on screen; the rest (integrity, session, timestamps) follows.
        QtCore.QTimer.singleShot(0, self.load_details)
        if self.rec_file.swmr and rec.finished_cleanly is False:
            self.follow.start()
        return True

    def _on_recording_chosen(self, name: str) -> None:
        if self.recording is not None and name != self.recording.name:
            self.select_recording(name)

    def reload(self) -> bool:
        """Reopen the file, keeping the recording and the frame on screen."""
        if self.path is None:
            return False
        index = self.frame_index
        if not self.open_file(self.path, self.recording.name if self.recording else None):
            return False
        if index > 0:
            self.show_frame(min(index, self.frame_count - 1))
        return True

    def _show_nothing(self) -> None:
        self.path, self.frame_index, self.info = None, -1, empty_details()
        self.panel.clear()
        self.set_count(0)
        self.dock.show_listing(FileListing(()))
        self.dock.show_details(self.info)
        self.frame_label.setText(" ")
        self._update_title()
        self._update_enabled()

    def _close_file(self) -> None:
        self.exporter.stop()  # it reads from this file
        self.follow.stop()
        self.pause()
        self.transport.cancel()
        self.recording = None
        if self.rec_file is not None:
            self.rec_file.close()
            self.rec_file = None

    def load_details(self) -> None:
        """Read and show the integrity summary, facts and session of the recording on screen."""
        if self.recording is None:
            return
        self.info = load_details(self.path, self.recording, self.rec_file.swmr)
        self.slider.set_marks(self.info.gap_indices)
        self.dock.show_details(self.info)
        self._update_frame_label()
        self._update_enabled()

    @property
    def report(self) -> IntegrityReport | None:
        """The integrity report of the recording on screen (None until it is read)."""
        return self.info.report

    # ==== frames =============================================================================
    def request_frame(self, index: int) -> None:
        """Show frame ``index`` soon, throttled like a slider drag (the last request wins)."""
        if self.recording is not None:
            self.transport.request(index)

    def _on_frame_requested(self, index: int) -> None:
        if index != self.frame_index:
            self.show_frame(index)

    def show_frame(self, index: int) -> bool:
        """Read frame ``index`` (negative counts from the end) and show it now, unthrottled."""
        if self.recording is None or self.frame_count == 0:
            return False
        index = int(index) + (self.frame_count if index < 0 else 0)
        index = max(0, min(index, self.frame_count - 1))
        self.transport.read_started()
        try:
            frame = self.recording.frame(index)
        except (StorageError, IndexError) as exc:
            self.show_message(str(exc), Level.ERROR)
            return False
        self.panel.set_frame(frame)
        self.frame_index = index
        self.transport.show_index(index)
        self._update_frame_label()
        self.frame_shown.emit(index)
        return True

    def step(self, delta: int) -> None:
        """Move ``delta`` frames (arrow keys), pausing playback."""
        if self.recording is None or not self.frame_count:
            return
        self.pause()
        pending = self.transport.pending
        base = pending if pending is not None else self.frame_index
        self.request_frame(max(0, min(base + delta, self.frame_count - 1)))

    def set_count(self, n: int) -> None:
        """The recording has ``n`` frames (it grows while it is being written)."""
        self.frame_count = n
        self.transport.set_count(n)
        self._update_enabled()  # a followed recording's first frame enables the frame actions
        self.frame_count_changed.emit(n)

    def _update_frame_label(self) -> None:
        shown = self.recording is not None and self.frame_index >= 0
        text = self.info.describe_frame(self.frame_index, self.frame_count) if shown else " "
        self.frame_label.setText(text)

    # ==== playback ===========================================================================
    @property
    def playing(self) -> bool:
        """Whether playback is running."""
        return self.player.playing

    def toggle_play(self) -> None:
        """Play or pause (Space)."""
        (self.pause if self.playing else self.play)()

    def play(self) -> None:
        """Play from the frame on screen (from the start if at the end)."""
        if self.recording is None or self.frame_count < 2:
            return
        if self.frame_index >= self.frame_count - 1 and not self.following:
            self.show_frame(0)
        self.player.start(self.info, self.frame_index, self.transport.speed_factor())

    def pause(self) -> None:
        """Stop playback, keeping the frame on screen."""
        self.player.stop()

    def _on_speed_changed(self) -> None:
        if self.playing:  # from the frame on screen, at the new speed
            self.player.start(self.info, self.frame_index, self.transport.speed_factor())

    def _on_play_step(self, step: Step) -> None:
        if step.index != self.frame_index:
            self.show_frame(step.index)
        if step.ended and not self.following:
            self.pause()

    # ==== following a recording that is being written ==========================================
    @property
    def following(self) -> bool:
        """Whether the viewer is following a recording that is being written."""
        return self.follow.active

    def _on_following_changed(self, following: bool) -> None:
        self._update_title()
        self.following_changed.emit(following)

    # ==== settings and export ==================================================================
    def request_load_settings(self) -> None:
        """Send the recording's session to the main window (:attr:`load_settings_requested`)."""
        self.settings_io.request_load()

    def save_settings(self, path: str | Path | None = None) -> bool:
        """Write the recording's session as a YAML file (asks where if ``path`` is None)."""
        return self.settings_io.save(path)

    def export_frame(self, path: str | Path | None = None) -> bool:
        """Save the frame on screen as a 16-bit TIFF or PNG (by the suffix; asks if no path)."""
        return self.exporter.export_frame(path)

    def export_range(self, path: str | Path, start: int, stop: int) -> bool:
        """Copy frames ``start`` to ``stop - 1`` to a new recording in ``path`` in the
        background; :attr:`export_finished` reports the end. False if it could not start."""
        return self.exporter.export_range(path, start, stop)

    # ==== messages, title, state ===============================================================
    def show_message(self, text: str | Notice, level: Level = Level.ERROR) -> None:
        """Show a message (a :class:`Notice`, or text at ``level``) in the banner and status bar."""
        notice = text if isinstance(text, Notice) else Notice(text, Level(level))
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
        self.acts.refresh()
        self.transport.set_usable(self.recording is not None and self.frame_count > 0)

    def show_cheat_sheet(self) -> CheatSheet:
        """F1: the keys and mouse gestures of both windows."""
        if self._cheat_sheet is None:
            self._cheat_sheet = CheatSheet(self.acts.values(), self, Window.VIEWER)
        self._cheat_sheet.show()
        self._cheat_sheet.raise_()
        return self._cheat_sheet

    # ==== closing ============================================================================
    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop playback and following, cancel an export and close the file. Idempotent."""
        self._close_file()
