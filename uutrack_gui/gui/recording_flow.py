"""Record as the operator set it up: the named file, the length, the time-lapse, and what to do
with the file after Stop ("Open in viewer", "Show folder").

Connects the :class:`~uutrack_gui.gui.recording_bar.RecordingBar` to the controller: the bar
says what the next recording is, this class reserves its file (never overwriting one), starts
it, shows its progress and, after Stop, names the file and offers it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PyQt5 import QtCore, QtGui

from uutrack_gui.acquisition.controller import AcquisitionController, ControllerError
from uutrack_gui.acquisition.recording_plan import RecordingPlan, finishing_progress, progress
from uutrack_gui.acquisition.runner import RecordingRefused
from uutrack_gui.acquisition.status import AcquisitionStatus, RunState
from uutrack_gui.config import Session
from uutrack_gui.gui.notifier import Level, Notifier, sentence
from uutrack_gui.gui.recording_bar import RecordingBar
from uutrack_gui.storage.saver import SaverResult


class RecordingFlow:
    """Starts recordings from the recording bar and follows them to their file.

    Parameters
    ----------
    controller : AcquisitionController
    bar : RecordingBar
    notifier : Notifier
    apply_session : callable
        Puts a session in force (the window's :class:`SessionManager`), to keep the recording
        name in the session (it is in the metadata and comes back at the next launch).
    open_viewer : callable
        Opens a recording in the viewer.

    Attributes
    ----------
    plan_in_use : RecordingPlan or None
        What the running recording was started with.
    """

    def __init__(
        self,
        controller: AcquisitionController,
        bar: RecordingBar,
        notifier: Notifier,
        apply_session: Callable[[Session], bool],
        open_viewer: Callable[[Path], object],
    ) -> None:
        self._controller = controller
        self._bar = bar
        self._notifier = notifier
        self._apply_session = apply_session
        self._open_viewer = open_viewer
        self.plan_in_use: RecordingPlan | None = None
        bar.name_changed.connect(lambda _name: self.show_next_file())
        bar.name_edit.editingFinished.connect(self.keep_name)
        bar.prebuffer_seconds_changed.connect(self.set_prebuffer_seconds)

    # --- before Record ------------------------------------------------------------------------
    def show_next_file(self) -> Path | None:
        """Show (and return) the file the next recording goes to; nothing is created."""
        session = self._controller.session
        try:
            path = session.video_path(name=self._bar.plan().name or session.saving.filename_video)
        except OSError as exc:  # the data folder is not a folder: Record will say so too
            self._bar.next_file.setText(f"(data folder not usable: {exc.strerror})")
            return None
        self._bar.show_next_file(path, Path(session.saving.directory).expanduser())
        return path

    def keep_name(self) -> None:
        """Put the typed recording name into the session (a valid one; empty restores it)."""
        session = self._controller.session
        name = self._bar.plan().name
        if not name:
            self._bar.set_name(session.saving.filename_video)
        elif name != session.saving.filename_video and not self._controller.state.writing:
            session.saving.filename_video = name
            self._apply_session(session)
        self.show_next_file()

    def settings_changed(self, session: Session) -> None:
        """A new session: its recording name and next file; the pre-record size at its rate."""
        self._bar.set_name(session.saving.filename_video)
        self.show_next_file()
        self._bar.show_prebuffer_size(self._controller.prebuffer_size())

    def set_prebuffer_seconds(self, seconds: float) -> None:
        """The pre-record buffer keeps ``seconds`` (within its memory cap)."""
        self._bar.show_prebuffer_size(self._controller.set_prebuffer_seconds(seconds))

    def set_prebuffer(self, on: bool) -> None:
        """Keep the last seconds of frames for the next recording (Ctrl+B)."""
        try:
            self._controller.set_prebuffer(on)
        except (RecordingRefused, ControllerError) as exc:
            self._notifier.error(sentence(str(exc)))
            return
        size = self._controller.prebuffer_size()
        self._notifier.notify(
            f"Pre-record buffer on: the last {size.seconds:.1f} s ({size.megabytes:.0f} MB) of "
            "frames are kept and a recording will start with them."
            if on
            else "Pre-record buffer off."
        )

    def clear_prebuffer(self) -> None:
        """Drop the frames the pre-record buffer holds (Ctrl+F)."""
        self._controller.clear_prebuffer()
        self._notifier.notify("Pre-record buffer cleared.")

    # --- Record ---------------------------------------------------------------------------------
    def start(self) -> bool:
        """Start the recording the bar describes; a refusal is shown, not raised."""
        plan = self._bar.plan()
        try:
            schedule = plan.schedule
        except ValueError as exc:
            self._notifier.error(f"Recording refused: {exc}")
            return False
        self.keep_name()
        session = self._controller.session
        name = plan.name or session.saving.filename_video
        try:
            # The controller reserves <name>_<NNN>.h5 in today's folder (or the day's file).
            saver = self._controller.start_recording(None, plan.max_frames, schedule, name=name)
            path = saver.path
        except (RecordingRefused, ControllerError) as exc:
            self._notifier.error(f"Recording refused: {exc}")
            return False
        self.plan_in_use = plan
        self._bar.set_recording(True)
        what = "" if schedule is None and plan.max_frames is None else f" ({_describe(plan)})"
        self._notifier.notify(f"Recording to {path}{what}")
        return True

    def show(self, status: AcquisitionStatus) -> None:
        """Status tick: the progress of a limited recording."""
        plan, rec = self.plan_in_use, status.recording
        if rec is not None and status.state is RunState.FINISHING:
            self._bar.show_progress(finishing_progress(rec))  # until the file is finished
            return
        if plan is None or rec is None or status.state is not RunState.RECORDING:
            self._bar.show_progress(None)
            return
        fps = status.camera_fps or self._controller.camera.fps or 0.0
        self._bar.show_progress(progress(plan, rec, fps))

    # --- after Stop -----------------------------------------------------------------------------
    def finished(self, result: SaverResult) -> None:
        """The recording's file is complete: name it and offer it."""
        self.plan_in_use = None
        self._bar.set_recording(False)
        self.show_next_file()

    def last_file(self) -> Path | None:
        """The last recording's file, if it exists."""
        result = self._controller.last_result
        if result is None or not result.path or not Path(result.path).exists():
            return None
        return Path(result.path)

    def open_last(self) -> object:
        """ "Open in viewer": the last recording."""
        path = self.last_file()
        return self._open_viewer(path) if path is not None else None

    def show_folder(self) -> bool:
        """ "Show folder": the last recording's folder (else the day's) in the file manager."""
        path = self.last_file()
        folder = path.parent if path is not None else self._controller.session.folder_for()
        done = QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(str(folder)))
        if not done:
            self._notifier.notify(f"Could not open the folder {folder}", Level.WARNING)
        return bool(done)


def _describe(plan: RecordingPlan) -> str:
    parts = []
    if plan.max_frames is not None:
        parts.append(f"{plan.max_frames} frames")
    elif plan.schedule is not None and plan.schedule.duration_s is not None:
        parts.append(f"{plan.schedule.duration_s:g} s")
    if plan.schedule is not None and plan.schedule.interval_s is not None:
        parts.append(f"one frame every {plan.schedule.interval_s:g} s")
    elif plan.schedule is not None and plan.schedule.every > 1:
        parts.append(f"every {plan.schedule.every}th frame")
    return ", ".join(parts)
