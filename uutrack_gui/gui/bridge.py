"""Core events as Qt signals: the one place where worker threads meet the GUI thread.

:class:`~uutrack_gui.acquisition.events.RunnerEvents` are emitted on the camera thread or the
saver's watcher thread. :class:`RunnerBridge` re-emits each as a Qt signal; because the bridge
lives on the GUI thread, Qt queues the signal and the connected slots run on the GUI thread,
where touching widgets is allowed.

``frame_ready`` (one call per camera frame) is deliberately not bridged: the live view reads
:attr:`AcquisitionRunner.newest` on its own timer, so a fast camera cannot flood the event loop.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PyQt5 import QtCore

from uutrack_gui.acquisition.runner import AcquisitionRunner


class RunnerBridge(QtCore.QObject):
    """Re-emits an :class:`AcquisitionRunner`'s events as Qt signals on the GUI thread.

    Parameters
    ----------
    runner : AcquisitionRunner
        The runner whose events are bridged; :meth:`detach` disconnects from it.
    parent : QObject, optional
        Qt parent (the main window).

    Signals
    -------
    state_changed(object)
        The new :class:`~uutrack_gui.acquisition.runner.RunState`.
    recording_started(str, str)
        Path of the file and name of the recording's group, once the saver has opened it.
    recording_finished(object)
        The :class:`~uutrack_gui.storage.saver.SaverResult`, once the saver has exited.
    frames_dropped(int)
        The new total of frames lost in the current recording.
    error(str)
        A fault the operator must see (saver died, disk full, camera failed).
    """

    state_changed = QtCore.pyqtSignal(object)
    recording_started = QtCore.pyqtSignal(str, str)
    recording_finished = QtCore.pyqtSignal(object)
    frames_dropped = QtCore.pyqtSignal(int)
    error = QtCore.pyqtSignal(str)

    def __init__(self, runner: AcquisitionRunner, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        events = runner.events
        self._links: list[tuple[Any, Callable[..., None]]] = [
            (events.state_changed, self._relay(self.state_changed)),
            (events.recording_started, self._relay(self.recording_started)),
            (events.recording_finished, self._relay(self.recording_finished)),
            (events.frames_dropped, self._relay(self.frames_dropped)),
            (events.error, self._relay(self.error)),
        ]
        for event, callback in self._links:
            event.connect(callback)

    def _relay(self, signal: QtCore.pyqtBoundSignal) -> Callable[..., None]:
        def emit(*args: Any) -> None:
            # A worker thread may still be emitting while the window is torn down; a deleted
            # bridge must not raise in that thread (the event is simply not shown any more).
            with contextlib.suppress(RuntimeError):
                signal.emit(*args)

        return emit

    def detach(self) -> None:
        """Stop relaying the runner's events (call before dropping the runner or the bridge)."""
        for event, callback in self._links:
            event.disconnect(callback)
        self._links = []
