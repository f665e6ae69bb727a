"""The viewer's Qt side of following a recording that is still being written.

A timer asks the :class:`~uutrack_gui.browse.follow.Follower` what changed and puts it on
screen: the new frame count, the newest frame (like ``tail -f``) when the newest was on screen,
the refreshed details, and the message; it stops when the recording has ended.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt5 import QtCore

from uutrack_gui.browse.follow import Follower
from uutrack_gui.browse.model import list_recordings

if TYPE_CHECKING:
    from uutrack_gui.gui.viewer.window import ViewerWindow

#: Milliseconds between reloads of the details of a growing recording (not at every look).
DETAILS_EVERY_MS = 2000


class Following(QtCore.QObject):
    """Follows the viewer's open recording while it is being written.

    Signals
    -------
    changed(bool)
        Following started (True) or stopped (False).
    """

    changed = QtCore.pyqtSignal(bool)

    def __init__(self, window: ViewerWindow) -> None:
        super().__init__(window)
        self._window = window
        self.follower: Follower | None = None
        self._timer = QtCore.QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._details_age = QtCore.QElapsedTimer()

    @property
    def active(self) -> bool:
        """Whether a recording is being followed."""
        return self.follower is not None

    def start(self) -> None:
        """Follow the window's recording, looking every ``window.follow_interval_ms``."""
        window = self._window
        self.follower = Follower(
            window.rec_file, window.recording, window.still_checks_before_reopen
        )
        self._timer.start(window.follow_interval_ms)
        self._details_age.start()
        window.show_message(self.follower.notice())
        self.changed.emit(True)

    def stop(self) -> None:
        """Stop following (the file stays open)."""
        self._timer.stop()
        if self.follower is not None:
            self.follower = None
            self.changed.emit(False)

    def _tick(self) -> None:
        window = self._window
        index, before = window.frame_index, window.frame_count
        update = self.follower.check(may_reopen=not window.exporter.running)
        # A reopen replaced the file handle (or, if it failed, left none until the next look).
        window.rec_file, window.recording = self.follower.rec_file, self.follower.recording
        if update.reopened:
            window.dock.show_listing(list_recordings(window.rec_file), window.recording.name)
        if update.grew or update.reopened:
            window.set_count(update.frames)
            if index >= before - 1 and not window.playing:
                window.show_frame(update.frames - 1)  # like tail -f: stay on the newest frame
            elif update.reopened:
                window.show_frame(min(index, update.frames - 1))
            if update.reopened or self._details_age.elapsed() > DETAILS_EVERY_MS:
                window.load_details()
                self._details_age.start()
        if update.notice is not None:
            window.show_message(update.notice)
        if not update.following:
            self.stop()
